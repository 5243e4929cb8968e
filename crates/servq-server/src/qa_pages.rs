//! The QA pages: `/qa` (sampling form, evaluation queue and recent evaluations for inspectors;
//! one's own evaluations with acknowledge and dispute for agents) and `/qa/evaluate/{id}` (the
//! transcript with its automated-QA hits beside the scorecard form). The pages call the
//! `/api/v1` endpoints of `evaluations.rs`; nothing is decided here.

use axum::{
    extract::{Path, State, rejection::PathRejection},
    response::{IntoResponse, Redirect, Response},
};
use servq_core::Permission;
use servq_qa::Scale;

use crate::{
    AppState, Problem,
    auth::CurrentUser,
    i18n::{Locale, t},
    pages::{escape, page, signed_in_header},
    query_params::{add_days, path_segment, today},
};

/// Posts JSON to the API with the session's CSRF token and reloads or moves on; shows the
/// problem's detail otherwise.
const SCRIPT: &str = r#"function servqCalibrate(contact) {
  fetch('/api/v1/calibrations', {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': document.body.dataset.csrf},
    body: JSON.stringify({contact_id: contact})})
  .then(function (r) { return r.json(); })
  .then(function (c) { if (c.id) { location.href = '/qa/calibrations/' + encodeURIComponent(c.id); } });
}
function servqPost(url, body, next) {
  var csrf = document.body.dataset.csrf;
  fetch(url, {method: 'POST', credentials: 'same-origin',
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': csrf}, body: JSON.stringify(body)})
  .then(function (r) { return r.json().then(function (j) { return [r.ok, j]; }); })
  .then(function (p) {
    if (p[0]) { if (next) { location.href = next; } else { location.reload(); } }
    else { var m = document.getElementById('qa-message'); m.textContent = (p[1].detail || p[1].title || ''); m.className = 'error'; }
  });
}"#;

/// The page frame with the CSRF token on `<body>` for the script.
fn qa_page(user: &CurrentUser, title: &str, body: &str) -> Response {
    let body = format!(
        "<div id=\"qa\" data-csrf=\"{}\"></div>{body}<p id=\"qa-message\"></p>\
         <script>document.body.dataset.csrf=document.getElementById('qa').dataset.csrf;{SCRIPT}</script>",
        escape(user.csrf_token())
    );
    page(user.locale, title, &signed_in_header(user), &body).into_response()
}

fn score_text(score: Option<f64>) -> String {
    score.map_or("—".to_owned(), |s| format!("{s:.2}"))
}

/// `/qa`.
pub(crate) async fn qa_page_handler(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::ViewOwnKpis)?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let inspector = user.user.role.allows(Permission::EvaluateQuality);
    let mut body = format!("<h1>{}</h1>", label("qa.title"));
    if user.user.role.allows(Permission::ManageQuality) {
        body.push_str(&format!(
            "<p><a href=\"/qa/setup\" id=\"qa-setup-link\">{}</a></p>",
            label("qa_setup.link")
        ));
    }
    if inspector {
        let (_, zone) = state.centre_zone().await?;
        let to = add_days(today(&zone), -1);
        let from = add_days(to, -6);
        let strategies: String = [
            "random",
            "longest_handle",
            "rule_hits",
            "new_agents",
            "unsatisfied",
            "complaints",
        ]
        .iter()
        .map(|s| {
            format!(
                "<option value=\"{s}\">{}</option>",
                label(&format!("qa.strategy_{s}"))
            )
        })
        .collect();
        body.push_str(&format!(
            "<h2>{sample}</h2><form id=\"sample-form\" class=\"filters\" onsubmit=\"event.preventDefault();\
             servqPost('/api/v1/qa/sample',{{from:this.from.value,to:this.to.value,per_agent:Number(this.per_agent.value),strategy:this.strategy.value}})\">\
             <label>{from_label} <input type=\"date\" name=\"from\" value=\"{from}\" required></label>\
             <label>{to_label} <input type=\"date\" name=\"to\" value=\"{to}\" required></label>\
             <label>{per_agent} <input type=\"number\" name=\"per_agent\" value=\"3\" min=\"1\" max=\"100\" required></label>\
             <label>{strategy} <select name=\"strategy\">{strategies}</select></label>\
             <button type=\"submit\" id=\"sample\">{sample}</button></form>",
            sample = label("qa.sample"),
            from_label = label("dashboard.from"),
            to_label = label("dashboard.to"),
            per_agent = label("qa.per_agent"),
            strategy = label("qa.strategy"),
        ));
        let queue = state
            .store
            .evaluation_queue(200)
            .await
            .map_err(Problem::internal)?;
        body.push_str(&format!("<h2>{}</h2>", label("qa.queue")));
        if queue.is_empty() {
            body.push_str(&format!(
                "<p id=\"queue-empty\">{}</p>",
                label("qa.queue_empty")
            ));
        } else {
            body.push_str(&format!(
                "<table id=\"queue\"><tr><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
                label("qa.contact"),
                label("qa.agent"),
                label("qa.plan")
            ));
            for item in &queue {
                body.push_str(&format!(
                    "<tr><td>{id}</td><td>{agent}</td><td>{plan}</td><td><a href=\"/qa/evaluate/{link}\">{evaluate}</a> \
                     <button class=\"calibrate\" onclick=\"servqCalibrate({json_id})\">{calibrate}</button></td></tr>",
                    id = escape(&item.contact_id),
                    agent = escape(&item.agent_id),
                    plan = escape(&item.plan),
                    link = path_segment(&item.contact_id),
                    evaluate = label("qa.evaluate"),
                    json_id = escape(&serde_json::Value::String(item.contact_id.clone()).to_string()),
                    calibrate = label("qa.calibrate"),
                ));
            }
            body.push_str("</table>");
        }
    }
    let own = (!user.user.role.allows(Permission::ViewAllKpis))
        .then(|| user.user.agent_id.clone().unwrap_or_default());
    let evaluations = state
        .store
        .evaluations(own.as_deref(), 100)
        .await
        .map_err(Problem::internal)?;
    body.push_str(&format!(
        "<h2>{}</h2><table id=\"evaluations\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
        label(if own.is_some() { "qa.my_evaluations" } else { "qa.evaluations" }),
        label("qa.contact"),
        label("qa.agent"),
        label("qa.inspector"),
        label("qa.score"),
        label("qa.status"),
        label("qa.comments"),
    ));
    for evaluation in &evaluations {
        let mine = user.user.agent_id.as_deref() == Some(evaluation.agent_id.as_str());
        let id = escape(&evaluation.evaluation_id);
        let status = evaluation.status.name();
        let mut actions = String::new();
        if mine && matches!(status, "submitted" | "rereviewed") {
            actions.push_str(&format!(
                "<button class=\"acknowledge\" onclick=\"servqPost('/api/v1/evaluations/{id}/acknowledge',{{}})\">{}</button> ",
                label("qa.acknowledge")
            ));
        }
        if mine && status == "submitted" {
            actions.push_str(&format!(
                "<button class=\"dispute\" onclick=\"var r=prompt('{prompt}');if(r){{servqPost('/api/v1/evaluations/{id}/dispute',{{reason:r}})}}\">{}</button>",
                label("qa.dispute"),
                prompt = label("qa.dispute_reason").replace('\'', "\\'"),
            ));
        }
        if inspector && status == "disputed" {
            actions.push_str(&format!(
                "<a href=\"/qa/evaluate/{}?rereview={id}\">{}</a>",
                path_segment(&evaluation.contact_id),
                label("qa.rereview")
            ));
        }
        body.push_str(&format!(
            "<tr data-status=\"{status}\"><td><a href=\"/contacts/{link}\">{contact}</a></td><td>{agent}</td><td>{inspector_name}</td>\
             <td class=\"score\">{score}</td><td>{status_label}</td><td>{comments}{reason}</td><td>{actions}</td></tr>",
            link = path_segment(&evaluation.contact_id),
            contact = escape(&evaluation.contact_id),
            agent = escape(&evaluation.agent_id),
            inspector_name = escape(&evaluation.inspector),
            score = score_text(evaluation.score.score),
            status_label = label(&format!("qa.status_{status}")),
            comments = escape(&evaluation.score.comments),
            reason = if evaluation.dispute_reason.is_empty() {
                String::new()
            } else {
                format!(" <i>{}</i>", escape(&evaluation.dispute_reason))
            },
        ));
    }
    body.push_str("</table>");
    let coaching = crate::evaluations::coaching_items(&state, &user, None, None).await?;
    body.push_str(&format!(
        "<h2>{}</h2><p class=\"muted\">{}</p><table id=\"coaching\"><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        label("qa.coaching"),
        label("qa.coaching_note"),
        label("qa.agent"),
        label("transcript.kind"),
        label("transcript.rule"),
        label("qa.hits"),
        label("qa.contacts"),
        label("qa.example"),
    ));
    for item in coaching.iter().take(200) {
        body.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/contacts/{}\">{}</a></td></tr>",
            escape(&item.agent_id),
            label(&format!("qa_kind.{}", item.kind)),
            escape(&item.rule),
            item.hits,
            item.contacts,
            path_segment(&item.example_contact),
            escape(&item.example_contact),
        ));
    }
    body.push_str("</table>");
    Ok(qa_page(&user, &t(locale, "qa.title"), &body))
}

fn level_options(locale: Locale, scale: Scale, suggested: Option<u8>) -> String {
    let (low, high) = scale.levels();
    let mut options: String = (low..=high)
        .rev()
        .map(|level| {
            let selected = if suggested == Some(level) {
                " selected"
            } else {
                ""
            };
            format!("<option value=\"{level}\"{selected}>{level}</option>")
        })
        .collect();
    options.push_str(&format!(
        "<option value=\"na\">{}</option>",
        escape(&t(locale, "qa.na"))
    ));
    options
}

#[derive(serde::Deserialize)]
pub(crate) struct EvaluateQuery {
    rereview: Option<String>,
}

/// `/qa/evaluate/{contact}` (`?rereview=ID` re-scores a disputed evaluation).
pub(crate) async fn evaluate_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
    query: Result<axum::extract::Query<EvaluateQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let Path(contact_id) = id?;
    let axum::extract::Query(query) = query?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let (stored, card) = crate::evaluations::current_scorecard(&state, "default")
        .await?
        .ok_or_else(|| Problem::not_found(locale))?;
    let transcript = crate::transcript::visible_transcript(&state, &user, &contact_id).await?;
    // automated-QA hits pre-fill the items they speak to
    let hit_rules: Vec<&str> = transcript
        .iter()
        .flat_map(|t| t.hits.iter().map(|hit| hit.rule.as_str()))
        .collect();
    let title = t(locale, "qa.evaluate_title").replace("{id}", &contact_id);
    let mut body = format!(
        "<h1>{}</h1><p class=\"muted\">{} · v{}</p>",
        escape(&title),
        escape(&stored.name),
        stored.version
    );
    let target = match &query.rereview {
        Some(evaluation) => format!(
            "'/api/v1/evaluations/{}/rereview'",
            escape(&path_segment(evaluation))
        ),
        None => "'/api/v1/evaluations'".to_owned(),
    };
    body.push_str(&format!(
        "<p><label>{} <textarea name=\"comments\" id=\"comments\" rows=\"3\" cols=\"60\" form=\"evaluation-form\"></textarea></label></p>",
        label("qa.comments")
    ));
    let contact = escape(&serde_json::Value::String(contact_id.clone()).to_string());
    body.push_str(&scorecard_form(
        locale,
        &card,
        &hit_rules,
        &target,
        &format!(",contact_id:{contact}"),
        "'/qa'",
    ));
    match &transcript {
        Some(transcript) => body.push_str(&crate::transcript::transcript_html(locale, transcript)),
        None => body.push_str(&format!("<p>{}</p>", label("transcript.none"))),
    }
    Ok(qa_page(&user, &title, &body))
}

/// The scorecard's items as a form posting `{answers:{…}}` (and `extra` fields) to `target`.
fn scorecard_form(
    locale: Locale,
    card: &servq_qa::Scorecard,
    hit_rules: &[&str],
    target: &str,
    extra: &str,
    next: &str,
) -> String {
    let suggested = card.suggested_answers(hit_rules);
    let label = |key: &str| escape(&t(locale, key));
    let mut html = format!(
        "<form id=\"evaluation-form\" onsubmit=\"event.preventDefault();var a={{}};\
         this.querySelectorAll('select[data-item]').forEach(function(s){{a[s.dataset.item]=s.value==='na'?'na':Number(s.value)}});\
         servqPost({target},{{answers:a,comments:this.comments?this.comments.value:''{extra}}},{next})\">"
    );
    for section in &card.sections {
        html.push_str(&format!(
            "<h2>{}</h2><table class=\"scorecard\">",
            escape(&section.name)
        ));
        for item in &section.items {
            let suggestion = suggested.iter().find_map(|(id, answer)| match answer {
                servq_qa::Answer::Level(level) if *id == item.id => Some(*level),
                _ => None,
            });
            let note = if suggestion.is_some() {
                let rules: Vec<&str> = item
                    .rules
                    .iter()
                    .map(String::as_str)
                    .filter(|rule| hit_rules.contains(rule))
                    .collect();
                format!(
                    " <span class=\"worse suggested\">{}: {}</span>",
                    label("qa.suggested"),
                    escape(&rules.join(", "))
                )
            } else {
                String::new()
            };
            html.push_str(&format!(
                "<tr><td>{name}{critical}</td><td>{weight}</td><td><select data-item=\"{id}\" id=\"item-{id}\">{options}</select>{note}</td></tr>",
                name = escape(&item.name),
                critical = if item.critical {
                    format!(" <b class=\"worse\">{}</b>", label("qa.critical"))
                } else {
                    String::new()
                },
                weight = item.weight,
                id = escape(&item.id),
                options = level_options(locale, item.scale, suggestion),
            ));
        }
        html.push_str("</table>");
    }
    html.push_str(&format!(
        "<p><button type=\"submit\" id=\"submit-evaluation\">{}</button></p></form>",
        label("qa.submit")
    ));
    html
}

/// `/qa/calibrations/{id}`: while open, the blind scorecard form, who has scored and the close
/// form; once closed, every inspector's score and deviation from the reference.
pub(crate) async fn calibration_page(
    State(state): State<AppState>,
    user: Option<CurrentUser>,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, Problem> {
    let Some(user) = user else {
        return Ok(Redirect::to("/login").into_response());
    };
    user.require(Permission::EvaluateQuality)?;
    let Path(id) = id?;
    let locale = user.locale;
    let label = |key: &str| escape(&t(locale, key));
    let calibration = state
        .store
        .calibration(&id)
        .await
        .map_err(Problem::internal)?
        .ok_or_else(|| Problem::not_found(locale))?;
    let title = t(locale, "qa.calibration_title").replace("{id}", &calibration.contact_id);
    let mut body = format!(
        "<h1>{}</h1><p><a href=\"/contacts/{}\">{}</a></p>",
        escape(&title),
        path_segment(&calibration.contact_id),
        label("transcript.turns")
    );
    let path = path_segment(&id);
    match crate::evaluations::comparison(&calibration) {
        None => {
            let names: Vec<&str> = calibration
                .scores
                .iter()
                .map(|(name, _, _)| name.as_str())
                .collect();
            body.push_str(&format!(
                "<p id=\"scored\">{}: {}</p>",
                label("qa.scored_by"),
                escape(&names.join(", "))
            ));
            if !names.contains(&user.user.username.as_str()) {
                let stored = state
                    .store
                    .scorecard(
                        &calibration.scorecard_id,
                        Some(calibration.scorecard_version),
                    )
                    .await
                    .map_err(Problem::internal)?
                    .ok_or_else(|| Problem::internal("scorecard version missing"))?;
                let card: servq_qa::Scorecard =
                    serde_json::from_str(&stored.definition).map_err(Problem::internal)?;
                body.push_str(&scorecard_form(
                    locale,
                    &card,
                    &[],
                    &format!("'/api/v1/calibrations/{path}/scores'"),
                    "",
                    "null",
                ));
            }
            let references: String = std::iter::once(("mean".to_owned(), t(locale, "qa.mean")))
                .chain(names.iter().map(|n| ((*n).to_owned(), (*n).to_owned())))
                .map(|(value, text)| {
                    format!(
                        "<option value=\"{}\">{}</option>",
                        escape(&value),
                        escape(&text)
                    )
                })
                .collect();
            body.push_str(&format!(
                "<form id=\"close-form\" class=\"filters\" onsubmit=\"event.preventDefault();\
                 servqPost('/api/v1/calibrations/{path}/close',{{reference:this.reference.value}})\">\
                 <label>{} <select name=\"reference\" id=\"reference\">{references}</select></label>\
                 <button type=\"submit\" id=\"close\">{}</button></form>",
                label("qa.reference"),
                label("qa.close"),
            ));
        }
        Some((reference, reference_score, rows)) => {
            body.push_str(&format!(
                "<p id=\"reference-score\">{}: {} = {}</p><table id=\"calibration\"><tr><th>{}</th><th>{}</th><th>{}</th></tr>",
                label("qa.reference"),
                escape(&if reference == "mean" {
                    t(locale, "qa.mean")
                } else {
                    reference.to_owned()
                }),
                score_text(reference_score),
                label("qa.inspector"),
                label("qa.score"),
                label("qa.deviation"),
            ));
            for row in &rows {
                body.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td class=\"deviation\">{}</td></tr>",
                    escape(&row.inspector),
                    score_text(row.score),
                    row.deviation.map_or("—".to_owned(), |d| format!("{d:+.2}")),
                ));
            }
            body.push_str("</table>");
        }
    }
    Ok(qa_page(&user, &title, &body))
}
