//! `zhicheng catalog`: the title catalog (职称目录). `import` extends it from a CSV or XLSX
//! file into a new version (all or nothing, every bad line reported with its number);
//! `list` shows the version in force.

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use clap::Subcommand;
use serde_json::json;
use zhicheng_declaration::ports::DeclarationRepo;
use zhicheng_declaration::service;
use zhicheng_declaration::{Catalog, CatalogImportError, ImportLine, Series};
use zhicheng_kernel::{Localized, SeriesCode, ServiceError, TitleLevel};

use crate::ctx::Ctx;
use crate::error::{CliError, Exit};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: CatalogCommand,
}

#[derive(Subcommand, Debug)]
enum CatalogCommand {
    /// Adds specialties (and series) from a CSV (UTF-8) or XLSX file as a new catalog version.
    /// Columns: series_code, series_name, specialty_code, specialty_name, then optionally the
    /// titles at 正高级, 副高级, 中级, 助理级, 员级 (required for a new series). A first row
    /// starting with `series_code` or `系列代码` is a header.
    Import {
        /// The file: .csv or .xlsx (first worksheet).
        file: PathBuf,
    },
    /// Shows the catalog in force: every series with its titles and specialties.
    List {
        /// Only this series (code, e.g. ENG).
        #[arg(long)]
        series: Option<String>,
    },
}

impl Args {
    pub async fn run(self, ctx: &Ctx) -> Result<Exit, CliError> {
        match self.command {
            CatalogCommand::Import { file } => import(ctx, &file).await,
            CatalogCommand::List { series } => list(ctx, series.as_deref()).await,
        }
    }
}

fn unreadable(file: &Path, e: impl std::fmt::Display) -> CliError {
    CliError::field(
        "file",
        format!("无法读取 {}：{e}", file.display()),
        format!("cannot read {}: {e}", file.display()),
    )
}

/// The line (1-based) of the record starting at a byte offset of the file, counting every
/// newline before it (the CSV reader's own count skips blank lines, and its offset may point
/// at the blank lines before the record).
fn line_at(bytes: &[u8], offset: u64) -> usize {
    let mut end = usize::try_from(offset)
        .unwrap_or(usize::MAX)
        .min(bytes.len());
    while end < bytes.len() && matches!(bytes[end], b'\n' | b'\r') {
        end += 1;
    }
    bytes[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

/// The lines of a CSV file (UTF-8, BOM allowed, any number of columns per line).
fn csv_lines(file: &Path) -> Result<Vec<ImportLine>, CliError> {
    let bytes = std::fs::read(file).map_err(|e| unreadable(file, e))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.as_slice());
    let mut lines = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(&bytes, p.byte()));
            CliError::field(
                "file",
                format!("第 {line} 行无法读取（文件应为 UTF-8 编码的 CSV）：{e}"),
                format!("line {line} cannot be read (the file must be UTF-8 CSV): {e}"),
            )
        })?;
        let line = record
            .position()
            .map_or(lines.len() + 1, |p| line_at(&bytes, p.byte()));
        lines.push(ImportLine::new(
            line,
            record.iter().map(str::to_owned).collect(),
        ));
    }
    Ok(lines)
}

/// A spreadsheet cell as text (whole numbers without `.0`).
fn cell_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        other => other.to_string(),
    }
}

/// The rows of the first worksheet of an XLSX file, numbered as the spreadsheet shows them.
fn xlsx_lines(file: &Path) -> Result<Vec<ImportLine>, CliError> {
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook(file).map_err(|e| unreadable(file, e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| unreadable(file, "no worksheet"))?
        .map_err(|e| unreadable(file, e))?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    let first_col = range.start().map_or(0, |(_, c)| c as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            let mut cells = vec![String::new(); first_col];
            cells.extend(row.iter().map(cell_text));
            ImportLine::new(first_row + i + 1, cells)
        })
        .collect())
}

fn read_lines(file: &Path) -> Result<Vec<ImportLine>, CliError> {
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match ext.as_deref() {
        Some("csv") | Some("txt") => csv_lines(file),
        Some("xlsx") => xlsx_lines(file),
        _ => Err(CliError::field(
            "file",
            "文件应为 .csv（UTF-8）或 .xlsx",
            format!("{} is neither .csv (UTF-8) nor .xlsx", file.display()),
        )),
    }
}

async fn import(ctx: &Ctx, file: &Path) -> Result<Exit, CliError> {
    let lines = read_lines(file)?;
    let store = ctx.store().await?;
    let source = file.to_string_lossy();
    match service::import_catalog(&store, &ctx.clock, ctx.operator.clone(), &source, lines).await {
        Ok(done) => {
            let s = &done.summary;
            if ctx.json {
                ctx.print_json(&json!({
                    "version": done.catalog.version,
                    "source": done.catalog.source,
                    "summary": s,
                }));
            } else {
                println!(
                    "职称目录已更新为第 {} 版：新增系列 {} 个，新增专业 {} 个，专业改名 {} 个，未变 {} 行",
                    done.catalog.version,
                    s.series_added.len(),
                    s.specialties_added,
                    s.specialties_renamed,
                    s.unchanged
                );
                println!(
                    "catalog is now version {}: {} series added, {} specialties added, {} renamed, {} lines unchanged",
                    done.catalog.version,
                    s.series_added.len(),
                    s.specialties_added,
                    s.specialties_renamed,
                    s.unchanged
                );
            }
            Ok(Exit::Ok)
        }
        Err(ServiceError::Rule(CatalogImportError::Unchanged(s))) => {
            let e = CatalogImportError::Unchanged(s.clone());
            if ctx.json {
                ctx.print_json(&json!({ "version": null, "summary": s, "code": e.code() }));
            } else {
                println!("{}", e.zh());
                println!("{}", e.en());
            }
            Ok(Exit::Ok)
        }
        Err(ServiceError::Rule(e @ CatalogImportError::Lines(_))) => {
            if !ctx.json {
                if let CatalogImportError::Lines(problems) = &e {
                    for p in problems {
                        eprintln!("第 {} 行 [{}]：{}", p.line, p.column, p.zh);
                        eprintln!("line {} [{}]: {}", p.line, p.column, p.en);
                    }
                }
                eprintln!("错误：{}", e.zh());
                eprintln!("error: {}", e.en());
                return Ok(Exit::Usage);
            }
            Err(CliError::rule(&e))
        }
        Err(e) => Err(CliError::service(e)),
    }
}

fn series_json(s: &Series) -> serde_json::Value {
    json!({
        "code": s.code.as_str(),
        "name": s.name,
        "titles": TitleLevel::ALL.iter().map(|l| json!({
            "level": l.as_str(), "title": s.title(*l),
        })).collect::<Vec<_>>(),
        "specialties": s.specialties.iter().map(|x| json!({
            "code": x.code, "name": x.name,
        })).collect::<Vec<_>>(),
    })
}

async fn list(ctx: &Ctx, series: Option<&str>) -> Result<Exit, CliError> {
    let filter = series
        .map(|s| {
            SeriesCode::parse(s).map_err(|e| {
                CliError::field("series", "职称系列代码应为大写字母、数字或 _，如 ENG", e)
            })
        })
        .transpose()?;
    let store = ctx.store().await?;
    let catalog: std::sync::Arc<Catalog> = store.current_catalog().await?;
    let chosen: Vec<&Series> = match &filter {
        Some(code) => vec![catalog.find(code).ok_or_else(|| {
            CliError::refused(
                "catalog.unknown_series",
                format!("职称目录（第 {} 版）中没有系列 {code}", catalog.version),
                format!("catalog version {} has no series {code}", catalog.version),
            )
        })?],
        None => catalog.series().iter().collect(),
    };
    if ctx.json {
        ctx.print_json(&json!({
            "version": catalog.version,
            "source": catalog.source,
            "published_at": catalog.published_at,
            "series": chosen.iter().map(|s| series_json(s)).collect::<Vec<_>>(),
        }));
        return Ok(Exit::Ok);
    }
    println!(
        "职称目录第 {} 版（{}）/ catalog version {} ({})",
        catalog.version, catalog.source, catalog.version, catalog.source
    );
    for s in chosen {
        let titles: Vec<&str> = TitleLevel::ALL.iter().filter_map(|l| s.title(*l)).collect();
        println!(
            "{:<10} {}  [{}]",
            s.code.as_str(),
            s.name,
            titles.join("、")
        );
        for x in &s.specialties {
            println!("    {:<16} {}", x.code, x.name);
        }
    }
    Ok(Exit::Ok)
}
