//! `zhicheng check`: validates an ID number or a unified social credit code. Pure: no database.
//! Exit 0 valid, 1 invalid; the reason goes to stdout (zh line, then en line) or as JSON.

use clap::Subcommand;
use serde_json::json;
use zhicheng_identity::service::id_number_error;
use zhicheng_identity::{Gender, IdCardNumber, IdCardNumberError, Uscc, UsccError};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CheckCommand,
}

#[derive(Subcommand, Debug)]
enum CheckCommand {
    /// A GB 11643 resident ID number (18 characters, check character, real birth date).
    IdNumber {
        /// The ID number; a lower-case `x` is accepted.
        number: String,
    },
    /// A GB 32100 unified social credit code; valid only with the right check character.
    Uscc {
        /// The 18-character code.
        code: String,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        let report = match self.command {
            CheckCommand::IdNumber { number } => check_id_number(&number),
            CheckCommand::Uscc { code } => check_uscc(&code),
        };
        if ctx.json {
            ctx.print_json(&report.json);
        } else {
            println!("{}", report.zh);
            println!("{}", report.en);
        }
        Ok(if report.valid {
            Exit::Ok
        } else {
            Exit::Refused
        })
    }
}

/// The outcome of one check, in both forms.
struct Report {
    valid: bool,
    zh: String,
    en: String,
    json: serde_json::Value,
}

fn gender_str(g: Gender) -> &'static str {
    match g {
        Gender::Male => "male",
        Gender::Female => "female",
    }
}

fn id_error_code(e: &IdCardNumberError) -> &'static str {
    match e {
        IdCardNumberError::FirstGeneration => "id_number.first_generation",
        IdCardNumberError::Shape => "id_number.shape",
        IdCardNumberError::Province => "id_number.province",
        IdCardNumberError::BirthDate => "id_number.birth_date",
        IdCardNumberError::Checksum => "id_number.checksum",
    }
}

fn check_id_number(input: &str) -> Report {
    match IdCardNumber::parse(input) {
        Ok(n) => {
            let birth = n.birth_date().format("%Y-%m-%d").to_string();
            let g = n.gender();
            Report {
                valid: true,
                zh: format!("有效：{}（出生日期 {birth}，性别{}）", n.as_str(), g.zh()),
                en: format!("valid: {} (born {birth}, {})", n.as_str(), gender_str(g)),
                json: json!({
                    "valid": true,
                    "normalised": n.as_str(),
                    "reason": null,
                    "birth_date": birth,
                    "gender": gender_str(g),
                }),
            }
        }
        Err(e) => {
            let f = id_number_error(&e);
            Report {
                valid: false,
                zh: format!("无效：{}", f.zh),
                en: format!("invalid: {}", f.en),
                json: json!({
                    "valid": false,
                    "normalised": null,
                    "reason": { "code": id_error_code(&e), "zh": f.zh, "en": f.en },
                    "birth_date": null,
                    "gender": null,
                }),
            }
        }
    }
}

pub(crate) fn uscc_zh(e: &UsccError) -> String {
    match e {
        UsccError::Length => "统一社会信用代码应为 18 位".into(),
        UsccError::Character { position, ch } => {
            format!("第 {position} 位字符“{ch}”不允许：统一社会信用代码不使用字母 I、O、Z、S、V")
        }
        UsccError::Region => "第 3–8 位应为 6 位登记管理机关行政区划码".into(),
        UsccError::Checksum { expected } => {
            format!("校验位应为“{expected}”，请核对")
        }
    }
}

fn uscc_code(e: &UsccError) -> &'static str {
    match e {
        UsccError::Length => "uscc.length",
        UsccError::Character { .. } => "uscc.character",
        UsccError::Region => "uscc.region",
        UsccError::Checksum { .. } => "uscc.checksum",
    }
}

fn check_uscc(input: &str) -> Report {
    // Shape first, so a code with the wrong check character still reports its region.
    let shaped = match Uscc::parse(input) {
        Ok(u) => u,
        Err(e) => {
            return Report {
                valid: false,
                zh: format!("无效：{}", uscc_zh(&e)),
                en: format!("invalid: {e}"),
                json: json!({
                    "valid": false,
                    "check_char_ok": false,
                    "expected_check_char": null,
                    "region": null,
                    "normalised": null,
                    "manual_review": false,
                    "reason": { "code": uscc_code(&e), "zh": uscc_zh(&e), "en": e.to_string() },
                }),
            };
        }
    };
    let region = shaped.region_digits().to_owned();
    match Uscc::parse_strict(input) {
        Ok(u) => {
            let check = u.as_str().chars().last().map(String::from);
            Report {
                valid: true,
                zh: format!("有效：{}（登记管理机关行政区划码 {region}）", u.as_str()),
                en: format!(
                    "valid: {} (registering authority region {region})",
                    u.as_str()
                ),
                json: json!({
                    "valid": true,
                    "check_char_ok": true,
                    "expected_check_char": check,
                    "region": region,
                    "normalised": u.as_str(),
                    "manual_review": false,
                    "reason": null,
                }),
            }
        }
        Err(e) => {
            let expected = match &e {
                UsccError::Checksum { expected } => Some(expected.to_string()),
                _ => None,
            };
            let zh = format!(
                "{}。该代码格式正确：单位申请职称评审权限时不会被拒绝，但将转人社局人工审核",
                uscc_zh(&e)
            );
            let en = format!(
                "{e}. The code is well-formed: a unit applying for the permission with it is not refused but goes to manual review by the HR bureau"
            );
            Report {
                valid: false,
                zh: format!("无效：{zh}"),
                en: format!("invalid: {en}"),
                json: json!({
                    "valid": false,
                    "check_char_ok": shaped.check_char_ok(),
                    "expected_check_char": expected,
                    "region": region,
                    "normalised": shaped.as_str(),
                    "manual_review": true,
                    "reason": { "code": uscc_code(&e), "zh": zh, "en": en },
                }),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_numbers() {
        let r = check_id_number("11010519491231002x");
        assert!(r.valid);
        assert_eq!(r.json["normalised"], "11010519491231002X");
        assert_eq!(r.json["gender"], "female");
        let r = check_id_number("110105194912310021");
        assert!(!r.valid);
        assert_eq!(r.json["reason"]["code"], "id_number.checksum");
    }

    #[test]
    fn credit_codes() {
        assert!(check_uscc("91371003MA3C12346Y").valid);
        let r = check_uscc("91350100M0001TGQXM");
        assert!(!r.valid);
        assert_eq!(r.json["manual_review"], true);
        assert_eq!(r.json["check_char_ok"], false);
        assert_eq!(r.json["region"], "350100");
        assert!(r.json["expected_check_char"].is_string());
        let r = check_uscc("91350100M00010OY43");
        assert_eq!(r.json["reason"]["code"], "uscc.character");
        assert_eq!(r.json["region"], serde_json::Value::Null);
    }
}
