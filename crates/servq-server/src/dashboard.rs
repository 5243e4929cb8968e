//! The KPI dashboard: a period of whole days, a grouping and filters chosen in a form; tiles
//! with the change against the previous period of the same length, each opening the contacts
//! behind it; a trend chart by day, hour or interval; the table by the chosen grouping and the
//! agent ranking, each exportable as CSV or XLSX through `/api/v1/kpi`.

use axum::{
    extract::{Query, State, rejection::QueryRejection},
    response::{IntoResponse, Redirect, Response},
};
use jiff::{civil::Date, tz::TimeZone};
use serde::Deserialize;
use servq_core::Permission;
use servq_kpi::{ContactSubset, MetricValue, Unit};
use servq_store::{Dimension, GroupField, KpiGroup, KpiQuery, TimeGrain};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::{Locale, t},
    pages::{ECHARTS_PATH, escape, page, signed_in_header},
    query_params::{self, add_days, query_string, today},
};

/// Headline tiles of the dashboard, in order.
pub(crate) const TILES: &[&str] = &[
    "offered",
    "answer_rate",
    "service_level",
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "fcr_rate",
    "occupancy",
    "transfer_rate",
    "csat",
    "nps",
];

/// Metrics where a smaller value is better (the ranking's bottom is then the largest, and a rise
/// is shown as a worsening).
const LOWER_IS_BETTER: &[&str] = &[
    "asa_seconds",
    "abandon_rate",
    "aht_seconds",
    "transfer_rate",
];

/// Metrics whose rise or fall is neither good nor bad (volumes).
const NEUTRAL: &[&str] = &["offered"];

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

/// Groupings the table offers.
const GROUPINGS: &[Dimension] = &[
    Dimension::Queue,
    Dimension::Team,
    Dimension::Agent,
    Dimension::Channel,
    Dimension::Category,
    Dimension::Direction,
];

/// Grains the trend chart offers.
const GRAINS: &[TimeGrain] = &[
    TimeGrain::Day,
    TimeGrain::Hour,
    TimeGrain::Interval30,
    TimeGrain::Interval15,
];

/// Dimensions the form filters by, in order.
const FILTERS: &[Dimension] = &[
    Dimension::Queue,
    Dimension::Team,
    Dimension::Channel,
    Dimension::Category,
    Dimension::Agent,
];

/// Days shown when the form gives none: the last seven whole days.
const DEFAULT_DAYS: i64 = 7;
/// The longest period the trend is drawn for at a sub-day grain (points stay readable).
const MAX_FINE_TREND_DAYS: i64 = 31;

/// The dashboard's form, as sent in the URL.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct DashboardQuery {
    from: Option<String>,
    to: Option<String>,
    by: Option<String>,
    grain: Option<String>,
    queue: Option<String>,
    team: Option<String>,
    channel: Option<String>,
    category: Option<String>,
    agent: Option<String>,
    /// Metric the agent ranking is sorted by.
    sort: Option<String>,
    /// asc or desc.
    dir: Option<String>,
}

/// The resolved view: defaults applied, names parsed.
pub(crate) struct View {
    pub(crate) from: Date,
    pub(crate) to: Date,
    by: Dimension,
    grain: TimeGrain,
    /// (dimension, value) as chosen in the form.
    pub(crate) chosen: Vec<(Dimension, String)>,
}

impl View {
    pub(crate) fn parse(
        locale: Locale,
        zone: &TimeZone,
        query: &DashboardQuery,
    ) -> Result<View, Problem> {
        let given = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let yesterday = add_days(today(zone), -1);
        let to = match given(&query.to) {
            Some(text) => query_params::parse_date(locale, &text)?,
            None => yesterday,
        };
        let from = match given(&query.from) {
            Some(text) => query_params::parse_date(locale, &text)?,
            None => add_days(to, 1 - DEFAULT_DAYS),
        };
        if from > to {
            return Err(Problem::bad_request(
                locale,
                "bad_date",
                format!("from {from} is after to {to}"),
            ));
        }
        let by = given(&query.by)
            .and_then(|name| GROUPINGS.iter().copied().find(|d| d.name() == name))
            .unwrap_or(Dimension::Queue);
        let grain = given(&query.grain)
            .and_then(|name| GRAINS.iter().copied().find(|g| g.name() == name))
            .unwrap_or(TimeGrain::Day);
        let chosen = FILTERS
            .iter()
            .filter_map(|dimension| {
                let value = match dimension {
                    Dimension::Queue => &query.queue,
                    Dimension::Team => &query.team,
                    Dimension::Channel => &query.channel,
                    Dimension::Category => &query.category,
                    Dimension::Agent => &query.agent,
                    Dimension::Direction => return None,
                };
                given(value).map(|v| (*dimension, v))
            })
            .collect();
        Ok(View {
            from,
            to,
            by,
            grain,
            chosen,
        })
    }

    /// Days in the period.
    fn days(&self) -> i64 {
        i64::from((self.to - self.from).get_days()) + 1
    }

    /// The filters for store queries (before the user's restriction).
    pub(crate) fn filters(&self) -> Vec<(Dimension, Vec<String>)> {
        self.chosen
            .iter()
            .map(|(dimension, value)| (*dimension, vec![value.clone()]))
            .collect()
    }

    /// The `filter` parameter of the API (`queue=card,team=一组`).
    pub(crate) fn filter_param(&self) -> String {
        self.chosen
            .iter()
            .map(|(dimension, value)| format!("{}={value}", dimension.name()))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// The view's own parameters (period and filters), for links that keep them.
    pub(crate) fn base_params(&self) -> Vec<(&'static str, String)> {
        let mut pairs = vec![("from", self.from.to_string()), ("to", self.to.to_string())];
        pairs.extend(
            self.chosen
                .iter()
                .map(|(dimension, value)| (dimension.name(), value.clone())),
        );
        pairs
    }

    /// A link to the dashboard with this view and `extra` parameters.
    fn link(&self, extra: &[(&'static str, String)]) -> String {
        let mut pairs = self.base_params();
        pairs.push(("by", self.by.name().to_owned()));
        pairs.push(("grain", self.grain.name().to_owned()));
        pairs.extend(extra.iter().cloned());
        format!("/?{}", query_string(&pairs))
    }

    /// An export of the KPI table grouped by `by` in `format`.
    fn export(&self, by: &str, format: &str) -> String {
        let pairs = [
            ("by", by.to_owned()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            ("filter", self.filter_param()),
            ("format", format.to_owned()),
        ];
        format!("/api/v1/kpi?{}", query_string(&pairs))
    }
}

/// The value of metric `name` for a group.
pub(crate) fn metric_number(group: &KpiGroup, name: &str) -> Option<f64> {
    let metric = servq_kpi::metric(name)?;
    match (metric.compute)(&group.contacts, group.states.as_ref(), &group.feedback) {
        MetricValue::Count(count) => Some(count as f64),
        MetricValue::Number(value) => value,
    }
}

/// A metric's value as shown: ratios in percent, counts whole, seconds to a tenth.
pub(crate) fn show(name: &str, value: Option<f64>) -> String {
    let Some(value) = value else {
        return "—".to_owned();
    };
    match servq_kpi::metric(name).map(|m| m.unit) {
        Some(Unit::Ratio) => format!("{:.1}%", value * 100.0),
        Some(Unit::Count) => format!("{value:.0}"),
        Some(Unit::Rating) => format!("{value:.2}"),
        _ => format!("{value:.1}"),
    }
}

/// The change from `before` to `now` in the metric's unit (percentage points for ratios), and
/// whether it is `better`, `worse` or `neutral` (volumes are neither).
fn change(name: &str, now: Option<f64>, before: Option<f64>) -> Option<(String, &'static str)> {
    let (now, before) = (now?, before?);
    let delta = now - before;
    let text = match servq_kpi::metric(name).map(|m| m.unit) {
        Some(Unit::Ratio) => format!("{:+.1} pt", delta * 100.0),
        Some(Unit::Count) => format!("{delta:+.0}"),
        Some(Unit::Seconds) => format!("{delta:+.1} s"),
        Some(Unit::Rating) => format!("{delta:+.2}"),
        _ => format!("{delta:+.1}"),
    };
    let judgement = if NEUTRAL.contains(&name) || delta == 0.0 {
        "neutral"
    } else if (delta < 0.0) == LOWER_IS_BETTER.contains(&name) {
        "better"
    } else {
        "worse"
    };
    Some((text, judgement))
}

fn export_links(locale: Locale, view: &View, by: &str, id: &str) -> String {
    format!(
        "<p class=\"exports\">{label}: <a id=\"{id}-csv\" href=\"{csv}\">CSV</a> · <a id=\"{id}-xlsx\" href=\"{xlsx}\">XLSX</a></p>",
        label = escape(&t(locale, "dashboard.export")),
        csv = escape(&view.export(by, "csv")),
        xlsx = escape(&view.export(by, "xlsx")),
    )
}

/// The trend chart: offered contacts per period (bars) with service level and answer rate
/// (lines), data inline, drawn by ECharts.
fn trend_chart(locale: Locale, view: &View, periods: &[KpiGroup]) -> String {
    let labels: Vec<&str> = periods
        .iter()
        .map(|g| g.key[0].as_deref().unwrap_or(""))
        .collect();
    let series = |name: &str| -> Vec<Option<f64>> {
        periods.iter().map(|g| metric_number(g, name)).collect()
    };
    let data = serde_json::json!({
        "periods": labels,
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
        "<h2>{title}</h2><div id=\"trend\" class=\"chart\"></div>\
         <script type=\"application/json\" id=\"trend-data\">{data}</script>\
         <script src=\"{ECHARTS_PATH}\"></script>\
         <script>(function(){{var d=JSON.parse(document.getElementById('trend-data').textContent);\
         var c=echarts.init(document.getElementById('trend'));\
         c.setOption({{tooltip:{{trigger:'axis'}},legend:{{}},xAxis:{{type:'category',data:d.periods}},\
         yAxis:[{{type:'value',name:d.names.offered}},{{type:'value',min:0,max:1,axisLabel:{{formatter:function(v){{return Math.round(v*100)+'%'}}}}}}],\
         series:[{{name:d.names.offered,type:'bar',data:d.offered,itemStyle:{{color:'#a8c5e8'}}}},\
         {{name:d.names.service_level,type:'line',yAxisIndex:1,data:d.service_level}},\
         {{name:d.names.answer_rate,type:'line',yAxisIndex:1,data:d.answer_rate}}]}});\
         window.servqTrend=c;window.addEventListener('resize',function(){{c.resize()}});}})();</script>{exports}",
        title = escape(&t(
            locale,
            &format!("dashboard.trend_{}", view.grain.name())
        )),
        exports = export_links(locale, view, view.grain.name(), "trend-export"),
    )
}

/// The agent ranking: sortable by any column (links), the bottom tenth by the sort metric (at
/// least one agent once there are five) highlighted.
fn ranking_table(
    locale: Locale,
    groups: &[KpiGroup],
    sort: &str,
    descending: bool,
    link: impl Fn(&str, &str) -> String,
) -> String {
    // contacts nobody answered carry no agent: they are not a performer to rank
    let mut rows: Vec<(&KpiGroup, Option<f64>)> = groups
        .iter()
        .filter(|g| g.key[0].is_some())
        .map(|g| (g, metric_number(g, sort)))
        .collect();
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
        "<h2 id=\"ranking\">{}</h2><p>{}</p><table id=\"agents\"><tr><th>{}</th>",
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
            "<th><a href=\"{}\">{}</a>{}</th>",
            escape(&link(name, next)),
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

/// The filter form: period, grouping, trend grain and a control per filter dimension.
async fn form(
    state: &AppState,
    user: &CurrentUser,
    view: &View,
    sort: Option<&str>,
) -> Result<String, Problem> {
    let locale = user.locale;
    let all = user.user.role.allows(Permission::ViewAllKpis);
    let label = |key: &str| escape(&t(locale, key));
    let select = |name: &str, options: &[(String, String)], selected: &str| {
        let options: String = options
            .iter()
            .map(|(value, text)| {
                format!(
                    "<option value=\"{}\"{}>{}</option>",
                    escape(value),
                    if value == selected { " selected" } else { "" },
                    escape(text)
                )
            })
            .collect();
        format!("<select name=\"{name}\" id=\"f-{name}\">{options}</select>")
    };
    let mut html = format!(
        "<form method=\"get\" action=\"/\" id=\"filters\" class=\"filters\">\
         <label>{from_label} <input type=\"date\" name=\"from\" id=\"f-from\" value=\"{from}\" required></label>\
         <label>{to_label} <input type=\"date\" name=\"to\" id=\"f-to\" value=\"{to}\" required></label>",
        from_label = label("dashboard.from"),
        to_label = label("dashboard.to"),
        from = view.from,
        to = view.to,
    );
    let groupings: Vec<(String, String)> = GROUPINGS
        .iter()
        .filter(|d| all || **d != Dimension::Agent)
        .map(|d| {
            (
                d.name().to_owned(),
                t(locale, &format!("dimension.{}", d.name())),
            )
        })
        .collect();
    html.push_str(&format!(
        "<label>{} {}</label>",
        label("dashboard.group_by"),
        select("by", &groupings, view.by.name())
    ));
    let grains: Vec<(String, String)> = GRAINS
        .iter()
        .map(|g| {
            (
                g.name().to_owned(),
                t(locale, &format!("grain.{}", g.name())),
            )
        })
        .collect();
    html.push_str(&format!(
        "<label>{} {}</label>",
        label("dashboard.grain"),
        select("grain", &grains, view.grain.name())
    ));
    for dimension in FILTERS {
        if *dimension == Dimension::Agent && !all {
            continue;
        }
        let name = dimension.name();
        let current = view
            .chosen
            .iter()
            .find(|(d, _)| d == dimension)
            .map_or("", |(_, v)| v.as_str());
        let control = match dimension {
            Dimension::Queue | Dimension::Team | Dimension::Channel => {
                let mut options = vec![(String::new(), t(locale, "dashboard.any"))];
                options.extend(
                    state
                        .store
                        .dimension_values(*dimension)
                        .await
                        .map_err(Problem::internal)?
                        .into_iter()
                        .map(|v| (v.clone(), v)),
                );
                if !current.is_empty() && !options.iter().any(|(v, _)| v == current) {
                    options.push((current.to_owned(), current.to_owned()));
                }
                select(name, &options, current)
            }
            _ => format!(
                "<input name=\"{name}\" id=\"f-{name}\" value=\"{}\" size=\"8\">",
                escape(current)
            ),
        };
        html.push_str(&format!(
            "<label>{} {control}</label>",
            label(&format!("dimension.{name}"))
        ));
    }
    if let Some(sort) = sort {
        html.push_str(&format!(
            "<input type=\"hidden\" name=\"sort\" value=\"{}\">",
            escape(sort)
        ));
    }
    html.push_str(&format!(
        "<button type=\"submit\" id=\"apply\">{}</button></form>",
        label("dashboard.apply")
    ));
    Ok(html)
}

/// A link from a tile to the rows behind it: the contacts drill-down for contact measures, the
/// agent ranking for occupancy (agent states have no contacts to list), the survey report for
/// survey measures.
fn tile_link(view: &View, name: &str, has_ranking: bool) -> Option<String> {
    if name == "occupancy" {
        return has_ranking.then(|| "#ranking".to_owned());
    }
    let mut pairs = view.base_params();
    if servq_kpi::SURVEY_METRICS.contains(&name) {
        return Some(format!("/surveys?{}", query_string(&pairs)));
    }
    pairs.push(("metric", name.to_owned()));
    pairs.push(("subset", ContactSubset::for_metric(name).name().to_owned()));
    Some(format!("/contacts?{}", query_string(&pairs)))
}

pub(crate) async fn dashboard(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<DashboardQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let view = View::parse(locale, &zone, &query)?;
    let all = user.user.role.allows(Permission::ViewAllKpis);
    let mut filters = view.filters();
    user.restrict_filters(&mut filters)?;
    let start = |date: Date, add: i64| query_params::day_start_ms(locale, &zone, date, add);
    let (from_ms, to_ms) = (start(view.from, 0)?, start(view.to, 1)?);
    let previous_from_ms = start(view.from, -view.days())?;
    let kpi = |from: i64, to: i64, group_by: Vec<GroupField>| {
        let query = KpiQuery {
            group_by,
            from_ms: Some(from),
            to_ms: Some(to),
            zone: zone.clone(),
            filters: filters.clone(),
        };
        let store = state.store.clone();
        async move { store.kpi(&query).await.map_err(Problem::internal) }
    };
    let current = kpi(from_ms, to_ms, Vec::new()).await?;
    let previous = kpi(previous_from_ms, from_ms, Vec::new()).await?;
    let sort = query
        .sort
        .as_deref()
        .filter(|name| RANKING.contains(name))
        .unwrap_or("service_level");
    let descending = query.dir.as_deref() != Some("asc");
    let mut body = format!(
        "<h1>{}</h1>{}<p id=\"period\">{}</p>",
        escape(&t(locale, "dashboard.title")),
        form(&state, &user, &view, query.sort.as_deref()).await?,
        escape(
            &t(locale, "dashboard.period")
                .replace("{from}", &view.from.to_string())
                .replace("{to}", &view.to.to_string())
                .replace("{days}", &view.days().to_string())
        ),
    );
    let Some(now) = current.first() else {
        body.push_str(&format!(
            "<p id=\"no-data\">{}</p>",
            escape(&t(locale, "dashboard.no_data"))
        ));
        return Ok(page(
            locale,
            &t(locale, "dashboard.title"),
            &signed_in_header(&user),
            &body,
        )
        .into_response());
    };
    body.push_str("<div class=\"tiles\">");
    for name in TILES {
        let value = metric_number(now, name);
        let before = previous.first().and_then(|g| metric_number(g, name));
        let delta = change(name, value, before)
            .map(|(text, judgement)| format!(" <span class=\"{judgement}\">({text})</span>"))
            .unwrap_or_default();
        let (open, close) = match tile_link(&view, name, all) {
            Some(href) => (
                format!("<a class=\"tile\" href=\"{}\"", escape(&href)),
                "</a>",
            ),
            None => ("<div class=\"tile\"".to_owned(), "</div>"),
        };
        body.push_str(&format!(
            "{open} data-metric=\"{name}\"><div>{label}</div>\
             <div class=\"value\" data-value=\"{raw}\">{shown}</div>\
             <div class=\"change\">{previous_label}: {before_shown}{delta}</div>{close}",
            label = escape(&t(locale, &format!("kpi.{name}"))),
            raw = value.map_or(String::new(), |v| v.to_string()),
            shown = show(name, value),
            previous_label = escape(&t(locale, "dashboard.previous")),
            before_shown = show(name, before),
        ));
    }
    body.push_str("</div>");
    if all {
        body.push_str(&desk_tiles(&state, locale, from_ms, to_ms).await?);
    }

    let groups = kpi(from_ms, to_ms, vec![GroupField::Dimension(view.by)]).await?;
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"groups\"><tr><th>{}</th>",
        escape(&t(locale, "dashboard.by_group")),
        escape(&t(locale, &format!("dimension.{}", view.by.name())))
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
    body.push_str(&export_links(
        locale,
        &view,
        view.by.name(),
        "groups-export",
    ));

    // sub-day grains over long periods would draw thousands of points: fall back to days
    let grain = if view.grain != TimeGrain::Day && view.days() > MAX_FINE_TREND_DAYS {
        TimeGrain::Day
    } else {
        view.grain
    };
    let view = View { grain, ..view };
    let periods = kpi(from_ms, to_ms, vec![GroupField::Time(grain)]).await?;
    body.push_str(&trend_chart(locale, &view, &periods));

    if all {
        let agents = kpi(
            from_ms,
            to_ms,
            vec![GroupField::Dimension(Dimension::Agent)],
        )
        .await?;
        body.push_str(&ranking_table(
            locale,
            &agents,
            sort,
            descending,
            |name, dir| view.link(&[("sort", name.to_owned()), ("dir", dir.to_owned())]),
        ));
        body.push_str(&export_links(locale, &view, "agent", "agents-export"));
    }
    Ok(page(
        locale,
        &t(locale, "dashboard.title"),
        &signed_in_header(&user),
        &body,
    )
    .into_response())
}

/// The service desk's tiles for the period (tickets created in it, the backlog at its end),
/// linking to the tickets; nothing when the desk has no tickets.
async fn desk_tiles(
    state: &AppState,
    locale: crate::i18n::Locale,
    from_ms: i64,
    to_ms: i64,
) -> Result<String, Problem> {
    let counters = state
        .store
        .ticket_totals(from_ms, to_ms, servq_desk::AGED_BACKLOG_MS)
        .await
        .map_err(Problem::internal)?;
    if counters.created == 0 && counters.backlog == 0 {
        return Ok(String::new());
    }
    let percent = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let minutes = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.0} min", v / 60.0));
    let tiles = [
        ("tickets_created", counters.created.to_string()),
        ("backlog", counters.backlog.to_string()),
        ("aged_backlog", counters.aged_backlog.to_string()),
        (
            "first_response",
            minutes(servq_desk::first_response_seconds(&counters)),
        ),
        (
            "ticket_resolution_rate",
            percent(servq_desk::ticket_resolution_rate(&counters)),
        ),
        (
            "complaints_in_24h",
            percent(servq_desk::complaints_in_24h_rate(&counters)),
        ),
        (
            "sla_attainment",
            percent(servq_desk::sla_attainment(&counters)),
        ),
    ];
    let mut html = format!(
        "<h2>{}</h2><div class=\"tiles\" id=\"desk-tiles\">",
        escape(&t(locale, "dashboard.desk"))
    );
    for (name, shown) in tiles {
        html.push_str(&format!(
            "<a class=\"tile\" href=\"/tickets\" data-metric=\"{name}\"><div>{}</div><div class=\"value\">{}</div></a>",
            escape(&t(locale, &format!("dashboard.desk_{name}"))),
            escape(&shown),
        ));
    }
    html.push_str("</div>");
    Ok(html)
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
            feedback: servq_kpi::FeedbackCounters::default(),
        }
    }

    fn link(name: &str, dir: &str) -> String {
        format!("/?sort={name}&dir={dir}")
    }

    #[test]
    fn ranking_sorts_and_flags_the_bottom_tenth() {
        let mut groups: Vec<KpiGroup> = (0..12)
            .map(|i| agent(&format!("a{i:02}"), 50 + i * 4))
            .collect();
        // abandoned contacts have no agent: not ranked, not flagged
        groups.push(KpiGroup {
            key: vec![None],
            ..agent("", 0)
        });
        let html = ranking_table(Locale::En, &groups, "service_level", true, link);
        assert!(!html.contains("<td>—</td><td>100</td>"));
        let order: Vec<usize> = (0..12)
            .map(|i| html.find(&format!(">a{i:02}<")).unwrap())
            .collect();
        assert!(order.windows(2).all(|w| w[0] > w[1]), "best (a11) first");
        // 12 agents → one flagged: the lowest service level, a00
        assert_eq!(html.matches("class=\"bottom\"").count(), 1);
        assert!(html.contains("<tr class=\"bottom\"><td>a00</td>"));
        let ascending = ranking_table(Locale::ZhCn, &groups, "offered", false, link);
        assert!(ascending.contains("坐席"));
        assert!(ascending.contains("dir=desc"));
        assert_eq!(
            ranking_table(Locale::En, &groups[..4], "service_level", true, link)
                .matches("bottom\"")
                .count(),
            0
        );
    }

    #[test]
    fn changes_are_judged_by_the_metric_direction() {
        assert_eq!(
            change("service_level", Some(0.8), Some(0.75)),
            Some(("+5.0 pt".to_owned(), "better"))
        );
        assert_eq!(
            change("asa_seconds", Some(12.0), Some(10.0)),
            Some(("+2.0 s".to_owned(), "worse"))
        );
        assert_eq!(change("offered", Some(10.0), None), None);
        assert_eq!(
            change("offered", Some(10.0), Some(4.0)),
            Some(("+6".to_owned(), "neutral"))
        );
    }

    #[test]
    fn views_default_to_the_last_seven_days_and_keep_their_filters() {
        let zone = TimeZone::UTC;
        let view = View::parse(Locale::En, &zone, &DashboardQuery::default()).unwrap();
        assert_eq!(view.days(), 7);
        assert_eq!(view.to, add_days(today(&zone), -1));
        let query = DashboardQuery {
            from: Some("2026-11-01".into()),
            to: Some("2026-11-21".into()),
            queue: Some("card".into()),
            team: Some(" ".into()),
            by: Some("planet".into()),
            ..DashboardQuery::default()
        };
        let view = View::parse(Locale::En, &zone, &query).unwrap();
        assert_eq!(view.days(), 21);
        assert_eq!(view.by, Dimension::Queue, "an unknown grouping falls back");
        assert_eq!(view.filter_param(), "queue=card");
        assert!(
            view.export("agent", "csv").starts_with(
                "/api/v1/kpi?by=agent&from=2026-11-01&to=2026-11-21&filter=queue%3Dcard"
            )
        );
        let backwards = DashboardQuery {
            from: Some("2026-11-21".into()),
            to: Some("2026-11-01".into()),
            ..DashboardQuery::default()
        };
        assert!(View::parse(Locale::En, &zone, &backwards).is_err());
    }
}
