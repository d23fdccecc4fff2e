//! Use cases of name correction requests (姓名更正申请) and of the person's own edit of their
//! basic data, which can never change the name or the ID number.

use zhicheng_kernel::{
    Actor, AuditEvent, Clock, IdGen, OrgId, Principal, Role, ServiceError, StoreError, TxError,
};

use crate::correction::{
    CorrectionStatus, DecideCorrectionError, NameCorrection, RequestCorrectionError,
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

#[allow(clippy::too_many_arguments)]
/// A person requests a correction of their legal name, naming their unit, with a reason and
/// evidence. One pending request at a time.
///
/// # Errors
/// [`RequestCorrectionError`]; `Forbidden` for anyone but an applicant.
pub async fn request_name_correction<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    principal: &Principal,
    unit: OrgId,
    new_name: PersonName,
    reason: &str,
    evidence: &str,
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
        .get_org(unit)
        .await?
        .ok_or(ServiceError::Rule(RequestCorrectionError::NoSuchUnit))?;
    let now = clock.now();
    let c = NameCorrection::request(
        ids.new_id(),
        person.id,
        &person.name,
        &unit,
        new_name,
        reason,
        evidence,
        now,
    )
    .map_err(ServiceError::Rule)?;
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
    }));
    repo.create_name_correction(&c, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Rule(RequestCorrectionError::AlreadyPending),
            e => ServiceError::Store(e),
        })?;
    Ok(c)
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
