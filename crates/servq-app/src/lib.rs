//! servq's use cases: what a person or a schedule asks the system to do, called alike by the
//! web app (`servq-server`), the command line (`servq-cli`) and the background jobs. A use
//! case loads the settings it needs as typed values, applies the rules of the pure crates and
//! stores the result through `servq-store`; it knows nothing of HTTP or terminals.
//!
//! - [`desk`]: the desk's settings, tickets, their clocks and the escalation pass;
//!   [`desk_import`]: tickets from another help desk's files.
//! - [`imports`]: importing a file of any kind (tables, tickets, transcripts).
//! - [`surveys`]: the standard template and survey dispatch.
//! - [`outbox`]: delivery of e-mails and webhooks written by other use cases.
//! - [`report`]: KPI tables as JSON, CSV, text or XLSX.
//! - [`users`]: users, passwords and tokens.
//! - [`staffing`]: interval history from the store for the forecast.
//! - [`jobs`]: the background loops and scheduled jobs `servq serve` starts.
//! - [`i18n`]: the text catalogue (zh-CN, zh-TW, en) for pages and for what the app writes.

pub mod analysis;
pub mod backup;
pub mod briefing;
pub mod centre;
pub mod coaching;
pub mod coaching_plan;
pub mod customers;
pub mod desk;
pub mod desk_import;
pub mod effectiveness;
pub mod email;
pub mod evaluation;
pub mod goals;
pub mod i18n;
pub mod imports;
pub mod jobs;
pub mod kb;
pub mod ledgers;
pub mod monthly_report;
pub mod notifications;
pub mod outbox;
pub mod privacy;
pub mod problems;
pub mod ratings;
pub mod replies;
pub mod report;
pub mod review;
pub mod risks;
pub mod roster;
pub mod staffing;
pub mod surveys;
pub mod targets;
pub mod tasks;
pub mod training;
pub mod users;
pub mod watch;

use servq_store::Actor;

/// Milliseconds since the epoch, now.
pub fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Why a setting or request was not accepted (a target, the evaluation model, a coaching
/// session, a period to grade): every problem with its field, or a failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum SettingError {
    /// The request is wrong: every problem with its field.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Refused(Vec<servq_core::SettingProblem>),
    /// The store failed, or a stored value no longer reads.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

impl From<servq_store::StoreError> for SettingError {
    fn from(error: servq_store::StoreError) -> Self {
        SettingError::Failed(error.into())
    }
}

/// The centre's zone, by name and parsed.
pub async fn centre_zone(
    store: &servq_store::Store,
) -> anyhow::Result<(String, jiff::tz::TimeZone)> {
    use anyhow::Context;
    let zone_name = store.centre_zone().await?;
    let zone = jiff::tz::TimeZone::get(&zone_name)
        .with_context(|| format!("centre time zone {zone_name}"))?;
    Ok((zone_name, zone))
}

/// The start of `day` in `zone` (its local midnight), UTC ms.
pub fn day_start_ms(zone: &jiff::tz::TimeZone, day: jiff::civil::Date) -> anyhow::Result<i64> {
    Ok(day.to_zoned(zone.clone())?.timestamp().as_millisecond())
}

/// An instant (UTC epoch ms) as RFC 3339 with `zone`'s offset, `2026-11-02T09:00:05+08:00` (a
/// contact's time in the centre's zone).
pub fn rfc3339_in(ms: i64, zone: &jiff::tz::TimeZone) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned(zone.clone())
                .strftime("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        })
        .unwrap_or_default()
}

/// An instant (UTC epoch ms) as RFC 3339 in UTC, as the API and messages write times.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

/// The actor of what the system does by itself (scheduled jobs, first-use defaults).
pub fn system_actor() -> Actor {
    Actor {
        user_id: None,
        name: "system".to_owned(),
    }
}

/// The actor of what the command line does.
pub fn cli_actor() -> Actor {
    Actor {
        user_id: None,
        name: "cli".to_owned(),
    }
}

/// `text` as one URL path segment: every byte but the unreserved ones percent-encoded.
pub fn path_segment(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
