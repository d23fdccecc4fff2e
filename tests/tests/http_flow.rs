//! The walking skeleton end to end over HTTP, once on SQLite and once on PostgreSQL: from an
//! operator's bootstrap to a verified certificate, with the refusals that must change nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zhicheng_e2e::server::{Client, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_on_sqlite() {
    whole_flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_flow_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    whole_flow(server).await;
}

fn code(body: &Value) -> &str {
    body["code"].as_str().unwrap_or_default()
}

async fn case_of(unit: &Client, case_id: &str) -> Value {
    let (s, body) = unit.get(&format!("/api/v1/cases/{case_id}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    body
}

async fn whole_flow(srv: TestServer) {
    // An operator bootstraps an HR bureau (receiver) and a committee organiser.
    let bureau_id = srv
        .bootstrap_org(
            OrgKind::HrBureau,
            "威海市文登区人力资源和社会保障局",
            "371003",
            "wd_hrss",
            PW,
        )
        .await;
    srv.bootstrap_org(
        OrgKind::CommitteeOrganiser,
        "威海市工程技术职称评审委员会办公室",
        "371000",
        "wh_eng_committee",
        PW,
    )
    .await;
    let bureau = srv.login("wd_hrss", PW).await;

    // A unit registers and is granted the permission by the automatic check.
    let anon = srv.client();
    let (s, unit_org) = anon
        .post("/api/v1/units", &json!({ "name": "威海市文登区人民医院", "region": "371003", "username": "wd_hospital", "password": PW }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{unit_org}");
    assert_eq!(unit_org["permission"], "not_applied");
    let unit = srv.login("wd_hospital", PW).await;
    let (s, granted) = unit
        .post(
            "/api/v1/units/me/permission",
            &json!({ "uscc": "123710034940875396", "region": "371003" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{granted}");
    assert_eq!(granted["permission"], "active");
    let unit_id = granted["id"].as_str().unwrap().to_owned();

    // The unit asks the bureau for a path for (ENG, intermediate); not approved yet.
    let (s, link) = unit
        .post(
            "/api/v1/paths",
            &json!({ "series": "ENG", "level": "intermediate", "parent_id": bureau_id }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{link}");
    assert_eq!(link["status"], "pending");

    // The bureau publishes this year's plan, and next year's whose window has not opened.
    let now = Utc::now();
    let year = now.format("%Y").to_string().parse::<i32>().unwrap();
    let (s, plan) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": year, "name": "年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate", "senior_deputy"],
                     "window_start": now - Duration::hours(1), "window_end": now + Duration::days(30) }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{plan}");
    let plan_id = plan["id"].as_str().unwrap().to_owned();
    let (s, opened) = bureau
        .post(&format!("/api/v1/plans/{plan_id}/open"), &json!({}))
        .await;
    assert_eq!(
        (s, opened["status"].as_str()),
        (StatusCode::OK, Some("open")),
        "{opened}"
    );
    let (s, future) = bureau
        .post(
            "/api/v1/plans",
            &json!({ "year": year + 1, "name": "下一年度工程技术人员职称评审", "series": "ENG", "levels": ["intermediate"],
                     "window_start": now + Duration::days(300), "window_end": now + Duration::days(330) }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{future}");
    let future_id = future["id"].as_str().unwrap().to_owned();
    assert_eq!(
        bureau
            .post(&format!("/api/v1/plans/{future_id}/open"), &json!({}))
            .await
            .0,
        StatusCode::OK
    );

    // A person registers (one account per ID number) and signs in with the ID number.
    let (s, person) = anon
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "371003198503151231", "name": "张伟", "mobile": "13805315678", "username": "zhangwei85", "password": PW, "ethnicity": "汉族" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{person}");
    assert_eq!(
        (person["gender"].as_str(), person["birth_date"].as_str()),
        (Some("male"), Some("1985-03-15"))
    );
    let (s, again) = anon
        .post(
            "/api/v1/persons",
            &json!({ "id_number": "371003198503151231", "name": "张伟", "mobile": "13805315679", "username": "zhangwei2", "password": PW }),
        )
        .await;
    assert_eq!(
        (s, code(&again)),
        (StatusCode::CONFLICT, "person.id_number_taken"),
        "{again}"
    );
    let applicant = srv.login("371003198503151231", PW).await;

    // No declaration before the commitment letter is accepted.
    let new_declaration = json!({ "plan_id": plan_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
        "materials": zhicheng_e2e::fixtures::materials() });
    let (s, refused) = applicant
        .post("/api/v1/declarations", &new_declaration)
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "declaration.commitment_required"),
        "{refused}"
    );
    let (s, accepted) = applicant.post("/api/v1/me/commitment", &json!({})).await;
    assert_eq!(
        (s, accepted["accepted"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{accepted}"
    );

    // Refusal: submitting outside the window (next year's plan has not opened yet).
    let (s, early) = applicant
        .post("/api/v1/declarations", &json!({ "plan_id": future_id, "unit_id": unit_id, "level": "intermediate", "specialty": "电气工程",
            "materials": zhicheng_e2e::fixtures::materials() }))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{early}");
    let early_id = early["id"].as_str().unwrap();
    let (s, refused) = applicant
        .post(
            &format!("/api/v1/declarations/{early_id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "declaration.outside_window"),
        "{refused}"
    );
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("申报时间尚未开始"),
        "{refused}"
    );
    let (_, still) = applicant
        .get(&format!("/api/v1/declarations/{early_id}"))
        .await;
    assert_eq!(
        (still["status"].as_str(), still["case_id"].as_null()),
        (Some("draft"), Some(())),
        "{still}"
    );

    // The real declaration: create and submit inside the window.
    let (s, d) = applicant
        .post("/api/v1/declarations", &new_declaration)
        .await;
    assert_eq!(s, StatusCode::CREATED, "{d}");
    let declaration_id = d["id"].as_str().unwrap().to_owned();
    let (s, submitted) = applicant
        .post(
            &format!("/api/v1/declarations/{declaration_id}/submit"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (s, submitted["status"].as_str()),
        (StatusCode::OK, Some("unit_review")),
        "{submitted}"
    );
    let case_id = submitted["case_id"].as_str().unwrap().to_owned();

    // The unit finds it by series and level, and approving twice at once: one 200, one 409.
    let (s, queue) = unit
        .get("/api/v1/cases?series=ENG&level=intermediate&status=unit_review")
        .await;
    assert_eq!(s, StatusCode::OK, "{queue}");
    assert_eq!(queue["items"].as_array().unwrap().len(), 1);
    assert_eq!(queue["items"][0]["applicant_name"], "张伟");
    assert_eq!(queue["counts"][0]["status"], "unit_review");
    assert_eq!(queue["total"].as_u64(), Some(1));
    assert!(queue["next"].is_null(), "one page: {queue}");
    let approve = format!("/api/v1/cases/{case_id}/approve");
    let empty = json!({});
    let (a, b) = tokio::join!(unit.post(&approve, &empty), unit.post(&approve, &empty));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::OK, StatusCode::CONFLICT],
        "{a:?} {b:?}"
    );
    let loser = if a.0 == StatusCode::CONFLICT {
        &a.1
    } else {
        &b.1
    };
    assert!(
        loser["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{loser}"
    );
    let winner = if a.0 == StatusCode::OK { &a.1 } else { &b.1 };
    let after = case_of(&unit, &case_id).await;
    assert_eq!(after["status"], "ready_to_report");
    assert_eq!(
        winner["version"], after["version"],
        "a transition answers with the stored version"
    );
    let version_after_approval = after["version"].as_i64().unwrap();
    let events = srv
        .state
        .store
        .audit_events(uuid::Uuid::parse_str(&case_id).unwrap())
        .await
        .unwrap();
    assert_eq!(
        events
            .iter()
            .filter(|e| e.action == "case.unit_approved")
            .count(),
        1,
        "exactly one approval audited"
    );

    // Refusal: reporting without an approved path changes nothing.
    let (s, refused) = unit
        .post(&format!("/api/v1/cases/{case_id}/report"), &json!({}))
        .await;
    assert_eq!(
        (s, code(&refused)),
        (StatusCode::CONFLICT, "path.no_approved_path"),
        "{refused}"
    );
    let unchanged = case_of(&unit, &case_id).await;
    assert_eq!(
        (unchanged["status"].as_str(), unchanged["version"].as_i64()),
        (Some("ready_to_report"), Some(version_after_approval))
    );

    // The bureau approves the path; the report now reaches it.
    let (_, paths) = bureau.get("/api/v1/paths").await;
    let incoming = paths["incoming"].as_array().unwrap();
    assert_eq!(incoming.len(), 1);
    let link_id = incoming[0]["id"].as_str().unwrap();
    let (s, approved) = bureau
        .post(
            &format!("/api/v1/paths/{link_id}/decision"),
            &json!({ "approve": true }),
        )
        .await;
    assert_eq!(
        (s, approved["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{approved}"
    );
    let (s, reported) = unit
        .post(&format!("/api/v1/cases/{case_id}/report"), &json!({}))
        .await;
    assert_eq!(
        (s, reported["status"].as_str()),
        (StatusCode::OK, Some("pending_acceptance")),
        "{reported}"
    );
    assert_eq!(
        reported["holder_id"].as_str(),
        Some(bureau_id.to_string().as_str())
    );

    // The bureau accepts, records a passing vote and issues the certificate.
    let (s, pending) = bureau.get("/api/v1/cases?status=pending_acceptance").await;
    assert_eq!(
        (s, pending["items"].as_array().map(Vec::len)),
        (StatusCode::OK, Some(1)),
        "{pending}"
    );
    let (s, acc) = bureau
        .post(&format!("/api/v1/cases/{case_id}/accept"), &json!({}))
        .await;
    assert_eq!(
        (s, acc["status"].as_str()),
        (StatusCode::OK, Some("accepted")),
        "{acc}"
    );
    let (s, no_quorum) = bureau
        .post(
            &format!("/api/v1/cases/{case_id}/vote"),
            &json!({ "members": 25, "attending": 16, "yes": 16, "no": 0, "abstain": 0 }),
        )
        .await;
    assert_eq!(
        (s, code(&no_quorum)),
        (StatusCode::UNPROCESSABLE_ENTITY, "case.no_quorum"),
        "{no_quorum}"
    );
    let (s, voted) = bureau
        .post(
            &format!("/api/v1/cases/{case_id}/vote"),
            &json!({ "members": 25, "attending": 17, "yes": 12, "no": 4, "abstain": 1 }),
        )
        .await;
    assert_eq!(
        (s, voted["status"].as_str()),
        (StatusCode::OK, Some("passed")),
        "{voted}"
    );
    let (s, cert) = bureau
        .post(&format!("/api/v1/cases/{case_id}/certificate"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cert}");
    assert_eq!(cert["title_name"], "工程师");
    assert_eq!(cert["holder_id_masked"], "3710**********1231");
    let verify_path = cert["verify_path"].as_str().unwrap().to_owned();
    let (s, twice) = bureau
        .post(&format!("/api/v1/cases/{case_id}/certificate"), &json!({}))
        .await;
    assert_eq!(s, StatusCode::CONFLICT, "a case is certified once: {twice}");

    // The person sees it in 我的申报 and downloads it.
    let (s, mine) = applicant.get("/api/v1/declarations").await;
    assert_eq!(s, StatusCode::OK);
    let row = mine
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == declaration_id.as_str())
        .unwrap();
    assert_eq!(
        (row["status"].as_str(), row["certificate_status"].as_str()),
        (Some("certified"), Some("可下载")),
        "{row}"
    );
    let download = row["certificate_download"].as_str().unwrap();
    let resp = applicant.get_raw(download).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let file: Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    // Somebody else's token cannot download it.
    assert_eq!(unit.get_raw(download).await.status(), StatusCode::NOT_FOUND);

    // The public verify endpoint confirms it and rejects a tampered copy.
    let (s, verdict) = anon.post("/api/v1/certificates/verify", &file).await;
    assert_eq!(
        (s, verdict["verdict"].as_str(), verdict["status"].as_str()),
        (StatusCode::OK, Some("genuine"), Some("valid")),
        "{verdict}"
    );
    let mut tampered = file.clone();
    tampered["payload"]["title_name"] = json!("正高级工程师");
    let (_, verdict) = anon.post("/api/v1/certificates/verify", &tampered).await;
    assert_eq!(verdict["verdict"], "tampered", "{verdict}");
    let mut unknown = file.clone();
    unknown["payload"]["number"] = json!("37-2000-3ENG-999999-0");
    let (_, verdict) = anon.post("/api/v1/certificates/verify", &unknown).await;
    assert!(
        matches!(verdict["verdict"].as_str(), Some("unknown")),
        "{verdict}"
    );
    let code_only = verify_path.trim_start_matches("/verify/");
    let (s, public) = anon
        .get(&format!("/api/v1/certificates/by-code/{code_only}"))
        .await;
    assert_eq!(
        (s, public["number"].as_str()),
        (StatusCode::OK, file["payload"]["number"].as_str()),
        "{public}"
    );

    // The portal: sign in with the form, 我的申报 shows 证书状态 with 下载证书, and /verify works.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let captcha_id = srv.portal_captcha().await;
    let login = http
        .post(srv.url("/login"))
        .form(&[
            ("login", "zhangwei85"),
            ("password", PW),
            ("captcha_id", &captcha_id),
            ("captcha_answer", zhicheng_e2e::server::CAPTCHA_ANSWER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::SEE_OTHER);
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(
        login.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("HttpOnly")
    );
    let page = http
        .get(srv.url("/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for text in ["我的申报", "证书状态", "下载证书", "工程师", "已发证"] {
        assert!(page.contains(text), "我的申报 page lacks {text}: {page}");
    }
    let verify_page = http.get(srv.url(&verify_path)).send().await.unwrap();
    assert_eq!(verify_page.status(), StatusCode::OK);
    assert!(verify_page.text().await.unwrap().contains("证书真实有效"));
    let missing = http
        .get(srv.url("/verify/AAAAAAAAAAAAAAAAAAAA"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}
