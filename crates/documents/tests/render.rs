//! Renders real documents and reads them back with poppler (`pdftotext`, `pdfdetach`) and,
//! when installed, zbar (`zbarimg`). Without poppler the checks print SKIP, unless
//! ZHICHENG_REQUIRE_BROWSER=1 (CI installs poppler-utils with the browser packages).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use chrono::{NaiveDate, TimeZone, Utc};
use zhicheng_certificate::{CertificatePayload, CertificateStatus, IssuerKey, SignedDocument};
use zhicheng_documents::certificate::attachment_name;
use zhicheng_documents::layout::wrap;
use zhicheng_documents::{
    CertificateInput, Face, Fonts, SummaryRow, SummaryTable, certificate_pdf, summary_table_pdf,
    verify_url,
};

const BASE: &str = "https://zhicheng.example.gov.cn";

fn signed(name: &str) -> SignedDocument {
    let payload = CertificatePayload {
        format: "zhicheng-cert/1".into(),
        number: "37-2026-2ENG-000042-Q9".into(),
        holder_name: name.into(),
        holder_id_masked: "3710**********1231".into(),
        holder_id_digest: "ab".repeat(32),
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
        verify_path: "/verify/0123456789abcdef0123456789abcdef".into(),
    };
    IssuerKey::from_seed([9; 32]).sign(payload)
}

fn render(fonts: &Fonts, doc: &SignedDocument) -> Vec<u8> {
    certificate_pdf(
        fonts,
        &CertificateInput {
            document: doc,
            public_base_url: BASE,
            status: CertificateStatus::Valid,
        },
    )
    .unwrap()
}

fn required() -> bool {
    std::env::var("ZHICHENG_REQUIRE_BROWSER").is_ok_and(|v| v == "1")
}

/// Whether a command-line tool runs; panics when poppler is required but absent.
fn tool(name: &str, poppler: bool) -> bool {
    let ok = Command::new(name).arg("-v").output().is_ok();
    if !ok {
        assert!(
            !(poppler && required()),
            "{name} is missing and ZHICHENG_REQUIRE_BROWSER=1 (apt-get install poppler-utils)"
        );
        eprintln!("SKIP: {name} not installed");
    }
    ok
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zc-docs-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn pdf_text(pdf: &[u8], tag: &str) -> String {
    let dir = scratch(tag);
    let path = dir.join("doc.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(&path)
        .arg("-")
        .output()
        .unwrap();
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_certificate_is_a_small_pdf_whose_text_has_the_name_and_number() {
    let fonts = Fonts::embedded().unwrap();
    let doc = signed("张三丰");
    let pdf = render(fonts, &doc);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000, "fonts not subset: {} bytes", pdf.len());
    // Same input, same bytes (no clock inside).
    assert_eq!(pdf, render(fonts, &doc));
    if !tool("pdftotext", true) {
        return;
    }
    let text = pdf_text(&pdf, "text");
    for needle in [
        "专业技术职务任职资格电子证书",
        "张三丰",
        "37-2026-2ENG-000042-Q9",
        "3710**********1231",
        "高级工程师",
        "工程技术人员",
        "电气工程",
        "2026年11月20日",
        "威海市文登区人力资源和社会保障局",
        "本证书为电子证书，与纸质证书具有同等效力；请扫描二维码或访问查验网址核验真伪",
        &doc.payload.digest(),
    ] {
        assert!(text.contains(needle), "{needle} not in:\n{text}");
    }
    // The URL may wrap; its pieces are there.
    let compact: String = text.split_whitespace().collect();
    assert!(compact.contains(&verify_url(BASE, &doc.payload.verify_path)));
}

#[test]
fn a_revoked_certificate_says_so() {
    let fonts = Fonts::embedded().unwrap();
    let doc = signed("李四");
    let pdf = certificate_pdf(
        fonts,
        &CertificateInput {
            document: &doc,
            public_base_url: BASE,
            status: CertificateStatus::Revoked,
        },
    )
    .unwrap();
    if tool("pdftotext", true) {
        let text = pdf_text(&pdf, "revoked");
        assert!(text.contains("本证书已被发证机构撤销"), "{text}");
    }
}

#[test]
fn the_signed_document_is_attached_and_still_verifies() {
    let fonts = Fonts::embedded().unwrap();
    let doc = signed("王五");
    let pdf = render(fonts, &doc);
    if !tool("pdfdetach", true) {
        return;
    }
    let dir = scratch("detach");
    std::fs::write(dir.join("c.pdf"), &pdf).unwrap();
    let name = attachment_name(&doc.payload.number);
    let out = Command::new("pdfdetach")
        .arg("-saveall")
        .arg("-o")
        .arg(&dir)
        .arg(dir.join("c.pdf"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(dir.join(&name)).unwrap();
    let back: SignedDocument = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(back, doc);
    assert!(IssuerKey::from_seed([9; 32]).signature_holds(&back));
}

/// Extension-A names render with the bundled fonts; Extension-B characters such as 𠮷 are
/// not in the region-specific SC fonts and need a pan-CJK fallback face.
#[test]
fn rare_characters_in_names_render() {
    let fonts = Fonts::embedded().unwrap();
    assert!(fonts.missing("刘䶮龑堃喆").is_empty());
    assert_eq!(fonts.missing("欧阳𠮷"), vec!['𠮷']);
    let pdf = render(fonts, &signed("刘䶮"));
    if tool("pdftotext", true) {
        assert!(pdf_text(&pdf, "exta").contains("刘䶮"));
    }

    // Debian's fonts-noto-cjk (installed with the browser packages) has the pan-CJK faces.
    let pan = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc";
    let Ok(bytes) = std::fs::read(pan) else {
        assert!(
            !required(),
            "{pan} missing (apt-get install fonts-noto-cjk)"
        );
        eprintln!("SKIP: {pan} not installed");
        return;
    };
    let fonts = fonts
        .clone()
        .with_fallback(Face::from_collection(bytes, 2, "pan-CJK serif").unwrap());
    assert!(fonts.missing("欧阳𠮷䶮").is_empty());
    let pdf = render(&fonts, &signed("欧阳𠮷䶮"));
    assert!(pdf.len() < 200_000);
    if tool("pdftotext", true) {
        assert!(pdf_text(&pdf, "extb").contains("欧阳𠮷䶮"));
    }
}

#[test]
fn the_qr_code_decodes_to_the_verify_url() {
    let fonts = Fonts::embedded().unwrap();
    let doc = signed("赵六");
    let pdf = render(fonts, &doc);
    if !tool("pdftoppm", true) || Command::new("zbarimg").arg("--version").output().is_err() {
        eprintln!("SKIP: pdftoppm or zbarimg not installed");
        return;
    }
    let dir = scratch("qr");
    std::fs::write(dir.join("c.pdf"), &pdf).unwrap();
    let st = Command::new("pdftoppm")
        .args(["-r", "200", "-png", "-singlefile"])
        .arg(dir.join("c.pdf"))
        .arg(dir.join("page"))
        .status()
        .unwrap();
    assert!(st.success());
    let out = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(dir.join("page.png"))
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim(),
        verify_url(BASE, &doc.payload.verify_path)
    );
}

fn rows(n: usize) -> Vec<SummaryRow> {
    (0..n)
        .map(|i| SummaryRow {
            name: format!("申报人{i:02}"),
            gender: if i % 2 == 0 { "男" } else { "女" }.into(),
            birth_date: NaiveDate::from_ymd_opt(1980 + (i % 20) as i32, 3, 15).unwrap(),
            unit: if i % 4 == 0 {
                "山东省威海市文登区经济开发区管理委员会规划建设局".into()
            } else {
                "威海市文登区人民医院".into()
            },
            series: "工程技术人员".into(),
            level: "副高级".into(),
            specialty: "电气工程".into(),
            kind: "正常申报".into(),
            status: "评审通过".into(),
        })
        .collect()
}

#[test]
fn the_summary_table_repeats_its_header_and_numbers_pages() {
    let fonts = Fonts::embedded().unwrap();
    let rows = rows(45);
    let pdf = summary_table_pdf(
        fonts,
        &SummaryTable {
            title: "2026年度高级职称评审通过人员一览表",
            subtitle: Some("报送单位：威海市文登区人力资源和社会保障局"),
            footer_note: None,
            rows: &rows,
        },
    )
    .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 200_000);
    if !tool("pdftotext", true) {
        return;
    }
    let text = pdf_text(&pdf, "summary");
    let pages: Vec<&str> = text
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert_eq!(pages.len(), 3, "{text}");
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains("工作单位"),
            "header missing on page {}",
            i + 1
        );
        let compact: String = page.split_whitespace().collect();
        assert!(compact.contains(&format!("第{}页/共3页", i + 1)), "{page}");
    }
    assert!(pages[0].contains("2026年度高级职称评审通过人员一览表"));
    assert!(pages[1].contains("（续）"));
    // Every row once, in order.
    let mut at = 0;
    for r in &rows {
        let found = text[at..]
            .find(&r.name)
            .unwrap_or_else(|| panic!("{} missing", r.name));
        at += found + r.name.len();
    }
}

#[test]
fn wrapping_keeps_latin_words_whole_and_fits_the_width() {
    let fonts = Fonts::embedded().unwrap();
    let face = &fonts.sans;
    let text = "本证书依据 Professional Title Regulations 签发，查验网址见二维码下方。";
    for width in [80.0, 120.0, 200.0] {
        let lines = wrap(face, text, 10.0, width);
        for l in &lines {
            assert!(
                face.width(l, 10.0) <= width + 0.01,
                "{l} wider than {width}"
            );
            assert!(!l.starts_with('，') && !l.starts_with('。'), "{l}");
        }
        let words: Vec<&str> = lines.iter().flat_map(|l| l.split(' ')).collect();
        for w in ["Professional", "Title"] {
            assert!(
                words.iter().any(|x| x.contains(w)),
                "{w} split at width {width}: {lines:?}"
            );
        }
        let joined: String = lines.concat().split_whitespace().collect();
        let expected: String = text.split_whitespace().collect();
        assert_eq!(joined, expected);
    }
}
