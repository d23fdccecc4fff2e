//! The versioned title catalog over HTTP, on SQLite and PostgreSQL: `GET /api/v1/catalog`
//! shows the version in force with its specialties; an operator import (what `zhicheng
//! catalog import` runs) makes a new version the API serves at once; a declaration's specialty
//! must come from the plan's series in the catalog (422 naming `specialty` otherwise).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_declaration::ImportLine;
use zhicheng_e2e::server::TestServer;

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
    let (applicant, plan_id, unit_id) =
        zhicheng_e2e::fixtures::applicant_with_open_plan(&srv, PW).await;

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
