//! Nothing typed lost to an expired session (issue 4), in headless Chromium: the person types
//! into two sections of a draft, the session ends on the server, 保存草稿 lands on the login
//! page, signing in comes back to the declaration, which offers what was typed (发现未保存的
//! 内容 … 恢复 / 放弃); 恢复 puts the values back, saving them succeeds and the banner does not
//! come back. Skips without Chromium unless ZHICHENG_REQUIRE_BROWSER=1.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use zhicheng_e2e::browser;
use zhicheng_e2e::fantoccini::Locator;
use zhicheng_e2e::scenario::{PW, Scenario};
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::SessionToken;
use zhicheng_identity::ports::IdentityRepo;

/// The form field named `name` (a section may share the id of its only field).
async fn field(b: &browser::Browser, name: &str) -> zhicheng_e2e::fantoccini::elements::Element {
    b.find(Locator::Css(&format!("[name=\"{name}\"]")))
        .await
        .unwrap()
}

async fn fill(b: &browser::Browser, name: &str, text: &str) {
    let e = field(b, name).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn value(b: &browser::Browser, name: &str) -> String {
    field(b, name)
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default()
}

async fn sign_in(b: &browser::Browser, user: &str) {
    b.wait().for_element(Locator::Id("login")).await.unwrap();
    fill(b, "login", user).await;
    fill(b, "password", PW).await;
    fill(b, "captcha_answer", CAPTCHA_ANSWER).await;
    b.find(Locator::XPath("//main//button[@type='submit']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_values_survive_an_expired_session() {
    let Some(b) = browser::start_browser().await else {
        return;
    };
    let srv = TestServer::sqlite().await;
    let sc = Scenario::new(&srv, &["intermediate"], &["intermediate"]).await;
    let a = sc
        .drafted(&srv, 1, "王芳", "intermediate", "电气工程")
        .await;
    let page = format!("/me/declarations/{}", a.declaration_id);

    b.goto(&srv.url("/login")).await.unwrap();
    sign_in(&b, &a.username).await;
    b.wait()
        .for_element(Locator::Css("header form"))
        .await
        .unwrap();
    b.goto(&srv.url(&page)).await.unwrap();
    b.wait()
        .for_element(Locator::Id("materials"))
        .await
        .unwrap();
    assert!(b.find(Locator::Id("unsaved")).await.is_err());

    // Type into two sections.
    let school = "山东大学（会话过期后恢复）";
    let summary = "任现职以来主持配电室改造，会话过期前写下的总结。";
    fill(&b, "education[0].school", school).await;
    fill(&b, "summary", summary).await;

    // The session ends on the server (as an idle timeout would), then 保存草稿.
    let cookie = b.get_named_cookie("zc_session").await.unwrap();
    let token = SessionToken::presented(cookie.value());
    srv.state.store.delete_session(&token.hash()).await.unwrap();
    b.find(Locator::XPath("//button[text()='保存草稿']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The login page, which knows where to return.
    b.wait()
        .for_element(Locator::Id("login-next"))
        .await
        .unwrap();
    let url = b.current_url().await.unwrap();
    assert_eq!(url.path(), "/login", "{url}");
    sign_in(&b, &a.username).await;

    // Back on the declaration: the banner offers what was typed.
    let banner = b.wait().for_element(Locator::Id("unsaved")).await.unwrap();
    let url = b.current_url().await.unwrap();
    assert_eq!(url.path(), page, "{url}");
    let text = banner.text().await.unwrap();
    assert!(text.contains("发现未保存的内容（上次编辑于 "), "{text}");
    assert_ne!(value(&b, "education[0].school").await, school);
    b.find(Locator::Id("unsaved-restore"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(value(&b, "education[0].school").await, school);
    assert_eq!(value(&b, "summary").await, summary);
    assert!(b.find(Locator::Id("unsaved")).await.is_err());

    // Saving succeeds; the copies are gone, so the banner does not come back.
    b.find(Locator::XPath("//button[text()='保存草稿']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    b.wait()
        .for_element(Locator::Css("div.ok[role=status]"))
        .await
        .unwrap();
    let url = b.current_url().await.unwrap();
    assert!(url.query().unwrap_or_default().contains("saved=1"), "{url}");
    assert!(b.find(Locator::Id("unsaved")).await.is_err());
    b.goto(&srv.url(&page)).await.unwrap();
    b.wait()
        .for_element(Locator::Id("materials"))
        .await
        .unwrap();
    assert!(b.find(Locator::Id("unsaved")).await.is_err());
    assert_eq!(value(&b, "education[0].school").await, school);
    let (_, d) = a
        .client
        .get(&format!("/api/v1/declarations/{}", a.declaration_id))
        .await;
    assert_eq!(d["materials"]["education"][0]["school"], school, "{d}");
    assert_eq!(d["materials"]["summary"], summary);

    // Type again, then discard: the page keeps the saved values.
    fill(&b, "summary", "不要的修改").await;
    b.goto(&srv.url(&page)).await.unwrap();
    b.wait().for_element(Locator::Id("unsaved")).await.unwrap();
    b.find(Locator::Id("unsaved-discard"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(value(&b, "summary").await, summary);
    b.goto(&srv.url(&page)).await.unwrap();
    b.wait()
        .for_element(Locator::Id("materials"))
        .await
        .unwrap();
    assert!(b.find(Locator::Id("unsaved")).await.is_err());
    b.close().await.unwrap();
}
