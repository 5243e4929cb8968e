//! Customers: profiles (imported or saved by a form) and everything stored about one customer —
//! their contacts, tickets, survey answers and return visits — for the customer page, the
//! customer card and `servq customers show`.

use servq_core::CustomerRecord;
use sqlx::Row;

use crate::{Actor, ImportRowError, ImportSummary, Result, Store, StoreError, users::audit};

/// A customer's profile as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCustomer {
    /// The profile.
    pub record: CustomerRecord,
    /// Who saved it last (`import` for a file).
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
}

/// A contact of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerContactLine {
    /// The contact.
    pub contact_id: String,
    /// Offered, epoch ms.
    pub offered_ms: i64,
    /// Whether an agent answered it.
    pub answered: bool,
    /// Its channel.
    pub channel: String,
    /// Its queue.
    pub queue: String,
    /// Its category.
    pub category: String,
    /// Its agent ('' when unanswered).
    pub agent_id: String,
    /// Whether it has a transcript.
    pub transcript: bool,
}

/// A ticket of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerTicketLine {
    /// The ticket.
    pub ticket_id: String,
    /// Created, epoch ms.
    pub created_ms: i64,
    /// Its type (`complaint` for a complaint).
    pub ticket_type: String,
    /// Its subject.
    pub subject: String,
    /// Where it stands.
    pub status: servq_desk::TicketStatus,
    /// Its assignee.
    pub assignee: String,
}

/// A survey answer of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerSurveyLine {
    /// The response.
    pub response_id: String,
    /// Answered, epoch ms.
    pub responded_ms: i64,
    /// The contact it rated.
    pub contact_id: String,
    /// CSAT, 1–5.
    pub csat: Option<i64>,
    /// NPS, 0–10.
    pub nps: Option<i64>,
    /// The customer's comment.
    pub comment: String,
}

/// A return visit to a customer after a complaint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerVisitLine {
    /// The complaint ticket.
    pub ticket_id: String,
    /// Visited, epoch ms.
    pub visited_ms: i64,
    /// satisfied, unsatisfied or unreachable.
    pub outcome: String,
    /// Who called.
    pub visited_by: String,
}

/// Everything stored about one customer, each list newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerHistory {
    /// Contacts.
    pub contacts: Vec<CustomerContactLine>,
    /// Tickets.
    pub tickets: Vec<CustomerTicketLine>,
    /// Survey answers (of the customer's contacts, or sent to the customer).
    pub surveys: Vec<CustomerSurveyLine>,
    /// Return visits.
    pub visits: Vec<CustomerVisitLine>,
}

impl CustomerHistory {
    /// Nothing stored names the customer (a return visit is of one of their tickets).
    pub fn is_empty(&self) -> bool {
        self.contacts.is_empty() && self.tickets.is_empty() && self.surveys.is_empty()
    }
}

fn customer_of(row: &sqlx::any::AnyRow) -> Result<StoredCustomer> {
    let corrupt = |column: &'static str, value: String| StoreError::CorruptValue { column, value };
    let tags: String = row.try_get("tags")?;
    let attributes: String = row.try_get("attributes")?;
    let day = |column: &'static str| -> Result<Option<jiff::civil::Date>> {
        let text: String = row.try_get(column)?;
        if text.is_empty() {
            return Ok(None);
        }
        text.parse().map(Some).map_err(|_| corrupt(column, text))
    };
    Ok(StoredCustomer {
        record: CustomerRecord {
            customer_id: row.try_get("customer_id")?,
            name: row.try_get("name")?,
            phone: row.try_get("phone")?,
            email: row.try_get("email")?,
            language: row.try_get("language")?,
            segment: row.try_get("segment")?,
            tags: serde_json::from_str(&tags).map_err(|_| corrupt("tags", tags.clone()))?,
            since: day("since")?,
            closed_at: day("closed_at")?,
            attributes: serde_json::from_str(&attributes)
                .map_err(|_| corrupt("attributes", attributes.clone()))?,
        },
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

const CUSTOMER_COLUMNS: &str = "customer_id, name, phone, email, language, segment, tags, since, \
                                closed_at, attributes, updated_by, updated_at";

async fn write_customer(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    record: &CustomerRecord,
    by: &str,
    now_ms: i64,
) -> Result<()> {
    let day = |d: Option<jiff::civil::Date>| d.map_or(String::new(), |d| d.to_string());
    sqlx::query("DELETE FROM customers WHERE customer_id = $1")
        .bind(record.customer_id.as_str())
        .execute(&mut **transaction)
        .await?;
    sqlx::query(
        "INSERT INTO customers (customer_id, name, phone, email, language, segment, tags, since, \
         closed_at, attributes, updated_by, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(record.customer_id.as_str())
    .bind(record.name.as_str())
    .bind(record.phone.as_str())
    .bind(record.email.as_str())
    .bind(record.language.as_str())
    .bind(record.segment.as_str())
    .bind(serde_json::to_string(&record.tags).unwrap_or_else(|_| "[]".into()))
    .bind(day(record.since))
    .bind(day(record.closed_at))
    .bind(serde_json::to_string(&record.attributes).unwrap_or_else(|_| "{}".into()))
    .bind(by)
    .bind(now_ms)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

impl Store {
    /// Checks a customer file (a repeated id) and, when `commit` and all are good, writes it in
    /// one transaction: a new id inserted, a changed one replaced, an unchanged one left.
    pub async fn import_customers(
        &self,
        rows: &[(u64, CustomerRecord)],
        source: &str,
        now_ms: i64,
        commit: bool,
    ) -> Result<std::result::Result<ImportSummary, Vec<ImportRowError>>> {
        let mut errors = Vec::new();
        let mut first_lines = crate::import::FirstLines::default();
        for (line, record) in rows {
            errors.extend(first_lines.repeat(&record.customer_id, *line, "customer_id"));
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let mut transaction = self.begin_write().await?;
        let mut summary = ImportSummary::default();
        for (_, record) in rows {
            summary.rows += 1;
            let stored = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE customer_id = $1"
            )))
            .bind(record.customer_id.as_str())
            .fetch_optional(&mut *transaction)
            .await?
            .as_ref()
            .map(customer_of)
            .transpose()?;
            match stored {
                Some(stored) if stored.record == *record => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => summary.updated += 1,
                None => summary.inserted += 1,
            }
            write_customer(&mut transaction, record, "import", now_ms).await?;
        }
        if !commit {
            return Ok(Ok(summary));
        }
        crate::import::commit_checked_import(transaction, "customers", source, &summary, now_ms)
            .await?;
        Ok(Ok(summary))
    }

    /// The customer whose profile has e-mail address `email` (compared lower-cased; the oldest
    /// profile when several share it).
    pub async fn customer_id_by_email(&self, email: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT customer_id FROM customers WHERE email = $1 ORDER BY updated_at, customer_id \
             LIMIT 1",
        )
        .bind(email.trim().to_lowercase())
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Saves one customer's profile (a form or the API); audited.
    pub async fn save_customer(
        &self,
        record: &CustomerRecord,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        write_customer(&mut transaction, record, &actor.name, now_ms).await?;
        audit(
            &mut transaction,
            actor,
            now_ms,
            "save",
            "customer",
            &record.customer_id,
            "{}",
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// A customer's profile.
    pub async fn customer(&self, customer_id: &str) -> Result<Option<StoredCustomer>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE customer_id = $1"
        )))
        .bind(customer_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(customer_of)
        .transpose()
    }

    /// Everything stored about customer `customer_id`, each list newest first and at most
    /// `limit` long (`None`: all).
    pub async fn customer_history(
        &self,
        customer_id: &str,
        limit: Option<i64>,
    ) -> Result<CustomerHistory> {
        let limit = limit.unwrap_or(i64::MAX);
        let contacts = sqlx::query(
            "SELECT c.contact_id, c.offered_at, c.answered_at, c.channel, c.queue, c.category, \
             c.agent_id, CASE WHEN t.contact_id IS NULL THEN 0 ELSE 1 END AS transcript \
             FROM contacts c LEFT JOIN transcripts t ON t.contact_id = c.contact_id \
             WHERE c.customer_id = $1 ORDER BY c.offered_at DESC, c.contact_id LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let answered: Option<i64> = row.try_get(2)?;
            let transcript: i64 = row.try_get(7)?;
            Ok(CustomerContactLine {
                contact_id: row.try_get(0)?,
                offered_ms: row.try_get(1)?,
                answered: answered.is_some(),
                channel: row.try_get(3)?,
                queue: row.try_get(4)?,
                category: row.try_get(5)?,
                agent_id: row.try_get(6)?,
                transcript: transcript != 0,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let tickets = sqlx::query(
            "SELECT ticket_id, created_at, ticket_type, subject, status, assignee FROM tickets \
             WHERE customer_id = $1 ORDER BY created_at DESC, ticket_id LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CustomerTicketLine {
                ticket_id: row.try_get(0)?,
                created_ms: row.try_get(1)?,
                ticket_type: row.try_get(2)?,
                subject: row.try_get(3)?,
                status: crate::tickets::parsed(
                    row,
                    "tickets.status",
                    4,
                    servq_desk::TicketStatus::parse,
                )?,
                assignee: row.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        // a survey answer is the customer's when it rates one of their contacts or answers an
        // invitation sent to them
        let surveys = sqlx::query(
            "SELECT r.response_id, r.responded_at, r.contact_id, r.csat, r.nps, r.comment \
             FROM survey_responses r \
             WHERE r.contact_id IN (SELECT contact_id FROM contacts WHERE customer_id = $1) \
                OR r.invitation_id IN \
                   (SELECT invitation_id FROM survey_invitations WHERE customer_id = $1) \
             ORDER BY r.responded_at DESC, r.response_id LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CustomerSurveyLine {
                response_id: row.try_get(0)?,
                responded_ms: row.try_get(1)?,
                contact_id: row.try_get(2)?,
                csat: row.try_get(3)?,
                nps: row.try_get(4)?,
                comment: row.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        let visits = sqlx::query(
            "SELECT v.ticket_id, v.visited_at, v.outcome, v.visited_by FROM return_visits v \
             JOIN tickets t ON t.ticket_id = v.ticket_id WHERE t.customer_id = $1 \
             ORDER BY v.visited_at DESC, v.ticket_id LIMIT $2",
        )
        .bind(customer_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            Ok(CustomerVisitLine {
                ticket_id: row.try_get(0)?,
                visited_ms: row.try_get(1)?,
                outcome: row.try_get(2)?,
                visited_by: row.try_get(3)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
        Ok(CustomerHistory {
            contacts,
            tickets,
            surveys,
            visits,
        })
    }
}

/// What moved when duplicates were merged into one customer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MergeSummary {
    /// Contacts now carrying the kept id.
    pub contacts: u64,
    /// Tickets now carrying it.
    pub tickets: u64,
    /// Survey invitations now carrying it.
    pub invitations: u64,
}

impl Store {
    /// Merges `duplicates` into `keep` in one transaction: their contacts, tickets and survey
    /// invitations take the kept id (repeat-contact links, rollups and day cubes follow, so FCR
    /// sees one customer), their profiles and rule tags go, `profile` (the merged profile,
    /// `None`: none) becomes the kept one's, each merge is recorded with the profile it had
    /// (a look-up of a merged id leads to the kept one) and audited.
    pub async fn merge_customers(
        &self,
        keep: &str,
        duplicates: &[String],
        profile: Option<&CustomerRecord>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<MergeSummary> {
        let mut transaction = self.begin_write().await?;
        let connection: &mut sqlx::AnyConnection = &mut transaction;
        let mut summary = MergeSummary::default();
        crate::rollup::create_affected_tables(connection).await?;
        for duplicate in duplicates {
            let old = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {CUSTOMER_COLUMNS} FROM customers WHERE customer_id = $1"
            )))
            .bind(duplicate.as_str())
            .fetch_optional(&mut *connection)
            .await?
            .as_ref()
            .map(customer_of)
            .transpose()?;
            let moved = |sql: &'static str| sqlx::query(sql).bind(keep).bind(duplicate.as_str());
            let contacts = moved("UPDATE contacts SET customer_id = $1 WHERE customer_id = $2")
                .execute(&mut *connection)
                .await?
                .rows_affected();
            let tickets = moved("UPDATE tickets SET customer_id = $1 WHERE customer_id = $2")
                .execute(&mut *connection)
                .await?
                .rows_affected();
            let invitations =
                moved("UPDATE survey_invitations SET customer_id = $1 WHERE customer_id = $2")
                    .execute(&mut *connection)
                    .await?
                    .rows_affected();
            // a merge of a merge: the older one leads to the kept id too
            moved("UPDATE customer_merges SET into_id = $1 WHERE into_id = $2")
                .execute(&mut *connection)
                .await?;
            for sql in [
                "DELETE FROM customers WHERE customer_id = $1",
                "DELETE FROM customer_rule_tags WHERE customer_id = $1",
            ] {
                sqlx::query(sql)
                    .bind(duplicate.as_str())
                    .execute(&mut *connection)
                    .await?;
            }
            let old_profile = old.map_or(serde_json::json!({}), |old| {
                let r = &old.record;
                serde_json::json!({"name": r.name, "phone": r.phone, "email": r.email,
                    "language": r.language, "segment": r.segment, "tags": r.tags,
                    "since": r.since.map(|d| d.to_string()),
                    "closed_at": r.closed_at.map(|d| d.to_string()),
                    "attributes": r.attributes})
            });
            let detail = serde_json::json!({"profile": old_profile, "contacts": contacts,
                "tickets": tickets, "invitations": invitations});
            sqlx::query(
                "INSERT INTO customer_merges (merged_id, into_id, merged_at, merged_by, detail) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (merged_id) DO UPDATE SET \
                 into_id = excluded.into_id, merged_at = excluded.merged_at, \
                 merged_by = excluded.merged_by, detail = excluded.detail",
            )
            .bind(duplicate.as_str())
            .bind(keep)
            .bind(now_ms)
            .bind(actor.name.as_str())
            .bind(detail.to_string())
            .execute(&mut *connection)
            .await?;
            summary.contacts += contacts;
            summary.tickets += tickets;
            summary.invitations += invitations;
        }
        // the kept customer's repeat chains now hold the merged contacts: re-link them whole and
        // change the buckets whose links changed, as an import does
        crate::sql::execute(connection, "DROP TABLE IF EXISTS affected_issues").await?;
        sqlx::query(
            "CREATE TEMP TABLE affected_issues AS SELECT customer_id, category, MIN(offered_at) AS from_at \
             FROM contacts WHERE customer_id = $1 GROUP BY customer_id, category",
        )
        .bind(keep)
        .execute(&mut *connection)
        .await?;
        crate::rollup::relink_repeat_contacts(
            connection,
            crate::rollup::RelinkScope::AffectedIssues,
        )
        .await?;
        // the contacts keep their facts (a customer either way): only moved links change counters
        let settings = crate::settings::kpi_settings(connection).await?;
        let mut deltas = crate::rollup::ContactDeltas::new(settings);
        deltas.keep_day_cube_changes(crate::cubes::centre_zone(connection).await?);
        deltas.relinked(connection, None).await?;
        deltas.finish(connection).await?.apply(connection).await?;
        crate::rollup::drop_affected_tables(connection).await?;
        if let Some(profile) = profile {
            write_customer(&mut transaction, profile, &actor.name, now_ms).await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "merge",
            "customer",
            keep,
            &serde_json::json!({"duplicates": duplicates, "contacts": summary.contacts,
                "tickets": summary.tickets, "invitations": summary.invitations})
            .to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(summary)
    }

    /// The customer a merged id was merged into, if it was.
    pub async fn customer_merged_into(&self, customer_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT into_id FROM customer_merges WHERE merged_id = $1")
                .bind(customer_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The ids merged into `customer_id`, oldest merge first.
    pub async fn customers_merged_into(&self, customer_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT merged_id FROM customer_merges WHERE into_id = $1 ORDER BY merged_at, merged_id",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
