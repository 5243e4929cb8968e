//! Knowledge-base search over HTTP on both databases: an agent gets what `servq kb search`
//! gets (the app's search), logged; a search that finds nothing joins the content-gap list.

use crate::support::*;

/// The search-quality set of `tests/kb`, imported.
async fn import_set(store: &Store) {
    let articles = format!(
        "{}/../../tests/kb/articles.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    servq_app::kb::import(
        store,
        std::path::Path::new(&articles),
        &Actor {
            user_id: None,
            name: "test".into(),
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn the_api_searches_like_the_command_line_and_logs_gaps() {
    for app in TestApp::on_both_databases().await {
        import_set(&app.store).await;
        let agent = app.sign_in_as(Role::Agent).await;
        for query in ["信用卡掛失", "refund", "帐单 分期"] {
            let (status, found) = agent
                .get_json(&format!(
                    "/api/v1/kb/search?q={}&limit=5",
                    servq_app::path_segment(query)
                ))
                .await;
            assert_eq!(status, StatusCode::OK, "{found}");
            let expected = servq_app::kb::search(&app.store, query, 5, false, false)
                .await
                .unwrap();
            let expected = servq_app::kb::search_json(query, &expected);
            // the same articles, titles and snippets; scores to the parser's last bits
            let strip = |v: &Value| {
                let mut v = v.clone();
                for r in v["results"].as_array_mut().unwrap() {
                    r["score"] = json!((r["score"].as_f64().unwrap() * 1e9).round() / 1e9);
                }
                v
            };
            assert_eq!(strip(&found), strip(&expected));
            assert!(
                !expected["results"].as_array().unwrap().is_empty(),
                "{query}"
            );
        }
        let (_, none) = agent.get_json("/api/v1/kb/search?q=zzzqqq").await;
        assert_eq!(none["results"], json!([]));
        let gaps = app.store.kb_content_gaps(0, 10).await.unwrap();
        assert_eq!(gaps.len(), 1, "{gaps:?}");
        assert_eq!(gaps[0].0, "zzzqqq");
    }
}

#[tokio::test]
async fn the_help_page_shows_public_articles_to_anyone_and_nothing_else() {
    for app in TestApp::on_both_databases().await {
        import_set(&app.store).await;
        let anyone = client();
        let page = anyone
            .get(format!("{}/help?lang=zh-TW", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        assert!(html.contains("/help/kb-004"), "a public article is listed");
        assert!(!html.contains("/help/kb-002\""), "an internal one is not");
        assert!(html.contains("lang=\"zh-TW\""), "{html}");
        // a traditional query finds the simplified public article
        let found = anyone
            .get(format!(
                "{}/help?q={}",
                app.base,
                servq_app::path_segment("信用卡掛失")
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(found.contains("id=\"help-results\""), "{found}");
        assert!(found.contains("<mark>"), "{found}");
        let internal = anyone
            .get(format!("{}/help/kb-002", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(internal.status(), StatusCode::NOT_FOUND);
        let public = anyone
            .get(format!("{}/help/kb-004", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(public.status(), StatusCode::OK);
    }
}

/// The answer's status and JSON, as a session sends it.
async fn put(session: &Session, path: &str, body: Value) -> (StatusCode, Value) {
    session.put_json(path, &body).await
}

/// An article body for `PUT /api/v1/kb/articles/{id}`.
fn article(title: &str, body: &str, status: &str) -> Value {
    json!({"title": title, "body": body, "level": "basic", "tags": ["卡"], "language": "zh-CN",
        "category": "card", "audience": "internal", "owner": "kb-team", "status": status,
        "review_date": "", "note": "test"})
}

#[tokio::test]
async fn with_approval_on_a_change_waits_while_the_published_text_stays_found() {
    for app in TestApp::on_both_databases().await {
        let admin = app.sign_in_as(Role::Admin).await;
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let path = "/api/v1/kb/articles/lost-card";
        let (status, saved) = put(
            &inspector,
            path,
            article("信用卡挂失", "拨打热线挂失，新卡七天寄到。", "published"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["awaiting_approval"], false, "approval is off");
        let (status, _) = admin
            .put_json("/api/v1/settings", &json!({"kb_approval_required": true}))
            .await;
        assert_eq!(status, StatusCode::OK);
        // an editor who is no approver may not publish …
        let (status, refused) = put(
            &inspector,
            path,
            article("信用卡挂失", "新卡五天寄到。", "published"),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        assert_eq!(refused["errors"][0]["field"], "status", "{refused}");
        // … but submits for review: version 2 waits, version 1 stays live and found
        let (status, saved) = put(
            &inspector,
            path,
            article("信用卡挂失", "新卡五天寄到。", "in_review"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["version"], 2);
        assert_eq!(saved["awaiting_approval"], true);
        let live = app.store.kb_article("lost-card").await.unwrap().unwrap();
        assert_eq!(live.version, 1);
        assert_eq!(live.pending_version, 2);
        assert!(live.input.body.contains("七天"));
        let (_, found) = inspector.get_json("/api/v1/kb/search?q=挂失").await;
        assert_eq!(found["results"][0]["id"], "lost-card", "{found}");
        // only an approver approves; the approved version is the one published
        let (status, _) = inspector
            .post_json("/api/v1/kb/articles/lost-card/approve", &json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, approved) = supervisor
            .post_json("/api/v1/kb/articles/lost-card/approve", &json!({}))
            .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["version"], 2);
        let live = app.store.kb_article("lost-card").await.unwrap().unwrap();
        assert_eq!((live.version, live.pending_version), (2, 0));
        assert!(live.input.body.contains("五天"));
        let (_, found) = inspector.get_json("/api/v1/kb/search?q=五天").await;
        assert_eq!(found["results"][0]["id"], "lost-card", "{found}");
        // nothing awaits now
        let (status, _) = supervisor
            .post_json("/api/v1/kb/articles/lost-card/approve", &json!({}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        // a change sent back is dropped from the article, kept in the history
        put(
            &inspector,
            path,
            article("信用卡挂失", "错字版本", "in_review"),
        )
        .await;
        let (status, _) = supervisor
            .post_json(
                "/api/v1/kb/articles/lost-card/send-back",
                &json!({"note": "wrong"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let live = app.store.kb_article("lost-card").await.unwrap().unwrap();
        assert_eq!((live.version, live.pending_version), (2, 0));
        let versions = app.store.kb_versions("lost-card").await.unwrap();
        assert_eq!(versions.len(), 3);
        assert_eq!(versions[0].status, servq_kb::ArticleStatus::Draft);
        // the approver's own change goes live at once
        let (_, saved) = put(
            &supervisor,
            path,
            article("信用卡挂失", "新卡三天寄到。", "published"),
        )
        .await;
        assert_eq!(saved["version"], 4, "numbers go on after the dropped one");
        assert_eq!(saved["awaiting_approval"], false);
    }
}

#[tokio::test]
async fn wrong_information_flags_the_article_version_and_a_later_version_settles_it() {
    for app in TestApp::on_both_databases().await {
        import_two_agents(&app.store).await;
        let inspector = app.sign_in_as(Role::QaInspector).await;
        let agent = app.sign_in_as(Role::Agent).await;
        put(
            &inspector,
            "/api/v1/kb/articles/fees",
            article("年费标准", "金卡年费 200 元。", "published"),
        )
        .await;
        // an unsatisfied answer opens a review task
        let pairs = [
            ("response_id", "r1"),
            ("contact_id", "c1"),
            ("responded_at", "2026-11-03T10:00:00Z"),
            ("csat", "1"),
        ];
        let record = servq_core::SurveyRecord::parse(
            |name| pairs.iter().find(|(key, _)| *key == name).map(|(_, v)| *v),
            &jiff::tz::TimeZone::UTC,
        )
        .unwrap();
        app.store
            .import_survey_responses(&[(2, record)], "answers.csv", 1, true)
            .await
            .unwrap()
            .unwrap();
        // pointing at an article without the reason is refused; an unknown version too
        let (status, refused) = inspector
            .put_json(
                "/api/v1/reviews/r1",
                &json!({"reasons": ["flat_tone"], "article": {"id": "fees"}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["code"], "article_without_wrong_information");
        let (status, refused) = inspector
            .put_json(
                "/api/v1/reviews/r1",
                &json!({"reasons": ["wrong_information"], "article": {"id": "fees", "version": 9}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["code"], "unknown_article");
        let (status, coded) = inspector
            .put_json(
                "/api/v1/reviews/r1",
                &json!({"reasons": ["wrong_information"], "note": "年费已改为 300 元",
                    "article": {"id": "fees"}}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{coded}");
        // recoding keeps one flag
        inspector
            .put_json(
                "/api/v1/reviews/r1",
                &json!({"reasons": ["wrong_information"], "note": "年费已改为 300 元",
                    "article": {"id": "fees", "version": 1}}),
            )
            .await;
        let flags = app.store.kb_flags("fees", true).await.unwrap();
        assert_eq!(flags.len(), 1, "{flags:?}");
        assert_eq!(flags[0].version, 1);
        assert_eq!(flags[0].source, servq_store::FlagSource::ReviewTask);
        assert_eq!(flags[0].source_id, "r1");
        // the editors see it on the article and on /kb
        let (_, html) = inspector.get_text("/kb/fees").await;
        assert!(html.contains("id=\"kb-flags\""), "{html}");
        assert!(html.contains("年费已改为 300 元"));
        let (_, list) = inspector.get_text("/kb").await;
        assert!(list.contains("id=\"kb-flagged\""));
        // an agent reports another problem by hand
        let (status, _) = agent
            .post_json(
                "/api/v1/kb/articles/fees/flags",
                &json!({"note": "电话号码过时"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(app.store.kb_flags("fees", true).await.unwrap().len(), 2);
        // publishing a corrected version settles both
        put(
            &inspector,
            "/api/v1/kb/articles/fees",
            article("年费标准", "金卡年费 300 元。", "published"),
        )
        .await;
        assert!(app.store.kb_flags("fees", true).await.unwrap().is_empty());
        assert_eq!(app.store.kb_flags("fees", false).await.unwrap().len(), 2);
    }
}

#[tokio::test]
async fn an_agent_records_the_article_used_on_a_ticket_with_the_version_read() {
    for app in TestApp::on_both_databases().await {
        let agent = app.sign_in_as(Role::Agent).await;
        let editor = app.sign_in_as(Role::Supervisor).await;
        put(
            &editor,
            "/api/v1/kb/articles/refund",
            article("退款时效", "三个工作日内退回。", "published"),
        )
        .await;
        put(
            &editor,
            "/api/v1/kb/articles/draft-one",
            article("草稿", "未发布", "draft"),
        )
        .await;
        let (status, created) = agent
            .post_json(
                "/api/v1/tickets",
                &json!({"ticket_type": "consult", "category": "bill_query", "priority": "normal",
                    "subject": "退款多久到账", "customer_id": "u1", "channel": "phone"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let ticket = created["id"].as_str().unwrap();
        let link = format!("/api/v1/tickets/{ticket}/articles/refund");
        let (status, linked) = agent.put_json(&link, &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{linked}");
        assert_eq!(linked["version"], 1);
        // a draft cannot be used, nor a ticket that does not exist
        let (status, _) = agent
            .put_json(
                &format!("/api/v1/tickets/{ticket}/articles/draft-one"),
                &json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (status, _) = agent
            .put_json("/api/v1/tickets/T-nope/articles/refund", &json!({}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let (_, html) = agent.get_text(&format!("/tickets/{ticket}")).await;
        assert!(html.contains("id=\"used-articles\""), "{html}");
        assert!(html.contains("退款时效"));
        assert_eq!(app.store.kb_article_uses("refund").await.unwrap(), 1);
        let (status, _) = agent.delete(&link).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(app.store.kb_article_uses("refund").await.unwrap(), 0);
    }
}

#[tokio::test]
async fn new_dictionary_terms_cut_the_articles_again() {
    for app in TestApp::on_both_databases().await {
        let editor = app.sign_in_as(Role::QaInspector).await;
        put(
            &editor,
            "/api/v1/kb/articles/plus",
            article("星享卡权益", "星享卡可在机场贵宾厅使用。", "published"),
        )
        .await;
        let before = app.store.kb_article("plus").await.unwrap().unwrap().terms;
        let (status, refused) = editor
            .put_json("/api/v1/kb/terms", &json!({"add": ["x", "两 个"]}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"].as_array().unwrap().len(), 2, "{refused}");
        let (status, terms) = editor
            .put_json("/api/v1/kb/terms", &json!({"add": ["星享卡"]}))
            .await;
        assert_eq!(status, StatusCode::OK, "{terms}");
        assert_eq!(terms["terms"], json!(["星享卡"]));
        let after = app.store.kb_article("plus").await.unwrap().unwrap();
        assert_ne!(after.terms, before, "the article was cut again");
        assert!(after.terms.contains("星享卡:"), "{}", after.terms);
        assert_eq!(after.version, 1, "no new version");
        let (_, found) = editor.get_json("/api/v1/kb/search?q=星享卡").await;
        assert_eq!(found["results"][0]["id"], "plus");
        let (_, terms) = editor
            .put_json("/api/v1/kb/terms", &json!({"remove": ["星享卡"]}))
            .await;
        assert_eq!(terms["terms"], json!([]));
    }
}

#[tokio::test]
async fn the_article_lists_come_in_pages_without_reading_every_article() {
    use servq_kb::{ArticleInput, ArticleLevel, ArticleStatus, Audience, Tokenizer};
    for app in TestApp::on_both_databases().await {
        let tokenizer = Tokenizer::new(&[]);
        // 120 articles: 100 published (every third public, every fourth expert, every fifth in
        // traditional Chinese), 20 drafts
        let writes: Vec<_> = (0..120)
            .map(|n| {
                let input = ArticleInput {
                    id: format!("kb-{n:03}"),
                    title: format!("文章 {n:03}"),
                    body: "正文".into(),
                    level: if n % 4 == 0 {
                        ArticleLevel::Expert
                    } else {
                        ArticleLevel::Basic
                    },
                    tags: Vec::new(),
                    language: if n % 5 == 0 { "zh-TW" } else { "zh-CN" }.into(),
                    category: String::new(),
                    audience: if n % 3 == 0 {
                        Audience::Public
                    } else {
                        Audience::Internal
                    },
                    owner: String::new(),
                };
                let status = if n < 100 {
                    ArticleStatus::Published
                } else {
                    ArticleStatus::Draft
                };
                servq_app::kb::write_of(&tokenizer, input, status, "", "")
            })
            .collect();
        let actor = Actor {
            user_id: None,
            name: "test".into(),
        };
        app.store.kb_save(&writes, &actor, 1).await.unwrap();
        let rows = |html: &str| html.matches("<tr data-status=").count();
        let editor = app.sign_in_as(Role::Supervisor).await;
        let (status, first) = editor.get_text("/kb").await;
        assert_eq!(status, StatusCode::OK);
        assert!(first.contains("id=\"kb-total\">120<"), "{first}");
        assert_eq!(rows(&first), 50);
        assert!(
            first.contains("href=\"/kb?offset=50\" id=\"page-next\""),
            "{first}"
        );
        assert!(!first.contains("id=\"page-previous\""));
        let (_, last) = editor.get_text("/kb?offset=100").await;
        assert_eq!(rows(&last), 20);
        assert!(last.contains("kb-119") && !last.contains("id=\"page-next\""));
        assert!(last.contains("href=\"/kb?offset=50\" id=\"page-previous\""));
        // a level's pages keep the level
        let (_, expert) = editor.get_text("/kb?level=expert").await;
        assert!(expert.contains("id=\"kb-total\">30<"), "{expert}");
        assert_eq!(rows(&expert), 30);
        assert!(!expert.contains("id=\"pager\""), "one page needs no pager");
        // a reader who does not edit sees the published ones only
        let agent = app.sign_in_as(Role::Agent).await;
        let (_, published) = agent.get_text("/kb?offset=50").await;
        assert!(published.contains("id=\"kb-total\">100<"), "{published}");
        assert_eq!(rows(&published), 50);
        assert!(!published.contains("kb-100") && !published.contains("id=\"page-next\""));
        // the help page: public and published (34 of them), the reader's language first
        let anyone = client();
        let help = anyone
            .get(format!("{}/help?lang=zh-TW", app.base))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let listed: Vec<&str> = help
            .split("href=\"/help/")
            .skip(1)
            .filter_map(|rest| rest.split('?').next())
            .collect();
        // published public: multiples of 3 below 100; zh-TW ones (multiples of 15) first
        assert_eq!(listed.len(), 34, "{help}");
        assert_eq!(
            listed[..7],
            [
                "kb-000", "kb-015", "kb-030", "kb-045", "kb-060", "kb-075", "kb-090"
            ]
        );
        assert!(!help.contains("id=\"pager\""));
    }
}
