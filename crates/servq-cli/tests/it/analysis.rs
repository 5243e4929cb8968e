//! The API says exactly what the command line says: `GET /api/v1/analysis/drivers` against
//! `servq drivers --from-store … --format json`, on a real `servq serve`, on both databases.

use std::process::{Child, Command, Stdio};

use serde_json::Value;
use servq_store::testing::TestDatabase;

use super::{admin::servq_input_ok, servq, servq_ok};

/// A user of `role` with an API token; the token's secret.
pub(crate) fn token(db: &TestDatabase, name: &str, role: &str, agent: Option<&str>) -> String {
    let mut args = vec!["user", "add", name, "--role", role];
    if let Some(agent) = agent {
        args.extend(["--agent-id", agent]);
    }
    servq_input_ok(db, &args, "a long enough password\n");
    let created = servq_input_ok(
        db,
        &["token", "create", "--user", name, "--name", "test"],
        "",
    );
    String::from_utf8(created.stdout).unwrap().trim().to_owned()
}

/// `servq serve` on a free port, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) async fn serve(db: &TestDatabase) -> Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_servq"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("SERVQ_DATABASE_URL", &db.url)
        .env_remove("SERVQ_LOG")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting servq serve");
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..200 {
        if reqwest::get(format!("{}/login", server.base)).await.is_ok() {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("servq serve did not start");
}

async fn api(server: &Server, token: &str, path: &str) -> (reqwest::StatusCode, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", server.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_analysis_and_planning_apis_answer_exactly_what_the_command_line_does() {
    for db in TestDatabase::both().await {
        servq_ok(
            &db,
            &[
                "demo",
                "--days",
                "21",
                "--daily-contacts",
                "400",
                "--agents",
                "12",
                "--end",
                "2026-11-10",
            ],
        );
        // the server reads the centre's zone; the command line SERVQ_TZ: make them one
        servq_ok(&db, &["config", "set-centre-zone", "Asia/Shanghai"]);
        let analyst = token(&db, "analyst", "analyst", None);
        let agent = token(&db, "agent1", "agent", Some("A001"));
        let server = serve(&db).await;
        for (query, args) in [
            (
                "from=2026-10-21&to=2026-11-10&target=csat_mean",
                vec!["--target", "csat_mean"],
            ),
            (
                "from=2026-10-21&to=2026-11-10&target=service_level&predictors=asa_seconds,aht_seconds,occupancy&filter=queue%3Dcard&alpha=0.2",
                vec![
                    "--target",
                    "service_level",
                    "--predictors",
                    "asa_seconds,aht_seconds,occupancy",
                    "--filter",
                    "queue=card",
                    "--alpha",
                    "0.2",
                ],
            ),
        ] {
            let mut cli_args = vec![
                "drivers",
                "--from-store",
                "--from",
                "2026-10-21",
                "--to",
                "2026-11-10",
                "--format",
                "json",
            ];
            cli_args.extend(args);
            let cli = servq(&db, &cli_args);
            let (status, from_api) = api(
                &server,
                &analyst,
                &format!("/api/v1/analysis/drivers?{query}"),
            )
            .await;
            if cli.status.success() {
                let from_cli: Value = serde_json::from_slice(&cli.stdout).unwrap();
                assert_eq!(status, reqwest::StatusCode::OK, "{from_api}");
                assert_eq!(from_api, from_cli, "{:?} {query}", db.backend);
            } else {
                // the same refusal: nothing significant over these days
                assert_eq!(
                    status,
                    reqwest::StatusCode::UNPROCESSABLE_ENTITY,
                    "{from_api}"
                );
                let said = String::from_utf8_lossy(&cli.stderr);
                assert!(
                    said.contains(from_api["detail"].as_str().unwrap()),
                    "{said} vs {from_api}"
                );
            }
        }
        let (status, _) = api(
            &server,
            &agent,
            "/api/v1/analysis/drivers?from=2026-10-21&to=2026-11-10&target=csat_mean",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
        let (status, matrix) = api(
            &server,
            &analyst,
            "/api/v1/analysis/correlation?from=2026-10-21&to=2026-11-10&metrics=csat_mean,fcr_rate,asa_seconds",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{matrix}");
        assert_eq!(matrix["n"][0][0], 21);
        assert_eq!(matrix["columns"][1], "fcr_rate");

        // the Pareto of the week's coded unsatisfied reasons and its matrix
        let (status, pareto) = api(
            &server,
            &analyst,
            "/api/v1/analysis/pareto?source=review_reasons&from=2026-11-04&to=2026-11-10",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{pareto}");
        let rows = pareto["pareto"].as_array().unwrap();
        assert!(rows.len() > 3, "{pareto}");
        let last = rows.last().unwrap();
        assert_eq!(last["cumulative_share"].as_f64(), Some(1.0));
        let vital = pareto["vital_few"].as_array().unwrap();
        assert!(!vital.is_empty() && vital.len() < rows.len(), "{pareto}");
        for item in pareto["matrix"].as_array().unwrap() {
            let (frequency, impact) = (
                item["frequency"].as_f64().unwrap(),
                item["impact"].as_f64().unwrap(),
            );
            assert!(impact <= frequency && impact >= 1.0, "{item}");
            // unsatisfied answers are below the centre's CSAT
            assert!(item["csat_gap"].as_f64().unwrap() < 0.0, "{item}");
        }
        // the study's split: agent-caused reasons and the others, each its own Pareto
        let names = |report: &Value| -> Vec<String> {
            report["pareto"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, agent_side) = api(
            &server,
            &analyst,
            "/api/v1/analysis/pareto?source=agent_reasons&from=2026-11-04&to=2026-11-10",
        )
        .await;
        let (_, other_side) = api(
            &server,
            &analyst,
            "/api/v1/analysis/pareto?source=other_reasons&from=2026-11-04&to=2026-11-10",
        )
        .await;
        let (agent_names, other_names, all_names) =
            (names(&agent_side), names(&other_side), names(&pareto));
        assert!(
            !agent_names.is_empty() && !other_names.is_empty(),
            "{agent_side} {other_side}"
        );
        assert!(
            agent_names
                .iter()
                .all(|n| all_names.contains(n) && !other_names.contains(n))
        );
        assert!(
            agent_names.contains(&"flat_tone".to_owned()),
            "{agent_names:?}"
        );
        assert!(
            other_names.contains(&"process_system".to_owned()),
            "{other_names:?}"
        );
        let (status, _) = api(&server, &analyst, "/api/v1/analysis/pareto?source=planets").await;
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST);

        // staffing: one interval (search and what-if) and a forecast day, the same JSON
        let supervisor = token(&db, "sup", "supervisor", None);
        for (query, args) in [
            (
                "calls=100&interval=1800&aht=180&target_sl=0.8&target_time=20&shrinkage=0.3&max_occupancy=0.85",
                vec![
                    "--calls",
                    "100",
                    "--interval",
                    "1800",
                    "--aht",
                    "180",
                    "--target-sl",
                    "0.8",
                    "--target-time",
                    "20",
                    "--shrinkage",
                    "0.3",
                    "--max-occupancy",
                    "0.85",
                ],
            ),
            (
                "calls=100&aht=180&target_sl=0.8&patience=120&agents=9",
                vec![
                    "--calls",
                    "100",
                    "--aht",
                    "180",
                    "--target-sl",
                    "0.8",
                    "--patience",
                    "120",
                    "--evaluate",
                    "--agents",
                    "9",
                ],
            ),
        ] {
            let mut cli_args = vec!["staffing", "--format", "json"];
            cli_args.extend(args);
            let from_cli: Value = serde_json::from_slice(&servq_ok(&db, &cli_args).stdout).unwrap();
            let (status, from_api) = api(
                &server,
                &supervisor,
                &format!("/api/v1/planning/staffing?{query}"),
            )
            .await;
            assert_eq!(status, reqwest::StatusCode::OK, "{from_api}");
            assert_eq!(from_api, from_cli, "{:?} {query}", db.backend);
        }
        let day_cli: Value = serde_json::from_slice(
            &servq_ok(
                &db,
                &[
                    "staffing",
                    "--from-store",
                    "--date",
                    "2026-11-11",
                    "--queue",
                    "card",
                    "--target-sl",
                    "0.8",
                    "--max-occupancy",
                    "0.85",
                    "--shrinkage",
                    "0.3",
                    "--history-weeks",
                    "3",
                    "--format",
                    "json",
                ],
            )
            .stdout,
        )
        .unwrap();
        let (status, day_api) = api(
            &server,
            &supervisor,
            "/api/v1/planning/day?date=2026-11-11&queue=card&target_sl=0.8&max_occupancy=0.85&shrinkage=0.3&history_weeks=3",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{day_api}");
        assert_eq!(day_api, day_cli, "{:?} planning day", db.backend);
        // the forecast alone is the one the day's staffing uses
        let (status, forecast) = api(
            &server,
            &supervisor,
            "/api/v1/planning/forecast?date=2026-11-11&queue=card&history_weeks=3",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::OK, "{forecast}");
        let calls = |report: &Value| -> Vec<Value> {
            report["intervals"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["calls"].clone())
                .collect()
        };
        assert_eq!(calls(&forecast), calls(&day_api));
        assert_eq!(forecast["holdout"], day_api["holdout"]);
        let (status, _) = api(
            &server,
            &agent,
            "/api/v1/planning/staffing?calls=100&aht=180&target_sl=0.8",
        )
        .await;
        assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
    }
}
