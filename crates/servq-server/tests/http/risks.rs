//! The risk register, emergency plans and drills over the API on both databases: refusals name
//! their fields (steps out of the cycle's order at the step), a review re-rates a risk and moves
//! it on the heat map, a drill is recorded once (a second record or a cancel is a 409), a
//! finding becomes one problem with one task for its owner however often it is asked, and the
//! reminders 30 days before, on the day and a day late reach the plan's owner as notifications.

use jiff::civil::Date;

use crate::support::*;

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Shanghai").unwrap())
        .date()
}

fn days(day: Date, n: i64) -> String {
    day.checked_add(jiff::Span::new().days(n))
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn risks_plans_and_drills_work_through_the_api() {
    for app in TestApp::on_both_databases().await {
        let sup = app.sign_in_as(Role::Supervisor).await;
        let analyst = app.sign_in_as(Role::Analyst).await;
        let day = today();
        // refused with every field named
        let (status, refused) = sup
            .post_json(
                "/api/v1/risks",
                &json!({"title": " ", "category": "fire", "likelihood": 6, "impact": 0,
                    "owner": "nobody", "treatment": "ignore", "review_on": "2027-13-01"}),
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
                "title",
                "category",
                "likelihood",
                "impact",
                "owner",
                "treatment",
                "review_on"
            ]
        );
        let (status, risk) = sup
            .post_json(
                "/api/v1/risks",
                &json!({"title": "客户信息泄露", "category": "information_security",
                    "likelihood": 2, "impact": 5, "owner": "supervisor", "treatment": "mitigate",
                    "controls": "权限最小化；日志审计", "review_on": days(day, 7)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{risk}");
        assert_eq!(
            (risk["score"].clone(), risk["level"].clone()),
            (json!(10), json!("high"))
        );
        let risk_id = risk["id"].as_i64().unwrap();
        // analysts read, do not write
        let (status, _) = analyst
            .post_json(&format!("/api/v1/risks/{risk_id}/reviews"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, reviewed) = sup
            .post_json(
                &format!("/api/v1/risks/{risk_id}/reviews"),
                &json!({"likelihood": 1, "impact": 5, "note": "加密上线",
                    "next_review_on": days(day, 90)}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{reviewed}");
        assert_eq!(reviewed["level"], "medium");
        let (_, register) = analyst.get_json("/api/v1/risks").await;
        assert_eq!(register["heat_map"][4][0], 1, "{register}");
        assert_eq!(register["heat_map"][4][1], 0);
        let (_, shown) = analyst.get_json(&format!("/api/v1/risks/{risk_id}")).await;
        assert_eq!(shown["reviews"][0]["note"], "加密上线");
        assert_eq!(shown["review_on"], days(day, 90));

        // a plan: steps out of order refused at the step, then written
        let steps = json!([
            {"phase": "warning", "role": "监控", "action": "发现异常", "target_minutes": 10},
            {"phase": "recovery", "role": "IT", "action": "恢复", "target_minutes": 120},
            {"phase": "response", "role": "值班主管", "action": "启动预案", "target_minutes": 30},
        ]);
        let (status, refused) = sup
            .post_json(
                "/api/v1/emergency-plans",
                &json!({"title": "数据泄露应急", "owner": "supervisor", "steps": steps,
                    "risk_ids": [risk_id, 999]}),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        let errors: Vec<(Value, Value)> = refused["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["field"].clone(), e["code"].clone()))
            .collect();
        assert_eq!(
            errors,
            [
                (json!("steps.2.phase"), json!("plan_phase_order")),
                (json!("risk_ids.1"), json!("unknown"))
            ]
        );
        let steps = json!([steps[0], steps[2], steps[1],
            {"phase": "review", "role": "经理", "action": "复盘"}]);
        let (status, plan) = sup
            .post_json(
                "/api/v1/emergency-plans",
                &json!({"title": "数据泄露应急", "owner": "supervisor", "steps": steps,
                    "contacts": ["张三 IT 13800000000"], "risk_ids": [risk_id]}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{plan}");
        assert_eq!(plan["recovery_hours"], 48);
        let plan_id = plan["id"].as_i64().unwrap();
        let drills_path = format!("/api/v1/emergency-plans/{plan_id}/drills");
        let (status, past) = sup
            .post_json(&drills_path, &json!({"scheduled_on": days(day, -1)}))
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(past["errors"][0]["code"], "date_in_past");
        let (status, drill) = sup
            .post_json(&drills_path, &json!({"scheduled_on": days(day, 30)}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{drill}");
        let drill_id = drill["id"].as_i64().unwrap();
        // the plan's owner hears of it 30 days before: today
        servq_app::risks::remind(&app.store, day).await.unwrap();
        servq_app::notifications::pass(&app.store, servq_app::now_ms())
            .await
            .unwrap();
        let (_, told) = sup.get_json("/api/v1/notifications").await;
        let reminder = told["notifications"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["kind"] == "drill_reminder")
            .cloned()
            .unwrap_or_else(|| panic!("no drill reminder in {told}"));
        assert_eq!(reminder["link"], format!("/risks/drills/{drill_id}"));
        assert!(
            reminder["text"].as_str().unwrap().contains("数据泄露应急"),
            "{reminder}"
        );
        // nothing the day after; a day late, overdue
        assert!(
            servq_app::risks::reminders_due(&app.store, day.tomorrow().unwrap())
                .await
                .unwrap()
                .is_empty()
        );
        let late = servq_app::risks::reminders_due(
            &app.store,
            day.checked_add(jiff::Span::new().days(31)).unwrap(),
        )
        .await
        .unwrap();
        assert_eq!(
            late.iter().map(|r| r.action.as_str()).collect::<Vec<_>>(),
            ["drill_overdue"]
        );

        // recorded once
        let record = json!({"ran_on": day.to_string(), "participants": ["张三", "李四"],
            "step_minutes": [5, 40, 100, null], "notes": "顺利",
            "findings": [{"finding": "联系人电话过期", "owner": "supervisor",
                "due_on": days(day, 14)}]});
        let path = format!("/api/v1/drills/{drill_id}");
        let (status, done) = sup.put_json(&path, &record).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["status"], "done");
        assert_eq!(done["recovery_minutes"], 145);
        assert_eq!(done["recovery_target_minutes"], 2880);
        let (status, again) = sup.put_json(&path, &record).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        assert_eq!(again["code"], "drill_not_planned");
        let (status, _) = sup.post_json(&format!("{path}/cancel"), &json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // a finding becomes one problem with one task, however often it is asked
        let finding_id = done["findings"][0]["id"].as_i64().unwrap();
        let to_problem = format!("{path}/findings/{finding_id}/problem");
        // two managers at once, then once more
        let empty = json!({});
        let ((status, first), (_, second)) = tokio::join!(
            sup.post_json(&to_problem, &empty),
            sup.post_json(&to_problem, &empty)
        );
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first, second);
        let (_, third) = sup.post_json(&to_problem, &json!({})).await;
        assert_eq!(first, third);
        let problems = app.store.problems().await.unwrap();
        assert_eq!(
            problems
                .iter()
                .filter(|p| p.source_key == format!("drill_finding:{finding_id}"))
                .count(),
            1
        );
        let (_, problem) = sup
            .get_json(&format!("/api/v1/problems/{}", first["problem_id"]))
            .await;
        assert_eq!(problem["owner"], "supervisor", "{problem}");
        assert_eq!(problem["class"], "process_design");
        let (_, tasks) = sup.get_json("/api/v1/tasks").await;
        let theirs: Vec<&Value> = tasks["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["problem_id"] == first["problem_id"])
            .collect();
        assert_eq!(theirs.len(), 1, "{tasks}");
        assert_eq!(theirs[0]["due"], days(day, 14));
        let (status, _) = sup
            .post_json(&format!("{path}/findings/999999/problem"), &json!({}))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // the drill listed with its finding linked
        let (_, listed) = analyst.get_json("/api/v1/drills").await;
        assert_eq!(
            listed["drills"][0]["findings"][0]["problem_id"],
            first["problem_id"]
        );
    }
}
