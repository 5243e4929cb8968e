//! Surveys in the store: invitations once per contact, one answer per invitation, ratings
//! credited to the contact's agent, unsatisfied answers opening review tasks, survey sums in the
//! KPI query, imports with precise errors, and reason coding for the weekly report.

use jiff::tz::TimeZone;
use servq_core::{Csat, SendVia, SurveyAnswers, SurveyRecord, choose_invitations};
use servq_kpi::{csat, csat_mean, nps, survey_response_rate};
use servq_store::{
    Actor, CodingRefused, Dimension, GroupField, KpiQuery, NewInvitation, NewResponse,
    ResponseRefused, ReviewStatus, ReviewTask, ReviewTaskQuery, Store,
};

use crate::{BASE, Row, import, on_both_databases};

/// Up to ten review tasks, newest answer first.
async fn review_tasks(store: &Store, status: Option<ReviewStatus>) -> Vec<ReviewTask> {
    store
        .review_task_page(&ReviewTaskQuery {
            status,
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await
        .unwrap()
        .tasks
}

fn actor(name: &str) -> Actor {
    Actor {
        user_id: None,
        name: name.to_owned(),
    }
}

fn ms(text: &str) -> i64 {
    text.parse::<jiff::Timestamp>().unwrap().as_millisecond()
}

const CONTACTS: [Row; 4] = [
    Row {
        id: "c1",
        customer: "u1",
        agent: "a1",
        ..BASE
    },
    Row {
        id: "c2",
        customer: "u2",
        agent: "a2",
        ..BASE
    },
    Row {
        id: "c3",
        customer: "u3",
        agent: "a2",
        ..BASE
    },
    // not answered: never surveyed
    Row {
        id: "c4",
        customer: "u4",
        agent: "",
        answered: "",
        ended: "2026-11-02T09:01:00Z",
        talk: "",
        ..BASE
    },
];

fn invitation(contact: &str, customer: &str, token: &str) -> NewInvitation {
    NewInvitation {
        invitation_id: format!("i-{contact}"),
        token_hash: token.to_owned(),
        contact_id: contact.to_owned(),
        customer_id: customer.to_owned(),
        template: ("standard".to_owned(), 1),
        rule_id: "after-call".to_owned(),
        send_via: SendVia::Sms,
        expires_ms: ms("2026-11-05T09:00:00Z"),
        message: format!("https://example.invalid/s/{token}"),
    }
}

fn answers(csat_value: i64, nps_score: Option<u8>) -> SurveyAnswers {
    SurveyAnswers {
        csat: Csat::from_stored(csat_value),
        nps: nps_score,
        ..SurveyAnswers::default()
    }
}

#[tokio::test]
async fn invitations_once_answers_once_credited_to_the_contacts_agent() {
    on_both_databases(|store: Store| async move {
        import(&store, &CONTACTS).await;
        // closed = ended 09:05 + 30 s wrap-up
        let candidates = store
            .survey_candidates(ms("2026-11-02T09:00:00Z"), ms("2026-11-02T10:00:00Z"))
            .await
            .unwrap();
        let ids: Vec<&str> = candidates.iter().map(|c| c.contact_id.as_str()).collect();
        assert_eq!(ids, ["c1", "c2", "c3"]);
        assert_eq!(candidates[0].closed_ms, ms("2026-11-02T09:05:30Z"));
        // closed after the window's end: not yet a candidate
        assert!(
            store
                .survey_candidates(ms("2026-11-02T09:00:00Z"), ms("2026-11-02T09:05:29Z"))
                .await
                .unwrap()
                .is_empty()
        );

        let now = ms("2026-11-02T10:00:00Z");
        let created = store
            .create_invitations(
                &[invitation("c1", "u1", "h1"), invitation("c2", "u2", "h2")],
                now,
            )
            .await
            .unwrap();
        assert_eq!(created, ["i-c1", "i-c2"]);
        // a second instance choosing c1 again (another id and token): skipped
        let again = NewInvitation {
            invitation_id: "i-other".into(),
            ..invitation("c1", "u1", "h9")
        };
        assert!(
            store
                .create_invitations(&[again], now)
                .await
                .unwrap()
                .is_empty()
        );
        let candidates = store
            .survey_candidates(ms("2026-11-02T09:00:00Z"), now)
            .await
            .unwrap();
        assert_eq!(candidates.len(), 1, "only c3 is left");
        let last = store.last_invited(now - 1).await.unwrap();
        assert_eq!(last.get("u1"), Some(&now));
        // the same customer again within the no-repeat window is not chosen
        let rules = vec![servq_core::DispatchRule {
            rule_id: "after-call".into(),
            template_id: "standard".into(),
            channels: Vec::new(),
            categories: Vec::new(),
            delay_minutes: 0,
            sample_percent: 100,
            quiet_hours: None,
            no_repeat_days: 7,
            expiry_hours: 72,
            send_via: SendVia::Sms,
            locale: "zh-CN".into(),
            active: true,
        }];
        let mut c3 = candidates[0].clone();
        c3.customer_id = "u1".into();
        assert!(choose_invitations(&rules, &[c3], &last, now, 600).is_empty());

        let invitation = store.invitation_by_token("h2").await.unwrap().unwrap();
        assert_eq!(
            (invitation.contact_id.as_str(), invitation.agent_id.as_str()),
            ("c2", "a2")
        );
        assert_eq!(store.unsent_invitations(10).await.unwrap().len(), 2);
        assert!(store.mark_invitation_sent("i-c2", now).await.unwrap());
        assert!(!store.mark_invitation_sent("i-c2", now).await.unwrap());
        let unsent = store.unsent_invitations(10).await.unwrap();
        assert_eq!(unsent.len(), 1);
        let sent = store.invitation_by_token("h2").await.unwrap().unwrap();
        assert_eq!(sent.message, "", "the link is forgotten once sent");

        let unsatisfied = answers(1, Some(3));
        let response = NewResponse {
            response_id: "i-c2",
            invitation_id: Some("i-c2"),
            contact_id: "c2",
            template: ("standard", 1),
            responded_ms: now + 60_000,
            answers: &unsatisfied,
            source: "page",
        };
        assert_eq!(
            store.record_survey_response(&response, now).await.unwrap(),
            Ok(())
        );
        // the same link again: refused, nothing more stored
        assert_eq!(
            store.record_survey_response(&response, now).await.unwrap(),
            Err(ResponseRefused::AlreadyAnswered)
        );
        let stored = store.survey_response("i-c2").await.unwrap().unwrap();
        assert_eq!(stored.agent_id, "a2");
        assert_eq!(stored.answers, unsatisfied);
        let tasks = review_tasks(&store, Some(ReviewStatus::Open)).await;
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0].response.response_id, "i-c2");
        assert_eq!(tasks[0].queue, "card");

        let satisfied = answers(5, Some(10));
        store
            .record_survey_response(
                &NewResponse {
                    response_id: "i-c1",
                    invitation_id: Some("i-c1"),
                    contact_id: "c1",
                    answers: &satisfied,
                    ..response.clone()
                },
                now,
            )
            .await
            .unwrap()
            .unwrap();
        assert_eq!(review_tasks(&store, None).await.len(), 1);
        assert_eq!(
            store
                .record_survey_response(
                    &NewResponse {
                        response_id: "x",
                        invitation_id: None,
                        contact_id: "nope",
                        ..response
                    },
                    now
                )
                .await
                .unwrap(),
            Err(ResponseRefused::UnknownContact)
        );

        // survey sums in the KPI query, per agent and overall
        let query = |group_by| KpiQuery {
            group_by,
            from_ms: Some(ms("2026-11-02T00:00:00Z")),
            to_ms: Some(ms("2026-11-03T00:00:00Z")),
            zone: TimeZone::UTC,
            filters: Vec::new(),
        };
        let overall = store.kpi(&query(Vec::new())).await.unwrap();
        let survey = overall[0].feedback.survey;
        assert_eq!(
            (survey.invited, survey.invited_responded, survey.responses),
            (2, 2, 2)
        );
        assert_eq!(csat(&survey), Some(0.5));
        assert_eq!(csat_mean(&survey), Some(3.0));
        assert_eq!(nps(&survey), Some(0.0));
        assert_eq!(survey_response_rate(&survey), Some(1.0));
        let by_agent = store
            .kpi(&query(vec![GroupField::Dimension(Dimension::Agent)]))
            .await
            .unwrap();
        let of = |agent: &str| {
            by_agent
                .iter()
                .find(|g| g.key[0].as_deref() == Some(agent))
                .unwrap()
                .feedback
                .survey
        };
        assert_eq!(csat(&of("a1")), Some(1.0));
        assert_eq!(csat(&of("a2")), Some(0.0));
        assert_eq!(of("a2").csat_unsatisfied, 1);
        let for_a1 = store
            .survey_responses_for(
                ms("2026-11-02T00:00:00Z"),
                ms("2026-11-03T00:00:00Z"),
                &[(Dimension::Agent, vec!["a1".to_owned()])],
            )
            .await
            .unwrap();
        assert_eq!(for_a1.len(), 1);
        assert_eq!(for_a1[0].response_id, "i-c1");
    })
    .await;
}

fn record(
    line: u64,
    response: &str,
    contact: &str,
    csat_text: &str,
    agent: &str,
) -> (u64, SurveyRecord) {
    let pairs = [
        ("response_id", response),
        ("contact_id", contact),
        ("responded_at", "2026-11-03T10:00:00Z"),
        ("csat", csat_text),
        ("agent_id", agent),
    ];
    let parsed = SurveyRecord::parse(
        |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, v)| *v),
        &TimeZone::UTC,
    )
    .unwrap();
    (line, parsed)
}

#[tokio::test]
async fn imported_results_are_checked_against_stored_contacts_and_idempotent() {
    on_both_databases(|store: Store| async move {
        import(&store, &CONTACTS).await;
        let bad = vec![
            record(2, "r1", "c1", "满意", ""),
            record(3, "r2", "missing", "5", ""),
            record(4, "r3", "c2", "1", "a1"),
            record(5, "r1", "c3", "2", ""),
        ];
        let errors = store
            .import_survey_responses(&bad, "results.csv", 1, true)
            .await
            .unwrap()
            .unwrap_err();
        let found: Vec<(u64, &str)> = errors
            .iter()
            .map(|error| (error.line, error.column.as_str()))
            .collect();
        assert_eq!(
            found,
            [(3, "contact_id"), (4, "agent_id"), (5, "response_id")]
        );
        assert_eq!(
            errors[1].reason,
            "'a1' is not the agent who handled contact c2 (a2)"
        );
        assert!(
            store.survey_response("r1").await.unwrap().is_none(),
            "nothing written"
        );

        let good = vec![
            record(2, "r1", "c1", "满意", "a1"),
            record(3, "r3", "c2", "2", ""),
        ];
        let summary = store
            .import_survey_responses(&good, "results.csv", 1, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (summary.inserted, summary.updated, summary.unchanged),
            (2, 0, 0)
        );
        assert_eq!(
            review_tasks(&store, Some(ReviewStatus::Open)).await.len(),
            1
        );
        let again = store
            .import_survey_responses(&good, "results.csv", 2, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
        // r3 corrected to satisfied: updated, its open review task goes away
        let fixed = vec![record(2, "r3", "c2", "4", "")];
        let summary = store
            .import_survey_responses(&fixed, "fixed.csv", 3, true)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(summary.updated, 1);
        assert!(review_tasks(&store, None).await.is_empty());
        let stored = store.survey_response("r1").await.unwrap().unwrap();
        assert_eq!(
            (stored.answers.csat.map(Csat::value), stored.source.as_str()),
            (Some(5), "import")
        );
    })
    .await;
}

#[tokio::test]
async fn reviews_are_coded_with_several_reasons_from_editable_lists() {
    on_both_databases(|store: Store| async move {
        import(&store, &CONTACTS).await;
        let rows = vec![
            record(2, "r1", "c1", "不满意", ""),
            record(3, "r2", "c2", "1", ""),
        ];
        store
            .import_survey_responses(&rows, "results.csv", 1, true)
            .await
            .unwrap()
            .unwrap();
        let reasons = store.review_reasons().await.unwrap();
        let agent_reasons: Vec<&str> = reasons
            .iter()
            .filter(|r| r.group == servq_store::ReasonGroup::Agent)
            .map(|r| r.name("zh-CN"))
            .take(5)
            .collect();
        assert_eq!(
            agent_reasons,
            [
                "语气平淡",
                "表达、用语随意",
                "抢话",
                "出现不耐烦语气",
                "处理不灵活"
            ]
        );
        let inspector = actor("qa1");
        let code = |id: &'static str, reasons: &[&str]| {
            let reasons: Vec<String> = reasons.iter().map(|r| r.to_string()).collect();
            let store = store.clone();
            let inspector = inspector.clone();
            async move {
                store
                    .code_review_task(id, &reasons, "listened", None, &inspector, 5)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(code("r1", &[]).await, Err(CodingRefused::NoReason));
        assert_eq!(
            code("r1", &["made_up"]).await,
            Err(CodingRefused::UnknownReason("made_up".into()))
        );
        assert_eq!(
            code("nope", &["flat_tone"]).await,
            Err(CodingRefused::UnknownTask)
        );
        assert_eq!(
            code("r1", &["flat_tone", "interrupting", "policy", "flat_tone"]).await,
            Ok(())
        );
        // a new reason, then one retired: it is no longer accepted
        let mut extra = reasons[0].clone();
        extra.reason_id = "no_empathy".into();
        extra.name_en = "No empathy".into();
        extra.position = 20;
        store
            .save_review_reason(&extra, &actor("sup"), 6)
            .await
            .unwrap();
        assert_eq!(code("r2", &["no_empathy"]).await, Ok(()));
        extra.active = false;
        store
            .save_review_reason(&extra, &actor("sup"), 7)
            .await
            .unwrap();
        assert!(matches!(
            code("r2", &["no_empathy"]).await,
            Err(CodingRefused::UnknownReason(_))
        ));

        let task = store.review_task("r1").await.unwrap().unwrap();
        assert_eq!(task.status, ReviewStatus::Coded);
        assert_eq!(task.inspector, "qa1");
        assert_eq!(task.reasons, ["flat_tone", "interrupting", "policy"]);
        let week = store
            .review_tasks_between(ms("2026-11-02T00:00:00Z"), ms("2026-11-09T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(week.len(), 2);
        assert_eq!(week[1].reasons, ["no_empathy"]);
        assert!(
            store
                .review_tasks_between(ms("2026-11-09T00:00:00Z"), ms("2026-11-16T00:00:00Z"))
                .await
                .unwrap()
                .is_empty()
        );

        // the list: filters, counts per status, paging
        let page = |query: ReviewTaskQuery| {
            let store = store.clone();
            async move {
                let page = store
                    .review_task_page(&ReviewTaskQuery {
                        limit: query.limit.max(1),
                        ..query
                    })
                    .await
                    .unwrap();
                let ids: Vec<String> = page
                    .tasks
                    .iter()
                    .map(|t| t.response.response_id.clone())
                    .collect();
                (ids, page.open, page.coded, page.tasks)
            }
        };
        let (ids, open, coded, tasks) = page(ReviewTaskQuery {
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert_eq!((ids, open, coded), (vec!["r1".into(), "r2".into()], 0, 2));
        assert_eq!(tasks[0].reasons, ["flat_tone", "interrupting", "policy"]);
        assert_eq!(tasks[1].reasons, ["no_empathy"]);
        let (ids, ..) = page(ReviewTaskQuery {
            limit: 1,
            offset: 1,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert_eq!(ids, ["r2"]);
        let (ids, _, coded, _) = page(ReviewTaskQuery {
            reason: "flat_tone".into(),
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert_eq!((ids, coded), (vec!["r1".into()], 1));
        let (ids, ..) = page(ReviewTaskQuery {
            agent: "a2".into(),
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert_eq!(ids, ["r2"]);
        let (ids, _, coded, _) = page(ReviewTaskQuery {
            from_ms: Some(ms("2026-11-04T00:00:00Z")),
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert_eq!((ids.len(), coded), (0, 0));
        let (ids, ..) = page(ReviewTaskQuery {
            status: Some(ReviewStatus::Open),
            limit: 10,
            ..ReviewTaskQuery::default()
        })
        .await;
        assert!(ids.is_empty());
    })
    .await;
}
