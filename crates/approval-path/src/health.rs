//! Path health check: for every (unit, series, level) that has declarations in a plan, whether
//! its reporting route is complete — or which link is missing, pending, rejected or revoked,
//! and who must act. Shown before the deadline, not discovered after it.

use serde::{Deserialize, Serialize};
use zhicheng_kernel::{OrgId, SeriesCode, TitleLevel};

use crate::PathLink;
use crate::route::{Route, RouteError, current_link, resolve};

/// One (unit, series, level) to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct HealthKey {
    pub unit: OrgId,
    pub series: SeriesCode,
    pub level: TitleLevel,
}

/// The route status of one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthRow {
    pub key: HealthKey,
    /// The complete route, or why there is none (naming the organisation whose link fails).
    pub route: Result<Route, RouteError>,
}

impl HealthRow {
    pub fn is_complete(&self) -> bool {
        self.route.is_ok()
    }
}

/// Judges every key against `links` (every link leaving the organisations on the way, any
/// status). Keys come back sorted and each once.
pub fn check(keys: impl IntoIterator<Item = HealthKey>, links: &[PathLink]) -> Vec<HealthRow> {
    let mut keys: Vec<HealthKey> = keys.into_iter().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|key| {
            let route =
                resolve(key.unit, |o| {
                    current_link(links.iter().filter(|l| {
                        l.org_id == o && l.series == key.series && l.level == key.level
                    }))
                    .cloned()
                });
            HealthRow { key, route }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::LinkStatus;
    use crate::route::LinkGap;
    use chrono::Utc;
    use zhicheng_kernel::PathLinkId;

    fn org(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    fn link(
        from: u128,
        to: u128,
        level: TitleLevel,
        receiver: bool,
        status: LinkStatus,
    ) -> PathLink {
        PathLink {
            id: PathLinkId(uuid::Uuid::nil()),
            org_id: org(from),
            series: SeriesCode::parse("ENG").unwrap(),
            level,
            parent_id: org(to),
            parent_is_receiver: receiver,
            status,
            note: None,
            requested_at: Utc::now(),
            decided_at: None,
            version: 1,
        }
    }

    fn key(unit: u128, level: TitleLevel) -> HealthKey {
        HealthKey {
            unit: org(unit),
            series: SeriesCode::parse("ENG").unwrap(),
            level,
        }
    }

    #[test]
    fn each_key_gets_its_route_or_the_failing_link() {
        use TitleLevel::{Intermediate, Junior, SeniorDeputy};
        let links = [
            // Unit 1 → department 2 → bureau 3, complete for intermediate.
            link(1, 2, Intermediate, false, LinkStatus::Approved),
            link(2, 3, Intermediate, true, LinkStatus::Approved),
            // Senior: the department's link is pending at the bureau.
            link(1, 2, SeniorDeputy, false, LinkStatus::Approved),
            link(2, 3, SeniorDeputy, true, LinkStatus::Pending),
            // Unit 4 was rejected by the bureau for intermediate.
            link(4, 3, Intermediate, true, LinkStatus::Rejected),
        ];
        let rows = check(
            [
                key(1, Intermediate),
                key(1, SeniorDeputy),
                key(1, Junior),
                key(4, Intermediate),
                key(1, Intermediate),
            ],
            &links,
        );
        assert_eq!(rows.len(), 4, "duplicates collapse");
        let find = |u, l| rows.iter().find(|r| r.key == key(u, l)).unwrap();
        assert_eq!(
            find(1, Intermediate).route.as_ref().unwrap().hops,
            vec![org(1), org(2), org(3)]
        );
        assert!(matches!(
            find(1, SeniorDeputy).route,
            Err(RouteError::NoApprovedPath { at, gap: LinkGap::Pending { parent }, .. })
                if at == org(2) && parent == org(3)
        ));
        assert!(matches!(
            find(1, Junior).route,
            Err(RouteError::NoApprovedPath { at, gap: LinkGap::Missing, .. }) if at == org(1)
        ));
        assert!(matches!(
            find(4, Intermediate).route,
            Err(RouteError::NoApprovedPath { gap: LinkGap::Rejected { parent }, .. }) if parent == org(3)
        ));
        assert_eq!(rows.iter().filter(|r| r.is_complete()).count(), 1);
    }
}
