//! The cases behind a Pareto of problems: each coded unsatisfied review (its reasons), each
//! automated-QA hit (its rule), each ticket (its category) or complaint, in a period, with the
//! customer it touched and what followed (the rated CSAT, whether the customer came back on the
//! same issue) — what the frequency × impact matrix needs.

use futures::TryStreamExt;
use sqlx::Row;

use crate::{Result, Store};

/// Which problems to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemSource {
    /// Reasons coded on unsatisfied survey answers (by when the answer came).
    ReviewReasons,
    /// Only the agent-caused reasons (tone, wording, interrupting …).
    AgentReasons,
    /// Only the other reasons (process, system, policy, the customer's situation …).
    OtherReasons,
    /// Automated-QA rule hits (by when the contact was offered).
    QaHits,
    /// Ticket categories (by when the ticket was created).
    TicketCategories,
    /// Categories of complaint tickets.
    Complaints,
}

impl ProblemSource {
    /// Every source, in the page's order.
    pub const ALL: [ProblemSource; 6] = [
        ProblemSource::ReviewReasons,
        ProblemSource::AgentReasons,
        ProblemSource::OtherReasons,
        ProblemSource::QaHits,
        ProblemSource::TicketCategories,
        ProblemSource::Complaints,
    ];

    /// The stable name (`review_reasons`, `agent_reasons`, `other_reasons`, `qa_hits`,
    /// `ticket_categories`, `complaints`).
    pub fn name(self) -> &'static str {
        match self {
            ProblemSource::ReviewReasons => "review_reasons",
            ProblemSource::AgentReasons => "agent_reasons",
            ProblemSource::OtherReasons => "other_reasons",
            ProblemSource::QaHits => "qa_hits",
            ProblemSource::TicketCategories => "ticket_categories",
            ProblemSource::Complaints => "complaints",
        }
    }

    /// Parses a stable name.
    pub fn parse(text: &str) -> Option<ProblemSource> {
        ProblemSource::ALL
            .into_iter()
            .find(|source| source.name() == text.trim())
    }
}

/// One case: the problems it shows and whom and what it touched.
#[derive(Debug, Clone, PartialEq)]
pub struct ProblemCase {
    /// The problem categories of the case (review reasons, a rule, a ticket category).
    pub problems: Vec<String>,
    /// The customer, when known.
    pub customer: Option<String>,
    /// The CSAT (1–5) the customer gave the contact, when surveyed.
    pub csat: Option<i64>,
    /// Whether the customer came back on the same issue within the FCR window (contacts only).
    pub repeated: Option<bool>,
}

impl Store {
    /// The cases of `source` in `[from_ms, to_ms)`; `fcr_window_ms` decides `repeated`.
    pub async fn problem_cases(
        &self,
        source: ProblemSource,
        from_ms: i64,
        to_ms: i64,
        fcr_window_ms: i64,
    ) -> Result<Vec<ProblemCase>> {
        // (case key, problem, customer, csat, repeated: 1/0/NULL); rows of one case are adjacent
        let sql = match source {
            ProblemSource::ReviewReasons
            | ProblemSource::AgentReasons
            | ProblemSource::OtherReasons => {
                "SELECT t.response_id, tr.reason_id, c.customer_id, r.csat, \
                   CASE WHEN c.customer_id IS NULL THEN NULL \
                        WHEN c.next_same_issue_at IS NOT NULL AND c.next_same_issue_at - c.offered_at <= $3 THEN 1 ELSE 0 END \
                 FROM review_tasks t JOIN review_task_reasons tr ON tr.response_id = t.response_id \
                 JOIN review_reasons rr ON rr.reason_id = tr.reason_id \
                   AND ($4 = '' OR rr.reason_group = $4) \
                 JOIN survey_responses r ON r.response_id = t.response_id \
                 LEFT JOIN contacts c ON c.contact_id = t.contact_id \
                 WHERE t.status = 'coded' AND r.responded_at >= $1 AND r.responded_at < $2 \
                 ORDER BY t.response_id, tr.reason_id"
            }
            ProblemSource::QaHits => {
                "SELECT h.contact_id, h.rule, c.customer_id, \
                   (SELECT MIN(r.csat) FROM survey_responses r WHERE r.contact_id = h.contact_id), \
                   CASE WHEN c.customer_id IS NULL THEN NULL \
                        WHEN c.next_same_issue_at IS NOT NULL AND c.next_same_issue_at - c.offered_at <= $3 THEN 1 ELSE 0 END \
                 FROM qa_hits h JOIN contacts c ON c.contact_id = h.contact_id \
                 WHERE c.offered_at >= $1 AND c.offered_at < $2 \
                 ORDER BY h.contact_id, h.rule"
            }
            ProblemSource::TicketCategories | ProblemSource::Complaints => {
                "SELECT t.ticket_id, t.category, NULLIF(t.customer_id, ''), \
                   (SELECT MIN(r.csat) FROM survey_responses r WHERE r.contact_id = t.contact_id), \
                   CAST(NULL AS BIGINT) \
                 FROM tickets t WHERE t.created_at >= $1 AND t.created_at < $2 \
                   AND ($3 = 0 OR t.ticket_type = 'complaint') \
                 ORDER BY t.ticket_id"
            }
        };
        // contacts' sources take the FCR window as $3, tickets whether only complaints count
        let third = match source {
            ProblemSource::TicketCategories => 0,
            ProblemSource::Complaints => 1,
            _ => fcr_window_ms,
        };
        let mut query = sqlx::query(sql).bind(from_ms).bind(to_ms).bind(third);
        // the review sources say which group of reasons counts ('' = both)
        let group = match source {
            ProblemSource::ReviewReasons => Some(""),
            ProblemSource::AgentReasons => Some("agent"),
            ProblemSource::OtherReasons => Some("other"),
            _ => None,
        };
        if let Some(group) = group {
            query = query.bind(group);
        }
        let mut cases: Vec<ProblemCase> = Vec::new();
        let mut last_key: Option<String> = None;
        let mut rows = query.fetch(&self.pool);
        while let Some(row) = rows.try_next().await? {
            let key: String = row.try_get(0)?;
            let problem: String = row.try_get(1)?;
            if last_key.as_deref() == Some(key.as_str()) {
                if let Some(case) = cases.last_mut()
                    && !case.problems.contains(&problem)
                {
                    case.problems.push(problem);
                }
                continue;
            }
            cases.push(ProblemCase {
                problems: vec![problem],
                customer: row.try_get(2)?,
                csat: row.try_get(3)?,
                repeated: row.try_get::<Option<i64>, _>(4)?.map(|flag| flag != 0),
            });
            last_key = Some(key);
        }
        Ok(cases)
    }
}
