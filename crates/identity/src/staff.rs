//! Named staff accounts (单位经办人): an organisation's administrator creates an account for
//! each staff member who works in the system — their own username, name, mobile and initial
//! password, never a shared password — and may disable or re-enable it. Operators act for the
//! organisation with its role, under their own account in the audit trail; they cannot manage
//! other staff accounts.

use zhicheng_kernel::{FieldError, Localized};

use crate::service::password_error;
use crate::{Account, MobileNumber, Password, PersonName, Username};

/// The form for a new operator, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewOperatorForm {
    pub username: String,
    pub name: String,
    pub mobile: String,
    pub password: String,
}

/// A new operator whose every field has been parsed.
#[derive(Debug, Clone)]
pub struct NewOperator {
    pub username: Username,
    pub name: PersonName,
    pub mobile: MobileNumber,
    pub password: Password,
}

impl NewOperator {
    /// Parses every field and reports all problems at once, each naming its field.
    ///
    /// # Errors
    /// One [`FieldError`] per invalid field.
    pub fn parse(form: &NewOperatorForm) -> Result<Self, Vec<FieldError>> {
        let mut errors = Vec::new();
        let username = Username::parse(&form.username)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "username",
                    "username.invalid",
                    "用户名为 4–32 位字母、数字或 _ . - @，以字母开头",
                    e.to_string(),
                ));
            })
            .ok();
        let name = PersonName::parse(&form.name)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "name",
                    "name.invalid",
                    "姓名应为 2–40 个文字",
                    e.to_string(),
                ));
            })
            .ok();
        let mobile = MobileNumber::parse(&form.mobile)
            .map_err(|e| {
                errors.push(FieldError::new(
                    "mobile",
                    "mobile.invalid",
                    "手机号码应为 11 位数字，以 13–19 开头",
                    e.to_string(),
                ));
            })
            .ok();
        let personal = [form.username.as_str(), form.mobile.as_str()];
        let password = Password::parse(&form.password, &personal)
            .map_err(|e| errors.push(password_error(&e)))
            .ok();
        match (username, name, mobile, password) {
            (Some(username), Some(name), Some(mobile), Some(password)) if errors.is_empty() => {
                Ok(NewOperator {
                    username,
                    name,
                    mobile,
                    password,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Why a staff-account operation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StaffError {
    #[error("only the organisation's administrator manages staff accounts")]
    NotAdministrator,
    #[error("this username is taken; choose another")]
    UsernameTaken,
    #[error("this account is not a named operator of your organisation")]
    NotYourOperator,
    #[error("the account is already in this state")]
    Unchanged,
}

impl Localized for StaffError {
    fn code(&self) -> &'static str {
        match self {
            Self::NotAdministrator => "staff.not_administrator",
            Self::UsernameTaken => "staff.username_taken",
            Self::NotYourOperator => "staff.not_your_operator",
            Self::Unchanged => "staff.unchanged",
        }
    }
    fn zh(&self) -> String {
        match self {
            Self::NotAdministrator => "只有本单位管理员账号可以管理经办人账号",
            Self::UsernameTaken => "该用户名已被使用，请更换",
            Self::NotYourOperator => "该账号不是本单位的经办人账号",
            Self::Unchanged => "账号已是该状态",
        }
        .into()
    }
    fn en(&self) -> String {
        self.to_string()
    }
    fn invalid_input(&self) -> bool {
        matches!(self, Self::UsernameTaken)
    }
    fn fields(&self) -> Vec<FieldError> {
        match self {
            Self::UsernameTaken => vec![FieldError::new(
                "username",
                self.code(),
                self.zh(),
                self.en(),
            )],
            _ => Vec::new(),
        }
    }
}

impl Account {
    /// The administrator `admin` disables (or re-enables) this operator account.
    ///
    /// # Errors
    /// [`StaffError`] when `admin` does not manage staff, this is not an operator of the same
    /// organisation, or it is already in that state.
    pub fn set_disabled_by(&mut self, admin: &Account, disabled: bool) -> Result<(), StaffError> {
        if !admin.manages_staff() {
            return Err(StaffError::NotAdministrator);
        }
        if !self.operator || self.org_id != admin.org_id {
            return Err(StaffError::NotYourOperator);
        }
        if self.disabled == disabled {
            return Err(StaffError::Unchanged);
        }
        self.disabled = disabled;
        Ok(())
    }
}
