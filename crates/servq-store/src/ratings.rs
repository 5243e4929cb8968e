//! 360° ratings: stored one row per rating, counted on the rated period's last day (the start
//! of that day in the centre's zone, `counted_at`). Imports are checked row by row against the
//! roster and the users (who may rate whom, `servq_core::check_rater`) and written in one
//! transaction; KPI queries sum them per agent and team (`kpi_query`).

use std::collections::HashMap;

use servq_core::{RaterFacts, RatingRecord, RatingSource, check_rater};
use sqlx::{AnyConnection, Row};

use crate::{Actor, ImportRowError, ImportSummary, Result, Store, StoreError, users};

/// Settings key: whether a peer must be an agent of the rated agent's team (`1`, the default)
/// or any other agent (`0`).
pub const PEERS_SHARE_TEAM_KEY: &str = "ratings.peers_share_team";

/// A stored rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRating {
    /// The rating as given.
    pub record: RatingRecord,
    /// Who entered it (a username, `import`).
    pub created_by: String,
    /// When, UTC ms.
    pub created_ms: i64,
}

const DIMENSION_COLUMNS: &str =
    "response_speed, problem_solving, professionalism, process, satisfaction";

async fn peers_share_team(connection: &mut AnyConnection) -> Result<bool> {
    let value: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(PEERS_SHARE_TEAM_KEY)
        .fetch_optional(&mut *connection)
        .await?;
    Ok(value.as_deref() != Some("0"))
}

/// Who the raters are: usernames with their linked agents, and the roster's teams.
struct Directory {
    user_agents: HashMap<String, Option<String>>,
    teams: HashMap<String, String>,
}

impl Directory {
    async fn load(connection: &mut AnyConnection) -> Result<Directory> {
        let user_agents = sqlx::query("SELECT username, agent_id FROM users")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("username")?, row.try_get("agent_id")?)))
            .collect::<Result<_>>()?;
        let teams = sqlx::query("SELECT agent_id, team FROM agents")
            .fetch_all(&mut *connection)
            .await?
            .iter()
            .map(|row| Ok((row.try_get("agent_id")?, row.try_get("team")?)))
            .collect::<Result<_>>()?;
        Ok(Directory { user_agents, teams })
    }

    /// The rater's agent: a user's linked agent, else the text itself when the roster has it.
    fn facts(&self, rater: &str) -> RaterFacts {
        let agent_id = match self.user_agents.get(rater) {
            Some(linked) => linked.clone(),
            None => self.teams.contains_key(rater).then(|| rater.to_owned()),
        };
        let team = agent_id
            .as_deref()
            .and_then(|agent| self.teams.get(agent))
            .cloned()
            .unwrap_or_default();
        RaterFacts { agent_id, team }
    }

    fn team(&self, agent: &str) -> &str {
        self.teams.get(agent).map_or("", String::as_str)
    }
}

async fn counted_at(connection: &mut AnyConnection, record: &RatingRecord) -> Result<i64> {
    let zone = crate::cubes::centre_zone(connection).await?;
    Ok(record
        .period_end
        .to_zoned(zone)
        .map_err(|error| StoreError::BadSetting {
            key: "centre zone".to_owned(),
            value: error.to_string(),
        })?
        .timestamp()
        .as_millisecond())
}

async fn write(
    connection: &mut AnyConnection,
    record: &RatingRecord,
    created_by: &str,
    now_ms: i64,
) -> Result<()> {
    let counted = counted_at(connection, record).await?;
    sqlx::query("DELETE FROM ratings WHERE rating_id = $1")
        .bind(record.rating_id.as_str())
        .execute(&mut *connection)
        .await?;
    let [a, b, c, d, e] = record.scores;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ratings (rating_id, agent_id, rater, source, period_start, period_end, \
         counted_at, {DIMENSION_COLUMNS}, comment, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
    )))
    .bind(record.rating_id.as_str())
    .bind(record.agent_id.as_str())
    .bind(record.rater.as_str())
    .bind(record.source.name())
    .bind(record.period_start.to_string())
    .bind(record.period_end.to_string())
    .bind(counted)
    .bind(a)
    .bind(b)
    .bind(c)
    .bind(d)
    .bind(e)
    .bind(record.comment.as_str())
    .bind(created_by)
    .bind(now_ms)
    .execute(&mut *connection)
    .await?;
    Ok(())
}

fn rating_of(row: &sqlx::any::AnyRow) -> Result<StoredRating> {
    let source: String = row.try_get("source")?;
    let date = |column: &'static str| -> Result<jiff::civil::Date> {
        let text: String = row.try_get(column)?;
        text.parse().map_err(|_| StoreError::CorruptValue {
            column,
            value: text,
        })
    };
    Ok(StoredRating {
        record: RatingRecord {
            rating_id: row.try_get("rating_id")?,
            agent_id: row.try_get("agent_id")?,
            rater: row.try_get("rater")?,
            source: RatingSource::parse(&source).ok_or(StoreError::CorruptValue {
                column: "ratings.source",
                value: source,
            })?,
            period_start: date("period_start")?,
            period_end: date("period_end")?,
            scores: [
                row.try_get("response_speed")?,
                row.try_get("problem_solving")?,
                row.try_get("professionalism")?,
                row.try_get("process")?,
                row.try_get("satisfaction")?,
            ],
            comment: row.try_get("comment")?,
        },
        created_by: row.try_get("created_by")?,
        created_ms: row.try_get("created_at")?,
    })
}

impl Store {
    /// Checks every rating of a file (repeats, who may rate whom) and, when `commit` and all are
    /// good, writes them in one transaction; the row errors otherwise.
    pub async fn import_ratings(
        &self,
        rows: &[(u64, RatingRecord)],
        source: &str,
        now_ms: i64,
        commit: bool,
    ) -> Result<std::result::Result<ImportSummary, Vec<ImportRowError>>> {
        let mut transaction = self.begin_write().await?;
        let directory = Directory::load(&mut transaction).await?;
        let share_team = peers_share_team(&mut transaction).await?;
        let mut errors = Vec::new();
        let mut first_lines = crate::import::FirstLines::default();
        let mut summary = ImportSummary::default();
        for (line, record) in rows {
            if let Some(repeat) = first_lines.repeat(&record.rating_id, *line, "rating_id") {
                errors.push(repeat);
                continue;
            }
            if !directory.teams.contains_key(&record.agent_id) {
                errors.push(ImportRowError {
                    line: *line,
                    column: "agent_id".to_owned(),
                    reason: format!(
                        "no agent '{}' in the roster (import agents first)",
                        record.agent_id
                    ),
                });
                continue;
            }
            if let Err(reason) = check_rater(
                record.source,
                &record.agent_id,
                directory.team(&record.agent_id),
                &directory.facts(&record.rater),
                share_team,
            ) {
                errors.push(ImportRowError {
                    line: *line,
                    column: "rater".to_owned(),
                    reason: format!("{}: {reason}", record.rater),
                });
                continue;
            }
            if !errors.is_empty() {
                continue;
            }
            summary.rows += 1;
            let stored = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT rating_id, agent_id, rater, source, period_start, period_end, \
                 {DIMENSION_COLUMNS}, comment, created_by, created_at FROM ratings WHERE rating_id = $1"
            )))
            .bind(record.rating_id.as_str())
            .fetch_optional(&mut *transaction)
            .await?
            .as_ref()
            .map(rating_of)
            .transpose()?;
            match stored {
                Some(stored) if stored.record == *record => {
                    summary.unchanged += 1;
                    continue;
                }
                Some(_) => summary.updated += 1,
                None => summary.inserted += 1,
            }
            write(&mut transaction, record, "import", now_ms).await?;
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        if !commit {
            return Ok(Ok(summary));
        }
        crate::import::commit_checked_import(transaction, "ratings", source, &summary, now_ms)
            .await?;
        Ok(Ok(summary))
    }

    /// Stores one rating given in the form by `actor` (the rater), after the same checks as an
    /// import; why not when the agent is unknown (`None`) or the rater may not give it.
    pub async fn save_rating(
        &self,
        record: &RatingRecord,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<std::result::Result<(), Option<servq_core::RaterRefusal>>> {
        let mut transaction = self.begin_write().await?;
        let directory = Directory::load(&mut transaction).await?;
        if !directory.teams.contains_key(&record.agent_id) {
            return Ok(Err(None));
        }
        let share_team = peers_share_team(&mut transaction).await?;
        if let Err(reason) = check_rater(
            record.source,
            &record.agent_id,
            directory.team(&record.agent_id),
            &directory.facts(&record.rater),
            share_team,
        ) {
            return Ok(Err(Some(reason)));
        }
        write(&mut transaction, record, &actor.name, now_ms).await?;
        users::audit(
            &mut transaction,
            actor,
            now_ms,
            "rate",
            "rating",
            &record.rating_id,
            &serde_json::json!({"agent": record.agent_id, "source": record.source.name()})
                .to_string(),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(Ok(()))
    }

    /// The ratings of `agent` (every agent when `None`) whose period ends in `[from, to]`
    /// (`YYYY-MM-DD`), newest first.
    pub async fn ratings(
        &self,
        agent: Option<&str>,
        from: &str,
        to: &str,
    ) -> Result<Vec<StoredRating>> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT rating_id, agent_id, rater, source, period_start, period_end, \
             {DIMENSION_COLUMNS}, comment, created_by, created_at FROM ratings \
             WHERE period_end >= $1 AND period_end <= $2 AND ($3 = '' OR agent_id = $3) \
             ORDER BY period_end DESC, created_at DESC"
        )))
        .bind(from)
        .bind(to)
        .bind(agent.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rating_of).collect()
    }
}
