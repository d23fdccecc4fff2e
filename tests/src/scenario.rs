//! A shared review scenario built through the JSON API, as a person or a script would: the
//! district HR bureau (`wd_hrss`), a hospital that registered itself and holds the
//! title-review permission (`wd_hospital`), its approved path to the bureau for the levels
//! asked for, an open plan of the 工程技术 (ENG) series, and applicants who declare and submit.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_identity::OrgKind;

use crate::fixtures::id_number;
use crate::server::{Client, TestServer};

/// Every account's password in a scenario.
pub const PW: &str = "Wendeng-2026!";
/// The bureau's name.
pub const BUREAU: &str = "威海市文登区人力资源和社会保障局";
/// The unit's name.
pub const UNIT: &str = "威海市文登区人民医院";

/// Asserts a 2xx answer and returns its body.
pub async fn ok(c: &Client, path: &str, body: Value) -> Value {
    let (s, b) = c.post(path, &body).await;
    assert!(s.is_success(), "{path}: {s} {b}");
    b
}

/// The organisations, their API clients and the open plan.
pub struct Scenario {
    pub bureau_id: String,
    pub unit_id: String,
    pub plan_id: String,
    /// Signed in as `wd_hrss`.
    pub bureau: Client,
    /// Signed in as `wd_hospital`.
    pub unit: Client,
}

/// An applicant who submitted a declaration.
pub struct Applicant {
    pub username: String,
    pub name: String,
    pub client: Client,
    pub declaration_id: String,
    pub case_id: String,
}

impl Scenario {
    /// The bureau, the unit with its permission, approved ENG paths unit → bureau for each
    /// of `routed` levels, and an open ENG plan for `levels` (window: an hour ago to 30
    /// days ahead).
    pub async fn new(srv: &TestServer, levels: &[&str], routed: &[&str]) -> Scenario {
        let bureau_id = srv
            .bootstrap_org(OrgKind::HrBureau, BUREAU, "371003", "wd_hrss", PW)
            .await
            .to_string();
        let bureau = srv.login("wd_hrss", PW).await;
        let (s, b) = srv
            .client()
            .post(
                "/api/v1/units",
                &json!({ "name": UNIT, "region": "371003", "username": "wd_hospital", "password": PW }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{b}");
        let unit = srv.login("wd_hospital", PW).await;
        let granted = ok(
            &unit,
            "/api/v1/units/me/permission",
            json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
        let unit_id = granted["id"].as_str().unwrap().to_owned();
        for level in routed {
            let link = ok(
                &unit,
                "/api/v1/paths",
                json!({ "series": "ENG", "level": level, "parent_id": bureau_id }),
            )
            .await;
            ok(
                &bureau,
                &format!("/api/v1/paths/{}/decision", link["id"].as_str().unwrap()),
                json!({ "approve": true, "note": "同意" }),
            )
            .await;
        }
        let now = Utc::now();
        let year = now.format("%Y").to_string().parse::<i32>().unwrap();
        let plan = ok(
            &bureau,
            "/api/v1/plans",
            json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": levels,
                    "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
        let plan_id = plan["id"].as_str().unwrap().to_owned();
        ok(&bureau, &format!("/api/v1/plans/{plan_id}/open"), json!({})).await;
        Scenario {
            bureau_id,
            unit_id,
            plan_id,
            bureau,
            unit,
        }
    }

    /// Person number `n` (ID number and mobile derived from it, username `applicant{n}`)
    /// registers as `name`, accepts the letter, declares `level` with `specialty` for the
    /// unit and submits.
    pub async fn submitted(
        &self,
        srv: &TestServer,
        n: u32,
        name: &str,
        level: &str,
        specialty: &str,
    ) -> Applicant {
        let mut a = self.drafted(srv, n, name, level, specialty).await;
        a.submit().await;
        a
    }

    /// [`Scenario::submitted`] without the submission: the draft is complete, `case_id` is
    /// empty until [`Applicant::submit`].
    pub async fn drafted(
        &self,
        srv: &TestServer,
        n: u32,
        name: &str,
        level: &str,
        specialty: &str,
    ) -> Applicant {
        let idn = id_number(n);
        let username = format!("applicant{n}");
        let (s, p) = srv
            .client()
            .post(
                "/api/v1/persons",
                &json!({ "id_number": idn, "name": name, "mobile": format!("1380531{:04}", n % 10_000),
                         "username": username, "password": PW }),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{p}");
        let client = srv.login(&username, PW).await;
        ok(&client, "/api/v1/me/commitment", json!({})).await;
        let d = ok(
            &client,
            "/api/v1/declarations",
            json!({ "plan_id": self.plan_id, "unit_id": self.unit_id, "level": level, "specialty": specialty,
                    "materials": crate::fixtures::materials() }),
        )
        .await;
        let declaration_id = d["id"].as_str().unwrap().to_owned();
        Applicant {
            username,
            name: name.to_owned(),
            client,
            declaration_id,
            case_id: String::new(),
        }
    }
}

impl Applicant {
    /// 确定申报: submits the draft and keeps the case id.
    pub async fn submit(&mut self) {
        let sub = ok(
            &self.client,
            &format!("/api/v1/declarations/{}/submit", self.declaration_id),
            json!({}),
        )
        .await;
        self.case_id = sub["case_id"].as_str().unwrap().to_owned();
    }

    /// Uploads `bytes` as `file_name` to `section` through the API; returns the attachment.
    pub async fn attach(&self, section: &str, file_name: &str, bytes: Vec<u8>) -> Value {
        let (status, body) = self
            .client
            .upload_attachment(&self.declaration_id, section, file_name, bytes)
            .await;
        assert!(status.is_success(), "upload {file_name}: {status} {body}");
        body
    }
}
