//! The case library and training (`docs/kb.md#case-library`, `docs/kb.md#training`): saving a
//! case tree (its agent wording checked against the centre's forbidden phrases), drafting one
//! from a real transcript with customer data masked, trainees' walks through a case and the
//! path statistics; courses with an exam, assignments to users or teams, attempts graded at
//! once (choices) or by a supervisor (short answers), certificates (a passed attempt),
//! feedback, and the before/after effect on the QA items a course should improve.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Deserialize;
use servq_core::{SettingProblem, SettingReason};
use servq_kb::case::{self, CaseKind, CaseNode, NodeKind};
use servq_kb::training::{self as exam, Question, QuestionKind};
use servq_store::{
    Actor, Assignment, Attempt, AttemptStatus, CourseFeedback, CourseItem, Store, StoredCase,
    StoredCourse,
};

use crate::{SettingError, now_ms};

/// Days before and after a trainee's pass that the QA effect compares.
pub const EFFECT_DAYS: i64 = 30;

fn problem(field: impl Into<String>, reason: impl Into<String>) -> SettingProblem {
    SettingProblem::new(field, SettingReason::Other(reason.into()))
}

fn refused<T>(problems: Vec<SettingProblem>) -> Result<T, SettingError> {
    Err(SettingError::Refused(problems))
}

/// One node as a form or the API sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct NodeRequest {
    /// Positive, unique within the case.
    pub id: i64,
    /// The node it follows; null for the root.
    #[serde(default)]
    pub parent: Option<i64>,
    /// request, question, resolution or closing.
    pub kind: String,
    /// What the customer says.
    #[serde(default)]
    pub customer: String,
    /// The wording recommended to the agent.
    #[serde(default)]
    pub agent: String,
    /// The wording to avoid.
    #[serde(default)]
    pub avoid: String,
}

/// A case as a form or the API sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct CaseRequest {
    /// The case's title.
    pub title: String,
    /// The category it belongs to.
    #[serde(default)]
    pub category: String,
    /// standard, good or bad.
    pub kind: String,
    /// What it teaches.
    #[serde(default)]
    pub summary: String,
    /// The contact it was made from.
    #[serde(default)]
    pub source_contact: String,
    /// The tree.
    pub nodes: Vec<NodeRequest>,
}

/// The centre's forbidden phrases (its automated-QA rule set, or the shipped one).
pub async fn forbidden_phrases(store: &Store) -> Result<Vec<String>> {
    let rules = match store.qa_rules().await? {
        Some((_, text)) => servq_qa::RuleSet::parse(&text).unwrap_or_default(),
        None => servq_qa::RuleSet::default_rules(),
    };
    let mut phrases: Vec<String> = rules
        .forbidden
        .into_iter()
        .filter(|rule| rule.speaker != Some(servq_qa::Speaker::Customer))
        .flat_map(|rule| rule.phrases)
        .collect();
    phrases.sort();
    phrases.dedup();
    Ok(phrases)
}

/// The centre's forbidden phrases, folded as the transcript scanner folds them (simplified and
/// traditional, full- and half-width alike), to find them in what an agent writes.
pub struct ForbiddenPhrases {
    folder: servq_qa::Folder,
    phrases: Vec<(String, String)>,
}

impl ForbiddenPhrases {
    /// The centre's phrases as they stand.
    pub async fn load(store: &Store) -> Result<ForbiddenPhrases> {
        let folder = servq_qa::Folder::new();
        let phrases = forbidden_phrases(store)
            .await?
            .into_iter()
            .map(|phrase| (folder.fold(&phrase), phrase))
            .filter(|(folded, _)| !folded.is_empty())
            .collect();
        Ok(ForbiddenPhrases { folder, phrases })
    }

    /// The phrases `text` holds, as the rule set writes them.
    pub fn found_in(&self, text: &str) -> Vec<&str> {
        let folded = self.folder.fold(text);
        self.phrases
            .iter()
            .filter(|(phrase, _)| folded.contains(phrase.as_str()))
            .map(|(_, original)| original.as_str())
            .collect()
    }
}

/// Saves case `id` (the whole tree), refused with every problem at its field: the tree's shape
/// (`servq_kb::case::tree_problems`) and recommended wording that holds a forbidden phrase.
pub async fn save_case(
    store: &Store,
    id: &str,
    request: CaseRequest,
    actor: &Actor,
) -> Result<(), SettingError> {
    let mut problems = Vec::new();
    let id = id.trim();
    if let Some(reason) = servq_kb::id_problem(id) {
        problems.push(problem("id", reason));
    }
    if request.title.trim().is_empty() {
        problems.push(SettingProblem::new("title", SettingReason::Required));
    }
    let kind = CaseKind::parse(&request.kind);
    if kind.is_none() {
        problems.push(SettingProblem::new(
            "kind",
            SettingReason::Unknown(request.kind.clone()),
        ));
    }
    let mut nodes = Vec::new();
    for (index, node) in request.nodes.iter().enumerate() {
        match NodeKind::parse(&node.kind) {
            Some(kind) => nodes.push(CaseNode {
                id: node.id,
                parent: node.parent,
                kind,
                customer: node.customer.trim().to_owned(),
                agent: node.agent.trim().to_owned(),
                avoid: node.avoid.trim().to_owned(),
            }),
            None => problems.push(SettingProblem::new(
                format!("nodes.{index}.kind"),
                SettingReason::Unknown(node.kind.clone()),
            )),
        }
    }
    if nodes.len() == request.nodes.len() {
        problems.extend(
            case::tree_problems(&nodes)
                .into_iter()
                .map(|(field, reason)| problem(field, reason)),
        );
    }
    let forbidden = ForbiddenPhrases::load(store).await?;
    for (index, node) in nodes.iter().enumerate() {
        if let Some(phrase) = forbidden.found_in(&node.agent).first() {
            problems.push(SettingProblem::new(
                format!("nodes.{index}.agent"),
                SettingReason::Coded {
                    code: "case_forbidden",
                    values: vec![("value", (*phrase).to_owned())],
                    english: format!("holds the forbidden phrase '{phrase}'"),
                },
            ));
        }
    }
    let Some(kind) = kind else {
        return refused(problems);
    };
    if !problems.is_empty() {
        return refused(problems);
    }
    let case = StoredCase {
        id: id.to_owned(),
        title: request.title.trim().to_owned(),
        category: request.category.trim().to_owned(),
        kind,
        summary: request.summary.trim().to_owned(),
        source_contact: request.source_contact.trim().to_owned(),
        nodes,
        updated_by: actor.name.clone(),
        updated_at: now_ms(),
    };
    store.kb_case_save(&case, actor).await?;
    Ok(())
}

/// A case tree drafted from the chosen turns of a contact's transcript (turn numbers from 1),
/// customer data masked: each customer turn opens a node (the first the request, the others
/// questions), the agent turns after it are its wording; the last node is the resolution.
/// None when the contact has no transcript.
pub async fn draft_from_transcript(
    store: &Store,
    contact_id: &str,
    turns: &[usize],
) -> Result<Option<Vec<CaseNode>>> {
    let Some(transcript) = store.transcript(contact_id).await? else {
        return Ok(None);
    };
    let turns_of: Vec<servq_qa::Turn> =
        serde_json::from_str(&transcript.turns_json).unwrap_or_default();
    let chosen: BTreeSet<usize> = turns.iter().copied().collect();
    let mut nodes: Vec<CaseNode> = Vec::new();
    for (index, turn) in turns_of.iter().enumerate() {
        if !chosen.is_empty() && !chosen.contains(&(index + 1)) {
            continue;
        }
        let text = case::mask_customer_data(turn.text.trim());
        match turn.speaker {
            servq_qa::Speaker::Customer => {
                let id = nodes.len() as i64 + 1;
                nodes.push(CaseNode {
                    id,
                    parent: (id > 1).then_some(id - 1),
                    kind: if id == 1 {
                        NodeKind::Request
                    } else {
                        NodeKind::Question
                    },
                    customer: text,
                    agent: String::new(),
                    avoid: String::new(),
                });
            }
            servq_qa::Speaker::Agent => {
                if nodes.is_empty() {
                    // the agent's greeting before the customer spoke: the request's wording
                    nodes.push(CaseNode {
                        id: 1,
                        parent: None,
                        kind: NodeKind::Request,
                        customer: String::new(),
                        agent: String::new(),
                        avoid: String::new(),
                    });
                }
                if let Some(last) = nodes.last_mut() {
                    if !last.agent.is_empty() {
                        last.agent.push('\n');
                    }
                    last.agent.push_str(&text);
                }
            }
        }
    }
    if nodes.len() > 1
        && let Some(last) = nodes.last_mut()
    {
        last.kind = NodeKind::Resolution;
    }
    Ok(Some(nodes))
}

/// Records a trainee's walk through case `id`: `path` from the root to a leaf, `missed` the
/// nodes on it where the avoided wording was chosen.
pub async fn record_walk(
    store: &Store,
    id: &str,
    path: &[i64],
    missed: &[i64],
    actor: &Actor,
) -> Result<(), SettingError> {
    let Some(case) = store.kb_case(id).await? else {
        return refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_owned()),
        )]);
    };
    if !case::is_walk(&case.nodes, path) {
        return refused(vec![problem(
            "path",
            "not a walk from the root, parent to child, to a resolution or a closing",
        )]);
    }
    if missed.iter().any(|node| !path.contains(node)) {
        return refused(vec![problem("missed", "names a node off the path")]);
    }
    store
        .kb_case_walk_add(id, &actor.name, path, missed, now_ms())
        .await?;
    Ok(())
}

/// How trainees went through one node.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NodeStat {
    /// Walks that passed through it.
    pub visits: usize,
    /// Walks that chose the avoided wording there.
    pub missed: usize,
    /// Walks that ended there.
    pub ended: usize,
}

/// Per node: visits, misses and endings over `walks`; and how many walks.
pub fn path_stats(walks: &[servq_store::CaseWalk]) -> (BTreeMap<i64, NodeStat>, usize) {
    let mut stats: BTreeMap<i64, NodeStat> = BTreeMap::new();
    for walk in walks {
        for node in &walk.path {
            stats.entry(*node).or_default().visits += 1;
        }
        for node in &walk.missed {
            stats.entry(*node).or_default().missed += 1;
        }
        if let Some(last) = walk.path.last() {
            stats.entry(*last).or_default().ended += 1;
        }
    }
    (stats, walks.len())
}

/// A course as a form or the API sends it.
#[derive(Debug, Clone, Deserialize)]
pub struct CourseRequest {
    /// The course's title.
    pub title: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// The articles and cases to study, in order: `{"kind": "article"|"case", "id"}`.
    #[serde(default)]
    pub items: Vec<CourseItem>,
    /// The exam's questions.
    pub questions: Vec<Question>,
    /// Percent of the points that passes (1–100).
    pub pass_mark: u32,
    /// Attempts allowed (0: no limit).
    #[serde(default)]
    pub max_attempts: u32,
    /// QA scorecard item ids the course should improve.
    #[serde(default)]
    pub qa_items: Vec<String>,
}

/// Saves course `id`, refused with every problem at its field.
pub async fn save_course(
    store: &Store,
    id: &str,
    request: CourseRequest,
    actor: &Actor,
) -> Result<(), SettingError> {
    let mut problems = Vec::new();
    let id = id.trim();
    if let Some(reason) = servq_kb::id_problem(id) {
        problems.push(problem("id", reason));
    }
    if request.title.trim().is_empty() {
        problems.push(SettingProblem::new("title", SettingReason::Required));
    }
    if !(1..=100).contains(&request.pass_mark) {
        problems.push(SettingProblem::new(
            "pass_mark",
            SettingReason::Range {
                min: "1".into(),
                max: "100".into(),
            },
        ));
    }
    if request.questions.is_empty() {
        problems.push(SettingProblem::new("questions", SettingReason::Empty));
    }
    problems.extend(
        exam::question_problems(&request.questions)
            .into_iter()
            .map(|(field, reason)| problem(field, reason)),
    );
    for (index, item) in request.items.iter().enumerate() {
        let found = match item.kind.as_str() {
            "article" => store.kb_article(&item.id).await?.is_some(),
            "case" => store.kb_case(&item.id).await?.is_some(),
            other => {
                problems.push(SettingProblem::new(
                    format!("items.{index}.kind"),
                    SettingReason::Unknown(other.to_owned()),
                ));
                continue;
            }
        };
        if !found {
            problems.push(SettingProblem::new(
                format!("items.{index}.id"),
                SettingReason::Unknown(item.id.clone()),
            ));
        }
    }
    if !problems.is_empty() {
        return refused(problems);
    }
    let course = StoredCourse {
        id: id.to_owned(),
        title: request.title.trim().to_owned(),
        description: request.description.trim().to_owned(),
        items: request.items,
        questions: request.questions,
        pass_mark: request.pass_mark,
        max_attempts: request.max_attempts,
        qa_items: request
            .qa_items
            .into_iter()
            .map(|item| item.trim().to_owned())
            .filter(|item| !item.is_empty())
            .collect(),
        updated_by: actor.name.clone(),
        updated_at: now_ms(),
    };
    store.course_save(&course, actor).await?;
    Ok(())
}

/// Assigns course `id` to `users` and to every agent user of `teams`; how many assignments
/// are new.
pub async fn assign(
    store: &Store,
    id: &str,
    users: &[String],
    teams: &[String],
    due_date: &str,
    reason: &str,
    actor: &Actor,
) -> Result<usize, SettingError> {
    let mut problems = Vec::new();
    if store.course(id).await?.is_none() {
        problems.push(SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_owned()),
        ));
    }
    let due_date = due_date.trim();
    if !due_date.is_empty() && due_date.parse::<jiff::civil::Date>().is_err() {
        problems.push(problem(
            "due_date",
            format!("'{due_date}' is not a date like 2026-12-31"),
        ));
    }
    let all = store.users().await?;
    let mut chosen: BTreeSet<String> = BTreeSet::new();
    for (index, username) in users.iter().enumerate() {
        let username = username.trim();
        if all.iter().any(|u| u.username == username && !u.disabled) {
            chosen.insert(username.to_owned());
        } else {
            problems.push(SettingProblem::new(
                format!("users.{index}"),
                SettingReason::Unknown(username.to_owned()),
            ));
        }
    }
    if !teams.is_empty() {
        let agents = store.agents().await?;
        for (index, team) in teams.iter().enumerate() {
            let team = team.trim();
            let members: BTreeSet<&str> = agents
                .iter()
                .filter(|a| a.team == team)
                .map(|a| a.agent_id.as_str())
                .collect();
            if members.is_empty() {
                problems.push(SettingProblem::new(
                    format!("teams.{index}"),
                    SettingReason::Unknown(team.to_owned()),
                ));
            }
            for user in &all {
                if !user.disabled
                    && user
                        .agent_id
                        .as_deref()
                        .is_some_and(|agent| members.contains(agent))
                {
                    chosen.insert(user.username.clone());
                }
            }
        }
    }
    if chosen.is_empty() && problems.is_empty() {
        problems.push(SettingProblem::new("users", SettingReason::Empty));
    }
    if !problems.is_empty() {
        return refused(problems);
    }
    let chosen: Vec<String> = chosen.into_iter().collect();
    Ok(store
        .course_assign(id, &chosen, due_date, reason.trim(), actor, now_ms())
        .await?)
}

/// Submits `answers` to course `id`'s exam as `actor`: graded at once, or waiting for a grader
/// when it has short answers. Refused when the attempts are used up or an answer has the wrong
/// shape.
pub async fn submit(
    store: &Store,
    id: &str,
    answers: Vec<serde_json::Value>,
    actor: &Actor,
) -> Result<Attempt, SettingError> {
    let Some(course) = store.course(id).await? else {
        return refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_owned()),
        )]);
    };
    let earlier = store.exam_attempts(id, Some(&actor.name)).await?;
    if course.max_attempts > 0 && earlier.len() >= course.max_attempts as usize {
        return refused(vec![SettingProblem::new(
            "attempts",
            SettingReason::Coded {
                code: "exam_attempts_used",
                values: vec![("max", course.max_attempts.to_string())],
                english: format!("all {} attempts are used", course.max_attempts),
            },
        )]);
    }
    let grade = exam::grade(&course.questions, &answers).map_err(|problems| {
        SettingError::Refused(
            problems
                .into_iter()
                .map(|(field, reason)| problem(field, reason))
                .collect(),
        )
    })?;
    let status = if !grade.awaiting.is_empty() {
        AttemptStatus::AwaitingGrading
    } else if exam::passed(grade.auto_points, grade.max_points, course.pass_mark) {
        AttemptStatus::Passed
    } else {
        AttemptStatus::Failed
    };
    let mut attempt = Attempt {
        id: 0,
        course_id: id.to_owned(),
        username: actor.name.clone(),
        answers,
        auto_points: grade.auto_points,
        graded_points: Vec::new(),
        max_points: grade.max_points,
        status,
        submitted_at: now_ms(),
        graded_by: String::new(),
        graded_at: None,
    };
    attempt.id = store.exam_attempt_add(&attempt).await?;
    Ok(attempt)
}

/// Grades the short answers of attempt `id`: `points` per question index (each answered short
/// answer needs points, at most the question's). Its outcome.
pub async fn grade_attempt(
    store: &Store,
    id: i64,
    points: &BTreeMap<usize, u32>,
    actor: &Actor,
) -> Result<AttemptStatus, SettingError> {
    let unknown = || {
        refused(vec![SettingProblem::new(
            "id",
            SettingReason::Unknown(id.to_string()),
        )])
    };
    let Some(attempt) = store
        .exam_attempt(id)
        .await?
        .filter(|a| a.status == AttemptStatus::AwaitingGrading)
    else {
        return unknown();
    };
    let Some(course) = store.course(&attempt.course_id).await? else {
        return unknown();
    };
    let mut problems = Vec::new();
    let mut graded = Vec::new();
    for (index, question) in course.questions.iter().enumerate() {
        let answered = question.kind == QuestionKind::Short
            && attempt
                .answers
                .get(index)
                .and_then(|a| a.as_str())
                .is_some_and(|text| !text.trim().is_empty());
        match points.get(&index) {
            Some(&given) if answered && given <= question.points => graded.push((index, given)),
            Some(_) if answered => problems.push(SettingProblem::new(
                format!("points.{index}"),
                SettingReason::Range {
                    min: "0".into(),
                    max: question.points.to_string(),
                },
            )),
            Some(_) => problems.push(problem(
                format!("points.{index}"),
                "not an answered short answer",
            )),
            None if answered => {
                problems.push(SettingProblem::new(
                    format!("points.{index}"),
                    SettingReason::Required,
                ));
            }
            None => {}
        }
    }
    if !problems.is_empty() {
        return refused(problems);
    }
    let total = attempt.auto_points + graded.iter().map(|(_, p)| p).sum::<u32>();
    let status = if exam::passed(total, attempt.max_points, course.pass_mark) {
        AttemptStatus::Passed
    } else {
        AttemptStatus::Failed
    };
    if !store
        .exam_attempt_grade(id, &graded, status, actor, now_ms())
        .await?
    {
        return unknown();
    }
    Ok(status)
}

/// Stores `actor`'s feedback on course `id` (rating 1–5), once they have taken its exam.
pub async fn feedback(
    store: &Store,
    id: &str,
    rating: u8,
    comment: &str,
    actor: &Actor,
) -> Result<(), SettingError> {
    let mut problems = Vec::new();
    if !(1..=5).contains(&rating) {
        problems.push(SettingProblem::new(
            "rating",
            SettingReason::Range {
                min: "1".into(),
                max: "5".into(),
            },
        ));
    }
    if store.exam_attempts(id, Some(&actor.name)).await?.is_empty() {
        problems.push(SettingProblem::new(
            "id",
            SettingReason::Coded {
                code: "feedback_before_exam",
                values: Vec::new(),
                english: "give feedback after taking the exam".to_owned(),
            },
        ));
    }
    if !problems.is_empty() {
        return refused(problems);
    }
    store
        .course_feedback_save(
            id,
            &CourseFeedback {
                username: actor.name.clone(),
                rating,
                comment: comment.trim().to_owned(),
                at: now_ms(),
            },
        )
        .await?;
    Ok(())
}

/// The effect of a course on one QA item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemEffect {
    /// The scorecard item id.
    pub item: String,
    /// Its name on the scorecard ('' when no evaluation named it).
    pub name: String,
    /// Mean score fraction (0–1) of the trainees' evaluated contacts in the days before
    /// their pass, and how many trainees had one.
    pub before: Option<f64>,
    /// The same after their pass.
    pub after: Option<f64>,
    /// Trainees with evaluations on both sides.
    pub trainees: usize,
}

/// For each QA item of the course: the mean over trainees (who passed and are agents) of their
/// item score in the `EFFECT_DAYS` before their pass and in the `EFFECT_DAYS` after — only
/// trainees with evaluations on both sides count, so the two means compare the same people.
pub async fn effect(store: &Store, course: &StoredCourse) -> Result<Vec<ItemEffect>> {
    let users = store.users().await?;
    let day = 86_400_000;
    let mut per_item: BTreeMap<String, (f64, f64, usize)> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for assignment in store.course_assignments(Some(&course.id), None).await? {
        let Some(completed) = assignment.completed_at else {
            continue;
        };
        let Some(agent) = users
            .iter()
            .find(|u| u.username == assignment.username)
            .and_then(|u| u.agent_id.clone())
        else {
            continue;
        };
        let (before_names, before) =
            crate::coaching::item_means(store, completed - EFFECT_DAYS * day, completed).await?;
        let (after_names, after) =
            crate::coaching::item_means(store, completed, completed + EFFECT_DAYS * day).await?;
        names.extend(before_names);
        names.extend(after_names);
        for item in &course.qa_items {
            let mean_of = |means: &BTreeMap<String, BTreeMap<String, servq_qa::ItemMean>>| {
                means
                    .get(&agent)
                    .and_then(|items| items.get(item))
                    .and_then(|m| m.mean())
            };
            if let (Some(b), Some(a)) = (mean_of(&before), mean_of(&after)) {
                let entry = per_item.entry(item.clone()).or_default();
                entry.0 += b;
                entry.1 += a;
                entry.2 += 1;
            }
        }
    }
    Ok(course
        .qa_items
        .iter()
        .map(|item| {
            let (before, after, trainees) = per_item.get(item).copied().unwrap_or_default();
            ItemEffect {
                item: item.clone(),
                name: names.get(item).cloned().unwrap_or_default(),
                before: (trainees > 0).then(|| before / trainees as f64),
                after: (trainees > 0).then(|| after / trainees as f64),
                trainees,
            }
        })
        .collect())
}

/// What a trainee sees of their courses: each assignment with its course and best attempt.
pub async fn my_courses(
    store: &Store,
    username: &str,
) -> Result<Vec<(Assignment, StoredCourse, Option<Attempt>)>> {
    let mut out = Vec::new();
    for assignment in store.course_assignments(None, Some(username)).await? {
        let Some(course) = store.course(&assignment.course_id).await? else {
            continue;
        };
        let attempts = store.exam_attempts(&course.id, Some(username)).await?;
        let best = attempts
            .iter()
            .find(|a| a.status == AttemptStatus::Passed)
            .or_else(|| attempts.last())
            .cloned();
        out.push((assignment, course, best));
    }
    Ok(out)
}

/// The case list as JSON (`GET /api/v1/kb/cases`, `servq training cases`).
pub fn cases_json(cases: &[StoredCase]) -> serde_json::Value {
    serde_json::json!({"cases": cases.iter().map(|c| serde_json::json!({
        "id": c.id, "title": c.title, "category": c.category, "kind": c.kind.name(),
        "summary": c.summary, "nodes": c.nodes.len(),
    })).collect::<Vec<_>>()})
}

/// A case with its walks and path statistics (`GET /api/v1/kb/cases/{id}`,
/// `servq training case`).
pub async fn case_report_json(store: &Store, case: &StoredCase) -> Result<serde_json::Value> {
    let walks = store.kb_case_walks(&case.id).await?;
    let (stats, count) = path_stats(&walks);
    let mut out = case_json(case);
    out["walks"] = serde_json::json!(count);
    out["stats"] = stats
        .iter()
        .map(|(node, s)| {
            serde_json::json!({"node": node, "visits": s.visits, "missed": s.missed,
                "ended": s.ended})
        })
        .collect();
    Ok(out)
}

/// A course as its trainers see it: the course with answers, its assignments, attempts,
/// feedback and the effect on its QA items (`GET /api/v1/courses/{id}` for a trainer,
/// `servq training course`).
pub async fn course_report_json(store: &Store, course: &StoredCourse) -> Result<serde_json::Value> {
    let mut out = course_json(course, true);
    out["assignments"] = store
        .course_assignments(Some(&course.id), None)
        .await?
        .iter()
        .map(|a| {
            serde_json::json!({"username": a.username, "due_date": a.due_date,
                "reason": a.reason, "assigned_by": a.assigned_by,
                "completed_at": a.completed_at.map(crate::rfc3339)})
        })
        .collect();
    out["attempts"] = store
        .exam_attempts(&course.id, None)
        .await?
        .iter()
        .map(attempt_json)
        .collect();
    out["feedback"] = store
        .course_feedback(&course.id)
        .await?
        .iter()
        .map(|f| serde_json::json!({"username": f.username, "rating": f.rating, "comment": f.comment}))
        .collect();
    out["effect"] = effect(store, course)
        .await?
        .iter()
        .map(|e| {
            serde_json::json!({"item": e.item, "name": e.name, "before": e.before,
                "after": e.after, "trainees": e.trainees})
        })
        .collect();
    Ok(out)
}

/// A case as JSON (the API and the walk page).
pub fn case_json(case: &StoredCase) -> serde_json::Value {
    serde_json::json!({
        "id": case.id,
        "title": case.title,
        "category": case.category,
        "kind": case.kind.name(),
        "summary": case.summary,
        "source_contact": case.source_contact,
        "nodes": case.nodes,
        "updated_by": case.updated_by,
        "updated_at": crate::rfc3339(case.updated_at),
    })
}

/// A course as JSON; `with_answers` false leaves out the right answers (what a trainee gets).
pub fn course_json(course: &StoredCourse, with_answers: bool) -> serde_json::Value {
    let questions: Vec<serde_json::Value> = course
        .questions
        .iter()
        .map(|q| {
            let mut json = serde_json::json!({"kind": q.kind.name(), "prompt": q.prompt,
                "options": q.options, "points": q.points});
            if with_answers {
                json["answer"] = serde_json::json!(q.answer);
                json["model_answer"] = serde_json::json!(q.model_answer);
            }
            json
        })
        .collect();
    serde_json::json!({
        "id": course.id,
        "title": course.title,
        "description": course.description,
        "items": course.items,
        "questions": questions,
        "pass_mark": course.pass_mark,
        "max_attempts": course.max_attempts,
        "qa_items": course.qa_items,
        "updated_by": course.updated_by,
        "updated_at": crate::rfc3339(course.updated_at),
    })
}

/// An attempt as JSON.
pub fn attempt_json(attempt: &Attempt) -> serde_json::Value {
    serde_json::json!({
        "id": attempt.id,
        "course": attempt.course_id,
        "username": attempt.username,
        "answers": attempt.answers,
        "points": attempt.points(),
        "max_points": attempt.max_points,
        "status": attempt.status.name(),
        "submitted_at": crate::rfc3339(attempt.submitted_at),
        "graded_by": attempt.graded_by,
    })
}
