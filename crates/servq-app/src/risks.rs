//! The risk register, emergency plans and drills (`docs/risks.md`): the use cases behind the
//! `/risks` pages, `/api/v1/risks…` and `servq risk`. Risks are rated likelihood × impact and
//! reviewed on their date; plans follow the work plan's cycle (warning & monitoring → response →
//! recovery → review); drills are scheduled, their owners reminded 30 days before, on the day and
//! weekly once overdue (the `risk-reminders` job), run records keep participants, minutes per
//! step and findings, and a finding can become a problem of the improvement register with a task
//! for its owner.

use anyhow::Result;
use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};
use servq_core::{
    DRILL_AHEAD_DAYS, DrillStatus, HeatMap, MAX_STEP_MINUTES, PlanPhase, PlanStep, ProblemClass,
    ProblemStatus, REVIEW_AHEAD_DAYS, RiskCategory, RiskStatus, RiskTreatment, SettingProblem,
    SettingReason, check_plan, rating, reminder, time_to_recovery,
};
use servq_store::{
    Actor, Drill, DrillFinding, DrillRun, EmergencyPlan, Problem, Risk, RiskReminder, RiskReview,
    Store, Task, TaskStatus,
};

use crate::i18n::{Locale, t};
use crate::now_ms;

/// Why a risk-register action was not done.
#[derive(Debug, thiserror::Error)]
pub enum RiskError {
    /// The request is wrong: every problem at its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<SettingProblem>),
    /// No such risk, plan, drill or finding.
    #[error("not found")]
    NotFound,
    /// The drill is no longer planned (recorded or cancelled meanwhile): its status now.
    #[error("the drill is {} now", .0.name())]
    NotPlanned(DrillStatus),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<servq_store::StoreError> for RiskError {
    fn from(error: servq_store::StoreError) -> Self {
        RiskError::Failed(error.into())
    }
}

/// The longest title.
const MAX_TITLE_CHARS: usize = 200;
/// The longest free text (description, controls, notes).
const MAX_TEXT_CHARS: usize = 4000;

/// Collects a request's field problems.
#[derive(Default)]
struct Checks(Vec<SettingProblem>);

impl Checks {
    fn push(&mut self, problem: SettingProblem) {
        self.0.push(problem);
    }

    /// `value` trimmed; refused when empty (if `required`) or longer than `max` characters.
    fn text(&mut self, field: &str, value: &str, required: bool, max: usize) -> String {
        let value = value.trim();
        if required && value.is_empty() {
            self.push(SettingProblem::new(field, SettingReason::Required));
        } else if value.chars().count() > max {
            self.push(SettingProblem::new(
                field,
                SettingReason::Coded {
                    code: "too_long",
                    values: vec![("max", max.to_string())],
                    english: format!("at most {max} characters"),
                },
            ));
        }
        value.to_owned()
    }

    fn rating(&mut self, field: &str, value: i64) -> u8 {
        rating(field, value).unwrap_or_else(|problem| {
            self.push(problem);
            1
        })
    }

    fn date(&mut self, field: &str, value: &str) -> String {
        match value.trim().parse::<Date>() {
            Ok(day) => day.to_string(),
            Err(_) => {
                self.push(SettingProblem::new(
                    field,
                    SettingReason::Coded {
                        code: "not_a_date",
                        values: vec![("value", value.trim().to_owned())],
                        english: format!("'{}' is not a date like 2027-03-15", value.trim()),
                    },
                ));
                String::new()
            }
        }
    }

    fn user(&mut self, field: &str, value: &str, users: &[String]) -> String {
        let value = value.trim();
        if value.is_empty() {
            self.push(SettingProblem::new(field, SettingReason::Required));
        } else if !users.iter().any(|u| u == value) {
            self.push(SettingProblem::new(
                field,
                SettingReason::Unknown(value.to_owned()),
            ));
        }
        value.to_owned()
    }

    fn named<T>(&mut self, field: &str, value: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
        let parsed = parse(value);
        if parsed.is_none() {
            self.push(SettingProblem::new(
                field,
                SettingReason::Unknown(value.trim().to_owned()),
            ));
        }
        parsed
    }

    fn done<T>(self, value: Option<T>) -> Result<T, RiskError> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(RiskError::Refused(self.0)),
        }
    }
}

/// The users who may own a risk, a plan or a finding (the enabled ones), by name.
pub async fn usernames(store: &Store) -> Result<Vec<String>> {
    Ok(store
        .users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| u.username)
        .collect())
}

/// A risk to record or change (`POST /api/v1/risks`, `PUT /api/v1/risks/{id}`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct RiskRequest {
    /// A short name (at most 200 characters).
    pub title: String,
    /// technical_failure, information_security, staff_capability, network_outage or other.
    pub category: String,
    /// What could happen and why.
    #[serde(default)]
    pub description: String,
    /// 1 (rare) to 5 (almost certain).
    pub likelihood: i64,
    /// 1 (negligible) to 5 (severe).
    pub impact: i64,
    /// Who answers for it (a username).
    pub owner: String,
    /// mitigate, accept, transfer or avoid.
    pub treatment: String,
    /// The controls in place.
    #[serde(default)]
    pub controls: String,
    /// The next review, YYYY-MM-DD.
    pub review_on: String,
    /// open (default) or closed.
    #[serde(default)]
    pub status: Option<String>,
}

/// Records risk `request` (`id` `None`) or changes risk `id`; its id.
pub async fn save_risk(
    store: &Store,
    id: Option<i64>,
    request: &RiskRequest,
    actor: &Actor,
) -> Result<i64, RiskError> {
    let users = usernames(store).await?;
    let mut checks = Checks::default();
    let title = checks.text("title", &request.title, true, MAX_TITLE_CHARS);
    let category = checks.named("category", &request.category, RiskCategory::parse);
    let description = checks.text("description", &request.description, false, MAX_TEXT_CHARS);
    let likelihood = checks.rating("likelihood", request.likelihood);
    let impact = checks.rating("impact", request.impact);
    let owner = checks.user("owner", &request.owner, &users);
    let treatment = checks.named("treatment", &request.treatment, RiskTreatment::parse);
    let controls = checks.text("controls", &request.controls, false, MAX_TEXT_CHARS);
    let review_on = checks.date("review_on", &request.review_on);
    let status = match &request.status {
        Some(status) => checks.named("status", status, RiskStatus::parse),
        None => Some(RiskStatus::Open),
    };
    let (category, treatment, status) = checks.done(
        category
            .zip(treatment)
            .zip(status)
            .map(|((c, t), s)| (c, t, s)),
    )?;
    let risk = Risk {
        id: id.unwrap_or(0),
        title,
        category,
        description,
        likelihood,
        impact,
        owner,
        treatment,
        controls,
        review_on,
        status,
        created_by: actor.name.clone(),
        created_at: 0,
        updated_at: 0,
    };
    store
        .save_risk(&risk, actor, now_ms())
        .await?
        .ok_or(RiskError::NotFound)
}

/// A review of a risk (`POST /api/v1/risks/{id}/reviews`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReviewRequest {
    /// The likelihood now, 1–5.
    pub likelihood: i64,
    /// The impact now, 1–5.
    pub impact: i64,
    /// What the review found.
    #[serde(default)]
    pub note: String,
    /// The next review, YYYY-MM-DD (after today).
    pub next_review_on: String,
}

/// Records a review of risk `id`: its rating and next review date change.
pub async fn review_risk(
    store: &Store,
    id: i64,
    request: &ReviewRequest,
    today: Date,
    actor: &Actor,
) -> Result<(), RiskError> {
    let mut checks = Checks::default();
    let likelihood = checks.rating("likelihood", request.likelihood);
    let impact = checks.rating("impact", request.impact);
    let note = checks.text("note", &request.note, false, MAX_TEXT_CHARS);
    let next_review_on = checks.date("next_review_on", &request.next_review_on);
    if next_review_on
        .parse::<Date>()
        .is_ok_and(|next| next <= today)
    {
        checks.push(SettingProblem::new(
            "next_review_on",
            SettingReason::Coded {
                code: "date_after_today",
                values: vec![("value", next_review_on.clone())],
                english: format!("{next_review_on} is not after today"),
            },
        ));
    }
    checks.done(Some(()))?;
    let review = RiskReview {
        id: 0,
        risk_id: id,
        reviewed_by: actor.name.clone(),
        reviewed_at: 0,
        likelihood,
        impact,
        note,
        next_review_on,
    };
    if store.review_risk(&review, actor, now_ms()).await? {
        Ok(())
    } else {
        Err(RiskError::NotFound)
    }
}

/// The default recovery target: the work plan's "within 48 hours".
pub const DEFAULT_RECOVERY_HOURS: i64 = 48;

fn default_recovery_hours() -> i64 {
    DEFAULT_RECOVERY_HOURS
}

/// An emergency plan to write or change (`POST /api/v1/emergency-plans`, `PUT …/{id}`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct PlanRequest {
    /// A short name.
    pub title: String,
    /// The situation it is for.
    #[serde(default)]
    pub scenario: String,
    /// What sets it off (who declares it, on which signal).
    #[serde(default)]
    pub trigger: String,
    /// Who answers for it (a username); told before each drill.
    pub owner: String,
    /// Normal service back within this many hours (default 48).
    #[serde(default = "default_recovery_hours")]
    pub recovery_hours: i64,
    /// The steps in order: {phase (warning, response, recovery, review), role, action,
    /// target_minutes?}.
    #[schema(value_type = Vec<Object>)]
    pub steps: Vec<PlanStep>,
    /// Who to call, one line each (name, role, phone).
    #[serde(default)]
    pub contacts: Vec<String>,
    /// The risks it answers.
    #[serde(default)]
    pub risk_ids: Vec<i64>,
}

/// Writes plan `request` (`id` `None`) or changes plan `id`; its id.
pub async fn save_plan(
    store: &Store,
    id: Option<i64>,
    request: &PlanRequest,
    actor: &Actor,
) -> Result<i64, RiskError> {
    let users = usernames(store).await?;
    let risks = store.risks().await?;
    let mut checks = Checks::default();
    let title = checks.text("title", &request.title, true, MAX_TITLE_CHARS);
    let scenario = checks.text("scenario", &request.scenario, false, MAX_TEXT_CHARS);
    let trigger = checks.text("trigger", &request.trigger, false, MAX_TEXT_CHARS);
    let owner = checks.user("owner", &request.owner, &users);
    let steps: Vec<PlanStep> = request
        .steps
        .iter()
        .enumerate()
        .map(|(index, step)| PlanStep {
            phase: step.phase.trim().to_owned(),
            role: checks.text(
                &format!("steps.{index}.role"),
                &step.role,
                false,
                MAX_TITLE_CHARS,
            ),
            action: checks.text(
                &format!("steps.{index}.action"),
                &step.action,
                false,
                MAX_TEXT_CHARS,
            ),
            target_minutes: step.target_minutes,
        })
        .collect();
    let recovery_hours = u32::try_from(request.recovery_hours).unwrap_or(0);
    for problem in check_plan(&steps, recovery_hours) {
        checks.push(problem);
    }
    let contacts: Vec<String> = request
        .contacts
        .iter()
        .enumerate()
        .map(|(index, line)| checks.text(&format!("contacts.{index}"), line, false, 400))
        .filter(|line| !line.is_empty())
        .collect();
    let mut risk_ids = Vec::new();
    for (index, risk) in request.risk_ids.iter().enumerate() {
        if !risks.iter().any(|r| r.id == *risk) {
            checks.push(SettingProblem::new(
                format!("risk_ids.{index}"),
                SettingReason::Unknown(risk.to_string()),
            ));
        } else if !risk_ids.contains(risk) {
            risk_ids.push(*risk);
        }
    }
    checks.done(Some(()))?;
    let plan = EmergencyPlan {
        id: id.unwrap_or(0),
        title,
        scenario,
        trigger,
        owner,
        recovery_hours,
        steps,
        contacts,
        risk_ids,
        created_by: actor.name.clone(),
        created_at: 0,
        updated_at: 0,
    };
    store
        .save_plan(&plan, actor, now_ms())
        .await?
        .ok_or(RiskError::NotFound)
}

/// A drill to schedule (`POST /api/v1/emergency-plans/{id}/drills`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DrillRequest {
    /// The day, YYYY-MM-DD (today or later).
    pub scheduled_on: String,
}

/// Schedules a drill of plan `plan_id`; its id.
pub async fn schedule_drill(
    store: &Store,
    plan_id: i64,
    request: &DrillRequest,
    today: Date,
    actor: &Actor,
) -> Result<i64, RiskError> {
    if store.plan(plan_id).await?.is_none() {
        return Err(RiskError::NotFound);
    }
    let mut checks = Checks::default();
    let day = checks.date("scheduled_on", &request.scheduled_on);
    if day.parse::<Date>().is_ok_and(|day| day < today) {
        checks.push(SettingProblem::new(
            "scheduled_on",
            SettingReason::Coded {
                code: "date_in_past",
                values: vec![("value", day.clone())],
                english: format!("{day} is in the past"),
            },
        ));
    }
    checks.done(Some(()))?;
    Ok(store.schedule_drill(plan_id, &day, actor, now_ms()).await?)
}

/// A finding of a drill run.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct FindingRequest {
    /// What was found.
    pub finding: String,
    /// Who follows it up (a username).
    pub owner: String,
    /// By when, YYYY-MM-DD.
    pub due_on: String,
}

/// How a drill ran (`PUT /api/v1/drills/{id}`).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DrillRecordRequest {
    /// The day it ran, YYYY-MM-DD (not in the future).
    pub ran_on: String,
    /// Who took part (at least one).
    pub participants: Vec<String>,
    /// The minutes each plan step took, in the plan's order (null: not timed).
    #[serde(default)]
    pub step_minutes: Vec<Option<i64>>,
    /// What happened.
    #[serde(default)]
    pub notes: String,
    /// What was found, each with an owner and a due date.
    #[serde(default)]
    pub findings: Vec<FindingRequest>,
}

/// Records how planned drill `id` ran.
pub async fn record_drill(
    store: &Store,
    id: i64,
    request: &DrillRecordRequest,
    today: Date,
    actor: &Actor,
) -> Result<(), RiskError> {
    let drill = store.drill(id).await?.ok_or(RiskError::NotFound)?;
    if drill.status != DrillStatus::Planned {
        return Err(RiskError::NotPlanned(drill.status));
    }
    let plan = store
        .plan(drill.plan_id)
        .await?
        .ok_or(RiskError::NotFound)?;
    let users = usernames(store).await?;
    let mut checks = Checks::default();
    let ran_on = checks.date("ran_on", &request.ran_on);
    if ran_on.parse::<Date>().is_ok_and(|day| day > today) {
        checks.push(SettingProblem::new(
            "ran_on",
            SettingReason::Coded {
                code: "date_in_future",
                values: vec![("value", ran_on.clone())],
                english: format!("{ran_on} is in the future"),
            },
        ));
    }
    let participants: Vec<String> = request
        .participants
        .iter()
        .enumerate()
        .map(|(index, name)| {
            checks.text(
                &format!("participants.{index}"),
                name,
                false,
                MAX_TITLE_CHARS,
            )
        })
        .filter(|name| !name.is_empty())
        .collect();
    if participants.is_empty() {
        checks.push(SettingProblem::new("participants", SettingReason::Empty));
    }
    if request.step_minutes.len() > plan.steps.len() {
        checks.push(SettingProblem::new(
            "step_minutes",
            SettingReason::Range {
                min: "0".to_owned(),
                max: plan.steps.len().to_string(),
            },
        ));
    }
    let step_minutes: Vec<Option<u32>> = (0..plan.steps.len())
        .map(|index| {
            let minutes = request.step_minutes.get(index).copied().flatten()?;
            match u32::try_from(minutes) {
                Ok(minutes) if minutes <= MAX_STEP_MINUTES => Some(minutes),
                _ => {
                    checks.push(SettingProblem::new(
                        format!("step_minutes.{index}"),
                        SettingReason::Range {
                            min: "0".to_owned(),
                            max: MAX_STEP_MINUTES.to_string(),
                        },
                    ));
                    None
                }
            }
        })
        .collect();
    let notes = checks.text("notes", &request.notes, false, MAX_TEXT_CHARS);
    let findings: Vec<DrillFinding> = request
        .findings
        .iter()
        .enumerate()
        // a row left wholly empty on the form is no finding
        .filter(|(_, f)| {
            !(f.finding.trim().is_empty()
                && f.owner.trim().is_empty()
                && f.due_on.trim().is_empty())
        })
        .map(|(index, finding)| DrillFinding {
            id: 0,
            drill_id: id,
            finding: checks.text(
                &format!("findings.{index}.finding"),
                &finding.finding,
                true,
                MAX_TEXT_CHARS,
            ),
            owner: checks.user(&format!("findings.{index}.owner"), &finding.owner, &users),
            due_on: checks.date(&format!("findings.{index}.due_on"), &finding.due_on),
            problem_id: None,
            task_id: None,
        })
        .collect();
    checks.done(Some(()))?;
    let run = DrillRun {
        ran_on,
        participants,
        steps: plan.steps,
        step_minutes,
        notes,
        findings,
    };
    if store.record_drill(id, &run, actor, now_ms()).await? {
        return Ok(());
    }
    // recorded or cancelled by someone else meanwhile
    let status = store
        .drill(id)
        .await?
        .map_or(DrillStatus::Cancelled, |d| d.status);
    Err(RiskError::NotPlanned(status))
}

/// Calls off planned drill `id`.
pub async fn cancel_drill(store: &Store, id: i64, actor: &Actor) -> Result<(), RiskError> {
    let drill = store.drill(id).await?.ok_or(RiskError::NotFound)?;
    if store.cancel_drill(id, actor, now_ms()).await? {
        Ok(())
    } else {
        let status = store.drill(id).await?.map_or(drill.status, |d| d.status);
        Err(RiskError::NotPlanned(status))
    }
}

/// The improvement register's source key of a finding's problem.
fn finding_source_key(finding_id: i64) -> String {
    format!("drill_finding:{finding_id}")
}

/// Makes finding `finding_id` of drill `drill_id` a problem of the improvement register (class
/// process design, owned by the finding's owner, described in `locale`) with a task for the
/// owner due on the finding's date; (problem id, task id). A finding made a problem before keeps
/// its problem.
pub async fn finding_to_problem(
    store: &Store,
    drill_id: i64,
    finding_id: i64,
    locale: Locale,
    actor: &Actor,
) -> Result<(i64, i64), RiskError> {
    let drill = store.drill(drill_id).await?.ok_or(RiskError::NotFound)?;
    let finding = store
        .drill_findings(Some(drill_id))
        .await?
        .into_iter()
        .find(|f| f.id == finding_id)
        .ok_or(RiskError::NotFound)?;
    let plan_title = store
        .plan(drill.plan_id)
        .await?
        .map_or_else(String::new, |p| p.title);
    let description = t(locale, "risks.finding_problem_text")
        .replace("{plan}", &plan_title)
        .replace(
            "{day}",
            drill.ran_on.as_deref().unwrap_or(&drill.scheduled_on),
        )
        .replace("{finding}", &finding.finding);
    let title: String = finding.finding.chars().take(MAX_TITLE_CHARS).collect();
    let problem = Problem {
        id: 0,
        class: ProblemClass::ProcessDesign,
        title: title.clone(),
        description,
        source: "drill".to_owned(),
        source_key: finding_source_key(finding_id),
        status: ProblemStatus::Open,
        owner: finding.owner.clone(),
        goal_id: None,
        created_by: actor.name.clone(),
        created_at: 0,
        updated_at: 0,
    };
    let task = Task {
        id: 0,
        problem_id: None,
        goal_id: None,
        title,
        owner: finding.owner.clone(),
        due: finding.due_on.clone(),
        status: TaskStatus::Open,
        evidence: String::new(),
        created_by: actor.name.clone(),
    };
    store
        .finding_to_problem(finding_id, &problem, &task, actor, now_ms())
        .await?
        .ok_or(RiskError::NotFound)
}

/// The reminders due `today`: reviews of open risks (7 days ahead, on the day, weekly after)
/// and planned drills (30 days ahead, on the day, weekly after).
pub async fn reminders_due(store: &Store, today: Date) -> Result<Vec<RiskReminder>> {
    let mut out = Vec::new();
    for risk in store.risks().await? {
        if risk.status != RiskStatus::Open {
            continue;
        }
        let Ok(day) = risk.review_on.parse::<Date>() else {
            continue;
        };
        if let Some(when) = reminder(day, today, REVIEW_AHEAD_DAYS) {
            out.push(RiskReminder {
                entity: "risk",
                id: risk.id,
                action: format!("review_{}", when.name()),
                day: risk.review_on.clone(),
            });
        }
    }
    for drill in store.drills(None).await? {
        if drill.status != DrillStatus::Planned {
            continue;
        }
        let Ok(day) = drill.scheduled_on.parse::<Date>() else {
            continue;
        };
        if let Some(when) = reminder(day, today, DRILL_AHEAD_DAYS) {
            out.push(RiskReminder {
                entity: "drill",
                id: drill.id,
                action: format!("drill_{}", when.name()),
                day: drill.scheduled_on.clone(),
            });
        }
    }
    Ok(out)
}

/// Leaves today's reminders (the `risk-reminders` job, once a day); how many.
pub async fn remind(store: &Store, today: Date) -> Result<usize> {
    let reminders = reminders_due(store, today).await?;
    Ok(store
        .leave_risk_reminders(&reminders, &crate::system_actor(), now_ms())
        .await?)
}

/// A risk as the API and `servq risk list` write it.
pub fn risk_json(risk: &Risk, today: Date) -> Value {
    json!({
        "id": risk.id,
        "title": risk.title,
        "category": risk.category.name(),
        "description": risk.description,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "score": risk.score(),
        "level": risk.level().name(),
        "owner": risk.owner,
        "treatment": risk.treatment.name(),
        "controls": risk.controls,
        "review_on": risk.review_on,
        "review_due": review_due(risk, today),
        "status": risk.status.name(),
        "created_by": risk.created_by,
        "updated_at": risk.updated_at,
    })
}

/// Whether an open risk's review day has come.
pub fn review_due(risk: &Risk, today: Date) -> bool {
    risk.status == RiskStatus::Open && risk.review_on.parse::<Date>().is_ok_and(|day| day <= today)
}

/// The heat map of the open risks.
pub fn heat_map(risks: &[Risk]) -> HeatMap {
    HeatMap::of(
        risks
            .iter()
            .filter(|r| r.status == RiskStatus::Open)
            .map(|r| (r.likelihood, r.impact)),
    )
}

/// The register as `GET /api/v1/risks` and `servq risk list --format json` write it: the risks
/// and the open ones' heat map (`heat_map[impact − 1][likelihood − 1]`).
pub fn register_json(risks: &[Risk], today: Date) -> Value {
    json!({
        "risks": risks.iter().map(|r| risk_json(r, today)).collect::<Vec<_>>(),
        "heat_map": heat_map(risks).cells,
    })
}

/// A plan as the API writes it.
pub fn plan_json(plan: &EmergencyPlan) -> Value {
    json!({
        "id": plan.id,
        "title": plan.title,
        "scenario": plan.scenario,
        "trigger": plan.trigger,
        "owner": plan.owner,
        "recovery_hours": plan.recovery_hours,
        "steps": plan.steps,
        "contacts": plan.contacts,
        "risk_ids": plan.risk_ids,
        "updated_at": plan.updated_at,
    })
}

/// A drill as the API and `servq risk drills` write it, with its findings and — once run — the
/// time it took to recover against the plan's target.
pub fn drill_json(
    drill: &Drill,
    plan: Option<&EmergencyPlan>,
    findings: &[DrillFinding],
    today: Date,
) -> Value {
    let recovery = time_to_recovery(&drill.steps, &drill.step_minutes);
    json!({
        "id": drill.id,
        "plan_id": drill.plan_id,
        "plan": plan.map(|p| p.title.clone()),
        "scheduled_on": drill.scheduled_on,
        "status": drill.status.name(),
        "overdue": drill_overdue(drill, today),
        "ran_on": drill.ran_on,
        "participants": drill.participants,
        "steps": drill.steps,
        "step_minutes": drill.step_minutes,
        "recovery_minutes": recovery,
        "recovery_target_minutes": plan.map(|p| p.recovery_hours * 60),
        "notes": drill.notes,
        "findings": findings.iter().filter(|f| f.drill_id == drill.id).map(|f| json!({
            "id": f.id, "finding": f.finding, "owner": f.owner, "due_on": f.due_on,
            "problem_id": f.problem_id, "task_id": f.task_id,
        })).collect::<Vec<_>>(),
    })
}

/// Whether a planned drill's day has passed.
pub fn drill_overdue(drill: &Drill, today: Date) -> bool {
    drill.status == DrillStatus::Planned
        && drill
            .scheduled_on
            .parse::<Date>()
            .is_ok_and(|day| day < today)
}

/// The steps of a plan grouped by phase, in the cycle's order: (phase, [(step index, step)]).
pub fn steps_by_phase(steps: &[PlanStep]) -> Vec<(PlanPhase, Vec<(usize, &PlanStep)>)> {
    PlanPhase::ALL
        .iter()
        .map(|phase| {
            (
                *phase,
                steps
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| PlanPhase::parse(&s.phase) == Some(*phase))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|(_, steps)| !steps.is_empty())
        .collect()
}
