//! The roster edited one agent at a time (the web page and the API; whole rosters come through
//! `servq import agents`): checked, stored, audited.

use servq_store::{Actor, AgentRecord, Store};

use crate::now_ms;

/// The longest agent id, name or team, in characters.
pub const MAX_ROSTER_CHARS: usize = 64;

/// Why an agent was not saved: every problem, with its field.
#[derive(Debug, thiserror::Error)]
pub enum RosterRefused {
    /// The values given are wrong.
    #[error("{}", .0.iter().map(|(field, reason)| format!("{field}: {reason}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(&'static str, String)>),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Adds or changes one agent of the roster (the id is the key); audited. `queues` replaces the
/// agent's queues (read by the roster file's rule, [`servq_core::parse_queue_list`]); `None`
/// keeps them.
pub async fn save_agent(
    store: &Store,
    agent_id: &str,
    name: &str,
    team: &str,
    queues: Option<&[String]>,
    actor: &Actor,
) -> Result<AgentRecord, RosterRefused> {
    let mut problems = Vec::new();
    let queues = match queues.map(|queues| servq_core::parse_queue_list(&queues.join(";"))) {
        None => None,
        Some(Ok(queues)) => Some(queues.into_iter().map(|q| q.into_string()).collect()),
        Some(Err(error)) => {
            problems.push(("queues", error.to_string()));
            None
        }
    };
    let agent = AgentRecord {
        agent_id: agent_id.trim().to_owned(),
        name: name.trim().to_owned(),
        team: team.trim().to_owned(),
        queues,
    };
    for (field, value, required) in [
        ("agent_id", &agent.agent_id, true),
        ("name", &agent.name, false),
        ("team", &agent.team, false),
    ] {
        if required && value.is_empty() {
            problems.push((field, "is required".to_owned()));
        }
        if value.chars().count() > MAX_ROSTER_CHARS || value.chars().any(char::is_control) {
            problems.push((
                field,
                format!("at most {MAX_ROSTER_CHARS} characters, no control characters"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(RosterRefused::Invalid(problems));
    }
    store
        .upsert_agents(std::slice::from_ref(&agent))
        .await
        .map_err(anyhow::Error::from)?;
    store
        .audit(
            actor,
            now_ms(),
            "update",
            "agent",
            &agent.agent_id,
            &serde_json::json!({"name": agent.name, "team": agent.team, "queues": agent.queues})
                .to_string(),
        )
        .await
        .map_err(anyhow::Error::from)?;
    if agent.queues.is_some() {
        return Ok(agent);
    }
    // the queues were kept: the answer shows the stored ones
    let stored = store
        .agents()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .find(|stored| stored.agent_id == agent.agent_id);
    Ok(stored.unwrap_or(agent))
}
