//! servq storage: the only crate that speaks SQL. One code path serves SQLite (the embedded
//! default) and PostgreSQL through sqlx's `Any` driver; the schema is kept to types both read the
//! same way (BIGINT, TEXT) and the few dialect differences live in this crate.
//!
//! Imports run in one transaction per file: rows go to a staging table, are checked, merged, and
//! the rollups and first-contact-resolution links they touch are recomputed before commit, so a
//! reader never sees a half-imported file and dashboards never rescan raw contacts.

mod agents;
mod backup;
mod briefing;
mod cache;
mod calibrations;
mod coaching;
mod contacts;
mod cubes;
mod customer_measures;
mod customer_tags;
mod customers;
mod emails;
mod evaluations;
mod goals;
mod import;
mod import_jobs;
mod improvement;
mod jobs;
mod kb;
mod kpi_query;
mod ledgers;
mod outbox;
mod privacy;
mod problem_register;
mod problems;
mod ratings;
mod reports;
mod reviews;
mod risks;
mod rollup;
mod schema;
mod search;
mod settings;
mod sql;
mod surveys;
mod targets;
mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
mod ticket_cube;
mod tickets;
mod training;
mod transcripts;
mod user_notifications;
mod users;
mod watched_files;

use std::str::FromStr;

use sqlx::{
    AnyPool, Executor,
    any::{AnyConnectOptions, AnyPoolOptions},
};

pub use agents::AgentRecord;
pub use backup::{
    CellValue, CopiedTable, RestoreProgress, RestoreRefused, RestoreTarget, SEEDED_BY_MIGRATIONS,
    Snapshot, newest_schema_version,
};
pub use briefing::{PraiseComment, TopEvaluation};
pub use calibrations::{Calibration, CalibrationSummary};
pub use coaching::{CoachingSession, EvaluationAnswers};
pub use contacts::{ContactDetail, ContactListQuery, ContactPage, ContactRow};
pub use cubes::DEFAULT_CENTRE_ZONE;
pub use customer_tags::TagLookBack;
pub use customers::{
    CustomerContactLine, CustomerHistory, CustomerSurveyLine, CustomerTicketLine,
    CustomerVisitLine, MergeSummary, StoredCustomer,
};
pub use emails::{EmailOutcome, InboundClaim, OutgoingEmail, TicketEmail};
pub use evaluations::{
    Evaluation, EvaluationCreated, EvaluationRevision, EvaluationScore, EvaluationStatus,
    EvaluationStep, NewEvaluation, QueueItem, SamplingCandidate, StoredScorecard,
};
pub use goals::Goal;
pub use import::{ContactImport, DuplicateKey, ImportSummary, StagedImport, StateImport};
pub use import_jobs::{ImportEnd, ImportJob, ImportRowError, ImportStatus};
pub use improvement::{CheckStatus, EffectivenessCheck, Evidence, EvidenceKind, NewCheck};
pub use jobs::{JobRun, JobRunStatus, SignInPurge};
pub use kb::{
    ArticleFlag, ArticleListQuery, ArticleSummary, ArticleTerms, ArticleVersion, ArticleWrite,
    FlagSource, KbSaveSummary, StoredArticle, TicketArticle, WRONG_INFORMATION_REASON,
};
pub use kpi_query::{Dimension, GroupField, KpiGroup, KpiQuery, TimeGrain};
pub use ledgers::{
    EntryWrite, FileRole, ItemCondition, LedgerCounts, LedgerFile, LendingItem, MedicineStock,
    PurgeCount, Reconciliation, StoredEntry,
};
pub use privacy::Erased;
pub use problem_register::Problem;
pub use problems::{ProblemCase, ProblemSource};
pub use ratings::{PEERS_SHARE_TEAM_KEY, StoredRating};
pub use reports::{NewReport, ReportMail, ReportOrigin, StoredReport};
pub use reviews::{
    CodingRefused, ReasonGroup, ReviewReason, ReviewStatus, ReviewTask, ReviewTaskPage,
    ReviewTaskQuery,
};
pub use risks::{Drill, DrillFinding, DrillRun, EmergencyPlan, Risk, RiskReminder, RiskReview};
pub use rollup::RebuildSummary;
pub use schema::{ColumnSchema, TableSchema};
pub use search::{ContactHit, CustomerHit, SearchHits, SearchQuery, TicketHit};
pub use surveys::{
    Invitation, NewInvitation, NewResponse, ResponseRefused, StoredResponse, StoredSurveyTemplate,
};
pub use targets::{KpiAlert, NewTarget, StoredModel, StoredTarget};
pub use tasks::{Task, TaskComment, TaskStatus};
pub use tickets::{
    Attachment, ClockRow, DeskTable, EscalationPass, ListedTicket, NewTicket, OutboxMessage,
    PickAgent, ReturnVisit, Ticket, TicketChange, TicketEvent, TicketGroup, TicketListPage,
    TicketListQuery, TicketSort,
};
pub use training::{
    Assignment, Attempt, AttemptStatus, CaseWalk, CourseFeedback, CourseItem, StoredCase,
    StoredCourse,
};
pub use transcripts::{CoachingItem, StoredHit, StoredTranscript, TranscriptImport};
pub use user_notifications::{
    NewNotification, NotificationEmail, NotificationPref, NotificationSource, SourceEvent,
    StoredNotification,
};
pub use users::{
    Actor, ApiTokenRecord, AuditEntry, NewApiToken, NewUser, TwoFactor, UserChange, UserRecord,
    token_id_of,
};
pub use watched_files::{WatchOutcome, WatchedFile};

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one servq can use.
    #[error("unsupported database URL '{0}' (use sqlite://FILE or postgres://USER@HOST/DB)")]
    UnsupportedUrl(String),
    /// The database refused or failed an operation.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Applying the schema migrations failed.
    #[error("database migration failed")]
    Migration(#[from] sqlx::migrate::MigrateError),
    /// A stored value is not one servq writes (the database was changed by hand).
    #[error("stored {column} has an invalid value '{value}'")]
    CorruptValue {
        /// Table and column.
        column: &'static str,
        /// Stored text.
        value: String,
    },
    /// A user with this name exists already.
    #[error("the user name '{0}' is taken")]
    UsernameTaken(String),
    /// The change would leave no enabled administrator.
    #[error("the last enabled administrator cannot be disabled or given another role")]
    LastAdmin,
    /// A stored setting could not be read back.
    #[error("stored setting '{key}' has an invalid value '{value}'")]
    BadSetting {
        /// Setting key.
        key: String,
        /// Stored text.
        value: String,
    },
}

/// Result type of this crate.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// A connection pool to a migrated servq database.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    cache: std::sync::Arc<cache::ReportCache>,
}

impl Store {
    /// Opens (creating an SQLite file on first use) and migrates the database at `url`. A store
    /// that a restore is still loading (`servq restore`, `servq store copy`) opens too; callers
    /// that serve it check [`Store::restore_in_progress`].
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        migrator(store.backend).run(&store.pool).await?;
        // a store from before the search index (migration 0038) gets it from its articles
        store.kb_fill_index().await?;
        Ok(store)
    }

    /// Connects to the database at `url` (creating an SQLite file on first use) without
    /// migrating it.
    async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::UnsupportedUrl(url.to_owned()));
        };
        let url = match backend {
            Backend::Sqlite if !url.contains("mode=") => {
                let separator = if url.contains('?') { '&' } else { '?' };
                format!("{url}{separator}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let options = AnyConnectOptions::from_str(&url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 4 } else { 16 })
            .after_connect(move |connection, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers (the dashboard) run while an import writes; a busy
                        // timeout makes concurrent writers wait instead of failing.
                        connection
                            .execute(
                                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                                 PRAGMA busy_timeout = 10000; PRAGMA cache_size = -131072;",
                            )
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        Ok(Store {
            pool,
            backend,
            cache: Default::default(),
        })
    }

    /// A write transaction. SQLite: the write lock is taken at the start (BEGIN IMMEDIATE). A
    /// deferred transaction that reads before it writes cannot upgrade its snapshot when anything
    /// else (a sign-in, an import's progress) committed meanwhile: it fails at once with "database
    /// is locked" instead of waiting — a rare failed save under load, or a whole import failing
    /// at its end. Other writers wait instead (busy timeout).
    /// How many of this build's migrations the database has not applied (0 once `open` ran
    /// them; more when another server of an older build opened a store a newer one upgraded,
    /// or the table was changed by hand).
    pub async fn pending_migrations(&self) -> Result<usize> {
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                .fetch_all(&self.pool)
                .await?;
        Ok(migrator(self.backend)
            .iter()
            .filter(|m| !m.migration_type.is_down_migration() && !applied.contains(&m.version))
            .count())
    }

    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// The engine this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Copies the SQLite write-ahead log into the database file and empties it. After a large
    /// import the log holds gigabytes; left in place, every process that opens the database
    /// first re-reads it, which made the first dashboards after an import take a second.
    /// PostgreSQL needs nothing.
    pub async fn checkpoint(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes every connection, waiting for them to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Number of stored contacts.
    pub async fn contact_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM contacts")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Number of stored agent-state intervals.
    pub async fn agent_state_count(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM agent_states")
            .fetch_one(&self.pool)
            .await?)
    }
}

/// The migrations of `backend` built into this binary.
fn migrator(backend: Backend) -> sqlx::migrate::Migrator {
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    }
}
