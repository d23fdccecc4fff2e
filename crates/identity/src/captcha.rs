//! Login and registration captchas: a server-side, single-use, short-lived challenge.
//!
//! The answer is never stored, only a hash bound to the challenge id. A challenge is consumed
//! by its first use, right or wrong, so an answer cannot be guessed twice or replayed.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zhicheng_kernel::Localized;

/// How long a captcha can be answered.
pub const CAPTCHA_TTL_MINUTES: i64 = 5;

/// A challenge shown to a person: what to draw and the text it must be answered with.
/// Produced by a [`crate::ports::CaptchaGenerator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaptchaChallenge {
    /// The characters to type (digits and unambiguous capital letters).
    pub answer: String,
    /// An SVG image of them, drawn so that it is not plain text.
    pub svg: String,
}

/// A stored challenge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Captcha {
    pub id: uuid::Uuid,
    /// [`Captcha::hash_answer`] of the expected answer.
    pub answer_hash: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used: bool,
}

impl Captcha {
    /// A new, unused challenge with the given answer, valid for [`CAPTCHA_TTL_MINUTES`].
    pub fn new(id: uuid::Uuid, answer: &str, now: DateTime<Utc>) -> Self {
        Captcha {
            id,
            answer_hash: Captcha::hash_answer(id, answer),
            created_at: now,
            expires_at: now + Duration::minutes(CAPTCHA_TTL_MINUTES),
            used: false,
        }
    }

    /// SHA-256 of the id and the normalised answer (case and surrounding spaces ignored).
    pub fn hash_answer(id: uuid::Uuid, answer: &str) -> String {
        let norm: String = answer
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_uppercase();
        let mut h = Sha256::new();
        h.update(id.as_bytes());
        h.update(norm.as_bytes());
        hex::encode(h.finalize())
    }

    /// Checks an answer against a challenge that has just been taken (consumed) from the store.
    ///
    /// # Errors
    /// [`CaptchaError`] when it was used before, has expired or the answer is wrong.
    pub fn check(
        &self,
        was_unused: bool,
        answer: &str,
        now: DateTime<Utc>,
    ) -> Result<(), CaptchaError> {
        if !was_unused || now >= self.expires_at {
            return Err(CaptchaError::Expired);
        }
        if Captcha::hash_answer(self.id, answer) != self.answer_hash {
            return Err(CaptchaError::Wrong);
        }
        Ok(())
    }
}

/// Why a captcha answer was refused. Checked before anything else, so it never counts as a
/// login failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptchaError {
    #[error("enter the characters shown in the picture")]
    Missing,
    #[error("the captcha answer is wrong; a new picture has been shown")]
    Wrong,
    #[error("the captcha has expired or was already used; a new picture has been shown")]
    Expired,
}

impl Localized for CaptchaError {
    fn code(&self) -> &'static str {
        match self {
            Self::Missing => "captcha.missing",
            Self::Wrong => "captcha.wrong",
            Self::Expired => "captcha.expired",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Missing => "请输入图片中的验证码",
            Self::Wrong => "验证码错误，请输入新图片中的验证码",
            Self::Expired => "验证码已过期或已使用，请输入新图片中的验证码",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        vec![zhicheng_kernel::FieldError::new(
            "captcha_answer",
            self.code(),
            self.zh(),
            self.en(),
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn answers_ignore_case_and_spaces_and_are_bound_to_the_challenge() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let c = Captcha::new(uuid::Uuid::from_u128(1), "7KQ4", t0);
        assert_eq!(c.check(true, " 7kq 4 ", t0), Ok(()));
        assert_eq!(c.check(true, "7KQ5", t0), Err(CaptchaError::Wrong));
        assert_ne!(
            c.answer_hash,
            Captcha::hash_answer(uuid::Uuid::from_u128(2), "7KQ4")
        );
        assert!(!c.answer_hash.contains("7KQ4"));
    }

    #[test]
    fn used_or_expired_challenges_are_refused() {
        let t0 = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
        let c = Captcha::new(uuid::Uuid::from_u128(1), "7KQ4", t0);
        assert_eq!(c.check(false, "7KQ4", t0), Err(CaptchaError::Expired));
        let late = t0 + Duration::minutes(CAPTCHA_TTL_MINUTES);
        assert_eq!(c.check(true, "7KQ4", late), Err(CaptchaError::Expired));
        assert_eq!(c.check(true, "7KQ4", late - Duration::seconds(1)), Ok(()));
    }
}
