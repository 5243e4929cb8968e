//! The desk ledgers over the API on both databases: a loan and its return (deposit withheld
//! needs a reason), a refused claim names its field in the user's language and changes nothing,
//! a second return is a 409, the medicine log takes the kit down and warns, the summary and the
//! purge answer their documented shapes.

use crate::support::*;

#[tokio::test]
async fn the_desk_works_through_the_api() {
    for app in TestApp::on_both_databases().await {
        let desk = app.sign_in_as(Role::DeskStaff).await;
        let sup = app.sign_in_as(Role::Supervisor).await;
        let (status, item) = sup
            .put_json(
                "/api/v1/ledgers/items/U-01",
                &json!({"item_type": "umbrella", "condition": "good"}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{item}");
        let (status, lent) = desk
            .post_json(
                "/api/v1/ledgers/lending",
                &json!({"item_code": "U-01", "customer_name": "王先生", "phone": "13800138000",
                    "id_type": "resident_id", "id_last4": "123x", "deposit_yuan": "50",
                    "deposit_method": "wechat"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{lent}");
        let id = lent["entry_id"].as_str().unwrap().to_owned();
        // the same umbrella cannot go out twice
        let (status, twice) = desk
            .post_json(
                "/api/v1/ledgers/lending",
                &json!({"item_code": "U-01", "customer_name": "李女士", "phone": "139",
                    "deposit_yuan": "50", "deposit_method": "cash"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(twice["errors"][0]["field"], "item_code");
        assert_eq!(twice["errors"][0]["code"], "ledger_item_out");
        let (_, shown) = desk
            .get_json(&format!("/api/v1/ledger-entries/lending/{id}"))
            .await;
        assert_eq!(shown["id_last4"], "123X");
        assert_eq!(shown["deposit_yuan"], "50.00");
        assert_eq!(shown["phone"], "13800138000");
        let (_, listed) = desk
            .get_json("/api/v1/ledger-entries/lending?open=true")
            .await;
        assert_eq!(
            listed["entries"][0]["phone"], "138****8000",
            "lists mask phones"
        );
        let path = format!("/api/v1/ledgers/lending/{id}/return");
        let (status, refused) = desk.post_json(&path, &json!({"condition": "lost"})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "reason");
        assert_eq!(
            refused["errors"][0]["message"],
            "50.00 yuan is kept: say why"
        );
        let (status, back) = desk
            .post_json(
                &path,
                &json!({"condition": "lost", "reason": "顾客遗失，押金抵偿"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{back}");
        assert_eq!(back["status"], "lost");
        assert_eq!(back["withheld_yuan"], "50.00");
        let (status, again) = desk.post_json(&path, &json!({"condition": "ok"})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(again["code"], "ledger_entry_changed");
        // the lost umbrella is retired and cannot be lent again
        let (_, items) = desk.get_json("/api/v1/ledgers/items").await;
        assert_eq!(items["items"][0]["condition"], "retired");

        // medicine: the kit goes down and warns when low
        let (status, _) = sup
            .put_json(
                "/api/v1/ledgers/medicine-stock/创可贴",
                &json!({"quantity": 3, "min_quantity": 2, "expires_on": "2030-01-01"}),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, used) = desk
            .post_json(
                "/api/v1/ledgers/medicine",
                &json!({"medicine": "创可贴", "quantity": 1, "use": "external", "person": "顾客，女，约 30 岁"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{used}");
        let (_, kit) = desk.get_json("/api/v1/ledgers/medicine-stock").await;
        assert_eq!(kit["stock"][0]["quantity"], 2);
        assert_eq!(kit["warnings"][0]["warning"], "low");

        // a found item without a hidden feature is refused at that field
        let (status, refused) = desk
            .post_json(
                "/api/v1/ledgers/lost-found",
                &json!({"category": "phone", "description": "黑色手机", "found_place": "电梯"}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(refused["errors"][0]["field"], "hidden_features");

        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
            .date();
        let (status, summary) = desk
            .get_json(&format!("/api/v1/ledgers/summary?from={today}&to={today}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(summary["ledgers"]["lending"]["by_status"]["lost"], 1);
        assert_eq!(summary["ledgers"]["medicine"]["by_type"]["external"], 1);
        assert_eq!(summary["deposits"]["withheld_yuan"], 50.0);
        let (status, books) = desk.get_json("/api/v1/ledgers/reconciliation").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(books["balanced"], true);
        let (status, preview) = sup
            .post_json("/api/v1/ledgers/purge", &json!({"dry_run": true}))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(preview["ledgers"]["lending"]["retention_days"], 365);
        assert_eq!(preview["ledgers"]["lending"]["purged"], 0);
        let (status, bad) = sup
            .put_json(
                "/api/v1/ledgers/retention",
                &json!({"lending": {"retention_days": 3, "legal_basis": "x"}}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(bad["errors"][0]["field"], "lending.retention_days");
    }
}
