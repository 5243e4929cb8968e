//! 360° ratings: a supervisor, a peer or the agent (self) rates an agent for a period on the five
//! dimensions of the service-quality standard, 1–5 each. The rules of who may rate whom live
//! here (`check_rater`), used alike by the file import and the form.

use jiff::civil::Date;

use crate::{AgentId, FieldError, ParseError};

/// The five dimensions a rating answers, by id (the evaluation model's standard ids).
pub const RATING_DIMENSIONS: [&str; 5] = [
    "response_speed",
    "problem_solving",
    "professionalism",
    "process",
    "satisfaction",
];

/// The columns of a ratings file.
pub const RATING_COLUMNS: &[&str] = &[
    "rating_id",
    "agent_id",
    "rater",
    "source",
    "period_start",
    "period_end",
    "response_speed",
    "problem_solving",
    "professionalism",
    "process",
    "satisfaction",
    "comment",
];

/// The columns a ratings file must have.
pub const RATING_REQUIRED: &[&str] = &[
    "rating_id",
    "agent_id",
    "rater",
    "source",
    "period_start",
    "period_end",
];

/// Who gave a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RatingSource {
    /// The agent's supervisor.
    Supervisor,
    /// A colleague of the same team.
    Peer,
    /// The agent about themselves.
    SelfRating,
}

impl RatingSource {
    /// Every source, in the order pages show them.
    pub const ALL: [RatingSource; 3] = [
        RatingSource::Supervisor,
        RatingSource::Peer,
        RatingSource::SelfRating,
    ];

    /// The stored and written name.
    pub fn name(self) -> &'static str {
        match self {
            RatingSource::Supervisor => "supervisor",
            RatingSource::Peer => "peer",
            RatingSource::SelfRating => "self",
        }
    }

    /// The source called `name`.
    pub fn parse(name: &str) -> Option<RatingSource> {
        RatingSource::ALL
            .into_iter()
            .find(|s| s.name() == name.trim().to_lowercase())
    }
}

/// A parsed rating.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RatingRecord {
    /// Unique id; re-importing it replaces the rating.
    pub rating_id: String,
    /// The agent rated.
    pub agent_id: String,
    /// Who rated: a username, or an agent id.
    pub rater: String,
    /// Supervisor, peer or self.
    pub source: RatingSource,
    /// First day of the period rated.
    pub period_start: Date,
    /// Last day of the period (the rating counts on this day).
    pub period_end: Date,
    /// The answers (1–5) in [`RATING_DIMENSIONS`] order; `None` where not answered.
    pub scores: [Option<i64>; 5],
    /// A comment.
    pub comment: String,
}

/// The longest comment kept.
pub const MAX_RATING_COMMENT_CHARS: usize = 2000;

impl RatingRecord {
    /// Parses one row, looked up by column name (see [`RATING_COLUMNS`]); every bad column is
    /// reported.
    pub fn parse<'a>(
        field: impl Fn(&str) -> Option<&'a str>,
    ) -> Result<RatingRecord, Vec<FieldError>> {
        let text = |name: &str| field(name).unwrap_or("").trim();
        let mut errors = Vec::new();
        let id = |column: &'static str, errors: &mut Vec<FieldError>| {
            AgentId::parse(text(column))
                .map(AgentId::into_string)
                .map_err(|error| errors.push(FieldError::new(column, error)))
                .ok()
        };
        let rating_id = id("rating_id", &mut errors);
        let agent_id = id("agent_id", &mut errors);
        let rater = id("rater", &mut errors);
        let source = RatingSource::parse(text("source"));
        if source.is_none() {
            errors.push(FieldError::new(
                "source",
                ParseError::NotOneOf {
                    value: text("source").to_owned(),
                    expected: "supervisor, peer, self",
                },
            ));
        }
        let date = |column: &'static str, errors: &mut Vec<FieldError>| {
            let value = text(column);
            value
                .parse::<Date>()
                .map_err(|_| {
                    errors.push(FieldError::rule(
                        column,
                        format!("'{}' is not a date like 2026-11-30", crate::shown(value)),
                    ))
                })
                .ok()
        };
        let period_start = date("period_start", &mut errors);
        let period_end = date("period_end", &mut errors);
        if let (Some(start), Some(end)) = (period_start, period_end)
            && start > end
        {
            errors.push(FieldError::rule(
                "period_end",
                "the period ends before it starts",
            ));
        }
        let mut scores = [None; 5];
        for (slot, column) in scores.iter_mut().zip(RATING_DIMENSIONS) {
            let value = text(column);
            if value.is_empty() {
                continue;
            }
            match value.parse::<i64>() {
                Ok(score) if (1..=5).contains(&score) => *slot = Some(score),
                _ => errors.push(FieldError::new(
                    column,
                    ParseError::OutOfRange {
                        value: value.to_owned(),
                        min: 1,
                        max: 5,
                    },
                )),
            }
        }
        if scores.iter().all(Option::is_none)
            && !errors.iter().any(|e| RATING_DIMENSIONS.contains(&e.column))
        {
            errors.push(FieldError::rule(
                "response_speed",
                "a rating answers at least one of the five dimensions (1–5)",
            ));
        }
        let comment = text("comment");
        let length = comment.chars().count();
        if length > MAX_RATING_COMMENT_CHARS {
            errors.push(FieldError::new(
                "comment",
                ParseError::TooLong {
                    len: length,
                    max: MAX_RATING_COMMENT_CHARS,
                },
            ));
        }
        match (rating_id, agent_id, rater, source, period_start, period_end) {
            (
                Some(rating_id),
                Some(agent_id),
                Some(rater),
                Some(source),
                Some(period_start),
                Some(period_end),
            ) if errors.is_empty() => Ok(RatingRecord {
                rating_id,
                agent_id,
                rater,
                source,
                period_start,
                period_end,
                scores,
                comment: comment.to_owned(),
            }),
            _ => Err(errors),
        }
    }
}

/// What is known of a rater: the agent they are (their user's linked agent, or the rater text
/// itself when it is an agent of the roster) and that agent's team.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RaterFacts {
    /// The rater's own agent id, if they are an agent.
    pub agent_id: Option<String>,
    /// The rater's roster team (empty when none).
    pub team: String,
}

/// Why a rater may not give a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RaterRefusal {
    /// A self rating by someone else.
    SelfByOther,
    /// A peer or supervisor rating of oneself.
    RatesThemselves,
    /// A peer rating by someone who is not an agent of the roster.
    PeerNotAgent,
    /// A peer rating from another team.
    PeerOtherTeam,
    /// A supervisor rating by an agent.
    SupervisorIsAgent,
}

impl RaterRefusal {
    /// The stable code (catalogue `problem.rating_{code}`).
    pub fn code(self) -> &'static str {
        match self {
            RaterRefusal::SelfByOther => "self_by_other",
            RaterRefusal::RatesThemselves => "rates_themselves",
            RaterRefusal::PeerNotAgent => "peer_not_agent",
            RaterRefusal::PeerOtherTeam => "peer_other_team",
            RaterRefusal::SupervisorIsAgent => "supervisor_is_agent",
        }
    }
}

impl std::fmt::Display for RaterRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RaterRefusal::SelfByOther => "a self rating must be given by the agent rated",
            RaterRefusal::RatesThemselves => "nobody rates themselves except as self",
            RaterRefusal::PeerNotAgent => "a peer rating must be given by an agent of the roster",
            RaterRefusal::PeerOtherTeam => "a peer must be an agent of the same team",
            RaterRefusal::SupervisorIsAgent => {
                "a supervisor rating must come from a supervisor, not an agent of the roster"
            }
        })
    }
}

/// Whether `rater` may give a rating of `source` to the agent `rated` of team `rated_team`:
/// nobody rates themselves except as `self`; a self rating is the agent's own; a peer is another
/// agent of the same (non-empty) roster team when `peers_share_team`; a supervisor rating does not
/// come from an agent.
pub fn check_rater(
    source: RatingSource,
    rated: &str,
    rated_team: &str,
    rater: &RaterFacts,
    peers_share_team: bool,
) -> Result<(), RaterRefusal> {
    let is_self = rater.agent_id.as_deref() == Some(rated);
    match source {
        RatingSource::SelfRating if !is_self => Err(RaterRefusal::SelfByOther),
        RatingSource::SelfRating => Ok(()),
        _ if is_self => Err(RaterRefusal::RatesThemselves),
        RatingSource::Peer => match &rater.agent_id {
            None => Err(RaterRefusal::PeerNotAgent),
            Some(_) if peers_share_team && (rater.team.is_empty() || rater.team != rated_team) => {
                Err(RaterRefusal::PeerOtherTeam)
            }
            Some(_) => Ok(()),
        },
        RatingSource::Supervisor if rater.agent_id.is_some() => {
            Err(RaterRefusal::SupervisorIsAgent)
        }
        RatingSource::Supervisor => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(agent: Option<&str>, team: &str) -> RaterFacts {
        RaterFacts {
            agent_id: agent.map(str::to_owned),
            team: team.to_owned(),
        }
    }

    #[test]
    fn who_may_rate_whom() {
        use RatingSource::*;
        assert_eq!(
            check_rater(SelfRating, "a1", "north", &facts(Some("a1"), "north"), true),
            Ok(())
        );
        assert!(check_rater(SelfRating, "a1", "north", &facts(Some("a2"), "north"), true).is_err());
        assert_eq!(
            check_rater(Peer, "a1", "north", &facts(Some("a1"), "north"), true),
            Err(RaterRefusal::RatesThemselves)
        );
        assert_eq!(
            check_rater(Peer, "a1", "north", &facts(Some("a2"), "north"), true),
            Ok(())
        );
        assert!(check_rater(Peer, "a1", "north", &facts(Some("a3"), "south"), true).is_err());
        assert_eq!(
            check_rater(Peer, "a1", "north", &facts(Some("a3"), "south"), false),
            Ok(())
        );
        assert!(check_rater(Peer, "a1", "", &facts(Some("a3"), ""), true).is_err());
        assert!(check_rater(Peer, "a1", "north", &facts(None, ""), true).is_err());
        assert_eq!(
            check_rater(Supervisor, "a1", "north", &facts(None, ""), true),
            Ok(())
        );
        assert!(check_rater(Supervisor, "a1", "north", &facts(Some("a2"), "north"), true).is_err());
        assert!(check_rater(Supervisor, "a1", "north", &facts(Some("a1"), "north"), true).is_err());
    }

    #[test]
    fn rows_parse_with_every_error_named() {
        let row = |pairs: &[(&str, &'static str)]| {
            let pairs = pairs.to_vec();
            RatingRecord::parse(move |name| pairs.iter().find(|(n, _)| *n == name).map(|(_, v)| *v))
        };
        let good = row(&[
            ("rating_id", "r1"),
            ("agent_id", "a1"),
            ("rater", "sup"),
            ("source", "Supervisor"),
            ("period_start", "2026-11-01"),
            ("period_end", "2026-11-30"),
            ("response_speed", "4"),
            ("satisfaction", "5"),
        ])
        .unwrap();
        assert_eq!(good.source, RatingSource::Supervisor);
        assert_eq!(good.scores, [Some(4), None, None, None, Some(5)]);
        let bad = row(&[
            ("rating_id", "r1"),
            ("agent_id", ""),
            ("rater", "sup"),
            ("source", "boss"),
            ("period_start", "2026-11-30"),
            ("period_end", "2026-11-01"),
            ("process", "6"),
        ])
        .unwrap_err();
        let columns: Vec<&str> = bad.iter().map(|e| e.column).collect();
        assert_eq!(columns, ["agent_id", "source", "period_end", "process"]);
    }
}
