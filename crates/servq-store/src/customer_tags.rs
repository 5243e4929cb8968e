//! Rule tags of customers: what the tag rules look at (recent contacts, the latest complaint,
//! the latest CSAT answer, the segment) and the tags they gave, replaced whole — for everyone
//! by the daily job and after an import, for one customer when their history changes.

use std::collections::HashMap;

use futures::TryStreamExt;
use servq_core::{RiskEvents, TagFacts};
use sqlx::{
    Any, Row,
    any::{AnyArguments, AnyRow},
    query::Query,
};

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

/// A query with its values bound, then the scope's customer id when one is in scope.
fn bound<'q>(sql: String, values: &[i64], scope: Option<&'q str>) -> Query<'q, Any, AnyArguments> {
    let query = values
        .iter()
        .fold(sqlx::query(sqlx::AssertSqlSafe(sql)), |query, value| {
            query.bind(*value)
        });
    match scope {
        Some(id) => query.bind(id),
        None => query,
    }
}

impl Store {
    /// Runs `query` (the customer id in its first column) and hands each row to `each` with that
    /// customer's entry of `into`.
    async fn per_customer<'q, T: Default>(
        &self,
        query: Query<'q, Any, AnyArguments>,
        into: &mut HashMap<String, T>,
        mut each: impl FnMut(&mut T, &AnyRow) -> Result<()>,
    ) -> Result<()> {
        let mut rows = query.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let id: String = row.try_get(0)?;
            each(into.entry(id).or_default(), &row)?;
        }
        Ok(())
    }

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
            let query = bound(sql, &[now_ms - look_back.contacts_ms, now_ms], scope);
            self.per_customer(query, &mut facts, |facts, row| {
                facts.contacts_ms.push(row.try_get(1)?);
                Ok(())
            })
            .await?;
        }
        if look_back.complaints_ms > 0 {
            let sql = format!(
                "SELECT customer_id, MAX(created_at) FROM tickets WHERE ticket_type = 'complaint' \
                 AND customer_id <> '' AND created_at >= $1 AND created_at <= $2{} \
                 GROUP BY customer_id",
                scoped("customer_id", scope, 3)
            );
            let query = bound(sql, &[now_ms - look_back.complaints_ms, now_ms], scope);
            self.per_customer(query, &mut facts, |facts, row| {
                facts.last_complaint_ms = row.try_get(1)?;
                Ok(())
            })
            .await?;
        }
        if look_back.surveys {
            // an answer is the customer's when it rates their contact or answers an invitation
            // sent to them (as on the customer page); the latest counts (ties: the larger id)
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
            let mut latest: HashMap<String, Option<(i64, String, i64)>> = HashMap::new();
            self.per_customer(bound(sql, &[], scope), &mut latest, |kept, row| {
                let answer: (i64, String, i64) =
                    (row.try_get(1)?, row.try_get(2)?, row.try_get(3)?);
                if kept
                    .as_ref()
                    .is_none_or(|kept| (kept.0, &kept.1) < (answer.0, &answer.1))
                {
                    *kept = Some(answer);
                }
                Ok(())
            })
            .await?;
            for (id, answer) in latest {
                facts.entry(id).or_default().last_csat = answer.map(|(_, _, csat)| csat);
            }
        }
        if look_back.segments {
            let sql = format!(
                "SELECT customer_id, segment FROM customers WHERE segment <> ''{}",
                scoped("customer_id", scope, 1)
            );
            self.per_customer(bound(sql, &[], scope), &mut facts, |facts, row| {
                facts.segment = row.try_get(1)?;
                Ok(())
            })
            .await?;
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
        let before: std::collections::BTreeSet<(String, String)> = bound(sql, &[], scope)
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
        bound(sql, &[], scope).execute(&mut *tx).await?;
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
        let complaints = "SELECT customer_id, created_at FROM tickets WHERE ticket_type = 'complaint' \
             AND customer_id <> '' AND created_at >= $1";
        self.per_customer(
            bound(complaints.into(), &[from_ms], None),
            &mut events,
            |e, row| {
                e.complaints_ms.push(row.try_get(1)?);
                Ok(())
            },
        )
        .await?;
        // answers rating their contacts, and those to invitations sent to them about another
        // contact (each answer once)
        let unsatisfied = "SELECT c.customer_id, r.responded_at FROM survey_responses r \
             JOIN contacts c ON c.contact_id = r.contact_id \
             WHERE r.csat <= 2 AND r.responded_at >= $1 AND c.customer_id IS NOT NULL AND c.customer_id <> '' \
             UNION ALL SELECT i.customer_id, r.responded_at FROM survey_responses r \
             JOIN survey_invitations i ON i.invitation_id = r.invitation_id \
             WHERE r.csat <= 2 AND r.responded_at >= $1 AND i.customer_id <> '' \
             AND NOT EXISTS (SELECT 1 FROM contacts c2 WHERE c2.contact_id = r.contact_id \
                             AND c2.customer_id = i.customer_id)";
        self.per_customer(
            bound(unsatisfied.into(), &[from_ms], None),
            &mut events,
            |e, row| {
                e.unsatisfied_ms.push(row.try_get(1)?);
                Ok(())
            },
        )
        .await?;
        let contacts = "SELECT customer_id, offered_at, CASE WHEN answered_at IS NULL THEN 0 ELSE 1 END \
             FROM contacts WHERE offered_at >= $1 AND customer_id IS NOT NULL AND customer_id <> ''";
        self.per_customer(
            bound(contacts.into(), &[from_ms], None),
            &mut events,
            |e, row| {
                let answered: i64 = row.try_get(2)?;
                e.contacts.push((row.try_get(1)?, answered != 0));
                Ok(())
            },
        )
        .await?;
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
