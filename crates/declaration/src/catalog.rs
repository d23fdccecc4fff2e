//! The title catalog as versioned reference data: the national series (MOHRSS list of 2021),
//! the title name at each level, and the specialties of each series.
//!
//! Version 1 is built in ([`Catalog::builtin`]). Operators extend it by importing rows
//! ([`Catalog::import`]): each accepted import is a new, complete version (the store keeps
//! every version; the newest is current). An import is all or nothing: every bad line is
//! reported with its line number and nothing changes.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::{FieldError, Localized, SeriesCode, TitleLevel};

/// Longest series, specialty or title name.
pub const MAX_NAME: usize = 50;
/// Longest specialty code.
pub const MAX_SPECIALTY_CODE: usize = 32;

/// A specialty (专业) within a series, e.g. (ELEC, 电气工程) in 工程技术人员.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialty {
    /// Upper-case ASCII letters, digits and `_`, unique within the series.
    pub code: String,
    /// Unique within the series; what a declaration records.
    pub name: String,
}

/// One title series with the title name at each level (`None` where the series has no such
/// level) and its specialties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    pub code: SeriesCode,
    pub name: String,
    /// Titles for 正高, 副高, 中级, 助理, 员级.
    pub titles: [Option<String>; 5],
    pub specialties: Vec<Specialty>,
}

impl Series {
    /// The title name at a level, e.g. 副高 → 高级工程师.
    pub fn title(&self, level: TitleLevel) -> Option<&str> {
        self.titles
            .get(usize::from(level.digit().saturating_sub(1)))
            .and_then(|t| t.as_deref())
    }

    /// The specialty named by its code (any case) or its name.
    pub fn specialty(&self, text: &str) -> Option<&Specialty> {
        let t = text.trim();
        self.specialties
            .iter()
            .find(|s| s.name == t || s.code.eq_ignore_ascii_case(t))
    }
}

/// One version of the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    /// 1 for the built-in catalog, then one more per accepted import.
    pub version: u32,
    /// When the version was imported (`None` for the built-in one).
    pub published_at: Option<DateTime<Utc>>,
    /// Where it came from: `built-in` or the imported file's name.
    pub source: String,
    pub series: Vec<Series>,
}

type BuiltinSeries = (
    &'static str,
    &'static str,
    [&'static str; 5],
    &'static [(&'static str, &'static str)],
);

static BUILTIN: &[BuiltinSeries] = &[
    (
        "HETEACH",
        "高等学校教师",
        ["教授", "副教授", "讲师", "助教", ""],
        &[
            ("PHIL", "哲学"),
            ("ECON", "经济学"),
            ("LAW", "法学"),
            ("EDU", "教育学"),
            ("LIT", "文学"),
            ("HIST", "历史学"),
            ("SCI", "理学"),
            ("ENGR", "工学"),
            ("AGRI", "农学"),
            ("MED", "医学"),
            ("MGMT", "管理学"),
            ("ART", "艺术学"),
        ],
    ),
    (
        "SOCRES",
        "哲学社会科学研究人员",
        ["研究员", "副研究员", "助理研究员", "研究实习员", ""],
        &[
            ("PHIL", "哲学"),
            ("ECON", "经济学"),
            ("LAW", "法学"),
            ("SOC", "社会学"),
            ("HIST", "历史学"),
            ("LIT", "文学"),
        ],
    ),
    (
        "NATRES",
        "自然科学研究人员",
        ["研究员", "副研究员", "助理研究员", "研究实习员", ""],
        &[
            ("MATH", "数学"),
            ("PHYS", "物理学"),
            ("CHEM", "化学"),
            ("BIO", "生物学"),
            ("GEO", "地球科学"),
            ("ENV", "环境科学"),
            ("INFO", "信息科学"),
        ],
    ),
    (
        "HEALTH",
        "卫生技术人员",
        ["主任医师", "副主任医师", "主治医师", "医师", "医士"],
        &[
            ("CLINICAL", "临床医学"),
            ("INTERNAL", "内科"),
            ("SURGERY", "外科"),
            ("OBGYN", "妇产科"),
            ("PEDIATRICS", "儿科"),
            ("STOMATOLOGY", "口腔医学"),
            ("ANESTHESIA", "麻醉学"),
            ("TCM", "中医"),
            ("NURSING", "护理"),
            ("PHARMACY", "药学"),
            ("LAB", "医学检验"),
            ("IMAGING", "医学影像"),
            ("PUBLIC_HEALTH", "公共卫生"),
        ],
    ),
    (
        "ENG",
        "工程技术人员",
        [
            "正高级工程师",
            "高级工程师",
            "工程师",
            "助理工程师",
            "技术员",
        ],
        &[
            ("MECH", "机械工程"),
            ("ELEC", "电气工程"),
            ("CIVIL", "土木建筑"),
            ("COMPUTER", "计算机"),
            ("ELECTRONIC", "电子信息"),
            ("CHEM", "化工"),
            ("METAL", "冶金"),
            ("WATER", "水利"),
            ("TRANSPORT", "交通"),
            ("ENV", "环境保护"),
            ("SURVEY", "测绘"),
            ("GEOLOGY", "地质"),
            ("POWER", "电力"),
            ("TELECOM", "通信"),
            ("MARINE", "船舶与海洋"),
            ("IP", "知识产权"),
            ("CLINICAL_ENG", "临床医学工程"),
        ],
    ),
    (
        "AGRI",
        "农业技术人员",
        [
            "正高级农艺师",
            "高级农艺师",
            "农艺师",
            "助理农艺师",
            "农业技术员",
        ],
        &[
            ("AGRONOMY", "农学"),
            ("HORTICULTURE", "园艺"),
            ("PLANT_PROTECTION", "植物保护"),
            ("ANIMAL", "畜牧"),
            ("VET", "兽医"),
            ("FISHERY", "水产"),
            ("AGRI_MACH", "农业机械"),
            ("FORESTRY", "林业"),
        ],
    ),
    (
        "JOURN",
        "新闻专业人员",
        ["高级记者", "主任记者", "记者", "助理记者", ""],
        &[
            ("REPORTER", "记者"),
            ("EDITOR", "编辑"),
            ("PHOTO", "新闻摄影"),
        ],
    ),
    (
        "PUBL",
        "出版专业人员",
        ["编审", "副编审", "编辑", "助理编辑", ""],
        &[
            ("EDITOR", "编辑"),
            ("TECH_EDITOR", "技术编辑"),
            ("PROOF", "校对"),
        ],
    ),
    (
        "LIB",
        "图书资料专业人员",
        ["研究馆员", "副研究馆员", "馆员", "助理馆员", "管理员"],
        &[("LIBRARY", "图书"), ("INFO", "信息资料")],
    ),
    (
        "MUSEUM",
        "文物博物专业人员",
        ["研究馆员", "副研究馆员", "馆员", "助理馆员", ""],
        &[
            ("RELICS", "文物"),
            ("MUSEUM", "博物馆"),
            ("ARCHAEOLOGY", "考古"),
        ],
    ),
    (
        "ARCHIVE",
        "档案专业人员",
        ["研究馆员", "副研究馆员", "馆员", "助理馆员", "管理员"],
        &[("ARCHIVE", "档案管理"), ("RECORDS", "文书档案")],
    ),
    (
        "CRAFT",
        "工艺美术专业人员",
        [
            "正高级工艺美术师",
            "高级工艺美术师",
            "工艺美术师",
            "助理工艺美术师",
            "工艺美术员",
        ],
        &[("DESIGN", "工艺美术设计"), ("MAKING", "工艺美术制作")],
    ),
    (
        "TECHTEACH",
        "技工院校教师",
        ["正高级讲师", "高级讲师", "讲师", "助理讲师", ""],
        &[("THEORY", "文化理论课"), ("PRACTICE", "实习指导")],
    ),
    (
        "SPORT",
        "体育专业人员",
        ["国家级教练", "高级教练", "中级教练", "初级教练", ""],
        &[("COACH", "教练"), ("PROTECTION", "运动防护")],
    ),
    (
        "TRANS",
        "翻译专业人员",
        ["译审", "一级翻译", "二级翻译", "三级翻译", ""],
        &[
            ("EN", "英语"),
            ("JA", "日语"),
            ("KO", "韩语"),
            ("RU", "俄语"),
            ("OTHER", "其他语种"),
        ],
    ),
    (
        "BROAD",
        "播音主持专业人员",
        [
            "播音指导",
            "主任播音员",
            "一级播音员",
            "二级播音员",
            "三级播音员",
        ],
        &[("ANNOUNCER", "播音"), ("HOST", "主持")],
    ),
    (
        "ACCT",
        "会计人员",
        ["正高级会计师", "高级会计师", "会计师", "助理会计师", ""],
        &[("ACCOUNTING", "会计")],
    ),
    (
        "STAT",
        "统计专业人员",
        ["正高级统计师", "高级统计师", "统计师", "助理统计师", ""],
        &[("STATISTICS", "统计")],
    ),
    (
        "ECON",
        "经济专业人员",
        ["正高级经济师", "高级经济师", "经济师", "助理经济师", ""],
        &[
            ("HR", "人力资源"),
            ("IP", "知识产权"),
            ("FINANCE", "金融"),
            ("BUSINESS", "工商管理"),
            ("FISCAL", "财政税收"),
            ("TRANSPORT", "运输经济"),
            ("CONSTRUCTION", "建筑与房地产经济"),
            ("AGRI", "农业经济"),
        ],
    ),
    (
        "LAB",
        "实验技术人才",
        [
            "正高级实验师",
            "高级实验师",
            "实验师",
            "助理实验师",
            "实验员",
        ],
        &[("LAB", "实验技术")],
    ),
    (
        "VOCTEACH",
        "中等职业学校教师",
        ["正高级讲师", "高级讲师", "讲师", "助理讲师", ""],
        &[
            ("CULTURE", "文化课"),
            ("MAJOR", "专业课"),
            ("PRACTICE", "实习指导"),
        ],
    ),
    (
        "SCHTEACH",
        "中小学教师",
        ["正高级教师", "高级教师", "一级教师", "二级教师", "三级教师"],
        &[
            ("CHINESE", "语文"),
            ("MATH", "数学"),
            ("ENGLISH", "英语"),
            ("PHYSICS", "物理"),
            ("CHEMISTRY", "化学"),
            ("BIOLOGY", "生物"),
            ("HISTORY", "历史"),
            ("GEOGRAPHY", "地理"),
            ("POLITICS", "道德与法治"),
            ("PE", "体育与健康"),
            ("MUSIC", "音乐"),
            ("ARTS", "美术"),
            ("IT", "信息技术"),
            ("PRESCHOOL", "学前教育"),
        ],
    ),
    (
        "ART",
        "艺术专业人员",
        ["一级", "二级", "三级", "四级", ""],
        &[
            ("PERFORMER", "演员"),
            ("MUSICIAN", "演奏员"),
            ("WRITER", "编剧"),
            ("DIRECTOR", "导演"),
            ("FINE_ART", "美术"),
            ("STAGE", "舞台技术"),
        ],
    ),
    (
        "LAW",
        "公共法律服务专业人员",
        [
            "一级公证员",
            "二级公证员",
            "三级公证员",
            "四级公证员",
            "公证员助理",
        ],
        &[("NOTARY", "公证")],
    ),
    (
        "SHIP",
        "船舶专业技术人员",
        ["正高级船长", "高级船长", "船长", "大副", "二副"],
        &[
            ("DECK", "驾驶"),
            ("ENGINE", "轮机"),
            ("ELECTRO", "电子电气"),
        ],
    ),
    (
        "AVIA",
        "民用航空飞行技术人员",
        ["一级飞行员", "二级飞行员", "三级飞行员", "四级飞行员", ""],
        &[("PILOT", "飞行驾驶")],
    ),
    (
        "AUDIT",
        "审计专业人员",
        ["正高级审计师", "高级审计师", "审计师", "助理审计师", ""],
        &[("AUDIT", "审计")],
    ),
];

static BUILTIN_CATALOG: LazyLock<Arc<Catalog>> = LazyLock::new(|| {
    Arc::new(Catalog {
        version: 1,
        published_at: None,
        source: "built-in".to_owned(),
        series: BUILTIN
            .iter()
            .filter_map(|(code, name, titles, specialties)| {
                Some(Series {
                    code: SeriesCode::parse(code).ok()?,
                    name: (*name).to_owned(),
                    titles: titles.map(|t| (!t.is_empty()).then(|| t.to_owned())),
                    specialties: specialties
                        .iter()
                        .map(|(code, name)| Specialty {
                            code: (*code).to_owned(),
                            name: (*name).to_owned(),
                        })
                        .collect(),
                })
            })
            .collect(),
    })
});

impl Catalog {
    /// Version 1, built in: the 27 national series with their level titles and a list of
    /// common specialties per series.
    pub fn builtin() -> &'static Catalog {
        &BUILTIN_CATALOG
    }

    /// The built-in catalog, shared.
    pub fn builtin_shared() -> Arc<Catalog> {
        Arc::clone(&BUILTIN_CATALOG)
    }

    pub fn series(&self) -> &[Series] {
        &self.series
    }

    pub fn find(&self, code: &SeriesCode) -> Option<&Series> {
        self.series.iter().find(|s| &s.code == code)
    }

    /// The series named by its code (any case) or its name.
    pub fn find_text(&self, text: &str) -> Option<&Series> {
        let t = text.trim();
        self.series
            .iter()
            .find(|s| s.name == t || s.code.as_str().eq_ignore_ascii_case(t))
    }

    /// The name of a series, or its code when the catalog does not know it.
    pub fn series_name(&self, code: &SeriesCode) -> String {
        self.find(code)
            .map_or_else(|| code.as_str().to_owned(), |s| s.name.clone())
    }

    /// The title name for a series at a level, e.g. (ENG, 副高) → 高级工程师.
    pub fn title_name(&self, code: &SeriesCode, level: TitleLevel) -> Option<&str> {
        self.find(code).and_then(|s| s.title(level))
    }

    /// A specialty of a series, by its code or name.
    pub fn specialty(&self, series: &SeriesCode, text: &str) -> Option<&Specialty> {
        self.find(series).and_then(|s| s.specialty(text))
    }

    /// How many specialties all series have together.
    pub fn specialty_count(&self) -> usize {
        self.series.iter().map(|s| s.specialties.len()).sum()
    }

    /// Extends this catalog with imported lines into the next version: new specialties,
    /// renamed specialties (same code, new name) and new series (with their level titles).
    /// Columns: series code, series name, specialty code, specialty name, then optionally
    /// the titles at 正高级, 副高级, 中级, 助理级, 员级 (needed for a new series; for a known
    /// series they must match the catalog or be blank). A first line whose first cell is
    /// `series_code` or `系列代码` is a header; blank lines are skipped.
    ///
    /// # Errors
    /// [`CatalogImportError::Lines`] listing every problem with its line number (nothing is
    /// imported), [`CatalogImportError::Empty`] without data lines, and
    /// [`CatalogImportError::Unchanged`] when every line is already in the catalog.
    pub fn import(
        &self,
        source: &str,
        lines: &[ImportLine],
        now: DateTime<Utc>,
    ) -> Result<(Catalog, ImportSummary), CatalogImportError> {
        let mut next = self.clone();
        next.version = self.version + 1;
        next.published_at = Some(now);
        next.source = source_name(source);
        let mut summary = ImportSummary::default();
        let mut problems: Vec<LineProblem> = Vec::new();
        let mut seen: HashMap<(SeriesCode, String), usize> = HashMap::new();
        let mut data = lines
            .iter()
            .filter(|l| l.cells.iter().any(|c| !c.trim().is_empty()))
            .peekable();
        if data.peek().is_some_and(|l| is_header(l)) {
            data.next();
        }
        for l in data {
            summary.rows += 1;
            let Some(row) = parse_line(l, &mut problems) else {
                continue;
            };
            let problems_before = problems.len();
            let series = match next.series.iter().position(|s| s.code == row.series_code) {
                Some(i) => {
                    let s = &next.series[i];
                    if s.name != row.series_name {
                        problems.push(LineProblem::new(
                            l.line,
                            "series_name",
                            format!(
                                "系列 {} 在职称目录中名为“{}”，与本行的“{}”不符",
                                s.code, s.name, row.series_name
                            ),
                            format!(
                                "series {} is called “{}” in the catalog, not “{}”",
                                s.code, s.name, row.series_name
                            ),
                        ));
                    }
                    for (k, given) in row.titles.iter().enumerate() {
                        if let Some(t) = given
                            && s.titles[k].as_deref() != Some(t.as_str())
                        {
                            problems.push(LineProblem::new(
                                l.line,
                                TITLE_COLUMNS[k].0,
                                format!(
                                    "系列 {} 的{}职称名称在目录中为“{}”，不能改为“{}”（留空即可）",
                                    s.code,
                                    TITLE_COLUMNS[k].1,
                                    s.titles[k].as_deref().unwrap_or("（无）"),
                                    t
                                ),
                                format!(
                                    "the {} title of series {} is “{}” in the catalog and cannot be changed to “{}” (leave it blank)",
                                    TITLE_COLUMNS[k].0,
                                    s.code,
                                    s.titles[k].as_deref().unwrap_or("(none)"),
                                    t
                                ),
                            ));
                        }
                    }
                    i
                }
                None => {
                    if row.titles.iter().all(Option::is_none) {
                        problems.push(LineProblem::new(
                            l.line,
                            "titles",
                            format!(
                                "新系列 {} 需要填写至少一个级别的职称名称（第 5–9 列：正高级、副高级、中级、助理级、员级）",
                                row.series_code
                            ),
                            format!(
                                "the new series {} needs the title name of at least one level (columns 5–9: senior_full … junior)",
                                row.series_code
                            ),
                        ));
                        continue;
                    }
                    summary.series_added.push(row.series_code.to_string());
                    next.series.push(Series {
                        code: row.series_code.clone(),
                        name: row.series_name.clone(),
                        titles: row.titles.clone(),
                        specialties: Vec::new(),
                    });
                    next.series.len() - 1
                }
            };
            let key = (row.series_code.clone(), row.specialty_code.clone());
            if let Some(first) = seen.get(&key) {
                problems.push(LineProblem::new(
                    l.line,
                    "specialty_code",
                    format!(
                        "专业代码 {} 在系列 {} 中与第 {first} 行重复",
                        row.specialty_code, row.series_code
                    ),
                    format!(
                        "specialty code {} of series {} repeats line {first}",
                        row.specialty_code, row.series_code
                    ),
                ));
                continue;
            }
            seen.insert(key, l.line);
            let s = &mut next.series[series];
            if let Some(other) = s
                .specialties
                .iter()
                .find(|x| x.name == row.specialty_name && x.code != row.specialty_code)
            {
                problems.push(LineProblem::new(
                    l.line,
                    "specialty_name",
                    format!(
                        "系列 {} 中已有名为“{}”的专业（代码 {}）",
                        s.code, row.specialty_name, other.code
                    ),
                    format!(
                        "series {} already has a specialty called “{}” (code {})",
                        s.code, row.specialty_name, other.code
                    ),
                ));
                continue;
            }
            if problems.len() > problems_before {
                continue;
            }
            match s
                .specialties
                .iter_mut()
                .find(|x| x.code == row.specialty_code)
            {
                Some(x) if x.name == row.specialty_name => summary.unchanged += 1,
                Some(x) => {
                    x.name = row.specialty_name;
                    summary.specialties_renamed += 1;
                }
                None => {
                    s.specialties.push(Specialty {
                        code: row.specialty_code,
                        name: row.specialty_name,
                    });
                    summary.specialties_added += 1;
                }
            }
        }
        if !problems.is_empty() {
            problems.sort_by_key(|p| p.line);
            return Err(CatalogImportError::Lines(problems));
        }
        if summary.rows == 0 {
            return Err(CatalogImportError::Empty);
        }
        if !summary.changes() {
            return Err(CatalogImportError::Unchanged(summary));
        }
        Ok((next, summary))
    }
}

/// The file name without its directories (what the version records as its source).
fn source_name(source: &str) -> String {
    let name = source.rsplit(['/', '\\']).next().unwrap_or(source).trim();
    let name: String = name.chars().take(200).collect();
    if name.is_empty() {
        "import".to_owned()
    } else {
        name
    }
}

/// Column names of the titles, with their level in Chinese.
const TITLE_COLUMNS: [(&str, &str); 5] = [
    ("title_senior_full", "正高级"),
    ("title_senior_deputy", "副高级"),
    ("title_intermediate", "中级"),
    ("title_assistant", "助理级"),
    ("title_junior", "员级"),
];

/// One line of an import file: its 1-based line number (or spreadsheet row) and its cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportLine {
    pub line: usize,
    pub cells: Vec<String>,
}

impl ImportLine {
    pub fn new(line: usize, cells: Vec<String>) -> Self {
        ImportLine { line, cells }
    }
}

fn is_header(l: &ImportLine) -> bool {
    l.cells.first().is_some_and(|c| {
        let c = c.trim().trim_start_matches('\u{feff}').to_ascii_lowercase();
        c == "series_code" || c == "系列代码"
    })
}

/// A data line, parsed.
struct Row {
    series_code: SeriesCode,
    series_name: String,
    specialty_code: String,
    specialty_name: String,
    titles: [Option<String>; 5],
}

fn name_ok(s: &str) -> bool {
    (1..=MAX_NAME).contains(&s.chars().count())
}

/// A specialty code: upper-cased, 1–32 ASCII letters, digits or `_`.
pub fn specialty_code(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_uppercase();
    (!t.is_empty()
        && t.len() <= MAX_SPECIALTY_CODE
        && t.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then_some(t)
}

fn parse_line(l: &ImportLine, problems: &mut Vec<LineProblem>) -> Option<Row> {
    let before = problems.len();
    let cell = |i: usize| {
        l.cells
            .get(i)
            .map(|c| c.trim().trim_start_matches('\u{feff}').trim())
            .unwrap_or("")
    };
    let mut bad = |column: &'static str, zh: String, en: String| {
        problems.push(LineProblem::new(l.line, column, zh, en));
    };
    if let Some(extra) = (9..l.cells.len()).find(|&i| !cell(i).is_empty()) {
        bad(
            "columns",
            format!(
                "第 {} 列多余：每行最多 9 列（系列代码、系列名称、专业代码、专业名称、正高级…员级职称名称）",
                extra + 1
            ),
            format!(
                "column {} is one too many: at most 9 columns (series code, series name, specialty code, specialty name, the titles senior_full … junior)",
                extra + 1
            ),
        );
    }
    let series_code = SeriesCode::parse(cell(0)).ok();
    if series_code.is_none() {
        bad(
            "series_code",
            format!(
                "系列代码“{}”无效：应为 1–16 位大写字母、数字或 _，如 ENG",
                cell(0)
            ),
            format!(
                "series code “{}” is not 1–16 upper-case letters, digits or `_`, e.g. ENG",
                cell(0)
            ),
        );
    }
    if !name_ok(cell(1)) {
        bad(
            "series_name",
            format!("请填写系列名称（1–{MAX_NAME} 字）"),
            format!("the series name needs 1 to {MAX_NAME} characters"),
        );
    }
    let specialty = specialty_code(cell(2));
    if specialty.is_none() {
        bad(
            "specialty_code",
            format!(
                "专业代码“{}”无效：应为 1–{MAX_SPECIALTY_CODE} 位字母、数字或 _，如 ELEC",
                cell(2)
            ),
            format!(
                "specialty code “{}” is not 1–{MAX_SPECIALTY_CODE} letters, digits or `_`, e.g. ELEC",
                cell(2)
            ),
        );
    }
    if !name_ok(cell(3)) {
        bad(
            "specialty_name",
            format!("请填写专业名称（1–{MAX_NAME} 字）"),
            format!("the specialty name needs 1 to {MAX_NAME} characters"),
        );
    }
    let mut titles: [Option<String>; 5] = Default::default();
    for (k, t) in titles.iter_mut().enumerate() {
        let v = cell(4 + k);
        if v.is_empty() {
            continue;
        }
        if v.chars().count() > MAX_NAME {
            bad(
                TITLE_COLUMNS[k].0,
                format!("{}职称名称不能超过 {MAX_NAME} 字", TITLE_COLUMNS[k].1),
                format!(
                    "the {} title is longer than {MAX_NAME} characters",
                    TITLE_COLUMNS[k].0
                ),
            );
        }
        *t = Some(v.to_owned());
    }
    if problems.len() > before {
        return None;
    }
    Some(Row {
        series_code: series_code?,
        series_name: cell(1).to_owned(),
        specialty_code: specialty?,
        specialty_name: cell(3).to_owned(),
        titles,
    })
}

/// What an import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    /// Data lines read.
    pub rows: usize,
    /// Codes of the series the import added.
    pub series_added: Vec<String>,
    pub specialties_added: usize,
    pub specialties_renamed: usize,
    /// Lines already in the catalog as they are.
    pub unchanged: usize,
}

impl ImportSummary {
    pub fn changes(&self) -> bool {
        !self.series_added.is_empty() || self.specialties_added > 0 || self.specialties_renamed > 0
    }
}

/// One problem of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LineProblem {
    pub line: usize,
    /// The column: `series_code`, `series_name`, `specialty_code`, `specialty_name`,
    /// `title_*`, `titles` or `columns`.
    pub column: &'static str,
    pub zh: String,
    pub en: String,
}

impl LineProblem {
    fn new(line: usize, column: &'static str, zh: String, en: String) -> Self {
        LineProblem {
            line,
            column,
            zh,
            en,
        }
    }
}

/// Why an import was refused (nothing was imported).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogImportError {
    #[error("{} problem(s) in the file; nothing was imported", .0.len())]
    Lines(Vec<LineProblem>),
    #[error("the file has no data lines")]
    Empty,
    #[error("every line is already in the catalog; no new version was made")]
    Unchanged(ImportSummary),
}

impl Localized for CatalogImportError {
    fn code(&self) -> &'static str {
        match self {
            Self::Lines(_) => "catalog.invalid_lines",
            Self::Empty => "catalog.empty",
            Self::Unchanged(_) => "catalog.unchanged",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Lines(v) => format!("导入文件有 {} 处错误，未导入任何内容", v.len()),
            Self::Empty => "导入文件没有数据行".into(),
            Self::Unchanged(_) => "文件中的内容已全部在职称目录中，未生成新版本".into(),
        }
    }
    fn invalid_input(&self) -> bool {
        !matches!(self, Self::Unchanged(_))
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::Lines(v) => v
                .iter()
                .map(|p| {
                    FieldError::new(
                        &format!("line{}.{}", p.line, p.column),
                        "catalog.invalid_line",
                        format!("第 {} 行：{}", p.line, p.zh),
                        format!("line {}: {}", p.line, p.en),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
    fn en(&self) -> String {
        self.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: usize, cells: &[&str]) -> ImportLine {
        ImportLine::new(n, cells.iter().map(|c| (*c).to_owned()).collect())
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_780_000_000, 0).unwrap()
    }

    #[test]
    fn engineering_deputy_senior_is_senior_engineer() {
        let eng = SeriesCode::parse("ENG").unwrap();
        let c = Catalog::builtin();
        assert_eq!(
            c.title_name(&eng, TitleLevel::SeniorDeputy),
            Some("高级工程师")
        );
        let he = SeriesCode::parse("HETEACH").unwrap();
        assert_eq!(c.title_name(&he, TitleLevel::Junior), None);
        assert_eq!(c.series().len(), 27);
        assert_eq!(c.version, 1);
        assert!(c.series().iter().all(|s| !s.specialties.is_empty()));
        assert_eq!(
            c.specialty(&eng, "elec").map(|s| s.name.as_str()),
            Some("电气工程")
        );
        assert_eq!(
            c.specialty(&eng, "电气工程").map(|s| s.code.as_str()),
            Some("ELEC")
        );
        assert!(c.specialty(&eng, "内科").is_none());
    }

    #[test]
    fn an_import_adds_specialties_and_series_into_the_next_version() {
        let lines = [
            line(
                1,
                &[
                    "series_code",
                    "series_name",
                    "specialty_code",
                    "specialty_name",
                ],
            ),
            line(2, &["ENG", "工程技术人员", "SHIPBUILD", "船舶制造"]),
            line(3, &["", "", "", ""]),
            line(4, &["ENG", "工程技术人员", "ELEC", "电气工程"]),
            line(5, &["ENG", "工程技术人员", "MECH", "机械设计制造"]),
            line(
                6,
                &[
                    "SDPOLICE",
                    "山东警务技术",
                    "FORENSIC",
                    "法医",
                    "一级警务技术",
                    "",
                    "三级警务技术",
                ],
            ),
        ];
        let (c, s) = Catalog::builtin()
            .import("/tmp/ops/2026.csv", &lines, now())
            .unwrap();
        assert_eq!(c.version, 2);
        assert_eq!(c.source, "2026.csv");
        assert_eq!(
            (
                s.rows,
                s.specialties_added,
                s.specialties_renamed,
                s.unchanged
            ),
            (4, 2, 1, 1)
        );
        assert_eq!(s.series_added, ["SDPOLICE"]);
        let eng = SeriesCode::parse("ENG").unwrap();
        assert_eq!(c.specialty(&eng, "SHIPBUILD").unwrap().name, "船舶制造");
        assert_eq!(c.specialty(&eng, "MECH").unwrap().name, "机械设计制造");
        let police = SeriesCode::parse("SDPOLICE").unwrap();
        assert_eq!(
            c.title_name(&police, TitleLevel::Intermediate),
            Some("三级警务技术")
        );
        assert_eq!(c.title_name(&police, TitleLevel::SeniorDeputy), None);
        // The same file again changes nothing.
        let again = c.import("2026.csv", &lines, now());
        assert!(matches!(again, Err(CatalogImportError::Unchanged(_))));
    }

    #[test]
    fn every_bad_line_is_reported_with_its_number_and_nothing_is_imported() {
        let lines = [
            line(1, &["系列代码", "系列名称", "专业代码", "专业名称"]),
            line(2, &["ENG", "工程技术", "X1", "新专业"]),
            line(3, &["eng!", "工程技术人员", "X2", "另一专业"]),
            line(4, &["ENG", "工程技术人员", "", ""]),
            line(5, &["NEWS", "新系列", "A", "甲"]),
            line(6, &["ENG", "工程技术人员", "OK1", "好专业"]),
            line(7, &["ENG", "工程技术人员", "OK1", "好专业"]),
            line(8, &["ENG", "工程技术人员", "DUP", "电气工程"]),
            line(
                9,
                &["ENG", "工程技术人员", "Z", "甲", "", "", "", "", "", "多余"],
            ),
            line(10, &["ENG", "工程技术人员", "Y", "乙", "", "副高改名"]),
        ];
        let Err(CatalogImportError::Lines(p)) = Catalog::builtin().import("f.csv", &lines, now())
        else {
            panic!("expected line problems")
        };
        let got: Vec<(usize, &str)> = p.iter().map(|p| (p.line, p.column)).collect();
        assert_eq!(
            got,
            [
                (2, "series_name"),
                (3, "series_code"),
                (4, "specialty_code"),
                (4, "specialty_name"),
                (5, "titles"),
                (7, "specialty_code"),
                (8, "specialty_name"),
                (9, "columns"),
                (10, "title_senior_deputy"),
            ]
        );
        assert!(p[0].zh.contains("工程技术人员"));
        let e = CatalogImportError::Lines(p);
        assert!(e.invalid_input());
        assert_eq!(e.fields()[0].field, "line2.series_name");
        assert_eq!(
            Catalog::builtin().import("f.csv", &lines[..1], now()),
            Err(CatalogImportError::Empty)
        );
    }

    #[test]
    fn a_catalog_survives_its_json() {
        let c = Catalog::builtin();
        let back: Catalog = serde_json::from_str(&serde_json::to_string(c).unwrap()).unwrap();
        assert_eq!(&back, c);
    }
}
