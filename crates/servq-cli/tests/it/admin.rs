//! `servq user` and `servq token`: users listed, disabled, enabled, given roles, passwords and
//! teams, and API tokens made, listed (never their secrets) and revoked — with the same refusals
//! as the web app's administration, in the command line's words, on SQLite and PostgreSQL.

use std::{
    io::Write,
    process::{Command, Output, Stdio},
};

use serde_json::Value;
use servq_store::{Store, testing::TestDatabase};

use crate::{servq, servq_ok, stderr};

const PASSWORD: &str = "a long password";

/// `servq ARGS` with `input` on standard input.
pub(crate) fn servq_input(db: &TestDatabase, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_servq"))
        .args(args)
        .env("SERVQ_DATABASE_URL", &db.url)
        .env("SERVQ_TZ", "Asia/Shanghai")
        .env_remove("SERVQ_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running servq");
    // a command that stops before reading closes the pipe: not this helper's failure
    let _ = child
        .stdin
        .take()
        .expect("piped stdin")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("waiting for servq")
}

pub(crate) fn servq_input_ok(db: &TestDatabase, args: &[&str], input: &str) -> Output {
    let output = servq_input(db, args, input);
    assert!(
        output.status.success(),
        "servq {args:?} failed on {:?}:\n{}",
        db.backend,
        stderr(&output)
    );
    output
}

/// Asserts that `servq ARGS` fails saying `expected`.
fn assert_refused(output: &Output, args: &[&str], expected: &str) {
    let message = stderr(output);
    assert!(
        !output.status.success(),
        "servq {args:?} should have failed:\n{message}"
    );
    assert!(
        message.contains(expected),
        "servq {args:?}: expected '{expected}' in:\n{message}"
    );
    assert!(
        message.contains("error: "),
        "servq {args:?}: a refusal is reported as an error:\n{message}"
    );
}

fn refused(db: &TestDatabase, args: &[&str], expected: &str) {
    assert_refused(&servq(db, args), args, expected);
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `servq user list --format json`'s users.
fn users(db: &TestDatabase) -> Vec<Value> {
    let output = servq_ok(db, &["user", "list", "--format", "json"]);
    let listed: Value = serde_json::from_slice(&output.stdout).expect("user list prints JSON");
    listed["users"].as_array().expect("a users array").clone()
}

fn user(db: &TestDatabase, name: &str) -> Value {
    users(db)
        .into_iter()
        .find(|user| user["username"] == name)
        .unwrap_or_else(|| panic!("no {name} in servq user list"))
}

/// `servq token list --format json` (plus ARGS) as text and parsed.
fn tokens(db: &TestDatabase, args: &[&str]) -> (String, Vec<Value>) {
    let mut all = vec!["token", "list", "--format", "json"];
    all.extend_from_slice(args);
    let output = servq_ok(db, &all);
    let listed: Value = serde_json::from_slice(&output.stdout).expect("token list prints JSON");
    (
        stdout(&output),
        listed["tokens"].as_array().expect("a tokens array").clone(),
    )
}

#[tokio::test]
async fn users_and_tokens_are_managed_from_the_command_line() {
    for db in TestDatabase::both().await {
        let line = format!("{PASSWORD}\n");
        servq_input_ok(&db, &["user", "add", "ada", "--role", "admin"], &line);
        servq_input_ok(&db, &["user", "add", "bo", "--role", "admin"], &line);
        servq_input_ok(
            &db,
            &["user", "add", "cai", "--role", "agent", "--agent-id", "A07"],
            &line,
        );
        servq_input_ok(&db, &["user", "add", "dee", "--role", "supervisor"], &line);

        // list: every user by name, with role, agent id, teams, disabled and locale
        let listed = users(&db);
        let names: Vec<&str> = listed
            .iter()
            .map(|user| user["username"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["ada", "bo", "cai", "dee"], "{:?}", db.backend);
        let cai = &listed[2];
        assert_eq!(cai["role"], "agent");
        assert_eq!(cai["agent_id"], "A07");
        assert_eq!(cai["teams"], serde_json::json!([]));
        assert_eq!(cai["disabled"], false);
        assert!(cai["locale"].is_string(), "{cai}");
        assert_eq!(listed[0]["role"], "admin");
        assert!(listed[0]["agent_id"].is_null());
        let table = stdout(&servq_ok(&db, &["user", "list"]));
        let cai_line = table
            .lines()
            .find(|line| line.contains("cai"))
            .unwrap_or_else(|| panic!("no cai in the table:\n{table}"));
        assert!(
            cai_line.contains("agent") && cai_line.contains("A07") && cai_line.contains("enabled"),
            "{table}"
        );
        refused(&db, &["user", "list", "--format", "yaml"], "yaml");

        // set-role: a supervisor needs no agent id; the agent keeps theirs to become one again
        servq_ok(&db, &["user", "set-role", "cai", "supervisor"]);
        assert_eq!(user(&db, "cai")["role"], "supervisor");
        servq_ok(&db, &["user", "set-role", "cai", "agent"]);
        let cai = user(&db, "cai");
        assert_eq!(cai["role"], "agent");
        assert_eq!(cai["agent_id"], "A07");
        // a user without an agent id becomes an agent only with one
        refused(&db, &["user", "set-role", "dee", "agent"], "--agent-id");
        assert_eq!(user(&db, "dee")["role"], "supervisor");
        servq_ok(
            &db,
            &["user", "set-role", "dee", "agent", "--agent-id", "A09"],
        );
        let dee = user(&db, "dee");
        assert_eq!(dee["role"], "agent");
        assert_eq!(dee["agent_id"], "A09");
        servq_ok(&db, &["user", "set-role", "dee", "supervisor"]);
        refused(
            &db,
            &["user", "set-role", "dee", "boss"],
            "'boss' is not a role",
        );
        assert_eq!(user(&db, "dee")["role"], "supervisor");

        // set-team: replaces the teams (sorted); none removes them all
        servq_ok(&db, &["user", "set-team", "dee", "west", "east"]);
        assert_eq!(
            user(&db, "dee")["teams"],
            serde_json::json!(["east", "west"])
        );
        servq_ok(&db, &["user", "set-team", "dee", "north"]);
        assert_eq!(user(&db, "dee")["teams"], serde_json::json!(["north"]));
        servq_ok(&db, &["user", "set-team", "dee"]);
        assert_eq!(user(&db, "dee")["teams"], serde_json::json!([]));
        servq_ok(&db, &["user", "set-team", "dee", "west", "east"]);
        assert_eq!(
            user(&db, "dee")["teams"],
            serde_json::json!(["east", "west"])
        );

        // disable / enable: never the last enabled administrator
        servq_ok(&db, &["user", "disable", "ada"]);
        assert_eq!(user(&db, "ada")["disabled"], true);
        refused(&db, &["user", "disable", "bo"], "last");
        refused(&db, &["user", "set-role", "bo", "analyst"], "last");
        let bo = user(&db, "bo");
        assert_eq!(bo["disabled"], false);
        assert_eq!(bo["role"], "admin");
        let table = stdout(&servq_ok(&db, &["user", "list"]));
        assert!(
            table
                .lines()
                .any(|line| line.contains("ada") && line.contains("disabled")),
            "{table}"
        );
        servq_ok(&db, &["user", "enable", "ada"]);
        assert_eq!(user(&db, "ada")["disabled"], false);
        // with ada back, bo may go
        servq_ok(&db, &["user", "disable", "bo"]);
        servq_ok(&db, &["user", "enable", "bo"]);
        assert_eq!(user(&db, "bo")["disabled"], false);

        // set-password: from standard input, at least 10 characters
        let args = ["user", "set-password", "cai"];
        assert_refused(&servq_input(&db, &args, "short\n"), &args, "10 characters");
        let changed = servq_input_ok(&db, &args, "another long password\n");
        assert!(
            stderr(&changed).contains("changed the password of cai"),
            "{}",
            stderr(&changed)
        );
        let store = Store::open(&db.url).await.unwrap();
        let cai = store.user_by_username("cai").await.unwrap().unwrap();
        store.close().await;
        assert!(servq_app::users::verify_password(
            "another long password",
            &cai.password_hash
        ));
        assert!(!servq_app::users::verify_password(
            PASSWORD,
            &cai.password_hash
        ));

        // token create: the secret once on stdout, its id and expiry on stderr
        let created = servq_ok(
            &db,
            &[
                "token",
                "create",
                "--user",
                "ada",
                "--name",
                "nightly",
                "--expires-days",
                "30",
                "--read-only",
            ],
        );
        let secret = stdout(&created).trim().to_owned();
        assert_eq!(secret.len(), 64, "{secret}");
        assert!(
            secret
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()),
            "{secret}"
        );
        let (text, listed) = tokens(&db, &[]);
        assert!(
            !text.contains(&secret),
            "the list shows the secret:\n{text}"
        );
        assert_eq!(listed.len(), 1, "{text}");
        let token = &listed[0];
        let id = token["id"].as_str().unwrap().to_owned();
        assert_eq!(id.len(), 12, "{token}");
        assert!(
            stderr(&created).contains(&id) && stderr(&created).contains("expires"),
            "{}",
            stderr(&created)
        );
        assert_eq!(token["user"], "ada");
        assert_eq!(token["name"], "nightly");
        assert_eq!(token["read_only"], true);
        assert_eq!(token["created_by"], "cli");
        assert!(token["revoked_at"].is_null(), "{token}");
        let at = |key: &str| {
            token[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key} in {token}"))
                .parse::<jiff::Timestamp>()
                .unwrap()
                .as_millisecond()
        };
        assert_eq!(at("expires_at") - at("created_at"), 30 * 86_400_000);
        let table = stdout(&servq_ok(&db, &["token", "list"]));
        assert!(!table.contains(&secret), "{table}");
        assert!(
            table
                .lines()
                .any(|line| line.contains(&id) && line.contains("nightly") && line.contains("yes")),
            "{table}"
        );
        // one user's tokens
        assert_eq!(tokens(&db, &["--user", "ada"]).1.len(), 1);
        assert!(tokens(&db, &["--user", "bo"]).1.is_empty());

        // expiries out of range, and nameless tokens, are refused and make nothing
        for days in ["0", "400", "-1"] {
            refused(
                &db,
                &[
                    "token",
                    "create",
                    "--user",
                    "ada",
                    "--name",
                    "x",
                    "--expires-days",
                    days,
                ],
                "--expires-days",
            );
        }
        refused(
            &db,
            &[
                "token",
                "create",
                "--user",
                "ada",
                "--name",
                "x",
                "--expires-days",
                "400",
            ],
            "1 to 365",
        );
        refused(
            &db,
            &["token", "create", "--user", "ada", "--name", "  "],
            "--name",
        );
        assert_eq!(tokens(&db, &[]).1.len(), 1);

        // revoke: once
        let revoked = servq_ok(&db, &["token", "revoke", id.as_str()]);
        assert!(stderr(&revoked).contains(&id), "{}", stderr(&revoked));
        let (_, listed) = tokens(&db, &[]);
        assert!(listed[0]["revoked_at"].is_string(), "{:?}", listed[0]);
        refused(&db, &["token", "revoke", id.as_str()], "already revoked");
        refused(&db, &["token", "revoke", "ffffffffffff"], "no token");
        let store = Store::open(&db.url).await.unwrap();
        let audit = store.audit_log(100, None).await.unwrap();
        store.close().await;
        assert!(
            audit.iter().any(|entry| entry.action == "revoke"
                && entry.entity == "api_token"
                && entry.entity_id == id
                && entry.username == "cli"),
            "{audit:?}"
        );

        // unknown users are named
        let ghost = "no user 'ghost'";
        refused(&db, &["user", "disable", "ghost"], ghost);
        refused(&db, &["user", "enable", "ghost"], ghost);
        refused(&db, &["user", "set-role", "ghost", "admin"], ghost);
        refused(&db, &["user", "set-team", "ghost", "east"], ghost);
        let args = ["user", "set-password", "ghost"];
        assert_refused(&servq_input(&db, &args, &line), &args, ghost);
        refused(
            &db,
            &["token", "create", "--user", "ghost", "--name", "x"],
            ghost,
        );
        refused(&db, &["token", "list", "--user", "ghost"], ghost);
        assert_eq!(users(&db).len(), 4);
    }
}
