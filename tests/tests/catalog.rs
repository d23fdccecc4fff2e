//! The versioned title catalog over HTTP, on SQLite and PostgreSQL: `GET /api/v1/catalog`
//! shows the version in force with its specialties; an operator import (what `zhicheng
//! catalog import` runs) makes a new version the API serves at once; a declaration's specialty
//! must come from the plan's series in the catalog (422 naming `specialty` otherwise).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_declaration::ImportLine;
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_on_sqlite() {
    catalog_flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    catalog_flow(server).await;
}

/// A bureau with an open ENG plan, a permitted unit and an applicant who accepted the letter.
pub async fn setup(srv: &TestServer) -> (Client, String, String) {
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
    let (s, unit) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{unit}");
    let unit_admin = srv.login("wd_hospital", PW).await;
    let (s, granted) = unit_admin
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    let unit_id = granted["id"].as_str().unwrap().to_owned();
    let now = Utc::now();
    let year: i32 = now.format("%Y").to_string().parse().unwrap();
    let (s, plan) = bureau
        .post("/api/v1/plans", &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
            "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, _) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, person) = anon
        .post("/api/v1/persons", &json!({ "id_number": zhicheng_e2e::fixtures::id_number(1), "name": "张伟", "mobile": "13805315678", "username": "zhangwei85", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    let applicant = srv.login("zhangwei85", PW).await;
    let (s, _) = applicant.post("/api/v1/me/commitment", &json!({})).await;
    assert_eq!(s, StatusCode::OK);
    (applicant, plan_id, unit_id)
}

fn specialties<'a>(catalog: &'a Value, series: &str) -> Vec<&'a str> {
    catalog["series"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == series)
        .unwrap()["specialties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect()
}

async fn catalog_flow(srv: TestServer) {
    let (applicant, plan_id, unit_id) = setup(&srv).await;

    // The built-in version 1 with specialties per series.
    let (s, v1) = srv.client().get("/api/v1/catalog").await;
    assert_eq!(s, StatusCode::OK, "{v1}");
    assert_eq!(
        (v1["version"].as_u64(), v1["source"].as_str()),
        (Some(1), Some("built-in"))
    );
    assert!(specialties(&v1, "ENG").contains(&"电气工程"));
    assert!(specialties(&v1, "HEALTH").contains(&"护理"));
    assert!(!specialties(&v1, "ENG").contains(&"船舶制造"));

    // A specialty that is not in the plan's series is refused, naming the field.
    let declare = |specialty: &str| {
        json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": specialty,
                "materials": zhicheng_e2e::fixtures::materials() })
    };
    let (s, refused) = applicant
        .post("/api/v1/declarations", &declare("船舶制造"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["code"], "declaration.unknown_specialty");
    assert_eq!(refused["fields"][0]["field"], "specialty");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("工程技术人员"),
        "{refused}"
    );
    let (s, refused) = applicant
        .post("/api/v1/declarations", &declare("内科"))
        .await;
    assert_eq!(
        (s, refused["code"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("declaration.unknown_specialty")
        )
    );

    // The operator imports a new specialty (what `zhicheng catalog import` does).
    let lines = vec![
        ImportLine::new(
            1,
            [
                "series_code",
                "series_name",
                "specialty_code",
                "specialty_name",
            ]
            .map(String::from)
            .to_vec(),
        ),
        ImportLine::new(
            2,
            ["ENG", "工程技术人员", "SHIPBUILD", "船舶制造"]
                .map(String::from)
                .to_vec(),
        ),
    ];
    let st = &srv.state;
    let done = zhicheng_declaration::service::import_catalog(
        &st.store,
        &st.clock,
        "e2e".into(),
        "ops.csv",
        lines,
    )
    .await
    .unwrap();
    assert_eq!(done.catalog.version, 2);
    let (_, v2) = srv.client().get("/api/v1/catalog").await;
    assert_eq!(
        (v2["version"].as_u64(), v2["source"].as_str()),
        (Some(2), Some("ops.csv"))
    );
    assert!(specialties(&v2, "ENG").contains(&"船舶制造"));
    let (_, series) = srv.client().get("/api/v1/catalog/series").await;
    assert_eq!(series.as_array().unwrap().len(), 27);

    // Now the same specialty is accepted, by its code too; the declaration records its name.
    let (s, created) = applicant
        .post("/api/v1/declarations", &declare("shipbuild"))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{created}");
    assert_eq!(created["specialty"], "船舶制造");
    assert_eq!(created["series_name"], "工程技术人员");
}
