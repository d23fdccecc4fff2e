//! Name correction over HTTP on SQLite and PostgreSQL: the person cannot change name or ID
//! number through the plain profile edit (and a bureau cannot use it at all); the person
//! requests a correction with a reason and an evidence file (multipart: refused text reads no
//! file, a missing, disguised or oversized file is refused naming `evidence_file`, 413 for the
//! size); only the person and the covering bureau download the file; the bureau rejects
//! (reason required) or approves — the name changes at once, audited with old and new.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_declaration::ports::BlobStore;
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::multipart::{Part, form_data, pdf};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;
use zhicheng_kernel::upload::ContentAddress;

const PW: &str = "Wendeng-2026!";
/// The evidence size limit of these servers.
const LIMIT: u64 = 64 * 1024;

/// A request with its text and, when given, the evidence file (last).
async fn request(
    c: &Client,
    unit_id: &str,
    reason: &str,
    file: Option<(&str, &[u8])>,
) -> (StatusCode, serde_json::Value) {
    let mut parts = vec![
        Part::Text("unit_id", unit_id),
        Part::Text("new_name", "张叁"),
        Part::Text("reason", reason),
        Part::Text("evidence", "户口簿（户号 371003001234）"),
    ];
    if let Some((name, bytes)) = file {
        parts.push(Part::File("evidence_file", name, "application/pdf", bytes));
    }
    c.post_form_data("/api/v1/me/name-corrections", form_data(&parts))
        .await
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

    // The request: the text is checked before the file is read (nothing kept).
    let scan = pdf(20_000);
    let (s, body) = request(&me, &unit_id, "", Some(("户口簿.pdf", &scan))).await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "{body}"
    );
    assert!(
        !srv.state
            .blobs
            .exists(&ContentAddress::of(&scan))
            .await
            .unwrap(),
        "a refused request keeps no file"
    );
    // The file is required, by content, within the limit.
    let (s, body) = request(&me, &unit_id, "注册时录入错误", None).await;
    assert_eq!(
        (
            s,
            body["code"].as_str(),
            body["fields"][0]["field"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("name_correction.evidence_missing"),
            Some("evidence_file")
        ),
        "{body}"
    );
    let exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0".to_vec();
    let (s, body) = request(&me, &unit_id, "注册时录入错误", Some(("户口簿.pdf", &exe))).await;
    assert_eq!(
        (
            s,
            body["code"].as_str(),
            body["fields"][0]["field"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("file.content_mismatch"),
            Some("evidence_file")
        ),
        "{body}"
    );
    assert!(body["message"].as_str().unwrap().contains("户口簿.pdf"));
    let big = pdf(usize::try_from(LIMIT).unwrap() + 1);
    let (s, body) = request(&me, &unit_id, "注册时录入错误", Some(("户口簿.pdf", &big))).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("file.too_large")),
        "{body}"
    );
    let (_, mine) = me.get("/api/v1/me/name-corrections").await;
    assert!(mine.as_array().unwrap().is_empty(), "nothing was filed");

    let (s, c) = request(
        &me,
        &unit_id,
        "注册时录入错误",
        Some(("户口簿 第1页.pdf", &scan)),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["status"].as_str(), c["old_name"].as_str()),
        (Some("pending"), Some("张三"))
    );
    let file = &c["evidence_file"];
    assert_eq!(
        (
            file["file_name"].as_str(),
            file["kind"].as_str(),
            file["size"].as_u64()
        ),
        (Some("户口簿 第1页.pdf"), Some("pdf"), Some(20_000))
    );
    assert_eq!(file["sha256"], ContentAddress::of(&scan).as_str());
    let (s, body) = request(&me, &unit_id, "注册时录入错误", Some(("户口簿.pdf", &scan))).await;
    assert_eq!(
        (s, body["code"].as_str()),
        (
            StatusCode::CONFLICT,
            Some("name_correction.already_pending")
        )
    );

    // Only the person and the covering bureau download the evidence.
    let download = file["download"].as_str().unwrap().to_owned();
    for (who, expected) in [
        (&me, StatusCode::OK),
        (&bureau, StatusCode::OK),
        (&jinan, StatusCode::NOT_FOUND),
        (&unit_admin, StatusCode::NOT_FOUND),
    ] {
        let r = who.get_raw(&download).await;
        assert_eq!(r.status(), expected, "{download}");
        if expected == StatusCode::OK {
            assert_eq!(r.headers()["content-type"], "application/pdf");
            assert!(
                r.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .starts_with("attachment;")
            );
            assert_eq!(r.headers()["x-content-type-options"], "nosniff");
            assert_eq!(r.bytes().await.unwrap().to_vec(), scan);
        }
    }
    let (s, other) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id_number(124), "name": "李四", "mobile": "13805315679", "username": "lisi2026", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{other}");
    let lisi = srv.login("lisi2026", PW).await;
    assert_eq!(
        lisi.get_raw(&download).await.status(),
        StatusCode::NOT_FOUND
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
    let (s, c) = request(&me, &unit_id, "注册时录入错误", Some(("户口簿.pdf", &scan))).await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let requested = srv
        .state
        .store
        .audit_events(c["id"].as_str().unwrap().parse().unwrap())
        .await
        .unwrap();
    assert_eq!(
        requested[0].detail["evidence_file"]["sha256"],
        ContentAddress::of(&scan).as_str()
    );
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
async fn the_request_and_its_download_are_documented() {
    let srv = TestServer::sqlite().await;
    let (s, spec) = srv.client().get("/api/openapi.json").await;
    assert_eq!(s, StatusCode::OK);
    let post = &spec["paths"]["/me/name-corrections"]["post"];
    let form = &post["requestBody"]["content"]["multipart/form-data"]["schema"];
    assert_eq!(
        form["properties"]["evidence_file"]["format"], "binary",
        "{post}"
    );
    for status in ["201", "403", "409", "413", "422"] {
        assert!(post["responses"][status].is_object(), "{status}: {post}");
    }
    let get = &spec["paths"]["/name-corrections/{id}/evidence"]["get"];
    assert!(get["responses"]["404"].is_object(), "{get}");
}

fn limited(c: &mut zhicheng_server::Config) {
    c.max_attachment_bytes = Some(LIMIT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_correction_by_request_only_sqlite() {
    flow(TestServer::sqlite_tuned(limited).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn name_correction_by_request_only_postgres() {
    if let Some(srv) = TestServer::postgres_tuned(limited).await {
        flow(srv).await;
    }
}
