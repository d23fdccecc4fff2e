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

/// What is wrong with the link leaving one organisation of a route.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LinkGap {
    /// No link was ever requested (or every request was withdrawn from use).
    Missing,
    /// Requested and waiting for `parent` to approve it.
    Pending { parent: OrgId },
    /// `parent` rejected the request.
    Rejected { parent: OrgId },
    /// `parent` revoked the link it had approved.
    Revoked { parent: OrgId },
}

impl LinkGap {
    /// The gap the latest link of a slot (if any) leaves; `None` when the link is approved.
    pub fn of(link: Option<&PathLink>) -> Option<LinkGap> {
        let Some(l) = link else {
            return Some(LinkGap::Missing);
        };
        match l.status {
            LinkStatus::Approved => None,
            LinkStatus::Pending => Some(LinkGap::Pending {
                parent: l.parent_id,
            }),
            LinkStatus::Rejected => Some(LinkGap::Rejected {
                parent: l.parent_id,
            }),
            LinkStatus::Revoked => Some(LinkGap::Revoked {
                parent: l.parent_id,
            }),
        }
    }

    /// The organisation that must act next, if it is not the one the link leaves.
    pub fn parent(&self) -> Option<OrgId> {
        match self {
            LinkGap::Missing => None,
            LinkGap::Pending { parent }
            | LinkGap::Rejected { parent }
            | LinkGap::Revoked { parent } => Some(*parent),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            LinkGap::Missing => "missing",
            LinkGap::Pending { .. } => "pending",
            LinkGap::Rejected { .. } => "rejected",
            LinkGap::Revoked { .. } => "revoked",
        }
    }
}

/// Display names of the organisations a [`LinkGap`] involves, filled in by the service.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GapNames {
    pub at: Option<String>,
    pub parent: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    /// No approved link leaves `at` for this series and level; `gap` says why and who acts.
    #[error("{}", gap_en(.at, .gap, .names))]
    NoApprovedPath {
        at: OrgId,
        gap: LinkGap,
        names: GapNames,
    },
    #[error("the reporting path loops back on itself")]
    Cycle,
    #[error("the reporting path is longer than {MAX_HOPS} hops")]
    TooLong,
}

fn name_or(name: Option<&String>, id: OrgId) -> String {
    name.cloned().unwrap_or_else(|| id.0.to_string())
}

fn gap_en(at: &OrgId, gap: &LinkGap, names: &GapNames) -> String {
    let at_name = name_or(names.at.as_ref(), *at);
    let parent = |p: &OrgId| name_or(names.parent.as_ref(), *p);
    match gap {
        LinkGap::Missing => format!(
            "{at_name} has no reporting path for this series and level: {at_name} must request one under “路径申请” and have it approved"
        ),
        LinkGap::Pending { parent: p } => format!(
            "the reporting path {at_name} → {} is pending: ask {} to approve it",
            parent(p),
            parent(p)
        ),
        LinkGap::Rejected { parent: p } => format!(
            "the reporting path {at_name} → {} was rejected by {}: {at_name} must request a new path",
            parent(p),
            parent(p)
        ),
        LinkGap::Revoked { parent: p } => format!(
            "the reporting path {at_name} → {} was revoked by {}: {at_name} must request a new path",
            parent(p),
            parent(p)
        ),
    }
}

fn gap_zh(at: &OrgId, gap: &LinkGap, names: &GapNames) -> String {
    let at_name = name_or(names.at.as_ref(), *at);
    let parent = |p: &OrgId| name_or(names.parent.as_ref(), *p);
    match gap {
        LinkGap::Missing => format!(
            "{at_name} 尚无该系列、级别的上报路径：请 {at_name} 在“路径申请”中新增路径并等待上级审核通过"
        ),
        LinkGap::Pending { parent: p } => {
            let p = parent(p);
            format!("{at_name} → {p} 的上报路径待审核：请联系 {p} 审核")
        }
        LinkGap::Rejected { parent: p } => {
            let p = parent(p);
            format!("{at_name} → {p} 的上报路径已被 {p} 驳回：请 {at_name} 重新申请路径")
        }
        LinkGap::Revoked { parent: p } => {
            let p = parent(p);
            format!("{at_name} → {p} 的上报路径已被 {p} 撤销：请 {at_name} 重新申请路径")
        }
    }
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
            Self::NoApprovedPath { at, gap, names } => gap_zh(at, gap, names),
            Self::Cycle => "上报路径存在循环，请联系上级部门".into(),
            Self::TooLong => format!("上报路径超过 {MAX_HOPS} 级"),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Builds the route from `start` given a lookup of the current link leaving an organisation
/// for the route's (series, level): the approved one if any, else the latest request.
///
/// # Errors
/// [`RouteError`] when a hop has no approved link (saying why), the links loop, or the route
/// is too long.
pub fn resolve(
    start: OrgId,
    mut link_from: impl FnMut(OrgId) -> Option<PathLink>,
) -> Result<Route, RouteError> {
    let mut hops = vec![start];
    let mut at = start;
    loop {
        let current = link_from(at).filter(|l| l.org_id == at);
        if let Some(gap) = LinkGap::of(current.as_ref()) {
            return Err(RouteError::NoApprovedPath {
                at,
                gap,
                names: GapNames::default(),
            });
        }
        let Some(link) = current else {
            return Err(RouteError::NoApprovedPath {
                at,
                gap: LinkGap::Missing,
                names: GapNames::default(),
            });
        };
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

/// The link of a slot that decides the route: the approved one, else the pending one, else the
/// newest (`links` newest first, all of one org, series and level).
pub fn current_link<'a>(links: impl IntoIterator<Item = &'a PathLink>) -> Option<&'a PathLink> {
    let all: Vec<&PathLink> = links.into_iter().collect();
    all.iter()
        .find(|l| l.status == LinkStatus::Approved)
        .or_else(|| all.iter().find(|l| l.status == LinkStatus::Pending))
        .or_else(|| all.first())
        .copied()
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
        assert_eq!(
            e,
            RouteError::NoApprovedPath {
                at: org(2),
                gap: LinkGap::Pending { parent: org(3) },
                names: GapNames::default(),
            }
        );
    }

    #[test]
    fn the_refusal_names_the_link_and_who_must_act() {
        let e = RouteError::NoApprovedPath {
            at: org(2),
            gap: LinkGap::Pending { parent: org(3) },
            names: GapNames {
                at: Some("文登区卫生健康局".into()),
                parent: Some("威海市文登区人社局".into()),
            },
        };
        assert_eq!(
            e.zh(),
            "文登区卫生健康局 → 威海市文登区人社局 的上报路径待审核：请联系 威海市文登区人社局 审核"
        );
        let rejected = RouteError::NoApprovedPath {
            at: org(1),
            gap: LinkGap::Rejected { parent: org(2) },
            names: GapNames {
                at: Some("甲医院".into()),
                parent: Some("卫健局".into()),
            },
        };
        assert!(
            rejected.zh().contains("已被 卫健局 驳回"),
            "{}",
            rejected.zh()
        );
    }

    #[test]
    fn a_missing_or_rejected_or_revoked_link_is_told_apart() {
        let links = [link(1, 2, false, LinkStatus::Rejected)];
        let e = resolve(org(1), |o| links.iter().find(|l| l.org_id == o).cloned()).unwrap_err();
        assert!(
            matches!(e, RouteError::NoApprovedPath { gap: LinkGap::Rejected { parent }, .. } if parent == org(2))
        );
        let links = [link(1, 2, false, LinkStatus::Revoked)];
        let e = resolve(org(1), |o| links.iter().find(|l| l.org_id == o).cloned()).unwrap_err();
        assert!(matches!(
            e,
            RouteError::NoApprovedPath {
                gap: LinkGap::Revoked { .. },
                ..
            }
        ));
        let e = resolve(org(1), |_| None).unwrap_err();
        assert!(
            matches!(e, RouteError::NoApprovedPath { at, gap: LinkGap::Missing, .. } if at == org(1))
        );
    }

    #[test]
    fn the_current_link_prefers_approved_then_pending_then_newest() {
        let rejected = link(1, 2, false, LinkStatus::Rejected);
        let approved = link(1, 3, false, LinkStatus::Approved);
        assert_eq!(
            current_link([&rejected, &approved]).map(|l| l.parent_id),
            Some(org(3))
        );
        assert_eq!(
            current_link([&rejected]).map(|l| l.status),
            Some(LinkStatus::Rejected)
        );
        assert_eq!(current_link([]), None);
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
