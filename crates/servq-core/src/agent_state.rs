//! Agent-state intervals (available, talk, hold, wrap, not ready), the input for occupancy and
//! utilization.

use jiff::tz::TimeZone;

use crate::{
    contact::word_enum,
    error::{FieldError, ParseError, keep_error},
    ids::AgentId,
    time::{ZonedTime, parse_timestamp},
};

/// Longest accepted state interval. A longer one is almost always a missed log-out, and
/// accepting it would let one bad row dominate a day's occupancy.
pub const MAX_STATE_SECONDS: i64 = 24 * 3600;

word_enum!(
    /// What an agent was doing during an interval.
    AgentStateKind, "available, talk, hold, wrap, not_ready", {
        /// Logged in and waiting for a contact (idle).
        Available = "available" | "ready" | "idle" | "空闲",
        /// Talking with a customer.
        Talk = "talk" | "busy" | "通话",
        /// Customer on hold.
        Hold = "hold" | "保持",
        /// After-contact work.
        Wrap = "wrap" | "acw" | "话后处理",
        /// Logged in but not taking contacts (break, meeting, training).
        NotReady = "not_ready" | "notready" | "not ready" | "aux" | "break" | "示忙",
    }
);

impl AgentStateKind {
    /// Whether the state counts as handling a contact (talk, hold or wrap).
    pub fn is_handling(self) -> bool {
        matches!(
            self,
            AgentStateKind::Talk | AgentStateKind::Hold | AgentStateKind::Wrap
        )
    }
}

/// The raw text of one agent-state row.
#[derive(Debug, Clone, Copy, Default)]
#[allow(missing_docs)] // one field per canonical column, documented in docs/import.md
pub struct AgentStateRecord<'a> {
    pub agent_id: &'a str,
    pub state: &'a str,
    pub start_at: &'a str,
    pub end_at: &'a str,
}

/// A valid state interval: `start_at ≤ end_at`, at most [`MAX_STATE_SECONDS`] long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentStateInterval {
    /// The agent.
    pub agent_id: AgentId,
    /// What the agent was doing.
    pub state: AgentStateKind,
    /// Start of the interval.
    pub start_at: ZonedTime,
    /// End of the interval.
    pub end_at: ZonedTime,
}

impl AgentStateInterval {
    /// Parses one row, reading naive local timestamps in `zone`.
    pub fn parse(record: &AgentStateRecord<'_>, zone: &TimeZone) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let agent_id = keep_error(&mut errors, "agent_id", AgentId::parse(record.agent_id));
        let state = keep_error(&mut errors, "state", AgentStateKind::parse(record.state));
        let start_at = keep_error(
            &mut errors,
            "start_at",
            parse_timestamp(record.start_at, zone),
        );
        let end_at = keep_error(&mut errors, "end_at", parse_timestamp(record.end_at, zone));
        let (Some(agent_id), Some(state), Some(start_at), Some(end_at)) =
            (agent_id, state, start_at, end_at)
        else {
            return Err(errors);
        };
        if end_at.utc_ms < start_at.utc_ms {
            return Err(vec![FieldError::rule("end_at", "is before start_at")]);
        }
        if end_at.utc_ms - start_at.utc_ms > MAX_STATE_SECONDS * 1000 {
            return Err(vec![FieldError::rule(
                "end_at",
                "is more than 24 hours after start_at (split long states or check for a missed log-out)",
            )]);
        }
        Ok(Self {
            agent_id,
            state,
            start_at,
            end_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_parse_and_check_order() {
        let record = AgentStateRecord {
            agent_id: "a1",
            state: "Not_Ready",
            start_at: "2026-11-02 09:00:00",
            end_at: "2026-11-02 09:15:00",
        };
        let interval = AgentStateInterval::parse(&record, &TimeZone::UTC).unwrap();
        assert_eq!(interval.state, AgentStateKind::NotReady);
        assert!(!interval.state.is_handling());
        let reversed = AgentStateRecord {
            end_at: "2026-11-02 08:00:00",
            ..record
        };
        assert_eq!(
            AgentStateInterval::parse(&reversed, &TimeZone::UTC).unwrap_err()[0].column,
            "end_at"
        );
        let too_long = AgentStateRecord {
            end_at: "2026-11-03 09:00:01",
            ..record
        };
        assert!(AgentStateInterval::parse(&too_long, &TimeZone::UTC).is_err());
    }
}
