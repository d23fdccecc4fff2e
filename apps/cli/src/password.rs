//! Generated initial passwords: 23 characters (`Abcde-fgh2J-…`), upper- and lower-case letters,
//! digits and `-`, from the OS random source, always accepted by the password policy.

use zhicheng_identity::Password;
use zhicheng_identity::service::password_error;
use zhicheng_store::runtime::random_code;

use crate::error::CliError;

/// Length of each group; four groups joined by `-`.
const GROUP: usize = 5;

/// Whether `s` has an upper-case letter, a lower-case letter and a digit.
fn mixed(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
        && s.chars().any(|c| c.is_ascii_digit())
}

/// A strong random password that passes [`Password::parse`] with these personal strings.
///
/// # Errors
/// Exit 3 when the OS random source fails.
pub fn generate(personal: &[&str]) -> Result<Password, CliError> {
    let unavailable = |e: String| {
        CliError::new(
            crate::error::Exit::Unavailable,
            "random.unavailable",
            "无法读取系统随机数",
            format!("the OS random source failed: {e}"),
        )
    };
    // A miss (no digit among 20 characters, or a personal string inside) is rare: draw again.
    for _ in 0..64 {
        let raw = random_code(GROUP * 4).map_err(|e| unavailable(e.to_string()))?;
        let groups: Vec<&str> = (0..4)
            .filter_map(|i| raw.get(i * GROUP..(i + 1) * GROUP))
            .collect();
        let candidate = groups.join("-");
        if candidate.len() < 16 || !mixed(&candidate) {
            continue;
        }
        if let Ok(p) = Password::parse(&candidate, personal) {
            return Ok(p);
        }
    }
    Err(unavailable("no acceptable password in 64 draws".into()))
}

/// Parses a password given on the command line, naming the option on failure.
///
/// # Errors
/// Exit 2 with the policy's reason.
pub fn parse(field: &str, raw: &str, personal: &[&str]) -> Result<Password, CliError> {
    Password::parse(raw, personal).map_err(|e| {
        let mut f = password_error(&e);
        f.field = field.to_owned();
        CliError::fields(vec![f])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_mixed_and_accepted() {
        for _ in 0..50 {
            let p = generate(&["admin1"]).unwrap();
            let s = p.expose();
            assert_eq!(s.len(), 23);
            assert!(mixed(s) && s.contains('-'));
            assert!(Password::parse(s, &["admin1"]).is_ok());
        }
    }
}
