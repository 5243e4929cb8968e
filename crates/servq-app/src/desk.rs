//! The service desk's use cases: the desk's settings (calendar, SLA policy, routing,
//! workflows, category tree) loaded as typed values and checked once before they are stored;
//! opening a ticket with its SLA clocks (deadlines from the centre's business calendar and SLA
//! policy, `servq-desk`) and the customer's status token; ticket actions, stage moves, return
//! visits and transfers; and the escalation pass every server runs each minute (each escalation
//! fires once however many servers run). The web app, the API and `servq desk` all call these.

use jiff::Timestamp;
use serde::Deserialize;
use servq_core::{SettingProblem, SettingReason};
use servq_desk::{
    BusinessCalendar, CalendarSpec, ClockEvent, ClockOp, Priority, SlaClock, SlaMetric, SlaPolicy,
    StageMove, TicketAction, TicketStatus, TicketType, Workflow, default_workflows, transition,
};
use servq_store::{Actor, ClockRow, EscalationPass, NewTicket, ReturnVisit, Store, TicketChange};

use crate::{now_ms, users};

/// Settings key of the business calendar (JSON, `servq_desk::CalendarSpec`).
pub const CALENDAR_KEY: &str = "desk.calendar";
/// Settings key of the SLA policy (JSON, `servq_desk::SlaPolicy`).
pub const POLICY_KEY: &str = "desk.sla_policy";
/// Settings key of the routing rules (JSON, `servq_desk::Routing`).
pub const ROUTING_KEY: &str = "desk.routing";

/// Settings key of the category tree (JSON, `servq_desk::Category` list).
pub const CATEGORIES_KEY: &str = "desk.categories";

/// The category tree: as stored, else the default one.
pub async fn categories(store: &Store) -> anyhow::Result<Vec<servq_desk::Category>> {
    Ok(match store.text_setting(CATEGORIES_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => servq_desk::default_categories(),
    })
}

/// The routing rules and assignment strategy: as stored, else none (round-robin within the
/// team a ticket names).
pub async fn routing(store: &Store) -> anyhow::Result<servq_desk::Routing> {
    Ok(match store.text_setting(ROUTING_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => servq_desk::Routing::default(),
    })
}

/// The routing's assignment strategy as the store's agent picker (the store calls it inside
/// the transaction that assigns, under the team's lock).
fn picker(
    routing: &servq_desk::Routing,
) -> impl Fn(&[(String, i64)], Option<&str>) -> Option<String> + Send + Sync + '_ {
    |load, last| routing.pick_agent(load, last).map(str::to_owned)
}

/// The business calendar as configured: as stored, else Monday–Friday 09:00–18:00 in the
/// centre's zone.
pub async fn calendar_spec(store: &Store) -> anyhow::Result<CalendarSpec> {
    Ok(match store.text_setting(CALENDAR_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => CalendarSpec::office_hours(&store.centre_zone().await?),
    })
}

/// The SLA policy: as stored, else the standard one.
pub async fn sla_policy(store: &Store) -> anyhow::Result<SlaPolicy> {
    Ok(match store.text_setting(POLICY_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => SlaPolicy::standard(),
    })
}

/// The centre's calendar (parsed) and SLA policy.
pub async fn desk_config(store: &Store) -> anyhow::Result<(BusinessCalendar, SlaPolicy)> {
    Ok((
        BusinessCalendar::new(&calendar_spec(store).await?)?,
        sla_policy(store).await?,
    ))
}

fn ms(at: Timestamp) -> i64 {
    at.as_millisecond()
}

/// A stored clock from a running `servq-desk` clock: its deadline and warning time computed on
/// the calendar.
pub fn clock_row(
    clock: &SlaClock,
    rule: &str,
    calendar: &BusinessCalendar,
    policy: &SlaPolicy,
) -> ClockRow {
    let since = clock.running_since;
    let warn_ms = since
        .zip(policy.warn_after_ms(clock.target_ms))
        .and_then(|(since, after)| {
            (after > clock.used_ms)
                .then(|| calendar.add_business_ms(since, after - clock.used_ms))
                .flatten()
                .map(ms)
        });
    ClockRow {
        metric: clock.metric,
        rule: rule.to_owned(),
        target_ms: clock.target_ms,
        used_ms: clock.used_ms,
        running_since: since.map(ms),
        due_ms: clock.due(calendar).map(ms),
        warn_ms,
        state: clock.state,
        breached: clock.breached,
        warned: false,
    }
}

/// A ticket to open, as a person or another system gave it (checked by [`DeskSetup::check`]).
#[derive(Debug, Clone)]
pub struct TicketRequest {
    /// after_sales, complaint, consult or a type the centre added.
    pub ticket_type: String,
    /// Category.
    pub category: String,
    /// urgent, high, normal or low.
    pub priority: String,
    /// Subject.
    pub subject: String,
    /// Description.
    pub description: String,
    /// Customer.
    pub customer_id: String,
    /// Segment (e.g. VIP).
    pub segment: String,
    /// Channel.
    pub channel: String,
    /// The contact it came from.
    pub contact_id: Option<String>,
    /// Team it is routed to.
    pub team: String,
}

impl TicketRequest {
    /// The type of a request that names none (the API, imports, the ticket form).
    pub const DEFAULT_TYPE: &str = "consult";
    /// The priority of a request that names none.
    pub const DEFAULT_PRIORITY: Priority = Priority::Normal;
    /// The channel of an API request that names none.
    pub const DEFAULT_CHANNEL: &str = "web";
}

/// Settings key of the workflows (JSON, `servq_desk::Workflow` list).
pub const WORKFLOWS_KEY: &str = "desk.workflows";

/// The workflows of the ticket types: as stored, else the defaults (after-sales, complaint,
/// consult).
pub async fn workflows(store: &Store) -> anyhow::Result<Vec<Workflow>> {
    Ok(match store.text_setting(WORKFLOWS_KEY).await? {
        Some(json) => serde_json::from_str(&json)?,
        None => default_workflows(),
    })
}

/// The workflow of a ticket type.
pub fn find_workflow<'a>(workflows: &'a [Workflow], ticket_type: &str) -> Option<&'a Workflow> {
    workflows
        .iter()
        .find(|workflow| workflow.ticket_type == ticket_type)
}

/// Changes to the desk's settings: each part given replaces the stored one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DeskSettingsUpdate {
    /// The business calendar.
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
    /// The SLA policy.
    #[serde(default)]
    pub policy: Option<SlaPolicy>,
    /// The routing rules and assignment strategy.
    #[serde(default)]
    pub routing: Option<servq_desk::Routing>,
    /// The workflows of the ticket types.
    #[serde(default)]
    pub workflows: Option<Vec<Workflow>>,
    /// The category tree.
    #[serde(default)]
    pub categories: Option<Vec<servq_desk::Category>>,
}

/// Why desk settings were not stored.
#[derive(Debug, thiserror::Error)]
pub enum SettingsRefused {
    /// What is wrong: every problem of every part, each at its path in the body
    /// (`policy.rules.0.name`).
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<SettingProblem>),
    /// The store failed (a server error, not the request's fault).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<servq_store::StoreError> for SettingsRefused {
    fn from(error: servq_store::StoreError) -> Self {
        SettingsRefused::Failed(error.into())
    }
}

/// Every problem of a settings change, each at its path in the body (`calendar.week.2`,
/// `workflows.0.stages.1.limit_minutes`): the calendar must build, the policy and routing pass
/// their checks (`servq-desk`), the workflows too and keep every ticket type that stored
/// tickets have, and the category tree must be well formed.
pub async fn settings_problems(
    store: &Store,
    update: &DeskSettingsUpdate,
) -> Result<Vec<SettingProblem>, SettingsRefused> {
    let under = |part: &'static str| move |problem: SettingProblem| problem.under(part);
    let mut problems: Vec<SettingProblem> = Vec::new();
    if let Some(spec) = &update.calendar {
        problems.extend(spec.problems().into_iter().map(under("calendar")));
    }
    if let Some(policy) = &update.policy {
        problems.extend(policy.problems().into_iter().map(under("policy")));
    }
    if let Some(routing) = &update.routing {
        problems.extend(routing.problems().into_iter().map(under("routing")));
    }
    if let Some(workflows) = &update.workflows {
        problems.extend(
            servq_desk::check_workflows(workflows)
                .into_iter()
                .map(under("workflows")),
        );
        for ticket_type in store.ticket_types().await? {
            if find_workflow(workflows, &ticket_type).is_none() {
                problems.push(SettingProblem::new(
                    "workflows",
                    SettingReason::Other(format!(
                        "ticket type '{ticket_type}' has tickets: keep its workflow"
                    )),
                ));
            }
        }
    }
    if let Some(tree) = &update.categories {
        problems.extend(
            servq_desk::check_categories(tree)
                .into_iter()
                .map(under("categories")),
        );
    }
    Ok(problems)
}

/// Checks a settings change and stores every part of it in one transaction, or nothing with
/// every problem named. New tickets, stage moves and new or resumed clocks use them.
pub async fn save_settings(
    store: &Store,
    update: &DeskSettingsUpdate,
    actor: &Actor,
) -> Result<(), SettingsRefused> {
    let problems = settings_problems(store, update).await?;
    if !problems.is_empty() {
        return Err(SettingsRefused::Invalid(problems));
    }
    fn json(value: &impl serde::Serialize) -> anyhow::Result<String> {
        Ok(serde_json::to_string(value)?)
    }
    let mut settings: Vec<(&str, String)> = Vec::new();
    if let Some(calendar) = &update.calendar {
        settings.push((CALENDAR_KEY, json(calendar)?));
    }
    if let Some(policy) = &update.policy {
        settings.push((POLICY_KEY, json(policy)?));
    }
    if let Some(routing) = &update.routing {
        settings.push((ROUTING_KEY, json(routing)?));
    }
    if let Some(workflows) = &update.workflows {
        settings.push((WORKFLOWS_KEY, json(workflows)?));
    }
    if let Some(categories) = &update.categories {
        settings.push((CATEGORIES_KEY, json(categories)?));
    }
    store.set_text_settings(&settings, actor, now_ms()).await?;
    Ok(())
}

/// How far an imported ticket got in the system it comes from: its status and when it was
/// first answered, resolved and closed. A new ticket has the default (open, nothing yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketHistory {
    /// open, resolved or closed.
    pub status: TicketStatus,
    /// First agent response.
    pub first_response: Option<Timestamp>,
    /// Resolved (required when resolved or closed).
    pub resolved: Option<Timestamp>,
    /// Closed (a closed ticket without it closed when it was resolved).
    pub closed: Option<Timestamp>,
}

impl Default for TicketHistory {
    fn default() -> Self {
        TicketHistory {
            status: TicketStatus::Open,
            first_response: None,
            resolved: None,
            closed: None,
        }
    }
}

impl TicketHistory {
    /// Every problem of an imported ticket's history, as (field, reason): the status must be
    /// open, resolved or closed; a resolved or closed ticket needs its resolution time and an
    /// open one has none; nothing happens before the ticket was created, and a ticket closes
    /// after it was resolved.
    pub fn problems(&self, created: Timestamp) -> Vec<(&'static str, String)> {
        let mut problems = Vec::new();
        let finished = matches!(self.status, TicketStatus::Resolved | TicketStatus::Closed);
        if self.status == TicketStatus::WaitingCustomer {
            problems.push((
                "status",
                "status 'waiting_customer' cannot be imported (open, resolved or closed)"
                    .to_owned(),
            ));
        }
        if finished && self.resolved.is_none() {
            problems.push((
                "resolved_at",
                format!("a {} ticket needs resolved_at", self.status.name()),
            ));
        }
        if !finished {
            for (field, value) in [("resolved_at", self.resolved), ("closed_at", self.closed)] {
                if value.is_some() {
                    problems.push((
                        field,
                        format!("an {} ticket has no {field}", self.status.name()),
                    ));
                }
            }
        }
        if self.status == TicketStatus::Resolved && self.closed.is_some() {
            problems.push((
                "closed_at",
                "a resolved ticket has no closed_at (status closed)".to_owned(),
            ));
        }
        for (field, value) in [
            ("first_response_at", self.first_response),
            ("resolved_at", self.resolved),
            ("closed_at", self.closed),
        ] {
            if value.is_some_and(|at| at < created) {
                problems.push((field, format!("{field} is before created_at")));
            }
        }
        if let (Some(resolved), Some(closed)) = (self.resolved, self.closed)
            && closed < resolved
        {
            problems.push(("closed_at", "closed_at is before resolved_at".to_owned()));
        }
        problems
    }

    /// The history with a closed ticket's closing time filled in (its resolution time).
    pub fn completed(mut self) -> TicketHistory {
        if self.status == TicketStatus::Closed && self.closed.is_none() {
            self.closed = self.resolved;
        }
        self
    }
}

/// A ticket request that passed [`DeskSetup::check`]: its priority, type and workflow parsed.
#[derive(Debug, Clone)]
pub struct CheckedTicket<'a> {
    request: &'a TicketRequest,
    priority: Priority,
    ticket_type: TicketType,
    workflow: &'a Workflow,
}

/// What opening tickets needs from the store, read once (a file import opens many).
pub struct DeskSetup {
    tree: Vec<servq_desk::Category>,
    calendar: BusinessCalendar,
    policy: SlaPolicy,
    routing: servq_desk::Routing,
    workflows: Vec<Workflow>,
}

impl DeskSetup {
    /// The category tree, calendar, SLA policy and routing as stored.
    pub async fn load(store: &Store) -> anyhow::Result<DeskSetup> {
        let (calendar, policy) = desk_config(store).await?;
        Ok(DeskSetup {
            tree: categories(store).await?,
            calendar,
            policy,
            routing: routing(store).await?,
            workflows: workflows(store).await?,
        })
    }

    /// The request with its priority, type and workflow parsed, or every problem of it as
    /// (field, reason).
    pub fn check<'a>(
        &'a self,
        request: &'a TicketRequest,
    ) -> Result<CheckedTicket<'a>, Vec<(&'static str, String)>> {
        let mut problems = Vec::new();
        let priority = Priority::parse(&request.priority);
        if priority.is_none() {
            problems.push((
                "priority",
                format!(
                    "priority '{}' is not urgent, high, normal or low",
                    request.priority
                ),
            ));
        }
        let workflow = find_workflow(&self.workflows, &request.ticket_type);
        if workflow.is_none() {
            problems.push((
                "ticket_type",
                format!(
                    "ticket_type '{}' is not {}",
                    request.ticket_type,
                    self.workflows
                        .iter()
                        .map(|w| w.ticket_type.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        for (field, value) in [
            ("subject", &request.subject),
            ("category", &request.category),
            ("customer_id", &request.customer_id),
        ] {
            if value.trim().is_empty() {
                problems.push((field, format!("{field} is required")));
            }
        }
        if !request.category.trim().is_empty()
            && !servq_desk::contains_category(&self.tree, request.category.trim())
        {
            problems.push((
                "category",
                format!(
                    "category '{}' is not in the category tree (GET /api/v1/desk/categories)",
                    request.category.trim()
                ),
            ));
        }
        let ticket_type = TicketType::parse(&request.ticket_type);
        match (priority, workflow, ticket_type) {
            (Some(priority), Some(workflow), Some(ticket_type)) if problems.is_empty() => {
                Ok(CheckedTicket {
                    request,
                    priority,
                    ticket_type,
                    workflow,
                })
            }
            _ => Err(problems),
        }
    }

    /// The ticket to store for a checked request opened at `now`, with its started clocks and a
    /// new status token (returned: only its hash is stored). `team`/`assignee` are the routed
    /// ones (the store picks the agent when it writes the ticket). An imported ticket's `history` (checked with
    /// [`TicketHistory::problems`]) stops its clocks where they stopped in the system it comes
    /// from: first response at the first response (or the resolution), resolution and stage at
    /// the resolution, each met or breached on the calendar.
    pub fn prepare(
        &self,
        ticket_id: String,
        checked: &CheckedTicket<'_>,
        (team, assignee): (String, String),
        now: Timestamp,
        history: &TicketHistory,
    ) -> Result<(NewTicket, String), String> {
        let CheckedTicket {
            request,
            priority,
            ref ticket_type,
            workflow,
        } = *checked;
        let first_stage = &workflow.stages[0];
        let rule = self
            .policy
            .rule_for(priority, &request.category, &request.segment)
            .ok_or_else(|| "no SLA rule matches the ticket".to_owned())?;
        let mut sla_events = Vec::new();
        let mut clocks = Vec::new();
        for (metric, target_ms, rule_name, stops_at) in [
            (
                SlaMetric::FirstResponse,
                rule.target_ms(SlaMetric::FirstResponse),
                &rule.name,
                history.first_response.or(history.resolved),
            ),
            (
                SlaMetric::Resolution,
                rule.target_ms(SlaMetric::Resolution),
                &rule.name,
                history.resolved,
            ),
            (
                SlaMetric::Stage,
                i64::from(first_stage.limit_minutes) * 60_000,
                &first_stage.id,
                history.resolved,
            ),
        ] {
            let (mut clock, started) = SlaClock::start(metric, target_ms, now);
            sla_events.push((metric, started, ms(now)));
            if let Some(at) = stops_at {
                for event in clock.stop(&self.calendar, at) {
                    sla_events.push((metric, event, ms(at)));
                }
            }
            clocks.push(clock_row(&clock, rule_name, &self.calendar, &self.policy));
        }
        let finished = history.resolved.is_some();
        let stage = if finished {
            workflow.stages.last().unwrap_or(first_stage)
        } else {
            first_stage
        };
        let token = users::new_token();
        Ok((
            NewTicket {
                ticket_id,
                ticket_type: ticket_type.clone(),
                category: request.category.trim().to_owned(),
                priority,
                subject: request.subject.trim().to_owned(),
                description: request.description.clone(),
                customer_id: request.customer_id.trim().to_owned(),
                segment: request.segment.trim().to_owned(),
                channel: request.channel.trim().to_owned(),
                contact_id: request.contact_id.clone(),
                team,
                assignee,
                stage: stage.id.clone(),
                status: history.status,
                status_token_hash: users::token_hash(&token),
                clocks,
                sla_events,
                first_response_ms: history.first_response.map(ms),
                resolved_ms: history.resolved.map(ms),
                closed_ms: history.closed.map(ms),
            },
            token,
        ))
    }

    /// The team of a request: its own, else the routing's.
    pub fn team_for(&self, request: &TicketRequest) -> String {
        if request.team.trim().is_empty() {
            self.routing
                .team_for(&request.category, &request.channel, &request.segment)
                .unwrap_or("")
                .to_owned()
        } else {
            request.team.trim().to_owned()
        }
    }
}

/// Why a ticket was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenRefused {
    /// The request is not a ticket the desk can take: every problem as (field, reason); the
    /// reasons name their field, so the message is the reasons joined.
    #[error("{}", .0.iter().map(|(_, reason)| reason.as_str()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(&'static str, String)>),
    /// The store or the desk's settings failed (a server error).
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// Opens a ticket at `now`: first-response, resolution and stage clocks start on the calendar
/// with the targets of the first matching SLA rule; routed to a team and assigned by the
/// routing (simultaneous tickets of a team take turns, however many servers run). Returns the
/// id and the status-page token (shown once: only its hash is stored).
pub async fn open_ticket(
    store: &Store,
    request: &TicketRequest,
    actor: &Actor,
    now: Timestamp,
) -> Result<(String, String), OpenRefused> {
    let setup = DeskSetup::load(store).await?;
    // a ticket takes its customer's segment when none is given (docs/customers.md); the SLA
    // rule and the routing then see it
    let with_segment;
    let request = match request.segment.trim() {
        "" => match store
            .customer(request.customer_id.trim())
            .await
            .map_err(anyhow::Error::from)?
        {
            Some(customer) if !customer.record.segment.is_empty() => {
                with_segment = TicketRequest {
                    segment: customer.record.segment,
                    ..request.clone()
                };
                &with_segment
            }
            _ => request,
        },
        _ => request,
    };
    let checked = setup.check(request).map_err(OpenRefused::Invalid)?;
    let team = setup.team_for(request);
    let day = now
        .to_zoned(setup.calendar.zone().clone())
        .date()
        .strftime("%Y%m%d")
        .to_string();
    // the agent is picked inside the creating transaction, under the team's lock
    let pick = picker(&setup.routing);
    // 48 random bits a day: two tickets of one day share an id about once in 5 000 days at
    // 100 000 tickets a day; then the second draws again
    for _ in 0..3 {
        let ticket_id = format!("T{day}-{}", &users::new_token()[..12]);
        let (ticket, token) = setup
            .prepare(
                ticket_id.clone(),
                &checked,
                (team.clone(), String::new()),
                now,
                &TicketHistory::default(),
            )
            .map_err(|reason| OpenRefused::Invalid(vec![("ticket", reason)]))?;
        match store
            .create_ticket(&ticket, actor, ms(now), Some(&pick))
            .await
        {
            Ok(_) => {
                crate::customers::history_changed(store, &request.customer_id, ms(now)).await;
                return Ok((ticket_id, token));
            }
            Err(error) => {
                let taken = store
                    .ticket(&ticket_id)
                    .await
                    .map_err(anyhow::Error::from)?;
                if taken.is_none() {
                    return Err(OpenRefused::Failed(error.into()));
                }
            }
        }
    }
    Err(OpenRefused::Failed(anyhow::anyhow!(
        "no free ticket id after three draws"
    )))
}

/// One escalation pass at `now`: breaches and warnings fire once each; notifications wait for
/// the next business or duty moment of the calendar (no mail at night without night duty).
pub async fn escalate(store: &Store, now: Timestamp) -> anyhow::Result<EscalationPass> {
    let (calendar, _) = desk_config(store).await?;
    let notify_at = move |at: i64| {
        Timestamp::from_millisecond(at)
            .ok()
            .and_then(|t| calendar.next_staffed(t))
            .map_or(at, ms)
    };
    Ok(store.escalate_due(ms(now), 500, &notify_at).await?)
}

/// A stored clock back as a `servq-desk` clock.
fn clock_of_row(row: &ClockRow) -> SlaClock {
    SlaClock {
        metric: row.metric,
        target_ms: row.target_ms,
        used_ms: row.used_ms,
        running_since: row
            .running_since
            .and_then(|ms| Timestamp::from_millisecond(ms).ok()),
        state: row.state,
        breached: row.breached,
    }
}

/// A desk rule a change would break. Each has a stable code; pages say it from the catalogue
/// (`problem.{code}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskRule {
    /// A complaint closes only after its return visit (回访) is recorded.
    ReturnVisitMissing,
    /// A ticket closes only in its workflow's last stage.
    NotInLastStage {
        /// The ticket's stage.
        stage: String,
        /// The workflow's last stage.
        last: String,
    },
    /// Skipping stages or going back to an earlier one needs a reason.
    StageReasonRequired {
        /// The ticket's stage.
        from: String,
        /// The stage asked for.
        to: String,
    },
}

impl DeskRule {
    /// The stable code (API `code`, catalogue key `problem.{code}`).
    pub fn code(&self) -> &'static str {
        match self {
            DeskRule::ReturnVisitMissing => "return_visit_missing",
            DeskRule::NotInLastStage { .. } => "not_in_last_stage",
            DeskRule::StageReasonRequired { .. } => "stage_reason_required",
        }
    }
}

impl std::fmt::Display for DeskRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DeskRule::ReturnVisitMissing => {
                write!(
                    f,
                    "a complaint closes only after its return visit (回访) is recorded"
                )
            }
            DeskRule::NotInLastStage { stage, last } => write!(
                f,
                "the ticket is in stage {stage}; it closes only in the last stage, {last} \
                 (move through the stages, or skip them with a reason)"
            ),
            DeskRule::StageReasonRequired { from, to } => write!(
                f,
                "moving from {from} to {to} skips stages or goes back: give a reason"
            ),
        }
    }
}

/// Why a ticket change was refused.
#[derive(Debug)]
pub enum ChangeRefused {
    /// No such ticket.
    NotFound,
    /// A desk rule forbids it.
    Rule(DeskRule),
    /// The change does not fit (wrong status, unknown stage, complaint without return visit).
    Invalid(String),
    /// Someone changed the ticket meanwhile.
    Conflict,
    /// The database or the desk's settings failed.
    Failed(String),
}

impl From<servq_store::StoreError> for ChangeRefused {
    fn from(error: servq_store::StoreError) -> Self {
        ChangeRefused::Failed(error.to_string())
    }
}

/// The ticket `ticket_id`, or why a change to it cannot start.
async fn load_ticket(store: &Store, ticket_id: &str) -> Result<servq_store::Ticket, ChangeRefused> {
    store
        .ticket(ticket_id)
        .await?
        .ok_or(ChangeRefused::NotFound)
}

/// Applies `action` to a ticket at `now`: the status moves, the clocks follow (servq-desk's
/// `transition`), and everything is stored in one transaction. A complaint closes only after
/// its return visit.
pub async fn act(
    store: &Store,
    ticket_id: &str,
    action: TicketAction,
    note: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    let status = ticket.status;
    let (next, ops) =
        transition(status, action).map_err(|e| ChangeRefused::Invalid(e.to_string()))?;
    if action == TicketAction::Close {
        if ticket.ticket_type.is_complaint() && store.return_visit(ticket_id).await?.is_none() {
            return Err(ChangeRefused::Rule(DeskRule::ReturnVisitMissing));
        }
        let workflows = workflows(store)
            .await
            .map_err(|error| ChangeRefused::Failed(error.to_string()))?;
        if let Some(last) =
            find_workflow(&workflows, ticket.ticket_type.name()).and_then(Workflow::last)
            && last.id != ticket.stage
        {
            return Err(ChangeRefused::Rule(DeskRule::NotInLastStage {
                stage: ticket.stage.clone(),
                last: last.id.clone(),
            }));
        }
    }
    let (calendar, policy) = desk_config(store)
        .await
        .map_err(|e| ChangeRefused::Failed(e.to_string()))?;
    let rows = store.ticket_clocks(ticket_id).await?;
    let mut changed: Vec<ClockRow> = Vec::new();
    let mut events: Vec<(SlaMetric, ClockEvent)> = Vec::new();
    for op in ops {
        let metric = match op {
            ClockOp::Start(m)
            | ClockOp::Stop(m)
            | ClockOp::Pause(m)
            | ClockOp::Resume(m)
            | ClockOp::Reopen(m) => m,
        };
        let stored = rows.iter().find(|row| row.metric == metric);
        if let ClockOp::Start(_) = op {
            let rule_for = policy.rule_for(ticket.priority, &ticket.category, &ticket.segment);
            let Some(rule_for) = rule_for else { continue };
            let (fresh, started) = SlaClock::start(metric, rule_for.target_ms(metric), now);
            changed.push(clock_row(&fresh, &rule_for.name, &calendar, &policy));
            events.push((metric, started));
            continue;
        }
        // a clock the ticket never had (a metric its type does not time) has nothing to change
        let Some(stored) = stored else { continue };
        let mut clock = clock_of_row(stored);
        let rule = stored.rule.clone();
        let fired: Vec<ClockEvent> = match op {
            ClockOp::Start(_) => continue,
            ClockOp::Stop(_) => clock.stop(&calendar, now),
            ClockOp::Pause(_) => clock.pause(&calendar, now),
            ClockOp::Resume(_) => clock.resume(now).into_iter().collect(),
            ClockOp::Reopen(_) => clock.reopen(now).into_iter().collect(),
        };
        if fired.is_empty() {
            continue;
        }
        let mut row = clock_row(&clock, &rule, &calendar, &policy);
        // a warning or breach already fired stays fired
        row.warned = stored.warned;
        changed.push(row);
        events.extend(fired.into_iter().map(|event| (metric, event)));
    }
    let detail = if note.trim().is_empty() {
        action.name().to_owned()
    } else {
        format!("{}: {}", action.name(), note.trim())
    };
    // an answer on a ticket the customer wrote by e-mail reaches them by e-mail
    let email = match action {
        TicketAction::Reply | TicketAction::Resolve if !note.trim().is_empty() => {
            crate::email::reply_email(store, ticket_id, &ticket.customer_id, note)
                .await
                .map_err(|error| ChangeRefused::Failed(format!("{error:#}")))?
        }
        _ => None,
    };
    let applied = store
        .apply_ticket_change(
            &TicketChange {
                ticket_id,
                from_status: status,
                status: next,
                stage: None,
                first_response: matches!(action, TicketAction::Reply | TicketAction::Resolve),
                resolved: match action {
                    TicketAction::Resolve => Some(true),
                    TicketAction::Reopen | TicketAction::CustomerReply
                        if status == TicketStatus::Resolved =>
                    {
                        Some(false)
                    }
                    _ => None,
                },
                closed: action == TicketAction::Close,
                clocks: &changed,
                sla_events: &events,
                event: (action.name(), &detail),
                public: !matches!(action, TicketAction::CustomerReply),
                internal_reason: None,
                email: email.as_ref(),
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    if applied {
        Ok(())
    } else {
        Err(ChangeRefused::Conflict)
    }
}

/// Moves a ticket to a stage of its workflow (the next one when `stage` is `None`): the stage
/// clock restarts with the new stage's limit. Skipping stages or going back needs a `reason`,
/// kept in the history with the stages skipped. A resolved ticket still moves (its return visit
/// comes after resolving); a closed one does not.
pub async fn move_stage(
    store: &Store,
    ticket_id: &str,
    stage: Option<&str>,
    reason: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<String, ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    if ticket.status == TicketStatus::Closed {
        return Err(ChangeRefused::Invalid(format!(
            "a {} ticket stays in its stage",
            ticket.status
        )));
    }
    let workflows = workflows(store)
        .await
        .map_err(|error| ChangeRefused::Failed(error.to_string()))?;
    let workflow = find_workflow(&workflows, ticket.ticket_type.name())
        .ok_or_else(|| ChangeRefused::Invalid("no workflow for the ticket type".to_owned()))?;
    let target = match stage {
        Some(id) => workflow.stage(id).ok_or_else(|| {
            ChangeRefused::Invalid(format!(
                "'{id}' is not a stage of {}: {}",
                ticket.ticket_type,
                workflow
                    .stages
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })?,
        None => workflow
            .next(&ticket.stage)
            .ok_or_else(|| ChangeRefused::Invalid(format!("{} is the last stage", ticket.stage)))?,
    };
    let reason = reason.trim();
    let why = match workflow.stage_move(&ticket.stage, &target.id) {
        Some(StageMove::Same) => {
            return Err(ChangeRefused::Invalid(format!(
                "the ticket is in stage {} already",
                target.id
            )));
        }
        Some(moved) if moved.needs_reason() && reason.is_empty() => {
            return Err(ChangeRefused::Rule(DeskRule::StageReasonRequired {
                from: ticket.stage.clone(),
                to: target.id.clone(),
            }));
        }
        Some(StageMove::Skip(skipped)) => Some(format!(
            "{} → {} (skipped {}): {reason}",
            ticket.stage,
            target.id,
            skipped.join(", ")
        )),
        Some(StageMove::Back) => Some(format!("{} → {}: {reason}", ticket.stage, target.id)),
        _ if reason.is_empty() => None,
        _ => Some(format!("{} → {}: {reason}", ticket.stage, target.id)),
    };
    let (calendar, policy) = desk_config(store)
        .await
        .map_err(|e| ChangeRefused::Failed(e.to_string()))?;
    let mut events: Vec<(SlaMetric, ClockEvent)> = Vec::new();
    let mut clocks = Vec::new();
    if let Some(mut old) = store
        .ticket_clocks(ticket_id)
        .await?
        .iter()
        .find(|row| row.metric == SlaMetric::Stage)
        .map(clock_of_row)
    {
        events.extend(
            old.stop(&calendar, now)
                .into_iter()
                .map(|event| (SlaMetric::Stage, event)),
        );
    }
    let (mut fresh, started) = SlaClock::start(
        SlaMetric::Stage,
        i64::from(target.limit_minutes) * 60_000,
        now,
    );
    if ticket.status == TicketStatus::WaitingCustomer {
        fresh.pause(&calendar, now);
    }
    events.push((SlaMetric::Stage, started));
    clocks.push(clock_row(&fresh, &target.id, &calendar, &policy));
    let applied = store
        .apply_ticket_change(
            &TicketChange {
                ticket_id,
                from_status: ticket.status,
                status: ticket.status,
                stage: Some(&target.id),
                first_response: false,
                resolved: None,
                closed: false,
                clocks: &clocks,
                sla_events: &events,
                event: ("stage", &target.id),
                public: true,
                internal_reason: why.as_deref(),
                email: None,
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    if applied {
        Ok(target.id.clone())
    } else {
        Err(ChangeRefused::Conflict)
    }
}

/// Records a complaint's return visit (outcome satisfied, unsatisfied or unreachable, and a
/// root-cause tag).
pub async fn return_visit(
    store: &Store,
    ticket_id: &str,
    outcome: servq_desk::ReturnVisitOutcome,
    root_cause: &str,
    note: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), ChangeRefused> {
    let ticket = load_ticket(store, ticket_id).await?;
    if !ticket.ticket_type.is_complaint() {
        return Err(ChangeRefused::Invalid(
            "return visits are recorded on complaints".to_owned(),
        ));
    }
    if root_cause.trim().is_empty() {
        return Err(ChangeRefused::Invalid("root_cause is required".to_owned()));
    }
    store
        .record_return_visit(
            ticket_id,
            &ReturnVisit {
                visited_ms: now.as_millisecond(),
                outcome: outcome.name().to_owned(),
                root_cause: root_cause.trim().to_owned(),
                note: note.trim().to_owned(),
                visited_by: actor.name.clone(),
            },
            actor,
            now.as_millisecond(),
        )
        .await?;
    Ok(())
}

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 10_000;

/// Adds a note to a ticket's history (an internal note stays off the customer's status page).
pub async fn add_note(
    store: &Store,
    ticket_id: &str,
    text: &str,
    internal: bool,
    actor: &Actor,
) -> Result<(), ChangeRefused> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_NOTE_CHARS {
        return Err(ChangeRefused::Invalid(
            "a note needs 1 to 10 000 characters".to_owned(),
        ));
    }
    if store
        .add_ticket_note(ticket_id, text, !internal, actor, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(ChangeRefused::NotFound)
    }
}

/// Transfers a ticket to another team (skill group or department) or agent, keeping its
/// history and SLA clocks; without an assignee the team's assignment strategy picks one.
pub async fn transfer(
    store: &Store,
    ticket_id: &str,
    team: &str,
    assignee: &str,
    actor: &Actor,
) -> Result<(), ChangeRefused> {
    let team = team.trim();
    if team.is_empty() {
        return Err(ChangeRefused::Invalid("team is required".to_owned()));
    }
    let load = store.team_load(team).await?;
    if load.is_empty() {
        return Err(ChangeRefused::Invalid(format!(
            "team '{team}' has no agents in the roster"
        )));
    }
    let assignee = assignee.trim();
    if !assignee.is_empty() && !load.iter().any(|(id, _)| id == assignee) {
        return Err(ChangeRefused::Invalid(format!(
            "agent '{assignee}' is not in team '{team}'"
        )));
    }
    let routing = routing(store)
        .await
        .map_err(|error| ChangeRefused::Failed(error.to_string()))?;
    let pick = picker(&routing);
    store
        .assign_ticket(ticket_id, team, assignee, Some(&pick), actor, now_ms())
        .await?
        .ok_or(ChangeRefused::NotFound)?;
    Ok(())
}

/// Settings key of the centre's name (text), shown at the top of the pages customers open
/// without signing in; without it they show the app's name.
pub const CENTRE_NAME_KEY: &str = "centre.name";

/// The longest centre name, in characters.
pub const MAX_CENTRE_NAME_CHARS: usize = 80;

/// The centre's name as customers see it, if one is set.
pub async fn centre_name(store: &Store) -> anyhow::Result<Option<String>> {
    Ok(store
        .text_setting(CENTRE_NAME_KEY)
        .await?
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty()))
}

/// Sets the centre's name (empty: none, the pages show the app's name): at most
/// [`MAX_CENTRE_NAME_CHARS`] characters, no control characters; audited.
pub async fn set_centre_name(
    store: &Store,
    name: &str,
    actor: &Actor,
) -> Result<(), SettingsRefused> {
    let name = name.trim();
    if name.chars().count() > MAX_CENTRE_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(SettingsRefused::Invalid(vec![SettingProblem::new(
            "centre_name",
            SettingReason::Other(format!(
                "the centre's name has at most {MAX_CENTRE_NAME_CHARS} characters and no control \
                 characters"
            )),
        )]));
    }
    store
        .set_text_setting(CENTRE_NAME_KEY, name, actor, now_ms())
        .await?;
    Ok(())
}

/// The longest public summary of a ticket, in characters.
pub const MAX_PUBLIC_SUMMARY_CHARS: usize = 200;

/// Opens a ticket as [`open_ticket`] does, with the summary the customer's status page shows
/// instead of the subject (the subject may hold the desk's shorthand; an empty summary: the page
/// says "your request" with the ticket type). Runs of white space become one space; a summary
/// longer than [`MAX_PUBLIC_SUMMARY_CHARS`] is refused with the request's other problems,
/// before anything is stored.
pub async fn open_ticket_with_summary(
    store: &Store,
    request: &TicketRequest,
    public_summary: &str,
    actor: &Actor,
    now: Timestamp,
) -> Result<(String, String), OpenRefused> {
    let summary = public_summary
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if summary.chars().count() > MAX_PUBLIC_SUMMARY_CHARS {
        let setup = DeskSetup::load(store).await?;
        let mut problems = setup.check(request).err().unwrap_or_default();
        problems.push((
            "public_summary",
            format!("public_summary has at most {MAX_PUBLIC_SUMMARY_CHARS} characters"),
        ));
        return Err(OpenRefused::Invalid(problems));
    }
    let (ticket_id, token) = open_ticket(store, request, actor, now).await?;
    if !summary.is_empty() {
        store
            .set_ticket_public_summary(&ticket_id, &summary)
            .await
            .map_err(anyhow::Error::from)?;
    }
    Ok((ticket_id, token))
}

/// The longest reply a customer sends from the status page, in characters.
pub const MAX_CUSTOMER_REPLY_CHARS: usize = 2_000;

/// Replies the status page takes within an hour, per ticket and per client address.
pub const CUSTOMER_REPLIES_PER_HOUR: i64 = 5;

/// The name a reply from the status page is recorded under in the ticket's history.
pub const CUSTOMER_ACTOR: &str = "customer";

const REPLY_WINDOW_MS: i64 = 60 * 60 * 1000;

/// Why a customer's reply from the status page was not taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomerReplyRefused {
    /// No text.
    Empty,
    /// Longer than [`MAX_CUSTOMER_REPLY_CHARS`].
    TooLong,
    /// The ticket is closed: it takes no more replies.
    Closed,
    /// [`CUSTOMER_REPLIES_PER_HOUR`] replies to the ticket, or from the client's address, within
    /// the last hour.
    TooMany,
    /// No such ticket.
    NotFound,
    /// The ticket changed while the reply was stored; sending it again works.
    Conflict,
    /// The database or the desk's settings failed (a server error).
    Failed(String),
}

fn reply_failed(error: servq_store::StoreError) -> CustomerReplyRefused {
    CustomerReplyRefused::Failed(error.to_string())
}

/// A customer's reply from the status page, sent from `client` at `now`: recorded as the ticket
/// action `customer_reply` by [`CUSTOMER_ACTOR`] with the text as its note (so the clocks
/// restart and a resolved ticket reopens, see [`act`]). At most [`MAX_CUSTOMER_REPLY_CHARS`]
/// characters; a closed ticket takes none; at most [`CUSTOMER_REPLIES_PER_HOUR`] within an hour
/// per ticket and per client address (counted in the database, so every server shares them;
/// the address is kept for an hour, only as its SHA-256).
pub async fn customer_reply(
    store: &Store,
    ticket_id: &str,
    client: std::net::IpAddr,
    text: &str,
    now: Timestamp,
) -> Result<(), CustomerReplyRefused> {
    let text = text.trim();
    if text.is_empty() {
        return Err(CustomerReplyRefused::Empty);
    }
    if text.chars().count() > MAX_CUSTOMER_REPLY_CHARS {
        return Err(CustomerReplyRefused::TooLong);
    }
    let ticket = store
        .ticket(ticket_id)
        .await
        .map_err(reply_failed)?
        .ok_or(CustomerReplyRefused::NotFound)?;
    if ticket.status == TicketStatus::Closed {
        return Err(CustomerReplyRefused::Closed);
    }
    let client = users::token_hash(&client.to_string());
    let since = ms(now) - REPLY_WINDOW_MS;
    let (to_ticket, from_client) = store
        .public_reply_counts(ticket_id, &client, since)
        .await
        .map_err(reply_failed)?;
    if to_ticket >= CUSTOMER_REPLIES_PER_HOUR || from_client >= CUSTOMER_REPLIES_PER_HOUR {
        return Err(CustomerReplyRefused::TooMany);
    }
    let actor = Actor {
        user_id: None,
        name: CUSTOMER_ACTOR.to_owned(),
    };
    act(
        store,
        ticket_id,
        TicketAction::CustomerReply,
        text,
        &actor,
        now,
    )
    .await
    .map_err(|refused| match refused {
        ChangeRefused::NotFound => CustomerReplyRefused::NotFound,
        ChangeRefused::Conflict => CustomerReplyRefused::Conflict,
        // closed meanwhile: the only status that takes no customer reply
        ChangeRefused::Invalid(_) | ChangeRefused::Rule(_) => CustomerReplyRefused::Closed,
        ChangeRefused::Failed(detail) => CustomerReplyRefused::Failed(detail),
    })?;
    store
        .record_public_reply(ticket_id, &client, ms(now), since)
        .await
        .map_err(reply_failed)?;
    Ok(())
}

/// Largest attachment accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// The type of a file from its first bytes (never from its name or the browser's claim).
pub fn sniff_content_type(data: &[u8]) -> &'static str {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x89PNG\r\n\x1a\n", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF87a", "image/gif"),
        (b"GIF89a", "image/gif"),
        (b"%PDF-", "application/pdf"),
        (b"PK\x03\x04", "application/zip"),
    ];
    SIGNATURES
        .iter()
        .find(|(magic, _)| data.starts_with(magic))
        .map(|(_, kind)| *kind)
        .unwrap_or_else(|| {
            if !data.contains(&0) && std::str::from_utf8(data).is_ok() {
                "text/plain"
            } else {
                "application/octet-stream"
            }
        })
}

/// An uploaded file's name without any folder part or control characters, at most 200
/// characters; `default` when nothing is left.
pub fn clean_file_name(name: &str, default: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let cleaned: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if cleaned.is_empty() || cleaned == "." || cleaned == ".." {
        default.to_owned()
    } else {
        cleaned
    }
}

/// The stored record of file `data` named `file_name`, attached by `by` at `now_ms`: a fresh
/// id, the type sniffed from its bytes, its size and SHA-256.
pub fn attachment(
    file_name: String,
    data: &[u8],
    by: &str,
    now_ms: i64,
) -> servq_store::Attachment {
    use sha2::Digest;
    servq_store::Attachment {
        attachment_id: users::new_token()[..24].to_owned(),
        file_name,
        content_type: sniff_content_type(data).to_owned(),
        size_bytes: data.len() as i64,
        sha256: hex::encode(sha2::Sha256::digest(data)),
        uploaded_by: by.to_owned(),
        uploaded_ms: now_ms,
    }
}
