//! GB/T 2260 administrative division codes.

use serde::{Deserialize, Serialize};

/// Province-level prefixes in use (GB/T 2260), plus 71/81/82 for Taiwan, Hong Kong and Macau.
const PROVINCES: [u8; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

/// A six-digit administrative division code `PPCCDD`.
///
/// Parsing checks the shape and the province prefix only: division lists change over the years
/// (371081 文登市 became 371003 文登区) and people keep old codes in their ID numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RegionCode(u32);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegionCodeError {
    #[error("a region code has exactly 6 digits")]
    Shape,
    #[error("{0:02} is not a province code")]
    UnknownProvince(u8),
}

impl RegionCode {
    pub fn parse(s: &str) -> Result<Self, RegionCodeError> {
        let s = s.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RegionCodeError::Shape);
        }
        let n: u32 = s.parse().map_err(|_| RegionCodeError::Shape)?;
        let province = (n / 10_000) as u8;
        if !PROVINCES.contains(&province) {
            return Err(RegionCodeError::UnknownProvince(province));
        }
        Ok(RegionCode(n))
    }

    /// Two-digit province prefix, e.g. 37 for Shandong.
    pub fn province(self) -> u8 {
        (self.0 / 10_000) as u8
    }

    /// The province-level code, e.g. 370000.
    pub fn province_code(self) -> RegionCode {
        RegionCode(self.0 / 10_000 * 10_000)
    }

    /// The prefecture-level code, e.g. 371000 for 371003.
    pub fn prefecture_code(self) -> RegionCode {
        RegionCode(self.0 / 100 * 100)
    }

    /// Whether `self` is `other` or lies inside it (371003 lies inside 371000 and 370000).
    pub fn within(self, other: RegionCode) -> bool {
        if other.0.is_multiple_of(10_000) {
            self.province() == other.province()
        } else if other.0.is_multiple_of(100) {
            self.0 / 100 == other.0 / 100
        } else {
            self.0 == other.0
        }
    }

    pub fn as_u32(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for RegionCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl TryFrom<String> for RegionCode {
    type Error = RegionCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        RegionCode::parse(&s)
    }
}

impl From<RegionCode> for String {
    fn from(r: RegionCode) -> String {
        r.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wendeng_lies_inside_weihai_and_shandong() {
        let wendeng = RegionCode::parse("371003").unwrap();
        assert!(wendeng.within(RegionCode::parse("371000").unwrap()));
        assert!(wendeng.within(RegionCode::parse("370000").unwrap()));
        assert!(!wendeng.within(RegionCode::parse("370100").unwrap()));
        assert_eq!(wendeng.prefecture_code().to_string(), "371000");
    }

    #[test]
    fn bad_region_codes_are_refused() {
        assert_eq!(RegionCode::parse("37100"), Err(RegionCodeError::Shape));
        assert_eq!(RegionCode::parse("37100a"), Err(RegionCodeError::Shape));
        assert_eq!(
            RegionCode::parse("991000"),
            Err(RegionCodeError::UnknownProvince(99))
        );
    }
}
