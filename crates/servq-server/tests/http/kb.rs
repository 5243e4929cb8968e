//! Knowledge-base search over HTTP on both databases: an agent gets what `servq kb search`
//! gets (the app's search), logged; a search that finds nothing joins the content-gap list.

use crate::support::*;

#[tokio::test]
async fn the_api_searches_like_the_command_line_and_logs_gaps() {
    for app in TestApp::on_both_databases().await {
        let articles = format!(
            "{}/../../tests/kb/articles.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        servq_app::kb::import(
            &app.store,
            std::path::Path::new(&articles),
            &Actor {
                user_id: None,
                name: "test".into(),
            },
        )
        .await
        .unwrap();
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
