//! `servq import ledger`, `servq ledger purge|summary|reconcile` and the job `ledger-purge` on
//! both databases: paper ledgers typed into Excel (GBK, CRLF, their own column names mapped, 500
//! bad rows) are refused whole with `file:line: column: reason`; a clean file is imported once
//! (again: all unchanged); the summary's and the purge's JSON are the contract of docs/cli.md;
//! the scheduled purge anonymises once.

use serde_json::{Value, json};

use crate::*;

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stdout)))
}

#[tokio::test]
async fn ledger_files_are_imported_all_or_nothing_and_purged_once() {
    let dir = tempfile::tempdir().unwrap();
    // a desk's lending book kept in Excel and saved as CSV: GBK, CRLF, its own headings
    let lending = "编号,借出时间,物品,物品编号,姓名,电话,证件后四位,押金,归还时间,状况,退还\r\n\
                   J-1,2025-01-05 10:00,umbrella,U-1,王先生,13800138000,123X,50,2025-01-05 18:00,ok,50\r\n\
                   J-2,2025-02-06 10:00,umbrella,U-2,李女士,13900139000,,50.00,2025-02-07 09:00,damaged,20\r\n\
                   J-3,2026-12-01 10:00,stroller,S-1,赵女士,13700137000,0001,100,,,\r\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(lending);
    let lending_path = dir.path().join("lending.csv");
    std::fs::write(&lending_path, &gbk).unwrap();
    let lending_path = lending_path.to_str().unwrap().to_owned();
    let map = "entry_id=编号,lent_at=借出时间,item_type=物品,item_code=物品编号,customer_name=姓名,\
               phone=电话,id_last4=证件后四位,deposit_yuan=押金,returned_at=归还时间,\
               return_condition=状况,deposit_refunded_yuan=退还";
    let found = dir.path().join("found.csv");
    std::fs::write(
        &found,
        "entry_id,found_at,category,description,found_place,storage_location,finder,claimed_at,claimant_name,claimant_id_last4,disposed_at,disposal\n\
         F-1,2025-01-02 12:00,wallet,黑色钱包,二楼洗手间,柜A,保洁张阿姨,2025-01-03 10:00,钱先生,4321,,\n\
         F-2,2025-01-02 13:00,keys,一串钥匙,停车场,柜B,,,,,2026-01-02 10:00,移交公安机关\n",
    )
    .unwrap();
    let found = found.to_str().unwrap().to_owned();
    // 500 bad rows and one that is hostile in every way
    let mut bad = String::from(
        "entry_id,used_at,medicine,quantity,use,person\n\
         M-X,-00:05,<script>alert(1)</script>,1e18,both,=HYPERLINK(\"http://x\")\n",
    );
    for n in 0..500 {
        bad.push_str(&format!(
            "M-{n},2025-01-10 15:00,创可贴,{},sideways,\n",
            n % 3
        ));
    }
    let bad_path = dir.path().join("medicine.csv");
    std::fs::write(&bad_path, bad).unwrap();
    let bad_path = bad_path.to_str().unwrap().to_owned();

    for db in TestDatabase::both().await {
        servq_ok(&db, &["config", "set-centre-zone", "Asia/Shanghai"]);
        let refused = servq(
            &db,
            &["import", "ledger", &bad_path, "--ledger", "medicine"],
        );
        assert_eq!(refused.status.code(), Some(1));
        let report = stderr(&refused);
        for expected in [
            format!("{bad_path}:2: used_at: '-00:05' is not a timestamp"),
            format!("{bad_path}:2: quantity: '1e18' is not a whole number"),
            format!("{bad_path}:2: use: 'both' is not one of internal, external"),
            format!("{bad_path}:3: use: 'sideways' is not one of internal, external"),
            format!("{bad_path}:3: quantity: must be from 1 to 1000"),
            "501 bad row(s)".to_owned(),
        ] {
            assert!(report.contains(&expected), "{expected}\n{report}");
        }
        let summary = |from: &str, to: &str| {
            json_of(&servq_ok(
                &db,
                &[
                    "ledger", "summary", "--from", from, "--to", to, "--format", "json",
                ],
            ))
        };
        assert_eq!(
            summary("2025-01-01", "2026-12-31")["ledgers"]["medicine"]["entries"],
            0,
            "nothing of the refused file was kept"
        );
        // a ledger kind the file does not say is asked for
        let unsaid = servq(&db, &["import", "ledger", &found]);
        assert!(stderr(&unsaid).contains("--ledger"), "{}", stderr(&unsaid));

        let imported = servq_ok(
            &db,
            &[
                "import",
                "ledger",
                &lending_path,
                "--ledger",
                "lending",
                "--encoding",
                "gbk",
                "--map",
                map,
            ],
        );
        assert!(stderr(&imported).contains("3 new"), "{}", stderr(&imported));
        let again = servq_ok(
            &db,
            &[
                "import",
                "ledger",
                &lending_path,
                "--ledger",
                "lending",
                "--encoding",
                "auto",
                "--map",
                map,
            ],
        );
        assert!(stderr(&again).contains("0 new, 0 updated, 3 unchanged"));
        servq_ok(&db, &["import", "ledger", &found, "--ledger", "lost_found"]);

        let before = summary("2025-01-01", "2026-12-31");
        assert_eq!(
            before,
            json!({
                "from": "2025-01-01", "to": "2026-12-31",
                "ledgers": {
                    "lending": {"entries": 3, "by_type": {"stroller": 1, "umbrella": 2},
                        "by_status": {"damaged": 1, "lent": 1, "returned": 1}},
                    "lost_found": {"entries": 2, "by_type": {"keys": 1, "wallet": 1},
                        "by_status": {"claimed": 1, "disposed": 1}},
                    "medicine": {"entries": 0, "by_type": {}, "by_status": {}},
                    "membership": {"entries": 0, "by_type": {}, "by_status": {}},
                    "paid_services": {"entries": 0, "by_type": {}, "by_status": {}},
                    "lost_reports": {"entries": 0, "by_type": {}, "by_status": {}},
                },
                "deposits": {"taken_yuan": 200.0, "refunded_yuan": 70.0, "withheld_yuan": 30.0},
            })
        );
        // a day's summary counts by the entry's first time stamp, in the centre's zone
        assert_eq!(
            summary("2025-02-06", "2025-02-06")["ledgers"]["lending"]["entries"],
            1
        );
        let books = servq_ok(
            &db,
            &[
                "ledger",
                "reconcile",
                "--day",
                "2026-12-02",
                "--format",
                "json",
            ],
        );
        let books = json_of(&books);
        assert_eq!(books["balanced"], true, "{books}");
        assert_eq!(books["held_yuan"], 100.0);

        // 2026-02-04: J-1 and F-1 closed more than 365 days before; J-2 closed 2025-02-07
        let purge = |dry: bool| {
            let mut args = vec![
                "ledger",
                "purge",
                "--as-of",
                "2026-02-06",
                "--format",
                "json",
            ];
            if dry {
                args.push("--dry-run");
            }
            json_of(&servq_ok(&db, &args))
        };
        let preview = purge(true);
        assert_eq!(preview["as_of"], "2026-02-06");
        assert_eq!(
            preview["ledgers"]["lending"],
            json!({"retention_days": 365, "purged": 1, "kept": 2})
        );
        assert_eq!(
            preview["ledgers"]["lost_found"],
            json!({"retention_days": 365, "purged": 1, "kept": 1})
        );
        let real = purge(false);
        assert_eq!(real["ledgers"], preview["ledgers"]);
        let after = purge(false);
        for ledger in [
            "lending",
            "lost_found",
            "medicine",
            "membership",
            "paid_services",
        ] {
            assert_eq!(after["ledgers"][ledger]["purged"], 0, "{ledger}");
        }
        assert_eq!(summary("2025-01-01", "2026-12-31"), before);
        let listed = String::from_utf8(
            servq_ok(
                &db,
                &["ledger", "list", "--ledger", "lending", "--days", "2000"],
            )
            .stdout,
        )
        .unwrap();
        assert!(
            !listed.contains("王先生") && listed.contains("李女士"),
            "{listed}"
        );

        // the nightly job a day later: J-2 (closed 2025-02-07) goes, once
        let job = |clock: &str| {
            let run = std::process::Command::new(env!("CARGO_BIN_EXE_servq"))
                .args(["jobs", "run", "ledger-purge"])
                .env("SERVQ_DATABASE_URL", &db.url)
                .env("SERVQ_JOBS_CLOCK", clock)
                .env_remove("SERVQ_LOG")
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", stderr(&run));
            String::from_utf8_lossy(&run.stdout).into_owned()
        };
        let first = job("2026-02-08T19:00:00Z");
        assert!(first.contains("1 ledger entries anonymised"), "{first}");
        // the same night again (another server): its period is taken, nothing runs
        let second = job("2026-02-08T19:05:00Z");
        assert!(!second.contains("anonymised"), "{second}");
        let next_night = job("2026-02-09T19:00:00Z");
        assert!(
            next_night.contains("0 ledger entries anonymised"),
            "{next_night}"
        );
    }
}
