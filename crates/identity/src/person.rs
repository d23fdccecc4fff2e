//! Natural persons (applicants).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use zhicheng_kernel::PersonId;

use crate::{Gender, IdCardNumber, MobileNumber};

/// A person's legal name as on the ID card: 2–40 characters, no digits or control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PersonNameError {
    #[error("the name needs 2 to 40 characters")]
    Length,
    #[error("the name may contain only letters, `·` and spaces")]
    Characters,
}

impl PersonName {
    pub fn parse(input: &str) -> Result<Self, PersonNameError> {
        let s = input.trim();
        let n = s.chars().count();
        if !(2..=40).contains(&n) {
            return Err(PersonNameError::Length);
        }
        if !s
            .chars()
            .all(|c| c.is_alphabetic() || c == '·' || c == '•' || c == ' ')
        {
            return Err(PersonNameError::Characters);
        }
        Ok(PersonName(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = PersonNameError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        PersonName::parse(&s)
    }
}

impl From<PersonName> for String {
    fn from(n: PersonName) -> String {
        n.0
    }
}

/// A registered person. Name and ID number are immutable once confirmed; birth date and gender
/// are derived from the ID number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub id_number: IdCardNumber,
    pub name: PersonName,
    pub mobile: MobileNumber,
    pub ethnicity: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

impl Person {
    pub fn gender(&self) -> Gender {
        self.id_number.gender()
    }

    pub fn birth_date(&self) -> NaiveDate {
        self.id_number.birth_date()
    }
}
