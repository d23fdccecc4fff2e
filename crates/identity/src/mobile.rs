//! Mainland mobile numbers.

use serde::{Deserialize, Serialize};

/// An 11-digit mainland mobile number `1[3-9]xxxxxxxxx`, after stripping spaces, `-` and a
/// `+86`/`0086` prefix.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobileNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a mobile number has 11 digits and starts with 13–19")]
pub struct MobileNumberError;

impl MobileNumber {
    pub fn parse(input: &str) -> Result<Self, MobileNumberError> {
        let mut s: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if let Some(rest) = s.strip_prefix("+86").or_else(|| s.strip_prefix("0086")) {
            s = rest.to_owned();
        }
        let b = s.as_bytes();
        if b.len() == 11
            && b[0] == b'1'
            && (b'3'..=b'9').contains(&b[1])
            && b.iter().all(u8::is_ascii_digit)
        {
            Ok(MobileNumber(s))
        } else {
            Err(MobileNumberError)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `138****5678`
    pub fn masked(&self) -> String {
        format!("{}****{}", &self.0[..3], &self.0[7..])
    }
}

impl std::fmt::Debug for MobileNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MobileNumber({})", self.masked())
    }
}

impl TryFrom<String> for MobileNumber {
    type Error = MobileNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        MobileNumber::parse(&s)
    }
}

impl From<MobileNumber> for String {
    fn from(m: MobileNumber) -> String {
        m.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_and_separators_are_stripped() {
        assert_eq!(
            MobileNumber::parse("+86 138-0531-5678").unwrap().as_str(),
            "13805315678"
        );
        assert_eq!(
            MobileNumber::parse("008613805315678").unwrap().masked(),
            "138****5678"
        );
    }

    #[test]
    fn landlines_and_short_numbers_are_refused() {
        assert!(MobileNumber::parse("053181919792").is_err());
        assert!(MobileNumber::parse("1280531567").is_err());
        assert!(MobileNumber::parse("12805315678").is_err());
    }
}
