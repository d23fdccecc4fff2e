//! The portal in headless Chromium: an applicant signs in through the login form and sees
//! 我的申报 with its 证书状态 column. Skips without Chromium unless ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::browser;
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};

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
    b.close().await.unwrap();
}
