//! The SQLite and PostgreSQL migrations are twins written by hand: after migrating, both live
//! schemas must have the same tables, columns (name, kind, nullability, order), primary keys
//! and indexes. Objects only one engine has are named in `ENGINE_SPECIFIC`, with the reason.

use std::collections::BTreeSet;

use servq_store::{Store, testing::TestDatabase};

/// Tables or indexes that exist on one engine only, by design: (name, why).
const ENGINE_SPECIFIC: &[(&str, &str)] = &[];

#[tokio::test]
async fn sqlite_and_postgres_migrations_define_the_same_schema() {
    let sqlite_db = TestDatabase::sqlite();
    let postgres_db = TestDatabase::postgres().await;
    let sqlite = Store::open(&sqlite_db.url).await.unwrap();
    let postgres = Store::open(&postgres_db.url).await.unwrap();
    let mut lite = sqlite.schema().await.unwrap();
    let mut pg = postgres.schema().await.unwrap();
    sqlite.close().await;
    postgres.close().await;
    let allowed: BTreeSet<&str> = ENGINE_SPECIFIC.iter().map(|(name, _)| *name).collect();
    for schema in [&mut lite, &mut pg] {
        schema.retain(|table, _| !allowed.contains(table.as_str()));
        for table in schema.values_mut() {
            table
                .indexes
                .retain(|index, _| !allowed.contains(index.as_str()));
        }
    }
    assert!(lite.len() > 30, "{:?}", lite.keys());
    let tables = |schema: &std::collections::BTreeMap<String, _>| -> BTreeSet<String> {
        schema.keys().cloned().collect()
    };
    assert_eq!(
        tables(&lite),
        tables(&pg),
        "tables only on SQLite: {:?}; only on PostgreSQL: {:?}",
        tables(&lite).difference(&tables(&pg)).collect::<Vec<_>>(),
        tables(&pg).difference(&tables(&lite)).collect::<Vec<_>>()
    );
    let mut differences = Vec::new();
    for (name, table) in &lite {
        let twin = &pg[name];
        if table.columns != twin.columns {
            differences.push(format!(
                "{name} columns:\n  SQLite     {:?}\n  PostgreSQL {:?}",
                table.columns, twin.columns
            ));
        }
        if table.primary_key != twin.primary_key {
            differences.push(format!(
                "{name} primary key: SQLite {:?}, PostgreSQL {:?}",
                table.primary_key, twin.primary_key
            ));
        }
        if table.indexes != twin.indexes {
            differences.push(format!(
                "{name} indexes:\n  SQLite     {:?}\n  PostgreSQL {:?}",
                table.indexes, twin.indexes
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}

#[tokio::test]
async fn a_store_missing_a_migration_of_this_build_says_so() {
    sqlx::any::install_default_drivers();
    for database in TestDatabase::both().await {
        let store = Store::open(&database.url).await.unwrap();
        assert_eq!(store.pending_migrations().await.unwrap(), 0);
        // as if an older build had opened it: the newest migration not recorded
        let pool = sqlx::AnyPool::connect(&database.url).await.unwrap();
        sqlx::query(
            "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        assert_eq!(store.pending_migrations().await.unwrap(), 1);
        store.close().await;
    }
}
