//! The case library's and training's tables: cases (dialogue trees) and the walks trainees take
//! through them; courses with their exams, assignments, attempts and feedback.

use servq_kb::case::{CaseKind, CaseNode};
use servq_kb::training::Question;
use sqlx::Row;

use crate::{Actor, Result, Store, StoreError, users::audit};

fn corrupt(column: &'static str, value: String) -> StoreError {
    StoreError::CorruptValue { column, value }
}

/// A case as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCase {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// The ticket/contact category it belongs to.
    pub category: String,
    /// Standard, good or bad example.
    pub kind: CaseKind,
    /// What it teaches.
    pub summary: String,
    /// The contact it was made from ('' for none).
    pub source_contact: String,
    /// The tree.
    pub nodes: Vec<CaseNode>,
    /// Who saved it last.
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
}

/// One walk through a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseWalk {
    /// Who walked it.
    pub username: String,
    /// Node ids from the root to a leaf.
    pub path: Vec<i64>,
    /// Nodes where the avoided wording was chosen.
    pub missed: Vec<i64>,
    /// When, epoch ms.
    pub walked_at: i64,
}

/// What a course holds: an article or a case.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CourseItem {
    /// `article` or `case`.
    pub kind: String,
    /// Its id.
    pub id: String,
}

/// A course as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCourse {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// What it is for.
    pub description: String,
    /// The articles and cases to study, in order.
    pub items: Vec<CourseItem>,
    /// The exam.
    pub questions: Vec<Question>,
    /// Percent of the points that passes.
    pub pass_mark: u32,
    /// Attempts allowed (0: no limit).
    pub max_attempts: u32,
    /// QA scorecard items the course should improve (the before/after effect).
    pub qa_items: Vec<String>,
    /// Who saved it last.
    pub updated_by: String,
    /// When, epoch ms.
    pub updated_at: i64,
}

/// A course assigned to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The course.
    pub course_id: String,
    /// The trainee.
    pub username: String,
    /// Due day (YYYY-MM-DD, '' for none).
    pub due_date: String,
    /// Why (a problem, a team's training).
    pub reason: String,
    /// Who assigned it.
    pub assigned_by: String,
    /// When, epoch ms.
    pub assigned_at: i64,
    /// When an attempt passed.
    pub completed_at: Option<i64>,
}

/// Where an attempt stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptStatus {
    /// Short answers wait for a grader.
    AwaitingGrading,
    /// Reached the pass mark.
    Passed,
    /// Did not.
    Failed,
}

impl AttemptStatus {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            AttemptStatus::AwaitingGrading => "awaiting_grading",
            AttemptStatus::Passed => "passed",
            AttemptStatus::Failed => "failed",
        }
    }

    /// The status named `name`.
    pub fn parse(name: &str) -> Option<AttemptStatus> {
        [
            AttemptStatus::AwaitingGrading,
            AttemptStatus::Passed,
            AttemptStatus::Failed,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}

/// An exam attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// Increasing id (the certificate's number when passed).
    pub id: i64,
    /// The course.
    pub course_id: String,
    /// The trainee.
    pub username: String,
    /// One answer per question.
    pub answers: Vec<serde_json::Value>,
    /// Points of the questions graded at once.
    pub auto_points: u32,
    /// Points a grader gave the short answers: (question index, points).
    pub graded_points: Vec<(usize, u32)>,
    /// The exam's total.
    pub max_points: u32,
    /// Where it stands.
    pub status: AttemptStatus,
    /// When, epoch ms.
    pub submitted_at: i64,
    /// Who graded it ('' until then).
    pub graded_by: String,
    /// When it was graded.
    pub graded_at: Option<i64>,
}

impl Attempt {
    /// Every point it scored.
    pub fn points(&self) -> u32 {
        self.auto_points + self.graded_points.iter().map(|(_, p)| p).sum::<u32>()
    }
}

/// A trainee's feedback on a course.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseFeedback {
    /// The trainee.
    pub username: String,
    /// 1 to 5.
    pub rating: u8,
    /// What they said.
    pub comment: String,
    /// When, epoch ms.
    pub at: i64,
}

fn json_of<T: serde::de::DeserializeOwned>(column: &'static str, text: String) -> Result<T> {
    serde_json::from_str(&text).map_err(|_| corrupt(column, text))
}

fn ids_of(column: &'static str, text: &str) -> Result<Vec<i64>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| corrupt(column, text.to_owned())))
        .collect()
}

fn case_of(row: &sqlx::any::AnyRow) -> Result<StoredCase> {
    let kind: String = row.try_get("kind")?;
    Ok(StoredCase {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        category: row.try_get("category")?,
        kind: CaseKind::parse(&kind).ok_or_else(|| corrupt("kind", kind.clone()))?,
        summary: row.try_get("summary")?,
        source_contact: row.try_get("source_contact")?,
        nodes: json_of("nodes", row.try_get("nodes")?)?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn course_of(row: &sqlx::any::AnyRow) -> Result<StoredCourse> {
    let pass_mark: i64 = row.try_get("pass_mark")?;
    let max_attempts: i64 = row.try_get("max_attempts")?;
    Ok(StoredCourse {
        id: row.try_get("id")?,
        title: row.try_get("title")?,
        description: row.try_get("description")?,
        items: json_of("items", row.try_get("items")?)?,
        questions: json_of("questions", row.try_get("questions")?)?,
        pass_mark: u32::try_from(pass_mark)
            .map_err(|_| corrupt("pass_mark", pass_mark.to_string()))?,
        max_attempts: u32::try_from(max_attempts)
            .map_err(|_| corrupt("max_attempts", max_attempts.to_string()))?,
        qa_items: json_of("qa_items", row.try_get("qa_items")?)?,
        updated_by: row.try_get("updated_by")?,
        updated_at: row.try_get("updated_at")?,
    })
}

fn assignment_of(row: &sqlx::any::AnyRow) -> Result<Assignment> {
    Ok(Assignment {
        course_id: row.try_get("course_id")?,
        username: row.try_get("username")?,
        due_date: row.try_get("due_date")?,
        reason: row.try_get("reason")?,
        assigned_by: row.try_get("assigned_by")?,
        assigned_at: row.try_get("assigned_at")?,
        completed_at: row.try_get("completed_at")?,
    })
}

fn attempt_of(row: &sqlx::any::AnyRow) -> Result<Attempt> {
    let status: String = row.try_get("status")?;
    let graded: std::collections::BTreeMap<String, u32> =
        json_of("graded_points", row.try_get("graded_points")?)?;
    let auto_points: i64 = row.try_get("auto_points")?;
    let max_points: i64 = row.try_get("max_points")?;
    Ok(Attempt {
        id: row.try_get("id")?,
        course_id: row.try_get("course_id")?,
        username: row.try_get("username")?,
        answers: json_of("answers", row.try_get("answers")?)?,
        auto_points: u32::try_from(auto_points)
            .map_err(|_| corrupt("auto_points", auto_points.to_string()))?,
        graded_points: graded
            .into_iter()
            .map(|(k, v)| {
                k.parse::<usize>()
                    .map(|k| (k, v))
                    .map_err(|_| corrupt("graded_points", k.clone()))
            })
            .collect::<Result<_>>()?,
        max_points: u32::try_from(max_points)
            .map_err(|_| corrupt("max_points", max_points.to_string()))?,
        status: AttemptStatus::parse(&status).ok_or_else(|| corrupt("status", status.clone()))?,
        submitted_at: row.try_get("submitted_at")?,
        graded_by: row.try_get("graded_by")?,
        graded_at: row.try_get("graded_at")?,
    })
}

fn join_ids(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

const CASE_COLUMNS: &str =
    "id, title, category, kind, summary, source_contact, nodes, updated_by, updated_at";
const COURSE_COLUMNS: &str = "id, title, description, items, questions, pass_mark, \
                              max_attempts, qa_items, updated_by, updated_at";
const ATTEMPT_COLUMNS: &str = "id, course_id, username, answers, auto_points, graded_points, \
                               max_points, status, submitted_at, graded_by, graded_at";
const ASSIGNMENT_COLUMNS: &str =
    "course_id, username, due_date, reason, assigned_by, assigned_at, completed_at";

impl Store {
    /// Creates or replaces a case (the whole tree); audited.
    pub async fn kb_case_save(&self, case: &StoredCase, actor: &Actor) -> Result<()> {
        let nodes = serde_json::to_string(&case.nodes).unwrap_or_else(|_| "[]".to_owned());
        let mut transaction = self.begin_write().await?;
        let existed = sqlx::query("DELETE FROM kb_cases WHERE id = $1")
            .bind(case.id.as_str())
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            > 0;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO kb_cases ({CASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
        )))
        .bind(case.id.as_str())
        .bind(case.title.as_str())
        .bind(case.category.as_str())
        .bind(case.kind.name())
        .bind(case.summary.as_str())
        .bind(case.source_contact.as_str())
        .bind(nodes)
        .bind(actor.name.as_str())
        .bind(case.updated_at)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            case.updated_at,
            if existed { "update" } else { "create" },
            "kb_case",
            &case.id,
            &serde_json::json!({"nodes": case.nodes.len(), "source_contact": case.source_contact})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// One case.
    pub async fn kb_case(&self, id: &str) -> Result<Option<StoredCase>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM kb_cases WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(case_of)
        .transpose()
    }

    /// Every case, by title.
    pub async fn kb_cases(&self) -> Result<Vec<StoredCase>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {CASE_COLUMNS} FROM kb_cases ORDER BY title, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(case_of)
        .collect()
    }

    /// Records a walk through a case.
    pub async fn kb_case_walk_add(
        &self,
        case_id: &str,
        username: &str,
        path: &[i64],
        missed: &[i64],
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO kb_case_walks (case_id, username, path, missed, walked_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(case_id)
        .bind(username)
        .bind(join_ids(path))
        .bind(join_ids(missed))
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The walks through a case, oldest first.
    pub async fn kb_case_walks(&self, case_id: &str) -> Result<Vec<CaseWalk>> {
        sqlx::query(
            "SELECT username, path, missed, walked_at FROM kb_case_walks WHERE case_id = $1 \
             ORDER BY id",
        )
        .bind(case_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let path: String = row.try_get("path")?;
            let missed: String = row.try_get("missed")?;
            Ok(CaseWalk {
                username: row.try_get("username")?,
                path: ids_of("path", &path)?,
                missed: ids_of("missed", &missed)?,
                walked_at: row.try_get("walked_at")?,
            })
        })
        .collect()
    }

    /// Creates or replaces a course; audited.
    pub async fn course_save(&self, course: &StoredCourse, actor: &Actor) -> Result<()> {
        let items = serde_json::to_string(&course.items).unwrap_or_else(|_| "[]".to_owned());
        let questions =
            serde_json::to_string(&course.questions).unwrap_or_else(|_| "[]".to_owned());
        let qa_items = serde_json::to_string(&course.qa_items).unwrap_or_else(|_| "[]".to_owned());
        let mut transaction = self.begin_write().await?;
        let existed = sqlx::query("DELETE FROM courses WHERE id = $1")
            .bind(course.id.as_str())
            .execute(&mut *transaction)
            .await?
            .rows_affected()
            > 0;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO courses ({COURSE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        )))
        .bind(course.id.as_str())
        .bind(course.title.as_str())
        .bind(course.description.as_str())
        .bind(items)
        .bind(questions)
        .bind(i64::from(course.pass_mark))
        .bind(i64::from(course.max_attempts))
        .bind(qa_items)
        .bind(actor.name.as_str())
        .bind(course.updated_at)
        .execute(&mut *transaction)
        .await?;
        audit(
            &mut transaction,
            actor,
            course.updated_at,
            if existed { "update" } else { "create" },
            "course",
            &course.id,
            &serde_json::json!({"questions": course.questions.len(), "pass_mark": course.pass_mark})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    /// One course.
    pub async fn course(&self, id: &str) -> Result<Option<StoredCourse>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COURSE_COLUMNS} FROM courses WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(course_of)
        .transpose()
    }

    /// Every course, by title.
    pub async fn courses(&self) -> Result<Vec<StoredCourse>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {COURSE_COLUMNS} FROM courses ORDER BY title, id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(course_of)
        .collect()
    }

    /// Assigns a course to users (one already assigned keeps their assignment); how many were
    /// new. Audited.
    pub async fn course_assign(
        &self,
        course_id: &str,
        usernames: &[String],
        due_date: &str,
        reason: &str,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<usize> {
        let mut transaction = self.begin_write().await?;
        let mut added = 0;
        for username in usernames {
            added += sqlx::query(
                "INSERT INTO course_assignments (course_id, username, due_date, reason, \
                 assigned_by, assigned_at) VALUES ($1, $2, $3, $4, $5, $6) \
                 ON CONFLICT (course_id, username) DO NOTHING",
            )
            .bind(course_id)
            .bind(username.as_str())
            .bind(due_date)
            .bind(reason)
            .bind(actor.name.as_str())
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected() as usize;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "assign",
            "course",
            course_id,
            &serde_json::json!({"users": usernames, "due_date": due_date, "reason": reason})
                .to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(added)
    }

    /// A course's assignments (`course_id`), or a user's (`username`), or both.
    pub async fn course_assignments(
        &self,
        course_id: Option<&str>,
        username: Option<&str>,
    ) -> Result<Vec<Assignment>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ASSIGNMENT_COLUMNS} FROM course_assignments \
             WHERE ($1 = '' OR course_id = $1) AND ($2 = '' OR username = $2) \
             ORDER BY assigned_at, course_id, username"
        )))
        .bind(course_id.unwrap_or(""))
        .bind(username.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(assignment_of)
        .collect()
    }

    /// Stores an attempt; a passed one completes the trainee's assignment. Its id.
    pub async fn exam_attempt_add(&self, attempt: &Attempt) -> Result<i64> {
        let mut transaction = self.begin_write().await?;
        let graded: std::collections::BTreeMap<String, u32> = attempt
            .graded_points
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO exam_attempts (course_id, username, answers, auto_points, \
             graded_points, max_points, status, submitted_at, graded_by, graded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(attempt.course_id.as_str())
        .bind(attempt.username.as_str())
        .bind(serde_json::Value::from(attempt.answers.clone()).to_string())
        .bind(i64::from(attempt.auto_points))
        .bind(serde_json::to_string(&graded).unwrap_or_else(|_| "{}".to_owned()))
        .bind(i64::from(attempt.max_points))
        .bind(attempt.status.name())
        .bind(attempt.submitted_at)
        .bind(attempt.graded_by.as_str())
        .bind(attempt.graded_at)
        .fetch_one(&mut *transaction)
        .await?;
        if attempt.status == AttemptStatus::Passed {
            complete(
                &mut transaction,
                &attempt.course_id,
                &attempt.username,
                attempt.submitted_at,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(id)
    }

    /// One attempt.
    pub async fn exam_attempt(&self, id: i64) -> Result<Option<Attempt>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM exam_attempts WHERE id = $1"
        )))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .as_ref()
        .map(attempt_of)
        .transpose()
    }

    /// A course's attempts (a user's only when `username`), oldest first.
    pub async fn exam_attempts(
        &self,
        course_id: &str,
        username: Option<&str>,
    ) -> Result<Vec<Attempt>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM exam_attempts WHERE course_id = $1 \
             AND ($2 = '' OR username = $2) ORDER BY id"
        )))
        .bind(course_id)
        .bind(username.unwrap_or(""))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(attempt_of)
        .collect()
    }

    /// Every attempt waiting for a grader, oldest first.
    pub async fn exam_attempts_awaiting(&self) -> Result<Vec<Attempt>> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {ATTEMPT_COLUMNS} FROM exam_attempts WHERE status = 'awaiting_grading' \
             ORDER BY id"
        )))
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(attempt_of)
        .collect()
    }

    /// Records a grader's points for an attempt awaiting grading and its outcome (a pass
    /// completes the assignment); false when it was not awaiting grading. Audited.
    pub async fn exam_attempt_grade(
        &self,
        id: i64,
        graded_points: &[(usize, u32)],
        status: AttemptStatus,
        actor: &Actor,
        now_ms: i64,
    ) -> Result<bool> {
        let mut transaction = self.begin_write().await?;
        let graded: std::collections::BTreeMap<String, u32> = graded_points
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect();
        let row = sqlx::query(
            "UPDATE exam_attempts SET graded_points = $1, status = $2, graded_by = $3, \
             graded_at = $4 WHERE id = $5 AND status = 'awaiting_grading' \
             RETURNING course_id, username",
        )
        .bind(serde_json::to_string(&graded).unwrap_or_else(|_| "{}".to_owned()))
        .bind(status.name())
        .bind(actor.name.as_str())
        .bind(now_ms)
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let course_id: String = row.try_get("course_id")?;
        let username: String = row.try_get("username")?;
        if status == AttemptStatus::Passed {
            complete(&mut transaction, &course_id, &username, now_ms).await?;
        }
        audit(
            &mut transaction,
            actor,
            now_ms,
            "grade",
            "exam_attempt",
            &id.to_string(),
            &serde_json::json!({"points": graded, "status": status.name()}).to_string(),
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    /// Stores (or replaces) a trainee's feedback on a course.
    pub async fn course_feedback_save(
        &self,
        course_id: &str,
        feedback: &CourseFeedback,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO course_feedback (course_id, username, rating, comment, at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (course_id, username) DO UPDATE SET \
             rating = excluded.rating, comment = excluded.comment, at = excluded.at",
        )
        .bind(course_id)
        .bind(feedback.username.as_str())
        .bind(i64::from(feedback.rating))
        .bind(feedback.comment.as_str())
        .bind(feedback.at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A course's feedback, newest first.
    pub async fn course_feedback(&self, course_id: &str) -> Result<Vec<CourseFeedback>> {
        sqlx::query(
            "SELECT username, rating, comment, at FROM course_feedback WHERE course_id = $1 \
             ORDER BY at DESC",
        )
        .bind(course_id)
        .fetch_all(&self.pool)
        .await?
        .iter()
        .map(|row| {
            let rating: i64 = row.try_get("rating")?;
            Ok(CourseFeedback {
                username: row.try_get("username")?,
                rating: u8::try_from(rating).map_err(|_| corrupt("rating", rating.to_string()))?,
                comment: row.try_get("comment")?,
                at: row.try_get("at")?,
            })
        })
        .collect()
    }
}

/// Marks a trainee's assignment done (the first pass counts; an unassigned trainee who passed
/// is recorded as self-enrolled).
async fn complete(
    transaction: &mut sqlx::Transaction<'_, sqlx::Any>,
    course_id: &str,
    username: &str,
    at_ms: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO course_assignments (course_id, username, due_date, reason, assigned_by, \
         assigned_at, completed_at) VALUES ($1, $2, '', 'self-enrolled', $2, $3, $3) \
         ON CONFLICT (course_id, username) DO UPDATE SET completed_at = \
         COALESCE(course_assignments.completed_at, excluded.completed_at)",
    )
    .bind(course_id)
    .bind(username)
    .bind(at_ms)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}
