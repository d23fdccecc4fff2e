//! Contract of the identity ports added for organisations: staff accounts of an organisation,
//! account updates that end sessions in the same transaction, standalone audit rows, the
//! one-transaction recovery redemption, and name correction requests (one pending per
//! person, decided together with the person).

use zhicheng_identity::correction::{CorrectionAsk, CorrectionStatus, NameCorrection};
use zhicheng_identity::ports::Redeemed;
use zhicheng_identity::recovery::{
    CodeRefusal, RecoveryCode, RecoveryCodeText, RecoveryPurpose, SmsMessage, SmsTemplate,
};
use zhicheng_kernel::upload::{CheckedUpload, ContentAddress, ContentKind, FileName};

use super::*;

on_every_backend!(identity_orgs_contract);

fn session_of(a: &Account, tag: &str) -> Session {
    Session::open(
        format!("{tag}-{}", a.id.0),
        a.id,
        now(),
        zhicheng_identity::SessionPolicy::default(),
    )
}

async fn identity_orgs_contract<R>(r: &R)
where
    R: IdentityRepo + zhicheng_identity::ports::SmsGateway + Audited,
{
    let n = unique_n();
    let unit = org(OrgKind::EmployerUnit, "文登区人民医院", "371003");
    let admin = account(
        &format!("orgadmin{n}"),
        Role::UnitAdmin,
        None,
        Some(unit.id),
    );
    r.create_org(
        &unit,
        &admin,
        &audit("organisation", unit.id.0, "org.created"),
    )
    .await
    .unwrap();

    // A named operator: inserted with its audit row; a taken username is a Duplicate.
    let mut op = account(&format!("orgop{n}"), Role::UnitAdmin, None, Some(unit.id));
    op.operator = true;
    op.display_name = Some(PersonName::parse("王芳").unwrap());
    op.mobile = Some(MobileNumber::parse("13905310001").unwrap());
    // Created with an initial password set by the administrator: kept through the store.
    op.must_change_password = true;
    op.created_at = admin.created_at + Duration::seconds(1);
    r.create_account(&op, &audit("account", op.id.0, "account.operator_created"))
        .await
        .unwrap();
    let mut clash = op.clone();
    clash.id = AccountId(id());
    assert_eq!(
        r.create_account(&clash, &audit("account", clash.id.0, "x"))
            .await,
        Err(StoreError::Duplicate("username".into()))
    );
    assert_eq!(r.get_account(op.id).await.unwrap(), Some(op.clone()));
    let staff = r.list_accounts_of_org(unit.id).await.unwrap();
    assert_eq!(
        staff.iter().map(|a| a.id).collect::<Vec<_>>(),
        [admin.id, op.id],
        "administrator first"
    );
    assert!(
        r.audit(op.id.0)
            .await
            .iter()
            .any(|e| e.action == "account.operator_created")
    );

    // Disabling ends the account's sessions in the same transaction; a refusal keeps them.
    let s1 = session_of(&op, "s1");
    r.create_session(&s1).await.unwrap();
    let other = session_of(&admin, "s2");
    r.create_session(&other).await.unwrap();
    let refused = r
        .update_account_ending_sessions(op.id, |_| Err::<((), AuditEvent), _>("no"))
        .await;
    assert_eq!(refused, Err(TxError::Rejected("no")));
    assert!(r.find_session(&s1.token_hash).await.unwrap().is_some());
    let disabled = r
        .update_account_ending_sessions(op.id, |a| {
            a.disabled = true;
            a.must_change_password = false;
            Ok::<_, ()>((
                a.clone(),
                audit("account", a.id.0, "account.operator_disabled"),
            ))
        })
        .await
        .unwrap();
    assert!(disabled.disabled);
    assert_eq!(disabled.version, op.version + 1);
    assert_eq!(r.get_account(op.id).await.unwrap(), Some(disabled.clone()));
    assert!(r.find_session(&s1.token_hash).await.unwrap().is_none());
    assert!(
        r.find_session(&other.token_hash).await.unwrap().is_some(),
        "only that account's sessions end"
    );
    is_not_found(
        r.update_account_ending_sessions(AccountId(id()), |a| {
            Ok::<_, ()>(((), audit("account", a.id.0, "x")))
        })
        .await,
    );

    // A standalone audit row.
    let client = id();
    r.append_audit(&audit("client", client, "auth.captcha_refused"))
        .await
        .unwrap();
    assert_eq!(r.audit(client).await.len(), 1);

    // Redemption: a wrong try is written alone; the right one also writes the account and
    // ends its sessions, with every audit row, in one go.
    let p = person(unique_n());
    let pa = account(&format!("redeem{n}"), Role::Applicant, Some(p.id), None);
    r.register_person(&p, &pa, &audit("person", p.id.0, "person.registered"))
        .await
        .unwrap();
    let code = RecoveryCodeText::parse("135790").unwrap();
    let challenge = RecoveryCode::new(id(), pa.id, &code, RecoveryPurpose::PasswordReset, now());
    let msg = SmsMessage {
        mobile: p.mobile.clone(),
        template: SmsTemplate::ResetCode,
        params: vec![("code".into(), "135790".into())],
    };
    r.send(&msg, Some(&challenge), &audit("account", pa.id.0, "sent"))
        .await
        .unwrap();
    let sp = session_of(&pa, "sp");
    r.create_session(&sp).await.unwrap();
    let attempt = |guess: &'static str| {
        move |c: &mut RecoveryCode, a: &mut Account| {
            let res = c.attempt(guess, now());
            let ok = res.is_ok();
            if ok {
                a.failed_attempts = 0;
                a.locked_until = None;
                a.password_hash = PasswordHash("new-hash".into());
            }
            Redeemed {
                out: res,
                audit: vec![
                    audit("account", a.id.0, "try"),
                    audit("account", a.id.0, if ok { "reset" } else { "refused" }),
                ],
                account_changed: ok,
            }
        }
    };
    assert_eq!(
        r.redeem_recovery(challenge.id, attempt("000000"))
            .await
            .unwrap(),
        Some(Err(CodeRefusal::Wrong))
    );
    assert_eq!(
        r.get_account(pa.id).await.unwrap().unwrap().version,
        pa.version
    );
    assert!(r.find_session(&sp.token_hash).await.unwrap().is_some());
    assert_eq!(
        r.redeem_recovery(challenge.id, attempt("135790"))
            .await
            .unwrap(),
        Some(Ok(()))
    );
    let after = r.get_account(pa.id).await.unwrap().unwrap();
    assert_eq!(
        (after.password_hash.0.as_str(), after.version),
        ("new-hash", pa.version + 1)
    );
    assert!(r.find_session(&sp.token_hash).await.unwrap().is_none());
    let stored = r.get_recovery(challenge.id).await.unwrap().unwrap();
    assert_eq!((stored.tries, stored.used), (2, true));
    let trail = r.audit(pa.id.0).await;
    let count = |action: &str| trail.iter().filter(|e| e.action == action).count();
    assert_eq!((count("try"), count("refused"), count("reset")), (2, 1, 1));
    assert_eq!(
        r.redeem_recovery(id(), attempt("135790")).await.unwrap(),
        None
    );

    // Name corrections: one pending per person (with its evidence file's record); decided
    // together with the person.
    let ask = CorrectionAsk::check(
        &p.name,
        &unit,
        PersonName::parse("张叁").unwrap(),
        "录入错误",
        "户口簿",
    )
    .unwrap();
    let file = CheckedUpload {
        file_name: FileName::parse("户口簿 第3页.pdf").unwrap(),
        kind: ContentKind::Pdf,
        size: 123_456,
        sha256: ContentAddress::of(b"%PDF-1.7 household register"),
    };
    let c1 = NameCorrection::request(id(), p.id, &p.name, &unit, ask, file, now());
    r.create_name_correction(&c1, &audit("name_correction", c1.id, "requested"))
        .await
        .unwrap();
    let mut c2 = c1.clone();
    c2.id = id();
    // A request from before files were taken has none.
    c2.evidence_file = None;
    assert_eq!(
        r.create_name_correction(&c2, &audit("name_correction", c2.id, "requested"))
            .await,
        Err(StoreError::Duplicate("name_correction_pending".into()))
    );
    assert_eq!(
        r.get_name_correction(c1.id).await.unwrap(),
        Some(c1.clone())
    );
    assert_eq!(
        r.list_name_corrections(Some(p.id), Some(CorrectionStatus::Pending))
            .await
            .unwrap(),
        std::slice::from_ref(&c1)
    );
    assert!(
        r.list_name_corrections(Some(PersonId(id())), None)
            .await
            .unwrap()
            .is_empty()
    );
    let refused = r
        .decide_name_correction(c1.id, |_, _| Err::<((), Vec<AuditEvent>), _>("no"))
        .await;
    assert_eq!(refused, Err(TxError::Rejected("no")));
    let decided = r
        .decide_name_correction(c1.id, |c, person| {
            c.status = CorrectionStatus::Approved;
            person.name = c.new_name.clone();
            Ok::<_, ()>((
                c.clone(),
                vec![
                    audit("name_correction", c.id, "decided"),
                    audit("person", person.id.0, "person.renamed"),
                ],
            ))
        })
        .await
        .unwrap();
    assert_eq!(
        (decided.status, decided.version),
        (CorrectionStatus::Approved, c1.version + 1)
    );
    assert_eq!(
        r.get_person(p.id).await.unwrap().unwrap().name.as_str(),
        "张叁"
    );
    assert!(
        r.audit(p.id.0)
            .await
            .iter()
            .any(|e| e.action == "person.renamed")
    );
    // Decided requests no longer block a new one.
    r.create_name_correction(&c2, &audit("name_correction", c2.id, "requested"))
        .await
        .unwrap();
    let all = r.list_name_corrections(Some(p.id), None).await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        r.get_name_correction(c2.id).await.unwrap(),
        Some(c2.clone())
    );
    is_not_found(
        r.decide_name_correction(id(), |c, _| {
            Ok::<_, ()>(((), vec![audit("name_correction", c.id, "x")]))
        })
        .await,
    );
}
