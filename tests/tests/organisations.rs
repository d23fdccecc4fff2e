//! Units and bureaus over HTTP on SQLite and PostgreSQL: named operator accounts (单位经办人)
//! created and disabled by the unit administrator and acting for the unit under their own
//! audit identity; the unit cannot rename itself; the HR bureau manages the units in its
//! jurisdiction (list, admin password reset with a one-time password that ends the old
//! sessions, data correction audited with old and new values); the duplicate-unit refusal with
//! the bureau to contact and a masked contact; the region checks of the permission application.
//! Passwords set by someone else (the administrator's initial password for an operator, the
//! bureau's one-time password) must be changed first: until then every other endpoint answers
//! 403 `auth.password_change_required`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;
use zhicheng_kernel::Actor;

const PW: &str = "Wendeng-2026!";
const UNIT: &str = "威海市文登区人民医院";
const USCC: &str = "123710034940875396";

async fn register_unit(srv: &TestServer, name: &str, username: &str, mobile: &str) -> String {
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": name, "region": "371003", "username": username, "password": PW,
                     "contact_mobile": mobile }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

async fn org(c: &Client, id: &str) -> Value {
    let (s, body) = c.get(&format!("/api/v1/orgs/{id}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

fn actions(events: &[zhicheng_kernel::AuditEvent]) -> Vec<&str> {
    events.iter().map(|e| e.action.as_str()).collect()
}

async fn flow(srv: TestServer) {
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "济南市人力资源和社会保障局",
        "370100",
        "jn_hrss",
        PW,
    )
    .await;
    let bureau = srv.login("wd_hrss", PW).await;
    let jinan = srv.login("jn_hrss", PW).await;

    // A region that is not in the division list is refused, naming the field.
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": "某某公司", "region": "371081", "username": "mm_admin", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"][0]["field"], "region");
    assert_eq!(body["fields"][0]["code"], "region.unknown");

    let unit_id = register_unit(&srv, UNIT, "wdyy_admin", "13805315678").await;
    let admin = srv.login("wdyy_admin", PW).await;
    let (s, body) = admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": USCC, "region": "371003" }),
        )
        .await;
    assert_eq!(
        (s, body["permission"].as_str()),
        (StatusCode::OK, Some("active")),
        "{body}"
    );

    // 7: the same name registered again gets the seed's message, the bureau and a masked hint.
    let dup_id = register_unit(&srv, "威海市文登区 人民医院", "wdyy_again", "13905310000").await;
    let dup = srv.login("wdyy_again", PW).await;
    let (s, body) = dup
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "12371003494087540B", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["code"], "permission.duplicate_unit");
    let msg = body["message"].as_str().unwrap();
    assert!(msg.contains("已经存在有权限的同名单位"), "{msg}");
    assert!(msg.contains("威海市文登区人力资源和社会保障局"), "{msg}");
    assert!(
        msg.contains("138****5678") && !msg.contains("13805315678"),
        "{msg}"
    );
    assert_eq!(org(&dup, &dup_id).await["permission"], "not_applied");

    // Another province is refused; another city goes to manual review with the warning.
    let other = register_unit(&srv, "威海市文登区第二医院", "wdey_admin", "").await;
    let other_admin = srv.login("wdey_admin", PW).await;
    let (s, body) = other_admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "12350100494087539B", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "permission.province_mismatch");
    assert_eq!(body["fields"][0]["field"], "region");
    assert_eq!(org(&other_admin, &other).await["permission"], "not_applied");
    let (s, body) = other_admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "12370100494087539K", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["permission"], "manual_review");
    assert!(
        body["permission_note"].as_str().unwrap().contains("同一市"),
        "{body}"
    );

    // 1: the administrator creates a named operator; bad input names the fields.
    let (s, body) = admin
        .post(
            "/api/v1/orgs/me/operators",
            &json!({ "username": "1x", "name": "王", "mobile": "123", "password": "short" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["username", "name", "mobile", "password"]);
    let (s, op) = admin
        .post(
            "/api/v1/orgs/me/operators",
            &json!({ "username": "wdyy_wangfang", "name": "王芳", "mobile": "13905310001", "password": "Operator#2026" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{op}");
    assert_eq!(
        (op["operator"].as_bool(), op["mobile"].as_str()),
        (Some(true), Some("139****0001"))
    );
    let op_id = op["account_id"].as_str().unwrap().to_owned();
    let (s, body) = admin
        .post(
            "/api/v1/orgs/me/operators",
            &json!({ "username": "wdyy_wangfang", "name": "王芳", "mobile": "13905310001", "password": "Operator#2026" }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("staff.username_taken")
        )
    );

    // The operator must first change the administrator's initial password …
    let (s, body) = srv
        .client()
        .try_login("wdyy_wangfang", "Operator#2026")
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["me"]["must_change_password"], true);
    let operator = srv.login("wdyy_wangfang", "Operator#2026").await;
    let (_, me) = operator.get("/api/v1/auth/me").await;
    assert_eq!(
        (
            me["role"].as_str(),
            me["org_id"].as_str(),
            me["must_change_password"].as_bool()
        ),
        (Some("unit_admin"), Some(unit_id.as_str()), Some(true))
    );
    let (s, body) = operator.get("/api/v1/cases").await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.password_change_required")),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("请先修改密码"));
    let (s, _) = operator
        .patch(
            "/api/v1/units/me",
            &json!({ "contact_mobile": "13905310009" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "nothing else, writes included");
    let (s, body) = operator
        .post(
            "/api/v1/me/password",
            &json!({ "current_password": "Operator#2026", "new_password": "Wangfang#Own2026" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, me) = operator.get("/api/v1/auth/me").await;
    assert_eq!(me["must_change_password"], false);

    // … then acts for the unit (its review queue) under its own account.
    let (s, _) = operator.get("/api/v1/cases").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = operator
        .patch(
            "/api/v1/units/me",
            &json!({ "contact_mobile": "13905310002" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let op_uuid: uuid::Uuid = op_id.parse().unwrap();
    let trail = srv.state.store.audit_events(op_uuid).await.unwrap();
    let edited = trail
        .iter()
        .find(|e| e.action == "account.contact_updated")
        .expect("the operator's own edit is audited");
    assert_eq!(
        edited.actor,
        Actor::Account(zhicheng_kernel::AccountId(op_uuid))
    );
    // … but cannot manage staff.
    let (s, body) = operator.get("/api/v1/orgs/me/operators").await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("staff.not_administrator"))
    );

    let (s, list) = admin.get("/api/v1/orgs/me/operators").await;
    assert_eq!(s, StatusCode::OK);
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["wdyy_admin", "wdyy_wangfang"]);

    // Another unit's administrator cannot touch the operator; its own admin disables it.
    let (s, _) = dup
        .post(
            &format!("/api/v1/orgs/me/operators/{op_id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = admin
        .post(
            &format!("/api/v1/orgs/me/operators/{op_id}/disable"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, body["disabled"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{body}"
    );
    let (s, _) = operator.get("/api/v1/auth/me").await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the disabled operator's session ended"
    );
    let (s_disabled, b_disabled) = srv
        .client()
        .try_login("wdyy_wangfang", "Wangfang#Own2026")
        .await;
    let (s_wrong, b_wrong) = srv
        .client()
        .try_login("wdyy_wangfang", "Wrong#Pass2026")
        .await;
    assert_eq!(s_disabled, StatusCode::UNAUTHORIZED);
    assert_eq!(
        (s_disabled, b_disabled),
        (s_wrong, b_wrong),
        "disabled looks like a wrong password"
    );
    let (s, _) = admin
        .post(
            &format!("/api/v1/orgs/me/operators/{op_id}/enable"),
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    srv.login("wdyy_wangfang", "Wangfang#Own2026").await;
    assert!(
        actions(&srv.state.store.audit_events(op_uuid).await.unwrap())
            .starts_with(&["account.operator_created"])
    );

    // The unit cannot rename itself through the plain edit; nothing changes.
    let (s, body) = admin
        .patch(
            "/api/v1/units/me",
            &json!({ "name": "威海市文登区中心医院" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "unit.name_immutable");
    assert_eq!(body["fields"][0]["field"], "name");
    assert_eq!(org(&admin, &unit_id).await["name"], UNIT);
    let (s, _) = admin
        .patch(
            "/api/v1/units/me",
            &json!({ "name": UNIT, "contact_mobile": "13805315678" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // 2: the bureau sees the units of its jurisdiction; Jinan sees none of them.
    let (s, units) = bureau.get("/api/v1/bureau/units").await;
    assert_eq!(s, StatusCode::OK, "{units}");
    let mine = units
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"]["id"] == unit_id.as_str())
        .expect("the unit is listed");
    assert_eq!(mine["admin"]["username"], "wdyy_admin");
    assert_eq!(mine["admin"]["mobile"], "138****5678");
    assert_eq!(mine["operators"], 1);
    let (_, none) = jinan.get("/api/v1/bureau/units").await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let (s, _) = admin.get("/api/v1/bureau/units").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Password reset: Jinan cannot; Wendeng gets a one-time password, old sessions end.
    let reset = format!("/api/v1/bureau/units/{unit_id}/reset-admin-password");
    let (s, _) = jinan.post(&reset, &json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = bureau.post(&reset, &json!({})).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["username"], "wdyy_admin");
    let one_time = body["one_time_password"].as_str().unwrap().to_owned();
    let (s, _) = admin.get("/api/v1/auth/me").await;
    assert_eq!(
        s,
        StatusCode::UNAUTHORIZED,
        "the administrator's old session ended"
    );
    let (s, _) = srv.client().try_login("wdyy_admin", PW).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let admin = srv.login("wdyy_admin", &one_time).await;
    let (_, me) = admin.get("/api/v1/auth/me").await;
    assert_eq!(me["must_change_password"], true, "{me}");
    let admin_id: uuid::Uuid = me["account_id"].as_str().unwrap().parse().unwrap();
    // The one-time password opens nothing but the password change.
    let (s, body) = admin.get(&format!("/api/v1/orgs/{unit_id}")).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("auth.password_change_required"))
    );
    let (s, body) = admin
        .post(
            "/api/v1/me/password",
            &json!({ "current_password": one_time, "new_password": "Wendeng-Own-2026!" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (s, _) = admin.get(&format!("/api/v1/orgs/{unit_id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (_, again) = srv
        .client()
        .try_login("wdyy_admin", "Wendeng-Own-2026!")
        .await;
    assert_eq!(again["me"]["must_change_password"], false);
    let trail = srv.state.store.audit_events(admin_id).await.unwrap();
    let row = trail
        .iter()
        .find(|e| e.action == "account.password_reset_by_bureau")
        .expect("audited");
    assert!(!row.detail.to_string().contains(&one_time));

    // Correction of the unit's data, including its name: audited with old and new.
    let path = format!("/api/v1/bureau/units/{unit_id}");
    let (s, body) = bureau
        .patch(
            &path,
            &json!({ "name": "威海市文登区中心人民医院", "reason": "" }),
        )
        .await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let (s, _) = jinan
        .patch(
            &path,
            &json!({ "name": "威海市文登区中心人民医院", "reason": "更名" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, body) = bureau
        .patch(
            &path,
            &json!({ "name": "威海市文登区中心人民医院", "reason": "营业执照名称变更" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body["changes"],
        json!([{ "field": "name", "old": UNIT, "new": "威海市文登区中心人民医院" }])
    );
    assert_eq!(
        org(&admin, &unit_id).await["name"],
        "威海市文登区中心人民医院"
    );
    let trail = srv
        .state
        .store
        .audit_events(unit_id.parse().unwrap())
        .await
        .unwrap();
    let row = trail.iter().find(|e| e.action == "org.corrected").unwrap();
    assert_eq!(row.detail["changes"][0]["old"], UNIT);
    assert_eq!(row.detail["reason"], "营业执照名称变更");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_units_and_bureau_management_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_units_and_bureau_management_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
