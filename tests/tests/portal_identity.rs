//! Portal pages of issue 3 at the HTTP level, on SQLite and PostgreSQL: the navigation links
//! (修改密码 included), 单位经办人 (create with errors next to the fields and typed values
//! kept, disable), 单位管理 (the one-time password shown once, a correction with old and new
//! values), 基本信息 with the 姓名更正申请 and its evidence file (a multipart form; the file
//! downloads for the person and the bureau only) and the bureau's 姓名更正 decision; the permission
//! form's duplicate-unit message; an initial or one-time password leads every page to 修改密码
//! until it is changed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use reqwest::StatusCode;
use serde_json::json;
use zhicheng_e2e::fixtures::id_number;
use zhicheng_e2e::multipart::{Part, form_data};
use zhicheng_e2e::portal::{Visitor, between};
use zhicheng_e2e::server::TestServer;
use zhicheng_identity::OrgKind;

const PW: &str = "Wendeng-2026!";
const UNIT: &str = "威海市文登区人民医院";
/// A tiny PNG-looking scan (the checks read its first bytes).
const SCAN: &[u8] = b"\x89PNG\r\n\x1a\nscan of the household register";

async fn flow(srv: TestServer) {
    srv.bootstrap_org(
        OrgKind::HrBureau,
        "威海市文登区人力资源和社会保障局",
        "371003",
        "wd_hrss",
        PW,
    )
    .await;
    let (s, unit) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": UNIT, "region": "371003", "username": "wdyy_admin", "password": PW,
                     "contact_mobile": "13805315678" }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let unit_id = unit["id"].as_str().unwrap().to_owned();

    // The unit administrator: nav, permission, operators.
    let mut admin = Visitor::new(&srv);
    admin.login_to("wdyy_admin", PW, "/work").await;
    let work = admin.get("/work").await;
    for link in ["href=\"/work/operators\"", "href=\"/work/password\""] {
        assert!(work.has(link), "{link}");
    }
    let csrf = work.csrf();
    admin
        .post(
            "/work/permission",
            &[
                ("csrf", &csrf),
                ("uscc", "123710034940875396"),
                ("region", "371003"),
            ],
        )
        .await
        .see_other("/work?applied=1");

    let page = admin.get("/work/operators").await;
    assert!(page.has("单位经办人") && page.has("wdyy_admin"));
    let bad = admin
        .post(
            "/work/operators",
            &[
                ("csrf", &csrf),
                ("username", "wdyy_wangfang"),
                ("name", "王芳"),
                ("mobile", "123"),
                ("password", "Operator#2026"),
                ("password2", "Operator#2026"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.has("手机号码应为 11 位数字")
            && bad.has("value=\"wdyy_wangfang\"")
            && bad.has("value=\"王芳\"")
    );
    admin
        .post(
            "/work/operators",
            &[
                ("csrf", &csrf),
                ("username", "wdyy_wangfang"),
                ("name", "王芳"),
                ("mobile", "13905310001"),
                ("password", "Operator#2026"),
                ("password2", "Operator#2026"),
            ],
        )
        .await
        .see_other("/work/operators?done=created");
    let page = admin.get("/work/operators?done=created").await;
    assert!(page.has("wdyy_wangfang") && page.has("139****0001") && !page.has("13905310001"));
    let op_id = between(&page.body, "action=\"/work/operators/", "/disable")
        .unwrap()
        .to_owned();
    // The operator's initial password was set by the administrator: every page leads to
    // 修改密码 until it is changed.
    let mut operator = Visitor::new(&srv);
    operator
        .login_to("wdyy_wangfang", "Operator#2026", "/work/password")
        .await;
    operator
        .get("/work/cases")
        .await
        .see_other("/work/password");
    operator.get("/").await.see_other("/work/password");
    let page = operator.get("/work/password").await;
    assert!(page.has("请先修改密码"), "{}", page.body);
    let op_csrf = page.csrf();
    operator
        .post(
            "/work/cases/batch",
            &[("csrf", &op_csrf), ("action", "approve")],
        )
        .await
        .see_other("/work/password");
    let changed = operator
        .post(
            "/work/password",
            &[
                ("csrf", &op_csrf),
                ("current_password", "Operator#2026"),
                ("new_password", "Wangfang#Own2026"),
                ("new_password2", "Wangfang#Own2026"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK);
    assert!(changed.has("密码已修改") && !changed.has("请先修改密码"));
    assert_eq!(
        operator.get("/work/cases").await.status,
        StatusCode::OK,
        "acts for the unit"
    );
    admin
        .post(
            &format!("/work/operators/{op_id}/disable"),
            &[("csrf", &csrf)],
        )
        .await
        .see_other("/work/operators?done=disable");
    operator.get("/work").await.see_other("/login");

    // A second registration of the same unit: the permission form shows the duplicate hint.
    let (s, _) = srv
        .client()
        .post(
            "/api/v1/units",
            &json!({ "name": UNIT, "region": "371003", "username": "wdyy_again", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut again = Visitor::new(&srv);
    again.login_to("wdyy_again", PW, "/work").await;
    let csrf2 = again.get("/work").await.csrf();
    let refused = again
        .post(
            "/work/permission",
            &[
                ("csrf", &csrf2),
                ("uscc", "12371003494087540B"),
                ("region", "371003"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.has("已经存在有权限的同名单位")
            && refused.has("威海市文登区人力资源和社会保障局")
            && refused.has("138****5678")
    );
    assert!(
        refused.has("value=\"12371003494087540B\""),
        "typed values kept"
    );

    // The applicant: 基本信息 and the name correction request.
    let (s, _) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id_number(123), "name": "张三", "mobile": "13805319999",
                     "username": "zhangsan", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut me = Visitor::new(&srv);
    me.login_to("zhangsan", PW, "/me").await;
    let page = me.get("/me/profile").await;
    for link in ["href=\"/me/profile\"", "href=\"/me/password\""] {
        assert!(page.has(link), "{link}");
    }
    assert!(page.has("张三") && page.has("3710**********1231") && page.has(UNIT));
    let csrf3 = page.csrf();
    assert!(page.has("enctype=\"multipart/form-data\"") && page.has("name=\"evidence_file\""));
    let correction = |file: Option<&'static [u8]>| {
        let mut parts = vec![
            Part::Text("csrf", &csrf3),
            Part::Text("unit_id", &unit_id),
            Part::Text("new_name", "张叁"),
            Part::Text("reason", "录入错误"),
            Part::Text("evidence", "户口簿"),
        ];
        match file {
            Some(bytes) => parts.push(Part::File(
                "evidence_file",
                "户口簿.png",
                "image/png",
                bytes,
            )),
            None => parts.push(Part::File(
                "evidence_file",
                "",
                "application/octet-stream",
                b"",
            )),
        }
        form_data(&parts)
    };
    let missing = me
        .post_form_data("/me/name-corrections", correction(None))
        .await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.has("请上传证明材料") && missing.has("value=\"张叁\""),
        "{}",
        missing.body
    );
    me.post_form_data("/me/name-corrections", correction(Some(SCAN)))
        .await
        .see_other("/me/profile?done=requested");
    let page = me.get("/me/profile").await;
    let evidence = format!(
        "/files/name-corrections/{}/evidence",
        between(&page.body, "href=\"/files/name-corrections/", "/evidence").unwrap()
    );
    assert!(page.has("户口簿.png"));
    let (s, headers, bytes) = me.download(&evidence).await;
    assert_eq!((s, bytes.as_slice()), (StatusCode::OK, SCAN));
    assert_eq!(headers["content-type"], "image/png");
    // Another applicant cannot open it.
    let (s, _) = srv
        .client()
        .post(
            "/api/v1/persons",
            &json!({ "id_number": id_number(124), "name": "李四", "mobile": "13805319998",
                     "username": "lisi2026", "password": PW }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let mut lisi = Visitor::new(&srv);
    lisi.login_to("lisi2026", PW, "/me").await;
    assert_eq!(lisi.download(&evidence).await.0, StatusCode::NOT_FOUND);
    assert!(me.get("/me/profile").await.has("待人社局审核"));

    // The bureau: 单位管理 and 姓名更正.
    let mut bureau = Visitor::new(&srv);
    bureau.login_to("wd_hrss", PW, "/work").await;
    let page = bureau.get("/work/units").await;
    for link in [
        "href=\"/work/units\"",
        "href=\"/work/name-corrections\"",
        "href=\"/work/password\"",
    ] {
        assert!(page.has(link), "{link}");
    }
    assert!(page.has(UNIT) && page.has("山东省威海市文登区（371003）") && page.has("138****5678"));
    let csrf4 = page.csrf();
    let reset = bureau
        .post(
            &format!("/work/units/{unit_id}/reset-admin-password"),
            &[("csrf", &csrf4)],
        )
        .await;
    assert_eq!(reset.status, StatusCode::OK);
    let one_time = between(
        &reset.body,
        "id=\"one-time-password\" style=\"font-size:1.1rem\">",
        "<",
    )
    .unwrap()
    .to_owned();
    assert_eq!(one_time.len(), 23, "{one_time}");
    assert!(
        !bureau.get("/work/units").await.has(&one_time),
        "shown once"
    );
    admin.get("/work").await.see_other("/login");
    let mut admin = Visitor::new(&srv);
    admin
        .login_to("wdyy_admin", &one_time, "/work/password")
        .await;
    admin.get("/work").await.see_other("/work/password");
    let admin_csrf = admin.get("/work/password").await.csrf();
    assert_eq!(
        admin
            .post(
                "/work/password",
                &[
                    ("csrf", &admin_csrf),
                    ("current_password", &one_time),
                    ("new_password", "Wendeng-Own-2026!"),
                    ("new_password2", "Wendeng-Own-2026!"),
                ],
            )
            .await
            .status,
        StatusCode::OK
    );

    let bad = bureau
        .post(
            &format!("/work/units/{unit_id}/correct"),
            &[
                ("csrf", &csrf4),
                ("name", "威海市文登区中心人民医院"),
                ("region", "371003"),
                ("uscc", ""),
                ("reason", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.has("请填写更正原因") && bad.has("value=\"威海市文登区中心人民医院\""));
    bureau
        .post(
            &format!("/work/units/{unit_id}/correct"),
            &[
                ("csrf", &csrf4),
                ("name", "威海市文登区中心人民医院"),
                ("region", "371003"),
                ("uscc", ""),
                ("reason", "营业执照名称变更"),
            ],
        )
        .await
        .see_other("/work/units?done=corrected");
    assert!(admin.get("/work").await.has("威海市文登区中心人民医院"));

    let page = bureau.get("/work/name-corrections").await;
    assert!(page.has("张三 → 张叁") && page.has("待审核 1 条"));
    assert!(
        page.has(&format!("href=\"{evidence}\"")),
        "the bureau sees the file"
    );
    assert_eq!(bureau.download(&evidence).await.2, SCAN);
    let cid = between(&page.body, "action=\"/work/name-corrections/", "/decision")
        .unwrap()
        .to_owned();
    let refused = bureau
        .post(
            &format!("/work/name-corrections/{cid}/decision"),
            &[("csrf", &csrf4), ("decision", "reject"), ("note", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.has("驳回时请填写原因"));
    bureau
        .post(
            &format!("/work/name-corrections/{cid}/decision"),
            &[("csrf", &csrf4), ("decision", "approve"), ("note", "")],
        )
        .await
        .see_other("/work/name-corrections?done=decided");
    let page = me.get("/me/profile").await;
    assert!(page.has("<dd>张叁</dd>") && page.has("已通过"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_identity_pages_sqlite() {
    flow(TestServer::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_identity_pages_postgres() {
    if let Some(srv) = TestServer::postgres().await {
        flow(srv).await;
    }
}
