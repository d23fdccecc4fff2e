//! Title levels (级别) and series codes (系列).

use serde::{Deserialize, Serialize};

/// The five title levels, coded as in certificate numbers (1 正高 … 5 员级).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleLevel {
    /// 正高级
    SeniorFull,
    /// 副高级
    SeniorDeputy,
    /// 中级
    Intermediate,
    /// 助理级
    Assistant,
    /// 员级
    Junior,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown title level `{0}`: use senior_full, senior_deputy, intermediate, assistant or junior"
)]
pub struct TitleLevelError(pub String);

impl TitleLevel {
    pub const ALL: [TitleLevel; 5] = [
        TitleLevel::SeniorFull,
        TitleLevel::SeniorDeputy,
        TitleLevel::Intermediate,
        TitleLevel::Assistant,
        TitleLevel::Junior,
    ];

    /// Digit used in certificate numbers.
    pub fn digit(self) -> u8 {
        match self {
            TitleLevel::SeniorFull => 1,
            TitleLevel::SeniorDeputy => 2,
            TitleLevel::Intermediate => 3,
            TitleLevel::Assistant => 4,
            TitleLevel::Junior => 5,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TitleLevel::SeniorFull => "senior_full",
            TitleLevel::SeniorDeputy => "senior_deputy",
            TitleLevel::Intermediate => "intermediate",
            TitleLevel::Assistant => "assistant",
            TitleLevel::Junior => "junior",
        }
    }

    pub fn zh(self) -> &'static str {
        match self {
            TitleLevel::SeniorFull => "正高级",
            TitleLevel::SeniorDeputy => "副高级",
            TitleLevel::Intermediate => "中级",
            TitleLevel::Assistant => "助理级",
            TitleLevel::Junior => "员级",
        }
    }

    /// Accepts the snake-case name, the digit or the Chinese name.
    pub fn parse(s: &str) -> Result<Self, TitleLevelError> {
        let t = s.trim();
        TitleLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == t || l.zh() == t || l.digit().to_string() == t)
            .ok_or_else(|| TitleLevelError(t.to_owned()))
    }
}

impl std::fmt::Display for TitleLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Code of a title series in the catalog, e.g. `ENG` (工程技术人员). Upper-case ASCII letters,
/// digits and `_`, 1–16 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SeriesCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a series code is 1–16 upper-case letters, digits or `_`, got `{0}`")]
pub struct SeriesCodeError(pub String);

impl SeriesCode {
    pub fn parse(s: &str) -> Result<Self, SeriesCodeError> {
        let t = s.trim().to_ascii_uppercase();
        if t.is_empty()
            || t.len() > 16
            || !t
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(SeriesCodeError(s.to_owned()));
        }
        Ok(SeriesCode(t))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SeriesCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for SeriesCode {
    type Error = SeriesCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        SeriesCode::parse(&s)
    }
}

impl From<SeriesCode> for String {
    fn from(s: SeriesCode) -> String {
        s.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_every_spelling() {
        assert_eq!(
            TitleLevel::parse("副高级").unwrap(),
            TitleLevel::SeniorDeputy
        );
        assert_eq!(TitleLevel::parse("3").unwrap(), TitleLevel::Intermediate);
        assert_eq!(TitleLevel::parse("junior").unwrap(), TitleLevel::Junior);
        assert!(TitleLevel::parse("expert").is_err());
    }

    #[test]
    fn series_codes_are_normalised_to_upper_case() {
        assert_eq!(SeriesCode::parse("eng").unwrap().as_str(), "ENG");
        assert!(SeriesCode::parse("工程").is_err());
        assert!(SeriesCode::parse("").is_err());
    }
}
