//! Use cases of named operator accounts (单位经办人): create, list, disable, re-enable.

use zhicheng_kernel::{
    AccountId, Actor, AuditEvent, Clock, IdGen, Principal, ServiceError, StoreError,
};

use crate::ports::{IdentityRepo, PasswordHasher};
use crate::staff::{NewOperator, StaffError};
use crate::{Account, Organisation};

/// The signed-in administrator's account and organisation.
async fn administrator<R: IdentityRepo>(
    repo: &R,
    principal: &Principal,
) -> Result<(Account, Organisation), ServiceError<StaffError>> {
    let account = repo
        .get_account(principal.account_id)
        .await?
        .ok_or(ServiceError::Forbidden)?;
    if !account.manages_staff() {
        return Err(ServiceError::Rule(StaffError::NotAdministrator));
    }
    let org_id = account.org_id.ok_or(ServiceError::Forbidden)?;
    let org = repo.get_org(org_id).await?.ok_or(ServiceError::NotFound)?;
    Ok((account, org))
}

/// The administrator creates a named operator account for a staff member of the
/// organisation. The operator acts in the organisation's role under their own account.
///
/// # Errors
/// [`StaffError`] when the principal is not the administrator or the username is taken.
pub async fn create_operator<R: IdentityRepo, H: PasswordHasher>(
    repo: &R,
    hasher: &H,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    principal: &Principal,
    cmd: NewOperator,
) -> Result<Account, ServiceError<StaffError>> {
    let (admin, org) = administrator(repo, principal).await?;
    let now = clock.now();
    let account = Account {
        id: AccountId(ids.new_id()),
        username: cmd.username,
        password_hash: hasher.hash(cmd.password).await,
        role: org.kind.staff_role(),
        person_id: None,
        org_id: Some(org.id),
        failed_attempts: 0,
        locked_until: None,
        display_name: Some(cmd.name),
        mobile: Some(cmd.mobile),
        operator: true,
        disabled: false,
        // The administrator chose the initial password: the operator changes it first.
        must_change_password: true,
        created_at: now,
        version: 1,
    };
    let audit = AuditEvent::new(
        now,
        Actor::Account(admin.id),
        "account.operator_created",
        "account",
        account.id.0,
    )
    .with_detail(serde_json::json!({
        "org": org.id.0, "username": account.username.as_str(),
        "name": account.display_name.as_ref().map(|n| n.as_str().to_owned()),
        "mobile": account.mobile.as_ref().map(crate::MobileNumber::masked),
    }));
    repo.create_account(&account, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Rule(StaffError::UsernameTaken),
            e => ServiceError::Store(e),
        })?;
    Ok(account)
}

/// The staff accounts of the administrator's organisation, administrator first.
///
/// # Errors
/// [`StaffError::NotAdministrator`] for anyone else.
pub async fn list_staff<R: IdentityRepo>(
    repo: &R,
    principal: &Principal,
) -> Result<Vec<Account>, ServiceError<StaffError>> {
    let (admin, _) = administrator(repo, principal).await?;
    let org = admin.org_id.ok_or(ServiceError::Forbidden)?;
    Ok(repo.list_accounts_of_org(org).await?)
}

/// The administrator disables (ending its sessions in the same transaction) or re-enables an
/// operator account.
///
/// # Errors
/// [`StaffError`]; `NotFound` for an unknown account.
pub async fn set_operator_disabled<R: IdentityRepo>(
    repo: &R,
    clock: &dyn Clock,
    principal: &Principal,
    operator: AccountId,
    disabled: bool,
) -> Result<Account, ServiceError<StaffError>> {
    let (admin, _) = administrator(repo, principal).await?;
    let now = clock.now();
    let action = if disabled {
        "account.operator_disabled"
    } else {
        "account.operator_enabled"
    };
    let f = move |a: &mut Account| {
        a.set_disabled_by(&admin, disabled)?;
        let audit = AuditEvent::new(now, Actor::Account(admin.id), action, "account", a.id.0)
            .with_detail(serde_json::json!({ "username": a.username.as_str() }));
        Ok((a.clone(), audit))
    };
    let r = if disabled {
        repo.update_account_ending_sessions(operator, f).await
    } else {
        repo.update_account(operator, f).await
    };
    r.map_err(|e| match e {
        // Another organisation's account is out of reach.
        zhicheng_kernel::TxError::Rejected(StaffError::NotYourOperator) => ServiceError::NotFound,
        e => e.into(),
    })
}
