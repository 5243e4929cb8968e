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
use servq_kpi::{Better, ContactSubset, MetricValue};
use servq_store::{Dimension, GroupField, KpiGroup, KpiQuery, TimeGrain};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::{Locale, t},
    pages::{Text, render, signed_in_header},
    query_params::{self, given, query_string},
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

/// Which way metric `name` improves.
fn better(name: &str) -> Better {
    servq_kpi::metric(name).map_or(Better::Neither, |metric| metric.better)
}

/// The headline measures for a view grouped or filtered by `dimensions`: per agent or team the
/// measures that belong to an agent, otherwise [`TILES`]; either way only those that mean
/// something there (occupancy has no channel).
pub(crate) fn headline(dimensions: &[Dimension]) -> Vec<&'static str> {
    servq_kpi::headline(TILES, dimensions)
        .into_iter()
        .map(|metric| metric.name)
        .collect()
}

/// Whether `name` is a measure the dashboard shows as a tile or column.
pub(crate) fn is_headline(name: &str) -> bool {
    TILES.contains(&name) || servq_kpi::AGENT_MEASURES.contains(&name)
}

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
        let (from, to) =
            query_params::whole_days(locale, zone, &query.from, &query.to, DEFAULT_DAYS)?;
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
                    Dimension::Direction | Dimension::Segment => return None,
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

    /// The agent filter as an id: a person may type the agent's name (or part of it).
    pub(crate) fn with_agent_names(mut self, names: &crate::pages::AgentNames) -> View {
        for (dimension, value) in &mut self.chosen {
            if *dimension == Dimension::Agent
                && let Some(id) = names.resolve(value)
            {
                *value = id;
            }
        }
        self
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

/// `value` of metric `name` as people read it (see [`servq_kpi::show`]).
pub(crate) use servq_kpi::show;

/// The CSV and XLSX exports of a table.
pub(crate) struct Exports {
    csv: String,
    xlsx: String,
}

fn exports(view: &View, by: &str) -> Exports {
    Exports {
        csv: view.export(by, "csv"),
        xlsx: view.export(by, "xlsx"),
    }
}

/// The measures the trend chart draws, in its table view's column order.
pub(crate) const TREND_NAMES: [&str; 3] = ["offered", "service_level", "answer_rate"];

/// The measures the quality trend draws: what customers said and what QA scored (an agent sees
/// their own).
pub(crate) const QUALITY_TREND_NAMES: [&str; 3] = ["csat", "nps", "qa_score"];

/// The trend chart's data: the periods with offered contacts, service level and answer rate,
/// as JSON safe inside a script element.
fn trend_data(locale: Locale, periods: &[KpiGroup]) -> String {
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
        "csat": series("csat"),
        "nps": series("nps"),
        "qa_score": series("qa_score"),
        "names": {
            "offered": t(locale, "kpi.offered"),
            "service_level": t(locale, "kpi.service_level"),
            "answer_rate": t(locale, "kpi.answer_rate"),
            "csat": t(locale, "kpi.csat"),
            "nps": t(locale, "kpi.nps"),
            "qa_score": t(locale, "kpi.qa_score"),
        },
    });
    // `</` cannot appear inside the JSON script element
    crate::pages::script_json(&data)
}

/// A sortable column of the ranking.
pub(crate) struct RankingColumn {
    name: &'static str,
    href: String,
    arrow: &'static str,
}

/// An agent's row of the ranking.
pub(crate) struct RankingRow {
    agent: String,
    values: Vec<String>,
    bottom: bool,
}

/// The agent ranking.
pub(crate) struct Ranking {
    columns: Vec<RankingColumn>,
    rows: Vec<RankingRow>,
    exports: Exports,
}

/// The agent ranking: sortable by any column (links), the bottom tenth by the sort metric (at
/// least one agent once there are five) flagged.
fn ranking(
    groups: &[KpiGroup],
    names: &crate::pages::AgentNames,
    sort: &str,
    descending: bool,
    link: impl Fn(&str, &str) -> String,
    exports: Exports,
) -> Ranking {
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
        if better(sort) == Better::Lower {
            order.reverse()
        } else {
            order
        }
    });
    // a measure with no better direction (volumes, occupancy) has no bottom to flag
    let flagged = if worst.len() >= 5 && better(sort) != Better::Neither {
        (worst.len() / 10).max(1)
    } else {
        0
    };
    let bottom: Vec<usize> = worst.iter().take(flagged).map(|(i, _)| *i).collect();
    Ranking {
        columns: servq_kpi::AGENT_MEASURES
            .iter()
            .map(|name| RankingColumn {
                name,
                href: link(
                    name,
                    if *name == sort && descending {
                        "asc"
                    } else {
                        "desc"
                    },
                ),
                arrow: match (*name == sort, descending) {
                    (false, _) => "",
                    (true, true) => " ▼",
                    (true, false) => " ▲",
                },
            })
            .collect(),
        rows: rows
            .iter()
            .enumerate()
            .map(|(index, (group, _))| RankingRow {
                agent: group.key[0]
                    .as_deref()
                    .map_or_else(|| "—".to_owned(), |agent| names.label(agent)),
                values: servq_kpi::AGENT_MEASURES
                    .iter()
                    .map(|name| show(name, metric_number(group, name)))
                    .collect(),
                bottom: bottom.contains(&index),
            })
            .collect(),
        exports,
    }
}

/// An option of a select.
pub(crate) struct SelectOption {
    pub(crate) value: String,
    pub(crate) text: String,
    pub(crate) selected: bool,
}

impl SelectOption {
    /// An option showing `text` for `value`.
    pub(crate) fn new(value: &str, text: String, selected: bool) -> SelectOption {
        SelectOption {
            value: value.to_owned(),
            text,
            selected,
        }
    }
}

fn options(choices: Vec<(String, String)>, selected: &str) -> Vec<SelectOption> {
    choices
        .into_iter()
        .map(|(value, text)| SelectOption {
            selected: value == selected,
            value,
            text,
        })
        .collect()
}

/// The select of a dimension's known values (queues, teams, channels), "any" first; a chosen
/// value the data no longer has stays listed, so the form shows what it filters by.
pub(crate) async fn dimension_select(
    state: &AppState,
    locale: Locale,
    dimension: Dimension,
    current: &str,
) -> Result<Vec<SelectOption>, Problem> {
    let mut choices = vec![(String::new(), t(locale, "dashboard.any"))];
    choices.extend(
        state
            .store
            .dimension_values(dimension)
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|v| (v.clone(), v)),
    );
    if !current.is_empty() && !choices.iter().any(|(v, _)| v == current) {
        choices.push((current.to_owned(), current.to_owned()));
    }
    Ok(options(choices, current))
}

/// A filter control: a select of the known values, or a text input.
pub(crate) struct FilterControl {
    name: &'static str,
    options: Option<Vec<SelectOption>>,
    value: String,
}

/// The filter form: period, grouping, trend grain and a control per filter dimension.
pub(crate) struct FilterForm {
    from: Date,
    to: Date,
    groupings: Vec<SelectOption>,
    grains: Vec<SelectOption>,
    filters: Vec<FilterControl>,
    sort: Option<String>,
}

async fn form(
    state: &AppState,
    user: &CurrentUser,
    view: &View,
    sort: Option<&str>,
) -> Result<FilterForm, Problem> {
    let locale = user.locale;
    let all = user.user.role.allows(Permission::ViewAllKpis);
    let groupings = GROUPINGS
        .iter()
        .filter(|d| all || **d != Dimension::Agent)
        .map(|d| {
            (
                d.name().to_owned(),
                t(locale, &format!("dimension.{}", d.name())),
            )
        })
        .collect();
    let grains = GRAINS
        .iter()
        .map(|g| {
            (
                g.name().to_owned(),
                t(locale, &format!("grain.{}", g.name())),
            )
        })
        .collect();
    let mut filters = Vec::new();
    for dimension in FILTERS {
        if *dimension == Dimension::Agent && !all {
            continue;
        }
        let current = view
            .chosen
            .iter()
            .find(|(d, _)| d == dimension)
            .map_or("", |(_, v)| v.as_str());
        let choices = match dimension {
            Dimension::Queue | Dimension::Team | Dimension::Channel => {
                Some(dimension_select(state, locale, *dimension, current).await?)
            }
            _ => None,
        };
        filters.push(FilterControl {
            name: dimension.name(),
            options: choices,
            value: current.to_owned(),
        });
    }
    Ok(FilterForm {
        from: view.from,
        to: view.to,
        groupings: options(groupings, view.by.name()),
        grains: options(grains, view.grain.name()),
        filters,
        sort: sort.map(str::to_owned),
    })
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
    // desk staff see the ledgers and nothing else: their home is the desk
    if !user.user.role.allows(Permission::ViewOwnKpis)
        && user.user.role.allows(Permission::ViewLedgerSummary)
    {
        return Ok(Redirect::to("/ledgers").into_response());
    }
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let names = crate::pages::AgentNames::load(&state).await?;
    let view = View::parse(locale, &zone, &query)?.with_agent_names(&names);
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
        .filter(|name| servq_kpi::AGENT_MEASURES.contains(name))
        .unwrap_or("fcr_rate");
    // what the view is filtered by, after the user's restriction (an agent sees their own)
    let filter_dimensions: Vec<Dimension> = filters.iter().map(|(d, _)| *d).collect();
    let tiles_shown = headline(&filter_dimensions);
    let mut group_dimensions = filter_dimensions.clone();
    group_dimensions.push(view.by);
    let columns = headline(&group_dimensions);
    let group_notes =
        servq_app::report::exclusion_notes(locale, &[], &group_dimensions, |metric| {
            t(locale, &format!("kpi.{}", metric.name))
        });
    let descending = query.dir.as_deref() != Some("asc");
    let mut page = DashboardPage {
        i18n: Text::new(locale),
        title: t(locale, "dashboard.title"),
        header: signed_in_header(&user),
        form: form(&state, &user, &view, query.sort.as_deref()).await?,
        period: t(locale, "dashboard.period")
            .replace("{from}", &view.from.to_string())
            .replace("{to}", &view.to.to_string())
            .replace("{days}", &view.days().to_string()),
        show_targets_link: all,
        show_risks_link: user.user.role.allows(Permission::ViewRisks),
        content: None,
    };
    let Some(now) = current.first() else {
        return Ok(render(&page)?.into_response());
    };
    let targets = servq_app::targets::in_effect(&state.store, view.to)
        .await
        .map_err(Problem::internal)?;
    let tiles = tiles_shown
        .iter()
        .map(|name| {
            let value = metric_number(now, name);
            let before = previous.first().and_then(|g| metric_number(g, name));
            let target = servq_app::targets::for_view(&targets, name, &filters).map(|target| {
                let status = value.map_or("", |v| target.status(v).name());
                (show(name, Some(target.value)), status)
            });
            Tile {
                target,
                name,
                href: tile_link(&view, name, all),
                raw: value.map_or(String::new(), |v| v.to_string()),
                shown: show(name, value),
                before: show(name, before),
                change: servq_kpi::change(name, value, before)
                    .map(|(text, judgement)| (text, judgement.name())),
            }
        })
        .collect();
    let desk_tiles = if all {
        desk_tiles(&state, from_ms, to_ms).await?
    } else {
        None
    };
    let mut groups: Vec<(Option<String>, Vec<String>)> =
        kpi(from_ms, to_ms, vec![GroupField::Dimension(view.by)])
            .await?
            .iter()
            .map(|group| {
                (
                    group.key[0].clone(),
                    columns
                        .iter()
                        .map(|name| show(name, metric_number(group, name)))
                        .collect(),
                )
            })
            .collect();
    // 一组, 二组 … 十组 and Team 2 before Team 10; the row without a value last
    groups.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(a), Some(b)) => crate::pages::natural_key(a).cmp(&crate::pages::natural_key(b)),
        (None, None) => std::cmp::Ordering::Equal,
        (None, _) => std::cmp::Ordering::Greater,
        (_, None) => std::cmp::Ordering::Less,
    });
    let groups: Vec<(String, Vec<String>)> = groups
        .into_iter()
        .map(|(key, values)| {
            let label = match key {
                None => t(locale, &format!("dashboard.none_{}", view.by.name())),
                Some(agent) if view.by == Dimension::Agent => names.label(&agent),
                Some(value) => value,
            };
            (label, values)
        })
        .collect();
    let group_exports = exports(&view, view.by.name());

    // sub-day grains over long periods would draw thousands of points: fall back to days
    let grain = if view.grain != TimeGrain::Day && view.days() > MAX_FINE_TREND_DAYS {
        TimeGrain::Day
    } else {
        view.grain
    };
    let view = View { grain, ..view };
    let periods = kpi(from_ms, to_ms, vec![GroupField::Time(grain)]).await?;
    let ranking = if all {
        let agents = kpi(
            from_ms,
            to_ms,
            vec![GroupField::Dimension(Dimension::Agent)],
        )
        .await?;
        Some(ranking(
            &agents,
            &names,
            sort,
            descending,
            |name, dir| view.link(&[("sort", name.to_owned()), ("dir", dir.to_owned())]),
            exports(&view, "agent"),
        ))
    } else {
        None
    };
    page.content = Some(DashboardContent {
        tiles,
        desk_tiles,
        by: view.by.name(),
        columns,
        groups,
        group_notes,
        group_exports,
        trend_title_key: format!("dashboard.trend_{}", view.grain.name()),
        trend_data: trend_data(locale, &periods),
        // the chart's text alternative: the same numbers as a table
        trend_rows: periods
            .iter()
            .map(|group| {
                (
                    group.key[0].clone().unwrap_or_default(),
                    TREND_NAMES
                        .iter()
                        .map(|name| show(name, metric_number(group, name)))
                        .collect(),
                )
            })
            .collect(),
        quality_rows: periods
            .iter()
            .map(|group| {
                (
                    group.key[0].clone().unwrap_or_default(),
                    QUALITY_TREND_NAMES
                        .iter()
                        .map(|name| show(name, metric_number(group, name)))
                        .collect(),
                )
            })
            .collect(),
        trend_exports: exports(&view, view.grain.name()),
        ranking,
    });
    Ok(render(&page)?.into_response())
}

/// A KPI tile: the value, the previous period's and the change, linking to what is behind it.
pub(crate) struct Tile {
    name: &'static str,
    href: Option<String>,
    raw: String,
    shown: String,
    before: String,
    change: Option<(String, &'static str)>,
    /// The target in effect on the period's last day for this view, shown, and how the value
    /// stands against it (`met`, `warning`, `missed`; empty without a value).
    target: Option<(String, &'static str)>,
}

/// What the dashboard shows when the period has contacts.
pub(crate) struct DashboardContent {
    tiles: Vec<Tile>,
    desk_tiles: Option<Vec<(&'static str, String)>>,
    by: &'static str,
    /// The grouping table's measures.
    columns: Vec<&'static str>,
    groups: Vec<(String, Vec<String>)>,
    /// Why measures are missing from the grouping table.
    group_notes: Vec<String>,
    group_exports: Exports,
    trend_title_key: String,
    trend_data: String,
    /// The chart's periods with its measures, formatted, for the table view.
    trend_rows: Vec<(String, Vec<String>)>,
    /// The quality trend's periods with CSAT, NPS and QA score, for its table view.
    quality_rows: Vec<(String, Vec<String>)>,
    trend_exports: Exports,
    ranking: Option<Ranking>,
}

#[derive(askama::Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    i18n: Text,
    title: String,
    header: String,
    form: FilterForm,
    period: String,
    /// Whether the period line links to the targets page (those who may see it).
    show_targets_link: bool,
    /// Whether the risk register is theirs to open.
    show_risks_link: bool,
    content: Option<DashboardContent>,
}

/// The service desk's tiles for the period (tickets created in it, the backlog at its end),
/// linking to the tickets; nothing when the desk has no tickets.
async fn desk_tiles(
    state: &AppState,
    from_ms: i64,
    to_ms: i64,
) -> Result<Option<Vec<(&'static str, String)>>, Problem> {
    let counters = state
        .store
        .ticket_totals(from_ms, to_ms, servq_desk::AGED_BACKLOG_MS)
        .await
        .map_err(Problem::internal)?;
    if counters.created == 0 && counters.backlog == 0 {
        return Ok(None);
    }
    let percent = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.1}%", v * 100.0));
    let minutes = |v: Option<f64>| v.map_or("—".to_owned(), |v| format!("{:.0} min", v / 60.0));
    Ok(Some(vec![
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
    ]))
}

#[cfg(test)]
mod tests {
    use servq_kpi::ContactCounters;

    use super::*;
    use crate::{
        pages::AgentNames,
        query_params::{add_days, today},
    };

    fn agent(id: &str, within: i64) -> KpiGroup {
        KpiGroup {
            key: vec![Some(id.to_owned())],
            contacts: ContactCounters {
                offered: 100,
                answered: 100,
                fcr_eligible: 100,
                fcr_resolved: within,
                ..ContactCounters::default()
            },
            states: None,
            feedback: servq_kpi::FeedbackCounters::default(),
        }
    }

    fn link(name: &str, dir: &str) -> String {
        format!("/?sort={name}&dir={dir}")
    }

    fn no_exports() -> Exports {
        Exports {
            csv: String::new(),
            xlsx: String::new(),
        }
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
        let table = ranking(
            &groups,
            &AgentNames::default(),
            "fcr_rate",
            true,
            link,
            no_exports(),
        );
        let agents: Vec<&str> = table.rows.iter().map(|row| row.agent.as_str()).collect();
        let best_first: Vec<String> = (0..12).rev().map(|i| format!("a{i:02}")).collect();
        assert_eq!(agents, best_first, "best (a11) first, no agentless row");
        // 12 agents → one flagged: the lowest FCR, a00
        let flagged: Vec<&str> = table
            .rows
            .iter()
            .filter(|row| row.bottom)
            .map(|row| row.agent.as_str())
            .collect();
        assert_eq!(flagged, ["a00"]);
        let sorted = table
            .columns
            .iter()
            .find(|column| column.name == "fcr_rate")
            .unwrap();
        assert_eq!(
            (sorted.arrow, sorted.href.as_str()),
            (" ▼", "/?sort=fcr_rate&dir=asc")
        );
        let ascending = ranking(
            &groups,
            &AgentNames::default(),
            "answered",
            false,
            link,
            no_exports(),
        );
        assert!(
            ascending
                .columns
                .iter()
                .all(|column| column.href.ends_with("dir=desc"))
        );
        assert!(
            ranking(
                &groups[..4],
                &AgentNames::default(),
                "fcr_rate",
                true,
                link,
                no_exports()
            )
            .rows
            .iter()
            .all(|row| !row.bottom)
        );
    }

    #[test]
    fn a_measure_without_a_better_direction_flags_nobody() {
        let groups: Vec<KpiGroup> = (0..12)
            .map(|i| agent(&format!("a{i:02}"), 50 + i))
            .collect();
        let table = ranking(
            &groups,
            &AgentNames::default(),
            "answered",
            true,
            link,
            no_exports(),
        );
        assert!(table.rows.iter().all(|row| !row.bottom));
    }

    #[test]
    fn per_agent_views_show_the_agent_measures() {
        assert_eq!(headline(&[Dimension::Agent]), servq_kpi::AGENT_MEASURES);
        assert!(headline(&[Dimension::Queue]).contains(&"answer_rate"));
        assert!(!headline(&[Dimension::Team]).contains(&"answer_rate"));
        assert!(!headline(&[Dimension::Channel]).contains(&"occupancy"));
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
