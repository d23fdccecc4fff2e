//! The portal in headless Chromium: an applicant signs in through the login form, sees 我的申报
//! with its 证书状态 column and reaches the commitment letter from 新增申报; and every page of
//! every role fits a phone screen (no sideways scrolling at 390 px). Full-page screenshots at
//! phone and desktop width land in `$TMPDIR/zhicheng-shots/`. Skips without Chromium unless
//! ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::browser;
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::fixtures::id_number_from;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_applicant_signs_in_and_sees_my_declarations() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "11010519491231002X", "name": "李娜", "mobile": "13905310000", "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");

    b.goto(&srv.url("/login")).await.unwrap();
    assert_eq!(
        b.find(Locator::Css("h1"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "登录"
    );
    // A wrong password keeps what was typed and says what happened.
    b.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys("lina1949")
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wrong-Password1")
        .await
        .unwrap();
    // The captcha is a picture; a test server always asks for CAPTCHA_ANSWER.
    let img = b.find(Locator::Id("captcha-image")).await.unwrap();
    assert!(
        img.attr("src")
            .await
            .unwrap()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    b.find(Locator::Id("captcha_answer"))
        .await
        .unwrap()
        .send_keys(CAPTCHA_ANSWER)
        .await
        .unwrap();
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let alert = b
        .wait()
        .for_element(Locator::Css("[role=alert]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(alert.contains("用户名或密码错误"), "{alert}");
    assert_eq!(
        b.find(Locator::Id("login"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("lina1949")
    );

    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PW)
        .await
        .unwrap();
    // A fresh captcha was drawn with the refusal.
    b.find(Locator::Id("captcha_answer"))
        .await
        .unwrap()
        .send_keys(CAPTCHA_ANSWER)
        .await
        .unwrap();
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = b
        .wait()
        .for_element(Locator::XPath("//h1[text()='我的申报']"))
        .await
        .unwrap();
    assert_eq!(h1.text().await.unwrap(), "我的申报");
    assert!(b.current_url().await.unwrap().path().ends_with("/me"));
    let body = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        body.contains("您还没有申报记录") && body.contains("证书状态"),
        "{body}"
    );

    let shot = std::env::temp_dir().join("zhicheng-portal-me.png");
    assert!(b.save_screenshot(&shot).await.unwrap() > 1000);

    // 新增申报 leads to the commitment letter first.
    b.find(Locator::LinkText("新增申报"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let h1 = b
        .wait()
        .for_element(Locator::XPath("//h1[text()='职称申报承诺书']"))
        .await
        .unwrap();
    assert_eq!(h1.text().await.unwrap(), "职称申报承诺书");
    assert!(
        b.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/commitment")
    );
    b.find(Locator::XPath("//button[text()='我同意']"))
        .await
        .unwrap();
    b.close().await.unwrap();
}

/// A fictitious ID number with a correct check character.
fn ok(s: StatusCode, body: &serde_json::Value) {
    assert!(s.is_success(), "{s}: {body}");
}

/// Registers a person through the API; returns their API client.
async fn person(srv: &TestServer, first17: &str, name: &str, user: &str, mobile: &str) -> Client {
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id_number_from(first17), "name": name, "mobile": mobile, "username": user, "password": PW }),
        )
        .await;
    ok(s, &body);
    srv.login(user, PW).await
}

/// A person who declared and submitted; returns the case id.
async fn submitted(c: &Client, plan: &str, unit: &str, specialty: &str) -> String {
    let (s, b) = c.post("/api/v1/me/commitment", &json!({})).await;
    ok(s, &b);
    let (s, d) = c
        .post("/api/v1/declarations", &json!({ "plan_id": plan, "unit_id": unit, "level": "intermediate", "specialty": specialty,
            "materials": zhicheng_e2e::fixtures::materials() }))
        .await;
    ok(s, &d);
    let (s, d) = c
        .post(
            &format!("/api/v1/declarations/{}/submit", d["id"].as_str().unwrap()),
            &json!({}),
        )
        .await;
    ok(s, &d);
    d["case_id"].as_str().unwrap().to_owned()
}

/// Checks the current page at phone and desktop width: nothing wider than the screen on a
/// phone; full-page screenshots for a person to look at.
async fn look(b: &browser::Browser, name: &str) {
    let dir = std::env::temp_dir().join("zhicheng-shots");
    for (w, label) in [(390_u32, "phone"), (1280, "desktop")] {
        b.set_window_size(w, 844).await.unwrap();
        let h = b
            .execute("return document.documentElement.scrollHeight", vec![])
            .await
            .unwrap()
            .as_u64()
            .unwrap();
        b.set_window_size(w, u32::try_from(h.clamp(844, 6000)).unwrap() + 120)
            .await
            .unwrap();
        let widths = b
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]",
                vec![],
            )
            .await
            .unwrap();
        let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
        assert!(
            scroll <= client,
            "{name} scrolls sideways at {w}px: {scroll} > {client}"
        );
        let file = dir.join(format!("{name}-{label}.png"));
        assert!(b.save_screenshot(&file).await.unwrap() > 1000);
    }
    b.set_window_size(390, 844).await.unwrap();
}

async fn sign_in(b: &browser::Browser, srv: &TestServer, user: &str) {
    b.delete_all_cookies().await.unwrap();
    b.goto(&srv.url("/login")).await.unwrap();
    b.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    b.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PW)
        .await
        .unwrap();
    b.find(Locator::Id("captcha_answer"))
        .await
        .unwrap()
        .send_keys(CAPTCHA_ANSWER)
        .await
        .unwrap();
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("header form"))
        .await
        .unwrap();
}

async fn visit(b: &browser::Browser, srv: &TestServer, path: &str, name: &str) {
    b.goto(&srv.url(path)).await.unwrap();
    look(b, name).await;
}

async fn click(b: &browser::Browser, xpath: &str) {
    b.find(Locator::XPath(xpath))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_a_phone() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    // Data through the API: a bureau, a unit with permission and an approved path, an open
    // plan, one case waiting for the committee and one waiting for the unit.
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await;
    let (s, b_) = srv
        .client()
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    ok(s, &b_);
    let unit = srv.login("wd_hospital", PW).await;
    let (s, org) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    ok(s, &org);
    let unit_id = org["id"].as_str().unwrap().to_owned();
    let bureau = srv.login("wd_hrss", PW).await;
    let (s, link) = unit
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    ok(s, &link);
    let (s, d) = bureau
        .post(
            &format!("/api/v1/paths/{}/decision", link["id"].as_str().unwrap()),
            &json!({ "approve": true, "note": "同意" }),
        )
        .await;
    ok(s, &d);
    // A second unit waits for manual review (credit code registered in another city).
    let (s, b_) = srv
        .client()
        .post("/api/v1/units", &json!({ "name": "威海文登仁和医院有限公司", "region": "371003", "username": "wd_renhe", "password": PW }))
        .await;
    ok(s, &b_);
    let (s, b_) = srv
        .login("wd_renhe", PW)
        .await
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "12370100494087539K", "region": "371003" }),
        )
        .await;
    ok(s, &b_);
    let now = Utc::now();
    let (s, plan) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": now.year(), "name": "工程技术人员中级职称评审", "series": "ENG", "levels": ["intermediate", "senior_deputy"],
                     "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
    ok(s, &plan);
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, b_) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    ok(s, &b_);
    let a = person(
        &srv,
        "37100319850315123",
        "张伟",
        "zhangwei85",
        "13800138000",
    )
    .await;
    let case_a = submitted(&a, &plan_id, &unit_id, "电气工程").await;
    for step in ["approve", "report"] {
        let (s, b_) = unit
            .post(&format!("/api/v1/cases/{case_a}/{step}"), &json!({}))
            .await;
        ok(s, &b_);
    }
    let (s, b_) = bureau
        .post(&format!("/api/v1/cases/{case_a}/accept"), &json!({}))
        .await;
    ok(s, &b_);
    let c = person(
        &srv,
        "37100319900101002",
        "王芳",
        "wangfang90",
        "13800138001",
    )
    .await;
    submitted(&c, &plan_id, &unit_id, "机械工程").await;
    person(&srv, "11010519491231002", "李娜", "lina1949", "13905310000").await;

    // Signed out.
    visit(&b, &srv, "/login", "login").await;
    visit(&b, &srv, "/register", "register").await;
    click(&b, "//button[text()='注册']").await;
    b.wait().for_element(Locator::Css(".error")).await.unwrap();
    look(&b, "register-errors").await;
    visit(&b, &srv, "/register/unit", "register-unit").await;

    // The applicant: letter, new declaration, the draft, a refused submission.
    sign_in(&b, &srv, "lina1949").await;
    look(&b, "me").await;
    click(&b, "//main//a[text()='新增申报']").await;
    b.wait()
        .for_element(Locator::XPath("//button[text()='我同意']"))
        .await
        .unwrap();
    look(&b, "commitment").await;
    click(&b, "//button[text()='我同意']").await;
    b.wait().for_element(Locator::Id("level")).await.unwrap();
    look(&b, "declare").await;
    b.find(Locator::Css("#level option[value=intermediate]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.find(Locator::XPath(
        "//select[@id='unit_id']/option[text()='威海市文登区人民医院']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.find(Locator::XPath(
        "//select[@id='specialty']/option[text()='电气工程']",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    click(&b, "//button[text()='创建申报']").await;
    b.wait()
        .for_element(Locator::XPath("//button[text()='确定申报']"))
        .await
        .unwrap();
    look(&b, "declaration-draft").await;
    click(&b, "//button[text()='确定申报']").await;
    b.wait().for_element(Locator::Css(".error")).await.unwrap();
    let main = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        main.contains("请填写工作经历") && main.contains("请填写业绩成果"),
        "{main}"
    );
    look(&b, "declaration-incomplete").await;
    visit(&b, &srv, "/work", "applicant-on-work-403").await;

    // The unit.
    sign_in(&b, &srv, "wd_hospital").await;
    look(&b, "unit-work").await;
    visit(&b, &srv, "/work/paths", "unit-paths").await;
    visit(&b, &srv, "/work/cases", "unit-cases").await;

    // The bureau, with the vote form opened.
    sign_in(&b, &srv, "wd_hrss").await;
    look(&b, "bureau-work").await;
    visit(&b, &srv, "/work/paths", "bureau-paths").await;
    visit(&b, &srv, "/work/plans", "bureau-plans").await;
    visit(&b, &srv, "/work/cases", "bureau-cases").await;
    click(&b, "//summary[text()='录入评审结果']").await;
    look(&b, "bureau-cases-vote").await;

    // The applicant whose case is with the committee.
    sign_in(&b, &srv, "zhangwei85").await;
    click(&b, "//a[text()='查看详情']").await;
    b.wait()
        .for_element(Locator::XPath("//dt[text()='当前办理单位']"))
        .await
        .unwrap();
    look(&b, "declaration-submitted").await;
    b.close().await.unwrap();
}
