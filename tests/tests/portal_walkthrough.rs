//! The whole flow through the web portal only, over HTTP, on SQLite and on PostgreSQL: a unit
//! registers, gets its permission and a path; the bureau approves the path and publishes a
//! plan; a person registers, accepts the letter, declares and submits; the unit approves and
//! reports; the bureau accepts, records the vote and issues; the person downloads the
//! certificate. Cookies and CSRF tokens are handled by hand, as a browser would.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::fixtures::materials;
use zhicheng_e2e::portal::{Visitor, id_after, materials_form, pairs};
use zhicheng_e2e::server::{CAPTCHA_ANSWER, TestServer};
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const UNIT: &str = "威海市文登区人民医院";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_walkthrough_on_sqlite() {
    walkthrough(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_walkthrough_on_postgres() {
    let Some(server) = TestServer::postgres().await else {
        return;
    };
    walkthrough(server).await;
}

/// Signs in through the portal's login form, which shows a 验证码 with an SVG image, and
/// expects a 303 to `to` with a session cookie.
async fn sign_in(v: &mut Visitor, login: &str, to: &str) {
    let form = v.get("/login").await;
    assert!(form.has("验证码") && form.has("data:image/svg+xml;base64,"));
    v.login_to(login, PW, to).await;
}

async fn walkthrough(srv: TestServer) {
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

    // Signed-out visitors are sent to the login page, which links to both registrations.
    let mut unit = Visitor::new(&srv);
    unit.get("/work/cases").await.see_other("/login");
    let login = unit.get("/login").await;
    assert!(login.has("href=\"/register\"") && login.has("href=\"/register/unit\""));

    // 单位注册: without the CSRF token nothing happens; a bad region keeps what was typed.
    let form = unit.get("/register/unit").await;
    assert_eq!(form.status, StatusCode::OK);
    let token = form.csrf();
    fn fields<'a>(region: &'a str, csrf: &'a str, captcha: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("name", UNIT),
            ("region", region),
            ("username", "wd_hospital"),
            ("password", PW),
            ("password2", PW),
            ("csrf", csrf),
            ("captcha_id", captcha),
            ("captcha_answer", CAPTCHA_ANSWER),
        ]
    }
    let refused = unit
        .post(
            "/register/unit",
            &fields("371003", "", &form.value_of("captcha_id")),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // A wrong captcha is refused before anything else, keeping what was typed.
    let mut wrong = fields("371003", &token, "");
    wrong.retain(|(k, _)| *k != "captcha_id" && *k != "captcha_answer");
    let first = form.value_of("captcha_id");
    wrong.extend([("captcha_id", first.as_str()), ("captcha_answer", "XXXX")]);
    let bad = unit.post("/register/unit", &wrong).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.has("captcha_answer-error") && bad.has(&format!("value=\"{UNIT}\"")),
        "{}",
        bad.body
    );
    let again = unit
        .post(
            "/register/unit",
            &fields("3710", &token, &bad.value_of("captcha_id")),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.has(&format!("value=\"{UNIT}\"")) && again.has("value=\"wd_hospital\""));
    assert!(
        again.has("region-error") && again.has("6 位行政区划代码"),
        "{}",
        again.body
    );
    let done = unit
        .post(
            "/register/unit",
            &fields("371003", &token, &again.value_of("captcha_id")),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.has("注册成功") && done.has("职称评审权限"));

    // The unit signs in, lands on /work and applies for the permission.
    sign_in(&mut unit, "wd_hospital", "/work").await;
    let work = unit.get("/work").await;
    assert!(work.has(UNIT) && work.has("未申请") && work.has("申请职称评审权限"));
    let csrf = work.csrf();
    unit.post(
        "/work/permission",
        &[
            ("csrf", &csrf),
            ("uscc", "123710034940875396"),
            ("region", "371003"),
        ],
    )
    .await
    .see_other("/work");
    let work = unit.get("/work?applied=1").await;
    assert!(work.has("已开通") && !work.has("action=\"/work/permission\""));

    // 路径申请 to the bureau.
    let paths = unit.get("/work/paths").await;
    assert!(paths.has(&format!("value=\"{bureau_id}\"")));
    unit.post(
        "/work/paths",
        &[
            ("csrf", &csrf),
            ("series", "ENG"),
            ("level", "intermediate"),
            ("parent_id", &bureau_id),
        ],
    )
    .await
    .see_other("/work/paths");
    assert!(unit.get("/work/paths").await.has("待上级审核"));

    // The bureau approves the path, then creates and publishes a plan.
    let mut bureau = Visitor::new(&srv);
    sign_in(&mut bureau, "wd_hrss", "/work").await;
    let paths = bureau.get("/work/paths").await;
    assert!(paths.has(UNIT), "{}", paths.body);
    let link = id_after(&paths.body, "action=\"/work/paths/");
    let bcsrf = paths.csrf();
    bureau
        .post(
            &format!("/work/paths/{link}/decision"),
            &[("csrf", &bcsrf), ("decision", "approve"), ("note", "同意")],
        )
        .await
        .see_other("/work/paths");
    assert!(unit.get("/work/paths").await.has("已通过"));

    let today = (Utc::now() + Duration::hours(8)).date_naive();
    let start = (today - Duration::days(1)).to_string();
    let end = (today + Duration::days(30)).to_string();
    let year = today.format("%Y").to_string();
    let plan_form = |name: &'static str| {
        vec![
            ("csrf", bcsrf.clone()),
            ("year", year.clone()),
            ("name", name.to_owned()),
            ("series", "ENG".to_owned()),
            ("lv_intermediate", "on".to_owned()),
            ("window_start", start.clone()),
            ("window_end", end.clone()),
        ]
    };
    // A form error (no level chosen) keeps what was typed.
    let mut no_level = plan_form("工程技术人员职称评审");
    no_level.retain(|(k, _)| *k != "lv_intermediate");
    let no_level: Vec<(&str, &str)> = no_level.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = bureau.post("/work/plans", &no_level).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("请至少选择一个级别") && refused.has("value=\"工程技术人员职称评审\""));
    let ok = plan_form("工程技术人员职称评审");
    let ok: Vec<(&str, &str)> = ok.iter().map(|(k, v)| (*k, v.as_str())).collect();
    bureau
        .post("/work/plans", &ok)
        .await
        .see_other("/work/plans");
    let plans = bureau.get("/work/plans").await;
    assert!(plans.has("草拟"));
    let plan = id_after(&plans.body, "action=\"/work/plans/");
    bureau
        .post(&format!("/work/plans/{plan}/open"), &[("csrf", &bcsrf)])
        .await
        .see_other("/work/plans");
    // A POST without the CSRF token is refused and changes nothing.
    let refused = bureau
        .post(&format!("/work/plans/{plan}/close"), &[("csrf", "")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let plans = bureau.get("/work/plans").await;
    assert!(
        plans.has("已发布") && plans.has(&format!("/work/plans/{plan}/close")),
        "{}",
        plans.body
    );

    // 个人注册: a bad mobile number keeps what was typed and says what is wrong.
    let mut person = Visitor::new(&srv);
    let form = person.get("/register").await;
    let token = form.csrf();
    fn person_form<'a>(
        mobile: &'a str,
        csrf: &'a str,
        captcha: &'a str,
    ) -> Vec<(&'a str, &'a str)> {
        vec![
            ("id_number", "11010519491231002X"),
            ("name", "李娜"),
            ("mobile", mobile),
            ("username", "lina1949"),
            ("password", PW),
            ("password2", PW),
            ("ethnicity", "汉族"),
            ("csrf", csrf),
            ("captcha_id", captcha),
            ("captcha_answer", CAPTCHA_ANSWER),
        ]
    }
    let again = person
        .post(
            "/register",
            &person_form("1234", &token, &form.value_of("captcha_id")),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        again.has("value=\"李娜\"")
            && again.has("value=\"11010519491231002X\"")
            && again.has("mobile-error")
            && again.has("手机号码应为 11 位数字")
    );
    let done = person
        .post(
            "/register",
            &person_form("13905310000", &token, &again.value_of("captcha_id")),
        )
        .await;
    assert!(done.has("注册成功"), "{}", done.body);
    // The same ID number again: the conflict points to recovery.
    let fresh = person.get("/register").await.value_of("captcha_id");
    let dup = person
        .post("/register", &person_form("13905310000", &token, &fresh))
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.has("找回用户名或密码") && dup.has("id_number-error"));

    sign_in(&mut person, "lina1949", "/me").await;
    assert_eq!(person.get("/work").await.status, StatusCode::FORBIDDEN);
    let me = person.get("/me").await;
    assert!(me.has("href=\"/me/declare\""));
    person.get("/me/declare").await.see_other("/commitment");
    let letter = person.get("/commitment").await;
    assert!(letter.has("职称申报承诺书") && letter.has("我同意"));
    let pcsrf = letter.csrf();
    person
        .post("/commitment", &[("csrf", &pcsrf)])
        .await
        .see_other("/me/declare");

    let declare = person.get("/me/declare").await;
    assert!(declare.has("工程技术人员") && declare.has("北京时间"));
    let unit_id = {
        let at = declare
            .body
            .find(&format!("\">{UNIT}</option>"))
            .expect("the unit is offered");
        declare.body[at - 36..at].to_owned()
    };
    let created = person
        .post(
            "/me/declare",
            &[
                ("csrf", &pcsrf),
                ("plan_id", &plan),
                ("level", "intermediate"),
                ("unit_id", &unit_id),
                ("specialty", "电气工程"),
                ("kind", "exceptional"),
            ],
        )
        .await;
    created.see_other("/me/declarations/");
    let detail_path = created
        .location
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let detail = person.get(&detail_path).await;
    assert!(detail.has("确定申报") && detail.has("破格申报"));
    // The completeness check lists every missing item at once (一次性告知).
    assert!(
        detail.has("材料完整性检查")
            && detail.has("请填写学历学位（至少一条）")
            && detail.has("请填写继续教育学时（至少一个年度）"),
        "{}",
        detail.body
    );

    // A bad field is refused by name while the valid sections are saved and nothing typed
    // is lost.
    let full = materials();
    let mut typed = full.clone();
    typed["education"][0]["to"] = json!("2008-13");
    typed["work_history"] = json!([]);
    typed["summary"] = json!("个人总结草稿");
    let bad = person
        .post(&detail_path, &pairs(&materials_form(&pcsrf, &typed)))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.has("毕业年月应为年月") && bad.has("value=\"2008-13\"") && bad.has("个人总结草稿"),
        "{}",
        bad.body
    );
    let applicant_api = srv.login("lina1949", PW).await;
    let (_, saved) = applicant_api
        .get(&format!("/api/v1/declarations{}", &detail_path[16..]))
        .await;
    assert_eq!(saved["materials"]["summary"], "个人总结草稿", "{saved}");
    assert_eq!(saved["materials"]["education"], json!([]), "{saved}");

    // Submitting an incomplete draft lists every missing item at once and keeps the text.
    let mut incomplete = full.clone();
    incomplete["work_history"] = json!([]);
    incomplete["summary"] = json!("个人总结草稿");
    let refused = person
        .post(
            &format!("{detail_path}/submit"),
            &pairs(&materials_form(&pcsrf, &incomplete)),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.has("请填写工作经历（至少一条）") && refused.has("个人总结草稿"),
        "{}",
        refused.body
    );
    person
        .post(
            &format!("{detail_path}/submit"),
            &pairs(&materials_form(&pcsrf, &full)),
        )
        .await
        .see_other(&detail_path);
    let detail = person.get(&detail_path).await;
    assert!(
        detail.has("单位审核中") && detail.has(UNIT) && !detail.has("formaction"),
        "{}",
        detail.body
    );

    // The unit approves (a second click is refused with a message) and reports.
    let cases = unit.get("/work/cases?series=ENG&level=intermediate").await;
    assert!(cases.has("李娜") && cases.has("电气工程") && cases.has("单位审核中"));
    let case = id_after(&cases.body, "action=\"/work/cases/");
    unit.post(&format!("/work/cases/{case}/approve"), &[("csrf", &csrf)])
        .await
        .see_other("/work/cases");
    let twice = unit
        .post(&format!("/work/cases/{case}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert!(
        twice.has("role=\"alert\"") && twice.has("李娜"),
        "{}",
        twice.body
    );
    unit.post(&format!("/work/cases/{case}/report"), &[("csrf", &csrf)])
        .await
        .see_other("/work/cases");
    assert!(unit.get("/work/cases").await.has("没有符合条件的申报"));

    // The bureau accepts, records a passing vote and issues.
    let queue = bureau.get("/work/cases?status=pending_acceptance").await;
    assert!(
        queue.has("李娜") && queue.has(&format!("/work/cases/{case}/accept")),
        "{}",
        queue.body
    );
    bureau
        .post(&format!("/work/cases/{case}/accept"), &[("csrf", &bcsrf)])
        .await
        .see_other("/work/cases");
    let bad_vote = bureau
        .post(
            &format!("/work/cases/{case}/vote"),
            &[("csrf", &bcsrf), ("members", "九")],
        )
        .await;
    assert_eq!(bad_vote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad_vote.has("委员人数应为非负整数"));
    bureau
        .post(
            &format!("/work/cases/{case}/vote"),
            &[
                ("csrf", &bcsrf),
                ("members", "9"),
                ("attending", "7"),
                ("yes", "6"),
                ("no", "1"),
                ("abstain", "0"),
            ],
        )
        .await
        .see_other("/work/cases");
    assert!(
        bureau
            .get("/work/cases")
            .await
            .has(&format!("/work/cases/{case}/issue"))
    );
    bureau
        .post(&format!("/work/cases/{case}/issue"), &[("csrf", &bcsrf)])
        .await
        .see_other("/work/cases");

    // The person sees 下载证书 and downloads the signed file.
    let me = person.get("/me").await;
    assert!(me.has("下载证书") && me.has("已发证"), "{}", me.body);
    let href = {
        let end = me.body.find("\">下载证书").unwrap();
        let start = me.body[..end].rfind("href=\"").unwrap() + "href=\"".len();
        me.body[start..end].to_owned()
    };
    assert!(href.ends_with("/certificate.pdf"), "{href}");
    let pdf = person.get(&href).await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert!(
        pdf.body.starts_with("%PDF"),
        "the certificate downloads as a PDF"
    );
    let file = person.get(href.trim_end_matches(".pdf")).await;
    assert_eq!(file.status, StatusCode::OK);
    let doc: serde_json::Value = serde_json::from_str(&file.body).unwrap();
    assert_eq!(doc["payload"]["holder_name"], "李娜");
    let detail = person.get(&detail_path).await;
    assert!(detail.has("已发证") && detail.has("下载证书"));
}
