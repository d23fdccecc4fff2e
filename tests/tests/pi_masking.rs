//! PI-01: ID numbers and mobiles never reach a unit or a bureau in full. A flow from
//! registration to the unit's and the bureau's case views; every JSON body those two see is
//! scanned for an 18-character ID number with a valid check character and for an 11-digit
//! mobile number.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::{IdCardNumber, OrgKind};

const PW: &str = "Wendeng-2026!";
const ID: &str = "371003198503151231";
const MOBILE: &str = "13805315678";

/// Every full ID number (valid check character) or mobile number inside any string of `v`.
fn leaks(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut strings = Vec::new();
    collect(v, &mut strings);
    for s in strings {
        let chars: Vec<char> = s.chars().collect();
        for w in chars.windows(18) {
            let cand: String = w.iter().collect();
            if IdCardNumber::parse(&cand).is_ok() {
                out.push(cand);
            }
        }
        // Mobiles: maximal runs of exactly 11 digits starting 13–19.
        for run in s.split(|c: char| !c.is_ascii_digit()) {
            let b = run.as_bytes();
            if b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) {
                out.push(run.to_owned());
            }
        }
    }
    out
}

fn collect(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        Value::Object(o) => o.iter().for_each(|(k, x)| {
            out.push(k.clone());
            collect(x, out);
        }),
        _ => {}
    }
}

/// GETs `path` as `who` and records the body.
async fn seen(who: &Client, path: &str, bodies: &mut Vec<(String, Value)>) -> Value {
    let (s, body) = who.get(path).await;
    assert_eq!(s, StatusCode::OK, "{path}: {body}");
    bodies.push((path.to_owned(), body.clone()));
    body
}

async fn flow(srv: TestServer) {
    let mut bodies: Vec<(String, Value)> = Vec::new();
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    let bureau = srv.login("wd_hrss", PW).await;
    let anon = srv.client();
    let (s, body) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let unit = srv.login("wd_hospital", PW).await;
    let (s, granted) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    bodies.push(("permission".into(), granted.clone()));
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (_, plan) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                     "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;

    // The person registers: even the person's own registration answer is masked.
    let (s, person) = anon
        .post(
            "/api/v1/persons",
            &json!({ "id_number": ID, "name": "张伟", "mobile": MOBILE, "username": "zhangwei85", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    assert_eq!(person["id_number"], "3710**********1231");
    let applicant = srv.login(ID, PW).await;
    applicant.post("/api/v1/me/commitment", &json!({})).await;
    let (s, d) = applicant
        .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
            "materials": zhicheng_e2e::fixtures::materials() }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let declaration_id = d["id"].as_str().unwrap().to_owned();
    let (s, submitted) = applicant
        .post(
            &format!("/api/v1/declarations/{declaration_id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{submitted}");
    let case_id = submitted["case_id"].as_str().unwrap().to_owned();

    // What the unit and the bureau see.
    let queue = seen(&unit, "/api/v1/cases?status=unit_review", &mut bodies).await;
    assert_eq!(
        queue["items"].as_array().unwrap().len(),
        1,
        "the flow reached the unit"
    );
    seen(&unit, &format!("/api/v1/cases/{case_id}"), &mut bodies).await;
    seen(&unit, "/api/v1/auth/me", &mut bodies).await;
    let (s, approved) = unit
        .post(&format!("/api/v1/cases/{case_id}/approve"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{approved}");
    bodies.push(("approve".into(), approved));
    seen(&bureau, "/api/v1/cases", &mut bodies).await;
    seen(&bureau, "/api/v1/paths", &mut bodies).await;

    // The scanner itself finds a full number.
    assert_eq!(
        leaks(&json!({ "x": format!("号码{ID}") })),
        vec![ID.to_owned()]
    );
    assert_eq!(leaks(&json!([MOBILE])), vec![MOBILE.to_owned()]);
    for (path, body) in &bodies {
        assert!(
            leaks(body).is_empty(),
            "{path} shows {:?}: {body}",
            leaks(body)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_and_bureaus_never_see_full_id_or_mobile_numbers_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_and_bureaus_never_see_full_id_or_mobile_numbers_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
