//! SLA clocks (`docs/desk.md#sla`): a target in business time that runs while the ticket waits
//! on the service centre, pauses while it waits on the customer, and stops for good when its
//! event happens (first response, resolution). A stopped clock never breaches later, a paused
//! one never breaches while paused, and the time already used carries over a pause.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;

/// What an SLA measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaMetric {
    /// From creation to the first agent response.
    FirstResponse,
    /// From a customer message to the agent's next response.
    NextResponse,
    /// From creation to resolution.
    Resolution,
    /// The time limit of the ticket's current workflow stage.
    Stage,
}

impl SlaMetric {
    /// Every metric.
    pub const ALL: [SlaMetric; 4] = [
        SlaMetric::FirstResponse,
        SlaMetric::NextResponse,
        SlaMetric::Resolution,
        SlaMetric::Stage,
    ];

    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            SlaMetric::FirstResponse => "first_response",
            SlaMetric::NextResponse => "next_response",
            SlaMetric::Resolution => "resolution",
            SlaMetric::Stage => "stage",
        }
    }

    /// A stored name back.
    pub fn parse(name: &str) -> Option<SlaMetric> {
        SlaMetric::ALL.into_iter().find(|m| m.name() == name)
    }
}

/// Where a clock stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Counting business time since `running_since`.
    Running,
    /// Waiting on the customer; not counting.
    Paused,
    /// Stopped before its deadline.
    Met,
    /// Its deadline passed before it stopped (stays breached once stopped).
    Breached,
}

impl ClockState {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            ClockState::Running => "running",
            ClockState::Paused => "paused",
            ClockState::Met => "met",
            ClockState::Breached => "breached",
        }
    }

    /// A stored name back.
    pub fn parse(name: &str) -> Option<ClockState> {
        [
            ClockState::Running,
            ClockState::Paused,
            ClockState::Met,
            ClockState::Breached,
        ]
        .into_iter()
        .find(|s| s.name() == name)
    }
}

/// One SLA clock of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaClock {
    /// What it measures.
    pub metric: SlaMetric,
    /// The target, business milliseconds.
    pub target_ms: i64,
    /// Business time used before the current run (pauses keep it).
    pub used_ms: i64,
    /// Start of the current run, while running.
    pub running_since: Option<Timestamp>,
    /// Where it stands.
    pub state: ClockState,
    /// Whether the deadline passed while it was running (kept when it then stops).
    pub breached: bool,
}

/// Something that happened to a clock, to store as an SLA event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockEvent {
    /// Started.
    Started,
    /// Paused (waiting on the customer).
    Paused,
    /// Resumed.
    Resumed,
    /// Stopped in time.
    Met,
    /// Its deadline passed.
    Breached,
}

impl ClockEvent {
    /// Stored name.
    pub fn name(self) -> &'static str {
        match self {
            ClockEvent::Started => "start",
            ClockEvent::Paused => "pause",
            ClockEvent::Resumed => "resume",
            ClockEvent::Met => "met",
            ClockEvent::Breached => "breached",
        }
    }
}

impl SlaClock {
    /// A clock started at `at`.
    pub fn start(metric: SlaMetric, target_ms: i64, at: Timestamp) -> (SlaClock, ClockEvent) {
        (
            SlaClock {
                metric,
                target_ms,
                used_ms: 0,
                running_since: Some(at),
                state: ClockState::Running,
                breached: false,
            },
            ClockEvent::Started,
        )
    }

    /// Business time used by `at`.
    pub fn used_at(&self, calendar: &BusinessCalendar, at: Timestamp) -> i64 {
        self.used_ms
            + self
                .running_since
                .map_or(0, |since| calendar.business_ms_between(since, at))
    }

    /// When a running clock breaches (its deadline); `None` when not running.
    pub fn due(&self, calendar: &BusinessCalendar) -> Option<Timestamp> {
        let since = self.running_since?;
        calendar.add_business_ms(since, self.target_ms - self.used_ms)
    }

    /// Marks a running clock breached when its deadline is before `at` (an event at the
    /// deadline itself is in time, as [`SlaClock::stop`] counts it).
    pub fn check(&mut self, calendar: &BusinessCalendar, at: Timestamp) -> Option<ClockEvent> {
        if self.state != ClockState::Running || self.breached {
            return None;
        }
        let due = self.due(calendar)?;
        (due < at).then(|| {
            self.breached = true;
            ClockEvent::Breached
        })
    }

    /// Pauses a running clock (the ticket waits on the customer).
    pub fn pause(&mut self, calendar: &BusinessCalendar, at: Timestamp) -> Vec<ClockEvent> {
        if self.state != ClockState::Running {
            return Vec::new();
        }
        let mut events: Vec<ClockEvent> = self.check(calendar, at).into_iter().collect();
        self.used_ms = self.used_at(calendar, at);
        self.running_since = None;
        self.state = ClockState::Paused;
        events.push(ClockEvent::Paused);
        events
    }

    /// Resumes a paused clock.
    pub fn resume(&mut self, at: Timestamp) -> Option<ClockEvent> {
        (self.state == ClockState::Paused).then(|| {
            self.running_since = Some(at);
            self.state = ClockState::Running;
            ClockEvent::Resumed
        })
    }

    /// Runs a stopped clock again (its ticket was reopened), keeping the time used and a
    /// breach.
    pub fn reopen(&mut self, at: Timestamp) -> Option<ClockEvent> {
        matches!(self.state, ClockState::Met | ClockState::Breached).then(|| {
            self.running_since = Some(at);
            self.state = ClockState::Running;
            ClockEvent::Resumed
        })
    }

    /// Stops the clock for good (its event happened at `at`): met if in time, else breached
    /// (reported as an event unless the breach was reported already).
    pub fn stop(&mut self, calendar: &BusinessCalendar, at: Timestamp) -> Vec<ClockEvent> {
        if matches!(self.state, ClockState::Met | ClockState::Breached) {
            return Vec::new();
        }
        let reported = self.breached;
        if self.state == ClockState::Running {
            self.used_ms = self.used_at(calendar, at);
        }
        self.running_since = None;
        self.breached |= self.used_ms > self.target_ms;
        if self.breached {
            self.state = ClockState::Breached;
            if reported {
                Vec::new()
            } else {
                vec![ClockEvent::Breached]
            }
        } else {
            self.state = ClockState::Met;
            vec![ClockEvent::Met]
        }
    }
}
