//! Credential recovery by SMS: the username sent to the registered mobile, or a password reset
//! with a 6-digit code.
//!
//! A code is random (drawn by the [`crate::ports::SmsGateway`] adapter from a CSPRNG), valid
//! for [`RECOVERY_TTL_MINUTES`], bound to its challenge, usable once and tried at most
//! [`RECOVERY_MAX_TRIES`] times. Only a hash of it is stored. Sends are rate-limited per phone
//! and per client address with a [`SendLimit`].

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_kernel::{AccountId, FieldError, Localized};

use crate::{MobileNumber, ThrottlePolicy};

/// How long a recovery code can be used.
pub const RECOVERY_TTL_MINUTES: i64 = 5;
/// How many times a code can be tried (right or wrong).
pub const RECOVERY_MAX_TRIES: i32 = 5;

/// What a recovery code is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RecoveryPurpose {
    PasswordReset,
}

impl RecoveryPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            RecoveryPurpose::PasswordReset => "password_reset",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        (s == "password_reset").then_some(RecoveryPurpose::PasswordReset)
    }
}

/// A 6-digit code as drawn by the adapter. Not `Debug`-printable, so it cannot slip into logs.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCodeText(String);

impl RecoveryCodeText {
    /// Six ASCII digits, or `None`.
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 6 && s.bytes().all(|b| b.is_ascii_digit())).then(|| RecoveryCodeText(s.into()))
    }

    /// The six digits, for the message text only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for RecoveryCodeText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCodeText(******)")
    }
}

/// A stored recovery challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecoveryCode {
    pub id: uuid::Uuid,
    pub account_id: AccountId,
    /// [`RecoveryCode::hash_code`] of the code.
    pub code_hash: String,
    pub purpose: RecoveryPurpose,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub tries: i32,
    pub used: bool,
}

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("the code is wrong")]
    Wrong,
    #[error("the code has expired; request a new one")]
    Expired,
    #[error("the code has already been used; request a new one")]
    Used,
    #[error("the code was tried too many times; request a new one")]
    TooManyTries,
}

impl RecoveryCode {
    /// A new, unused challenge for `code`, valid for [`RECOVERY_TTL_MINUTES`].
    pub fn new(
        id: uuid::Uuid,
        account_id: AccountId,
        code: &RecoveryCodeText,
        purpose: RecoveryPurpose,
        now: DateTime<Utc>,
    ) -> Self {
        RecoveryCode {
            id,
            account_id,
            code_hash: RecoveryCode::hash_code(id, code.expose()),
            purpose,
            created_at: now,
            expires_at: now + Duration::minutes(RECOVERY_TTL_MINUTES),
            tries: 0,
            used: false,
        }
    }

    /// SHA-256 of the challenge id and the digits (binds the code to its challenge).
    pub fn hash_code(id: uuid::Uuid, code: &str) -> String {
        let mut h = Sha256::new();
        h.update(id.as_bytes());
        h.update(code.trim().as_bytes());
        hex::encode(h.finalize())
    }

    /// One try of `code` at `now`: counts the try, and on success marks the code used.
    ///
    /// # Errors
    /// [`CodeRefusal`] when used, expired, out of tries or wrong.
    pub fn attempt(&mut self, code: &str, now: DateTime<Utc>) -> Result<(), CodeRefusal> {
        if self.used {
            return Err(CodeRefusal::Used);
        }
        if now >= self.expires_at {
            return Err(CodeRefusal::Expired);
        }
        if self.tries >= RECOVERY_MAX_TRIES {
            return Err(CodeRefusal::TooManyTries);
        }
        self.tries += 1;
        if RecoveryCode::hash_code(self.id, code) == self.code_hash {
            self.used = true;
            Ok(())
        } else {
            Err(CodeRefusal::Wrong)
        }
    }
}

/// The text messages the system sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum SmsTemplate {
    /// Params: `username`.
    Username,
    /// Params: `code`, `minutes`.
    ResetCode,
    /// No params: notice that the password was reset.
    PasswordReset,
}

impl SmsTemplate {
    pub fn as_str(self) -> &'static str {
        match self {
            SmsTemplate::Username => "username",
            SmsTemplate::ResetCode => "reset_code",
            SmsTemplate::PasswordReset => "password_reset",
        }
    }
}

/// One outgoing text message.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    pub mobile: MobileNumber,
    pub template: SmsTemplate,
    pub params: Vec<(String, String)>,
}

impl std::fmt::Debug for SmsMessage {
    /// Never shows the parameters (they carry codes and usernames).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmsMessage")
            .field("mobile", &self.mobile)
            .field("template", &self.template)
            .finish_non_exhaustive()
    }
}

impl SmsMessage {
    fn param(&self, name: &str) -> &str {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The zh-CN text as delivered.
    pub fn text(&self) -> String {
        match self.template {
            SmsTemplate::Username => format!(
                "【职称申报】您的用户名是 {}。如非本人操作，请忽略本短信。",
                self.param("username")
            ),
            SmsTemplate::ResetCode => format!(
                "【职称申报】您的密码重置验证码是 {}，{} 分钟内有效，请勿告诉他人。",
                self.param("code"),
                self.param("minutes")
            ),
            SmsTemplate::PasswordReset => {
                "【职称申报】您的密码已重置，所有登录均已退出。如非本人操作，请立即联系主管部门。"
                    .into()
            }
        }
    }
}

/// How many recovery messages one phone and one client address may trigger per window
/// (default 3 per 15 minutes each). Requests over the limit are answered the same but send
/// nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendLimit {
    pub per_phone: u32,
    pub per_client: u32,
    pub window: Duration,
}

impl Default for SendLimit {
    fn default() -> Self {
        SendLimit {
            per_phone: 3,
            per_client: 3,
            window: Duration::minutes(15),
        }
    }
}

impl SendLimit {
    /// The fixed window `now` falls in.
    pub fn window_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        ThrottlePolicy {
            max_failures: 0,
            window: self.window,
        }
        .window_start(now)
    }
}

/// The counter key of a phone (hashed, so the counter table holds no phone numbers).
pub fn phone_key(mobile: &MobileNumber) -> String {
    let mut h = Sha256::new();
    h.update(b"sms-phone:");
    h.update(mobile.as_str().as_bytes());
    format!("sms-phone:{}", hex::encode(h.finalize()))
}

/// The counter key of a client address.
pub fn client_key(client: &str) -> String {
    format!("sms-client:{client}")
}

/// Why finishing a password reset was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FinishRecoveryError {
    #[error(transparent)]
    Code(CodeRefusal),
    #[error("the new password is not allowed: {0}")]
    Weak(crate::PasswordError),
}

impl Localized for FinishRecoveryError {
    fn code(&self) -> &'static str {
        match self {
            Self::Code(CodeRefusal::Wrong) => "recovery.code_wrong",
            Self::Code(CodeRefusal::Expired) => "recovery.code_expired",
            Self::Code(CodeRefusal::Used) => "recovery.code_used",
            Self::Code(CodeRefusal::TooManyTries) => "recovery.code_exhausted",
            Self::Weak(_) => "password.invalid",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Code(CodeRefusal::Wrong) => "验证码不正确".into(),
            Self::Code(CodeRefusal::Expired) => "验证码已过期，请重新获取".into(),
            Self::Code(CodeRefusal::Used) => "验证码已使用，请重新获取".into(),
            Self::Code(CodeRefusal::TooManyTries) => {
                format!("验证码已输错 {RECOVERY_MAX_TRIES} 次而失效，请重新获取")
            }
            Self::Weak(e) => crate::service::password_error(e).zh,
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
            Self::Code(_) => "code",
            Self::Weak(_) => "new_password",
        };
        vec![FieldError::new(field, self.code(), self.zh(), self.en())]
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use chrono::TimeZone;

    fn code() -> (RecoveryCode, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let c = RecoveryCodeText::parse("123456").unwrap();
        (
            RecoveryCode::new(
                uuid::Uuid::nil(),
                AccountId(uuid::Uuid::nil()),
                &c,
                RecoveryPurpose::PasswordReset,
                now,
            ),
            now,
        )
    }

    #[test]
    fn a_code_works_once_within_five_minutes() {
        let (mut c, now) = code();
        assert_eq!(c.attempt("654321", now), Err(CodeRefusal::Wrong));
        assert_eq!(c.attempt("123456", now + Duration::seconds(299)), Ok(()));
        assert_eq!(c.attempt("123456", now), Err(CodeRefusal::Used));
        let (mut c, now) = code();
        assert_eq!(
            c.attempt("123456", now + Duration::minutes(5)),
            Err(CodeRefusal::Expired)
        );
    }

    #[test]
    fn the_sixth_try_is_refused_even_when_right() {
        let (mut c, now) = code();
        for _ in 0..5 {
            assert_eq!(c.attempt("000000", now), Err(CodeRefusal::Wrong));
        }
        assert_eq!(c.attempt("123456", now), Err(CodeRefusal::TooManyTries));
        assert_eq!(c.tries, 5);
    }

    #[test]
    fn codes_and_messages_do_not_print_secrets() {
        let c = RecoveryCodeText::parse("123456").unwrap();
        assert!(!format!("{c:?}").contains("123456"));
        assert!(RecoveryCodeText::parse("12345").is_none());
        let m = SmsMessage {
            mobile: MobileNumber::parse("13800138000").unwrap(),
            template: SmsTemplate::ResetCode,
            params: vec![
                ("code".into(), "123456".into()),
                ("minutes".into(), "5".into()),
            ],
        };
        assert!(m.text().contains("123456"));
        assert!(!format!("{m:?}").contains("123456"));
    }
}
