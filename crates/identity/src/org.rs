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

/// An organisation holding the permission that a new application duplicates (same credit code
/// or same normalised name), with what the applicant needs to recover that account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DuplicateHint {
    /// The existing unit's name.
    pub name: String,
    /// The HR bureau to contact (the one whose jurisdiction covers the existing unit).
    pub bureau: Option<String>,
    /// The existing account's contact mobile, masked (`138****5678`).
    pub contact: Option<String>,
}

/// What the automatic permission check found against other organisations.
#[derive(Debug, Clone, Default)]
pub struct DuplicateFindings {
    /// Another unit with the same credit code or the same normalised name that already holds
    /// the permission.
    pub duplicate: Option<DuplicateHint>,
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
        "a unit with the same name or credit code already holds the permission ({}): this unit is registered twice; {} to look up the existing account and sign in with it{}",
        .0.name,
        .0.bureau.as_deref().map_or_else(|| "contact the district HR bureau".to_owned(), |b| format!("contact {b}")),
        .0.contact.as_deref().map_or_else(String::new, |c| format!(" (its contact mobile is {c})"))
    )]
    DuplicateUnit(DuplicateHint),
    #[error(
        "the credit code was registered in province {uscc:02}, but the region lies in province {region:02}; check both"
    )]
    ProvinceMismatch { uscc: u8, region: u8 },
}

impl Localized for ApplyPermissionError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAUnit => "permission.not_a_unit",
            Self::AlreadyActive => "permission.already_active",
            Self::AlreadyPending => "permission.already_pending",
            Self::DuplicateUnit(_) => "permission.duplicate_unit",
            Self::ProvinceMismatch { .. } => "permission.province_mismatch",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotAUnit => "只有用人单位需要申请职称评审权限".into(),
            Self::AlreadyActive => "职称评审权限已开通".into(),
            Self::AlreadyPending => "申请已提交，正在等待人社局审核".into(),
            Self::DuplicateUnit(h) => format!(
                "已经存在有权限的同名单位（{}）：即为重复注册的单位，请联系{}进行账号查询，使用之前的账号登录{}",
                h.name,
                h.bureau.as_deref().unwrap_or("所在区县人社局"),
                h.contact
                    .as_deref()
                    .map_or_else(String::new, |c| format!("（原账号联系电话 {c}）"))
            ),
            Self::ProvinceMismatch { .. } => {
                "统一社会信用代码的登记地与所属地区不在同一省份，请核对信用代码和所属地区".into()
            }
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::ProvinceMismatch { .. })
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        match self {
            Self::ProvinceMismatch { .. } => vec![zhicheng_kernel::FieldError::new(
                "region",
                self.code(),
                self.zh(),
                self.en(),
            )],
            _ => Vec::new(),
        }
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

/// The reviewer's warning when a credit code's registering region (positions 3–8) lies in
/// the unit's province but in another city or district; `None` when they agree as far as the
/// declared region is specific.
pub fn region_warning(registered: &str, region: RegionCode) -> Option<&'static str> {
    let declared = region.to_string();
    let is_province = region.as_u32().is_multiple_of(10_000);
    let is_city = region.as_u32().is_multiple_of(100);
    if is_province {
        return None;
    }
    if registered.get(..4) != declared.get(..4) {
        return Some(
            "信用代码登记地与所属地区不在同一市，请人工核对 / credit code registered in another city",
        );
    }
    if !is_city && registered != declared && !registered.ends_with("00") {
        return Some(
            "信用代码登记地与所属地区不在同一区县，请人工核对 / credit code registered in another district",
        );
    }
    None
}

/// A bureau's correction of a unit's registered data (单位信息更正). `None` keeps a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitCorrection {
    pub name: Option<OrgName>,
    pub region: Option<RegionCode>,
    pub uscc: Option<Uscc>,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectUnitError {
    #[error("only an HR bureau corrects unit data")]
    NotABureau,
    #[error("only employer units are corrected here")]
    NotAUnit,
    #[error("the unit lies outside this HR bureau's jurisdiction")]
    OutsideJurisdiction,
    #[error("the unit would move outside this HR bureau's jurisdiction")]
    RegionOutsideJurisdiction,
    #[error("nothing would change")]
    NothingChanged,
    #[error("give the reason for the correction")]
    NoReason,
}

impl Localized for CorrectUnitError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotABureau => "unit_correction.not_a_bureau",
            Self::NotAUnit => "unit_correction.not_a_unit",
            Self::OutsideJurisdiction => "unit_correction.outside_jurisdiction",
            Self::RegionOutsideJurisdiction => "unit_correction.region_outside_jurisdiction",
            Self::NothingChanged => "unit_correction.unchanged",
            Self::NoReason => "unit_correction.reason_missing",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotABureau => "只有人社局可以更正单位信息",
            Self::NotAUnit => "只能更正用人单位的信息",
            Self::OutsideJurisdiction => "该单位不在本人社局管辖范围内",
            Self::RegionOutsideJurisdiction => "更正后的所属地区不在本人社局管辖范围内",
            Self::NothingChanged => "填写的信息与现有信息相同，无需更正",
            Self::NoReason => "请填写更正原因",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        matches!(
            self,
            Self::NothingChanged | Self::NoReason | Self::RegionOutsideJurisdiction
        )
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        let field = match self {
            Self::NoReason => "reason",
            Self::RegionOutsideJurisdiction => "region",
            Self::NothingChanged => "name",
            _ => return Vec::new(),
        };
        vec![zhicheng_kernel::FieldError::new(
            field,
            self.code(),
            self.zh(),
            self.en(),
        )]
    }
}

/// Why a unit's own edit of its data was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditUnitError {
    #[error(
        "the unit name cannot be changed by the unit after registration; ask the HR bureau of your district to correct it"
    )]
    NameImmutable,
}

impl Localized for EditUnitError {
    fn code(&self) -> &'static str {
        "unit.name_immutable"
    }
    fn zh(&self) -> String {
        "单位名称注册确认后不能自行修改：如有错误，请联系所在区县人社局更正".into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        vec![zhicheng_kernel::FieldError::new(
            "name",
            self.code(),
            self.zh(),
            self.en(),
        )]
    }
}

/// One changed value, for audit rows and answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    pub old: String,
    pub new: String,
}

impl Organisation {
    /// Checks a unit's own edit of its data: the registered name may be sent only unchanged.
    ///
    /// # Errors
    /// [`EditUnitError::NameImmutable`] when `name` differs from the registered name.
    pub fn check_unit_edit(&self, name: Option<&str>) -> Result<(), EditUnitError> {
        match name {
            Some(n)
                if OrgName::parse(n).map_or(true, |n| n.normalised() != self.name.normalised()) =>
            {
                Err(EditUnitError::NameImmutable)
            }
            _ => Ok(()),
        }
    }

    /// An HR bureau corrects a unit in its jurisdiction (name, region, credit code). Returns
    /// the changes, for the audit row with old and new values.
    ///
    /// # Errors
    /// [`CorrectUnitError`] when `bureau` does not cover the unit (before and after), nothing
    /// changes, or no reason is given.
    pub fn correct_by_bureau(
        &mut self,
        bureau: &Organisation,
        c: &UnitCorrection,
    ) -> Result<Vec<Change>, CorrectUnitError> {
        if bureau.kind != OrgKind::HrBureau {
            return Err(CorrectUnitError::NotABureau);
        }
        if self.kind != OrgKind::EmployerUnit {
            return Err(CorrectUnitError::NotAUnit);
        }
        if !self.in_jurisdiction_of(bureau) {
            return Err(CorrectUnitError::OutsideJurisdiction);
        }
        if c.reason.trim().is_empty() {
            return Err(CorrectUnitError::NoReason);
        }
        let mut changes = Vec::new();
        let mut change = |field: &str, old: String, new: String| {
            if old != new {
                changes.push(Change {
                    field: field.to_owned(),
                    old,
                    new,
                });
            }
        };
        if let Some(n) = &c.name {
            change("name", self.name.as_str().into(), n.as_str().into());
        }
        if let Some(r) = c.region {
            if !r.within(bureau.region) {
                return Err(CorrectUnitError::RegionOutsideJurisdiction);
            }
            change("region", self.region.to_string(), r.to_string());
        }
        if let Some(u) = &c.uscc {
            change(
                "uscc",
                self.uscc
                    .as_ref()
                    .map(|x| x.as_str().to_owned())
                    .unwrap_or_default(),
                u.as_str().into(),
            );
        }
        if changes.is_empty() {
            return Err(CorrectUnitError::NothingChanged);
        }
        if let Some(n) = &c.name {
            self.name = n.clone();
        }
        if let Some(r) = c.region {
            self.region = r;
        }
        if let Some(u) = &c.uscc {
            self.uscc = Some(u.clone());
        }
        Ok(changes)
    }

    /// The HR bureau to contact about this organisation: of the bureaus whose jurisdiction
    /// covers it, the most local one (district, then city, then province).
    pub fn responsible_bureau<'a>(
        &self,
        bureaus: impl IntoIterator<Item = &'a Organisation>,
    ) -> Option<&'a Organisation> {
        let rank = |b: &Organisation| {
            let r = b.region.as_u32();
            if r.is_multiple_of(10_000) {
                0
            } else if r.is_multiple_of(100) {
                1
            } else {
                2
            }
        };
        bureaus
            .into_iter()
            .filter(|b| self.in_jurisdiction_of(b))
            .max_by_key(|b| rank(b))
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
        if let Some(hint) = &found.duplicate {
            return Err(ApplyPermissionError::DuplicateUnit(hint.clone()));
        }
        let registered = uscc.region_digits();
        let registered_province = registered.get(..2).and_then(|p| p.parse::<u8>().ok());
        if registered_province != Some(region.province()) {
            return Err(ApplyPermissionError::ProvinceMismatch {
                uscc: registered_province.unwrap_or_default(),
                region: region.province(),
            });
        }
        let mut reasons = Vec::new();
        if !uscc.check_char_ok() {
            reasons.push("统一社会信用代码校验位不符 / credit code check character mismatch");
        }
        if let Some(warning) = region_warning(registered, region) {
            reasons.push(warning);
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
    fn a_duplicate_is_refused_with_the_bureau_and_a_masked_contact() {
        let mut u = unit();
        let found = DuplicateFindings {
            duplicate: Some(DuplicateHint {
                name: "文登区人民医院".into(),
                bureau: Some("威海市文登区人力资源和社会保障局".into()),
                contact: Some("138****5678".into()),
            }),
        };
        let e = u
            .apply_permission(Uscc::parse("123710034940875396").unwrap(), u.region, &found)
            .unwrap_err();
        let zh = e.zh();
        assert!(zh.contains("已经存在有权限的同名单位"), "{zh}");
        assert!(zh.contains("威海市文登区人力资源和社会保障局") && zh.contains("138****5678"));
        assert_eq!(u.permission, PermissionStatus::NotApplied);
    }

    #[test]
    fn another_province_is_refused_and_another_city_or_district_goes_to_review() {
        let mut u = unit();
        let e = u
            .apply_permission(
                Uscc::parse("12350100494087539B").unwrap(),
                u.region,
                &DuplicateFindings::default(),
            )
            .unwrap_err();
        assert!(matches!(
            e,
            ApplyPermissionError::ProvinceMismatch {
                uscc: 35,
                region: 37
            }
        ));
        assert_eq!(u.permission, PermissionStatus::NotApplied);
        assert!(
            region_warning("370100", u.region)
                .unwrap()
                .contains("同一市")
        );
        assert!(
            region_warning("371002", u.region)
                .unwrap()
                .contains("同一区县")
        );
        assert_eq!(
            region_warning("371000", u.region),
            None,
            "registered by the city"
        );
        assert_eq!(region_warning("371003", u.region), None);
        assert_eq!(
            region_warning("371002", RegionCode::parse("371000").unwrap()),
            None
        );
    }

    #[test]
    fn a_bureau_corrects_units_in_its_jurisdiction_only() {
        let mut u = unit();
        let mut bureau = unit();
        bureau.kind = OrgKind::HrBureau;
        bureau.region = RegionCode::parse("370100").unwrap();
        let c = UnitCorrection {
            name: Some(OrgName::parse("威海市文登区中心医院").unwrap()),
            reason: "营业执照名称变更".into(),
            ..UnitCorrection::default()
        };
        assert_eq!(
            u.correct_by_bureau(&bureau, &c),
            Err(CorrectUnitError::OutsideJurisdiction)
        );
        bureau.region = RegionCode::parse("371000").unwrap();
        let changes = u.correct_by_bureau(&bureau, &c).unwrap();
        assert_eq!(changes[0].old, "威海市文登区人民医院");
        assert_eq!(u.name.as_str(), "威海市文登区中心医院");
        assert_eq!(
            u.correct_by_bureau(&bureau, &c),
            Err(CorrectUnitError::NothingChanged)
        );
        assert_eq!(
            u.check_unit_edit(Some("别的名字")),
            Err(EditUnitError::NameImmutable)
        );
        assert_eq!(u.check_unit_edit(Some("威海市文登区中心医院")), Ok(()));
    }

    #[test]
    fn the_most_local_covering_bureau_is_the_one_to_contact() {
        let u = unit();
        let mk = |region: &str, name: &str| {
            let mut b = unit();
            b.kind = OrgKind::HrBureau;
            b.region = RegionCode::parse(region).unwrap();
            b.name = OrgName::parse(name).unwrap();
            b
        };
        let all = [
            mk("370000", "山东省人社厅"),
            mk("371003", "文登区人社局"),
            mk("371000", "威海市人社局"),
            mk("370100", "济南市人社局"),
        ];
        assert_eq!(
            u.responsible_bureau(&all).unwrap().name.as_str(),
            "文登区人社局"
        );
    }
}
