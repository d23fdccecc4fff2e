//! Review plans (申报通知 / 评审计划): the declaration window, the unit review/report
//! deadline, and the time zone in which both are stated and enforced (Asia/Shanghai unless
//! the organiser chose another).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{FieldError, Localized, OrgId, PlanId, SeriesCode, TitleLevel};

use crate::Catalog;

/// The IANA time zone of a plan, e.g. `Asia/Shanghai` (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanTimeZone(chrono_tz::Tz);

impl Default for PlanTimeZone {
    fn default() -> Self {
        PlanTimeZone(chrono_tz::Asia::Shanghai)
    }
}

impl PlanTimeZone {
    /// An IANA name such as `Asia/Shanghai` (blank means the default).
    ///
    /// # Errors
    /// [`PlanError::TimeZone`] for a name the time-zone database does not know.
    pub fn parse(s: &str) -> Result<Self, PlanError> {
        let t = s.trim();
        if t.is_empty() {
            return Ok(PlanTimeZone::default());
        }
        t.parse::<chrono_tz::Tz>()
            .map(PlanTimeZone)
            .map_err(|_| PlanError::TimeZone(t.to_owned()))
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// How notices name it: 北京时间 for Asia/Shanghai, else the IANA name.
    pub fn zh(self) -> &'static str {
        if self.0 == chrono_tz::Asia::Shanghai {
            "北京时间"
        } else {
            self.name()
        }
    }

    /// An instant as local time, `YYYY-MM-DD HH:MM`.
    pub fn local(self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    }

    /// An instant as local time for a `datetime-local` form field (`YYYY-MM-DDTHH:MM`).
    pub fn local_input(self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// A local wall-clock time as an instant (the earlier one when a clock change repeats it;
    /// `None` when it falls into a gap).
    pub fn instant(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        self.0
            .from_local_datetime(&local)
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    }

    /// A calendar day's first second (`end_of_day` false) or last second, as an instant.
    pub fn day(self, day: NaiveDate, end_of_day: bool) -> Option<DateTime<Utc>> {
        let time = if end_of_day {
            NaiveTime::from_hms_opt(23, 59, 59)?
        } else {
            NaiveTime::MIN
        };
        self.instant(day.and_time(time))
    }

    /// Parses RFC 3339, a local `YYYY-MM-DD HH:MM` / `YYYY-MM-DDTHH:MM`, or a calendar day
    /// `YYYY-MM-DD` (its first second, or its last with `end_of_day`), in this zone.
    pub fn parse_instant(self, s: &str, end_of_day: bool) -> Option<DateTime<Utc>> {
        let s = s.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(s) {
            return Some(t.with_timezone(&Utc));
        }
        for f in [
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
                return self.instant(t);
            }
        }
        let day = NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
        self.day(day, end_of_day)
    }
}

impl TryFrom<String> for PlanTimeZone {
    type Error = PlanError;
    fn try_from(s: String) -> Result<Self, PlanError> {
        PlanTimeZone::parse(&s)
    }
}

impl From<PlanTimeZone> for String {
    fn from(t: PlanTimeZone) -> String {
        t.name().to_owned()
    }
}

impl std::fmt::Display for PlanTimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

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
    /// Last instant at which units may report declarations upward (单位审核上报截止时间);
    /// `None`: no deadline beyond the plan being open.
    pub report_deadline: Option<DateTime<Utc>>,
    /// The zone the window and deadline are stated in.
    pub time_zone: PlanTimeZone,
    /// Optional notes of the notice (备注: conditions, contacts, where to send paper-free
    /// questions); empty when none.
    #[serde(default)]
    pub notes: String,
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
    #[error("unknown time zone `{0}`: use an IANA name such as Asia/Shanghai")]
    TimeZone(String),
    #[error("the unit report deadline must not be before the declaration window ends")]
    DeadlineOrder,
    #[error("the notes may have at most {MAX_NOTES} characters")]
    Notes,
}

/// The longest plan notes, in characters.
pub const MAX_NOTES: usize = 2000;

impl Localized for PlanError {
    fn code(&self) -> &'static str {
        match self {
            Self::UnknownSeries(_) => "plan.unknown_series",
            Self::NoLevels => "plan.no_levels",
            Self::WindowOrder => "plan.window_order",
            Self::Year => "plan.year",
            Self::Name => "plan.name",
            Self::WrongStatus(_) => "plan.wrong_status",
            Self::TimeZone(_) => "plan.time_zone",
            Self::DeadlineOrder => "plan.deadline_order",
            Self::Notes => "plan.notes_too_long",
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
            Self::TimeZone(t) => format!("未知时区“{t}”：请使用 IANA 名称，如 Asia/Shanghai"),
            Self::DeadlineOrder => "单位审核上报截止时间不能早于申报截止时间".into(),
            Self::Notes => format!("备注不能超过 {MAX_NOTES} 字，请删减后再提交"),
        }
    }
    fn invalid_input(&self) -> bool {
        !matches!(self, Self::WrongStatus(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        let field = match self {
            Self::UnknownSeries(_) => "series",
            Self::NoLevels => "levels",
            Self::WindowOrder => "window_end",
            Self::Year => "year",
            Self::Name => "name",
            Self::TimeZone(_) => "time_zone",
            Self::DeadlineOrder => "report_deadline",
            Self::Notes => "notes",
            Self::WrongStatus(_) => return Vec::new(),
        };
        vec![FieldError::new(
            field,
            self.code(),
            self.zh(),
            self.to_string(),
        )]
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Why a submission falls outside the plan. Instants are shown in the plan's time zone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("the plan is not open for declarations")]
    PlanNotOpen,
    #[error("the declaration window opens at {} ({tz})", tz.local(*at))]
    NotYetOpen { at: DateTime<Utc>, tz: PlanTimeZone },
    #[error("the declaration window closed at {} ({tz})", tz.local(*at))]
    Closed { at: DateTime<Utc>, tz: PlanTimeZone },
}

impl WindowError {
    pub fn zh(&self) -> String {
        match self {
            Self::PlanNotOpen => "该评审计划未发布或已关闭，不能申报".into(),
            Self::NotYetOpen { at, tz } => {
                format!(
                    "申报时间尚未开始：开始时间为 {}（{}）",
                    tz.local(*at),
                    tz.zh()
                )
            }
            Self::Closed { at, tz } => {
                format!(
                    "申报时间已截止：截止时间为 {}（{}）",
                    tz.local(*at),
                    tz.zh()
                )
            }
        }
    }
}

/// Why a unit can no longer report a declaration of the plan upward.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the unit report deadline of this plan passed at {} ({tz})", tz.local(*at))]
pub struct DeadlinePassed {
    pub at: DateTime<Utc>,
    pub tz: PlanTimeZone,
}

impl Localized for DeadlinePassed {
    fn code(&self) -> &'static str {
        "plan.report_deadline_passed"
    }
    fn zh(&self) -> String {
        format!(
            "本评审计划的单位审核上报截止时间已过：截止时间为 {}（{}），不能再上报",
            self.tz.local(self.at),
            self.tz.zh()
        )
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

/// Formats an instant in Beijing time (UTC+8, no daylight saving), as notices state deadlines.
pub fn beijing(t: DateTime<Utc>) -> String {
    PlanTimeZone::default().local(t)
}

/// Time left until `end`, as a countdown reads it: (days, hours, minutes), `None` once over.
pub fn remaining(now: DateTime<Utc>, end: DateTime<Utc>) -> Option<(i64, i64, i64)> {
    let left = end - now;
    if left <= chrono::Duration::zero() {
        return None;
    }
    let minutes = left.num_minutes();
    Some((minutes / 1440, minutes % 1440 / 60, minutes % 60))
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
            report_deadline: None,
            time_zone: PlanTimeZone::default(),
            notes: String::new(),
            status: PlanStatus::Draft,
            created_at: now,
            version: 1,
        })
    }

    /// Sets the unit report deadline (not before the window ends) and the time zone.
    ///
    /// # Errors
    /// [`PlanError::DeadlineOrder`] for a deadline before the end of the window.
    pub fn with_schedule(
        mut self,
        report_deadline: Option<DateTime<Utc>>,
        time_zone: PlanTimeZone,
    ) -> Result<Self, PlanError> {
        if report_deadline.is_some_and(|d| d < self.window_end) {
            return Err(PlanError::DeadlineOrder);
        }
        self.report_deadline = report_deadline;
        self.time_zone = time_zone;
        Ok(self)
    }

    /// Sets the notes (trimmed; blank means none).
    ///
    /// # Errors
    /// [`PlanError::Notes`] for notes longer than [`MAX_NOTES`] characters.
    pub fn with_notes(mut self, notes: &str) -> Result<Self, PlanError> {
        let notes = notes.trim();
        if notes.chars().count() > MAX_NOTES {
            return Err(PlanError::Notes);
        }
        self.notes = notes.to_owned();
        Ok(self)
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
            return Err(WindowError::Closed {
                at: self.window_end,
                tz: self.time_zone,
            });
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
            return Err(WindowError::NotYetOpen {
                at: self.window_start,
                tz: self.time_zone,
            });
        }
        Ok(())
    }

    /// Whether a unit may report a declaration of this plan upward at `now` (单位审核上报):
    /// not after the plan's report deadline.
    ///
    /// # Errors
    /// [`DeadlinePassed`] with the deadline in the plan's time zone.
    pub fn accepts_reports(&self, now: DateTime<Utc>) -> Result<(), DeadlinePassed> {
        match self.report_deadline {
            Some(at) if now > at => Err(DeadlinePassed {
                at,
                tz: self.time_zone,
            }),
            _ => Ok(()),
        }
    }

    /// The window and deadline as notices state them, in the plan's zone.
    pub fn window_text(&self) -> String {
        format!(
            "{} 至 {}（{}）",
            self.time_zone.local(self.window_start),
            self.time_zone.local(self.window_end),
            self.time_zone.zh()
        )
    }

    /// The report deadline as notices state it, in the plan's zone.
    pub fn deadline_text(&self) -> Option<String> {
        self.report_deadline
            .map(|d| format!("{}（{}）", self.time_zone.local(d), self.time_zone.zh()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn plan(tz: PlanTimeZone) -> ReviewPlan {
        ReviewPlan::new(
            PlanId(uuid::Uuid::from_u128(1)),
            OrgId(uuid::Uuid::from_u128(2)),
            2026,
            "2026年度工程技术人员职称评审",
            SeriesCode::parse("ENG").unwrap(),
            vec![TitleLevel::Intermediate],
            at("2026-03-01T00:00:00+08:00"),
            at("2026-03-31T23:59:59+08:00"),
            at("2026-02-01T00:00:00Z"),
            Catalog::builtin(),
        )
        .unwrap()
        .with_schedule(Some(at("2026-04-15T17:00:00+08:00")), tz)
        .unwrap()
    }

    #[test]
    fn notes_are_trimmed_optional_and_bounded() {
        let p = plan(PlanTimeZone::default());
        assert_eq!(p.notes, "");
        let p = p
            .with_notes("  请于截止前完成单位公示。\n联系电话：0631-1234567  ")
            .unwrap();
        assert_eq!(p.notes, "请于截止前完成单位公示。\n联系电话：0631-1234567");
        assert_eq!(p.clone().with_notes("   ").unwrap().notes, "");
        let long = "注".repeat(MAX_NOTES);
        assert_eq!(p.clone().with_notes(&long).unwrap().notes, long);
        let e = p.with_notes(&format!("{long}多")).unwrap_err();
        assert_eq!(e, PlanError::Notes);
        assert_eq!(e.fields()[0].field, "notes");
        assert!(e.invalid_input());
    }

    #[test]
    fn days_and_times_are_read_and_shown_in_the_plans_zone() {
        let sh = PlanTimeZone::default();
        assert_eq!(sh.name(), "Asia/Shanghai");
        assert_eq!(
            sh.parse_instant("2026-03-01", false),
            Some(at("2026-02-28T16:00:00Z"))
        );
        assert_eq!(
            sh.parse_instant("2026-03-31", true),
            Some(at("2026-03-31T15:59:59Z"))
        );
        assert_eq!(
            sh.parse_instant("2026-04-15T17:00", false),
            Some(at("2026-04-15T09:00:00Z"))
        );
        let urumqi = PlanTimeZone::parse("Asia/Urumqi").unwrap();
        assert_eq!(urumqi.local(at("2026-04-15T09:00:00Z")), "2026-04-15 15:00");
        assert_eq!(urumqi.zh(), "Asia/Urumqi");
        assert_eq!(
            PlanTimeZone::parse("Mars/Olympus"),
            Err(PlanError::TimeZone("Mars/Olympus".into()))
        );
        assert_eq!(PlanTimeZone::parse(" ").unwrap(), sh);
        let json = serde_json::to_string(&urumqi).unwrap();
        assert_eq!(json, "\"Asia/Urumqi\"");
    }

    #[test]
    fn reporting_after_the_deadline_is_refused_with_the_local_date() {
        let mut p = plan(PlanTimeZone::default());
        p.open().unwrap();
        assert!(p.accepts_reports(at("2026-04-15T08:59:00Z")).is_ok());
        let e = p.accepts_reports(at("2026-04-15T09:01:00Z")).unwrap_err();
        assert!(
            e.zh().contains("2026-04-15 17:00（北京时间）"),
            "{}",
            e.zh()
        );
        assert!(e.to_string().contains("2026-04-15 17:00 (Asia/Shanghai)"));
        let w = p
            .accepts_submissions(at("2026-04-01T00:00:00Z"))
            .unwrap_err();
        assert!(
            w.zh().contains("2026-03-31 23:59（北京时间）"),
            "{}",
            w.zh()
        );
        let no_deadline = plan(PlanTimeZone::default())
            .with_schedule(None, PlanTimeZone::default())
            .unwrap();
        assert!(
            no_deadline
                .accepts_reports(at("2030-01-01T00:00:00Z"))
                .is_ok()
        );
        let early = plan(PlanTimeZone::default())
            .with_schedule(Some(at("2026-03-30T00:00:00Z")), PlanTimeZone::default());
        assert_eq!(early.unwrap_err(), PlanError::DeadlineOrder);
    }

    #[test]
    fn the_countdown_counts_days_hours_and_minutes() {
        let end = at("2026-03-31T15:59:59Z");
        assert_eq!(remaining(at("2026-03-29T12:00:00Z"), end), Some((2, 3, 59)));
        assert_eq!(remaining(end, end), None);
    }
}
