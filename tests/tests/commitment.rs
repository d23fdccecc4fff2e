//! A changed commitment letter asks again, over HTTP on SQLite and PostgreSQL: the applicant
//! accepted version 1 and has a draft; an operator publishes version 2 (what `zhicheng
//! commitment set` runs); every declaration action of the API is refused with the commitment
//! error until version 2 is accepted, and the portal's declaration pages send the applicant
//! to the letter, which says it changed. What was saved stays.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::TestServer;

const PW: &str = "Wendeng-2026!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_letter_on_sqlite() {
    changed_letter(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_letter_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    changed_letter(server).await;
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or_default()
}

async fn changed_letter(srv: TestServer) {
    let (applicant, plan_id, unit_id) =
        zhicheng_e2e::fixtures::applicant_with_open_plan(&srv, PW).await;
    let (_, v1) = srv.client().get("/api/v1/commitment-letter").await;
    assert_eq!(v1["version"], "2022.1");
    let (s, d) = applicant
        .post(
            "/api/v1/declarations",
            &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate",
            "specialty": "电气工程", "materials": zhicheng_e2e::fixtures::materials() }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();
    let summary = |text: &str| json!({ "text": text });
    let (s, saved) = applicant
        .put(
            &format!("/api/v1/declarations/{id}/sections/summary"),
            &summary("第一版承诺下的总结"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");

    // The operator publishes a new text.
    let st = &srv.state;
    let v2 = zhicheng_declaration::service::publish_letter(
        &st.store,
        &st.clock,
        "e2e".into(),
        None,
        "本人承诺（2026 修订）：申报材料真实、准确、完整。".into(),
    )
    .await
    .unwrap();
    assert_eq!(v2.seq, 2);
    let (_, letter) = srv.client().get("/api/v1/commitment-letter").await;
    assert_eq!(letter["version"], v2.version.as_str());
    assert!(letter["body"].as_str().unwrap().contains("2026 修订"));
    let (_, mine) = applicant.get("/api/v1/me/commitment").await;
    assert_eq!(
        (mine["accepted"].as_bool(), mine["letter_version"].as_str()),
        (Some(false), Some(v2.version.as_str()))
    );

    // Every declaration action is refused with the commitment error; nothing changes.
    let (s, r) = applicant
        .put(
            &format!("/api/v1/declarations/{id}/sections/summary"),
            &summary("不应保存"),
        )
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::CONFLICT, "declaration.commitment_required"),
        "{r}"
    );
    assert!(r["message"].as_str().unwrap().contains("承诺书"), "{r}");
    let (s, r) = applicant
        .post(&format!("/api/v1/declarations/{id}/submit"), &json!({}))
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::CONFLICT, "declaration.commitment_required"),
        "{r}"
    );
    let (s, r) = applicant
        .put(
            &format!("/api/v1/declarations/{id}/materials"),
            &zhicheng_e2e::fixtures::materials(),
        )
        .await;
    assert_eq!(
        (s, code(&r)),
        (StatusCode::CONFLICT, "declaration.commitment_required"),
        "{r}"
    );
    let (s, r) = applicant
        .upload_attachment(
            &id.to_string(),
            "education",
            "diploma.pdf",
            b"%PDF-1.4\n%%EOF\n".to_vec(),
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(code(&r), "declaration.commitment_required", "{r}");
    let (_, d) = applicant.get(&format!("/api/v1/declarations/{id}")).await;
    assert_eq!(d["materials"]["summary"], "第一版承诺下的总结");
    assert_eq!(d["status"], "draft");

    // The portal: entering the declaration module shows the changed letter first.
    let mut web = Visitor::new(&srv);
    web.login_to("zhangwei85", PW, "/me").await;
    web.get(&format!("/me/declarations/{id}"))
        .await
        .see_other("/commitment");
    web.get("/me/declare").await.see_other("/commitment");
    let page = web.get("/commitment").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has("承诺书内容已更新") && page.has(&v2.version) && page.has("2026 修订"),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    web.post("/commitment", &[("csrf", &csrf)])
        .await
        .see_other("/me");
    let page = web.get(&format!("/me/declarations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has("第一版承诺下的总结") && !page.has("承诺书已更新"),
        "{}",
        page.body
    );

    // Accepted: actions work again.
    let (_, mine) = applicant.get("/api/v1/me/commitment").await;
    assert_eq!(mine["accepted"], true);
    let (s, saved) = applicant
        .put(
            &format!("/api/v1/declarations/{id}/sections/summary"),
            &summary("接受第二版后的总结"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{saved}");
    let (s, submitted) = applicant
        .post(&format!("/api/v1/declarations/{id}/submit"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{submitted}");
}
