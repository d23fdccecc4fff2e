//! Exit codes and errors: what went wrong, in Simplified Chinese first and English second,
//! and which exit code a script sees.

use std::process::ExitCode;

use zhicheng_kernel::{FieldError, Localized, ServiceError, StoreError};

/// Exit codes scripts can trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: done.
    Ok = 0,
    /// 1: refused by a rule, invalid (for `check`), or not found.
    Refused = 1,
    /// 2: usage error or bad input.
    Usage = 2,
    /// 3: the database is unavailable.
    Unavailable = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// A failed command: printed to stderr, then the process exits with `exit`.
#[derive(Debug, Clone)]
pub struct CliError {
    pub exit: Exit,
    pub code: String,
    pub zh: String,
    pub en: String,
    /// Problems with individual options, named by their flag (`region`, `admin-username`).
    pub fields: Vec<FieldError>,
}

impl CliError {
    pub fn new(exit: Exit, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        CliError {
            exit,
            code: code.to_owned(),
            zh: zh.into(),
            en: en.into(),
            fields: Vec::new(),
        }
    }

    /// Bad input in one or more options (exit 2).
    pub fn fields(fields: Vec<FieldError>) -> Self {
        CliError {
            fields,
            ..CliError::new(Exit::Usage, "invalid_input", "输入有误", "invalid input")
        }
    }

    /// Bad input in one option (exit 2).
    pub fn field(field: &str, zh: impl Into<String>, en: impl std::fmt::Display) -> Self {
        CliError::fields(vec![FieldError::new(
            field,
            &format!("{}.invalid", field.replace('-', "_")),
            zh,
            en.to_string(),
        )])
    }

    /// Refused by a rule or not found (exit 1).
    pub fn refused(code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        CliError::new(Exit::Refused, code, zh, en)
    }

    /// A domain error: bad input answers 2, a refusal 1.
    pub fn rule(e: &impl Localized) -> Self {
        let exit = if e.invalid_input() {
            Exit::Usage
        } else {
            Exit::Refused
        };
        CliError {
            fields: e.fields(),
            ..CliError::new(exit, e.code(), e.zh(), e.en())
        }
    }

    /// A use-case error: the storage part decides between 1 and 3.
    pub fn service<E: Localized + std::fmt::Display>(e: ServiceError<E>) -> Self {
        match e {
            ServiceError::Store(s) => CliError::from(s),
            e => CliError::rule(&e),
        }
    }

    /// Prints the error to stderr: zh line then en line (per option when options were bad), or
    /// one JSON object with `--json`.
    pub fn report(&self, json: bool) {
        if json {
            let v = serde_json::json!({
                "error": {
                    "exit": self.exit as u8,
                    "code": self.code,
                    "zh": self.zh,
                    "en": self.en,
                    "fields": self.fields,
                }
            });
            eprintln!("{v}");
            return;
        }
        if self.fields.is_empty() {
            eprintln!("错误：{}", self.zh);
            eprintln!("error: {}", self.en);
        }
        for f in &self.fields {
            eprintln!("--{}：{}", f.field, f.zh);
            eprintln!("--{}: {}", f.field, f.en);
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Unavailable(msg) => CliError::new(
                Exit::Unavailable,
                "store.unavailable",
                "数据库不可用，请检查 --database-url / DATABASE_URL 和数据库服务",
                format!("database unavailable: {msg}"),
            ),
            StoreError::NotFound => CliError::refused("not_found", "记录不存在", "not found"),
            StoreError::Conflict => CliError::refused(
                "conflict",
                "数据已被他人修改，请重试",
                "the record was changed by someone else; try again",
            ),
            StoreError::Duplicate(k) => CliError::refused(
                "duplicate",
                format!("记录已存在（{k}）"),
                format!("duplicate: {k}"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_failures_exit_3_and_duplicates_exit_1() {
        assert_eq!(
            CliError::from(StoreError::Unavailable("x".into())).exit,
            Exit::Unavailable
        );
        assert_eq!(
            CliError::from(StoreError::Duplicate("username".into())).exit,
            Exit::Refused
        );
        let e: ServiceError<std::convert::Infallible> = ServiceError::NotFound;
        assert_eq!(CliError::service(e).exit, Exit::Refused);
    }
}
