//! Who is told what: a pass turns new events into notifications for people — a new or
//! re-reviewed evaluation for the agent, a dispute for the inspector who scored it, a ticket
//! created for or transferred to me, SLA warnings and breaches for the ticket's assignee and the
//! supervisors (those with supervised teams only for tickets of their teams), a course assigned
//! to me — in the app and,
//! when the user chose it and gave an address, by e-mail through the outbox. The pass runs in
//! the jobs loop and right after the API actions that notify; it is safe to run anywhere at
//! once (the store records each (user, event) once).

use anyhow::Result;
use serde_json::json;
use servq_core::Role;
use servq_store::{
    NewNotification, NotificationEmail, NotificationSource, SourceEvent, Store, UserRecord,
};

use crate::i18n::{Locale, t};

/// The kinds of notification, each with its catalogue text `notify.{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotificationKind {
    /// A new evaluation of my contact.
    EvaluationNew,
    /// The agent disputed an evaluation I scored.
    EvaluationDisputed,
    /// My disputed evaluation was re-reviewed.
    EvaluationRereviewed,
    /// A ticket was created for or transferred to me.
    TicketAssigned,
    /// A ticket's SLA clock passed its warning point.
    SlaWarning,
    /// A ticket's SLA clock passed its deadline.
    SlaBreach,
    /// A KPI missed its target days running or moved beyond its control limits.
    KpiAlert,
    /// A coaching session with me was recorded.
    CoachingSession,
    /// An action-plan task was given to me.
    TaskAssigned,
    /// A task of mine is past its due date (each morning until it is done).
    TaskOverdue,
    /// Someone commented on a task of mine.
    TaskComment,
    /// A problem I own (or recorded, when it has no owner) was reopened — by hand or because an
    /// effectiveness check found its goal's target no longer met.
    ProblemReopened,
    /// A course was assigned to me.
    CourseAssigned,
    /// A drill of a plan I own is 30 days away, today, or overdue (weekly).
    DrillReminder,
    /// A risk I own is due for review in 7 days, today, or overdue (weekly).
    RiskReview,
}

impl NotificationKind {
    /// Every kind, in the order the preferences show them.
    pub const ALL: [NotificationKind; 15] = [
        NotificationKind::EvaluationNew,
        NotificationKind::EvaluationDisputed,
        NotificationKind::EvaluationRereviewed,
        NotificationKind::TicketAssigned,
        NotificationKind::SlaWarning,
        NotificationKind::SlaBreach,
        NotificationKind::KpiAlert,
        NotificationKind::CoachingSession,
        NotificationKind::TaskAssigned,
        NotificationKind::TaskOverdue,
        NotificationKind::TaskComment,
        NotificationKind::ProblemReopened,
        NotificationKind::CourseAssigned,
        NotificationKind::DrillReminder,
        NotificationKind::RiskReview,
    ];

    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            NotificationKind::EvaluationNew => "evaluation_new",
            NotificationKind::EvaluationDisputed => "evaluation_disputed",
            NotificationKind::EvaluationRereviewed => "evaluation_rereviewed",
            NotificationKind::TicketAssigned => "ticket_assigned",
            NotificationKind::SlaWarning => "sla_warning",
            NotificationKind::SlaBreach => "sla_breach",
            NotificationKind::KpiAlert => "kpi_alert",
            NotificationKind::CoachingSession => "coaching_session",
            NotificationKind::TaskAssigned => "task_assigned",
            NotificationKind::TaskOverdue => "task_overdue",
            NotificationKind::TaskComment => "task_comment",
            NotificationKind::ProblemReopened => "problem_reopened",
            NotificationKind::CourseAssigned => "course_assigned",
            NotificationKind::DrillReminder => "drill_reminder",
            NotificationKind::RiskReview => "risk_review",
        }
    }

    /// The kind called `name`.
    pub fn parse(name: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The page a notification of this kind about `subject` opens.
    pub fn link(self, subject: &str) -> String {
        let segment = crate::path_segment(subject);
        match self {
            NotificationKind::EvaluationNew
            | NotificationKind::EvaluationDisputed
            | NotificationKind::EvaluationRereviewed => format!("/qa/evaluations/{segment}"),
            NotificationKind::KpiAlert => "/targets".to_owned(),
            // an agent sees their own card, where the sessions are
            NotificationKind::CoachingSession => "/performance#coaching".to_owned(),
            NotificationKind::TaskAssigned
            | NotificationKind::TaskOverdue
            | NotificationKind::TaskComment => format!("/tasks#task-{segment}"),
            NotificationKind::ProblemReopened => format!("/problems/{segment}"),
            NotificationKind::CourseAssigned => format!("/training/{segment}"),
            NotificationKind::DrillReminder => format!("/risks/drills/{segment}"),
            NotificationKind::RiskReview => format!("/risks/{segment}"),
            _ => format!("/tickets/{segment}"),
        }
    }
}

/// A notification's text in `locale`: the catalogue's `notify.{kind}` with its values.
pub fn text(locale: Locale, kind: &str, detail: &str) -> String {
    let mut text = t(locale, &format!("notify.{kind}"));
    if let Ok(serde_json::Value::Object(values)) = serde_json::from_str(detail) {
        for (name, value) in values {
            let value = match (name.as_str(), value.as_str()) {
                ("metric", Some(metric)) if kind == "kpi_alert" => {
                    t(locale, &format!("kpi.{metric}"))
                }
                ("metric", Some(metric)) => t(locale, &format!("tickets.sla_{metric}")),
                ("rule", Some(rule)) => t(locale, &format!("targets.rule_{rule}")),
                ("scope", Some(scope)) => t(locale, &format!("targets.scope_{scope}")),
                ("when", Some(when)) => t(locale, &format!("risks.reminder_{when}")),
                (_, Some(text)) => text.to_owned(),
                _ => value.to_string(),
            };
            text = text.replace(&format!("{{{name}}}"), &value);
        }
    }
    text
}

/// Events read per source in one pass.
const BATCH: i64 = 2_000;

/// How far back the first pass ever looks: older events are history, not news.
const FIRST_PASS_LOOKBACK_MS: i64 = 15 * 60 * 1000;

/// One pass: notifications for the events since the last pass; the number recorded. The first
/// pass ever starts from the events of the last quarter hour (history is not announced; what
/// happened while the server started is).
pub async fn pass(store: &Store, now_ms: i64) -> Result<u64> {
    let cursors = match store.notification_cursors().await? {
        Some(cursors) => cursors,
        None => {
            store
                .notification_heads(now_ms - FIRST_PASS_LOOKBACK_MS)
                .await?
        }
    };
    let events = store.notification_events(&cursors, BATCH).await?;
    if events.is_empty() {
        return Ok(0);
    }
    let mut next = cursors.clone();
    for event in &events {
        let index = NotificationSource::ALL
            .iter()
            .position(|s| *s == event.source)
            .unwrap_or(0);
        next[index] = next[index].max(event.id);
    }
    let users: Vec<UserRecord> = store
        .users()
        .await?
        .into_iter()
        .filter(|user| !user.disabled)
        .collect();
    let teams = store.user_teams().await?;
    let prefs = store.notification_prefs().await?;
    let mut notifications = Vec::new();
    let mut emails = Vec::new();
    for event in &events {
        for (user, kind, detail) in recipients(store, &users, &teams, event).await? {
            let pref = prefs
                .iter()
                .find(|p| p.user_id == user.user_id && p.kind == kind.name());
            let (in_app, by_email) = pref.map_or((true, false), |p| (p.in_app, p.email));
            let detail = detail.to_string();
            if in_app {
                notifications.push(NewNotification {
                    user_id: user.user_id.clone(),
                    kind: kind.name().to_owned(),
                    source: event.source,
                    source_id: event.id,
                    subject_id: event.subject_id.clone(),
                    detail: detail.clone(),
                    created_ms: event.at_ms,
                });
            }
            if by_email && !user.email.is_empty() {
                let locale = Locale::parse(&user.locale).unwrap_or(Locale::ZhCn);
                let line = text(locale, kind.name(), &detail);
                emails.push(NotificationEmail {
                    recipient: user.email.clone(),
                    subject: format!("servq: {line}"),
                    body: format!("{line}\n\n{}\n", kind.link(&event.subject_id)),
                });
            }
        }
    }
    Ok(store
        .record_notifications(&notifications, &emails, &next, now_ms)
        .await?)
}

/// Whether the supervisor `user` looks after `team`: every supervisor without supervised teams
/// does; one with teams only for those (and for no team when `team` is `None`).
fn supervises(teams: &[(String, String)], user: &UserRecord, team: Option<&str>) -> bool {
    let theirs: Vec<&str> = teams
        .iter()
        .filter(|(id, _)| *id == user.user_id)
        .map(|(_, team)| team.as_str())
        .collect();
    theirs.is_empty() || team.is_some_and(|team| theirs.contains(&team))
}

/// Who is told about `event`, of what kind, with which values.
async fn recipients<'a>(
    store: &Store,
    users: &'a [UserRecord],
    teams: &[(String, String)],
    event: &SourceEvent,
) -> Result<Vec<(&'a UserRecord, NotificationKind, serde_json::Value)>> {
    let agents_users = |agent: &str| {
        users
            .iter()
            .filter(|u| u.agent_id.as_deref() == Some(agent))
            .collect::<Vec<_>>()
    };
    Ok(match event.source {
        NotificationSource::Audit if event.what == "coaching" => {
            let Some(session) = (match event.subject_id.parse::<i64>() {
                Ok(id) => store.coaching_session(id).await?,
                Err(_) => None,
            }) else {
                return Ok(Vec::new());
            };
            let values = json!({
                "coach": session.coach,
                "topic": session.topic,
                "follow_up": session.follow_up,
            });
            agents_users(&session.agent_id)
                .into_iter()
                .map(|user| (user, NotificationKind::CoachingSession, values.clone()))
                .collect()
        }
        NotificationSource::Audit if event.what == "course_assign" => {
            let Some(course) = store.course(&event.subject_id).await? else {
                return Ok(Vec::new());
            };
            // the assignments this action made (a repeated assignment adds none, tells nobody)
            let assigned = store
                .course_assignments(Some(&course.id), None)
                .await?
                .into_iter()
                .filter(|a| a.assigned_at == event.at_ms)
                .collect::<Vec<_>>();
            users
                .iter()
                .filter_map(|user| {
                    let assignment = assigned.iter().find(|a| a.username == user.username)?;
                    let due = if assignment.due_date.is_empty() {
                        "—".to_owned()
                    } else {
                        assignment.due_date.clone()
                    };
                    Some((
                        user,
                        NotificationKind::CourseAssigned,
                        json!({"title": course.title, "due": due}),
                    ))
                })
                .collect()
        }
        NotificationSource::Audit if event.what == "reopen" => {
            let Some(problem) = (match event.subject_id.parse::<i64>() {
                Ok(id) => store.problem(id).await?,
                Err(_) => None,
            }) else {
                return Ok(Vec::new());
            };
            let told = if problem.owner.is_empty() {
                &problem.created_by
            } else {
                &problem.owner
            };
            let values = json!({"title": problem.title});
            users
                .iter()
                .filter(|u| u.username == *told && u.username != event.metric)
                .map(|user| (user, NotificationKind::ProblemReopened, values.clone()))
                .collect()
        }
        NotificationSource::Audit if event.what.starts_with("drill_") => {
            let Some(drill) = (match event.subject_id.parse::<i64>() {
                Ok(id) => store.drill(id).await?,
                Err(_) => None,
            }) else {
                return Ok(Vec::new());
            };
            let Some(plan) = store.plan(drill.plan_id).await? else {
                return Ok(Vec::new());
            };
            let values = json!({
                "plan": plan.title,
                "day": drill.scheduled_on,
                "when": event.what.trim_start_matches("drill_"),
            });
            users
                .iter()
                .filter(|u| u.username == plan.owner)
                .map(|user| (user, NotificationKind::DrillReminder, values.clone()))
                .collect()
        }
        NotificationSource::Audit if event.what.starts_with("review_") => {
            let Some(risk) = (match event.subject_id.parse::<i64>() {
                Ok(id) => store.risk(id).await?,
                Err(_) => None,
            }) else {
                return Ok(Vec::new());
            };
            let values = json!({
                "title": risk.title,
                "day": risk.review_on,
                "when": event.what.trim_start_matches("review_"),
            });
            users
                .iter()
                .filter(|u| u.username == risk.owner)
                .map(|user| (user, NotificationKind::RiskReview, values.clone()))
                .collect()
        }
        NotificationSource::Audit
            if event.what == "assign" || event.what == "overdue" || event.what == "comment" =>
        {
            let Some(task) = (match event.subject_id.parse::<i64>() {
                Ok(id) => store.task(id).await?,
                Err(_) => None,
            }) else {
                return Ok(Vec::new());
            };
            let kind = match event.what.as_str() {
                "assign" => NotificationKind::TaskAssigned,
                "overdue" => NotificationKind::TaskOverdue,
                _ => NotificationKind::TaskComment,
            };
            let values = json!({"title": task.title, "due": task.due, "author": event.metric});
            users
                .iter()
                // a comment tells the owner unless they wrote it
                .filter(|u| {
                    u.username == task.owner
                        && (kind != NotificationKind::TaskComment || u.username != event.metric)
                })
                .map(|user| (user, kind, values.clone()))
                .collect()
        }
        NotificationSource::Audit => {
            let Some(evaluation) = store.evaluation(&event.subject_id).await? else {
                return Ok(Vec::new());
            };
            let values = json!({
                "contact": evaluation.contact_id,
                "score": evaluation.score.score.map_or("—".to_owned(), |s| format!("{s:.2}")),
                "agent": evaluation.agent_id,
            });
            let (kind, people) = match event.what.as_str() {
                "create" => (
                    NotificationKind::EvaluationNew,
                    agents_users(&evaluation.agent_id),
                ),
                "rereviewed" => (
                    NotificationKind::EvaluationRereviewed,
                    agents_users(&evaluation.agent_id),
                ),
                "disputed" => (
                    NotificationKind::EvaluationDisputed,
                    users
                        .iter()
                        .filter(|u| u.username == evaluation.inspector)
                        .collect(),
                ),
                _ => return Ok(Vec::new()),
            };
            people
                .into_iter()
                .map(|user| (user, kind, values.clone()))
                .collect()
        }
        NotificationSource::TicketEvent => {
            let Some(ticket) = store.ticket(&event.subject_id).await? else {
                return Ok(Vec::new());
            };
            if ticket.assignee.is_empty() {
                return Ok(Vec::new());
            }
            let values = json!({"ticket": ticket.ticket_id, "subject": ticket.subject});
            agents_users(&ticket.assignee)
                .into_iter()
                .map(|user| (user, NotificationKind::TicketAssigned, values.clone()))
                .collect()
        }
        NotificationSource::Escalation => {
            let Some(ticket) = store.ticket(&event.subject_id).await? else {
                return Ok(Vec::new());
            };
            let kind = if event.what == "breach" {
                NotificationKind::SlaBreach
            } else {
                NotificationKind::SlaWarning
            };
            let values = json!({
                "ticket": ticket.ticket_id,
                "subject": ticket.subject,
                "metric": event.metric,
            });
            // supervisors: all of them, or only those supervising the ticket's team when they
            // have teams; and the assignee
            users
                .iter()
                .filter(|u| {
                    (u.role == Role::Supervisor && supervises(teams, u, Some(&ticket.team)))
                        || (!ticket.assignee.is_empty()
                            && u.agent_id.as_deref() == Some(ticket.assignee.as_str()))
                })
                .map(|user| (user, kind, values.clone()))
                .collect()
        }
        NotificationSource::KpiAlert => {
            let Some(alert) = store.alert(event.id).await? else {
                return Ok(Vec::new());
            };
            let values = json!({
                "metric": alert.metric,
                "scope": alert.scope.name(),
                "value": alert.scope_value,
                "rule": alert.rule,
                "day": alert.last_day,
            });
            // the team concerned: a team's own, or an agent's roster team
            let team = match alert.scope {
                servq_kpi::TargetScope::Team => Some(alert.scope_value.clone()),
                servq_kpi::TargetScope::Agent => store
                    .agents()
                    .await?
                    .into_iter()
                    .find(|a| a.agent_id == alert.scope_value)
                    .map(|a| a.team)
                    .filter(|team| !team.is_empty()),
                _ => None,
            };
            users
                .iter()
                .filter(|u| {
                    u.role == Role::Admin
                        || (u.role == Role::Supervisor && supervises(teams, u, team.as_deref()))
                        || (alert.scope == servq_kpi::TargetScope::Agent
                            && u.agent_id.as_deref() == Some(alert.scope_value.as_str()))
                })
                .map(|user| (user, NotificationKind::KpiAlert, values.clone()))
                .collect()
        }
    })
}
