//! Name correction over HTTP on SQLite and PostgreSQL: the person cannot change name or ID
//! number through the plain profile edit (and a bureau cannot use it at all); the person
//! requests a correction with reason and evidence; the HR bureau covering the person's unit
//! rejects (reason required) or approves — the name changes at once, audited with old and new.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

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
    let (s, unit) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wdyy_admin", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let unit_id = unit["id"].as_str().unwrap().to_owned();
    let unit_admin = srv.login("wdyy_admin", PW).await;
    let (s, _) = unit_admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let id = id_number(123);
    let (s, reg) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id, "name": "张三", "mobile": "13805315678", "username": "zhangsan", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{reg}");
    let person_id: uuid::Uuid = reg["person_id"].as_str().unwrap().parse().unwrap();
    let me = srv.login("zhangsan", PW).await;

    // The plain profile edit refuses a new name or ID number and changes nothing.
    let (s, body) = me
        .patch(
            "/api/v1/me/profile",
            &json!({ "name": "张叁", "ethnicity": "回族" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "person.name_immutable");
    assert_eq!(body["fields"][0]["field"], "name");
    assert!(body["message"].as_str().unwrap().contains("姓名更正申请"));
    let (s, body) = me
        .patch(
            "/api/v1/me/profile",
            &json!({ "id_number": id_number(124) }),
        )
        .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("person.id_number_immutable")
        )
    );
    let (_, profile) = me.get("/api/v1/me/profile").await;
    assert_eq!(
        (profile["name"].as_str(), profile["ethnicity"].as_str()),
        (Some("张三"), None)
    );
    // Unchanged name plus a basic-data fix is fine.
    let (s, profile) = me
        .patch(
            "/api/v1/me/profile",
            &json!({ "name": "张三", "ethnicity": "汉族" }),
        )
        .await;
    assert_eq!(
        (s, profile["ethnicity"].as_str()),
        (StatusCode::OK, Some("汉族"))
    );
    // A bureau cannot use the plain edit at all.
    let (s, _) = bureau
        .patch("/api/v1/me/profile", &json!({ "name": "张叁" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The request: reason and evidence required; one pending at a time.
    let (s, body) = me
        .post(
            "/api/v1/me/name-corrections",
            &json!({ "unit_id": unit_id, "new_name": "张叁", "reason": "", "evidence": "户口簿" }),
        )
        .await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason"))
    );
    let request = json!({ "unit_id": unit_id, "new_name": "张叁", "reason": "注册时录入错误",
                          "evidence": "户口簿（户号 371003001234）" });
    let (s, c) = me.post("/api/v1/me/name-corrections", &request).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["status"].as_str(), c["old_name"].as_str()),
        (Some("pending"), Some("张三"))
    );
    let (s, body) = me.post("/api/v1/me/name-corrections", &request).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("name_correction.already_pending")
        )
    );
    let cid = c["id"].as_str().unwrap().to_owned();

    // Only the bureau covering the unit sees and decides it.
    let (_, pending) = bureau
        .get("/api/v1/bureau/name-corrections?status=pending")
        .await;
    assert_eq!(pending.as_array().unwrap().len(), 1);
    let (_, none) = jinan
        .get("/api/v1/bureau/name-corrections?status=pending")
        .await;
    assert_eq!(none.as_array().unwrap().len(), 0);
    let decide = format!("/api/v1/bureau/name-corrections/{cid}/decision");
    let (s, _) = jinan.post(&decide, &json!({ "approve": true })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = me.post(&decide, &json!({ "approve": true })).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = bureau.post(&decide, &json!({ "approve": false })).await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("note"))
    );
    let (s, body) = bureau
        .post(
            &decide,
            &json!({ "approve": false, "note": "请上传户口簿首页" }),
        )
        .await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::OK, Some("rejected")),
        "{body}"
    );
    let (_, profile) = me.get("/api/v1/me/profile").await;
    assert_eq!(profile["name"], "张三", "a rejection changes nothing");
    let (s, body) = bureau.post(&decide, &json!({ "approve": true })).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::CONFLICT, Some("name_correction.not_pending"))
    );

    // A second request is approved: the name changes, audited with old and new.
    let (s, c) = me.post("/api/v1/me/name-corrections", &request).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let decide = format!(
        "/api/v1/bureau/name-corrections/{}/decision",
        c["id"].as_str().unwrap()
    );
    let (s, body) = bureau.post(&decide, &json!({ "approve": true })).await;
    assert_eq!(
        (s, body["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{body}"
    );
    let (_, profile) = me.get("/api/v1/me/profile").await;
    assert_eq!(profile["name"], "张叁");
    let (_, mine) = me.get("/api/v1/me/name-corrections").await;
    let statuses: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["approved", "rejected"]);
    let trail = srv.state.store.audit_events(person_id).await.unwrap();
    let renamed = trail
        .iter()
        .find(|e| e.action == "person.renamed")
        .expect("audited");
    assert_eq!(
        (
            renamed.detail["old_name"].as_str(),
            renamed.detail["new_name"].as_str()
        ),
        (Some("张三"), Some("张叁"))
    );
    assert!(
        !renamed.detail.to_string().contains(&id),
        "no full ID number in the audit row"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_correction_by_request_only_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_correction_by_request_only_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
