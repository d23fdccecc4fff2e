//! Route resolution: follow approved links from a unit to a receiver.

use serde::{Deserialize, Serialize};
use zhicheng_kernel::{Localized, OrgId};

use crate::{LinkStatus, PathLink};

/// Longest route accepted (unit → departments → receiver).
pub const MAX_HOPS: usize = 6;

/// An approved route: `hops[0]` is the reporting unit, the last hop is the receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Route {
    pub hops: Vec<OrgId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No approved link leaves `at` for this series and level.
    #[error(
        "no approved reporting path for this series and level; request one under “路径申请” and wait for approval"
    )]
    NoApprovedPath { at: OrgId },
    #[error("the reporting path loops back on itself")]
    Cycle,
    #[error("the reporting path is longer than {MAX_HOPS} hops")]
    TooLong,
}

impl Localized for RouteError {
    fn code(&self) -> &'static str {
        match self {
            Self::NoApprovedPath { .. } => "path.no_approved_path",
            Self::Cycle => "path.cycle",
            Self::TooLong => "path.too_long",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NoApprovedPath { .. } => {
                "该系列、级别尚无审核通过的上报路径：请在“路径申请”中新增路径并等待上级审核通过"
                    .into()
            }
            Self::Cycle => "上报路径存在循环，请联系上级部门".into(),
            Self::TooLong => format!("上报路径超过 {MAX_HOPS} 级"),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Builds the route from `start` given a lookup of the approved link leaving an organisation.
///
/// # Errors
/// [`RouteError`] when a hop has no approved link, the links loop, or the route is too long.
pub fn resolve(
    start: OrgId,
    mut approved_link_from: impl FnMut(OrgId) -> Option<PathLink>,
) -> Result<Route, RouteError> {
    let mut hops = vec![start];
    let mut at = start;
    loop {
        let link = approved_link_from(at)
            .filter(|l| l.status == LinkStatus::Approved && l.org_id == at)
            .ok_or(RouteError::NoApprovedPath { at })?;
        if hops.contains(&link.parent_id) {
            return Err(RouteError::Cycle);
        }
        hops.push(link.parent_id);
        if link.parent_is_receiver {
            return Ok(Route { hops });
        }
        if hops.len() > MAX_HOPS {
            return Err(RouteError::TooLong);
        }
        at = link.parent_id;
    }
}

impl Route {
    pub fn receiver(&self) -> Option<OrgId> {
        self.hops.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use zhicheng_kernel::{PathLinkId, SeriesCode, TitleLevel};

    fn org(n: u128) -> OrgId {
        OrgId(uuid::Uuid::from_u128(n))
    }

    fn link(from: u128, to: u128, receiver: bool, status: LinkStatus) -> PathLink {
        PathLink {
            id: PathLinkId(uuid::Uuid::from_u128(100 + from)),
            org_id: org(from),
            series: SeriesCode::parse("ENG").unwrap(),
            level: TitleLevel::Intermediate,
            parent_id: org(to),
            parent_is_receiver: receiver,
            status,
            note: None,
            requested_at: Utc::now(),
            decided_at: None,
            version: 1,
        }
    }

    #[test]
    fn a_unit_with_a_department_reports_through_it_to_the_bureau() {
        let links = [
            link(1, 2, false, LinkStatus::Approved),
            link(2, 3, true, LinkStatus::Approved),
        ];
        let r = resolve(org(1), |o| links.iter().find(|l| l.org_id == o).cloned()).unwrap();
        assert_eq!(r.hops, vec![org(1), org(2), org(3)]);
        assert_eq!(r.receiver(), Some(org(3)));
    }

    #[test]
    fn a_pending_hop_breaks_the_route_and_names_where() {
        let links = [
            link(1, 2, false, LinkStatus::Approved),
            link(2, 3, true, LinkStatus::Pending),
        ];
        let e = resolve(org(1), |o| links.iter().find(|l| l.org_id == o).cloned()).unwrap_err();
        assert_eq!(e, RouteError::NoApprovedPath { at: org(2) });
    }

    #[test]
    fn loops_are_detected() {
        let links = [
            link(1, 2, false, LinkStatus::Approved),
            link(2, 1, false, LinkStatus::Approved),
        ];
        assert_eq!(
            resolve(org(1), |o| links.iter().find(|l| l.org_id == o).cloned()),
            Err(RouteError::Cycle)
        );
    }
}
