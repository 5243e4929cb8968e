//! The administration pages: `/admin/users` (administrators: every user with their role, teams
//! and status, and the forms to create, change, reset and disable) and `/account` (everyone:
//! their own password and API tokens). The pages call the API of `admin.rs`.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use servq_core::{Permission, Role};

use crate::{
    AppState, Problem,
    admin::{UserSummary, user_summaries, visible_tokens},
    auth::CurrentUser,
    desk_pages::local_time,
    i18n::t,
    pages::{Text, render, signed_in_header},
    query_params::path_segment,
};

/// `/admin/users` (`admin_users.html`).
#[derive(askama::Template)]
#[template(path = "admin_users.html")]
struct UsersPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    users: Vec<UserRow>,
    roles: Vec<&'static str>,
    /// The teams of the roster, for the team fields' suggestions.
    teams: Vec<String>,
}

struct UserRow {
    summary: UserSummary,
    /// The name as a path segment.
    path: String,
    /// The teams, comma-separated, as the field shows them.
    teams: String,
    /// The user reading the page (they cannot disable themselves here).
    me: bool,
}

/// `/admin/users`.
pub(crate) async fn users_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageUsers)?;
    let locale = user.locale;
    let teams = state
        .store
        .dimension_values(servq_store::Dimension::Team)
        .await
        .map_err(Problem::internal)?;
    let users = user_summaries(&state)
        .await?
        .into_iter()
        .map(|summary| UserRow {
            path: path_segment(&summary.username),
            teams: summary.teams.join(", "),
            me: summary.username == user.user.username,
            summary,
        })
        .collect();
    let page = UsersPage {
        i18n: Text::new(locale),
        title: t(locale, "admin.users_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        users,
        roles: Role::ALL.iter().map(|role| role.name()).collect(),
        teams,
    };
    Ok(render(&page)?.into_response())
}

/// `/account` (`account.html`).
#[derive(askama::Template)]
#[template(path = "account.html")]
struct AccountPage {
    i18n: Text,
    title: String,
    /// Two-factor sign-in is on.
    two_factor: bool,
    /// The centre requires it of this user's role.
    two_factor_required: bool,
    header: String,
    csrf: String,
    username: String,
    role_key: String,
    /// May make API tokens.
    tokens_allowed: bool,
    /// An administrator: the token list shows whose each is, and tokens may be made for others.
    admin: bool,
    tokens: Vec<TokenRow>,
    min_password: usize,
    default_days: i64,
    max_days: i64,
}

struct TokenRow {
    id: String,
    user: String,
    name: String,
    created: String,
    expires: String,
    read_only: bool,
    /// `live`, `expired` or `revoked`.
    state: &'static str,
}

/// `/account`.
pub(crate) async fn account_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let tokens_allowed = user.user.role.allows(Permission::UseApiTokens);
    let (_, zone) = state.centre_zone().await?;
    let now = crate::now_ms();
    let tokens = if tokens_allowed {
        visible_tokens(&state, &user, None)
            .await?
            .into_iter()
            .map(|token| TokenRow {
                state: if token.revoked_ms.is_some() {
                    "revoked"
                } else if token.expires_ms.is_some_and(|at| at <= now) {
                    "expired"
                } else {
                    "live"
                },
                id: token.token_id,
                user: token.username,
                name: token.name,
                created: local_time(&zone, Some(token.created_ms)),
                expires: token.expires_ms.map_or_else(
                    || t(locale, "account.never"),
                    |at| local_time(&zone, Some(at)),
                ),
                read_only: token.read_only,
            })
            .collect()
    } else {
        Vec::new()
    };
    let two_factor = state
        .store
        .two_factor(&user.user.user_id)
        .await
        .map_err(Problem::internal)?
        .enabled;
    let two_factor_required = servq_app::users::two_factor_required(&state.store, user.user.role)
        .await
        .map_err(Problem::internal)?;
    let page = AccountPage {
        i18n: Text::new(locale),
        title: t(locale, "account.title"),
        two_factor,
        two_factor_required,
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        username: user.user.username.clone(),
        role_key: format!("role.{}", user.user.role.name()),
        tokens_allowed,
        admin: user.user.role.allows(Permission::ManageUsers),
        tokens,
        min_password: servq_app::users::MIN_PASSWORD_CHARS,
        default_days: servq_app::users::TOKEN_DAYS_DEFAULT,
        max_days: servq_app::users::TOKEN_DAYS_MAX,
    };
    Ok(render(&page)?.into_response())
}

/// `/admin/settings` (`admin_settings.html`).
#[derive(askama::Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    settings: servq_app::centre::CentreSettings,
    /// Every role, with whether it must use two-factor sign-in.
    roles: Vec<(&'static str, bool)>,
    /// The scheduled jobs: (name, label, pattern in effect, default pattern, changed, last run)
    schedules: Vec<(&'static str, String, String, &'static str, bool, String)>,
    /// The nightly backup in words (its folder and retention, or how to turn it on).
    nightly_backup: String,
}

/// `/admin/settings`: the centre's name, time zone and KPI thresholds.
pub(crate) async fn settings_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageSettings)?;
    let locale = user.locale;
    let settings = servq_app::centre::settings(&state.store)
        .await
        .map_err(Problem::internal)?;
    let mut schedules = Vec::new();
    for schedule in servq_app::jobs::schedules(&state.store)
        .await
        .map_err(Problem::internal)?
    {
        let servq_app::jobs::Schedule::Cron { pattern, .. } = schedule.default else {
            continue;
        };
        let name = schedule.job.name();
        let last = state
            .store
            .job_runs(name, 1)
            .await
            .map_err(Problem::internal)?
            .first()
            .map_or("—".to_owned(), |run| {
                format!(
                    "{} · {}",
                    run.period,
                    t(locale, &format!("jobs.status_{}", run.status.name()))
                )
            });
        schedules.push((
            name,
            t(locale, &format!("jobs.name_{}", name.replace('-', "_"))),
            schedule.pattern.clone().unwrap_or_default(),
            pattern,
            schedule.changed,
            last,
        ));
    }
    let nightly_backup = match &state.backup_plan {
        Some(plan) => t(locale, "settings.backup_nightly_on")
            .replace("{dir}", &plan.dir.display().to_string())
            .replace("{daily}", &plan.keep_daily.to_string())
            .replace("{weekly}", &plan.keep_weekly.to_string()),
        None => t(locale, "settings.backup_nightly_off"),
    };
    let page = SettingsPage {
        i18n: Text::new(locale),
        title: t(locale, "settings.title"),
        schedules,
        nightly_backup,
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        roles: servq_core::Role::ALL
            .iter()
            .map(|role| (role.name(), settings.two_factor_roles.contains(role)))
            .collect(),
        settings,
    };
    Ok(render(&page)?.into_response())
}

/// `/admin/roster` (`admin_roster.html`).
#[derive(askama::Template)]
#[template(path = "admin_roster.html")]
struct RosterPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// (path segment, agent) by team in counting order, then id.
    agents: Vec<(String, servq_store::AgentRecord)>,
    teams: Vec<String>,
}

/// `/admin/roster`: every agent with name and team, edited in place, and a new one added.
pub(crate) async fn roster_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ImportData)?;
    let locale = user.locale;
    let mut agents = state.store.agents().await.map_err(Problem::internal)?;
    agents.sort_by(|a, b| {
        crate::pages::natural_key(&a.team)
            .cmp(&crate::pages::natural_key(&b.team))
            .then_with(|| {
                crate::pages::natural_key(&a.agent_id).cmp(&crate::pages::natural_key(&b.agent_id))
            })
    });
    let mut teams: Vec<String> = agents
        .iter()
        .map(|a| a.team.clone())
        .filter(|t| !t.is_empty())
        .collect();
    teams.sort_by_key(|team| crate::pages::natural_key(team));
    teams.dedup();
    let page = RosterPage {
        i18n: Text::new(locale),
        title: t(locale, "roster.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        agents: agents
            .into_iter()
            .map(|agent| (path_segment(&agent.agent_id), agent))
            .collect(),
        teams,
    };
    Ok(render(&page)?.into_response())
}
