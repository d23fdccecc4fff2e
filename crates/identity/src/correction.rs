//! Name correction requests (姓名更正申请): after registration a person's legal name is immutable
//! to the person and to HR bureaus alike; a wrong name is corrected through a request with a
//! reason and an evidence file (a scan or photo of the household register or ID card: PDF,
//! JPEG or PNG, checked like declaration attachments by [`zhicheng_kernel::upload`]), decided
//! by the HR bureau whose jurisdiction covers the person's unit. Only the person and that
//! bureau see the file. Approval renames the person in the same transaction; both are audited
//! with old and new name.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::upload::{CheckedUpload, FileError};
use zhicheng_kernel::{AccountId, FieldError, Localized, OrgId, PersonId, Principal, Role};

use crate::{Organisation, PersonName};

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionStatus {
    Pending,
    Approved,
    Rejected,
}

impl CorrectionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CorrectionStatus::Pending => "pending",
            CorrectionStatus::Approved => "approved",
            CorrectionStatus::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => CorrectionStatus::Pending,
            "approved" => CorrectionStatus::Approved,
            "rejected" => CorrectionStatus::Rejected,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            CorrectionStatus::Pending => "待人社局审核",
            CorrectionStatus::Approved => "已通过",
            CorrectionStatus::Rejected => "未通过",
        }
    }
}

/// Longest reason or evidence description kept.
pub const MAX_TEXT: usize = 500;

/// A person's request to correct their legal name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCorrection {
    pub id: uuid::Uuid,
    pub person_id: PersonId,
    /// The employer unit whose HR bureau decides.
    pub unit_id: OrgId,
    /// The name when the request was made.
    pub old_name: PersonName,
    pub new_name: PersonName,
    pub reason: String,
    /// A description of the evidence (e.g. the household register entry or a document
    /// number); may be empty when the file speaks for itself.
    pub evidence: String,
    /// The evidence file, kept in the blob store under its content address. Requests made
    /// before files were taken have none.
    pub evidence_file: Option<CheckedUpload>,
    pub status: CorrectionStatus,
    pub decided_by: Option<AccountId>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

/// Why a request could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestCorrectionError {
    #[error("the new name is the same as the current one")]
    Unchanged,
    #[error("give the reason for the correction")]
    NoReason,
    #[error(
        "attach the evidence of the correct name: a scan or photo of the household register or ID card (PDF, JPEG or PNG)"
    )]
    NoEvidence,
    #[error("evidence file {0}")]
    File(FileError),
    #[error("the reason and the evidence description may have at most {MAX_TEXT} characters each")]
    TooLong,
    #[error("choose the employer unit you work for; only units with the title-review permission")]
    NoSuchUnit,
    #[error("a name correction request is already waiting for the HR bureau")]
    AlreadyPending,
}

impl Localized for RequestCorrectionError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unchanged => "name_correction.unchanged",
            Self::NoReason => "name_correction.reason_missing",
            Self::NoEvidence => "name_correction.evidence_missing",
            Self::File(e) => e.code(),
            Self::TooLong => "name_correction.too_long",
            Self::NoSuchUnit => "name_correction.unit_invalid",
            Self::AlreadyPending => "name_correction.already_pending",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Unchanged => "新姓名与当前姓名相同".into(),
            Self::NoReason => "请填写更正原因".into(),
            Self::NoEvidence => {
                "请上传证明材料：户口簿、居民身份证等的扫描件或照片（PDF、JPEG 或 PNG）".into()
            }
            Self::File(e) => format!("证明材料：{}", e.zh()),
            Self::TooLong => format!("更正原因和证明材料说明各不超过 {MAX_TEXT} 字"),
            Self::NoSuchUnit => "请选择所在的用人单位（须已开通职称评审权限）".into(),
            Self::AlreadyPending => "已有一条姓名更正申请正在等待人社局审核，请勿重复提交".into(),
        }
    }
    fn en(&self) -> String {
        match self {
            Self::File(e) => format!("evidence file: {}", e.en()),
            e => e.to_string(),
        }
    }
    fn invalid_input(&self) -> bool {
        !matches!(self, Self::AlreadyPending)
    }
    fn fields(&self) -> Vec<FieldError> {
        let field = match self {
            Self::Unchanged => "new_name",
            Self::NoReason => "reason",
            Self::TooLong => "evidence",
            Self::NoEvidence | Self::File(_) => "evidence_file",
            Self::NoSuchUnit => "unit_id",
            Self::AlreadyPending => return Vec::new(),
        };
        vec![FieldError::new(field, self.code(), self.zh(), self.en())]
    }
}

/// Why a decision was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecideCorrectionError {
    #[error("the request is not waiting for a decision")]
    NotPending,
    #[error("the person's unit lies outside this HR bureau's jurisdiction")]
    OutsideJurisdiction,
    #[error("give the reason for the rejection")]
    NoReason,
    #[error("the person's name changed since the request; the person should request again")]
    NameChanged,
}

impl Localized for DecideCorrectionError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotPending => "name_correction.not_pending",
            Self::OutsideJurisdiction => "name_correction.outside_jurisdiction",
            Self::NoReason => "name_correction.reason_missing",
            Self::NameChanged => "name_correction.name_changed",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotPending => "该申请已处理，不在待审核状态",
            Self::OutsideJurisdiction => "申请人所在单位不在本人社局管辖范围内",
            Self::NoReason => "驳回时请填写原因",
            Self::NameChanged => "申请提交后姓名已被更正，请申请人重新提交",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::NoReason)
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::NoReason => vec![FieldError::new("note", self.code(), self.zh(), self.en())],
            _ => Vec::new(),
        }
    }
}

fn text(s: &str) -> String {
    s.trim().to_owned()
}

/// What a person asks for, before the evidence file is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectionAsk {
    pub new_name: PersonName,
    pub reason: String,
    pub evidence: String,
}

impl CorrectionAsk {
    /// Checks everything but the file, so a refused request reads no file.
    ///
    /// # Errors
    /// [`RequestCorrectionError`] for an unchanged name, a missing or too long reason, a too
    /// long description, or a unit that is not an employer unit holding the permission.
    pub fn check(
        current: &PersonName,
        unit: &Organisation,
        new_name: PersonName,
        reason: &str,
        evidence: &str,
    ) -> Result<CorrectionAsk, RequestCorrectionError> {
        if !(unit.kind == crate::OrgKind::EmployerUnit && unit.has_permission()) {
            return Err(RequestCorrectionError::NoSuchUnit);
        }
        if &new_name == current {
            return Err(RequestCorrectionError::Unchanged);
        }
        let (reason, evidence) = (text(reason), text(evidence));
        if reason.is_empty() {
            return Err(RequestCorrectionError::NoReason);
        }
        if reason.chars().count() > MAX_TEXT || evidence.chars().count() > MAX_TEXT {
            return Err(RequestCorrectionError::TooLong);
        }
        Ok(CorrectionAsk {
            new_name,
            reason,
            evidence,
        })
    }
}

impl NameCorrection {
    /// A new pending request: the checked ask and its stored evidence file.
    pub fn request(
        id: uuid::Uuid,
        person_id: PersonId,
        current: &PersonName,
        unit: &Organisation,
        ask: CorrectionAsk,
        evidence_file: CheckedUpload,
        now: DateTime<Utc>,
    ) -> NameCorrection {
        NameCorrection {
            id,
            person_id,
            unit_id: unit.id,
            old_name: current.clone(),
            new_name: ask.new_name,
            reason: ask.reason,
            evidence: ask.evidence,
            evidence_file: Some(evidence_file),
            status: CorrectionStatus::Pending,
            decided_by: None,
            decision_note: None,
            created_at: now,
            decided_at: None,
            version: 1,
        }
    }

    /// Whether `bureau` decides this request: an HR bureau covering the person's unit.
    pub fn decided_by_bureau(&self, unit: &Organisation, bureau: &Organisation) -> bool {
        unit.id == self.unit_id && unit.in_jurisdiction_of(bureau)
    }

    /// Whether `principal` may see the request and its evidence file: the person, or staff of
    /// the HR bureau that decides it (`bureau` is the principal's organisation, `unit` the
    /// request's unit). Anyone else is answered as if it did not exist.
    pub fn visible_to(
        &self,
        principal: &Principal,
        unit: Option<&Organisation>,
        bureau: Option<&Organisation>,
    ) -> bool {
        match principal.role {
            Role::Applicant => principal.person_id == Some(self.person_id),
            Role::HrBureau => match (unit, bureau) {
                (Some(u), Some(b)) => {
                    principal.org_id == Some(b.id)
                        && b.kind == crate::OrgKind::HrBureau
                        && self.decided_by_bureau(u, b)
                }
                _ => false,
            },
            _ => false,
        }
    }

    /// The bureau's decision. On approval the person's name becomes the requested one; the
    /// old name is returned.
    ///
    /// # Errors
    /// [`DecideCorrectionError`] when the request is decided already, the bureau does not
    /// cover the unit, a rejection has no reason, or the name changed since the request.
    #[allow(clippy::too_many_arguments)]
    pub fn decide(
        &mut self,
        person: &mut crate::Person,
        unit: &Organisation,
        bureau: &Organisation,
        by: AccountId,
        approve: bool,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Option<PersonName>, DecideCorrectionError> {
        if self.status != CorrectionStatus::Pending {
            return Err(DecideCorrectionError::NotPending);
        }
        if !self.decided_by_bureau(unit, bureau) {
            return Err(DecideCorrectionError::OutsideJurisdiction);
        }
        let note = note.map(|n| text(&n)).filter(|n| !n.is_empty());
        if !approve && note.is_none() {
            return Err(DecideCorrectionError::NoReason);
        }
        if approve && person.name != self.old_name {
            return Err(DecideCorrectionError::NameChanged);
        }
        self.status = if approve {
            CorrectionStatus::Approved
        } else {
            CorrectionStatus::Rejected
        };
        self.decided_by = Some(by);
        self.decision_note = note;
        self.decided_at = Some(now);
        Ok(approve.then(|| std::mem::replace(&mut person.name, self.new_name.clone())))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::{IdCardNumber, MobileNumber, OrgKind, OrgName, PermissionStatus, Person};
    use zhicheng_kernel::RegionCode;

    fn org(kind: OrgKind, region: &str) -> Organisation {
        Organisation {
            id: OrgId(uuid::Uuid::now_v7()),
            kind,
            name: OrgName::parse("威海市文登区人民医院").unwrap(),
            uscc: None,
            region: RegionCode::parse(region).unwrap(),
            permission: PermissionStatus::Active,
            permission_note: None,
            created_at: DateTime::<Utc>::default(),
            version: 1,
        }
    }

    fn person() -> Person {
        Person {
            id: PersonId(uuid::Uuid::nil()),
            id_number: IdCardNumber::parse("11010519491231002X").unwrap(),
            name: PersonName::parse("李娜").unwrap(),
            mobile: MobileNumber::parse("13905310000").unwrap(),
            ethnicity: None,
            created_at: DateTime::<Utc>::default(),
            version: 1,
        }
    }

    fn file() -> CheckedUpload {
        CheckedUpload {
            file_name: zhicheng_kernel::upload::FileName::parse("户口簿.pdf").unwrap(),
            kind: zhicheng_kernel::upload::ContentKind::Pdf,
            size: 9,
            sha256: zhicheng_kernel::upload::ContentAddress::of(b"%PDF-1.7\n"),
        }
    }

    #[test]
    fn a_request_needs_a_new_name_a_reason_and_a_permitted_unit() {
        let p = person();
        let unit = org(OrgKind::EmployerUnit, "371003");
        let new = PersonName::parse("李娜娜").unwrap();
        let ask = |u: &Organisation, n: &PersonName, r: &str, e: &str| {
            CorrectionAsk::check(&p.name, u, n.clone(), r, e)
        };
        assert_eq!(
            ask(&unit, &p.name, "r", "e").unwrap_err(),
            RequestCorrectionError::Unchanged
        );
        assert_eq!(
            ask(&unit, &new, " ", "e").unwrap_err(),
            RequestCorrectionError::NoReason
        );
        assert_eq!(
            ask(&unit, &new, "r", &"长".repeat(MAX_TEXT + 1)).unwrap_err(),
            RequestCorrectionError::TooLong
        );
        let mut no_permission = unit.clone();
        no_permission.permission = PermissionStatus::NotApplied;
        assert_eq!(
            ask(&no_permission, &new, "r", "e").unwrap_err(),
            RequestCorrectionError::NoSuchUnit
        );
        // The description is optional: the file is the evidence.
        let ok = ask(&unit, &new, " 录入错误 ", "").unwrap();
        assert_eq!(ok.reason, "录入错误");
        let c = NameCorrection::request(
            uuid::Uuid::nil(),
            p.id,
            &p.name,
            &unit,
            ok,
            file(),
            DateTime::<Utc>::default(),
        );
        assert_eq!(c.evidence_file, Some(file()));
        let missing = RequestCorrectionError::NoEvidence.fields();
        assert_eq!(missing[0].field, "evidence_file");
    }

    #[test]
    fn only_the_person_and_the_deciding_bureau_see_the_request() {
        let p = person();
        let unit = org(OrgKind::EmployerUnit, "371003");
        let ask = CorrectionAsk::check(
            &p.name,
            &unit,
            PersonName::parse("李娜娜").unwrap(),
            "r",
            "",
        )
        .unwrap();
        let c = NameCorrection::request(
            uuid::Uuid::nil(),
            p.id,
            &p.name,
            &unit,
            ask,
            file(),
            DateTime::<Utc>::default(),
        );
        let principal = |role: Role, person: Option<PersonId>, org: Option<OrgId>| Principal {
            account_id: AccountId(uuid::Uuid::now_v7()),
            role,
            person_id: person,
            org_id: org,
        };
        assert!(c.visible_to(&principal(Role::Applicant, Some(p.id), None), None, None));
        let stranger = PersonId(uuid::Uuid::now_v7());
        assert!(!c.visible_to(
            &principal(Role::Applicant, Some(stranger), None),
            None,
            None
        ));
        let weihai = org(OrgKind::HrBureau, "371000");
        let jinan = org(OrgKind::HrBureau, "370100");
        let staff = |b: &Organisation| principal(Role::HrBureau, None, Some(b.id));
        assert!(c.visible_to(&staff(&weihai), Some(&unit), Some(&weihai)));
        assert!(!c.visible_to(&staff(&jinan), Some(&unit), Some(&jinan)));
        // The unit itself does not see its employee's evidence.
        let unit_staff = principal(Role::UnitAdmin, None, Some(unit.id));
        assert!(!c.visible_to(&unit_staff, Some(&unit), Some(&unit)));
    }

    #[test]
    fn only_the_covering_bureau_decides_and_approval_renames() {
        let mut p = person();
        let unit = org(OrgKind::EmployerUnit, "371003");
        let now = DateTime::<Utc>::default();
        let new = PersonName::parse("李娜娜").unwrap();
        let ask = CorrectionAsk::check(&p.name, &unit, new, "r", "e").unwrap();
        let mut c =
            NameCorrection::request(uuid::Uuid::nil(), p.id, &p.name, &unit, ask, file(), now);
        let by = AccountId(uuid::Uuid::nil());
        let jinan = org(OrgKind::HrBureau, "370100");
        assert_eq!(
            c.decide(&mut p, &unit, &jinan, by, true, None, now),
            Err(DecideCorrectionError::OutsideJurisdiction)
        );
        let weihai = org(OrgKind::HrBureau, "371000");
        assert_eq!(
            c.decide(&mut p, &unit, &weihai, by, false, None, now),
            Err(DecideCorrectionError::NoReason)
        );
        let old = c
            .decide(&mut p, &unit, &weihai, by, true, None, now)
            .unwrap();
        assert_eq!(old.unwrap().as_str(), "李娜");
        assert_eq!(p.name.as_str(), "李娜娜");
        assert_eq!(
            c.decide(&mut p, &unit, &weihai, by, true, None, now),
            Err(DecideCorrectionError::NotPending)
        );
    }
}
