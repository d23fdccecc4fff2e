//! The commitment letter (职称申报承诺书) an applicant accepts before declaring: a versioned
//! text (built in, then each text an operator publishes) and who accepted which version.

use chrono::{DateTime, Datelike, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{FieldError, Localized, PersonId};

/// Longest letter body.
pub const MAX_BODY: usize = 20_000;
/// Longest letter title.
pub const MAX_TITLE: usize = 50;

/// The built-in letter (version `2022.1`), in force until an operator publishes another.
pub const BUILTIN_VERSION: &str = "2022.1";
const BUILTIN_TITLE: &str = "职称申报承诺书";
const BUILTIN_BODY: &str = "本人自愿申报专业技术职称，郑重承诺：\n\
一、本人所填报的个人信息、学历、资历、业绩成果、论文著作等申报材料全部真实、准确、完整，所提供的证书、证明及附件均为原件扫描件或经核实的复印件，不存在伪造、变造、冒用、抄袭等情形。\n\
二、本人遵守国家法律法规和职业道德，未受到影响本次申报的处分或处罚。\n\
三、本人知悉：通过弄虚作假、暗箱操作等违纪违规行为取得的职称，将予以撤销，记入职称评审诚信档案库，三年内不得申报职称；构成违法的，依法承担法律责任。\n\
四、本人同意用人单位、主管部门、人力资源社会保障部门和评委会组建单位为审核本次申报而查验、公示本人申报材料中依规应当公示的内容。\n\
五、申报提交后至评审结果公布前，本人保持通讯畅通，并及时登录系统查看申报状态。";

/// A version of the commitment letter. Each published text is a new version; an applicant's
/// acceptance names the version, so a new text asks everyone again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentLetter {
    /// 1 for the built-in letter, then one more per published text.
    pub seq: u32,
    /// What acceptances record: `2022.1` for the built-in letter, then `<year>.<seq>`.
    pub version: String,
    pub title: String,
    pub body: String,
    /// When it was published (`None` for the built-in letter).
    pub published_at: Option<DateTime<Utc>>,
}

/// Why a new letter text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LetterError {
    #[error("the letter text must not be empty (at most {MAX_BODY} characters)")]
    Body,
    #[error("the letter title needs 1 to {MAX_TITLE} characters")]
    Title,
    #[error("the text is the same as the letter in force (version {0}); nothing was published")]
    Unchanged(String),
}

impl Localized for LetterError {
    fn code(&self) -> &'static str {
        match self {
            Self::Body => "commitment.body",
            Self::Title => "commitment.title",
            Self::Unchanged(_) => "commitment.unchanged",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Body => format!("承诺书正文不能为空（最多 {MAX_BODY} 字）"),
            Self::Title => format!("承诺书标题应为 1–{MAX_TITLE} 字"),
            Self::Unchanged(v) => format!("与现行承诺书（版本 {v}）内容相同，未发布新版本"),
        }
    }
    fn invalid_input(&self) -> bool {
        !matches!(self, Self::Unchanged(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        let field = match self {
            Self::Body => "body",
            Self::Title => "title",
            Self::Unchanged(_) => return Vec::new(),
        };
        vec![FieldError::new(
            field,
            self.code(),
            self.zh(),
            self.to_string(),
        )]
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl CommitmentLetter {
    /// The built-in letter, version `2022.1`.
    pub fn builtin() -> CommitmentLetter {
        CommitmentLetter {
            seq: 1,
            version: BUILTIN_VERSION.to_owned(),
            title: BUILTIN_TITLE.to_owned(),
            body: BUILTIN_BODY.to_owned(),
            published_at: None,
        }
    }

    /// The next version with a new text (line endings normalised, outer blank space trimmed);
    /// the title stays unless a new one is given.
    ///
    /// # Errors
    /// [`LetterError`] for an empty or too long text or title, or a text that equals this one.
    pub fn next(
        &self,
        title: Option<&str>,
        body: &str,
        now: DateTime<Utc>,
    ) -> Result<CommitmentLetter, LetterError> {
        let body = body.replace("\r\n", "\n").replace('\r', "\n");
        let body = body.trim();
        if body.is_empty() || body.chars().count() > MAX_BODY {
            return Err(LetterError::Body);
        }
        let title = title.map_or(self.title.as_str(), str::trim);
        if !(1..=MAX_TITLE).contains(&title.chars().count()) {
            return Err(LetterError::Title);
        }
        if body == self.body && title == self.title {
            return Err(LetterError::Unchanged(self.version.clone()));
        }
        let seq = self.seq + 1;
        Ok(CommitmentLetter {
            seq,
            version: format!("{}.{seq}", now.year()),
            title: title.to_owned(),
            body: body.to_owned(),
            published_at: Some(now),
        })
    }

    /// Whether `acceptance` is this person's acceptance of this version.
    pub fn accepted_by(&self, person: PersonId, acceptance: Option<&CommitmentAcceptance>) -> bool {
        acceptance.is_some_and(|a| a.person_id == person && a.letter_version == self.version)
    }
}

/// Nothing in the declaration module works before the letter in force is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("read and accept the commitment letter in force first")]
pub struct CommitmentRequired;

impl CommitmentRequired {
    pub const CODE: &'static str = "declaration.commitment_required";
    pub const ZH: &'static str = "请先阅读并同意现行的职称申报承诺书";
}

/// A person's acceptance of one letter version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitmentAcceptance {
    pub person_id: PersonId,
    pub letter_version: String,
    pub accepted_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_new_text_is_the_next_version_and_asks_again() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let v1 = CommitmentLetter::builtin();
        let person = PersonId(uuid::Uuid::from_u128(1));
        let accepted = CommitmentAcceptance {
            person_id: person,
            letter_version: v1.version.clone(),
            accepted_at: now,
        };
        assert!(v1.accepted_by(person, Some(&accepted)));
        let v2 = v1.next(None, "  新的承诺内容\r\n第二行  ", now).unwrap();
        assert_eq!((v2.seq, v2.version.as_str()), (2, "2026.2"));
        assert_eq!(
            (v2.title.as_str(), v2.body.as_str()),
            ("职称申报承诺书", "新的承诺内容\n第二行")
        );
        assert!(!v2.accepted_by(person, Some(&accepted)));
        assert_eq!(
            v2.next(None, "新的承诺内容\n第二行", now),
            Err(LetterError::Unchanged("2026.2".into()))
        );
        assert_eq!(v2.next(None, " \n ", now), Err(LetterError::Body));
        assert_eq!(v2.next(Some(""), "x", now), Err(LetterError::Title));
        assert_eq!(
            v2.next(Some("新标题"), "新的承诺内容\n第二行", now)
                .unwrap()
                .seq,
            3
        );
    }
}
