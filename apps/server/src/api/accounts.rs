//! Persons: registration and sign-in.

use base64::Engine as _;
use chrono::NaiveDate;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use uuid::Uuid;
use zhicheng_identity::SessionToken;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_identity::service::SignedIn;
use zhicheng_identity::service::{self, CaptchaAnswer, RegisterPerson, RegisterPersonForm};
use zhicheng_kernel::Localized;
use zhicheng_store::runtime::random_bytes;

use super::Tag;
use crate::auth::SessionAuth;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

pub struct AccountsApi(pub AppState);

#[derive(Object)]
pub struct RegisterPersonRequest {
    /// 18-character resident ID number (身份证号码).
    pub id_number: String,
    /// Legal name as on the ID card (姓名).
    pub name: String,
    /// Mobile number for recovery (手机号码).
    pub mobile: String,
    /// Login name (用户名).
    pub username: String,
    pub password: String,
    /// Ethnicity (民族), optional.
    #[oai(default)]
    pub ethnicity: String,
}

#[derive(Object)]
pub struct PersonRegistered {
    pub person_id: Uuid,
    pub account_id: Uuid,
    pub username: String,
    pub name: String,
    /// Masked ID number.
    pub id_number: String,
    /// Derived from the ID number.
    pub birth_date: NaiveDate,
    /// `male` or `female`, derived from the ID number.
    pub gender: String,
}

#[derive(ApiResponse)]
pub enum RegisterResponse {
    /// Registered; sign in with the username or the ID number.
    #[oai(status = 201)]
    Created(Json<PersonRegistered>),
}

#[derive(Object)]
pub struct LoginRequest {
    /// Username or ID number.
    pub login: String,
    pub password: String,
    /// From `POST /auth/captcha`; required (single use, 5 minutes).
    pub captcha_id: Option<Uuid>,
    /// The characters in the captcha picture (case does not matter).
    #[oai(default)]
    pub captcha_answer: String,
}

#[derive(Object)]
pub struct CaptchaIssued {
    /// Send back as `captcha_id` with the answer.
    pub captcha_id: Uuid,
    /// The picture as an SVG document.
    pub image_svg: String,
    /// The same picture as a `data:` URL for an `<img src>`.
    pub image_data_url: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

#[derive(ApiResponse)]
pub enum CaptchaResponse {
    /// A new single-use captcha.
    #[oai(status = 201)]
    Created(Json<CaptchaIssued>),
}

/// Issues a captcha (shared by the API and the portal).
pub async fn issue_captcha(st: &AppState) -> Result<CaptchaIssued, ApiError> {
    let (c, svg) = service::new_captcha(&st.store, st.captcha.as_ref(), &st.clock, &st.ids)
        .await
        .map_err(ApiError::internal)?;
    Ok(CaptchaIssued {
        captcha_id: c.id,
        image_data_url: format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg.as_bytes())
        ),
        image_svg: svg,
        expires_at: c.expires_at,
    })
}

#[derive(Object)]
pub struct LoginResult {
    /// Bearer token; send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_in_seconds: i64,
    pub me: Me,
}

#[derive(Object)]
pub struct Me {
    pub account_id: Uuid,
    /// applicant, unit_admin, dept_operator, hr_bureau or committee_organiser.
    pub role: String,
    pub person_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    /// The password was set by someone else (a bureau's one-time password, an
    /// administrator's initial password): change it with `POST /me/password` first — every
    /// other operation answers 403 `auth.password_change_required` until then.
    pub must_change_password: bool,
}

impl From<&SignedIn> for Me {
    fn from(s: &SignedIn) -> Self {
        let p = &s.principal;
        Me {
            account_id: p.account_id.0,
            role: p.role.as_str().to_owned(),
            person_id: p.person_id.map(|x| x.0),
            org_id: p.org_id.map(|x| x.0),
            must_change_password: s.must_change_password,
        }
    }
}

#[derive(ApiResponse)]
pub enum LoginResponse {
    #[oai(status = 200)]
    Ok(Json<LoginResult>),
}

#[derive(ApiResponse)]
pub enum MeResponse {
    #[oai(status = 200)]
    Ok(Json<Me>),
}

#[derive(ApiResponse)]
pub enum LogoutResponse {
    /// Signed out; the token no longer works.
    #[oai(status = 204)]
    Done,
}

/// Signs in and returns who signed in and a fresh token (shared by the API and the portal).
pub async fn sign_in(
    st: &AppState,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    login: &str,
    password: &str,
) -> Result<(SessionToken, SignedIn), ApiError> {
    let bytes: [u8; 32] = random_bytes().map_err(ApiError::internal)?;
    let token = SessionToken::from_random(bytes);
    let policy = service::LoginPolicy {
        lockout: st.lockout,
        throttle: st.throttle,
        session: st.session,
    };
    match service::login(
        &st.store, &st.hasher, &st.clock, policy, client, captcha, login, password, &token,
    )
    .await
    {
        Ok(p) => Ok((token, p)),
        Err(e @ service::LoginError::Rejected { .. }) => {
            Err(ApiError::Unauthorized(Json(ErrorBody::from_localized(&e))))
        }
        Err(e @ service::LoginError::Throttled { .. }) => {
            tracing::warn!(client = client.unwrap_or("-"), "login throttled");
            Err(ApiError::TooManyRequests(Json(ErrorBody::from_localized(
                &e,
            ))))
        }
        Err(e @ service::LoginError::Captcha(_)) => {
            Err(ApiError::Unprocessable(Json(ErrorBody::from_localized(&e))))
        }
        Err(service::LoginError::Store(e)) => Err(ApiError::internal(e)),
    }
}

/// Registers a person (shared by the API and the portal).
pub async fn register(
    st: &AppState,
    form: RegisterPersonForm,
) -> Result<PersonRegistered, ApiError> {
    let cmd = RegisterPerson::parse(&form).map_err(|fields| {
        ApiError::invalid(
            "person.invalid",
            "注册信息有误，请按提示修改",
            "invalid registration",
            fields,
        )
    })?;
    let (person, account) =
        service::register_person(&st.store, &st.hasher, &st.clock, &st.ids, cmd)
            .await
            .map_err(|e| match e {
                service::RegisterPersonError::Store(s) => ApiError::from(s),
                e => ApiError::Conflict(Json(ErrorBody::from_localized(&e))),
            })?;
    Ok(PersonRegistered {
        person_id: person.id.0,
        account_id: account.id.0,
        username: account.username.as_str().to_owned(),
        name: person.name.as_str().to_owned(),
        id_number: person.id_number.masked(),
        birth_date: person.birth_date(),
        gender: match person.gender() {
            zhicheng_identity::Gender::Male => "male".into(),
            zhicheng_identity::Gender::Female => "female".into(),
        },
    })
}

#[OpenApi(tag = "Tag::Accounts")]
impl AccountsApi {
    /// 个人注册: register a person. One account per ID number; name and ID number cannot be
    /// changed afterwards.
    #[oai(path = "/persons", method = "post")]
    async fn register_person(
        &self,
        body: Json<RegisterPersonRequest>,
    ) -> Result<RegisterResponse, ApiError> {
        let b = body.0;
        let form = RegisterPersonForm {
            id_number: b.id_number,
            name: b.name,
            mobile: b.mobile,
            username: b.username,
            password: b.password,
            ethnicity: b.ethnicity,
        };
        Ok(RegisterResponse::Created(Json(
            register(&self.0, form).await?,
        )))
    }

    /// 验证码: a single-use captcha for the login (valid 5 minutes). Scripts use it too.
    #[oai(path = "/auth/captcha", method = "post")]
    async fn captcha(&self) -> Result<CaptchaResponse, ApiError> {
        Ok(CaptchaResponse::Created(Json(
            issue_captcha(&self.0).await?,
        )))
    }

    /// 登录: sign in with a username or ID number and a solved captcha. A bad captcha is
    /// refused (422) before the password is looked at and counts nothing. Five consecutive
    /// wrong passwords lock the account for 15 minutes; the 401 answer is the same for an
    /// unknown user, a wrong password and a locked account. Too many refused logins from one
    /// client address (30 per 15 minutes) answer 429 without touching any account. When
    /// `me.must_change_password` is set, the account's password was set by someone else:
    /// change it with `POST /me/password` before anything else.
    #[oai(path = "/auth/login", method = "post")]
    async fn login(
        &self,
        body: Json<LoginRequest>,
        req: &poem::Request,
    ) -> Result<LoginResponse, ApiError> {
        let captcha = CaptchaAnswer {
            id: body.captcha_id,
            answer: body.captcha_answer.clone(),
        };
        let client = crate::auth::client_ip(&self.0, req);
        let (token, p) = sign_in(
            &self.0,
            client.as_deref(),
            &captcha,
            &body.login,
            &body.password,
        )
        .await?;
        Ok(LoginResponse::Ok(Json(LoginResult {
            token: token.expose().to_owned(),
            expires_in_seconds: self.0.session.absolute.num_seconds(),
            me: Me::from(&p),
        })))
    }

    /// Ends the current session.
    #[oai(path = "/auth/logout", method = "post")]
    async fn logout(
        &self,
        auth: SessionAuth,
        req: &poem::Request,
    ) -> Result<LogoutResponse, ApiError> {
        let _ = auth;
        if let Some(t) = bearer_token(req) {
            self.0.store.delete_session(&t.hash()).await?;
        }
        Ok(LogoutResponse::Done)
    }

    /// 修改密码: change the password (the current one is required). Every other session of the
    /// account ends; this one stays. Also the way out of a one-time or initial password
    /// (`must_change_password`).
    #[oai(path = "/me/password", method = "post")]
    async fn change_password(
        &self,
        auth: SessionAuth,
        body: Json<ChangePasswordRequest>,
        req: &poem::Request,
    ) -> Result<PasswordChanged, ApiError> {
        let keep = bearer_token(req).map(|t| t.hash()).unwrap_or_default();
        let ended = service::change_password(
            &self.0.store,
            &self.0.hasher,
            &self.0.clock,
            &auth.0.principal,
            &body.current_password,
            &body.new_password,
            &keep,
        )
        .await?;
        Ok(PasswordChanged::Done(Json(PasswordChangedBody {
            other_sessions_ended: ended,
        })))
    }

    /// 找回用户名: sends the username by SMS to the registered mobile. Needs a solved captcha
    /// (`POST /auth/captcha`; a bad one answers 422 and is audited). The answer is the same
    /// whether or not the ID number and mobile match a registration; at most 3 messages per
    /// phone and per client address in 15 minutes (further requests are answered the same).
    #[oai(path = "/auth/recover/username", method = "post")]
    async fn recover_username(
        &self,
        body: Json<RecoverUsernameRequest>,
        req: &poem::Request,
    ) -> Result<RecoveryResponse, ApiError> {
        let client = crate::auth::client_ip(&self.0, req);
        let captcha = CaptchaAnswer {
            id: body.captcha_id,
            answer: body.captcha_answer.clone(),
        };
        let id = recover_username(
            &self.0,
            client.as_deref(),
            &captcha,
            &body.id_number,
            &body.mobile,
        )
        .await?;
        Ok(RecoveryResponse::Accepted(Json(recovery_accepted(id))))
    }

    /// 找回密码 (1/2): sends a 6-digit code (valid 5 minutes, 5 tries) by SMS to the
    /// registered mobile. Needs a solved captcha (a bad one answers 422). Always answers a
    /// challenge id, the same way whether or not anything was sent; rate-limited like username
    /// recovery.
    #[oai(path = "/auth/recover/password/start", method = "post")]
    async fn recover_password_start(
        &self,
        body: Json<RecoverPasswordStartRequest>,
        req: &poem::Request,
    ) -> Result<RecoveryResponse, ApiError> {
        let client = crate::auth::client_ip(&self.0, req);
        let captcha = CaptchaAnswer {
            id: body.captcha_id,
            answer: body.captcha_answer.clone(),
        };
        let id = recover_password_start(
            &self.0,
            client.as_deref(),
            &captcha,
            &body.login,
            &body.mobile,
        )
        .await?;
        Ok(RecoveryResponse::Accepted(Json(recovery_accepted(id))))
    }

    /// 找回密码 (2/2): checks the code and sets the new password (policy-checked). Clears a
    /// lock and ends every session of the account. A wrong, expired, used or exhausted code
    /// answers 422 with its reason.
    #[oai(path = "/auth/recover/password/finish", method = "post")]
    async fn recover_password_finish(
        &self,
        body: Json<RecoverPasswordFinishRequest>,
    ) -> Result<RecoveryFinished, ApiError> {
        recover_password_finish(&self.0, body.challenge_id, &body.code, &body.new_password).await?;
        Ok(RecoveryFinished::Done)
    }

    /// Who am I (also answered while `must_change_password` is set).
    #[oai(path = "/auth/me", method = "get")]
    async fn me(&self, auth: SessionAuth) -> Result<MeResponse, ApiError> {
        Ok(MeResponse::Ok(Json(Me::from(&auth.0))))
    }
}

#[derive(Object)]
pub struct RecoverUsernameRequest {
    /// 18-character resident ID number.
    pub id_number: String,
    /// The registered mobile number.
    pub mobile: String,
    /// From `POST /auth/captcha`; required (single use, 5 minutes).
    pub captcha_id: Option<Uuid>,
    /// The characters in the captcha picture.
    #[oai(default)]
    pub captcha_answer: String,
}

#[derive(Object)]
pub struct RecoverPasswordStartRequest {
    /// Username or ID number.
    pub login: String,
    /// The registered mobile number.
    pub mobile: String,
    /// From `POST /auth/captcha`; required (single use, 5 minutes).
    pub captcha_id: Option<Uuid>,
    /// The characters in the captcha picture.
    #[oai(default)]
    pub captcha_answer: String,
}

#[derive(Object)]
pub struct RecoverPasswordFinishRequest {
    /// From `POST /auth/recover/password/start`.
    pub challenge_id: Uuid,
    /// The 6 digits received by SMS.
    pub code: String,
    pub new_password: String,
}

#[derive(Object)]
pub struct RecoveryAccepted {
    /// Send back with the code (password reset). Always present, whether or not a message
    /// was sent.
    pub challenge_id: Uuid,
    /// 如信息与注册信息一致，短信将发送到该手机号码。
    pub message: String,
}

#[derive(ApiResponse)]
pub enum RecoveryResponse {
    /// Accepted. The answer is the same whether or not the details match a registration and
    /// whether or not the send limit was reached.
    #[oai(status = 202)]
    Accepted(Json<RecoveryAccepted>),
}

#[derive(ApiResponse)]
pub enum RecoveryFinished {
    /// The password is reset, the lock cleared and every session ended; sign in again.
    #[oai(status = 204)]
    Done,
}

/// The one answer to every recovery request.
pub fn recovery_accepted(challenge_id: Uuid) -> RecoveryAccepted {
    RecoveryAccepted {
        challenge_id,
        message: "如填写的信息与注册信息一致，短信已发送到该手机号码；验证码 5 分钟内有效".into(),
    }
}

/// 找回用户名 (shared by the API and the portal).
pub async fn recover_username(
    st: &AppState,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    id_number: &str,
    mobile: &str,
) -> Result<Uuid, ApiError> {
    Ok(service::recover_username(
        &st.store,
        &st.sms,
        &st.clock,
        &st.ids,
        st.sms_limit,
        client,
        captcha,
        id_number,
        mobile,
    )
    .await?)
}

/// 找回密码, step 1 (shared by the API and the portal).
pub async fn recover_password_start(
    st: &AppState,
    client: Option<&str>,
    captcha: &CaptchaAnswer,
    login: &str,
    mobile: &str,
) -> Result<Uuid, ApiError> {
    Ok(service::start_password_recovery(
        &st.store,
        &st.sms,
        &st.clock,
        &st.ids,
        st.sms_limit,
        client,
        captcha,
        login,
        mobile,
    )
    .await?)
}

/// 找回密码, step 2 (shared by the API and the portal).
pub async fn recover_password_finish(
    st: &AppState,
    challenge_id: Uuid,
    code: &str,
    new_password: &str,
) -> Result<(), ApiError> {
    Ok(service::finish_password_recovery(
        &st.store,
        &st.hasher,
        &st.sms,
        &st.clock,
        challenge_id,
        code,
        new_password,
    )
    .await?)
}

/// The bearer token a request carries.
fn bearer_token(req: &poem::Request) -> Option<SessionToken> {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(SessionToken::presented)
}

#[derive(Object)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

#[derive(Object)]
pub struct PasswordChangedBody {
    /// How many other sessions of the account were ended.
    pub other_sessions_ended: u64,
}

#[derive(ApiResponse)]
pub enum PasswordChanged {
    /// Changed; other sessions have ended.
    #[oai(status = 200)]
    Done(Json<PasswordChangedBody>),
}

/// Maps a `Localized` conflict into an API error (helper for other modules).
pub fn conflict(e: &impl Localized) -> ApiError {
    ApiError::Conflict(Json(ErrorBody::from_localized(e)))
}
