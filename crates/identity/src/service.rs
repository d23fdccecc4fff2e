//! Identity use cases: registration, login, organisations and their permission. Staff
//! accounts, the bureau's unit management and name corrections are in the submodules.

pub mod corrections;
pub mod staff;
pub mod units;

use crate::SessionPolicy;
use zhicheng_kernel::{
    AccountId, Actor, AuditEvent, Clock, FieldError, IdGen, Localized, OrgId, PersonId, Principal,
    RegionCode, Role, ServiceError, StoreError, TxError,
};

use crate::account::PasswordChangeRequired;
use crate::org::{ApplyPermissionError, DecidePermissionError, DuplicateFindings};
use crate::ports::{CaptchaGenerator, IdentityRepo, PasswordHasher, SmsGateway};
use crate::recovery::{
    CodeRefusal, FinishRecoveryError, RecoveryCode, RecoveryPurpose, SendLimit, SmsMessage,
    SmsTemplate, client_key, phone_key,
};
use crate::{
    Account, IdCardNumber, LockoutPolicy, LoginName, MobileNumber, OrgKind, OrgName, Organisation,
    Password, PermissionStatus, Person, PersonName, Session, SessionToken, ThrottlePolicy, Uscc,
    Username,
};
use crate::{Captcha, CaptchaError};

/// Raw registration form of a person, as typed.
#[derive(Debug, Clone, Default)]
pub struct RegisterPersonForm {
    pub id_number: String,
    pub name: String,
    pub mobile: String,
    pub username: String,
    pub password: String,
    pub ethnicity: String,
}

/// A registration whose every field has been parsed.
#[derive(Debug, Clone)]
pub struct RegisterPerson {
    pub id_number: IdCardNumber,
    pub name: PersonName,
    pub mobile: MobileNumber,
    pub username: Username,
    pub password: Password,
    pub ethnicity: Option<String>,
}

impl RegisterPerson {
    /// Parses every field and reports all problems at once, each naming its field.
    ///
    /// # Errors
    /// One [`FieldError`] per invalid field.
    pub fn parse(form: &RegisterPersonForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id_number = IdCardNumber::parse(&form.id_number)
            .map_err(|e| errors.push(crate::service::id_number_error(&e)))
            .ok();
        let name = PersonName::parse(&form.name)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "name",
                    "name.invalid",
                    "姓名应为 2–40 个文字，与身份证一致",
                    e.to_string(),
                ))
            })
            .ok();
        let mobile = MobileNumber::parse(&form.mobile)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "mobile",
                    "mobile.invalid",
                    "手机号码应为 11 位数字，以 13–19 开头",
                    e.to_string(),
                ))
            })
            .ok();
        let username = Username::parse(&form.username)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "username",
                    "username.invalid",
                    "用户名为 4–32 位字母、数字或 _ . - @，以字母开头",
                    e.to_string(),
                ))
            })
            .ok();
        let personal = [
            form.username.as_str(),
            form.id_number.as_str(),
            form.mobile.as_str(),
        ];
        let password = Password::parse(&form.password, &personal)
            .map_err(|e| errors.push(password_error(&e)))
            .ok();
        let ethnicity = Some(form.ethnicity.trim().to_owned()).filter(|s| !s.is_empty());
        match (id_number, name, mobile, username, password) {
            (Some(id_number), Some(name), Some(mobile), Some(username), Some(password))
                if errors.is_empty() =>
            {
                Ok(RegisterPerson {
                    id_number,
                    name,
                    mobile,
                    username,
                    password,
                    ethnicity,
                })
            }
            _ => Err(errors),
        }
    }
}

pub fn id_number_error(e: &crate::IdCardNumberError) -> FieldError {
    use crate::IdCardNumberError as E;
    let zh = match e {
        E::FirstGeneration => "不接受 15 位旧身份证号码，请填写 18 位号码",
        E::Shape => "身份证号码应为 18 位：17 位数字加 1 位数字或 X",
        E::Province => "身份证号码前两位不是有效的省份代码",
        E::BirthDate => "身份证号码中的出生日期无效",
        E::Checksum => "身份证号码校验位不正确，请核对",
    };
    FieldError::new("id_number", "id_number.invalid", zh, e.to_string())
}

pub fn password_error(e: &crate::PasswordError) -> FieldError {
    use crate::PasswordError as E;
    let zh = match e {
        E::TooShort => "密码至少 8 位",
        E::TooLong => "密码最多 128 位",
        E::TooSimple => "密码需包含大写字母、小写字母、数字、符号中的至少三类",
        E::Common => "该密码过于常见，请更换",
        E::ContainsPersonalData => "密码不能包含用户名、身份证号码或手机号码",
    };
    FieldError::new("password", "password.invalid", zh, e.to_string())
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegisterPersonError {
    #[error(
        "this ID number already has an account; use “forgot username or password” to recover it"
    )]
    IdNumberTaken,
    #[error("this username is taken; choose another")]
    UsernameTaken,
    #[error(transparent)]
    Store(StoreError),
}

impl Localized for RegisterPersonError {
    fn code(&self) -> &'static str {
        match self {
            Self::IdNumberTaken => "person.id_number_taken",
            Self::UsernameTaken => "person.username_taken",
            Self::Store(_) => "store.unavailable",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::IdNumberTaken => {
                "该身份证号码已注册账号（每个身份证号只能注册一个账号）：请使用“找回用户名或密码”"
                    .into()
            }
            Self::UsernameTaken => "该用户名已被使用，请更换".into(),
            Self::Store(_) => "服务暂时不可用，请稍后重试".into(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Registers a person and their applicant account (one account per ID number).
///
/// # Errors
/// [`RegisterPersonError`] when the ID number or username is taken.
pub async fn register_person<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    cmd: RegisterPerson,
) -> Result<(Person, Account), RegisterPersonError> {
    let now = clock.now();
    let person = Person {
        id: PersonId(ids.new_id()),
        id_number: cmd.id_number,
        name: cmd.name,
        mobile: cmd.mobile,
        ethnicity: cmd.ethnicity,
        created_at: now,
        version: 1,
    };
    let account = Account {
        id: AccountId(ids.new_id()),
        username: cmd.username,
        password_hash: hasher.hash(cmd.password).await,
        role: Role::Applicant,
        person_id: Some(person.id),
        org_id: None,
        failed_attempts: 0,
        locked_until: None,
        display_name: None,
        mobile: None,
        operator: false,
        disabled: false,
        must_change_password: false,
        created_at: now,
        version: 1,
    };
    let audit = AuditEvent::new(now, Actor::Account(account.id), "person.registered", "person", person.id.0)
        .with_detail(serde_json::json!({ "id_number": person.id_number.masked(), "username": account.username.as_str() }));
    repo.register_person(&person, &account, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(k) if k.contains("id_number") => {
                RegisterPersonError::IdNumberTaken
            }
            StoreError::Duplicate(_) => RegisterPersonError::UsernameTaken,
            e => RegisterPersonError::Store(e),
        })?;
    Ok((person, account))
}

/// Registration of an organisation with its first staff account.
#[derive(Debug, Clone)]
pub struct CreateOrg {
    pub kind: OrgKind,
    pub name: OrgName,
    pub region: RegionCode,
    pub uscc: Option<Uscc>,
    pub admin_username: Username,
    pub admin_password: Password,
    /// The unit's contact mobile (kept on its admin account; used for duplicate hints).
    pub admin_mobile: Option<MobileNumber>,
    /// The admin password is a one-time password handed over by an operator: it must be
    /// changed at the first sign-in.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateOrgError {
    #[error("this username is taken; choose another")]
    UsernameTaken,
    #[error(
        "employer units register themselves through the portal; the CLI bootstraps authorities"
    )]
    UnitViaCli,
    #[error(transparent)]
    Store(StoreError),
}

impl Localized for CreateOrgError {
    fn code(&self) -> &'static str {
        match self {
            Self::UsernameTaken => "org.username_taken",
            Self::UnitViaCli => "org.unit_via_cli",
            Self::Store(_) => "store.unavailable",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::UsernameTaken => "该用户名已被使用，请更换",
            Self::UnitViaCli => {
                "用人单位请在门户网站自行注册；命令行只用于创建主管部门、人社局和评委会组建单位"
            }
            Self::Store(_) => "服务暂时不可用，请稍后重试",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Creates an organisation with its first staff account.
///
/// Authorities (competent departments, HR bureaus, committee organisers) are created by an
/// operator and hold their permission at once; employer units register themselves and start
/// without the permission.
///
/// # Errors
/// [`CreateOrgError::UsernameTaken`] when the admin username exists.
pub async fn create_org<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    actor: Actor,
    cmd: CreateOrg,
) -> Result<(Organisation, Account), CreateOrgError> {
    let now = clock.now();
    let org = Organisation {
        id: OrgId(ids.new_id()),
        kind: cmd.kind,
        name: cmd.name,
        uscc: cmd.uscc,
        region: cmd.region,
        permission: if cmd.kind == OrgKind::EmployerUnit {
            PermissionStatus::NotApplied
        } else {
            PermissionStatus::Active
        },
        permission_note: None,
        created_at: now,
        version: 1,
    };
    let admin = Account {
        id: AccountId(ids.new_id()),
        username: cmd.admin_username,
        password_hash: hasher.hash(cmd.admin_password).await,
        role: cmd.kind.staff_role(),
        person_id: None,
        org_id: Some(org.id),
        failed_attempts: 0,
        locked_until: None,
        display_name: None,
        mobile: cmd.admin_mobile,
        operator: false,
        disabled: false,
        must_change_password: cmd.must_change_password,
        created_at: now,
        version: 1,
    };
    let audit = AuditEvent::new(now, actor, "org.created", "organisation", org.id.0).with_detail(
        serde_json::json!({
            "kind": org.kind.as_str(), "name": org.name.as_str(), "region": org.region.to_string(),
            "admin": admin.username.as_str(),
        }),
    );
    repo.create_org(&org, &admin, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => CreateOrgError::UsernameTaken,
            e => CreateOrgError::Store(e),
        })?;
    Ok((org, admin))
}

/// Errors of the permission use cases.
pub type PermissionError<E> = ServiceError<E>;

/// A unit applies for the title-review permission (automatic check, else manual review).
///
/// # Errors
/// [`PermissionError`] when the principal is not the unit's staff or the rule refuses.
pub async fn apply_permission<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    uscc: Uscc,
    region: RegionCode,
) -> Result<Organisation, PermissionError<ApplyPermissionError>> {
    let org_id = principal
        .org_as(Role::UnitAdmin)
        .ok_or(ServiceError::Forbidden)?;
    let unit = repo
        .get_org(org_id)
        .await
        .map_err(ServiceError::Store)?
        .ok_or(ServiceError::NotFound)?;
    let found = DuplicateFindings {
        duplicate: duplicate_of(repo, &unit, &uscc)
            .await
            .map_err(ServiceError::Store)?,
    };
    let now = clock.now();
    let actor = Actor::from(principal);
    Ok(repo
        .update_org(org_id, move |org| {
            let status = org.apply_permission(uscc, region, &found)?;
            let audit = AuditEvent::new(
                now,
                actor,
                "org.permission_applied",
                "organisation",
                org.id.0,
            )
            .with_detail(
                serde_json::json!({ "result": status.as_str(), "note": org.permission_note }),
            );
            Ok((org.clone(), audit))
        })
        .await?)
}

/// Another unit holding the permission with this credit code or the same normalised name, with
/// the bureau to contact and its masked contact mobile.
async fn duplicate_of<R: IdentityRepo>(
    repo: &R,
    unit: &Organisation,
    uscc: &Uscc,
) -> Result<Option<crate::org::DuplicateHint>, StoreError> {
    let mut candidates = repo.find_orgs_by_uscc(uscc).await?;
    candidates.extend(repo.find_orgs_by_name(&unit.name).await?);
    let Some(existing) = candidates
        .into_iter()
        .find(|o| o.id != unit.id && o.has_permission())
    else {
        return Ok(None);
    };
    let bureaus = repo.list_orgs(Some(OrgKind::HrBureau)).await?;
    let bureau = existing
        .responsible_bureau(&bureaus)
        .map(|b| b.name.as_str().to_owned());
    let contact = repo
        .list_accounts_of_org(existing.id)
        .await?
        .into_iter()
        .filter(|a| !a.operator)
        .find_map(|a| a.mobile)
        .map(|m| m.masked());
    Ok(Some(crate::org::DuplicateHint {
        name: existing.name.as_str().to_owned(),
        bureau,
        contact,
    }))
}

/// The HR bureau approves or rejects a unit's application in manual review.
///
/// # Errors
/// [`PermissionError`] when the principal is not an HR bureau covering the unit.
pub async fn decide_permission<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    unit_id: OrgId,
    approve: bool,
    note: Option<String>,
) -> Result<Organisation, PermissionError<DecidePermissionError>> {
    let bureau_id = principal
        .org_as(Role::HrBureau)
        .ok_or(ServiceError::Forbidden)?;
    let bureau = repo
        .get_org(bureau_id)
        .await
        .map_err(ServiceError::Store)?
        .ok_or(ServiceError::Forbidden)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    Ok(repo
        .update_org(unit_id, move |org| {
            let status = org.decide_permission(&bureau, approve, note)?;
            let audit = AuditEvent::new(
                now,
                actor,
                "org.permission_decided",
                "organisation",
                org.id.0,
            )
            .with_detail(serde_json::json!({ "result": status.as_str() }));
            Ok((org.clone(), audit))
        })
        .await?)
}

/// Why a login was refused. Unknown user, wrong password and locked account look the same to
/// the caller (same status, same text), so nobody can learn which usernames exist; the text
/// names the lock rule and when to retry for everyone alike.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "wrong username or password; {max_failures} consecutive failures lock an account for {lock_minutes} minutes — if it is locked, try again in {lock_minutes} minutes or reset the password by SMS"
    )]
    Rejected {
        max_failures: i32,
        lock_minutes: i64,
    },
    /// The captcha was missing, wrong, expired or used: nothing else was checked or counted.
    #[error(transparent)]
    Captcha(CaptchaError),
    /// Too many failed logins from this client address: refused before any check, no account
    /// is touched.
    #[error("too many failed sign-ins from this network; try again in {minutes} minutes")]
    Throttled { minutes: i64 },
    #[error(transparent)]
    Store(StoreError),
}

impl LoginError {
    /// The one refusal every failed login gets under `policy`.
    pub fn rejected(policy: LockoutPolicy) -> Self {
        LoginError::Rejected {
            max_failures: policy.max_failures,
            lock_minutes: policy.lock_for.num_minutes(),
        }
    }
}

impl Localized for LoginError {
    fn code(&self) -> &'static str {
        match self {
            Self::Rejected { .. } => "auth.login_rejected",
            Self::Captcha(e) => e.code(),
            Self::Throttled { .. } => "auth.throttled",
            Self::Store(_) => "store.unavailable",
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::Captcha(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Captcha(e) => e.fields(),
            _ => Vec::new(),
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Rejected {
                max_failures,
                lock_minutes,
            } => format!(
                "用户名或密码错误。连续 {max_failures} 次输错密码将锁定账户 {lock_minutes} 分钟；如账户已锁定，请于 {lock_minutes} 分钟后再试，或通过“找回用户名或密码”重置密码"
            ),
            Self::Captcha(e) => e.zh(),
            Self::Throttled { minutes } => {
                format!("来自您所在网络的登录失败次数过多，请于 {minutes} 分钟后再试")
            }
            Self::Store(_) => "服务暂时不可用，请稍后重试".into(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// A captcha answer as submitted with a form.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaptchaAnswer {
    pub id: Option<uuid::Uuid>,
    pub answer: String,
}

/// A new captcha challenge: stored with the hash of its answer, returned with its picture.
///
/// # Errors
/// Storage failures, or `Unavailable` when the generator has no randomness.
pub async fn new_captcha<R: IdentityRepo, G: CaptchaGenerator + ?Sized>(
    repo: &R,
    generator: &G,
    clock: &dyn Clock,
    ids: &dyn IdGen,
) -> Result<(Captcha, String), StoreError> {
    let challenge = generator
        .generate()
        .ok_or_else(|| StoreError::Unavailable("no random source for the captcha".into()))?;
    let captcha = Captcha::new(ids.new_id(), &challenge.answer, clock.now());
    repo.create_captcha(&captcha).await?;
    Ok((captcha, challenge.svg))
}

/// Consumes a captcha and checks the answer (single use: right or wrong, it is gone).
///
/// # Errors
/// `Ok(Err(_))` when the captcha is missing, unknown, used, expired or wrong; `Err` when the
/// store fails.
pub async fn check_captcha<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    answer: &CaptchaAnswer,
) -> Result<Result<(), CaptchaError>, StoreError> {
    let Some(id) = answer.id else {
        return Ok(Err(CaptchaError::Missing));
    };
    if answer.answer.trim().is_empty() {
        return Ok(Err(CaptchaError::Missing));
    }
    Ok(match repo.take_captcha(id).await? {
        None => Err(CaptchaError::Expired),
        Some((c, was_unused)) => c.check(was_unused, &answer.answer, clock.now()),
    })
}

/// An audit row about a client address rather than an account (refused captcha, throttled
/// attempt, recovery request that matched nothing). The address is kept in the detail.
pub fn client_audit(
    now: chrono::DateTime<chrono::Utc>,
    client: Option<&str>,
    action: &str,
    mut detail: serde_json::Value,
) -> AuditEvent {
    let client = client.unwrap_or("-");
    if let Some(o) = detail.as_object_mut() {
        o.insert("client".into(), client.into());
    }
    AuditEvent::new(
        now,
        Actor::System,
        action,
        "client",
        crate::throttle::client_object(client),
    )
    .with_detail(detail)
}

/// Checks (and consumes) the captcha of a form filled in before signing in; a refusal is
/// audited with the client address and the form's name.
///
/// # Errors
/// `Rule(CaptchaError)` when the captcha is missing, wrong, used or expired.
pub async fn check_form_captcha<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    client: Option<&str>,
    form: &str,
    answer: &CaptchaAnswer,
) -> Result<(), ServiceError<CaptchaError>> {
    match check_captcha(repo, clock, answer).await? {
        Ok(()) => Ok(()),
        Err(e) => {
            repo.append_audit(&client_audit(
                clock.now(),
                client,
                "auth.captcha_refused",
                serde_json::json!({ "form": form, "reason": e.code() }),
            ))
            .await?;
            Err(ServiceError::Rule(e))
        }
    }
}

/// The rules a login runs under: the per-account lock and the per-client throttle.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoginPolicy {
    pub lockout: LockoutPolicy,
    pub throttle: ThrottlePolicy,
    pub session: SessionPolicy,
}

/// How often a read-check-write of an account is tried again after losing a race.
const ACCOUNT_RETRIES: usize = 16;

/// `update_account`, tried again when a concurrent change won the version race.
async fn update_account_retrying<R, T, E, F>(repo: &R, id: AccountId, f: F) -> Result<T, TxError<E>>
where
    R: IdentityRepo,
    T: Send,
    E: Send,
    F: FnOnce(&mut Account) -> Result<(T, AuditEvent), E> + Clone + Send,
{
    for _ in 1..ACCOUNT_RETRIES {
        match repo.update_account(id, f.clone()).await {
            Err(TxError::Store(StoreError::Conflict)) => continue,
            r => return r,
        }
    }
    repo.update_account(id, f).await
}

/// Checks a username-or-ID-number and password, applies the per-client throttle and the
/// lockout rule, and opens a session for the caller-supplied token.
///
/// A client (address) with `policy.throttle.max_failures` refused logins in the current
/// window is refused before anything is checked; every refused login adds to its count.
///
/// The attempt is reserved in the database (counted as a failure in advance, in one
/// transaction) **before** the password is checked, so parallel guesses cannot get more than
/// `policy.max_failures` checks; attempts while locked check nothing and count nothing.
/// The captcha is checked (and consumed) first: a bad one refuses the attempt before anything
/// else and counts nothing.
///
/// # Errors
/// [`LoginError::Throttled`] for a throttled client; [`LoginError::Captcha`] for a bad
/// captcha; [`LoginError::Rejected`] for an unknown login, a wrong password or a locked account.
#[allow(clippy::too_many_arguments)]
pub async fn login<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    policy: LoginPolicy,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    login: &str,
    password: &str,
    token: &SessionToken,
) -> Result<SignedIn, LoginError> {
    let now = clock.now();
    let window = policy.throttle.window_start(now);
    if let Some(ip) = client {
        let failures = repo
            .login_failures_from(ip, window)
            .await
            .map_err(LoginError::Store)?;
        if !policy.throttle.allows(failures) {
            repo.append_audit(&client_audit(
                now,
                Some(ip),
                "auth.login_throttled",
                serde_json::json!({ "failures": failures }),
            ))
            .await
            .map_err(LoginError::Store)?;
            return Err(LoginError::Throttled {
                minutes: policy.throttle.minutes_left(now),
            });
        }
    }
    let r = login_checked(repo, hasher, clock, policy, captcha, login, password, token).await;
    if let Err(LoginError::Captcha(e)) = &r {
        repo.append_audit(&client_audit(
            now,
            client,
            "auth.captcha_refused",
            serde_json::json!({ "form": "login", "reason": e.code() }),
        ))
        .await
        .map_err(LoginError::Store)?;
    }
    if let (Err(LoginError::Rejected { .. }), Some(ip)) = (&r, client) {
        repo.add_login_failure_from(ip, window)
            .await
            .map_err(LoginError::Store)?;
    }
    r
}

#[allow(clippy::too_many_arguments)]
async fn login_checked<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    rules: LoginPolicy,
    captcha: &CaptchaAnswer,
    login: &str,
    password: &str,
    token: &SessionToken,
) -> Result<SignedIn, LoginError> {
    use crate::account::{FailureOutcome, Reservation};
    let policy = rules.lockout;
    let rejected = LoginError::rejected(policy);
    let store_err = |e: TxError<std::convert::Infallible>| match e {
        TxError::Store(e) => LoginError::Store(e),
        TxError::Rejected(never) => match never {},
    };
    check_captcha(repo, clock, captcha)
        .await
        .map_err(LoginError::Store)?
        .map_err(LoginError::Captcha)?;
    let account = match LoginName::parse(login) {
        Some(name) => repo
            .find_account_by_login(&name)
            .await
            .map_err(LoginError::Store)?,
        None => None,
    };
    // A disabled account answers exactly like an unknown one.
    let Some(account) = account.filter(|a| !a.disabled) else {
        // Spend the same time as a real check so timing does not reveal unknown users.
        let _ = hasher.verify(password.to_owned(), dummy_hash()).await;
        return Err(rejected);
    };
    let now = clock.now();
    let actor = Actor::Account(account.id);
    let reserved = update_account_retrying(repo, account.id, {
        let actor = actor.clone();
        move |a: &mut Account| {
            let r = a.reserve_attempt(now, policy);
            let action = match r {
                Reservation::Granted => "account.login_attempted",
                Reservation::Locked { .. } => "account.login_refused_locked",
                Reservation::LockedNow { .. } => "account.locked",
            };
            Ok((r, AuditEvent::new(now, actor, action, "account", a.id.0)))
        }
    })
    .await;
    match reserved {
        Ok(Reservation::Granted) => {}
        Ok(_) | Err(TxError::Store(StoreError::Conflict)) => {
            // Same time as a real check; no password is checked.
            let _ = hasher.verify(password.to_owned(), dummy_hash()).await;
            return Err(rejected);
        }
        Err(e) => return Err(store_err(e)),
    }
    let ok = hasher
        .verify(password.to_owned(), account.password_hash.clone())
        .await;
    if !ok {
        let r = update_account_retrying(repo, account.id, {
            let actor = actor.clone();
            move |a: &mut Account| {
                let action = match a.settle_failure(now, policy) {
                    FailureOutcome::LockedNow { .. } => "account.locked",
                    FailureOutcome::AlreadyLocked { .. } => "account.login_refused_locked",
                    FailureOutcome::Counted { .. } => "account.login_failed",
                };
                Ok(((), AuditEvent::new(now, actor, action, "account", a.id.0)))
            }
        })
        .await;
        return match r {
            Ok(()) | Err(TxError::Store(StoreError::Conflict)) => Err(rejected),
            Err(e) => Err(store_err(e)),
        };
    }
    let principal = update_account_retrying(repo, account.id, {
        let rejected = rejected.clone();
        move |a: &mut Account| {
            // A lock set by a parallel attempt since the reservation still holds.
            if a.locked_at(now).is_some() {
                return Err(rejected);
            }
            a.record_success();
            Ok((
                SignedIn::of(a),
                AuditEvent::new(now, actor, "account.logged_in", "account", a.id.0),
            ))
        }
    })
    .await
    .map_err(|e| match e {
        TxError::Rejected(e) => e,
        TxError::Store(StoreError::Conflict) => rejected.clone(),
        TxError::Store(e) => LoginError::Store(e),
    })?;
    let session = Session::open(token.hash(), account.id, now, rules.session);
    repo.create_session(&session)
        .await
        .map_err(LoginError::Store)?;
    Ok(principal)
}

/// The hash an unknown or locked login is "checked" against, so its answer takes as long as a
/// real check. Adapters and tests can recognise it to tell real checks apart.
pub fn dummy_hash() -> crate::PasswordHash {
    crate::PasswordHash(
        "$argon2id$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned(),
    )
}

/// Who signed in (or whose session a token is), and whether the account still has to change
/// a password someone else set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    pub principal: Principal,
    /// Set while a one-time or initial password has not been changed: only changing it,
    /// asking who one is and signing out are allowed (adapters refuse the rest with
    /// [`PasswordChangeRequired`]).
    pub must_change_password: bool,
}

impl SignedIn {
    fn of(a: &Account) -> SignedIn {
        SignedIn {
            principal: a.principal(),
            must_change_password: a.must_change_password,
        }
    }

    /// The principal for any operation other than changing the password, asking who one is
    /// and signing out.
    ///
    /// # Errors
    /// [`PasswordChangeRequired`] while the password set by someone else is unchanged.
    pub fn for_business(&self) -> Result<&Principal, PasswordChangeRequired> {
        if self.must_change_password {
            Err(PasswordChangeRequired)
        } else {
            Ok(&self.principal)
        }
    }
}

/// The account behind a presented token, if the session exists, has not been idle for
/// `policy.idle` and is before its absolute end. A used session's `last_seen_at` is written at
/// most once a minute; an ended one is deleted.
///
/// # Errors
/// Only storage failures.
pub async fn authenticate<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    policy: SessionPolicy,
    token: &SessionToken,
) -> Result<Option<SignedIn>, StoreError> {
    let hash = token.hash();
    let Some((session, account)) = repo.find_session(&hash).await? else {
        return Ok(None);
    };
    let now = clock.now();
    if !session.is_valid_at(now, policy) || account.disabled {
        repo.delete_session(&hash).await?;
        return Ok(None);
    }
    if session.needs_touch(now) {
        repo.touch_session(&hash, now).await?;
    }
    Ok(Some(SignedIn::of(&account)))
}

/// Why a password change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangePasswordError {
    #[error("the current password is wrong")]
    WrongCurrent,
    #[error("the new password is not allowed: {0}")]
    Weak(crate::PasswordError),
}

impl Localized for ChangePasswordError {
    fn code(&self) -> &'static str {
        match self {
            Self::WrongCurrent => "password.current_wrong",
            Self::Weak(_) => "password.invalid",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::WrongCurrent => "当前密码不正确".into(),
            Self::Weak(e) => password_error(e).zh,
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<FieldError> {
        let field = match self {
            Self::WrongCurrent => "current_password",
            Self::Weak(_) => "new_password",
        };
        vec![FieldError::new(field, self.code(), self.zh(), self.en())]
    }
}

/// Changes the signed-in account's password (the current one is required) and ends every
/// other session of the account; the session with hash `keep_session` stays. Returns how many
/// sessions ended.
///
/// # Errors
/// [`ChangePasswordError`] for a wrong current password or a refused new one.
pub async fn change_password<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    principal: &Principal,
    current: &str,
    new: &str,
    keep_session: &str,
) -> Result<u64, ServiceError<ChangePasswordError>> {
    let account = repo
        .get_account(principal.account_id)
        .await
        .map_err(ServiceError::Store)?
        .ok_or(ServiceError::NotFound)?;
    if !hasher
        .verify(current.to_owned(), account.password_hash.clone())
        .await
    {
        return Err(ServiceError::Rule(ChangePasswordError::WrongCurrent));
    }
    let mut personal = vec![account.username.as_str().to_owned()];
    if let Some(pid) = account.person_id
        && let Some(p) = repo.get_person(pid).await.map_err(ServiceError::Store)?
    {
        personal.push(p.id_number.as_str().to_owned());
        personal.push(p.mobile.as_str().to_owned());
    }
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    let password = Password::parse(new, &personal)
        .map_err(|e| ServiceError::Rule(ChangePasswordError::Weak(e)))?;
    let hash = hasher.hash(password).await;
    let now = clock.now();
    let actor = Actor::from(principal);
    update_account_retrying(repo, account.id, move |a: &mut Account| {
        a.set_password_by_owner(hash);
        Ok::<_, std::convert::Infallible>((
            (),
            AuditEvent::new(now, actor, "account.password_changed", "account", a.id.0),
        ))
    })
    .await
    .map_err(|e| match e {
        TxError::Store(e) => ServiceError::Store(e),
        TxError::Rejected(never) => match never {},
    })?;
    repo.delete_sessions_of(account.id, Some(keep_session))
        .await
        .map_err(ServiceError::Store)
}

/// Counts one recovery request against the per-phone and per-client limits; `true` when the
/// message may be sent. Every request counts, sent or not, registered or not.
async fn send_allowed<R: IdentityRepo>(
    repo: &R,
    limit: SendLimit,
    now: chrono::DateTime<chrono::Utc>,
    client: Option<&str>,
    mobile: Option<&MobileNumber>,
) -> Result<bool, StoreError> {
    let window = limit.window_start(now);
    let mut ok = true;
    if let Some(m) = mobile {
        ok &= repo.bump_counter(&phone_key(m), window).await? <= limit.per_phone;
    }
    if let Some(c) = client {
        ok &= repo.bump_counter(&client_key(c), window).await? <= limit.per_client;
    }
    Ok(ok)
}

/// Audits a recovery request that went over the send limit (answered the same, sent nothing).
async fn audit_throttled<R: IdentityRepo>(
    repo: &R,
    now: chrono::DateTime<chrono::Utc>,
    client: Option<&str>,
    form: &str,
    mobile: Option<&MobileNumber>,
) -> Result<(), StoreError> {
    repo.append_audit(&client_audit(
        now,
        client,
        "account.recovery_throttled",
        serde_json::json!({ "form": form, "mobile": mobile.map(MobileNumber::masked) }),
    ))
    .await
}

/// 找回用户名: sends the username by SMS when the ID number is registered with this mobile.
///
/// The captcha is checked first (a refusal is audited). The answer is the same either way (a
/// fresh challenge id nothing refers to), and the work is the same: every request counts
/// against the send limits, runs the same lookups and writes one transaction — the message
/// with its audit row, or an audit row saying nothing matched — so neither the answer nor its
/// timing tells which numbers are registered. Requests over the send limit are answered the
/// same, send nothing and are audited.
///
/// # Errors
/// `Rule` for a refused captcha; storage failures.
#[allow(clippy::too_many_arguments)]
pub async fn recover_username<R: IdentityRepo, S: SmsGateway>(
    repo: &R,
    sms: &S,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    limit: SendLimit,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    id_number: &str,
    mobile: &str,
) -> Result<uuid::Uuid, ServiceError<CaptchaError>> {
    check_form_captcha(repo, clock, client, "recover_username", captcha).await?;
    let answer = ids.new_id();
    let now = clock.now();
    let mobile = MobileNumber::parse(mobile).ok();
    if !send_allowed(repo, limit, now, client, mobile.as_ref()).await? {
        audit_throttled(repo, now, client, "recover_username", mobile.as_ref()).await?;
        return Ok(answer);
    }
    let id_number = IdCardNumber::parse(id_number).ok();
    let (person, account) = match &id_number {
        Some(n) => (
            repo.find_person_by_id_number(n).await?,
            repo.find_account_by_login(&LoginName::IdNumber(n.clone()))
                .await?,
        ),
        None => (None, None),
    };
    let matched = match (person, account, mobile.clone()) {
        (Some(p), Some(a), Some(m)) if p.mobile == m => Some((a, m)),
        _ => None,
    };
    let Some((account, mobile)) = matched else {
        repo.append_audit(&client_audit(
            now,
            client,
            "account.recovery_unmatched",
            serde_json::json!({ "form": "recover_username", "mobile": mobile.as_ref().map(MobileNumber::masked) }),
        ))
        .await?;
        return Ok(answer);
    };
    let message = SmsMessage {
        mobile,
        template: SmsTemplate::Username,
        params: vec![("username".into(), account.username.as_str().to_owned())],
    };
    let audit = AuditEvent::new(
        now,
        Actor::Account(account.id),
        "account.username_sent",
        "account",
        account.id.0,
    )
    .with_detail(serde_json::json!({ "mobile": message.mobile.masked() }));
    sms.send(&message, None, &audit).await?;
    Ok(answer)
}

/// 找回密码 (step 1): sends a 6-digit code to the mobile when the login (username or ID
/// number) belongs to a person registered with it. Answers a challenge id either way (random
/// when nothing was sent). Like [`recover_username`]: captcha first, the same lookups, a code
/// drawn and one transaction written whether or not anything matched; requests over the send
/// limit are answered the same, send nothing and are audited.
///
/// # Errors
/// `Rule` for a refused captcha; storage failures, or `Unavailable` when no randomness is
/// available for the code.
#[allow(clippy::too_many_arguments)]
pub async fn start_password_recovery<R: IdentityRepo, S: SmsGateway>(
    repo: &R,
    sms: &S,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    limit: SendLimit,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    login: &str,
    mobile: &str,
) -> Result<uuid::Uuid, ServiceError<CaptchaError>> {
    check_form_captcha(repo, clock, client, "recover_password", captcha).await?;
    let challenge_id = ids.new_id();
    let now = clock.now();
    let mobile = MobileNumber::parse(mobile).ok();
    if !send_allowed(repo, limit, now, client, mobile.as_ref()).await? {
        audit_throttled(repo, now, client, "recover_password", mobile.as_ref()).await?;
        return Ok(challenge_id);
    }
    let account = match LoginName::parse(login) {
        Some(l) => repo.find_account_by_login(&l).await?,
        None => None,
    };
    let person = match account.as_ref().and_then(|a| a.person_id) {
        Some(pid) => repo.get_person(pid).await?,
        None => None,
    };
    // Drawn (and hashed) whether or not it is sent, so both paths do the same work.
    let code = sms
        .new_code()
        .ok_or_else(|| StoreError::Unavailable("no random source for the code".into()))?;
    let matched = match (account, person, mobile.clone()) {
        (Some(a), Some(p), Some(m)) if p.mobile == m && !a.disabled => Some((a, m)),
        _ => None,
    };
    let Some((account, mobile)) = matched else {
        let _ = RecoveryCode::hash_code(challenge_id, code.expose());
        repo.append_audit(&client_audit(
            now,
            client,
            "account.recovery_unmatched",
            serde_json::json!({ "form": "recover_password", "mobile": mobile.as_ref().map(MobileNumber::masked) }),
        ))
        .await?;
        return Ok(challenge_id);
    };
    let challenge = RecoveryCode::new(
        challenge_id,
        account.id,
        &code,
        RecoveryPurpose::PasswordReset,
        now,
    );
    let message = SmsMessage {
        mobile,
        template: SmsTemplate::ResetCode,
        params: vec![
            ("code".into(), code.expose().to_owned()),
            (
                "minutes".into(),
                crate::recovery::RECOVERY_TTL_MINUTES.to_string(),
            ),
        ],
    };
    let audit = AuditEvent::new(
        now,
        Actor::Account(account.id),
        "account.recovery_code_sent",
        "account",
        account.id.0,
    )
    .with_detail(
        serde_json::json!({ "mobile": message.mobile.masked(), "challenge": challenge_id }),
    );
    sms.send(&message, Some(&challenge), &audit).await?;
    Ok(challenge_id)
}

/// 找回密码 (step 2): checks the code of a challenge and sets the new password. The password
/// is checked against the policy first (a refused password spends no try). The try, the new
/// password, the cleared lock and the end of **every** session of the account are written in
/// ONE transaction; then a notice goes to the mobile.
///
/// # Errors
/// [`FinishRecoveryError`] for a wrong, expired, used or exhausted code or a refused password;
/// an unknown challenge is reported as a wrong code.
pub async fn finish_password_recovery<R: IdentityRepo, H: PasswordHasher, S: SmsGateway>(
    repo: &R,
    hasher: &H,
    sms: &S,
    clock: &dyn Clock,
    challenge_id: uuid::Uuid,
    code: &str,
    new_password: &str,
) -> Result<(), ServiceError<FinishRecoveryError>> {
    let store = ServiceError::Store;
    let challenge = repo.get_recovery(challenge_id).await.map_err(store)?;
    let account = match &challenge {
        Some(c) => repo.get_account(c.account_id).await.map_err(store)?,
        None => None,
    };
    let person = match account.as_ref().and_then(|a| a.person_id) {
        Some(pid) => repo.get_person(pid).await.map_err(store)?,
        None => None,
    };
    let mut personal: Vec<String> = Vec::new();
    if let Some(a) = &account {
        personal.push(a.username.as_str().to_owned());
    }
    if let Some(p) = &person {
        personal.push(p.id_number.as_str().to_owned());
        personal.push(p.mobile.as_str().to_owned());
    }
    let personal: Vec<&str> = personal.iter().map(String::as_str).collect();
    let password = Password::parse(new_password, &personal)
        .map_err(|e| ServiceError::Rule(FinishRecoveryError::Weak(e)))?;
    let (Some(account), Some(person)) = (account, person) else {
        return Err(ServiceError::Rule(FinishRecoveryError::Code(
            CodeRefusal::Wrong,
        )));
    };
    let hash = hasher.hash(password).await;
    let now = clock.now();
    let redeemed = repo
        .redeem_recovery(challenge_id, |c, a| {
            let r = c.attempt(code, now);
            let ok = r.is_ok();
            let action = if ok {
                "account.recovery_code_accepted"
            } else {
                "account.recovery_code_refused"
            };
            let mut audit = vec![
                AuditEvent::new(
                    now,
                    Actor::Account(c.account_id),
                    action,
                    "account",
                    c.account_id.0,
                )
                .with_detail(serde_json::json!({
                    "challenge": c.id,
                    "tries": c.tries,
                    "reason": r.err().map(|e| format!("{e:?}")),
                })),
            ];
            if ok {
                a.set_password_by_owner(hash);
                a.unlock();
                audit.push(
                    AuditEvent::new(
                        now,
                        Actor::Account(a.id),
                        "account.password_reset",
                        "account",
                        a.id.0,
                    )
                    .with_detail(serde_json::json!({
                        "via": "sms", "lock_cleared": true, "sessions_ended": true,
                    })),
                );
            }
            crate::ports::Redeemed {
                out: r,
                audit,
                account_changed: ok,
            }
        })
        .await;
    match redeemed {
        Ok(Some(Ok(()))) => {}
        Ok(Some(Err(e))) => return Err(ServiceError::Rule(FinishRecoveryError::Code(e))),
        Ok(None) | Err(StoreError::Conflict) => {
            return Err(ServiceError::Rule(FinishRecoveryError::Code(
                CodeRefusal::Wrong,
            )));
        }
        Err(e) => return Err(ServiceError::Store(e)),
    }
    let notice = SmsMessage {
        mobile: person.mobile,
        template: SmsTemplate::PasswordReset,
        params: Vec::new(),
    };
    let audit = AuditEvent::new(
        now,
        Actor::System,
        "account.reset_notice_sent",
        "account",
        account.id.0,
    )
    .with_detail(serde_json::json!({ "mobile": notice.mobile.masked() }));
    sms.send(&notice, None, &audit).await.map_err(store)
}

/// An operator ends an account's lock at once (`zhicheng account unlock`).
///
/// # Errors
/// `NotFound` when no account has this username or ID number.
pub async fn unlock_account<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    operator: &str,
    login: &str,
) -> Result<Account, ServiceError<std::convert::Infallible>> {
    let name = LoginName::parse(login).ok_or(ServiceError::NotFound)?;
    let account = repo
        .find_account_by_login(&name)
        .await
        .map_err(ServiceError::Store)?
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let actor = Actor::Operator(operator.to_owned());
    Ok(
        update_account_retrying(repo, account.id, move |a: &mut Account| {
            let was_locked = a.locked_at(now).is_some();
            a.unlock();
            let audit = AuditEvent::new(now, actor, "account.unlocked", "account", a.id.0)
                .with_detail(serde_json::json!({ "was_locked": was_locked }));
            Ok((a.clone(), audit))
        })
        .await?,
    )
}

/// An operator corrects a person's legal name (`zhicheng person rename`), with a reason; the
/// audit row keeps the old and the new name.
///
/// # Errors
/// `NotFound` for an unknown ID number; [`crate::person::RenameError`] for an unchanged name
/// or a missing reason.
pub async fn rename_person<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    operator: &str,
    id_number: &IdCardNumber,
    new_name: PersonName,
    reason: &str,
) -> Result<Person, ServiceError<crate::person::RenameError>> {
    let person = repo
        .find_person_by_id_number(id_number)
        .await
        .map_err(ServiceError::Store)?
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let actor = Actor::Operator(operator.to_owned());
    let reason = reason.trim().to_owned();
    Ok(repo
        .update_person(person.id, move |p: &mut Person| {
            let old = p.rename_by_operator(new_name, &reason)?;
            let audit = AuditEvent::new(now, actor, "person.renamed", "person", p.id.0)
                .with_detail(serde_json::json!({
                    "old_name": old.as_str(), "new_name": p.name.as_str(), "reason": reason,
                    "id_number": p.id_number.masked(),
                }));
            Ok((p.clone(), audit))
        })
        .await?)
}
