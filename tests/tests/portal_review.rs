//! The review actions of the portal over HTTP, on SQLite and PostgreSQL: the unit returns a
//! declaration with a reason per section, the applicant sees the reasons and the case history
//! on the declaration page, edits and resubmits; a batch approval of two cases; a batch report
//! form submitted twice reports once. Data is set up through the JSON API.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::portal::{Visitor, between};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const NAMES: [&str; 3] = ["王芳", "李强", "刘洋"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_review_on_sqlite() {
    review(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_review_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    review(server).await;
}

async fn ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, b) = c.post(path, &body).await;
    assert!(s.is_success(), "{path}: {s} {b}");
    b
}

async fn status_of(c: &Client, case: &str) -> String {
    let (s, body) = c.get(&format!("/api/v1/cases/{case}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body["status"].as_str().unwrap().to_owned()
}

async fn review(srv: TestServer) {
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
    let unit_api = srv.login("wd_hospital", PW).await;
    let granted = ok(
        &unit_api,
        "/api/v1/units/me/permission",
        json!({ "uscc": "123710034940875396", "region": "371003" }),
    )
    .await;
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let link = ok(
        &unit_api,
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
    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let plan = ok(&bureau, "/api/v1/plans", json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                 "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }))
        .await;
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    ok(&bureau, &format!("/api/v1/plans/{plan_id}/open"), json!({})).await;
    let mut people = Vec::new();
    for n in 0..3u32 {
        let idn = id_number(500 + n);
        anon.post("/api/v1/persons", &json!({ "id_number": idn, "name": NAMES[n as usize], "mobile": format!("1390531{:04}", 7000 + n),
                "username": format!("rperson{n}"), "password": PW }))
            .await;
        let a = srv.login(&idn, PW).await;
        ok(&a, "/api/v1/me/commitment", json!({})).await;
        let d = ok(&a, "/api/v1/declarations", json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
                "materials": zhicheng_e2e::fixtures::materials() }))
            .await;
        let did = d["id"].as_str().unwrap().to_owned();
        let c = ok(&a, &format!("/api/v1/declarations/{did}/submit"), json!({})).await;
        people.push((
            format!("rperson{n}"),
            did,
            c["case_id"].as_str().unwrap().to_owned(),
        ));
    }
    let (c0, c1, c2) = (&people[0].2, &people[1].2, &people[2].2);

    // 退回 with no reason at all is refused and nothing changes.
    let mut unit = Visitor::new(&srv);
    unit.login_to("wd_hospital", PW, "/work").await;
    let list = "/work/cases?series=ENG&level=intermediate";
    let page = unit.get(list).await;
    assert!(page.has("退回") && page.has("不予推荐") && page.has("批量通过"));
    let csrf = page.csrf();
    let refused = unit
        .post(
            &format!("/work/cases/{c0}/return?series=ENG&level=intermediate"),
            &[("csrf", &csrf), ("work_history", " "), ("achievements", "")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert_eq!(status_of(&unit_api, c0).await, "unit_review");
    unit.post(
        &format!("/work/cases/{c0}/return?series=ENG&level=intermediate"),
        &[
            ("csrf", &csrf),
            ("work_history", "请补充2015年以后的工作经历"),
            ("achievements", ""),
            ("other", "请上传职称外语证明"),
        ],
    )
    .await
    .see_other("/work/cases?series=ENG&level=intermediate&done=return");
    assert_eq!(status_of(&unit_api, c0).await, "returned_to_applicant");

    // The applicant sees the reasons and the history, edits and resubmits.
    let mut person = Visitor::new(&srv);
    person.login_to(&people[0].0, PW, "/me").await;
    let detail_path = format!("/me/declarations/{}", people[0].1);
    let detail = person.get(&detail_path).await;
    assert!(detail.has("退回原因"), "{}", detail.body);
    assert!(detail.has("请补充2015年以后的工作经历") && detail.has("请上传职称外语证明"));
    assert!(detail.has("办理记录") && detail.has("威海市文登区人民医院"));
    assert!(detail.has("确定申报"), "a returned declaration is editable");
    let pcsrf = detail.csrf();
    // Only the posted section changes; the others keep what was saved.
    person
        .post(
            &format!("{detail_path}/submit"),
            &[
                ("csrf", &pcsrf),
                ("work_history[0].from", "2012-07"),
                ("work_history[0].to", "2015-06"),
                ("work_history[0].employer", "文登区人民医院"),
                ("work_history[0].position", "技术员"),
                ("work_history[1].from", "2015-07"),
                ("work_history[1].employer", "文登区人民医院设备科"),
                ("work_history[1].position", "工程师"),
            ],
        )
        .await
        .see_other(&detail_path);
    // The unit's case page shows what changed since the first submission.
    let case_page = unit.get(&format!("/work/cases/{c0}")).await;
    assert!(
        case_page.has("第 2 次提交与第 1 次提交的差异")
            && case_page.has("工作经历 第2条 · 工作单位")
            && case_page.has("文登区人民医院设备科")
            && !case_page.has("学历学位 第1条"),
        "{}",
        case_page.body
    );
    assert_eq!(status_of(&unit_api, c0).await, "unit_review");
    let (_, d) = unit_api.get(&format!("/api/v1/cases/{c0}/history")).await;
    let actions: Vec<&str> = d
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submitted", "returned_to_applicant", "resubmitted"]
    );

    // 批量通过 of two ticked cases.
    let page = unit.get(list).await;
    let key = between(&page.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let csrf = page.csrf();
    let (t1, t2) = (format!("case_{c1}"), format!("case_{c2}"));
    unit.post(
        "/work/cases/batch?series=ENG&level=intermediate",
        &[
            ("csrf", csrf.as_str()),
            ("key", &key),
            ("series", "ENG"),
            ("level", "intermediate"),
            ("op", "approve"),
            (&t1, "on"),
            (&t2, "on"),
        ],
    )
    .await
    .see_other("/work/cases?series=ENG&level=intermediate&done=batch_approve");
    for c in [c1, c2] {
        assert_eq!(status_of(&unit_api, c).await, "ready_to_report");
    }
    assert_eq!(status_of(&unit_api, c0).await, "unit_review");

    // 批量上报 submitted twice from the same rendered form reports once.
    let page = unit.get(list).await;
    let key = between(&page.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let form = [
        ("csrf", csrf.as_str()),
        ("key", &key),
        ("series", "ENG"),
        ("level", "intermediate"),
        ("op", "report"),
        (&t1, "on"),
        (&t2, "on"),
    ];
    for _ in 0..2 {
        unit.post("/work/cases/batch?series=ENG&level=intermediate", &form)
            .await
            .see_other("/work/cases?series=ENG&level=intermediate&done=batch_report");
    }
    for c in [c1, c2] {
        assert_eq!(status_of(&unit_api, c).await, "pending_acceptance");
        let (_, h) = unit_api.get(&format!("/api/v1/cases/{c}/history")).await;
        let reports = h
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["action"] == "reported")
            .count();
        assert_eq!(reports, 1, "{h}");
    }
    // Without series and level the batch report is refused, naming what to do.
    let page = unit.get("/work/cases").await;
    let key = between(&page.body, "name=\"key\" value=\"", "\"")
        .unwrap()
        .to_owned();
    let t0 = format!("case_{c0}");
    let refused = unit
        .post(
            "/work/cases/batch",
            &[
                ("csrf", csrf.as_str()),
                ("key", &key),
                ("op", "report"),
                (&t0, "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("请先按职称系列和级别查询"));

    // The bureau can send a supplement notice and refuse from the portal.
    let mut b = Visitor::new(&srv);
    b.login_to("wd_hrss", PW, "/work").await;
    let page = b.get("/work/cases").await;
    assert!(page.has("补正通知") && page.has("不予受理") && page.has("弄虚作假"));
    let bcsrf = page.csrf();
    let deadline = (Utc::now() + Duration::days(10))
        .format("%Y-%m-%d")
        .to_string();
    b.post(
        &format!("/work/cases/{c1}/supplement"),
        &[
            ("csrf", bcsrf.as_str()),
            ("items", "继续教育学时证明\n论文原件"),
            ("deadline", &deadline),
        ],
    )
    .await
    .see_other("/work/cases?done=supplement");
    assert_eq!(status_of(&unit_api, c1).await, "supplement_required");
    b.post(
        &format!("/work/cases/{c2}/refuse"),
        &[
            ("csrf", bcsrf.as_str()),
            ("ground", "late"),
            ("note", "超过报送期限"),
        ],
    )
    .await
    .see_other("/work/cases?done=refuse");
    assert_eq!(status_of(&unit_api, c2).await, "not_accepted");

    // /work/paths: the unit's health check shows the complete route; the bureau revokes the
    // link (a reason is required); the check then names the revocation and the bureau.
    let paths = unit.get("/work/paths").await;
    assert!(
        paths.has("路径健康检查") && paths.has("上报路径完整"),
        "{}",
        paths.body
    );
    let bpaths = b.get("/work/paths").await;
    assert!(bpaths.has("撤销路径"));
    let link_id = link["id"].as_str().unwrap();
    let refused = b
        .post(
            &format!("/work/paths/{link_id}/revoke"),
            &[("csrf", bcsrf.as_str()), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("请填写撤销原因"));
    b.post(
        &format!("/work/paths/{link_id}/revoke"),
        &[("csrf", bcsrf.as_str()), ("reason", "单位隶属关系调整")],
    )
    .await
    .see_other("/work/paths?done=revoked");
    let paths = unit.get("/work/paths").await;
    assert!(
        paths.has("的上报路径已被 威海市文登区人力资源和社会保障局 撤销"),
        "{}",
        paths.body
    );
    assert!(paths.has("单位隶属关系调整"));
}
