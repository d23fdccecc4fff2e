//! Batches: 数据上报 of a selection for one (series, level) and bulk 审核通过, all or nothing
//! and idempotent under a client's `Idempotency-Key`.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};
use zhicheng_approval_path::ports::PathRepo;
use zhicheng_approval_path::{Route, RouteError};
use zhicheng_declaration::ReviewPlan;
use zhicheng_declaration::plan::DeadlinePassed;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_kernel::{
    Actor, AuditEvent, CaseId, Clock, FieldError, Localized, OrgId, PlanId, Principal, Role,
    SeriesCode, ServiceError, TitleLevel,
};

use crate::ports::{BatchError, BatchOutcome, IdempotencyKey, ReviewRepo};
use crate::{Act, ReviewCase, TransitionError};

/// Most cases in one batch.
pub const MAX_BATCH: usize = 20_000;

/// Why one case of a batch cannot move.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchItemError {
    #[error("no such declaration in your reach")]
    NotFound,
    #[error("the declaration is of another series or level than the batch")]
    OtherSeriesOrLevel,
    #[error(transparent)]
    Transition(TransitionError),
    /// The plan's unit review/report deadline has passed.
    #[error(transparent)]
    Deadline(DeadlinePassed),
}

impl BatchItemError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotFound => "case.not_found",
            Self::OtherSeriesOrLevel => "case.other_series_or_level",
            Self::Transition(e) => e.code(),
            Self::Deadline(e) => e.code(),
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotFound => "申报不存在或不在本单位".into(),
            Self::OtherSeriesOrLevel => "该申报不属于所选系列、级别".into(),
            Self::Transition(e) => e.zh(),
            Self::Deadline(e) => e.zh(),
        }
    }
}

/// Why a batch moved nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchActionError {
    #[error("select between 1 and {MAX_BATCH} declarations, each once")]
    BadSelection,
    #[error("the Idempotency-Key must be 1 to 200 visible ASCII characters")]
    BadKey,
    #[error("this Idempotency-Key was already used for a different request")]
    KeyReused,
    #[error(transparent)]
    Route(RouteError),
    /// Every case that could not move, and why; nothing moved.
    #[error("{} of the selected declarations cannot move; nothing was changed", .0.len())]
    Items(Vec<(CaseId, BatchItemError)>),
}

impl Localized for BatchActionError {
    fn code(&self) -> &'static str {
        match self {
            Self::BadSelection => "batch.bad_selection",
            Self::BadKey => "batch.bad_key",
            Self::KeyReused => "batch.key_reused",
            Self::Route(e) => e.code(),
            Self::Items(_) => "batch.not_all_movable",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::BadSelection => format!("请选择 1–{MAX_BATCH} 条申报，且不要重复"),
            Self::BadKey => "Idempotency-Key 须为 1–200 个可见 ASCII 字符".into(),
            Self::KeyReused => "该 Idempotency-Key 已用于另一次不同的请求".into(),
            Self::Route(e) => e.zh(),
            Self::Items(v) => format!("所选申报中有 {} 条不能办理，全部未处理", v.len()),
        }
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::BadSelection | Self::BadKey | Self::KeyReused)
    }
    /// One entry per case that cannot move: the field is the case id.
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Items(v) => v
                .iter()
                .map(|(id, e)| FieldError::new(&id.0.to_string(), e.code(), e.zh(), e.to_string()))
                .collect(),
            Self::Route(e) => e.fields(),
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

fn unit_org(p: &Principal) -> Result<OrgId, ServiceError<BatchActionError>> {
    match p.role {
        Role::Applicant => Err(ServiceError::Forbidden),
        _ => p.org_id.ok_or(ServiceError::Forbidden),
    }
}

fn check_selection(ids: &[CaseId]) -> Result<(), ServiceError<BatchActionError>> {
    let mut sorted: Vec<_> = ids.iter().map(|c| c.0).collect();
    sorted.sort_unstable();
    sorted.dedup();
    if ids.is_empty() || ids.len() > MAX_BATCH || sorted.len() != ids.len() {
        return Err(ServiceError::Rule(BatchActionError::BadSelection));
    }
    Ok(())
}

/// The stored key for a client key: scoped to the account and operation, with the hash of
/// what was asked.
fn idempotency(
    p: &Principal,
    op: &str,
    key: Option<&str>,
    request: &impl Serialize,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<IdempotencyKey>, ServiceError<BatchActionError>> {
    let Some(key) = key else { return Ok(None) };
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ServiceError::Rule(BatchActionError::BadKey));
    }
    let body = serde_json::to_vec(request).unwrap_or_default();
    Ok(Some(IdempotencyKey {
        id: format!("{}:{op}:{key}", p.account_id.0),
        request_hash: hex::encode(Sha256::digest(&body)),
        at,
    }))
}

fn map_batch(
    r: Result<BatchOutcome<ReviewCase>, BatchError<BatchItemError>>,
) -> Result<BatchOutcome<ReviewCase>, ServiceError<BatchActionError>> {
    match r {
        Ok(o) => Ok(o),
        Err(BatchError::KeyReused) => Err(ServiceError::Rule(BatchActionError::KeyReused)),
        Err(BatchError::Store(e)) => Err(e.into()),
        Err(BatchError::Rejected(v)) => Err(ServiceError::Rule(BatchActionError::Items(
            v.into_iter()
                .map(|(id, e)| (id, e.unwrap_or(BatchItemError::NotFound)))
                .collect(),
        ))),
    }
}

#[derive(Serialize)]
struct ReportRequest<'a> {
    series: &'a str,
    level: &'a str,
    ids: &'a [CaseId],
}

/// 数据上报 of a selection for one (series, level): every case moves along the one approved
/// route, or none does; a case whose plan's report deadline has passed cannot move.
///
/// # Errors
/// `Rule(Route)` when the route is incomplete; `Rule(Items)` listing every case that cannot
/// move; `Rule(KeyReused)` for a key first used with another request.
#[allow(clippy::too_many_arguments)]
pub async fn report_batch<
    R: ReviewRepo + DeclarationRepo,
    P: PathRepo + zhicheng_identity::ports::IdentityRepo,
>(
    cases: &R,
    paths: &P,
    clock: &dyn Clock,
    principal: &Principal,
    series: SeriesCode,
    level: TitleLevel,
    ids: &[CaseId],
    key: Option<&str>,
) -> Result<BatchOutcome<ReviewCase>, ServiceError<BatchActionError>> {
    let org = unit_org(principal)?;
    check_selection(ids)?;
    let request = ReportRequest {
        series: series.as_str(),
        level: level.as_str(),
        ids,
    };
    let now = clock.now();
    let key = idempotency(principal, "report", key, &request, now)?;
    let route: Route =
        zhicheng_approval_path::service::resolve_route(paths, paths, org, &series, level)
            .await
            .map_err(|e| match e {
                ServiceError::Rule(r) => ServiceError::Rule(BatchActionError::Route(r)),
                ServiceError::NotFound => ServiceError::NotFound,
                ServiceError::Forbidden => ServiceError::Forbidden,
                ServiceError::Store(s) => ServiceError::Store(s),
            })?;
    let plans: HashMap<PlanId, ReviewPlan> = cases
        .list_plans()
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let act = Act::new(org, Actor::from(principal), now);
    map_batch(
        cases
            .update_cases(ids, key.as_ref(), |c| {
                if c.unit_id != org {
                    return Err(BatchItemError::NotFound);
                }
                if c.series != series || c.level != level {
                    return Err(BatchItemError::OtherSeriesOrLevel);
                }
                if let Some(plan) = plans.get(&c.plan_id) {
                    plan.accepts_reports(act.at)
                        .map_err(BatchItemError::Deadline)?;
                }
                let from = c.status;
                c.report(&act, &route).map_err(BatchItemError::Transition)?;
                let audit =
                    AuditEvent::new(act.at, act.actor.clone(), "case.reported", "case", c.id.0)
                        .with_detail(serde_json::json!({
                            "from": from.as_str(), "to": c.status.as_str(), "holder": c.holder_id.0,
                            "batch": true,
                        }));
                Ok((c.clone(), audit))
            })
            .await,
    )
}

/// Bulk 审核通过 of a selection the unit holds in review, all or nothing.
///
/// # Errors
/// `Rule(Items)` listing every case that cannot be approved; `Rule(KeyReused)`.
pub async fn approve_batch<R: ReviewRepo>(
    cases: &R,
    clock: &dyn Clock,
    principal: &Principal,
    ids: &[CaseId],
    key: Option<&str>,
) -> Result<BatchOutcome<ReviewCase>, ServiceError<BatchActionError>> {
    let org = unit_org(principal)?;
    check_selection(ids)?;
    let now = clock.now();
    let key = idempotency(principal, "approve", key, &ids, now)?;
    let act = Act::new(org, Actor::from(principal), now);
    map_batch(
        cases
            .update_cases(ids, key.as_ref(), |c| {
                if c.unit_id != org && !c.route.contains(&org) {
                    return Err(BatchItemError::NotFound);
                }
                let from = c.status;
                c.unit_approve(&act).map_err(BatchItemError::Transition)?;
                let audit = AuditEvent::new(
                    act.at,
                    act.actor.clone(),
                    "case.unit_approved",
                    "case",
                    c.id.0,
                )
                .with_detail(serde_json::json!({
                    "from": from.as_str(), "to": c.status.as_str(), "holder": c.holder_id.0,
                    "batch": true,
                }));
                Ok((c.clone(), audit))
            })
            .await,
    )
}
