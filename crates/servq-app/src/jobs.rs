//! Background work, started by `servq serve` and run by hand with `servq jobs run`.
//!
//! Two kinds of job:
//! - **loops** run every few seconds on every server; the work they do claims itself (an
//!   escalation or an invitation fires once under row locks), so any number of servers may run
//!   them;
//! - **scheduled** jobs run once per period of a cron pattern in the centre's time zone. A
//!   period is claimed by inserting its `job_runs` row, so it runs on one server only. After
//!   downtime the missed periods catch up once each, oldest first, up to the job's cap; older
//!   ones are recorded as skipped. A job that has never run starts with its latest period.
//!
//! `SERVQ_JOBS_CLOCK` (an RFC 3339 instant; unset in production) fixes "now" for tests that
//! start real servers.

use std::{str::FromStr, time::Duration};

use anyhow::{Context, Result, bail};
use croner::Cron;
use jiff::{Timestamp, Zoned, civil::DateTime, tz::TimeZone};
use servq_store::{JobRunStatus, Store};

use crate::{desk, now_ms, outbox, surveys};

/// How often a server looks for due periods of the scheduled jobs.
const SCHEDULER_TICK: Duration = Duration::from_secs(30);

/// A job's schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// Every so many seconds, on every server.
    Every(u64),
    /// Once per period of a cron pattern (minute hour day-of-month month day-of-week) in the
    /// centre's zone, across all servers; after downtime at most `catch_up` missed periods run.
    Cron {
        /// The pattern, e.g. `30 3 * * *` (every day at 03:30).
        pattern: &'static str,
        /// How many missed periods run after downtime (older ones are skipped).
        catch_up: usize,
    },
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Schedule::Every(seconds) => write!(f, "every {seconds} s on each server"),
            Schedule::Cron { pattern, catch_up } => {
                write!(f, "cron '{pattern}' (centre's zone), catch up {catch_up}")
            }
        }
    }
}

/// The default number of missed periods a scheduled job catches up.
pub const DEFAULT_CATCH_UP: usize = 3;

/// Every job servq runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// SLA breaches and warnings fire once each; the ticket KPI cube is kept current.
    Escalation,
    /// Survey invitations due under the dispatch rules.
    SurveyDispatch,
    /// E-mails and webhooks waiting in the outbox (only when SMTP or a webhook URL is set).
    OutboxDelivery,
    /// Expired sessions, set-up tokens and old failed sign-ins are removed.
    SignInPurge,
    /// New evaluations, disputes, assignments and SLA escalations become notifications.
    Notify,
    /// Yesterday's KPIs against their targets: misses days running and values beyond the
    /// control limits open alert episodes.
    KpiAlerts,
    /// On the 1st, the previous month's quality report, stored and mailed.
    MonthlyReport,
    /// Each morning, yesterday's key KPIs, a good case, overdue tasks and problems, mailed.
    DailyBriefing,
    /// Each Monday, the indicators that missed their targets the week before, mailed.
    WeeklyReview,
    /// On the 1st, the month before's one-to-one coaching plan, mailed.
    CoachingPlan,
    /// Each morning, the effectiveness checks due: closed problems whose goal slipped reopen.
    EffectivenessChecks,
    /// Each night, every customer's rule tags as of now (windows move with the days).
    CustomerTags,
    /// New mail in the configured IMAP mailboxes becomes tickets or joins them.
    EmailPoll,
    /// Each night, personal data past the centre's retention periods is removed.
    DataRetention,
    /// Each night, desk ledger entries past their ledger's retention are anonymised.
    LedgerPurge,
    /// Each morning, the owners of risks due for review and of drills coming (30 days ahead),
    /// today or overdue are told.
    RiskReminders,
    /// Each night, a backup of the store into the backup folder, and old backups deleted by the
    /// retention (keep N daily, M weekly).
    Backup,
}

impl Job {
    /// Every job, in the order `servq jobs list` shows them.
    pub const ALL: [Job; 17] = [
        Job::Escalation,
        Job::SurveyDispatch,
        Job::OutboxDelivery,
        Job::Notify,
        Job::SignInPurge,
        Job::KpiAlerts,
        Job::MonthlyReport,
        Job::DailyBriefing,
        Job::WeeklyReview,
        Job::CoachingPlan,
        Job::EffectivenessChecks,
        Job::CustomerTags,
        Job::EmailPoll,
        Job::DataRetention,
        Job::LedgerPurge,
        Job::RiskReminders,
        Job::Backup,
    ];

    /// The job's name (`servq jobs run NAME`, `job_runs.job`).
    pub fn name(self) -> &'static str {
        match self {
            Job::Escalation => "sla-escalation",
            Job::SurveyDispatch => "survey-dispatch",
            Job::OutboxDelivery => "outbox-delivery",
            Job::SignInPurge => "sign-in-purge",
            Job::Notify => "notify",
            Job::KpiAlerts => "kpi-alerts",
            Job::MonthlyReport => "monthly-report",
            Job::DailyBriefing => "daily-briefing",
            Job::WeeklyReview => "weekly-review",
            Job::CoachingPlan => "coaching-plan",
            Job::EffectivenessChecks => "effectiveness-checks",
            Job::CustomerTags => "customer-tags",
            Job::EmailPoll => "email-poll",
            Job::DataRetention => "data-retention",
            Job::LedgerPurge => "ledger-purge",
            Job::RiskReminders => "risk-reminders",
            Job::Backup => "backup",
        }
    }

    /// What it does, for `servq jobs list`.
    pub fn about(self) -> &'static str {
        match self {
            Job::Escalation => "fires due SLA breaches and warnings once; refreshes ticket KPIs",
            Job::SurveyDispatch => "creates the survey invitations due under the dispatch rules",
            Job::OutboxDelivery => "sends waiting e-mails and webhooks (SMTP or webhook URL set)",
            Job::SignInPurge => {
                "removes expired sessions and set-up tokens and old failed sign-ins"
            }
            Job::Notify => {
                "turns new evaluations, disputes, assignments and SLA escalations into notifications"
            }
            Job::KpiAlerts => {
                "judges yesterday's KPIs against their targets and control limits; alerts once per episode"
            }
            Job::MonthlyReport => {
                "makes the previous month's quality report on the 1st, once, and mails it (PDF)"
            }
            Job::DailyBriefing => {
                "mails the morning briefing: yesterday's key KPIs, a good case, overdue tasks, problems"
            }
            Job::WeeklyReview => {
                "mails Monday's review of the indicators that missed their targets"
            }
            Job::CoachingPlan => {
                "mails the month before's one-to-one coaching plan on the 1st: low performers, topics"
            }
            Job::CustomerTags => {
                "gives every customer the tags the tag rules give now (frequent, complained_90d, …)"
            }
            Job::DataRetention => {
                "removes personal data past the retention periods (pseudonyms keep the counts)"
            }
            Job::LedgerPurge => {
                "anonymises desk ledger entries past their ledger's retention (counts stay)"
            }
            Job::RiskReminders => {
                "tells owners of risk reviews (7 days ahead) and drills (30 days ahead) due, today, overdue"
            }
            Job::Backup => {
                "backs the store up into --backup-dir and deletes backups past the retention"
            }
            Job::EmailPoll => {
                "reads new mail in the IMAP mailboxes (--imap): new tickets, replies threaded"
            }
            Job::EffectivenessChecks => {
                "re-measures closed problems' goals at +30/60/90 days; reopens those that slipped"
            }
        }
    }

    /// When it runs.
    pub fn schedule(self) -> Schedule {
        match self {
            Job::Escalation | Job::SurveyDispatch => Schedule::Every(60),
            Job::OutboxDelivery | Job::EmailPoll => Schedule::Every(30),
            Job::Notify => Schedule::Every(15),
            Job::SignInPurge => Schedule::Cron {
                pattern: "30 3 * * *",
                catch_up: DEFAULT_CATCH_UP,
            },
            // after midnight, when yesterday is closed; imports of yesterday that land later
            // are judged with the next day's run (the miss run and the baseline include them)
            Job::KpiAlerts => Schedule::Cron {
                pattern: "20 0 * * *",
                catch_up: 1,
            },
            // early on the 1st, after the night's imports and the alert pass
            Job::MonthlyReport => Schedule::Cron {
                pattern: "0 6 1 * *",
                catch_up: 1,
            },
            // before the morning meeting; two missed mornings (a weekend's outage) catch up
            Job::DailyBriefing => Schedule::Cron {
                pattern: "30 8 * * *",
                catch_up: 2,
            },
            // after the Monday briefing
            Job::WeeklyReview => Schedule::Cron {
                pattern: "0 9 * * 1",
                catch_up: 1,
            },
            // after the monthly report, before the supervisors plan their month
            Job::CoachingPlan => Schedule::Cron {
                pattern: "30 7 1 * *",
                catch_up: 1,
            },
            // checks left pending are picked up by the next run, so one catch-up is enough
            Job::EffectivenessChecks => Schedule::Cron {
                pattern: "0 7 * * *",
                catch_up: 1,
            },
            // after midnight, before the morning's work: "7 days" and "90 days" move on
            Job::DataRetention => Schedule::Cron {
                pattern: "50 2 * * *",
                catch_up: 1,
            },
            // the purge is idempotent and measured from the day: one catch-up does it all
            Job::LedgerPurge => Schedule::Cron {
                pattern: "55 2 * * *",
                catch_up: 1,
            },
            Job::RiskReminders => Schedule::Cron {
                pattern: "0 8 * * *",
                catch_up: 1,
            },
            // after the night's purges, before the morning's jobs
            Job::Backup => Schedule::Cron {
                pattern: "15 3 * * *",
                catch_up: 1,
            },
            Job::CustomerTags => Schedule::Cron {
                pattern: "40 0 * * *",
                catch_up: 1,
            },
        }
    }

    /// The job called `name`.
    pub fn parse(name: &str) -> Option<Job> {
        Job::ALL.into_iter().find(|job| job.name() == name.trim())
    }
}

/// The setting that holds the schedules changed from their defaults: a JSON object of job name
/// → cron pattern.
pub const SCHEDULES_SETTING: &str = "job_schedules";

/// A job's schedule as it stands: its default and, for a scheduled job, the pattern in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSchedule {
    /// The job.
    pub job: Job,
    /// Its built-in schedule.
    pub default: Schedule,
    /// A scheduled job's pattern in effect (the one set, else the default); `None` for a loop.
    pub pattern: Option<String>,
    /// Whether the pattern was changed from the default.
    pub changed: bool,
}

impl JobSchedule {
    /// The schedule in words, as `servq jobs list` writes it.
    pub fn describe(&self) -> String {
        match (&self.default, &self.pattern) {
            (Schedule::Cron { catch_up, .. }, Some(pattern)) => format!(
                "cron '{pattern}' (centre's zone{}), catch up {catch_up}",
                if self.changed { ", changed" } else { "" }
            ),
            (schedule, _) => schedule.to_string(),
        }
    }
}

async fn changed_patterns(store: &Store) -> Result<std::collections::BTreeMap<String, String>> {
    Ok(match store.text_setting(SCHEDULES_SETTING).await? {
        Some(text) => serde_json::from_str(&text)
            .with_context(|| format!("setting {SCHEDULES_SETTING} is not a JSON object"))?,
        None => Default::default(),
    })
}

/// Every job's schedule as it stands.
pub async fn schedules(store: &Store) -> Result<Vec<JobSchedule>> {
    let changed = changed_patterns(store).await?;
    Ok(Job::ALL
        .into_iter()
        .map(|job| {
            let default = job.schedule();
            let (pattern, changed) = match default {
                Schedule::Every(_) => (None, false),
                Schedule::Cron { pattern, .. } => match changed.get(job.name()) {
                    Some(set) if set != pattern => (Some(set.clone()), true),
                    _ => (Some(pattern.to_owned()), false),
                },
            };
            JobSchedule {
                job,
                default,
                pattern,
                changed,
            }
        })
        .collect())
}

/// Sets scheduled job `job`'s cron pattern (minute hour day-of-month month day-of-week, in the
/// centre's zone); `None` puts the default back. Refused for a loop or a pattern croner cannot
/// read. Periods already run stay recorded; the next period of the new pattern runs next.
pub async fn set_schedule(
    store: &Store,
    job: Job,
    pattern: Option<&str>,
    actor: &servq_store::Actor,
) -> Result<JobSchedule, crate::SettingError> {
    use servq_core::{SettingProblem, SettingReason};
    let Schedule::Cron { .. } = job.schedule() else {
        return Err(crate::SettingError::Refused(vec![SettingProblem::new(
            "job",
            SettingReason::Coded {
                code: "job_is_loop",
                values: vec![("job", job.name().to_owned())],
                english: format!(
                    "{} runs every few seconds; only scheduled jobs have a pattern",
                    job.name()
                ),
            },
        )]));
    };
    let mut changed = changed_patterns(store).await?;
    match pattern.map(str::trim).filter(|p| !p.is_empty()) {
        Some(pattern) => {
            // five fields: croner would also read a seconds field, which the scheduler's
            // 30-second tick cannot honour
            let readable = pattern.split_whitespace().count() == 5;
            if let Some(error) = Cron::from_str(pattern)
                .err()
                .map(|e| e.to_string())
                .or_else(|| (!readable).then(|| "five fields are needed".to_owned()))
            {
                return Err(crate::SettingError::Refused(vec![SettingProblem::new(
                    "pattern",
                    SettingReason::Coded {
                        code: "cron_pattern",
                        values: vec![("value", pattern.to_owned()), ("error", error.clone())],
                        english: format!(
                            "'{pattern}' is not a cron pattern of five fields (minute hour \
                             day-of-month month day-of-week, e.g. 30 8 * * 1-5): {error}"
                        ),
                    },
                )]));
            }
            changed.insert(job.name().to_owned(), pattern.to_owned());
        }
        None => {
            changed.remove(job.name());
        }
    }
    let text = serde_json::to_string(&changed).map_err(anyhow::Error::from)?;
    store
        .set_text_setting(SCHEDULES_SETTING, &text, actor, now_ms())
        .await?;
    Ok(schedules(store)
        .await?
        .into_iter()
        .find(|s| s.job == job)
        .ok_or_else(|| anyhow::anyhow!("job {} vanished", job.name()))?)
}

/// A job's schedule and its last periods as JSON (`servq jobs list --format json`,
/// `GET /api/v1/jobs`).
pub fn job_json(schedule: &JobSchedule, runs: &[servq_store::JobRun]) -> serde_json::Value {
    let (default_pattern, catch_up, every) = match schedule.default {
        Schedule::Cron { pattern, catch_up } => (Some(pattern), Some(catch_up), None),
        Schedule::Every(seconds) => (None, None, Some(seconds)),
    };
    serde_json::json!({
        "name": schedule.job.name(),
        "about": schedule.job.about(),
        "schedule": schedule.describe(),
        "pattern": schedule.pattern,
        "default_pattern": default_pattern,
        "changed": schedule.changed,
        "catch_up": catch_up,
        "every_seconds": every,
        "runs": runs.iter().map(|run| serde_json::json!({
            "period": run.period,
            "status": run.status.name(),
            "started_at": crate::rfc3339(run.started_ms),
            "finished_at": run.finished_ms.map(crate::rfc3339),
            "detail": run.detail,
        })).collect::<Vec<_>>(),
    })
}

/// What jobs need besides the store.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The database.
    pub store: Store,
    /// Where survey links point.
    pub public_url: String,
    /// SMTP and webhook settings of the outbox.
    pub outbox: outbox::OutboxConfig,
    /// Where the nightly backup goes (none: the job does nothing).
    pub backup: Option<crate::backup::BackupPlan>,
}

/// Now: the real time, or the instant in `SERVQ_JOBS_CLOCK` (tests).
pub fn clock() -> Timestamp {
    std::env::var("SERVQ_JOBS_CLOCK")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(Timestamp::now)
}

/// Runs one pass of `job` at `now`; for a scheduled job `period` is the period's scheduled
/// local time. Returns what it did, in a line.
pub async fn run_once(context: &JobContext, job: Job, now: Timestamp) -> Result<String> {
    let store = &context.store;
    Ok(match job {
        Job::Escalation => {
            let pass = desk::escalate(store, now).await?;
            // keeps the ticket cube's change log short on a busy desk nobody reports on
            store.refresh_ticket_cube().await?;
            format!("{} breaches, {} warnings", pass.breaches, pass.warnings)
        }
        Job::SurveyDispatch => {
            let created =
                surveys::dispatch_due(store, now.as_millisecond(), &context.public_url).await?;
            format!("{} invitations", created.len())
        }
        Job::OutboxDelivery => {
            let delivery =
                outbox::deliver_due(store, &context.outbox, now.as_millisecond()).await?;
            format!("{} sent, {} failed", delivery.sent, delivery.failed)
        }
        Job::Notify => {
            let recorded = crate::notifications::pass(store, now.as_millisecond()).await?;
            format!("{recorded} notifications")
        }
        Job::KpiAlerts => {
            let (_, zone) = crate::centre_zone(store).await?;
            let yesterday = now
                .to_zoned(zone)
                .date()
                .checked_sub(jiff::Span::new().days(1))?;
            let pass = crate::targets::alert_pass(store, yesterday).await?;
            format!(
                "{yesterday}: {} raised, {} continued, {} ended",
                pass.raised, pass.continued, pass.ended
            )
        }
        Job::MonthlyReport => {
            let (_, zone) = crate::centre_zone(store).await?;
            let today = now.to_zoned(zone).date();
            crate::monthly_report::scheduled(store, today, &context.public_url).await?
        }
        Job::WeeklyReview => {
            let (_, zone) = crate::centre_zone(store).await?;
            let today = now.to_zoned(zone).date();
            crate::review::scheduled(
                store,
                today,
                &context.public_url,
                context.outbox.report_language,
            )
            .await?
        }
        Job::CoachingPlan => {
            let (_, zone) = crate::centre_zone(store).await?;
            let today = now.to_zoned(zone).date();
            crate::coaching_plan::scheduled(
                store,
                today,
                &context.public_url,
                context.outbox.report_language,
            )
            .await?
        }
        Job::DataRetention => {
            let erased = crate::privacy::run_retention(store, now.as_millisecond()).await?;
            format!(
                "{} contacts pseudonymised, {} transcripts without words, {} profiles emptied",
                erased.contacts, erased.transcripts, erased.profiles
            )
        }
        Job::LedgerPurge => {
            let (_, zone) = crate::centre_zone(store).await?;
            crate::ledgers::purge_job(store, now.to_zoned(zone).date()).await?
        }
        Job::RiskReminders => {
            let (_, zone) = crate::centre_zone(store).await?;
            let left = crate::risks::remind(store, now.to_zoned(zone).date()).await?;
            // the owners hear of it now, not at the next notification pass
            crate::notifications::pass(store, now_ms()).await?;
            format!("{left} reminders")
        }
        Job::Backup => {
            let (_, zone) = crate::centre_zone(store).await?;
            crate::backup::scheduled(store, context.backup.as_ref(), now.to_zoned(zone).date())
                .await?
        }
        Job::EmailPoll => {
            let (pass, failed) =
                crate::email::poll_all(store, &context.outbox, &context.public_url, now).await;
            anyhow::ensure!(failed == 0, "{failed} mailboxes failed ({pass})");
            pass.to_string()
        }
        Job::CustomerTags => {
            let changed =
                crate::customers::refresh_rule_tags(store, None, now.as_millisecond()).await?;
            format!("{changed} customers' tags changed")
        }
        Job::EffectivenessChecks => {
            let (_, zone) = crate::centre_zone(store).await?;
            let today = now.to_zoned(zone).date();
            let pass = crate::effectiveness::run_due(store, today).await?;
            format!(
                "{today}: {} held, {} slipped (reopened), {} without data",
                pass.held, pass.slipped, pass.no_data
            )
        }
        Job::DailyBriefing => {
            let (_, zone) = crate::centre_zone(store).await?;
            let today = now.to_zoned(zone).date();
            crate::briefing::scheduled(
                store,
                today,
                &context.public_url,
                context.outbox.report_language,
            )
            .await?
        }
        Job::SignInPurge => {
            let now_ms = now.as_millisecond();
            let purge = store
                .purge_sign_ins(now_ms, now_ms - crate::users::THROTTLE_WINDOW_MS)
                .await?;
            format!(
                "{} sessions, {} failed sign-ins, {} set-up tokens removed",
                purge.sessions, purge.login_failures, purge.setup_tokens
            )
        }
    })
}

/// A period of a scheduled job: its key (local time `2026-12-01T03:30`) and when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    /// The key stored in `job_runs.period`.
    pub key: String,
    /// When it was due.
    pub at: Zoned,
}

impl Period {
    fn of(at: Zoned) -> Period {
        Period {
            key: at.strftime("%Y-%m-%dT%H:%M").to_string(),
            at,
        }
    }

    /// A period named by a person: a local time like `2026-12-01T03:30` (or a date, for the
    /// start of that day) in the centre's zone.
    pub fn parse(text: &str, zone: &TimeZone) -> Result<Period> {
        let text = text.trim();
        let civil: DateTime = match text.parse::<DateTime>() {
            Ok(civil) => civil,
            Err(_) => text
                .parse::<jiff::civil::Date>()
                .with_context(|| {
                    format!("period '{text}' is not a local time like 2026-12-01T03:30")
                })?
                .to_datetime(jiff::civil::Time::midnight()),
        };
        Ok(Period::of(civil.to_zoned(zone.clone())?))
    }
}

/// What happened to one period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodOutcome {
    /// This server ran it.
    Ran {
        /// The period.
        period: String,
        /// What the job said, or why it failed.
        detail: String,
        /// Whether it failed.
        failed: bool,
    },
    /// Missed beyond the catch-up cap.
    Skipped(String),
}

/// The periods of `pattern` due at `now` in `zone` that have no record yet: those after
/// `latest_ms` (every one, oldest first), or only the latest when the job never ran. Returns
/// (to skip, to run): all but the newest `catch_up` are skipped.
pub fn due_periods(
    pattern: &str,
    zone: &TimeZone,
    latest_ms: Option<i64>,
    now: Timestamp,
    catch_up: usize,
) -> Result<(Vec<Period>, Vec<Period>)> {
    let cron = Cron::from_str(pattern).with_context(|| format!("cron pattern '{pattern}'"))?;
    let now = now.to_zoned(zone.clone());
    let Some(latest_ms) = latest_ms else {
        let latest = cron.find_previous_occurrence(&now, true).ok();
        return Ok((Vec::new(), latest.into_iter().map(Period::of).collect()));
    };
    let after = Timestamp::from_millisecond(latest_ms)?.to_zoned(zone.clone());
    let mut due: Vec<Period> = Vec::new();
    // a year of a minutely pattern is the most that is worth listing
    for at in cron.iter_after(after).take(600_000) {
        if at > now {
            break;
        }
        due.push(Period::of(at));
    }
    let run = due.split_off(due.len().saturating_sub(catch_up));
    Ok((due, run))
}

/// Runs the due periods of a scheduled job at `now` that no server has claimed.
pub async fn run_due(context: &JobContext, job: Job, now: Timestamp) -> Result<Vec<PeriodOutcome>> {
    let Schedule::Cron { catch_up, .. } = job.schedule() else {
        bail!("{} is a loop, not a scheduled job", job.name());
    };
    let store = &context.store;
    let pattern = schedules(store)
        .await?
        .into_iter()
        .find(|s| s.job == job)
        .and_then(|s| s.pattern)
        .with_context(|| format!("{} has no pattern", job.name()))?;
    let zone = TimeZone::get(&store.centre_zone().await?)?;
    let latest = store.latest_job_period_ms(job.name()).await?;
    let (skip, run) = due_periods(&pattern, &zone, latest, now, catch_up)?;
    let mut outcomes = Vec::new();
    for period in skip {
        let at = period.at.timestamp().as_millisecond();
        if store
            .skip_job_run(job.name(), &period.key, at, now_ms())
            .await?
        {
            outcomes.push(PeriodOutcome::Skipped(period.key));
        }
    }
    for period in run {
        if let Some(outcome) = run_period(context, job, &period, now).await? {
            outcomes.push(outcome);
        }
    }
    Ok(outcomes)
}

/// Claims and runs one period of a scheduled job; `None` when another run has it already.
pub async fn run_period(
    context: &JobContext,
    job: Job,
    period: &Period,
    now: Timestamp,
) -> Result<Option<PeriodOutcome>> {
    let store = &context.store;
    let at = period.at.timestamp().as_millisecond();
    if !store
        .claim_job_run(job.name(), &period.key, at, now_ms())
        .await?
    {
        return Ok(None);
    }
    // a job about a day runs as of its period's due time, so a missed morning caught up later
    // reports its own day, not today; the purge removes what has expired by now
    let as_of = match job {
        Job::SignInPurge => now,
        _ => period.at.timestamp(),
    };
    let (status, detail) = match run_once(context, job, as_of).await {
        Ok(detail) => (JobRunStatus::Done, detail),
        Err(error) => (JobRunStatus::Failed, format!("{error:#}")),
    };
    store
        .finish_job_run(job.name(), &period.key, status, &detail, now_ms())
        .await?;
    Ok(Some(PeriodOutcome::Ran {
        period: period.key.clone(),
        failed: status == JobRunStatus::Failed,
        detail,
    }))
}

/// When the scheduler of this server last woke (epoch ms): `/readyz` calls the jobs loop alive
/// while it is recent.
#[derive(Debug, Clone, Default)]
pub struct Heartbeat(std::sync::Arc<std::sync::atomic::AtomicI64>);

impl Heartbeat {
    /// The scheduler woke at `now_ms`.
    pub fn beat(&self, now_ms: i64) {
        self.0.store(now_ms, std::sync::atomic::Ordering::Relaxed);
    }

    /// Whether the scheduler woke within three of its ticks before `now_ms`.
    pub fn alive(&self, now_ms: i64) -> bool {
        let tick_ms = i64::try_from(SCHEDULER_TICK.as_millis()).unwrap_or(i64::MAX);
        now_ms - self.0.load(std::sync::atomic::Ordering::Relaxed) <= 3 * tick_ms
    }
}

/// Starts every job on this server: each loop on its own interval, and one scheduler for the
/// scheduled jobs. Returns at once with the scheduler's heartbeat; the tasks run until the
/// process ends.
pub fn start(context: JobContext) -> Heartbeat {
    let heartbeat = Heartbeat::default();
    heartbeat.beat(now_ms());
    for job in Job::ALL {
        match job.schedule() {
            Schedule::Every(seconds) => {
                if job == Job::OutboxDelivery
                    && context.outbox.smtp_host.is_none()
                    && context.outbox.webhook_url.is_none()
                {
                    continue;
                }
                let context = context.clone();
                tokio::spawn(async move {
                    let mut ticks = tokio::time::interval(Duration::from_secs(seconds));
                    loop {
                        ticks.tick().await;
                        match run_once(&context, job, clock()).await {
                            Ok(detail) => tracing::debug!("{}: {detail}", job.name()),
                            Err(error) => tracing::error!("{} failed: {error:#}", job.name()),
                        }
                    }
                });
            }
            Schedule::Cron { .. } => {}
        }
    }
    let beating = heartbeat.clone();
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(SCHEDULER_TICK);
        loop {
            ticks.tick().await;
            beating.beat(now_ms());
            for job in Job::ALL {
                if !matches!(job.schedule(), Schedule::Cron { .. }) {
                    continue;
                }
                match run_due(&context, job, clock()).await {
                    Ok(outcomes) => {
                        for outcome in outcomes {
                            match outcome {
                                PeriodOutcome::Ran {
                                    period,
                                    detail,
                                    failed: false,
                                } => tracing::info!("{} {period}: {detail}", job.name()),
                                PeriodOutcome::Ran { period, detail, .. } => {
                                    tracing::error!("{} {period} failed: {detail}", job.name())
                                }
                                PeriodOutcome::Skipped(period) => tracing::warn!(
                                    "{} {period} skipped (missed beyond the catch-up cap)",
                                    job.name()
                                ),
                            }
                        }
                    }
                    Err(error) => tracing::error!("{} scheduler failed: {error:#}", job.name()),
                }
            }
        }
    });
    heartbeat
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The settings page names each scheduled job from the catalogue; a missing entry showed
    /// its key (`jobs.name_risk_reminders`) to administrators.
    #[test]
    fn every_scheduled_job_has_a_name_in_every_language() {
        for job in Job::ALL {
            if let Schedule::Every(_) = job.schedule() {
                continue;
            }
            let key = format!("jobs.name_{}", job.name().replace('-', "_"));
            for locale in crate::i18n::Locale::ALL {
                assert!(
                    crate::i18n::keys(locale).contains(&key),
                    "{key} is missing in {}",
                    locale.tag()
                );
            }
        }
    }

    fn shanghai() -> TimeZone {
        TimeZone::get("Asia/Shanghai").unwrap()
    }

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn keys(periods: &[Period]) -> Vec<&str> {
        periods.iter().map(|p| p.key.as_str()).collect()
    }

    #[test]
    fn a_job_that_never_ran_starts_with_its_latest_period() {
        // 2026-12-02 05:00 in Shanghai: today's 03:30 is the latest
        let (skip, run) = due_periods(
            "30 3 * * *",
            &shanghai(),
            None,
            at("2026-12-01T21:00:00Z"),
            3,
        )
        .unwrap();
        assert!(skip.is_empty());
        assert_eq!(keys(&run), ["2026-12-02T03:30"]);
        // 03:29 local: yesterday's
        let (_, run) = due_periods(
            "30 3 * * *",
            &shanghai(),
            None,
            at("2026-12-01T19:29:00Z"),
            3,
        )
        .unwrap();
        assert_eq!(keys(&run), ["2026-12-01T03:30"]);
    }

    #[test]
    fn missed_periods_catch_up_once_each_up_to_the_cap() {
        let zone = shanghai();
        let last = Period::parse("2026-11-25T03:30", &zone).unwrap();
        let last_ms = last.at.timestamp().as_millisecond();
        // down from the 25th to the 2nd at 05:00: 26th … 2nd are 7 periods
        let (skip, run) = due_periods(
            "30 3 * * *",
            &zone,
            Some(last_ms),
            at("2026-12-01T21:00:00Z"),
            3,
        )
        .unwrap();
        assert_eq!(
            keys(&skip),
            [
                "2026-11-26T03:30",
                "2026-11-27T03:30",
                "2026-11-28T03:30",
                "2026-11-29T03:30"
            ]
        );
        assert_eq!(
            keys(&run),
            ["2026-11-30T03:30", "2026-12-01T03:30", "2026-12-02T03:30"]
        );
        // nothing new due: nothing to do
        let today = Period::parse("2026-12-02T03:30", &zone).unwrap();
        let (skip, run) = due_periods(
            "30 3 * * *",
            &zone,
            Some(today.at.timestamp().as_millisecond()),
            at("2026-12-01T21:00:00Z"),
            3,
        )
        .unwrap();
        assert!(skip.is_empty() && run.is_empty());
    }

    #[test]
    fn periods_follow_the_local_calendar_across_daylight_saving() {
        // New York springs forward on 2026-03-08: 02:30 does not exist that day
        let zone = TimeZone::get("America/New_York").unwrap();
        let last = Period::parse("2026-03-06T02:30", &zone).unwrap();
        let (_, run) = due_periods(
            "30 2 * * *",
            &zone,
            Some(last.at.timestamp().as_millisecond()),
            at("2026-03-10T12:00:00Z"),
            10,
        )
        .unwrap();
        let local: Vec<String> = run
            .iter()
            .map(|p| p.at.strftime("%m-%d %H:%M %z").to_string())
            .collect();
        assert_eq!(local[0], "03-07 02:30 -0500");
        assert_eq!(local.last().unwrap(), "03-10 02:30 -0400");
        assert_eq!(run.len(), 4, "{local:?}");
    }

    #[test]
    fn periods_are_read_as_local_times() {
        let period = Period::parse("2026-12-01", &shanghai()).unwrap();
        assert_eq!(period.key, "2026-12-01T00:00");
        assert_eq!(period.at.timestamp(), at("2026-11-30T16:00:00Z"));
        assert!(Period::parse("yesterday", &shanghai()).is_err());
    }

    #[test]
    fn every_job_has_a_unique_name_and_a_valid_schedule() {
        for job in Job::ALL {
            assert_eq!(Job::parse(job.name()), Some(job));
            if let Schedule::Cron { pattern, .. } = job.schedule() {
                assert!(Cron::from_str(pattern).is_ok(), "{pattern}");
            }
        }
        assert_eq!(Job::parse("nope"), None);
    }
}
