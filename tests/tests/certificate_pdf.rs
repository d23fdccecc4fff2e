//! The certificate as a PDF over HTTP: the happy path through the API up to an issued
//! certificate, then the holder downloads `certificate.pdf` (others get 404). When poppler's
//! `pdftotext` is installed the holder's name and the number must be in the PDF's text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_pdf_on_sqlite() {
    certificate_pdf(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_pdf_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    certificate_pdf(server).await;
}

fn ok(s: StatusCode, body: &Value) {
    assert!(s.is_success(), "{s}: {body}");
}

async fn certificate_pdf(srv: TestServer) {
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await;
    let bureau = srv.login("wd_hrss", PW).await;
    let anon = srv.client();
    let (s, b) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    ok(s, &b);
    let unit = srv.login("wd_hospital", PW).await;
    let (s, granted) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    ok(s, &granted);
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let (s, link) = unit
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    ok(s, &link);
    let link_id = link["id"].as_str().unwrap();
    let (s, b) = bureau
        .post(
            &format!("/api/v1/paths/{link_id}/decision"),
            &json!({ "approve": true }),
        )
        .await;
    ok(s, &b);

    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (s, plan) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                     "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
    ok(s, &plan);
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, b) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    ok(s, &b);

    let (s, b) = anon
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "371003198503151231", "name": "欧阳䶮", "mobile": "13805315678", "username": "ouyang85", "password": PW }),
        )
        .await;
    ok(s, &b);
    let applicant = srv.login("371003198503151231", PW).await;
    let (s, b) = applicant.post("/api/v1/me/commitment", &json!({})).await;
    ok(s, &b);
    let (s, d) = applicant
        .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
            "materials": zhicheng_e2e::fixtures::materials() }))
        .await;
    ok(s, &d);
    let declaration_id = d["id"].as_str().unwrap().to_owned();
    let (s, submitted) = applicant
        .post(
            &format!("/api/v1/declarations/{declaration_id}/submit"),
            &json!({}),
        )
        .await;
    ok(s, &submitted);
    let case_id = submitted["case_id"].as_str().unwrap().to_owned();
    for (who, step, body) in [
        (&unit, "approve", json!({})),
        (&unit, "report", json!({})),
        (&bureau, "accept", json!({})),
        (
            &bureau,
            "vote",
            json!({ "members": 25, "attending": 17, "yes": 12, "no": 4, "abstain": 1 }),
        ),
        (&bureau, "certificate", json!({})),
    ] {
        let (s, b) = who
            .post(&format!("/api/v1/cases/{case_id}/{step}"), &body)
            .await;
        ok(s, &b);
    }

    // The holder downloads the PDF.
    let path = format!("/api/v1/declarations/{declaration_id}/certificate.pdf");
    let resp = applicant.get_raw(&path).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let headers = resp.headers().clone();
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(".pdf"),
        "{disposition}"
    );
    assert_eq!(headers["x-content-type-options"], "nosniff");
    let pdf = resp.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());

    // Nobody else gets it.
    assert_eq!(unit.get_raw(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(bureau.get_raw(&path).await.status(), StatusCode::NOT_FOUND);

    // The JSON download names the same number the PDF shows.
    let (s, file) = applicant
        .get(&format!(
            "/api/v1/declarations/{declaration_id}/certificate"
        ))
        .await;
    assert_eq!(s, StatusCode::OK);
    let number = file["payload"]["number"].as_str().unwrap().to_owned();
    assert!(disposition.contains(&number), "{disposition}");
    let verify_path = file["payload"]["verify_path"].as_str().unwrap().to_owned();

    let dir = std::env::temp_dir().join(format!("zc-e2e-pdf-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("c.pdf"), &pdf).unwrap();
    let Ok(out) = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(dir.join("c.pdf"))
        .arg("-")
        .output()
    else {
        assert!(
            std::env::var("ZHICHENG_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "pdftotext missing and ZHICHENG_REQUIRE_BROWSER=1 (apt-get install poppler-utils)"
        );
        eprintln!("SKIP: pdftotext not installed");
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("欧阳䶮"), "{text}");
    assert!(text.contains(&number), "{text}");
    // The QR link and printed URL point at this server's verify page.
    let compact: String = text.split_whitespace().collect();
    assert!(
        compact.contains(&format!("{}{verify_path}", srv.base)),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
