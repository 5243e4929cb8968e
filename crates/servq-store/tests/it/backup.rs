//! The store's half of backups: what a fresh store holds, a snapshot that sees one instant, rows
//! carried between the engines with their id counters, and the refusals of a restore.

use std::collections::BTreeMap;

use servq_store::{
    Actor, CellValue, CopiedTable, RestoreRefused, RestoreTarget, SEEDED_BY_MIGRATIONS, Snapshot,
    Store, newest_schema_version, testing::TestDatabase,
};

use crate::{on_both_databases, users::admin};

fn system() -> Actor {
    Actor {
        user_id: None,
        name: "system".to_owned(),
    }
}

/// Every row of `table` as the snapshot reads it.
async fn rows_of(snapshot: &mut Snapshot, table: &CopiedTable) -> Vec<Vec<CellValue>> {
    let mut rows = Vec::new();
    snapshot
        .for_each_row(table, |values| {
            rows.push(values.to_vec());
            Ok::<(), ()>(())
        })
        .await
        .unwrap()
        .unwrap();
    rows
}

/// Every table's rows, sorted.
pub async fn all_rows(store: &Store) -> BTreeMap<String, Vec<Vec<CellValue>>> {
    let schema = store.schema().await.unwrap();
    let mut snapshot = store.snapshot().await.unwrap();
    let tables = snapshot.tables(&schema).await.unwrap();
    let mut rows = BTreeMap::new();
    for table in &tables {
        let mut read = rows_of(&mut snapshot, table).await;
        read.sort_by_key(|row| format!("{row:?}"));
        rows.insert(table.name.clone(), read);
    }
    rows
}

#[tokio::test]
async fn a_fresh_store_holds_rows_only_in_the_seeded_tables() {
    on_both_databases(|store| async move {
        let filled: Vec<String> = all_rows(&store)
            .await
            .into_iter()
            .filter(|(_, rows)| !rows.is_empty())
            .map(|(table, _)| table)
            .collect();
        let mut seeded: Vec<String> = SEEDED_BY_MIGRATIONS.iter().map(|t| t.to_string()).collect();
        seeded.sort();
        assert_eq!(filled, seeded, "{:?}", store.backend());
    })
    .await;
}

#[tokio::test]
async fn a_snapshot_sees_the_store_as_it_was_when_it_began() {
    on_both_databases(|store| async move {
        let schema = store.schema().await.unwrap();
        let mut snapshot = store.snapshot().await.unwrap();
        let tables = snapshot.tables(&schema).await.unwrap();
        // parents before children: users before sessions and tokens
        let position = |name: &str| tables.iter().position(|t| t.name == name).unwrap();
        assert!(position("users") < position("sessions"));
        assert!(position("import_jobs") < position("import_job_errors"));
        assert!(!tables.iter().any(|t| t.name == "store_restore"));
        store
            .create_user(&admin("later"), &system(), 1_000)
            .await
            .unwrap();
        let counts = snapshot.row_counts(&tables).await.unwrap();
        assert_eq!(counts["users"], 0, "{:?}", store.backend());
        assert_eq!(counts["audit_log"], 0);
        drop(snapshot);
        let mut now = store.snapshot().await.unwrap();
        let counts = now.row_counts(&tables).await.unwrap();
        assert_eq!(counts["users"], 1);
        assert!(counts["audit_log"] >= 1);
    })
    .await;
}

/// Copies every row of `from` into the new database `to` through the restore API.
async fn copy_rows(from: &Store, to: &TestDatabase) -> Store {
    let schema = from.schema().await.unwrap();
    let mut snapshot = from.snapshot().await.unwrap();
    let version = snapshot.schema_version().await.unwrap();
    let tables = snapshot.tables(&schema).await.unwrap();
    let sequences = snapshot.id_sequences().await.unwrap();
    let target = RestoreTarget::open(&to.url, version)
        .await
        .unwrap()
        .unwrap();
    let progress = target
        .begin(&tables, "test-backup", "/tmp/test.servq-backup", false, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(!progress.resumed);
    for table in &tables {
        target
            .load(table, &rows_of(&mut snapshot, table).await)
            .await
            .unwrap();
    }
    assert!(
        target
            .store()
            .restore_in_progress()
            .await
            .unwrap()
            .is_some()
    );
    target.finish(&sequences).await.unwrap()
}

#[tokio::test]
async fn rows_and_id_counters_cross_between_the_engines() {
    let [lite, pg] = <[TestDatabase; 2]>::try_from(TestDatabase::both().await)
        .ok()
        .unwrap();
    let source = Store::open(&lite.url).await.unwrap();
    for name in ["ada", "bo", "cy"] {
        source
            .create_user(&admin(name), &system(), 1_000)
            .await
            .unwrap();
    }
    let before = all_rows(&source).await;
    let copy = copy_rows(&source, &pg).await;
    assert_eq!(all_rows(&copy).await, before);
    assert_eq!(copy.restore_in_progress().await.unwrap(), None);
    // the audit log's id counter moved with the rows: a new entry does not collide
    copy.create_user(&admin("dee"), &system(), 2_000)
        .await
        .unwrap();
    let back_db = TestDatabase::sqlite();
    let back = copy_rows(&copy, &back_db).await;
    assert_eq!(all_rows(&back).await, all_rows(&copy).await);
    back.create_user(&admin("eve"), &system(), 3_000)
        .await
        .unwrap();
    for store in [source, copy, back] {
        store.close().await;
    }
}

#[tokio::test]
async fn a_restore_refuses_a_newer_schema_a_used_store_and_another_load() {
    for db in TestDatabase::both().await {
        let newest = newest_schema_version();
        let refused = RestoreTarget::open(&db.url, newest + 1)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            refused,
            RestoreRefused::NewerSchema {
                known: newest,
                backup: newest + 1
            }
        );
        let store = Store::open(&db.url).await.unwrap();
        let refused = RestoreTarget::open(&db.url, newest - 1)
            .await
            .unwrap()
            .unwrap_err();
        assert_eq!(
            refused,
            RestoreRefused::SchemaMismatch {
                store: newest,
                backup: newest - 1
            }
        );
        let schema = store.schema().await.unwrap();
        let tables = store
            .snapshot()
            .await
            .unwrap()
            .tables(&schema)
            .await
            .unwrap();
        let target = RestoreTarget::open(&db.url, newest).await.unwrap().unwrap();
        target
            .begin(&tables, "one", "/b/one", false, 1)
            .await
            .unwrap()
            .unwrap();
        // the same backup again: only with resume; rows already there are counted
        assert_eq!(
            target
                .begin(&tables, "one", "/b/one", false, 2)
                .await
                .unwrap()
                .unwrap_err(),
            RestoreRefused::Interrupted {
                backup_file: "/b/one".to_owned()
            }
        );
        let resumed = target
            .begin(&tables, "one", "/b/one", true, 2)
            .await
            .unwrap()
            .unwrap();
        assert!(resumed.resumed);
        assert_eq!(resumed.loaded["users"], 0);
        assert_eq!(
            target
                .begin(&tables, "two", "/b/two", true, 3)
                .await
                .unwrap()
                .unwrap_err(),
            RestoreRefused::OtherBackup {
                backup_id: "one".to_owned(),
                backup_file: "/b/one".to_owned()
            }
        );
        assert_eq!(
            RestoreTarget::mark(&db.url).await.unwrap(),
            Some(("one".to_owned(), "/b/one".to_owned()))
        );
        target.close().await;
        // a store with data is not a restore target
        let used = TestDatabase::sqlite();
        let used_store = Store::open(&used.url).await.unwrap();
        used_store
            .create_user(&admin("ada"), &system(), 1)
            .await
            .unwrap();
        let target = RestoreTarget::open(&used.url, newest)
            .await
            .unwrap()
            .unwrap();
        let refused = target
            .begin(&tables, "x", "/b/x", false, 1)
            .await
            .unwrap()
            .unwrap_err();
        assert!(
            matches!(refused, RestoreRefused::NotEmpty { ref table, rows } if (table == "audit_log" || table == "users") && rows >= 1),
            "{refused:?}"
        );
        target.close().await;
        used_store.close().await;
        store.close().await;
    }
}
