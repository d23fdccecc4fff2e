//! What a reviewer writes when a case does not simply move on: an opinion, reasons per section
//! for a return to the applicant, a one-time supplement notice (一次性告知) and the grounds for
//! refusing acceptance (不予受理). Every value is parsed once at the boundary.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{FieldError, Localized, OrgId};

/// Longest opinion, reason or supplement item.
pub const MAX_OPINION: usize = 1000;
/// Most items in one supplement notice or reasons in one return.
pub const MAX_ITEMS: usize = 50;

/// Bad reviewer input. Always 422, naming the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionInputError {
    #[error("`{0}` must not be empty")]
    Empty(String),
    #[error("`{0}` is longer than {MAX_OPINION} characters")]
    TooLong(String),
    #[error("name at least one reason (and at most {MAX_ITEMS})")]
    NoReasons,
    #[error("unknown section `{0}`")]
    UnknownSection(String),
    #[error("list at least one missing item (and at most {MAX_ITEMS})")]
    NoItems,
    #[error("the supplement deadline must lie in the future")]
    DeadlineInPast,
    #[error("unknown refusal ground `{0}`")]
    UnknownGround(String),
}

impl DecisionInputError {
    fn field(&self) -> String {
        match self {
            Self::Empty(f) | Self::TooLong(f) => f.clone(),
            Self::NoReasons | Self::UnknownSection(_) => "reasons".into(),
            Self::NoItems => "items".into(),
            Self::DeadlineInPast => "deadline".into(),
            Self::UnknownGround(_) => "ground".into(),
        }
    }
}

impl Localized for DecisionInputError {
    fn code(&self) -> &'static str {
        match self {
            Self::Empty(_) => "case.opinion_empty",
            Self::TooLong(_) => "case.opinion_too_long",
            Self::NoReasons => "case.no_reasons",
            Self::UnknownSection(_) => "case.unknown_section",
            Self::NoItems => "case.no_items",
            Self::DeadlineInPast => "case.deadline_in_past",
            Self::UnknownGround(_) => "case.unknown_ground",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Empty(_) => "请填写意见或理由".into(),
            Self::TooLong(_) => format!("意见不能超过 {MAX_OPINION} 字"),
            Self::NoReasons => format!("请至少填写一条退回理由（最多 {MAX_ITEMS} 条）"),
            Self::UnknownSection(s) => format!("未知的申报材料栏目“{s}”"),
            Self::NoItems => format!("请列出需补正的全部材料（1–{MAX_ITEMS} 项）"),
            Self::DeadlineInPast => "补正期限须晚于当前时间".into(),
            Self::UnknownGround(g) => format!("未知的不予受理理由“{g}”"),
        }
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<FieldError> {
        vec![FieldError::new(
            &self.field(),
            self.code(),
            self.zh(),
            self.to_string(),
        )]
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// A non-empty, trimmed opinion of at most [`MAX_OPINION`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Opinion(String);

impl Opinion {
    /// # Errors
    /// [`DecisionInputError`] naming `field` when empty or too long.
    pub fn parse(field: &str, s: &str) -> Result<Opinion, DecisionInputError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(DecisionInputError::Empty(field.into()));
        }
        if s.chars().count() > MAX_OPINION {
            return Err(DecisionInputError::TooLong(field.into()));
        }
        Ok(Opinion(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A section of the declaration a return reason points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Section {
    Education,
    CurrentTitle,
    WorkHistory,
    Achievements,
    Assessments,
    ContinuingEducation,
    Summary,
    Attachments,
    Other,
}

impl Section {
    /// Every section of the materials (in form order), then attachments and anything else.
    pub const ALL: [Section; 9] = [
        Section::Education,
        Section::CurrentTitle,
        Section::WorkHistory,
        Section::Achievements,
        Section::Assessments,
        Section::ContinuingEducation,
        Section::Summary,
        Section::Attachments,
        Section::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Section::Education => "education",
            Section::CurrentTitle => "current_title",
            Section::WorkHistory => "work_history",
            Section::Achievements => "achievements",
            Section::Assessments => "assessments",
            Section::ContinuingEducation => "continuing_education",
            Section::Summary => "summary",
            Section::Attachments => "attachments",
            Section::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Section> {
        Section::ALL.into_iter().find(|x| x.as_str() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Section::Education => "学历学位",
            Section::CurrentTitle => "现任职称",
            Section::WorkHistory => "工作经历",
            Section::Achievements => "工作业绩与成果",
            Section::Assessments => "年度考核",
            Section::ContinuingEducation => "继续教育学时",
            Section::Summary => "个人总结",
            Section::Attachments => "附件材料",
            Section::Other => "其他",
        }
    }
}

/// One reason for returning a declaration, pointing at the section to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectionReason {
    pub section: Section,
    pub reason: Opinion,
}

/// The reasons of a return to the applicant (1 to [`MAX_ITEMS`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReturnReasons(Vec<SectionReason>);

impl ReturnReasons {
    /// Parses `(section, reason)` pairs as typed by the reviewer.
    ///
    /// # Errors
    /// [`DecisionInputError`] for no reasons, an unknown section or an empty reason.
    pub fn parse<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<ReturnReasons, DecisionInputError> {
        let mut v = Vec::new();
        for (i, (section, reason)) in pairs.into_iter().enumerate() {
            let section = Section::parse(section.trim())
                .ok_or_else(|| DecisionInputError::UnknownSection(section.to_owned()))?;
            let reason = Opinion::parse(&format!("reasons[{i}].reason"), reason)?;
            v.push(SectionReason { section, reason });
        }
        if v.is_empty() || v.len() > MAX_ITEMS {
            return Err(DecisionInputError::NoReasons);
        }
        Ok(ReturnReasons(v))
    }

    pub fn items(&self) -> &[SectionReason] {
        &self.0
    }

    /// `栏目：理由` lines, for the history.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(|r| format!("{}：{}", r.section.zh(), r.reason.as_str()))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// 一次性告知: everything missing, at once, and by when it must be supplied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SupplementNotice {
    items: Vec<Opinion>,
    deadline: DateTime<Utc>,
}

impl SupplementNotice {
    /// # Errors
    /// [`DecisionInputError`] for no items, an empty item or a deadline not after `now`.
    pub fn parse<'a>(
        items: impl IntoIterator<Item = &'a str>,
        deadline: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<SupplementNotice, DecisionInputError> {
        let items = items
            .into_iter()
            .enumerate()
            .map(|(i, s)| Opinion::parse(&format!("items[{i}]"), s))
            .collect::<Result<Vec<_>, _>>()?;
        if items.is_empty() || items.len() > MAX_ITEMS {
            return Err(DecisionInputError::NoItems);
        }
        if deadline <= now {
            return Err(DecisionInputError::DeadlineInPast);
        }
        Ok(SupplementNotice { items, deadline })
    }

    pub fn items(&self) -> &[Opinion] {
        &self.items
    }

    pub fn deadline(&self) -> DateTime<Utc> {
        self.deadline
    }

    fn summary(&self) -> String {
        let list = self
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| format!("{}. {}", i + 1, s.as_str()))
            .collect::<Vec<_>>()
            .join("\n");
        format!(
            "{list}\n补正期限：{}",
            self.deadline.format("%Y-%m-%d %H:%M UTC")
        )
    }
}

/// The six grounds for 不予受理.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalGround {
    /// 不符合申报条件
    NotEligible,
    /// 材料格式不符合要求
    WrongFormat,
    /// 逾期报送
    Late,
    /// 未按规定公示或公示有异议
    Publicity,
    /// 弄虚作假
    Fraud,
    /// 其他
    Other,
}

impl RefusalGround {
    pub const ALL: [RefusalGround; 6] = [
        RefusalGround::NotEligible,
        RefusalGround::WrongFormat,
        RefusalGround::Late,
        RefusalGround::Publicity,
        RefusalGround::Fraud,
        RefusalGround::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RefusalGround::NotEligible => "not_eligible",
            RefusalGround::WrongFormat => "wrong_format",
            RefusalGround::Late => "late",
            RefusalGround::Publicity => "publicity",
            RefusalGround::Fraud => "fraud",
            RefusalGround::Other => "other",
        }
    }

    /// # Errors
    /// [`DecisionInputError::UnknownGround`].
    pub fn parse(s: &str) -> Result<RefusalGround, DecisionInputError> {
        RefusalGround::ALL
            .into_iter()
            .find(|g| g.as_str() == s)
            .ok_or_else(|| DecisionInputError::UnknownGround(s.to_owned()))
    }

    pub fn zh(self) -> &'static str {
        match self {
            RefusalGround::NotEligible => "不符合申报条件",
            RefusalGround::WrongFormat => "材料格式不符合要求",
            RefusalGround::Late => "逾期报送",
            RefusalGround::Publicity => "未按规定公示或公示有异议",
            RefusalGround::Fraud => "弄虚作假",
            RefusalGround::Other => "其他",
        }
    }
}

/// The latest decision that did not simply move the case on, kept on the case so that the
/// party who must act next (applicant or unit) sees what to do. The history keeps every one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Decision {
    /// 退回申报人, with reasons per section.
    ReturnedToApplicant { reasons: ReturnReasons },
    /// 不予推荐.
    UnitRejected { reason: Opinion },
    /// A competent department returned the case to the unit.
    ReturnedToUnit { by: OrgId, reason: Opinion },
    /// 一次性告知 from the receiver.
    SupplementRequired { by: OrgId, notice: SupplementNotice },
    /// 不予受理.
    NotAccepted {
        by: OrgId,
        ground: RefusalGround,
        note: Opinion,
    },
}

impl Decision {
    /// Human-readable text for the history's opinion column.
    pub fn summary(&self) -> String {
        match self {
            Decision::ReturnedToApplicant { reasons } => reasons.summary(),
            Decision::UnitRejected { reason } | Decision::ReturnedToUnit { reason, .. } => {
                reason.as_str().to_owned()
            }
            Decision::SupplementRequired { notice, .. } => notice.summary(),
            Decision::NotAccepted { ground, note, .. } => {
                format!("{}：{}", ground.zh(), note.as_str())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_materials_section_can_be_named_in_a_return() {
        for m in zhicheng_declaration::MaterialsSection::ALL {
            let s = Section::parse(m.as_str()).unwrap_or(Section::Other);
            assert_eq!(s.as_str(), m.as_str());
        }
        assert_eq!(
            Section::parse("attachments").map(Section::zh),
            Some("附件材料")
        );
        assert_eq!(
            Section::ALL.len(),
            zhicheng_declaration::MaterialsSection::ALL.len() + 2
        );
    }

    use super::*;
    use chrono::TimeZone;

    #[test]
    fn inputs_are_parsed_once_and_name_their_field() {
        assert_eq!(Opinion::parse("reason", "  好  ").unwrap().as_str(), "好");
        assert_eq!(
            Opinion::parse("reason", "   "),
            Err(DecisionInputError::Empty("reason".into()))
        );
        let long = "字".repeat(MAX_OPINION + 1);
        assert_eq!(
            Opinion::parse("reason", &long),
            Err(DecisionInputError::TooLong("reason".into()))
        );
        assert_eq!(ReturnReasons::parse([]), Err(DecisionInputError::NoReasons));
        assert_eq!(
            ReturnReasons::parse([("hobbies", "x")]),
            Err(DecisionInputError::UnknownSection("hobbies".into()))
        );
        let e = ReturnReasons::parse([("summary", "ok"), ("achievements", " ")]).unwrap_err();
        assert_eq!(e.fields()[0].field, "reasons[1].reason");
        let r = ReturnReasons::parse([("achievements", "缺少佐证"), ("other", "签字")]).unwrap();
        assert_eq!(r.summary(), "工作业绩与成果：缺少佐证\n其他：签字");
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        assert_eq!(
            SupplementNotice::parse(["学历证书"], now, now),
            Err(DecisionInputError::DeadlineInPast)
        );
        assert_eq!(
            SupplementNotice::parse([], now + chrono::Duration::days(5), now),
            Err(DecisionInputError::NoItems)
        );
        assert!(
            RefusalGround::ALL
                .iter()
                .all(|g| RefusalGround::parse(g.as_str()) == Ok(*g))
        );
        assert!(RefusalGround::parse("bribe").is_err());
    }
}
