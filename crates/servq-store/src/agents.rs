//! The agent roster: names and teams, used to group KPIs by team.

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
}

impl Store {
    /// Inserts or updates agents by id, in one transaction.
    pub async fn upsert_agents(&self, agents: &[AgentRecord]) -> Result<ImportSummary> {
        let mut transaction = self.begin_write().await?;
        // Later rows for the same id win, as in a spreadsheet read top to bottom.
        let mut latest: Vec<&AgentRecord> = Vec::new();
        let mut seen = std::collections::HashMap::new();
        for agent in agents {
            if let Some(&index) = seen.get(agent.agent_id.as_str()) {
                latest[index] = agent;
            } else {
                seen.insert(agent.agent_id.as_str(), latest.len());
                latest.push(agent);
            }
        }
        sqlx::query("DROP TABLE IF EXISTS import_agents")
            .execute(&mut *transaction)
            .await?;
        sqlx::query("CREATE TEMP TABLE import_agents (agent_id TEXT NOT NULL, name TEXT NOT NULL, team TEXT NOT NULL)")
            .execute(&mut *transaction)
            .await?;
        insert_batch(
            &mut transaction,
            "INSERT INTO import_agents (agent_id, name, team)",
            3,
            &latest,
            |query, a| {
                query
                    .bind(a.agent_id.as_str())
                    .bind(a.name.as_str())
                    .bind(a.team.as_str())
            },
        )
        .await?;
        let unchanged = sqlx::query(
            "DELETE FROM import_agents WHERE EXISTS (SELECT 1 FROM agents a WHERE a.agent_id = import_agents.agent_id \
             AND a.name = import_agents.name AND a.team = import_agents.team)",
        )
        .execute(&mut *transaction)
        .await?
        .rows_affected() as i64;
        let updated: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM import_agents i JOIN agents a ON a.agent_id = i.agent_id",
        )
        .fetch_one(&mut *transaction)
        .await?;
        sqlx::query(
            "INSERT INTO agents (agent_id, name, team) SELECT agent_id, name, team FROM import_agents WHERE true \
             ON CONFLICT (agent_id) DO UPDATE SET name = excluded.name, team = excluded.team",
        )
        .execute(&mut *transaction)
        .await?;
        sqlx::query("DROP TABLE import_agents")
            .execute(&mut *transaction)
            .await?;
        crate::cache::bump_data_version(&mut transaction).await?;
        transaction.commit().await?;
        let distinct = latest.len() as i64;
        Ok(ImportSummary {
            rows: agents.len() as i64,
            inserted: distinct - unchanged - updated,
            updated,
            unchanged,
        })
    }

    /// Every agent, ordered by id.
    pub async fn agents(&self) -> Result<Vec<AgentRecord>> {
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT agent_id, name, team FROM agents ORDER BY agent_id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(agent_id, name, team)| AgentRecord {
                agent_id,
                name,
                team,
            })
            .collect())
    }
}
