//! The centre's settings as one form: its name (shown to customers), its time zone (days,
//! weeks and months are cut at its midnights) and the KPI thresholds (short abandon, service
//! level, FCR window). One checked path for the web page, the API and `servq config`; every
//! change is audited, and a changed zone or threshold rebuilds what depends on it.

use servq_kpi::KpiSettings;
use servq_store::{Actor, Store};

use crate::{desk, now_ms};

/// The centre's settings as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct CentreSettings {
    /// Shown at the top of the customers' pages; empty for none.
    pub name: String,
    /// IANA zone.
    pub time_zone: String,
    /// Abandons with a wait below this many seconds are short abandons (not counted).
    pub short_abandon_seconds: f64,
    /// Answered within this many seconds counts towards the service level.
    pub service_level_seconds: f64,
    /// A repeat on the same issue within this many hours breaks first-contact resolution.
    pub fcr_window_hours: f64,
    /// Supervisors with supervised teams see the KPIs and contacts of those teams only.
    pub supervisors_see_own_teams: bool,
    /// The roles that must sign in with a second factor (TOTP).
    pub two_factor_roles: Vec<servq_core::Role>,
    /// Knowledge-base changes need an approver before agents see them.
    pub kb_approval_required: bool,
}

/// A change; `None` leaves a setting as it is.
#[derive(Debug, Clone, Default)]
pub struct CentreUpdate {
    /// The centre's name.
    pub name: Option<String>,
    /// An IANA zone name.
    pub time_zone: Option<String>,
    /// Seconds, 0 to 600.
    pub short_abandon_seconds: Option<f64>,
    /// Seconds, 1 to 3 600.
    pub service_level_seconds: Option<f64>,
    /// Hours, 1 to 720 (30 days).
    pub fcr_window_hours: Option<f64>,
    /// Supervisors see only their teams.
    pub supervisors_see_own_teams: Option<bool>,
    /// Role names that must use two-factor sign-in.
    pub two_factor_roles: Option<Vec<String>>,
    /// Knowledge-base changes need an approver.
    pub kb_approval_required: Option<bool>,
}

/// Settings key of the supervisors' scope (`own_teams` or `all`).
pub const SUPERVISOR_SCOPE_KEY: &str = "access.supervisor_scope";

/// Whether supervisors with supervised teams see only those teams.
pub async fn supervisors_see_own_teams(store: &Store) -> anyhow::Result<bool> {
    Ok(store.text_setting(SUPERVISOR_SCOPE_KEY).await?.as_deref() == Some("own_teams"))
}

/// Why a change was refused: every problem, with the setting it concerns.
#[derive(Debug, thiserror::Error)]
pub enum CentreRefused {
    /// The values given are wrong: (setting, reason) for each.
    #[error("{}", .0.iter().map(|(field, reason)| format!("{field}: {reason}")).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<(&'static str, String)>),
    /// The store failed.
    #[error(transparent)]
    Failed(#[from] anyhow::Error),
}

/// The settings now.
pub async fn settings(store: &Store) -> anyhow::Result<CentreSettings> {
    let kpi = store.kpi_settings().await?;
    Ok(CentreSettings {
        name: desk::centre_name(store).await?.unwrap_or_default(),
        time_zone: store.centre_zone().await?,
        short_abandon_seconds: kpi.short_abandon_ms as f64 / 1000.0,
        service_level_seconds: kpi.service_level_ms as f64 / 1000.0,
        fcr_window_hours: kpi.fcr_window_ms as f64 / 3_600_000.0,
        supervisors_see_own_teams: supervisors_see_own_teams(store).await?,
        two_factor_roles: crate::users::two_factor_roles(store).await?,
        kb_approval_required: crate::kb::approval_required(store).await?,
    })
}

/// A number in `range` as whole milliseconds (`unit_ms` per unit), or the problem.
fn bounded(
    problems: &mut Vec<(&'static str, String)>,
    field: &'static str,
    value: f64,
    range: std::ops::RangeInclusive<f64>,
    unit_ms: f64,
) -> i64 {
    if !(value.is_finite() && range.contains(&value)) {
        problems.push((
            field,
            format!("must be a number from {} to {}", range.start(), range.end()),
        ));
    }
    (value * unit_ms).round() as i64
}

/// Checks every value first (nothing is stored when one is wrong), then stores what changed:
/// the name, the zone (rebuilding the day summaries at its midnights), the thresholds
/// (rebuilding the rollups). Audited as `actor`.
pub async fn save(
    store: &Store,
    update: &CentreUpdate,
    actor: &Actor,
) -> Result<CentreSettings, CentreRefused> {
    let current = store.kpi_settings().await.map_err(anyhow::Error::from)?;
    let mut problems = Vec::new();
    let zone = match update.time_zone.as_deref().map(str::trim) {
        None => None,
        Some(name) => match servq_core::parse_zone(name) {
            Ok(zone) => Some(zone.iana_name().unwrap_or(name).to_owned()),
            Err(_) => {
                problems.push((
                    "time_zone",
                    format!("'{name}' is not a time zone like Asia/Shanghai"),
                ));
                None
            }
        },
    };
    let kpi = KpiSettings {
        short_abandon_ms: update
            .short_abandon_seconds
            .map_or(current.short_abandon_ms, |v| {
                bounded(
                    &mut problems,
                    "short_abandon_seconds",
                    v,
                    0.0..=600.0,
                    1000.0,
                )
            }),
        service_level_ms: update
            .service_level_seconds
            .map_or(current.service_level_ms, |v| {
                bounded(
                    &mut problems,
                    "service_level_seconds",
                    v,
                    1.0..=3600.0,
                    1000.0,
                )
            }),
        fcr_window_ms: update.fcr_window_hours.map_or(current.fcr_window_ms, |v| {
            bounded(
                &mut problems,
                "fcr_window_hours",
                v,
                1.0..=720.0,
                3_600_000.0,
            )
        }),
    };
    if let Some(name) = &update.name {
        let name = name.trim();
        if name.chars().count() > desk::MAX_CENTRE_NAME_CHARS || name.chars().any(char::is_control)
        {
            problems.push((
                "name",
                format!(
                    "at most {} characters, no control characters",
                    desk::MAX_CENTRE_NAME_CHARS
                ),
            ));
        }
    }
    let two_factor_roles = match &update.two_factor_roles {
        None => None,
        Some(names) => {
            let mut roles = Vec::new();
            for name in names {
                match name.trim().parse::<servq_core::Role>() {
                    Ok(role) if !roles.contains(&role) => roles.push(role),
                    Ok(_) => {}
                    Err(_) => {
                        problems.push(("two_factor_roles", format!("'{name}' is not a role")))
                    }
                }
            }
            Some(roles)
        }
    };
    if !problems.is_empty() {
        return Err(CentreRefused::Invalid(problems));
    }
    let before = settings(store).await?;
    if let Some(roles) = &two_factor_roles
        && *roles != before.two_factor_roles
    {
        let names: Vec<&str> = roles.iter().map(|role| role.name()).collect();
        store
            .set_text_setting(
                crate::users::TWO_FACTOR_ROLES_KEY,
                &names.join(","),
                actor,
                now_ms(),
            )
            .await
            .map_err(anyhow::Error::from)?;
    }
    if let Some(name) = &update.name
        && name.trim() != before.name
    {
        store
            .set_text_setting(desk::CENTRE_NAME_KEY, name.trim(), actor, now_ms())
            .await
            .map_err(anyhow::Error::from)?;
    }
    if let Some(own) = update.supervisors_see_own_teams
        && own != before.supervisors_see_own_teams
    {
        store
            .set_text_setting(
                SUPERVISOR_SCOPE_KEY,
                if own { "own_teams" } else { "all" },
                actor,
                now_ms(),
            )
            .await
            .map_err(anyhow::Error::from)?;
    }
    if let Some(required) = update.kb_approval_required
        && required != before.kb_approval_required
    {
        store
            .set_text_setting(
                crate::kb::APPROVAL_KEY,
                if required { "required" } else { "off" },
                actor,
                now_ms(),
            )
            .await
            .map_err(anyhow::Error::from)?;
    }
    if let Some(zone) = &zone
        && *zone != before.time_zone
    {
        store
            .set_centre_zone(zone)
            .await
            .map_err(anyhow::Error::from)?;
        audit(store, actor, "time_zone", &before.time_zone, zone).await?;
    }
    if kpi != current {
        store
            .set_kpi_settings(&kpi)
            .await
            .map_err(anyhow::Error::from)?;
        audit(
            store,
            actor,
            "kpi",
            &format!("{current:?}"),
            &format!("{kpi:?}"),
        )
        .await?;
    }
    Ok(settings(store).await?)
}

async fn audit(
    store: &Store,
    actor: &Actor,
    what: &str,
    from: &str,
    to: &str,
) -> anyhow::Result<()> {
    store
        .audit(
            actor,
            now_ms(),
            "update",
            "setting",
            what,
            &serde_json::json!({"from": from, "to": to}).to_string(),
        )
        .await?;
    Ok(())
}
