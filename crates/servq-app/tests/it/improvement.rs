//! The rest of the improvement loop for real on both databases: a closed problem's goal is
//! re-measured at +30/60/90 days (values worked out by hand from the imported contacts), a check
//! that finds the target missed reopens the problem, cancels the last check and tells the owner;
//! evidence links are checked; task comments tell the owner; a job's schedule can be changed.
#![allow(missing_docs)]

use crate::support;

use jiff::civil::Date;
use servq_app::goals::{self, GoalRequest};
use servq_app::problems::{self, ProblemChange, ProblemRequest};
use servq_app::tasks::{self, TaskRequest};
use servq_app::{effectiveness, jobs};
use servq_core::Role;
use servq_store::{Actor, CheckStatus, NewUser, Store, testing::TestDatabase};
use support::day_contacts;

fn day(text: &str) -> Date {
    text.parse().unwrap()
}

async fn users(store: &Store, actor: &Actor) {
    for (id, name) in [("u-lead", "lead"), ("u-kb", "kb_admin")] {
        store
            .create_user(
                &NewUser {
                    user_id: id.into(),
                    username: name.into(),
                    password_hash: "x".into(),
                    role: Role::Supervisor,
                    agent_id: None,
                },
                actor,
                1,
            )
            .await
            .unwrap();
    }
    // the first pass ever starts from now: what follows is news
    servq_app::notifications::pass(store, servq_app::now_ms())
        .await
        .unwrap();
}

#[tokio::test]
async fn a_closed_problem_is_rechecked_and_reopens_when_its_goal_slips() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let actor = Actor {
            user_id: Some("u-lead".into()),
            name: "lead".into(),
        };
        users(&store, &actor).await;
        // service level by hand: 5 of 10 within 20 s in the first half of September, 9 of 10
        // in October, 6 of 10 in November
        let mut import = store.begin_contact_import().await.unwrap();
        let mut line = 2;
        for (from, to, within) in [
            ("2026-09-01", "2026-09-14", 5),
            ("2026-10-01", "2026-10-28", 9),
            ("2026-11-01", "2026-11-28", 6),
        ] {
            let mut d = day(from);
            while d <= day(to) {
                for contact in day_contacts(d, within) {
                    import.push(line, contact).await.unwrap();
                    line += 1;
                }
                d = d.tomorrow().unwrap();
            }
        }
        import.commit("test").await.unwrap();
        let goal = goals::add(
            &store,
            &GoalRequest {
                name: "服务水平 50% → 80%".into(),
                metric: "service_level".into(),
                filter: Vec::new(),
                target: Some(0.8),
                relative: None,
                deadline: "2027-06-30".into(),
                baseline_from: "2026-09-01".into(),
                baseline_to: "2026-09-14".into(),
            },
            &actor,
        )
        .await
        .unwrap();
        let id = problems::add(
            &store,
            &ProblemRequest {
                class: "response_efficiency".into(),
                title: "接通慢".into(),
                owner: "kb_admin".into(),
                ..Default::default()
            },
            &actor,
        )
        .await
        .unwrap();
        // an unknown goal is refused by name
        let refused = problems::change(
            &store,
            id,
            &ProblemChange {
                goal_id: Some(999),
                ..Default::default()
            },
            day("2026-09-15"),
            &actor,
        )
        .await;
        assert!(
            matches!(&refused, Err(servq_app::SettingError::Refused(p)) if p[0].field == "goal_id"),
            "{refused:?}"
        );
        let linked = problems::change(
            &store,
            id,
            &ProblemChange {
                goal_id: Some(goal),
                ..Default::default()
            },
            day("2026-09-15"),
            &actor,
        )
        .await
        .unwrap();
        assert_eq!(linked.goal_id, Some(goal));
        for step in ["analysing", "acting", "verifying"] {
            let change = ProblemChange {
                status: Some(step.into()),
                ..Default::default()
            };
            problems::change(&store, id, &change, day("2026-09-20"), &actor)
                .await
                .unwrap();
        }
        assert!(store.effectiveness_checks(id).await.unwrap().is_empty());
        let close = ProblemChange {
            status: Some("closed".into()),
            ..Default::default()
        };
        problems::change(&store, id, &close, day("2026-09-30"), &actor)
            .await
            .unwrap();
        let checks = store.effectiveness_checks(id).await.unwrap();
        assert_eq!(
            checks
                .iter()
                .map(|c| (c.after_days, c.due.as_str(), c.status))
                .collect::<Vec<_>>(),
            [
                (30, "2026-10-30", CheckStatus::Pending),
                (60, "2026-11-29", CheckStatus::Pending),
                (90, "2026-12-29", CheckStatus::Pending),
            ]
        );
        assert_eq!(checks[0].target, 0.8);

        // nothing is due on the 29th of October
        let pass = effectiveness::run_due(&store, day("2026-10-29"))
            .await
            .unwrap();
        assert_eq!(pass, effectiveness::CheckPass::default());
        // a run caught up on 29 November judges both due checks over their own windows:
        // 2–29 Oct (27 days at 0.9) held; 1–28 Nov (0.6) slipped
        let pass = effectiveness::run_due(&store, day("2026-11-29"))
            .await
            .unwrap();
        assert_eq!((pass.held, pass.slipped, pass.no_data), (1, 1, 0));
        let checks = store.effectiveness_checks(id).await.unwrap();
        assert_eq!(checks[0].status, CheckStatus::Held);
        assert!((checks[0].value.unwrap() - 0.9).abs() < 1e-12);
        assert_eq!(checks[1].status, CheckStatus::Slipped);
        assert!((checks[1].value.unwrap() - 0.6).abs() < 1e-12);
        assert_eq!(checks[2].status, CheckStatus::Cancelled);
        let problem = store.problem(id).await.unwrap().unwrap();
        assert_eq!(problem.status.name(), "reopened");
        // running again does nothing more
        let again = effectiveness::run_due(&store, day("2026-12-30"))
            .await
            .unwrap();
        assert_eq!(again, effectiveness::CheckPass::default());
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let (told, _) = store.user_notifications("u-kb", false, 20).await.unwrap();
        assert!(
            told.iter()
                .any(|n| n.kind == "problem_reopened" && n.subject_id == id.to_string()),
            "{told:?}"
        );

        // closed again the day it was reopened: a fresh set of checks from that day, even when
        // a set from an earlier close on the same day was cancelled
        for step in [
            "analysing",
            "acting",
            "verifying",
            "closed",
            "reopened",
            "analysing",
            "acting",
            "verifying",
            "closed",
        ] {
            let change = ProblemChange {
                status: Some(step.into()),
                ..Default::default()
            };
            problems::change(&store, id, &change, day("2026-11-30"), &actor)
                .await
                .unwrap();
        }
        let again_checks: Vec<_> = store
            .effectiveness_checks(id)
            .await
            .unwrap()
            .into_iter()
            .filter(|c| c.closed_on == "2026-11-30")
            .map(|c| (c.after_days, c.status))
            .collect();
        assert_eq!(
            again_checks,
            [
                (30, CheckStatus::Pending),
                (60, CheckStatus::Pending),
                (90, CheckStatus::Pending)
            ]
        );

        // the problem's JSON carries its checks and goal
        let detail = problems::detail_json(&store, id, day("2026-11-30"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(detail["goal_id"], goal);
        assert_eq!(detail["checks"][1]["status"], "slipped");
        assert!((detail["checks"][1]["value"].as_f64().unwrap() - 0.6).abs() < 1e-12);
    }
}

#[tokio::test]
async fn evidence_comments_and_schedules() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let actor = Actor {
            user_id: Some("u-lead".into()),
            name: "lead".into(),
        };
        users(&store, &actor).await;
        let mut import = store.begin_contact_import().await.unwrap();
        for (n, contact) in day_contacts(day("2026-11-02"), 5).into_iter().enumerate() {
            import.push(n as u64 + 2, contact).await.unwrap();
        }
        import.commit("test").await.unwrap();
        let id = problems::add(
            &store,
            &ProblemRequest {
                class: "attitude".into(),
                title: "语气生硬".into(),
                ..Default::default()
            },
            &actor,
        )
        .await
        .unwrap();

        // evidence: a contact that exists, a KPI series; unknown ones refused by field
        for (kind, reference) in [("contact", "2026-11-02-3"), ("kpi", "csat|queue=card")] {
            problems::link_evidence(&store, id, kind, reference, "例证", &actor)
                .await
                .unwrap();
        }
        // linking twice is not an error and keeps one
        problems::link_evidence(&store, id, "contact", "2026-11-02-3", "", &actor)
            .await
            .unwrap();
        for (kind, reference, field) in [
            ("contact", "nope", "reference"),
            ("ticket", "T-404", "reference"),
            ("kpi", "no_such_metric", "reference"),
            ("kpi", "csat|site=x", "reference"),
            ("photo", "x", "kind"),
            ("contact", " ", "reference"),
        ] {
            let refused = problems::link_evidence(&store, id, kind, reference, "", &actor).await;
            assert!(
                matches!(&refused, Err(servq_app::SettingError::Refused(p)) if p[0].field == field),
                "{kind} {reference}: {refused:?}"
            );
        }
        let evidence = store.problem_evidence(id).await.unwrap();
        assert_eq!(evidence.len(), 2);
        assert_eq!(
            problems::evidence_link(&evidence[0]),
            "/contacts/2026-11-02-3"
        );
        assert_eq!(problems::evidence_link(&evidence[1]), "/?queue=card");
        assert!(
            store
                .remove_problem_evidence(id, evidence[0].id, &actor, 5)
                .await
                .unwrap()
        );
        assert!(
            !store
                .remove_problem_evidence(id, evidence[0].id, &actor, 6)
                .await
                .unwrap()
        );

        // a comment by the lead tells the owner; the owner's own does not
        let task = tasks::add(
            &store,
            &TaskRequest {
                title: "录制标准话术示范".into(),
                owner: "kb_admin".into(),
                due: "2026-12-20".into(),
                problem_id: Some(id),
                goal_id: None,
            },
            &actor,
        )
        .await
        .unwrap();
        tasks::comment(&store, task, "请先给我看初稿", &actor)
            .await
            .unwrap();
        let owner = Actor {
            user_id: Some("u-kb".into()),
            name: "kb_admin".into(),
        };
        tasks::comment(&store, task, "初稿已上传", &owner)
            .await
            .unwrap();
        assert!(tasks::comment(&store, task, "   ", &owner).await.is_err());
        assert!(
            tasks::comment(&store, task, &"长".repeat(4001), &owner)
                .await
                .is_err()
        );
        assert!(tasks::comment(&store, 999, "x", &owner).await.is_err());
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let (told, _) = store.user_notifications("u-kb", false, 20).await.unwrap();
        let comments: Vec<_> = told.iter().filter(|n| n.kind == "task_comment").collect();
        assert_eq!(comments.len(), 1, "{told:?}");
        assert!(comments[0].detail.contains("lead"), "{told:?}");
        let stored = store.task_comments(Some(task)).await.unwrap();
        assert_eq!(
            stored.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(),
            ["请先给我看初稿", "初稿已上传"]
        );

        // schedules: a bad pattern or a loop is refused; a new pattern is the one that runs
        let briefing = jobs::Job::DailyBriefing;
        for bad in ["30 8 * *", "61 8 * * *", "0 30 8 * * *", "every morning"] {
            assert!(
                jobs::set_schedule(&store, briefing, Some(bad), &actor)
                    .await
                    .is_err(),
                "{bad}"
            );
        }
        assert!(
            jobs::set_schedule(&store, jobs::Job::Notify, Some("* * * * *"), &actor)
                .await
                .is_err()
        );
        let set = jobs::set_schedule(&store, briefing, Some("0 7 * * 1-5"), &actor)
            .await
            .unwrap();
        assert!(set.changed);
        assert_eq!(set.pattern.as_deref(), Some("0 7 * * 1-5"));
        let context = jobs::JobContext {
            backup: None,
            store: store.clone(),
            public_url: "https://servq.example.com".into(),
            outbox: servq_app::outbox::OutboxConfig::default(),
        };
        // Thursday 3 December 10:00 UTC: the latest period is that morning's 07:00
        let outcomes = jobs::run_due(&context, briefing, "2026-12-03T10:00:00Z".parse().unwrap())
            .await
            .unwrap();
        assert!(
            matches!(&outcomes[..], [jobs::PeriodOutcome::Ran { period, failed: false, .. }] if period == "2026-12-03T07:00"),
            "{outcomes:?}"
        );
        // Saturday and Sunday have no period; Monday's 07:00 runs next
        let outcomes = jobs::run_due(&context, briefing, "2026-12-07T07:30:00Z".parse().unwrap())
            .await
            .unwrap();
        let periods: Vec<_> = outcomes
            .iter()
            .map(|o| match o {
                jobs::PeriodOutcome::Ran { period, .. } | jobs::PeriodOutcome::Skipped(period) => {
                    period.as_str()
                }
            })
            .collect();
        assert_eq!(periods, ["2026-12-04T07:00", "2026-12-07T07:00"]);
        let back = jobs::set_schedule(&store, briefing, None, &actor)
            .await
            .unwrap();
        assert!(!back.changed);
        assert_eq!(back.pattern.as_deref(), Some("30 8 * * *"));
    }
}
