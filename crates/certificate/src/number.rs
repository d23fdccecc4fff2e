//! Certificate numbers: `{PP}-{YYYY}-{L}{SERIES}-{NNNNNN}-{K}`.
//!
//! `PP` is the issuer's province code, `L` the level digit (1 正高 … 5 员级), `SERIES` the series
//! code, `NNNNNN` a sequence per issuer and year, and `K` an ISO 7064 MOD 37,36 check character
//! over all other characters. Unique, never reused, unchanged on revocation.

use serde::{Deserialize, Serialize};
use zhicheng_kernel::{SeriesCode, TitleLevel};

const ALPHABET: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CertificateNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "not a certificate number: expected e.g. 37-2026-2ENG-000001-K with a valid check character"
)]
pub struct CertificateNumberError;

/// ISO 7064 MOD 37,36 (hybrid) check character over `s` (digits and upper-case letters).
pub fn mod37_36(s: &str) -> Option<char> {
    let mut p: u32 = 36;
    for c in s.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        let mut t = (p + v) % 36;
        if t == 0 {
            t = 36;
        }
        p = (t * 2) % 37;
    }
    let idx = (37 - p) % 36;
    Some(char::from(ALPHABET[idx as usize]))
}

impl CertificateNumber {
    pub fn new(
        province: u8,
        year: i32,
        level: TitleLevel,
        series: &SeriesCode,
        sequence: u64,
    ) -> CertificateNumber {
        let body = format!(
            "{province:02}-{year:04}-{}{}-{sequence:06}",
            level.digit(),
            series.as_str().replace('_', "")
        );
        let k = mod37_36(&body.replace('-', "")).unwrap_or('0');
        CertificateNumber(format!("{body}-{k}"))
    }

    /// The prefix sequence numbers count in: one sequence per province and year, whoever
    /// issues, so two issuers in one province never produce the same number.
    pub fn scope(province: u8, year: i32) -> String {
        format!("{province:02}-{year:04}")
    }

    pub fn parse(s: &str) -> Result<Self, CertificateNumberError> {
        let s = s.trim().to_ascii_uppercase();
        let (body, k) = s.rsplit_once('-').ok_or(CertificateNumberError)?;
        if body.split('-').count() != 4 || k.len() != 1 {
            return Err(CertificateNumberError);
        }
        let expected = mod37_36(&body.replace('-', "")).ok_or(CertificateNumberError)?;
        if !k.starts_with(expected) {
            return Err(CertificateNumberError);
        }
        Ok(CertificateNumber(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for CertificateNumber {
    type Error = CertificateNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CertificateNumber::parse(&s)
    }
}

impl From<CertificateNumber> for String {
    fn from(n: CertificateNumber) -> String {
        n.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_single_substitution_and_adjacent_swap_changes_the_check_character() {
        let body = "3720262ENG000042";
        let k = mod37_36(body).unwrap();
        let chars: Vec<char> = body.chars().collect();
        for i in 0..chars.len() {
            for c in ALPHABET.iter().map(|&b| char::from(b)) {
                if c == chars[i] {
                    continue;
                }
                let mut v = chars.clone();
                v[i] = c;
                assert_ne!(
                    mod37_36(&v.iter().collect::<String>()),
                    Some(k),
                    "substitution at {i}"
                );
            }
            if i + 1 < chars.len() && chars[i] != chars[i + 1] {
                let mut v = chars.clone();
                v.swap(i, i + 1);
                assert_ne!(
                    mod37_36(&v.iter().collect::<String>()),
                    Some(k),
                    "swap at {i}"
                );
            }
        }
    }

    #[test]
    fn numbers_round_trip_and_a_changed_digit_is_caught() {
        let n = CertificateNumber::new(
            37,
            2026,
            TitleLevel::SeniorDeputy,
            &SeriesCode::parse("ENG").unwrap(),
            42,
        );
        assert!(n.as_str().starts_with("37-2026-2ENG-000042-"));
        assert_eq!(CertificateNumber::parse(n.as_str()).unwrap(), n);
        let tampered = n.as_str().replace("000042", "000043");
        assert!(CertificateNumber::parse(&tampered).is_err());
    }
}
