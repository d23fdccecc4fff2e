//! The portal in Chinese and English, at the HTTP level on SQLite and PostgreSQL: Chinese by
//! default; `Accept-Language` picks English when there is no cookie; the 中文 | English switch
//! sets the `lang` cookie (which then wins) and goes back to the page it was clicked on; with
//! English chosen the login page, the registration page, a refused field and the signed-in
//! pages (navigation, the bureau's queue with its count) are in English, `<html lang>`
//! follows, and the inline English duplicates of the Chinese pages are gone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

async fn page_with(srv: &TestServer, path: &str, header: (&str, &str)) -> String {
    reqwest::Client::new()
        .get(srv.url(path))
        .header(header.0, header.1)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn flow(srv: TestServer) {
    // Chinese by default.
    let mut v = Visitor::new(&srv);
    let login = v.get("/login").await;
    assert!(login.has("<html lang=\"zh-CN\">"), "{}", login.body);
    assert!(login.has("立即登录") && login.has("用户名或身份证号码"));
    assert!(login.has("href=\"/lang/en\"") && login.has("href=\"/lang/zh-CN\""));
    assert!(!login.has("Sign in"));
    let register = v.get("/register").await;
    assert!(register.has("个人注册") && register.has("身份证号码"));

    // Accept-Language picks English without a cookie; the cookie wins over it.
    let en = page_with(&srv, "/login", ("accept-language", "en-US,en;q=0.9")).await;
    assert!(en.contains("<html lang=\"en\">") && en.contains("Username or ID number"));
    let zh = page_with(&srv, "/login", ("cookie", "lang=zh-CN; other=1")).await;
    assert!(zh.contains("立即登录"));

    // The switch: back to the page it was clicked on, the cookie set for a year.
    let switched = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(srv.url("/lang/en"))
        .header("referer", srv.url("/register?from=switch"))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), StatusCode::SEE_OTHER);
    assert_eq!(switched.headers()["location"], "/register?from=switch");
    let cookie = switched.headers()["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("lang=en;") && cookie.contains("Max-Age=31536000"));

    v.get("/lang/en").await.see_other("/");
    let login = v.get("/login").await;
    assert!(login.has("<html lang=\"en\">"), "{}", login.body);
    for text in [
        "Username or ID number",
        "Password",
        "Captcha",
        "Register as a person",
        "Recover username or password",
        "Sign in",
    ] {
        assert!(login.has(text), "{text}: {}", login.body);
    }
    assert!(!login.has("立即登录") && !login.has("用户名或身份证号码"));
    // A refused captcha, in English.
    let refused = v
        .post(
            "/login",
            &[
                ("login", "nobody1"),
                ("password", PW),
                ("captcha_id", &login.value_of("captcha_id")),
                ("captcha_answer", "WRONG"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("captcha_answer-error"));
    assert!(
        !refused.has("验证码不正确") && !refused.has("验证码错误"),
        "{}",
        refused.body
    );

    // Registration in English, with a field error in English next to the field.
    let form = v.get("/register").await;
    for text in [
        "Register as a person",
        "ID number",
        "Mobile number",
        "Fields marked * are required",
    ] {
        assert!(form.has(text), "{text}");
    }
    assert!(!form.has("个人注册"));
    let bad = v
        .post(
            "/register",
            &[
                ("csrf", &form.value_of("csrf")),
                ("id_number", "110105194912310021"),
                ("name", "李娜"),
                ("mobile", "13905310000"),
                ("username", "lina1949"),
                ("password", PW),
                ("password2", PW),
                ("captcha_id", &form.value_of("captcha_id")),
                ("captcha_answer", CAPTCHA_ANSWER),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.has("id=\"id_number-error\"")
            && bad.has("the last character does not match the check rule"),
        "{}",
        bad.body
    );
    assert!(!bad.has("身份证号码校验位不正确"));
    assert!(bad.has("value=\"李娜\""), "typed values kept");

    // Signed in with English chosen: navigation, the unit page, the bureau's queue and count.
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    let (s, _) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": "威海市文登区第二医院", "region": "371003", "username": "wdey_admin", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let unit = srv.login("wdey_admin", PW).await;
    let (s, body) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "12370100494087539K", "region": "371003" }),
        )
        .await;
    assert_eq!(
        (s, body["permission"].as_str()),
        (StatusCode::OK, Some("manual_review"))
    );
    v.login_to("wd_hrss", PW, "/work").await;
    let work = v.get("/work").await;
    for text in [
        "Sign out",
        "Units",
        "Name corrections",
        "Change password",
        "HR bureau",
        "Permission applications awaiting manual review",
        "1 waiting",
        "Approve",
    ] {
        assert!(work.has(text), "{text}: {}", work.body);
    }
    assert!(!work.has("退出登录") && !work.has("待人工审核的单位权限申请"));
    let units = v.get("/work/units").await;
    assert!(units.has("Reset the administrator"), "{}", units.body);
    assert!(
        !units.has("lang=\"en\">Units in your jurisdiction"),
        "no inline duplicate"
    );

    // Pages not translated yet still work under English (Chinese content, English chrome).
    for path in [
        "/work/cases",
        "/work/paths",
        "/work/plans",
        "/verify/ZC0000000000000000",
    ] {
        let p = v.get(path).await;
        assert!(
            p.status == StatusCode::OK || p.status == StatusCode::NOT_FOUND,
            "{path}: {}",
            p.status
        );
        assert!(p.has("</html>"), "{path}");
    }

    // Back to Chinese.
    v.get("/lang/zh-CN").await.see_other("/");
    let work = v.get("/work").await;
    assert!(work.has("<html lang=\"zh-CN\">") && work.has("待审核 1 个") && work.has("退出登录"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_chinese_and_english_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_chinese_and_english_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
