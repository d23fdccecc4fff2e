//! Review plans (申报通知 / 评审计划) and their declaration windows.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{Localized, OrgId, PlanId, SeriesCode, TitleLevel};

use crate::Catalog;

/// Where a plan stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    /// Being prepared; applicants cannot see it.
    Draft,
    /// Published: applicants may prepare drafts, and submit inside the window.
    Open,
    /// Closed by the organiser: no new declarations or submissions.
    Closed,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Open => "open",
            PlanStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "draft" => PlanStatus::Draft,
            "open" => PlanStatus::Open,
            "closed" => PlanStatus::Closed,
            _ => return None,
        })
    }

    pub fn zh(self) -> &'static str {
        match self {
            PlanStatus::Draft => "草拟",
            PlanStatus::Open => "已发布",
            PlanStatus::Closed => "已关闭",
        }
    }
}

/// A yearly plan for one series: which levels may be declared and the declaration window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewPlan {
    pub id: PlanId,
    pub year: i32,
    pub name: String,
    /// The HR bureau or committee organiser that published it.
    pub organiser_id: OrgId,
    pub series: SeriesCode,
    pub levels: Vec<TitleLevel>,
    /// First instant at which submissions are accepted.
    pub window_start: DateTime<Utc>,
    /// Last instant at which submissions are accepted.
    pub window_end: DateTime<Utc>,
    pub status: PlanStatus,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("unknown title series `{0}`")]
    UnknownSeries(String),
    #[error("choose at least one level")]
    NoLevels,
    #[error("the window must end after it starts")]
    WindowOrder,
    #[error("the year must be between 2000 and 2100")]
    Year,
    #[error("the plan needs a name of 2 to 100 characters")]
    Name,
    #[error("the plan is {0:?}; this change is not possible now")]
    WrongStatus(PlanStatus),
}

impl Localized for PlanError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownSeries(_) => "plan.unknown_series",
            Self::NoLevels => "plan.no_levels",
            Self::WindowOrder => "plan.window_order",
            Self::Year => "plan.year",
            Self::Name => "plan.name",
            Self::WrongStatus(_) => "plan.wrong_status",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::UnknownSeries(s) => format!("未知的职称系列“{s}”"),
            Self::NoLevels => "请至少选择一个级别".into(),
            Self::WindowOrder => "申报截止时间必须晚于开始时间".into(),
            Self::Year => "年度应在 2000–2100 之间".into(),
            Self::Name => "计划名称应为 2–100 个字".into(),
            Self::WrongStatus(s) => format!("计划当前为“{}”状态，无法进行此操作", s.zh()),
        }
    }
    fn invalid_input(&self) -> bool {
        !matches!(self, Self::WrongStatus(_))
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Why a submission falls outside the plan.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the plan is not open for declarations")]
    PlanNotOpen,
    #[error("the declaration window opens at {0}")]
    NotYetOpen(DateTime<Utc>),
    #[error("the declaration window closed at {0}")]
    Closed(DateTime<Utc>),
}

impl WindowError {
    pub fn zh(&self) -> String {
        let fmt = |t: &DateTime<Utc>| beijing(*t);
        match self {
            Self::PlanNotOpen => "该评审计划未发布或已关闭，不能申报".into(),
            Self::NotYetOpen(t) => format!("申报时间尚未开始：开始时间为 {}（北京时间）", fmt(t)),
            Self::Closed(t) => format!("申报时间已截止：截止时间为 {}（北京时间）", fmt(t)),
        }
    }
}

/// Formats an instant in Beijing time (UTC+8, no daylight saving), as notices state deadlines.
pub fn beijing(t: DateTime<Utc>) -> String {
    (t + chrono::Duration::hours(8))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

impl ReviewPlan {
    /// A new plan in draft, for a series of `catalog`.
    ///
    /// # Errors
    /// [`PlanError`] naming the first invalid part.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        id: PlanId,
        organiser_id: OrgId,
        year: i32,
        name: &str,
        series: SeriesCode,
        mut levels: Vec<TitleLevel>,
        window_start: DateTime<Utc>,
        window_end: DateTime<Utc>,
        now: DateTime<Utc>,
        catalog: &Catalog,
    ) -> Result<Self, PlanError> {
        if catalog.find(&series).is_none() {
            return Err(PlanError::UnknownSeries(series.to_string()));
        }
        levels.sort();
        levels.dedup();
        if levels.is_empty() {
            return Err(PlanError::NoLevels);
        }
        if window_end <= window_start {
            return Err(PlanError::WindowOrder);
        }
        if !(2000..=2100).contains(&year) {
            return Err(PlanError::Year);
        }
        let name = name.trim();
        if !(2..=100).contains(&name.chars().count()) {
            return Err(PlanError::Name);
        }
        Ok(ReviewPlan {
            id,
            year,
            name: name.to_owned(),
            organiser_id,
            series,
            levels,
            window_start,
            window_end,
            status: PlanStatus::Draft,
            created_at: now,
            version: 1,
        })
    }

    /// Publishes the plan.
    ///
    /// # Errors
    /// [`PlanError::WrongStatus`] unless the plan is a draft.
    pub fn open(&mut self) -> Result<(), PlanError> {
        if self.status != PlanStatus::Draft {
            return Err(PlanError::WrongStatus(self.status));
        }
        self.status = PlanStatus::Open;
        Ok(())
    }

    /// Closes the plan.
    ///
    /// # Errors
    /// [`PlanError::WrongStatus`] unless the plan is open.
    pub fn close(&mut self) -> Result<(), PlanError> {
        if self.status != PlanStatus::Open {
            return Err(PlanError::WrongStatus(self.status));
        }
        self.status = PlanStatus::Closed;
        Ok(())
    }

    pub fn covers(&self, series: &SeriesCode, level: TitleLevel) -> bool {
        &self.series == series && self.levels.contains(&level)
    }

    /// Whether drafts may be prepared at `now` (open plan, window not yet over).
    ///
    /// # Errors
    /// [`WindowError`] when the plan is not open or its window has closed.
    pub fn accepts_drafts(&self, now: DateTime<Utc>) -> Result<(), WindowError> {
        if self.status != PlanStatus::Open {
            return Err(WindowError::PlanNotOpen);
        }
        if now > self.window_end {
            return Err(WindowError::Closed(self.window_end));
        }
        Ok(())
    }

    /// Whether a submission at `now` falls inside the window.
    ///
    /// # Errors
    /// [`WindowError`] when the plan is not open or `now` is outside the window.
    pub fn accepts_submissions(&self, now: DateTime<Utc>) -> Result<(), WindowError> {
        self.accepts_drafts(now)?;
        if now < self.window_start {
            return Err(WindowError::NotYetOpen(self.window_start));
        }
        Ok(())
    }
}
