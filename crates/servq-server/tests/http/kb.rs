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
