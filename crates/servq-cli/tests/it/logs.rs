//! `servq serve` as a deployment runs it: `--log-format json --log-level info` writes one JSON
//! object per line on standard error, each request's with its request id (the load balancer's
//! `X-Request-Id`), the user a token acted as, the route template, status and milliseconds;
//! `/readyz` answers ready once the jobs loop runs; a bad `--log-level` is refused.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use servq_store::testing::TestDatabase;

use crate::admin::servq_input_ok;
use crate::{servq, servq_ok, stderr};

/// A free port on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts `command` (a `servq serve`) with its standard error read on a thread; returns once it
/// says it is listening: the process, the lines still to come, the lines so far.
pub(crate) fn serve_until_listening(
    mut command: Command,
) -> (std::process::Child, mpsc::Receiver<String>, Vec<String>) {
    let mut server = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting servq serve");
    let (lines, received) = mpsc::channel::<String>();
    let reader = BufReader::new(server.stderr.take().unwrap());
    std::thread::spawn(move || {
        for line in reader.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    while !seen.iter().any(|l: &String| l.contains("listening")) {
        match received.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => seen.push(line),
            Err(error) => panic!("servq serve did not start ({error}): {seen:?}"),
        }
    }
    (server, received, seen)
}

#[tokio::test]
async fn serve_logs_each_request_as_json_with_its_request_id_and_user() {
    let db = TestDatabase::sqlite();
    servq_input_ok(
        &db,
        &["user", "add", "ops", "--role", "admin"],
        "a long password\n",
    );
    let token = String::from_utf8(
        servq_ok(
            &db,
            &["token", "create", "--user", "ops", "--name", "probe"],
        )
        .stdout,
    )
    .unwrap()
    .trim()
    .to_owned();
    let port = free_port();
    let mut command = Command::new(env!("CARGO_BIN_EXE_servq"));
    command
        .args([
            "--log-format",
            "json",
            "--log-level",
            "info",
            "serve",
            "--addr",
        ])
        .arg(format!("127.0.0.1:{port}"))
        .env("SERVQ_DATABASE_URL", &db.url)
        .env_remove("SERVQ_LOG");
    let (mut server, received, mut seen) = serve_until_listening(command);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let me = http
        .get(format!("{base}/api/v1/me"))
        .bearer_auth(&token)
        .header("x-request-id", "lb-req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    assert_eq!(me.headers()["x-request-id"], "lb-req-42");
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    let ready: Value = ready.json().await.unwrap();
    assert_eq!(ready["status"], "ready", "{ready}");
    // the request's line, as JSON
    let mut logged: Option<Value> = None;
    while logged.is_none() {
        let line = received.recv_timeout(Duration::from_secs(30)).unwrap();
        if let Ok(object) = serde_json::from_str::<Value>(&line)
            && object["request_id"] == "lb-req-42"
        {
            logged = Some(object);
        }
        seen.push(line);
    }
    server.kill().unwrap();
    server.wait().unwrap();
    let logged = logged.unwrap();
    assert_eq!(logged["level"], "INFO", "{logged}");
    assert_eq!(logged["target"], "servq::http");
    assert_eq!(logged["user"], "ops");
    assert_eq!(logged["method"], "GET");
    assert_eq!(logged["route"], "/api/v1/me");
    assert_eq!(logged["status"], "200");
    assert!(logged["ms"].as_f64().unwrap() >= 0.0);
    assert!(logged["timestamp"].is_string());
    // every structured line is JSON (the set-up and "listening" lines are for people)
    for line in seen.iter().filter(|l| l.starts_with('{')) {
        assert!(serde_json::from_str::<Value>(line).is_ok(), "{line}");
    }
    // a level that is no level is refused before anything runs
    let refused = servq(
        &db,
        &["--log-level", "info,sqlx=shout", "kpi", "--by", "queue"],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("--log-level"),
        "{}",
        stderr(&refused)
    );
}
