//! Fresh databases for tests (feature `testing`): a temporary SQLite file, or a new database on
//! the PostgreSQL server named by `SERVQ_TEST_PG_URL`, dropped again when the guard is dropped.

use crate::Backend;

/// A throw-away database and its URL.
pub struct TestDatabase {
    /// URL to open it with.
    pub url: String,
    /// Engine.
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

/// The environment variable naming the PostgreSQL server for tests.
pub const PG_URL_VAR: &str = "SERVQ_TEST_PG_URL";

impl TestDatabase {
    /// A new empty SQLite database file.
    pub fn sqlite() -> TestDatabase {
        let dir = tempfile::tempdir().expect("temporary folder");
        let url = format!("sqlite://{}", dir.path().join("servq.db").display());
        TestDatabase {
            url,
            backend: Backend::Sqlite,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A new empty PostgreSQL database. Panics with instructions when no server is configured:
    /// every store test must also run on PostgreSQL.
    pub async fn postgres() -> TestDatabase {
        let admin_url = std::env::var(PG_URL_VAR).unwrap_or_else(|_| {
            panic!("{PG_URL_VAR} must name a PostgreSQL server (run ./test.sh, or export the URL scripts/pg-start.sh prints)")
        });
        let name = format!("servq_test_{}_{}", std::process::id(), unique());
        let admin = sqlx::PgPool::connect(&admin_url)
            .await
            .expect("connecting to the test PostgreSQL server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&admin)
            .await
            .expect("creating a test database");
        admin.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(base, _)| base);
        TestDatabase {
            url: format!("{base}/{name}"),
            backend: Backend::Postgres,
            _dir: None,
            pg: Some((admin_url, name)),
        }
    }

    /// Both kinds, SQLite first.
    pub async fn both() -> Vec<TestDatabase> {
        vec![TestDatabase::sqlite(), TestDatabase::postgres().await]
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = self.pg.take() {
            // Dropping runs outside any runtime the test may be inside, on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                runtime.block_on(async {
                    let admin = sqlx::PgPool::connect(&admin_url).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&admin)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

fn unique() -> u64 {
    use std::{
        hash::{BuildHasher, Hasher},
        sync::atomic::{AtomicU64, Ordering},
    };
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
    hasher.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    hasher.finish()
}

impl crate::Store {
    /// The first column of the first row of `sql` (tests of SQL the store generates).
    pub async fn scalar_for_test(&self, sql: &str) -> Option<i64> {
        sqlx::query_scalar::<_, Option<i64>>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&self.pool)
            .await
            .expect("the test's statement runs")
    }
}
