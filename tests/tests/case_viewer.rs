//! The reviewer's side-by-side view (issue 5: "open a declaration with its attachments side by
//! side"), on SQLite and PostgreSQL: the unit's case page lists each attachment with 对照查看;
//! `?view=<attachment>` shows it in a frame (PDF) or as an image beside the materials; the
//! inline source answers with the verified type, `inline`, `nosniff` and framing allowed to this
//! site only, while every other page still refuses to be framed. Another unit gets neither the
//! page nor the file; an unknown `view` shows nothing beside the materials.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::scenario::{PW, Scenario};
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::OrgKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn side_by_side_on_sqlite() {
    side_by_side(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn side_by_side_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    side_by_side(server).await;
}

fn pdf() -> Vec<u8> {
    let mut v = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec();
    v.resize(2048, b' ');
    v
}

fn png() -> Vec<u8> {
    let mut v = vec![0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    v.extend_from_slice(b"\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0");
    v
}

fn header(r: &reqwest::Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

async fn side_by_side(srv: TestServer) {
    let sc = Scenario::new(&srv, &["intermediate"], &["intermediate"]).await;
    let mut a = sc
        .drafted(&srv, 1, "王芳", "intermediate", "电气工程")
        .await;
    let paper = a.attach("achievements", "论文一.pdf", pdf()).await;
    let diploma = a.attach("education", "毕业证书.png", png()).await;
    a.submit().await;
    let paper_id = paper["id"].as_str().unwrap();
    let diploma_id = diploma["id"].as_str().unwrap();
    let case_page = format!("/work/cases/{}", a.case_id);

    let mut unit = Visitor::new(&srv);
    unit.login_to("wd_hospital", PW, "/work").await;

    // The plain page: both attachments offered for side-by-side viewing, no viewer open.
    let page = unit.get(&case_page).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.has("论文一.pdf") && page.has("毕业证书.png"),
        "{}",
        page.body
    );
    assert!(page.has(&format!("{case_page}?view={paper_id}#viewer")));
    assert!(page.has(&format!("{case_page}?view={diploma_id}#viewer")));
    assert!(!page.has("id=\"viewer\""), "{}", page.body);

    // The PDF beside the materials, in a frame of this site.
    let page = unit.get(&format!("{case_page}?view={paper_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("id=\"viewer\""), "{}", page.body);
    assert!(
        page.has(&format!(
            "<iframe src=\"/files/attachments/{paper_id}/view\""
        )),
        "{}",
        page.body
    );
    assert!(page.has("side-by-side open"));
    assert!(page.has("正在对照"));
    // The image as an image.
    let page = unit.get(&format!("{case_page}?view={diploma_id}")).await;
    assert!(
        page.has(&format!(
            "<img src=\"/files/attachments/{diploma_id}/view\""
        )),
        "{}",
        page.body
    );
    // An unknown or malformed id opens nothing.
    for bad in ["0190b6a0-0000-7000-8000-000000000000", "nonsense"] {
        let page = unit.get(&format!("{case_page}?view={bad}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.has("id=\"viewer\""), "{bad}: {}", page.body);
    }

    // The inline source: the verified type, shown inline, framable by this site only.
    let r = unit
        .get_raw(&format!("/files/attachments/{paper_id}/view"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "application/pdf");
    assert!(header(&r, "content-disposition").starts_with("inline;"));
    assert!(header(&r, "content-disposition").contains("filename*=UTF-8''"));
    assert_eq!(header(&r, "x-content-type-options"), "nosniff");
    assert_eq!(header(&r, "x-frame-options"), "SAMEORIGIN");
    let csp = header(&r, "content-security-policy");
    assert!(csp.contains("frame-ancestors 'self'"), "{csp}");
    assert!(!csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(r.bytes().await.unwrap().as_ref(), pdf().as_slice());
    let r = unit
        .get_raw(&format!("/files/attachments/{diploma_id}/view"))
        .await;
    assert_eq!(header(&r, "content-type"), "image/png");

    // The download stays a download, and pages still refuse any framing.
    let r = unit
        .get_raw(&format!("/files/attachments/{paper_id}"))
        .await;
    assert!(header(&r, "content-disposition").starts_with("attachment;"));
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    let r = unit.get_raw(&case_page).await;
    assert_eq!(header(&r, "x-frame-options"), "DENY");
    assert!(header(&r, "content-security-policy").contains("frame-ancestors 'none'"));

    // Another unit: neither the case page nor the file.
    srv.bootstrap_org(
        OrgKind::EmployerUnit,
        "威海市文登区中医院",
        "371003",
        "wd_tcm",
        PW,
    )
    .await;
    let mut other = Visitor::new(&srv);
    other.login_to("wd_tcm", PW, "/work").await;
    let page = other.get(&format!("{case_page}?view={paper_id}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND, "{}", page.body);
    assert!(!page.has("论文一.pdf"));
    let r = other
        .get_raw(&format!("/files/attachments/{paper_id}/view"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Signed out: to the login page.
    let anon = Visitor::new(&srv);
    let r = anon
        .get_raw(&format!("/files/attachments/{paper_id}/view"))
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}
