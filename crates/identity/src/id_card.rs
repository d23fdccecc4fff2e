//! Resident identity card numbers, GB 11643-1999.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: &[u8; 11] = b"10X98765432";

/// An 18-character resident ID number whose birth date is real and whose check character
/// (ISO 7064 MOD 11-2) is right. A lowercase `x` is normalised to `X`.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdCardNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdCardNumberError {
    #[error("15-digit first-generation ID numbers are not accepted; use the 18-character number")]
    FirstGeneration,
    #[error("an ID number has 18 characters: 17 digits and a digit or X")]
    Shape,
    #[error("the first two digits are not a province code")]
    Province,
    #[error("the birth date in the ID number is not a real date")]
    BirthDate,
    #[error("the last character does not match the check rule: please re-check the number")]
    Checksum,
}

/// Gender as encoded in the ID number's sequence digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn zh(self) -> &'static str {
        match self {
            Gender::Male => "男",
            Gender::Female => "女",
        }
    }
}

impl IdCardNumber {
    pub fn parse(input: &str) -> Result<Self, IdCardNumberError> {
        let s: String = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() == 15 && b.iter().all(u8::is_ascii_digit) {
            return Err(IdCardNumberError::FirstGeneration);
        }
        if b.len() != 18
            || !b[..17].iter().all(u8::is_ascii_digit)
            || !(b[17].is_ascii_digit() || b[17] == b'X')
        {
            return Err(IdCardNumberError::Shape);
        }
        let province = &s[..2];
        if zhicheng_kernel::RegionCode::parse(&format!("{province}0000")).is_err() {
            return Err(IdCardNumberError::Province);
        }
        if birth_date_of(&s).is_none() {
            return Err(IdCardNumberError::BirthDate);
        }
        if check_char(&b[..17]) != b[17] {
            return Err(IdCardNumberError::Checksum);
        }
        Ok(IdCardNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn birth_date(&self) -> NaiveDate {
        // Parsing guarantees a real date; fall back to the epoch rather than panic.
        birth_date_of(&self.0).unwrap_or_default()
    }

    pub fn gender(&self) -> Gender {
        let seq = self.0.as_bytes()[16] - b'0';
        if seq % 2 == 1 {
            Gender::Male
        } else {
            Gender::Female
        }
    }

    /// Masked for display to anyone but the holder: `3710**********1231`.
    pub fn masked(&self) -> String {
        format!("{}**********{}", &self.0[..4], &self.0[14..])
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> i32 {
        let b = self.birth_date();
        let mut age = on.year() - b.year();
        if (on.month(), on.day()) < (b.month(), b.day()) {
            age -= 1;
        }
        age
    }
}

fn birth_date_of(s: &str) -> Option<NaiveDate> {
    let y: i32 = s.get(6..10)?.parse().ok()?;
    let m: u32 = s.get(10..12)?.parse().ok()?;
    let d: u32 = s.get(12..14)?.parse().ok()?;
    if !(1800..=2099).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// The check character for the first 17 digits.
pub fn check_char(first17: &[u8]) -> u8 {
    let s: u32 = first17
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    CHECK[(s % 11) as usize]
}

impl std::fmt::Debug for IdCardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print a full ID number into logs.
        write!(f, "IdCardNumber({})", self.masked())
    }
}

impl TryFrom<String> for IdCardNumber {
    type Error = IdCardNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdCardNumber::parse(&s)
    }
}

impl From<IdCardNumber> for String {
    fn from(n: IdCardNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standards_own_example_is_valid() {
        let n = IdCardNumber::parse("11010519491231002x").unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
        assert_eq!(n.gender(), Gender::Female);
        assert_eq!(
            n.birth_date(),
            NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
        );
        assert_eq!(n.masked(), "1101**********002X");
    }

    #[test]
    fn a_wrong_check_character_is_refused() {
        assert_eq!(
            IdCardNumber::parse("110105194912310021"),
            Err(IdCardNumberError::Checksum)
        );
    }

    #[test]
    fn the_wendeng_sample_is_a_man_born_in_1985() {
        let n = IdCardNumber::parse("371003198503151231").unwrap();
        assert_eq!(n.gender(), Gender::Male);
        assert_eq!(n.age_on(NaiveDate::from_ymd_opt(2026, 3, 14).unwrap()), 40);
        assert_eq!(n.age_on(NaiveDate::from_ymd_opt(2026, 3, 15).unwrap()), 41);
    }

    #[test]
    fn impossible_dates_short_numbers_and_bad_provinces_are_refused() {
        assert_eq!(
            IdCardNumber::parse("371003198502301234"),
            Err(IdCardNumberError::BirthDate)
        );
        assert_eq!(
            IdCardNumber::parse("371003850315123"),
            Err(IdCardNumberError::FirstGeneration)
        );
        assert_eq!(
            IdCardNumber::parse("37100319850315123"),
            Err(IdCardNumberError::Shape)
        );
        assert_eq!(
            IdCardNumber::parse("99100319850315123X"),
            Err(IdCardNumberError::Province)
        );
    }

    #[test]
    fn debug_output_masks_the_number() {
        let n = IdCardNumber::parse("371003198503151231").unwrap();
        assert!(!format!("{n:?}").contains("198503"));
    }
}
