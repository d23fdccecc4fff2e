//! 个人注册 in headless Chromium: the form shows the captcha picture, registers a person, and a
//! second registration with the same ID number gets the duplicate message that points to
//! 找回用户名或密码, with what was typed kept; the header's English switch shows the same page in
//! English (still fitting a phone). Skips without Chromium unless ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhicheng_e2e::browser::{self, Browser};
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};

const PW: &str = "Wendeng-2026!";

async fn fill(b: &Browser, id: &str, value: &str) {
    let e = b.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(value).await.unwrap();
}

/// Fills 个人注册 with `username` and submits; returns the page text afterwards.
async fn register(b: &Browser, srv: &TestServer, username: &str) -> String {
    b.goto(&srv.url("/register")).await.unwrap();
    let img = b.find(Locator::Id("captcha-image")).await.unwrap();
    assert!(
        img.attr("src")
            .await
            .unwrap()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,"),
        "the captcha is a picture"
    );
    fill(b, "id_number", "11010519491231002x").await;
    fill(b, "name", "李娜").await;
    fill(b, "ethnicity", "汉族").await;
    fill(b, "mobile", "13905310000").await;
    fill(b, "username", username).await;
    fill(b, "password", PW).await;
    fill(b, "password2", PW).await;
    fill(b, "captcha_answer", CAPTCHA_ANSWER).await;
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Css("h1")).await.unwrap();
    b.find(Locator::Css("main, body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_registers_in_the_browser_and_a_second_try_is_pointed_to_recovery() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    let done = register(&b, &srv, "lina1949").await;
    assert!(done.contains("注册成功"), "{done}");

    let dup = register(&b, &srv, "lina1950").await;
    assert!(
        dup.contains("该身份证号码已注册账号") && dup.contains("找回用户名或密码"),
        "{dup}"
    );
    let kept = b
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("lina1950"), "what was typed is kept");
    let error = b.find(Locator::Id("id_number-error")).await.unwrap();
    assert!(error.text().await.unwrap().contains("找回用户名或密码"));
    // The captcha was used up: the re-rendered form shows a new picture.
    assert!(b.find(Locator::Id("captcha-image")).await.is_ok());

    // The header's switch: the registration page again, in English.
    b.goto(&srv.url("/register")).await.unwrap();
    b.find(Locator::Css("a[href='/lang/en']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .unwrap();
    assert!(b.current_url().await.unwrap().path().ends_with("/register"));
    let h1 = b
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(h1, "Register as a person");
    let label = b
        .find(Locator::Css("label[for=id_number]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(label.starts_with("ID number"), "{label}");
    fits_a_phone(&b, "Register as a person").await;
    b.close().await.unwrap();
}

/// Picks `value` in the select `id` (the picker's script fills the next level).
async fn pick(b: &Browser, id: &str, value: &str) {
    let css = format!("#{id} option[value='{value}']");
    b.wait()
        .for_element(Locator::Css(&css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// No horizontal scrolling at phone width.
async fn fits_a_phone(b: &Browser, name: &str) {
    b.set_window_size(390, 844).await.unwrap();
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
        "{name} scrolls sideways at 390px: {scroll} > {client}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unit_registers_in_the_browser_with_the_region_picker_and_gets_its_permission() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    b.goto(&srv.url("/register/unit")).await.unwrap();
    fits_a_phone(&b, "单位注册").await;
    let img = b.find(Locator::Id("captcha-image")).await.unwrap();
    assert!(
        img.attr("src")
            .await
            .unwrap()
            .unwrap()
            .starts_with("data:image/svg+xml;base64,")
    );
    // With JavaScript the no-script button is hidden and the lists fill themselves.
    let step = b.find(Locator::Css("button[name=pick]")).await.unwrap();
    assert!(!step.is_displayed().await.unwrap());
    fill(&b, "name", "威海市文登区人民医院").await;
    pick(&b, "province", "370000").await;
    pick(&b, "city", "371000").await;
    pick(&b, "district", "371003").await;
    fill(&b, "contact_mobile", "13805315678").await;
    fill(&b, "username", "wdyy_admin").await;
    fill(&b, "password", PW).await;
    fill(&b, "password2", PW).await;
    fill(&b, "captcha_answer", CAPTCHA_ANSWER).await;
    b.find(Locator::Css("button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Css("h1")).await.unwrap();
    let done = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(done.contains("注册成功"), "{done}");

    // Sign in and apply: the picker shows the registered district; the code is granted.
    b.goto(&srv.url("/login")).await.unwrap();
    fill(&b, "login", "wdyy_admin").await;
    fill(&b, "password", PW).await;
    fill(&b, "captcha_answer", CAPTCHA_ANSWER).await;
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait().for_element(Locator::Id("uscc")).await.unwrap();
    fits_a_phone(&b, "单位信息").await;
    let district = b
        .find(Locator::Id("district"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(district.as_deref(), Some("371003"));
    fill(&b, "uscc", "123710034940875396").await;
    b.find(Locator::Css(
        "form[action='/work/permission'] button.primary",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.wait().for_element(Locator::Css("div.ok")).await.unwrap();
    let page = b
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("已开通"), "{page}");
    b.goto(&srv.url("/work/operators")).await.unwrap();
    fits_a_phone(&b, "单位经办人").await;

    // The bureau's new pages fit a phone too.
    srv.bootstrap_org(
        zhicheng_identity::OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    b.delete_all_cookies().await.unwrap();
    b.goto(&srv.url("/login")).await.unwrap();
    fill(&b, "login", "wd_hrss").await;
    fill(&b, "password", PW).await;
    fill(&b, "captcha_answer", CAPTCHA_ANSWER).await;
    b.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The login page has an h1 too: wait until the sign-in has landed on /work, or the next
    // navigation races the form's redirect.
    for _ in 0..100 {
        if b.current_url().await.unwrap().path() == "/work" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(b.current_url().await.unwrap().path(), "/work");
    for path in ["/work/units", "/work/name-corrections"] {
        b.goto(&srv.url(path)).await.unwrap();
        let text = b
            .find(Locator::Css("main"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            text.contains("威海市文登区人民医院") || path.ends_with("corrections"),
            "{text}"
        );
        fits_a_phone(&b, path).await;
    }
    b.close().await.unwrap();
}
