//! The status timeline (issue 4), on SQLite and PostgreSQL: every step so far with who, which
//! organisation, when and the opinion; who holds the case now and since when; and the steps
//! still ahead — the rest of the route, then 受理 → 评审 → 结果公示 → 发证 — shrinking as the case
//! moves. Before the unit reports, the route comes from the approved links; when they do not
//! make a complete route the answer says which link and who must act, and lists no steps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::scenario::{BUREAU, PW, Scenario, UNIT, ok};
use zhicheng_e2e::server::{Client, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_on_sqlite() {
    timeline(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timeline_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    timeline(server).await;
}

async fn get_timeline(c: &Client, case: &str) -> Value {
    let (s, t) = c.get(&format!("/api/v1/cases/{case}/timeline")).await;
    assert_eq!(s, StatusCode::OK, "{t}");
    t
}

fn kinds(t: &Value) -> Vec<String> {
    t["ahead"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect()
}

async fn timeline(srv: TestServer) {
    let sc = Scenario::new(&srv, &["intermediate", "assistant"], &["intermediate"]).await;
    let a = sc
        .submitted(&srv, 1, "王芳", "intermediate", "电气工程")
        .await;

    // Submitted: the unit holds it; the bureau and the final steps lie ahead.
    let t = get_timeline(&a.client, &a.case_id).await;
    assert_eq!(t["holder_kind"], "organisation", "{t}");
    assert_eq!(t["holder_id"], sc.unit_id.as_str());
    assert_eq!(t["holder_name"], UNIT);
    assert_eq!(t["status"], "unit_review");
    assert!(t["held_since"].is_string());
    assert_eq!(
        kinds(&t),
        [
            "organisation",
            "acceptance",
            "committee",
            "publicity",
            "certificate"
        ]
    );
    assert_eq!(t["ahead"][0]["org_id"], sc.bureau_id.as_str());
    assert_eq!(t["ahead"][0]["org_name"], BUREAU);
    assert_eq!(t["ahead"][1]["name"], "受理");
    assert!(t["route_gap"].is_null());
    assert_eq!(t["ended"], false);
    let done = t["done"].as_array().unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0]["action"], "submitted");
    assert_eq!(done[0]["actor_name"], "申报人本人");
    assert_eq!(done[0]["by_org_name"], "申报人本人");
    assert_eq!(done[0]["to_org_name"], UNIT);

    // The unit approves and reports: the bureau holds it; only the final steps remain.
    ok(
        &sc.unit,
        &format!("/api/v1/cases/{}/approve", a.case_id),
        json!({}),
    )
    .await;
    ok(
        &sc.unit,
        &format!("/api/v1/cases/{}/report", a.case_id),
        json!({}),
    )
    .await;
    let t = get_timeline(&a.client, &a.case_id).await;
    assert_eq!(t["holder_id"], sc.bureau_id.as_str(), "{t}");
    assert_eq!(t["holder_name"], BUREAU);
    assert_eq!(t["status"], "pending_acceptance");
    assert_eq!(
        kinds(&t),
        ["acceptance", "committee", "publicity", "certificate"]
    );
    let done = t["done"].as_array().unwrap();
    assert_eq!(done.len(), 3, "{t}");
    assert_eq!(done[2]["action"], "reported");
    assert_eq!(done[2]["by_org_name"], UNIT);
    assert_eq!(done[2]["to_org_name"], BUREAU);
    assert_eq!(done[2]["actor_name"], "wd_hospital");
    // The same timeline for the organisations on the way.
    let seen_by_bureau = get_timeline(&sc.bureau, &a.case_id).await;
    assert_eq!(kinds(&seen_by_bureau), kinds(&t));

    // Accepted: acceptance is done.
    ok(
        &sc.bureau,
        &format!("/api/v1/cases/{}/accept", a.case_id),
        json!({}),
    )
    .await;
    let t = get_timeline(&a.client, &a.case_id).await;
    assert_eq!(kinds(&t), ["committee", "publicity", "certificate"], "{t}");

    // The portal shows the same: the holder since when, done, current and ahead.
    let mut v = Visitor::new(&srv);
    v.login_to(&a.username, PW, "/me").await;
    let page = v
        .get(&format!("/me/declarations/{}", a.declaration_id))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.has(&format!("当前办理单位：{BUREAU}")),
        "{}",
        page.body
    );
    assert!(page.has("已受理，待评审") && page.has("结果公示") && page.has("发证"));
    assert!(page.has("class=\"done\"") && page.has("aria-current=\"step\""));
    assert!(!page.has("路径尚未完整"));

    // A level without a route: no steps invented; the gap and who must act instead.
    let b = sc.submitted(&srv, 2, "李强", "assistant", "电气工程").await;
    let t = get_timeline(&b.client, &b.case_id).await;
    assert_eq!(t["holder_id"], sc.unit_id.as_str(), "{t}");
    assert!(t["ahead"].as_array().unwrap().is_empty(), "{t}");
    assert_eq!(t["route_gap"]["code"], "path.no_approved_path");
    let msg = t["route_gap"]["message"].as_str().unwrap();
    assert!(msg.contains(UNIT) && msg.contains("路径申请"), "{msg}");

    // The unit asks for the path: now it waits for the bureau's approval.
    ok(
        &sc.unit,
        "/api/v1/paths",
        json!({ "series": "ENG", "level": "assistant", "parent_id": sc.bureau_id }),
    )
    .await;
    let t = get_timeline(&b.client, &b.case_id).await;
    let msg = t["route_gap"]["message"].as_str().unwrap();
    assert!(msg.contains("待审核") && msg.contains(BUREAU), "{msg}");
    assert!(t["ahead"].as_array().unwrap().is_empty());
    let mut w = Visitor::new(&srv);
    w.login_to(&b.username, PW, "/me").await;
    let page = w
        .get(&format!("/me/declarations/{}", b.declaration_id))
        .await;
    assert!(
        page.has("路径尚未完整") && page.has("待审核"),
        "{}",
        page.body
    );
    assert!(page.has(&format!("当前办理单位：{UNIT}")));

    // Out of reach: another applicant's case answers 404.
    let (s, _) = b
        .client
        .get(&format!("/api/v1/cases/{}/timeline", a.case_id))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
