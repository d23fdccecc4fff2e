//! One link of an approval path.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_identity::{OrgKind, Organisation};
use zhicheng_kernel::{Localized, OrgId, PathLinkId, SeriesCode, TitleLevel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkStatus {
    Pending,
    Approved,
    Rejected,
    /// The parent withdrew its approval; cases already past the hop keep their frozen route.
    Revoked,
}

impl LinkStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkStatus::Pending => "pending",
            LinkStatus::Approved => "approved",
            LinkStatus::Rejected => "rejected",
            LinkStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => LinkStatus::Pending,
            "approved" => LinkStatus::Approved,
            "rejected" => LinkStatus::Rejected,
            "revoked" => LinkStatus::Revoked,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            LinkStatus::Pending => "待上级审核",
            LinkStatus::Approved => "已通过",
            LinkStatus::Rejected => "未通过",
            LinkStatus::Revoked => "已撤销",
        }
    }

    /// Whether the link still occupies its (org, series, level) slot.
    pub fn is_live(self) -> bool {
        matches!(self, LinkStatus::Pending | LinkStatus::Approved)
    }
}

/// `org` reports declarations of (series, level) to `parent`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathLink {
    pub id: PathLinkId,
    pub org_id: OrgId,
    pub series: SeriesCode,
    pub level: TitleLevel,
    pub parent_id: OrgId,
    /// The parent accepts declarations itself (HR bureau or committee organiser): the route ends there.
    pub parent_is_receiver: bool,
    pub status: LinkStatus,
    pub note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestPathError {
    #[error("only employer units and competent departments request paths")]
    NotARequester,
    #[error("the unit must hold the title-review permission before requesting paths")]
    UnitWithoutPermission,
    #[error(
        "a path can only lead to a competent department, an HR bureau or a committee organiser"
    )]
    BadParent,
    #[error("the chosen upper organisation does not hold the title-review permission")]
    ParentWithoutPermission,
    #[error("an organisation cannot report to itself")]
    SelfParent,
    #[error("the chosen upper organisation's region does not cover yours")]
    OutsideRegion,
    #[error("a path for this series and level is already pending or approved")]
    AlreadyExists,
}

impl Localized for RequestPathError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotARequester => "path.not_a_requester",
            Self::UnitWithoutPermission => "path.unit_without_permission",
            Self::BadParent => "path.bad_parent",
            Self::ParentWithoutPermission => "path.parent_without_permission",
            Self::SelfParent => "path.self_parent",
            Self::OutsideRegion => "path.outside_region",
            Self::AlreadyExists => "path.already_exists",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotARequester => "只有用人单位和主管部门需要申请上报路径",
            Self::UnitWithoutPermission => "单位需先开通职称评审权限，才能申请上报路径",
            Self::BadParent => "上报路径只能指向主管部门、人社局或评委会组建单位",
            Self::ParentWithoutPermission => "所选上级部门尚未开通职称评审权限",
            Self::SelfParent => "不能向本单位申请路径",
            Self::OutsideRegion => "所选上级部门的管辖地区不包含本单位所属地区",
            Self::AlreadyExists => "该系列、级别的路径已在审核中或已通过",
        }
        .into()
    }
    fn invalid_input(&self) -> bool {
        matches!(
            self,
            Self::BadParent
                | Self::SelfParent
                | Self::OutsideRegion
                | Self::NotARequester
                | Self::ParentWithoutPermission
        )
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecidePathError {
    #[error("only the upper organisation of the path decides it")]
    NotTheParent,
    #[error("the path request has already been decided")]
    AlreadyDecided,
}

impl Localized for DecidePathError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotTheParent => "path.not_the_parent",
            Self::AlreadyDecided => "path.already_decided",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotTheParent => "只有路径的上级部门可以审核",
            Self::AlreadyDecided => "该路径申请已审核",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RevokePathError {
    #[error("only the upper organisation of the path revokes it")]
    NotTheParent,
    #[error("only an approved path can be revoked")]
    NotApproved,
    #[error("give the reason for revoking the path")]
    ReasonRequired,
}

impl Localized for RevokePathError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotTheParent => "path.not_the_parent",
            Self::NotApproved => "path.not_approved",
            Self::ReasonRequired => "path.reason_required",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotTheParent => "只有路径的上级部门可以撤销",
            Self::NotApproved => "只有已通过的路径可以撤销",
            Self::ReasonRequired => "请填写撤销原因",
        }
        .into()
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::ReasonRequired)
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        match self {
            Self::ReasonRequired => vec![zhicheng_kernel::FieldError::new(
                "reason",
                self.code(),
                self.zh(),
                self.en(),
            )],
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

impl PathLink {
    /// 新增路径: `org` asks `parent` to receive its reports for (series, level).
    ///
    /// # Errors
    /// [`RequestPathError`] when the requester or parent is of the wrong kind, lies outside the
    /// parent's region, or the unit lacks the permission.
    pub fn request(
        id: PathLinkId,
        org: &Organisation,
        series: SeriesCode,
        level: TitleLevel,
        parent: &Organisation,
        now: DateTime<Utc>,
    ) -> Result<PathLink, RequestPathError> {
        match org.kind {
            OrgKind::EmployerUnit if !org.has_permission() => {
                return Err(RequestPathError::UnitWithoutPermission);
            }
            OrgKind::EmployerUnit | OrgKind::CompetentDepartment => {}
            OrgKind::HrBureau | OrgKind::CommitteeOrganiser => {
                return Err(RequestPathError::NotARequester);
            }
        }
        if !parent.kind.can_be_path_parent() {
            return Err(RequestPathError::BadParent);
        }
        if !parent.has_permission() {
            return Err(RequestPathError::ParentWithoutPermission);
        }
        if parent.id == org.id {
            return Err(RequestPathError::SelfParent);
        }
        if !org.region.within(parent.region) {
            return Err(RequestPathError::OutsideRegion);
        }
        Ok(PathLink {
            id,
            org_id: org.id,
            series,
            level,
            parent_id: parent.id,
            parent_is_receiver: parent.kind.is_receiver(),
            status: LinkStatus::Pending,
            note: None,
            requested_at: now,
            decided_at: None,
            version: 1,
        })
    }

    /// The upper organisation approves or rejects the request.
    ///
    /// # Errors
    /// [`DecidePathError`] when `by` is not the parent or the request was decided.
    pub fn decide(
        &mut self,
        by: OrgId,
        approve: bool,
        note: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<LinkStatus, DecidePathError> {
        if by != self.parent_id {
            return Err(DecidePathError::NotTheParent);
        }
        if self.status != LinkStatus::Pending {
            return Err(DecidePathError::AlreadyDecided);
        }
        self.status = if approve {
            LinkStatus::Approved
        } else {
            LinkStatus::Rejected
        };
        self.note = note;
        self.decided_at = Some(now);
        Ok(self.status)
    }

    /// The parent withdraws an approved link. New reports need a new link; cases reported
    /// earlier keep the route they froze.
    ///
    /// # Errors
    /// [`RevokePathError`] when `by` is not the parent, the link is not approved, or the
    /// reason is blank.
    pub fn revoke(
        &mut self,
        by: OrgId,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<(), RevokePathError> {
        if by != self.parent_id {
            return Err(RevokePathError::NotTheParent);
        }
        if self.status != LinkStatus::Approved {
            return Err(RevokePathError::NotApproved);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(RevokePathError::ReasonRequired);
        }
        self.status = LinkStatus::Revoked;
        self.note = Some(reason.to_owned());
        self.decided_at = Some(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zhicheng_identity::{OrgName, PermissionStatus};
    use zhicheng_kernel::RegionCode;

    fn org(n: u128, kind: OrgKind, permission: PermissionStatus) -> Organisation {
        Organisation {
            id: OrgId(uuid::Uuid::from_u128(n)),
            kind,
            name: OrgName::parse("威海市文登区人民医院").unwrap(),
            uscc: None,
            region: RegionCode::parse("371003").unwrap(),
            permission,
            permission_note: None,
            created_at: DateTime::<Utc>::default(),
            version: 1,
        }
    }

    fn request(parent: &Organisation) -> Result<PathLink, RequestPathError> {
        let unit = org(1, OrgKind::EmployerUnit, PermissionStatus::Active);
        PathLink::request(
            PathLinkId(uuid::Uuid::from_u128(9)),
            &unit,
            SeriesCode::parse("ENG").unwrap(),
            TitleLevel::Intermediate,
            parent,
            Utc::now(),
        )
    }

    #[test]
    fn the_parent_must_hold_the_permission_and_be_of_an_allowed_kind() {
        let dept = org(2, OrgKind::CompetentDepartment, PermissionStatus::Active);
        assert!(request(&dept).is_ok());
        let inactive = org(2, OrgKind::CompetentDepartment, PermissionStatus::Rejected);
        assert_eq!(
            request(&inactive),
            Err(RequestPathError::ParentWithoutPermission)
        );
        let unit = org(3, OrgKind::EmployerUnit, PermissionStatus::Active);
        assert_eq!(request(&unit), Err(RequestPathError::BadParent));
    }

    #[test]
    fn only_the_parent_revokes_an_approved_link_with_a_reason() {
        let bureau = org(2, OrgKind::HrBureau, PermissionStatus::Active);
        let mut link = request(&bureau).unwrap();
        let now = Utc::now();
        assert_eq!(
            link.revoke(bureau.id, "x", now),
            Err(RevokePathError::NotApproved)
        );
        link.decide(bureau.id, true, None, now).unwrap();
        assert_eq!(
            link.revoke(link.org_id, "x", now),
            Err(RevokePathError::NotTheParent)
        );
        assert_eq!(
            link.revoke(bureau.id, "  ", now),
            Err(RevokePathError::ReasonRequired)
        );
        link.revoke(bureau.id, "机构调整", now).unwrap();
        assert_eq!(
            (link.status, link.note.as_deref()),
            (LinkStatus::Revoked, Some("机构调整"))
        );
        assert!(!link.status.is_live());
    }
}
