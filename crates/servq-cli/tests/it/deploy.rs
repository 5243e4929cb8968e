//! The shipped systemd unit (`deploy/servq.service`) is valid for `systemd-analyze verify`, and
//! its `ExecStart` line, run as the unit would run it (its environment, the example config,
//! its working directory; only the paths and the port moved to a temporary place), serves: the
//! config's SQLite file is made, `/readyz` answers ready and the logs are JSON.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::logs::{free_port, serve_until_listening};

const STATE_DIR: &str = "/var/lib/servq";
const BINARY: &str = "/usr/local/bin/servq";

fn deploy_file(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../deploy")
            .join(name),
    )
    .unwrap()
}

/// The values of `key=` lines of the unit, in order.
fn unit_values<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|line| line.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[tokio::test]
async fn the_systemd_unit_verifies_and_its_exec_start_serves() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().to_str().unwrap();
    let unit = deploy_file("servq.service");
    // verify the unit as shipped, only the binary where this build put it
    let unit_file = dir.path().join("servq.service");
    std::fs::write(
        &unit_file,
        unit.replace(BINARY, env!("CARGO_BIN_EXE_servq")),
    )
    .unwrap();
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit_file)
        .output()
        .expect("systemd-analyze (Debian package systemd, scripts/install-deps.sh)");
    assert!(
        verified.status.success(),
        "{}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );
    // the example config, its state directory moved here
    let config = dir.path().join("servq.toml");
    std::fs::write(&config, deploy_file("servq.toml").replace(STATE_DIR, state)).unwrap();
    let exec_start = unit_values(&unit, "ExecStart");
    assert_eq!(exec_start.len(), 1, "{exec_start:?}");
    let port = free_port();
    let args: Vec<String> = exec_start[0]
        .split_whitespace()
        .skip(1)
        .map(|arg| {
            arg.replace(STATE_DIR, state)
                .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"))
        })
        .collect();
    assert_eq!(exec_start[0].split_whitespace().next(), Some(BINARY));
    let mut command = Command::new(env!("CARGO_BIN_EXE_servq"));
    command.args(&args).current_dir(dir.path()).env_clear();
    for assignment in unit_values(&unit, "Environment") {
        let (name, value) = assignment.split_once('=').unwrap();
        let value = if name == "SERVQ_CONFIG" {
            config.to_str().unwrap().to_owned()
        } else {
            value.to_owned()
        };
        command.env(name, value);
    }
    let (mut server, received, _) = serve_until_listening(command);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let mut ready = Value::Null;
    for _ in 0..50 {
        let answer = http.get(format!("{base}/readyz")).send().await.unwrap();
        ready = answer.json().await.unwrap();
        if ready["status"] == "ready" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready["status"], "ready", "{ready}");
    // the config's database, in the state directory; logs as JSON
    assert!(dir.path().join("servq.db").exists());
    let mut json_line = None;
    while json_line.is_none() {
        let line = received.recv_timeout(Duration::from_secs(30)).unwrap();
        json_line = serde_json::from_str::<Value>(&line)
            .ok()
            .filter(|object| object["route"] == "/readyz");
    }
    server.kill().unwrap();
    server.wait().unwrap();
    assert_eq!(json_line.unwrap()["status"], "200");
}
