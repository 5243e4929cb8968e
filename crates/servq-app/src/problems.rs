//! The problem register of the improvement loop (`docs/problems.md`): problems recorded by hand
//! or accepted from suggestions that servq derives from its own measurements — the vital few of
//! the unsatisfied-review Pareto (last 7 days), the QA problems many agents share (last 30 days),
//! ticket categories whose volume rose by half week on week, and open KPI trend alerts — and
//! their life cycle (`servq_core::ProblemStatus`).

use std::collections::{BTreeMap, HashSet};

use anyhow::{Result, anyhow};
use jiff::{Span, civil::Date};
use serde_json::{Value, json};
use servq_core::{ProblemClass, ProblemStatus, SettingProblem, SettingReason};
use servq_store::{Actor, Problem, ProblemSource, Store};

use crate::i18n::{Locale, t};
use crate::{SettingError, centre_zone, day_start_ms, now_ms};

/// A week's ticket category counts as rising at this many cases or more…
pub const RISING_MIN_CASES: usize = 5;
/// …and at least this factor over the week before.
pub const RISING_FACTOR: f64 = 1.5;

/// A problem servq suggests, for a manager to accept or dismiss.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    /// Stable key (`review_reason:tone`, `qa:item:greeting`, `ticket_category:bill:2026-11-30`,
    /// `kpi_alert:12`): accepted or dismissed once, it is not offered again.
    pub key: String,
    /// `review_reason`, `qa`, `ticket_category` or `kpi_alert`.
    pub kind: &'static str,
    /// The class it most likely belongs to (the manager can change it when accepting).
    pub class: ProblemClass,
    /// A title in the reader's language.
    pub title: String,
    /// The evidence in words.
    pub evidence: String,
    /// Where the evidence is shown in the web app.
    pub link: String,
}

/// The class a KPI's trouble belongs to.
fn class_of_metric(metric: &str) -> ProblemClass {
    match metric {
        "service_level"
        | "answer_rate"
        | "abandon_rate"
        | "asa_seconds"
        | "avg_wait_seconds"
        | "first_response_seconds"
        | "sla_attainment" => ProblemClass::ResponseEfficiency,
        "fcr_rate"
        | "resolution_rate"
        | "ticket_resolution_rate"
        | "transfer_rate"
        | "complaints"
        | "complaint_rate"
        | "complaints_in_24h_rate" => ProblemClass::ProblemSolving,
        "csat" | "csat_mean" | "nps" | "ces" | "qa_score" => ProblemClass::Attitude,
        _ => ProblemClass::ProcessDesign,
    }
}

fn days_ms(zone: &jiff::tz::TimeZone, from: Date, to: Date) -> Result<(i64, i64)> {
    Ok((
        day_start_ms(zone, from)?,
        day_start_ms(zone, to.checked_add(Span::new().days(1))?)?,
    ))
}

/// The suggestions of `today` not yet accepted or dismissed, in `locale`.
pub async fn suggestions(store: &Store, today: Date, locale: Locale) -> Result<Vec<Suggestion>> {
    let (_, zone) = centre_zone(store).await?;
    let handled: HashSet<String> = store.handled_suggestions().await?.into_iter().collect();
    let yesterday = today.yesterday()?;
    let week_start = yesterday.checked_sub(Span::new().days(6))?;
    let mut out = Vec::new();
    let reasons: BTreeMap<String, String> = store
        .review_reasons()
        .await?
        .into_iter()
        .map(|r| {
            let name = match locale {
                Locale::ZhCn => r.name_zh_cn,
                Locale::ZhTw => r.name_zh_tw,
                Locale::En => r.name_en,
            };
            (r.reason_id, name)
        })
        .collect();

    // the vital few of the last 7 days' unsatisfied reviews: agent-caused reasons are attitude,
    // the others (process, system, policy) process design
    for (source, class) in [
        (ProblemSource::AgentReasons, ProblemClass::Attitude),
        (ProblemSource::OtherReasons, ProblemClass::ProcessDesign),
    ] {
        let pareto = crate::analysis::pareto_report(
            store,
            &zone,
            &crate::analysis::ParetoRequest {
                source,
                from: week_start,
                to: yesterday,
                cutoff: 0.8,
                split: servq_stats::MatrixSplit::Medians,
            },
        )
        .await
        .map_err(|e| anyhow!("{e}"))?;
        for row in pareto["pareto"].as_array().into_iter().flatten() {
            if row["vital"] != Value::Bool(true) {
                continue;
            }
            let id = row["name"].as_str().unwrap_or_default();
            let name = reasons
                .get(id)
                .filter(|n| !n.is_empty())
                .map_or(id, String::as_str);
            out.push(Suggestion {
                key: format!("review_reason:{id}"),
                kind: "review_reason",
                class,
                title: t(locale, "problems.suggest_review_reason").replace("{name}", name),
                evidence: t(locale, "problems.evidence_review_reason")
                    .replace("{cases}", &row["cases"].to_string())
                    .replace(
                        "{share}",
                        &format!("{:.0}%", row["share"].as_f64().unwrap_or(0.0) * 100.0),
                    )
                    .replace("{from}", &week_start.to_string())
                    .replace("{to}", &yesterday.to_string()),
                link: format!("/analysis/pareto?from={week_start}&to={yesterday}"),
            });
        }
    }

    // QA problems many agents share (group training) over the last 30 days
    let month_start = yesterday.checked_sub(Span::new().days(29))?;
    for problem in crate::coaching::problems(
        store,
        &zone,
        month_start,
        yesterday,
        &servq_qa::CoachingRules::default(),
    )
    .await?
    .into_iter()
    .filter(|p| p.share.common)
    {
        out.push(Suggestion {
            key: format!(
                "qa:{}:{}",
                problem.share.problem.kind(),
                problem.share.problem.id()
            ),
            kind: "qa",
            class: ProblemClass::ProblemSolving,
            title: t(locale, "problems.suggest_qa").replace("{name}", &problem.name),
            evidence: t(locale, "problems.evidence_qa")
                .replace("{agents}", &problem.share.agents.len().to_string())
                .replace("{share}", &format!("{:.0}%", problem.share.share * 100.0)),
            link: "/performance".to_owned(),
        });
    }

    // ticket categories whose volume rose by half over the week before
    let settings = store.kpi_settings().await?;
    let count = |cases: Vec<servq_store::ProblemCase>| {
        let mut counts: BTreeMap<String, usize> = BTreeMap::new();
        for case in cases {
            for name in case.problems {
                *counts.entry(name).or_default() += 1;
            }
        }
        counts
    };
    let (from_ms, to_ms) = days_ms(&zone, week_start, yesterday)?;
    let before_start = week_start.checked_sub(Span::new().days(7))?;
    let (before_ms, _) = days_ms(&zone, before_start, yesterday)?;
    let now = count(
        store
            .problem_cases(
                ProblemSource::TicketCategories,
                from_ms,
                to_ms,
                settings.fcr_window_ms,
            )
            .await?,
    );
    let before = count(
        store
            .problem_cases(
                ProblemSource::TicketCategories,
                before_ms,
                from_ms,
                settings.fcr_window_ms,
            )
            .await?,
    );
    for (category, cases) in &now {
        let earlier = before.get(category).copied().unwrap_or(0);
        if *cases >= RISING_MIN_CASES && *cases as f64 >= RISING_FACTOR * earlier as f64 {
            out.push(Suggestion {
                key: format!("ticket_category:{category}:{yesterday}"),
                kind: "ticket_category",
                class: ProblemClass::ProcessDesign,
                title: t(locale, "problems.suggest_ticket_category").replace("{name}", category),
                evidence: t(locale, "problems.evidence_ticket_category")
                    .replace("{cases}", &cases.to_string())
                    .replace("{before}", &earlier.to_string()),
                link: format!("/tickets?category={}", crate::path_segment(category)),
            });
        }
    }

    // open KPI trend alerts
    for alert in store
        .recent_alerts(&yesterday.to_string())
        .await?
        .into_iter()
        .filter(|a| a.ended_day.is_none())
    {
        let metric = t(locale, &format!("kpi.{}", alert.metric));
        let scope = if alert.scope_value.is_empty() {
            t(locale, "targets.scope_centre")
        } else {
            alert.scope_value.clone()
        };
        out.push(Suggestion {
            key: format!("kpi_alert:{}", alert.id),
            kind: "kpi_alert",
            class: class_of_metric(&alert.metric),
            title: t(locale, "problems.suggest_kpi_alert")
                .replace("{metric}", &metric)
                .replace("{scope}", &scope),
            evidence: t(locale, &format!("targets.rule_{}", alert.rule))
                + &format!(" ({} – {})", alert.first_day, alert.last_day),
            link: "/targets".to_owned(),
        });
    }
    out.retain(|s| !handled.contains(&s.key));
    Ok(out)
}

/// A problem to record by hand.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemRequest {
    /// `response_efficiency`, `problem_solving`, `attitude` or `process_design`.
    pub class: String,
    /// A short title.
    pub title: String,
    /// What is wrong.
    pub description: String,
    /// Its owner (a username); may be empty.
    pub owner: String,
}

fn check(request: &ProblemRequest) -> Result<ProblemClass, SettingError> {
    let mut problems = Vec::new();
    let class = ProblemClass::parse(&request.class);
    if class.is_none() {
        problems.push(SettingProblem::new(
            "class",
            SettingReason::Unknown(request.class.clone()),
        ));
    }
    if request.title.trim().is_empty() {
        problems.push(SettingProblem::new("title", SettingReason::Required));
    }
    match class {
        Some(class) if problems.is_empty() => Ok(class),
        _ => Err(SettingError::Refused(problems)),
    }
}

/// Records a problem by hand; its id.
pub async fn add(
    store: &Store,
    request: &ProblemRequest,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let class = check(request)?;
    let problem = Problem {
        id: 0,
        class,
        title: request.title.trim().to_owned(),
        description: request.description.trim().to_owned(),
        source: "manual".to_owned(),
        source_key: String::new(),
        status: ProblemStatus::Open,
        owner: request.owner.trim().to_owned(),
        created_by: actor.name.clone(),
        created_at: 0,
        updated_at: 0,
    };
    Ok(store.add_problem(&problem, actor, now_ms()).await?)
}

/// Accepts today's suggestion `key` as a problem (its evidence as the description); its id.
pub async fn accept(
    store: &Store,
    key: &str,
    today: Date,
    locale: Locale,
    actor: &Actor,
) -> Result<i64, SettingError> {
    let suggestion = suggestions(store, today, locale)
        .await?
        .into_iter()
        .find(|s| s.key == key)
        .ok_or_else(|| {
            SettingError::Refused(vec![SettingProblem::new(
                "key",
                SettingReason::Unknown(key.to_owned()),
            )])
        })?;
    let problem = Problem {
        id: 0,
        class: suggestion.class,
        title: suggestion.title,
        description: suggestion.evidence,
        source: suggestion.kind.to_owned(),
        source_key: suggestion.key,
        status: ProblemStatus::Open,
        owner: String::new(),
        created_by: actor.name.clone(),
        created_at: 0,
        updated_at: 0,
    };
    Ok(store.add_problem(&problem, actor, now_ms()).await?)
}

/// Dismisses suggestion `key` for good.
pub async fn dismiss(store: &Store, key: &str, actor: &Actor) -> Result<()> {
    Ok(store.dismiss_suggestion(key, actor, now_ms()).await?)
}

/// Moves problem `id` to `status` (one of the moves its life cycle allows) and sets its owner
/// (`None` keeps it).
pub async fn move_to(
    store: &Store,
    id: i64,
    status: &str,
    owner: Option<&str>,
    actor: &Actor,
) -> Result<Problem, SettingError> {
    let problem = store.problem(id).await?.ok_or_else(|| {
        SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_string()),
        )])
    })?;
    let Some(to) = ProblemStatus::parse(status) else {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "status",
            SettingReason::Unknown(status.to_owned()),
        )]));
    };
    let owner = owner.map_or(problem.owner.clone(), |o| o.trim().to_owned());
    if to != problem.status && !problem.status.next().contains(&to) {
        let allowed: Vec<&str> = problem.status.next().iter().map(|s| s.name()).collect();
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "status",
            SettingReason::Coded {
                code: "problem_move",
                values: vec![
                    ("from", problem.status.name().to_owned()),
                    ("allowed", allowed.join(", ")),
                ],
                english: format!(
                    "a problem that is {} can move to {}",
                    problem.status.name(),
                    allowed.join(", ")
                ),
            },
        )]));
    }
    if !store
        .move_problem(id, problem.status, to, &owner, actor, now_ms())
        .await?
    {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "status",
            SettingReason::Other("someone else moved the problem meanwhile; reload".to_owned()),
        )]));
    }
    Ok(store.problem(id).await?.unwrap_or(problem))
}

/// A problem's root-cause analysis (empty, with the default fishbone branches, when none).
pub async fn analysis(store: &Store, id: i64) -> Result<servq_core::RootCauseAnalysis> {
    Ok(match store.problem_analysis(id).await? {
        Some(text) => serde_json::from_str(&text)?,
        None => servq_core::RootCauseAnalysis::default(),
    })
}

/// Replaces problem `id`'s root-cause analysis; refused with every problem named.
pub async fn save_analysis(
    store: &Store,
    id: i64,
    analysis: &servq_core::RootCauseAnalysis,
    actor: &Actor,
) -> Result<(), SettingError> {
    if store.problem(id).await?.is_none() {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_string()),
        )]));
    }
    let problems = analysis.problems();
    if !problems.is_empty() {
        return Err(SettingError::Refused(problems));
    }
    let text = serde_json::to_string(analysis).map_err(anyhow::Error::from)?;
    store
        .save_problem_analysis(id, &text, actor, now_ms())
        .await?;
    Ok(())
}

/// A problem as JSON (the API and `servq problems list --format json`).
pub fn problem_json(problem: &Problem) -> Value {
    json!({
        "id": problem.id,
        "class": problem.class.name(),
        "title": problem.title,
        "description": problem.description,
        "source": problem.source,
        "source_key": problem.source_key,
        "status": problem.status.name(),
        "next": problem.status.next().iter().map(|s| s.name()).collect::<Vec<_>>(),
        "owner": problem.owner,
        "created_by": problem.created_by,
        "created_at": crate::rfc3339(problem.created_at),
        "updated_at": crate::rfc3339(problem.updated_at),
    })
}

/// A suggestion as JSON.
pub fn suggestion_json(suggestion: &Suggestion) -> Value {
    json!({
        "key": suggestion.key,
        "kind": suggestion.kind,
        "class": suggestion.class.name(),
        "title": suggestion.title,
        "evidence": suggestion.evidence,
        "link": suggestion.link,
    })
}
