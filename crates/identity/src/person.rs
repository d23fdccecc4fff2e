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

/// Why an operator rename was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenameError {
    #[error("the new name is the same as the current one")]
    Unchanged,
    #[error("a reason is required")]
    NoReason,
}

impl zhicheng_kernel::Localized for RenameError {
    fn code(&self) -> &'static str {
        match self {
            Self::Unchanged => "person.name_unchanged",
            Self::NoReason => "person.rename_reason_missing",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::Unchanged => "新姓名与当前姓名相同",
            Self::NoReason => "更正姓名必须填写原因",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
}

impl Person {
    /// Operator correction of the legal name (the only way the name changes after
    /// registration). Returns the old name.
    ///
    /// # Errors
    /// [`RenameError`] when the name is unchanged or no reason is given.
    pub fn rename_by_operator(
        &mut self,
        new: PersonName,
        reason: &str,
    ) -> Result<PersonName, RenameError> {
        if reason.trim().is_empty() {
            return Err(RenameError::NoReason);
        }
        if new == self.name {
            return Err(RenameError::Unchanged);
        }
        Ok(std::mem::replace(&mut self.name, new))
    }
}
