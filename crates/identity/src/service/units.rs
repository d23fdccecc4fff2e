//! Use cases of an HR bureau managing the employer units in its jurisdiction (单位管理): list
//! them, reset a unit administrator's password, correct unit data including the name; and the
//! unit's own edit of its contact data, which cannot change the registered name.
//! Who is in whose jurisdiction is [`Organisation::in_jurisdiction_of`].

use zhicheng_kernel::{
    AccountId, Actor, AuditEvent, Clock, OrgId, Principal, Role, ServiceError, StoreError, TxError,
};

use crate::org::{Change, CorrectUnitError, EditUnitError, UnitCorrection};
use crate::ports::{IdentityRepo, PasswordHasher};
use crate::{Account, MobileNumber, OrgKind, Organisation, Password};

/// The HR bureau the principal works for.
async fn bureau_of<R: IdentityRepo, E>(
    repo: &R,
    principal: &Principal,
) -> Result<Organisation, ServiceError<E>> {
    let id = principal
        .org_as(Role::HrBureau)
        .ok_or(ServiceError::Forbidden)?;
    repo.get_org(id).await?.ok_or(ServiceError::Forbidden)
}

/// A unit in the bureau's jurisdiction; anything else is out of reach (`NotFound`).
async fn unit_in_reach<R: IdentityRepo, E>(
    repo: &R,
    bureau: &Organisation,
    unit: OrgId,
) -> Result<Organisation, ServiceError<E>> {
    repo.get_org(unit)
        .await?
        .filter(|u| u.kind == OrgKind::EmployerUnit && u.in_jurisdiction_of(bureau))
        .ok_or(ServiceError::NotFound)
}

/// A unit with its administrator account (if any), as a bureau sees it.
#[derive(Debug, Clone)]
pub struct ManagedUnit {
    pub unit: Organisation,
    pub admin: Option<Account>,
    pub operators: usize,
}

/// The employer units in the bureau's jurisdiction, by name, with their administrators.
///
/// # Errors
/// `Forbidden` for anyone but HR bureau staff.
pub async fn units_in_jurisdiction<R: IdentityRepo>(
    repo: &R,
    principal: &Principal,
) -> Result<Vec<ManagedUnit>, ServiceError<std::convert::Infallible>> {
    let bureau = bureau_of(repo, principal).await?;
    let mut out = Vec::new();
    for unit in repo.list_orgs(Some(OrgKind::EmployerUnit)).await? {
        if !unit.in_jurisdiction_of(&bureau) {
            continue;
        }
        let staff = repo.list_accounts_of_org(unit.id).await?;
        let operators = staff.iter().filter(|a| a.operator).count();
        let admin = staff.into_iter().find(|a| !a.operator);
        out.push(ManagedUnit {
            unit,
            admin,
            operators,
        });
    }
    Ok(out)
}

/// The bureau resets the password of a unit administrator in its jurisdiction to a one-time
/// password drawn by the adapter (shown once to the bureau), clears the lock and ends every
/// session of the account — in one transaction, audited. The administrator must change the
/// one-time password at the next sign-in.
///
/// # Errors
/// `Forbidden` for anyone but HR bureau staff; `NotFound` for a unit outside the jurisdiction
/// or without an administrator.
pub async fn reset_unit_admin_password<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    principal: &Principal,
    unit: OrgId,
    one_time: Password,
) -> Result<Account, ServiceError<std::convert::Infallible>> {
    let bureau = bureau_of(repo, principal).await?;
    let unit = unit_in_reach(repo, &bureau, unit).await?;
    let admin = repo
        .list_accounts_of_org(unit.id)
        .await?
        .into_iter()
        .find(|a| !a.operator)
        .ok_or(ServiceError::NotFound)?;
    // The adapter's random password must still pass the policy for this account.
    let one_time =
        Password::parse(one_time.expose(), &[admin.username.as_str()]).map_err(|_| {
            ServiceError::Store(StoreError::Unavailable("weak one-time password".into()))
        })?;
    let hash = hasher.hash(one_time).await;
    let now = clock.now();
    let actor = Actor::from(principal);
    let (bureau_id, unit_id) = (bureau.id, unit.id);
    Ok(repo
        .update_account_ending_sessions(admin.id, move |a: &mut Account| {
            a.set_password_by_other(hash);
            a.unlock();
            let audit = AuditEvent::new(
                now,
                actor,
                "account.password_reset_by_bureau",
                "account",
                a.id.0,
            )
            .with_detail(serde_json::json!({
                "bureau": bureau_id.0, "unit": unit_id.0, "username": a.username.as_str(),
                "lock_cleared": true, "sessions_ended": true,
            }));
            Ok::<_, std::convert::Infallible>((a.clone(), audit))
        })
        .await?)
}

/// The bureau corrects a unit's data (name, region, credit code) with a reason; the audit row
/// keeps the old and the new values.
///
/// # Errors
/// [`CorrectUnitError`]; `NotFound` for a unit outside the jurisdiction.
pub async fn correct_unit<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    unit: OrgId,
    correction: UnitCorrection,
) -> Result<(Organisation, Vec<Change>), ServiceError<CorrectUnitError>> {
    let bureau = bureau_of(repo, principal).await?;
    unit_in_reach::<_, CorrectUnitError>(repo, &bureau, unit).await?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let reason = correction.reason.trim().to_owned();
    repo.update_org(unit, move |o: &mut Organisation| {
        let changes = o.correct_by_bureau(&bureau, &correction)?;
        let audit = AuditEvent::new(now, actor, "org.corrected", "organisation", o.id.0)
            .with_detail(serde_json::json!({
                "bureau": bureau.id.0, "reason": reason, "changes": changes,
            }));
        Ok(((o.clone(), changes), audit))
    })
    .await
    .map_err(|e| match e {
        TxError::Rejected(CorrectUnitError::OutsideJurisdiction) => ServiceError::NotFound,
        e => e.into(),
    })
}

/// A unit's own edit of its data (单位信息): the contact mobile, kept on the signed-in staff
/// account. The registered name may be sent but not changed.
///
/// # Errors
/// [`EditUnitError::NameImmutable`] for a changed name; `Forbidden` for anyone but unit staff.
pub async fn edit_own_unit<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    name: Option<&str>,
    contact_mobile: Option<MobileNumber>,
) -> Result<(Organisation, Account), ServiceError<EditUnitError>> {
    let org_id = principal
        .org_as(Role::UnitAdmin)
        .ok_or(ServiceError::Forbidden)?;
    let org = repo.get_org(org_id).await?.ok_or(ServiceError::NotFound)?;
    org.check_unit_edit(name).map_err(ServiceError::Rule)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    let account: AccountId = principal.account_id;
    let updated = repo
        .update_account(account, move |a: &mut Account| {
            let old = a.mobile.as_ref().map(MobileNumber::masked);
            if contact_mobile.is_some() {
                a.mobile = contact_mobile;
            }
            let audit = AuditEvent::new(now, actor, "account.contact_updated", "account", a.id.0)
                .with_detail(serde_json::json!({
                    "old_mobile": old, "new_mobile": a.mobile.as_ref().map(MobileNumber::masked),
                }));
            Ok::<_, EditUnitError>((a.clone(), audit))
        })
        .await?;
    Ok((org, updated))
}
