//! Gathering what a document shows through the domain services, generic over the ports, so
//! the server and the CLI produce the same table. Visibility is the services' (`plan_cases`
//! decides which cases an organisation sees); this module only looks up names for display.

use std::collections::HashMap;
use std::convert::Infallible;

use chrono::{DateTime, NaiveDate, Utc};
use zhicheng_declaration::Catalog;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_identity::ports::IdentityRepo;
use zhicheng_kernel::{PersonId, PlanId, Principal, SeriesCode, ServiceError, TitleLevel};
use zhicheng_review_workflow::ports::ReviewRepo;

use crate::summary::SummaryRow;

/// The catalog's name of a series (工程技术), or its code when unknown.
pub fn series_name(catalog: &Catalog, s: &SeriesCode) -> String {
    catalog.series_name(s)
}

/// A summary table's title, subtitle and rows, ready for [`crate::SummaryTable`].
#[derive(Debug, Clone)]
pub struct SummaryData {
    pub title: String,
    pub subtitle: String,
    pub rows: Vec<SummaryRow>,
}

/// The summary table (一览表) of one plan, series and level: the declarations that reached the
/// principal's organisation (its own as the unit, or reported through it), whoever holds them
/// now, first submitted first, with their current status.
///
/// # Errors
/// `Forbidden` for applicants (from the review service), `NotFound` for an unknown plan.
pub async fn summary_data<S: ReviewRepo + IdentityRepo + DeclarationRepo>(
    store: &S,
    principal: &Principal,
    plan: PlanId,
    series: &SeriesCode,
    level: TitleLevel,
    now: DateTime<Utc>,
) -> Result<SummaryData, ServiceError<Infallible>> {
    let cases =
        zhicheng_review_workflow::service::plan_cases(store, principal, plan, series, level)
            .await?;
    let plan_row = store.get_plan(plan).await?.ok_or(ServiceError::NotFound)?;
    let catalog = store.current_catalog().await?;
    let mut people: HashMap<PersonId, (String, NaiveDate)> = HashMap::new();
    let mut rows = Vec::new();
    for r in &cases {
        let (gender, birth_date) = match people.get(&r.case.person_id) {
            Some(x) => x.clone(),
            None => {
                let person = store
                    .get_person(r.case.person_id)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                let x = (person.gender().zh().to_owned(), person.birth_date());
                people.insert(r.case.person_id, x.clone());
                x
            }
        };
        rows.push(SummaryRow {
            name: r.applicant_name.clone(),
            gender,
            birth_date,
            unit: r.unit_name.clone(),
            series: series_name(&catalog, &r.case.series),
            level: r.case.level.zh().to_owned(),
            specialty: r.specialty.clone(),
            kind: r.kind.zh().to_owned(),
            status: r.case.status.zh().to_owned(),
        });
    }
    let compiler = match principal.org_id {
        Some(o) => store
            .get_org(o)
            .await?
            .map(|o| o.name.as_str().to_owned())
            .unwrap_or_default(),
        None => String::new(),
    };
    let local = chrono::FixedOffset::east_opt(8 * 3600).map_or_else(
        || now.naive_utc(),
        |tz| now.with_timezone(&tz).naive_local(),
    );
    Ok(SummaryData {
        title: format!(
            "{}年度{}{}职称申报人员一览表",
            plan_row.year,
            series_name(&catalog, series),
            level.zh()
        ),
        subtitle: format!(
            "评审计划：{}　编制单位：{}　共 {} 人　生成时间：{}",
            plan_row.name,
            compiler,
            rows.len(),
            local.format("%Y-%m-%d %H:%M")
        ),
        rows,
    })
}

impl SummaryData {
    /// The table to render.
    pub fn table(&self) -> crate::SummaryTable<'_> {
        crate::SummaryTable {
            title: &self.title,
            subtitle: Some(&self.subtitle),
            footer_note: None,
            rows: &self.rows,
        }
    }
}
