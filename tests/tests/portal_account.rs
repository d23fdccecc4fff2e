//! Portal pages for 找回用户名或密码 (/recover, /recover/password/finish) and 修改密码
//! (/me/password for applicants, /work/password for staff), over HTTP with a cookie jar, on
//! SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Shandong#2026";
const NEW_PW: &str = "Weihai!Spring2027";
const NEWER_PW: &str = "Rongcheng@Sea2028";

async fn flow(srv: TestServer) {
    let (s, body) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "11010519491231002X", "name": "李娜", "mobile": "13905310000", "username": "lina1949", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;

    // 找回用户名: the same notice whatever was typed; the SMS carries the username.
    let mut v = Visitor::new(&srv);
    assert!(v.get("/login").await.has("href=\"/recover\""));
    let page = v.get("/recover").await;
    assert!(
        page.has("找回用户名") && page.has("找回密码"),
        "{}",
        page.body
    );
    let token = page.value_of("csrf");
    // Without the captcha: refused next to the field, typed values kept, nothing sent.
    let refused = v
        .post(
            "/recover/username",
            &[
                ("csrf", &token),
                ("id_number", "11010519491231002X"),
                ("mobile", "13905310000"),
                ("captcha_id", &page.value_of("captcha_id")),
                ("captcha_answer", "XXXX"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("验证码错误") && refused.has("value=\"11010519491231002X\""));
    assert_eq!(srv.state.store.sms_outbox(10).await.unwrap().len(), 0);
    let c1 = srv.client().captcha().await;
    let sent = v
        .post(
            "/recover/username",
            &[
                ("csrf", &token),
                ("id_number", "11010519491231002X"),
                ("mobile", "13905310000"),
                ("captcha_id", &c1),
                ("captcha_answer", CAPTCHA_ANSWER),
            ],
        )
        .await;
    let c2 = srv.client().captcha().await;
    let other = v
        .post(
            "/recover/username",
            &[
                ("csrf", &token),
                ("id_number", "110105194912310048"),
                ("mobile", "13905310000"),
                ("captcha_id", &c2),
                ("captcha_answer", CAPTCHA_ANSWER),
            ],
        )
        .await;
    assert_eq!(
        (sent.status, other.status),
        (StatusCode::OK, StatusCode::OK)
    );
    assert!(sent.has("短信已发送") && other.has("短信已发送"));
    let outbox = srv.state.store.sms_outbox(10).await.unwrap();
    assert_eq!(outbox.len(), 1);
    assert!(outbox[0].text.contains("lina1949"));
    assert_eq!(
        v.post(
            "/recover/username",
            &[("csrf", "x"), ("id_number", "1"), ("mobile", "1")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );

    // 找回密码: a code by SMS, then the finish form.
    let c3 = srv.client().captcha().await;
    let started = v
        .post(
            "/recover/password",
            &[
                ("csrf", &token),
                ("login", "lina1949"),
                ("mobile", "13905310000"),
                ("captcha_id", &c3),
                ("captcha_answer", CAPTCHA_ANSWER),
            ],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let to = started.location.unwrap();
    assert!(
        to.starts_with("/recover/password/finish?challenge="),
        "{to}"
    );
    let form = v.get(&to).await;
    let challenge = form.value_of("challenge_id");
    let token = form.value_of("csrf");
    let msg = srv.state.store.sms_outbox(1).await.unwrap().remove(0);
    let code: String = msg
        .text
        .chars()
        .filter(char::is_ascii_digit)
        .take(6)
        .collect();
    let mismatch = v
        .post(
            "/recover/password/finish",
            &[
                ("csrf", &token),
                ("challenge_id", &challenge),
                ("code", &code),
                ("new_password", NEW_PW),
                ("new_password2", "other"),
            ],
        )
        .await;
    assert_eq!(mismatch.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        mismatch.has("new_password2-error") && mismatch.has(&format!("value=\"{code}\"")),
        "{}",
        mismatch.body
    );
    let wrong_code = if code == "000000" { "111111" } else { "000000" };
    let wrong = v
        .post(
            "/recover/password/finish",
            &[
                ("csrf", &token),
                ("challenge_id", &challenge),
                ("code", wrong_code),
                ("new_password", NEW_PW),
                ("new_password2", NEW_PW),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong.has("code-error") && wrong.has("验证码不正确"),
        "{}",
        wrong.body
    );
    let done = v
        .post(
            "/recover/password/finish",
            &[
                ("csrf", &token),
                ("challenge_id", &challenge),
                ("code", &code),
                ("new_password", NEW_PW),
                ("new_password2", NEW_PW),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.has("密码已重置"));

    // 修改密码 for the applicant: the current password is required.
    let mut me = Visitor::new(&srv);
    assert_eq!(
        me.login("lina1949", NEW_PW).await.status,
        StatusCode::SEE_OTHER
    );
    let page = me.get("/me/password").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.value_of("csrf");
    let refused = me
        .post(
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", PW),
                ("new_password", NEWER_PW),
                ("new_password2", NEWER_PW),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("current_password-error") && refused.has("当前密码不正确"));
    let changed = me
        .post(
            "/me/password",
            &[
                ("csrf", &csrf),
                ("current_password", NEW_PW),
                ("new_password", NEWER_PW),
                ("new_password2", NEWER_PW),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert!(changed.has("密码已修改"));
    assert_eq!(me.get("/work/password").await.status, StatusCode::FORBIDDEN);
    srv.login("lina1949", NEWER_PW).await;

    // 修改密码 for staff at /work/password.
    let mut staff = Visitor::new(&srv);
    staff.login("wd_hrss", PW).await;
    let page = staff.get("/work/password").await;
    assert_eq!(page.status, StatusCode::OK);
    let csrf = page.value_of("csrf");
    let changed = staff
        .post(
            "/work/password",
            &[
                ("csrf", &csrf),
                ("current_password", PW),
                ("new_password", NEWER_PW),
                ("new_password2", NEWER_PW),
            ],
        )
        .await;
    assert!(changed.has("密码已修改"), "{}", changed.body);
    srv.login("wd_hrss", NEWER_PW).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_recovery_and_password_pages_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_recovery_and_password_pages_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
