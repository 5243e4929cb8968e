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
use servq_kpi::Dimension;
use servq_store::{Actor, Evidence, EvidenceKind, Problem, ProblemSource, Store};

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

/// A refusal when `owner` is neither empty nor a servq user.
async fn unknown_owner(store: &Store, owner: &str) -> Result<Option<SettingProblem>> {
    let owner = owner.trim();
    if owner.is_empty() || store.users().await?.iter().any(|u| u.username == owner) {
        return Ok(None);
    }
    Ok(Some(SettingProblem::new(
        "owner",
        SettingReason::Unknown(owner.to_owned()),
    )))
}

async fn check(store: &Store, request: &ProblemRequest) -> Result<ProblemClass, SettingError> {
    let mut problems: Vec<SettingProblem> = unknown_owner(store, &request.owner)
        .await?
        .into_iter()
        .collect();
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
    let class = check(store, request).await?;
    let problem = Problem {
        id: 0,
        class,
        title: request.title.trim().to_owned(),
        description: request.description.trim().to_owned(),
        source: "manual".to_owned(),
        source_key: String::new(),
        status: ProblemStatus::Open,
        owner: request.owner.trim().to_owned(),
        goal_id: None,
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
        goal_id: None,
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

/// What to change on a problem: its status (one of the moves its life cycle allows), its owner
/// and the goal that measures its fix (`None` keeps each; goal `Some(0)` removes the goal).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProblemChange {
    /// The status to move to; `None` keeps it.
    pub status: Option<String>,
    /// The owner; `None` keeps it.
    pub owner: Option<String>,
    /// The goal; `None` keeps it, `Some(0)` removes it.
    pub goal_id: Option<i64>,
}

/// Changes problem `id` on `today` (the centre's day). Closing a problem that names a goal
/// schedules its effectiveness checks from `today` (`crate::effectiveness`); reopening it
/// cancels those still pending.
pub async fn change(
    store: &Store,
    id: i64,
    change: &ProblemChange,
    today: Date,
    actor: &Actor,
) -> Result<Problem, SettingError> {
    let problem = store.problem(id).await?.ok_or_else(|| {
        SettingError::Refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_string()),
        )])
    })?;
    let to = match change.status.as_deref() {
        None => problem.status,
        Some(status) => ProblemStatus::parse(status).ok_or_else(|| {
            SettingError::Refused(vec![SettingProblem::new(
                "status",
                SettingReason::Unknown(status.to_owned()),
            )])
        })?,
    };
    let owner = change
        .owner
        .as_deref()
        .map_or(problem.owner.clone(), |o| o.trim().to_owned());
    if change.owner.is_some()
        && let Some(refused) = unknown_owner(store, &owner).await?
    {
        return Err(SettingError::Refused(vec![refused]));
    }
    let goal_id = match change.goal_id {
        None => problem.goal_id,
        Some(0) => None,
        Some(goal) if store.goals().await?.iter().any(|g| g.id == goal) => Some(goal),
        Some(goal) => {
            return Err(SettingError::Refused(vec![SettingProblem::new(
                "goal_id",
                SettingReason::Unknown(goal.to_string()),
            )]));
        }
    };
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
    let checks = match goal_id {
        Some(goal) if to == ProblemStatus::Closed && problem.status != ProblemStatus::Closed => {
            crate::effectiveness::on_closing(store, goal, today).await?
        }
        _ => Vec::new(),
    };
    if !store
        .move_problem(
            id,
            problem.status,
            to,
            &owner,
            goal_id,
            &checks,
            actor,
            now_ms(),
        )
        .await?
    {
        return Err(SettingError::Refused(vec![SettingProblem::new(
            "status",
            SettingReason::Other("someone else moved the problem meanwhile; reload".to_owned()),
        )]));
    }
    Ok(store.problem(id).await?.unwrap_or(problem))
}

/// Moves problem `id` to `status` and sets its owner (`None` keeps it): [`change`] without a
/// goal change.
pub async fn move_to(
    store: &Store,
    id: i64,
    status: &str,
    owner: Option<&str>,
    actor: &Actor,
) -> Result<Problem, SettingError> {
    let request = ProblemChange {
        status: Some(status.to_owned()),
        owner: owner.map(str::to_owned),
        goal_id: None,
    };
    let (_, zone) = centre_zone(store).await?;
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    change(store, id, &request, today, actor).await
}

/// Links evidence to problem `id`: a contact, ticket, review task or evaluation that exists, or
/// a KPI series (`metric` or `metric|queue=…`, `…|team=…`, `…|agent=…`). Refused with the
/// field named; linking the same evidence twice is not an error.
pub async fn link_evidence(
    store: &Store,
    id: i64,
    kind: &str,
    reference: &str,
    note: &str,
    actor: &Actor,
) -> Result<(), SettingError> {
    let refuse = |field: &'static str, reason: SettingReason| {
        SettingError::Refused(vec![SettingProblem::new(field, reason)])
    };
    if store.problem(id).await?.is_none() {
        return Err(refuse("id", SettingReason::Unknown(id.to_string())));
    }
    let kind = EvidenceKind::parse(kind)
        .ok_or_else(|| refuse("kind", SettingReason::Unknown(kind.to_owned())))?;
    let reference = reference.trim();
    if reference.is_empty() {
        return Err(refuse("reference", SettingReason::Required));
    }
    let exists = match kind {
        EvidenceKind::Contact => store.contact_detail(reference).await?.is_some(),
        EvidenceKind::Ticket => store.ticket(reference).await?.is_some(),
        EvidenceKind::ReviewTask => store.review_task(reference).await?.is_some(),
        EvidenceKind::Evaluation => store.evaluation(reference).await?.is_some(),
        EvidenceKind::Kpi => kpi_series(reference).is_some(),
    };
    if !exists {
        return Err(refuse(
            "reference",
            SettingReason::Unknown(reference.to_owned()),
        ));
    }
    let evidence = Evidence {
        id: 0,
        problem_id: id,
        kind,
        reference: reference.to_owned(),
        note: note.trim().to_owned(),
        added_by: actor.name.clone(),
        added_at: 0,
    };
    store
        .add_problem_evidence(&evidence, actor, now_ms())
        .await?;
    Ok(())
}

/// A KPI series reference (`metric` or `metric|queue=…`) as its metric and scope filter; `None`
/// when the metric is unknown or the scope is not queue, team or agent.
pub fn kpi_series(reference: &str) -> Option<(&'static str, Option<(Dimension, String)>)> {
    let (metric, scope) = match reference.split_once('|') {
        Some((metric, scope)) => (metric.trim(), Some(scope)),
        None => (reference.trim(), None),
    };
    let metric = servq_kpi::metric(metric)?.name;
    let scope = match scope {
        None => None,
        Some(scope) => {
            let (dimension, value) = scope.split_once('=')?;
            let dimension = match dimension.trim() {
                "queue" => Dimension::Queue,
                "team" => Dimension::Team,
                "agent" => Dimension::Agent,
                _ => return None,
            };
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            Some((dimension, value.to_owned()))
        }
    };
    Some((metric, scope))
}

/// Where a piece of evidence is shown in the web app.
pub fn evidence_link(evidence: &Evidence) -> String {
    let segment = crate::path_segment(&evidence.reference);
    match evidence.kind {
        EvidenceKind::Contact => format!("/contacts/{segment}"),
        EvidenceKind::Ticket => format!("/tickets/{segment}"),
        EvidenceKind::ReviewTask => format!("/reviews/{segment}"),
        EvidenceKind::Evaluation => format!("/qa/evaluations/{segment}"),
        // the dashboard over the series' scope, where the metric's tile and trend are
        EvidenceKind::Kpi => match kpi_series(&evidence.reference) {
            Some((_, Some((dimension, value)))) => {
                format!("/?{}={}", dimension.name(), crate::path_segment(&value))
            }
            _ => "/".to_owned(),
        },
    }
}

/// A piece of evidence as JSON.
pub fn evidence_json(evidence: &Evidence) -> Value {
    json!({
        "id": evidence.id,
        "kind": evidence.kind.name(),
        "reference": evidence.reference,
        "note": evidence.note,
        "link": evidence_link(evidence),
        "added_by": evidence.added_by,
        "added_at": crate::rfc3339(evidence.added_at),
    })
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
        "goal_id": problem.goal_id,
        "created_by": problem.created_by,
        "created_at": crate::rfc3339(problem.created_at),
        "updated_at": crate::rfc3339(problem.updated_at),
    })
}

/// Problem `id` with everything about it — root-cause analysis, evidence, effectiveness checks
/// and tasks (the API's `GET /api/v1/problems/{id}` and `servq problems show`); `None` when
/// there is no such problem.
pub async fn detail_json(store: &Store, id: i64, today: Date) -> Result<Option<Value>> {
    let Some(problem) = store.problem(id).await? else {
        return Ok(None);
    };
    let mut out = problem_json(&problem);
    out["analysis"] = serde_json::to_value(analysis(store, id).await?)?;
    out["evidence"] = store
        .problem_evidence(id)
        .await?
        .iter()
        .map(evidence_json)
        .collect();
    out["checks"] = store
        .effectiveness_checks(id)
        .await?
        .iter()
        .map(crate::effectiveness::check_json)
        .collect();
    out["tasks"] = store
        .tasks()
        .await?
        .iter()
        .filter(|t| t.problem_id == Some(id))
        .map(|t| crate::tasks::task_json(t, today))
        .collect();
    Ok(Some(out))
}

/// The days the matrix on a problem's page covers: the 30 days ending yesterday.
pub const MATRIX_DAYS: i64 = 30;

/// The Pareto item a problem came from, when its suggestion names one: a review reason, an
/// automated-QA rule or a ticket category (manual problems, QA items and KPI alerts have none).
pub fn matrix_item(problem: &Problem) -> Option<(ProblemSource, String)> {
    let key = problem.source_key.as_str();
    if let Some(id) = key.strip_prefix("review_reason:") {
        return Some((ProblemSource::ReviewReasons, id.to_owned()));
    }
    if let Some(rule) = key.strip_prefix("qa:rule:") {
        return Some((ProblemSource::QaHits, rule.to_owned()));
    }
    // ticket_category:{category}:{day}: the category may hold a colon, the day does not
    let (category, _) = key.strip_prefix("ticket_category:")?.rsplit_once(':')?;
    Some((ProblemSource::TicketCategories, category.to_owned()))
}

/// Where a problem stands on the frequency × impact matrix of the analysis (the
/// `analysis::pareto_report` of its source over [`MATRIX_DAYS`]).
#[derive(Debug, Clone, PartialEq)]
pub struct MatrixPosition {
    /// The Pareto source.
    pub source: ProblemSource,
    /// The problem's item in it.
    pub item: String,
    /// The period.
    pub from: Date,
    /// The period's last day.
    pub to: Date,
    /// The report's `matrix` items (name, frequency, impact, csat_gap, repeat_rate, quadrant).
    pub matrix: Vec<Value>,
}

/// The matrix for `problem` on `today`; `None` when it has no Pareto item.
pub async fn matrix_position(
    store: &Store,
    problem: &Problem,
    today: Date,
) -> Result<Option<MatrixPosition>> {
    let Some((source, item)) = matrix_item(problem) else {
        return Ok(None);
    };
    let (_, zone) = centre_zone(store).await?;
    let to = today.yesterday()?;
    let from = to.checked_sub(Span::new().days(MATRIX_DAYS - 1))?;
    let report = crate::analysis::pareto_report(
        store,
        &zone,
        &crate::analysis::ParetoRequest {
            source,
            from,
            to,
            cutoff: 0.8,
            split: servq_stats::MatrixSplit::Medians,
        },
    )
    .await
    .map_err(|e| anyhow!("{e}"))?;
    Ok(Some(MatrixPosition {
        source,
        item,
        from,
        to,
        matrix: report["matrix"].as_array().cloned().unwrap_or_default(),
    }))
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
