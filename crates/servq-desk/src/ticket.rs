//! Ticket life cycle (`docs/desk.md#life-cycle`): statuses, what each action does to them and to
//! the SLA clocks, and the workflows (stages with time limits) of each ticket type.

use serde::{Deserialize, Serialize};

use crate::sla::SlaMetric;

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
        [
            TicketStatus::Open,
            TicketStatus::WaitingCustomer,
            TicketStatus::Resolved,
            TicketStatus::Closed,
        ]
        .into_iter()
        .find(|s| s.name() == name)
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
        [
            TicketAction::Reply,
            TicketAction::CustomerReply,
            TicketAction::WaitOnCustomer,
            TicketAction::Resolve,
            TicketAction::Close,
            TicketAction::Reopen,
        ]
        .into_iter()
        .find(|a| a.name() == name)
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
/// | close | resolved | closed | — |
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
        (S::Resolved, A::Close) => (S::Closed, Vec::new()),
        (S::Resolved | S::Closed, A::Reopen) => (S::Open, vec![Reopen(Resolution)]),
        _ => return refused,
    })
}

/// One stage of a workflow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkflowStage {
    /// Id (also the i18n key of its name).
    pub id: String,
    /// Time limit in business minutes while the ticket is in the stage.
    pub limit_minutes: u32,
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
            "complaint",
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
    fn workflows_and_categories() {
        let workflows = default_workflows();
        let after_sales = &workflows[0];
        assert_eq!(after_sales.stages.len(), 5);
        assert_eq!(after_sales.next("diagnosis").unwrap().id, "repair_parts");
        assert_eq!(after_sales.next("satisfaction_survey"), None);
        assert_eq!(DEFAULT_CATEGORIES.len(), 18);
        assert_eq!(DEFAULT_CATEGORIES[17], "consult_other");
    }
}
