//! Issue 5 over HTTP, on SQLite and PostgreSQL: a route unit → competent department → HR
//! bureau requested and approved hop by hop; bulk approval; all-or-nothing, idempotent batch
//! reporting; a department's return and the re-report; a supplement notice and the
//! resubmission; a refusal with its ground; withdrawal, return to the applicant and
//! resubmission; the case history; and another unit seeing nothing (404).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const NAMES: [&str; 4] = ["王芳", "李强", "刘洋", "陈静"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_on_sqlite() {
    reporting(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reporting_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    reporting(server).await;
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn status_of(c: &Client, case: &str) -> (String, String) {
    let (s, body) = c.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    (
        body["status"].as_str().unwrap().to_owned(),
        body["holder_id"].as_str().unwrap().to_owned(),
    )
}

async fn ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, b) = c.post(path, &body).await;
    assert_eq!(s, StatusCode::OK, "{path}: {b}");
    b
}

async fn reporting(srv: TestServer) {
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await
        .to_string();
    let dept_id = srv
        .bootstrap_org(
            OrgKind::CompetentDepartment,
            "威海市文登区卫生健康局",
            "371003",
            "wd_health",
            PW,
        )
        .await
        .to_string();
    srv.bootstrap_org(
        OrgKind::EmployerUnit,
        "威海市文登区中医院",
        "371003",
        "wd_tcm",
        PW,
    )
    .await;
    let bureau = srv.login("wd_hrss", PW).await;
    let dept = srv.login("wd_health", PW).await;
    let other_unit = srv.login("wd_tcm", PW).await;

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

    // Route requested hop by hop: unit → department, department → bureau.
    let path = json!({ "series": "ENG", "level": "intermediate", "parent_id": dept_id });
    let (s, unit_link) = unit.post("/api/v1/paths", &path).await;
    assert_eq!(s, StatusCode::CREATED, "{unit_link}");
    let path = json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id });
    let (s, dept_link) = dept.post("/api/v1/paths", &path).await;
    assert_eq!(s, StatusCode::CREATED, "{dept_link}");

    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (s, plan) = bureau
        .post("/api/v1/plans", &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                 "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    ok(&bureau, &format!("/api/v1/plans/{plan_id}/open"), json!({})).await;

    // Four applicants declare and submit.
    let mut applicants = Vec::new();
    let mut cases = Vec::new();
    for n in 0..4u32 {
        let idn = id_number(200 + n);
        let (s, p) = anon
            .post("/api/v1/persons", &json!({ "id_number": idn, "name": NAMES[n as usize], "mobile": format!("1380531{:04}", 5000 + n),
                "username": format!("applicant{n}"), "password": PW }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let a = srv.login(&idn, PW).await;
        ok(&a, "/api/v1/me/commitment", json!({})).await;
        let (s, d) = a
            .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "临床医学工程",
                "materials": zhicheng_e2e::fixtures::materials() }))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{d}");
        let did = d["id"].as_str().unwrap().to_owned();
        let sub = ok(&a, &format!("/api/v1/declarations/{did}/submit"), json!({})).await;
        cases.push(sub["case_id"].as_str().unwrap().to_owned());
        applicants.push((a, did));
    }
    let (c0, c1, c2, c3) = (&cases[0], &cases[1], &cases[2], &cases[3]);

    // Another unit sees neither the queue nor the case nor its history.
    let (_, queue) = other_unit.get("/api/v1/cases").await;
    assert_eq!(queue["items"].as_array().unwrap().len(), 0, "{queue}");
    assert_eq!(queue["total"], 0, "{queue}");
    assert_eq!(
        other_unit.get(&format!("/api/v1/cases/{c0}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        other_unit
            .get(&format!("/api/v1/cases/{c0}/history"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, _) = other_unit
        .post(&format!("/api/v1/cases/{c0}/approve"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Approval: one by one, then a bulk approval sent twice under one key approves once.
    ok(&unit, &format!("/api/v1/cases/{c0}/approve"), json!({})).await;
    let body = json!({ "case_ids": [c1, c2] });
    let (s, first) = unit
        .post_with_key("/api/v1/cases/approve", "approve-1", &body)
        .await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let (s, again) = unit
        .post_with_key("/api/v1/cases/approve", "approve-1", &body)
        .await;
    assert_eq!((s, &again), (StatusCode::OK, &first));
    let (s, body) = unit
        .post_with_key(
            "/api/v1/cases/approve",
            "approve-1",
            &json!({ "case_ids": [c1] }),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "batch.key_reused"),
        "{body}"
    );
    // Two operators approving the same case at once: one wins, one is told it is done.
    let (one, empty, bulk) = (
        format!("/api/v1/cases/{c3}/approve"),
        json!({}),
        json!({ "case_ids": [c3] }),
    );
    let (a, b) = tokio::join!(
        unit.post(&one, &empty),
        unit.post_with_key("/api/v1/cases/approve", "approve-2", &bulk),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let approvals = |h: &Value| {
        h.as_array()
            .unwrap()
            .iter()
            .filter(|x| x["action"] == "unit_approved")
            .count()
    };
    let (_, h3) = unit.get(&format!("/api/v1/cases/{c3}/history")).await;
    assert_eq!(approvals(&h3), 1, "{h3}");

    // Reporting with a pending link is refused, and nothing moves.
    let report = json!({ "series": "ENG", "level": "intermediate", "case_ids": [c0, c1, c2] });
    let (s, refused) = unit
        .post_with_key("/api/v1/cases/report", "report-0", &report)
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "path.no_approved_path"),
        "{refused}"
    );
    // The refusal names the link and who must act.
    assert_eq!(
        refused["message"].as_str().unwrap(),
        "威海市文登区人民医院 → 威海市文登区卫生健康局 的上报路径待审核：请联系 威海市文登区卫生健康局 审核",
        "{refused}"
    );
    assert_eq!(status_of(&unit, c0).await.0, "ready_to_report");

    // The department approves the unit's link, then the bureau the department's.
    let link = |v: &Value| v["id"].as_str().unwrap().to_owned();
    ok(
        &dept,
        &format!("/api/v1/paths/{}/decision", link(&unit_link)),
        json!({ "approve": true }),
    )
    .await;
    let (s, refused) = unit
        .post_with_key("/api/v1/cases/report", "report-0", &report)
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "path.no_approved_path"),
        "{refused}"
    );
    assert_eq!(
        refused["message"].as_str().unwrap(),
        "威海市文登区卫生健康局 → 威海市文登区人力资源和社会保障局 的上报路径待审核：请联系 威海市文登区人力资源和社会保障局 审核",
        "{refused}"
    );
    ok(
        &bureau,
        &format!("/api/v1/paths/{}/decision", link(&dept_link)),
        json!({ "approve": true }),
    )
    .await;

    // A batch with an unknown case moves nothing and names it.
    let bad = json!({ "series": "ENG", "level": "intermediate", "case_ids": [c0, "00000000-0000-0000-0000-000000000000"] });
    let (s, body) = unit.post("/api/v1/cases/report", &bad).await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::CONFLICT, "batch.not_all_movable"),
        "{body}"
    );
    assert_eq!(body["fields"][0]["code"], "case.not_found");
    assert_eq!(status_of(&unit, c0).await.0, "ready_to_report");

    // The same batch twice (a double click) reports once.
    let (s, reported) = unit
        .post_with_key("/api/v1/cases/report", "report-1", &report)
        .await;
    assert_eq!(s, StatusCode::OK, "{reported}");
    assert!(
        reported
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == "in_transit" && c["holder_id"] == dept_id.as_str())
    );
    let (s, replay) = unit
        .post_with_key("/api/v1/cases/report", "report-1", &report)
        .await;
    assert_eq!((s, &replay), (StatusCode::OK, &reported));
    let (_, h0) = unit.get(&format!("/api/v1/cases/{c0}/history")).await;
    let reports = h0
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["action"] == "reported")
        .count();
    assert_eq!(reports, 1, "{h0}");
    let (_, dq) = dept
        .get("/api/v1/cases?series=ENG&level=intermediate")
        .await;
    assert_eq!(dq["items"].as_array().unwrap().len(), 3, "{dq}");
    let (_, uq) = other_unit.get("/api/v1/cases?status=in_transit").await;
    assert_eq!(uq["items"].as_array().unwrap().len(), 0);

    // The department returns c0; the unit reports it again.
    let (s, body) = dept
        .post(
            &format!("/api/v1/cases/{c0}/return-to-unit"),
            &json!({ "reason": " " }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let back = ok(
        &dept,
        &format!("/api/v1/cases/{c0}/return-to-unit"),
        json!({ "reason": "缺少单位推荐意见" }),
    )
    .await;
    assert_eq!(
        (back["status"].as_str(), back["holder_id"].as_str()),
        (Some("returned_to_unit"), Some(unit_id.as_str()))
    );
    assert_eq!(back["decision_text"], "缺少单位推荐意见");
    ok(&unit, &format!("/api/v1/cases/{c0}/report"), json!({})).await;

    // The bureau revokes the department's link: cases already past the unit's hop still
    // travel on the route they froze, new reports are refused and name the revocation.
    let dept_link_id = link(&dept_link);
    let (s, body) = dept
        .post(
            &format!("/api/v1/paths/{dept_link_id}/revoke"),
            &json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "only the parent revokes: {body}");
    let (s, body) = bureau
        .post(
            &format!("/api/v1/paths/{dept_link_id}/revoke"),
            &json!({ "reason": "  " }),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "path.reason_required"),
        "{body}"
    );
    let revoked = ok(
        &bureau,
        &format!("/api/v1/paths/{dept_link_id}/revoke"),
        json!({ "reason": "主管部门职能调整" }),
    )
    .await;
    assert_eq!(revoked["status"], "revoked");
    for side in [&dept, &bureau] {
        let (s, h) = side
            .get(&format!("/api/v1/paths/{dept_link_id}/history"))
            .await;
        assert_eq!(s, StatusCode::OK, "{h}");
        let actions: Vec<&str> = h["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["path.requested", "path.decided", "path.revoked"]);
        assert_eq!(h["events"][2]["detail"]["reason"], "主管部门职能调整");
    }
    assert_eq!(
        unit.get(&format!("/api/v1/paths/{dept_link_id}/history"))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (s, refused) = unit
        .post(&format!("/api/v1/cases/{c3}/report"), &json!({}))
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "path.no_approved_path"),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("已被 威海市文登区人力资源和社会保障局 撤销"),
        "{refused}"
    );

    // 路径健康检查: the unit sees its (series, level) and the broken link; the bureau sees
    // every unit of its region; another unit sees nothing of it.
    let health = format!("/api/v1/paths/health?plan={plan_id}");
    for viewer in [&unit, &bureau] {
        let (s, h) = viewer.get(&health).await;
        assert_eq!(s, StatusCode::OK, "{h}");
        let rows = h.as_array().unwrap();
        assert_eq!(rows.len(), 1, "{h}");
        assert_eq!(
            (
                rows[0]["unit_id"].as_str(),
                rows[0]["series"].as_str(),
                rows[0]["level"].as_str(),
                rows[0]["status"].as_str(),
                rows[0]["at_org_name"].as_str(),
                rows[0]["parent_org_name"].as_str(),
            ),
            (
                Some(unit_id.as_str()),
                Some("ENG"),
                Some("intermediate"),
                Some("revoked"),
                Some("威海市文登区卫生健康局"),
                Some("威海市文登区人力资源和社会保障局"),
            ),
            "{h}"
        );
    }
    let (s, h) = other_unit.get(&health).await;
    assert_eq!((s, h.as_array().map(Vec::len)), (StatusCode::OK, Some(0)));
    let (s, _) = applicants[0].0.get(&health).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The department requests a new link; while pending the check says so; once approved the
    // route is complete again.
    let (s, relink) = dept
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{relink}");
    let (_, h) = unit.get(&health).await;
    assert_eq!(h[0]["status"], "pending", "{h}");
    ok(
        &bureau,
        &format!("/api/v1/paths/{}/decision", link(&relink)),
        json!({ "approve": true }),
    )
    .await;
    let (_, h) = bureau.get(&health).await;
    assert_eq!(h[0]["status"], "complete", "{h}");
    assert_eq!(
        h[0]["route"],
        json!([
            "威海市文登区人民医院",
            "威海市文登区卫生健康局",
            "威海市文登区人力资源和社会保障局"
        ])
    );
    for c in [c0, c1, c2] {
        ok(&dept, &format!("/api/v1/cases/{c}/forward"), json!({})).await;
        assert_eq!(
            status_of(&bureau, c).await,
            ("pending_acceptance".to_owned(), bureau_id.clone())
        );
    }

    // 一次性告知 on c0, back with the unit; resubmitted; accepted.
    let deadline = Utc::now() + Duration::days(10);
    let (s, body) = bureau
        .post(
            &format!("/api/v1/cases/{c0}/supplement"),
            &json!({ "items": [], "deadline": deadline }),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "case.no_items"),
        "{body}"
    );
    let sup = ok(
        &bureau,
        &format!("/api/v1/cases/{c0}/supplement"),
        json!({ "items": ["继续教育学时证明", "论文原件"], "deadline": deadline }),
    )
    .await;
    assert_eq!(
        (sup["status"].as_str(), sup["holder_id"].as_str()),
        (Some("supplement_required"), Some(unit_id.as_str()))
    );
    assert_eq!(
        bureau
            .post(&format!("/api/v1/cases/{c0}/accept"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    ok(
        &unit,
        &format!("/api/v1/cases/{c0}/supplement/resubmit"),
        json!({}),
    )
    .await;
    let acc = ok(&bureau, &format!("/api/v1/cases/{c0}/accept"), json!({})).await;
    assert_eq!(acc["status"], "accepted");

    // 不予受理 with its ground.
    let (s, body) = bureau
        .post(
            &format!("/api/v1/cases/{c1}/refuse"),
            &json!({ "ground": "bribe", "note": "x" }),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "case.unknown_ground"),
        "{body}"
    );
    let refused = ok(
        &bureau,
        &format!("/api/v1/cases/{c1}/refuse"),
        json!({ "ground": "fraud", "note": "业绩材料与原件不符" }),
    )
    .await;
    assert_eq!(refused["status"], "not_accepted");
    assert_eq!(refused["decision_text"], "弄虚作假：业绩材料与原件不符");

    // The whole story of c0, hop by hop.
    let (_, h0) = unit.get(&format!("/api/v1/cases/{c0}/history")).await;
    let actions: Vec<&str> = h0
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "unit_approved",
            "reported",
            "returned_to_unit",
            "reported",
            "forwarded",
            "supplement_requested",
            "supplement_resubmitted",
            "accepted"
        ]
    );
    let hop = &h0[3];
    assert_eq!(
        (
            hop["from_org"].as_str(),
            hop["to_org"].as_str(),
            hop["opinion"].as_str()
        ),
        (
            Some(dept_id.as_str()),
            Some(unit_id.as_str()),
            Some("缺少单位推荐意见")
        )
    );
    assert!(hop["actor"].as_str().unwrap().starts_with("account:"));
    let (a0, _) = &applicants[0];
    assert_eq!(
        a0.get(&format!("/api/v1/cases/{c0}/history")).await.0,
        StatusCode::OK
    );
}

/// Withdrawal, return to the applicant and resubmission, and a batch that a withdrawal
/// invalidates moving nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawal_and_return_on_sqlite() {
    withdrawal_and_return(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawal_and_return_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    withdrawal_and_return(server).await;
}

async fn withdrawal_and_return(srv: TestServer) {
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await
        .to_string();
    let bureau = srv.login("wd_hrss", PW).await;
    let anon = srv.client();
    anon.post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    let unit = srv.login("wd_hospital", PW).await;
    let granted = ok(
        &unit,
        "/api/v1/units/me/permission",
        json!({ "uscc": "123710034940875396", "region": "371003" }),
    )
    .await;
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let (_, link) = unit
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    ok(
        &bureau,
        &format!("/api/v1/paths/{}/decision", link["id"].as_str().unwrap()),
        json!({ "approve": true }),
    )
    .await;
    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (_, plan) = bureau
        .post("/api/v1/plans", &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                 "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }))
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    ok(&bureau, &format!("/api/v1/plans/{plan_id}/open"), json!({})).await;
    let mut people = Vec::new();
    for n in 0..2u32 {
        let idn = id_number(300 + n);
        anon.post("/api/v1/persons", &json!({ "id_number": idn, "name": NAMES[n as usize], "mobile": format!("1390531{:04}", 6000 + n),
                "username": format!("person{n}"), "password": PW }))
            .await;
        let a = srv.login(&idn, PW).await;
        ok(&a, "/api/v1/me/commitment", json!({})).await;
        let (_, d) = a
            .post("/api/v1/declarations", &json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "临床医学工程",
                "materials": zhicheng_e2e::fixtures::materials() }))
            .await;
        let did = d["id"].as_str().unwrap().to_owned();
        let c = ok(&a, &format!("/api/v1/declarations/{did}/submit"), json!({})).await;
        people.push((a, did, c["case_id"].as_str().unwrap().to_owned()));
    }
    let (a0, d0, c0) = &people[0];
    let (a1, d1, c1) = &people[1];

    // c0 approved; c1 withdrawn before the unit acts: its declaration is a draft again.
    ok(&unit, &format!("/api/v1/cases/{c0}/approve"), json!({})).await;
    let w = ok(a1, &format!("/api/v1/cases/{c1}/withdraw"), json!({})).await;
    assert_eq!(w["status"], "withdrawn");
    let (_, d) = a1.get(&format!("/api/v1/declarations/{d1}")).await;
    // The applicant's view shows the case status; the declaration is no longer submitted.
    assert_eq!(
        (d["status"].as_str(), d["submitted_at"].as_null()),
        (Some("withdrawn"), Some(())),
        "{d}"
    );
    assert_eq!(
        a0.post(&format!("/api/v1/cases/{c1}/withdraw"), &json!({}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        a0.post(&format!("/api/v1/cases/{c0}/withdraw"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );

    // A batch containing the withdrawn case moves nothing and says which and why.
    let report = json!({ "series": "ENG", "level": "intermediate", "case_ids": [c0, c1] });
    let (s, body) = unit
        .post_with_key("/api/v1/cases/report", "r-1", &report)
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::CONFLICT, "batch.not_all_movable"),
        "{body}"
    );
    let fields = body["fields"].as_array().unwrap();
    assert_eq!(fields.len(), 1, "{body}");
    assert_eq!(
        (fields[0]["field"].as_str(), fields[0]["code"].as_str()),
        (Some(c1.as_str()), Some("case.wrong_status"))
    );
    assert_eq!(status_of(&unit, c0).await.0, "ready_to_report");

    // Resubmitting the draft reopens the same case; the unit returns it with reasons.
    let again = ok(a1, &format!("/api/v1/declarations/{d1}/submit"), json!({})).await;
    assert_eq!(
        (again["case_id"].as_str(), again["status"].as_str()),
        (Some(c1.as_str()), Some("unit_review"))
    );
    let (s, body) = unit
        .post(
            &format!("/api/v1/cases/{c1}/return"),
            &json!({ "reasons": [] }),
        )
        .await;
    assert_eq!(
        (s, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "case.no_reasons")
    );
    let r = ok(
        &unit,
        &format!("/api/v1/cases/{c1}/return"),
        json!({ "reasons": [{ "section": "achievements", "reason": "请补充项目验收材料" }] }),
    )
    .await;
    assert_eq!(r["status"], "returned_to_applicant");
    assert_eq!(r["decision_text"], "工作业绩与成果：请补充项目验收材料");
    let (_, d) = a1.get(&format!("/api/v1/declarations/{d1}")).await;
    assert_eq!(d["status"], "returned_to_applicant", "{d}");
    // Edit one section, section by section: a bad field names itself and saves nothing.
    let (s, body) = a1
        .put(
            &format!("/api/v1/declarations/{d1}/sections/assessments"),
            &json!([{ "year": "2024", "result": "优秀" }, { "year": "2023", "result": "良好" }]),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        body["fields"][0]["field"], "assessments[1].result",
        "{body}"
    );
    let mut achievements = zhicheng_e2e::fixtures::materials()["achievements"].clone();
    achievements[0]["details"] = json!("项目已验收");
    let (s, body) = a1
        .put(
            &format!("/api/v1/declarations/{d1}/sections/achievements"),
            &achievements,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        body["materials"]["achievements"][0]["details"],
        "项目已验收"
    );
    assert_eq!(body["materials"]["assessments"][0]["result"], "excellent");
    let back = ok(a1, &format!("/api/v1/declarations/{d1}/submit"), json!({})).await;
    assert_eq!(back["status"], "unit_review");
    // Every submission froze a version (the first, the one after the withdrawal, this one);
    // the unit sees exactly the changed field between the last two.
    let (s, diff) = unit.get(&format!("/api/v1/declarations/{d1}/diff")).await;
    assert_eq!(s, StatusCode::OK, "{diff}");
    assert_eq!(
        (&diff["versions"], &diff["from"], &diff["to"]),
        (&json!([1, 2, 3]), &json!(2), &json!(3))
    );
    assert_eq!(
        diff["changes"],
        json!([{ "field": "achievements[0].details", "label": "业绩成果 第1项 · 说明",
                 "before": "", "after": "项目已验收" }]),
        "{diff}"
    );
    assert_eq!(
        a0.get(&format!("/api/v1/declarations/{d1}/diff")).await.0,
        StatusCode::NOT_FOUND
    );

    // 不予推荐 is final.
    let rej = ok(
        &unit,
        &format!("/api/v1/cases/{c1}/reject"),
        json!({ "reason": "任职年限不足" }),
    )
    .await;
    assert_eq!(rej["status"], "unit_rejected");
    assert_eq!(
        unit.post(&format!("/api/v1/cases/{c1}/approve"), &json!({}))
            .await
            .0,
        StatusCode::CONFLICT
    );
    let (_, d) = a0.get(&format!("/api/v1/declarations/{d0}")).await;
    assert_eq!(d["status"], "ready_to_report");

    // The valid selection reports.
    let (s, body) = unit
        .post_with_key(
            "/api/v1/cases/report",
            "r-2",
            &json!({ "series": "ENG", "level": "intermediate", "case_ids": [c0] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(
        status_of(&bureau, c0).await,
        ("pending_acceptance".to_owned(), bureau_id)
    );
    let (_, h1) = unit.get(&format!("/api/v1/cases/{c1}/history")).await;
    let actions: Vec<&str> = h1
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "submitted",
            "withdrawn",
            "resubmitted",
            "returned_to_applicant",
            "resubmitted",
            "unit_rejected"
        ]
    );
}
