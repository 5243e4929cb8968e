//! Surveys over HTTP: dispatch once, answer once on the public page, unsatisfied answers
//! reviewed and coded.

use crate::support::*;

/// Contacts of agents a1 and a2 (customers u1..u3) that closed an hour or two ago, so that a
/// dispatch now surveys them.
async fn import_recent_contacts(store: &Store) -> jiff::Timestamp {
    let now = jiff::Timestamp::now();
    let at = |minutes: i64| (now - jiff::SignedDuration::from_mins(minutes)).to_string();
    let rows = [
        ("s1", "a1", "u1", at(120), at(119), at(110)),
        ("s2", "a2", "u2", at(100), at(99), at(90)),
        ("s3", "a2", "u3", at(80), at(79), at(70)),
        // u1 again: within the no-repeat days of s1's survey
        ("s4", "a1", "u1", at(60), at(59), at(50)),
    ];
    let mut import = store.begin_contact_import().await.unwrap();
    for (line, (id, agent, customer, offered, answered, ended)) in rows.iter().enumerate() {
        let record = ContactRecord {
            contact_id: id,
            channel: "phone",
            direction: "inbound",
            queue: "card",
            customer_id: customer,
            agent_id: agent,
            offered_at: offered,
            answered_at: answered,
            ended_at: ended,
            talk_seconds: "500",
            hold_seconds: "",
            wrap_seconds: "30",
            transferred: "",
            category: "billing",
            resolved: "",
            recording_url: "",
        };
        let contact = Contact::parse(&record, &jiff::tz::TimeZone::UTC).unwrap();
        import.push(line as u64 + 2, contact).await.unwrap();
    }
    import.commit("contacts.csv").await.unwrap();
    now
}

fn token_of(link: &str) -> String {
    let path = link.split("/s/").nth(1).unwrap();
    path.split('?').next().unwrap().to_owned()
}

#[tokio::test]
async fn surveys_go_out_once_are_answered_once_and_unsatisfied_ones_are_reviewed() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        for role in Role::ALL {
            add_user(&store, role).await;
        }
        let now = import_recent_contacts(&store).await;
        let base = start(store.clone()).await;
        let (supervisor, csrf) = sign_in(&base, "supervisor").await;
        // a bad rule is refused with its index and reason
        let refused = supervisor
            .put(format!("{base}/api/v1/survey-rules"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"rules": [{"rule_id": "r", "template_id": "standard", "delay_minutes": 0,
                "sample_percent": 100, "quiet_hours": "25:00-08:00", "no_repeat_days": 7,
                "expiry_hours": 72, "send_via": "sms", "active": true}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let problem: Value = refused.json().await.unwrap();
        assert_eq!(
            problem["detail"],
            "rules.0.quiet_hours: '25:00-08:00': use HH:MM-HH:MM (it may pass midnight, like 22:00-08:00)"
        );
        // the field is named for the form editor, with the sentence in the user's language
        assert_eq!(problem["errors"][0]["field"], "rules.0.quiet_hours");
        assert_eq!(problem["errors"][0]["code"], "wrapping_span");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("25:00-08:00"),
            "{problem}"
        );
        let saved = supervisor
            .put(format!("{base}/api/v1/survey-rules"))
            .header("x-csrf-token", &csrf)
            .json(
                &json!({"rules": [{"rule_id": "after-call", "template_id": "standard",
                "channels": ["phone"], "delay_minutes": 10, "sample_percent": 100,
                "quiet_hours": null, "no_repeat_days": 7, "expiry_hours": 72, "send_via": "sms",
                "locale": "zh-TW", "active": true}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(saved.status(), StatusCode::OK, "{:?}", db.backend);
        let dispatch = || async {
            let response: Value = supervisor
                .post(format!("{base}/api/v1/surveys/dispatch"))
                .header("x-csrf-token", &csrf)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            response
        };
        let first = dispatch().await;
        assert_eq!(first["created"], 3, "{first}");
        assert_eq!(
            dispatch().await["created"],
            0,
            "each contact is surveyed once"
        );
        let links: HashMap<String, String> = first["invitations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["contact_id"].as_str().unwrap().to_owned(),
                    i["link"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert!(links["s2"].ends_with("?lang=zh-TW"));
        assert!(token_of(&links["s2"]).len() >= 32, "at least 128 bits");
        let outbox: Value = supervisor
            .get(format!("{base}/api/v1/surveys/outbox"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let message = outbox["messages"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("感謝您的來電"), "{message}");
        assert!(message.contains("/s/"), "{message}");

        // the customer: no sign-in, traditional Chinese from the link
        let customer = client();
        let form_url = format!("{base}/s/{}", token_of(&links["s2"]));
        let page = customer
            .get(format!("{form_url}?lang=zh-TW"))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("<html lang=\"zh-TW\">"));
        assert!(html.contains("請評價本次服務"));
        assert!(html.contains("name=\"csat\" value=\"1\""));
        // CSAT is required: the form comes back with the reason
        let missing = customer
            .post(format!("{form_url}?lang=zh-TW"))
            .form(&[("nps", "3")])
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = missing.text().await.unwrap();
        assert!(html.contains("請選擇一個答案"), "{html}");
        assert!(
            html.contains("value=\"3\" checked"),
            "answers given are kept"
        );
        // a filled honeypot is refused
        let bot = customer
            .post(&form_url)
            .form(&[("csat", "5"), ("website", "http://spam")])
            .send()
            .await
            .unwrap();
        assert_eq!(bot.status(), StatusCode::BAD_REQUEST);
        let answered = customer
            .post(format!("{form_url}?lang=zh-TW"))
            .form(&[
                ("csat", "1"),
                ("nps", "2"),
                ("ces", "3"),
                ("stage_greeting", "4"),
                ("stage_farewell", "1"),
                ("comment", "等太久了"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(answered.status(), StatusCode::OK);
        assert!(answered.text().await.unwrap().contains("感謝您的評價"));
        // the same link again: refused with a clear page, nothing more stored
        for again in [
            customer.get(&form_url).send().await.unwrap(),
            customer
                .post(&form_url)
                .form(&[("csat", "5")])
                .send()
                .await
                .unwrap(),
        ] {
            assert_eq!(again.status(), StatusCode::GONE);
            assert!(
                again
                    .text()
                    .await
                    .unwrap()
                    .contains("data-notice=\"answered\"")
            );
        }
        let unknown = customer
            .get(format!("{base}/s/{}", "0".repeat(64)))
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        // a satisfied answer for a1
        let ok = customer
            .post(format!("{base}/s/{}", token_of(&links["s1"])))
            .form(&[("csat", "5"), ("nps", "10")])
            .send()
            .await
            .unwrap();
        assert_eq!(ok.status(), StatusCode::OK);
        // an expired link (s4 was not surveyed: its customer had s1's survey)
        let expired_token = "e".repeat(64);
        let made = store
            .create_invitations(
                &[servq_store::NewInvitation {
                    invitation_id: "expired".into(),
                    token_hash: auth::token_hash(&expired_token),
                    contact_id: "s4".into(),
                    customer_id: "u1".into(),
                    template: ("standard".into(), 1),
                    rule_id: "after-call".into(),
                    send_via: servq_core::SendVia::Sms,
                    expires_ms: now.as_millisecond() - 1,
                    message: String::new(),
                }],
                now.as_millisecond() - 73 * 3_600_000,
            )
            .await
            .unwrap();
        assert_eq!(made, ["expired"]);
        let expired = customer
            .get(format!("{base}/s/{expired_token}?lang=en"))
            .send()
            .await
            .unwrap();
        assert_eq!(expired.status(), StatusCode::GONE);
        let html = expired.text().await.unwrap();
        assert!(html.contains("This survey link has expired"), "{html}");

        // the ratings count for the agents who handled the contacts
        let zone = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        let today = now.to_zoned(zone).date();
        let range = format!(
            "from={}&to={}",
            today.checked_sub(jiff::Span::new().days(1)).unwrap(),
            today
        );
        let metrics: Value = supervisor
            .get(format!("{base}/api/v1/surveys/metrics?{range}&by=agent"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(metrics["total"]["responses"], 2, "{metrics}");
        assert_eq!(metrics["total"]["invitations"], 4);
        assert_eq!(metrics["total"]["csat"]["value"], 0.5);
        assert_eq!(metrics["total"]["nps"]["value"], 0.0);
        assert_eq!(metrics["total"]["unsatisfied"], 1);
        let row = |agent: &str| {
            metrics["rows"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["key"] == agent)
                .unwrap()
                .clone()
        };
        assert_eq!(row("a1")["csat"]["value"], 1.0);
        assert_eq!(row("a2")["csat"]["value"], 0.0);
        assert_eq!(row("a2")["invitations"], 2);
        assert_eq!(row("a2")["response_rate"]["value"], 0.5);
        assert_eq!(
            row("a1")["response_rate"]["value"],
            0.5,
            "s4's link expired unanswered"
        );
        // Wilson 95 % for 1 of 2: 0.0945–0.9055
        let rate = &metrics["total"]["csat"];
        assert!(
            (rate["lower"].as_f64().unwrap() - 0.0945).abs() < 1e-4,
            "{rate}"
        );
        assert!(
            (rate["upper"].as_f64().unwrap() - 0.9055).abs() < 1e-4,
            "{rate}"
        );
        assert_eq!(metrics["stages"][0]["n"], 1);
        assert_eq!(metrics["peak_end"]["peak_end"], 2.5);
        // agents see only their own ratings
        let (agent, _) = sign_in(&base, "agent").await;
        let own: Value = agent
            .get(format!("{base}/api/v1/surveys/metrics?{range}&by=agent"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(own["total"]["responses"], 1);
        assert_eq!(own["rows"].as_array().unwrap().len(), 1);
        // CSAT in the KPI API too
        let kpi: Value = supervisor
            .get(format!(
                "{base}/api/v1/kpi?{range}&by=agent&metrics=csat,csat_mean,nps,survey_responses"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let a2 = kpi["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agent"] == "a2")
            .unwrap();
        assert_eq!(a2["csat"], 0.0);
        assert_eq!(a2["csat_mean"], 1.0);

        // the unsatisfied answer waits for review; an inspector codes it
        let (inspector, inspector_csrf) = sign_in(&base, "qa_inspector").await;
        let tasks: Value = inspector
            .get(format!("{base}/api/v1/reviews?status=open"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let task = &tasks["tasks"][0];
        assert_eq!(task["contact_id"], "s2");
        assert_eq!(task["agent_id"], "a2");
        assert_eq!(task["comment"], "等太久了");
        let id = task["response_id"].as_str().unwrap();
        let page = inspector
            .get(format!("{base}/reviews/{id}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("value=\"flat_tone\""));
        let none = inspector
            .put(format!("{base}/api/v1/reviews/{id}"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"reasons": []}))
            .send()
            .await
            .unwrap();
        assert_eq!(none.status(), StatusCode::BAD_REQUEST);
        let coded = inspector
            .put(format!("{base}/api/v1/reviews/{id}"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"reasons": ["impatient", "interrupting", "policy"], "note": "listened"}))
            .send()
            .await
            .unwrap();
        assert_eq!(coded.status(), StatusCode::OK);
        let week = now
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .date();
        let report: Value = supervisor
            .get(format!("{base}/api/v1/reviews/report?week={week}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["unsatisfied"], 1, "{report}");
        assert_eq!(report["coded"], 1);
        assert_eq!(report["both"], 1);
        assert_eq!(report["agent_caused"]["calls"], 1);
        assert_eq!(report["agent_caused"]["items"], 2);
        assert_eq!(report["agent_caused"]["pareto"][1]["cumulative_share"], 1.0);
        assert_eq!(report["agents"][0]["agent_id"], "a2");
        let xlsx = supervisor
            .get(format!(
                "{base}/api/v1/reviews/report?week={week}&format=xlsx"
            ))
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        assert_eq!(&xlsx[..2], b"PK");
        // a sampling plan of every unsatisfied interaction queues s2 alone
        let sampled: Value = inspector
            .post(format!("{base}/api/v1/qa/sample"))
            .header("x-csrf-token", &inspector_csrf)
            .json(&json!({"strategy": "unsatisfied", "per_agent": 1,
                "from": range.split('&').next().unwrap().trim_start_matches("from="),
                "to": week.to_string()}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(sampled["queued"], 1, "{sampled}");
        let queue: Value = inspector
            .get(format!("{base}/api/v1/qa/queue"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(queue["items"][0]["contact_id"], "s2", "{queue}");
        // complaint plans: categories with 投诉/complaint by default, or the ones named
        let period = json!({"from": range.split('&').next().unwrap().trim_start_matches("from="),
            "to": week.to_string()});
        let complaints = |categories: Value| {
            let mut body = period.clone();
            body["strategy"] = json!("complaints");
            body["per_agent"] = json!(1);
            body["complaint_categories"] = categories;
            inspector
                .post(format!("{base}/api/v1/qa/sample"))
                .header("x-csrf-token", &inspector_csrf)
                .json(&body)
                .send()
        };
        let none: Value = complaints(json!([])).await.unwrap().json().await.unwrap();
        assert_eq!(
            none["queued"], 0,
            "billing is not a complaint category: {none}"
        );
        let named: Value = complaints(json!(["Billing"]))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            named["queued"], 3,
            "s1, s3, s4 (s2 is queued already): {named}"
        );
        // survey results from another system through the web import
        let bad = "response_id,contact_id,responded_at,csat,agent_id\n\
                   x1,s3,2026-11-20 10:00:00,不满意,\n\
                   x2,nope,2026-11-20 10:00:00,5,\n\
                   x3,s3,2026-11-20 10:00:00,9,\n\
                   x4,s3,2026-11-20 10:00:00,4,a1\n";
        let started: Value = supervisor
            .post(format!("{base}/api/v1/imports"))
            .header("x-csrf-token", &csrf)
            .multipart(upload("survey_results", "results.csv", bad))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&supervisor, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "rejected", "{job}");
        let errors: Vec<(u64, String)> = job["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_u64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            [
                (3, "contact_id".to_owned()),
                (4, "csat".to_owned()),
                (5, "agent_id".to_owned())
            ]
        );
    }
}
