//! Writes sample documents for eyeballing: `cargo run -p zhicheng-documents --example samples -- OUT_DIR`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, TimeZone, Utc};
use zhicheng_certificate::{CertificatePayload, CertificateStatus, IssuerKey};
use zhicheng_documents::{
    CertificateInput, Fonts, SummaryRow, SummaryTable, certificate_pdf, summary_table_pdf,
};

fn main() {
    let out = std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    let mut fonts = Fonts::embedded().unwrap().clone();
    let pan = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
    if let Ok(bytes) = std::fs::read(pan) {
        // Face 2 of the collection is Noto Serif CJK SC.
        let face = zhicheng_documents::Face::from_collection(bytes, 2, "pan-CJK").unwrap();
        fonts = fonts.with_fallback(face);
    }
    let fonts = &fonts;
    for ch in ['𠮷', '䶮', '龑', '堃', '喆', '昇'] {
        println!(
            "{ch}: serif {} sans {}",
            fonts.serif.covers(ch),
            fonts.sans.covers(ch)
        );
    }
    let payload = CertificatePayload {
        format: "zhicheng-cert/1".into(),
        number: "37-2026-2ENG-000001-K7".into(),
        holder_name: "欧阳𠮷䶮".into(),
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
    };
    let doc = IssuerKey::from_seed([7; 32]).sign(payload);
    for (name, status) in [
        ("certificate.pdf", CertificateStatus::Valid),
        ("revoked.pdf", CertificateStatus::Revoked),
    ] {
        let pdf = certificate_pdf(
            fonts,
            &CertificateInput {
                document: &doc,
                public_base_url: "https://zhicheng.rsj.example.gov.cn",
                status,
            },
        )
        .unwrap();
        std::fs::write(out.join(name), &pdf).unwrap();
        println!("{name}: {} bytes", pdf.len());
    }
    let units = [
        "威海市文登区人民医院",
        "山东省威海市文登区经济开发区管理委员会规划建设局",
        "威海职业学院",
    ];
    let rows: Vec<SummaryRow> = (0..40)
        .map(|i| SummaryRow {
            name: ["张三", "李四", "欧阳𠮷䶮", "王五"][i % 4].into(),
            gender: if i % 3 == 0 { "女" } else { "男" }.into(),
            birth_date: NaiveDate::from_ymd_opt(
                1980 + (i % 15) as i32,
                1 + (i % 12) as u32,
                1 + (i % 28) as u32,
            )
            .unwrap(),
            unit: units[i % 3].into(),
            series: "工程技术人员".into(),
            level: "副高级".into(),
            specialty: if i % 5 == 0 {
                "电气工程及其自动化（高压输变电）"
            } else {
                "土木工程"
            }
            .into(),
            kind: "正常申报".into(),
            status: "评审通过".into(),
        })
        .collect();
    let pdf = summary_table_pdf(
        fonts,
        &SummaryTable {
            title: "2026年度工程技术人员高级职称评审通过人员一览表",
            subtitle: Some(
                "报送单位：威海市文登区人力资源和社会保障局　　生成日期：2026年11月21日",
            ),
            footer_note: Some("zhicheng 职称申报与评审"),
            rows: &rows,
        },
    )
    .unwrap();
    std::fs::write(out.join("summary.pdf"), &pdf).unwrap();
    println!("summary.pdf: {} bytes", pdf.len());
}
