//! Ticket life cycle (`docs/desk.md#life-cycle`): statuses, what each action does to them and to
//! the SLA clocks, and the workflows (stages with time limits) of each ticket type.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use servq_core::{SettingProblem, SettingReason, is_identifier};

use crate::sla::SlaMetric;

/// The ticket type of complaints: a complaint closes only after its return visit, and the
/// complaint measures count it.
pub const COMPLAINT: &str = "complaint";

/// A ticket type: one of the workflows' types (after_sales, complaint, consult, or one the
/// centre added). The set is configuration, so it is a checked name rather than an enum.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TicketType(String);

impl TicketType {
    /// A stored or submitted type: letters, digits, `_` and `-`, 1 to 64 characters.
    pub fn parse(name: &str) -> Option<TicketType> {
        let name = name.trim();
        let valid = !name.is_empty()
            && name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        valid.then(|| TicketType(name.to_owned()))
    }

    /// The type's name.
    pub fn name(&self) -> &str {
        &self.0
    }

    /// Whether tickets of this type are complaints (return visit, complaint measures).
    pub fn is_complaint(&self) -> bool {
        self.0 == COMPLAINT
    }
}

impl std::fmt::Display for TicketType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for TicketType {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

/// How a complaint's return visit (回访) went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReturnVisitOutcome {
    /// The customer is satisfied with the handling.
    Satisfied,
    /// The customer is not satisfied.
    Unsatisfied,
    /// The customer could not be reached.
    Unreachable,
}

impl ReturnVisitOutcome {
    /// Every outcome, in the order forms offer them.
    pub const ALL: [ReturnVisitOutcome; 3] = [
        ReturnVisitOutcome::Satisfied,
        ReturnVisitOutcome::Unsatisfied,
        ReturnVisitOutcome::Unreachable,
    ];

    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            ReturnVisitOutcome::Satisfied => "satisfied",
            ReturnVisitOutcome::Unsatisfied => "unsatisfied",
            ReturnVisitOutcome::Unreachable => "unreachable",
        }
    }

    /// A stored or submitted name back.
    pub fn parse(name: &str) -> Option<ReturnVisitOutcome> {
        ReturnVisitOutcome::ALL
            .into_iter()
            .find(|outcome| outcome.name() == name.trim())
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// The service centre has work to do.
    Open,
    /// Waiting on the customer: resolution and next-response clocks are paused.
    WaitingCustomer,
    /// Solved; the customer may still reply (reopens it).
    Resolved,
    /// Done for good (a complaint only after its return visit).
    Closed,
}

impl TicketStatus {
    /// Every status, in the order of a ticket's life.
    pub const ALL: [TicketStatus; 4] = [
        TicketStatus::Open,
        TicketStatus::WaitingCustomer,
        TicketStatus::Resolved,
        TicketStatus::Closed,
    ];

    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            TicketStatus::Open => "open",
            TicketStatus::WaitingCustomer => "waiting_customer",
            TicketStatus::Resolved => "resolved",
            TicketStatus::Closed => "closed",
        }
    }

    /// A stored name back.
    pub fn parse(name: &str) -> Option<TicketStatus> {
        TicketStatus::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Not yet resolved: open, or waiting on the customer.
    pub fn is_unresolved(self) -> bool {
        matches!(self, TicketStatus::Open | TicketStatus::WaitingCustomer)
    }
}

/// Something that happens to a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketAction {
    /// An agent answers the customer.
    Reply,
    /// The customer writes again.
    CustomerReply,
    /// The agent waits for the customer (information, a visit, a payment).
    WaitOnCustomer,
    /// Solved.
    Resolve,
    /// Closed for good.
    Close,
    /// Opened again after it was resolved or closed.
    Reopen,
}

impl TicketAction {
    /// Every action, in the order the ticket page offers them.
    pub const ALL: [TicketAction; 6] = [
        TicketAction::Reply,
        TicketAction::CustomerReply,
        TicketAction::WaitOnCustomer,
        TicketAction::Resolve,
        TicketAction::Close,
        TicketAction::Reopen,
    ];

    /// The name in the API.
    pub fn name(self) -> &'static str {
        match self {
            TicketAction::Reply => "reply",
            TicketAction::CustomerReply => "customer_reply",
            TicketAction::WaitOnCustomer => "wait_on_customer",
            TicketAction::Resolve => "resolve",
            TicketAction::Close => "close",
            TicketAction::Reopen => "reopen",
        }
    }

    /// A name back.
    pub fn parse(name: &str) -> Option<TicketAction> {
        TicketAction::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// What an action does to one clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockOp {
    /// Start (a fresh clock, replacing a stopped one of the same metric).
    Start(SlaMetric),
    /// Stop for good (met or breached).
    Stop(SlaMetric),
    /// Pause.
    Pause(SlaMetric),
    /// Resume after a pause.
    Resume(SlaMetric),
    /// Run again after a stop, keeping the time used and a breach (a reopened ticket).
    Reopen(SlaMetric),
}

/// An action that does not fit the ticket's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a ticket that is {status} cannot take '{action}'")]
pub struct TransitionError {
    /// The status.
    pub status: &'static str,
    /// The action.
    pub action: &'static str,
}

/// The status after `action` and what it does to the clocks:
///
/// | action | from | to | clocks |
/// |---|---|---|---|
/// | reply | open, waiting | same | stop first & next response |
/// | customer_reply | open, waiting, resolved | open | start next response; resume (stage too) / reopen resolution |
/// | wait_on_customer | open | waiting | pause resolution, next response and stage |
/// | resolve | open, waiting | resolved | stop every clock |
/// | close | resolved | closed | stop stage |
/// | reopen | resolved, closed | open | reopen resolution |
pub fn transition(
    status: TicketStatus,
    action: TicketAction,
) -> Result<(TicketStatus, Vec<ClockOp>), TransitionError> {
    use ClockOp::*;
    use SlaMetric::*;
    use TicketAction as A;
    use TicketStatus as S;
    let refused = Err(TransitionError {
        status: status.name(),
        action: action.name(),
    });
    Ok(match (status, action) {
        (S::Open | S::WaitingCustomer, A::Reply) => {
            (status, vec![Stop(FirstResponse), Stop(NextResponse)])
        }
        (S::Open, A::CustomerReply) => (S::Open, vec![Start(NextResponse)]),
        (S::WaitingCustomer, A::CustomerReply) => (
            S::Open,
            vec![Resume(Resolution), Resume(Stage), Start(NextResponse)],
        ),
        (S::Resolved, A::CustomerReply) => (S::Open, vec![Reopen(Resolution), Start(NextResponse)]),
        (S::Open, A::WaitOnCustomer) => (
            S::WaitingCustomer,
            vec![Pause(Resolution), Pause(NextResponse), Pause(Stage)],
        ),
        (S::Open | S::WaitingCustomer, A::Resolve) => (
            S::Resolved,
            vec![
                Stop(FirstResponse),
                Stop(NextResponse),
                Stop(Resolution),
                Stop(Stage),
            ],
        ),
        // a stage entered after resolving (the return visit) ends with the ticket
        (S::Resolved, A::Close) => (S::Closed, vec![Stop(Stage)]),
        (S::Resolved | S::Closed, A::Reopen) => (S::Open, vec![Reopen(Resolution)]),
        _ => return refused,
    })
}

/// One stage of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowStage {
    /// Id (the default stages' names are in the i18n catalogue under `desk.stage_{id}`).
    pub id: String,
    /// Time limit in business minutes while the ticket is in the stage.
    pub limit_minutes: u32,
    /// Names by locale (`zh-CN`, `zh-TW`, `en`), required for a stage the catalogue does not
    /// name; a given name wins over the catalogue's.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
}

/// Stage ids the i18n catalogue names (the default workflows' stages).
pub const CATALOGUE_STAGES: [&str; 10] = [
    "reception",
    "diagnosis",
    "repair_parts",
    "feedback_follow_up",
    "satisfaction_survey",
    "investigation",
    "handling",
    "return_visit",
    "answering",
    "follow_up",
];

/// The locales every custom stage needs a name in.
pub const STAGE_NAME_LOCALES: [&str; 3] = ["zh-CN", "zh-TW", "en"];

/// The longest stage limit accepted: a year of business minutes.
pub const MAX_STAGE_MINUTES: u32 = 525_600;

/// Every problem of a set of workflows (empty when it can be used), each at its path
/// (`1.stages.0.limit_minutes`): at least one workflow, ticket types and stage ids of lower-case
/// letters, digits and `_`, unique; at least one stage each; limits from 1 minute to
/// [`MAX_STAGE_MINUTES`]; names in zh-CN, zh-TW and en for stages the catalogue does not name.
pub fn check_workflows(workflows: &[Workflow]) -> Vec<SettingProblem> {
    let mut problems = Vec::new();
    if workflows.is_empty() {
        problems.push(SettingProblem::new("", SettingReason::Empty));
    }
    let mut types = std::collections::BTreeSet::new();
    for (w, workflow) in workflows.iter().enumerate() {
        let kind = &workflow.ticket_type;
        if !is_identifier(kind, 32) {
            problems.push(SettingProblem::new(
                format!("{w}.ticket_type"),
                SettingReason::Identifier {
                    value: kind.clone(),
                    max: 32,
                    loose: false,
                },
            ));
        } else if !types.insert(kind.as_str()) {
            problems.push(SettingProblem::new(
                format!("{w}.ticket_type"),
                SettingReason::Duplicate(kind.clone()),
            ));
        }
        if workflow.stages.is_empty() {
            problems.push(SettingProblem::new(
                format!("{w}.stages"),
                SettingReason::Empty,
            ));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (s, stage) in workflow.stages.iter().enumerate() {
            let id = &stage.id;
            let at = format!("{w}.stages.{s}");
            if !is_identifier(id, 40) {
                problems.push(SettingProblem::new(
                    format!("{at}.id"),
                    SettingReason::Identifier {
                        value: id.clone(),
                        max: 40,
                        loose: false,
                    },
                ));
            } else if !ids.insert(id.as_str()) {
                problems.push(SettingProblem::new(
                    format!("{at}.id"),
                    SettingReason::Duplicate(id.clone()),
                ));
            }
            if !(1..=MAX_STAGE_MINUTES).contains(&stage.limit_minutes) {
                problems.push(SettingProblem::new(
                    format!("{at}.limit_minutes"),
                    SettingReason::Range {
                        min: "1".into(),
                        max: MAX_STAGE_MINUTES.to_string(),
                    },
                ));
            }
            if !CATALOGUE_STAGES.contains(&id.as_str()) {
                for locale in STAGE_NAME_LOCALES {
                    if stage
                        .names
                        .get(locale)
                        .is_none_or(|name| name.trim().is_empty())
                    {
                        problems.push(SettingProblem::new(
                            format!("{at}.names.{locale}"),
                            SettingReason::Required,
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// The stages of a ticket type, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workflow {
    /// The ticket type.
    pub ticket_type: String,
    /// Stages.
    pub stages: Vec<WorkflowStage>,
}

impl Workflow {
    /// The stage after `stage`, if any.
    pub fn next(&self, stage: &str) -> Option<&WorkflowStage> {
        let index = self.stages.iter().position(|s| s.id == stage)?;
        self.stages.get(index + 1)
    }

    /// A stage by id.
    pub fn stage(&self, stage: &str) -> Option<&WorkflowStage> {
        self.stages.iter().find(|s| s.id == stage)
    }

    /// A stage's own name in `locale`, if the workflow gives one.
    pub fn stage_name(&self, stage: &str, locale: &str) -> Option<&str> {
        self.stage(stage)?.names.get(locale).map(String::as_str)
    }

    /// The stage a ticket must reach before it closes.
    pub fn last(&self) -> Option<&WorkflowStage> {
        self.stages.last()
    }

    /// How moving from stage `from` to stage `to` relates to the workflow's order; `None` when
    /// `to` is not a stage of it. A ticket whose stage has left the workflow (the workflow was
    /// edited) moves anywhere as to its next stage.
    pub fn stage_move(&self, from: &str, to: &str) -> Option<StageMove> {
        let target = self.stages.iter().position(|s| s.id == to)?;
        let Some(current) = self.stages.iter().position(|s| s.id == from) else {
            return Some(StageMove::Next);
        };
        Some(match target.cmp(&current) {
            std::cmp::Ordering::Equal => StageMove::Same,
            std::cmp::Ordering::Less => StageMove::Back,
            std::cmp::Ordering::Greater if target == current + 1 => StageMove::Next,
            std::cmp::Ordering::Greater => StageMove::Skip(
                self.stages[current + 1..target]
                    .iter()
                    .map(|s| s.id.clone())
                    .collect(),
            ),
        })
    }
}

/// A stage move against the workflow's order. The rule (docs/desk.md): stages are passed in
/// order; skipping stages or going back is allowed with a reason, kept in the ticket's history;
/// a ticket closes only in its workflow's last stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageMove {
    /// The next stage: no reason needed.
    Next,
    /// Forward past these stages: a reason is required.
    Skip(Vec<String>),
    /// Back to an earlier stage (rework): a reason is required.
    Back,
    /// The stage it is in: nothing to do.
    Same,
}

impl StageMove {
    /// Whether the move needs a reason.
    pub fn needs_reason(&self) -> bool {
        matches!(self, StageMove::Skip(_) | StageMove::Back)
    }
}

/// The default workflows (reference.md): after-sales reception → diagnosis → repair and spare
/// parts → feedback and follow-up → satisfaction survey; complaint reception → investigation →
/// handling → return visit (回访); consult answering → follow-up.
pub fn default_workflows() -> Vec<Workflow> {
    let workflow = |ticket_type: &str, stages: &[(&str, u32)]| Workflow {
        ticket_type: ticket_type.to_owned(),
        stages: stages
            .iter()
            .map(|(id, limit_minutes)| WorkflowStage {
                id: (*id).to_owned(),
                limit_minutes: *limit_minutes,
                names: BTreeMap::new(),
            })
            .collect(),
    };
    vec![
        workflow(
            "after_sales",
            &[
                ("reception", 30),
                ("diagnosis", 240),
                ("repair_parts", 1440),
                ("feedback_follow_up", 480),
                ("satisfaction_survey", 1440),
            ],
        ),
        workflow(
            COMPLAINT,
            &[
                ("reception", 30),
                ("investigation", 240),
                ("handling", 480),
                ("return_visit", 480),
            ],
        ),
        workflow("consult", &[("answering", 240), ("follow_up", 480)]),
    ]
}

/// The default consult categories (18, ending with "consult – other").
pub const DEFAULT_CATEGORIES: [&str; 18] = [
    "account_opening",
    "card_activation",
    "lost_card",
    "bill_query",
    "repayment",
    "credit_limit",
    "interest_fees",
    "points_rewards",
    "installments",
    "loan_application",
    "online_banking",
    "mobile_app",
    "transfers",
    "fraud_security",
    "branch_service",
    "product_information",
    "policy_rules",
    "consult_other",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_move_the_status_and_the_clocks() {
        use ClockOp::*;
        use SlaMetric::*;
        assert_eq!(
            transition(TicketStatus::Open, TicketAction::WaitOnCustomer).unwrap(),
            (
                TicketStatus::WaitingCustomer,
                vec![Pause(Resolution), Pause(NextResponse), Pause(Stage)]
            )
        );
        assert_eq!(
            transition(TicketStatus::WaitingCustomer, TicketAction::CustomerReply).unwrap(),
            (
                TicketStatus::Open,
                vec![Resume(Resolution), Resume(Stage), Start(NextResponse)]
            )
        );
        assert_eq!(
            transition(TicketStatus::Resolved, TicketAction::Reopen).unwrap(),
            (TicketStatus::Open, vec![Reopen(Resolution)])
        );
        let refused = transition(TicketStatus::Closed, TicketAction::Resolve).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "a ticket that is closed cannot take 'resolve'"
        );
        assert!(transition(TicketStatus::Open, TicketAction::Close).is_err());
    }

    #[test]
    fn stage_moves_follow_the_workflows_order() {
        let complaint = default_workflows()
            .into_iter()
            .find(|w| w.ticket_type == COMPLAINT)
            .unwrap();
        let moved = |from, to| complaint.stage_move(from, to);
        assert_eq!(moved("reception", "investigation"), Some(StageMove::Next));
        assert_eq!(
            moved("reception", "return_visit"),
            Some(StageMove::Skip(vec![
                "investigation".to_owned(),
                "handling".to_owned()
            ]))
        );
        assert_eq!(moved("handling", "reception"), Some(StageMove::Back));
        assert_eq!(moved("handling", "handling"), Some(StageMove::Same));
        assert_eq!(moved("handling", "nowhere"), None);
        assert_eq!(moved("retired_stage", "handling"), Some(StageMove::Next));
        assert!(StageMove::Skip(vec![]).needs_reason() && StageMove::Back.needs_reason());
        assert!(!StageMove::Next.needs_reason());
        assert_eq!(complaint.last().unwrap().id, "return_visit");
    }

    #[test]
    fn workflows_and_categories() {
        let workflows = default_workflows();
        let after_sales = &workflows[0];
        assert_eq!(after_sales.stages.len(), 5);
        assert_eq!(after_sales.next("diagnosis").unwrap().id, "repair_parts");
        assert_eq!(after_sales.next("satisfaction_survey"), None);
        assert_eq!(DEFAULT_CATEGORIES.len(), 18);
        assert_eq!(DEFAULT_CATEGORIES[17], "consult_other");
    }

    #[test]
    fn the_default_workflows_pass_their_check_and_bad_ones_are_named() {
        assert!(check_workflows(&default_workflows()).is_empty());
        let mut bad = default_workflows();
        bad[0].stages[1].limit_minutes = 0;
        bad[1].stages.push(WorkflowStage {
            id: "reception".to_owned(),
            limit_minutes: 10,
            names: BTreeMap::new(),
        });
        bad[2].stages.push(WorkflowStage {
            id: "callback".to_owned(),
            limit_minutes: 60,
            names: BTreeMap::from([("en".to_owned(), "Call back".to_owned())]),
        });
        bad.push(Workflow {
            ticket_type: "Repair".to_owned(),
            stages: Vec::new(),
        });
        assert_eq!(
            check_workflows(&bad)
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            vec![
                "0.stages.1.limit_minutes: must be from 1 to 525600",
                "1.stages.4.id: 'reception' appears twice",
                "2.stages.2.names.zh-CN: is required",
                "2.stages.2.names.zh-TW: is required",
                "3.ticket_type: 'Repair': use 1 to 32 lower-case letters, digits or _",
                "3.stages: needs at least one entry",
            ]
        );
        assert_eq!(
            check_workflows(&[]),
            vec![SettingProblem::new("", SettingReason::Empty)]
        );
    }
}
