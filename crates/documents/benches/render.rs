//! Times document rendering (release): `cargo bench -p zhicheng-documents`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone, Utc};
use zhicheng_certificate::{CertificatePayload, CertificateStatus, IssuerKey};
use zhicheng_documents::{
    CertificateInput, Fonts, SummaryRow, SummaryTable, certificate_pdf, summary_table_pdf,
};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let t = Instant::now();
    let fonts = Fonts::embedded().unwrap();
    println!("font parsing (once per process): {:?}", t.elapsed());

    let doc = IssuerKey::from_seed([1; 32]).sign(CertificatePayload {
        format: "zhicheng-cert/1".into(),
        number: "37-2026-2ENG-000001-K7".into(),
        holder_name: "张三丰".into(),
        holder_id_masked: "3710**********1231".into(),
        holder_id_digest: "0".repeat(64),
        series_code: "ENG".into(),
        series_name: "工程技术人员".into(),
        level: "senior_deputy".into(),
        level_name: "副高级".into(),
        title_name: "高级工程师".into(),
        specialty: "电气工程".into(),
        year: 2026,
        issuer_name: "威海市文登区人力资源和社会保障局".into(),
        passed_on: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        issued_at: Utc.with_ymd_and_hms(2026, 11, 21, 2, 30, 0).unwrap(),
        verify_path: "/verify/8f3a1c2d9e7b4a6f0c1d2e3f4a5b6c7d".into(),
    });
    let input = CertificateInput {
        document: &doc,
        public_base_url: "https://zhicheng.example.gov.cn",
        status: CertificateStatus::Valid,
    };
    let mut size = 0;
    let times: Vec<Duration> = (0..60)
        .map(|_| {
            let t = Instant::now();
            size = certificate_pdf(fonts, &input).unwrap().len();
            t.elapsed()
        })
        .collect();
    println!(
        "certificate: median {:?} per PDF ({} runs, {size} bytes)",
        median(times),
        60
    );

    let rows: Vec<SummaryRow> = (0..45)
        .map(|i| SummaryRow {
            name: format!("申报人{i:02}"),
            gender: "男".into(),
            birth_date: NaiveDate::from_ymd_opt(1985, 3, 15).unwrap(),
            unit: "威海市文登区人民医院".into(),
            series: "工程技术人员".into(),
            level: "副高级".into(),
            specialty: "电气工程".into(),
            kind: "正常申报".into(),
            status: "评审通过".into(),
        })
        .collect();
    let table = SummaryTable {
        title: "2026年度高级职称评审通过人员一览表",
        subtitle: None,
        footer_note: None,
        rows: &rows,
    };
    let times: Vec<Duration> = (0..20)
        .map(|_| {
            let t = Instant::now();
            size = summary_table_pdf(fonts, &table).unwrap().len();
            t.elapsed()
        })
        .collect();
    println!(
        "summary table, 45 rows / 3 pages: median {:?} ({size} bytes)",
        median(times)
    );
}
