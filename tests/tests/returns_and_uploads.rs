//! Loose ends of the declaration module over HTTP, on SQLite and PostgreSQL: a unit returns a
//! declaration with reasons for every kind of section (annual assessments and continuing
//! education too) from the portal's return form and through the API, and the applicant sees
//! each reason under its heading; a file over the size limit uploaded through the portal
//! answers 413 like the API, on the declaration page naming the file and the limit.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::TestServer;

const PW: &str = "Wendeng-2026!";
const LIMIT: u64 = 2_000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loose_ends_on_sqlite() {
    loose_ends(TestServer::sqlite_tuned(|c| c.max_attachment_bytes = Some(LIMIT)).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loose_ends_on_postgres() {
    let Some(server) = TestServer::postgres_tuned(|c| c.max_attachment_bytes = Some(LIMIT)).await
    else {
        return;
    };
    loose_ends(server).await;
}

async fn loose_ends(srv: TestServer) {
    let (applicant, plan_id, unit_id) =
        zhicheng_e2e::fixtures::applicant_with_open_plan(&srv, PW).await;
    let (s, d) = applicant
        .post(
            "/api/v1/declarations",
            &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate",
            "specialty": "电气工程", "materials": zhicheng_e2e::fixtures::materials() }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let id = d["id"].as_str().unwrap().to_owned();

    // A file over the limit through the portal: 413, the page names the file and the limit,
    // and nothing was attached. A small one is accepted into the new 年度考核 section.
    let mut web = Visitor::new(&srv);
    web.login_to("zhangwei85", PW, "/me").await;
    let page = web.get(&format!("/me/declarations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has("value=\"assessments\"") && page.has("value=\"continuing_education\""),
        "{}",
        page.body
    );
    let csrf = page.csrf();
    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(LIMIT as usize + 500, b'x');
    let page = web
        .post_multipart(
            &format!("/me/declarations/{id}/attachments"),
            &[("csrf", &csrf), ("section", "assessments")],
            ("file", "考核表.pdf", &big),
        )
        .await;
    assert_eq!(page.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", page.body);
    assert!(
        page.has("考核表.pdf") && page.has("超过单个附件大小上限"),
        "{}",
        page.body
    );
    assert!(
        page.has("<h1>"),
        "a whole page, not a bare error: {}",
        page.body
    );
    let (_, files) = applicant
        .get(&format!("/api/v1/declarations/{id}/attachments"))
        .await;
    assert_eq!(files.as_array().unwrap().len(), 0, "{files}");
    let page = web
        .post_multipart(
            &format!("/me/declarations/{id}/attachments"),
            &[("csrf", &csrf), ("section", "assessments")],
            ("file", "考核表.pdf", b"%PDF-1.4\n%%EOF\n"),
        )
        .await;
    page.see_other(&format!("/me/declarations/{id}"));
    let (_, files) = applicant
        .get(&format!("/api/v1/declarations/{id}/attachments"))
        .await;
    assert_eq!(files[0]["section"], "assessments", "{files}");
    assert_eq!(files[0]["section_name"], "年度考核", "{files}");

    // Submitted, then returned from the portal's form with reasons for the new sections.
    let (s, sub) = applicant
        .post(&format!("/api/v1/declarations/{id}/submit"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let case_id = sub["case_id"].as_str().unwrap().to_owned();
    let mut unit = Visitor::new(&srv);
    unit.login_to("wd_hospital", PW, "/work").await;
    let queue = unit.get("/work/cases").await;
    assert!(
        queue.has("name=\"assessments\"") && queue.has("name=\"continuing_education\""),
        "{}",
        queue.body
    );
    let csrf = queue.csrf();
    unit.post(
        &format!("/work/cases/{case_id}/return"),
        &[
            ("csrf", &csrf),
            ("assessments", "缺少 2024 年度考核表"),
            ("continuing_education", "学时证明不清晰"),
        ],
    )
    .await
    .see_other("/work/cases");
    let page = web.get(&format!("/me/declarations/{id}")).await;
    assert!(page.has("年度考核：缺少 2024 年度考核表"), "{}", page.body);
    assert!(page.has("继续教育学时：学时证明不清晰"), "{}", page.body);

    // Resubmitted, and returned through the API naming the education and current-title sections.
    let (s, r) = applicant
        .post(&format!("/api/v1/declarations/{id}/submit"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let unit_api = srv.login("wd_hospital", PW).await;
    let (s, r) = unit_api
        .post(
            &format!("/api/v1/cases/{case_id}/return"),
            &json!({ "reasons": [
            { "section": "education", "reason": "学位证书不清晰" },
            { "section": "continuing_education", "reason": "缺少 2025 年学时" },
        ] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let (s, bad) = unit_api
        .post(
            &format!("/api/v1/cases/{case_id}/return"),
            &json!({ "reasons": [{ "section": "nope", "reason": "x" }] }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (_, c) = unit_api.get(&format!("/api/v1/cases/{case_id}")).await;
    assert!(
        c.to_string().contains("继续教育学时：缺少 2025 年学时"),
        "{c}"
    );
}
