//! Use cases of name correction requests (姓名更正申请) and of the person's own edit of their
//! basic data, which can never change the name or the ID number.

use zhicheng_kernel::upload::{
    self, BlobStore, CheckedUpload, ChunkSource, FileName, ReceiveError, UploadCheck, UploadLimits,
};
use zhicheng_kernel::{
    Actor, AuditEvent, Clock, IdGen, OrgId, Principal, Role, ServiceError, StoreError, TxError,
};

use crate::correction::{
    CorrectionAsk, CorrectionStatus, DecideCorrectionError, NameCorrection, RequestCorrectionError,
};
use crate::person::{ProfileEdit, ProfileEditError};
use crate::ports::IdentityRepo;
use crate::{OrgKind, Organisation, Person, PersonName};

/// The person's own edit of their basic data (基本信息): ethnicity; name and ID number only
/// unchanged.
///
/// # Errors
/// [`ProfileEditError`]; `Forbidden` for anyone but an applicant (bureaus included).
pub async fn edit_profile<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    edit: ProfileEdit,
) -> Result<Person, ServiceError<ProfileEditError>> {
    let person = match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => p,
        _ => return Err(ServiceError::Forbidden),
    };
    let now = clock.now();
    let actor = Actor::from(principal);
    Ok(repo
        .update_person(person, move |p: &mut Person| {
            let changes = p.edit_profile(&edit)?;
            let changes: Vec<_> = changes
                .into_iter()
                .map(|(f, old, new)| serde_json::json!({ "field": f, "old": old, "new": new }))
                .collect();
            let audit = AuditEvent::new(now, actor, "person.profile_edited", "person", p.id.0)
                .with_detail(serde_json::json!({ "changes": changes }));
            Ok((p.clone(), audit))
        })
        .await?)
}

/// A name correction request as the person fills it in; the evidence file follows.
#[derive(Debug, Clone)]
pub struct CorrectionForm {
    pub unit: OrgId,
    pub new_name: PersonName,
    pub reason: String,
    /// An optional description of the evidence.
    pub evidence: String,
}

/// The evidence file of a request: its name as sent and its bytes, streamed.
pub struct EvidenceUpload<'a, S: ChunkSource> {
    pub file_name: String,
    pub body: &'a mut S,
}

/// A person requests a correction of their legal name, naming their unit, with a reason and
/// an evidence file (PDF, JPEG or PNG up to `max_file_bytes`). One pending request at a time.
///
/// Everything but the file is checked first, so a refused request reads nothing of it; the
/// file streams through the kernel's [`UploadCheck`] into `blobs` and is kept only when it
/// passed; the request and its audit row are then written in one transaction.
///
/// # Errors
/// [`RequestCorrectionError`] (`NoEvidence` without a file, `File` for a refused one);
/// `Forbidden` for anyone but an applicant.
#[allow(clippy::too_many_arguments)]
pub async fn request_name_correction<R: IdentityRepo, B: BlobStore, S: ChunkSource>(
    repo: &R,
    blobs: &B,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    max_file_bytes: u64,
    principal: &Principal,
    form: CorrectionForm,
    file: Option<EvidenceUpload<'_, S>>,
) -> Result<NameCorrection, ServiceError<RequestCorrectionError>> {
    let person_id = match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => p,
        _ => return Err(ServiceError::Forbidden),
    };
    let person = repo
        .get_person(person_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let unit = repo
        .get_org(form.unit)
        .await?
        .ok_or(ServiceError::Rule(RequestCorrectionError::NoSuchUnit))?;
    let ask = CorrectionAsk::check(
        &person.name,
        &unit,
        form.new_name,
        &form.reason,
        &form.evidence,
    )
    .map_err(ServiceError::Rule)?;
    if !repo
        .list_name_corrections(Some(person.id), Some(CorrectionStatus::Pending))
        .await?
        .is_empty()
    {
        return Err(ServiceError::Rule(RequestCorrectionError::AlreadyPending));
    }
    let file = file.ok_or(ServiceError::Rule(RequestCorrectionError::NoEvidence))?;
    let stored = receive_evidence(blobs, max_file_bytes, &file.file_name, file.body).await?;
    let now = clock.now();
    let c = NameCorrection::request(
        ids.new_id(),
        person.id,
        &person.name,
        &unit,
        ask,
        stored,
        now,
    );
    let audit = AuditEvent::new(
        now,
        Actor::from(principal),
        "name_correction.requested",
        "name_correction",
        c.id,
    )
    .with_detail(serde_json::json!({
        "person": person.id.0, "unit": unit.id.0,
        "old_name": c.old_name.as_str(), "new_name": c.new_name.as_str(),
        "evidence_file": c.evidence_file.as_ref().map(|f| serde_json::json!({
            "file_name": f.file_name.as_str(), "kind": f.kind.as_str(),
            "size": f.size, "sha256": f.sha256.as_str(),
        })),
    }));
    repo.create_name_correction(&c, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Rule(RequestCorrectionError::AlreadyPending),
            e => ServiceError::Store(e),
        })?;
    Ok(c)
}

/// Streams an evidence file through the general file rules into the blob store.
async fn receive_evidence<B: BlobStore, S: ChunkSource>(
    blobs: &B,
    max_file_bytes: u64,
    file_name: &str,
    body: &mut S,
) -> Result<CheckedUpload, ServiceError<RequestCorrectionError>> {
    let refused = |e| ServiceError::Rule(RequestCorrectionError::File(e));
    let name = FileName::parse(file_name).map_err(refused)?;
    let check = UploadCheck::new(name, UploadLimits::single(max_file_bytes)).map_err(refused)?;
    upload::receive(blobs, check, body)
        .await
        .map_err(|e| match e {
            ReceiveError::File(f) => refused(f),
            ReceiveError::Store(s) => ServiceError::Store(s),
        })
}

/// The evidence file of a request with its bytes, for the person and the HR bureau that
/// decides it; anyone else (and a request without a file) gets `NotFound`.
///
/// # Errors
/// `NotFound` out of reach; `Store` when the blob is missing.
pub async fn evidence_file<R: IdentityRepo, B: BlobStore>(
    repo: &R,
    blobs: &B,
    principal: &Principal,
    id: uuid::Uuid,
) -> Result<(CheckedUpload, Vec<u8>), ServiceError<std::convert::Infallible>> {
    let c = repo
        .get_name_correction(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let (unit, bureau) = if principal.role == Role::HrBureau {
        let bureau = match principal.org_id {
            Some(b) => repo.get_org(b).await?,
            None => None,
        };
        (repo.get_org(c.unit_id).await?, bureau)
    } else {
        (None, None)
    };
    if !c.visible_to(principal, unit.as_ref(), bureau.as_ref()) {
        return Err(ServiceError::NotFound);
    }
    let file = c.evidence_file.ok_or(ServiceError::NotFound)?;
    let bytes = blobs.get(&file.sha256).await?.ok_or_else(|| {
        ServiceError::Store(StoreError::Unavailable(format!(
            "blob {} of name correction {id} is missing",
            file.sha256
        )))
    })?;
    Ok((file, bytes))
}

/// The signed-in person's requests, newest first.
///
/// # Errors
/// `Forbidden` for anyone but an applicant.
pub async fn my_name_corrections<R: IdentityRepo>(
    repo: &R,
    principal: &Principal,
) -> Result<Vec<NameCorrection>, ServiceError<std::convert::Infallible>> {
    let person = match (principal.role, principal.person_id) {
        (Role::Applicant, Some(p)) => p,
        _ => return Err(ServiceError::Forbidden),
    };
    Ok(repo.list_name_corrections(Some(person), None).await?)
}

/// The requests a bureau decides (the person's unit lies in its jurisdiction), newest first,
/// with the unit; `pending_only` keeps the waiting ones.
///
/// # Errors
/// `Forbidden` for anyone but HR bureau staff.
pub async fn bureau_name_corrections<R: IdentityRepo>(
    repo: &R,
    principal: &Principal,
    pending_only: bool,
) -> Result<Vec<(NameCorrection, Organisation)>, ServiceError<std::convert::Infallible>> {
    let bureau_id = principal
        .org_as(Role::HrBureau)
        .ok_or(ServiceError::Forbidden)?;
    let bureau = repo
        .get_org(bureau_id)
        .await?
        .ok_or(ServiceError::Forbidden)?;
    let units: std::collections::HashMap<OrgId, Organisation> = repo
        .list_orgs(Some(OrgKind::EmployerUnit))
        .await?
        .into_iter()
        .filter(|u| u.in_jurisdiction_of(&bureau))
        .map(|u| (u.id, u))
        .collect();
    let status = pending_only.then_some(CorrectionStatus::Pending);
    Ok(repo
        .list_name_corrections(None, status)
        .await?
        .into_iter()
        .filter_map(|c| units.get(&c.unit_id).cloned().map(|u| (c, u)))
        .collect())
}

/// The HR bureau covering the person's unit approves (renaming the person, in the same
/// transaction) or rejects (with a reason) a request; both rows are audited with old and new
/// name.
///
/// # Errors
/// [`DecideCorrectionError`]; `NotFound` for a request outside the bureau's jurisdiction.
pub async fn decide_name_correction<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    id: uuid::Uuid,
    approve: bool,
    note: Option<String>,
) -> Result<NameCorrection, ServiceError<DecideCorrectionError>> {
    let bureau_id = principal
        .org_as(Role::HrBureau)
        .ok_or(ServiceError::Forbidden)?;
    let bureau = repo
        .get_org(bureau_id)
        .await?
        .ok_or(ServiceError::Forbidden)?;
    let c = repo
        .get_name_correction(id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let unit = repo
        .get_org(c.unit_id)
        .await?
        .filter(|u| c.decided_by_bureau(u, &bureau))
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let by = principal.account_id;
    repo.decide_name_correction(id, move |c: &mut NameCorrection, p: &mut Person| {
        let old = c.decide(p, &unit, &bureau, by, approve, note, now)?;
        let mut audit = vec![
            AuditEvent::new(
                now,
                actor.clone(),
                "name_correction.decided",
                "name_correction",
                c.id,
            )
            .with_detail(serde_json::json!({
                "result": c.status.as_str(), "note": c.decision_note,
                "old_name": c.old_name.as_str(), "new_name": c.new_name.as_str(),
            })),
        ];
        if let Some(old) = old {
            audit.push(
                AuditEvent::new(now, actor, "person.renamed", "person", p.id.0).with_detail(
                    serde_json::json!({
                        "old_name": old.as_str(), "new_name": p.name.as_str(),
                        "via": "name_correction", "request": c.id,
                        "id_number": p.id_number.masked(),
                    }),
                ),
            );
        }
        Ok((c.clone(), audit))
    })
    .await
    .map_err(|e| match e {
        TxError::Rejected(DecideCorrectionError::OutsideJurisdiction) => ServiceError::NotFound,
        e => e.into(),
    })
}
