//! The holder's queue (职称申报数据审核 / 上报 lists): what a reviewer may filter by, how a page
//! is asked for, and the opaque cursor that continues a list (keyset paging on
//! `(held_since, id)`, a stable order that new arrivals cannot shift).
//!
//! Everything here is parsed once from what a person or a script typed; the store and the
//! adapters only ever see the parsed values.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use zhicheng_kernel::{CaseId, FieldError, Localized, SeriesCode, TitleLevel};

use crate::CaseStatus;
use crate::ports::CaseRow;

/// Rows on a page when the caller does not say.
pub const DEFAULT_PAGE_SIZE: u32 = 50;
/// Most rows on one page.
pub const MAX_PAGE_SIZE: u32 = 200;
/// Longest name fragment searched for, in characters.
pub const MAX_NAME_CHARS: usize = 30;

/// A piece of an applicant's name to look for (substring, exact characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameFragment(String);

impl NameFragment {
    /// The text searched for.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `name` contains the fragment.
    pub fn matches(&self, name: &str) -> bool {
        name.contains(&self.0)
    }
}

/// Where the next page starts: right after the case held since `held_since` with `id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseCursor {
    pub held_since: DateTime<Utc>,
    pub id: CaseId,
}

impl CaseCursor {
    /// The cursor that continues after `case`.
    pub fn after(case: &crate::ReviewCase) -> CaseCursor {
        CaseCursor {
            held_since: case.held_since,
            id: case.id,
        }
    }

    /// The opaque text form (56 hex digits: seconds, nanoseconds, id).
    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(28);
        bytes.extend_from_slice(&self.held_since.timestamp().to_be_bytes());
        bytes.extend_from_slice(&self.held_since.timestamp_subsec_nanos().to_be_bytes());
        bytes.extend_from_slice(self.id.0.as_bytes());
        hex::encode(bytes)
    }

    /// Reads what [`CaseCursor::encode`] wrote; anything else is `None`.
    pub fn decode(s: &str) -> Option<CaseCursor> {
        let bytes = hex::decode(s).ok()?;
        if bytes.len() != 28 {
            return None;
        }
        let secs = i64::from_be_bytes(bytes[0..8].try_into().ok()?);
        let nanos = u32::from_be_bytes(bytes[8..12].try_into().ok()?);
        let id = uuid::Uuid::from_slice(&bytes[12..28]).ok()?;
        let held_since = DateTime::from_timestamp(secs, nanos).filter(|_| nanos < 1_000_000_000)?;
        Some(CaseCursor {
            held_since,
            id: CaseId(id),
        })
    }
}

/// Which page of a queue: up to `size` rows after `after` (the first page without it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub after: Option<CaseCursor>,
    size: u32,
}

impl PageRequest {
    /// The first page of `size` rows, clamped to 1..=[`MAX_PAGE_SIZE`].
    pub fn first(size: u32) -> PageRequest {
        PageRequest {
            after: None,
            size: size.clamp(1, MAX_PAGE_SIZE),
        }
    }

    /// The page of `size` rows (clamped) after `cursor`.
    pub fn after(cursor: CaseCursor, size: u32) -> PageRequest {
        PageRequest {
            after: Some(cursor),
            ..PageRequest::first(size)
        }
    }

    /// Rows on the page (1..=[`MAX_PAGE_SIZE`]).
    pub fn size(&self) -> u32 {
        self.size
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest::first(DEFAULT_PAGE_SIZE)
    }
}

/// One page of a queue, in `(held_since, id)` order; `next` continues it when there is more.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    pub next: Option<CaseCursor>,
}

/// How many cases of the current filter are in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusCount {
    pub status: CaseStatus,
    pub count: u64,
}

/// A page of the queue with the counts per status of everything the filter matches when its
/// status is left out (the tabs above the list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuePage {
    pub rows: Vec<CaseRow>,
    pub next: Option<CaseCursor>,
    /// Statuses with at least one case, in [`CaseStatus::ALL`] order.
    pub counts: Vec<StatusCount>,
}

impl QueuePage {
    /// Cases in every status (the 全部 tab).
    pub fn total(&self) -> u64 {
        self.counts.iter().map(|c| c.count).sum()
    }
}

/// The queue filters as typed (query string or form), before parsing. Blank means "any".
#[derive(Debug, Clone, Copy, Default)]
pub struct RawQueueQuery<'a> {
    pub status: Option<&'a str>,
    pub series: Option<&'a str>,
    pub level: Option<&'a str>,
    pub name: Option<&'a str>,
    /// First submission day, `YYYY-MM-DD` (Beijing time), inclusive.
    pub submitted_from: Option<&'a str>,
    /// Last submission day, `YYYY-MM-DD` (Beijing time), inclusive.
    pub submitted_to: Option<&'a str>,
    /// Rows per page, 1..=[`MAX_PAGE_SIZE`].
    pub page_size: Option<&'a str>,
    /// The `next` cursor of the previous page.
    pub after: Option<&'a str>,
}

/// The queue filters and page, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueQuery {
    pub status: Option<CaseStatus>,
    pub series: Option<SeriesCode>,
    pub level: Option<TitleLevel>,
    pub name: Option<NameFragment>,
    pub submitted_from: Option<NaiveDate>,
    pub submitted_to: Option<NaiveDate>,
    pub page: PageRequest,
}

/// Why the queue filters could not be read: every bad field, with how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the queue filters are invalid: {}", .0.iter().map(|f| f.en.as_str()).collect::<Vec<_>>().join("; "))]
pub struct QueueQueryError(pub Vec<FieldError>);

impl Localized for QueueQueryError {
    fn code(&self) -> &'static str {
        "queue.invalid_filter"
    }
    fn zh(&self) -> String {
        let parts: Vec<&str> = self.0.iter().map(|f| f.zh.as_str()).collect();
        format!("查询条件有误：{}", parts.join("；"))
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<FieldError> {
        self.0.clone()
    }
}

fn blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

/// Midnight at the start of `day` in Beijing time (UTC+8, no daylight saving), as an instant.
pub fn beijing_midnight(day: NaiveDate) -> DateTime<Utc> {
    Utc.from_utc_datetime(&day.and_time(chrono::NaiveTime::MIN)) - chrono::Duration::hours(8)
}

impl QueueQuery {
    /// Parses every field; all problems are reported at once.
    ///
    /// # Errors
    /// [`QueueQueryError`] naming each invalid field and what to type instead.
    pub fn parse(raw: &RawQueueQuery<'_>) -> Result<QueueQuery, QueueQueryError> {
        let mut errors = Vec::new();
        let mut bad = |field: &str, zh: &str, en: &str| {
            errors.push(FieldError::new(
                field,
                &format!("queue.invalid_{field}"),
                zh,
                en,
            ));
        };
        let status = blank(raw.status).and_then(|s| {
            let parsed = CaseStatus::parse(s);
            if parsed.is_none() {
                bad(
                    "status",
                    "状态无效，请从列表中选择",
                    "unknown status: use one of unit_review, ready_to_report, in_transit, …",
                );
            }
            parsed
        });
        let series = blank(raw.series).and_then(|s| match SeriesCode::parse(s) {
            Ok(v) => Some(v),
            Err(_) => {
                bad(
                    "series",
                    "职称系列无效，请从列表中选择",
                    "unknown series code (e.g. ENG)",
                );
                None
            }
        });
        let level = blank(raw.level).and_then(|s| match TitleLevel::parse(s) {
            Ok(v) => Some(v),
            Err(_) => {
                bad(
                    "level",
                    "职称级别无效，请从列表中选择",
                    "unknown level: use primary, intermediate, senior_deputy or senior_full",
                );
                None
            }
        });
        let name = blank(raw.name).and_then(|s| {
            if s.chars().count() > MAX_NAME_CHARS || s.chars().any(char::is_control) {
                bad(
                    "name",
                    &format!("姓名查询请输入不超过 {MAX_NAME_CHARS} 个字"),
                    &format!("type at most {MAX_NAME_CHARS} characters of the name"),
                );
                None
            } else {
                Some(NameFragment(s.to_owned()))
            }
        });
        let mut day = |field: &str, v: Option<&str>| {
            blank(v).and_then(|s| match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    bad(
                        field,
                        "日期格式应为 年-月-日，例如 2026-03-01",
                        "use a date as YYYY-MM-DD, e.g. 2026-03-01",
                    );
                    None
                }
            })
        };
        let submitted_from = day("submitted_from", raw.submitted_from);
        let submitted_to = day("submitted_to", raw.submitted_to);
        if let (Some(f), Some(t)) = (submitted_from, submitted_to)
            && f > t
        {
            bad(
                "submitted_to",
                "截止日期不能早于起始日期",
                "the last day must not be before the first day",
            );
        }
        let size = match blank(raw.page_size) {
            None => DEFAULT_PAGE_SIZE,
            Some(s) => match s.parse::<u32>() {
                Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => n,
                _ => {
                    bad(
                        "page_size",
                        &format!("每页条数应为 1–{MAX_PAGE_SIZE} 的整数"),
                        &format!("page_size must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                    );
                    DEFAULT_PAGE_SIZE
                }
            },
        };
        let after = blank(raw.after).and_then(|s| {
            let c = CaseCursor::decode(s);
            if c.is_none() {
                bad(
                    "after",
                    "翻页标记无效，请从第一页重新查询",
                    "the cursor is not one this server gave out: start again from the first page",
                );
            }
            c
        });
        if !errors.is_empty() {
            return Err(QueueQueryError(errors));
        }
        Ok(QueueQuery {
            status,
            series,
            level,
            name,
            submitted_from,
            submitted_to,
            page: PageRequest { after, size },
        })
    }

    /// Submitted at or after this instant (start of the first day, Beijing time).
    pub fn submitted_since(&self) -> Option<DateTime<Utc>> {
        self.submitted_from.map(beijing_midnight)
    }

    /// Submitted before this instant (start of the day after the last day, Beijing time).
    pub fn submitted_before(&self) -> Option<DateTime<Utc>> {
        self.submitted_to
            .and_then(|d| d.succ_opt())
            .map(beijing_midnight)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_to_the_nanosecond_and_refuse_anything_else() {
        let c = CaseCursor {
            held_since: DateTime::from_timestamp(1_780_000_000, 123_456_789).unwrap(),
            id: CaseId(uuid::Uuid::now_v7()),
        };
        let text = c.encode();
        assert_eq!(text.len(), 56);
        assert_eq!(CaseCursor::decode(&text), Some(c));
        assert_eq!(CaseCursor::decode(&text[..54]), None);
        assert_eq!(CaseCursor::decode("zz"), None);
        let mut bad_nanos = text.clone();
        bad_nanos.replace_range(16..24, "ffffffff");
        assert_eq!(CaseCursor::decode(&bad_nanos), None);
    }

    #[test]
    fn a_query_parses_every_field_or_names_every_bad_one() {
        let q = QueueQuery::parse(&RawQueueQuery {
            status: Some("unit_review"),
            series: Some("ENG"),
            level: Some("intermediate"),
            name: Some(" 王 "),
            submitted_from: Some("2026-03-01"),
            submitted_to: Some("2026-03-31"),
            page_size: Some("20"),
            after: None,
        })
        .unwrap();
        assert_eq!(q.status, Some(CaseStatus::UnitReview));
        assert_eq!(q.name.as_ref().map(NameFragment::as_str), Some("王"));
        assert_eq!(q.page.size(), 20);
        // Beijing days: 2026-03-01 00:00 +08:00 up to 2026-04-01 00:00 +08:00.
        assert_eq!(
            q.submitted_since().unwrap().to_rfc3339(),
            "2026-02-28T16:00:00+00:00"
        );
        assert_eq!(
            q.submitted_before().unwrap().to_rfc3339(),
            "2026-03-31T16:00:00+00:00"
        );
        assert_eq!(
            QueueQuery::parse(&RawQueueQuery::default()).unwrap(),
            QueueQuery::default()
        );
        let e = QueueQuery::parse(&RawQueueQuery {
            status: Some("nope"),
            level: Some("giant"),
            name: Some(&"长".repeat(31)),
            submitted_from: Some("2026-04-01"),
            submitted_to: Some("2026-03-01"),
            page_size: Some("500"),
            after: Some("abc"),
            ..RawQueueQuery::default()
        })
        .unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "status",
                "level",
                "name",
                "submitted_to",
                "page_size",
                "after"
            ]
        );
        assert!(e.invalid_input());
        assert!(e.zh().starts_with("查询条件有误"));
    }

    #[test]
    fn page_sizes_are_clamped() {
        assert_eq!(PageRequest::first(0).size(), 1);
        assert_eq!(PageRequest::first(10_000).size(), MAX_PAGE_SIZE);
        assert_eq!(PageRequest::default().size(), DEFAULT_PAGE_SIZE);
    }
}
