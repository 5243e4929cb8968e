//! Rule tags of customers: what the tag rules look at (recent contacts, the latest complaint,
//! the latest CSAT answer, the segment) and the tags they gave, replaced whole — for everyone
//! by the daily job and after an import, for one customer when their history changes.

use std::collections::HashMap;

use futures::TryStreamExt;
use servq_core::{RiskEvents, TagFacts};
use sqlx::Row;

use crate::{Result, Store, sql::insert_batch};

/// How far the rules look and what they need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TagLookBack {
    /// Contacts offered this long before now, ms (0: none needed).
    pub contacts_ms: i64,
    /// Complaints opened this long before now, ms (0: none needed).
    pub complaints_ms: i64,
    /// Whether the latest CSAT answer is needed.
    pub surveys: bool,
    /// Whether the segment is needed.
    pub segments: bool,
}

/// `AND <column> = $n` when one customer is in scope.
fn scoped(column: &str, scope: Option<&str>, n: usize) -> String {
    match scope {
        Some(_) => format!(" AND {column} = ${n}"),
        None => String::new(),
    }
}

impl Store {
    /// The facts the tag rules look at, per customer with any (`scope`: only that customer), as
    /// of `now_ms`.
    pub async fn customer_tag_facts(
        &self,
        now_ms: i64,
        look_back: TagLookBack,
        scope: Option<&str>,
    ) -> Result<HashMap<String, TagFacts>> {
        let mut facts: HashMap<String, TagFacts> = HashMap::new();
        if look_back.contacts_ms > 0 {
            let sql = format!(
                "SELECT customer_id, offered_at FROM contacts WHERE offered_at >= $1 \
                 AND offered_at <= $2 AND customer_id IS NOT NULL AND customer_id <> ''{}",
                scoped("customer_id", scope, 3)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now_ms - look_back.contacts_ms)
                .bind(now_ms);
            if let Some(id) = scope {
                query = query.bind(id);
            }
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get(0)?;
                facts
                    .entry(id)
                    .or_default()
                    .contacts_ms
                    .push(row.try_get(1)?);
            }
        }
        if look_back.complaints_ms > 0 {
            let sql = format!(
                "SELECT customer_id, MAX(created_at) FROM tickets WHERE ticket_type = 'complaint' \
                 AND customer_id <> '' AND created_at >= $1 AND created_at <= $2{} \
                 GROUP BY customer_id",
                scoped("customer_id", scope, 3)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(now_ms - look_back.complaints_ms)
                .bind(now_ms);
            if let Some(id) = scope {
                query = query.bind(id);
            }
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get(0)?;
                facts.entry(id).or_default().last_complaint_ms = row.try_get(1)?;
            }
        }
        if look_back.surveys {
            // an answer is the customer's when it rates their contact or answers an invitation
            // sent to them (as on the customer page)
            let sql = format!(
                "SELECT c.customer_id, r.responded_at, r.response_id, r.csat FROM survey_responses r \
                 JOIN contacts c ON c.contact_id = r.contact_id \
                 WHERE r.csat IS NOT NULL AND c.customer_id IS NOT NULL AND c.customer_id <> ''{} \
                 UNION ALL SELECT i.customer_id, r.responded_at, r.response_id, r.csat \
                 FROM survey_responses r JOIN survey_invitations i ON i.invitation_id = r.invitation_id \
                 WHERE r.csat IS NOT NULL AND i.customer_id <> ''{}",
                scoped("c.customer_id", scope, 1),
                scoped("i.customer_id", scope, 1)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(id) = scope {
                query = query.bind(id);
            }
            let mut latest: HashMap<String, (i64, String, i64)> = HashMap::new();
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get(0)?;
                let answer: (i64, String, i64) =
                    (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
                match latest.get_mut(&id) {
                    Some(kept) if (kept.0, &kept.1) >= (answer.0, &answer.1) => {}
                    Some(kept) => *kept = answer,
                    None => {
                        latest.insert(id, answer);
                    }
                }
            }
            drop(rows);
            for (id, (_, _, csat)) in latest {
                facts.entry(id).or_default().last_csat = Some(csat);
            }
        }
        if look_back.segments {
            let sql = format!(
                "SELECT customer_id, segment FROM customers WHERE segment <> ''{}",
                scoped("customer_id", scope, 1)
            );
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(id) = scope {
                query = query.bind(id);
            }
            let mut rows = query.fetch(&self.pool);
            while let Some(row) = rows.try_next().await? {
                let id: String = row.try_get(0)?;
                facts.entry(id).or_default().segment = row.try_get(1)?;
            }
        }
        Ok(facts)
    }

    /// Replaces the rule tags of everyone (`scope` `None`) or of one customer with `tags`
    /// (customer, tag), in one transaction; gives how many customers changed tags.
    pub async fn replace_customer_rule_tags(
        &self,
        scope: Option<&str>,
        tags: &[(String, String)],
    ) -> Result<usize> {
        let mut tx = self.pool.begin().await?;
        let sql = format!(
            "SELECT customer_id, tag FROM customer_rule_tags WHERE true{}",
            scoped("customer_id", scope, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(id) = scope {
            query = query.bind(id);
        }
        let before: std::collections::BTreeSet<(String, String)> = query
            .fetch_all(&mut *tx)
            .await?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect::<Result<_>>()?;
        let after: std::collections::BTreeSet<(String, String)> = tags.iter().cloned().collect();
        if before == after {
            tx.commit().await?;
            return Ok(0);
        }
        let changed: std::collections::BTreeSet<&String> = before
            .symmetric_difference(&after)
            .map(|(customer, _)| customer)
            .collect();
        let sql = format!(
            "DELETE FROM customer_rule_tags WHERE true{}",
            scoped("customer_id", scope, 1)
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        if let Some(id) = scope {
            query = query.bind(id);
        }
        query.execute(&mut *tx).await?;
        let rows: Vec<&(String, String)> = after.iter().collect();
        insert_batch(
            &mut tx,
            "INSERT INTO customer_rule_tags (customer_id, tag)",
            2,
            &rows,
            |query, (customer, tag)| query.bind(customer.as_str()).bind(tag.as_str()),
        )
        .await?;
        tx.commit().await?;
        Ok(changed.len())
    }

    /// Every customer's at-risk signs from `from_ms` on: complaint tickets, survey answers with
    /// CSAT ≤ 2 (of their contacts or invitations), contacts.
    pub async fn customer_risk_events(&self, from_ms: i64) -> Result<HashMap<String, RiskEvents>> {
        let mut events: HashMap<String, RiskEvents> = HashMap::new();
        let mut rows = sqlx::query(
            "SELECT customer_id, created_at FROM tickets WHERE ticket_type = 'complaint' \
             AND customer_id <> '' AND created_at >= $1",
        )
        .bind(from_ms)
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let id: String = row.try_get(0)?;
            events
                .entry(id)
                .or_default()
                .complaints_ms
                .push(row.try_get(1)?);
        }
        drop(rows);
        let mut rows = sqlx::query(
            "SELECT c.customer_id, r.responded_at FROM survey_responses r \
             JOIN contacts c ON c.contact_id = r.contact_id \
             WHERE r.csat <= 2 AND r.responded_at >= $1 AND c.customer_id IS NOT NULL AND c.customer_id <> '' \
             UNION ALL SELECT i.customer_id, r.responded_at FROM survey_responses r \
             JOIN survey_invitations i ON i.invitation_id = r.invitation_id \
             WHERE r.csat <= 2 AND r.responded_at >= $1 AND i.customer_id <> '' \
             AND NOT EXISTS (SELECT 1 FROM contacts c2 WHERE c2.contact_id = r.contact_id \
                             AND c2.customer_id = i.customer_id)",
        )
        .bind(from_ms)
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let id: String = row.try_get(0)?;
            events
                .entry(id)
                .or_default()
                .unsatisfied_ms
                .push(row.try_get(1)?);
        }
        drop(rows);
        let mut rows = sqlx::query(
            "SELECT customer_id, offered_at, CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END \
             FROM contacts WHERE offered_at >= $1 AND customer_id IS NOT NULL AND customer_id <> ''",
        )
        .bind(from_ms)
        .fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let id: String = row.try_get(0)?;
            let answered: i64 = row.try_get(2)?;
            events
                .entry(id)
                .or_default()
                .contacts
                .push((row.try_get(1)?, answered != 0));
        }
        Ok(events)
    }

    /// The rule tags of one customer, by name.
    pub async fn customer_rule_tags(&self, customer_id: &str) -> Result<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT tag FROM customer_rule_tags WHERE customer_id = $1 ORDER BY tag",
        )
        .bind(customer_id)
        .fetch_all(&self.pool)
        .await?)
    }
}
