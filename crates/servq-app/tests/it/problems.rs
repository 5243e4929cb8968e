//! The problem register for real on both databases: an open KPI alert is suggested as a problem
//! of its class, accepting it twice records one problem, a dismissed suggestion is not offered
//! again, a problem moves only along its life cycle (closing needs verifying), and the morning
//! briefing lists the open problems.
#![allow(missing_docs)]

use servq_app::i18n::Locale;
use servq_app::problems::{self, ProblemRequest};
use servq_core::{ProblemClass, ProblemStatus};
use servq_kpi::TargetScope;
use servq_store::{Actor, KpiAlert, NewUser, Store, testing::TestDatabase};

#[tokio::test]
async fn suggestions_become_problems_once_and_problems_move_along_their_life_cycle() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        store.set_centre_zone("UTC").await.unwrap();
        let actor = Actor {
            user_id: None,
            name: "sup".into(),
        };
        // owners are servq users
        for name in ["sup", "lead"] {
            store
                .create_user(
                    &NewUser {
                        user_id: format!("u-{name}"),
                        username: name.into(),
                        password_hash: "x".into(),
                        role: servq_core::Role::Supervisor,
                        agent_id: None,
                    },
                    &actor,
                    1,
                )
                .await
                .unwrap();
        }
        let alert = |metric: &str, scope_value: &str| KpiAlert {
            id: 0,
            metric: metric.into(),
            scope: if scope_value.is_empty() {
                TargetScope::Centre
            } else {
                TargetScope::Queue
            },
            scope_value: scope_value.into(),
            rule: "missed_target".into(),
            first_day: "2026-11-28".into(),
            last_day: "2026-11-30".into(),
            ended_day: None,
            detail: "{}".into(),
        };
        let sl = store
            .open_alert_episode(&alert("service_level", "card"), 1)
            .await
            .unwrap();
        let csat = store
            .open_alert_episode(&alert("csat", ""), 1)
            .await
            .unwrap();
        let today: jiff::civil::Date = "2026-12-01".parse().unwrap();
        let found = problems::suggestions(&store, today, Locale::ZhCn)
            .await
            .unwrap();
        let sl_key = format!("kpi_alert:{sl}");
        let csat_key = format!("kpi_alert:{csat}");
        let mut keys: Vec<&str> = found.iter().map(|s| s.key.as_str()).collect();
        keys.sort();
        let mut expected = [sl_key.as_str(), csat_key.as_str()];
        expected.sort();
        assert_eq!(keys, expected, "{found:?}");
        let of = |key: &str| found.iter().find(|s| s.key == key).unwrap().clone();
        assert_eq!(of(&sl_key).class, ProblemClass::ResponseEfficiency);
        assert_eq!(of(&csat_key).class, ProblemClass::Attitude);
        let title = of(&sl_key).title;
        assert!(
            title.contains("服务水平") && title.contains("card"),
            "{title}"
        );

        // accepted twice (two managers at once): one problem
        let (first, second) = tokio::join!(
            problems::accept(&store, &sl_key, today, Locale::ZhCn, &actor),
            problems::accept(&store, &sl_key, today, Locale::ZhCn, &actor)
        );
        let ids: Vec<i64> = [first, second].into_iter().filter_map(Result::ok).collect();
        assert!(!ids.is_empty());
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        problems::dismiss(&store, &csat_key, &actor).await.unwrap();
        assert!(
            problems::suggestions(&store, today, Locale::ZhCn)
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(store.problems().await.unwrap().len(), 1);

        // a hand-recorded one, refused without a title or with an unknown class
        assert!(
            problems::add(
                &store,
                &ProblemRequest {
                    class: "mood".into(),
                    ..Default::default()
                },
                &actor
            )
            .await
            .is_err()
        );
        let manual = problems::add(
            &store,
            &ProblemRequest {
                class: "process_design".into(),
                title: "客户重复描述问题".into(),
                description: "坐席看不到客户历史".into(),
                owner: "sup".into(),
            },
            &actor,
        )
        .await
        .unwrap();

        // an owner who is not a user is refused by field
        let refused = problems::add(
            &store,
            &ProblemRequest {
                class: "attitude".into(),
                title: "x".into(),
                owner: "张三".into(),
                ..Default::default()
            },
            &actor,
        )
        .await;
        assert!(
            matches!(&refused, Err(servq_app::SettingError::Refused(p)) if p[0].field == "owner"),
            "{refused:?}"
        );

        // the life cycle: no closing before verifying; verifying may go back to acting
        let id = ids[0];
        assert!(
            problems::move_to(&store, id, "closed", None, &actor)
                .await
                .is_err()
        );
        for step in [
            "analysing",
            "acting",
            "verifying",
            "acting",
            "verifying",
            "closed",
            "reopened",
        ] {
            let moved = problems::move_to(&store, id, step, Some("lead"), &actor)
                .await
                .unwrap();
            assert_eq!(moved.status.name(), step);
            assert_eq!(moved.owner, "lead");
        }
        assert!(
            problems::move_to(&store, id, "open", None, &actor)
                .await
                .is_err()
        );
        problems::move_to(&store, manual, "analysing", None, &actor)
            .await
            .unwrap();

        // the briefing lists the open ones
        let briefing = servq_app::briefing::briefing(&store, today).await.unwrap();
        let listed: Vec<(i64, ProblemStatus)> =
            briefing.problems.iter().map(|p| (p.id, p.status)).collect();
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert!(listed.contains(&(id, ProblemStatus::Reopened)));
        assert!(listed.contains(&(manual, ProblemStatus::Analysing)));
    }
}
