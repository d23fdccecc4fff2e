//! Organisations and their title-review permission (职称评审权限).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{Localized, OrgId, RegionCode, Role};

use crate::Uscc;

/// What an organisation is in the title system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 用人单位: employs applicants, reviews and reports their declarations.
    EmployerUnit,
    /// 主管部门: supervises units, forwards their reports upward.
    CompetentDepartment,
    /// 人社局: grants unit permissions, approves paths, accepts declarations, confirms results.
    HrBureau,
    /// 评委会组建单位: runs a review committee, accepts declarations, records results.
    CommitteeOrganiser,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] = [
        OrgKind::EmployerUnit,
        OrgKind::CompetentDepartment,
        OrgKind::HrBureau,
        OrgKind::CommitteeOrganiser,
    ];

    /// The role staff of this organisation act in.
    pub fn staff_role(self) -> Role {
        match self {
            OrgKind::EmployerUnit => Role::UnitAdmin,
            OrgKind::CompetentDepartment => Role::DeptOperator,
            OrgKind::HrBureau => Role::HrBureau,
            OrgKind::CommitteeOrganiser => Role::CommitteeOrganiser,
        }
    }

    /// Whether a reporting route ends here (the receiver that accepts declarations).
    pub fn is_receiver(self) -> bool {
        matches!(self, OrgKind::HrBureau | OrgKind::CommitteeOrganiser)
    }

    /// Whether this kind may be the parent of an approval-path link.
    pub fn can_be_path_parent(self) -> bool {
        !matches!(self, OrgKind::EmployerUnit)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::EmployerUnit => "employer_unit",
            OrgKind::CompetentDepartment => "competent_department",
            OrgKind::HrBureau => "hr_bureau",
            OrgKind::CommitteeOrganiser => "committee_organiser",
        }
    }

    pub fn parse(s: &str) -> Option<OrgKind> {
        OrgKind::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn zh(self) -> &'static str {
        match self {
            OrgKind::EmployerUnit => "用人单位",
            OrgKind::CompetentDepartment => "主管部门",
            OrgKind::HrBureau => "人社局",
            OrgKind::CommitteeOrganiser => "评委会组建单位",
        }
    }
}

/// An organisation's registered name: 2–100 characters, trimmed, inner whitespace collapsed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an organisation name needs 2 to 100 characters")]
pub struct OrgNameError;

impl OrgName {
    pub fn parse(input: &str) -> Result<Self, OrgNameError> {
        let s = input.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = s.chars().count();
        if !(2..=100).contains(&n) || s.chars().any(char::is_control) {
            return Err(OrgNameError);
        }
        Ok(OrgName(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Key for duplicate detection: no whitespace, full-width brackets folded to ASCII.
    pub fn normalised(&self) -> String {
        self.0
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                '（' => '(',
                '）' => ')',
                c => c,
            })
            .collect()
    }
}

impl TryFrom<String> for OrgName {
    type Error = OrgNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        OrgName::parse(&s)
    }
}

impl From<OrgName> for String {
    fn from(n: OrgName) -> String {
        n.0
    }
}

/// Where an organisation stands with the title-review permission.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionStatus {
    /// Registered, not yet applied.
    NotApplied,
    /// The automatic check did not pass; the district HR bureau reviews by hand.
    ManualReview,
    /// May take part in title review.
    Active,
    /// The HR bureau refused; the unit may correct its data and apply again.
    Rejected,
}

impl PermissionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PermissionStatus::NotApplied => "not_applied",
            PermissionStatus::ManualReview => "manual_review",
            PermissionStatus::Active => "active",
            PermissionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "not_applied" => PermissionStatus::NotApplied,
            "manual_review" => PermissionStatus::ManualReview,
            "active" => PermissionStatus::Active,
            "rejected" => PermissionStatus::Rejected,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            PermissionStatus::NotApplied => "未申请",
            PermissionStatus::ManualReview => "待人社局审核",
            PermissionStatus::Active => "已开通",
            PermissionStatus::Rejected => "未通过",
        }
    }
}

/// An organisation. Its name is immutable once registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub kind: OrgKind,
    pub name: OrgName,
    pub uscc: Option<Uscc>,
    pub region: RegionCode,
    pub permission: PermissionStatus,
    /// Why the application is in manual review or was rejected.
    pub permission_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// What the automatic permission check found against other organisations.
#[derive(Debug, Clone, Default)]
pub struct DuplicateFindings {
    /// An organisation with the same credit code that already holds the permission.
    pub same_uscc_with_permission: Option<OrgName>,
    /// Another organisation with the same normalised name that holds the permission.
    pub same_name_with_permission: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyPermissionError {
    #[error("only employer units apply for the title-review permission")]
    NotAUnit,
    #[error("the permission is already granted")]
    AlreadyActive,
    #[error("the application is already waiting for the HR bureau")]
    AlreadyPending,
    #[error(
        "a unit with this credit code already holds the permission ({0}); ask the district HR bureau to recover that account instead of registering again"
    )]
    DuplicateUnit(String),
}

impl Localized for ApplyPermissionError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAUnit => "permission.not_a_unit",
            Self::AlreadyActive => "permission.already_active",
            Self::AlreadyPending => "permission.already_pending",
            Self::DuplicateUnit(_) => "permission.duplicate_unit",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotAUnit => "只有用人单位需要申请职称评审权限".into(),
            Self::AlreadyActive => "职称评审权限已开通".into(),
            Self::AlreadyPending => "申请已提交，正在等待人社局审核".into(),
            Self::DuplicateUnit(n) => format!(
                "已经存在有权限的单位（{n}）使用该统一社会信用代码：请联系区人社局找回原账号，不要重复注册"
            ),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecidePermissionError {
    #[error("only an HR bureau decides unit permissions")]
    NotABureau,
    #[error("the unit lies outside this HR bureau's region")]
    OutsideRegion,
    #[error("the application is not waiting for manual review")]
    NotPending,
}

impl Localized for DecidePermissionError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotABureau => "permission.not_a_bureau",
            Self::OutsideRegion => "permission.outside_region",
            Self::NotPending => "permission.not_pending",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotABureau => "只有人社局可以审核单位权限",
            Self::OutsideRegion => "该单位不在本人社局管辖范围内",
            Self::NotPending => "该申请不在待审核状态",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl Organisation {
    /// Applies for the title-review permission with the unit's credit code and region.
    /// The automatic check grants it at once when the code's check character is right, the
    /// code's registering region lies in the unit's province and no other unit with the same
    /// name holds the permission; otherwise the application waits for the HR bureau.
    ///
    /// # Errors
    /// [`ApplyPermissionError`] when the organisation is not a unit, already applied, or a unit
    /// with the same credit code already holds the permission.
    pub fn apply_permission(
        &mut self,
        uscc: Uscc,
        region: RegionCode,
        found: &DuplicateFindings,
    ) -> Result<PermissionStatus, ApplyPermissionError> {
        if self.kind != OrgKind::EmployerUnit {
            return Err(ApplyPermissionError::NotAUnit);
        }
        match self.permission {
            PermissionStatus::Active => return Err(ApplyPermissionError::AlreadyActive),
            PermissionStatus::ManualReview => return Err(ApplyPermissionError::AlreadyPending),
            PermissionStatus::NotApplied | PermissionStatus::Rejected => {}
        }
        if let Some(name) = &found.same_uscc_with_permission {
            return Err(ApplyPermissionError::DuplicateUnit(
                name.as_str().to_owned(),
            ));
        }
        let mut reasons = Vec::new();
        if !uscc.check_char_ok() {
            reasons.push("统一社会信用代码校验位不符 / credit code check character mismatch");
        }
        let same_province = uscc
            .region_digits()
            .get(..2)
            .and_then(|p| p.parse::<u8>().ok())
            .is_some_and(|p| p == region.province());
        if !same_province {
            reasons.push(
                "信用代码登记地与所属地区不在同一省 / credit code registered in another province",
            );
        }
        if found.same_name_with_permission {
            reasons
                .push("已经存在有权限的同名单位 / a unit with the same name holds the permission");
        }
        self.uscc = Some(uscc);
        self.region = region;
        if reasons.is_empty() {
            self.permission = PermissionStatus::Active;
            self.permission_note = None;
        } else {
            self.permission = PermissionStatus::ManualReview;
            self.permission_note = Some(reasons.join("；"));
        }
        Ok(self.permission)
    }

    /// The HR bureau's decision on an application in manual review.
    ///
    /// # Errors
    /// [`DecidePermissionError`] when `bureau` is not an HR bureau whose region contains the
    /// unit, or the application is not in manual review.
    pub fn decide_permission(
        &mut self,
        bureau: &Organisation,
        approve: bool,
        note: Option<String>,
    ) -> Result<PermissionStatus, DecidePermissionError> {
        if bureau.kind != OrgKind::HrBureau {
            return Err(DecidePermissionError::NotABureau);
        }
        if !self.in_jurisdiction_of(bureau) {
            return Err(DecidePermissionError::OutsideRegion);
        }
        if self.permission != PermissionStatus::ManualReview {
            return Err(DecidePermissionError::NotPending);
        }
        self.permission = if approve {
            PermissionStatus::Active
        } else {
            PermissionStatus::Rejected
        };
        self.permission_note = note;
        Ok(self.permission)
    }

    /// Whether `bureau` is an HR bureau whose region contains this organisation's region
    /// (a district bureau covers its district, a city bureau the whole city, …).
    pub fn in_jurisdiction_of(&self, bureau: &Organisation) -> bool {
        bureau.kind == OrgKind::HrBureau && self.region.within(bureau.region)
    }

    /// Whether this unit's permission application waits for `bureau`'s manual review.
    pub fn awaits_review_by(&self, bureau: &Organisation) -> bool {
        self.permission == PermissionStatus::ManualReview && self.in_jurisdiction_of(bureau)
    }

    pub fn has_permission(&self) -> bool {
        self.permission == PermissionStatus::Active
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit() -> Organisation {
        Organisation {
            id: OrgId(uuid::Uuid::nil()),
            kind: OrgKind::EmployerUnit,
            name: OrgName::parse("威海市文登区人民医院").unwrap(),
            uscc: None,
            region: RegionCode::parse("371003").unwrap(),
            permission: PermissionStatus::NotApplied,
            permission_note: None,
            created_at: DateTime::<Utc>::default(),
            version: 1,
        }
    }

    #[test]
    fn a_valid_code_in_the_same_province_is_granted_automatically() {
        let mut u = unit();
        let s = u
            .apply_permission(
                Uscc::parse("123710034940875396").unwrap(),
                u.region,
                &DuplicateFindings::default(),
            )
            .unwrap();
        assert_eq!(s, PermissionStatus::Active);
    }

    #[test]
    fn a_failing_check_character_goes_to_manual_review_and_the_bureau_decides() {
        let mut u = unit();
        let s = u
            .apply_permission(
                Uscc::parse("123710034940875397").unwrap(),
                u.region,
                &DuplicateFindings::default(),
            )
            .unwrap();
        assert_eq!(s, PermissionStatus::ManualReview);
        let mut bureau = unit();
        bureau.kind = OrgKind::HrBureau;
        bureau.region = RegionCode::parse("370100").unwrap();
        assert_eq!(
            u.decide_permission(&bureau, true, None),
            Err(DecidePermissionError::OutsideRegion)
        );
        bureau.region = RegionCode::parse("371003").unwrap();
        assert_eq!(
            u.decide_permission(&bureau, true, None),
            Ok(PermissionStatus::Active)
        );
        assert_eq!(
            u.decide_permission(&bureau, true, None),
            Err(DecidePermissionError::NotPending)
        );
    }

    #[test]
    fn only_a_bureau_covering_the_region_sees_a_pending_application() {
        let mut u = unit();
        u.permission = PermissionStatus::ManualReview;
        let mut bureau = unit();
        bureau.kind = OrgKind::HrBureau;
        bureau.region = RegionCode::parse("371000").unwrap();
        assert!(u.awaits_review_by(&bureau), "the city bureau covers 文登区");
        bureau.region = RegionCode::parse("370100").unwrap();
        assert!(!u.awaits_review_by(&bureau), "济南 does not");
        bureau.region = RegionCode::parse("371003").unwrap();
        bureau.kind = OrgKind::CompetentDepartment;
        assert!(
            !u.awaits_review_by(&bureau),
            "only HR bureaus review permissions"
        );
        bureau.kind = OrgKind::HrBureau;
        u.permission = PermissionStatus::Active;
        assert!(!u.awaits_review_by(&bureau), "nothing waits once granted");
    }

    #[test]
    fn a_code_already_holding_the_permission_is_refused_with_a_way_back() {
        let mut u = unit();
        let found = DuplicateFindings {
            same_uscc_with_permission: Some(OrgName::parse("文登区人民医院").unwrap()),
            same_name_with_permission: false,
        };
        let e = u
            .apply_permission(Uscc::parse("123710034940875396").unwrap(), u.region, &found)
            .unwrap_err();
        assert!(e.zh().contains("找回原账号"));
        assert_eq!(u.permission, PermissionStatus::NotApplied);
    }
}
