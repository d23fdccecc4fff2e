//! Issue 4, structured declarations: the declaration kind (正常/破格/转评/初定), the count of
//! frozen versions, the `declaration_versions` table, and the free-text materials of older
//! rows carried into the structured shape (their text kept whole in 个人总结, so nothing
//! saved is lost).

use sea_orm::ConnectionTrait;
use sea_orm_migration::prelude::*;

use crate::entity::{declaration, declaration_version};

pub(super) struct DeclarationSections;

impl MigrationName for DeclarationSections {
    fn name(&self) -> &str {
        "m20260501_000006_declaration_sections"
    }
}

/// The old free-text shape, if `json` is one: its sections joined under their headings.
fn legacy_text(json: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(json).ok()?;
    let obj = v.as_object()?;
    let legacy = ["education", "current_title", "work_history", "achievements"]
        .iter()
        .any(|k| obj.get(*k).is_some_and(serde_json::Value::is_string));
    if !legacy {
        return None;
    }
    let parts: Vec<String> = [
        ("education", "学历学位"),
        ("current_title", "现任职称"),
        ("work_history", "工作经历"),
        ("achievements", "工作业绩与成果"),
        ("summary", "个人总结"),
    ]
    .iter()
    .filter_map(|(k, zh)| {
        let t = obj.get(*k)?.as_str()?.trim();
        (!t.is_empty()).then(|| format!("【{zh}】\n{t}"))
    })
    .collect();
    Some(parts.join("\n\n"))
}

#[async_trait::async_trait]
impl MigrationTrait for DeclarationSections {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        use declaration::Column as D;
        if !m.has_column("declarations", "kind").await? {
            m.alter_table(
                Table::alter()
                    .table(declaration::Entity)
                    .add_column(
                        ColumnDef::new(D::Kind)
                            .string()
                            .not_null()
                            .default("normal"),
                    )
                    .to_owned(),
            )
            .await?;
        }
        if !m.has_column("declarations", "submissions").await? {
            m.alter_table(
                Table::alter()
                    .table(declaration::Entity)
                    .add_column(
                        ColumnDef::new(D::Submissions)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        }
        super::table(m, declaration_version::Entity).await?;

        let db = m.get_connection();
        let rows = db
            .query_all(
                Query::select()
                    .columns([D::Id, D::Materials])
                    .from(declaration::Entity),
            )
            .await?;
        for row in rows {
            let id: uuid::Uuid = row.try_get("", "id")?;
            let json: String = row.try_get("", "materials")?;
            let Some(text) = legacy_text(&json) else {
                continue;
            };
            let new = serde_json::json!({ "summary": text }).to_string();
            db.execute(
                Query::update()
                    .table(declaration::Entity)
                    .value(D::Materials, new)
                    .and_where(Expr::col(D::Id).eq(id)),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::legacy_text;

    #[test]
    fn old_free_text_is_kept_under_its_headings_and_new_rows_are_left_alone() {
        let old = r#"{"education":"","current_title":"","work_history":"2008—今 设备科","achievements":"配电改造","summary":""}"#;
        assert_eq!(
            legacy_text(old).as_deref(),
            Some("【工作经历】\n2008—今 设备科\n\n【工作业绩与成果】\n配电改造")
        );
        assert_eq!(legacy_text(r#"{"education":[],"summary":"x"}"#), None);
    }
}
