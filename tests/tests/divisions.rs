//! The region picker: `GET /api/v1/divisions` lists provinces, a province's cities and a
//! city's districts; the portal's unit registration works without JavaScript (显示下级地区
//! re-shows the form with the next level, typed values kept) and registers the district
//! picked; a code that is not in the list is refused. SQLite and PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::Value;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};

fn codes(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap(),
                d["name"].as_str().unwrap()
            )
        })
        .collect()
}

async fn flow(srv: TestServer) {
    let c = srv.client();
    let (s, provinces) = c.get("/api/v1/divisions").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(provinces.as_array().unwrap().len(), 31);
    assert!(codes(&provinces).contains(&"370000 山东省".to_owned()));
    let (_, cities) = c.get("/api/v1/divisions?parent=370000").await;
    assert!(codes(&cities).contains(&"371000 威海市".to_owned()));
    assert_eq!(cities[0]["level"], "prefecture");
    let (_, districts) = c.get("/api/v1/divisions?parent=371000").await;
    assert!(codes(&districts).contains(&"371003 文登区".to_owned()));
    let (s, body) = c.get("/api/v1/divisions?parent=371081").await;
    assert_eq!(
        (s, body["fields"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("parent"))
    );

    // The portal form, step by step without JavaScript.
    let mut v = Visitor::new(&srv);
    let page = v.get("/register/unit").await;
    assert!(page.has("<option value=\"370000\">山东省</option>"));
    let token = page.csrf();
    let base = [
        ("csrf", token.as_str()),
        ("name", "威海市文登区人民医院"),
        ("contact_mobile", "13805315678"),
        ("username", "wdyy_admin"),
        ("password", "Wendeng-2026!"),
        ("password2", "Wendeng-2026!"),
    ];
    let mut form = base.to_vec();
    form.extend([
        ("province", "370000"),
        ("city", ""),
        ("district", ""),
        ("pick", "1"),
    ]);
    let step = v.post("/register/unit", &form).await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(
        step.has("<option value=\"371000\">威海市</option>")
            && step.has("value=\"威海市文登区人民医院\"")
    );
    let mut form = base.to_vec();
    form.extend([
        ("province", "370000"),
        ("city", "371000"),
        ("district", ""),
        ("pick", "1"),
    ]);
    let step = v.post("/register/unit", &form).await;
    assert!(step.has("<option value=\"371003\">文登区</option>"));
    assert!(step.has("<option value=\"371000\" selected>威海市</option>"));
    let captcha = step.value_of("captcha_id");
    let mut form = base.to_vec();
    form.extend([
        ("province", "370000"),
        ("city", "371000"),
        ("district", "371003"),
        ("captcha_id", captcha.as_str()),
        ("captcha_answer", CAPTCHA_ANSWER),
    ]);
    let done = v.post("/register/unit", &form).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let admin = srv.login("wdyy_admin", "Wendeng-2026!").await;
    let (_, me) = admin.get("/api/v1/auth/me").await;
    let (_, org) = admin
        .get(&format!("/api/v1/orgs/{}", me["org_id"].as_str().unwrap()))
        .await;
    assert_eq!(org["region"], "371003");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_picker_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_picker_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
