//! The national catalog of title series and their level titles (MOHRSS list of 2021).

use serde::Serialize;
use zhicheng_kernel::{SeriesCode, TitleLevel};

/// One title series with the title name at each level (`None` where the series has no such level).
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub code: &'static str,
    pub name: &'static str,
    /// Titles for 正高, 副高, 中级, 助理, 员级.
    pub titles: [Option<&'static str>; 5],
}

const fn s(code: &'static str, name: &'static str, titles: [Option<&'static str>; 5]) -> Series {
    Series { code, name, titles }
}

static SERIES: &[Series] = &[
    s(
        "HETEACH",
        "高等学校教师",
        [
            Some("教授"),
            Some("副教授"),
            Some("讲师"),
            Some("助教"),
            None,
        ],
    ),
    s(
        "SOCRES",
        "哲学社会科学研究人员",
        [
            Some("研究员"),
            Some("副研究员"),
            Some("助理研究员"),
            Some("研究实习员"),
            None,
        ],
    ),
    s(
        "NATRES",
        "自然科学研究人员",
        [
            Some("研究员"),
            Some("副研究员"),
            Some("助理研究员"),
            Some("研究实习员"),
            None,
        ],
    ),
    s(
        "HEALTH",
        "卫生技术人员",
        [
            Some("主任医师"),
            Some("副主任医师"),
            Some("主治医师"),
            Some("医师"),
            Some("医士"),
        ],
    ),
    s(
        "ENG",
        "工程技术人员",
        [
            Some("正高级工程师"),
            Some("高级工程师"),
            Some("工程师"),
            Some("助理工程师"),
            Some("技术员"),
        ],
    ),
    s(
        "AGRI",
        "农业技术人员",
        [
            Some("正高级农艺师"),
            Some("高级农艺师"),
            Some("农艺师"),
            Some("助理农艺师"),
            Some("农业技术员"),
        ],
    ),
    s(
        "JOURN",
        "新闻专业人员",
        [
            Some("高级记者"),
            Some("主任记者"),
            Some("记者"),
            Some("助理记者"),
            None,
        ],
    ),
    s(
        "PUBL",
        "出版专业人员",
        [
            Some("编审"),
            Some("副编审"),
            Some("编辑"),
            Some("助理编辑"),
            None,
        ],
    ),
    s(
        "LIB",
        "图书资料专业人员",
        [
            Some("研究馆员"),
            Some("副研究馆员"),
            Some("馆员"),
            Some("助理馆员"),
            Some("管理员"),
        ],
    ),
    s(
        "MUSEUM",
        "文物博物专业人员",
        [
            Some("研究馆员"),
            Some("副研究馆员"),
            Some("馆员"),
            Some("助理馆员"),
            None,
        ],
    ),
    s(
        "ARCHIVE",
        "档案专业人员",
        [
            Some("研究馆员"),
            Some("副研究馆员"),
            Some("馆员"),
            Some("助理馆员"),
            Some("管理员"),
        ],
    ),
    s(
        "CRAFT",
        "工艺美术专业人员",
        [
            Some("正高级工艺美术师"),
            Some("高级工艺美术师"),
            Some("工艺美术师"),
            Some("助理工艺美术师"),
            Some("工艺美术员"),
        ],
    ),
    s(
        "TECHTEACH",
        "技工院校教师",
        [
            Some("正高级讲师"),
            Some("高级讲师"),
            Some("讲师"),
            Some("助理讲师"),
            None,
        ],
    ),
    s(
        "SPORT",
        "体育专业人员",
        [
            Some("国家级教练"),
            Some("高级教练"),
            Some("中级教练"),
            Some("初级教练"),
            None,
        ],
    ),
    s(
        "TRANS",
        "翻译专业人员",
        [
            Some("译审"),
            Some("一级翻译"),
            Some("二级翻译"),
            Some("三级翻译"),
            None,
        ],
    ),
    s(
        "BROAD",
        "播音主持专业人员",
        [
            Some("播音指导"),
            Some("主任播音员"),
            Some("一级播音员"),
            Some("二级播音员"),
            Some("三级播音员"),
        ],
    ),
    s(
        "ACCT",
        "会计人员",
        [
            Some("正高级会计师"),
            Some("高级会计师"),
            Some("会计师"),
            Some("助理会计师"),
            None,
        ],
    ),
    s(
        "STAT",
        "统计专业人员",
        [
            Some("正高级统计师"),
            Some("高级统计师"),
            Some("统计师"),
            Some("助理统计师"),
            None,
        ],
    ),
    s(
        "ECON",
        "经济专业人员",
        [
            Some("正高级经济师"),
            Some("高级经济师"),
            Some("经济师"),
            Some("助理经济师"),
            None,
        ],
    ),
    s(
        "LAB",
        "实验技术人才",
        [
            Some("正高级实验师"),
            Some("高级实验师"),
            Some("实验师"),
            Some("助理实验师"),
            Some("实验员"),
        ],
    ),
    s(
        "VOCTEACH",
        "中等职业学校教师",
        [
            Some("正高级讲师"),
            Some("高级讲师"),
            Some("讲师"),
            Some("助理讲师"),
            None,
        ],
    ),
    s(
        "SCHTEACH",
        "中小学教师",
        [
            Some("正高级教师"),
            Some("高级教师"),
            Some("一级教师"),
            Some("二级教师"),
            Some("三级教师"),
        ],
    ),
    s(
        "ART",
        "艺术专业人员",
        [Some("一级"), Some("二级"), Some("三级"), Some("四级"), None],
    ),
    s(
        "LAW",
        "公共法律服务专业人员",
        [
            Some("一级公证员"),
            Some("二级公证员"),
            Some("三级公证员"),
            Some("四级公证员"),
            Some("公证员助理"),
        ],
    ),
    s(
        "SHIP",
        "船舶专业技术人员",
        [
            Some("正高级船长"),
            Some("高级船长"),
            Some("船长"),
            Some("大副"),
            Some("二副"),
        ],
    ),
    s(
        "AVIA",
        "民用航空飞行技术人员",
        [
            Some("一级飞行员"),
            Some("二级飞行员"),
            Some("三级飞行员"),
            Some("四级飞行员"),
            None,
        ],
    ),
    s(
        "AUDIT",
        "审计专业人员",
        [
            Some("正高级审计师"),
            Some("高级审计师"),
            Some("审计师"),
            Some("助理审计师"),
            None,
        ],
    ),
];

/// The title catalog. Built in for now; the same interface will serve versioned catalog data.
#[derive(Debug, Clone, Copy, Default)]
pub struct Catalog;

impl Catalog {
    pub fn series(&self) -> &'static [Series] {
        SERIES
    }

    pub fn find(&self, code: &SeriesCode) -> Option<&'static Series> {
        SERIES.iter().find(|s| s.code == code.as_str())
    }

    /// The title name for a series at a level, e.g. (ENG, 副高) → 高级工程师.
    pub fn title_name(&self, code: &SeriesCode, level: TitleLevel) -> Option<&'static str> {
        self.find(code)
            .and_then(|s| s.titles[usize::from(level.digit() - 1)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engineering_deputy_senior_is_senior_engineer() {
        let eng = SeriesCode::parse("ENG").unwrap();
        assert_eq!(
            Catalog.title_name(&eng, TitleLevel::SeniorDeputy),
            Some("高级工程师")
        );
        let he = SeriesCode::parse("HETEACH").unwrap();
        assert_eq!(Catalog.title_name(&he, TitleLevel::Junior), None);
        assert_eq!(Catalog.series().len(), 27);
    }
}
