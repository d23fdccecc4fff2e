//! Approval-path use cases.

use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, Clock, IdGen, OrgId, PathLinkId, Principal, Role, SeriesCode, ServiceError,
    StoreError, TitleLevel, TxError,
};

use crate::PathLink;
use crate::link::{DecidePathError, RequestPathError};
use crate::ports::PathRepo;
use crate::route::{MAX_HOPS, Route, RouteError};

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
                .with_detail(serde_json::json!({ "result": status.as_str() }));
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

/// Resolves the approved route from `start` for (series, level).
///
/// # Errors
/// [`RouteError`] wrapped in `Rule` when the route is incomplete.
pub async fn resolve_route<P: PathRepo>(
    paths: &P,
    start: OrgId,
    series: &SeriesCode,
    level: TitleLevel,
) -> Result<Route, ServiceError<RouteError>> {
    // Gather the chain hop by hop (at most MAX_HOPS lookups), then let the pure rule judge it.
    let mut found = Vec::new();
    let mut at = start;
    for _ in 0..=MAX_HOPS {
        let Some(link) = paths.find_approved_link(at, series, level).await? else {
            break;
        };
        let done =
            link.parent_is_receiver || found.iter().any(|l: &PathLink| l.org_id == link.parent_id);
        at = link.parent_id;
        found.push(link);
        if done {
            break;
        }
    }
    crate::route::resolve(start, |o| found.iter().find(|l| l.org_id == o).cloned())
        .map_err(ServiceError::Rule)
}
