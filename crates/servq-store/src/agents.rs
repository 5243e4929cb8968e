//! The agent roster: names, teams and the queues each agent serves, used to group KPIs by team
//! and to attribute agent-state time to queues.

use std::collections::HashMap;

use futures::TryStreamExt;
use sqlx::Row;

use crate::{ImportSummary, Result, Store, sql::insert_batch};

/// One agent of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentRecord {
    /// The agent's id as used in contacts and states.
    pub agent_id: String,
    /// Display name.
    pub name: String,
    /// Team (班组) the agent belongs to.
    pub team: String,
    /// The queues (skill groups) the agent serves, in order, without repeats; `None` on a write
    /// leaves the stored list as it is (a roster file without a `queues` column).
    pub queues: Option<Vec<String>>,
}

/// What the store holds for one agent.
struct Stored {
    name: String,
    team: String,
    queues: Vec<String>,
}

impl Store {
    /// Inserts or updates agents by id, in one transaction. A record's queues replace the
    /// stored list unless they are `None`.
    pub async fn upsert_agents(&self, agents: &[AgentRecord]) -> Result<ImportSummary> {
        let mut transaction = self.begin_write().await?;
        // Later rows for the same id win, as in a spreadsheet read top to bottom.
        let mut latest: Vec<&AgentRecord> = Vec::new();
        let mut seen = HashMap::new();
        for agent in agents {
            if let Some(&index) = seen.get(agent.agent_id.as_str()) {
                latest[index] = agent;
            } else {
                seen.insert(agent.agent_id.as_str(), latest.len());
                latest.push(agent);
            }
        }
        // A roster is thousands of agents at most: compare in memory.
        let mut stored: HashMap<String, Stored> = HashMap::new();
        {
            let mut rows =
                sqlx::query("SELECT agent_id, name, team FROM agents").fetch(&mut *transaction);
            while let Some(row) = rows.try_next().await? {
                stored.insert(
                    row.try_get(0)?,
                    Stored {
                        name: row.try_get(1)?,
                        team: row.try_get(2)?,
                        queues: Vec::new(),
                    },
                );
            }
        }
        {
            let mut rows =
                sqlx::query("SELECT agent_id, queue FROM agent_queues ORDER BY agent_id, position")
                    .fetch(&mut *transaction);
            while let Some(row) = rows.try_next().await? {
                let agent: String = row.try_get(0)?;
                if let Some(entry) = stored.get_mut(&agent) {
                    entry.queues.push(row.try_get(1)?);
                }
            }
        }
        let (mut inserted, mut updated, mut unchanged) = (0, 0, 0);
        let mut changed: Vec<&AgentRecord> = Vec::new();
        for agent in latest {
            match stored.get(&agent.agent_id) {
                None => inserted += 1,
                Some(before)
                    if before.name == agent.name
                        && before.team == agent.team
                        && agent.queues.as_ref().is_none_or(|q| *q == before.queues) =>
                {
                    unchanged += 1;
                    continue;
                }
                Some(_) => updated += 1,
            }
            changed.push(agent);
        }
        let numbered = self.backend == crate::Backend::Postgres;
        for chunk in changed.chunks(crate::sql::BATCH_ROWS) {
            let ids = crate::sql::placeholders(chunk.len(), numbered);
            let delete = |table: &str| format!("DELETE FROM {table} WHERE agent_id IN ({ids})");
            let mut statement = sqlx::query(sqlx::AssertSqlSafe(delete("agents")));
            for agent in chunk {
                statement = statement.bind(agent.agent_id.as_str());
            }
            statement.execute(&mut *transaction).await?;
            let replaced: Vec<&&AgentRecord> = chunk
                .iter()
                .filter(|agent| agent.queues.is_some())
                .collect();
            if !replaced.is_empty() {
                let ids = crate::sql::placeholders(replaced.len(), numbered);
                let mut statement = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DELETE FROM agent_queues WHERE agent_id IN ({ids})"
                )));
                for agent in &replaced {
                    statement = statement.bind(agent.agent_id.as_str());
                }
                statement.execute(&mut *transaction).await?;
            }
        }
        insert_batch(
            &mut transaction,
            "INSERT INTO agents (agent_id, name, team)",
            3,
            &changed,
            |query, a| {
                query
                    .bind(a.agent_id.as_str())
                    .bind(a.name.as_str())
                    .bind(a.team.as_str())
            },
        )
        .await?;
        let queue_rows: Vec<(&str, &str, i64)> = changed
            .iter()
            .filter_map(|agent| Some((agent.agent_id.as_str(), agent.queues.as_ref()?)))
            .flat_map(|(agent, queues)| {
                let mut seen = std::collections::HashSet::new();
                queues
                    .iter()
                    .filter(move |queue| seen.insert(queue.as_str()))
                    .enumerate()
                    .map(move |(position, queue)| (agent, queue.as_str(), position as i64))
            })
            .collect();
        insert_batch(
            &mut transaction,
            "INSERT INTO agent_queues (agent_id, queue, position)",
            3,
            &queue_rows,
            |query, (agent, queue, position)| query.bind(*agent).bind(*queue).bind(*position),
        )
        .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        Ok(ImportSummary {
            rows: agents.len() as i64,
            inserted,
            updated,
            unchanged,
        })
    }

    /// Every agent with its queues, ordered by id.
    pub async fn agents(&self) -> Result<Vec<AgentRecord>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT agent_id, name, team FROM agents ORDER BY agent_id")
                .fetch_all(&self.pool)
                .await?;
        let mut queues: HashMap<String, Vec<String>> = HashMap::new();
        let pairs: Vec<(String, String)> =
            sqlx::query_as("SELECT agent_id, queue FROM agent_queues ORDER BY agent_id, position")
                .fetch_all(&self.pool)
                .await?;
        for (agent, queue) in pairs {
            queues.entry(agent).or_default().push(queue);
        }
        Ok(rows
            .into_iter()
            .map(|(agent_id, name, team)| AgentRecord {
                queues: Some(queues.remove(&agent_id).unwrap_or_default()),
                agent_id,
                name,
                team,
            })
            .collect())
    }
}
