//! The front-desk ledgers for real on both databases: the deposit money ledger reconciles after
//! any sequence of lending, returns (ok, damaged, lost) and ledger files that correct loans
//! (property test against a model kept by the test); the purge's dry run equals the real run,
//! leaves the summaries alone and removes signatures; a claim without matching identity data is
//! refused; two servers purging at once anonymise each entry once.
#![allow(missing_docs)]

use std::collections::BTreeMap;
use std::path::Path;

use jiff::civil::date;
use proptest::prelude::*;
use servq_app::imports::{FileImport, FileKind, TableOptions, import_file};
use servq_app::ledgers::{self, ClaimRequest, FoundRequest, LendRequest, ReturnRequest};
use servq_desk::ledger::LedgerKind;
use servq_import::Outcome;
use servq_store::{Actor, Store, testing::TestDatabase};

fn desk() -> Actor {
    Actor {
        user_id: None,
        name: "desk1".into(),
    }
}

/// 2026-12-01 00:00 UTC.
const BASE_MS: i64 = 1_795_996_800_000;

async fn import(store: &Store, dir: &Path, ledger: LedgerKind, csv: &str) -> Outcome {
    let path = dir.join(format!("{}.csv", ledger.name()));
    std::fs::write(&path, csv).unwrap();
    import_file(
        store,
        FileImport {
            kind: FileKind::Ledger(ledger),
            path: &path,
            name: "ledger.csv",
            table: TableOptions::default(),
            zone: &jiff::tz::TimeZone::UTC,
            max_errors: 100,
            actor: &desk(),
            rules: None,
        },
        |_| {},
    )
    .await
    .unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    /// Lend a new item with this deposit (fen).
    Lend(i64),
    /// Return the n-th loan (modulo) as ok / damaged / lost, refunding this percentage.
    Return(usize, u8, u8),
    /// A ledger file row for IMP-k: deposit (fen) and, maybe, (condition, refunded percentage).
    Import(u8, i64, Option<(u8, u8)>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..20_000_i64).prop_map(Op::Lend),
        (0..50_usize, 0..3_u8, 0..=100_u8).prop_map(|(n, c, p)| Op::Return(n, c, p)),
        (
            0..3_u8,
            0..20_000_i64,
            proptest::option::of((0..3_u8, 0..=100_u8))
        )
            .prop_map(|(k, d, r)| Op::Import(k, d, r)),
    ]
}

const CONDITIONS: [&str; 3] = ["ok", "damaged", "lost"];

/// The test's own account of each loan: deposit and, once back, the refund.
#[derive(Default)]
struct Model {
    loans: BTreeMap<String, (i64, Option<i64>)>,
}

impl Model {
    fn totals(&self) -> (i64, i64, i64, i64) {
        let mut taken = 0;
        let mut refunded = 0;
        let mut withheld = 0;
        let mut open = 0;
        for (deposit, back) in self.loans.values() {
            taken += deposit;
            match back {
                Some(refund) => {
                    refunded += refund;
                    withheld += deposit - refund;
                }
                None => open += deposit,
            }
        }
        (taken, refunded, withheld, open)
    }
}

fn refund_of(deposit: i64, condition: u8, percent: u8) -> i64 {
    match condition {
        0 => deposit,
        1 => deposit * i64::from(percent) / 100,
        _ => 0,
    }
}

fn yuan(fen: i64) -> f64 {
    fen as f64 / 100.0
}

async fn run_sequence(url: &str, ops: Vec<Op>) {
    let store = Store::open(url).await.unwrap();
    store.set_centre_zone("UTC").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut model = Model::default();
    let mut lent: Vec<String> = Vec::new();
    for (step, op) in ops.into_iter().enumerate() {
        let now = BASE_MS + step as i64 * 60_000;
        match op {
            Op::Lend(deposit) => {
                let id = ledgers::lend(
                    &store,
                    &LendRequest {
                        item_code: format!("U-{step}"),
                        item_type: "umbrella".into(),
                        customer_name: "王先生".into(),
                        phone: "13800138000".into(),
                        deposit_yuan: format!("{}.{:02}", deposit / 100, deposit % 100),
                        deposit_method: if deposit > 0 { "cash" } else { "none" }.into(),
                        ..LendRequest::default()
                    },
                    &desk(),
                    now,
                )
                .await
                .unwrap();
                model.loans.insert(id.clone(), (deposit, None));
                lent.push(id);
            }
            Op::Return(n, condition, percent) => {
                if lent.is_empty() {
                    continue;
                }
                let id = lent[n % lent.len()].clone();
                let (deposit, back) = model.loans[&id];
                let refund = refund_of(deposit, condition, percent);
                let result = ledgers::return_loan(
                    &store,
                    &id,
                    &ReturnRequest {
                        condition: CONDITIONS[condition as usize].into(),
                        refunded_yuan: (condition == 1)
                            .then(|| format!("{}.{:02}", refund / 100, refund % 100)),
                        reason: "伞骨折断".into(),
                    },
                    &desk(),
                    now,
                )
                .await;
                match back {
                    // a loan comes back once
                    Some(_) => assert!(matches!(result, Err(ledgers::ActionError::Conflict(_)))),
                    None => {
                        result.unwrap();
                        model.loans.insert(id, (deposit, Some(refund)));
                    }
                }
            }
            Op::Import(k, deposit, back) => {
                let (returned, condition, refunded, refund) = match back {
                    None => ("", "", String::new(), None),
                    Some((condition, percent)) => {
                        let refund = refund_of(deposit, condition, percent);
                        (
                            "2026-11-02 09:00",
                            CONDITIONS[condition as usize],
                            format!("{}.{:02}", refund / 100, refund % 100),
                            Some(refund),
                        )
                    }
                };
                let csv = format!(
                    "entry_id,lent_at,item_type,item_code,customer_name,phone,deposit_yuan,returned_at,return_condition,deposit_refunded_yuan\r\n\
                     IMP-{k},2026-11-01 10:00,stroller,S-{k},李女士,13900139000,{}.{:02},{returned},{condition},{refunded}\r\n",
                    deposit / 100,
                    deposit % 100
                );
                let outcome = import(&store, dir.path(), LedgerKind::Lending, &csv).await;
                assert!(matches!(outcome, Outcome::Imported(_)), "{outcome:?}");
                model.loans.insert(format!("IMP-{k}"), (deposit, refund));
            }
        }
        let found = ledgers::reconciliation(&store, date(2026, 12, 31))
            .await
            .unwrap();
        let (taken, refunded, withheld, open) = model.totals();
        assert_eq!(found["balanced"], true, "{found}");
        assert_eq!(found["held_yuan"].as_f64().unwrap(), yuan(open), "{found}");
        assert_eq!(found["open_deposits_yuan"].as_f64().unwrap(), yuan(open));
        let summary = ledgers::summary(&store, date(2026, 1, 1), date(2026, 12, 31))
            .await
            .unwrap();
        let deposits = &summary["deposits"];
        assert_eq!(deposits["taken_yuan"].as_f64().unwrap(), yuan(taken));
        assert_eq!(deposits["refunded_yuan"].as_f64().unwrap(), yuan(refunded));
        assert_eq!(deposits["withheld_yuan"].as_f64().unwrap(), yuan(withheld));
    }
    store.close().await;
}

fn run_cases(postgres: bool, cases: u32) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    runner
        .run(&proptest::collection::vec(op(), 1..24), |ops| {
            runtime.block_on(async {
                let db = if postgres {
                    TestDatabase::postgres().await
                } else {
                    TestDatabase::sqlite()
                };
                run_sequence(&db.url, ops).await;
            });
            Ok(())
        })
        .unwrap();
}

#[test]
fn the_deposit_ledger_reconciles_after_any_sequence_sqlite() {
    run_cases(false, 24);
}

#[test]
fn the_deposit_ledger_reconciles_after_any_sequence_postgres() {
    run_cases(true, 10);
}

const OLD_LEDGERS: &[(LedgerKind, &str)] = &[
    (
        LedgerKind::Lending,
        "entry_id,lent_at,item_type,item_code,customer_name,phone,id_last4,deposit_yuan,returned_at,return_condition,deposit_refunded_yuan\n\
         L-1,2025-01-05 10:00,umbrella,U-1,王先生,13800138000,123X,50,2025-01-05 18:00,ok,50\n\
         L-2,2025-06-06 10:00,umbrella,U-2,李女士,13900139000,,50,2025-06-07 09:00,damaged,20\n\
         L-3,2025-01-06 10:00,wheelchair,W-1,赵先生,13700137000,,0,,,\n",
    ),
    (
        LedgerKind::LostFound,
        "entry_id,found_at,category,description,found_place,finder,claimed_at,claimant_name,claimant_id_last4,disposed_at,disposal\n\
         F-1,2025-01-02 12:00,wallet,黑色钱包,二楼洗手间,保洁张阿姨,2025-01-03 10:00,钱先生,4321,,\n\
         F-2,2025-01-02 13:00,keys,一串钥匙,停车场,,,,,2026-01-02 10:00,交公安机关\n\
         F-3,2025-01-02 14:00,toy,毛绒兔子,三楼,,,,,,\n",
    ),
    (
        LedgerKind::Medicine,
        "entry_id,used_at,medicine,quantity,use,person,staff,note\n\
         M-1,2025-01-10 15:00,创可贴,2,external,顾客 女 约30岁,小李,手指划伤\n\
         M-2,2025-01-11 15:00,藿香正气水,1,internal,员工小王,小李,\n",
    ),
    (
        LedgerKind::Membership,
        "entry_id,requested_at,request,customer_name,phone,card_no,done_at\n\
         C-1,2025-01-10 10:00,lost,孙女士,13600136000,VIP0001,2025-01-12 10:00\n\
         C-2,2025-01-10 11:00,new,周先生,13500135000,,\n",
    ),
    (
        LedgerKind::PaidServices,
        "entry_id,served_at,service,amount_yuan,customer_name,invoice_requested\n\
         P-1,2025-01-10 10:00,gift_wrap,15.00,吴女士,是\n\
         P-2,2025-01-10 10:30,copy,0.50,,0\n",
    ),
];

#[tokio::test]
async fn the_purge_previews_exactly_what_it_does_and_leaves_the_counts() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("Asia/Shanghai").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (ledger, csv) in OLD_LEDGERS {
            let outcome = import(&store, dir.path(), *ledger, csv).await;
            assert!(
                matches!(outcome, Outcome::Imported(_)),
                "{ledger}: {outcome:?}"
            );
        }
        // a claim with a signature today: kept, and its signature with it
        let found = ledgers::register_found(
            &store,
            &FoundRequest {
                category: "wallet".into(),
                description: "棕色皮夹".into(),
                hidden_features: vec!["内有红色公交卡".into()],
                found_place: "一楼服务台".into(),
                ..FoundRequest::default()
            },
            &desk(),
            BASE_MS,
        )
        .await
        .unwrap();
        ledgers::claim_found(
            &store,
            &found,
            &ClaimRequest {
                claimant_name: "郑女士".into(),
                id_type: "resident_id".into(),
                id_last4: "5678".into(),
                description: "里面有张红色公交卡".into(),
                signature: signature_png(),
                ..ClaimRequest::default()
            },
            &desk(),
            BASE_MS + 1000,
        )
        .await
        .unwrap();
        let summary_before = ledgers::summary(&store, date(2025, 1, 1), date(2026, 12, 31))
            .await
            .unwrap();
        // 2026-03-01: closed before 2025-03-01 (in Shanghai) lose their personal data
        let as_of = date(2026, 3, 1);
        let preview = ledgers::purge(&store, as_of, true, &desk()).await.unwrap();
        let again = ledgers::purge(&store, as_of, true, &desk()).await.unwrap();
        assert_eq!(preview.ledgers, again.ledgers, "a dry run changes nothing");
        let real = ledgers::purge(&store, as_of, false, &desk()).await.unwrap();
        assert_eq!(preview.ledgers, real.ledgers);
        let counts = |ledger: &str| {
            (
                real.ledgers[ledger]["purged"].as_i64().unwrap(),
                real.ledgers[ledger]["kept"].as_i64().unwrap(),
            )
        };
        // L-1 closed 2025-01-05; L-2 closed in June 2025 and L-3 is still out: kept
        assert_eq!(counts("lending"), (1, 2));
        // F-1 claimed 2025-01-03; F-2 disposed 2026-01-02 (recent); F-3 stored; today's claim
        assert_eq!(counts("lost_found"), (1, 3));
        assert_eq!(counts("medicine"), (2, 0));
        assert_eq!(counts("membership"), (1, 1));
        assert_eq!(counts("paid_services"), (2, 0));
        let after = ledgers::purge(&store, as_of, false, &desk()).await.unwrap();
        assert!(
            after.ledgers.values().all(|v| v["purged"] == 0),
            "{:?}",
            after.ledgers
        );
        let summary_after = ledgers::summary(&store, date(2025, 1, 1), date(2026, 12, 31))
            .await
            .unwrap();
        assert_eq!(summary_before, summary_after);
        let l1 = store
            .ledger_entry(LedgerKind::Lending, "L-1")
            .await
            .unwrap()
            .unwrap();
        assert!(!l1.entry.has_personal() && l1.anonymised_at.is_some());
        let shown = ledgers::entry_json(&l1, &jiff::tz::TimeZone::UTC, BASE_MS, true).to_string();
        assert!(
            !shown.contains("王先生") && !shown.contains("13800138000") && !shown.contains("123X")
        );
        // re-importing the old file does not bring the name back
        let outcome = import(&store, dir.path(), LedgerKind::Lending, OLD_LEDGERS[0].1).await;
        assert!(
            matches!(outcome, Outcome::Imported(ref s) if s.unchanged == 3),
            "{outcome:?}"
        );
        let l1 = store
            .ledger_entry(LedgerKind::Lending, "L-1")
            .await
            .unwrap()
            .unwrap();
        assert!(!l1.entry.has_personal());
        // a year on, today's claim goes too, with its signature
        assert!(
            store
                .ledger_file(
                    LedgerKind::LostFound,
                    &found,
                    servq_store::FileRole::Signature
                )
                .await
                .unwrap()
                .is_some()
        );
        let later = ledgers::purge(&store, date(2027, 12, 3), false, &desk())
            .await
            .unwrap();
        // F-2 (disposed 2026-01-02) and today's claim
        assert_eq!(later.ledgers["lost_found"]["purged"], 2);
        assert!(
            store
                .ledger_file(
                    LedgerKind::LostFound,
                    &found,
                    servq_store::FileRole::Signature
                )
                .await
                .unwrap()
                .is_none()
        );
        // F-3 is still stored: never purged
        assert_eq!(later.ledgers["lost_found"]["kept"], 1);
        store.close().await;
    }
}

/// A small PNG (a signature's stand-in).
fn signature_png() -> String {
    use base64::Engine as _;
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(std::iter::repeat_n(7_u8, 200));
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[tokio::test]
async fn a_claim_needs_a_hidden_feature_an_id_and_a_signature() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let found = ledgers::register_found(
            &store,
            &FoundRequest {
                category: "wallet".into(),
                colour: "黑色".into(),
                description: "黑色男士钱包".into(),
                hidden_features: vec!["夹层里有一张全家福照片".into(), "拉链坏了".into()],
                found_place: "美食广场".into(),
                ..FoundRequest::default()
            },
            &desk(),
            BASE_MS,
        )
        .await
        .unwrap();
        let good = ClaimRequest {
            claimant_name: "钱先生".into(),
            claimant_phone: "13800000000".into(),
            id_type: "resident_id".into(),
            id_last4: "001X".into(),
            description: "黑色的钱包，夹层有张全家福".into(),
            signature: signature_png(),
        };
        let refused = |request: ClaimRequest| {
            let store = &store;
            let found = &found;
            async move {
                match ledgers::claim_found(store, found, &request, &desk(), BASE_MS + 5).await {
                    Err(ledgers::ActionError::Refused(problems)) => problems
                        .iter()
                        .map(|p| format!("{}:{}", p.field, p.reason.code()))
                        .collect::<Vec<_>>(),
                    other => panic!("not refused: {other:?}"),
                }
            }
        };
        // only what the desk showed (colour, the kind of thing) is not enough
        assert_eq!(
            refused(ClaimRequest {
                description: "黑色的钱包".into(),
                ..good.clone()
            })
            .await,
            ["description:ledger_claim_mismatch"]
        );
        assert_eq!(
            refused(ClaimRequest {
                id_last4: "110101199001011234".into(),
                ..good.clone()
            })
            .await,
            ["id_last4:ledger_id_last4"]
        );
        assert_eq!(
            refused(ClaimRequest {
                id_last4: String::new(),
                signature: "data:image/png;base64,AAAA".into(),
                ..good.clone()
            })
            .await,
            ["id_last4:required", "signature:ledger_image"]
        );
        let still = store
            .ledger_entry(LedgerKind::LostFound, &found)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(still.entry.status().name(), "stored");
        ledgers::claim_found(&store, &found, &good, &desk(), BASE_MS + 10)
            .await
            .unwrap();
        let claimed = store
            .ledger_entry(LedgerKind::LostFound, &found)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(claimed.entry.status().name(), "claimed");
        // a second hand-over of the same item is refused
        assert!(matches!(
            ledgers::claim_found(&store, &found, &good, &desk(), BASE_MS + 20).await,
            Err(ledgers::ActionError::Conflict(_))
        ));
        let audit = store.audit_log(50, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|a| a.action == "claim" && a.entity_id == found),
            "the claim is audited"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn two_servers_purging_at_once_anonymise_each_entry_once() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let mut csv = String::from("entry_id,used_at,medicine,quantity,use,person\n");
        for n in 0..300 {
            csv.push_str(&format!(
                "M-{n},2025-01-10 15:00,创可贴,1,external,顾客{n}\n"
            ));
        }
        let outcome = import(&store, dir.path(), LedgerKind::Medicine, &csv).await;
        assert!(matches!(outcome, Outcome::Imported(_)));
        let other = Store::open(&db.url).await.unwrap();
        let actor = desk();
        let (a, b) = tokio::join!(
            ledgers::purge(&store, date(2026, 6, 1), false, &actor),
            ledgers::purge(&other, date(2026, 6, 1), false, &actor),
        );
        let purged =
            |report: &ledgers::PurgeReport| report.ledgers["medicine"]["purged"].as_i64().unwrap();
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(
            purged(&a) + purged(&b),
            300,
            "{:?} {:?}",
            a.ledgers,
            b.ledgers
        );
        let purges = store
            .audit_log(50, None)
            .await
            .unwrap()
            .into_iter()
            .filter(|entry| entry.action == "purge")
            .count();
        assert_eq!(purges, 2);
        other.close().await;
        store.close().await;
    }
}
