//! Path health check use case: gathers the (unit, series, level) keys of a plan and the links
//! on their way, lets the pure rule in `zhicheng_approval_path::health` judge them, and names
//! the organisations.

use std::collections::{BTreeSet, HashMap};

use zhicheng_approval_path::health::{self, HealthKey};
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_approval_path::route::MAX_HOPS;
use zhicheng_approval_path::{PathLink, RouteError};
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{OrgId, PlanId, Principal, Role, ServiceError, StoreError};

use crate::ports::ReviewRepo;

/// One checked (unit, series, level), with the names a reader needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthEntry {
    pub key: HealthKey,
    pub unit_name: String,
    /// The complete route as (organisation, name), or why there is none (names filled in).
    pub route: Result<Vec<(OrgId, String)>, RouteError>,
}

async fn name_of<I: IdentityRepo>(
    identity: &I,
    cache: &mut HashMap<OrgId, String>,
    id: OrgId,
) -> Result<String, StoreError> {
    if let Some(n) = cache.get(&id) {
        return Ok(n.clone());
    }
    let name = identity
        .get_org(id)
        .await?
        .map_or_else(|| id.0.to_string(), |o| o.name.as_str().to_owned());
    cache.insert(id, name.clone());
    Ok(name)
}

/// Checks every key against the store's links and names the organisations.
///
/// # Errors
/// Storage failures.
pub async fn check_keys<P: PathRepo + IdentityRepo>(
    paths: &P,
    keys: Vec<HealthKey>,
) -> Result<Vec<HealthEntry>, StoreError> {
    // Every link leaving the organisations reachable from the units, hop by hop.
    let mut links: Vec<PathLink> = Vec::new();
    let mut seen: BTreeSet<OrgId> = BTreeSet::new();
    let mut frontier: BTreeSet<OrgId> = keys.iter().map(|k| k.unit).collect();
    for _ in 0..=MAX_HOPS {
        let mut next = BTreeSet::new();
        for org in frontier {
            if !seen.insert(org) {
                continue;
            }
            for l in paths.list_links_from(org).await? {
                next.insert(l.parent_id);
                links.push(l);
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    let mut names = HashMap::new();
    let mut out = Vec::new();
    for row in health::check(keys, &links) {
        let unit_name = name_of(paths, &mut names, row.key.unit).await?;
        let route = match row.route {
            Ok(r) => {
                let mut hops = Vec::new();
                for h in r.hops {
                    hops.push((h, name_of(paths, &mut names, h).await?));
                }
                Ok(hops)
            }
            Err(e) => Err(zhicheng_approval_path::service::name_gap(paths, e).await?),
        };
        out.push(HealthEntry {
            key: row.key,
            unit_name,
            route,
        });
    }
    Ok(out)
}

/// Whose keys a health check covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HealthScope {
    /// One unit's (or department's) own keys.
    Own(OrgId),
    /// Every unit within the region of this HR bureau or committee organiser.
    RegionOf(OrgId),
    /// Every unit (an operator at the command line).
    All,
}

impl HealthScope {
    /// The scope of an organisation: receivers see their region, others their own keys.
    pub fn of_org(org: &zhicheng_identity::Organisation) -> HealthScope {
        if org.kind.is_receiver() {
            HealthScope::RegionOf(org.id)
        } else {
            HealthScope::Own(org.id)
        }
    }
}

/// The health check of a plan over a scope.
///
/// # Errors
/// Storage failures.
pub async fn health_in_scope<R: ReviewRepo, P: PathRepo + IdentityRepo>(
    cases: &R,
    paths: &P,
    scope: HealthScope,
    plan: PlanId,
) -> Result<Vec<HealthEntry>, StoreError> {
    let all = cases.plan_case_keys(plan).await?;
    let keys = match scope {
        HealthScope::All => all,
        HealthScope::Own(org) => all.into_iter().filter(|k| k.unit == org).collect(),
        HealthScope::RegionOf(org) => {
            let Some(me) = paths.get_org(org).await? else {
                return Ok(Vec::new());
            };
            let mut mine = Vec::new();
            let mut inside_of: HashMap<OrgId, bool> = HashMap::new();
            for k in all {
                let inside = match inside_of.get(&k.unit) {
                    Some(b) => *b,
                    None => {
                        let b = paths
                            .get_org(k.unit)
                            .await?
                            .is_some_and(|u| u.region.within(me.region));
                        inside_of.insert(k.unit, b);
                        b
                    }
                };
                if inside {
                    mine.push(k);
                }
            }
            mine
        }
    };
    check_keys(paths, keys).await
}

/// 路径健康检查 for a plan: a unit or department sees its own (series, level) keys; an HR
/// bureau or committee organiser sees every unit of its region with cases in the plan.
///
/// # Errors
/// `Forbidden` for applicants; storage failures.
pub async fn path_health<R: ReviewRepo, P: PathRepo + IdentityRepo>(
    cases: &R,
    paths: &P,
    principal: &Principal,
    plan: PlanId,
) -> Result<Vec<HealthEntry>, ServiceError<std::convert::Infallible>> {
    let org_id = match principal.role {
        Role::Applicant => return Err(ServiceError::Forbidden),
        _ => principal.org_id.ok_or(ServiceError::Forbidden)?,
    };
    let scope = match principal.role {
        Role::HrBureau | Role::CommitteeOrganiser => HealthScope::RegionOf(org_id),
        _ => HealthScope::Own(org_id),
    };
    Ok(health_in_scope(cases, paths, scope, plan).await?)
}
