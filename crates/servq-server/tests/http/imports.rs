//! Imports from the web: uploads with progress and every row error, clean files committed once;
//! tickets from another help desk with their history.

use crate::support::*;

#[tokio::test]
async fn imports_from_the_web_report_row_errors_and_commit_clean_files() {
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Supervisor).await;
        add_user(&store, Role::Admin).await;
        let base = start(store.clone()).await;
        let (client, csrf) = sign_in(&base, "supervisor").await;
        let post = |form: reqwest::multipart::Form| {
            client
                .post(format!("{base}/api/v1/imports"))
                .header("x-csrf-token", &csrf)
                .multipart(form)
                .send()
        };
        // a bad row (line 3: an offered time that is no time) and a repeated id (line 4)
        let bad = "contact_id,channel,queue,agent_id,offered_at,answered_at,ended_at,talk_seconds\n\
                   w1,phone,card,a1,2026-11-02 09:00:00,2026-11-02 09:00:10,2026-11-02 09:05:00,290\n\
                   w2,phone,card,a1,yesterday,,2026-11-02 09:06:00,\n\
                   w1,phone,card,a2,2026-11-02 09:02:00,,2026-11-02 09:03:00,\n";
        let started = post(upload("contacts", "话务.csv", bad)).await.unwrap();
        assert_eq!(started.status(), StatusCode::ACCEPTED, "{:?}", db.backend);
        let started: Value = started.json().await.unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "rejected", "{job}");
        assert_eq!(job["file_name"], "话务.csv");
        assert_eq!(job["bad_rows"], 2);
        let errors = job["errors"].as_array().unwrap();
        assert_eq!(errors[0]["line"], 3);
        assert_eq!(errors[0]["column"], "offered_at");
        assert_eq!(errors[1]["line"], 4);
        assert_eq!(errors[1]["column"], "contact_id");
        assert!(
            errors[1]["reason"]
                .as_str()
                .unwrap()
                .contains("first on line 2"),
            "{job}"
        );
        assert_eq!(
            store.contact_count().await.unwrap(),
            0,
            "a bad file writes nothing"
        );

        // the same file fixed imports, in the centre's zone, and the KPIs see it
        let good = bad
            .replace("yesterday", "2026-11-02 09:01:00")
            .replace("\nw1,phone,card,a2", "\nw3,phone,card,a2");
        let started: Value = post(upload("contacts", "话务.csv", &good))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "imported", "{job}");
        assert_eq!(
            job["summary"],
            json!({"rows": 3, "inserted": 3, "updated": 0, "unchanged": 0})
        );
        let kpi: Value = client
            .get(format!(
                "{base}/api/v1/kpi?from=2026-11-02&to=2026-11-02&metrics=offered,abandoned"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(kpi["rows"][0]["offered"], 3, "{kpi}");
        // the drill-down lists the two abandoned contacts the KPI counts
        let drill: Value = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&subset=abandoned"
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(drill["total"], kpi["rows"][0]["abandoned"], "{drill}");
        let ids: Vec<&str> = drill["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["contact_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["w3", "w2"], "newest first");
        assert_eq!(drill["rows"][1]["offered_at"], "2026-11-02T09:01:00+08:00");
        let csv = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&subset=abandoned&format=csv"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(csv.lines().count(), 3, "{csv}");
        let xlsx = client
            .get(format!(
                "{base}/api/v1/contacts?from=2026-11-02&to=2026-11-02&format=xlsx"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(
            xlsx.bytes().await.unwrap().starts_with(b"PK"),
            "an XLSX (zip) file"
        );
        // for people: the BOM, then headings in their language (docs/web.md#exports)
        assert!(
            csv.trim_start_matches('\u{feff}')
                .starts_with("Contact,Offered at,"),
            "{csv}"
        );
        let page = client
            .get(format!(
                "{base}/contacts?from=2026-11-02&to=2026-11-02&metric=abandon_rate&subset=abandoned"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("data-total=\"2\""), "{page}");

        // a file that is not what it claims fails with the reason, and bad forms are refused
        let started: Value = post(upload("agent_states", "states.csv", "who,when\nx,y\n"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "failed");
        assert!(
            job["message"].as_str().unwrap().contains("missing column"),
            "{job}"
        );
        let unknown: Value = post(upload("planets", "p.csv", "x\n"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unknown["code"], "unknown_import_kind");
        let no_file: Value = post(reqwest::multipart::Form::new().text("kind", "agents"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(no_file["code"], "file_required");
        let no_csrf = client
            .post(format!("{base}/api/v1/imports"))
            .multipart(upload("agents", "roster.csv", ROSTER))
            .send()
            .await
            .unwrap();
        assert_eq!(no_csrf.status(), StatusCode::FORBIDDEN);
        let missing = client
            .get(format!("{base}/api/v1/imports/nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);

        // transcripts (JSONL) through the same upload, scanned by the default QA rules
        let transcript = json!({"contact_id": "w1", "turns": [
            {"speaker": "agent", "start": 0.0, "end": 2.0, "text": "喂"},
            {"speaker": "customer", "start": 2.5, "end": 5.0, "text": "我的卡"},
            {"speaker": "agent", "start": 5.5, "end": 8.0, "text": "我不知道。再見"}]});
        let started: Value = post(upload(
            "transcripts",
            "calls.jsonl",
            &format!("{transcript}\n"),
        ))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        let job = finished_import(&client, &base, started["id"].as_str().unwrap()).await;
        assert_eq!(job["status"], "imported", "{job}");
        let view: Value = client
            .get(format!("{base}/api/v1/contacts/w1/transcript"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let kinds: Vec<&str> = view["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            ["required_phrase_missing", "forbidden_phrase"],
            "{view}"
        );

        // the import list and the audit page show what happened
        let list: Value = client
            .get(format!("{base}/api/v1/imports"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(list["imports"].as_array().unwrap().len(), 4);
        let (admin, _) = sign_in(&base, "admin").await;
        let audit = admin
            .get(format!("{base}/audit"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            audit.contains("<td title=\"import\">Imported</td>") && audit.contains("supervisor"),
            "{audit}"
        );
    }
}

/// Tickets uploaded on the import page: a bad file is refused with every problem by line and
/// column (the other help desk's headers named through the mapping) and writes nothing; the
/// clean file stores its tickets with their history, once.
#[tokio::test]
async fn tickets_from_another_help_desk_are_imported_from_the_web() {
    let headers = "单号,类型,分类,优先级,标题,客户,创建时间,状态,首次响应,解决时间";
    let map = "ticket_id=单号,ticket_type=类型,category=分类,priority=优先级,subject=标题,\
               customer_id=客户,created_at=创建时间,status=状态,first_response_at=首次响应,\
               resolved_at=解决时间";
    let bad = format!(
        "{headers}\n\
         W1,complaint,billing,high,charged twice,u1,2026-11-02 17:59:00,open,,\n\
         W2,consult,nowhere,critical,fee,u2,2026-11-02 09:00:00,open,,\n\
         W3,consult,bill_query,normal,fee,u3,2026-11-03 09:00:00,resolved,,\n\
         W1,consult,bill_query,normal,again,u4,2026-11-03 10:00:00,open,,\n"
    );
    let good = format!(
        "{headers}\n\
         W1,complaint,billing,high,charged twice,u1,2026-11-02 17:59:00,open,,\n\
         W3,consult,bill_query,normal,fee,u3,2026-11-03 09:00:00,resolved,2026-11-03 09:10:00,2026-11-03 11:00:00\n"
    );
    for db in TestDatabase::both().await {
        let store = Store::open(&db.url).await.unwrap();
        add_user(&store, Role::Analyst).await;
        let base = start(store.clone()).await;
        let (analyst, csrf) = sign_in(&base, "analyst").await;
        let import = async |text: &str| {
            let started = analyst
                .post(format!("{base}/api/v1/imports"))
                .header("x-csrf-token", &csrf)
                .multipart(upload("tickets", "旧系统工单.csv", text).text("map", map))
                .send()
                .await
                .unwrap();
            assert_eq!(started.status(), StatusCode::ACCEPTED);
            let id = started.json::<Value>().await.unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            finished_import(&analyst, &base, &id).await
        };
        let job = import(&bad).await;
        assert_eq!(job["status"], "rejected", "{job}");
        assert_eq!(job["kind"], "tickets");
        assert_eq!(job["bad_rows"], 3, "{job}");
        let errors: Vec<(i64, String, String)> = job["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["line"].as_i64().unwrap(),
                    e["column"].as_str().unwrap().to_owned(),
                    e["reason"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (line, column, reason) in [
            (
                3,
                "category ('分类')",
                "category 'nowhere' is not in the category tree",
            ),
            (
                3,
                "priority ('优先级')",
                "priority 'critical' is not urgent, high, normal or low",
            ),
            (
                4,
                "resolved_at ('解决时间')",
                "a resolved ticket needs resolved_at",
            ),
            (
                5,
                "ticket_id ('单号')",
                "'W1' appears again (first on line 2)",
            ),
        ] {
            assert!(
                errors
                    .iter()
                    .any(|e| e.0 == line && e.1 == column && e.2.starts_with(reason)),
                "{line} {column} {reason}: {errors:?}"
            );
        }
        assert_eq!(errors.len(), 4, "{errors:?}");
        assert!(
            store.ticket("W1").await.unwrap().is_none(),
            "nothing stored"
        );

        let job = import(&good).await;
        assert_eq!(job["status"], "imported", "{job}");
        assert_eq!(job["summary"]["inserted"], 2, "{job}");
        let resolved = store.ticket("W3").await.unwrap().unwrap();
        assert_eq!(resolved.status, servq_desk::TicketStatus::Resolved);
        let at = |text: &str| text.parse::<jiff::Timestamp>().unwrap().as_millisecond();
        // 11:00 in the centre's zone (Asia/Shanghai)
        assert_eq!(resolved.resolved_ms, Some(at("2026-11-03T03:00:00Z")));
        assert_eq!(resolved.first_response_ms, Some(at("2026-11-03T01:10:00Z")));
        assert_eq!(
            store.ticket("W1").await.unwrap().unwrap().stage,
            "reception"
        );
        let again = import(&good).await;
        assert_eq!(again["summary"]["unchanged"], 2, "{again}");
        assert_eq!(again["summary"]["inserted"], 0, "{again}");
        // the page offers the kind in the user's language
        let page = analyst
            .get(format!("{base}/import"))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("<option value=\"tickets\">"), "{page}");
        store.close().await;
    }
}

#[tokio::test]
async fn the_import_page_offers_templates_detects_gbk_and_remembers_the_mapping() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        // an empty template per kind: a BOM and the columns
        let template = supervisor
            .client
            .get(format!("{}/import/template/agents", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(template.status(), StatusCode::OK);
        let bytes = template.bytes().await.unwrap();
        assert_eq!(
            &bytes[..],
            "\u{feff}agent_id,name,team,queues\r\n".as_bytes()
        );
        assert_eq!(
            supervisor.get_text("/import/template/planets").await.0,
            StatusCode::NOT_FOUND
        );
        // a roster saved by Chinese Excel (GBK) with its own column names, encoding "auto"
        let (gbk, _, _) = encoding_rs::GBK.encode("工号,姓名,班组\r\nA1,张三,一组\r\n");
        let form = reqwest::multipart::Form::new()
            .text("kind", "agents")
            .text("encoding", "auto")
            .text("map", "agent_id=工号,name=姓名,team=班组")
            .part(
                "file",
                reqwest::multipart::Part::bytes(gbk.into_owned()).file_name("花名册.csv"),
            );
        let started: Value = supervisor
            .client
            .post(format!("{}/api/v1/imports", app.base))
            .header("x-csrf-token", &supervisor.csrf)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let job = finished_import(
            &supervisor.client,
            &app.base,
            started["id"].as_str().unwrap(),
        )
        .await;
        assert_eq!(job["status"], "imported", "{job}");
        let agents = app.store.agents().await.unwrap();
        assert_eq!(
            (agents[0].name.as_str(), agents[0].team.as_str()),
            ("张三", "一组")
        );
        // the mapping is offered for the next roster
        let (_, page) = supervisor.get_text("/import").await;
        assert!(page.contains("agent_id=工号,name=姓名,team=班组"), "{page}");
    }
}
