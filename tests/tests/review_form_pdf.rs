//! Generated documents over HTTP, on SQLite and PostgreSQL: the review form (评审表) of a
//! submitted declaration downloads as a PDF for the applicant and the unit (another unit gets
//! 404) and its text carries the applicant's name, the title and the materials; the summary
//! table (一览表) downloads as XLSX (a workbook whose sheet names the applicant) and as PDF.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Read;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const SENTENCE: &str = "主持完成院区十千伏配电室改造项目，年节约电费八十余万元。";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_on_sqlite() {
    documents(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn documents_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    documents(server).await;
}

fn ok(s: StatusCode, body: &Value) {
    assert!(s.is_success(), "{s}: {body}");
}

async fn unit(srv: &TestServer, name: &str, user: &str, uscc: &str) -> (Client, String) {
    let (s, b) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": name, "region": "371003", "username": user, "password": PW }),
        )
        .await;
    ok(s, &b);
    let c = srv.login(user, PW).await;
    let (s, granted) = c
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": uscc, "region": "371003" }),
        )
        .await;
    ok(s, &granted);
    let id = granted["id"].as_str().unwrap().to_owned();
    (c, id)
}

async fn upload_pdf(c: &Client, declaration: &str, name: &str) -> Value {
    let mut body = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec();
    body.resize(2048, b' ');
    let (s, v) = c
        .upload_attachment(declaration, "achievements", name, body)
        .await;
    ok(s, &v);
    v
}

/// `pdftotext` output, or `None` when poppler is not installed (a failure when
/// ZHICHENG_REQUIRE_BROWSER=1, as CI installs it).
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("zc-e2e-form-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("f.pdf"), pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(dir.join("f.pdf"))
        .arg("-")
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    let Ok(out) = out else {
        assert!(
            std::env::var("ZHICHENG_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "pdftotext missing and ZHICHENG_REQUIRE_BROWSER=1 (apt-get install poppler-utils)"
        );
        eprintln!("SKIP: pdftotext not installed");
        return None;
    };
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

fn assert_download(resp: &reqwest::Response, content_type: &str, ext: &str) {
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(h["content-type"], content_type);
    let d = h["content-disposition"].to_str().unwrap();
    assert!(d.starts_with("attachment") && d.contains(ext), "{d}");
}

async fn documents(srv: TestServer) {
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
    let (hospital, hospital_id) = unit(
        &srv,
        "威海市文登区人民医院",
        "wd_hospital",
        "123710034940875396",
    )
    .await;
    let (other, _) = unit(
        &srv,
        "威海市文登区第二中学",
        "wd_school",
        "91371003MA3C8P1X4Q",
    )
    .await;
    let (s, link) = hospital
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    ok(s, &link);
    let (s, b) = bureau
        .post(
            &format!("/api/v1/paths/{}/decision", link["id"].as_str().unwrap()),
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

    let anon = srv.client();
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
    let long_history =
        "2008年7月至今在威海市文登区人民医院设备科从事医用电气设备与供配电系统的运行维护工作，"
            .repeat(40);
    let mut materials = zhicheng_e2e::fixtures::materials();
    materials["summary"] = json!(long_history);
    materials["achievements"][0]["title"] = json!(SENTENCE);
    materials["achievements"][0]["details"] = json!("=HYPERLINK(\"x\")");
    let (s, d) = applicant
        .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": hospital_id, "level": "intermediate", "specialty": "电气工程",
            "materials": materials }))
        .await;
    ok(s, &d);
    let declaration_id = d["id"].as_str().unwrap().to_owned();
    let file = upload_pdf(&applicant, &declaration_id, "配电改造验收报告.pdf").await;
    let sha = file["sha256"].as_str().unwrap().to_owned();
    let (s, submitted) = applicant
        .post(
            &format!("/api/v1/declarations/{declaration_id}/submit"),
            &json!({}),
        )
        .await;
    ok(s, &submitted);

    // The review form: the applicant and the unit download it; another unit gets 404.
    let path = format!("/api/v1/declarations/{declaration_id}/review-form.pdf");
    let mut forms = Vec::new();
    for c in [&applicant, &hospital] {
        let resp = c.get_raw(&path).await;
        assert_download(&resp, "application/pdf", ".pdf");
        let pdf = resp.bytes().await.unwrap().to_vec();
        assert!(pdf.starts_with(b"%PDF-"));
        forms.push(pdf);
    }
    assert_eq!(other.get_raw(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(bureau.get_raw(&path).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(anon.get_raw(&path).await.status(), StatusCode::UNAUTHORIZED);

    if let Some(text) = pdf_text(&forms[1]) {
        let compact: String = text.split_whitespace().collect();
        assert!(compact.contains("欧阳䶮"), "{text}");
        assert!(compact.contains("工程师"), "{text}");
        assert!(compact.contains(SENTENCE), "{text}");
        assert!(compact.contains(&sha), "hash of the attachment: {text}");
        assert!(compact.contains("确定申报"), "approval trail: {text}");
        assert!(compact.contains("3710**********1231"), "masked ID: {text}");
        assert!(!compact.contains("371003198503151231"), "{text}");
        // The long work history flows onto a second page.
        assert!(compact.contains("第2页/共"), "{text}");
    }

    // The summary table for the unit: XLSX and PDF.
    let q = format!("plan={plan_id}&series=ENG&level=intermediate");
    let resp = hospital
        .get_raw(&format!("/api/v1/cases/summary.xlsx?{q}"))
        .await;
    assert_download(
        &resp,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ".xlsx",
    );
    let xlsx = resp.bytes().await.unwrap().to_vec();
    assert!(xlsx.starts_with(b"PK\x03\x04"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).unwrap();
    let mut xml = String::new();
    for name in ["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"] {
        zip.by_name(name).unwrap().read_to_string(&mut xml).unwrap();
    }
    assert!(xml.contains("欧阳䶮"), "{xml}");
    assert!(xml.contains("威海市文登区人民医院"), "{xml}");

    let resp = hospital
        .get_raw(&format!("/api/v1/cases/summary.pdf?{q}"))
        .await;
    assert_download(&resp, "application/pdf", ".pdf");
    let pdf = resp.bytes().await.unwrap().to_vec();
    if let Some(text) = pdf_text(&pdf) {
        assert!(text.contains("欧阳䶮"), "{text}");
    }

    // Another unit's table is empty; applicants have no summary; a bad level is 422.
    let resp = other
        .get_raw(&format!("/api/v1/cases/summary.xlsx?{q}"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(resp.bytes().await.unwrap().to_vec())).unwrap();
    let mut xml = String::new();
    zip.by_name("xl/sharedStrings.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    assert!(!xml.contains("欧阳䶮"), "{xml}");
    let s = applicant
        .get_raw(&format!("/api/v1/cases/summary.pdf?{q}"))
        .await
        .status();
    assert!(
        s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
        "{s}"
    );
    let s = hospital
        .get_raw(&format!(
            "/api/v1/cases/summary.xlsx?plan={plan_id}&series=ENG&level=bogus"
        ))
        .await
        .status();
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}
