//! End-to-end tests of the `servq` binary on SQLite and PostgreSQL: KPI values against an
//! independent DuckDB implementation of the written definitions, error reports, idempotence,
//! encodings, spreadsheets and a killed import.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Output, Stdio},
};

mod admin;
mod analysis;
mod briefing;
mod customers;
mod deploy;
mod desk;
mod evaluation;
mod goals;
mod improvement;
mod jobs;
mod kb;
mod ledgers;
mod logs;
mod operations;
mod qa;
mod report;
mod staffing;
mod stats;
mod surveys;
mod training;

use serde_json::Value;
use servq_store::testing::TestDatabase;

fn servq(db: &TestDatabase, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_servq"))
        .args(args)
        .env("SERVQ_DATABASE_URL", &db.url)
        .env("SERVQ_TZ", "Asia/Shanghai")
        .env_remove("SERVQ_LOG")
        .output()
        .expect("running servq")
}

fn servq_ok(db: &TestDatabase, args: &[&str]) -> Output {
    let output = servq(db, args);
    assert!(
        output.status.success(),
        "servq {args:?} failed on {:?}:\n{}",
        db.backend,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn kpi_json(db: &TestDatabase, by: &str) -> Value {
    let output = servq_ok(db, &["kpi", "--by", by, "--format", "json"]);
    serde_json::from_slice(&output.stdout).expect("servq kpi prints JSON")
}

fn reference(by: &str, contacts: &[&Path], states: &Path, agents: &Path) -> Value {
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "--by".as_ref(),
        by.as_ref(),
        "--states".as_ref(),
        states.as_os_str(),
        "--agents".as_ref(),
        agents.as_os_str(),
    ];
    for file in contacts {
        args.push("--contacts".as_ref());
        args.push(file.as_os_str());
    }
    python_reference("kpi_reference.py", &args)
}

/// Runs an independent reference script of `tests/reference` and reads its JSON.
fn python_reference(script: &str, args: &[&std::ffi::OsStr]) -> Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/reference")
        .join(script);
    let output = Command::new("python3")
        .arg(script)
        .args(args)
        .output()
        .expect("running python3 (./test.sh installs duckdb)");
    assert!(
        output.status.success(),
        "reference failed: {}",
        stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Every key of every reference row must match servq's: integers exactly, reals to 1e-9
/// relative, nulls as nulls.
fn assert_same_kpis(ours: &Value, theirs: &Value, context: &str) {
    let ours_rows = ours["rows"].as_array().unwrap();
    let their_rows = theirs["rows"].as_array().unwrap();
    assert_eq!(ours_rows.len(), their_rows.len(), "{context}: row count");
    assert!(!ours_rows.is_empty(), "{context}: no rows to compare");
    for (mine, theirs) in ours_rows.iter().zip(their_rows) {
        for (key, expected) in theirs.as_object().unwrap() {
            let actual = &mine[key];
            let same = match (actual, expected) {
                (Value::Number(a), Value::Number(b)) => {
                    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
                    (a - b).abs() <= 1e-9 * b.abs().max(1e-3)
                }
                _ => actual == expected,
            };
            assert!(
                same,
                "{context}: {key} = {actual} but the reference says {expected}\nrow: {mine}"
            );
        }
    }
}

/// Hand-made boundary cases, in naive Shanghai time.
const EDGE_CASES: &str = "\
contact_id,channel,direction,queue,customer_id,agent_id,offered_at,answered_at,ended_at,talk_seconds,hold_seconds,wrap_seconds,transferred,category,resolved
e01,phone,inbound,edge,,,2026-11-03 10:00:00,,2026-11-03 10:00:04,,,,0,abandon-test,
e02,phone,inbound,edge,,,2026-11-03 10:01:00,,2026-11-03 10:01:05,,,,0,abandon-test,
e03,phone,inbound,edge,,,2026-11-03 10:02:00,,2026-11-03 10:02:04.999,,,,false,abandon-test,
e04,phone,inbound,edge,,A001,2026-11-03 11:00:00,2026-11-03 11:00:20,2026-11-03 11:02:00,100,,20,0,sl-test,true
e05,phone,inbound,edge,,A001,2026-11-03 11:10:00,2026-11-03 11:10:20.001,2026-11-03 11:12:00,99.5,0.5,20,1,sl-test,false
e06,chat,inbound,edge,X1,A002,2026-11-03 12:00:00,2026-11-03 12:00:01,2026-11-03 12:05:00,299,,10,0,repeat-test,
e07,email,inbound,edge,X1,A002,2026-11-10 12:00:00,2026-11-10 12:00:01,2026-11-10 12:05:00,299,,10,0,repeat-test,
e08,phone,inbound,edge,Y1,A002,2026-11-03 12:00:00,2026-11-03 12:00:01,2026-11-03 12:05:00,299,,10,0,repeat-test,
e09,phone,inbound,edge,Y1,,2026-11-10 12:00:01,,2026-11-10 12:00:30,,,,0,repeat-test,
e10,social,outbound,edge,,A003,2026-11-04 09:00:00,2026-11-04 09:00:00,2026-11-04 09:01:00,60,,0,0,,1
e11,web,inbound,edge,Z1,A003,2026-11-04 09:30:00,2026-11-04 09:30:02,2026-11-04 09:31:00,58,,5,0,tie-test,
e12,counter,inbound,edge,Z1,A003,2026-11-04 09:30:00,2026-11-04 09:30:03,2026-11-04 09:31:00,57,,5,0,tie-test,
";

struct DataSet {
    _dir: tempfile::TempDir,
    contacts: PathBuf,
    edge: PathBuf,
    states: PathBuf,
    agents: PathBuf,
}

fn data_set() -> DataSet {
    let dir = tempfile::tempdir().unwrap();
    let scratch = TestDatabase::sqlite();
    let out = dir.path().to_str().unwrap();
    servq_ok(
        &scratch,
        &[
            "demo",
            "--days",
            "9",
            "--daily-contacts",
            "700",
            "--agents",
            "20",
            "--end",
            "2026-11-10",
            "--csv-out",
            out,
        ],
    );
    let edge = dir.path().join("edge.csv");
    std::fs::write(&edge, EDGE_CASES).unwrap();
    // One agent serving three queues (the full-width separator and a repeat as people type
    // them) and one serving none, so the even split, its remainders and "no queue" are tested.
    let agents = dir.path().join("agents.csv");
    let roster = std::fs::read_to_string(&agents).unwrap();
    let roster: Vec<String> = roster
        .lines()
        .map(|line| {
            let (fields, _queues) = line.rsplit_once(',').unwrap();
            if line.starts_with("A001,") {
                format!("{fields},card；loan;edge;loan")
            } else if line.starts_with("A002,") {
                format!("{fields},")
            } else {
                line.to_owned()
            }
        })
        .collect();
    std::fs::write(&agents, roster.join("\n") + "\n").unwrap();
    DataSet {
        contacts: dir.path().join("contacts.csv"),
        states: dir.path().join("agent_states.csv"),
        agents: dir.path().join("agents.csv"),
        edge,
        _dir: dir,
    }
}

fn import_data_set(db: &TestDatabase, data: &DataSet) {
    servq_ok(db, &["import", "agents", data.agents.to_str().unwrap()]);
    servq_ok(db, &["import", "contacts", data.contacts.to_str().unwrap()]);
    servq_ok(db, &["import", "contacts", data.edge.to_str().unwrap()]);
    servq_ok(
        db,
        &["import", "agent-states", data.states.to_str().unwrap()],
    );
}

#[tokio::test]
async fn kpis_match_an_independent_duckdb_computation() {
    let data = data_set();
    for db in TestDatabase::both().await {
        import_data_set(&db, &data);
        for by in [
            "",
            "queue",
            "queue,day",
            "agent",
            "team,day",
            "channel,category",
            "direction,month",
            "agent,hour",
            "queue,agent",
            "team,queue,hour",
        ] {
            let ours = kpi_json(&db, by);
            let theirs = reference(
                by,
                &[&data.contacts, &data.edge],
                &data.states,
                &data.agents,
            );
            assert_same_kpis(&ours, &theirs, &format!("{:?} --by '{by}'", db.backend));
            if by == "queue" {
                // the split is exercised, not skipped: every simulated queue has occupancy
                for row in ours["rows"].as_array().unwrap() {
                    if ["card", "loan", "general"].contains(&row["queue"].as_str().unwrap_or("")) {
                        assert!(row["occupancy"].as_f64().is_some(), "{row}");
                    }
                }
            }
        }
        // The boundary cases, by hand: e01 and e03 are short abandons (4 s, 4.999 s), e02 (5 s)
        // is not; e04 (20 s) meets the service level, e05 (20.001 s) does not; e06 has a repeat
        // at exactly 7 days, e08's comes 1 s later; e11 ties with e12 and has the smaller id.
        let edge = servq_ok(
            &db,
            &[
                "kpi",
                "--by",
                "queue",
                "--filter",
                "queue=edge",
                "--format",
                "json",
            ],
        );
        let edge: Value = serde_json::from_slice(&edge.stdout).unwrap();
        let row = &edge["rows"][0];
        assert_eq!(
            (row["offered"].as_i64(), row["short_abandoned"].as_i64()),
            (Some(12), Some(2))
        );
        // Answered: e04–e08, e10–e12 (8); all but e05 within 20 s.
        assert_eq!(row["answered_within_sl"].as_i64(), Some(7));
        assert_eq!(
            (row["fcr_eligible"].as_i64(), row["fcr_resolved"].as_i64()),
            (Some(5), Some(3))
        );
        assert_eq!(row["answer_rate"].as_f64(), Some(8.0 / 10.0));
    }
}

#[tokio::test]
async fn bad_rows_are_all_reported_and_the_file_changes_nothing() {
    let data = data_set();
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "contacts", data.edge.to_str().unwrap()]);
        let before = kpi_json(&db, "queue");
        let dir = tempfile::tempdir().unwrap();
        let bad = dir.path().join("bad.csv");
        let mut text = EDGE_CASES.replace("e0", "n0").replace("e1", "n1");
        text.push_str("n13,fax,inbound,q,,,2026-11-03 10:00:00,,2026-11-03 10:00:04,,,,0,x,\n");
        text.push_str("n14,phone,sideways,q,,,not a time,,2026-11-03 10:00:04,-3,,,maybe,x,\n");
        text.push_str("n15,phone,inbound,q,,,2026-11-03 10:00:00,,,,,,0,x,\n");
        text.push_str("n16,phone,inbound,q,,,2026-11-03 10:00:00\n");
        text.push_str("n01,phone,inbound,q,,,2026-11-03 10:00:00,,2026-11-03 10:00:04,,,,0,x,\n");
        std::fs::write(&bad, text).unwrap();
        let output = servq(&db, &["import", "contacts", bad.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let report = stderr(&output);
        let path = bad.display();
        for expected in [
            format!(
                "{path}:14: channel: 'fax' is not one of phone, chat, email, web, social, counter"
            ),
            format!("{path}:15: direction: 'sideways' is not one of inbound, outbound"),
            format!("{path}:15: offered_at: 'not a time' is not a timestamp"),
            format!("{path}:15: talk_seconds: '-3' is negative"),
            format!("{path}:15: transferred: 'maybe' is not a yes/no value"),
            format!("{path}:16: ended_at: is required when answered_at is empty"),
            format!("{path}:17: row: has 7 fields but the header has 15"),
            format!("{path}:18: contact_id: 'n01' appears again (first on line 2)"),
            format!("{path}: nothing imported: 5 bad row(s), 8 error(s)"),
        ] {
            assert!(
                report.contains(&expected),
                "missing '{expected}' in:\n{report}"
            );
        }
        // A clean file whose only fault is a repeated id is refused too, naming both lines.
        let duplicate = dir.path().join("dup.csv");
        let mut text = EDGE_CASES.replace("e0", "d0").replace("e1", "d1");
        text.push_str("d03,phone,inbound,q,,,2026-11-03 10:00:00,,2026-11-03 10:00:04,,,,0,x,\n");
        std::fs::write(&duplicate, text).unwrap();
        let output = servq(&db, &["import", "contacts", duplicate.to_str().unwrap()]);
        assert_eq!(output.status.code(), Some(1));
        let expected = format!(
            "{}:14: contact_id: 'd03' appears again (first on line 4)",
            duplicate.display()
        );
        assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
        assert_eq!(
            kpi_json(&db, "queue"),
            before,
            "a refused file must change nothing"
        );
        // --max-errors caps what is printed but still counts everything.
        let output = servq(
            &db,
            &[
                "import",
                "contacts",
                bad.to_str().unwrap(),
                "--max-errors",
                "1",
            ],
        );
        let report = stderr(&output);
        assert_eq!(
            report
                .lines()
                .filter(|line| line.contains("bad.csv:1"))
                .count(),
            1,
            "{report}"
        );
        assert!(report.contains("and 7 more errors not shown"), "{report}");
    }
}

#[tokio::test]
async fn reimporting_a_file_changes_nothing() {
    let data = data_set();
    for db in TestDatabase::both().await {
        import_data_set(&db, &data);
        let before = kpi_json(&db, "agent,day");
        let again = servq_ok(
            &db,
            &["import", "contacts", data.contacts.to_str().unwrap()],
        );
        assert!(
            stderr(&again).contains(" 0 new, 0 updated, "),
            "{}",
            stderr(&again)
        );
        let again = servq_ok(
            &db,
            &["import", "agent-states", data.states.to_str().unwrap()],
        );
        assert!(
            stderr(&again).contains(" 0 new, 0 updated, "),
            "{}",
            stderr(&again)
        );
        assert_eq!(kpi_json(&db, "agent,day"), before);
    }
}

#[tokio::test]
async fn gbk_files_with_mapped_chinese_headers_import() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    let text = "流水号,渠道,队列,客户,坐席,进线时间,接听时间,结束时间,通话时长,类别\n\
                g1,电话,信用卡,U1,A001,2026/11/3 9:00,2026/11/3 9:00:15,2026/11/3 9:05,00:04:45,账单查询\n\
                g2,电话,信用卡,U2,,2026/11/3 9:01,,2026/11/3 9:02,,账单查询\n";
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    std::fs::write(&file, &bytes).unwrap();
    let mapping = dir.path().join("map.txt");
    std::fs::write(
        &mapping,
        "# our export\ncontact_id=流水号\nchannel=渠道\nqueue=队列\ncustomer_id=客户\nagent_id=坐席\n\
         offered_at=进线时间\nanswered_at=接听时间\nended_at=结束时间\ntalk_seconds=通话时长\ncategory=类别\n",
    )
    .unwrap();
    let db = TestDatabase::sqlite();
    let without = servq(
        &db,
        &[
            "import",
            "contacts",
            file.to_str().unwrap(),
            "--map-file",
            mapping.to_str().unwrap(),
        ],
    );
    assert!(
        stderr(&without)
            .contains("is not valid UTF-8 (for a file saved by Chinese Excel, try --encoding gbk)")
    );
    servq_ok(
        &db,
        &[
            "import",
            "contacts",
            file.to_str().unwrap(),
            "--encoding",
            "gbk",
            "--map-file",
            mapping.to_str().unwrap(),
        ],
    );
    let kpis = kpi_json(&db, "queue");
    let row = &kpis["rows"][0];
    assert_eq!(row["queue"], "信用卡");
    assert_eq!(
        (row["offered"].as_i64(), row["answered"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(row["avg_talk_seconds"].as_f64(), Some(285.0));
    assert_eq!(row["asa_seconds"].as_f64(), Some(15.0));
    // --metrics narrows every format to the chosen columns, in the order given by servq.
    let narrow = servq_ok(
        &db,
        &[
            "kpi",
            "--by",
            "queue",
            "--metrics",
            "asa_seconds,offered",
            "--format",
            "json",
        ],
    );
    let narrow: Value = serde_json::from_slice(&narrow.stdout).unwrap();
    let keys: Vec<&String> = narrow["rows"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["queue", "asa_seconds", "offered"]);
    let csv = servq_ok(
        &db,
        &[
            "kpi",
            "--by",
            "queue",
            "--metrics",
            "answer_rate",
            "--format",
            "csv",
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&csv.stdout),
        "queue,answer_rate\n信用卡,0.5\n"
    );
    let table = servq_ok(&db, &["kpi", "--by", "queue"]);
    assert!(String::from_utf8_lossy(&table.stdout).contains("| 信用卡 | 2       | 50.00%"));
    let unknown = servq(&db, &["kpi", "--metrics", "happiness"]);
    assert!(stderr(&unknown).contains("--metrics 'happiness' is not one of offered, answered"));
}

#[tokio::test]
async fn xlsx_imports_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("contacts.xlsx");
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    let format = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    for (column, name) in [
        "contact_id",
        "channel",
        "offered_at",
        "answered_at",
        "ended_at",
        "talk_seconds",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, *name).unwrap();
    }
    for row in 1..=3u32 {
        sheet.write_number(row, 0, f64::from(row)).unwrap();
        sheet.write_string(row, 1, "phone").unwrap();
        let at = |s: &str| rust_xlsxwriter::ExcelDateTime::parse_from_str(s).unwrap();
        sheet
            .write_datetime_with_format(row, 2, at("2026-11-03 09:00:00"), &format)
            .unwrap();
        sheet
            .write_datetime_with_format(row, 3, at("2026-11-03 09:00:30"), &format)
            .unwrap();
        sheet
            .write_datetime_with_format(row, 4, at("2026-11-03 09:03:30"), &format)
            .unwrap();
        sheet.write_number(row, 5, 180.0).unwrap();
    }
    workbook.save(&file).unwrap();
    let db = TestDatabase::sqlite();
    servq_ok(&db, &["import", "contacts", file.to_str().unwrap()]);
    let kpis = kpi_json(&db, "day");
    assert_eq!(kpis["rows"][0]["day"], "2026-11-03");
    assert_eq!(kpis["rows"][0]["asa_seconds"].as_f64(), Some(30.0));
    let report = dir.path().join("kpi.xlsx");
    servq_ok(
        &db,
        &[
            "kpi",
            "--by",
            "queue",
            "--format",
            "xlsx",
            "--output",
            report.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&report).unwrap();
    assert!(bytes.starts_with(b"PK"), "an XLSX file is a zip archive");
    let refused = servq(&db, &["kpi", "--format", "xlsx"]);
    assert!(stderr(&refused).contains("--format xlsx needs --output FILE.xlsx"));
}

#[tokio::test]
async fn a_killed_import_leaves_the_database_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let scratch = TestDatabase::sqlite();
    let out = dir.path().to_str().unwrap();
    servq_ok(
        &scratch,
        &[
            "demo",
            "--days",
            "40",
            "--daily-contacts",
            "4000",
            "--end",
            "2026-11-10",
            "--csv-out",
            out,
        ],
    );
    let big = dir.path().join("contacts.csv");
    let edge = dir.path().join("edge.csv");
    std::fs::write(&edge, EDGE_CASES).unwrap();
    for db in TestDatabase::both().await {
        servq_ok(&db, &["import", "contacts", edge.to_str().unwrap()]);
        let before = kpi_json(&db, "queue,day");
        let mut child = Command::new(env!("CARGO_BIN_EXE_servq"))
            .args(["import", "contacts", big.to_str().unwrap()])
            .env("SERVQ_DATABASE_URL", &db.url)
            .env("SERVQ_LOG", "servq=info")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Kill it once it has staged rows, i.e. in the middle of its transaction.
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let staged = lines
            .map_while(Result::ok)
            .any(|line| line.contains("staged"));
        assert!(staged, "the import never reported staged rows");
        child.kill().unwrap();
        let status = child.wait().unwrap();
        assert!(
            !status.success(),
            "the import must have been killed, not finished"
        );
        assert_eq!(kpi_json(&db, "queue,day"), before, "{:?}", db.backend);
        // And the database is immediately usable for the real import.
        servq_ok(&db, &["import", "contacts", big.to_str().unwrap()]);
        let after = kpi_json(&db, "");
        assert!(after["rows"][0]["offered"].as_i64().unwrap() > 100_000);
    }
}
