//! Signing in returns to where the person was (issue 4: nothing typed lost to an expired
//! session), on SQLite and PostgreSQL: a signed-out visit to a declaration page redirects to
//! `/login?next=<that page>`, the login form carries `next`, and signing in goes there. Only
//! same-site relative paths are followed: `https://evil`, `//evil` and `/\evil` land on the
//! person's own page instead (no open redirect). Signing out marks the login page so it
//! clears the browser's unsaved form copies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::scenario::{PW, Scenario};
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_next_on_sqlite() {
    login_next(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_next_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    login_next(server).await;
}

/// Signs in through the form with `next` and returns where it sends the visitor.
async fn sign_in_with_next(srv: &TestServer, user: &str, next: &str) -> String {
    let mut v = Visitor::new(srv);
    let form = v.get("/login").await;
    let captcha_id = form.value_of("captcha_id");
    let r = v
        .post(
            "/login",
            &[
                ("login", user),
                ("password", PW),
                ("captcha_id", &captcha_id),
                ("captcha_answer", CAPTCHA_ANSWER),
                ("next", next),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location.unwrap()
}

async fn login_next(srv: TestServer) {
    let sc = Scenario::new(&srv, &["intermediate"], &["intermediate"]).await;
    let a = sc
        .drafted(&srv, 1, "王芳", "intermediate", "电气工程")
        .await;
    let page = format!("/me/declarations/{}", a.declaration_id);

    // Signed out (or expired): the redirect names the page to come back to.
    let mut anon = Visitor::new(&srv);
    let r = anon.get(&format!("{page}?x=1")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.location.unwrap();
    assert_eq!(
        to,
        format!(
            "/login?next=%2Fme%2Fdeclarations%2F{}%3Fx%3D1",
            a.declaration_id
        )
    );
    let login = anon.get(&to).await;
    assert_eq!(login.status, StatusCode::OK);
    assert_eq!(login.value_of("next"), format!("{page}?x=1"));
    assert!(login.has("id=\"login-next\""));

    // Signing in goes back there.
    assert_eq!(sign_in_with_next(&srv, &a.username, &page).await, page);
    // Anything but a same-site relative path is ignored: the person's own page instead.
    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "/login?next=/me",
        " /me",
    ] {
        assert_eq!(
            sign_in_with_next(&srv, &a.username, evil).await,
            "/me",
            "{evil}"
        );
        let mut u = reqwest::Url::parse(&srv.url("/login")).unwrap();
        u.query_pairs_mut().append_pair("next", evil);
        let form = Visitor::new(&srv)
            .get(&format!("/login?{}", u.query().unwrap()))
            .await;
        assert!(!form.has("name=\"next\""), "{evil} kept in the form");
    }
    // Staff land on their own page as before when there is no next.
    assert_eq!(sign_in_with_next(&srv, "wd_hospital", "").await, "/work");

    // Signing out sends to a login page that clears unsaved copies.
    let mut v = Visitor::new(&srv);
    v.login_to(&a.username, PW, "/me").await;
    let me = v.get("/me").await;
    let out = v.post("/logout", &[("csrf", &me.csrf())]).await;
    out.see_other("/login?signed_out=1");
    let login = v.get("/login?signed_out=1").await;
    assert!(login.has("zhicheng.unsaved."), "{}", login.body);
    assert!(!v.get("/login").await.has("zhicheng.unsaved."));
}
