//! Unified social credit codes, GB 32100-2015.

use serde::{Deserialize, Serialize};

const CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// An 18-character unified social credit code of the right shape.
///
/// The check character is *not* required to be right: a few legally issued pilot codes fail it,
/// so an organisation with a failing code goes to manual review instead of being refused.
/// [`Uscc::check_char_ok`] says which.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Uscc(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("a unified social credit code has exactly 18 characters")]
    Length,
    #[error(
        "character {position} (`{ch}`) is not allowed; the letters I, O, Z, S and V are never used"
    )]
    Character { position: usize, ch: char },
    #[error("characters 3–8 must be the 6-digit region code of the registering authority")]
    Region,
    #[error("the last character should be `{expected}`: please re-check the code")]
    Checksum { expected: char },
}

fn value(c: u8) -> Option<u32> {
    CHARSET.iter().position(|&x| x == c).map(|p| p as u32)
}

impl Uscc {
    /// Parses the shape: 18 characters from the GB 32100 set, digits in positions 3–8.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let s: String = input.trim().to_ascii_uppercase();
        let b = s.as_bytes();
        if b.len() != 18 {
            return Err(UsccError::Length);
        }
        for (i, &c) in b.iter().enumerate() {
            if value(c).is_none() {
                return Err(UsccError::Character {
                    position: i + 1,
                    ch: char::from(c),
                });
            }
        }
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(UsccError::Region);
        }
        Ok(Uscc(s))
    }

    /// Parses and also requires the check character to be right.
    pub fn parse_strict(input: &str) -> Result<Self, UsccError> {
        let u = Uscc::parse(input)?;
        let expected = u.expected_check_char();
        if u.0.as_bytes()[17] != expected {
            return Err(UsccError::Checksum {
                expected: char::from(expected),
            });
        }
        Ok(u)
    }

    fn expected_check_char(&self) -> u8 {
        let s: u32 = self.0.as_bytes()[..17]
            .iter()
            .zip(WEIGHTS)
            .map(|(&c, w)| value(c).unwrap_or(0) * w)
            .sum();
        CHARSET[((31 - s % 31) % 31) as usize]
    }

    pub fn check_char_ok(&self) -> bool {
        self.0.as_bytes()[17] == self.expected_check_char()
    }

    /// Region code of the registering authority (positions 3–8).
    pub fn region_digits(&self) -> &str {
        &self.0[2..8]
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Uscc {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Uscc::parse(&s)
    }
}

impl From<Uscc> for String {
    fn from(u: Uscc) -> String {
        u.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_codes_pass_the_check() {
        for c in [
            "91350100M000100Y43",
            "91110108MA01G0FB09",
            "911100007109288314",
            "123710034940875396",
            "91371003MA3C12346Y",
        ] {
            assert!(Uscc::parse_strict(c).is_ok(), "{c}");
        }
    }

    #[test]
    fn fujian_pilot_codes_parse_but_fail_the_check() {
        let u = Uscc::parse("91350100M0001TGQXM").unwrap();
        assert!(!u.check_char_ok());
        assert!(matches!(
            Uscc::parse_strict("91350100M0001TGQXM"),
            Err(UsccError::Checksum { .. })
        ));
    }

    #[test]
    fn forbidden_letters_and_wrong_lengths_are_refused() {
        assert_eq!(Uscc::parse("91350100M000100Y4"), Err(UsccError::Length));
        assert_eq!(
            Uscc::parse("91350100M00010OY43"),
            Err(UsccError::Character {
                position: 15,
                ch: 'O'
            })
        );
        assert_eq!(Uscc::parse("913A0100M000100Y43"), Err(UsccError::Region));
    }
}
