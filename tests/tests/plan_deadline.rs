//! Plan deadlines and time zones over HTTP, on SQLite and PostgreSQL with a settable clock:
//! a plan carries its unit review/report deadline and time zone; reporting (one case or a
//! batch) after the deadline is refused with the deadline in the plan's zone in the message;
//! the portal shows a countdown to the end of the window without JavaScript.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::clock::TestClock;
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::portal::Visitor;
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-06-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_on_sqlite() {
    let clock = TestClock::at(t0());
    deadline_flow(TestServer::sqlite_with(Some(clock.clone())).await, clock).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deadline_on_postgres() {
    let clock = TestClock::at(t0());
    let Some(server) = TestServer::postgres_with(Some(clock.clone())).await else {
        return;
    };
    deadline_flow(server, clock).await;
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or_default()
}

async fn ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, v) = c.post(path, &body).await;
    assert!(s.is_success(), "{path}: {s} {v}");
    v
}

async fn deadline_flow(srv: TestServer, clock: TestClock) {
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await;
    let bureau = srv.login("wd_hrss", PW).await;
    let anon = srv.client();
    let (s, _) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let unit = srv.login("wd_hospital", PW).await;
    let granted = ok(
        &unit,
        "/api/v1/units/me/permission",
        json!({ "uscc": "123710034940875396", "region": "371003" }),
    )
    .await;
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let link = ok(
        &unit,
        "/api/v1/paths",
        json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
    )
    .await;
    ok(
        &bureau,
        &format!("/api/v1/paths/{}/decision", link["id"].as_str().unwrap()),
        json!({ "approve": true }),
    )
    .await;

    // The plan: window of ten days, units report until 2026-06-21 17:00 Beijing time.
    let plan = |deadline: &str, tz: &str| {
        json!({ "year": 2026, "name": "2026年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
            "window_start": t0() - Duration::hours(1), "window_end": t0() + Duration::days(10),
            "report_deadline": deadline, "time_zone": tz })
    };
    let (s, bad) = bureau
        .post(
            "/api/v1/plans",
            &plan("2026-06-05T00:00:00Z", "Asia/Shanghai"),
        )
        .await;
    assert_eq!(
        (s, code(&bad)),
        (StatusCode::UNPROCESSABLE_ENTITY, "plan.deadline_order"),
        "{bad}"
    );
    assert_eq!(bad["fields"][0]["field"], "report_deadline");
    let (s, bad) = bureau
        .post(
            "/api/v1/plans",
            &plan("2026-06-21T09:00:00Z", "Mars/Olympus"),
        )
        .await;
    assert_eq!(
        (s, code(&bad)),
        (StatusCode::UNPROCESSABLE_ENTITY, "plan.time_zone"),
        "{bad}"
    );
    assert_eq!(bad["fields"][0]["field"], "time_zone");
    // Notes (备注) are optional and bounded: one character too many is refused by field.
    let mut too_long = plan("2026-06-21T09:00:00Z", "Asia/Shanghai");
    too_long["notes"] = json!("注".repeat(2001));
    let (s, bad) = bureau.post("/api/v1/plans", &too_long).await;
    assert_eq!(
        (s, code(&bad)),
        (StatusCode::UNPROCESSABLE_ENTITY, "plan.notes_too_long"),
        "{bad}"
    );
    assert_eq!(bad["fields"][0]["field"], "notes");
    let mut with_notes = plan("2026-06-21T09:00:00Z", "Asia/Shanghai");
    with_notes["notes"] = json!("  请于截止前完成单位公示。\n咨询电话：0631-8451234  ");
    let created = ok(&bureau, "/api/v1/plans", with_notes).await;
    assert_eq!(
        created["notes"],
        "请于截止前完成单位公示。\n咨询电话：0631-8451234"
    );
    assert_eq!(created["time_zone"], "Asia/Shanghai");
    assert_eq!(created["report_deadline"], "2026-06-21T09:00:00+00:00");
    let plan_id = created["id"].as_str().unwrap().to_owned();
    ok(&bureau, &format!("/api/v1/plans/{plan_id}/open"), json!({})).await;

    // Two applicants submit; the unit approves both.
    let mut cases = Vec::new();
    for n in 0..2u32 {
        let idn = id_number(300 + n);
        let (s, p) = anon
            .post("/api/v1/persons", &json!({ "id_number": idn, "name": "王芳", "mobile": format!("1380531{:04}", 6000 + n),
                "username": format!("deadline{n}"), "password": PW }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let a = srv.login(&idn, PW).await;
        ok(&a, "/api/v1/me/commitment", json!({})).await;
        let d = ok(
            &a,
            "/api/v1/declarations",
            json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate",
            "specialty": "电气工程", "materials": zhicheng_e2e::fixtures::materials() }),
        )
        .await;
        let sub = ok(
            &a,
            &format!("/api/v1/declarations/{}/submit", d["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
        let case = sub["case_id"].as_str().unwrap().to_owned();
        ok(&unit, &format!("/api/v1/cases/{case}/approve"), json!({})).await;
        cases.push(case);
    }

    // The portal counts down to the end of the window, in plain HTML (a script only updates it).
    let mut web = Visitor::new(&srv);
    web.login_to("deadline0", PW, "/me").await;
    let page = web.get(&format!("/me/declare?plan={plan_id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.has("距截止还有 10 天 0 小时"), "{}", page.body);
    assert!(
        page.has("data-countdown-end=\"2026-06-11T00:00:00Z\""),
        "{}",
        page.body
    );
    assert!(page.has("2026-06-11 08:00（北京时间）"), "{}", page.body);
    assert!(page.has("备注：请于截止前完成单位公示。"), "{}", page.body);
    clock.advance(Duration::days(9) + Duration::hours(23) + Duration::minutes(30));
    let mut web = Visitor::new(&srv);
    web.login_to("deadline0", PW, "/me").await;
    let page = web.get(&format!("/me/declare?plan={plan_id}")).await;
    assert!(page.has("距截止不足 1 小时"), "{}", page.body);

    // Before the deadline a case is reported (signed in again: sessions expire while idle).
    clock.set(t0() + Duration::days(20));
    let unit = srv.login("wd_hospital", PW).await;
    ok(
        &unit,
        &format!("/api/v1/cases/{}/report", cases[0]),
        json!({}),
    )
    .await;

    // After it, neither one case nor a batch moves; the message names the deadline.
    clock.set(t0() + Duration::days(20) + Duration::hours(9) + Duration::minutes(1));
    let unit = srv.login("wd_hospital", PW).await;
    let (s, refused) = unit
        .post(&format!("/api/v1/cases/{}/report", cases[1]), &json!({}))
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "plan.report_deadline_passed"),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("2026-06-21 17:00（北京时间）"),
        "{refused}"
    );
    assert!(
        refused["message_en"]
            .as_str()
            .unwrap()
            .contains("2026-06-21 17:00 (Asia/Shanghai)")
    );
    let (s, refused) = unit
        .post(
            "/api/v1/cases/report",
            &json!({ "series": "ENG", "level": "intermediate", "case_ids": [cases[1]] }),
        )
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "batch.not_all_movable"),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("plan.report_deadline_passed"),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("2026-06-21 17:00（北京时间）"),
        "{refused}"
    );
    let (_, c1) = unit.get(&format!("/api/v1/cases/{}", cases[1])).await;
    assert_eq!(c1["status"], "ready_to_report");
}
