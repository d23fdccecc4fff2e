//! A whole declaration in headless Chromium: a person accepts the commitment letter, creates
//! a declaration, fills every structured section through the portal form (one bad date is
//! refused by name and nothing typed is lost), uploads one PDF attachment, submits it, and
//! downloads the review form (评审表), whose text — extracted with `pdftotext` — carries the
//! person's Chinese name. Skips without Chromium unless ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::browser::{self, Browser};
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const NAME: &str = "欧阳䶮";

fn ok(s: StatusCode, body: &serde_json::Value) {
    assert!(s.is_success(), "{s}: {body}");
}

async fn fill(b: &Browser, id: &str, text: &str) {
    let e = b.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn choose(b: &Browser, id: &str, value: &str) {
    b.find(Locator::XPath(&format!(
        "//select[@id='{id}']/option[@value='{value}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
}

async fn click(b: &Browser, xpath: &str) {
    b.find(Locator::XPath(xpath))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn main_text(b: &Browser) -> String {
    b.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `pdftotext` of a PDF, or `None` (printing SKIP) when the tool is missing and not required.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = std::env::temp_dir().join(format!("zc-e2e-decl-{}", uuid::Uuid::now_v7().simple()));
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
            !browser::required(),
            "pdftotext missing and ZHICHENG_REQUIRE_BROWSER=1 (apt-get install poppler-utils)"
        );
        eprintln!("SKIP: pdftotext not installed");
        return None;
    };
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8(out.stdout).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_declares_with_an_attachment_and_downloads_the_review_form() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    // Through the API: a bureau, a unit with the title-review permission, an open plan, and
    // the person's account.
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    let (s, body) = srv
        .client()
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    ok(s, &body);
    let unit = srv.login("wd_hospital", PW).await;
    let (s, org) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    ok(s, &org);
    let bureau = srv.login("wd_hrss", PW).await;
    let now = Utc::now();
    let (s, plan) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": now.year(), "name": "工程技术人员中级职称评审", "series": "ENG", "levels": ["intermediate"],
                     "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
    ok(s, &plan);
    let (s, body) = bureau
        .post(
            &format!("/api/v1/plans/{}/open", plan["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    ok(s, &body);
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id_number(321), "name": NAME, "mobile": "13805315678", "username": "ouyang85", "password": PW }),
        )
        .await;
    ok(s, &body);

    // Sign in through the login form.
    b.goto(&srv.url("/login")).await.unwrap();
    fill(&b, "login", "ouyang85").await;
    fill(&b, "password", PW).await;
    fill(&b, "captcha_answer", CAPTCHA_ANSWER).await;
    click(&b, "//button[@type='submit']").await;
    b.wait()
        .for_element(Locator::Css("header form"))
        .await
        .unwrap();

    // The commitment letter comes first.
    b.goto(&srv.url("/me/declare")).await.unwrap();
    b.wait()
        .for_element(Locator::XPath("//button[text()='我同意']"))
        .await
        .unwrap();
    click(&b, "//button[text()='我同意']").await;

    // 新增申报信息: level, specialty, kind, unit.
    b.wait().for_element(Locator::Id("level")).await.unwrap();
    choose(&b, "level", "intermediate").await;
    // The specialty is chosen from the catalog's list for the plan's series.
    choose(&b, "specialty", "电气工程").await;
    choose(&b, "kind", "normal").await;
    b.find(Locator::XPath(
        "//select[@id='unit_id']/option[text()='威海市文登区人民医院']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(&b, "//button[text()='创建申报']").await;
    b.wait()
        .for_element(Locator::Id("completeness"))
        .await
        .unwrap();
    let page = main_text(&b).await;
    assert!(page.contains("请填写学历学位（至少一条）"), "{page}");

    // Every section, with one bad date first.
    fill(&b, "education[0].school", "山东大学").await;
    fill(&b, "education[0].major", "电气工程及其自动化").await;
    choose(&b, "education[0].level", "bachelor").await;
    choose(&b, "education[0].degree", "bachelor").await;
    fill(&b, "education[0].from", "2004-09").await;
    fill(&b, "education[0].to", "2008-13").await;
    choose(&b, "current_title.series", "ENG").await;
    choose(&b, "current_title.level", "assistant").await;
    fill(&b, "current_title.obtained", "2012-12-31").await;
    fill(&b, "current_title.certificate_number", "鲁助工2012-0815").await;
    fill(&b, "work_history[0].from", "2008-07").await;
    fill(&b, "work_history[0].employer", "威海市文登区人民医院").await;
    fill(&b, "work_history[0].position", "设备科工程师").await;
    choose(&b, "achievements[0].kind", "project").await;
    fill(&b, "achievements[0].title", "院区十千伏配电室改造").await;
    fill(&b, "achievements[0].date", "2020-05").await;
    fill(&b, "achievements[0].role", "主持").await;
    fill(&b, "assessments[0].year", "2024").await;
    choose(&b, "assessments[0].result", "excellent").await;
    fill(&b, "continuing_education[0].year", "2024").await;
    fill(&b, "continuing_education[0].hours", "96").await;
    click(&b, "//button[text()='保存草稿']").await;
    b.wait().for_element(Locator::Css(".error")).await.unwrap();
    let page = main_text(&b).await;
    assert!(page.contains("毕业年月应为年月"), "{page}");
    // What was typed is still there, in the bad field too.
    let typed = b
        .find(Locator::Id("education[0].to"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("2008-13"));
    let school = b
        .find(Locator::Id("education[0].school"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(school.as_deref(), Some("山东大学"));
    fill(&b, "education[0].to", "2008-07").await;
    click(&b, "//button[text()='保存草稿']").await;
    b.wait()
        .for_element(Locator::XPath("//*[contains(text(),'申报材料已填写完整')]"))
        .await
        .unwrap();

    // One PDF attachment through the upload form.
    let dir = std::env::temp_dir().join(format!("zc-e2e-upload-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("配电改造验收报告.pdf");
    let mut pdf = b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n".to_vec();
    pdf.resize(4096, b' ');
    std::fs::write(&file, &pdf).unwrap();
    choose(&b, "section", "achievements").await;
    b.find(Locator::Id("file"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    click(&b, "//button[text()='上传附件']").await;
    b.wait()
        .for_element(Locator::XPath("//a[text()='配电改造验收报告.pdf']"))
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);

    // 确定申报.
    click(&b, "//button[text()='确定申报']").await;
    b.wait()
        .for_element(Locator::XPath("//*[contains(text(),'已确定申报')]"))
        .await
        .unwrap();
    let page = main_text(&b).await;
    assert!(
        page.contains("单位审核中") && page.contains("正常申报") && page.contains("山东大学"),
        "{page}"
    );

    // The review form, downloaded by the browser with its own session.
    let href = b
        .find(Locator::Id("review-form"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    let fetched = b
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(buf => {
               done([r.status, r.headers.get('content-disposition') || '',
                     Array.from(new Uint8Array(buf))]);
             })).catch(e => done([0, String(e), []]));",
            vec![json!(href)],
        )
        .await
        .unwrap();
    assert_eq!(fetched[0], 200, "{fetched}");
    assert!(
        fetched[1].as_str().unwrap().starts_with("attachment"),
        "{fetched}"
    );
    let pdf: Vec<u8> = fetched[2]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| u8::try_from(x.as_u64().unwrap()).unwrap())
        .collect();
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf) {
        let compact: String = text.split_whitespace().collect();
        assert!(compact.contains(NAME), "{text}");
        assert!(compact.contains("山东大学"), "{text}");
        assert!(compact.contains("配电改造验收报告.pdf"), "{text}");
    }
    b.close().await.unwrap();
}
