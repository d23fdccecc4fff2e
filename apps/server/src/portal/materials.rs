//! The materials form of the portal: the structured sections as rows of inputs named by field
//! path (`education[0].school`), read back from the posted form, and shown with the field
//! problems next to their inputs. What is valid is the domain's business; this module only
//! moves strings between the form and `RawMaterials`.

use std::collections::{BTreeMap, HashMap};

use zhicheng_declaration::materials::{
    AchievementKind, AssessmentResult, Degree, EducationLevel, RawAchievement, RawAssessment,
    RawCurrentTitle, RawEducation, RawHours, RawMaterials, RawWork,
};
use zhicheng_declaration::{Catalog, Materials, MaterialsSection, RawSection};
use zhicheng_kernel::TitleLevel;

use super::common::{Choice, Errors, level_choices, series_choices};

/// One input.
pub struct FieldView {
    pub name: String,
    pub label: &'static str,
    pub value: String,
    /// What a read-only page shows: the chosen option's label, or the value.
    pub display: String,
    pub error: Option<String>,
    /// `text`, `select` or `textarea`.
    pub kind: &'static str,
    pub choices: Vec<Choice>,
    pub placeholder: &'static str,
}

/// One row of a section (or the single row of the current title / summary).
pub struct RowView {
    pub index: usize,
    pub number: usize,
    /// The empty row offered for a new entry.
    pub blank: bool,
    pub fields: Vec<FieldView>,
}

/// One section of the form.
pub struct SectionView {
    pub key: &'static str,
    pub title: &'static str,
    pub hint: &'static str,
    pub multi: bool,
    pub required: bool,
    /// A problem with the section as a whole (missing, too many rows).
    pub error: Option<String>,
    pub rows: Vec<RowView>,
    /// e.g. 合计 120 学时.
    pub total: Option<String>,
}

fn choices(all: &[(&'static str, &'static str)], selected: &str) -> Vec<Choice> {
    let t = selected.trim();
    all.iter()
        .map(|(code, zh)| Choice {
            value: (*code).to_owned(),
            label: (*zh).to_owned(),
            selected: *code == t || *zh == t,
        })
        .collect()
}

macro_rules! pairs {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|x| (x.as_str(), x.zh()))
            .collect::<Vec<_>>()
    };
}

struct Spec {
    field: &'static str,
    label: &'static str,
    kind: &'static str,
    placeholder: &'static str,
}

const fn text(field: &'static str, label: &'static str, placeholder: &'static str) -> Spec {
    Spec {
        field,
        label,
        kind: "text",
        placeholder,
    }
}

const fn select(field: &'static str, label: &'static str) -> Spec {
    Spec {
        field,
        label,
        kind: "select",
        placeholder: "",
    }
}

const EDUCATION: &[Spec] = &[
    text("school", "毕业院校", "如：山东大学"),
    text("major", "所学专业", "如：电气工程及其自动化"),
    select("level", "学历"),
    select("degree", "学位"),
    text("from", "入学年月", "如：2004-09"),
    text("to", "毕业年月", "如：2008-07"),
];

const CURRENT_TITLE: &[Spec] = &[
    select("series", "职称系列"),
    select("level", "职称级别"),
    text("obtained", "取得时间", "如：2015-12-31"),
    text("certificate_number", "证书编号", ""),
];

const WORK: &[Spec] = &[
    text("from", "起始年月", "如：2008-07"),
    text("to", "截止年月", "空白或“至今”表示至今"),
    text("employer", "工作单位", ""),
    text("position", "职务/岗位", ""),
];

const ACHIEVEMENTS: &[Spec] = &[
    select("kind", "成果类别"),
    text(
        "title",
        "成果名称",
        "论文题目、著作名称、专利名称、项目名称……",
    ),
    text("date", "取得年月", "如：2020-05"),
    text("role", "本人角色/排名", "如：第一作者、主持、排名第2"),
    Spec {
        field: "details",
        label: "说明（可选）",
        kind: "textarea",
        placeholder: "刊物及期号、专利号、获奖等级等",
    },
];

const ASSESSMENTS: &[Spec] = &[
    text("year", "考核年度", "如：2024"),
    select("result", "考核结果"),
];

const HOURS: &[Spec] = &[
    text("year", "年度", "如：2024"),
    text("hours", "学时", "如：90"),
];

/// The value of one field of a raw row, by name.
type Getter<R> = fn(&R, &str) -> String;

fn education_get(r: &RawEducation, f: &str) -> String {
    match f {
        "school" => &r.school,
        "major" => &r.major,
        "level" => &r.level,
        "degree" => &r.degree,
        "from" => &r.from,
        _ => &r.to,
    }
    .clone()
}

fn work_get(r: &RawWork, f: &str) -> String {
    match f {
        "from" => &r.from,
        "to" => &r.to,
        "employer" => &r.employer,
        _ => &r.position,
    }
    .clone()
}

fn achievement_get(r: &RawAchievement, f: &str) -> String {
    match f {
        "kind" => &r.kind,
        "title" => &r.title,
        "date" => &r.date,
        "role" => &r.role,
        _ => &r.details,
    }
    .clone()
}

fn assessment_get(r: &RawAssessment, f: &str) -> String {
    match f {
        "year" => &r.year,
        _ => &r.result,
    }
    .clone()
}

fn hours_get(r: &RawHours, f: &str) -> String {
    match f {
        "year" => &r.year,
        _ => &r.hours,
    }
    .clone()
}

fn title_get(r: &RawCurrentTitle, f: &str) -> String {
    match f {
        "series" => &r.series,
        "level" => &r.level,
        "obtained" => &r.obtained,
        _ => &r.certificate_number,
    }
    .clone()
}

fn options(section: MaterialsSection, field: &str, value: &str, catalog: &Catalog) -> Vec<Choice> {
    match (section, field) {
        (MaterialsSection::Education, "level") => choices(&pairs!(EducationLevel), value),
        (MaterialsSection::Education, "degree") => choices(&pairs!(Degree), value),
        (MaterialsSection::Achievements, "kind") => choices(&pairs!(AchievementKind), value),
        (MaterialsSection::Assessments, "result") => choices(&pairs!(AssessmentResult), value),
        (MaterialsSection::CurrentTitle, "series") => series_choices(catalog, value.trim()),
        (MaterialsSection::CurrentTitle, "level") => {
            let mut v = level_choices(&TitleLevel::ALL, value.trim());
            for c in &mut v {
                c.selected |= c.label == value.trim();
            }
            v
        }
        _ => Vec::new(),
    }
}

fn row<R>(
    section: MaterialsSection,
    specs: &[Spec],
    get: Getter<R>,
    r: &R,
    path: &dyn Fn(&str) -> String,
    errors: &Errors,
    catalog: &Catalog,
) -> Vec<FieldView> {
    specs
        .iter()
        .map(|s| {
            let value = get(r, s.field);
            let name = path(s.field);
            let choices = options(section, s.field, &value, catalog);
            let display = choices
                .iter()
                .find(|c| c.selected)
                .map_or_else(|| value.clone(), |c| c.label.clone());
            FieldView {
                error: errors.get(&name),
                choices,
                display,
                name,
                label: s.label,
                value,
                kind: s.kind,
                placeholder: s.placeholder,
            }
        })
        .collect()
}

fn rows<R: Default>(
    section: MaterialsSection,
    specs: &[Spec],
    get: Getter<R>,
    list: &[R],
    errors: &Errors,
    editable: bool,
    catalog: &Catalog,
) -> Vec<RowView> {
    let key = section.as_str();
    let blank = R::default();
    let mut out: Vec<RowView> = list
        .iter()
        .enumerate()
        .map(|(i, r)| RowView {
            index: i,
            number: i + 1,
            blank: false,
            fields: row(
                section,
                specs,
                get,
                r,
                &|f| format!("{key}[{i}].{f}"),
                errors,
                catalog,
            ),
        })
        .collect();
    if editable {
        let i = list.len();
        out.push(RowView {
            index: i,
            number: i + 1,
            blank: true,
            fields: row(
                section,
                specs,
                get,
                &blank,
                &|f| format!("{key}[{i}].{f}"),
                errors,
                catalog,
            ),
        });
    }
    out
}

/// The sections of the form, showing `raw` (what was saved, or what was typed) with the
/// problems of `errors`; an editable form offers one empty row per list for a new entry.
pub fn sections(
    raw: &RawMaterials,
    saved: &Materials,
    errors: &Errors,
    editable: bool,
    catalog: &Catalog,
) -> Vec<SectionView> {
    use MaterialsSection as S;
    let view = |s: S, hint: &'static str, multi: bool, rows: Vec<RowView>| SectionView {
        key: s.as_str(),
        title: s.zh(),
        hint,
        multi,
        required: s != S::Summary,
        error: errors.get(s.as_str()),
        rows,
        total: None,
    };
    let title_row = vec![RowView {
        index: 0,
        number: 1,
        blank: false,
        fields: row(
            S::CurrentTitle,
            CURRENT_TITLE,
            title_get,
            &raw.current_title,
            &|f| format!("current_title.{f}"),
            errors,
            catalog,
        ),
    }];
    let summary_row = vec![RowView {
        index: 0,
        number: 1,
        blank: false,
        fields: vec![FieldView {
            name: "summary".into(),
            label: "个人总结",
            value: raw.summary.clone(),
            display: raw.summary.clone(),
            error: errors.get("summary"),
            kind: "textarea",
            choices: Vec::new(),
            placeholder: "任现职以来的主要工作、专业能力和业绩（可选）",
        }],
    }];
    let mut hours = view(
        S::ContinuingEducation,
        "按年度填写继续教育学时。",
        true,
        rows(
            S::ContinuingEducation,
            HOURS,
            hours_get,
            &raw.continuing_education,
            errors,
            editable,
            catalog,
        ),
    );
    hours.total = (!saved.continuing_education.is_empty())
        .then(|| format!("已保存合计：{} 学时", saved.total_hours()));
    vec![
        view(
            S::Education,
            "从最高学历起填写，每段学历一条。",
            true,
            rows(
                S::Education,
                EDUCATION,
                education_get,
                &raw.education,
                errors,
                editable,
                catalog,
            ),
        ),
        view(S::CurrentTitle, "初定申报可不填。", false, title_row),
        view(
            S::WorkHistory,
            "按时间顺序填写，现职的截止年月留空。",
            true,
            rows(
                S::WorkHistory,
                WORK,
                work_get,
                &raw.work_history,
                errors,
                editable,
                catalog,
            ),
        ),
        view(
            S::Achievements,
            "论文、著作、专利、项目、奖项、标准，每项一条。",
            true,
            rows(
                S::Achievements,
                ACHIEVEMENTS,
                achievement_get,
                &raw.achievements,
                errors,
                editable,
                catalog,
            ),
        ),
        view(
            S::Assessments,
            "任现职以来各年度的考核结果。",
            true,
            rows(
                S::Assessments,
                ASSESSMENTS,
                assessment_get,
                &raw.assessments,
                errors,
                editable,
                catalog,
            ),
        ),
        hours,
        view(S::Summary, "", false, summary_row),
    ]
}

/// The posted form's fields of one list section, by row index in order: `key[i].field`.
/// Rows marked `key[i].remove` are dropped.
fn list_rows(pairs: &[(String, String)], key: &str) -> Vec<HashMap<String, String>> {
    let mut by_index: BTreeMap<usize, HashMap<String, String>> = BTreeMap::new();
    let prefix = format!("{key}[");
    for (k, v) in pairs {
        let Some(rest) = k.strip_prefix(&prefix) else {
            continue;
        };
        let Some((i, field)) = rest.split_once("].") else {
            continue;
        };
        let Ok(i) = i.parse::<usize>() else { continue };
        if i > 200 {
            continue;
        }
        by_index
            .entry(i)
            .or_default()
            .insert(field.to_owned(), v.clone());
    }
    by_index
        .into_values()
        .filter(|r| r.get("remove").is_none_or(|v| v.is_empty()))
        .collect()
}

fn take(r: &mut HashMap<String, String>, f: &str) -> String {
    r.remove(f).unwrap_or_default()
}

/// The sections a posted form carries (any of their fields present): only these are saved,
/// so a form showing some sections never empties the others.
pub fn posted_sections(pairs: &[(String, String)], raw: RawMaterials) -> Vec<RawSection> {
    let has = |key: &str| {
        pairs.iter().any(|(k, _)| {
            k == key
                || k.strip_prefix(key)
                    .is_some_and(|rest| rest.starts_with('[') || rest.starts_with('.'))
        })
    };
    raw.sections()
        .into_iter()
        .filter(|s| has(s.section().as_str()))
        .collect()
}

/// Reads every section from a posted form (absent sections read as empty).
pub fn from_form(pairs: &[(String, String)]) -> RawMaterials {
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    RawMaterials {
        education: list_rows(pairs, "education")
            .into_iter()
            .map(|mut r| RawEducation {
                school: take(&mut r, "school"),
                major: take(&mut r, "major"),
                level: take(&mut r, "level"),
                degree: take(&mut r, "degree"),
                from: take(&mut r, "from"),
                to: take(&mut r, "to"),
            })
            .collect(),
        current_title: RawCurrentTitle {
            series: value("current_title.series"),
            level: value("current_title.level"),
            obtained: value("current_title.obtained"),
            certificate_number: value("current_title.certificate_number"),
        },
        work_history: list_rows(pairs, "work_history")
            .into_iter()
            .map(|mut r| RawWork {
                from: take(&mut r, "from"),
                to: take(&mut r, "to"),
                employer: take(&mut r, "employer"),
                position: take(&mut r, "position"),
            })
            .collect(),
        achievements: list_rows(pairs, "achievements")
            .into_iter()
            .map(|mut r| RawAchievement {
                kind: take(&mut r, "kind"),
                title: take(&mut r, "title"),
                date: take(&mut r, "date"),
                role: take(&mut r, "role"),
                details: take(&mut r, "details"),
            })
            .collect(),
        assessments: list_rows(pairs, "assessments")
            .into_iter()
            .map(|mut r| RawAssessment {
                year: take(&mut r, "year"),
                result: take(&mut r, "result"),
            })
            .collect(),
        continuing_education: list_rows(pairs, "continuing_education")
            .into_iter()
            .map(|mut r| RawHours {
                year: take(&mut r, "year"),
                hours: take(&mut r, "hours"),
            })
            .collect(),
        summary: value("summary"),
    }
}

fn trim_trailing<R>(v: &mut Vec<R>, blank: impl Fn(&R) -> bool) {
    while v.last().is_some_and(&blank) {
        v.pop();
    }
}

/// Drops the trailing blank rows a form adds for new entries (the page adds a fresh one), and
/// keeps every other row where it was, so that the field paths of problems still point at
/// the rows they name.
pub fn without_trailing_blank_rows(mut raw: RawMaterials) -> RawMaterials {
    fn blank(v: &[&String]) -> bool {
        v.iter().all(|s| s.trim().is_empty())
    }
    trim_trailing(&mut raw.education, |r| {
        blank(&[&r.school, &r.major, &r.level, &r.degree, &r.from, &r.to])
    });
    trim_trailing(&mut raw.work_history, |r| {
        blank(&[&r.from, &r.to, &r.employer, &r.position])
    });
    trim_trailing(&mut raw.achievements, |r| {
        blank(&[&r.kind, &r.title, &r.date, &r.role, &r.details])
    });
    trim_trailing(&mut raw.assessments, |r| blank(&[&r.year, &r.result]));
    trim_trailing(&mut raw.continuing_education, |r| {
        blank(&[&r.year, &r.hours])
    });
    raw
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rows_are_read_in_index_order_and_removed_rows_are_dropped() {
        let pairs: Vec<(String, String)> = [
            ("education[1].school", "B"),
            ("education[0].school", "A"),
            ("education[0].remove", "1"),
            ("education[2].school", "C"),
            ("current_title.series", "ENG"),
            ("summary", "总结"),
            ("csrf", "x"),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        let raw = from_form(&pairs);
        let schools: Vec<&str> = raw.education.iter().map(|e| e.school.as_str()).collect();
        assert_eq!(schools, ["B", "C"]);
        assert_eq!(raw.current_title.series, "ENG");
        assert_eq!(raw.summary, "总结");
        let posted: Vec<&str> = posted_sections(&pairs, raw.clone())
            .iter()
            .map(|s| s.section().as_str())
            .collect();
        assert_eq!(posted, ["education", "current_title", "summary"]);
        let mut typed = raw.clone();
        typed.education.push(RawEducation::default());
        typed.education.insert(0, RawEducation::default());
        let kept = without_trailing_blank_rows(typed);
        assert_eq!(
            kept.education.len(),
            3,
            "a blank row in the middle stays in place"
        );
    }
}
