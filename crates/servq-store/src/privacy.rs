//! Personal data over time (docs/privacy.md): a customer's erasure on request and the nightly
//! retention pass. Both replace what identifies a person and keep what is counted: a contact
//! keeps its times, queue, agent and category, and its customer id becomes a pseudonym shared by
//! that customer's contacts (repeat-contact links and FCR stay as they were); a transcript keeps
//! its timing, speakers and QA hits and loses its words.

use sqlx::{AnyConnection, Row};

use crate::{Result, Store};

/// What an erasure or a retention pass changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Erased {
    /// Customer profiles removed or emptied.
    pub profiles: u64,
    /// Contacts whose customer id became a pseudonym.
    pub contacts: u64,
    /// Transcripts that lost their words.
    pub transcripts: u64,
    /// Tickets whose customer id became the pseudonym and whose texts were removed.
    pub tickets: u64,
    /// Survey invitations and answers whose texts and customer id were removed.
    pub survey_rows: u64,
    /// Ticket attachments deleted.
    pub attachments: u64,
}

/// The words of a transcript removed: each turn keeps its speaker and times, its text is empty.
fn wordless(turns: &str) -> String {
    match serde_json::from_str::<serde_json::Value>(turns) {
        Ok(serde_json::Value::Array(mut list)) => {
            for turn in &mut list {
                if let Some(text) = turn.get_mut("text") {
                    *text = serde_json::Value::String(String::new());
                }
            }
            serde_json::Value::Array(list).to_string()
        }
        _ => "[]".to_owned(),
    }
}

/// Removes the words of the transcripts of `contact_ids` (and their QA hits' quotes).
async fn erase_transcripts(
    connection: &mut AnyConnection,
    contact_ids: &[String],
    now_ms: i64,
) -> Result<u64> {
    let mut erased = 0;
    for contact_id in contact_ids {
        let turns: Option<String> = sqlx::query_scalar(
            "SELECT turns FROM transcripts WHERE contact_id = $1 AND erased_at IS NULL",
        )
        .bind(contact_id.as_str())
        .fetch_optional(&mut *connection)
        .await?;
        let Some(turns) = turns else { continue };
        sqlx::query("UPDATE transcripts SET turns = $1, erased_at = $2 WHERE contact_id = $3")
            .bind(wordless(&turns))
            .bind(now_ms)
            .bind(contact_id.as_str())
            .execute(&mut *connection)
            .await?;
        sqlx::query("UPDATE qa_hits SET text = '' WHERE contact_id = $1")
            .bind(contact_id.as_str())
            .execute(&mut *connection)
            .await?;
        erased += 1;
    }
    Ok(erased)
}

async fn strings(connection: &mut AnyConnection, sql: &str, value: &str) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(value)
        .fetch_all(&mut *connection)
        .await?)
}

impl Store {
    /// Erases customer `customer_id` on their request, in one transaction, audited: the
    /// profile, its computed tags and merge records go; contacts, tickets and survey
    /// invitations carry `pseudonym` instead of the id; recordings' addresses, transcripts'
    /// words, ticket descriptions, summaries, history texts, e-mail addresses and subjects,
    /// attachments, survey messages and comments, and unsent mail to their address are removed.
    pub async fn erase_customer(
        &self,
        customer_id: &str,
        pseudonym: &str,
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<Erased> {
        let mut transaction = self.begin_write().await?;
        let mut erased = Erased::default();
        let email: Option<String> =
            sqlx::query_scalar("SELECT email FROM customers WHERE customer_id = $1")
                .bind(customer_id)
                .fetch_optional(&mut *transaction)
                .await?;
        let contact_ids = strings(
            &mut transaction,
            "SELECT contact_id FROM contacts WHERE customer_id = $1",
            customer_id,
        )
        .await?;
        erased.contacts = sqlx::query(
            "UPDATE contacts SET customer_id = $1, recording_url = '' WHERE customer_id = $2",
        )
        .bind(pseudonym)
        .bind(customer_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        erased.transcripts = erase_transcripts(&mut transaction, &contact_ids, now_ms).await?;
        let ticket_ids = strings(
            &mut transaction,
            "SELECT ticket_id FROM tickets WHERE customer_id = $1",
            customer_id,
        )
        .await?;
        for ticket_id in &ticket_ids {
            sqlx::query(
                "UPDATE tickets SET customer_id = $1, subject = '—', description = '', \
                 public_summary = '' WHERE ticket_id = $2",
            )
            .bind(pseudonym)
            .bind(ticket_id.as_str())
            .execute(&mut *transaction)
            .await?;
            sqlx::query("UPDATE ticket_events SET detail = kind WHERE ticket_id = $1")
                .bind(ticket_id.as_str())
                .execute(&mut *transaction)
                .await?;
            sqlx::query(
                "UPDATE ticket_emails SET from_address = '', to_address = '', subject = '' \
                 WHERE ticket_id = $1",
            )
            .bind(ticket_id.as_str())
            .execute(&mut *transaction)
            .await?;
            erased.attachments +=
                sqlx::query("DELETE FROM ticket_attachments WHERE ticket_id = $1")
                    .bind(ticket_id.as_str())
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
            crate::ticket_cube::mark_ticket(&mut transaction, ticket_id).await?;
        }
        erased.tickets = ticket_ids.len() as u64;
        if let Some(email) = email.filter(|email| !email.is_empty()) {
            sqlx::query("DELETE FROM outbox WHERE recipient = $1 AND sent_at IS NULL")
                .bind(email.as_str())
                .execute(&mut *transaction)
                .await?;
        }
        erased.survey_rows += sqlx::query(
            "UPDATE survey_invitations SET customer_id = $1, message = '' WHERE customer_id = $2",
        )
        .bind(pseudonym)
        .bind(customer_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        for contact_id in &contact_ids {
            erased.survey_rows +=
                sqlx::query("UPDATE survey_responses SET comment = '' WHERE contact_id = $1")
                    .bind(contact_id.as_str())
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
        }
        erased.profiles = sqlx::query("DELETE FROM customers WHERE customer_id = $1")
            .bind(customer_id)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM customer_rule_tags WHERE customer_id = $1")
            .bind(customer_id)
            .execute(&mut *transaction)
            .await?;
        sqlx::query("DELETE FROM customer_merges WHERE merged_id = $1 OR into_id = $1")
            .bind(customer_id)
            .execute(&mut *transaction)
            .await?;
        crate::users::audit(
            &mut transaction,
            actor,
            now_ms,
            "erase",
            "customer",
            customer_id,
            &serde_json::to_string(&erased).unwrap_or_default(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(erased)
    }

    /// The retention pass: contacts offered before `contacts_before_ms` get a pseudonym for
    /// their customer id (`pseudonym` maps each id to one; the same customer's contacts share
    /// it) and lose their recording address; transcripts of contacts offered before
    /// `transcripts_before_ms` lose their words; profiles closed before `profiles_closed_before`
    /// (a YYYY-MM-DD day) lose their name, phone, e-mail and own fields. Each `None` keeps that
    /// kind. Audited when something changed; running it again changes nothing.
    pub async fn apply_retention(
        &self,
        contacts_before_ms: Option<i64>,
        transcripts_before_ms: Option<i64>,
        profiles_closed_before: Option<&str>,
        pseudonym: &mut (dyn FnMut(&str) -> String + Send),
        actor: &crate::Actor,
        now_ms: i64,
    ) -> Result<Erased> {
        let mut transaction = self.begin_write().await?;
        let mut erased = Erased::default();
        if let Some(before) = contacts_before_ms {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT DISTINCT customer_id FROM contacts WHERE offered_at < $1 \
                 AND customer_id IS NOT NULL AND customer_id <> '' \
                 AND customer_id NOT LIKE 'anon-%'",
            )
            .bind(before)
            .fetch_all(&mut *transaction)
            .await?;
            for id in ids {
                erased.contacts += sqlx::query(
                    "UPDATE contacts SET customer_id = $1, recording_url = '' \
                     WHERE customer_id = $2 AND offered_at < $3",
                )
                .bind(pseudonym(&id))
                .bind(id.as_str())
                .bind(before)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
            }
        }
        if let Some(before) = transcripts_before_ms {
            let ids: Vec<String> = sqlx::query_scalar(
                "SELECT t.contact_id FROM transcripts t JOIN contacts c \
                 ON c.contact_id = t.contact_id WHERE t.erased_at IS NULL AND c.offered_at < $1",
            )
            .bind(before)
            .fetch_all(&mut *transaction)
            .await?;
            erased.transcripts = erase_transcripts(&mut transaction, &ids, now_ms).await?;
        }
        if let Some(day) = profiles_closed_before {
            erased.profiles = sqlx::query(
                "UPDATE customers SET name = '', phone = '', email = '', attributes = '{}', \
                 updated_by = $1, updated_at = $2 \
                 WHERE closed_at <> '' AND closed_at < $3 \
                 AND (name <> '' OR phone <> '' OR email <> '' OR attributes <> '{}')",
            )
            .bind(actor.name.as_str())
            .bind(now_ms)
            .bind(day)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        }
        if erased != Erased::default() {
            crate::users::audit(
                &mut transaction,
                actor,
                now_ms,
                "retention",
                "personal_data",
                "",
                &serde_json::to_string(&erased).unwrap_or_default(),
            )
            .await?;
            crate::cache::bump_data_version(&mut transaction).await?;
        }
        transaction.commit().await?;
        Ok(erased)
    }

    /// The words of one transcript as stored (JSON turns), for a customer's export.
    pub async fn transcript_turns(&self, contact_id: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT turns FROM transcripts WHERE contact_id = $1")
            .bind(contact_id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get(0)?),
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn transcripts_keep_their_shape_without_words() {
        assert_eq!(
            super::wordless(r#"[{"speaker":"agent","start":0,"end":2.5,"text":"您好"}]"#),
            r#"[{"speaker":"agent","start":0,"end":2.5,"text":""}]"#
        );
        assert_eq!(super::wordless("not json"), "[]");
    }
}
