//! `zhicheng person`: operator corrections of persons (legal name), each audited with the old
//! and the new value.

use clap::Subcommand;
use serde_json::json;
use zhicheng_identity::service;
use zhicheng_identity::{IdCardNumber, PersonName};
use zhicheng_kernel::{FieldError, ServiceError};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: PersonCommand,
}

#[derive(Subcommand, Debug)]
enum PersonCommand {
    /// Corrects a person's legal name (the only way it changes after registration).
    Rename {
        /// The person's 18-character ID number.
        id_number: String,
        /// The corrected name.
        #[arg(long)]
        name: String,
        /// Why (e.g. the evidence seen); recorded in the audit trail.
        #[arg(long)]
        reason: String,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            PersonCommand::Rename {
                id_number,
                name,
                reason,
            } => rename(ctx, &id_number, &name, &reason).await,
        }
    }
}

async fn rename(ctx: &Ctx, id_number: &str, name: &str, reason: &str) -> Result<Exit, CliError> {
    let mut fields = Vec::new();
    let id = IdCardNumber::parse(id_number)
        .map_err(|e| {
            let mut f = service::id_number_error(&e);
            f.field = "id-number".into();
            fields.push(f);
        })
        .ok();
    let new_name = PersonName::parse(name)
        .map_err(|e| {
            fields.push(FieldError::new(
                "name",
                "name.invalid",
                "姓名应为 2–40 个文字，与身份证一致",
                e.to_string(),
            ))
        })
        .ok();
    let (Some(id), Some(new_name)) = (id, new_name) else {
        return Err(CliError::fields(fields));
    };
    let store = ctx.store().await?;
    let person = service::rename_person(&store, &ctx.clock, &ctx.operator, &id, new_name, reason)
        .await
        .map_err(|e| match e {
            ServiceError::NotFound => CliError::refused(
                "person.not_found",
                "没有该身份证号码的人员",
                "no person has this ID number",
            ),
            e => CliError::service(e),
        })?;
    if ctx.json {
        ctx.print_json(&json!({
            "person_id": person.id,
            "id_number": person.id_number.masked(),
            "name": person.name.as_str(),
        }));
    } else {
        println!("已更正姓名为 {} / name corrected", person.name.as_str());
    }
    Ok(Exit::Ok)
}
