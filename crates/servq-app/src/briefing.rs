//! The daily briefing (`docs/briefing.md`): yesterday's key KPIs against the day before and the
//! centre's targets, one good case (the top-scored evaluation of the day, else the longest
//! five-star comment), overdue tasks and top problems; a page, `servq briefing`, the API, and an
//! e-mail each morning at 08:30 (centre zone) from the scheduled job.

use anyhow::Result;
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_core::{SettingProblem, SettingReason};
use servq_kpi::MetricValue;
use servq_store::{Actor, KpiGroup, KpiQuery, Store};

use crate::i18n::{Locale, t};
use crate::{SettingError, centre_zone, day_start_ms, now_ms};

/// The measures a briefing shows unless the centre chose others.
pub const DEFAULT_METRICS: [&str; 8] = [
    "offered",
    "answer_rate",
    "service_level",
    "asa_seconds",
    "aht_seconds",
    "fcr_rate",
    "csat",
    "complaints",
];

/// Where the centre's choice of measures is kept (comma-separated metric names).
pub const METRICS_KEY: &str = "briefing.metrics";

/// The outbox recipient of the morning e-mail: the report recipients, else the escalation ones.
pub const RECIPIENT: &str = "briefing";

/// A measure of the briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingKpi {
    /// The metric.
    pub metric: String,
    /// The day before the briefing's date.
    pub value: Option<f64>,
    /// The day before that.
    pub previous: Option<f64>,
    /// The centre target in effect on the day, if any.
    pub target: Option<f64>,
    /// How the day stood against it: `met`, `warning` or `missed`.
    pub status: Option<&'static str>,
}

/// The day's good case.
#[derive(Debug, Clone, PartialEq)]
pub struct GoodCase {
    /// `evaluation` or `survey_response`.
    pub kind: &'static str,
    /// The evaluation or response id.
    pub id: String,
    /// The agent it is about.
    pub agent_id: String,
    /// Why it is good: the score, or the customer's words.
    pub why: String,
}

/// One morning's briefing.
#[derive(Debug, Clone, PartialEq)]
pub struct Briefing {
    /// The briefing's date (it reports the day before).
    pub date: Date,
    /// The key measures.
    pub kpis: Vec<BriefingKpi>,
    /// One good case, if the day had one.
    pub good_case: Option<GoodCase>,
    /// The open problems of the register, most recently worked on first (at most
    /// [`TOP_PROBLEMS`]).
    pub problems: Vec<servq_store::Problem>,
    /// Open tasks past their due date.
    pub overdue_tasks: Vec<servq_store::Task>,
}

/// How many open problems a briefing lists.
pub const TOP_PROBLEMS: usize = 5;

/// The measures the centre chose (or [`DEFAULT_METRICS`]).
pub async fn metrics(store: &Store) -> Result<Vec<String>> {
    Ok(match store.text_setting(METRICS_KEY).await? {
        Some(text) if !text.trim().is_empty() => {
            text.split(',').map(|m| m.trim().to_owned()).collect()
        }
        _ => DEFAULT_METRICS.iter().map(|m| m.to_string()).collect(),
    })
}

/// Chooses the briefing's measures; refused with each unknown name.
pub async fn set_metrics(
    store: &Store,
    names: &[String],
    actor: &Actor,
) -> Result<(), SettingError> {
    let names: Vec<&str> = names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    let mut problems: Vec<SettingProblem> = names
        .iter()
        .filter(|name| servq_kpi::metric(name).is_none())
        .map(|name| SettingProblem::new("metrics", SettingReason::Unknown((*name).to_owned())))
        .collect();
    if names.is_empty() {
        problems.push(SettingProblem::new("metrics", SettingReason::Required));
    }
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    store
        .set_text_setting(METRICS_KEY, &names.join(","), actor, now_ms())
        .await?;
    Ok(())
}

fn value_of(group: Option<&KpiGroup>, metric: &str) -> Option<f64> {
    let group = group?;
    let metric = servq_kpi::metric(metric)?;
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// The briefing of `date`: it reports the day before.
pub async fn briefing(store: &Store, date: Date) -> Result<Briefing> {
    let (_, zone) = centre_zone(store).await?;
    let day = date.yesterday()?;
    let before = day.yesterday()?;
    let range = |first: Date| -> Result<(i64, i64)> {
        Ok((
            day_start_ms(&zone, first)?,
            day_start_ms(&zone, first.checked_add(Span::new().days(1))?)?,
        ))
    };
    let (day_from, day_to) = range(day)?;
    let (before_from, _) = range(before)?;
    let query = |from_ms, to_ms| KpiQuery {
        group_by: Vec::new(),
        from_ms: Some(from_ms),
        to_ms: Some(to_ms),
        zone: zone.clone(),
        filters: Vec::new(),
    };
    let now = store.kpi(&query(day_from, day_to)).await?;
    let previous = store.kpi(&query(before_from, day_from)).await?;
    let targets = crate::targets::in_effect(store, day).await?;
    let kpis = metrics(store)
        .await?
        .into_iter()
        .map(|metric| {
            let value = value_of(now.first(), &metric);
            let target = crate::targets::for_view(&targets, &metric, &[]);
            BriefingKpi {
                previous: value_of(previous.first(), &metric),
                target: target.map(|t| t.value),
                status: target.zip(value).map(|(t, v)| t.status(v).name()),
                value,
                metric,
            }
        })
        .collect();
    let good_case = match store.top_evaluation(day_from, day_to).await? {
        Some(top) => Some(GoodCase {
            kind: "evaluation",
            why: format!("QA {:.1}", top.score),
            id: top.evaluation_id,
            agent_id: top.agent_id,
        }),
        None => store
            .praise_comment(day_from, day_to)
            .await?
            .map(|praise| GoodCase {
                kind: "survey_response",
                id: praise.response_id,
                agent_id: praise.agent_id,
                why: praise.comment,
            }),
    };
    let problems = store
        .problems()
        .await?
        .into_iter()
        .filter(|p| p.status.is_open())
        .take(TOP_PROBLEMS)
        .collect();
    let overdue_tasks = crate::tasks::overdue(store, date).await?;
    Ok(Briefing {
        date,
        kpis,
        good_case,
        problems,
        overdue_tasks,
    })
}

/// The briefing as its JSON contract (`servq briefing --format json`).
pub fn briefing_json(briefing: &Briefing) -> Value {
    let kpis: serde_json::Map<String, Value> = briefing
        .kpis
        .iter()
        .map(|k| {
            // counts as integers, as `servq kpi` writes them
            let count =
                servq_kpi::metric(&k.metric).is_some_and(|m| m.unit == servq_kpi::Unit::Count);
            let number = |v: Option<f64>| match v {
                Some(v) if count => json!(v as i64),
                Some(v) => crate::analysis::json_number(v),
                None => Value::Null,
            };
            (
                k.metric.clone(),
                json!({"value": number(k.value), "previous": number(k.previous),
                       "target": number(k.target), "status": k.status}),
            )
        })
        .collect();
    json!({
        "date": briefing.date.to_string(),
        "kpis": kpis,
        "good_case": briefing.good_case.as_ref().map(|c| json!({
            "kind": c.kind, "id": c.id, "agent_id": c.agent_id, "why": c.why,
        })),
        "overdue_tasks": briefing.overdue_tasks.iter().map(|task| json!({
            "id": task.id, "title": task.title, "owner": task.owner, "due": task.due,
        })).collect::<Vec<_>>(),
        "problems": briefing.problems.iter().map(|p| json!({
            "id": p.id, "title": p.title, "status": p.status.name(),
        })).collect::<Vec<_>>(),
    })
}

/// The briefing as the morning e-mail's text, in `locale`.
pub fn briefing_text(briefing: &Briefing, locale: Locale, url: &str) -> String {
    let mut text = t(locale, "briefing.title").replace("{date}", &briefing.date.to_string());
    text.push_str("\n\n");
    for kpi in &briefing.kpis {
        let target = kpi
            .target
            .map(|v| {
                format!(
                    ", {} {}",
                    t(locale, "briefing.target"),
                    servq_kpi::show(&kpi.metric, Some(v))
                )
            })
            .unwrap_or_default();
        text.push_str(&format!(
            "{}: {} ({} {}{target})\n",
            t(locale, &format!("kpi.{}", kpi.metric)),
            servq_kpi::show(&kpi.metric, kpi.value),
            t(locale, "briefing.day_before"),
            servq_kpi::show(&kpi.metric, kpi.previous),
        ));
    }
    if !briefing.overdue_tasks.is_empty() {
        text.push_str(&format!("\n{}:\n", t(locale, "briefing.overdue")));
        for task in &briefing.overdue_tasks {
            text.push_str(&format!(
                "- {} ({}, {})\n",
                task.title, task.owner, task.due
            ));
        }
    }
    if !briefing.problems.is_empty() {
        text.push_str(&format!("\n{}:\n", t(locale, "briefing.problems")));
        for problem in &briefing.problems {
            text.push_str(&format!(
                "- {} ({})\n",
                problem.title,
                t(
                    locale,
                    &format!("problems.status_{}", problem.status.name())
                )
            ));
        }
    }
    if let Some(case) = &briefing.good_case {
        text.push_str(&format!(
            "\n{}: {} — {}\n",
            t(locale, "briefing.good_case"),
            case.agent_id,
            case.why
        ));
    }
    text.push_str(&format!("\n{url}\n"));
    text
}

/// The scheduled run at 08:30: `today`'s briefing, mailed once; what it did, in a line.
pub async fn scheduled(
    store: &Store,
    today: Date,
    public_url: &str,
    locale: Locale,
) -> Result<String> {
    let briefing = briefing(store, today).await?;
    // each morning a task is overdue its owner hears of it again
    store
        .remind_overdue_tasks(&today.to_string(), &crate::system_actor(), now_ms())
        .await?;
    let url = format!("{}/briefing/{today}", public_url.trim_end_matches('/'));
    let subject = t(locale, "briefing.title").replace("{date}", &today.to_string());
    store
        .queue_email(
            RECIPIENT,
            &subject,
            &briefing_text(&briefing, locale, &url),
            now_ms(),
        )
        .await?;
    Ok(format!("{today}: briefing mailed"))
}
