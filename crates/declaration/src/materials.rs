//! The structured sections of a declaration (申报材料): education and degrees, the current
//! title, work history, achievements, annual assessments, continuing-education hours and a
//! free personal summary.
//!
//! Input arrives as [`RawMaterials`] / [`RawSection`] — every field a string exactly as typed —
//! and is parsed here into typed rows (year-months, dates, enums). Every problem names its
//! field by path (`education[1].to`) so a form can show it next to the input, and all problems
//! of a section are reported at once. A row left completely blank is ignored (an unused "add a
//! row" line of a form).
//!
//! [`Materials::missing`] is the completeness check (一次性告知): every missing item at once.
//! [`diff`] compares two versions field by field for reviewers.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{FieldError, SeriesCode, TitleLevel};

use crate::Catalog;
use crate::declaration::DeclarationKind;

const MAX_TEXT: usize = 100;
const MAX_DETAILS: usize = 2_000;
const MAX_SUMMARY: usize = 20_000;
const MAX_ROWS: usize = 50;

/// A month of a year, written `2008-09`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: i32,
    month: u32,
}

impl YearMonth {
    /// Accepts `2008-09`, `2008.09`, `2008/9`, `2008年9月` and a full date `2008-09-01` (its
    /// month is kept); years 1900–2100.
    pub fn parse(s: &str) -> Option<YearMonth> {
        let t = s.trim().trim_end_matches('月');
        let mut parts = t.split(['-', '.', '/', '年']).map(str::trim);
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        if let Some(day) = parts.next() {
            let day: u32 = day.trim_end_matches('日').parse().ok()?;
            NaiveDate::from_ymd_opt(year, month, day)?;
        }
        if parts.next().is_some() || !(1900..=2100).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        Some(YearMonth { year, month })
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn month(self) -> u32 {
        self.month
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for YearMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        YearMonth::parse(&s).ok_or_else(|| serde::de::Error::custom("expected YYYY-MM"))
    }
}

/// Declares a closed set of choices with a code, a Chinese name and a parser that takes either.
macro_rules! choices {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $code:literal / $zh:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $code),+ }
            }

            pub fn zh(self) -> &'static str {
                match self { $($name::$v => $zh),+ }
            }

            /// The code or the Chinese name.
            pub fn parse(s: &str) -> Option<$name> {
                let t = s.trim();
                Self::ALL.iter().copied().find(|c| c.as_str() == t || c.zh() == t)
            }
        }
    };
}

choices! {
    /// 学历.
    EducationLevel {
        Doctorate = "doctorate" / "博士研究生",
        Master = "master" / "硕士研究生",
        Bachelor = "bachelor" / "大学本科",
        Associate = "associate" / "大学专科",
        Secondary = "secondary" / "中专",
        Other = "other" / "其他",
    }
}

choices! {
    /// 学位.
    Degree {
        None = "none" / "无",
        Bachelor = "bachelor" / "学士",
        Master = "master" / "硕士",
        Doctor = "doctor" / "博士",
    }
}

choices! {
    /// Kind of achievement (业绩成果).
    AchievementKind {
        Paper = "paper" / "论文",
        Book = "book" / "著作",
        Patent = "patent" / "专利",
        Project = "project" / "项目",
        Award = "award" / "奖项",
        Standard = "standard" / "标准",
    }
}

choices! {
    /// Result of an annual assessment (年度考核).
    AssessmentResult {
        Excellent = "excellent" / "优秀",
        Pass = "pass" / "合格",
        BasicPass = "basic_pass" / "基本合格",
        Fail = "fail" / "不合格",
    }
}

/// One school attended (学历学位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Education {
    pub school: String,
    pub major: String,
    pub level: EducationLevel,
    pub degree: Degree,
    pub from: YearMonth,
    pub to: YearMonth,
}

/// The title held now (现任职称).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentTitle {
    pub series: SeriesCode,
    pub level: TitleLevel,
    pub obtained: NaiveDate,
    pub certificate_number: String,
}

/// One job (工作经历); `to: None` means 至今.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkEntry {
    pub from: YearMonth,
    pub to: Option<YearMonth>,
    pub employer: String,
    pub position: String,
}

/// One achievement (业绩成果): a paper, book, patent, project, award or standard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Achievement {
    pub kind: AchievementKind,
    pub title: String,
    pub date: YearMonth,
    /// The applicant's role or rank, e.g. 第一作者, 主持, 排名第2.
    pub role: String,
    #[serde(default)]
    pub details: String,
}

/// One year's assessment result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub year: i32,
    pub result: AssessmentResult,
}

/// Continuing-education hours (继续教育学时) of one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingHours {
    pub year: i32,
    pub hours: u32,
}

/// The written sections of a declaration, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Materials {
    #[serde(default)]
    pub education: Vec<Education>,
    #[serde(default)]
    pub current_title: Option<CurrentTitle>,
    #[serde(default)]
    pub work_history: Vec<WorkEntry>,
    #[serde(default)]
    pub achievements: Vec<Achievement>,
    #[serde(default)]
    pub assessments: Vec<Assessment>,
    #[serde(default)]
    pub continuing_education: Vec<TrainingHours>,
    /// 个人总结 (free text, optional).
    #[serde(default)]
    pub summary: String,
}

/// The sections, in the order the form shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaterialsSection {
    Education,
    CurrentTitle,
    WorkHistory,
    Achievements,
    Assessments,
    ContinuingEducation,
    Summary,
}

impl MaterialsSection {
    pub const ALL: [MaterialsSection; 7] = [
        MaterialsSection::Education,
        MaterialsSection::CurrentTitle,
        MaterialsSection::WorkHistory,
        MaterialsSection::Achievements,
        MaterialsSection::Assessments,
        MaterialsSection::ContinuingEducation,
        MaterialsSection::Summary,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Education => "education",
            Self::CurrentTitle => "current_title",
            Self::WorkHistory => "work_history",
            Self::Achievements => "achievements",
            Self::Assessments => "assessments",
            Self::ContinuingEducation => "continuing_education",
            Self::Summary => "summary",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            Self::Education => "学历学位",
            Self::CurrentTitle => "现任职称",
            Self::WorkHistory => "工作经历",
            Self::Achievements => "业绩成果",
            Self::Assessments => "年度考核",
            Self::ContinuingEducation => "继续教育学时",
            Self::Summary => "个人总结",
        }
    }

    pub fn parse(s: &str) -> Option<MaterialsSection> {
        Self::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
}

/// An education row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawEducation {
    pub school: String,
    pub major: String,
    pub level: String,
    pub degree: String,
    pub from: String,
    pub to: String,
}

/// The current title as typed; all blank means none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawCurrentTitle {
    pub series: String,
    pub level: String,
    pub obtained: String,
    pub certificate_number: String,
}

/// A work-history row as typed (`to` blank: 至今).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawWork {
    pub from: String,
    pub to: String,
    pub employer: String,
    pub position: String,
}

/// An achievement row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAchievement {
    pub kind: String,
    pub title: String,
    pub date: String,
    pub role: String,
    pub details: String,
}

/// An assessment row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawAssessment {
    pub year: String,
    pub result: String,
}

/// A continuing-education row as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawHours {
    pub year: String,
    pub hours: String,
}

/// Every section as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawMaterials {
    pub education: Vec<RawEducation>,
    pub current_title: RawCurrentTitle,
    pub work_history: Vec<RawWork>,
    pub achievements: Vec<RawAchievement>,
    pub assessments: Vec<RawAssessment>,
    pub continuing_education: Vec<RawHours>,
    pub summary: String,
}

/// One section as typed, to save on its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawSection {
    Education(Vec<RawEducation>),
    CurrentTitle(RawCurrentTitle),
    WorkHistory(Vec<RawWork>),
    Achievements(Vec<RawAchievement>),
    Assessments(Vec<RawAssessment>),
    ContinuingEducation(Vec<RawHours>),
    Summary(String),
}

impl RawSection {
    pub fn section(&self) -> MaterialsSection {
        match self {
            Self::Education(_) => MaterialsSection::Education,
            Self::CurrentTitle(_) => MaterialsSection::CurrentTitle,
            Self::WorkHistory(_) => MaterialsSection::WorkHistory,
            Self::Achievements(_) => MaterialsSection::Achievements,
            Self::Assessments(_) => MaterialsSection::Assessments,
            Self::ContinuingEducation(_) => MaterialsSection::ContinuingEducation,
            Self::Summary(_) => MaterialsSection::Summary,
        }
    }
}

/// Collects the problems of one section while parsing it.
struct Problems(Vec<FieldError>);

impl Problems {
    fn push(&mut self, field: String, code: &str, zh: String, en: String) {
        self.0.push(FieldError {
            field,
            code: format!("materials.{code}"),
            zh,
            en,
        });
    }

    /// Trimmed text of 1..=max characters (or 0..=max when optional).
    fn text(&mut self, field: String, label: &str, v: &str, max: usize, required: bool) -> String {
        let t = v.trim();
        let n = t.chars().count();
        if required && n == 0 {
            self.push(
                field,
                "required",
                format!("请填写{label}"),
                format!("{label} is required"),
            );
        } else if n > max {
            self.push(
                field,
                "too_long",
                format!("{label}不能超过 {max} 字"),
                format!("{label}: at most {max} characters"),
            );
        }
        t.to_owned()
    }

    fn year_month(&mut self, field: String, label: &str, v: &str) -> Option<YearMonth> {
        if v.trim().is_empty() {
            self.push(
                field,
                "required",
                format!("请填写{label}（年月，如 2008-09）"),
                format!("{label} is required (year and month, e.g. 2008-09)"),
            );
            return None;
        }
        let r = YearMonth::parse(v);
        if r.is_none() {
            self.push(
                field,
                "year_month",
                format!("{label}应为年月，如 2008-09"),
                format!("{label}: write the year and month, e.g. 2008-09"),
            );
        }
        r
    }

    fn choice<T>(
        &mut self,
        field: String,
        label: &str,
        v: &str,
        parse: impl Fn(&str) -> Option<T>,
        options: &str,
    ) -> Option<T> {
        if v.trim().is_empty() {
            self.push(
                field,
                "required",
                format!("请选择{label}"),
                format!("choose the {label}"),
            );
            return None;
        }
        let r = parse(v);
        if r.is_none() {
            self.push(
                field,
                "choice",
                format!("{label}应为：{options}"),
                format!("{label}: choose one of {options}"),
            );
        }
        r
    }

    fn year(&mut self, field: String, label: &str, v: &str) -> Option<i32> {
        match v.trim().parse::<i32>() {
            Ok(y) if (1950..=2100).contains(&y) => Some(y),
            _ if v.trim().is_empty() => {
                self.push(
                    field,
                    "required",
                    format!("请填写{label}"),
                    format!("{label} is required"),
                );
                None
            }
            _ => {
                self.push(
                    field,
                    "year",
                    format!("{label}应为四位年份，如 2024"),
                    format!("{label}: a four-digit year, e.g. 2024"),
                );
                None
            }
        }
    }

    fn order(&mut self, field: String, from: Option<YearMonth>, to: Option<YearMonth>) {
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            self.push(
                field,
                "order",
                "结束年月不能早于开始年月".into(),
                "the end must not be before the start".into(),
            );
        }
    }

    fn rows(&mut self, section: &str, n: usize) -> bool {
        if n > MAX_ROWS {
            self.push(
                section.to_owned(),
                "too_many",
                format!("最多填写 {MAX_ROWS} 条"),
                format!("at most {MAX_ROWS} rows"),
            );
            return false;
        }
        true
    }

    fn done<T>(self, v: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(v)
        } else {
            Err(self.0)
        }
    }
}

fn options<T: Copy>(all: &[T], zh: impl Fn(T) -> &'static str) -> String {
    all.iter().map(|x| zh(*x)).collect::<Vec<_>>().join("、")
}

fn blank(fields: &[&str]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

/// Parses education rows; blank rows are skipped, field paths keep the typed row index.
///
/// # Errors
/// Every problem of the section.
pub fn parse_education(rows: &[RawEducation]) -> Result<Vec<Education>, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let mut out = Vec::new();
    if !p.rows("education", rows.len()) {
        return p.done(out);
    }
    for (i, r) in rows.iter().enumerate() {
        if blank(&[&r.school, &r.major, &r.level, &r.degree, &r.from, &r.to]) {
            continue;
        }
        let f = |name: &str| format!("education[{i}].{name}");
        let school = p.text(f("school"), "毕业院校", &r.school, MAX_TEXT, true);
        let major = p.text(f("major"), "所学专业", &r.major, MAX_TEXT, true);
        let level = p.choice(
            f("level"),
            "学历",
            &r.level,
            EducationLevel::parse,
            &options(EducationLevel::ALL, EducationLevel::zh),
        );
        let degree = if r.degree.trim().is_empty() {
            Some(Degree::None)
        } else {
            p.choice(
                f("degree"),
                "学位",
                &r.degree,
                Degree::parse,
                &options(Degree::ALL, Degree::zh),
            )
        };
        let from = p.year_month(f("from"), "入学年月", &r.from);
        let to = p.year_month(f("to"), "毕业年月", &r.to);
        p.order(f("to"), from, to);
        if let (Some(level), Some(degree), Some(from), Some(to)) = (level, degree, from, to) {
            out.push(Education {
                school,
                major,
                level,
                degree,
                from,
                to,
            });
        }
    }
    p.done(out)
}

/// Parses the current title; all blank is `None`.
///
/// # Errors
/// Every problem of the section.
pub fn parse_current_title(
    r: &RawCurrentTitle,
    catalog: &Catalog,
) -> Result<Option<CurrentTitle>, Vec<FieldError>> {
    if blank(&[&r.series, &r.level, &r.obtained, &r.certificate_number]) {
        return Ok(None);
    }
    let mut p = Problems(Vec::new());
    let f = |name: &str| format!("current_title.{name}");
    let series = p.choice(
        f("series"),
        "职称系列",
        &r.series,
        |s| catalog.find_text(s).map(|x| x.code.clone()),
        "职称目录中的系列",
    );
    let level = p.choice(
        f("level"),
        "职称级别",
        &r.level,
        |s| TitleLevel::parse(s).ok(),
        "正高级、副高级、中级、助理级、员级",
    );
    let obtained = if r.obtained.trim().is_empty() {
        p.push(
            f("obtained"),
            "required",
            "请填写取得时间（如 2018-12-31）".into(),
            "the date obtained is required (e.g. 2018-12-31)".into(),
        );
        None
    } else {
        let d = NaiveDate::parse_from_str(r.obtained.trim(), "%Y-%m-%d").ok();
        if d.is_none() {
            p.push(
                f("obtained"),
                "date",
                "取得时间应为日期，如 2018-12-31".into(),
                "the date obtained: write a date, e.g. 2018-12-31".into(),
            );
        }
        d
    };
    let number = p.text(
        f("certificate_number"),
        "证书编号",
        &r.certificate_number,
        50,
        true,
    );
    let v = match (series, level, obtained) {
        (Some(series), Some(level), Some(obtained)) => Some(CurrentTitle {
            series,
            level,
            obtained,
            certificate_number: number,
        }),
        _ => None,
    };
    p.done(v)
}

/// Parses work-history rows.
///
/// # Errors
/// Every problem of the section.
pub fn parse_work_history(rows: &[RawWork]) -> Result<Vec<WorkEntry>, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let mut out = Vec::new();
    if !p.rows("work_history", rows.len()) {
        return p.done(out);
    }
    for (i, r) in rows.iter().enumerate() {
        if blank(&[&r.from, &r.to, &r.employer, &r.position]) {
            continue;
        }
        let f = |name: &str| format!("work_history[{i}].{name}");
        let from = p.year_month(f("from"), "起始年月", &r.from);
        let to = match r.to.trim() {
            "" | "至今" | "今" => Ok(None),
            t => p.year_month(f("to"), "截止年月", t).map(Some).ok_or(()),
        };
        if let Ok(t) = to {
            p.order(f("to"), from, t);
        }
        let employer = p.text(f("employer"), "工作单位", &r.employer, MAX_TEXT, true);
        let position = p.text(f("position"), "职务/岗位", &r.position, MAX_TEXT, true);
        if let (Some(from), Ok(to)) = (from, to) {
            out.push(WorkEntry {
                from,
                to,
                employer,
                position,
            });
        }
    }
    p.done(out)
}

/// Parses achievement rows.
///
/// # Errors
/// Every problem of the section.
pub fn parse_achievements(rows: &[RawAchievement]) -> Result<Vec<Achievement>, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let mut out = Vec::new();
    if !p.rows("achievements", rows.len()) {
        return p.done(out);
    }
    for (i, r) in rows.iter().enumerate() {
        if blank(&[&r.kind, &r.title, &r.date, &r.role, &r.details]) {
            continue;
        }
        let f = |name: &str| format!("achievements[{i}].{name}");
        let kind = p.choice(
            f("kind"),
            "成果类别",
            &r.kind,
            AchievementKind::parse,
            &options(AchievementKind::ALL, AchievementKind::zh),
        );
        let title = p.text(f("title"), "成果名称", &r.title, 200, true);
        let date = p.year_month(f("date"), "取得年月", &r.date);
        let role = p.text(f("role"), "本人角色/排名", &r.role, 50, true);
        let details = p.text(f("details"), "说明", &r.details, MAX_DETAILS, false);
        if let (Some(kind), Some(date)) = (kind, date) {
            out.push(Achievement {
                kind,
                title,
                date,
                role,
                details,
            });
        }
    }
    p.done(out)
}

/// Parses assessment rows; each year at most once.
///
/// # Errors
/// Every problem of the section.
pub fn parse_assessments(rows: &[RawAssessment]) -> Result<Vec<Assessment>, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let mut out: Vec<Assessment> = Vec::new();
    if !p.rows("assessments", rows.len()) {
        return p.done(out);
    }
    for (i, r) in rows.iter().enumerate() {
        if blank(&[&r.year, &r.result]) {
            continue;
        }
        let f = |name: &str| format!("assessments[{i}].{name}");
        let year = p.year(f("year"), "考核年度", &r.year);
        let result = p.choice(
            f("result"),
            "考核结果",
            &r.result,
            AssessmentResult::parse,
            &options(AssessmentResult::ALL, AssessmentResult::zh),
        );
        if let Some(y) = year
            && out.iter().any(|a| a.year == y)
        {
            p.push(
                f("year"),
                "duplicate_year",
                format!("{y} 年度已填写过"),
                format!("{y} is listed twice"),
            );
            continue;
        }
        if let (Some(year), Some(result)) = (year, result) {
            out.push(Assessment { year, result });
        }
    }
    p.done(out)
}

/// Parses continuing-education rows; each year at most once, 0–2000 hours.
///
/// # Errors
/// Every problem of the section.
pub fn parse_hours(rows: &[RawHours]) -> Result<Vec<TrainingHours>, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let mut out: Vec<TrainingHours> = Vec::new();
    if !p.rows("continuing_education", rows.len()) {
        return p.done(out);
    }
    for (i, r) in rows.iter().enumerate() {
        if blank(&[&r.year, &r.hours]) {
            continue;
        }
        let f = |name: &str| format!("continuing_education[{i}].{name}");
        let year = p.year(f("year"), "年度", &r.year);
        let hours = match r.hours.trim().parse::<u32>() {
            Ok(h) if h <= 2000 => Some(h),
            _ => {
                p.push(
                    f("hours"),
                    "hours",
                    "学时应为 0–2000 之间的整数".into(),
                    "hours: a whole number from 0 to 2000".into(),
                );
                None
            }
        };
        if let Some(y) = year
            && out.iter().any(|a| a.year == y)
        {
            p.push(
                f("year"),
                "duplicate_year",
                format!("{y} 年度已填写过"),
                format!("{y} is listed twice"),
            );
            continue;
        }
        if let (Some(year), Some(hours)) = (year, hours) {
            out.push(TrainingHours { year, hours });
        }
    }
    p.done(out)
}

/// Parses the personal summary.
///
/// # Errors
/// When it is too long.
pub fn parse_summary(s: &str) -> Result<String, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let v = p.text("summary".into(), "个人总结", s, MAX_SUMMARY, false);
    p.done(v)
}

impl RawMaterials {
    /// A complete example declaration (for documentation, the demo and tests).
    pub fn example() -> RawMaterials {
        RawMaterials {
            education: vec![RawEducation {
                school: "山东大学".into(),
                major: "电气工程及其自动化".into(),
                level: "大学本科".into(),
                degree: "学士".into(),
                from: "2004-09".into(),
                to: "2008-07".into(),
            }],
            current_title: RawCurrentTitle {
                series: "ENG".into(),
                level: "intermediate".into(),
                obtained: "2015-12-31".into(),
                certificate_number: "鲁工程2015-001".into(),
            },
            work_history: vec![RawWork {
                from: "2008-07".into(),
                to: String::new(),
                employer: "威海市文登区人民医院".into(),
                position: "设备科工程师".into(),
            }],
            achievements: vec![RawAchievement {
                kind: "project".into(),
                title: "院区配电改造".into(),
                date: "2020-05".into(),
                role: "主持".into(),
                details: String::new(),
            }],
            assessments: vec![RawAssessment {
                year: "2024".into(),
                result: "优秀".into(),
            }],
            continuing_education: vec![RawHours {
                year: "2024".into(),
                hours: "90".into(),
            }],
            summary: String::new(),
        }
    }

    /// Parses every section, reporting every problem of every section at once (a current
    /// title's series is looked up in `catalog`).
    ///
    /// # Errors
    /// All problems, each naming its field.
    pub fn parse(&self, catalog: &Catalog) -> Result<Materials, Vec<FieldError>> {
        let mut m = Materials::default();
        let mut problems = Vec::new();
        for raw in self.clone().sections() {
            if let Err(mut e) = m.apply(raw, catalog) {
                problems.append(&mut e);
            }
        }
        if problems.is_empty() {
            Ok(m)
        } else {
            Err(problems)
        }
    }

    /// The sections one by one.
    pub fn sections(self) -> [RawSection; 7] {
        [
            RawSection::Education(self.education),
            RawSection::CurrentTitle(self.current_title),
            RawSection::WorkHistory(self.work_history),
            RawSection::Achievements(self.achievements),
            RawSection::Assessments(self.assessments),
            RawSection::ContinuingEducation(self.continuing_education),
            RawSection::Summary(self.summary),
        ]
    }
}

impl Materials {
    /// Replaces one section with its parsed input; nothing changes on a problem.
    ///
    /// # Errors
    /// Every problem of the section.
    pub fn apply(&mut self, raw: RawSection, catalog: &Catalog) -> Result<(), Vec<FieldError>> {
        match raw {
            RawSection::Education(r) => self.education = parse_education(&r)?,
            RawSection::CurrentTitle(r) => {
                self.current_title = parse_current_title(&r, catalog)?;
            }
            RawSection::WorkHistory(r) => self.work_history = parse_work_history(&r)?,
            RawSection::Achievements(r) => self.achievements = parse_achievements(&r)?,
            RawSection::Assessments(r) => self.assessments = parse_assessments(&r)?,
            RawSection::ContinuingEducation(r) => self.continuing_education = parse_hours(&r)?,
            RawSection::Summary(s) => self.summary = parse_summary(&s)?,
        }
        Ok(())
    }

    /// Saves every given section that parses and keeps the others as they were; returns the
    /// problems of the sections not saved (empty when all were).
    pub fn apply_valid(&mut self, sections: Vec<RawSection>, catalog: &Catalog) -> Vec<FieldError> {
        let mut problems = Vec::new();
        for section in sections {
            if let Err(mut e) = self.apply(section, catalog) {
                problems.append(&mut e);
            }
        }
        problems
    }

    /// The sections written back as text fields (what a form shows).
    pub fn raw(&self) -> RawMaterials {
        RawMaterials {
            education: self
                .education
                .iter()
                .map(|e| RawEducation {
                    school: e.school.clone(),
                    major: e.major.clone(),
                    level: e.level.as_str().into(),
                    degree: e.degree.as_str().into(),
                    from: e.from.to_string(),
                    to: e.to.to_string(),
                })
                .collect(),
            current_title: self
                .current_title
                .as_ref()
                .map(|c| RawCurrentTitle {
                    series: c.series.to_string(),
                    level: c.level.as_str().into(),
                    obtained: c.obtained.to_string(),
                    certificate_number: c.certificate_number.clone(),
                })
                .unwrap_or_default(),
            work_history: self
                .work_history
                .iter()
                .map(|w| RawWork {
                    from: w.from.to_string(),
                    to: w.to.map(|t| t.to_string()).unwrap_or_default(),
                    employer: w.employer.clone(),
                    position: w.position.clone(),
                })
                .collect(),
            achievements: self
                .achievements
                .iter()
                .map(|a| RawAchievement {
                    kind: a.kind.as_str().into(),
                    title: a.title.clone(),
                    date: a.date.to_string(),
                    role: a.role.clone(),
                    details: a.details.clone(),
                })
                .collect(),
            assessments: self
                .assessments
                .iter()
                .map(|a| RawAssessment {
                    year: a.year.to_string(),
                    result: a.result.as_str().into(),
                })
                .collect(),
            continuing_education: self
                .continuing_education
                .iter()
                .map(|h| RawHours {
                    year: h.year.to_string(),
                    hours: h.hours.to_string(),
                })
                .collect(),
            summary: self.summary.clone(),
        }
    }

    /// Total continuing-education hours.
    pub fn total_hours(&self) -> u32 {
        self.continuing_education.iter().map(|h| h.hours).sum()
    }

    /// 一次性告知: every item still missing before submission, all at once. An initial
    /// determination (初定) has no current title to give.
    pub fn missing(&self, kind: DeclarationKind) -> Vec<FieldError> {
        let mut v = Vec::new();
        let mut need = |empty: bool, field: &str, zh: &str, en: &str| {
            if empty {
                v.push(FieldError::new(field, "materials.missing", zh, en));
            }
        };
        need(
            self.education.is_empty(),
            "education",
            "请填写学历学位（至少一条）",
            "add at least one education entry",
        );
        need(
            self.current_title.is_none() && kind != DeclarationKind::Initial,
            "current_title",
            "请填写现任职称（初定申报除外）",
            "give the current title (not needed for an initial determination)",
        );
        need(
            self.work_history.is_empty(),
            "work_history",
            "请填写工作经历（至少一条）",
            "add at least one work-history entry",
        );
        need(
            self.achievements.is_empty(),
            "achievements",
            "请填写业绩成果（至少一项）",
            "add at least one achievement",
        );
        need(
            self.assessments.is_empty(),
            "assessments",
            "请填写年度考核情况（至少一个年度）",
            "add at least one annual assessment",
        );
        need(
            self.continuing_education.is_empty(),
            "continuing_education",
            "请填写继续教育学时（至少一个年度）",
            "add continuing-education hours for at least one year",
        );
        v
    }

    /// Every field as (path, label, shown value), in form order: what diffs and printed
    /// forms are made of.
    pub fn fields(&self) -> Vec<(String, String, String)> {
        let mut v: Vec<(String, String, String)> = Vec::new();
        let mut put = |path: String, label: String, value: String| v.push((path, label, value));
        for (i, e) in self.education.iter().enumerate() {
            let p = |n: &str| format!("education[{i}].{n}");
            let l = |n: &str| format!("学历学位 第{}条 · {n}", i + 1);
            put(p("school"), l("毕业院校"), e.school.clone());
            put(p("major"), l("所学专业"), e.major.clone());
            put(p("level"), l("学历"), e.level.zh().into());
            put(p("degree"), l("学位"), e.degree.zh().into());
            put(p("from"), l("入学年月"), e.from.to_string());
            put(p("to"), l("毕业年月"), e.to.to_string());
        }
        if let Some(c) = &self.current_title {
            let series = Catalog::builtin().series_name(&c.series);
            put(
                "current_title.series".into(),
                "现任职称 · 系列".into(),
                series,
            );
            put(
                "current_title.level".into(),
                "现任职称 · 级别".into(),
                c.level.zh().into(),
            );
            put(
                "current_title.obtained".into(),
                "现任职称 · 取得时间".into(),
                c.obtained.to_string(),
            );
            put(
                "current_title.certificate_number".into(),
                "现任职称 · 证书编号".into(),
                c.certificate_number.clone(),
            );
        }
        for (i, w) in self.work_history.iter().enumerate() {
            let p = |n: &str| format!("work_history[{i}].{n}");
            let l = |n: &str| format!("工作经历 第{}条 · {n}", i + 1);
            put(p("from"), l("起始年月"), w.from.to_string());
            put(
                p("to"),
                l("截止年月"),
                w.to.map_or_else(|| "至今".into(), |t| t.to_string()),
            );
            put(p("employer"), l("工作单位"), w.employer.clone());
            put(p("position"), l("职务/岗位"), w.position.clone());
        }
        for (i, a) in self.achievements.iter().enumerate() {
            let p = |n: &str| format!("achievements[{i}].{n}");
            let l = |n: &str| format!("业绩成果 第{}项 · {n}", i + 1);
            put(p("kind"), l("类别"), a.kind.zh().into());
            put(p("title"), l("名称"), a.title.clone());
            put(p("date"), l("取得年月"), a.date.to_string());
            put(p("role"), l("本人角色/排名"), a.role.clone());
            put(p("details"), l("说明"), a.details.clone());
        }
        for (i, a) in self.assessments.iter().enumerate() {
            let p = |n: &str| format!("assessments[{i}].{n}");
            let l = |n: &str| format!("年度考核 第{}条 · {n}", i + 1);
            put(p("year"), l("年度"), a.year.to_string());
            put(p("result"), l("结果"), a.result.zh().into());
        }
        for (i, h) in self.continuing_education.iter().enumerate() {
            let p = |n: &str| format!("continuing_education[{i}].{n}");
            let l = |n: &str| format!("继续教育 第{}条 · {n}", i + 1);
            put(p("year"), l("年度"), h.year.to_string());
            put(p("hours"), l("学时"), h.hours.to_string());
        }
        put("summary".into(), "个人总结".into(), self.summary.clone());
        v
    }

    /// Each section as lines of text, for printed forms: (heading, lines).
    pub fn printable(&self) -> Vec<(String, Vec<String>)> {
        let edu = self
            .education
            .iter()
            .map(|e| {
                format!(
                    "{} 至 {}  {}  {}  {}  学位：{}",
                    e.from,
                    e.to,
                    e.school,
                    e.major,
                    e.level.zh(),
                    e.degree.zh()
                )
            })
            .collect();
        let title = self
            .current_title
            .iter()
            .map(|c| {
                let builtin = Catalog::builtin();
                let name = builtin
                    .title_name(&c.series, c.level)
                    .unwrap_or_else(|| c.level.zh());
                let series = builtin.series_name(&c.series);
                format!(
                    "{series} {}（{name}），{} 取得，证书编号 {}",
                    c.level.zh(),
                    c.obtained,
                    c.certificate_number
                )
            })
            .collect();
        let work = self
            .work_history
            .iter()
            .map(|w| {
                let to = w.to.map_or_else(|| "至今".to_owned(), |t| t.to_string());
                format!("{} 至 {to}  {}  {}", w.from, w.employer, w.position)
            })
            .collect();
        let achievements = self
            .achievements
            .iter()
            .map(|a| {
                let mut s = format!("［{}］{}（{}，{}）", a.kind.zh(), a.title, a.date, a.role);
                if !a.details.is_empty() {
                    s.push('：');
                    s.push_str(&a.details);
                }
                s
            })
            .collect();
        let assessments = self
            .assessments
            .iter()
            .map(|a| format!("{} 年度：{}", a.year, a.result.zh()))
            .collect();
        let mut hours: Vec<String> = self
            .continuing_education
            .iter()
            .map(|h| format!("{} 年度：{} 学时", h.year, h.hours))
            .collect();
        if !hours.is_empty() {
            hours.push(format!("合计：{} 学时", self.total_hours()));
        }
        let summary = if self.summary.is_empty() {
            Vec::new()
        } else {
            vec![self.summary.clone()]
        };
        vec![
            (MaterialsSection::Education.zh().into(), edu),
            (MaterialsSection::CurrentTitle.zh().into(), title),
            (MaterialsSection::WorkHistory.zh().into(), work),
            (MaterialsSection::Achievements.zh().into(), achievements),
            (MaterialsSection::Assessments.zh().into(), assessments),
            (MaterialsSection::ContinuingEducation.zh().into(), hours),
            (MaterialsSection::Summary.zh().into(), summary),
        ]
    }
}

/// One field that differs between two versions (`None`: the field is absent on that side,
/// e.g. a row added or removed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The field-level differences from `old` to `new`, in form order (rows compared by
/// position).
pub fn diff(old: &Materials, new: &Materials) -> Vec<FieldChange> {
    let before = old.fields();
    let after = new.fields();
    let old_map: HashMap<&str, &str> = before
        .iter()
        .map(|(p, _, v)| (p.as_str(), v.as_str()))
        .collect();
    let new_map: HashMap<&str, &str> = after
        .iter()
        .map(|(p, _, v)| (p.as_str(), v.as_str()))
        .collect();
    let mut out = Vec::new();
    for (path, label, v) in &after {
        match old_map.get(path.as_str()) {
            Some(o) if *o == v.as_str() => {}
            o => out.push(FieldChange {
                field: path.clone(),
                label: label.clone(),
                before: o.map(|s| (*s).to_owned()),
                after: Some(v.clone()),
            }),
        }
    }
    for (path, label, v) in &before {
        if !new_map.contains_key(path.as_str()) {
            out.push(FieldChange {
                field: path.clone(),
                label: label.clone(),
                before: Some(v.clone()),
                after: None,
            });
        }
    }
    // Removed fields after the rest, but still in form order among themselves; keep the
    // summary last as on the form.
    out.sort_by_key(|c| usize::from(c.field == "summary"));
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn edu(school: &str, from: &str, to: &str) -> RawEducation {
        RawEducation {
            school: school.into(),
            major: "电气工程及其自动化".into(),
            level: "大学本科".into(),
            degree: "学士".into(),
            from: from.into(),
            to: to.into(),
        }
    }

    pub(crate) fn complete() -> RawMaterials {
        RawMaterials::example()
    }

    #[test]
    fn year_months_parse_in_the_usual_spellings() {
        for s in ["2008-09", "2008.9", "2008/09", "2008年9月", "2008-09-01"] {
            assert_eq!(
                YearMonth::parse(s).map(|y| y.to_string()),
                Some("2008-09".into()),
                "{s}"
            );
        }
        for s in [
            "2008",
            "2008-13",
            "08-09",
            "2008-02-30",
            "abc",
            "2008-09-01-01",
        ] {
            assert_eq!(YearMonth::parse(s), None, "{s}");
        }
    }

    #[test]
    fn a_complete_raw_form_parses_and_round_trips() {
        let m = complete().parse(Catalog::builtin()).unwrap();
        assert!(m.missing(DeclarationKind::Normal).is_empty());
        assert_eq!(m.work_history[0].to, None);
        assert_eq!(m.raw().parse(Catalog::builtin()).unwrap(), m);
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(serde_json::from_str::<Materials>(&json).unwrap(), m);
    }

    #[test]
    fn problems_name_the_exact_field_and_blank_rows_are_ignored() {
        let mut raw = complete();
        raw.education = vec![
            edu("山东大学", "2004-09", "2008-07"),
            RawEducation::default(),
            edu("", "2008-09", "2006-07"),
        ];
        raw.assessments.push(RawAssessment {
            year: "2024".into(),
            result: "良好".into(),
        });
        let fields: Vec<String> = raw
            .parse(Catalog::builtin())
            .unwrap_err()
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "education[2].school",
                "education[2].to",
                "assessments[1].result",
                "assessments[1].year",
            ]
        );
        let mut raw = complete();
        raw.education[0].to = "2008-7-x".into();
        let e = raw.parse(Catalog::builtin()).unwrap_err();
        assert_eq!(e[0].field, "education[0].to");
        assert_eq!(e[0].code, "materials.year_month");
    }

    #[test]
    fn the_completeness_check_lists_everything_missing_at_once() {
        let fields: Vec<String> = Materials::default()
            .missing(DeclarationKind::Normal)
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(
            fields,
            [
                "education",
                "current_title",
                "work_history",
                "achievements",
                "assessments",
                "continuing_education"
            ]
        );
        assert!(
            !Materials::default()
                .missing(DeclarationKind::Initial)
                .iter()
                .any(|f| f.field == "current_title")
        );
    }

    #[test]
    fn the_diff_shows_exactly_the_changed_fields() {
        let old = complete().parse(Catalog::builtin()).unwrap();
        let mut raw = complete();
        raw.achievements[0].role = "第一完成人".into();
        raw.assessments.push(RawAssessment {
            year: "2023".into(),
            result: "合格".into(),
        });
        let new = raw.parse(Catalog::builtin()).unwrap();
        let changes = diff(&old, &new);
        let fields: Vec<&str> = changes.iter().map(|c| c.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "achievements[0].role",
                "assessments[1].year",
                "assessments[1].result"
            ]
        );
        assert_eq!(changes[0].before.as_deref(), Some("主持"));
        assert_eq!(changes[0].after.as_deref(), Some("第一完成人"));
        assert_eq!(changes[1].before, None);
        assert!(diff(&new, &new).is_empty());
        let back = diff(&new, &old);
        assert_eq!(back.len(), 3);
        assert_eq!(back[2].after, None);
    }
}
