//! Attachments over HTTP, once on SQLite and once on PostgreSQL: upload (streamed, checked by
//! magic bytes and size while it arrives), list, download with safe headers, reach (other
//! applicants and units get 404), delete while draft and not after submission (issue 4,
//! FILE-01 and FILE-03).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
/// The per-file limit of the test servers.
const LIMIT: usize = 4096;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_sqlite() {
    attachments(TestServer::sqlite_tuned(|c| c.max_attachment_bytes = Some(LIMIT as u64)).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_on_postgres() {
    let Some(server) =
        TestServer::postgres_tuned(|c| c.max_attachment_bytes = Some(LIMIT as u64)).await
    else {
        return;
    };
    attachments(server).await;
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

fn pdf(len: usize) -> Vec<u8> {
    let mut v = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec();
    v.resize(len, b' ');
    v
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0");
    v
}

async fn upload(
    c: &Client,
    declaration: &str,
    section: &str,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    c.upload_attachment(declaration, section, name, bytes).await
}

async fn delete(c: &Client, path: &str) -> (StatusCode, Value) {
    let resp = c
        .http
        .delete(format!("{}{path}", c.base))
        .bearer_auth(c.token.as_deref().unwrap())
        .send()
        .await
        .unwrap();
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

/// Sends headers announcing a body far over the limit, then only `limit + 1` bytes, and waits
/// for the answer. A server that buffered the whole body would still be waiting for the rest.
fn oversized_without_finishing(base: &str, token: &str, declaration: &str) -> String {
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let announced = LIMIT * 1000;
    let head = format!(
        "POST /api/v1/declarations/{declaration}/attachments?section=achievements&filename=big.pdf HTTP/1.1\r\n\
         Host: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/octet-stream\r\n\
         Content-Length: {announced}\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(&pdf(LIMIT + 1)).unwrap();
    s.flush().unwrap();
    let mut buf = vec![0u8; 4096];
    let n = s
        .read(&mut buf)
        .expect("the server answers before the body ends");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

struct World {
    applicant: Client,
    other_applicant: Client,
    unit: Client,
    other_unit: Client,
    declaration: String,
    other_declaration: String,
}

async fn world(srv: &TestServer) -> World {
    srv.bootstrap_org(
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
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let unit = srv.login("wd_hospital", PW).await;
    let (s, granted) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let (s, b) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区中心小学", "region": "371003", "username": "wd_school", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    let other_unit = srv.login("wd_school", PW).await;

    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (s, plan) = bureau
        .post("/api/v1/plans", &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
            "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, _) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);

    let mut people = Vec::new();
    for (id_number, name, mobile, username) in [
        ("371003198503151231", "张伟", "13805315678", "zhangwei85"),
        ("371003199001011233", "李娜", "13805315679", "lina90"),
    ] {
        let (s, p) = anon
            .post("/api/v1/persons", &json!({ "id_number": id_number, "name": name, "mobile": mobile, "username": username, "password": PW }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let c = srv.login(id_number, PW).await;
        let (s, _) = c.post("/api/v1/me/commitment", &json!({})).await;
        assert_eq!(s, StatusCode::OK);
        let (s, d) = c
            .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
                "materials": zhicheng_e2e::fixtures::materials() }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        people.push((c, d["id"].as_str().unwrap().to_owned()));
    }
    let (other_applicant, other_declaration) = people.pop().unwrap();
    let (applicant, declaration) = people.pop().unwrap();
    World {
        applicant,
        other_applicant,
        unit,
        other_unit,
        declaration,
        other_declaration,
    }
}

async fn attachments(srv: TestServer) {
    let w = world(&srv).await;
    let d = &w.declaration;

    // A PDF and a PNG (Chinese name kept) are stored with their hash and detected kind.
    let diploma = pdf(1500);
    let (s, a) = upload(
        &w.applicant,
        d,
        "education",
        "学位证书.pdf",
        diploma.clone(),
    )
    .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(
        (a["kind"].as_str(), a["size"].as_u64()),
        (Some("pdf"), Some(1500))
    );
    assert_eq!(a["file_name"], "学位证书.pdf");
    assert_eq!(
        a["sha256"].as_str().unwrap(),
        zhicheng_declaration_sha(&diploma)
    );
    let pdf_id = a["id"].as_str().unwrap().to_owned();
    let (s, b) = upload(&w.applicant, d, "basic", "../../etc/身份证.PNG", png()).await;
    assert_eq!(s, StatusCode::CREATED, "{b}");
    assert_eq!(
        (b["kind"].as_str(), b["file_name"].as_str()),
        (Some("png"), Some("身份证.PNG"))
    );
    let png_id = b["id"].as_str().unwrap().to_owned();
    // Stored by content address under the data directory, never by the user's name.
    let sha = a["sha256"].as_str().unwrap();
    let blob = srv.data_dir.join("blobs").join(&sha[..2]).join(&sha[2..]);
    assert_eq!(std::fs::read(&blob).unwrap(), diploma);

    // List, and the count in the declaration.
    let (s, list) = w
        .applicant
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["file_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["学位证书.pdf", "身份证.PNG"]);
    let (_, dto) = w.applicant.get(&format!("/api/v1/declarations/{d}")).await;
    assert_eq!(dto["attachment_count"], 2, "{dto}");

    // Download: bytes equal, a download with a UTF-8 name, the right type, nosniff.
    let resp = w
        .applicant
        .get_raw(&format!("/api/v1/attachments/{pdf_id}"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["x-content-type-options"], "nosniff");
    let cd = h["content-disposition"].to_str().unwrap();
    assert!(cd.starts_with("attachment;"), "{cd}");
    assert!(
        cd.contains("filename*=UTF-8''%E5%AD%A6%E4%BD%8D%E8%AF%81%E4%B9%A6.pdf"),
        "{cd}"
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), diploma);
    let resp = w
        .applicant
        .get_raw(&format!("/api/v1/attachments/{png_id}"))
        .await;
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(resp.bytes().await.unwrap().to_vec(), png());

    // A renamed .exe is refused, naming the file and the rule; nothing is stored.
    let mut exe = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xFF\xFF\0\0".to_vec();
    exe.resize(600, 0);
    let (s, e) = upload(&w.applicant, d, "achievements", "论文.pdf", exe).await;
    assert_eq!(
        (s, code(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "attachment.content_mismatch"
        ),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("论文.pdf"), "{e}");
    assert!(e["message"].as_str().unwrap().contains("PDF"), "{e}");
    let (s, e) = upload(&w.applicant, d, "achievements", "setup.exe", pdf(100)).await;
    assert_eq!(
        (s, code(&e)),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "attachment.kind_not_allowed"
        ),
        "{e}"
    );

    // One byte over the limit: 413. At the limit: fine.
    let (s, e) = upload(&w.applicant, d, "achievements", "big.pdf", pdf(LIMIT + 1)).await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::PAYLOAD_TOO_LARGE, "attachment.file_too_large"),
        "{e}"
    );
    assert!(e["message"].as_str().unwrap().contains("big.pdf"), "{e}");
    // Refused while streaming: the answer comes although most of the announced body never
    // arrives.
    let (base, token, decl) = (
        srv.base.clone(),
        w.applicant.token.clone().unwrap(),
        d.clone(),
    );
    let raw =
        tokio::task::spawn_blocking(move || oversized_without_finishing(&base, &token, &decl))
            .await
            .unwrap();
    assert!(raw.starts_with("HTTP/1.1 413"), "{raw}");
    let (s, e) = upload(&w.applicant, d, "achievements", "exact.pdf", pdf(LIMIT)).await;
    assert_eq!(s, StatusCode::CREATED, "{e}");
    let exact_id = e["id"].as_str().unwrap().to_owned();
    let (_, list) = w
        .applicant
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");

    // Out of reach: another applicant, another unit, the unit before submission → 404.
    for c in [&w.other_applicant, &w.other_unit, &w.unit] {
        let (s, _) = c
            .get(&format!("/api/v1/declarations/{d}/attachments"))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND);
        assert_eq!(
            c.get_raw(&format!("/api/v1/attachments/{pdf_id}"))
                .await
                .status(),
            StatusCode::NOT_FOUND
        );
    }
    let (s, _) = upload(&w.other_applicant, d, "basic", "x.pdf", pdf(100)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = delete(&w.other_applicant, &format!("/api/v1/attachments/{pdf_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = w
        .applicant
        .get(&format!(
            "/api/v1/declarations/{}/attachments",
            w.other_declaration
        ))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = srv
        .client()
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Delete while draft.
    let (s, gone) = delete(&w.applicant, &format!("/api/v1/attachments/{exact_id}")).await;
    assert_eq!(s, StatusCode::OK, "{gone}");
    assert_eq!(
        w.applicant
            .get_raw(&format!("/api/v1/attachments/{exact_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (_, list) = w
        .applicant
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");

    // Submitted: the unit it reached may read; nothing can be added or removed any more.
    let (s, sub) = w
        .applicant
        .post(&format!("/api/v1/declarations/{d}/submit"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{sub}");
    let (s, list) = w
        .unit
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(
        (s, list.as_array().map(Vec::len)),
        (StatusCode::OK, Some(2)),
        "{list}"
    );
    let resp = w
        .unit
        .get_raw(&format!("/api/v1/attachments/{pdf_id}"))
        .await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.bytes().await.unwrap().to_vec(), diploma);
    assert_eq!(
        w.other_unit
            .get_raw(&format!("/api/v1/attachments/{pdf_id}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (s, e) = delete(&w.applicant, &format!("/api/v1/attachments/{pdf_id}")).await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::CONFLICT, "attachment.not_draft"),
        "{e}"
    );
    let (s, e) = upload(&w.applicant, d, "basic", "late.pdf", pdf(100)).await;
    assert_eq!(
        (s, code(&e)),
        (StatusCode::CONFLICT, "attachment.not_draft"),
        "{e}"
    );
    let (_, list) = w
        .applicant
        .get(&format!("/api/v1/declarations/{d}/attachments"))
        .await;
    assert_eq!(list.as_array().unwrap().len(), 2);
}

/// SHA-256 as lower-case hex, computed independently of the server.
fn zhicheng_declaration_sha(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}
