//! The declaration aggregate: an applicant's request for one title in one plan year.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_identity::Organisation;
use zhicheng_kernel::{
    DeclarationId, FieldError, Localized, OrgId, PersonId, PlanId, SeriesCode, TitleLevel,
};

use crate::commitment::CommitmentRequired;
use crate::materials::{Materials, RawSection};
use crate::plan::WindowError;
use crate::{Catalog, CommitmentAcceptance, CommitmentLetter, ReviewPlan};

/// The applicant-side state of a declaration. What happens after submission is the review
/// case's business (`zhicheng-review-workflow`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationStatus {
    /// Editable by the applicant.
    Draft,
    /// Submitted to the employer unit; locked.
    Submitted,
    /// Returned by the unit with reasons (kept on the review case); editable and can be
    /// submitted again.
    Returned,
}

impl DeclarationStatus {
    /// Whether the applicant may change the materials and submit.
    pub fn is_editable(self) -> bool {
        matches!(self, DeclarationStatus::Draft | DeclarationStatus::Returned)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeclarationStatus::Draft => "draft",
            DeclarationStatus::Submitted => "submitted",
            DeclarationStatus::Returned => "returned",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => DeclarationStatus::Draft,
            "submitted" => DeclarationStatus::Submitted,
            "returned" => DeclarationStatus::Returned,
            _ => return None,
        })
    }
}

/// The kind of declaration, chosen when it is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DeclarationKind {
    /// 正常申报: the next level after the qualifying years.
    #[default]
    Normal,
    /// 破格申报: exceptional, ahead of the usual requirements.
    Exceptional,
    /// 转评: moving a title from another series.
    Transfer,
    /// 初定: initial determination (no current title yet).
    Initial,
}

impl DeclarationKind {
    pub const ALL: [DeclarationKind; 4] = [
        DeclarationKind::Normal,
        DeclarationKind::Exceptional,
        DeclarationKind::Transfer,
        DeclarationKind::Initial,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Normal => "normal",
            Self::Exceptional => "exceptional",
            Self::Transfer => "transfer",
            Self::Initial => "initial",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Normal => "正常申报",
            Self::Exceptional => "破格申报",
            Self::Transfer => "转评",
            Self::Initial => "初定",
        }
    }

    /// The code or the Chinese name.
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == t || k.zh() == t)
    }
}

/// A submitted version of the materials, frozen by [`Declaration::submit`] (numbered from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeclarationVersion {
    pub declaration_id: DeclarationId,
    pub number: u32,
    pub materials: Materials,
    pub submitted_at: DateTime<Utc>,
}

/// A declaration for one title in one plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Declaration {
    pub id: DeclarationId,
    pub person_id: PersonId,
    pub unit_id: OrgId,
    pub plan_id: PlanId,
    pub year: i32,
    pub series: SeriesCode,
    pub level: TitleLevel,
    pub specialty: String,
    pub kind: DeclarationKind,
    pub materials: Materials,
    pub status: DeclarationStatus,
    pub commitment_version: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    /// How many versions were frozen (submissions so far).
    pub submissions: u32,
    /// The version frozen by the last `submit`, for the store to write with it.
    #[serde(skip)]
    pub new_version: Option<DeclarationVersion>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreateDeclarationError {
    #[error("read and accept the commitment letter first")]
    CommitmentRequired,
    #[error(
        "the chosen unit cannot receive declarations: it has not been granted the title-review permission"
    )]
    UnitWithoutPermission,
    #[error("the chosen organisation is not an employer unit")]
    NotAUnit,
    #[error("this plan does not cover the chosen level")]
    LevelNotInPlan,
    #[error(transparent)]
    Window(WindowError),
    #[error("the specialty needs 1 to 50 characters")]
    Specialty,
    #[error(
        "choose a specialty of the {series} series from the title catalog (GET /api/v1/catalog)"
    )]
    UnknownSpecialty { series: String },
    #[error("you already have a declaration for this year")]
    AlreadyDeclared,
    #[error("invalid materials")]
    Materials(Vec<FieldError>),
}

impl Localized for CreateDeclarationError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommitmentRequired => "declaration.commitment_required",
            Self::UnitWithoutPermission => "declaration.unit_without_permission",
            Self::NotAUnit => "declaration.not_a_unit",
            Self::LevelNotInPlan => "declaration.level_not_in_plan",
            Self::Window(_) => "declaration.outside_window",
            Self::Specialty => "declaration.specialty",
            Self::UnknownSpecialty { .. } => "declaration.unknown_specialty",
            Self::AlreadyDeclared => "declaration.already_declared",
            Self::Materials(_) => "declaration.materials",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::CommitmentRequired => CommitmentRequired::ZH.into(),
            Self::UnitWithoutPermission => {
                "所选单位尚未开通职称评审权限，请联系单位注册并申请权限".into()
            }
            Self::NotAUnit => "所选机构不是用人单位".into(),
            Self::LevelNotInPlan => "该评审计划不包含所选级别".into(),
            Self::Window(w) => w.zh(),
            Self::Specialty => "请填写专业（1–50 字）".into(),
            Self::UnknownSpecialty { series } => {
                format!("请从职称目录中选择“{series}”系列的专业")
            }
            Self::AlreadyDeclared => "您本年度已有申报，不能重复新增".into(),
            Self::Materials(_) => "申报材料有误，请按提示修改".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(
            self,
            Self::Specialty
                | Self::UnknownSpecialty { .. }
                | Self::Materials(_)
                | Self::LevelNotInPlan
                | Self::NotAUnit
        )
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Materials(v) => v.clone(),
            Self::Specialty | Self::UnknownSpecialty { .. } => vec![FieldError::new(
                "specialty",
                self.code(),
                self.zh(),
                self.to_string(),
            )],
            Self::LevelNotInPlan => vec![FieldError::new(
                "level",
                "declaration.level_not_in_plan",
                self.zh(),
                self.to_string(),
            )],
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditDeclarationError {
    #[error(transparent)]
    CommitmentRequired(#[from] CommitmentRequired),
    #[error("a submitted declaration can no longer be edited")]
    NotDraft,
    #[error("invalid materials")]
    Materials(Vec<FieldError>),
}

impl Localized for EditDeclarationError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::CODE,
            Self::NotDraft => "declaration.not_draft",
            Self::Materials(_) => "declaration.materials",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::ZH.into(),
            Self::NotDraft => "申报已提交，不能再修改".into(),
            Self::Materials(_) => "申报材料有误，请按提示修改".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::Materials(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Materials(v) => v.clone(),
            Self::NotDraft | Self::CommitmentRequired(_) => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitDeclarationError {
    #[error(transparent)]
    CommitmentRequired(#[from] CommitmentRequired),
    #[error("the declaration was already submitted")]
    AlreadySubmitted,
    #[error(transparent)]
    Window(WindowError),
    #[error("some required materials are missing")]
    Incomplete(Vec<FieldError>),
}

impl Localized for SubmitDeclarationError {
    fn code(&self) -> &'static str {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::CODE,
            Self::AlreadySubmitted => "declaration.already_submitted",
            Self::Window(_) => "declaration.outside_window",
            Self::Incomplete(_) => "declaration.incomplete",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::CommitmentRequired(_) => CommitmentRequired::ZH.into(),
            Self::AlreadySubmitted => "申报已提交，请勿重复提交".into(),
            Self::Window(w) => w.zh(),
            Self::Incomplete(_) => "申报材料不完整，请补充后再提交".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::Incomplete(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Incomplete(v) => v.clone(),
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl Declaration {
    /// Starts a draft. The specialty is chosen from the plan's series in `catalog` (by code or
    /// name); the declaration records its name.
    ///
    /// # Errors
    /// [`CreateDeclarationError`] when the letter is not accepted, the unit cannot receive
    /// declarations, the plan does not accept drafts for this level now, or the specialty is
    /// not in the catalog.
    #[allow(clippy::too_many_arguments)]
    pub fn draft(
        id: DeclarationId,
        person_id: PersonId,
        unit: &Organisation,
        plan: &ReviewPlan,
        level: TitleLevel,
        specialty: &str,
        kind: DeclarationKind,
        materials: Materials,
        commitment: Option<&CommitmentAcceptance>,
        letter: &CommitmentLetter,
        catalog: &Catalog,
        now: DateTime<Utc>,
    ) -> Result<Self, CreateDeclarationError> {
        if !letter.accepted_by(person_id, commitment) {
            return Err(CreateDeclarationError::CommitmentRequired);
        }
        if unit.kind != zhicheng_identity::OrgKind::EmployerUnit {
            return Err(CreateDeclarationError::NotAUnit);
        }
        if !unit.has_permission() {
            return Err(CreateDeclarationError::UnitWithoutPermission);
        }
        plan.accepts_drafts(now)
            .map_err(CreateDeclarationError::Window)?;
        if !plan.levels.contains(&level) {
            return Err(CreateDeclarationError::LevelNotInPlan);
        }
        let specialty = specialty.trim();
        if !(1..=50).contains(&specialty.chars().count()) {
            return Err(CreateDeclarationError::Specialty);
        }
        let specialty = catalog
            .specialty(&plan.series, specialty)
            .map(|s| s.name.as_str())
            .ok_or_else(|| CreateDeclarationError::UnknownSpecialty {
                series: catalog.series_name(&plan.series),
            })?;
        Ok(Declaration {
            id,
            person_id,
            unit_id: unit.id,
            plan_id: plan.id,
            year: plan.year,
            series: plan.series.clone(),
            level,
            specialty: specialty.to_owned(),
            kind,
            materials,
            status: DeclarationStatus::Draft,
            commitment_version: letter.version.clone(),
            created_at: now,
            submitted_at: None,
            submissions: 0,
            new_version: None,
            version: 1,
        })
    }

    /// Replaces every written section of a draft.
    ///
    /// # Errors
    /// [`EditDeclarationError::NotDraft`] once submitted.
    pub fn edit(&mut self, materials: Materials) -> Result<(), EditDeclarationError> {
        if !self.status.is_editable() {
            return Err(EditDeclarationError::NotDraft);
        }
        self.materials = materials;
        Ok(())
    }

    /// Saves one section of a draft as typed (parsed here); the others stay as they are.
    ///
    /// # Errors
    /// [`EditDeclarationError`] once submitted, or listing every problem of the section.
    pub fn edit_section(
        &mut self,
        raw: RawSection,
        catalog: &Catalog,
    ) -> Result<(), EditDeclarationError> {
        if !self.status.is_editable() {
            return Err(EditDeclarationError::NotDraft);
        }
        self.materials
            .apply(raw, catalog)
            .map_err(EditDeclarationError::Materials)
    }

    /// Saves a draft form section by section: every given section that parses is saved, the
    /// others stay as they were; returns the problems of those (empty when all were saved).
    ///
    /// # Errors
    /// [`EditDeclarationError::NotDraft`] once submitted.
    pub fn save_draft(
        &mut self,
        sections: Vec<RawSection>,
        catalog: &Catalog,
    ) -> Result<Vec<FieldError>, EditDeclarationError> {
        if !self.status.is_editable() {
            return Err(EditDeclarationError::NotDraft);
        }
        Ok(self.materials.apply_valid(sections, catalog))
    }

    /// 一次性告知: every item missing before this declaration can be submitted.
    pub fn missing(&self) -> Vec<FieldError> {
        self.materials.missing(self.kind)
    }

    /// Takes the version frozen by the last submission, for the store to write.
    pub fn take_new_version(&mut self) -> Option<DeclarationVersion> {
        self.new_version.take()
    }

    /// 确定申报: submits the draft to the employer unit inside the plan's window.
    ///
    /// # Errors
    /// [`SubmitDeclarationError`] when already submitted, outside the window, or incomplete
    /// (listing every missing section at once).
    pub fn submit(
        &mut self,
        now: DateTime<Utc>,
        plan: &ReviewPlan,
    ) -> Result<(), SubmitDeclarationError> {
        if !self.status.is_editable() {
            return Err(SubmitDeclarationError::AlreadySubmitted);
        }
        plan.accepts_submissions(now)
            .map_err(SubmitDeclarationError::Window)?;
        let problems = self.missing();
        if !problems.is_empty() {
            return Err(SubmitDeclarationError::Incomplete(problems));
        }
        self.status = DeclarationStatus::Submitted;
        self.submitted_at = Some(now);
        self.submissions += 1;
        self.new_version = Some(DeclarationVersion {
            declaration_id: self.id,
            number: self.submissions,
            materials: self.materials.clone(),
            submitted_at: now,
        });
        Ok(())
    }

    /// The unit returned it (the review case owns the reasons): editable again, then submitted
    /// again through [`Declaration::submit`] (a resubmission inside the plan's window).
    ///
    /// # Errors
    /// [`ReopenDeclarationError`] unless submitted.
    pub fn reopen(&mut self) -> Result<(), ReopenDeclarationError> {
        if self.status != DeclarationStatus::Submitted {
            return Err(ReopenDeclarationError::NotSubmitted);
        }
        self.status = DeclarationStatus::Returned;
        Ok(())
    }

    /// The applicant withdrew it before the unit acted: a draft again. Its review case stays
    /// (withdrawn) and is reopened by the next submission, so the history is one story.
    ///
    /// # Errors
    /// [`ReopenDeclarationError`] unless submitted.
    pub fn withdraw(&mut self) -> Result<(), ReopenDeclarationError> {
        if self.status != DeclarationStatus::Submitted {
            return Err(ReopenDeclarationError::NotSubmitted);
        }
        self.status = DeclarationStatus::Draft;
        self.submitted_at = None;
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReopenDeclarationError {
    #[error("the declaration is not submitted")]
    NotSubmitted,
}

impl Localized for ReopenDeclarationError {
    fn code(&self) -> &'static str {
        "declaration.not_submitted"
    }
    fn zh(&self) -> String {
        "申报尚未提交".into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};
    use zhicheng_identity::{OrgKind, OrgName, PermissionStatus};
    use zhicheng_kernel::RegionCode;

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn unit(permission: PermissionStatus) -> Organisation {
        Organisation {
            id: OrgId(uuid::Uuid::from_u128(1)),
            kind: OrgKind::EmployerUnit,
            name: OrgName::parse("文登区人民医院").unwrap(),
            uscc: None,
            region: RegionCode::parse("371003").unwrap(),
            permission,
            permission_note: None,
            created_at: t(0),
            version: 1,
        }
    }

    fn plan() -> ReviewPlan {
        let mut p = ReviewPlan::new(
            PlanId(uuid::Uuid::from_u128(2)),
            OrgId(uuid::Uuid::from_u128(3)),
            2026,
            "2026年度工程技术人员职称评审",
            SeriesCode::parse("ENG").unwrap(),
            vec![TitleLevel::SeniorDeputy, TitleLevel::Intermediate],
            t(24),
            t(48),
            t(0),
            Catalog::builtin(),
        )
        .unwrap();
        p.open().unwrap();
        p
    }

    fn accepted(person: PersonId) -> CommitmentAcceptance {
        CommitmentAcceptance {
            person_id: person,
            letter_version: crate::commitment::BUILTIN_VERSION.into(),
            accepted_at: t(0),
        }
    }

    fn materials() -> Materials {
        crate::materials::tests::complete()
            .parse(Catalog::builtin())
            .unwrap()
    }

    fn draft() -> Declaration {
        let person = PersonId(uuid::Uuid::from_u128(4));
        Declaration::draft(
            DeclarationId(uuid::Uuid::from_u128(5)),
            person,
            &unit(PermissionStatus::Active),
            &plan(),
            TitleLevel::SeniorDeputy,
            "电气工程",
            DeclarationKind::Normal,
            materials(),
            Some(&accepted(person)),
            &CommitmentLetter::builtin(),
            Catalog::builtin(),
            t(1),
        )
        .unwrap()
    }

    #[test]
    fn no_draft_without_the_commitment_letter_or_a_permitted_unit() {
        let person = PersonId(uuid::Uuid::from_u128(4));
        let id = DeclarationId(uuid::Uuid::from_u128(5));
        let e = Declaration::draft(
            id,
            person,
            &unit(PermissionStatus::Active),
            &plan(),
            TitleLevel::SeniorDeputy,
            "x",
            DeclarationKind::Normal,
            materials(),
            None,
            &CommitmentLetter::builtin(),
            Catalog::builtin(),
            t(1),
        );
        assert_eq!(e, Err(CreateDeclarationError::CommitmentRequired));
        let e = Declaration::draft(
            id,
            person,
            &unit(PermissionStatus::ManualReview),
            &plan(),
            TitleLevel::SeniorDeputy,
            "x",
            DeclarationKind::Normal,
            materials(),
            Some(&accepted(person)),
            &CommitmentLetter::builtin(),
            Catalog::builtin(),
            t(1),
        );
        assert_eq!(e, Err(CreateDeclarationError::UnitWithoutPermission));
        let e = Declaration::draft(
            id,
            person,
            &unit(PermissionStatus::Active),
            &plan(),
            TitleLevel::Junior,
            "x",
            DeclarationKind::Normal,
            materials(),
            Some(&accepted(person)),
            &CommitmentLetter::builtin(),
            Catalog::builtin(),
            t(1),
        );
        assert_eq!(e, Err(CreateDeclarationError::LevelNotInPlan));
    }

    #[test]
    fn the_specialty_comes_from_the_plans_series_in_the_catalog() {
        let person = PersonId(uuid::Uuid::from_u128(4));
        let new = |specialty: &str| {
            Declaration::draft(
                DeclarationId(uuid::Uuid::from_u128(5)),
                person,
                &unit(PermissionStatus::Active),
                &plan(),
                TitleLevel::SeniorDeputy,
                specialty,
                DeclarationKind::Normal,
                materials(),
                Some(&accepted(person)),
                &CommitmentLetter::builtin(),
                Catalog::builtin(),
                t(1),
            )
        };
        assert_eq!(new(" elec ").unwrap().specialty, "电气工程");
        let e = new("内科").unwrap_err();
        assert_eq!(e.code(), "declaration.unknown_specialty");
        assert!(e.zh().contains("工程技术人员"));
        assert_eq!(e.fields()[0].field, "specialty");
        assert!(e.invalid_input());
    }

    #[test]
    fn submission_only_inside_the_window() {
        let mut d = draft();
        assert!(matches!(
            d.submit(t(23), &plan()),
            Err(SubmitDeclarationError::Window(
                WindowError::NotYetOpen { .. }
            ))
        ));
        assert!(matches!(
            d.submit(t(49), &plan()),
            Err(SubmitDeclarationError::Window(WindowError::Closed { .. }))
        ));
        assert_eq!(d.status, DeclarationStatus::Draft);
        d.submit(t(24), &plan()).unwrap();
        assert_eq!(d.status, DeclarationStatus::Submitted);
        assert_eq!(
            d.submit(t(25), &plan()),
            Err(SubmitDeclarationError::AlreadySubmitted)
        );
        assert_eq!(d.edit(materials()), Err(EditDeclarationError::NotDraft));
    }

    #[test]
    fn an_incomplete_declaration_lists_every_missing_section_at_once() {
        let mut d = draft();
        d.edit(Materials::default()).unwrap();
        let Err(SubmitDeclarationError::Incomplete(list)) = d.submit(t(30), &plan()) else {
            panic!()
        };
        let fields: Vec<_> = list.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "education",
                "current_title",
                "work_history",
                "achievements",
                "assessments",
                "continuing_education"
            ]
        );
    }

    #[test]
    fn a_returned_declaration_is_editable_and_submitted_again_a_withdrawn_one_is_a_draft() {
        let mut d = draft();
        assert_eq!(d.reopen(), Err(ReopenDeclarationError::NotSubmitted));
        assert_eq!(d.withdraw(), Err(ReopenDeclarationError::NotSubmitted));
        d.submit(t(24), &plan()).unwrap();
        assert_eq!(d.take_new_version().map(|v| v.number), Some(1));
        d.reopen().unwrap();
        assert_eq!(d.status, DeclarationStatus::Returned);
        assert_eq!(d.reopen(), Err(ReopenDeclarationError::NotSubmitted));
        d.edit(materials()).unwrap();
        d.submit(t(30), &plan()).unwrap();
        assert_eq!(d.status, DeclarationStatus::Submitted);
        assert_eq!(d.take_new_version().map(|v| v.number), Some(2));
        d.withdraw().unwrap();
        assert_eq!((d.status, d.submitted_at), (DeclarationStatus::Draft, None));
        d.submit(t(31), &plan()).unwrap();
    }
}
