//! The monthly coaching plan (`docs/briefing.md#monthly-coaching-plan`): on the 1st, the agents
//! to coach one to one over the month before — those `coaching::flags` flags (bottom share on a
//! measure of the evaluation model where the sample tells them from the centre, or a composite
//! below the cut) — each with suggested topics: one per flagged measure (the catalogue's
//! `coaching_plan.topic_{metric}`) and the QA problems only they and few others failed (the
//! one-to-one problems of `servq_qa::coaching`); the problems many share go to group training.
//! Mailed to the managers once per month by the `coaching-plan` job; `/coaching-plan/YYYY-MM`
//! shows it, printable.

use std::collections::BTreeMap;

use anyhow::Result;
use jiff::civil::Date;
use serde_json::{Value, json};
use servq_qa::CoachingRules;
use servq_store::Store;

use crate::coaching::Flag;
use crate::i18n::{Locale, t};
use crate::monthly_report::Month;
use crate::{centre_zone, now_ms};

/// One agent of the plan.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanAgent {
    /// The agent.
    pub agent_id: String,
    /// Their name (the id when the roster has none).
    pub name: String,
    /// Their team ('' when none).
    pub team: String,
    /// Why they are in the plan.
    pub flags: Vec<Flag>,
    /// The QA problems (item or rule names) they failed that few others did.
    pub qa_problems: Vec<String>,
}

/// The plan of one month.
#[derive(Debug, Clone, PartialEq)]
pub struct CoachingPlan {
    /// The month.
    pub month: Month,
    /// The agents to coach, by team then id.
    pub agents: Vec<PlanAgent>,
    /// The problems many agents share: group training, not one-to-one.
    pub group_training: Vec<String>,
}

/// The plan for `month`.
pub async fn plan(store: &Store, month: Month) -> Result<CoachingPlan> {
    let (from, to) = (month.first, month.last());
    let (_, zone) = centre_zone(store).await?;
    let rules = CoachingRules::default();
    let flags = crate::coaching::flags(store, &zone, from, to, &rules).await?;
    let problems = crate::coaching::problems(store, &zone, from, to, &rules).await?;
    let roster: BTreeMap<String, servq_store::AgentRecord> = store
        .agents()
        .await?
        .into_iter()
        .map(|a| (a.agent_id.clone(), a))
        .collect();
    let mut by_agent: BTreeMap<String, Vec<Flag>> = BTreeMap::new();
    for flag in flags {
        by_agent
            .entry(flag.agent_id.clone())
            .or_default()
            .push(flag);
    }
    let mut agents: Vec<PlanAgent> = by_agent
        .into_iter()
        .map(|(agent_id, flags)| {
            let record = roster.get(&agent_id);
            PlanAgent {
                name: record
                    .map(|r| r.name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| agent_id.clone()),
                team: record.map(|r| r.team.clone()).unwrap_or_default(),
                qa_problems: problems
                    .iter()
                    .filter(|p| !p.share.common && p.share.agents.contains(&agent_id))
                    .map(|p| p.name.clone())
                    .collect(),
                agent_id,
                flags,
            }
        })
        .collect();
    agents.sort_by(|a, b| {
        a.team
            .cmp(&b.team)
            .then_with(|| a.agent_id.cmp(&b.agent_id))
    });
    Ok(CoachingPlan {
        month,
        agents,
        group_training: problems
            .iter()
            .filter(|p| p.share.common)
            .map(|p| p.name.clone())
            .collect(),
    })
}

/// The suggested topics of `agent` in `locale`: one per flagged measure, then one per QA
/// problem of theirs.
pub fn topics(agent: &PlanAgent, locale: Locale) -> Vec<String> {
    let mut topics: Vec<String> = agent
        .flags
        .iter()
        .map(|flag| {
            let key = format!("coaching_plan.topic_{}", flag.metric);
            let text = t(locale, &key);
            if text == key {
                t(locale, &format!("kpi.{}", flag.metric))
            } else {
                text
            }
        })
        .collect();
    for problem in &agent.qa_problems {
        topics.push(t(locale, "coaching_plan.topic_qa").replace("{name}", problem));
    }
    topics
}

/// The plan as JSON (`servq coaching-plan --format json`, `GET /api/v1/coaching-plan`).
pub fn plan_json(plan: &CoachingPlan, locale: Locale) -> Value {
    let number = crate::analysis::json_number;
    json!({
        "month": plan.month.name(),
        "from": plan.month.first.to_string(),
        "to": plan.month.last().to_string(),
        "agents": plan.agents.iter().map(|agent| json!({
            "agent_id": agent.agent_id,
            "name": agent.name,
            "team": agent.team,
            "flags": agent.flags.iter().map(|f| json!({
                "metric": f.metric,
                "value": number(f.value),
                "reference": number(f.reference),
            })).collect::<Vec<_>>(),
            "qa_problems": agent.qa_problems,
            "topics": topics(agent, locale),
        })).collect::<Vec<_>>(),
        "group_training": plan.group_training,
    })
}

/// The plan as text (the e-mail's body and `servq coaching-plan`).
pub fn plan_text(plan: &CoachingPlan, locale: Locale) -> String {
    let month = plan.month.name();
    let mut text = format!(
        "{}\n\n",
        t(locale, "coaching_plan.title").replace("{month}", &month)
    );
    if plan.agents.is_empty() {
        text.push_str(&t(locale, "coaching_plan.none"));
        text.push('\n');
    }
    for agent in &plan.agents {
        let why: Vec<String> = agent
            .flags
            .iter()
            .map(|f| {
                format!(
                    "{} {} ({} {})",
                    measure_name(&f.metric, locale),
                    servq_kpi::show(&f.metric, Some(f.value)),
                    t(locale, "coaching_plan.reference"),
                    servq_kpi::show(&f.metric, Some(f.reference))
                )
            })
            .collect();
        text.push_str(&format!(
            "{} ({}{}): {}\n  {}: {}\n",
            agent.name,
            agent.agent_id,
            if agent.team.is_empty() {
                String::new()
            } else {
                format!(", {}", agent.team)
            },
            why.join("; "),
            t(locale, "coaching_plan.topics"),
            topics(agent, locale).join("; "),
        ));
    }
    if !plan.group_training.is_empty() {
        text.push_str(&format!(
            "\n{}: {}\n",
            t(locale, "coaching_plan.group_training"),
            plan.group_training.join("; ")
        ));
    }
    text
}

/// A flagged measure's name: the KPI's, or "composite".
pub fn measure_name(metric: &str, locale: Locale) -> String {
    if metric == "composite" {
        t(locale, "coaching_plan.composite")
    } else {
        t(locale, &format!("kpi.{metric}"))
    }
}

/// The `coaching-plan` job on `today`: the month before's plan, mailed to the managers.
pub async fn scheduled(
    store: &Store,
    today: Date,
    public_url: &str,
    locale: Locale,
) -> Result<String> {
    let plan = plan(store, Month::of(today).previous()).await?;
    let month = plan.month.name();
    let subject = t(locale, "coaching_plan.title").replace("{month}", &month);
    let text = format!(
        "{}\n{}/coaching-plan/{month}\n",
        plan_text(&plan, locale),
        public_url.trim_end_matches('/')
    );
    store
        .queue_email(crate::briefing::RECIPIENT, &subject, &text, now_ms())
        .await?;
    Ok(format!(
        "{month}: {} agents to coach, mailed",
        plan.agents.len()
    ))
}
