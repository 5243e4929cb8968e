//! Surveys: versioned templates, dispatch rules, invitations (one per contact, created once even
//! with several server instances: the contact id is unique), responses credited to the agent who
//! handled the contact, and the review task every unsatisfied response opens. Tokens are stored
//! only as their SHA-256; the server makes them.

use std::collections::HashMap;

use servq_core::{
    Csat, DispatchRule, SendVia, Stage, SurveyAnswers, SurveyCandidate, SurveyRecord,
};
use sqlx::{Row, any::AnyRow};

use crate::kpi_query::DimensionColumns;
use crate::{Actor, ImportRowError, ImportSummary, Result, Store, StoreError, users};

/// A stored template version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSurveyTemplate {
    /// Id (versions share it).
    pub template_id: String,
    /// Version, from 1.
    pub version: i64,
    /// The template as JSON.
    pub definition: String,
}

/// An invitation to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInvitation {
    /// Random id.
    pub invitation_id: String,
    /// SHA-256 of the link's token.
    pub token_hash: String,
    /// The contact surveyed.
    pub contact_id: String,
    /// Its customer.
    pub customer_id: String,
    /// Template id and version asked.
    pub template: (String, i64),
    /// The rule that chose it.
    pub rule_id: String,
    /// How it is sent.
    pub send_via: SendVia,
    /// Expiry, UTC ms.
    pub expires_ms: i64,
    /// The text to send, with the link.
    pub message: String,
}

/// A stored invitation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// Id.
    pub invitation_id: String,
    /// The contact surveyed.
    pub contact_id: String,
    /// Its customer.
    pub customer_id: String,
    /// The agent who handled the contact.
    pub agent_id: String,
    /// Template id.
    pub template_id: String,
    /// Template version.
    pub template_version: i64,
    /// How it is sent.
    pub send_via: String,
    /// Created, UTC ms.
    pub created_ms: i64,
    /// Expiry, UTC ms.
    pub expires_ms: i64,
    /// The text to send (empty once sent).
    pub message: String,
    /// Sent, UTC ms.
    pub sent_ms: Option<i64>,
    /// Answered, UTC ms.
    pub used_ms: Option<i64>,
}

/// A response to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewResponse<'a> {
    /// Id (the invitation's for page answers).
    pub response_id: &'a str,
    /// The invitation answered, if any.
    pub invitation_id: Option<&'a str>,
    /// The contact.
    pub contact_id: &'a str,
    /// Template id and version answered.
    pub template: (&'a str, i64),
    /// When, UTC ms.
    pub responded_ms: i64,
    /// The answers.
    pub answers: &'a SurveyAnswers,
    /// `page`, `api` or `import`.
    pub source: &'a str,
}

/// Why a response was not stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseRefused {
    /// The invitation was answered already.
    AlreadyAnswered,
    /// The contact is not in the store.
    UnknownContact,
}

/// A stored response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// Id.
    pub response_id: String,
    /// The contact.
    pub contact_id: String,
    /// The agent credited.
    pub agent_id: String,
    /// When, UTC ms.
    pub responded_ms: i64,
    /// The answers.
    pub answers: SurveyAnswers,
    /// `page`, `api` or `import`.
    pub source: String,
}

const RESPONSE_COLUMNS: &str = "response_id, contact_id, agent_id, responded_at, csat, nps, ces, \
     stage_greeting, stage_understanding, stage_answer, stage_farewell, comment, source";

fn small(row: &AnyRow, column: &str) -> Result<Option<u8>> {
    Ok(row
        .try_get::<Option<i64>, _>(column)?
        .and_then(|value| u8::try_from(value).ok()))
}

pub(crate) fn response_of(row: &AnyRow) -> Result<StoredResponse> {
    let csat: Option<i64> = row.try_get("csat")?;
    let mut stages = [None; 4];
    for (slot, stage) in stages.iter_mut().zip(Stage::ALL) {
        *slot = small(row, stage.field())?;
    }
    Ok(StoredResponse {
        response_id: row.try_get("response_id")?,
        contact_id: row.try_get("contact_id")?,
        agent_id: row.try_get("agent_id")?,
        responded_ms: row.try_get("responded_at")?,
        answers: SurveyAnswers {
            csat: csat.and_then(Csat::from_stored),
            nps: small(row, "nps")?,
            ces: small(row, "ces")?,
            stages,
            comment: row.try_get("comment")?,
        },
        source: row.try_get("source")?,
    })
}

fn template_of(row: &AnyRow) -> Result<StoredSurveyTemplate> {
    Ok(StoredSurveyTemplate {
        template_id: row.try_get(0)?,
        version: row.try_get(1)?,
        definition: row.try_get(2)?,
    })
}

fn rule_of(row: &AnyRow) -> Result<DispatchRule> {
    let list = |text: String| -> Vec<String> {
        text.split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let send_via: String = row.try_get("send_via")?;
    let quiet: (i64, i64) = (
        row.try_get("quiet_start_minute")?,
        row.try_get("quiet_end_minute")?,
    );
    let number = |column: &'static str| -> Result<u32> {
        let value: i64 = row.try_get(column)?;
        u32::try_from(value).map_err(|_| StoreError::CorruptValue {
            column,
            value: value.to_string(),
        })
    };
    Ok(DispatchRule {
        rule_id: row.try_get("rule_id")?,
        template_id: row.try_get("template_id")?,
        channels: list(row.try_get("channels")?),
        categories: list(row.try_get("categories")?),
        delay_minutes: number("delay_minutes")?,
        sample_percent: number("sample_percent")?.min(100) as u8,
        quiet_hours: (quiet.0 != quiet.1).then_some((quiet.0 as u16, quiet.1 as u16)),
        no_repeat_days: number("no_repeat_days")?,
        expiry_hours: number("expiry_hours")?,
        send_via: SendVia::parse(&send_via).ok_or(StoreError::CorruptValue {
            column: "survey_rules.send_via",
            value: send_via,
        })?,
        locale: row.try_get("locale")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

/// SQL for the moment a contact closed: its end (or answer + talk + hold) plus wrap-up.
const CLOSED_AT: &str = "COALESCE(ended_at, offered_at + wait_ms + talk_ms + hold_ms) + wrap_ms";

/// Longest a contact can last; bounds the candidate scan by offered_at (indexed).
const MAX_CONTACT_MS: i64 = 24 * 3_600_000;

impl Store {
    /// The newest version of a template (or the given one).
    pub async fn survey_template(
        &self,
        template_id: &str,
        version: Option<i64>,
    ) -> Result<Option<StoredSurveyTemplate>> {
        let row = sqlx::query(
            "SELECT template_id, version, definition FROM survey_templates \
             WHERE template_id = $1 AND ($2 < 0 OR version = $2) ORDER BY version DESC LIMIT 1",
        )
        .bind(template_id)
        .bind(version.unwrap_or(-1))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(template_of).transpose()
    }

    /// The newest version of every template.
    pub async fn survey_templates(&self) -> Result<Vec<StoredSurveyTemplate>> {
        let rows = sqlx::query(
            "SELECT t.template_id, t.version, t.definition FROM survey_templates t \
             WHERE t.version = (SELECT MAX(version) FROM survey_templates v \
                                WHERE v.template_id = t.template_id) ORDER BY t.template_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(template_of).collect()
    }

    /// Stores a new version of a template (version 1 for a new id); audited.
    pub async fn save_survey_template(
        &self,
        template_id: &str,
        name: &str,
        definition: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<i64> {
        self.save_version(
            crate::evaluations::Versioned::SurveyTemplate,
            template_id,
            name,
            definition,
            actor,
            now_ms,
        )
        .await
    }

    /// Dispatch rules in the order they are tried.
    pub async fn survey_rules(&self) -> Result<Vec<DispatchRule>> {
        let rows = sqlx::query("SELECT * FROM survey_rules ORDER BY position, rule_id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(rule_of).collect()
    }

    /// Replaces the dispatch rules (in the order given); audited.
    pub async fn set_survey_rules(
        &self,
        rules: &[DispatchRule],
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query("DELETE FROM survey_rules")
            .execute(&mut *transaction)
            .await?;
        for (position, rule) in rules.iter().enumerate() {
            let (quiet_start, quiet_end) = rule.quiet_hours.unwrap_or((0, 0));
            sqlx::query(
                "INSERT INTO survey_rules (rule_id, position, template_id, channels, categories, \
                 delay_minutes, sample_percent, quiet_start_minute, quiet_end_minute, \
                 no_repeat_days, expiry_hours, send_via, locale, active, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
            )
            .bind(rule.rule_id.as_str())
            .bind(position as i64)
            .bind(rule.template_id.as_str())
            .bind(rule.channels.join(","))
            .bind(rule.categories.join(","))
            .bind(i64::from(rule.delay_minutes))
            .bind(i64::from(rule.sample_percent))
            .bind(i64::from(quiet_start))
            .bind(i64::from(quiet_end))
            .bind(i64::from(rule.no_repeat_days))
            .bind(i64::from(rule.expiry_hours))
            .bind(rule.send_via.name())
            .bind(rule.locale.as_str())
            .bind(i64::from(rule.active))
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?;
        }
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "survey_rules",
            "",
            &serde_json::json!({"rules": rules.len()}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// Answered contacts with a customer, not yet invited nor rated (an imported result counts),
    /// closed in `[from_ms, to_ms]`.
    pub async fn survey_candidates(
        &self,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<SurveyCandidate>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT contact_id, customer_id, channel, category, {CLOSED_AT} AS closed_at, \
             CASE WHEN EXISTS (SELECT 1 FROM tickets t WHERE t.customer_id = c.customer_id \
               AND t.ticket_type = 'complaint' AND t.status IN ($4, $5)) \
             THEN 1 ELSE 0 END AS open_complaint \
             FROM contacts c WHERE offered_at >= $1 AND offered_at <= $2 \
             AND answered_at IS NOT NULL AND customer_id IS NOT NULL AND customer_id <> '' \
             AND {CLOSED_AT} >= $3 AND {CLOSED_AT} <= $2 \
             AND NOT EXISTS (SELECT 1 FROM survey_invitations i WHERE i.contact_id = c.contact_id) \
             AND NOT EXISTS (SELECT 1 FROM survey_responses s WHERE s.contact_id = c.contact_id) \
             ORDER BY closed_at, contact_id"
        )))
        .bind(from_ms - MAX_CONTACT_MS)
        .bind(to_ms)
        .bind(from_ms)
        .bind(servq_desk::TicketStatus::Open.name())
        .bind(servq_desk::TicketStatus::WaitingCustomer.name())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(SurveyCandidate {
                    contact_id: row.try_get(0)?,
                    customer_id: row.try_get(1)?,
                    channel: row.try_get(2)?,
                    category: row.try_get(3)?,
                    closed_ms: row.try_get(4)?,
                    open_complaint: row.try_get::<i64, _>(5)? != 0,
                })
            })
            .collect()
    }

    /// The latest invitation time of each customer invited since `since_ms`.
    pub async fn last_invited(&self, since_ms: i64) -> Result<HashMap<String, i64>> {
        let rows = sqlx::query(
            "SELECT customer_id, MAX(created_at) FROM survey_invitations WHERE created_at >= $1 \
             GROUP BY customer_id",
        )
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    /// Creates invitations; one for a contact that has one already (another server instance
    /// was faster) is skipped. Returns the ids created.
    pub async fn create_invitations(
        &self,
        invitations: &[NewInvitation],
        now_ms: i64,
    ) -> Result<Vec<String>> {
        let mut transaction = self.begin_write().await?;
        let mut created = Vec::new();
        for invitation in invitations {
            let result = sqlx::query(
                "INSERT INTO survey_invitations (invitation_id, token_hash, contact_id, \
                 customer_id, agent_id, template_id, template_version, rule_id, send_via, \
                 created_at, expires_at, message) \
                 SELECT $1, $2, contact_id, $3, agent_id, $4, $5, $6, $7, $8, $9, $10 \
                 FROM contacts WHERE contact_id = $11 \
                 ON CONFLICT (contact_id) DO NOTHING",
            )
            .bind(invitation.invitation_id.as_str())
            .bind(invitation.token_hash.as_str())
            .bind(invitation.customer_id.as_str())
            .bind(invitation.template.0.as_str())
            .bind(invitation.template.1)
            .bind(invitation.rule_id.as_str())
            .bind(invitation.send_via.name())
            .bind(now_ms)
            .bind(invitation.expires_ms)
            .bind(invitation.message.as_str())
            .bind(invitation.contact_id.as_str())
            .execute(&mut *transaction)
            .await?;
            if result.rows_affected() == 1 {
                created.push(invitation.invitation_id.clone());
            }
        }
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(created)
    }

    /// The invitation whose token hashes to `token_hash`.
    pub async fn invitation_by_token(&self, token_hash: &str) -> Result<Option<Invitation>> {
        let row = sqlx::query(
            "SELECT invitation_id, contact_id, customer_id, agent_id, template_id, \
             template_version, send_via, created_at, expires_at, message, sent_at, used_at \
             FROM survey_invitations WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(invitation_of).transpose()
    }

    /// Invitations not yet marked sent, oldest first (the outbox for e-mail, SMS and webhook
    /// senders).
    pub async fn unsent_invitations(&self, limit: i64) -> Result<Vec<Invitation>> {
        let rows = sqlx::query(
            "SELECT invitation_id, contact_id, customer_id, agent_id, template_id, \
             template_version, send_via, created_at, expires_at, message, sent_at, used_at \
             FROM survey_invitations WHERE sent_at IS NULL ORDER BY created_at, invitation_id \
             LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(invitation_of).collect()
    }

    /// Marks an invitation sent and forgets its message (which holds the link). False when it
    /// does not exist or was marked already.
    pub async fn mark_invitation_sent(&self, invitation_id: &str, now_ms: i64) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE survey_invitations SET sent_at = $1, message = '' \
             WHERE invitation_id = $2 AND sent_at IS NULL",
        )
        .bind(now_ms)
        .bind(invitation_id)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Stores a response credited to the agent who handled the contact; an invitation is used
    /// up in the same transaction (a second answer is refused), an unsatisfied answer opens a
    /// review task, and the report cache moves on.
    pub async fn record_survey_response(
        &self,
        response: &NewResponse<'_>,
        now_ms: i64,
    ) -> Result<std::result::Result<(), ResponseRefused>> {
        let mut transaction = self.begin_write().await?;
        if let Some(invitation_id) = response.invitation_id {
            let used = sqlx::query(
                "UPDATE survey_invitations SET used_at = $1 \
                 WHERE invitation_id = $2 AND used_at IS NULL",
            )
            .bind(now_ms)
            .bind(invitation_id)
            .execute(&mut *transaction)
            .await?;
            if used.rows_affected() != 1 {
                return Ok(Err(ResponseRefused::AlreadyAnswered));
            }
        }
        let agent: Option<String> =
            sqlx::query_scalar("SELECT agent_id FROM contacts WHERE contact_id = $1")
                .bind(response.contact_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let Some(agent_id) = agent else {
            return Ok(Err(ResponseRefused::UnknownContact));
        };
        insert_response(&mut transaction, response, &agent_id, now_ms).await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// The responses about contacts offered in `[from_ms, to_ms)` that pass the filters (for
    /// the stage-rating view).
    pub async fn survey_responses_for(
        &self,
        from_ms: i64,
        to_ms: i64,
        filters: &[(crate::Dimension, Vec<String>)],
    ) -> Result<Vec<StoredResponse>> {
        let mut conditions = vec![
            "r.offered_at >= $1".to_owned(),
            "r.offered_at < $2".to_owned(),
        ];
        let binds = crate::kpi_query::filter_conditions(
            filters,
            crate::Dimension::contact_column,
            &mut conditions,
        );
        let columns: Vec<String> = RESPONSE_COLUMNS
            .split(", ")
            .map(|column| format!("s.{column}"))
            .collect();
        let sql = format!(
            "SELECT {} FROM survey_responses s JOIN contacts r ON r.contact_id = s.contact_id \
             LEFT JOIN agents a ON a.agent_id = r.agent_id WHERE {} ORDER BY s.response_id",
            columns.join(", "),
            conditions.join(" AND ")
        );
        let statement = binds.into_iter().fold(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(from_ms)
                .bind(to_ms),
            |statement, value| statement.bind(value),
        );
        let rows = statement.fetch_all(&self.pool).await?;
        rows.iter().map(response_of).collect()
    }

    /// The survey answers about one contact, the newest first.
    pub async fn survey_responses_of_contact(
        &self,
        contact_id: &str,
    ) -> Result<Vec<StoredResponse>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE contact_id = $1 \
             ORDER BY responded_at DESC"
        )))
        .bind(contact_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(response_of)
        .collect()
    }

    /// One response.
    pub async fn survey_response(&self, response_id: &str) -> Result<Option<StoredResponse>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE response_id = $1"
        )))
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(response_of)
        .transpose()
    }

    /// Imports survey results from another system in one transaction: every row's contact must
    /// be stored, and an agent the file names must be the contact's agent (the response is
    /// credited to the contact's agent). A bad row rejects the file and writes nothing; a
    /// response id seen before is replaced (its review task kept if it stays unsatisfied).
    /// With `commit` false the rows are only checked (for a file that has other bad rows).
    pub async fn import_survey_responses(
        &self,
        rows: &[(u64, SurveyRecord)],
        source: &str,
        now_ms: i64,
        commit: bool,
    ) -> Result<std::result::Result<ImportSummary, Vec<ImportRowError>>> {
        let mut transaction = self.begin_write().await?;
        let mut errors = Vec::new();
        let mut first_lines = crate::import::FirstLines::default();
        let mut agents: HashMap<String, Option<String>> = HashMap::new();
        let mut summary = ImportSummary::default();
        for (line, record) in rows {
            let response_id = record.response_id.as_str();
            if let Some(repeat) = first_lines.repeat(response_id, *line, "response_id") {
                errors.push(repeat);
                continue;
            }
            let contact_id = record.contact_id.as_str();
            if !agents.contains_key(contact_id) {
                let agent: Option<String> =
                    sqlx::query_scalar("SELECT agent_id FROM contacts WHERE contact_id = $1")
                        .bind(contact_id)
                        .fetch_optional(&mut *transaction)
                        .await?;
                agents.insert(contact_id.to_owned(), agent);
            }
            let Some(agent_id) = agents[contact_id].clone() else {
                errors.push(ImportRowError {
                    line: *line,
                    column: "contact_id".to_owned(),
                    reason: format!("no contact '{contact_id}' is stored (import contacts first)"),
                });
                continue;
            };
            if let Some(named) = &record.agent_id
                && named.as_str() != agent_id
            {
                errors.push(ImportRowError {
                    line: *line,
                    column: "agent_id".to_owned(),
                    reason: format!(
                        "'{}' is not the agent who handled contact {contact_id} ({agent_id})",
                        named.as_str()
                    ),
                });
                continue;
            }
            if !errors.is_empty() {
                continue;
            }
            summary.rows += 1;
            let stored = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT {RESPONSE_COLUMNS} FROM survey_responses WHERE response_id = $1"
            )))
            .bind(response_id)
            .fetch_optional(&mut *transaction)
            .await?
            .as_ref()
            .map(response_of)
            .transpose()?;
            let existed = match stored {
                Some(stored)
                    if stored.contact_id == contact_id
                        && stored.responded_ms == record.responded_ms
                        && stored.answers == record.answers =>
                {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => {
                    sqlx::query("DELETE FROM survey_responses WHERE response_id = $1")
                        .bind(response_id)
                        .execute(&mut *transaction)
                        .await?;
                    true
                }
                None => false,
            };
            insert_response(
                &mut transaction,
                &NewResponse {
                    response_id,
                    invitation_id: None,
                    contact_id,
                    template: ("import", 0),
                    responded_ms: record.responded_ms,
                    answers: &record.answers,
                    source: "import",
                },
                &agent_id,
                now_ms,
            )
            .await?;
            if existed {
                summary.updated += 1;
            } else {
                summary.inserted += 1;
            }
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        if !commit {
            return Ok(Ok(summary));
        }
        crate::import::commit_checked_import(
            transaction,
            "survey_responses",
            source,
            &summary,
            now_ms,
        )
        .await?;
        Ok(Ok(summary))
    }
}

fn invitation_of(row: &AnyRow) -> Result<Invitation> {
    Ok(Invitation {
        invitation_id: row.try_get(0)?,
        contact_id: row.try_get(1)?,
        customer_id: row.try_get(2)?,
        agent_id: row.try_get(3)?,
        template_id: row.try_get(4)?,
        template_version: row.try_get(5)?,
        send_via: row.try_get(6)?,
        created_ms: row.try_get(7)?,
        expires_ms: row.try_get(8)?,
        message: row.try_get(9)?,
        sent_ms: row.try_get(10)?,
        used_ms: row.try_get(11)?,
    })
}

async fn insert_response(
    connection: &mut sqlx::AnyConnection,
    response: &NewResponse<'_>,
    agent_id: &str,
    now_ms: i64,
) -> Result<()> {
    let answers = response.answers;
    let stage = |stage: Stage| answers.stage(stage).map(i64::from);
    sqlx::query(
        "INSERT INTO survey_responses (response_id, invitation_id, contact_id, agent_id, \
         template_id, template_version, responded_at, csat, nps, ces, stage_greeting, \
         stage_understanding, stage_answer, stage_farewell, comment, source) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(response.response_id)
    .bind(response.invitation_id)
    .bind(response.contact_id)
    .bind(agent_id)
    .bind(response.template.0)
    .bind(response.template.1)
    .bind(response.responded_ms)
    .bind(answers.csat.map(|csat| i64::from(csat.value())))
    .bind(answers.nps.map(i64::from))
    .bind(answers.ces.map(i64::from))
    .bind(stage(Stage::Greeting))
    .bind(stage(Stage::Understanding))
    .bind(stage(Stage::Answer))
    .bind(stage(Stage::Farewell))
    .bind(answers.comment.as_str())
    .bind(response.source)
    .execute(&mut *connection)
    .await?;
    if answers.is_unsatisfied() {
        sqlx::query(
            "INSERT INTO review_tasks (response_id, contact_id, agent_id, opened_at, status, \
             inspector, note) VALUES ($1, $2, $3, $4, 'open', '', '') \
             ON CONFLICT (response_id) DO NOTHING",
        )
        .bind(response.response_id)
        .bind(response.contact_id)
        .bind(agent_id)
        .bind(now_ms)
        .execute(&mut *connection)
        .await?;
    } else {
        // a re-imported response that is no longer unsatisfied needs no review
        sqlx::query("DELETE FROM review_tasks WHERE response_id = $1 AND status = 'open'")
            .bind(response.response_id)
            .execute(&mut *connection)
            .await?;
    }
    Ok(())
}
