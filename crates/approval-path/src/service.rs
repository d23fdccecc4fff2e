//! Approval-path use cases.

use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, Clock, IdGen, OrgId, PathLinkId, Principal, Role, SeriesCode, ServiceError,
    StoreError, TitleLevel, TxError,
};

use crate::PathLink;
use crate::link::{DecidePathError, RequestPathError, RevokePathError};
use crate::ports::PathRepo;
use crate::route::{GapNames, MAX_HOPS, Route, RouteError};

fn staff_org<E>(p: &Principal) -> Result<OrgId, ServiceError<E>> {
    match p.role {
        Role::UnitAdmin | Role::DeptOperator | Role::HrBureau | Role::CommitteeOrganiser => {
            p.org_id.ok_or(ServiceError::Forbidden)
        }
        Role::Applicant => Err(ServiceError::Forbidden),
    }
}

/// A unit or department requests a path for (series, level) to an upper organisation.
///
/// # Errors
/// `NotFound` for an unknown parent; `Rule` when the rule refuses.
pub async fn request_path<P: PathRepo, I: IdentityRepo>(
    paths: &P,
    identity: &I,
    clock: &dyn Clock,
    ids: &dyn IdGen,
    principal: &Principal,
    series: SeriesCode,
    level: TitleLevel,
    parent_id: OrgId,
) -> Result<PathLink, ServiceError<RequestPathError>> {
    let org_id = staff_org(principal)?;
    let org = identity
        .get_org(org_id)
        .await?
        .ok_or(ServiceError::Forbidden)?;
    let parent = identity
        .get_org(parent_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let now = clock.now();
    let link = PathLink::request(PathLinkId(ids.new_id()), &org, series, level, &parent, now)
        .map_err(ServiceError::Rule)?;
    let audit = AuditEvent::new(now, Actor::from(principal), "path.requested", "path_link", link.id.0).with_detail(
        serde_json::json!({ "series": link.series.as_str(), "level": link.level.as_str(), "parent": parent.id.0 }),
    );
    paths
        .create_link(&link, &audit)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate(_) => ServiceError::Rule(RequestPathError::AlreadyExists),
            e => e.into(),
        })?;
    Ok(link)
}

/// The upper organisation approves or rejects a path request addressed to it.
///
/// # Errors
/// `NotFound` when the link is not addressed to the principal's organisation.
pub async fn decide_path<P: PathRepo>(
    paths: &P,
    clock: &dyn Clock,
    principal: &Principal,
    id: PathLinkId,
    approve: bool,
    note: Option<String>,
) -> Result<PathLink, ServiceError<DecidePathError>> {
    let org_id = staff_org(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    paths
        .update_link(id, move |link| {
            if link.parent_id != org_id {
                return Err(None);
            }
            let status = link.decide(org_id, approve, note, now).map_err(Some)?;
            let audit = AuditEvent::new(now, actor, "path.decided", "path_link", link.id.0)
                .with_detail(serde_json::json!({ "result": status.as_str(), "note": link.note }));
            Ok((link.clone(), audit))
        })
        .await
        .map_err(|e| match e {
            TxError::Rejected(None) => ServiceError::NotFound,
            TxError::Rejected(Some(e)) => ServiceError::Rule(e),
            TxError::Store(e) => e.into(),
        })
}

/// Links the principal's organisation requested, and links addressed to it.
///
/// # Errors
/// Only storage failures, or `Forbidden` for applicants.
pub async fn my_links<P: PathRepo>(
    paths: &P,
    principal: &Principal,
) -> Result<(Vec<PathLink>, Vec<PathLink>), ServiceError<std::convert::Infallible>> {
    let org_id = staff_org(principal)?;
    Ok((
        paths.list_links_from(org_id).await?,
        paths.list_links_to(org_id).await?,
    ))
}

/// The parent revokes an approved link addressed to it, with a reason.
///
/// # Errors
/// `NotFound` when the link is not addressed to the principal's organisation; `Rule` when it
/// is not approved or the reason is blank.
pub async fn revoke_path<P: PathRepo>(
    paths: &P,
    clock: &dyn Clock,
    principal: &Principal,
    id: PathLinkId,
    reason: String,
) -> Result<PathLink, ServiceError<RevokePathError>> {
    let org_id = staff_org(principal)?;
    let now = clock.now();
    let actor = Actor::from(principal);
    paths
        .update_link(id, move |link| {
            if link.parent_id != org_id {
                return Err(None);
            }
            link.revoke(org_id, &reason, now).map_err(Some)?;
            let audit = AuditEvent::new(now, actor, "path.revoked", "path_link", link.id.0)
                .with_detail(serde_json::json!({ "reason": reason.trim() }));
            Ok((link.clone(), audit))
        })
        .await
        .map_err(|e| match e {
            TxError::Rejected(None) => ServiceError::NotFound,
            TxError::Rejected(Some(e)) => ServiceError::Rule(e),
            TxError::Store(e) => e.into(),
        })
}

/// A link and its history (request, decision, revocation), for either side of it.
///
/// # Errors
/// `NotFound` when the principal's organisation is neither side of the link.
pub async fn link_history<P: PathRepo>(
    paths: &P,
    principal: &Principal,
    id: PathLinkId,
) -> Result<(PathLink, Vec<AuditEvent>), ServiceError<std::convert::Infallible>> {
    let org_id = staff_org(principal)?;
    let link = paths
        .get_link(id)
        .await?
        .filter(|l| l.org_id == org_id || l.parent_id == org_id)
        .ok_or(ServiceError::NotFound)?;
    let events = paths.link_history(id).await?;
    Ok((link, events))
}

/// The current link leaving `org` for (series, level): approved, else pending, else newest.
///
/// # Errors
/// Storage failures.
pub async fn current_link<P: PathRepo>(
    paths: &P,
    org: OrgId,
    series: &SeriesCode,
    level: TitleLevel,
) -> Result<Option<PathLink>, StoreError> {
    if let Some(l) = paths.find_approved_link(org, series, level).await? {
        return Ok(Some(l));
    }
    let all = paths.list_links_from(org).await?;
    Ok(crate::route::current_link(
        all.iter()
            .filter(|l| &l.series == series && l.level == level),
    )
    .cloned())
}

/// Fills in the organisation names of a route refusal.
///
/// # Errors
/// Storage failures.
pub async fn name_gap<I: IdentityRepo>(
    identity: &I,
    e: RouteError,
) -> Result<RouteError, StoreError> {
    match e {
        RouteError::NoApprovedPath { at, gap, .. } => {
            let at_name = identity
                .get_org(at)
                .await?
                .map(|o| o.name.as_str().to_owned());
            let parent_name = match gap.parent() {
                Some(p) => identity
                    .get_org(p)
                    .await?
                    .map(|o| o.name.as_str().to_owned()),
                None => None,
            };
            Ok(RouteError::NoApprovedPath {
                at,
                gap,
                names: GapNames {
                    at: at_name,
                    parent: parent_name,
                },
            })
        }
        e => Ok(e),
    }
}

/// Resolves the approved route from `start` for (series, level).
///
/// # Errors
/// [`RouteError`] wrapped in `Rule` when the route is incomplete: it names the organisation
/// whose link is missing, pending, rejected or revoked, and the one that must act.
pub async fn resolve_route<P: PathRepo, I: IdentityRepo>(
    paths: &P,
    identity: &I,
    start: OrgId,
    series: &SeriesCode,
    level: TitleLevel,
) -> Result<Route, ServiceError<RouteError>> {
    // Gather the chain hop by hop (at most MAX_HOPS lookups), then let the pure rule judge it.
    let mut found: Vec<PathLink> = Vec::new();
    let mut at = start;
    for _ in 0..=MAX_HOPS {
        let Some(link) = current_link(paths, at, series, level).await? else {
            break;
        };
        let done = link.status != crate::LinkStatus::Approved
            || link.parent_is_receiver
            || found.iter().any(|l| l.org_id == link.parent_id);
        at = link.parent_id;
        found.push(link);
        if done {
            break;
        }
    }
    match crate::route::resolve(start, |o| found.iter().find(|l| l.org_id == o).cloned()) {
        Ok(r) => Ok(r),
        Err(e) => Err(ServiceError::Rule(name_gap(identity, e).await?)),
    }
}
