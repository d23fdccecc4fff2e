//! The administrative divisions (province → prefecture → county) of 2023, compiled in from
//! `data/divisions-cn-2023.csv`: the region picker's lists and the check that a picked region
//! exists. Parsed once, on first use; nothing is read from disk at run time.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::RegionCode;

const CSV: &str = include_str!("../data/divisions-cn-2023.csv");

/// The level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DivisionLevel {
    Province,
    Prefecture,
    County,
}

impl DivisionLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::Prefecture => "prefecture",
            DivisionLevel::County => "county",
        }
    }
}

/// One division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: RegionCode,
    pub name: &'static str,
    pub level: DivisionLevel,
    pub parent: Option<RegionCode>,
}

struct Index {
    all: Vec<Division>,
    by_code: HashMap<RegionCode, usize>,
    children: HashMap<Option<RegionCode>, Vec<usize>>,
}

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut all = Vec::new();
        for line in CSV.lines().skip(1) {
            let mut cols = line.split(',');
            let (Some(code), Some(name), Some(level), parent) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            else {
                continue;
            };
            let Ok(code) = RegionCode::parse(code) else {
                continue;
            };
            let level = match level.trim() {
                "province" => DivisionLevel::Province,
                "prefecture" => DivisionLevel::Prefecture,
                "county" => DivisionLevel::County,
                _ => continue,
            };
            let parent = parent
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .and_then(|p| RegionCode::parse(p).ok());
            all.push(Division {
                code,
                name: name.trim(),
                level,
                parent,
            });
        }
        let by_code = all.iter().enumerate().map(|(i, d)| (d.code, i)).collect();
        let mut children: HashMap<Option<RegionCode>, Vec<usize>> = HashMap::new();
        for (i, d) in all.iter().enumerate() {
            children.entry(d.parent).or_default().push(i);
        }
        for v in children.values_mut() {
            v.sort_by_key(|&i| all[i].code);
        }
        Index {
            all,
            by_code,
            children,
        }
    })
}

/// The division with this code, if it exists in the 2023 list.
pub fn division(code: RegionCode) -> Option<&'static Division> {
    let ix = index();
    ix.by_code.get(&code).map(|&i| &ix.all[i])
}

/// The divisions directly under `parent` (the provinces when `None`), by code.
pub fn children(parent: Option<RegionCode>) -> Vec<&'static Division> {
    let ix = index();
    ix.children
        .get(&parent)
        .map(|v| v.iter().map(|&i| &ix.all[i]).collect())
        .unwrap_or_default()
}

/// The chain from the province down to `code` (e.g. 山东省 › 威海市 › 文登区).
pub fn path(code: RegionCode) -> Vec<&'static Division> {
    let mut out = Vec::new();
    let mut next = division(code);
    while let Some(d) = next {
        out.push(d);
        next = d.parent.and_then(division);
    }
    out.reverse();
    out
}

/// The full name of a region, e.g. `山东省威海市文登区` (municipalities' `市辖区` left out).
pub fn full_name(code: RegionCode) -> Option<String> {
    let p = path(code);
    if p.is_empty() {
        return None;
    }
    Some(
        p.iter()
            .map(|d| d.name)
            .filter(|n| *n != "市辖区" && *n != "县")
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_list_has_every_level_and_its_parents() {
        assert_eq!(children(None).len(), 31);
        let wendeng = RegionCode::parse("371003").unwrap();
        assert_eq!(full_name(wendeng).unwrap(), "山东省威海市文登区");
        assert_eq!(division(wendeng).unwrap().level, DivisionLevel::County);
        let weihai = children(Some(RegionCode::parse("370000").unwrap()));
        assert!(weihai.iter().any(|d| d.name == "威海市"));
        assert!(
            children(Some(RegionCode::parse("371000").unwrap()))
                .iter()
                .any(|d| d.code == wendeng)
        );
        assert!(
            division(RegionCode::parse("371081").unwrap()).is_none(),
            "retired"
        );
    }
}
