//! Evaluation over HTTP: `GET /api/v1/evaluation` (the `servq evaluation --format json`
//! contract), `GET/PUT /api/v1/evaluation/model`, and the `/performance` page — team and agent
//! scorecards for a month (dimension scores, composite, grade, rank in team and centre) and one
//! agent's card with how each score was computed, the balanced-scorecard view by perspective and
//! the last six months. An agent sees only their own card.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Json,
    body::Bytes,
    extract::{Query, State, rejection::QueryRejection},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use jiff::{Span, civil::Date};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::evaluation::{
    self as app, EVALUATION_GROUPINGS, Evaluation, EvaluationRequest, evaluation_json,
};
use servq_app::i18n::{Locale, t};
use servq_core::Permission;
use servq_kpi::{Dimension, EvaluationModel, Perspective};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    dashboard::show,
    pages::{AgentNames, Text, natural_key, render, signed_in_header},
    query_params,
};

/// `GET /api/v1/evaluation` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EvaluationParams {
    /// First day, YYYY-MM-DD in the centre's zone.
    from: String,
    /// Last day, inclusive; the model in effect on it grades the period.
    to: String,
    /// agent, team or queue; absent: one row for everything.
    by: Option<String>,
    /// dimension=value pairs, comma-separated (as `/api/v1/kpi`).
    filter: Option<String>,
}

/// Grades `from`–`to` by `by` within what `user` may see.
async fn graded(
    state: &AppState,
    user: &CurrentUser,
    from: Date,
    to: Date,
    by: Option<Dimension>,
    mut filters: Vec<(Dimension, Vec<String>)>,
) -> Result<Evaluation, Problem> {
    user.restrict_filters(&mut filters)?;
    let (_, zone) = state.centre_zone().await?;
    let request = EvaluationRequest {
        from,
        to,
        by,
        filters,
    };
    app::evaluate(&state.store, &zone, &request)
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_evaluation", error))
}

fn parse_by(locale: Locale, by: Option<&str>) -> Result<Option<Dimension>, Problem> {
    match by.map(str::trim) {
        None | Some("") => Ok(None),
        Some(name) => EVALUATION_GROUPINGS
            .into_iter()
            .find(|d| d.name() == name)
            .map(Some)
            .ok_or_else(|| {
                Problem::bad_request(
                    locale,
                    "bad_grouping",
                    format!("by '{name}': grade by agent, team or queue"),
                )
            }),
    }
}

/// `GET /api/v1/evaluation`: exactly `servq evaluation --format json` (agents: their own).
#[utoipa::path(get, path = "/api/v1/evaluation", tag = "performance", params(EvaluationParams),
    responses((status = 200, description = "model {name, version}, rows [{<group key>, dimensions {<id>: {score, measures {<metric>: {value, score}}}}, composite, grade}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn evaluation_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<EvaluationParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let locale = user.locale;
    let from = query_params::parse_date(locale, &params.from)?;
    let to = query_params::parse_date(locale, &params.to)?;
    let by = parse_by(locale, params.by.as_deref())?;
    let filters = query_params::filters(locale, params.filter.as_deref())?;
    let evaluation = graded(&state, &user, from, to, by, filters).await?;
    Ok(Json(evaluation_json(&evaluation)))
}

/// `GET /api/v1/evaluation/model`: the latest version (0: the built-in standard).
#[utoipa::path(get, path = "/api/v1/evaluation/model", tag = "performance",
    responses((status = 200, description = "version, model (the model file)", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn model_api(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let latest = app::latest(&state.store).await.map_err(Problem::internal)?;
    Ok(Json(
        json!({"version": latest.version, "model": latest.model}),
    ))
}

/// `PUT /api/v1/evaluation/model`: the body is a model file; stored as the next version.
#[utoipa::path(put, path = "/api/v1/evaluation/model", tag = "performance",
    request_body(content = Object, description = "The model file (docs/evaluation.md)"),
    responses((status = 200, description = "version", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_model_api(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTargets)?;
    user.check_csrf_header(&headers)?;
    let text = String::from_utf8_lossy(&body);
    let version = app::save(&state.store, &text, &user.actor())
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_evaluation", error))?;
    Ok(Json(json!({ "version": version })))
}

/// `/performance` parameters.
#[derive(Debug, Deserialize, Default)]
pub(crate) struct PerformanceQuery {
    /// YYYY-MM; default the month before when today is in a month's first week, else this one.
    month: Option<String>,
    /// The agent whose card is shown (others than agents).
    agent: Option<String>,
    /// Only this team's agents.
    team: Option<String>,
}

/// One row of a scorecard table.
pub(crate) struct CardRow {
    label: String,
    link: Option<String>,
    team: String,
    scores: Vec<String>,
    composite: String,
    grade: String,
    rank_team: String,
    rank_centre: String,
}

/// One measure of a card: how its score came about.
pub(crate) struct MeasureLine {
    name: String,
    value: String,
    zero_at: String,
    full_at: String,
    weight: String,
    score: String,
}

/// One dimension of a card.
pub(crate) struct DimensionLine {
    name: String,
    weight: String,
    score: String,
    measures: Vec<MeasureLine>,
}

/// One agent's card.
pub(crate) struct Card {
    label: String,
    composite: String,
    grade: String,
    dimensions: Vec<DimensionLine>,
    /// (perspective, score)
    perspectives: Vec<(String, String)>,
    /// (month, composite, grade), oldest first.
    trend: Vec<(String, String, String)>,
    /// (what, how many) behind the measures.
    samples: Vec<(String, String)>,
    /// The agent's id (the coaching form's).
    agent_id: String,
    /// Coaching sessions, newest first.
    sessions: Vec<SessionLine>,
    /// Whether the viewer may record a session.
    can_coach: bool,
    /// (value, label) of the problems the agent failed this month (`item:ID`, `rule:NAME`).
    failed: Vec<(String, String)>,
    /// (metric, label) of the model's measures.
    measures: Vec<(String, String)>,
    /// Today, the session form's default.
    today: String,
}

/// `/performance`.
#[derive(Template)]
#[template(path = "performance.html")]
pub(crate) struct PerformancePage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    month: String,
    model: String,
    /// Dimension names, in the model's order.
    dimensions: Vec<String>,
    teams: Vec<CardRow>,
    agents: Vec<CardRow>,
    team_options: Vec<(String, bool)>,
    card: Option<Card>,
    all: bool,
    coaching: Option<CoachingView>,
    can_edit_model: bool,
}

/// The coaching suggestions of the month (those who see every KPI).
pub(crate) struct CoachingView {
    /// (problem, kind label, share shown, agents)
    group_training: Vec<(String, String, String, usize)>,
    /// (agent label, link, problems)
    one_to_one: Vec<(String, String, String)>,
    /// (agent label, link, measure, value, reference)
    flagged: Vec<(String, String, String, String, String)>,
}

/// One recorded coaching session on a card.
pub(crate) struct SessionLine {
    date: String,
    coach: String,
    topic: String,
    problems: String,
    notes: String,
    actions: String,
    follow_up: String,
    measure: String,
    /// Before → after, once the follow-up date has passed.
    change: Option<(String, String)>,
}

fn score(value: Option<f64>) -> String {
    value.map_or("—".to_owned(), |v| format!("{v:.1}"))
}

/// The month asked for, or by default the current one — the previous one during a month's
/// first week, when the new month has too few days to judge (the performance and the ratings
/// pages open on the same month).
fn chosen_month(asked: Option<&str>, today: Date) -> String {
    let default = if today.day() <= 7 {
        query_params::add_days(today.first_of_month(), -1)
    } else {
        today
    };
    asked
        .filter(|m| month_range(m).is_some())
        .map(str::to_owned)
        .unwrap_or_else(|| default.strftime("%Y-%m").to_string())
}

fn month_range(month: &str) -> Option<(Date, Date)> {
    let first: Date = format!("{month}-01").parse().ok()?;
    let last = first.last_of_month();
    Some((first, last))
}

fn dimension_name(model: &EvaluationModel, index: usize, locale: Locale) -> String {
    let dimension = &model.dimensions[index];
    dimension
        .names
        .get(locale.tag())
        .cloned()
        .unwrap_or_else(|| {
            let key = format!("performance.dimension_{}", dimension.id);
            let text = t(locale, &key);
            if text == key {
                dimension.id.clone()
            } else {
                text
            }
        })
}

/// Ranks of `rows` by composite (1 = best; equal composites share a rank; no composite, none).
fn ranks(composites: &[Option<f64>]) -> Vec<Option<usize>> {
    composites
        .iter()
        .map(|mine| mine.map(|mine| 1 + composites.iter().flatten().filter(|c| **c > mine).count()))
        .collect()
}

/// `GET /performance`.
pub(crate) async fn page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<PerformanceQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let today = query_params::today(&zone);
    let month = chosen_month(query.month.as_deref(), today);
    let (from, to) = month_range(&month).ok_or_else(|| {
        Problem::bad_request(locale, "bad_date", format!("'{month}' is not a month"))
    })?;
    let all = user.user.role.allows(Permission::ViewAllKpis);
    let names = AgentNames::load(&state).await?;
    let roster = state.store.agents().await.map_err(Problem::internal)?;
    let team_of: HashMap<String, String> = roster
        .iter()
        .map(|a| (a.agent_id.clone(), a.team.clone()))
        .collect();
    let team_filter: Vec<(Dimension, Vec<String>)> = query
        .team
        .iter()
        .filter(|t| !t.is_empty())
        .map(|team| (Dimension::Team, vec![team.clone()]))
        .collect();
    let by_agent = graded(&state, &user, from, to, Some(Dimension::Agent), Vec::new()).await?;
    let model = by_agent.model.model.clone();
    let dimensions: Vec<String> = (0..model.dimensions.len())
        .map(|i| dimension_name(&model, i, locale))
        .collect();
    let mut teams = Vec::new();
    let mut agents = Vec::new();
    let mut team_options = Vec::new();
    if all {
        let by_team = graded(&state, &user, from, to, Some(Dimension::Team), Vec::new()).await?;
        let composites: Vec<Option<f64>> =
            by_team.groups.iter().map(|g| g.score.composite).collect();
        let centre_ranks = ranks(&composites);
        for (group, rank) in by_team.groups.iter().zip(centre_ranks) {
            let Some(team) = &group.key else { continue };
            team_options.push((team.clone(), query.team.as_deref() == Some(team.as_str())));
            teams.push(CardRow {
                label: team.clone(),
                link: Some(format!(
                    "/performance?month={month}&team={}",
                    servq_app::path_segment(team)
                )),
                team: String::new(),
                scores: group
                    .score
                    .dimensions
                    .iter()
                    .map(|d| score(d.score))
                    .collect(),
                composite: score(group.score.composite),
                grade: group.score.grade.clone().unwrap_or_default(),
                rank_team: String::new(),
                rank_centre: rank.map_or(String::new(), |r| r.to_string()),
            });
        }
        teams.sort_by_key(|row| natural_key(&row.label));
        team_options.sort_by_key(|(team, _)| natural_key(team));
        // agents: ranked in the centre and in their team
        let graded_agents: Vec<_> = by_agent.groups.iter().filter(|g| g.key.is_some()).collect();
        let composites: Vec<Option<f64>> =
            graded_agents.iter().map(|g| g.score.composite).collect();
        let centre_ranks = ranks(&composites);
        for (index, group) in graded_agents.iter().enumerate() {
            let agent = group.key.clone().unwrap_or_default();
            let team = team_of.get(&agent).cloned().unwrap_or_default();
            if team_filter
                .iter()
                .any(|(_, values)| !values.contains(&team))
            {
                continue;
            }
            let mates: Vec<Option<f64>> = graded_agents
                .iter()
                .filter(|g| {
                    team_of
                        .get(g.key.as_deref().unwrap_or_default())
                        .is_some_and(|theirs| *theirs == team)
                })
                .map(|g| g.score.composite)
                .collect();
            // an agent without a team has no team to rank in
            let rank_team = group
                .score
                .composite
                .filter(|_| !team.is_empty())
                .map(|mine| 1 + mates.iter().flatten().filter(|c| **c > mine).count());
            agents.push((
                group.score.composite,
                CardRow {
                    label: names.label(&agent),
                    link: Some(format!(
                        "/performance?month={month}&agent={}#card",
                        servq_app::path_segment(&agent)
                    )),
                    team,
                    scores: group
                        .score
                        .dimensions
                        .iter()
                        .map(|d| score(d.score))
                        .collect(),
                    composite: score(group.score.composite),
                    grade: group.score.grade.clone().unwrap_or_default(),
                    rank_team: rank_team.map_or(String::new(), |r| r.to_string()),
                    rank_centre: centre_ranks[index].map_or(String::new(), |r| r.to_string()),
                },
            ));
        }
        agents.sort_by(|a, b| b.0.unwrap_or(-1.0).total_cmp(&a.0.unwrap_or(-1.0)));
    }
    let agents: Vec<CardRow> = agents.into_iter().map(|(_, row)| row).collect();
    let link = |agent: &str| {
        format!(
            "/performance?month={month}&agent={}#card",
            servq_app::path_segment(agent)
        )
    };
    let (problems, flagged) =
        crate::evaluations::coaching_suggestions(&state, &user, from, to).await?;
    let coaching = all.then(|| {
        let percent = |share: f64| format!("{:.0}%", share * 100.0);
        let kind = |problem: &servq_qa::CoachingProblem| {
            t(locale, &format!("performance.problem_{}", problem.kind()))
        };
        let mut one_to_one: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for problem in problems.iter().filter(|p| !p.share.common) {
            for agent in &problem.share.agents {
                one_to_one
                    .entry(agent.clone())
                    .or_default()
                    .push(problem.name.clone());
            }
        }
        CoachingView {
            group_training: problems
                .iter()
                .filter(|p| p.share.common)
                .map(|p| {
                    (
                        p.name.clone(),
                        kind(&p.share.problem),
                        percent(p.share.share),
                        p.share.agents.len(),
                    )
                })
                .collect(),
            one_to_one: one_to_one
                .into_iter()
                .map(|(agent, problems)| (names.label(&agent), link(&agent), problems.join("、")))
                .collect(),
            flagged: flagged
                .iter()
                .map(|flag| {
                    let (measure, value, reference) = if flag.metric == "composite" {
                        (
                            t(locale, "performance.composite"),
                            score(Some(flag.value)),
                            score(Some(flag.reference)),
                        )
                    } else {
                        (
                            t(locale, &format!("kpi.{}", flag.metric)),
                            show(&flag.metric, Some(flag.value)),
                            show(&flag.metric, Some(flag.reference)),
                        )
                    };
                    (
                        names.label(&flag.agent_id),
                        link(&flag.agent_id),
                        measure,
                        value,
                        reference,
                    )
                })
                .collect(),
        }
    });
    // the card: an agent's own, or the one asked for
    let card_agent = match (&user.user.agent_id, all) {
        (Some(own), false) => Some(own.clone()),
        _ => query.agent.clone().filter(|a| !a.is_empty()),
    };
    let card = match card_agent {
        Some(agent) => {
            let failed: Vec<(String, String)> = problems
                .iter()
                .filter(|p| p.share.agents.contains(&agent))
                .map(|p| {
                    (
                        format!("{}:{}", p.share.problem.kind(), p.share.problem.id()),
                        p.name.clone(),
                    )
                })
                .collect();
            Some(card(&state, &user, &agent, &month, &names, failed).await?)
        }
        None => None,
    };
    let page = PerformancePage {
        i18n: Text::new(locale),
        title: t(locale, "performance.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        model: t(locale, "performance.model")
            .replace(
                "{name}",
                &if by_agent.model.version == 0 {
                    t(locale, "performance.standard_model")
                } else {
                    model.name.clone()
                },
            )
            .replace("{version}", &by_agent.model.version.to_string()),
        month,
        dimensions,
        teams,
        agents,
        team_options,
        card,
        all,
        coaching,
        can_edit_model: user.user.role.allows(Permission::ManageTargets),
    };
    Ok(render(&page)?.into_response())
}

/// One agent's card for `month`, with the five months before it.
async fn card(
    state: &AppState,
    user: &CurrentUser,
    agent: &str,
    month: &str,
    names: &AgentNames,
    failed: Vec<(String, String)>,
) -> Result<Card, Problem> {
    let locale = user.locale;
    let (from, to) = month_range(month).unwrap_or_default();
    let filter = vec![(Dimension::Agent, vec![agent.to_owned()])];
    let graded_month = graded(state, user, from, to, None, filter.clone()).await?;
    let model = &graded_month.model.model;
    let none = servq_kpi::ModelScore {
        dimensions: Vec::new(),
        composite: None,
        grade: None,
    };
    let scored = graded_month.groups.first().map_or(&none, |g| &g.score);
    let dimensions = model
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, dimension)| {
            let scored_dimension = scored.dimensions.get(i);
            DimensionLine {
                name: dimension_name(model, i, locale),
                weight: dimension.weight.to_string(),
                score: score(scored_dimension.and_then(|d| d.score)),
                measures: dimension
                    .measures
                    .iter()
                    .enumerate()
                    .map(|(m, measure)| {
                        let line = scored_dimension.and_then(|d| d.measures.get(m));
                        MeasureLine {
                            name: t(locale, &format!("kpi.{}", measure.metric)),
                            value: show(&measure.metric, line.and_then(|l| l.value)),
                            zero_at: show(&measure.metric, Some(measure.zero_at)),
                            full_at: show(&measure.metric, Some(measure.full_at)),
                            weight: measure.weight.to_string(),
                            score: score(line.and_then(|l| l.score)),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    // the balanced scorecard: each perspective's weighted mean of its measures' scores
    let perspectives = Perspective::ALL
        .iter()
        .filter_map(|perspective| {
            let (mut sum, mut weights) = (0.0, 0.0);
            let mut any = false;
            for (i, dimension) in model.dimensions.iter().enumerate() {
                for (m, measure) in dimension.measures.iter().enumerate() {
                    if measure.perspective != Some(*perspective) {
                        continue;
                    }
                    any = true;
                    if let Some(s) = scored
                        .dimensions
                        .get(i)
                        .and_then(|d| d.measures.get(m))
                        .and_then(|l| l.score)
                    {
                        sum += measure.weight * s;
                        weights += measure.weight;
                    }
                }
            }
            any.then(|| {
                (
                    t(
                        locale,
                        &format!("performance.perspective_{}", perspective.name()),
                    ),
                    score((weights > 0.0).then(|| sum / weights)),
                )
            })
        })
        .collect();
    let mut trend = Vec::new();
    for back in (0..6).rev() {
        let first = from.checked_sub(Span::new().months(back)).unwrap_or(from);
        let last = first.last_of_month();
        let graded = graded(state, user, first, last, None, filter.clone()).await?;
        let scored = graded.groups.first().map(|g| &g.score);
        trend.push((
            first.strftime("%Y-%m").to_string(),
            score(scored.and_then(|s| s.composite)),
            scored.and_then(|s| s.grade.clone()).unwrap_or_default(),
        ));
    }
    // n behind the measures: handled contacts, QA evaluations, CSAT answers
    let (_, zone) = state.centre_zone().await?;
    let counts = state
        .store
        .kpi(&servq_store::KpiQuery {
            group_by: Vec::new(),
            from_ms: Some(query_params::day_start_ms(locale, &zone, from, 0)?),
            to_ms: Some(query_params::day_start_ms(locale, &zone, to, 1)?),
            zone,
            filters: filter,
        })
        .await
        .map_err(Problem::internal)?;
    let samples = ["answered", "qa_evaluations", "csat_answers"]
        .iter()
        .map(|name| {
            let n = counts
                .first()
                .and_then(|g| crate::dashboard::metric_number(g, name));
            (
                t(locale, &format!("kpi.{name}")),
                show(name, n.or(Some(0.0))),
            )
        })
        .collect();
    let (_, zone) = state.centre_zone().await?;
    let today = query_params::today(&zone);
    let mut sessions = Vec::new();
    for (session, change) in servq_app::coaching::sessions(&state.store, &zone, Some(agent), today)
        .await
        .map_err(Problem::internal)?
    {
        let shown = |value: Option<f64>| {
            if session.metric.is_empty() {
                score(value)
            } else {
                show(&session.metric, value)
            }
        };
        sessions.push(SessionLine {
            date: session.session_date.clone(),
            coach: session.coach.clone(),
            topic: session.topic.clone(),
            problems: session.problems.join("、"),
            notes: session.notes.clone(),
            actions: session.actions.clone(),
            follow_up: session.follow_up.clone(),
            measure: if session.metric.is_empty() {
                t(locale, "performance.composite")
            } else {
                t(locale, &format!("kpi.{}", session.metric))
            },
            change: change.map(|(before, after)| (shown(before), shown(after))),
        });
    }
    let mut measures: Vec<(String, String)> = Vec::new();
    for dimension in &model.dimensions {
        for measure in &dimension.measures {
            // an agent's service level never has a value: nothing to follow
            let per_agent = servq_kpi::metric(&measure.metric)
                .is_some_and(|m| m.exclusion(&[servq_kpi::Dimension::Agent]).is_none());
            if per_agent && !measures.iter().any(|(m, _)| *m == measure.metric) {
                measures.push((
                    measure.metric.clone(),
                    t(locale, &format!("kpi.{}", measure.metric)),
                ));
            }
        }
    }
    Ok(Card {
        agent_id: agent.to_owned(),
        sessions,
        can_coach: user.user.role.allows(Permission::EvaluateQuality),
        failed,
        measures,
        today: today.to_string(),
        label: names.label(agent),
        composite: score(scored.composite),
        grade: scored.grade.clone().unwrap_or_else(|| "—".to_owned()),
        dimensions,
        perspectives,
        trend,
        samples,
    })
}

/// A rating given in the form (`POST /api/v1/ratings`): the columns of a ratings file, the
/// rater being the person signed in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct RatingBody {
    /// The agent rated.
    agent_id: String,
    /// supervisor, peer or self.
    source: String,
    /// YYYY-MM-DD.
    period_start: String,
    /// YYYY-MM-DD; the rating counts on this day.
    period_end: String,
    /// 1–5 each; absent or null where not answered (at least one is needed).
    #[serde(default)]
    response_speed: Option<i64>,
    #[serde(default)]
    problem_solving: Option<i64>,
    #[serde(default)]
    professionalism: Option<i64>,
    #[serde(default)]
    process: Option<i64>,
    #[serde(default)]
    satisfaction: Option<i64>,
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/ratings`: rates an agent for a period as supervisor, peer or self. Nobody
/// rates themselves except as self; a peer is an agent of the same team; a supervisor rating
/// does not come from an agent (400 bad_rating, naming the field).
#[utoipa::path(post, path = "/api/v1/ratings", tag = "performance", request_body = RatingBody,
    responses((status = 200, description = "rating_id", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn rate_api(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<RatingBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let form = servq_app::ratings::RatingForm {
        agent_id: body.agent_id,
        source: body.source,
        period_start: body.period_start,
        period_end: body.period_end,
        scores: [
            body.response_speed,
            body.problem_solving,
            body.professionalism,
            body.process,
            body.satisfaction,
        ],
        comment: body.comment,
    };
    match servq_app::ratings::rate(&state.store, &form, &user.actor()).await {
        Ok(rating_id) => Ok(Json(json!({ "rating_id": rating_id }))),
        Err(servq_app::ratings::RatingError::Refused(problems)) => Err(Problem::invalid_fields(
            user.locale,
            "bad_rating",
            &problems,
        )),
        // the rater is the person signed in: what they may give depends on the source chosen
        Err(servq_app::ratings::RatingError::Rater(refusal)) => Err(Problem::bad_request(
            user.locale,
            "bad_rating",
            refusal.to_string(),
        )
        .with_message(user.locale, &format!("rating_{}", refusal.code()), &[])),
        Err(servq_app::ratings::RatingError::Failed(error)) => {
            Err(Problem::internal(format!("{error:#}")))
        }
    }
}

/// `GET /api/v1/ratings` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct RatingsParams {
    /// Ratings whose period ends on or after this day (YYYY-MM-DD).
    from: String,
    /// … and on or before this day.
    to: String,
    /// Only this agent's.
    agent: Option<String>,
}

fn rating_json(stored: &servq_store::StoredRating) -> Value {
    let record = &stored.record;
    let mut row = json!({
        "rating_id": record.rating_id,
        "agent_id": record.agent_id,
        "rater": record.rater,
        "source": record.source.name(),
        "period_start": record.period_start.to_string(),
        "period_end": record.period_end.to_string(),
        "comment": record.comment,
        "created_by": stored.created_by,
        "created_at": servq_app::rfc3339(stored.created_ms),
    });
    for (dimension, score) in servq_core::RATING_DIMENSIONS.iter().zip(record.scores) {
        row[*dimension] = json!(score);
    }
    row
}

/// `GET /api/v1/ratings`: the ratings whose period ends in `from`–`to`, newest first.
#[utoipa::path(get, path = "/api/v1/ratings", tag = "performance", params(RatingsParams),
    responses((status = 200, description = "ratings: [{rating_id, agent_id, rater, source, period_start, period_end, response_speed, problem_solving, professionalism, process, satisfaction, comment, created_by, created_at}]", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn ratings_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<RatingsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewAllKpis)?;
    let Query(params) = params?;
    let from = query_params::parse_date(user.locale, &params.from)?;
    let to = query_params::parse_date(user.locale, &params.to)?;
    let ratings = state
        .store
        .ratings(params.agent.as_deref(), &from.to_string(), &to.to_string())
        .await
        .map_err(Problem::internal)?;
    Ok(Json(json!({
        "ratings": ratings.iter().map(rating_json).collect::<Vec<_>>(),
    })))
}

/// One rating as the page lists it.
pub(crate) struct RatingLine {
    agent: String,
    rater: String,
    source: String,
    period: String,
    scores: Vec<String>,
    comment: String,
}

/// `/performance/ratings`.
#[derive(Template)]
#[template(path = "ratings.html")]
pub(crate) struct RatingsPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    month: String,
    period_start: String,
    period_end: String,
    /// (agent id, label) of the roster.
    agents: Vec<(String, String)>,
    /// (source, label, chosen)
    sources: Vec<(&'static str, String, bool)>,
    /// (dimension id, name)
    dimensions: Vec<(&'static str, String)>,
    ratings: Vec<RatingLine>,
    all: bool,
}

/// `GET /performance/ratings?month=YYYY-MM`: the 360° form and the month's ratings (all of them
/// for those who see every KPI; those one gave, otherwise).
pub(crate) async fn ratings_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    query: Result<Query<PerformanceQuery>, QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Query(query) = query?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let today = query_params::today(&zone);
    let month = chosen_month(query.month.as_deref(), today);
    let (from, to) = month_range(&month).unwrap_or((today, today));
    let names = AgentNames::load(&state).await?;
    let agents = state.store.agents().await.map_err(Problem::internal)?;
    // what the person may give (the rule is servq_core::check_rater; the store applies it):
    // an agent rates themselves and their team's agents; anyone else gives supervisor ratings
    let own = user.user.agent_id.clone();
    let own_team = own
        .as_deref()
        .and_then(|own| agents.iter().find(|a| a.agent_id == own))
        .map(|a| a.team.clone())
        .unwrap_or_default();
    let mut roster: Vec<(String, String)> = agents
        .iter()
        .filter(|agent| match &own {
            None => true,
            Some(own) => agent.agent_id == *own || (!own_team.is_empty() && agent.team == own_team),
        })
        .map(|agent| (agent.agent_id.clone(), names.label(&agent.agent_id)))
        .collect();
    roster.sort_by_key(|(id, _)| natural_key(id));
    let all = user.user.role.allows(Permission::ViewAllKpis);
    let offered: &[servq_core::RatingSource] = if own.is_some() {
        &[
            servq_core::RatingSource::SelfRating,
            servq_core::RatingSource::Peer,
        ]
    } else {
        &[servq_core::RatingSource::Supervisor]
    };
    let default_source = offered[0].name();
    let ratings = state
        .store
        .ratings(None, &from.to_string(), &to.to_string())
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .filter(|stored| all || stored.created_by == user.user.username)
        .map(|stored| {
            let record = stored.record;
            RatingLine {
                agent: names.label(&record.agent_id),
                rater: record.rater,
                source: t(
                    locale,
                    &format!("performance.source_{}", record.source.name()),
                ),
                period: format!("{} – {}", record.period_start, record.period_end),
                scores: record
                    .scores
                    .iter()
                    .map(|s| s.map_or("—".to_owned(), |s| s.to_string()))
                    .collect(),
                comment: record.comment,
            }
        })
        .collect();
    let page = RatingsPage {
        i18n: Text::new(locale),
        title: t(locale, "performance.ratings_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        period_start: from.to_string(),
        period_end: to.to_string(),
        month,
        agents: roster,
        sources: offered
            .iter()
            .map(|s| {
                (
                    s.name(),
                    t(locale, &format!("performance.source_{}", s.name())),
                    s.name() == default_source,
                )
            })
            .collect(),
        dimensions: servq_core::RATING_DIMENSIONS
            .iter()
            .map(|d| (*d, t(locale, &format!("performance.dimension_{d}"))))
            .collect(),
        ratings,
        all,
    };
    Ok(render(&page)?.into_response())
}

/// A coaching session (`POST /api/v1/coaching/sessions`).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct SessionBody {
    /// The agent coached.
    agent_id: String,
    /// What it is about.
    topic: String,
    /// The problems discussed: `item:ID` or `rule:NAME`.
    #[serde(default)]
    problems: Vec<String>,
    /// A `servq kpi` metric to follow; absent: the composite.
    #[serde(default)]
    metric: Option<String>,
    /// YYYY-MM-DD; absent: today.
    #[serde(default)]
    session_date: Option<String>,
    /// YYYY-MM-DD, after the session.
    follow_up: String,
    #[serde(default)]
    notes: String,
    /// Agreed actions.
    #[serde(default)]
    actions: String,
}

/// `POST /api/v1/coaching/sessions`: records a session; the agent is told (in the app and, when
/// they chose it, by e-mail through the outbox).
#[utoipa::path(post, path = "/api/v1/coaching/sessions", tag = "performance", request_body = SessionBody,
    responses((status = 200, description = "id", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn record_session_api(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    body: Result<Json<SessionBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EvaluateQuality)?;
    user.check_csrf_header(&headers)?;
    let Json(body) = body?;
    let (_, zone) = state.centre_zone().await?;
    let form = servq_app::coaching::SessionForm {
        agent_id: body.agent_id,
        topic: body.topic,
        problems: body.problems,
        metric: body.metric.unwrap_or_default(),
        session_date: body.session_date.unwrap_or_default(),
        follow_up: body.follow_up,
        notes: body.notes,
        actions: body.actions,
    };
    let id = servq_app::coaching::record(&state.store, &zone, &form, &user.actor())
        .await
        .map_err(|error| Problem::refused_setting(user.locale, "bad_evaluation", error))?;
    // tell the agent now rather than at the next pass
    if let Err(error) = servq_app::notifications::pass(&state.store, servq_app::now_ms()).await {
        tracing::error!("notification pass after a coaching session failed: {error:#}");
    }
    Ok(Json(json!({ "id": id })))
}

/// `GET /api/v1/coaching/sessions` parameters.
#[derive(Debug, Deserialize, Default, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SessionsParams {
    /// Only this agent's sessions (agents always get their own).
    agent: Option<String>,
}

/// `GET /api/v1/coaching/sessions`: sessions newest first, each with its measure before (the 30
/// days up to the session) and after (the session to the follow-up) once the follow-up passed.
#[utoipa::path(get, path = "/api/v1/coaching/sessions", tag = "performance", params(SessionsParams),
    responses((status = 200, description = "sessions: [{id, agent_id, coach, topic, problems, metric, session_date, follow_up, notes, actions, before, after}]", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn sessions_api(
    State(state): State<AppState>,
    user: CurrentUser,
    params: Result<Query<SessionsParams>, QueryRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Query(params) = params?;
    let agent = if user.user.role.allows(Permission::ViewAllKpis) {
        params.agent.filter(|a| !a.is_empty())
    } else {
        Some(user.user.agent_id.clone().unwrap_or_default())
    };
    let (_, zone) = state.centre_zone().await?;
    let today = query_params::today(&zone);
    let mut rows = Vec::new();
    for (session, change) in
        servq_app::coaching::sessions(&state.store, &zone, agent.as_deref(), today)
            .await
            .map_err(Problem::internal)?
    {
        rows.push(json!({
            "id": session.id,
            "agent_id": session.agent_id,
            "coach": session.coach,
            "topic": session.topic,
            "problems": session.problems,
            "metric": if session.metric.is_empty() { "composite" } else { session.metric.as_str() },
            "session_date": session.session_date,
            "follow_up": session.follow_up,
            "notes": session.notes,
            "actions": session.actions,
            "before": change.and_then(|c| c.0),
            "after": change.and_then(|c| c.1),
        }));
    }
    Ok(Json(json!({ "sessions": rows })))
}

/// `/performance/model`.
#[derive(Template)]
#[template(path = "evaluation_model.html")]
pub(crate) struct ModelPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    today: String,
    /// The latest model as the editor starts from it.
    model_json: String,
    /// [{name, label}] of every metric.
    metrics_json: String,
    editor_strings: String,
    /// (version, name, effective from, saved by), newest first.
    versions: Vec<(i64, String, String, String)>,
    /// Said when only the built-in model exists.
    current: String,
}

/// `GET /performance/model`: the model in a form editor (those who set targets and the model).
pub(crate) async fn model_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageTargets)?;
    let locale = user.locale;
    let (_, zone) = state.centre_zone().await?;
    let latest = app::latest(&state.store).await.map_err(Problem::internal)?;
    let metrics: Vec<Value> = servq_kpi::METRICS
        .iter()
        .map(|m| json!({"name": m.name, "label": format!("{} · {}", t(locale, &format!("kpi.{}", m.name)), m.name)}))
        .collect();
    let mut versions: Vec<(i64, String, String, String)> = state
        .store
        .evaluation_models()
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|v| (v.version, v.name, v.effective_from, v.created_by))
        .collect();
    versions.reverse();
    let page = ModelPage {
        i18n: Text::new(locale),
        title: t(locale, "performance.model_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        today: query_params::today(&zone).to_string(),
        model_json: crate::pages::script_json(&json!(latest.model)),
        metrics_json: crate::pages::script_json(&Value::Array(metrics)),
        editor_strings: crate::pages::catalogue_island(locale, "editor."),
        versions,
        current: t(locale, "performance.model")
            .replace("{name}", &t(locale, "performance.standard_model"))
            .replace("{version}", "0"),
    };
    Ok(render(&page)?.into_response())
}
