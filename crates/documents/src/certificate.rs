//! The electronic title certificate (职称电子证书): A4 portrait, formal Chinese layout, a
//! vector QR code for the public verify URL, and the signed JSON document attached to the PDF
//! so the file alone can be verified (extract it and present it to the verify endpoint).

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, Utc};
use krilla::Document;
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::Transform;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use zhicheng_certificate::{CertificateStatus, SignedDocument};

use crate::fonts::Fonts;
use crate::layout::{self, Align, Color, GREY, INK, Style, text};
use crate::{A4_HEIGHT, A4_WIDTH, RenderError, metadata, qr};

/// Official red for the frame, title and seal-position text.
const RED: Color = Color::new(0x9e, 0x1b, 0x22);
const LIGHT_RULE: Color = Color::new(0xc9, 0xb8, 0xb0);

/// What the certificate shows.
#[derive(Debug, Clone, Copy)]
pub struct CertificateInput<'a> {
    /// The signed document as issued (its payload is what the page shows; the whole document
    /// is attached to the PDF).
    pub document: &'a SignedDocument,
    /// Public origin of the site, e.g. `https://zhicheng.example.gov.cn` (no trailing path).
    pub public_base_url: &'a str,
    /// A revoked certificate is marked as such across the page.
    pub status: CertificateStatus,
}

/// The absolute verify URL: the public origin followed by the payload's verify path.
pub fn verify_url(public_base_url: &str, verify_path: &str) -> String {
    format!(
        "{}/{}",
        public_base_url.trim_end_matches('/'),
        verify_path.trim_start_matches('/')
    )
}

/// The file name of the attached signed document (the same as the JSON download's).
pub fn attachment_name(number: &str) -> String {
    format!("zhicheng-certificate-{number}.json")
}

/// 2026年11月20日
fn date_zh(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// 二〇二六年十一月二十日, as dates under an issuer's name are written.
fn date_zh_numerals(d: NaiveDate) -> String {
    const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let year: String = d
        .year()
        .to_string()
        .chars()
        .map(|c| c.to_digit(10).map_or(c, |n| DIGITS[n as usize]))
        .collect();
    let small = |n: u32| -> String {
        let (tens, ones) = (n / 10, n % 10);
        let mut s = String::new();
        if tens > 1 {
            s.push(DIGITS[tens as usize]);
        }
        if tens > 0 {
            s.push('十');
        }
        if ones > 0 || tens == 0 {
            s.push(DIGITS[ones as usize]);
        }
        s
    };
    format!("{year}年{}月{}日", small(d.month()), small(d.day()))
}

/// The calendar day in China (UTC+8) of an instant.
fn china_date(t: DateTime<Utc>) -> NaiveDate {
    match FixedOffset::east_opt(8 * 3600) {
        Some(tz) => t.with_timezone(&tz).date_naive(),
        None => t.date_naive(),
    }
}

/// Renders the certificate to PDF bytes. The same input always gives the same bytes.
///
/// # Errors
/// [`RenderError`] when the verify URL does not fit a QR code or the PDF cannot be written.
pub fn certificate_pdf(fonts: &Fonts, input: &CertificateInput) -> Result<Vec<u8>, RenderError> {
    let p = &input.document.payload;
    let url = verify_url(input.public_base_url, &p.verify_path);
    let (w, h) = (A4_WIDTH, A4_HEIGHT);
    let left = 86.0;
    let right = w - 86.0;

    let mut document = Document::new();
    document.set_metadata(metadata(
        &format!("专业技术职务任职资格电子证书 {}", p.number),
        Some(p.issued_at),
    ));
    let json =
        serde_json::to_vec_pretty(input.document).map_err(|e| RenderError::Pdf(e.to_string()))?;
    document.embed_file(EmbeddedFile {
        path: attachment_name(&p.number),
        mime_type: MimeType::new("application/json"),
        description: Some("签名电子证书文件（可提交查验） / signed certificate document".into()),
        association_kind: AssociationKind::Data,
        data: json.into(),
        modification_date: None,
        compress: Some(true),
        location: None,
    });

    let settings = PageSettings::from_wh(w, h).ok_or(RenderError::PageSize)?;
    let mut page = document.start_page_with(settings);
    let mut s = page.surface();

    // Frame: a heavy outer line and a hairline inside it, with small corner squares.
    layout::frame(&mut s, 28.0, 28.0, w - 56.0, h - 56.0, 2.4, RED);
    layout::frame(&mut s, 35.0, 35.0, w - 70.0, h - 70.0, 0.6, RED);
    let corners = [
        (35.0, 35.0),
        (w - 35.0, 35.0),
        (35.0, h - 35.0),
        (w - 35.0, h - 35.0),
    ];
    layout::fill_rects(
        &mut s,
        corners
            .iter()
            .filter_map(|(x, y)| krilla::geom::Rect::from_xywh(x - 3.5, y - 3.5, 7.0, 7.0)),
        RED,
    );

    // Heading.
    let title = Style::new(&fonts.serif, 26.0).color(RED).tracking(0.14);
    text(
        &mut s,
        &title,
        w / 2.0,
        122.0,
        Align::Center,
        "专业技术职务任职资格电子证书",
    );
    let sub = Style::new(&fonts.sans, 7.5).color(GREY).tracking(0.22);
    text(
        &mut s,
        &sub,
        w / 2.0,
        146.0,
        Align::Center,
        "ELECTRONIC CERTIFICATE OF PROFESSIONAL AND TECHNICAL QUALIFICATION",
    );
    layout::line(
        &mut s,
        (w / 2.0 - 150.0, 160.0),
        (w / 2.0 + 150.0, 160.0),
        1.2,
        RED,
    );
    layout::line(
        &mut s,
        (w / 2.0 - 110.0, 164.0),
        (w / 2.0 + 110.0, 164.0),
        0.4,
        RED,
    );

    let small = Style::new(&fonts.sans, 9.0).color(GREY);
    text(
        &mut s,
        &small,
        right,
        200.0,
        Align::Right,
        &format!("证书编号：{}", p.number),
    );

    // Statement.
    let body = Style::new(&fonts.serif, 14.0).color(INK);
    let statement = format!(
        "兹证明{}同志经{}{}专业技术职务任职资格评审通过，具备{}任职资格，特发此证。",
        p.holder_name, p.series_name, p.level_name, p.title_name
    );
    let mut y = layout::indented_paragraph(
        &mut s,
        &body,
        left,
        244.0,
        right - left,
        28.0,
        26.0,
        &statement,
    );

    // Particulars: labels spread to one width, values in serif, light rules beneath.
    y += 14.0;
    let label = Style::new(&fonts.sans, 11.0).color(GREY);
    let value = Style::new(&fonts.serif, 13.0).color(INK);
    let name_style = Style::new(&fonts.serif, 17.0).color(INK).tracking(0.2);
    let label_w = 72.0;
    let value_x = left + label_w + 26.0;
    let issued_on = china_date(p.issued_at);
    let rows: [(&str, String); 9] = [
        ("姓名", p.holder_name.clone()),
        ("身份证号", p.holder_id_masked.clone()),
        ("资格名称", p.title_name.clone()),
        ("系列级别", format!("{} · {}", p.series_name, p.level_name)),
        ("专业", p.specialty.clone()),
        ("评审通过日期", date_zh(p.passed_on)),
        ("发证机构", p.issuer_name.clone()),
        ("发证日期", date_zh(issued_on)),
        ("证书编号", p.number.clone()),
    ];
    let row_h = 27.5;
    for (i, (l, v)) in rows.iter().enumerate() {
        let base = y + i as f32 * row_h;
        layout::spread(&mut s, &label, left + 8.0, base, label_w, l);
        let style = if i == 0 { &name_style } else { &value };
        // A long value (issuer names can be) wraps onto a second line at a smaller size.
        let avail = right - value_x - 8.0;
        if style.width(v) <= avail {
            text(&mut s, style, value_x, base, Align::Left, v);
        } else {
            let smaller = Style::new(style.face, 11.0).color(INK);
            let lines = layout::wrap(smaller.face, v, smaller.size, avail);
            let top = base - 6.0 * (lines.len().saturating_sub(1)) as f32;
            for (k, line) in lines.iter().take(2).enumerate() {
                text(
                    &mut s,
                    &smaller,
                    value_x,
                    top + k as f32 * 12.5,
                    Align::Left,
                    line,
                );
            }
        }
        layout::line(
            &mut s,
            (left, base + 9.0),
            (right, base + 9.0),
            0.4,
            LIGHT_RULE,
        );
    }

    // QR code with the verify URL under it, bottom left.
    let qr_size = 106.0;
    let qr_x = left - 12.0;
    let qr_y = h - 236.0;
    qr::draw(&mut s, &url, qr_x, qr_y, qr_size, INK)?;
    let url_style = Style::new(&fonts.sans, 7.0).color(GREY);
    let url_lines = layout::wrap(&fonts.sans, &url, 7.0, 210.0);
    let mut uy = qr_y + qr_size + 4.0;
    text(
        &mut s,
        &url_style,
        left,
        uy,
        Align::Left,
        "扫码或访问以下网址查验：",
    );
    for l in &url_lines {
        uy += 9.5;
        text(&mut s, &url_style, left, uy, Align::Left, l);
    }

    // Issuer and date, bottom right, where a seal would be.
    let issuer = Style::new(&fonts.serif, 14.0).color(INK);
    let issuer_lines = layout::wrap(&fonts.serif, &p.issuer_name, 14.0, 230.0);
    let mut iy = h - 184.0 - 10.0 * issuer_lines.len() as f32;
    let center_x = right - 110.0;
    for l in &issuer_lines {
        text(&mut s, &issuer, center_x, iy, Align::Center, l);
        iy += 22.0;
    }
    let date_style = Style::new(&fonts.serif, 13.0).color(INK);
    text(
        &mut s,
        &date_style,
        center_x,
        iy + 4.0,
        Align::Center,
        &date_zh_numerals(issued_on),
    );
    let sig = Style::new(&fonts.sans, 7.0).color(GREY);
    text(
        &mut s,
        &sig,
        center_x,
        iy + 22.0,
        Align::Center,
        "（电子签名：Ed25519）",
    );

    // Footer: legal line and the payload digest.
    layout::line(&mut s, (left, h - 92.0), (right, h - 92.0), 0.5, LIGHT_RULE);
    let legal = Style::new(&fonts.sans, 8.5).color(INK);
    text(
        &mut s,
        &legal,
        w / 2.0,
        h - 76.0,
        Align::Center,
        "本证书为电子证书，与纸质证书具有同等效力；请扫描二维码或访问查验网址核验真伪",
    );
    let digest = Style::new(&fonts.sans, 6.5).color(GREY);
    text(
        &mut s,
        &digest,
        w / 2.0,
        h - 62.0,
        Align::Center,
        &format!("签名载荷 SHA-256：{}", p.digest()),
    );

    if input.status == CertificateStatus::Revoked {
        let mark = Style::new(&fonts.serif, 72.0).color(RED).tracking(0.3);
        s.push_opacity(NormalizedF32::new(0.28).unwrap_or(NormalizedF32::ONE));
        s.push_transform(&Transform::from_rotate_at(-30.0, w / 2.0, h / 2.0));
        text(
            &mut s,
            &mark,
            w / 2.0,
            h / 2.0 + 24.0,
            Align::Center,
            "已撤销",
        );
        s.pop();
        s.pop();
        let notice = Style::new(&fonts.sans, 11.0).color(RED);
        text(
            &mut s,
            &notice,
            w / 2.0,
            184.0,
            Align::Center,
            "本证书已被发证机构撤销，不再具有效力",
        );
    }

    s.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| RenderError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_chinese_numerals() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 20).unwrap();
        assert_eq!(date_zh_numerals(d), "二〇二六年十一月二十日");
        let d = NaiveDate::from_ymd_opt(2030, 1, 9).unwrap();
        assert_eq!(date_zh_numerals(d), "二〇三〇年一月九日");
        let d = NaiveDate::from_ymd_opt(2030, 10, 31).unwrap();
        assert_eq!(date_zh_numerals(d), "二〇三〇年十月三十一日");
        assert_eq!(date_zh(d), "2030年10月31日");
    }

    #[test]
    fn the_verify_url_joins_origin_and_path() {
        assert_eq!(
            verify_url("https://a.cn/", "/verify/x"),
            "https://a.cn/verify/x"
        );
        assert_eq!(
            verify_url("http://127.0.0.1:8080", "verify/x"),
            "http://127.0.0.1:8080/verify/x"
        );
    }
}
