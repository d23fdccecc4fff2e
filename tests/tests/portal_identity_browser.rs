//! 个人注册 in headless Chromium: the form shows the captcha picture, registers a person, and a
//! second registration with the same ID number gets the duplicate message that points to
//! 找回用户名或密码, with what was typed kept. Skips without Chromium unless
//! ZHICHENG_REQUIRE_BROWSER=1.

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
    b.close().await.unwrap();
}
