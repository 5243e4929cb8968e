//! Action-plan tasks for real on both databases: a task under a problem tells its owner, an
//! unknown owner or parent is refused, and once the due date passes the morning briefing job
//! reminds the owner and lists the task until it is done.
#![allow(missing_docs)]

use servq_app::jobs::{Job, JobContext, run_once};
use servq_app::outbox::OutboxConfig;
use servq_app::problems::{self, ProblemRequest};
use servq_app::tasks::{self, TaskRequest};
use servq_core::Role;
use servq_store::{Actor, NewUser, Store, testing::TestDatabase};

#[tokio::test]
async fn tasks_tell_their_owner_and_overdue_ones_are_reminded_and_briefed() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let actor = Actor {
            user_id: None,
            name: "sup".into(),
        };
        for (id, name) in [("u-sup", "sup"), ("u-kb", "kb_admin")] {
            store
                .create_user(
                    &NewUser {
                        user_id: id.into(),
                        username: name.into(),
                        password_hash: "x".into(),
                        role: Role::Supervisor,
                        agent_id: None,
                    },
                    &actor,
                    1,
                )
                .await
                .unwrap();
        }
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let problem = problems::add(
            &store,
            &ProblemRequest {
                class: "problem_solving".into(),
                title: "知识库检索不到答案".into(),
                ..Default::default()
            },
            &actor,
        )
        .await
        .unwrap();
        let bad = tasks::add(
            &store,
            &TaskRequest {
                title: "x".into(),
                owner: "nobody".into(),
                due: "2026-12-10".into(),
                problem_id: Some(999),
                goal_id: None,
            },
            &actor,
        )
        .await;
        assert!(bad.is_err());
        let task = tasks::add(
            &store,
            &TaskRequest {
                title: "搭建分级知识库框架".into(),
                owner: "kb_admin".into(),
                due: "2026-12-02".into(),
                problem_id: Some(problem),
                goal_id: None,
            },
            &actor,
        )
        .await
        .unwrap();
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let (told, _) = store.user_notifications("u-kb", false, 20).await.unwrap();
        assert!(
            told.iter()
                .any(|n| n.kind == "task_assigned" && n.subject_id == task.to_string()),
            "{told:?}"
        );

        // the morning after the due date: reminded and briefed
        let context = JobContext {
            backup: None,
            store: store.clone(),
            public_url: "https://servq.example.com".into(),
            outbox: OutboxConfig::default(),
        };
        run_once(
            &context,
            Job::DailyBriefing,
            "2026-12-03T08:30:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
        servq_app::notifications::pass(&store, servq_app::now_ms())
            .await
            .unwrap();
        let (told, _) = store.user_notifications("u-kb", false, 20).await.unwrap();
        assert!(told.iter().any(|n| n.kind == "task_overdue"), "{told:?}");
        let briefing = servq_app::briefing::briefing(&store, "2026-12-03".parse().unwrap())
            .await
            .unwrap();
        assert_eq!(
            briefing
                .overdue_tasks
                .iter()
                .map(|t| t.id)
                .collect::<Vec<_>>(),
            [task]
        );

        // done: no longer overdue
        tasks::finish(&store, task, "done", "框架已上线", &actor)
            .await
            .unwrap();
        let briefing = servq_app::briefing::briefing(&store, "2026-12-03".parse().unwrap())
            .await
            .unwrap();
        assert!(briefing.overdue_tasks.is_empty());
    }
}
