//! Declaration use cases: plans, the commitment letter, drafting and editing.
//! Submission opens a review case and lives in `zhicheng-review-workflow`.

use chrono::{DateTime, Utc};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, Clock, DeclarationId, IdGen, OrgId, PlanId, Principal, Role, SeriesCode,
    ServiceError, StoreError, TitleLevel, TxError,
};

use crate::attachment::{
    self, AddAttachmentError, Attachment, AttachmentId, AttachmentPolicy, FileName,
    RemoveAttachmentError, Section, UploadCheck,
};
use crate::catalog::{CatalogImportError, ImportLine, ImportSummary};
use crate::commitment::{CommitmentRequired, LetterError};
use crate::declaration::{CreateDeclarationError, EditDeclarationError};
use crate::materials::{FieldChange, RawMaterials, RawSection};
use crate::plan::PlanError;
use crate::ports::{AttachmentRepo, BlobStore, DeclarationRepo};
use crate::{
    Catalog, CommitmentAcceptance, CommitmentLetter, Declaration, DeclarationKind,
    DeclarationVersion, ReviewPlan,
};
use zhicheng_kernel::upload;

/// Who may publish plans: HR bureaus and committee organisers, or an operator at the CLI.
pub enum PlanAuthor<'a> {
    Staff(&'a Principal),
    Operator { name: String, organiser: OrgId },
}

/// A new plan, parsed.
#[derive(Debug, Clone)]
pub struct NewPlan {
    pub year: i32,
    pub name: String,
    pub series: SeriesCode,
    pub levels: Vec<TitleLevel>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    /// 单位审核上报截止时间 (not before the window ends), if any.
    pub report_deadline: Option<DateTime<Utc>>,
    /// The zone the window and deadline are stated and enforced in.
    pub time_zone: crate::plan::PlanTimeZone,
    /// 备注 of the notice; blank for none.
    pub notes: String,
}

/// Creates a plan in draft.
///
/// # Errors
/// `Forbidden` unless the author is an HR bureau or committee organiser; `Rule` for an invalid plan.
pub async fn create_plan<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    author: PlanAuthor<'_>,
    cmd: NewPlan,
) -> Result<ReviewPlan, ServiceError<PlanError>> {
    let (organiser, actor) = match author {
        PlanAuthor::Staff(p) => {
            let org = p
                .org_as(Role::HrBureau)
                .or_else(|| p.org_as(Role::CommitteeOrganiser))
                .ok_or(ServiceError::Forbidden)?;
            (org, Actor::from(p))
        }
        PlanAuthor::Operator { name, organiser } => (organiser, Actor::Operator(name)),
    };
    let now = clock.now();
    let catalog = repo.current_catalog().await?;
    let plan = ReviewPlan::new(
        PlanId(ids.new_id()),
        organiser,
        cmd.year,
        &cmd.name,
        cmd.series,
        cmd.levels,
        cmd.window_start,
        cmd.window_end,
        now,
        &catalog,
    )
    .and_then(|p| p.with_schedule(cmd.report_deadline, cmd.time_zone))
    .and_then(|p| p.with_notes(&cmd.notes))
    .map_err(ServiceError::Rule)?;
    let audit = AuditEvent::new(now, actor, "plan.created", "plan", plan.id.0).with_detail(
        serde_json::json!({
            "year": plan.year, "series": plan.series.as_str(),
            "report_deadline": plan.report_deadline, "time_zone": plan.time_zone.name(),
        }),
    );
    repo.create_plan(&plan, &audit).await?;
    Ok(plan)
}

/// Opens or closes a plan.
///
/// # Errors
/// `Forbidden` unless the author owns the plan; `Rule` for a wrong status.
pub async fn set_plan_open<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    author: PlanAuthor<'_>,
    plan_id: PlanId,
    open: bool,
) -> Result<ReviewPlan, ServiceError<PlanError>> {
    let (org, actor) = match author {
        PlanAuthor::Staff(p) => (p.org_id, Actor::from(p)),
        PlanAuthor::Operator { name, .. } => (None, Actor::Operator(name)),
    };
    let now = clock.now();
    let r = repo
        .update_plan(plan_id, move |plan| {
            if org.is_some_and(|o| o != plan.organiser_id) {
                return Err(Err(()));
            }
            if open { plan.open() } else { plan.close() }.map_err(Ok)?;
            let action = if open { "plan.opened" } else { "plan.closed" };
            Ok((
                plan.clone(),
                AuditEvent::new(now, actor, action, "plan", plan.id.0),
            ))
        })
        .await;
    match r {
        Ok(p) => Ok(p),
        Err(zhicheng_kernel::TxError::Rejected(Err(()))) => Err(ServiceError::NotFound),
        Err(zhicheng_kernel::TxError::Rejected(Ok(e))) => Err(ServiceError::Rule(e)),
        Err(zhicheng_kernel::TxError::Store(e)) => Err(e.into()),
    }
}

/// An accepted catalog import: the new version and what changed.
#[derive(Debug, Clone)]
pub struct CatalogImported {
    pub catalog: Catalog,
    pub summary: ImportSummary,
}

/// 职称目录导入: extends the current catalog with the lines of an operator's file into a new
/// version (one transaction with its audit row). All or nothing.
///
/// # Errors
/// `Rule` listing every bad line (nothing imported), or `Unchanged` when the file adds
/// nothing; `Store(Conflict)` when another import made a version meanwhile.
pub async fn import_catalog<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    operator: String,
    source: &str,
    lines: Vec<ImportLine>,
) -> Result<CatalogImported, ServiceError<CatalogImportError>> {
    let now = clock.now();
    let mut summary = ImportSummary::default();
    let out = &mut summary;
    let r = repo
        .import_catalog(move |current| {
            let (next, s) = current.import(source, &lines, now)?;
            let audit = AuditEvent::new(
                now,
                Actor::Operator(operator),
                "catalog.imported",
                "catalog",
                catalog_object_id(),
            )
            .with_detail(serde_json::json!({
                "version": next.version, "source": next.source, "rows": s.rows,
                "series_added": s.series_added, "specialties_added": s.specialties_added,
                "specialties_renamed": s.specialties_renamed, "unchanged": s.unchanged,
            }));
            *out = s;
            Ok((next, audit))
        })
        .await;
    match r {
        Ok(catalog) => Ok(CatalogImported { catalog, summary }),
        Err(TxError::Rejected(e)) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

/// 申报数据导出: an operator takes every declaration of a plan out of the system. The audit
/// row (on the plan: format, rows, whether ID numbers are shown in full) is written before
/// any data is handed out.
///
/// # Errors
/// `NotFound` for an unknown plan.
pub async fn export_declarations<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    operator: String,
    plan_id: PlanId,
    format: &str,
    full_id: bool,
) -> Result<(ReviewPlan, Vec<Declaration>), ServiceError<std::convert::Infallible>> {
    let plan = repo
        .get_plan(plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let declarations = repo.list_declarations_for_plan(plan_id).await?;
    let audit = AuditEvent::new(
        clock.now(),
        Actor::Operator(operator),
        "declaration.exported",
        "plan",
        plan.id.0,
    )
    .with_detail(serde_json::json!({
        "format": format, "rows": declarations.len(), "full_id": full_id,
    }));
    repo.record_read(&audit).await?;
    Ok((plan, declarations))
}

/// The audit object id of the catalog (one catalog per installation).
pub fn catalog_object_id() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x6361_7461_6c6f_6700_0000_0000_0000_0001)
}

/// 承诺书发布: an operator publishes a new text of the commitment letter; everyone is asked
/// again on their next entry to the declaration module.
///
/// # Errors
/// `Rule` for an empty or unchanged text; `Store(Conflict)` when another text was published
/// meanwhile.
pub async fn publish_letter<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    operator: String,
    title: Option<String>,
    body: String,
) -> Result<CommitmentLetter, ServiceError<LetterError>> {
    let now = clock.now();
    let r = repo
        .publish_letter(move |current| {
            let next = current.next(title.as_deref(), &body, now)?;
            let audit = AuditEvent::new(
                now,
                Actor::Operator(operator),
                "commitment.published",
                "commitment_letter",
                letter_object_id(),
            )
            .with_detail(serde_json::json!({
                "version": next.version, "previous": current.version, "chars": next.body.chars().count(),
            }));
            Ok((next, audit))
        })
        .await;
    match r {
        Ok(l) => Ok(l),
        Err(TxError::Rejected(e)) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

/// The audit object id of the commitment letter (one letter per installation).
pub fn letter_object_id() -> uuid::Uuid {
    uuid::Uuid::from_u128(0x636f_6d6d_6974_6d65_6e74_0000_0000_0001)
}

/// The applicant accepts the letter in force (我同意).
///
/// # Errors
/// `Forbidden` unless the principal is an applicant.
pub async fn accept_commitment<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    principal: &Principal,
) -> Result<CommitmentAcceptance, ServiceError<std::convert::Infallible>> {
    let person = applicant(principal)?;
    let letter = repo.current_letter().await?;
    let now = clock.now();
    let acceptance = CommitmentAcceptance {
        person_id: person,
        letter_version: letter.version.clone(),
        accepted_at: now,
    };
    let audit = AuditEvent::new(
        now,
        Actor::from(principal),
        "commitment.accepted",
        "person",
        person.0,
    )
    .with_detail(serde_json::json!({ "letter_version": acceptance.letter_version }));
    repo.accept_commitment(&acceptance, &audit).await?;
    Ok(repo
        .get_commitment(person, &letter.version)
        .await?
        .unwrap_or(acceptance))
}

/// The letter in force and the applicant's acceptance of it, if any.
///
/// # Errors
/// `Forbidden` unless the principal is an applicant.
pub async fn commitment_state<D: DeclarationRepo>(
    repo: &D,
    principal: &Principal,
) -> Result<(CommitmentLetter, Option<CommitmentAcceptance>), ServiceError<std::convert::Infallible>>
{
    let person = applicant(principal)?;
    let letter = repo.current_letter().await?;
    let acceptance = repo.get_commitment(person, &letter.version).await?;
    Ok((letter, acceptance))
}

/// Whether the applicant must still see the commitment letter (never accepted, or the text
/// changed since).
///
/// # Errors
/// `Forbidden` unless the principal is an applicant.
pub async fn needs_commitment<D: DeclarationRepo>(
    repo: &D,
    principal: &Principal,
) -> Result<bool, ServiceError<std::convert::Infallible>> {
    Ok(commitment_state(repo, principal).await?.1.is_none())
}

/// Nothing in the declaration module works before the letter in force is accepted: `Ok` when
/// `person` accepted it, else the operation's commitment error.
///
/// # Errors
/// `Rule(CommitmentRequired)` when not accepted; `Store` when the store fails.
pub async fn require_commitment<D: DeclarationRepo, E: From<CommitmentRequired>>(
    repo: &D,
    person: zhicheng_kernel::PersonId,
) -> Result<(), ServiceError<E>> {
    let letter = repo.current_letter().await?;
    let acceptance = repo.get_commitment(person, &letter.version).await?;
    if letter.accepted_by(person, acceptance.as_ref()) {
        Ok(())
    } else {
        Err(ServiceError::Rule(CommitmentRequired.into()))
    }
}

fn applicant<E>(principal: &Principal) -> Result<zhicheng_kernel::PersonId, ServiceError<E>> {
    match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => Ok(p),
        _ => Err(ServiceError::Forbidden),
    }
}

/// A new declaration, parsed.
#[derive(Debug, Clone)]
pub struct NewDeclaration {
    pub plan_id: PlanId,
    pub unit_id: OrgId,
    pub level: TitleLevel,
    pub specialty: String,
    pub kind: DeclarationKind,
    /// Sections as typed (parsed here; a problem refuses the creation, naming the field).
    pub materials: RawMaterials,
}

/// 新增申报信息: starts a draft for this year's plan at the applicant's employer unit.
///
/// # Errors
/// `Forbidden` unless an applicant; `NotFound` for an unknown plan or unit; `Rule` otherwise.
pub async fn create_declaration<D: DeclarationRepo, I: IdentityRepo>(
    repo: &D,
    identity: &I,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    principal: &Principal,
    cmd: NewDeclaration,
) -> Result<Declaration, ServiceError<CreateDeclarationError>> {
    let person = applicant(principal)?;
    let catalog = repo.current_catalog().await?;
    let materials = cmd
        .materials
        .parse(&catalog)
        .map_err(|e| ServiceError::Rule(CreateDeclarationError::Materials(e)))?;
    let plan = repo
        .get_plan(cmd.plan_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let unit = identity
        .get_org(cmd.unit_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let letter = repo.current_letter().await?;
    let commitment = repo.get_commitment(person, &letter.version).await?;
    let now = clock.now();
    let d = Declaration::draft(
        DeclarationId(ids.new_id()),
        person,
        &unit,
        &plan,
        cmd.level,
        &cmd.specialty,
        cmd.kind,
        materials,
        commitment.as_ref(),
        &letter,
        &catalog,
        now,
    )
    .map_err(ServiceError::Rule)?;
    let audit = AuditEvent::new(
        now,
        Actor::from(principal),
        "declaration.created",
        "declaration",
        d.id.0,
    )
    .with_detail(
        serde_json::json!({ "plan": plan.id.0, "unit": unit.id.0, "level": d.level.as_str(), "kind": d.kind.as_str() }),
    );
    repo.create_declaration(&d, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Rule(CreateDeclarationError::AlreadyDeclared),
            e => e.into(),
        })?;
    Ok(d)
}

/// Saves every written section of the applicant's own draft (as typed; parsed here).
///
/// # Errors
/// `NotFound` for someone else's declaration; `Rule` when not a draft or a field is invalid.
pub async fn edit_declaration<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    principal: &Principal,
    id: DeclarationId,
    materials: RawMaterials,
) -> Result<Declaration, ServiceError<EditDeclarationError>> {
    require_commitment(repo, applicant(principal)?).await?;
    let catalog = repo.current_catalog().await?;
    let parsed = materials
        .parse(&catalog)
        .map_err(|e| ServiceError::Rule(EditDeclarationError::Materials(e)))?;
    edit_with(repo, clock, principal, id, "all", move |d| d.edit(parsed)).await
}

/// Saves the sections of a draft form section by section (one transaction): the given
/// sections that parse are saved, the others keep what was saved before; returns the
/// declaration and the problems of the sections not saved, each naming its field.
///
/// # Errors
/// `NotFound` for someone else's declaration; `Rule(NotDraft)` once submitted.
pub async fn save_draft<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    principal: &Principal,
    id: DeclarationId,
    sections: Vec<RawSection>,
) -> Result<(Declaration, Vec<zhicheng_kernel::FieldError>), ServiceError<EditDeclarationError>> {
    let person = applicant(principal)?;
    require_commitment(repo, person).await?;
    let catalog = repo.current_catalog().await?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let r = repo
        .update_declaration(id, move |d| {
            if d.person_id != person {
                return Err(None);
            }
            let problems = d.save_draft(sections, &catalog).map_err(Some)?;
            let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
            let audit = AuditEvent::new(now, actor, "declaration.edited", "declaration", d.id.0)
                .with_detail(serde_json::json!({ "section": "draft", "refused_fields": fields }));
            Ok(((d.clone(), problems), audit))
        })
        .await;
    match r {
        Ok(v) => Ok(v),
        Err(zhicheng_kernel::TxError::Rejected(None)) => Err(ServiceError::NotFound),
        Err(zhicheng_kernel::TxError::Rejected(Some(e))) => Err(ServiceError::Rule(e)),
        Err(zhicheng_kernel::TxError::Store(e)) => Err(e.into()),
    }
}

/// Saves one section of the applicant's own draft (as typed; parsed here). The other
/// sections stay as they are.
///
/// # Errors
/// `NotFound` for someone else's declaration; `Rule` when not a draft or a field is invalid
/// (every problem of the section at once, each naming its field).
pub async fn edit_section<D: DeclarationRepo>(
    repo: &D,
    clock: &dyn Clock,
    principal: &Principal,
    id: DeclarationId,
    section: RawSection,
) -> Result<Declaration, ServiceError<EditDeclarationError>> {
    let name = section.section().as_str();
    require_commitment(repo, applicant(principal)?).await?;
    let catalog = repo.current_catalog().await?;
    edit_with(repo, clock, principal, id, name, move |d| {
        d.edit_section(section, &catalog)
    })
    .await
}

async fn edit_with<D: DeclarationRepo, F>(
    repo: &D,
    clock: &dyn Clock,
    principal: &Principal,
    id: DeclarationId,
    section: &'static str,
    f: F,
) -> Result<Declaration, ServiceError<EditDeclarationError>>
where
    F: FnOnce(&mut Declaration) -> Result<(), EditDeclarationError> + Send,
{
    let person = applicant(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let r = repo
        .update_declaration(id, move |d| {
            if d.person_id != person {
                return Err(None);
            }
            f(d).map_err(Some)?;
            Ok((
                d.clone(),
                AuditEvent::new(now, actor, "declaration.edited", "declaration", d.id.0)
                    .with_detail(serde_json::json!({ "section": section })),
            ))
        })
        .await;
    match r {
        Ok(d) => Ok(d),
        Err(zhicheng_kernel::TxError::Rejected(None)) => Err(ServiceError::NotFound),
        Err(zhicheng_kernel::TxError::Rejected(Some(e))) => Err(ServiceError::Rule(e)),
        Err(zhicheng_kernel::TxError::Store(e)) => Err(e.into()),
    }
}

/// 一次性告知: everything still missing before the applicant's own declaration can be
/// submitted, all at once (empty when complete).
///
/// # Errors
/// `NotFound` when it does not exist or belongs to someone else.
pub async fn completeness<D: DeclarationRepo>(
    repo: &D,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Vec<zhicheng_kernel::FieldError>, ServiceError<std::convert::Infallible>> {
    Ok(get_own_declaration(repo, principal, id).await?.missing())
}

/// The field-level differences between the last two submitted versions.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VersionDiff {
    pub from: u32,
    pub to: u32,
    pub from_submitted_at: DateTime<Utc>,
    pub to_submitted_at: DateTime<Utc>,
    pub changes: Vec<FieldChange>,
}

/// The submitted versions of a declaration the principal may read, oldest first.
///
/// # Errors
/// `NotFound` out of reach.
pub async fn versions<R: DeclarationRepo + AttachmentRepo>(
    repo: &R,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Vec<DeclarationVersion>, ServiceError<std::convert::Infallible>> {
    let d = readable(repo, principal, id).await?;
    Ok(repo.list_versions(d.id).await?)
}

/// What changed between the last two submitted versions (`None` before a resubmission), for
/// the applicant and the reviewers the case has reached.
///
/// # Errors
/// `NotFound` out of reach.
pub async fn last_diff<R: DeclarationRepo + AttachmentRepo>(
    repo: &R,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Option<VersionDiff>, ServiceError<std::convert::Infallible>> {
    let all = versions(repo, principal, id).await?;
    let [.., old, new] = all.as_slice() else {
        return Ok(None);
    };
    Ok(Some(VersionDiff {
        from: old.number,
        to: new.number,
        from_submitted_at: old.submitted_at,
        to_submitted_at: new.submitted_at,
        changes: crate::materials::diff(&old.materials, &new.materials),
    }))
}

/// The applicant's own declaration.
///
/// # Errors
/// `NotFound` when it does not exist or belongs to someone else.
pub async fn get_own_declaration<D: DeclarationRepo>(
    repo: &D,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Declaration, ServiceError<std::convert::Infallible>> {
    let person = applicant(principal)?;
    repo.get_declaration(id)
        .await?
        .filter(|d| d.person_id == person)
        .ok_or(ServiceError::NotFound)
}

/// The applicant's declarations, newest first.
///
/// # Errors
/// `Forbidden` unless an applicant.
pub async fn my_declarations<D: DeclarationRepo>(
    repo: &D,
    principal: &Principal,
) -> Result<Vec<Declaration>, ServiceError<std::convert::Infallible>> {
    let person = applicant(principal)?;
    Ok(repo.list_declarations_for_person(person).await?)
}

pub use zhicheng_kernel::upload::ChunkSource;

/// An upload request, before its body is read.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub declaration_id: DeclarationId,
    pub section: String,
    pub file_name: String,
}

/// 上传附件: streams the body through the content and size checks into the blob store, then
/// records the attachment on the applicant's own draft (one transaction with its audit row).
/// Nothing is read from the body unless the declaration is the applicant's own draft; the
/// upload stops at the first chunk that breaks a rule.
///
/// # Errors
/// `NotFound` out of reach; `Rule` for a refused file (`is_too_large` → 413).
#[allow(clippy::too_many_arguments)]
pub async fn add_attachment<R, B, S>(
    repo: &R,
    blobs: &B,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    policy: &AttachmentPolicy,
    principal: &Principal,
    cmd: NewAttachment,
    body: &mut S,
) -> Result<Attachment, ServiceError<AddAttachmentError>>
where
    R: DeclarationRepo + AttachmentRepo,
    B: BlobStore,
    S: ChunkSource,
{
    let d = repo
        .get_declaration(cmd.declaration_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    match attachment::may_change(principal, &d) {
        None => return Err(ServiceError::NotFound),
        Some(Err(())) => return Err(ServiceError::Rule(AddAttachmentError::NotDraft)),
        Some(Ok(())) => {}
    }
    require_commitment(repo, d.person_id).await?;
    let section = Section::parse(&cmd.section).map_err(ServiceError::Rule)?;
    let name = FileName::parse(&cmd.file_name)
        .map_err(|e| ServiceError::Rule(AddAttachmentError::from(e)))?;
    let existing = repo.list_attachments(d.id).await?;
    let check = UploadCheck::new(policy, name, &existing).map_err(ServiceError::Rule)?;
    let checked = upload::receive(blobs, check.into_inner(), body)
        .await
        .map_err(|e| match e {
            upload::ReceiveError::File(f) => ServiceError::Rule(AddAttachmentError::from(f)),
            upload::ReceiveError::Store(s) => ServiceError::Store(s),
        })?;
    let now = clock.now();
    let id = AttachmentId(ids.new_id());
    let actor = Actor::from(principal);
    let by = principal.account_id;
    let policy = *policy;
    let r = repo
        .add_attachment(d.id, move |d, existing| {
            if attachment::may_change(principal, d).is_none() {
                return Err(None);
            }
            let a = attachment::attach(id, d, existing, &policy, section, &checked, by, now)
                .map_err(Some)?;
            let audit = AuditEvent::new(now, actor, "attachment.added", "declaration", d.id.0)
                .with_detail(serde_json::json!({
                    "attachment": a.id.0, "section": a.section.as_str(),
                    "file_name": a.file_name.as_str(), "kind": a.kind.as_str(),
                    "size": a.size, "sha256": a.sha256.as_str(),
                }));
            Ok((a, audit))
        })
        .await;
    match r {
        Ok(a) => Ok(a),
        Err(TxError::Rejected(None)) => Err(ServiceError::NotFound),
        Err(TxError::Rejected(Some(e))) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

/// 删除附件 from the applicant's own draft.
///
/// # Errors
/// `NotFound` out of reach; `Rule(NotDraft)` once submitted.
pub async fn remove_attachment<R: AttachmentRepo + DeclarationRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: AttachmentId,
) -> Result<Attachment, ServiceError<RemoveAttachmentError>> {
    if let Some(person) = principal
        .person_id
        .filter(|_| principal.role == Role::Applicant)
    {
        require_commitment(repo, person).await?;
    }
    let now = clock.now();
    let actor = Actor::from(principal);
    let r = repo
        .remove_attachment(id, move |d, a| match attachment::may_change(principal, d) {
            None => Err(None),
            Some(Err(())) => Err(Some(RemoveAttachmentError::NotDraft)),
            Some(Ok(())) => {
                Ok(
                    AuditEvent::new(now, actor, "attachment.removed", "declaration", d.id.0)
                        .with_detail(serde_json::json!({
                            "attachment": a.id.0, "file_name": a.file_name.as_str(),
                            "sha256": a.sha256.as_str(),
                        })),
                )
            }
        })
        .await;
    match r {
        Ok(a) => Ok(a),
        Err(TxError::Rejected(None)) | Err(TxError::Store(StoreError::NotFound)) => {
            Err(ServiceError::NotFound)
        }
        Err(TxError::Rejected(Some(e))) => Err(ServiceError::Rule(e)),
        Err(TxError::Store(e)) => Err(e.into()),
    }
}

async fn readable<R: DeclarationRepo + AttachmentRepo>(
    repo: &R,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Declaration, ServiceError<std::convert::Infallible>> {
    let d = repo
        .get_declaration(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let trail = if principal.role == Role::Applicant {
        None
    } else {
        repo.case_trail(id).await?
    };
    if attachment::may_read(principal, &d, trail.as_ref()) {
        Ok(d)
    } else {
        Err(ServiceError::NotFound)
    }
}

/// A declaration the principal may read: the applicant's own, or one whose case has reached
/// the principal's organisation (the same rule as its attachments).
///
/// # Errors
/// `NotFound` out of reach.
pub async fn get_readable_declaration<R: DeclarationRepo + AttachmentRepo>(
    repo: &R,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Declaration, ServiceError<std::convert::Infallible>> {
    readable(repo, principal, id).await
}

/// The attachments of a declaration the principal may see, oldest first.
///
/// # Errors
/// `NotFound` out of reach.
pub async fn list_attachments<R: DeclarationRepo + AttachmentRepo>(
    repo: &R,
    principal: &Principal,
    id: DeclarationId,
) -> Result<Vec<Attachment>, ServiceError<std::convert::Infallible>> {
    let d = readable(repo, principal, id).await?;
    Ok(repo.list_attachments(d.id).await?)
}

/// 下载附件: the record and its bytes, for the applicant and the organisations the case has
/// reached.
///
/// # Errors
/// `NotFound` out of reach or when the blob is missing (logged by the caller as a store fault).
pub async fn download_attachment<R: DeclarationRepo + AttachmentRepo, B: BlobStore>(
    repo: &R,
    blobs: &B,
    principal: &Principal,
    id: AttachmentId,
) -> Result<(Attachment, Vec<u8>), ServiceError<std::convert::Infallible>> {
    let a = repo
        .get_attachment(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    readable(repo, principal, a.declaration_id).await?;
    let bytes = blobs.get(&a.sha256).await?.ok_or_else(|| {
        ServiceError::Store(StoreError::Unavailable(format!(
            "blob {} of attachment {} is missing",
            a.sha256, a.id
        )))
    })?;
    Ok((a, bytes))
}
