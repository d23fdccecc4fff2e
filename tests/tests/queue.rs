//! The review queue over HTTP, on SQLite and PostgreSQL (issue 5, 职称申报数据审核): filters
//! by series, level, status, applicant name and submission days; counts per status for the
//! filters without the status; keyset paging with an opaque `next`; invalid filters answered
//! 422 naming each field; another organisation's queue stays out of reach. The portal page
//! shows the same as tabs with counts and a 下一页 link, and keeps what was typed on error.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::portal::{Visitor, between};
use zhicheng_e2e::scenario::{PW, Scenario, ok};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_on_sqlite() {
    queue(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queue_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    queue(server).await;
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["applicant_name"].as_str().unwrap().to_owned())
        .collect()
}

fn counts(page: &Value) -> Vec<(String, u64)> {
    page["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["status"].as_str().unwrap().to_owned(),
                c["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

async fn list(c: &Client, query: &str) -> Value {
    let (s, body) = c.get(&format!("/api/v1/cases?{query}")).await;
    assert_eq!(s, StatusCode::OK, "{query}: {body}");
    body
}

fn pair(status: &str, n: u64) -> (String, u64) {
    (status.to_owned(), n)
}

async fn queue(srv: TestServer) {
    let sc = Scenario::new(&srv, &["intermediate", "senior_deputy"], &["intermediate"]).await;
    let people = [
        ("王芳", "intermediate"),
        ("李强", "intermediate"),
        ("王伟", "senior_deputy"),
        ("刘洋", "intermediate"),
        ("陈静", "intermediate"),
    ];
    let mut applicants = Vec::new();
    for (n, (name, level)) in people.iter().enumerate() {
        let n = u32::try_from(n).unwrap();
        applicants.push(sc.submitted(&srv, 300 + n, name, level, "电气工程").await);
    }
    let in_order: Vec<String> = people.iter().map(|(n, _)| (*n).to_owned()).collect();

    // Keyset paging: pages of two, each `next` continuing where the last ended.
    let mut seen = Vec::new();
    let mut query = "page_size=2".to_owned();
    let mut pages = 0;
    loop {
        let page = list(&sc.unit, &query).await;
        pages += 1;
        assert_eq!(page["total"], 5, "{page}");
        assert_eq!(counts(&page), [pair("unit_review", 5)]);
        seen.extend(names(&page));
        match page["next"].as_str() {
            Some(next) => query = format!("page_size=2&after={next}"),
            None => break,
        }
    }
    assert_eq!((pages, &seen), (3, &in_order));
    // The default page holds them all, oldest first, with the submission time.
    let all = list(&sc.unit, "").await;
    assert_eq!(names(&all), in_order);
    assert!(all["next"].is_null(), "{all}");
    assert!(all["items"][0]["submitted_at"].is_string(), "{all}");

    // Series and level, applicant name (part of it), submission days (Beijing time).
    assert_eq!(
        names(&list(&sc.unit, "series=ENG&level=senior_deputy").await),
        ["王伟"]
    );
    let wang = list(&sc.unit, "name=王").await;
    assert_eq!(names(&wang), ["王芳", "王伟"]);
    assert_eq!(counts(&wang), [pair("unit_review", 2)]);
    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(
        list(
            &sc.unit,
            &format!("submitted_from={today}&submitted_to={today}")
        )
        .await["total"],
        5
    );
    let none = list(&sc.unit, &format!("submitted_from={tomorrow}")).await;
    assert_eq!((none["total"].as_u64(), names(&none).len()), (Some(0), 0));

    // Two approvals: the status tab lists them; the counts stay those of the other filters.
    for a in &applicants[..2] {
        ok(
            &sc.unit,
            &format!("/api/v1/cases/{}/approve", a.case_id),
            json!({}),
        )
        .await;
    }
    let ready = list(&sc.unit, "status=ready_to_report").await;
    assert_eq!(names(&ready), ["王芳", "李强"]);
    assert_eq!(
        counts(&ready),
        [pair("unit_review", 3), pair("ready_to_report", 2)]
    );
    assert_eq!(ready["total"], 5);
    let ready_wang = list(&sc.unit, "status=ready_to_report&name=王").await;
    assert_eq!(names(&ready_wang), ["王芳"]);
    assert_eq!(
        counts(&ready_wang),
        [pair("unit_review", 1), pair("ready_to_report", 1)]
    );

    // Invalid filters: 422 naming every field and how to fix it; nothing listed.
    let (s, bad) = sc
        .unit
        .get("/api/v1/cases?status=nope&submitted_from=2026-13-01&page_size=500&after=xyz")
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert_eq!(bad["code"], "queue.invalid_filter");
    let fields: Vec<&str> = bad["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["status", "submitted_from", "page_size", "after"]);
    assert!(
        bad["fields"][2]["message"]
            .as_str()
            .unwrap()
            .contains("1–200")
    );

    // Another unit and the bureau hold nothing of it; applicants have no queue.
    srv.bootstrap_org(
        OrgKind::EmployerUnit,
        "威海市文登区中医院",
        "371003",
        "wd_tcm",
        PW,
    )
    .await;
    let other = srv.login("wd_tcm", PW).await;
    let theirs = list(&other, "").await;
    assert_eq!(
        (theirs["total"].as_u64(), names(&theirs).len()),
        (Some(0), 0)
    );
    assert!(counts(&theirs).is_empty());
    let (s, _) = other
        .get(&format!("/api/v1/cases/{}", applicants[0].case_id))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(list(&sc.bureau, "").await["total"], 0);
    let (s, _) = applicants[0].client.get("/api/v1/cases").await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Reported: they leave the unit's queue for the bureau's.
    let report = json!({ "series": "ENG", "level": "intermediate",
        "case_ids": [applicants[0].case_id, applicants[1].case_id] });
    let (s, body) = sc
        .unit
        .post_with_key("/api/v1/cases/report", "queue-report", &report)
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let bureau = list(&sc.bureau, "").await;
    assert_eq!(names(&bureau), ["王芳", "李强"]);
    assert_eq!(counts(&bureau), [pair("pending_acceptance", 2)]);
    assert_eq!(list(&sc.unit, "").await["total"], 3);

    // The portal page: status tabs with counts, the filters, 下一页.
    let mut unit = Visitor::new(&srv);
    unit.login_to("wd_hospital", PW, "/work").await;
    let page = unit.get("/work/cases?page_size=2").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.has("全部 <span class=\"count\">3</span>"),
        "{}",
        page.body
    );
    assert!(
        page.has("单位审核中 <span class=\"count\">3</span>"),
        "{}",
        page.body
    );
    let next = between(&page.body, "<a href=\"", "\" rel=\"next\">下一页</a>")
        .map(|h| h.rsplit("<a href=\"").next().unwrap().replace("&#38;", "&"))
        .expect("a 下一页 link");
    assert!(next.starts_with("/work/cases?page_size=2&after="), "{next}");
    let second = unit.get(&next).await;
    assert!(second.has("回到第一页") && !second.has("rel=\"next\""));
    let first_names = ["王伟", "刘洋"].iter().filter(|n| page.has(n)).count();
    let second_names = ["陈静"].iter().filter(|n| second.has(n)).count();
    assert_eq!((first_names, second_names), (2, 1), "{}", second.body);
    let filtered = unit.get("/work/cases?name=%E7%8E%8B").await;
    assert!(filtered.has("王伟") && !filtered.has("刘洋"));
    assert!(
        filtered.has("value=\"王\""),
        "the typed name stays in the box"
    );
    // A bad day is shown next to its field, what was typed is kept, nothing is listed.
    let bad = unit
        .get("/work/cases?name=%E7%8E%8B&submitted_from=2026-02-30")
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("日期格式应为 年-月-日") && bad.has("value=\"王\""));
    assert!(bad.has("value=\"2026-02-30\""), "{}", bad.body);
    assert!(!bad.has("王伟"));
}
