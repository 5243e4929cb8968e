//! The case library and training over HTTP (`docs/kb.md#case-library`, `#training`): cases
//! (`/api/v1/kb/cases…`, pages `/kb/cases`, `/kb/cases/{id}`, the tree editor, the walk mode),
//! courses (`/api/v1/courses…`, pages `/training`, `/training/{id}`, the exam, attempts with
//! their certificate, the course editor). The rules live in `servq_app::training`; everyone
//! reads cases, walks them and takes the exams of courses; editors (EditKnowledge) write cases;
//! trainers (ManageTraining) build, assign and grade courses.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    Json,
    extract::{
        Path, RawQuery, State,
        rejection::{JsonRejection, PathRejection},
    },
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use servq_app::i18n::t;
use servq_app::path_segment;
use servq_app::training as app;
use servq_core::Permission;
use servq_store::{AttemptStatus, StoredCase, StoredCourse};

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    pages::{Text, render, signed_in_header},
};

async fn case_of(state: &AppState, user: &CurrentUser, id: &str) -> Result<StoredCase, Problem> {
    state
        .store
        .kb_case(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))
}

async fn course_of(
    state: &AppState,
    user: &CurrentUser,
    id: &str,
) -> Result<StoredCourse, Problem> {
    state
        .store
        .course(id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(user.locale))
}

/// `GET /api/v1/kb/cases`: every case (without its nodes).
#[utoipa::path(get, path = "/api/v1/kb/cases", tag = "kb",
    responses((status = 200, description = "{cases: [{id, title, category, kind, summary, nodes: count}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn cases(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let cases = state.store.kb_cases().await.map_err(Problem::internal)?;
    Ok(Json(app::cases_json(&cases)))
}

/// `GET /api/v1/kb/cases/{id}`: a case with its tree and the path statistics.
#[utoipa::path(get, path = "/api/v1/kb/cases/{id}", tag = "kb",
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "{id, title, category, kind, summary, source_contact, nodes: [{id, parent, kind, customer, agent, avoid}], walks, stats: [{node, visits, missed, ended}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn case(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let case = case_of(&state, &user, &id).await?;
    let report = app::case_report_json(&state.store, &case)
        .await
        .map_err(Problem::internal)?;
    Ok(Json(report))
}

/// `PUT /api/v1/kb/cases/{id}`: creates or replaces a case (the whole tree).
#[utoipa::path(put, path = "/api/v1/kb/cases/{id}", tag = "kb",
    params(("id" = String, Path, description = "Case id (1–64 letters, digits, -, _, .)")),
    request_body(content = Object, description = "{title, category, kind: standard|good|bad, summary, source_contact, nodes: [{id, parent (null for the root), kind: request|question|resolution|closing, customer, agent, avoid}]}"),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_case(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<app::CaseRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::EditKnowledge)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::save_case(&state.store, &id, body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_case", e))?;
    Ok(Json(json!({ "id": id })))
}

/// `POST /api/v1/kb/cases/{id}/walks` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct WalkBody {
    /// Node ids from the root to a leaf.
    path: Vec<i64>,
    /// Nodes where the avoided wording was chosen.
    #[serde(default)]
    missed: Vec<i64>,
}

/// `POST /api/v1/kb/cases/{id}/walks`: records a trainee's walk (for the path statistics).
#[utoipa::path(post, path = "/api/v1/kb/cases/{id}/walks", tag = "kb", request_body = WalkBody,
    params(("id" = String, Path, description = "Case id")),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn walk(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<WalkBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::record_walk(&state.store, &id, &body.path, &body.missed, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_walk", e))?;
    Ok(Json(json!({ "id": id })))
}

/// `GET /api/v1/courses`: every course (without answers).
#[utoipa::path(get, path = "/api/v1/courses", tag = "kb",
    responses((status = 200, description = "{courses: [course]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn courses(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let trainer = user.user.role.allows(Permission::ManageTraining);
    let courses = state.store.courses().await.map_err(Problem::internal)?;
    Ok(Json(
        json!({"courses": courses.iter().map(|c| app::course_json(c, trainer)).collect::<Vec<_>>()}),
    ))
}

/// `GET /api/v1/courses/{id}`: a course; trainers get the answers, assignments, attempts,
/// feedback and the QA effect.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "kb",
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "{id, title, description, items, questions, pass_mark, max_attempts, qa_items, …; trainers also: assignments, attempts, feedback, effect: [{item, name, before, after, trainees}]}", body = Object),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn course(
    State(state): State<AppState>,
    user: CurrentUser,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let course = course_of(&state, &user, &id).await?;
    let trainer = user.user.role.allows(Permission::ManageTraining);
    let out = if trainer {
        app::course_report_json(&state.store, &course)
            .await
            .map_err(Problem::internal)?
    } else {
        app::course_json(&course, false)
    };
    Ok(Json(out))
}

/// `PUT /api/v1/courses/{id}`: creates or replaces a course.
#[utoipa::path(put, path = "/api/v1/courses/{id}", tag = "kb",
    params(("id" = String, Path, description = "Course id (1–64 letters, digits, -, _, .)")),
    request_body(content = Object, description = "{title, description, items: [{kind: article|case, id}], questions: [{kind: single|multiple|true_false|short, prompt, options, answer: [indices] ([1] true, [0] false), model_answer, points}], pass_mark: 1–100, max_attempts (0: no limit), qa_items: [scorecard item ids]}"),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn save_course(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<app::CourseRequest>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTraining)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::save_course(&state.store, &id, body, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_course", e))?;
    Ok(Json(json!({ "id": id })))
}

/// `POST /api/v1/courses/{id}/assignments` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AssignBody {
    /// Usernames.
    #[serde(default)]
    users: Vec<String>,
    /// Teams: every agent user of each.
    #[serde(default)]
    teams: Vec<String>,
    /// Due day, YYYY-MM-DD.
    #[serde(default)]
    due_date: String,
    /// Why (e.g. a common QA problem).
    #[serde(default)]
    reason: String,
}

/// `POST /api/v1/courses/{id}/assignments`: assigns the course to users and teams.
#[utoipa::path(post, path = "/api/v1/courses/{id}/assignments", tag = "kb", request_body = AssignBody,
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "{id, added}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<AssignBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTraining)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let added = app::assign(
        &state.store,
        &id,
        &body.users,
        &body.teams,
        &body.due_date,
        &body.reason,
        &user.actor(),
    )
    .await
    .map_err(|e| Problem::refused_setting(user.locale, "bad_assignment", e))?;
    // the trainees hear of it at once, not at the jobs loop's next pass
    crate::notifications::notify_now(&state).await;
    Ok(Json(json!({"id": id, "added": added})))
}

/// `POST /api/v1/courses/{id}/attempts` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct AttemptBody {
    /// One answer per question: option indices for a choice, true/false, text for a short
    /// answer, null for none.
    #[schema(value_type = Vec<Object>)]
    answers: Vec<Value>,
}

/// `POST /api/v1/courses/{id}/attempts`: takes the exam; graded at once or waiting for a grader.
#[utoipa::path(post, path = "/api/v1/courses/{id}/attempts", tag = "kb", request_body = AttemptBody,
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "{id, course, username, answers, points, max_points, status: passed|failed|awaiting_grading, submitted_at, graded_by}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn attempt(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<AttemptBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let attempt = app::submit(&state.store, &id, body.answers, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_attempt", e))?;
    Ok(Json(app::attempt_json(&attempt)))
}

/// `POST /api/v1/attempts/{id}/grade` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct GradeBody {
    /// Points per short-answer question index (`{"3": 4}`).
    points: BTreeMap<usize, u32>,
}

/// `POST /api/v1/attempts/{id}/grade`: a trainer grades the short answers.
#[utoipa::path(post, path = "/api/v1/attempts/{id}/grade", tag = "kb", request_body = GradeBody,
    params(("id" = i64, Path, description = "Attempt id")),
    responses((status = 200, description = "{id, status}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 403, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 404, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn grade(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<GradeBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ManageTraining)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    let status = app::grade_attempt(&state.store, id, &body.points, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_grade", e))?;
    Ok(Json(json!({"id": id, "status": status.name()})))
}

/// `POST /api/v1/courses/{id}/feedback` body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct FeedbackBody {
    /// 1 to 5.
    rating: u8,
    /// What the trainee says.
    #[serde(default)]
    comment: String,
}

/// `POST /api/v1/courses/{id}/feedback`: the trainee's post-training feedback.
#[utoipa::path(post, path = "/api/v1/courses/{id}/feedback", tag = "kb", request_body = FeedbackBody,
    params(("id" = String, Path, description = "Course id")),
    responses((status = 200, description = "{id}", body = Object),
        (status = 400, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 401, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 415, body = crate::ProblemDocument, content_type = "application/problem+json"),
        (status = 422, body = crate::ProblemDocument, content_type = "application/problem+json")))]
pub(crate) async fn feedback(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
    body: Result<Json<FeedbackBody>, JsonRejection>,
) -> Result<Json<Value>, Problem> {
    user.require(Permission::ViewOwnKpis)?;
    user.check_csrf_header(&headers)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let Json(body) = body?;
    app::feedback(&state.store, &id, body.rating, &body.comment, &user.actor())
        .await
        .map_err(|e| Problem::refused_setting(user.locale, "bad_feedback", e))?;
    Ok(Json(json!({ "id": id })))
}

// ---- pages ----

/// One node as the case page shows it.
pub(crate) struct NodeLine {
    depth: usize,
    id: i64,
    kind: &'static str,
    kind_name: String,
    customer: String,
    agent: String,
    avoid: String,
    /// "visits · missed · ended" for editors ('' when nobody walked it).
    stats: String,
}

/// `/kb/cases`.
#[derive(Template)]
#[template(path = "kb_cases.html")]
pub(crate) struct CasesPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    /// (id, title, kind name, category, nodes)
    cases: Vec<(String, String, String, String, usize)>,
    can_edit: bool,
}

/// `GET /kb/cases`.
pub(crate) async fn cases_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let cases = state.store.kb_cases().await.map_err(Problem::internal)?;
    let page = CasesPage {
        i18n: Text::new(locale),
        title: t(locale, "cases.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        cases: cases
            .iter()
            .map(|c| {
                (
                    path_segment(&c.id),
                    c.title.clone(),
                    t(locale, &format!("cases.kind_{}", c.kind.name())),
                    c.category.clone(),
                    c.nodes.len(),
                )
            })
            .collect(),
        can_edit: user.user.role.allows(Permission::EditKnowledge),
    };
    Ok(render(&page)?.into_response())
}

/// `/kb/cases/{id}`.
#[derive(Template)]
#[template(path = "kb_case.html")]
pub(crate) struct CasePage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: String,
    kind: String,
    category: String,
    summary: String,
    source_contact: String,
    nodes: Vec<NodeLine>,
    walks: usize,
    can_edit: bool,
}

/// `GET /kb/cases/{id}`: the tree, and for editors how trainees walked it.
pub(crate) async fn case_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let case = case_of(&state, &user, &id).await?;
    let can_edit = user.user.role.allows(Permission::EditKnowledge);
    let walks = state
        .store
        .kb_case_walks(&id)
        .await
        .map_err(Problem::internal)?;
    let (stats, count) = app::path_stats(&walks);
    let nodes = servq_kb::case::reading_order(&case.nodes)
        .into_iter()
        .map(|(depth, node)| NodeLine {
            depth,
            id: node.id,
            kind: node.kind.name(),
            kind_name: t(locale, &format!("cases.node_{}", node.kind.name())),
            customer: node.customer.clone(),
            agent: node.agent.clone(),
            avoid: node.avoid.clone(),
            stats: match stats.get(&node.id) {
                Some(s) if can_edit => t(locale, "cases.node_stats")
                    .replace("{visits}", &s.visits.to_string())
                    .replace("{missed}", &s.missed.to_string())
                    .replace("{ended}", &s.ended.to_string()),
                _ => String::new(),
            },
        })
        .collect();
    let page = CasePage {
        i18n: Text::new(locale),
        title: case.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: path_segment(&case.id),
        kind: t(locale, &format!("cases.kind_{}", case.kind.name())),
        category: case.category.clone(),
        summary: case.summary.clone(),
        source_contact: case.source_contact.clone(),
        nodes,
        walks: count,
        can_edit,
    };
    Ok(render(&page)?.into_response())
}

/// `/kb/cases/{id}/walk`.
#[derive(Template)]
#[template(path = "kb_case_walk.html")]
pub(crate) struct WalkPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: String,
    /// The case as JSON for cases.js.
    case_json: String,
}

/// `GET /kb/cases/{id}/walk`: the guided walk for training.
pub(crate) async fn walk_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let case = case_of(&state, &user, &id).await?;
    let page = WalkPage {
        i18n: Text::new(user.locale),
        title: case.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: path_segment(&case.id),
        case_json: app::case_json(&case).to_string(),
    };
    Ok(render(&page)?.into_response())
}

/// `/kb/cases/new` query: a draft from a transcript — `contact`, and the turns to use (numbers
/// from 1, `turns=2&turns=5` as the contact page's checkboxes send them, or `turns=2,5`; all
/// when none).
#[derive(Debug, Default)]
pub(crate) struct DraftQuery {
    /// The contact whose transcript the draft comes from.
    contact: Option<String>,
    /// Turn numbers (from 1).
    turns: Vec<usize>,
}

impl DraftQuery {
    fn parse(raw: Option<&str>) -> DraftQuery {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
        let mut query = DraftQuery::default();
        for (key, value) in pairs {
            match key.as_str() {
                "contact" => query.contact = Some(value),
                "turns" => query.turns.extend(
                    value
                        .split(',')
                        .filter_map(|n| n.trim().parse::<usize>().ok()),
                ),
                _ => {}
            }
        }
        query
    }
}

/// `/kb/cases/new` and `/kb/cases/{id}/edit`.
#[derive(Template)]
#[template(path = "kb_case_edit.html")]
pub(crate) struct CaseEditPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    is_new: bool,
    /// The case as JSON for the tree editor.
    case_json: String,
    /// (name, label)
    kinds: Vec<(&'static str, String)>,
    /// [[name, label]] of the node kinds, JSON for the tree editor.
    node_kinds: String,
    /// The centre's forbidden phrases, offered as "avoid" wording.
    forbidden: Vec<String>,
    /// A draft made from a transcript.
    from_contact: String,
}

async fn edit_case_page(
    state: &AppState,
    user: &CurrentUser,
    case: Option<StoredCase>,
    draft: Option<(String, Vec<servq_kb::case::CaseNode>)>,
) -> Result<Response, Problem> {
    let locale = user.locale;
    let is_new = case.is_none();
    let from_contact = draft.as_ref().map(|(c, _)| c.clone()).unwrap_or_default();
    let case_json = match (&case, draft) {
        (Some(case), _) => app::case_json(case),
        (None, Some((contact, nodes))) => json!({"id": "", "title": "", "category": "",
            "kind": "good", "summary": "", "source_contact": contact, "nodes": nodes}),
        (None, None) => json!({"id": "", "title": "", "category": "", "kind": "standard",
            "summary": "", "source_contact": "", "nodes": [{"id": 1, "parent": null,
            "kind": "request", "customer": "", "agent": "", "avoid": ""}]}),
    };
    let page = CaseEditPage {
        i18n: Text::new(locale),
        title: t(locale, if is_new { "cases.new" } else { "cases.edit" }),
        header: signed_in_header(user),
        csrf: user.csrf_token().to_owned(),
        is_new,
        case_json: case_json.to_string(),
        kinds: servq_kb::case::CaseKind::ALL
            .iter()
            .map(|k| (k.name(), t(locale, &format!("cases.kind_{}", k.name()))))
            .collect(),
        node_kinds: json!(
            servq_kb::case::NodeKind::ALL
                .iter()
                .map(|k| (k.name(), t(locale, &format!("cases.node_{}", k.name()))))
                .collect::<Vec<_>>()
        )
        .to_string(),
        forbidden: app::forbidden_phrases(&state.store)
            .await
            .map_err(Problem::internal)?,
        from_contact,
    };
    Ok(render(&page)?.into_response())
}

/// `GET /kb/cases/new[?contact=&turns=]`: a new case, or a draft from a transcript.
pub(crate) async fn new_case_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EditKnowledge)?;
    let query = DraftQuery::parse(raw.as_deref());
    let draft = match query.contact.as_deref().map(str::trim) {
        Some(contact) if !contact.is_empty() => {
            let nodes = app::draft_from_transcript(&state.store, contact, &query.turns)
                .await
                .map_err(Problem::internal)?
                .ok_or_else(|| Problem::not_found(user.locale))?;
            Some((contact.to_owned(), nodes))
        }
        _ => None,
    };
    edit_case_page(&state, &user, None, draft).await
}

/// `GET /kb/cases/{id}/edit`: the tree editor.
pub(crate) async fn edit_case(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EditKnowledge)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let case = case_of(&state, &user, &id).await?;
    edit_case_page(&state, &user, Some(case), None).await
}

/// A course in a list.
pub(crate) struct CourseRow {
    id: String,
    title: String,
    questions: usize,
    pass_mark: u32,
    /// The trainee's standing: status name key ('' for none).
    standing: String,
    due_date: String,
}

/// `/training`.
#[derive(Template)]
#[template(path = "training.html")]
pub(crate) struct TrainingPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    mine: Vec<CourseRow>,
    all: Vec<CourseRow>,
    trainer: bool,
    /// Attempts waiting for a grader: (attempt id, course title, trainee).
    awaiting: Vec<(i64, String, String)>,
}

fn standing(locale: servq_app::i18n::Locale, attempt: Option<&servq_store::Attempt>) -> String {
    match attempt {
        None => t(locale, "training.not_started"),
        Some(a) => t(locale, &format!("training.status_{}", a.status.name())),
    }
}

/// `GET /training`: my courses; for trainers every course and what waits for grading.
pub(crate) async fn training_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let trainer = user.user.role.allows(Permission::ManageTraining);
    let mine = app::my_courses(&state.store, &user.user.username)
        .await
        .map_err(Problem::internal)?
        .into_iter()
        .map(|(assignment, course, best)| CourseRow {
            id: path_segment(&course.id),
            title: course.title.clone(),
            questions: course.questions.len(),
            pass_mark: course.pass_mark,
            standing: standing(locale, best.as_ref()),
            due_date: assignment.due_date,
        })
        .collect();
    let courses = state.store.courses().await.map_err(Problem::internal)?;
    let all = courses
        .iter()
        .map(|course| CourseRow {
            id: path_segment(&course.id),
            title: course.title.clone(),
            questions: course.questions.len(),
            pass_mark: course.pass_mark,
            standing: String::new(),
            due_date: String::new(),
        })
        .collect();
    let awaiting = if trainer {
        state
            .store
            .exam_attempts_awaiting()
            .await
            .map_err(Problem::internal)?
            .into_iter()
            .map(|a| {
                let title = courses
                    .iter()
                    .find(|c| c.id == a.course_id)
                    .map(|c| c.title.clone())
                    .unwrap_or_default();
                (a.id, title, a.username)
            })
            .collect()
    } else {
        Vec::new()
    };
    let page = TrainingPage {
        i18n: Text::new(locale),
        title: t(locale, "training.title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        mine,
        all,
        trainer,
        awaiting,
    };
    Ok(render(&page)?.into_response())
}

/// `/training/{id}`.
#[derive(Template)]
#[template(path = "course.html")]
pub(crate) struct CoursePage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: String,
    description: String,
    /// (href, title, kind label)
    items: Vec<(String, String, String)>,
    questions: usize,
    pass_mark: u32,
    max_attempts: u32,
    /// The trainee's attempts: (id, points, max, status label, status name).
    attempts: Vec<(i64, u32, u32, String, &'static str)>,
    can_attempt: bool,
    trainer: bool,
    /// (username, due, reason, completed)
    assignments: Vec<(String, String, String, String)>,
    /// (username, rating as stars, comment)
    feedback: Vec<(String, String, String)>,
    /// (item, name, before %, after %, trainees)
    effect: Vec<(String, String, String, String, usize)>,
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |v| format!("{:.1}%", v * 100.0))
}

/// `GET /training/{id}`: what to study, the exam, one's attempts; for trainers the
/// assignments, feedback and the QA effect.
pub(crate) async fn course_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let course = course_of(&state, &user, &id).await?;
    let store = &state.store;
    let trainer = user.user.role.allows(Permission::ManageTraining);
    let mut items = Vec::new();
    for item in &course.items {
        let (href, title) = if item.kind == "case" {
            let title = store
                .kb_case(&item.id)
                .await
                .map_err(Problem::internal)?
                .map(|c| c.title)
                .unwrap_or_else(|| item.id.clone());
            (format!("/kb/cases/{}/walk", path_segment(&item.id)), title)
        } else {
            let title = store
                .kb_article(&item.id)
                .await
                .map_err(Problem::internal)?
                .map(|a| a.input.title)
                .unwrap_or_else(|| item.id.clone());
            (format!("/kb/{}", path_segment(&item.id)), title)
        };
        items.push((
            href,
            title,
            t(locale, &format!("training.item_{}", item.kind)),
        ));
    }
    let mine = store
        .exam_attempts(&id, Some(&user.user.username))
        .await
        .map_err(Problem::internal)?;
    let can_attempt = course.max_attempts == 0 || mine.len() < course.max_attempts as usize;
    let (assignments, feedback, effect) = if trainer {
        let zone = state.centre_zone().await?.1;
        (
            store
                .course_assignments(Some(&id), None)
                .await
                .map_err(Problem::internal)?
                .into_iter()
                .map(|a| {
                    (
                        a.username,
                        a.due_date,
                        a.reason,
                        a.completed_at.map_or_else(String::new, |at| {
                            crate::desk_pages::local_time(&zone, Some(at))
                        }),
                    )
                })
                .collect(),
            store
                .course_feedback(&id)
                .await
                .map_err(Problem::internal)?
                .into_iter()
                .map(|f| (f.username, "★".repeat(usize::from(f.rating)), f.comment))
                .collect(),
            app::effect(store, &course)
                .await
                .map_err(Problem::internal)?
                .into_iter()
                .map(|e| {
                    (
                        e.item,
                        e.name,
                        percent(e.before),
                        percent(e.after),
                        e.trainees,
                    )
                })
                .collect(),
        )
    } else {
        (Vec::new(), Vec::new(), Vec::new())
    };
    let page = CoursePage {
        i18n: Text::new(locale),
        title: course.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: path_segment(&course.id),
        description: course.description.clone(),
        items,
        questions: course.questions.len(),
        pass_mark: course.pass_mark,
        max_attempts: course.max_attempts,
        attempts: mine
            .iter()
            .map(|a| {
                (
                    a.id,
                    a.points(),
                    a.max_points,
                    t(locale, &format!("training.status_{}", a.status.name())),
                    a.status.name(),
                )
            })
            .collect(),
        can_attempt,
        trainer,
        assignments,
        feedback,
        effect,
    };
    Ok(render(&page)?.into_response())
}

/// One question on the exam page.
pub(crate) struct ExamQuestion {
    index: usize,
    /// From 1.
    number: usize,
    kind: &'static str,
    prompt: String,
    /// (index, text)
    options: Vec<(usize, String)>,
    points: u32,
}

/// `/training/{id}/exam`.
#[derive(Template)]
#[template(path = "exam.html")]
pub(crate) struct ExamPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: String,
    pass_mark: u32,
    questions: Vec<ExamQuestion>,
}

/// `GET /training/{id}/exam`: the exam (without the answers).
pub(crate) async fn exam_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let course = course_of(&state, &user, &id).await?;
    let page = ExamPage {
        i18n: Text::new(user.locale),
        title: course.title.clone(),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: path_segment(&course.id),
        pass_mark: course.pass_mark,
        questions: course
            .questions
            .iter()
            .enumerate()
            .map(|(index, q)| ExamQuestion {
                index,
                number: index + 1,
                kind: q.kind.name(),
                prompt: q.prompt.clone(),
                options: q.options.iter().cloned().enumerate().collect(),
                points: q.points,
            })
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// One answer on the attempt page.
pub(crate) struct AnswerLine {
    index: usize,
    prompt: String,
    given: String,
    /// The right answer (trainers, or the trainee once graded).
    right: String,
    /// "2 / 2", or '' for a short answer not yet graded.
    points: String,
    /// A short answer waiting for points (trainers grade it here).
    to_grade: bool,
    max: u32,
}

/// `/training/attempts/{id}`.
#[derive(Template)]
#[template(path = "attempt.html")]
pub(crate) struct AttemptPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    id: i64,
    course_id: String,
    course_title: String,
    username: String,
    points: u32,
    max_points: u32,
    pass_mark: u32,
    status: &'static str,
    status_label: String,
    when: String,
    answers: Vec<AnswerLine>,
    trainer: bool,
    /// The certificate (a passed attempt): the centre's name.
    centre: String,
}

/// `GET /training/attempts/{id}`: the result, the certificate when passed, the grading form
/// for trainers.
pub(crate) async fn attempt_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let Path(id) = id.map_err(|_| Problem::not_found(locale))?;
    let trainer = user.user.role.allows(Permission::ManageTraining);
    let attempt = state
        .store
        .exam_attempt(id)
        .await
        .map_err(Problem::internal)?
        .filter(|a| trainer || a.username == user.user.username)
        .ok_or_else(|| Problem::not_found(locale))?;
    let course = course_of(&state, &user, &attempt.course_id).await?;
    let graded: BTreeMap<usize, u32> = attempt.graded_points.iter().copied().collect();
    let settled = attempt.status != AttemptStatus::AwaitingGrading;
    let answers = course
        .questions
        .iter()
        .enumerate()
        .map(|(index, q)| {
            let given = attempt.answers.get(index).cloned().unwrap_or(Value::Null);
            let option_text = |indices: &[usize]| {
                indices
                    .iter()
                    .filter_map(|i| q.options.get(*i).cloned())
                    .collect::<Vec<_>>()
                    .join("；")
            };
            let tf = |b: bool| t(locale, if b { "training.true" } else { "training.false" });
            let given_text = match q.kind {
                servq_kb::training::QuestionKind::Short => given.as_str().unwrap_or("").to_owned(),
                servq_kb::training::QuestionKind::TrueFalse => {
                    given.as_bool().map(tf).unwrap_or_default()
                }
                _ => option_text(
                    &given
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|v| v.as_u64().map(|v| v as usize))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default(),
                ),
            };
            let right = match q.kind {
                servq_kb::training::QuestionKind::Short => q.model_answer.clone(),
                servq_kb::training::QuestionKind::TrueFalse => tf(q.answer == [1]),
                _ => option_text(&q.answer),
            };
            let is_short = q.kind == servq_kb::training::QuestionKind::Short;
            let answered_short = is_short && given.as_str().is_some_and(|s| !s.trim().is_empty());
            let scored = if is_short {
                graded.get(&index).copied()
            } else {
                servq_kb::training::grade(std::slice::from_ref(q), std::slice::from_ref(&given))
                    .map(|g| g.auto_points)
                    .ok()
            };
            AnswerLine {
                index,
                prompt: q.prompt.clone(),
                given: given_text,
                right: if trainer || settled {
                    right
                } else {
                    String::new()
                },
                points: match scored {
                    Some(p) => format!("{p} / {}", q.points),
                    None if is_short && !answered_short => format!("0 / {}", q.points),
                    None => String::new(),
                },
                to_grade: trainer && !settled && answered_short,
                max: q.points,
            }
        })
        .collect();
    let zone = state.centre_zone().await?.1;
    let page = AttemptPage {
        i18n: Text::new(locale),
        title: t(locale, "training.attempt_title"),
        header: signed_in_header(&user),
        csrf: user.csrf_token().to_owned(),
        id: attempt.id,
        course_id: path_segment(&course.id),
        course_title: course.title.clone(),
        username: attempt.username.clone(),
        points: attempt.points(),
        max_points: attempt.max_points,
        pass_mark: course.pass_mark,
        status: attempt.status.name(),
        status_label: t(
            locale,
            &format!("training.status_{}", attempt.status.name()),
        ),
        when: crate::desk_pages::local_time(&zone, Some(attempt.submitted_at)),
        answers,
        trainer,
        centre: servq_app::desk::centre_name(&state.store)
            .await
            .map_err(Problem::internal)?
            .unwrap_or_default(),
    };
    Ok(render(&page)?.into_response())
}

/// `/training/new` and `/training/{id}/edit`.
#[derive(Template)]
#[template(path = "course_edit.html")]
pub(crate) struct CourseEditPage {
    i18n: Text,
    title: String,
    header: String,
    csrf: String,
    is_new: bool,
    /// The course as JSON for training.js (answers included).
    course_json: String,
    question_kinds: Vec<(&'static str, String)>,
}

async fn edit_course_page(
    user: &CurrentUser,
    course: Option<StoredCourse>,
) -> Result<Response, Problem> {
    let locale = user.locale;
    let is_new = course.is_none();
    let course_json = match &course {
        Some(course) => app::course_json(course, true),
        None => json!({"id": "", "title": "", "description": "", "items": [], "questions": [],
            "pass_mark": 80, "max_attempts": 3, "qa_items": []}),
    };
    let page = CourseEditPage {
        i18n: Text::new(locale),
        title: t(
            locale,
            if is_new {
                "training.new"
            } else {
                "training.edit"
            },
        ),
        header: signed_in_header(user),
        csrf: user.csrf_token().to_owned(),
        is_new,
        course_json: course_json.to_string(),
        question_kinds: servq_kb::training::QuestionKind::ALL
            .iter()
            .map(|k| (k.name(), t(locale, &format!("training.kind_{}", k.name()))))
            .collect(),
    };
    Ok(render(&page)?.into_response())
}

/// `GET /training/new`.
pub(crate) async fn new_course_page(user: Option<CurrentUser>) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageTraining)?;
    edit_course_page(&user, None).await
}

/// `GET /training/{id}/edit`.
pub(crate) async fn edit_course(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ManageTraining)?;
    let Path(id) = id.map_err(|_| Problem::not_found(user.locale))?;
    let course = course_of(&state, &user, &id).await?;
    edit_course_page(&user, Some(course)).await
}
