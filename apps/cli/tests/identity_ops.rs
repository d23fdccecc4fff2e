//! `zhicheng sms outbox`, `zhicheng account unlock`, `zhicheng person rename` and the admin
//! account options of `zhicheng org create` (contact mobile, one-time password) against a
//! throwaway SQLite database seeded with `demo seed`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use chrono::{Duration, Utc};
use serde_json::Value;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::recovery::{SendLimit, SmsMessage, SmsTemplate};
use zhicheng_identity::{IdCardNumber, LoginName, MobileNumber};
use zhicheng_kernel::{Actor, AuditEvent};
use zhicheng_store::Store;

const ID: &str = "371003198503151231";

struct Db {
    _dir: tempfile::TempDir,
    url: String,
    rt: tokio::runtime::Runtime,
}

impl Db {
    fn seeded() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/zhicheng.db?mode=rwc", dir.path().display());
        let db = Db {
            _dir: dir,
            url,
            rt: tokio::runtime::Runtime::new().unwrap(),
        };
        assert_eq!(db.run(&["demo", "seed"]).status.code(), Some(0));
        db
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_zhicheng"))
            .args(args)
            .env("DATABASE_URL", &self.url)
            .env("ZHICHENG_OPERATOR", "tester")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.run(&all);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn store(&self) -> Store {
        self.rt.block_on(Store::connect(&self.url)).unwrap()
    }
}

#[test]
fn sms_outbox_lists_queued_messages_newest_first() {
    let db = Db::seeded();
    let empty = db.json(&["sms", "outbox"]);
    assert_eq!(empty.as_array().unwrap().len(), 0);
    let store = db.store();
    db.rt.block_on(async {
        // A real recovery request queues the code through the default adapter.
        for (i, login) in ["zhangsan", ID].into_iter().enumerate() {
            use zhicheng_identity::ports::IdentityRepo as _;
            let captcha = zhicheng_identity::Captcha::new(uuid::Uuid::now_v7(), "ABCD", Utc::now());
            store.create_captcha(&captcha).await.unwrap();
            zhicheng_identity::service::start_password_recovery(
                &store,
                &store,
                &zhicheng_store::runtime::SystemClock,
                &zhicheng_store::runtime::UuidV7,
                SendLimit::default(),
                Some(&format!("10.0.0.{i}")),
                &zhicheng_identity::service::CaptchaAnswer {
                    id: Some(captcha.id),
                    answer: "ABCD".into(),
                },
                login,
                "13800138000",
            )
            .await
            .unwrap();
        }
        let m = SmsMessage {
            mobile: MobileNumber::parse("13800138000").unwrap(),
            template: SmsTemplate::PasswordReset,
            params: vec![],
        };
        let audit = AuditEvent::new(
            Utc::now() + Duration::seconds(1),
            Actor::System,
            "t",
            "t",
            uuid::Uuid::nil(),
        );
        zhicheng_identity::ports::SmsGateway::send(&store, &m, None, &audit)
            .await
            .unwrap();
    });
    let all = db.json(&["sms", "outbox"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all[0]["template"], "password_reset");
    assert_eq!(all[1]["template"], "reset_code");
    assert_eq!(all[1]["mobile"], "13800138000");
    let one = db.json(&["sms", "outbox", "--limit", "1"]);
    assert_eq!(one.as_array().unwrap().len(), 1);
    let text = String::from_utf8_lossy(&db.run(&["sms", "outbox"]).stdout).into_owned();
    assert!(
        text.contains("验证码") && text.contains("13800138000"),
        "{text}"
    );
}

#[test]
fn account_unlock_clears_the_lock_and_is_audited_as_the_operator() {
    let db = Db::seeded();
    let store = db.store();
    let account = db.rt.block_on(async {
        let a = store
            .find_account_by_login(&LoginName::parse("zhangsan").unwrap())
            .await
            .unwrap()
            .unwrap();
        store
            .update_account(a.id, |a| {
                a.failed_attempts = 5;
                a.locked_until = Some(Utc::now() + Duration::minutes(15));
                Ok::<_, ()>((
                    (),
                    AuditEvent::new(
                        Utc::now(),
                        Actor::System,
                        "account.locked",
                        "account",
                        a.id.0,
                    ),
                ))
            })
            .await
            .unwrap();
        a.id
    });
    let v = db.json(&["account", "unlock", ID]);
    assert_eq!(v["username"], "zhangsan");
    let (a, events) = db.rt.block_on(async {
        (
            store.get_account(account).await.unwrap().unwrap(),
            store.audit_events(account.0).await.unwrap(),
        )
    });
    assert_eq!((a.failed_attempts, a.locked_until), (0, None));
    let last = events.last().unwrap();
    assert_eq!(last.action, "account.unlocked");
    assert_eq!(last.actor, Actor::Operator("tester".into()));
    assert_eq!(last.detail["was_locked"], true);

    let out = db.run(&["account", "unlock", "nobody-here"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有该用户名或身份证号码的账户"));
}

#[test]
fn person_rename_needs_a_reason_and_audits_old_and_new_name() {
    let db = Db::seeded();
    let out = db.run(&["person", "rename", ID, "--name", "张叁", "--reason", " "]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("更正姓名必须填写原因"));
    let out = db.run(&[
        "person",
        "rename",
        "371003198503151232",
        "--name",
        "张叁",
        "--reason",
        "x",
    ]);
    assert_eq!(out.status.code(), Some(2), "bad checksum is bad input");

    let v = db.json(&[
        "person",
        "rename",
        ID,
        "--name",
        "张叁",
        "--reason",
        "户籍更正证明",
    ]);
    assert_eq!(v["name"], "张叁");
    assert_eq!(v["id_number"], "3710**********1231");
    let store = db.store();
    let person = db
        .rt
        .block_on(store.find_person_by_id_number(&IdCardNumber::parse(ID).unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(person.name.as_str(), "张叁");
    let events = db.rt.block_on(store.audit_events(person.id.0)).unwrap();
    let last = events.last().unwrap();
    assert_eq!(last.action, "person.renamed");
    assert_eq!(last.actor, Actor::Operator("tester".into()));
    assert_ne!(last.detail["old_name"], "张叁");
    assert_eq!(last.detail["new_name"], "张叁");
    assert_eq!(last.detail["reason"], "户籍更正证明");

    let out = db.run(&[
        "person", "rename", ID, "--name", "张叁", "--reason", "again",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("新姓名与当前姓名相同"));
}

#[test]
fn org_create_keeps_the_admin_mobile_and_a_generated_password_is_one_time() {
    let db = Db::seeded();
    let v = db.json(&[
        "org",
        "create",
        "--kind",
        "hr_bureau",
        "--name",
        "威海市环翠区人力资源和社会保障局",
        "--region",
        "371002",
        "--admin-username",
        "hc_hrss",
        "--admin-mobile",
        "13905311234",
    ]);
    assert_eq!(v["admin"]["mobile"], "139****1234", "{v}");
    assert_eq!(v["admin"]["must_change_password"], true, "{v}");
    let generated = v["password"].as_str().unwrap().to_owned();
    let store = db.store();
    let admin = db
        .rt
        .block_on(store.find_account_by_login(&LoginName::parse("hc_hrss").unwrap()))
        .unwrap()
        .unwrap();
    assert_eq!(
        admin.mobile.as_ref().map(MobileNumber::as_str),
        Some("13905311234")
    );
    assert!(admin.must_change_password);
    assert!(
        !format!("{v}").contains("13905311234"),
        "masked in the output"
    );
    assert_eq!(generated.len(), 23);

    // A password the operator chose is not a one-time password.
    let v = db.json(&[
        "org",
        "create",
        "--kind",
        "competent_department",
        "--name",
        "威海市卫生健康委员会",
        "--region",
        "371000",
        "--admin-username",
        "wh_wjw",
        "--admin-password",
        "Weihai-Health-2026",
    ]);
    assert_eq!(v["admin"]["must_change_password"], false);
    assert_eq!(v["admin"]["mobile"], Value::Null);

    // A bad mobile is refused, naming the option, and nothing is created.
    let out = db.run(&[
        "org",
        "create",
        "--kind",
        "hr_bureau",
        "--name",
        "威海市文登区人力资源和社会保障局二",
        "--region",
        "371003",
        "--admin-username",
        "wd_hrss2",
        "--admin-mobile",
        "12345",
    ]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("admin-mobile") && err.contains("手机号码"),
        "{err}"
    );
    assert!(
        db.rt
            .block_on(store.find_account_by_login(&LoginName::parse("wd_hrss2").unwrap()))
            .unwrap()
            .is_none()
    );
}
