//! Server-rendered pages: sign-in, first-run set-up, the KPI dashboard, the language switch.

use std::net::SocketAddr;

use axum::{
    Form,
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{Html, IntoResponse, Redirect, Response},
};
use jiff::{Span, tz::TimeZone};
use serde::Deserialize;
use servq_core::{Permission, Role};
use servq_kpi::{MetricValue, Unit};
use servq_store::{Actor, Dimension, GroupField, KpiGroup, KpiQuery, NewUser};

use crate::{
    AppState, Problem,
    auth::{self, Credential, CurrentUser},
    i18n::{Locale, t},
    now_ms,
};

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,'PingFang SC','Microsoft YaHei',sans-serif;margin:0;background:#f5f6f8;color:#1d2330}\
header{display:flex;gap:1rem;align-items:center;padding:.6rem 1.2rem;background:#1d3557;color:#fff}\
header a,header button{color:#fff}header .spacer{flex:1}main{padding:1.2rem;max-width:72rem;margin:auto}\
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(11rem,1fr));gap:.8rem}\
.tile{background:#fff;border-radius:.5rem;padding:.8rem;box-shadow:0 1px 2px #0002}\
.tile .value{font-size:1.6rem;font-weight:600}.tile .change{font-size:.85rem;color:#555}\
table{border-collapse:collapse;background:#fff;width:100%;margin-top:1rem}td,th{padding:.35rem .6rem;border-bottom:1px solid #e3e6ea;text-align:right}\
td:first-child,th:first-child{text-align:left}form.card{background:#fff;max-width:24rem;margin:3rem auto;padding:1.5rem;border-radius:.5rem}\
form.card label{display:block;margin:.6rem 0 .2rem}form.card input{width:100%;padding:.4rem;box-sizing:border-box}\
.error{color:#b00020}tr.bottom td{background:#fde8e8}";

fn page(locale: Locale, title: &str, header: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} · servq</title><style>{STYLE}</style></head>\
         <body>{header}<main>{body}</main></body></html>",
        lang = locale.tag(),
        title = escape(title),
    ))
}

fn signed_in_header(user: &CurrentUser) -> String {
    let locale = user.locale;
    let csrf = match &user.credential {
        Credential::Session { csrf } => csrf.clone(),
        Credential::ApiToken => String::new(),
    };
    let options: String = Locale::ALL
        .iter()
        .map(|l| {
            format!(
                "<option value=\"{tag}\"{selected}>{name}</option>",
                tag = l.tag(),
                selected = if *l == locale { " selected" } else { "" },
                name = match l {
                    Locale::En => "English",
                    Locale::ZhCn => "简体中文",
                    Locale::ZhTw => "繁體中文",
                }
            )
        })
        .collect();
    format!(
        "<header><strong>servq</strong><a href=\"/\">{dashboard}</a><span class=\"spacer\"></span>\
         <form method=\"post\" action=\"/language\" id=\"language-form\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <label>{language} <select name=\"locale\" id=\"language\" onchange=\"this.form.submit()\">{options}</select></label></form>\
         <span>{signed_in_as} <b id=\"username\">{username}</b> ({role})</span>\
         <form method=\"post\" action=\"/logout\"><input type=\"hidden\" name=\"csrf\" value=\"{csrf}\">\
         <button type=\"submit\" id=\"sign-out\">{sign_out}</button></form></header>",
        dashboard = escape(&t(locale, "nav.dashboard")),
        language = escape(&t(locale, "app.language")),
        signed_in_as = escape(&t(locale, "nav.signed_in_as")),
        username = escape(&user.user.username),
        role = escape(&t(locale, &format!("role.{}", user.user.role.name()))),
        sign_out = escape(&t(locale, "nav.sign_out")),
        csrf = escape(&csrf),
    )
}

#[derive(Deserialize)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

fn login_page(locale: Locale, error: Option<&str>) -> Html<String> {
    let error = error
        .map(|key| {
            format!(
                "<p class=\"error\" id=\"login-error\">{}</p>",
                escape(&t(locale, key))
            )
        })
        .unwrap_or_default();
    page(
        locale,
        &t(locale, "login.title"),
        "",
        &format!(
            "<form class=\"card\" method=\"post\" action=\"/login\"><h1>{title}</h1>{error}\
             <label for=\"username\">{username}</label><input id=\"username\" name=\"username\" autocomplete=\"username\" required>\
             <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\
             <p><button type=\"submit\" id=\"sign-in\">{submit}</button></p></form>",
            title = escape(&t(locale, "login.title")),
            username = escape(&t(locale, "login.username")),
            password = escape(&t(locale, "login.password")),
            submit = escape(&t(locale, "login.submit")),
        ),
    )
}

pub(crate) async fn login_form(headers: HeaderMap, Query(query): Query<LangQuery>) -> Html<String> {
    let locale = query
        .lang
        .as_deref()
        .and_then(Locale::parse)
        .unwrap_or_else(|| auth::browser_locale(&headers));
    login_page(locale, None)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    username: String,
    password: String,
}

pub(crate) async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, Problem> {
    let locale = auth::browser_locale(&headers);
    let username = form.username.trim();
    let key = format!("{}|{}", username.to_lowercase(), peer.ip());
    let now = now_ms();
    let failures = state
        .store
        .login_failures_since(&key, now - auth::THROTTLE_WINDOW_MS)
        .await
        .map_err(Problem::internal)?;
    if failures >= auth::MAX_FAILURES {
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            login_page(locale, Some("login.throttled")),
        )
            .into_response());
    }
    let user = state
        .store
        .user_by_username(username)
        .await
        .map_err(Problem::internal)?;
    let Some(user) =
        user.filter(|u| !u.disabled && auth::verify_password(&form.password, &u.password_hash))
    else {
        state
            .store
            .record_login_failure(&key, now)
            .await
            .map_err(Problem::internal)?;
        return Ok((
            StatusCode::UNAUTHORIZED,
            login_page(locale, Some("login.failed")),
        )
            .into_response());
    };
    state
        .store
        .clear_login_failures(&key)
        .await
        .map_err(Problem::internal)?;
    let token = auth::new_token();
    let csrf = auth::new_token();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            &user.user_id,
            &csrf,
            now,
            now + auth::SESSION_MS,
        )
        .await
        .map_err(Problem::internal)?;
    let actor = Actor {
        user_id: Some(user.user_id.clone()),
        name: user.username.clone(),
    };
    state
        .store
        .audit(
            &actor,
            now,
            "sign_in",
            "session",
            &user.user_id,
            &format!("{{\"address\":\"{}\"}}", peer.ip()),
        )
        .await
        .map_err(Problem::internal)?;
    Ok((
        [(
            header::SET_COOKIE,
            auth::session_cookie(&token, state.secure_cookies),
        )],
        Redirect::to("/"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

pub(crate) async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Result<Response, Problem> {
    user.check_csrf(Some(&form.csrf))?;
    if let Some(token) = auth::cookie(&headers, auth::SESSION_COOKIE) {
        state
            .store
            .delete_session(&auth::token_hash(&token))
            .await
            .map_err(Problem::internal)?;
    }
    Ok((
        [(
            header::SET_COOKIE,
            auth::clear_session_cookie(state.secure_cookies),
        )],
        Redirect::to("/login"),
    )
        .into_response())
}

#[derive(Deserialize)]
pub(crate) struct LanguageForm {
    csrf: String,
    locale: String,
}

pub(crate) async fn language(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<LanguageForm>,
) -> Result<Response, Problem> {
    user.check_csrf(Some(&form.csrf))?;
    let locale = Locale::parse(&form.locale).ok_or_else(|| {
        Problem::bad_request(
            user.locale,
            "unknown_locale",
            format!("'{}' is not en, zh-CN or zh-TW", form.locale),
        )
    })?;
    state
        .store
        .set_user_locale(&user.user.user_id, locale.tag())
        .await
        .map_err(Problem::internal)?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
pub(crate) struct SetupQuery {
    token: Option<String>,
}

fn setup_page(locale: Locale, token: &str, error: Option<&str>) -> Html<String> {
    let error = error
        .map(|key| format!("<p class=\"error\">{}</p>", escape(&t(locale, key))))
        .unwrap_or_default();
    page(
        locale,
        &t(locale, "setup.title"),
        "",
        &format!(
            "<form class=\"card\" method=\"post\" action=\"/setup\"><h1>{title}</h1><p>{intro}</p>{error}\
             <input type=\"hidden\" name=\"token\" value=\"{token}\">\
             <label for=\"username\">{username}</label><input id=\"username\" name=\"username\" required>\
             <label for=\"password\">{password}</label><input id=\"password\" name=\"password\" type=\"password\" minlength=\"10\" required>\
             <p><button type=\"submit\">{submit}</button></p></form>",
            title = escape(&t(locale, "setup.title")),
            intro = escape(&t(locale, "setup.intro")),
            token = escape(token),
            username = escape(&t(locale, "login.username")),
            password = escape(&t(locale, "login.password")),
            submit = escape(&t(locale, "setup.submit")),
        ),
    )
}

pub(crate) async fn setup_form(
    headers: HeaderMap,
    Query(query): Query<SetupQuery>,
) -> Html<String> {
    setup_page(
        auth::browser_locale(&headers),
        query.token.as_deref().unwrap_or(""),
        None,
    )
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    token: String,
    username: String,
    password: String,
}

pub(crate) async fn setup(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, Problem> {
    let locale = auth::browser_locale(&headers);
    if form.password.chars().count() < auth::MIN_PASSWORD_CHARS || form.username.trim().is_empty() {
        return Ok((
            StatusCode::BAD_REQUEST,
            setup_page(locale, &form.token, Some("setup.weak_password")),
        )
            .into_response());
    }
    let now = now_ms();
    let has_users = state.store.user_count().await.map_err(Problem::internal)? > 0;
    if has_users
        || !state
            .store
            .take_setup_token(&auth::token_hash(&form.token), now)
            .await
            .map_err(Problem::internal)?
    {
        return Ok((
            StatusCode::FORBIDDEN,
            setup_page(locale, "", Some("setup.invalid_link")),
        )
            .into_response());
    }
    let hash = auth::hash_password(&form.password).map_err(Problem::internal)?;
    state
        .store
        .create_user(
            &NewUser {
                user_id: auth::new_token()[..24].to_owned(),
                username: form.username.trim().to_owned(),
                password_hash: hash,
                role: Role::Admin,
                agent_id: None,
            },
            &Actor {
                user_id: None,
                name: "setup link".to_owned(),
            },
            now,
        )
        .await
        .map_err(Problem::internal)?;
    Ok(Redirect::to("/login").into_response())
}

/// ECharts, pinned in web/package.json and embedded; the version in the path lets browsers
/// cache it for good.
pub(crate) const ECHARTS_PATH: &str = "/assets/echarts-6.1.0.min.js";

pub(crate) async fn echarts() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        include_str!("../assets/echarts.min.js"),
    )
        .into_response()
}

/// The trend chart: offered contacts per day (bars) with service level and answer rate (lines)
/// over the last 28 days, data inline, drawn by ECharts.
fn trend_chart(locale: Locale, days: &[KpiGroup]) -> String {
    let labels: Vec<&str> = days
        .iter()
        .map(|g| g.key[0].as_deref().unwrap_or(""))
        .collect();
    let series =
        |name: &str| -> Vec<Option<f64>> { days.iter().map(|g| metric_number(g, name)).collect() };
    let data = serde_json::json!({
        "days": labels,
        "offered": series("offered"),
        "service_level": series("service_level"),
        "answer_rate": series("answer_rate"),
        "names": {
            "offered": t(locale, "kpi.offered"),
            "service_level": t(locale, "kpi.service_level"),
            "answer_rate": t(locale, "kpi.answer_rate"),
        },
    });
    // `</` cannot appear inside the JSON script element
    let data = data.to_string().replace("</", "<\\/");
    format!(
        "<h2>{title}</h2><div id=\"trend\" style=\"height:320px;background:#fff;border-radius:.5rem\"></div>\
         <script type=\"application/json\" id=\"trend-data\">{data}</script>\
         <script src=\"{ECHARTS_PATH}\"></script>\
         <script>(function(){{var d=JSON.parse(document.getElementById('trend-data').textContent);\
         var c=echarts.init(document.getElementById('trend'));\
         c.setOption({{tooltip:{{trigger:'axis'}},legend:{{}},xAxis:{{type:'category',data:d.days}},\
         yAxis:[{{type:'value',name:d.names.offered}},{{type:'value',min:0,max:1,axisLabel:{{formatter:function(v){{return Math.round(v*100)+'%'}}}}}}],\
         series:[{{name:d.names.offered,type:'bar',data:d.offered,itemStyle:{{color:'#a8c5e8'}}}},\
         {{name:d.names.service_level,type:'line',yAxisIndex:1,data:d.service_level}},\
         {{name:d.names.answer_rate,type:'line',yAxisIndex:1,data:d.answer_rate}}]}});\
         window.servqTrend=c;window.addEventListener('resize',function(){{c.resize()}});}})();</script>",
        title = escape(&t(locale, "dashboard.trend")),
    )
}

/// Headline tiles of the dashboard, in order.
const TILES: &[&str] = &[
    "offered",
    "answer_rate",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "fcr_rate",
    "occupancy",
    "transfer_rate",
];

fn metric_number(group: &KpiGroup, name: &str) -> Option<f64> {
    let metric = servq_kpi::metric(name)?;
    match (metric.compute)(&group.contacts, group.states.as_ref()) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

fn show(name: &str, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "—".to_owned();
    };
    match servq_kpi::metric(name).map(|m| m.unit) {
        Some(Unit::Ratio) => format!("{:.1}%", value * 100.0),
        Some(Unit::Count) => format!("{value:.0}"),
        _ => format!("{value:.1}"),
    }
}

/// The KPI query of the dashboard for a user: agents are restricted to their own contacts.
pub(crate) fn restrict(user: &CurrentUser, query: &mut KpiQuery) -> Result<(), Problem> {
    if user.user.role.allows(Permission::ViewAllKpis) {
        return Ok(());
    }
    user.require(Permission::ViewOwnKpis)?;
    let agent = user
        .user
        .agent_id
        .clone()
        .ok_or_else(|| Problem::forbidden(user.locale))?;
    query
        .filters
        .retain(|(dimension, _)| *dimension != Dimension::Agent);
    query.filters.push((Dimension::Agent, vec![agent]));
    Ok(())
}

#[derive(Deserialize)]
pub(crate) struct DashboardQuery {
    /// Metric the agent ranking is sorted by.
    sort: Option<String>,
    /// asc or desc.
    dir: Option<String>,
}

/// Metrics where a smaller value is better (the ranking's bottom is then the largest).
const LOWER_IS_BETTER: &[&str] = &[
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "transfer_rate",
];

/// Columns of the agent ranking.
const RANKING: &[&str] = &[
    "offered",
    "answer_rate",
    "service_level",
    "asa_seconds",
    "aht_seconds",
    "fcr_rate",
    "occupancy",
];

/// The agent ranking: sortable by any column (links), the bottom tenth by the sort metric (at
/// least one agent once there are five) highlighted.
fn ranking_table(locale: Locale, groups: &[KpiGroup], sort: &str, descending: bool) -> String {
    let mut rows: Vec<(&KpiGroup, Option<f64>)> =
        groups.iter().map(|g| (g, metric_number(g, sort))).collect();
    rows.sort_by(|a, b| {
        let order =
            a.1.unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.1.unwrap_or(f64::NEG_INFINITY));
        if descending { order.reverse() } else { order }
    });
    // worst first by the metric's own direction, whatever the display order
    let mut worst: Vec<(usize, f64)> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, (_, v))| v.map(|v| (i, v)))
        .collect();
    worst.sort_by(|a, b| {
        let order = a.1.total_cmp(&b.1);
        if LOWER_IS_BETTER.contains(&sort) {
            order.reverse()
        } else {
            order
        }
    });
    let flagged = if worst.len() >= 5 {
        (worst.len() / 10).max(1)
    } else {
        0
    };
    let bottom: Vec<usize> = worst.iter().take(flagged).map(|(i, _)| *i).collect();
    let mut html = format!(
        "<h2>{}</h2><p>{}</p><table id=\"agents\"><tr><th>{}</th>",
        escape(&t(locale, "dashboard.by_agent")),
        escape(&t(locale, "dashboard.bottom_note")),
        escape(&t(locale, "dashboard.agent")),
    );
    for name in RANKING {
        let next = if *name == sort && descending {
            "asc"
        } else {
            "desc"
        };
        html.push_str(&format!(
            "<th><a href=\"/?sort={name}&amp;dir={next}\">{}</a>{}</th>",
            escape(&t(locale, &format!("kpi.{name}"))),
            if *name == sort {
                if descending { " ▼" } else { " ▲" }
            } else {
                ""
            }
        ));
    }
    html.push_str("</tr>");
    for (index, (group, _)) in rows.iter().enumerate() {
        let class = if bottom.contains(&index) {
            " class=\"bottom\""
        } else {
            ""
        };
        html.push_str(&format!(
            "<tr{class}><td>{}</td>",
            escape(group.key[0].as_deref().unwrap_or("—"))
        ));
        for name in RANKING {
            html.push_str(&format!(
                "<td>{}</td>",
                show(name, metric_number(group, name))
            ));
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    html
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    Query(view): Query<DashboardQuery>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let locale = user.locale;
    let zone_name = state.store.centre_zone().await.map_err(Problem::internal)?;
    let zone = TimeZone::get(&zone_name).map_err(Problem::internal)?;
    let today = jiff::Timestamp::now().to_zoned(zone.clone()).date();
    let start = |days: i64| -> Result<i64, Problem> {
        let date = today
            .checked_sub(Span::new().days(days))
            .map_err(Problem::internal)?;
        Ok(date
            .to_zoned(zone.clone())
            .map_err(Problem::internal)?
            .timestamp()
            .as_millisecond())
    };
    let (current_from, previous_from, until) = (start(7)?, start(14)?, start(0)?);
    let total = |from: i64, to: i64, by: Vec<GroupField>| {
        let mut query = KpiQuery {
            group_by: by,
            from_ms: Some(from),
            to_ms: Some(to),
            zone: zone.clone(),
            filters: Vec::new(),
        };
        restrict(&user, &mut query).map(|_| query)
    };
    let current = state
        .store
        .kpi(&total(current_from, until, Vec::new())?)
        .await
        .map_err(Problem::internal)?;
    let previous = state
        .store
        .kpi(&total(previous_from, current_from, Vec::new())?)
        .await
        .map_err(Problem::internal)?;
    let mut body = format!(
        "<h1>{}</h1><p>{}</p>",
        escape(&t(locale, "dashboard.title")),
        escape(&t(locale, "dashboard.period"))
    );
    match current.first() {
        None => body.push_str(&format!(
            "<p id=\"no-data\">{}</p>",
            escape(&t(locale, "dashboard.no_data"))
        )),
        Some(now) => {
            body.push_str("<div class=\"tiles\">");
            for name in TILES {
                let value = metric_number(now, name);
                let before = previous.first().and_then(|g| metric_number(g, name));
                body.push_str(&format!(
                    "<div class=\"tile\" data-metric=\"{name}\"><div>{label}</div>\
                     <div class=\"value\" data-value=\"{raw}\">{shown}</div>\
                     <div class=\"change\">{previous_label}: {before}</div></div>",
                    label = escape(&t(locale, &format!("kpi.{name}"))),
                    raw = value.map_or(String::new(), |v| v.to_string()),
                    shown = show(name, value),
                    previous_label = escape(&t(locale, "dashboard.previous")),
                    before = show(name, before),
                ));
            }
            body.push_str("</div>");
            let by = if user.user.role.allows(Permission::ViewAllKpis) {
                GroupField::Dimension(Dimension::Queue)
            } else {
                GroupField::Dimension(Dimension::Agent)
            };
            let groups = state
                .store
                .kpi(&total(current_from, until, vec![by])?)
                .await
                .map_err(Problem::internal)?;
            let heading = if user.user.role.allows(Permission::ViewAllKpis) {
                "dashboard.by_queue"
            } else {
                "dashboard.own_records"
            };
            body.push_str(&format!(
                "<h2>{}</h2><table id=\"groups\"><tr><th></th>",
                escape(&t(locale, heading))
            ));
            for name in TILES {
                body.push_str(&format!(
                    "<th>{}</th>",
                    escape(&t(locale, &format!("kpi.{name}")))
                ));
            }
            body.push_str("</tr>");
            for group in &groups {
                body.push_str(&format!(
                    "<tr><td>{}</td>",
                    escape(group.key[0].as_deref().unwrap_or("—"))
                ));
                for name in TILES {
                    body.push_str(&format!(
                        "<td>{}</td>",
                        show(name, metric_number(group, name))
                    ));
                }
                body.push_str("</tr>");
            }
            body.push_str("</table>");
            let days = state
                .store
                .kpi(&total(
                    start(28)?,
                    until,
                    vec![GroupField::Time(servq_store::TimeGrain::Day)],
                )?)
                .await
                .map_err(Problem::internal)?;
            body.push_str(&trend_chart(locale, &days));
            if user.user.role.allows(Permission::ViewAllKpis) {
                let sort = view
                    .sort
                    .as_deref()
                    .filter(|name| RANKING.contains(name))
                    .unwrap_or("service_level");
                let descending = view.dir.as_deref() != Some("asc");
                let agents = state
                    .store
                    .kpi(&total(
                        current_from,
                        until,
                        vec![GroupField::Dimension(Dimension::Agent)],
                    )?)
                    .await
                    .map_err(Problem::internal)?;
                body.push_str(&ranking_table(locale, &agents, sort, descending));
            }
        }
    }
    Ok(page(
        locale,
        &t(locale, "dashboard.title"),
        &signed_in_header(&user),
        &body,
    )
    .into_response())
}

#[cfg(test)]
mod tests {
    use servq_kpi::ContactCounters;

    use super::*;

    fn agent(id: &str, within: i64) -> KpiGroup {
        KpiGroup {
            key: vec![Some(id.to_owned())],
            contacts: ContactCounters {
                offered: 100,
                answered: 100,
                answered_within_sl: within,
                ..ContactCounters::default()
            },
            states: None,
        }
    }

    #[test]
    fn ranking_sorts_and_flags_the_bottom_tenth() {
        let groups: Vec<KpiGroup> = (0..12)
            .map(|i| agent(&format!("a{i:02}"), 50 + i * 4))
            .collect();
        let html = ranking_table(Locale::En, &groups, "service_level", true);
        let order: Vec<usize> = (0..12)
            .map(|i| html.find(&format!(">a{i:02}<")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] > w[1]), "best (a11) first");
        // 12 agents → one flagged: the lowest service level, a00
        assert_eq!(html.matches("class=\"bottom\"").count(), 1);
        assert!(html.contains("<tr class=\"bottom\"><td>a00</td>"));
        // ascending on ASA, a lower-is-better measure: still the worst one is flagged
        let ascending = ranking_table(Locale::ZhCn, &groups, "offered", false);
        assert!(ascending.contains("坐席"));
        assert!(ascending.contains("dir=desc"));
        assert!(
            ranking_table(Locale::En, &groups[..4], "service_level", true)
                .matches("bottom\"")
                .count()
                == 0
        );
    }
}
