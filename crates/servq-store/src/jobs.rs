//! The record of scheduled jobs (`job_runs`): a period is claimed by inserting its row, so it
//! runs once across any number of servers; the row then says how it ended. Also the sign-in
//! records' purge that the daily clean-up job runs.

use sqlx::Row;

use crate::{Result, Store};

/// How a job's period ended (or that it is running, or was skipped after downtime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRunStatus {
    /// Claimed by a server and not finished yet.
    Running,
    /// Finished.
    Done,
    /// Failed; the detail says why.
    Failed,
    /// Missed while no server ran, older than the job's catch-up cap.
    Skipped,
}

impl JobRunStatus {
    /// The stored name.
    pub fn name(self) -> &'static str {
        match self {
            JobRunStatus::Running => "running",
            JobRunStatus::Done => "done",
            JobRunStatus::Failed => "failed",
            JobRunStatus::Skipped => "skipped",
        }
    }

    /// A stored name back.
    pub fn parse(name: &str) -> Option<JobRunStatus> {
        [
            JobRunStatus::Running,
            JobRunStatus::Done,
            JobRunStatus::Failed,
            JobRunStatus::Skipped,
        ]
        .into_iter()
        .find(|status| status.name() == name)
    }
}

/// One period of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRun {
    /// The job's name.
    pub job: String,
    /// The period (the scheduled local time, e.g. `2026-12-01T03:00`).
    pub period: String,
    /// When the period was due (UTC ms).
    pub scheduled_ms: i64,
    /// How it ended.
    pub status: JobRunStatus,
    /// When a server claimed it.
    pub started_ms: i64,
    /// When it ended.
    pub finished_ms: Option<i64>,
    /// What it did, or why it failed.
    pub detail: String,
}

/// What the sign-in clean-up removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInPurge {
    /// Expired sessions.
    pub sessions: u64,
    /// Failed sign-ins older than the throttling window.
    pub login_failures: u64,
    /// Expired set-up tokens.
    pub setup_tokens: u64,
}

impl Store {
    /// Claims `period` of `job` for this server: true when it was free (the caller runs it and
    /// then calls [`Store::finish_job_run`]), false when any server claimed or skipped it before.
    pub async fn claim_job_run(
        &self,
        job: &str,
        period: &str,
        scheduled_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        self.insert_job_run(job, period, scheduled_ms, JobRunStatus::Running, now_ms)
            .await
    }

    /// Records `period` of `job` as skipped (missed beyond the catch-up cap), unless it has a
    /// row already.
    pub async fn skip_job_run(
        &self,
        job: &str,
        period: &str,
        scheduled_ms: i64,
        now_ms: i64,
    ) -> Result<bool> {
        self.insert_job_run(job, period, scheduled_ms, JobRunStatus::Skipped, now_ms)
            .await
    }

    async fn insert_job_run(
        &self,
        job: &str,
        period: &str,
        scheduled_ms: i64,
        status: JobRunStatus,
        now_ms: i64,
    ) -> Result<bool> {
        let finished = (status != JobRunStatus::Running).then_some(now_ms);
        let inserted = sqlx::query(
            "INSERT INTO job_runs (job, period, scheduled_at, status, started_at, finished_at, detail) \
             VALUES ($1, $2, $3, $4, $5, $6, '') ON CONFLICT (job, period) DO NOTHING",
        )
        .bind(job)
        .bind(period)
        .bind(scheduled_ms)
        .bind(status.name())
        .bind(now_ms)
        .bind(finished)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(inserted == 1)
    }

    /// Records how a claimed period ended.
    pub async fn finish_job_run(
        &self,
        job: &str,
        period: &str,
        status: JobRunStatus,
        detail: &str,
        now_ms: i64,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE job_runs SET status = $1, finished_at = $2, detail = $3 \
             WHERE job = $4 AND period = $5",
        )
        .bind(status.name())
        .bind(now_ms)
        .bind(detail)
        .bind(job)
        .bind(period)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Forgets `period` of `job` so that it can be claimed again (a person re-running it).
    pub async fn forget_job_run(&self, job: &str, period: &str) -> Result<bool> {
        let deleted = sqlx::query("DELETE FROM job_runs WHERE job = $1 AND period = $2")
            .bind(job)
            .bind(period)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted == 1)
    }

    /// When the newest recorded period of `job` was due (UTC ms), if any.
    pub async fn latest_job_period_ms(&self, job: &str) -> Result<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MAX(scheduled_at) FROM job_runs WHERE job = $1")
                .bind(job)
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The newest `limit` periods of `job`, newest first.
    pub async fn job_runs(&self, job: &str, limit: i64) -> Result<Vec<JobRun>> {
        let rows = sqlx::query(
            "SELECT job, period, scheduled_at, status, started_at, finished_at, detail \
             FROM job_runs WHERE job = $1 ORDER BY scheduled_at DESC LIMIT $2",
        )
        .bind(job)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                let status: String = row.try_get("status")?;
                Ok(JobRun {
                    job: row.try_get("job")?,
                    period: row.try_get("period")?,
                    scheduled_ms: row.try_get("scheduled_at")?,
                    status: JobRunStatus::parse(&status).ok_or_else(|| {
                        crate::StoreError::CorruptValue {
                            column: "job_runs.status",
                            value: status.clone(),
                        }
                    })?,
                    started_ms: row.try_get("started_at")?,
                    finished_ms: row.try_get("finished_at")?,
                    detail: row.try_get("detail")?,
                })
            })
            .collect()
    }

    /// Removes expired sessions and set-up tokens and the failed sign-ins recorded before
    /// `failures_before_ms` (older than the throttling window, they no longer count).
    pub async fn purge_sign_ins(
        &self,
        now_ms: i64,
        failures_before_ms: i64,
    ) -> Result<SignInPurge> {
        let mut transaction = self.begin_write().await?;
        let sessions = crate::users::delete_expired_sessions(&mut transaction, now_ms).await?;
        let login_failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
            .bind(failures_before_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        let setup_tokens = sqlx::query("DELETE FROM setup_tokens WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
        transaction.commit().await?;
        Ok(SignInPurge {
            sessions,
            login_failures,
            setup_tokens,
        })
    }
}
