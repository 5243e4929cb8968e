//! Operations for real: a store with demo contacts, agents, states, survey answers, tickets, an
//! evaluation, users, tokens and settings goes SQLite → backup → PostgreSQL → store copy →
//! SQLite with every table's rows equal (the manifests' per-table digests) and `servq kpi`
//! identical; a copy killed with `kill -9` mid-load resumes and verifies; a backup taken while
//! the server imports a file and opens tickets restores into a consistent store.

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Command, Stdio},
};

use serde_json::{Value, json};
use servq_store::testing::TestDatabase;

use super::{
    analysis::{serve, token},
    servq, servq_ok, stderr,
    surveys::survey_results,
};

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "not JSON ({error}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// The manifest of a fresh backup of `db` (`servq backup --format json`).
fn backup_manifest(db: &TestDatabase, file: &Path) -> Value {
    json_of(&servq_ok(
        db,
        &[
            "backup",
            "--output",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
    ))
}

/// The KPIs `servq kpi` prints by day and by queue, as text, for comparing stores.
fn kpis(db: &TestDatabase) -> String {
    let by_day = servq_ok(db, &["kpi", "--by", "day", "--format", "csv"]);
    let by_queue = servq_ok(db, &["kpi", "--by", "queue,week", "--format", "json"]);
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&by_day.stdout),
        String::from_utf8_lossy(&by_queue.stdout)
    )
}

/// The contact KPIs by day up to November (the tickets a test opens today are left out).
fn contact_kpis(db: &TestDatabase) -> String {
    let output = servq_ok(
        db,
        &[
            "kpi",
            "--by",
            "day",
            "--to",
            "2026-11-30",
            "--format",
            "csv",
        ],
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Demo CSV files (contacts, agents, agent states) in `dir`.
fn demo_files(dir: &Path, days: &str, daily: &str, end: &str, seed: &str) {
    let scratch = TestDatabase::sqlite();
    servq_ok(
        &scratch,
        &[
            "demo",
            "--days",
            days,
            "--daily-contacts",
            daily,
            "--agents",
            "12",
            "--end",
            end,
            "--seed",
            seed,
            "--csv-out",
            dir.to_str().unwrap(),
        ],
    );
}

async fn post_json(base: &str, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get_json(base: &str, token: &str, path: &str) -> Value {
    reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A filled store: demo data, survey answers, tickets and an evaluation through the API, users,
/// a token and changed settings.
async fn filled_store(db: &TestDatabase, dir: &Path) {
    demo_files(dir, "9", "500", "2026-11-10", "11");
    servq_ok(db, &["config", "set-kpi", "--service-level-seconds", "30"]);
    servq_ok(
        db,
        &["import", "agents", dir.join("agents.csv").to_str().unwrap()],
    );
    servq_ok(
        db,
        &[
            "import",
            "contacts",
            dir.join("contacts.csv").to_str().unwrap(),
        ],
    );
    servq_ok(
        db,
        &[
            "import",
            "agent-states",
            dir.join("agent_states.csv").to_str().unwrap(),
        ],
    );
    let answers = dir.join("answers.csv");
    std::fs::write(&answers, survey_results(&dir.join("contacts.csv"))).unwrap();
    servq_ok(db, &["import", "survey-results", answers.to_str().unwrap()]);
    let admin = token(db, "ops", "admin", None);
    let inspector = token(db, "qa", "qa_inspector", None);
    let server = serve(db).await;
    for n in 0..5 {
        let (status, ticket) = post_json(
            &server.base,
            &admin,
            "/api/v1/tickets",
            &json!({"ticket_type": "complaint", "category": "bill_query", "priority": "high",
                "subject": format!("账单疑问 {n} <script>"), "customer_id": format!("C-{n}"), "channel": "phone"}),
        )
        .await;
        assert_eq!(status, 201, "{ticket}");
        if n == 0 {
            // a binary attachment: every byte value must survive both engines
            let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
            let path = format!(
                "/api/v1/tickets/{}/attachments",
                ticket["id"].as_str().unwrap()
            );
            let (status, attached) =
                post_multipart(&server.base, &admin, &path, &[], "截图.png", &bytes).await;
            assert_eq!(status, 201, "{attached}");
        }
    }
    // an answered contact (one with an agent) is what an inspector evaluates
    let contact: String = {
        let mut reader = csv::Reader::from_path(dir.join("contacts.csv")).unwrap();
        let agent = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "agent_id")
            .unwrap();
        let record = reader
            .records()
            .map(Result::unwrap)
            .find(|record| !record[agent].is_empty())
            .unwrap();
        record[0].to_owned()
    };
    // the default scorecard's items (as a QA inspector answers them on the contact page)
    let answers =
        json!({"greeting": 1, "polite": 4, "tone": 5, "closing": 1, "answer": 4, "reminders": 2});
    let (status, evaluation) = post_json(
        &server.base,
        &inspector,
        "/api/v1/evaluations",
        &json!({"contact_id": contact, "answers": answers}),
    )
    .await;
    assert_eq!(status, 201, "{evaluation}");
    drop(server);
}

/// Every table's rows and digest.
fn tables(manifest: &Value) -> &serde_json::Map<String, Value> {
    manifest["tables"].as_object().unwrap()
}

#[tokio::test]
async fn a_store_moves_sqlite_to_postgresql_and_back_row_for_row() {
    let dir = tempfile::tempdir().unwrap();
    let lite = TestDatabase::sqlite();
    filled_store(&lite, dir.path()).await;
    let file = dir.path().join("first.servq-backup");
    let manifest = backup_manifest(&lite, &file);
    for table in [
        "ticket_attachments",
        "contacts",
        "tickets",
        "ticket_events",
        "evaluations",
        "users",
        "api_tokens",
        "settings",
        "survey_responses",
        "audit_log",
    ] {
        assert!(
            tables(&manifest)[table]["rows"].as_u64().unwrap() > 0,
            "{table} is empty in the backup: {manifest}"
        );
    }
    let verified = json_of(&servq_ok(
        &lite,
        &[
            "backup",
            "verify",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
    ));
    assert_eq!(verified, manifest);
    let before = kpis(&lite);

    // SQLite → PostgreSQL by backup and restore
    let pg = TestDatabase::postgres().await;
    let restored = json_of(&servq_ok(
        &pg,
        &["restore", file.to_str().unwrap(), "--format", "json"],
    ));
    assert_eq!(restored["manifest"], manifest);
    let on_pg = backup_manifest(&pg, &dir.path().join("pg.servq-backup"));
    assert_eq!(
        tables(&on_pg),
        tables(&manifest),
        "every table's rows on PostgreSQL"
    );
    assert_eq!(
        on_pg["sequences"]["audit_log"],
        manifest["sequences"]["audit_log"]
    );
    assert_eq!(kpis(&pg), before);
    // the store works on: ids continue after the copied ones
    token(&pg, "after", "analyst", None);
    // a second restore into it is refused, naming why
    let again = servq(&pg, &["restore", file.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("not empty"), "{}", stderr(&again));

    // PostgreSQL → SQLite by store copy, verified by the command itself
    let back = TestDatabase::sqlite();
    let copied = Command::new(env!("CARGO_BIN_EXE_servq"))
        .args([
            "store",
            "copy",
            "--from",
            &pg.url,
            "--to",
            &back.url,
            "--backup",
            dir.path().join("copy.servq-backup").to_str().unwrap(),
            "--format",
            "json",
        ])
        .env("SERVQ_TZ", "Asia/Shanghai")
        .output()
        .unwrap();
    assert!(copied.status.success(), "{}", stderr(&copied));
    let report = json_of(&copied);
    assert_eq!(report["source_unchanged"], true);
    // the nine demo days and today, when the tickets were opened
    assert_eq!(report["kpi_days_compared"], 10, "{report}");
    let on_pg = backup_manifest(&pg, &dir.path().join("pg2.servq-backup"));
    let on_back = backup_manifest(&back, &dir.path().join("back.servq-backup"));
    assert_eq!(
        tables(&on_back),
        tables(&on_pg),
        "every table's rows back on SQLite"
    );
    assert_eq!(kpis(&back), before);

    // a damaged backup is refused before anything is loaded
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let damaged = dir.path().join("damaged.servq-backup");
    std::fs::write(&damaged, &bytes).unwrap();
    let checked = servq(&lite, &["backup", "verify", damaged.to_str().unwrap()]);
    assert!(!checked.status.success());
    assert!(stderr(&checked).contains("damaged"), "{}", stderr(&checked));
    let cut = dir.path().join("cut.servq-backup");
    std::fs::write(&cut, &std::fs::read(&file).unwrap()[..middle]).unwrap();
    let checked = servq(&lite, &["backup", "verify", cut.to_str().unwrap()]);
    assert!(!checked.status.success());
    let fresh = TestDatabase::sqlite();
    let refused = servq(&fresh, &["restore", cut.to_str().unwrap()]);
    assert!(!refused.status.success());
    assert!(stderr(&refused).contains("cut off"), "{}", stderr(&refused));
}

#[tokio::test]
async fn a_copy_killed_mid_load_resumes_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let lite = TestDatabase::sqlite();
    demo_files(dir.path(), "10", "1500", "2026-11-10", "5");
    servq_ok(
        &lite,
        &[
            "import",
            "agents",
            dir.path().join("agents.csv").to_str().unwrap(),
        ],
    );
    servq_ok(
        &lite,
        &[
            "import",
            "contacts",
            dir.path().join("contacts.csv").to_str().unwrap(),
        ],
    );
    let pg = TestDatabase::postgres().await;
    let backup = dir.path().join("copy.servq-backup");
    let copy = |resume: bool| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_servq"));
        command
            .args(["store", "copy", "--from", &lite.url, "--to", &pg.url])
            .args(["--backup", backup.to_str().unwrap(), "--format", "json"])
            .env("SERVQ_TZ", "Asia/Shanghai")
            .env("SERVQ_LOG", "servq_app=info");
        if resume {
            command.arg("--resume");
        }
        command
    };
    let mut child = copy(false)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // killed once some batches are committed: in the middle of the load
    let lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let committed = lines
        .map_while(Result::ok)
        .filter(|line| line.contains("restore batch committed"))
        .nth(2);
    assert!(committed.is_some(), "the copy never committed a batch");
    child.kill().unwrap();
    assert!(!child.wait().unwrap().success(), "killed, not finished");
    // the half-loaded store is not served or reported from
    let half = servq(&pg, &["kpi", "--by", "day"]);
    assert!(!half.status.success());
    assert!(stderr(&half).contains("--resume"), "{}", stderr(&half));
    // without --resume the copy says what to do
    let refused = copy(false).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--resume"),
        "{}",
        stderr(&refused)
    );
    let resumed = copy(true).output().unwrap();
    assert!(resumed.status.success(), "{}", stderr(&resumed));
    let report = json_of(&resumed);
    assert_eq!(report["restore"]["resumed"], true);
    let total = report["restore"]["manifest"]["tables"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["rows"].as_u64().unwrap())
        .sum::<u64>();
    let loaded = report["restore"]["loaded_rows"].as_u64().unwrap();
    assert!(
        loaded > 0 && loaded < total,
        "resumed {loaded} of {total} rows"
    );
    assert_eq!(report["source_unchanged"], true);
    assert_eq!(kpis(&pg), kpis(&lite));
}

/// A multipart/form-data POST: text fields, then the file part `file` named `file_name`.
async fn post_multipart(
    base: &str,
    token: &str,
    path: &str,
    fields: &[(&str, &str)],
    file_name: &str,
    bytes: &[u8],
) -> (u16, Value) {
    let boundary = "servq-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .into_bytes(),
        );
    }
    body.extend(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .into_bytes(),
    );
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").into_bytes());
    let response = reqwest::Client::new()
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// A contacts file uploaded as a web import; the job's answer.
async fn upload(base: &str, token: &str, kind: &str, file: &Path) -> Value {
    let bytes = std::fs::read(file).unwrap();
    let (status, job) = post_multipart(
        base,
        token,
        "/api/v1/imports",
        &[("kind", kind)],
        "contacts.csv",
        &bytes,
    )
    .await;
    assert_eq!(status, 202, "{job}");
    job
}

#[tokio::test]
async fn a_backup_taken_while_the_server_imports_and_opens_tickets_is_one_instant() {
    let dir = tempfile::tempdir().unwrap();
    let lite = TestDatabase::sqlite();
    let first = dir.path().join("first");
    let second = dir.path().join("second");
    demo_files(&first, "7", "400", "2026-10-10", "1");
    demo_files(&second, "20", "2500", "2026-11-10", "2");
    servq_ok(
        &lite,
        &[
            "import",
            "agents",
            first.join("agents.csv").to_str().unwrap(),
        ],
    );
    servq_ok(
        &lite,
        &[
            "import",
            "contacts",
            first.join("contacts.csv").to_str().unwrap(),
        ],
    );
    let admin = token(&lite, "ops", "admin", None);
    let kpis_before = contact_kpis(&lite);
    let server = serve(&lite).await;
    let base = server.base.clone();
    let job = upload(&base, &admin, "contacts", &second.join("contacts.csv")).await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let tickets = {
        let (base, admin, stop) = (base.clone(), admin.clone(), stop.clone());
        tokio::spawn(async move {
            let mut opened = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let (status, _) = post_json(
                    &base,
                    &admin,
                    "/api/v1/tickets",
                    &json!({"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                        "subject": format!("咨询 {opened}"), "customer_id": format!("C-{opened}"), "channel": "web"}),
                )
                .await;
                assert_eq!(status, 201);
                opened += 1;
            }
            opened
        })
    };
    // the backup starts while the import runs
    loop {
        let state = get_json(&base, &admin, &format!("/api/v1/imports/{job_id}")).await;
        if state["finished"] == json!(true) || state["status"] != json!("queued") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let file = dir.path().join("live.servq-backup");
    let backup = {
        let (url, file) = (lite.url.clone(), file.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_servq"))
                .args([
                    "backup",
                    "--output",
                    file.to_str().unwrap(),
                    "--format",
                    "json",
                ])
                .env("SERVQ_DATABASE_URL", url)
                .output()
                .unwrap()
        })
        .await
        .unwrap()
    };
    assert!(backup.status.success(), "{}", stderr(&backup));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let opened = tickets.await.unwrap();
    loop {
        let state = get_json(&base, &admin, &format!("/api/v1/imports/{job_id}")).await;
        if state["finished"] == json!(true) {
            assert_eq!(state["status"], "imported", "{state}");
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    drop(server);
    let kpis_after = contact_kpis(&lite);
    assert_ne!(kpis_after, kpis_before);

    let restored = TestDatabase::sqlite();
    servq_ok(&restored, &["restore", file.to_str().unwrap()]);
    let pool = sqlx::SqlitePool::connect(&restored.url).await.unwrap();
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(integrity, "ok");
    // tickets whole: each with its creation event, no event without its ticket
    let (count, without_event, orphans): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM tickets), \
         (SELECT COUNT(*) FROM tickets t WHERE NOT EXISTS (SELECT 1 FROM ticket_events e WHERE e.ticket_id = t.ticket_id AND e.kind = 'created')), \
         (SELECT COUNT(*) FROM ticket_events e WHERE NOT EXISTS (SELECT 1 FROM tickets t WHERE t.ticket_id = e.ticket_id))",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert!(
        count as u64 <= opened,
        "{count} tickets restored of {opened} opened"
    );
    assert_eq!((without_event, orphans), (0, 0));
    // the file imported whole or not at all at the snapshot: the KPIs are one of the two states
    let restored_kpis = contact_kpis(&restored);
    assert!(
        restored_kpis == kpis_before || restored_kpis == kpis_after,
        "the restored KPIs are neither the store's before the import nor after it"
    );
}

#[tokio::test]
async fn a_watched_folder_imports_each_nightly_file_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    demo_files(&data, "3", "200", "2026-11-10", "3");
    let contacts = std::fs::read_to_string(data.join("contacts.csv")).unwrap();
    for db in TestDatabase::both().await {
        let inbox = tempfile::tempdir().unwrap();
        let folder = inbox.path();
        // the night's export, a file with bad rows, one still being written, one not settled
        std::fs::write(folder.join("话务 2026-11-10.csv"), &contacts).unwrap();
        let bad = "contact_id,channel,queue,agent_id,offered_at,answered_at,ended_at,talk_seconds\n\
                   b1,phone,card,a1,yesterday,,2026-11-02 09:06:00,\n\
                   b2,phone,card,a1,2026-11-02 09:00:00,,2026-11-02 08:06:00,\n";
        std::fs::write(folder.join("bad.csv"), bad).unwrap();
        std::fs::write(folder.join("next.csv.part"), "half").unwrap();
        let watch = |settle: &str| {
            servq(
                &db,
                &[
                    "import",
                    "watch",
                    folder.to_str().unwrap(),
                    "--kind",
                    "contacts",
                    "--once",
                    "--settle",
                    settle,
                ],
            )
        };
        // nothing has settled for an hour: nothing is taken
        let output = watch("3600");
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(output.stdout.is_empty());
        let output = watch("0");
        assert_eq!(
            output.status.code(),
            Some(1),
            "a refused file: {}",
            stderr(&output)
        );
        let lines: Vec<Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 2, "{lines:?}");
        let outcome = |file: &str| lines.iter().find(|l| l["file"] == file).unwrap().clone();
        let bad = outcome("bad.csv");
        assert_eq!(bad["outcome"], "rejected", "{bad}");
        let report = std::fs::read_to_string(bad["report"].as_str().unwrap()).unwrap();
        assert!(report.starts_with("file,line,column,reason\n"), "{report}");
        assert!(report.contains("bad.csv,2,"), "{report}");
        assert!(report.contains("bad.csv,3,"), "{report}");
        assert!(folder.join("failed/bad.csv").exists());
        let good = outcome("话务 2026-11-10.csv");
        assert_eq!(good["outcome"], "imported", "{good}");
        assert_eq!(
            good["rows"].as_i64().unwrap() as usize,
            contacts.lines().count() - 1
        );
        assert!(folder.join("done/话务 2026-11-10.csv").exists());
        assert!(
            folder.join("next.csv.part").exists(),
            "a file being written is left alone"
        );
        let kpis_once = kpis(&db);
        // the exporter drops the same file again: moved, not imported twice
        std::fs::write(folder.join("话务 2026-11-10.csv"), &contacts).unwrap();
        let output = watch("0");
        assert!(output.status.success(), "{}", stderr(&output));
        let again: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(again["outcome"], "already_imported", "{again}");
        assert!(folder.join("done/话务 2026-11-10.csv.2").exists());
        assert_eq!(kpis(&db), kpis_once);
    }
}
