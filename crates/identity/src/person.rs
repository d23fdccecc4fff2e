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

/// What a person may change in their basic data (基本信息) themselves. Name and ID number may
/// be sent (a form shows them) but must be unchanged: a wrong name is corrected by a
/// [`crate::correction::NameCorrection`] request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProfileEdit {
    pub name: Option<String>,
    pub id_number: Option<String>,
    pub ethnicity: Option<String>,
}

/// Why a profile edit was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileEditError {
    #[error(
        "the name cannot be changed after registration; request a name correction, decided by the HR bureau of your unit"
    )]
    NameImmutable,
    #[error("the ID number cannot be changed after registration")]
    IdNumberImmutable,
    #[error("the ethnicity has at most 20 characters")]
    EthnicityTooLong,
}

impl zhicheng_kernel::Localized for ProfileEditError {
    fn code(&self) -> &'static str {
        match self {
            Self::NameImmutable => "person.name_immutable",
            Self::IdNumberImmutable => "person.id_number_immutable",
            Self::EthnicityTooLong => "person.ethnicity_invalid",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NameImmutable => {
                "姓名注册确认后不能直接修改：如有错误，请提交“姓名更正申请”，由所在单位的人社局审核"
            }
            Self::IdNumberImmutable => "身份证号码注册确认后不能修改",
            Self::EthnicityTooLong => "民族最多 20 个字",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        true
    }
    fn fields(&self) -> Vec<zhicheng_kernel::FieldError> {
        let field = match self {
            Self::NameImmutable => "name",
            Self::IdNumberImmutable => "id_number",
            Self::EthnicityTooLong => "ethnicity",
        };
        vec![zhicheng_kernel::FieldError::new(
            field,
            self.code(),
            self.zh(),
            self.en(),
        )]
    }
}

impl Person {
    /// Applies the person's own edit of their basic data. Returns `(field, old, new)` for
    /// each changed value.
    ///
    /// # Errors
    /// [`ProfileEditError`] when the edit would change the name or ID number.
    pub fn edit_profile(
        &mut self,
        edit: &ProfileEdit,
    ) -> Result<Vec<(&'static str, String, String)>, ProfileEditError> {
        if let Some(n) = &edit.name
            && n.trim() != self.name.as_str()
        {
            return Err(ProfileEditError::NameImmutable);
        }
        if let Some(n) = &edit.id_number
            && !n.trim().eq_ignore_ascii_case(self.id_number.as_str())
        {
            return Err(ProfileEditError::IdNumberImmutable);
        }
        let mut changes = Vec::new();
        if let Some(e) = &edit.ethnicity {
            let e = e.trim();
            if e.chars().count() > 20 {
                return Err(ProfileEditError::EthnicityTooLong);
            }
            let new = Some(e.to_owned()).filter(|s| !s.is_empty());
            if new != self.ethnicity {
                changes.push((
                    "ethnicity",
                    self.ethnicity.clone().unwrap_or_default(),
                    e.to_owned(),
                ));
                self.ethnicity = new;
            }
        }
        Ok(changes)
    }
}
