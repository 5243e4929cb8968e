//! The e-mail channel and the reply composer over HTTP: a raw message pushed to
//! `POST /api/v1/inbound/email` with an API token opens a ticket (a duplicate and an auto-reply
//! do not), the ticket offers the canned replies filled in for its customer, a reply is checked
//! for forbidden phrases, and the canned replies are edited whole with every problem named.

use crate::support::*;

const MAIL: &str = "From: Wang <wang@example.cn>\r\nTo: service@centre.test\r\nSubject: 卡被冻结了\r\n\
Message-ID: <push-1@example.cn>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n我的卡今天被冻结了。\r\n";

#[tokio::test]
async fn pushed_mail_opens_tickets_and_the_composer_helps_answer() {
    for app in TestApp::on_both_databases().await {
        let supervisor = app.sign_in_as(Role::Supervisor).await;
        let (_, token) = supervisor
            .post_json("/api/v1/tokens", &json!({"name": "mail relay"}))
            .await;
        let token = token["token"].as_str().unwrap().to_owned();
        let push = |raw: &'static str, query: &'static str| {
            client()
                .post(format!("{}/api/v1/inbound/email{query}", app.base))
                .bearer_auth(&token)
                .header("content-type", "message/rfc822")
                .body(raw)
                .send()
        };
        // a team the desk does not know: refused, and nothing kept (sent again once fixed)
        let refused = push(MAIL, "?category=nowhere").await.unwrap();
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
        let opened = push(MAIL, "").await.unwrap();
        assert_eq!(opened.status(), StatusCode::OK);
        let opened: Value = opened.json().await.unwrap();
        assert_eq!(opened["outcome"], "opened", "{opened}");
        let ticket = opened["ticket_id"].as_str().unwrap().to_owned();
        let again: Value = push(MAIL, "").await.unwrap().json().await.unwrap();
        assert_eq!(
            again,
            json!({"outcome": "duplicate", "ticket_id": null, "reason": null})
        );
        let robot: Value = push(
            "From: wang@example.cn\r\nSubject: Out of office\r\nAuto-Submitted: auto-replied\r\n\
             Message-ID: <ooo@example.cn>\r\n\r\naway\r\n",
            "",
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
        assert_eq!(robot["outcome"], "ignored");
        assert_eq!(robot["reason"], "auto_submitted");
        let empty = push("", "").await.unwrap();
        assert_eq!(empty.status(), StatusCode::BAD_REQUEST);
        // without a token: 401; a user who does not handle tickets: 403
        let anonymous = client()
            .post(format!("{}/api/v1/inbound/email", app.base))
            .body(MAIL)
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
        let analyst = app.sign_in_as(Role::Analyst).await;
        let (status, _) = analyst
            .post_json("/api/v1/reply-check", &json!({"text": "x"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // the ticket: an e-mail one, its customer found by the address, the page says where
        // a reply goes and lists the mail
        let (_, detail) = supervisor
            .get_json(&format!("/api/v1/tickets/{ticket}"))
            .await;
        assert_eq!(detail["channel"], "email", "{detail}");
        let (_, page) = supervisor.get_text(&format!("/tickets/{ticket}")).await;
        assert!(page.contains("id=\"reply-by-email\""), "{page}");
        assert!(page.contains("wang@example.cn"));
        assert!(page.contains("id=\"canned-select\""));

        // canned replies: the rulebook's phrases, filled in for the ticket in the customer's
        // language (Chinese: the mail was written in it)
        let (status, all) = supervisor.get_json("/api/v1/canned-replies").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(all["replies"].as_array().unwrap().len(), 21);
        let (_, filled) = supervisor
            .get_json(&format!("/api/v1/tickets/{ticket}/canned-replies"))
            .await;
        assert_eq!(filled["language"], "zh-CN");
        let received = filled["replies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|reply| reply["id"] == "received")
            .unwrap();
        let text = received["text"].as_str().unwrap();
        assert!(text.starts_with("Wang您好"), "{text}");
        assert!(text.contains(&ticket), "{text}");
        assert!(!text.contains('{'), "every placeholder filled: {text}");

        // the check: forbidden phrases found however they are written (traditional characters)
        let (status, checked) = supervisor
            .post_json(
                "/api/v1/reply-check",
                &json!({"text": "您好，這種事不關我的事，你自己看吧"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{checked}");
        assert_eq!(
            checked["forbidden"],
            json!(["你自己看吧", "这种事不关我的事"])
        );
        let (_, clean) = supervisor
            .post_json(
                "/api/v1/reply-check",
                &json!({"text": "您好，已为您处理。"}),
            )
            .await;
        assert_eq!(clean["forbidden"], json!([]));

        // editing: every problem named at its field; a good list replaces the defaults
        let (status, refused) = supervisor
            .put_json(
                "/api/v1/canned-replies",
                &json!({"replies": [
                    {"id": "hi", "title": "Hi", "language": "fr", "body": "Bonjour {nom}"},
                    {"id": "hi", "title": "", "language": "en", "category": "nowhere", "body": ""}
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{refused}");
        let fields: Vec<&str> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "replies.0.language",
                "replies.0.body",
                "replies.1.title",
                "replies.1.category",
                "replies.1.body"
            ]
        );
        let (status, saved) = supervisor
            .put_json(
                "/api/v1/canned-replies",
                &json!({"replies": [
                    {"id": "card", "title": "冻结说明", "language": "zh-CN", "category": "consult",
                     "body": "{customer_name}您好，您的卡已解冻（工单 {ticket_id}）。"},
                    {"id": "repair", "title": "维修", "language": "zh-CN", "category": "after_sales",
                     "body": "维修单已登记。"}
                ]}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let (_, filled) = supervisor
            .get_json(&format!("/api/v1/tickets/{ticket}/canned-replies"))
            .await;
        // the after-sales reply does not suit a consult ticket
        assert_eq!(
            filled["replies"],
            json!([{"id": "card", "title": "冻结说明",
                "text": format!("Wang您好，您的卡已解冻（工单 {ticket}）。")}])
        );
        let agent = app.sign_in_as(Role::Agent).await;
        let (status, _) = agent
            .put_json("/api/v1/canned-replies", &json!({"replies": []}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = agent.get_json("/api/v1/canned-replies").await;
        assert_eq!(status, StatusCode::OK);
        let (_, setup) = supervisor.get_text("/desk/setup").await;
        assert!(setup.contains("data-editor=\"canned_replies\""));
    }
}
