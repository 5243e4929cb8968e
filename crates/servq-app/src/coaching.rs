//! Coaching: which problems to train in a group and which to coach one to one (the rules in
//! `servq_qa::coaching`), which agents to coach on which measure of the evaluation model, and the
//! coaching sessions supervisors record (the agent is told through the notifications and the
//! outbox; after the follow-up date the card compares the measure before and after).
//!
//! **Who is flagged.** Per measure of the model in effect, the bottom `bottom_share` (default
//! 10 %) of the agents with a value, and every agent whose composite is below
//! `FLAG_BELOW_COMPOSITE` (60). An agent is not flagged on a measure when the sample cannot tell
//! them from the centre: on a rate with a known count (FCR, transfer rate, CSAT) when the 95 %
//! Wilson interval of the agent's rate reaches the centre's rate; on any other measure with fewer
//! than `MIN_CONTACTS` handled contacts (QA score: fewer than `MIN_EVALUATIONS` evaluations).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use jiff::{Span, civil::Date, tz::TimeZone};
use servq_core::{SettingProblem, SettingReason};
use servq_kpi::{Dimension, MetricValue};
use servq_qa::{Answer, CoachingProblem, CoachingRules, ItemMean, ProblemShare, Scorecard};
use servq_store::{Actor, CoachingSession, GroupField, KpiGroup, KpiQuery, Store};

use crate::evaluation::{EvaluationRequest, evaluate};
use crate::{day_start_ms, now_ms};

/// Agents whose composite is below this are flagged.
pub const FLAG_BELOW_COMPOSITE: f64 = 60.0;
/// Fewer handled contacts than this do not flag an agent on a measure without a count.
pub const MIN_CONTACTS: i64 = 10;
/// Fewer QA evaluations than this do not flag an agent on the QA score.
pub const MIN_EVALUATIONS: i64 = 3;

/// A classified problem with its readable name.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedProblem {
    /// The classification.
    pub share: ProblemShare,
    /// The item's name on its scorecard, or the rule's name.
    pub name: String,
}

/// Why an agent is flagged.
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    /// The agent.
    pub agent_id: String,
    /// The measure (`composite` for the composite).
    pub metric: String,
    /// The agent's value.
    pub value: f64,
    /// The centre's value (the cut for the composite).
    pub reference: f64,
}

/// The common and individual problems of `[from, to]` (days in `zone`).
pub async fn problems(
    store: &Store,
    zone: &TimeZone,
    from: Date,
    to: Date,
    rules: &CoachingRules,
) -> Result<Vec<NamedProblem>> {
    let (from_ms, to_ms) = range_ms(zone, from, to)?;
    let evidenced: BTreeSet<String> = store
        .agents_with_quality_evidence(from_ms, to_ms)
        .await?
        .into_iter()
        .collect();
    let (names, means) = item_means(store, from_ms, to_ms).await?;
    let mut hits: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for item in store.coaching_list(None, from_ms, to_ms).await? {
        hits.entry(item.agent_id).or_default().insert(item.rule);
    }
    Ok(servq_qa::classify(rules, &evidenced, &means, &hits)
        .into_iter()
        .map(|share| NamedProblem {
            name: match &share.problem {
                CoachingProblem::Item(id) => names.get(id).cloned().unwrap_or_else(|| id.clone()),
                CoachingProblem::Rule(rule) => rule.clone(),
            },
            share,
        })
        .collect())
}

/// Item names (id → name on its scorecard) and each agent's mean score fraction per QA item,
/// over the evaluations of contacts offered in `[from_ms, to_ms)`.
pub type ItemMeans = (
    BTreeMap<String, String>,
    BTreeMap<String, BTreeMap<String, ItemMean>>,
);

/// Each agent's mean fraction per scorecard item over the evaluations of the contacts offered
/// in `[from_ms, to_ms)` (N/A answers and unknown scorecards leave out), with the items' names.
pub async fn item_means(store: &Store, from_ms: i64, to_ms: i64) -> Result<ItemMeans> {
    let mut cards: BTreeMap<(String, i64), Option<Scorecard>> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    let mut means: BTreeMap<String, BTreeMap<String, ItemMean>> = BTreeMap::new();
    for evaluation in store.evaluation_answers(from_ms, to_ms).await? {
        if !cards.contains_key(&evaluation.scorecard) {
            let stored = store
                .scorecard(&evaluation.scorecard.0, Some(evaluation.scorecard.1))
                .await?;
            let card = stored.and_then(|s| serde_json::from_str::<Scorecard>(&s.definition).ok());
            if let Some(card) = &card {
                for item in card.items() {
                    names.insert(item.id.clone(), item.name.clone());
                }
            }
            cards.insert(evaluation.scorecard.clone(), card);
        }
        let Some(card) = &cards[&evaluation.scorecard] else {
            continue;
        };
        let answers: BTreeMap<String, serde_json::Value> =
            serde_json::from_str(&evaluation.answers).unwrap_or_default();
        let agent = means.entry(evaluation.agent_id.clone()).or_default();
        for item in card.items() {
            let level = answers.get(&item.id).and_then(|v| v.as_u64());
            let answer = level.and_then(|l| u8::try_from(l).ok()).map(Answer::Level);
            if let Some(Answer::Level(level)) = answer
                && let Some(fraction) = item.scale.fraction(level)
            {
                agent.entry(item.id.clone()).or_default().add(fraction);
            }
        }
    }
    Ok((names, means))
}

fn range_ms(zone: &TimeZone, from: Date, to: Date) -> Result<(i64, i64)> {
    Ok((
        day_start_ms(zone, from)?,
        day_start_ms(zone, to.checked_add(Span::new().days(1))?)?,
    ))
}

fn number(group: &KpiGroup, name: &str) -> Option<f64> {
    let metric = servq_kpi::metric(name)?;
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// The (successes, trials) behind a rate measure, where the KPIs count them.
fn trials(group: &KpiGroup, metric: &str) -> Option<(i64, i64)> {
    let c = &group.contacts;
    match metric {
        "fcr_rate" => Some((c.fcr_resolved, c.fcr_eligible)),
        "transfer_rate" => Some((c.transferred, c.answered)),
        "resolution_rate" => Some((c.resolution_resolved, c.resolution_known)),
        "csat" => {
            let s = &group.feedback.survey;
            Some((s.csat_top2, s.csat_answers))
        }
        _ => None,
    }
}

/// Whether `group`'s value of `metric` can be told from the centre's `centre` value on the worse
/// side (`higher_is_better` says which).
fn distinguishable(group: &KpiGroup, metric: &str, centre: f64, higher_is_better: bool) -> bool {
    if let Some((successes, n)) = trials(group, metric) {
        return servq_stats::wilson_interval(successes, n, 0.95).is_some_and(|interval| {
            if higher_is_better {
                interval.upper < centre
            } else {
                interval.lower > centre
            }
        });
    }
    if metric == "qa_score" {
        return group.feedback.qa.evaluated >= MIN_EVALUATIONS;
    }
    group.contacts.answered >= MIN_CONTACTS
}

/// The agents to coach in `[from, to]`: the bottom share per measure of the model (where the
/// sample tells them from the centre) and the agents below the composite cut.
pub async fn flags(
    store: &Store,
    zone: &TimeZone,
    from: Date,
    to: Date,
    rules: &CoachingRules,
) -> Result<Vec<Flag>> {
    let request = EvaluationRequest {
        from,
        to,
        by: Some(Dimension::Agent),
        filters: Vec::new(),
    };
    let graded = evaluate(store, zone, &request)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let (from_ms, to_ms) = range_ms(zone, from, to)?;
    let query = |group_by: Vec<GroupField>| KpiQuery {
        group_by,
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        zone: zone.clone(),
        filters: Vec::new(),
    };
    let by_agent = store
        .kpi(&query(vec![GroupField::Dimension(Dimension::Agent)]))
        .await?;
    let centre = store.kpi(&query(Vec::new())).await?;
    let groups: BTreeMap<String, &KpiGroup> = by_agent
        .iter()
        .filter_map(|g| g.key[0].clone().map(|agent| (agent, g)))
        .collect();
    let mut flags = Vec::new();
    for dimension in &graded.model.model.dimensions {
        for measure in &dimension.measures {
            let higher_is_better = measure.full_at > measure.zero_at;
            let values: Vec<(String, f64)> = graded
                .groups
                .iter()
                .filter_map(|group| {
                    let agent = group.key.clone()?;
                    let value = group
                        .score
                        .dimensions
                        .iter()
                        .flat_map(|d| &d.measures)
                        .find(|m| m.metric == measure.metric)?
                        .value?;
                    Some((agent, value))
                })
                .collect();
            let Some(centre_value) = centre.first().and_then(|g| number(g, &measure.metric)) else {
                continue;
            };
            for agent in servq_qa::bottom(&values, rules.bottom_share, higher_is_better) {
                let Some(group) = groups.get(&agent) else {
                    continue;
                };
                let Some(value) = number(group, &measure.metric) else {
                    continue;
                };
                let worse = if higher_is_better {
                    value < centre_value
                } else {
                    value > centre_value
                };
                if worse
                    && distinguishable(group, &measure.metric, centre_value, higher_is_better)
                    && !flags
                        .iter()
                        .any(|f: &Flag| f.agent_id == agent && f.metric == measure.metric)
                {
                    flags.push(Flag {
                        agent_id: agent,
                        metric: measure.metric.clone(),
                        value,
                        reference: centre_value,
                    });
                }
            }
        }
    }
    for group in &graded.groups {
        if let (Some(agent), Some(composite)) = (&group.key, group.score.composite)
            && composite < FLAG_BELOW_COMPOSITE
        {
            flags.push(Flag {
                agent_id: agent.clone(),
                metric: "composite".to_owned(),
                value: composite,
                reference: FLAG_BELOW_COMPOSITE,
            });
        }
    }
    flags.sort_by(|a, b| {
        a.agent_id
            .cmp(&b.agent_id)
            .then_with(|| a.metric.cmp(&b.metric))
    });
    Ok(flags)
}

/// A coaching session as the form sends it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionForm {
    /// The agent coached.
    pub agent_id: String,
    /// What it is about.
    pub topic: String,
    /// `item:ID` / `rule:NAME` of the problems discussed.
    pub problems: Vec<String>,
    /// The measure to follow (a `servq kpi` metric), or empty for the composite.
    pub metric: String,
    /// YYYY-MM-DD; empty for today.
    pub session_date: String,
    /// YYYY-MM-DD, after the session.
    pub follow_up: String,
    /// Notes.
    pub notes: String,
    /// Agreed actions.
    pub actions: String,
}

/// Checks and records a session by `actor`; its id.
pub async fn record(
    store: &Store,
    zone: &TimeZone,
    form: &SessionForm,
    actor: &Actor,
) -> Result<i64, crate::SettingError> {
    let mut problems = Vec::new();
    let agents = store.agents().await?;
    if !agents.iter().any(|a| a.agent_id == form.agent_id.trim()) {
        problems.push(SettingProblem::new(
            "agent_id",
            SettingReason::Unknown(form.agent_id.clone()),
        ));
    }
    if form.topic.trim().is_empty() {
        problems.push(SettingProblem::new("topic", SettingReason::Required));
    }
    if !form.metric.is_empty() && servq_kpi::metric(&form.metric).is_none() {
        problems.push(SettingProblem::new(
            "metric",
            SettingReason::Unknown(form.metric.clone()),
        ));
    }
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let date = |text: &str, field: &str, problems: &mut Vec<SettingProblem>| -> Option<Date> {
        match text.trim() {
            "" if field == "session_date" => Some(today),
            text => text.parse::<Date>().ok().or_else(|| {
                problems.push(SettingProblem::new(
                    field,
                    SettingReason::Other(format!("'{text}' is not a date like 2026-12-01")),
                ));
                None
            }),
        }
    };
    let session_date = date(&form.session_date, "session_date", &mut problems);
    let follow_up = date(&form.follow_up, "follow_up", &mut problems);
    if let (Some(session), Some(follow)) = (session_date, follow_up)
        && follow <= session
    {
        problems.push(SettingProblem::new(
            "follow_up",
            SettingReason::Coded {
                code: "follow_up_after_session",
                values: Vec::new(),
                english: "the follow-up comes after the session".to_owned(),
            },
        ));
    }
    for (field, text, max) in [
        ("notes", &form.notes, 4000),
        ("actions", &form.actions, 4000),
        ("topic", &form.topic, 200),
    ] {
        if text.chars().count() > max {
            problems.push(SettingProblem::new(
                field,
                SettingReason::Other(format!("at most {max} characters")),
            ));
        }
    }
    let (Some(session_date), Some(follow_up)) = (session_date, follow_up) else {
        return Err(crate::SettingError::Refused(problems));
    };
    if !problems.is_empty() {
        return Err(crate::SettingError::Refused(problems));
    }
    let session = CoachingSession {
        id: 0,
        agent_id: form.agent_id.trim().to_owned(),
        coach: actor.name.clone(),
        topic: form.topic.trim().to_owned(),
        problems: form
            .problems
            .iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect(),
        metric: form.metric.clone(),
        session_date: session_date.to_string(),
        follow_up: follow_up.to_string(),
        notes: form.notes.clone(),
        actions: form.actions.clone(),
    };
    Ok(store.record_coaching(&session, actor, now_ms()).await?)
}

/// A session's measure before (the 30 days up to the session) and after (the session to its
/// follow-up), for the agent; `None` before the follow-up date.
pub async fn before_after(
    store: &Store,
    zone: &TimeZone,
    session: &CoachingSession,
    today: Date,
) -> Result<Option<(Option<f64>, Option<f64>)>> {
    let (Ok(start), Ok(follow)) = (
        session.session_date.parse::<Date>(),
        session.follow_up.parse::<Date>(),
    ) else {
        return Ok(None);
    };
    if today <= follow {
        return Ok(None);
    }
    let value = |from: Date, to: Date| async move {
        let request = EvaluationRequest {
            from,
            to,
            by: None,
            filters: vec![(Dimension::Agent, vec![session.agent_id.clone()])],
        };
        if session.metric.is_empty() {
            let graded = evaluate(store, zone, &request)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
            return Ok::<_, anyhow::Error>(graded.groups.first().and_then(|g| g.score.composite));
        }
        let (from_ms, to_ms) = range_ms(zone, from, to)?;
        let groups = store
            .kpi(&KpiQuery {
                group_by: Vec::new(),
                from_ms: Some(from_ms),
                to_ms: Some(to_ms),
                zone: zone.clone(),
                filters: request.filters.clone(),
            })
            .await?;
        Ok(groups.first().and_then(|g| number(g, &session.metric)))
    };
    let before = value(
        start.checked_sub(Span::new().days(30))?,
        start.checked_sub(Span::new().days(1))?,
    )
    .await?;
    let after = value(start, follow).await?;
    Ok(Some((before, after)))
}

/// A session with its measure before and after (once the follow-up date has passed).
pub type FollowedSession = (CoachingSession, Option<(Option<f64>, Option<f64>)>);

/// The coaching sessions of `agent` (everyone's when `None`), newest first, each with its
/// measure before and after as of `today`.
pub async fn sessions(
    store: &Store,
    zone: &TimeZone,
    agent: Option<&str>,
    today: Date,
) -> Result<Vec<FollowedSession>> {
    let mut followed = Vec::new();
    for session in store.coaching_sessions(agent).await? {
        let change = before_after(store, zone, &session, today).await?;
        followed.push((session, change));
    }
    Ok(followed)
}
