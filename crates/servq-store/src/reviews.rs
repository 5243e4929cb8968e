//! The review of unsatisfied responses: the two editable reason taxonomies (agent-caused and
//! not), the review tasks unsatisfied responses open, the inspectors' reason coding (several
//! reasons per contact) and the coded tasks of a period for the weekly report.

use sqlx::{Row, any::AnyRow};

use crate::{Actor, Result, Store, StoreError, surveys::StoredResponse, users};

/// Which taxonomy a reason belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ReasonGroup {
    /// Caused by the agent (tone, wording, interrupting, …).
    Agent,
    /// Not caused by the agent (process, system, policy, the customer's situation, …).
    Other,
}

impl ReasonGroup {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            ReasonGroup::Agent => "agent",
            ReasonGroup::Other => "other",
        }
    }

    /// `agent` or `other`.
    pub fn parse(name: &str) -> Option<ReasonGroup> {
        [ReasonGroup::Agent, ReasonGroup::Other]
            .into_iter()
            .find(|group| group.name() == name)
    }
}

/// A reason of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewReason {
    /// Id.
    pub reason_id: String,
    /// Its taxonomy.
    pub group: ReasonGroup,
    /// Name in simplified Chinese.
    pub name_zh_cn: String,
    /// Name in traditional Chinese.
    pub name_zh_tw: String,
    /// Name in English.
    pub name_en: String,
    /// Order within its group.
    pub position: i64,
    /// Retired reasons stay on coded tasks but are not offered.
    pub active: bool,
}

impl ReviewReason {
    /// The name in a UI language (`zh-CN`, `zh-TW`, `en`).
    pub fn name(&self, locale: &str) -> &str {
        match locale {
            "zh-CN" => &self.name_zh_cn,
            "zh-TW" => &self.name_zh_tw,
            _ => &self.name_en,
        }
    }
}

/// A review task with its response and contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewTask {
    /// The unsatisfied response.
    pub response: StoredResponse,
    /// The contact's team (from the roster), empty if none.
    pub team: String,
    /// The contact's queue.
    pub queue: String,
    /// The contact's category.
    pub category: String,
    /// Opened, UTC ms.
    pub opened_ms: i64,
    /// Open or coded.
    pub status: ReviewStatus,
    /// Who coded it.
    pub inspector: String,
    /// The inspector's note.
    pub note: String,
    /// Coded, UTC ms.
    pub coded_ms: Option<i64>,
    /// Reason ids coded.
    pub reasons: Vec<String>,
}

/// Where a review task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewStatus {
    /// Waiting for an inspector.
    Open,
    /// Reasons chosen.
    Coded,
}

impl ReviewStatus {
    /// Both, in the order lists show them.
    pub const ALL: [ReviewStatus; 2] = [ReviewStatus::Open, ReviewStatus::Coded];

    /// The stored and reported name.
    pub fn name(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Coded => "coded",
        }
    }

    /// `open` or `coded`.
    pub fn parse(name: &str) -> Option<ReviewStatus> {
        ReviewStatus::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// Which review tasks to list.
#[derive(Debug, Clone, Default)]
pub struct ReviewTaskQuery {
    /// Only this status.
    pub status: Option<ReviewStatus>,
    /// An agent id (exact) or a part of an agent's name; empty for all.
    pub agent: String,
    /// Only tasks coded with this reason id; empty for all.
    pub reason: String,
    /// Answers from this time on (UTC ms).
    pub from_ms: Option<i64>,
    /// Answers before this time (UTC ms).
    pub to_ms: Option<i64>,
    /// Skip this many.
    pub offset: i64,
    /// At most this many.
    pub limit: i64,
}

/// A page of review tasks with the matching counts per status.
#[derive(Debug, Clone)]
pub struct ReviewTaskPage {
    /// The page, newest answer first.
    pub tasks: Vec<ReviewTask>,
    /// Matching open tasks (whatever the status filter).
    pub open: i64,
    /// Matching coded tasks.
    pub coded: i64,
}

/// Why coding a task was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodingRefused {
    /// No such task.
    UnknownTask,
    /// A reason id that is not in the taxonomies (or retired).
    UnknownReason(String),
    /// No reason chosen.
    NoReason,
    /// The article version pointed at was never saved.
    UnknownArticle(String),
    /// An article is pointed at but the coding does not say "wrong information".
    ArticleWithoutWrongInformation,
}

fn reason_of(row: &AnyRow) -> Result<ReviewReason> {
    let group: String = row.try_get("reason_group")?;
    Ok(ReviewReason {
        reason_id: row.try_get("reason_id")?,
        group: ReasonGroup::parse(&group).ok_or(StoreError::CorruptValue {
            column: "review_reasons.reason_group",
            value: group,
        })?,
        name_zh_cn: row.try_get("name_zh_cn")?,
        name_zh_tw: row.try_get("name_zh_tw")?,
        name_en: row.try_get("name_en")?,
        position: row.try_get("position")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

const TASK_SELECT: &str = "SELECT r.response_id, r.contact_id, r.agent_id, r.responded_at, \
     r.csat, r.nps, r.ces, r.stage_greeting, r.stage_understanding, r.stage_answer, \
     r.stage_farewell, r.comment, r.source, COALESCE(a.team, '') AS team, c.queue, c.category, \
     t.opened_at, t.status, t.inspector, t.note, t.coded_at \
     FROM review_tasks t JOIN survey_responses r ON r.response_id = t.response_id \
     JOIN contacts c ON c.contact_id = t.contact_id \
     LEFT JOIN agents a ON a.agent_id = r.agent_id";

fn task_of(row: &AnyRow) -> Result<ReviewTask> {
    Ok(ReviewTask {
        response: crate::surveys::response_of(row)?,
        team: row.try_get("team")?,
        queue: row.try_get("queue")?,
        category: row.try_get("category")?,
        opened_ms: row.try_get("opened_at")?,
        status: {
            let status: String = row.try_get("status")?;
            ReviewStatus::parse(&status).ok_or(StoreError::CorruptValue {
                column: "review_tasks.status",
                value: status,
            })?
        },
        inspector: row.try_get("inspector")?,
        note: row.try_get("note")?,
        coded_ms: row.try_get("coded_at")?,
        reasons: Vec::new(),
    })
}

impl Store {
    /// Both taxonomies, by group and position (retired reasons included).
    pub async fn review_reasons(&self) -> Result<Vec<ReviewReason>> {
        let rows =
            sqlx::query("SELECT * FROM review_reasons ORDER BY reason_group, position, reason_id")
                .fetch_all(&self.pool)
                .await?;
        rows.iter().map(reason_of).collect()
    }

    /// Adds or changes a reason (retire one with `active: false`; coded tasks keep it); audited.
    pub async fn save_review_reason(
        &self,
        reason: &ReviewReason,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<()> {
        let mut transaction = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO review_reasons (reason_id, reason_group, name_zh_cn, name_zh_tw, \
             name_en, position, active) VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (reason_id) DO UPDATE SET reason_group = excluded.reason_group, \
             name_zh_cn = excluded.name_zh_cn, name_zh_tw = excluded.name_zh_tw, \
             name_en = excluded.name_en, position = excluded.position, active = excluded.active",
        )
        .bind(reason.reason_id.as_str())
        .bind(reason.group.name())
        .bind(reason.name_zh_cn.as_str())
        .bind(reason.name_zh_tw.as_str())
        .bind(reason.name_en.as_str())
        .bind(reason.position)
        .bind(i64::from(reason.active))
        .execute(&mut *transaction)
        .await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "update",
            "review_reason",
            &reason.reason_id,
            &serde_json::json!({"group": reason.group.name(), "active": reason.active}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// One page of review tasks matching `query`, newest answer first, with the number of
    /// matching tasks in each status (so a list shows "open 1 079 · coded 312" and pages).
    pub async fn review_task_page(&self, query: &ReviewTaskQuery) -> Result<ReviewTaskPage> {
        // the filters other than status, shared by the page and the counts ($2–$6)
        const FILTERS: &str = "($2 = '' OR r.agent_id = $2 OR a.name LIKE $3) \
             AND ($4 = '' OR EXISTS (SELECT 1 FROM review_task_reasons rr \
                  WHERE rr.response_id = t.response_id AND rr.reason_id = $4)) \
             AND r.responded_at >= $5 AND r.responded_at < $6";
        let agent = query.agent.trim();
        let agent_like = if agent.is_empty() {
            String::new()
        } else {
            format!("%{}%", agent.replace(['%', '_'], ""))
        };
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE ($1 = '' OR t.status = $1) AND {FILTERS} \
             ORDER BY r.responded_at DESC, t.response_id LIMIT $7 OFFSET $8"
        )))
        .bind(query.status.map_or("", ReviewStatus::name))
        .bind(agent)
        .bind(agent_like.as_str())
        .bind(query.reason.as_str())
        .bind(query.from_ms.unwrap_or(i64::MIN))
        .bind(query.to_ms.unwrap_or(i64::MAX))
        .bind(query.limit)
        .bind(query.offset)
        .fetch_all(&self.pool)
        .await?;
        let mut tasks: Vec<ReviewTask> = rows.iter().map(task_of).collect::<Result<_>>()?;
        self.attach_reasons(&mut tasks).await?;
        let counts: Vec<(String, i64)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT t.status, CAST(COUNT(*) AS BIGINT) FROM review_tasks t \
             JOIN survey_responses r ON r.response_id = t.response_id \
             LEFT JOIN agents a ON a.agent_id = r.agent_id \
             WHERE $1 = $1 AND {FILTERS} GROUP BY t.status"
        )))
        .bind("")
        .bind(agent)
        .bind(agent_like.as_str())
        .bind(query.reason.as_str())
        .bind(query.from_ms.unwrap_or(i64::MIN))
        .bind(query.to_ms.unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await?;
        let count = |status: ReviewStatus| {
            counts
                .iter()
                .find(|(name, _)| name == status.name())
                .map_or(0, |(_, n)| *n)
        };
        Ok(ReviewTaskPage {
            tasks,
            open: count(ReviewStatus::Open),
            coded: count(ReviewStatus::Coded),
        })
    }

    /// Fills each task's coded reasons (one query for all of them).
    async fn attach_reasons(&self, tasks: &mut [ReviewTask]) -> Result<()> {
        if tasks.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = tasks
            .iter()
            .map(|t| t.response.response_id.as_str())
            .collect();
        let sql = format!(
            "SELECT response_id, reason_id FROM review_task_reasons WHERE response_id IN ({}) \
             ORDER BY response_id, reason_id",
            crate::sql::placeholders(ids.len(), true)
        );
        let mut select = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
        for id in &ids {
            select = select.bind(*id);
        }
        let pairs = select.fetch_all(&self.pool).await?;
        for task in tasks.iter_mut() {
            task.reasons = pairs
                .iter()
                .filter(|(id, _)| *id == task.response.response_id)
                .map(|(_, reason)| reason.clone())
                .collect();
        }
        Ok(())
    }

    /// One task with its reasons.
    pub async fn review_task(&self, response_id: &str) -> Result<Option<ReviewTask>> {
        let Some(row) = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE t.response_id = $1"
        )))
        .bind(response_id)
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let mut task = task_of(&row)?;
        task.reasons = sqlx::query_scalar(
            "SELECT reason_id FROM review_task_reasons WHERE response_id = $1 ORDER BY reason_id",
        )
        .bind(response_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Some(task))
    }

    /// Codes a task with one or more active reasons and a note (recoding replaces the reasons);
    /// audited. Coded "wrong information", it may point at the article version involved
    /// (`article`: id and version), which flags that version for review (recoding replaces the
    /// task's open flag).
    pub async fn code_review_task(
        &self,
        response_id: &str,
        reason_ids: &[String],
        note: &str,
        article: Option<(&str, i64)>,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<std::result::Result<(), CodingRefused>> {
        if reason_ids.is_empty() {
            return Ok(Err(CodingRefused::NoReason));
        }
        if article.is_some()
            && !reason_ids
                .iter()
                .any(|reason| reason == crate::kb::WRONG_INFORMATION_REASON)
        {
            return Ok(Err(CodingRefused::ArticleWithoutWrongInformation));
        }
        let mut transaction = self.begin_write().await?;
        if let Some((id, version)) = article
            && !crate::kb::version_exists(&mut transaction, id, version).await?
        {
            return Ok(Err(CodingRefused::UnknownArticle(format!(
                "{id} v{version}"
            ))));
        }
        for reason_id in reason_ids {
            let active: Option<i64> =
                sqlx::query_scalar("SELECT active FROM review_reasons WHERE reason_id = $1")
                    .bind(reason_id.as_str())
                    .fetch_optional(&mut *transaction)
                    .await?;
            if active != Some(1) {
                return Ok(Err(CodingRefused::UnknownReason(reason_id.clone())));
            }
        }
        let updated = sqlx::query(
            "UPDATE review_tasks SET status = 'coded', inspector = $1, note = $2, coded_at = $3 \
             WHERE response_id = $4",
        )
        .bind(actor.name.as_str())
        .bind(note)
        .bind(now_ms)
        .bind(response_id)
        .execute(&mut *transaction)
        .await?;
        if updated.rows_affected() != 1 {
            return Ok(Err(CodingRefused::UnknownTask));
        }
        sqlx::query("DELETE FROM review_task_reasons WHERE response_id = $1")
            .bind(response_id)
            .execute(&mut *transaction)
            .await?;
        let mut unique: Vec<&String> = reason_ids.iter().collect();
        unique.sort();
        unique.dedup();
        for reason_id in &unique {
            sqlx::query("INSERT INTO review_task_reasons (response_id, reason_id) VALUES ($1, $2)")
                .bind(response_id)
                .bind(reason_id.as_str())
                .execute(&mut *transaction)
                .await?;
        }
        sqlx::query(
            "DELETE FROM kb_flags WHERE source = 'review_task' AND source_id = $1 \
             AND resolved_at IS NULL",
        )
        .bind(response_id)
        .execute(&mut *transaction)
        .await?;
        if let Some((id, version)) = article {
            crate::kb::insert_flag(
                &mut transaction,
                id,
                version,
                crate::kb::FlagSource::ReviewTask,
                response_id,
                note,
                actor,
                now_ms,
            )
            .await?;
        }
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "code",
            "review_task",
            response_id,
            &serde_json::json!({"reasons": unique}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// Every review task whose response arrived in `[from_ms, to_ms)`, with its reasons (for
    /// the weekly report).
    pub async fn review_tasks_between(&self, from_ms: i64, to_ms: i64) -> Result<Vec<ReviewTask>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "{TASK_SELECT} WHERE r.responded_at >= $1 AND r.responded_at < $2 \
             ORDER BY r.responded_at, t.response_id"
        )))
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut tasks: Vec<ReviewTask> = rows.iter().map(task_of).collect::<Result<_>>()?;
        let reasons = sqlx::query(
            "SELECT x.response_id, x.reason_id FROM review_task_reasons x \
             JOIN survey_responses r ON r.response_id = x.response_id \
             WHERE r.responded_at >= $1 AND r.responded_at < $2 ORDER BY x.response_id, x.reason_id",
        )
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut by_response: std::collections::HashMap<String, Vec<String>> = Default::default();
        for row in &reasons {
            by_response
                .entry(row.try_get(0)?)
                .or_default()
                .push(row.try_get(1)?);
        }
        for task in &mut tasks {
            task.reasons = by_response
                .remove(&task.response.response_id)
                .unwrap_or_default();
        }
        Ok(tasks)
    }
}
