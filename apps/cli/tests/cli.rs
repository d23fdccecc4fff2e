//! End-to-end tests of the `zhicheng` binary against throwaway SQLite databases.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

/// A throwaway SQLite database in its own directory.
struct Db {
    dir: tempfile::TempDir,
    url: String,
}

fn db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/zhicheng.db?mode=rwc", dir.path().display());
    Db { dir, url }
}

fn run_with(url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zhicheng"))
        .args(args)
        .env("DATABASE_URL", url)
        .env("ZHICHENG_OPERATOR", "tester")
        .env_remove("ZHICHENG_ADMIN_PASSWORD")
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

impl Db {
    fn run(&self, args: &[&str]) -> Output {
        run_with(&self.url, args)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `check` never opens the database: give it one that cannot exist.
fn check(args: &[&str]) -> Output {
    run_with("postgres://127.0.0.1:1/never", args)
}

fn check_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json", "check"];
    all.extend_from_slice(args);
    let out = check(&all);
    (code(&out), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn check_id_number_valid_and_invalid() {
    let out = check(&["check", "id-number", "11010519491231002x"]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("有效"), "{text}");
    assert!(lines[1].starts_with("valid"), "{text}");

    let (c, v) = check_json(&["id-number", "11010519491231002x"]);
    assert_eq!(c, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["normalised"], "11010519491231002X");
    assert_eq!(v["birth_date"], "1949-12-31");
    assert_eq!(v["gender"], "female");
    assert_eq!(v["reason"], Value::Null);

    let out = check(&["check", "id-number", "110105194912310021"]);
    assert_eq!(code(&out), 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains("校验位"), "{text}");
    assert!(lines[1].starts_with("invalid"), "{text}");

    let (c, v) = check_json(&["id-number", "371003198502301234"]);
    assert_eq!(c, 1);
    assert_eq!(v["valid"], false);
    assert_eq!(v["reason"]["code"], "id_number.birth_date");
    assert_eq!(v["normalised"], Value::Null);

    // A missing argument is a usage error.
    assert_eq!(code(&check(&["check", "id-number"])), 2);
}

#[test]
fn check_uscc_valid_wrong_check_char_and_bad_shape() {
    let (c, v) = check_json(&["uscc", "91371003MA3C12346Y"]);
    assert_eq!(c, 0);
    assert_eq!(v["valid"], true);
    assert_eq!(v["check_char_ok"], true);
    assert_eq!(v["expected_check_char"], "Y");
    assert_eq!(v["region"], "371003");

    let (c, v) = check_json(&["uscc", "91371003MA3C123460"]);
    assert_eq!(c, 1);
    assert_eq!(v["valid"], false);
    assert_eq!(v["check_char_ok"], false);
    assert_eq!(v["expected_check_char"], "Y");
    assert_eq!(v["region"], "371003");
    assert_eq!(v["manual_review"], true);
    let out = check(&["check", "uscc", "91371003MA3C123460"]);
    assert_eq!(code(&out), 1);
    assert!(stdout(&out).contains("人工审核"), "{}", stdout(&out));
    assert!(stdout(&out).contains("manual review"), "{}", stdout(&out));

    let (c, v) = check_json(&["uscc", "91371003MA3C1234"]);
    assert_eq!(c, 1);
    assert_eq!(v["valid"], false);
    assert_eq!(v["check_char_ok"], false);
    assert_eq!(v["region"], Value::Null);
    assert_eq!(v["reason"]["code"], "uscc.length");
}

#[test]
fn db_migrate_is_idempotent_and_says_what_it_did() {
    let db = db();
    let out = db.run(&["db", "migrate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("m20260101_000001_initial"));
    let out = db.run(&["db", "migrate"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("up to date"), "{}", stdout(&out));
    let v = db.json(&["db", "migrate"]);
    assert_eq!(v["applied"], serde_json::json!([]));
    assert!(db.dir.path().join("zhicheng.db").exists());
}

#[test]
fn an_unreachable_database_exits_3_and_a_bad_url_exits_2() {
    let out = run_with("sqlite:///proc/zhicheng-no/x.db?mode=rwc", &["org", "list"]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert!(stderr(&out).contains("error:"));
    let out = run_with("mysql://localhost/x", &["org", "list"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
}

#[test]
fn org_create_prints_a_password_once_and_refuses_a_taken_username() {
    let db = db();
    let args = [
        "org",
        "create",
        "--kind",
        "hr_bureau",
        "--name",
        "威海市文登区人力资源和社会保障局",
        "--region",
        "371003",
        "--admin-username",
        "wendeng_hrss",
    ];
    let out = db.run(&args);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    let line = text.lines().find(|l| l.contains("password:")).unwrap();
    let password = line.rsplit(' ').next().unwrap();
    assert_eq!(password.len(), 23, "{text}");

    let out = db.run(&args);
    assert_eq!(code(&out), 1);
    let err = stderr(&out);
    assert!(err.contains("用户名"), "{err}");
    assert!(err.contains("username"), "{err}");

    // The admin account is recorded as created by the operator.
    let v = db.json(&[
        "org",
        "create",
        "--kind",
        "committee_organiser",
        "--name",
        "威海市卫生系列高级职称评审委员会办公室",
        "--region",
        "371000",
        "--admin-username",
        "weihai_committee",
        "--admin-password",
        "Weihai-Health-2026",
    ]);
    assert_eq!(v["org"]["kind"], "committee_organiser");
    assert_eq!(v["password"], Value::Null);
    let org_id: uuid::Uuid = v["org"]["id"].as_str().unwrap().parse().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let events = rt.block_on(async {
        let store = zhicheng_store::Store::connect(&db.url).await.unwrap();
        store.audit_events(org_id).await.unwrap()
    });
    assert_eq!(
        events[0].actor,
        zhicheng_kernel::Actor::Operator("tester".into())
    );

    let orgs = db.json(&["org", "list"]);
    assert_eq!(orgs.as_array().unwrap().len(), 2);
    let bureaus = db.json(&["org", "list", "--kind", "hr_bureau"]);
    assert_eq!(bureaus.as_array().unwrap().len(), 1);
}

#[test]
fn org_create_refuses_units_and_names_bad_fields() {
    let db = db();
    let out = db.run(&[
        "org",
        "create",
        "--kind",
        "employer_unit",
        "--name",
        "某单位",
        "--region",
        "371003",
        "--admin-username",
        "unit_admin",
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    assert!(err.lines().next().unwrap().contains("门户"), "{err}");
    assert!(err.contains("portal"), "{err}");

    let out = db.run(&[
        "org",
        "create",
        "--kind",
        "hr_bureau",
        "--name",
        "人社局",
        "--region",
        "37100",
        "--admin-username",
        "1abc",
        "--admin-password",
        "short",
    ]);
    assert_eq!(code(&out), 2);
    let err = stderr(&out);
    for field in [
        "--region：",
        "--region:",
        "--admin-username",
        "--admin-password",
    ] {
        assert!(err.contains(field), "{field} in {err}");
    }
    assert_eq!(db.json(&["org", "list"]), serde_json::json!([]));
}

#[test]
fn plans_are_created_opened_listed_and_closed() {
    let db = db();
    let org = db.json(&[
        "org",
        "create",
        "--kind",
        "committee_organiser",
        "--name",
        "山东省工程技术职称评审委员会办公室",
        "--region",
        "370000",
        "--admin-username",
        "eng_committee",
    ]);
    let organiser = org["org"]["id"].as_str().unwrap().to_owned();
    let plan = db.json(&[
        "plan",
        "create",
        "--organiser",
        &organiser,
        "--year",
        "2026",
        "--name",
        "2026 年度工程技术职称评审",
        "--series",
        "ENG",
        "--levels",
        "senior_deputy,intermediate",
        "--start",
        "2026-03-01",
        "--end",
        "2026-03-31",
    ]);
    assert_eq!(plan["status"], "draft");
    assert_eq!(plan["window_start"], "2026-02-28T16:00:00Z");
    assert_eq!(plan["window_end"], "2026-03-31T15:59:59Z");
    assert_eq!(
        plan["levels"],
        serde_json::json!(["senior_deputy", "intermediate"])
    );
    let id = plan["id"].as_str().unwrap().to_owned();

    assert_eq!(plan["time_zone"], "Asia/Shanghai");
    assert_eq!(plan["report_deadline"], serde_json::Value::Null);

    // A plan with a unit report deadline, read in another zone.
    let urumqi = db.json(&[
        "plan",
        "create",
        "--organiser",
        &organiser,
        "--name",
        "2026 年度工程技术职称评审（新疆）",
        "--series",
        "ENG",
        "--levels",
        "intermediate",
        "--start",
        "2026-03-01",
        "--end",
        "2026-03-31",
        "--report-deadline",
        "2026-04-15 17:00",
        "--time-zone",
        "Asia/Urumqi",
    ]);
    assert_eq!(urumqi["window_start"], "2026-02-28T18:00:00Z");
    assert_eq!(urumqi["report_deadline"], "2026-04-15T11:00:00Z");
    assert_eq!(
        urumqi["report_deadline_local"],
        "2026-04-15 17:00（Asia/Urumqi）"
    );
    let refused = db.run(&[
        "plan",
        "create",
        "--organiser",
        &organiser,
        "--name",
        "计划",
        "--series",
        "ENG",
        "--levels",
        "intermediate",
        "--start",
        "2026-03-01",
        "--end",
        "2026-03-31",
        "--report-deadline",
        "2026-03-15",
        "--time-zone",
        "Mars/Olympus",
    ]);
    assert_eq!(code(&refused), 2);
    assert!(
        stderr(&refused).contains("--time-zone"),
        "{}",
        stderr(&refused)
    );
    let refused = db.run(&[
        "plan",
        "create",
        "--organiser",
        &organiser,
        "--name",
        "计划",
        "--series",
        "ENG",
        "--levels",
        "intermediate",
        "--start",
        "2026-03-01",
        "--end",
        "2026-03-31",
        "--report-deadline",
        "2026-03-15",
    ]);
    assert_eq!(code(&refused), 2);
    assert!(
        stderr(&refused).contains("单位审核上报截止时间"),
        "{}",
        stderr(&refused)
    );

    let out = db.run(&["plan", "open", &id]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(code(&db.run(&["plan", "open", &id])), 1);
    let list = db.json(&["plan", "list"]);
    let list: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["id"] == id.as_str())
        .collect();
    assert_eq!(list[0]["id"], id.as_str());
    assert_eq!(list[0]["status"], "open");
    let out = db.run(&["plan", "list"]);
    assert!(stdout(&out).contains(&id));
    assert_eq!(db.json(&["plan", "close", &id])["status"], "closed");

    // Bad input exits 2, unknown objects 1.
    let base = |organiser: &str, series: &str, start: &str| {
        db.run(&[
            "plan",
            "create",
            "--organiser",
            organiser,
            "--name",
            "计划",
            "--series",
            series,
            "--levels",
            "intermediate",
            "--start",
            start,
            "--end",
            "2026-03-31",
        ])
    };
    assert_eq!(code(&base("not-a-uuid", "ENG", "2026-03-01")), 2);
    assert_eq!(code(&base(&organiser, "ENG", "March 1st")), 2);
    assert_eq!(code(&base(&organiser, "NOPE", "2026-03-01")), 2);
    assert_eq!(
        code(&base(
            "0190f5e2-7c4b-7d2a-9a51-3c2f1e8b6a10",
            "ENG",
            "2026-03-01"
        )),
        1
    );
    assert_eq!(
        code(&db.run(&["plan", "open", "0190f5e2-7c4b-7d2a-9a51-3c2f1e8b6a10"])),
        1
    );
}

#[test]
fn demo_seed_fills_an_empty_database_once() {
    let db = db();
    let out = db.run(&["demo", "seed"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for want in [
        "hr_bureau",
        "dept_operator",
        "committee_organiser",
        "unit_admin",
        "applicant",
        "wendeng_hrss",
        "wendeng_hospital",
        "zhangsan",
        "371003198503151231",
        "威海市文登区人民医院 → 文登区卫生健康局 → 威海市卫生系列高级职称评审委员会办公室",
        "威海文登仁和医院有限公司 → 威海市文登区人力资源和社会保障局",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let orgs = db.json(&["org", "list"]);
    assert_eq!(orgs.as_array().unwrap().len(), 5);
    assert!(
        orgs.as_array()
            .unwrap()
            .iter()
            .all(|o| o["permission"] == "active")
    );
    let plans = db.json(&["plan", "list"]);
    assert_eq!(plans[0]["status"], "open");
    assert_eq!(plans[0]["series"], "HEALTH");

    let out = db.run(&["demo", "seed"]);
    assert_eq!(code(&out), 1);
    assert!(stderr(&out).contains("not empty"), "{}", stderr(&out));
    assert_eq!(db.json(&["org", "list"]), orgs);
    assert_eq!(db.json(&["plan", "list"]), plans);
}

#[test]
fn demo_seed_json_lists_every_account_with_its_own_password() {
    let db = db();
    let v = db.json(&["demo", "seed"]);
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 6);
    let mut passwords: Vec<&str> = accounts
        .iter()
        .map(|a| a["password"].as_str().unwrap())
        .collect();
    passwords.sort_unstable();
    passwords.dedup();
    assert_eq!(passwords.len(), 6);
    let roles: Vec<&str> = accounts
        .iter()
        .map(|a| a["role"].as_str().unwrap())
        .collect();
    assert_eq!(
        roles,
        [
            "hr_bureau",
            "dept_operator",
            "committee_organiser",
            "unit_admin",
            "unit_admin",
            "applicant"
        ]
    );
    assert_eq!(v["plan"]["status"], "open");
    assert_eq!(v["routes"].as_array().unwrap().len(), 4);
    assert_eq!(v["applicant"]["id_number"], "371003198503151231");

    // Not empty any more: refused, JSON error on stderr.
    let out = db.run(&["--json", "demo", "seed"]);
    assert_eq!(code(&out), 1);
    let err: Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["error"]["code"], "demo.not_empty");
}

#[test]
fn summary_writes_xlsx_and_pdf_for_an_organisation_and_refuses_bad_options() {
    let db = db();
    db.json(&["demo", "seed"]);
    let orgs = db.json(&["org", "list"]);
    let hospital = orgs
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "威海市文登区人民医院")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let plans = db.json(&["plan", "list"]);
    let plan = plans[0]["id"].as_str().unwrap().to_owned();
    let level = plans[0]["levels"][0].as_str().unwrap().to_owned();
    for (format, magic) in [("xlsx", &b"PK\x03\x04"[..]), ("pdf", &b"%PDF-"[..])] {
        let out = db.dir.path().join(format!("summary.{format}"));
        let v = db.json(&[
            "summary",
            "--org",
            &hospital,
            "--plan",
            &plan,
            "--series",
            "HEALTH",
            "--level",
            &level,
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(v["rows"], 0, "{v}");
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(magic), "{format}");
        assert_eq!(v["bytes"], bytes.len());
    }
    let out = db.run(&[
        "summary",
        "--org",
        &hospital,
        "--plan",
        &plan,
        "--series",
        "HEALTH",
        "--level",
        "bogus",
        "--out",
        "/dev/null",
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("--level"), "{}", stderr(&out));
    let out = db.run(&[
        "summary",
        "--org",
        &hospital,
        "--plan",
        "0190f5e2-7c4b-7d2a-9a51-3c2f1e8b6a10",
        "--series",
        "HEALTH",
        "--level",
        &level,
        "--out",
        "/dev/null",
    ]);
    assert_eq!(code(&out), 1, "unknown plan: {}", stderr(&out));
}

/// `path health`: a declaration on a complete route, then the bureau revokes the unit's link
/// and the check names the revocation and the bureau; `--org` narrows the view.
#[test]
fn path_health_reports_each_route_and_who_must_act() {
    use zhicheng_kernel::{AccountId, OrgId, PersonId, PlanId, Principal, Role, TitleLevel};
    use zhicheng_store::runtime::{SystemClock, UuidV7};

    let db = db();
    let v = db.json(&["demo", "seed"]);
    let plan = v["plan"]["id"].as_str().unwrap().to_owned();
    let org_of = |name: &str| -> uuid::Uuid {
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["organisation"] == name)
            .unwrap()["org_id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let unit = org_of("威海文登仁和医院有限公司");
    let bureau = org_of("威海市文登区人力资源和社会保障局");
    let other = org_of("威海市文登区人民医院");
    let person: uuid::Uuid = v["applicant"]["person_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();

    // Nothing declared yet.
    let empty = db.json(&["path", "health", "--plan", &plan]);
    assert_eq!(empty["routes"].as_array().unwrap().len(), 0, "{empty}");

    // The demo applicant declares at the unit and submits.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = zhicheng_store::Store::connect(&db.url).await.unwrap();
        let applicant = Principal {
            account_id: AccountId(uuid::Uuid::nil()),
            role: Role::Applicant,
            person_id: Some(PersonId(person)),
            org_id: None,
        };
        zhicheng_declaration::service::accept_commitment(&store, &SystemClock, &applicant)
            .await
            .unwrap();
        let d = zhicheng_declaration::service::create_declaration(
            &store,
            &store,
            &SystemClock,
            &UuidV7,
            &applicant,
            zhicheng_declaration::service::NewDeclaration {
                plan_id: PlanId(plan.parse().unwrap()),
                unit_id: OrgId(unit),
                level: TitleLevel::Intermediate,
                specialty: "临床医学".into(),
                kind: zhicheng_declaration::DeclarationKind::Normal,
                materials: zhicheng_declaration::RawMaterials::example(),
            },
        )
        .await
        .unwrap();
        zhicheng_review_workflow::service::submit_declaration(
            &store,
            &store,
            &SystemClock,
            &UuidV7,
            &applicant,
            d.id,
        )
        .await
        .unwrap();
    });

    let ok = db.json(&["path", "health", "--plan", &plan]);
    let routes = ok["routes"].as_array().unwrap();
    assert_eq!(routes.len(), 1, "{ok}");
    assert_eq!(
        (
            routes[0]["status"].as_str(),
            routes[0]["level"].as_str(),
            routes[0]["unit_name"].as_str()
        ),
        (
            Some("complete"),
            Some("intermediate"),
            Some("威海文登仁和医院有限公司")
        )
    );
    assert_eq!(
        routes[0]["route"],
        serde_json::json!([
            "威海文登仁和医院有限公司",
            "威海市文登区人力资源和社会保障局"
        ])
    );

    // The bureau revokes the unit's intermediate link.
    rt.block_on(async {
        use zhicheng_approval_path::ports::PathRepo;
        let store = zhicheng_store::Store::connect(&db.url).await.unwrap();
        let link = store
            .list_links_from(OrgId(unit))
            .await
            .unwrap()
            .into_iter()
            .find(|l| l.level == TitleLevel::Intermediate)
            .unwrap();
        let staff = Principal {
            account_id: AccountId(uuid::Uuid::nil()),
            role: Role::HrBureau,
            person_id: None,
            org_id: Some(OrgId(bureau)),
        };
        zhicheng_approval_path::service::revoke_path(
            &store,
            &SystemClock,
            &staff,
            link.id,
            "单位性质变更".into(),
        )
        .await
        .unwrap();
    });
    let bad = db.json(&[
        "path",
        "health",
        "--plan",
        &plan,
        "--org",
        &bureau.to_string(),
    ]);
    let r = &bad["routes"][0];
    assert_eq!(r["status"], "revoked", "{bad}");
    assert_eq!(r["parent"]["name"], "威海市文登区人力资源和社会保障局");
    assert_eq!(bad["incomplete"], 1);
    let mine = db.json(&[
        "path",
        "health",
        "--plan",
        &plan,
        "--org",
        &unit.to_string(),
    ]);
    assert_eq!(mine["routes"].as_array().unwrap().len(), 1);
    let others = db.json(&[
        "path",
        "health",
        "--plan",
        &plan,
        "--org",
        &other.to_string(),
    ]);
    assert_eq!(others["routes"].as_array().unwrap().len(), 0);

    // Text output names the revocation; unknown plan exits 1.
    let out = db.run(&["path", "health", "--plan", &plan]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stdout(&out).contains("已被 威海市文登区人力资源和社会保障局 撤销"),
        "{}",
        stdout(&out)
    );
    let out = db.run(&["path", "health", "--plan", &uuid::Uuid::nil().to_string()]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
}

#[test]
fn catalog_import_reports_every_bad_line_then_adds_versions_from_csv_and_xlsx() {
    let db = db();
    let v = db.json(&["catalog", "list", "--series", "ENG"]);
    assert_eq!(v["version"], 1);
    let names = |v: &Value| -> Vec<String> {
        v["series"][0]["specialties"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(names(&v).contains(&"电气工程".to_owned()));

    // Two bad lines (a wrong series name, a new series without titles) and one good one:
    // every problem is reported with its line number and nothing is imported.
    let bad = db.dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        "\u{feff}series_code,series_name,specialty_code,specialty_name\n\
         ENG,工程技术人员,SHIPBUILD,船舶制造\n\
         ENG,工程,X1,某专业\n\
         \n\
         SDNEW,山东新系列,A,甲\n",
    )
    .unwrap();
    let out = db.run(&["catalog", "import", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("第 3 行 [series_name]"), "{err}");
    assert!(err.contains("line 5 [titles]"), "{err}");
    assert!(!err.contains("第 2 行"), "{err}");
    assert_eq!(db.json(&["catalog", "list"])["version"], 1);
    let out = db.run(&["--json", "catalog", "import", bad.to_str().unwrap()]);
    assert_eq!(code(&out), 2);
    let e: Value = serde_json::from_str(stderr(&out).trim()).unwrap();
    assert_eq!(e["error"]["code"], "catalog.invalid_lines");
    assert_eq!(e["error"]["fields"][0]["field"], "line3.series_name");

    // A good CSV: version 2.
    let good = db.dir.path().join("good.csv");
    std::fs::write(
        &good,
        "系列代码,系列名称,专业代码,专业名称,正高级,副高级,中级,助理级,员级\n\
         ENG,工程技术人员,SHIPBUILD,船舶制造\n\
         SDPOLICE,山东警务技术,FORENSIC,法医,一级警务技术主任,二级警务技术主任,警务技术主管,警务技术员,\n",
    )
    .unwrap();
    let v = db.json(&["catalog", "import", good.to_str().unwrap()]);
    assert_eq!(v["version"], 2);
    assert_eq!(v["summary"]["specialties_added"], 2);
    assert_eq!(v["summary"]["series_added"][0], "SDPOLICE");
    let out = db.run(&["catalog", "import", good.to_str().unwrap()]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("未生成新版本"), "{}", stdout(&out));

    // An XLSX file (first sheet): version 3, built on version 2.
    let xlsx = db.dir.path().join("more.xlsx");
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (r, row) in [
        [
            "series_code",
            "series_name",
            "specialty_code",
            "specialty_name",
        ],
        ["HEALTH", "卫生技术人员", "GERIATRICS", "老年医学"],
        ["ENG", "工程技术人员", "SHIPBUILD", "船舶设计与制造"],
    ]
    .iter()
    .enumerate()
    {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    book.save(&xlsx).unwrap();
    let v = db.json(&["catalog", "import", xlsx.to_str().unwrap()]);
    assert_eq!(v["version"], 3);
    assert_eq!(v["summary"]["specialties_renamed"], 1);
    let eng = db.json(&["catalog", "list", "--series", "ENG"]);
    assert_eq!(eng["version"], 3);
    assert!(names(&eng).contains(&"船舶设计与制造".to_owned()));
    let police = db.json(&["catalog", "list", "--series", "SDPOLICE"]);
    assert_eq!(police["series"][0]["titles"][2]["title"], "警务技术主管");
    let text = stdout(&db.run(&["catalog", "list", "--series", "HEALTH"]));
    assert!(
        text.contains("老年医学") && text.contains("第 3 版"),
        "{text}"
    );
    assert_eq!(code(&db.run(&["catalog", "list", "--series", "NOPE"])), 1);
    assert_eq!(
        code(&db.run(&["catalog", "import", "/nonexistent/x.csv"])),
        2
    );
}

#[test]
fn commitment_set_publishes_the_next_version_of_the_letter() {
    let db = db();
    let v = db.json(&["commitment", "show"]);
    assert_eq!(
        (v["seq"].as_u64(), v["version"].as_str()),
        (Some(1), Some("2022.1"))
    );
    let file = db.dir.path().join("letter.txt");
    std::fs::write(
        &file,
        "\u{feff}本人承诺：所填材料真实准确。\r\n第二条。\r\n",
    )
    .unwrap();
    let out = db.run(&["commitment", "set", "--file", file.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(stdout(&out).contains("重新同意"), "{}", stdout(&out));
    let v = db.json(&["commitment", "show"]);
    assert_eq!(v["seq"], 2);
    assert_eq!(v["body"], "本人承诺：所填材料真实准确。\n第二条。");
    assert_eq!(v["title"], "职称申报承诺书");
    // The same text again publishes nothing; an empty file is bad input.
    let out = db.run(&["commitment", "set", "--file", file.to_str().unwrap()]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("内容相同"), "{}", stderr(&out));
    std::fs::write(&file, "  \n").unwrap();
    assert_eq!(
        code(&db.run(&["commitment", "set", "--file", file.to_str().unwrap()])),
        2
    );
    let v = db.json(&[
        "commitment",
        "set",
        "--title",
        "承诺书（修订）",
        "--file",
        {
            std::fs::write(&file, "第三版").unwrap();
            file.to_str().unwrap()
        },
    ]);
    assert_eq!(
        (v["seq"].as_u64(), v["title"].as_str()),
        (Some(3), Some("承诺书（修订）"))
    );
}

/// `declaration export`: the demo applicant's submitted declaration as CSV (BOM, masked ID
/// number) and XLSX; `--full-id` shows the number and is audited; a bad plan is refused.
#[test]
fn declaration_export_writes_csv_with_a_bom_and_xlsx_masking_id_numbers() {
    use zhicheng_kernel::{AccountId, OrgId, PersonId, PlanId, Principal, Role, TitleLevel};
    use zhicheng_store::runtime::{SystemClock, UuidV7};

    let db = db();
    let v = db.json(&["demo", "seed"]);
    let plan = v["plan"]["id"].as_str().unwrap().to_owned();
    let unit: uuid::Uuid = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["organisation"] == "威海文登仁和医院有限公司")
        .unwrap()["org_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let person: uuid::Uuid = v["applicant"]["person_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = zhicheng_store::Store::connect(&db.url).await.unwrap();
        let applicant = Principal {
            account_id: AccountId(uuid::Uuid::nil()),
            role: Role::Applicant,
            person_id: Some(PersonId(person)),
            org_id: None,
        };
        zhicheng_declaration::service::accept_commitment(&store, &SystemClock, &applicant)
            .await
            .unwrap();
        let d = zhicheng_declaration::service::create_declaration(
            &store,
            &store,
            &SystemClock,
            &UuidV7,
            &applicant,
            zhicheng_declaration::service::NewDeclaration {
                plan_id: PlanId(plan.parse().unwrap()),
                unit_id: OrgId(unit),
                level: TitleLevel::Intermediate,
                specialty: "内科".into(),
                kind: zhicheng_declaration::DeclarationKind::Normal,
                materials: zhicheng_declaration::RawMaterials::example(),
            },
        )
        .await
        .unwrap();
        zhicheng_review_workflow::service::submit_declaration(
            &store,
            &store,
            &SystemClock,
            &UuidV7,
            &applicant,
            d.id,
        )
        .await
        .unwrap();
    });

    // CSV: a BOM, the header, one row with the ID number masked; no progress bar off a TTY.
    let csv = db.dir.path().join("export.csv");
    let out = db.run(&[
        "declaration",
        "export",
        "--plan",
        &plan,
        "--format",
        "csv",
        "--out",
        csv.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(!stderr(&out).contains("exporting"), "{}", stderr(&out));
    assert!(stdout(&out).contains("已遮蔽"), "{}", stdout(&out));
    let bytes = std::fs::read(&csv).unwrap();
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM");
    let text = String::from_utf8(bytes).unwrap();
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("序号,姓名,身份证号,性别,出生日期,用人单位,职称系列"),
        "{text}"
    );
    assert!(lines[1].contains("3710**********1231"), "{text}");
    assert!(!lines[1].contains("371003198503151231"), "{text}");
    assert!(
        lines[1].contains("威海文登仁和医院有限公司") && lines[1].contains("内科"),
        "{text}"
    );
    assert!(
        lines[1].contains("卫生技术人员") && lines[1].contains("单位审核"),
        "{text}"
    );

    // XLSX with the full ID number: the export is audited.
    let xlsx = db.dir.path().join("export.xlsx");
    let v = db.json(&[
        "declaration",
        "export",
        "--plan",
        &plan,
        "--format",
        "xlsx",
        "--out",
        xlsx.to_str().unwrap(),
        "--full-id",
    ]);
    assert_eq!(
        (v["rows"].as_u64(), v["full_id"].as_bool()),
        (Some(1), Some(true))
    );
    let bytes = std::fs::read(&xlsx).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).unwrap();
    let sheet = calamine::Reader::worksheet_range_at(&mut book, 0)
        .unwrap()
        .unwrap();
    let cells: Vec<String> = sheet
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(cells[2], "371003198503151231");
    let audit = rt.block_on(async {
        let store = zhicheng_store::Store::connect(&db.url).await.unwrap();
        store.audit_events(plan.parse().unwrap()).await.unwrap()
    });
    let exports: Vec<_> = audit
        .iter()
        .filter(|a| a.action == "declaration.exported")
        .collect();
    assert_eq!(exports.len(), 2);
    assert_eq!(exports[1].detail["full_id"], true);
    assert_eq!(exports[1].detail["rows"], 1);

    assert_eq!(
        code(&db.run(&[
            "declaration",
            "export",
            "--plan",
            "0190f5e2-7c4b-7d2a-9a51-3c2f1e8b6a10",
            "--out",
            "/dev/null"
        ])),
        1
    );
    assert_eq!(
        code(&db.run(&["declaration", "export", "--plan", "x", "--out", "/dev/null"])),
        2
    );
    assert_eq!(
        code(&db.run(&[
            "declaration",
            "export",
            "--plan",
            &plan,
            "--format",
            "pdf",
            "--out",
            "/dev/null"
        ])),
        2
    );
}
