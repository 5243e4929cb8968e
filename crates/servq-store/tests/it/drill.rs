//! The drill-down (`Store::contacts`) against the rollups: for every subset and filter, the
//! number of contacts listed equals the counter the KPI formula uses; pages cut one ordered list.
//! Also the import jobs the web app records.

use jiff::tz::TimeZone;
use servq_core::{Contact, ContactRecord};
use servq_kpi::ContactSubset;
use servq_store::{
    Actor, AgentRecord, ContactListQuery, Dimension, ImportEnd, ImportRowError, ImportStatus,
    ImportSummary, KpiQuery,
};

use crate::on_both_databases;

/// 400 contacts over three days: waits around the 5 s and 20 s thresholds, abandons, transfers,
/// customers coming back within and after the 7-day window, three queues, four agents.
fn generated() -> Vec<Contact> {
    let mut state: u64 = 20_261_124;
    let mut next = move |n: u64| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) % n
    };
    let waits = [0, 3, 4, 5, 6, 19, 20, 21, 45, 120];
    (0..400)
        .map(|i| {
            let offered = 1_793_000_000 + i * 600 + next(300) as i64;
            let wait = waits[next(waits.len() as u64) as usize];
            let answered = next(4) != 0;
            let at = |s: i64| jiff::Timestamp::from_second(s).unwrap().to_string();
            let offered_at = at(offered);
            let answered_at = if answered {
                at(offered + wait)
            } else {
                String::new()
            };
            let ended_at = at(offered + wait + if answered { 200 } else { 0 });
            let customer = if next(5) == 0 {
                String::new()
            } else {
                format!("cust{}", next(60))
            };
            let record = ContactRecord {
                contact_id: &format!("k{i:04}"),
                channel: if next(3) == 0 { "chat" } else { "phone" },
                direction: "inbound",
                queue: ["card", "loan", "general"][next(3) as usize],
                customer_id: &customer,
                agent_id: if answered {
                    ["a1", "a2", "a3", "a4"][next(4) as usize]
                } else {
                    ""
                },
                offered_at: &offered_at,
                answered_at: &answered_at,
                ended_at: &ended_at,
                talk_seconds: if answered { "180" } else { "" },
                hold_seconds: "",
                wrap_seconds: if answered { "20" } else { "" },
                transferred: if answered && next(6) == 0 { "1" } else { "0" },
                category: ["balance", "card_lost"][next(2) as usize],
                resolved: "",
                recording_url: "",
            };
            Contact::parse(&record, &TimeZone::UTC).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn every_subset_lists_exactly_the_contacts_its_counter_counts() {
    on_both_databases(|store| async move {
        let mut import = store.begin_contact_import().await.unwrap();
        for (line, contact) in generated().into_iter().enumerate() {
            import.push(line as u64 + 2, contact).await.unwrap();
        }
        import.commit("generated").await.unwrap();
        store
            .upsert_agents(&[
                AgentRecord {
                    queues: None,
                    agent_id: "a1".into(),
                    name: String::new(),
                    team: "north".into(),
                },
                AgentRecord {
                    queues: None,
                    agent_id: "a2".into(),
                    name: String::new(),
                    team: "north".into(),
                },
                AgentRecord {
                    queues: None,
                    agent_id: "a3".into(),
                    name: String::new(),
                    team: "south".into(),
                },
            ])
            .await
            .unwrap();
        // KPI ranges are unions of 15-minute buckets: bounds on bucket starts
        let day = 86_400_000;
        let start = 1_793_000_000_000 / 900_000 * 900_000;
        let filter_sets: Vec<Vec<(Dimension, Vec<String>)>> = vec![
            vec![],
            vec![(Dimension::Queue, vec!["card".into()])],
            vec![(Dimension::Team, vec!["north".into()])],
            vec![
                (Dimension::Agent, vec!["a2".into(), "a4".into()]),
                (Dimension::Channel, vec!["phone".into()]),
            ],
        ];
        let ranges = [(None, None), (Some(start + day / 2), Some(start + 2 * day))];
        let mut nonempty = 0;
        for filters in &filter_sets {
            for (from_ms, to_ms) in ranges {
                let kpi = store
                    .kpi(&KpiQuery {
                        group_by: vec![],
                        from_ms,
                        to_ms,
                        zone: TimeZone::UTC,
                        filters: filters.clone(),
                    })
                    .await
                    .unwrap();
                let counters = kpi.first().map(|g| g.contacts).unwrap_or_default();
                for subset in ContactSubset::ALL {
                    let query = ContactListQuery {
                        from_ms,
                        to_ms,
                        filters: filters.clone(),
                        subset,
                        offset: 0,
                        limit: 1000,
                    };
                    let all = store.contacts(&query).await.unwrap();
                    assert_eq!(
                        all.total,
                        subset.count(&counters),
                        "{} {filters:?} {from_ms:?}",
                        subset.name()
                    );
                    assert_eq!(all.rows.len() as i64, all.total);
                    nonempty += i64::from(all.total > 0);
                    assert!(all.rows.iter().all(|r| r.subsets.contains(&subset)));
                    assert!(
                        all.rows
                            .windows(2)
                            .all(|w| (w[0].offered_ms, &w[0].contact_id)
                                > (w[1].offered_ms, &w[1].contact_id)),
                        "newest first"
                    );
                    // pages of 7 put together give the same list
                    let mut paged = Vec::new();
                    let mut offset = 0;
                    loop {
                        let page = store
                            .contacts(&ContactListQuery {
                                offset,
                                limit: 7,
                                ..query.clone()
                            })
                            .await
                            .unwrap();
                        assert_eq!(page.total, all.total);
                        if page.rows.is_empty() {
                            break;
                        }
                        offset += page.rows.len();
                        paged.extend(page.rows);
                    }
                    assert_eq!(paged, all.rows);
                }
            }
        }
        assert!(nonempty > 40, "the data reaches every subset: {nonempty}");
    })
    .await;
}

#[tokio::test]
async fn import_jobs_record_progress_outcome_and_errors_once() {
    on_both_databases(|store| async move {
        let actor = Actor {
            user_id: None,
            name: "sup".into(),
        };
        store
            .create_import_job("j1", &actor, "contacts", "calls.csv", 1_000)
            .await
            .unwrap();
        store
            .update_import_progress("j1", ImportStatus::Reading, 50, 200, 10, 1_100)
            .await
            .unwrap();
        let job = store.import_job("j1", 10).await.unwrap().unwrap();
        assert_eq!(
            (job.status, job.done, job.total, job.rows_read),
            (ImportStatus::Reading, 50, 200, 10)
        );
        let errors: Vec<ImportRowError> = (0..3)
            .map(|i| ImportRowError {
                line: i + 2,
                column: "offered_at".into(),
                reason: format!("bad {i}"),
            })
            .collect();
        store
            .finish_import_job(
                "j1",
                &ImportEnd::Rejected {
                    bad_rows: 3,
                    error_count: 5,
                    errors: &errors,
                },
                &actor,
                1_200,
            )
            .await
            .unwrap();
        // a late progress write or a second outcome does not change an ended import
        store
            .update_import_progress("j1", ImportStatus::Merging, 200, 200, 20, 1_300)
            .await
            .unwrap();
        store
            .finish_import_job("j1", &ImportEnd::Failed("later"), &actor, 1_400)
            .await
            .unwrap();
        let job = store.import_job("j1", 2).await.unwrap().unwrap();
        assert_eq!(job.status, ImportStatus::Rejected);
        assert_eq!(
            (job.bad_rows, job.error_count, job.finished_ms),
            (3, 5, Some(1_200))
        );
        assert_eq!(job.errors, errors[..2].to_vec());
        // more errors than one insert batch holds: every one is kept, in order, and the job ends
        store
            .create_import_job("j3", &actor, "contacts", "many.csv", 1_500)
            .await
            .unwrap();
        let many: Vec<ImportRowError> = (0..1_200)
            .map(|i| ImportRowError {
                line: i + 2,
                column: "channel".into(),
                reason: format!("bad {i}"),
            })
            .collect();
        store
            .finish_import_job(
                "j3",
                &ImportEnd::Rejected {
                    bad_rows: 1_200,
                    error_count: 1_200,
                    errors: &many,
                },
                &actor,
                1_600,
            )
            .await
            .unwrap();
        let job = store.import_job("j3", 2_000).await.unwrap().unwrap();
        assert_eq!(job.status, ImportStatus::Rejected);
        assert_eq!(job.errors, many);
        store
            .create_import_job("j2", &actor, "agents", "roster.xlsx", 2_000)
            .await
            .unwrap();
        let summary = ImportSummary {
            rows: 4,
            inserted: 3,
            updated: 1,
            unchanged: 0,
        };
        store
            .finish_import_job("j2", &ImportEnd::Imported(summary), &actor, 2_100)
            .await
            .unwrap();
        let jobs = store.import_jobs(10).await.unwrap();
        assert_eq!(
            jobs.iter().map(|j| j.job_id.as_str()).collect::<Vec<_>>(),
            ["j2", "j3", "j1"]
        );
        assert_eq!(jobs[0].summary, summary);
        let audit = store.audit_log(10, None).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "import" && e.entity_id == "j2")
        );
        assert!(store.import_job("nope", 1).await.unwrap().is_none());
    })
    .await;
}

#[tokio::test]
async fn cached_reports_follow_every_change_of_the_data() {
    use crate::{BASE, Row, import};
    on_both_databases(|store| async move {
        let by_team = KpiQuery {
            group_by: vec![servq_store::GroupField::Dimension(Dimension::Team)],
            from_ms: None,
            to_ms: None,
            zone: TimeZone::UTC,
            filters: vec![],
        };
        let offered = |groups: Vec<servq_store::KpiGroup>| {
            groups
                .iter()
                .map(|g| (g.key[0].clone(), g.contacts.offered))
                .collect::<Vec<_>>()
        };
        import(&store, &[Row { id: "x1", ..BASE }]).await;
        assert_eq!(offered(store.kpi(&by_team).await.unwrap()), [(None, 1)]);
        // asked again: the same answer (from the cache)
        assert_eq!(offered(store.kpi(&by_team).await.unwrap()), [(None, 1)]);
        // a new import, a roster change and a threshold change each show at once
        import(&store, &[Row { id: "x2", ..BASE }]).await;
        assert_eq!(offered(store.kpi(&by_team).await.unwrap()), [(None, 2)]);
        store
            .upsert_agents(&[AgentRecord {
                queues: None,
                agent_id: "a1".into(),
                name: String::new(),
                team: "north".into(),
            }])
            .await
            .unwrap();
        assert_eq!(
            offered(store.kpi(&by_team).await.unwrap()),
            [(Some("north".to_owned()), 2)]
        );
        let missed = ContactListQuery {
            from_ms: None,
            to_ms: None,
            filters: vec![],
            subset: ContactSubset::MissedServiceLevel,
            offset: 0,
            limit: 10,
        };
        assert_eq!(
            store.contacts(&missed).await.unwrap().total,
            0,
            "10 s waits meet 20 s"
        );
        store
            .set_kpi_settings(&servq_kpi::KpiSettings {
                service_level_ms: 5_000,
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(
            store.contacts(&missed).await.unwrap().total,
            2,
            "but not 5 s"
        );
        assert_eq!(
            store.dimension_values(Dimension::Team).await.unwrap(),
            ["north"]
        );
    })
    .await;
}

#[tokio::test]
async fn an_import_whose_server_stopped_beating_ends_as_failed() {
    on_both_databases(|store| async move {
        let actor = Actor {
            user_id: None,
            name: "sup".into(),
        };
        // two servers, each running an import; the second is killed at 1 000 and beats no more
        store
            .create_owned_import_job("alive", &actor, "contacts", "a.csv", "server-a", 1_000)
            .await
            .unwrap();
        store
            .create_owned_import_job("killed", &actor, "contacts", "b.csv", "server-b", 1_000)
            .await
            .unwrap();
        store.beat_import_jobs("server-a", 100_000).await.unwrap();
        // 90 s without a beat: orphaned
        let orphans = store
            .fail_orphaned_imports(100_000 - 90_000, 100_000)
            .await
            .unwrap();
        assert_eq!(orphans, ["killed"]);
        let killed = store.import_job("killed", 0).await.unwrap().unwrap();
        assert_eq!(killed.status, ImportStatus::Failed);
        assert!(
            killed.message.contains("server stopped"),
            "{}",
            killed.message
        );
        assert!(store.import_running("alive").await.unwrap());
        assert!(!store.import_running("killed").await.unwrap());
        // an ended import is never touched again
        let again = store
            .fail_orphaned_imports(1_000_000, 1_000_000)
            .await
            .unwrap();
        assert_eq!(again, ["alive"]);
    })
    .await;
}
