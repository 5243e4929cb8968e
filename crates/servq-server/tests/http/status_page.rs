//! The customer's status page (`/t/{token}`): the centre's name at the top, the public summary
//! instead of the desk's subject, the customer's replies (stored as `customer_reply` by
//! `customer`, a resolved ticket reopened; at most 5 an hour; refused on a closed ticket, with a
//! filled honeypot, from another origin or with a wrong token) and the absolute link the desk
//! sees once.

use crate::support::*;

/// A consult ticket's body.
fn consult(subject: &str) -> Value {
    json!({"ticket_type": "consult", "category": "bill_query", "customer_id": "C1",
        "subject": subject})
}

/// Opens a ticket as `session`: its id and status-page token.
async fn open(session: &Session, body: &Value) -> (String, String) {
    let (status, created) = session.post_json("/api/v1/tickets", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    (
        created["id"].as_str().unwrap().to_owned(),
        created["status_token"].as_str().unwrap().to_owned(),
    )
}

/// A page as the customer opens it (no session): its status and text.
async fn page(base: &str, path: &str) -> (StatusCode, String) {
    let response = client().get(format!("{base}{path}")).send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// A reply sent from the status page as a browser sends it: the honeypot left empty.
async fn reply(base: &str, token: &str, text: &str) -> reqwest::Response {
    client()
        .post(format!("{base}/t/{token}/reply?lang=zh-CN"))
        .form(&[("text", text), ("website", "")])
        .send()
        .await
        .unwrap()
}

/// The customer replies in a ticket's history, as the desk's API shows them.
async fn customer_replies(session: &Session, id: &str) -> Vec<Value> {
    let (status, ticket) = session.get_json(&format!("/api/v1/tickets/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{ticket}");
    ticket["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["kind"] == "customer_reply")
        .cloned()
        .collect()
}

#[tokio::test]
async fn the_status_page_shows_the_centre_and_the_public_summary_never_the_subject() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let subject = "VIP张三 二次扣款 疑似套现 查流水";
        let mut body = consult(subject);
        body["public_summary"] = json!("  信用卡账单\n重复扣款的核查  ");
        let (id, token) = open(&supervisor, &body).await;
        let (status, html) = page(&app.base, &format!("/t/{token}?lang=zh-CN")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains(
                "<p id=\"ticket-summary\" class=\"summary\">信用卡账单 重复扣款的核查</p>"
            ),
            "{html}"
        );
        assert!(
            !html.contains("张三") && !html.contains("套现"),
            "the desk's subject stays internal: {html}"
        );
        // no centre name set: the app's
        assert!(
            html.contains("<p class=\"brand\" id=\"centre-name\">servq</p>"),
            "{html}"
        );
        // the reply form, with its honeypot
        assert!(
            html.contains(&format!(
                "<form method=\"post\" action=\"/t/{token}/reply?lang=zh-CN\" id=\"reply-form\">"
            )) && html.contains("maxlength=\"2000\"")
                && html.contains("name=\"website\""),
            "{html}"
        );
        let (_, ticket) = supervisor.get_json(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(ticket["subject"], subject, "the desk keeps its subject");

        // the centre's name, escaped
        app.store
            .set_text_setting(
                "centre.name",
                "华东客户服务中心 <b>",
                &Actor {
                    user_id: None,
                    name: "test".into(),
                },
                1,
            )
            .await
            .unwrap();
        let (_, html) = page(&app.base, &format!("/t/{token}?lang=en")).await;
        assert!(
            html.contains("<p class=\"brand\" id=\"centre-name\">华东客户服务中心 &#60;b&#62;</p>"),
            "{html}"
        );

        // without a summary: a neutral one with the type, never the subject
        let (_, plain) = open(&supervisor, &consult("内部速记 ABC123")).await;
        let (_, html) = page(&app.base, &format!("/t/{plain}?lang=zh-CN")).await;
        assert!(
            html.contains("<p id=\"ticket-summary\" class=\"summary\">您的咨询工单</p>"),
            "{html}"
        );
        assert!(!html.contains("内部速记"), "{html}");
        let (_, html) = page(&app.base, &format!("/t/{plain}?lang=en")).await;
        assert!(html.contains(">Your request (Consult)</p>"), "{html}");

        // a summary longer than 200 characters is refused, with nothing stored
        let mut long = consult("x");
        long["public_summary"] = json!("长".repeat(201));
        let (status, problem) = supervisor.post_json("/api/v1/tickets", &long).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{problem}");
        assert_eq!(
            problem["detail"],
            "public_summary has at most 200 characters"
        );
        let (_, list) = supervisor.get_json("/api/v1/tickets").await;
        assert_eq!(list["tickets"].as_array().unwrap().len(), 2, "{list}");

        // the desk sees the absolute link once, with a copy button
        let (_, desk_page) = supervisor
            .get_text(&format!("/tickets/{id}?token={token}"))
            .await;
        assert!(
            desk_page.contains(&format!(
                "<a href=\"/t/{token}\"><code id=\"status-url\">{}/t/{token}</code></a>",
                app.base
            )) && desk_page.contains("data-action=\"copy\" data-target=\"status-url\""),
            "{desk_page}"
        );
        let (_, desk_page) = supervisor.get_text(&format!("/tickets/{id}")).await;
        assert!(!desk_page.contains("status-url"), "shown only once");
    }
}

#[tokio::test]
async fn a_customer_reply_reaches_the_desk_as_the_customers_and_reopens_a_resolved_ticket() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (id, token) = open(&supervisor, &consult("账单")).await;
        let (status, resolved) = supervisor
            .post_json(
                &format!("/api/v1/tickets/{id}/actions"),
                &json!({"action": "resolve"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{resolved}");
        assert_eq!(resolved["status"], "resolved");

        // refused: empty, or longer than 2 000 characters (the text kept to shorten)
        let empty = reply(&app.base, &token, "   ").await;
        assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            empty
                .text()
                .await
                .unwrap()
                .contains("data-notice=\"desk.reply_empty\"")
        );
        let long = "长".repeat(2001);
        let too_long = reply(&app.base, &token, &long).await;
        assert_eq!(too_long.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let html = too_long.text().await.unwrap();
        assert!(
            html.contains("data-notice=\"desk.reply_too_long\"")
                && html.contains(&format!(">{long}</textarea>")),
            "{html}"
        );
        assert!(customer_replies(&supervisor, &id).await.is_empty());

        let hostile =
            "还是扣了两次 <script>alert(1)</script> =HYPERLINK(\"http://x.example\",\"点我\")";
        let sent = reply(&app.base, &token, hostile).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        let back = sent.headers()["location"].to_str().unwrap().to_owned();
        assert_eq!(back, format!("/t/{token}?lang=zh-CN&sent=1"));
        let (status, thanks) = page(&app.base, &back).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            thanks.contains("data-notice=\"desk.reply_thanks\""),
            "{thanks}"
        );
        assert!(
            thanks.contains("data-status=\"open\""),
            "reopened: {thanks}"
        );
        assert!(
            thanks.contains(" 您的回复</li>"),
            "the reply is listed in the history: {thanks}"
        );
        assert!(
            !thanks.contains("alert(1)"),
            "its text stays off the page: {thanks}"
        );

        let (_, ticket) = supervisor.get_json(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(ticket["status"], "open");
        assert!(ticket["resolved_at"].is_null(), "{ticket}");
        for metric in ["resolution", "next_response"] {
            let clock = ticket["sla"]
                .as_array()
                .unwrap()
                .iter()
                .find(|clock| clock["metric"] == metric)
                .cloned()
                .unwrap_or(Value::Null);
            assert_eq!(clock["state"], "running", "{metric}: {ticket}");
        }
        let replies = customer_replies(&supervisor, &id).await;
        assert_eq!(replies.len(), 1, "{ticket}");
        assert_eq!(replies[0]["actor"], "customer");
        assert_eq!(replies[0]["detail"], format!("customer_reply: {hostile}"));

        // the desk's page shows it as the customer's, as text
        let (_, desk_page) = supervisor.get_text(&format!("/tickets/{id}")).await;
        assert!(
            desk_page.contains("customer — ")
                && desk_page.contains("&#60;script&#62;alert(1)&#60;/script&#62;")
                && desk_page.contains("=HYPERLINK(&#34;http://x.example&#34;,&#34;点我&#34;)")
                && !desk_page.contains("<script>alert(1)"),
            "{desk_page}"
        );
    }
}

#[tokio::test]
async fn the_sixth_reply_within_an_hour_is_refused() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (id, token) = open(&supervisor, &consult("账单")).await;
        for n in 1..=5 {
            let sent = reply(&app.base, &token, &format!("reply {n}")).await;
            assert_eq!(sent.status(), StatusCode::SEE_OTHER, "reply {n}");
        }
        let sixth = reply(&app.base, &token, "reply 6").await;
        assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
        let html = sixth.text().await.unwrap();
        assert!(
            html.contains("data-notice=\"desk.reply_busy\"")
                && html.contains(">reply 6</textarea>"),
            "refused, the text kept: {html}"
        );
        assert_eq!(customer_replies(&supervisor, &id).await.len(), 5);
        // the address has had its five too: another ticket's first reply from it waits
        let (other, other_token) = open(&supervisor, &consult("另一单")).await;
        let refused = reply(&app.base, &other_token, "first").await;
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(customer_replies(&supervisor, &other).await.is_empty());
    }
}

#[tokio::test]
async fn a_closed_ticket_takes_no_reply() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (id, token) = open(&supervisor, &consult("账单")).await;
        // a consult closes in its last stage, once resolved
        for (path, body) in [
            ("stage", json!({})),
            ("actions", json!({"action": "resolve"})),
            ("actions", json!({"action": "close"})),
        ] {
            let (status, answer) = supervisor
                .post_json(&format!("/api/v1/tickets/{id}/{path}"), &body)
                .await;
            assert_eq!(status, StatusCode::OK, "{path} {body}: {answer}");
        }
        let (status, html) = page(&app.base, &format!("/t/{token}?lang=zh-CN")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            html.contains("<p id=\"reply-closed\">") && !html.contains("id=\"reply-form\""),
            "{html}"
        );
        let refused = reply(&app.base, &token, "还有问题").await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("data-notice=\"desk.reply_closed\"")
        );
        let (_, ticket) = supervisor.get_json(&format!("/api/v1/tickets/{id}")).await;
        assert_eq!(ticket["status"], "closed");
        assert!(customer_replies(&supervisor, &id).await.is_empty());
    }
}

#[tokio::test]
async fn a_filled_honeypot_another_origin_or_a_wrong_token_is_refused() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (id, token) = open(&supervisor, &consult("账单")).await;
        let post = |origin: Option<&str>, website: &str| {
            let mut request = client()
                .post(format!("{}/t/{token}/reply", app.base))
                .form(&[("text", "hello"), ("website", website)]);
            if let Some(origin) = origin {
                request = request.header("origin", origin);
            }
            request.send()
        };
        let trapped = post(None, "http://spam.example").await.unwrap();
        assert_eq!(trapped.status(), StatusCode::BAD_REQUEST);
        assert!(
            trapped
                .text()
                .await
                .unwrap()
                .contains("data-notice=\"desk.reply_refused\"")
        );
        let foreign = post(Some("https://evil.example"), "").await.unwrap();
        assert_eq!(foreign.status(), StatusCode::FORBIDDEN);
        assert!(customer_replies(&supervisor, &id).await.is_empty());
        // this server's own origin, or none told ("null": the page sends no referrer)
        let same = post(Some(app.base.as_str()), "").await.unwrap();
        assert_eq!(same.status(), StatusCode::SEE_OTHER);
        let unsaid = post(Some("null"), "").await.unwrap();
        assert_eq!(unsaid.status(), StatusCode::SEE_OTHER);
        assert_eq!(customer_replies(&supervisor, &id).await.len(), 2);

        let wrong = "0".repeat(64);
        let (status, html) = page(&app.base, &format!("/t/{wrong}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(html.contains("id=\"notice\""), "{html}");
        let unknown = client()
            .post(format!("{}/t/{wrong}/reply", app.base))
            .form(&[("text", "hello"), ("website", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert!(unknown.text().await.unwrap().contains("id=\"notice\""));
    }
}
