//! The follow-up figures as a spreadsheet (XLSX, written with `rust_xlsxwriter`): one
//! sheet per unit and one per month of assignment, numbers as numbers (so the office's
//! own formulas and charts work on them), in Vietnamese with the period and the day the
//! figures were judged on. The e2e test reads the file back with LibreOffice.

use meeting_protocol::{BucketCounts, TaskBucket, TaskStats};
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use crate::error::{ClientError, Result};

/// The buckets' column headings, in the order of [`TaskBucket::ALL`].
pub const BUCKET_HEADINGS: [&str; 5] = [
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Đang thực hiện quá hạn",
    "Không có thời hạn",
];

fn day(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn xlsx(e: XlsxError) -> ClientError {
    ClientError::Invalid(format!("không ghi được bảng tính / the spreadsheet could not be written: {e}"))
}

/// Writes one table: a heading row, a row per entry, a total row.
fn table(
    sheet: &mut Worksheet,
    first_row: u32,
    label: &str,
    rows: &[(String, BucketCounts)],
    total: &BucketCounts,
) -> std::result::Result<(), XlsxError> {
    let head = Format::new().set_bold().set_text_wrap().set_align(FormatAlign::Center).set_border(FormatBorder::Thin);
    let cell = Format::new().set_border(FormatBorder::Thin);
    let percent = Format::new().set_border(FormatBorder::Thin).set_num_format("0.0%");
    let bold = Format::new().set_bold().set_border(FormatBorder::Thin);
    sheet.write_string_with_format(first_row, 0, label, &head)?;
    for (i, h) in BUCKET_HEADINGS.iter().enumerate() {
        sheet.write_string_with_format(first_row, 1 + i as u16, *h, &head)?;
    }
    sheet.write_string_with_format(first_row, 6, "Tổng số", &head)?;
    sheet.write_string_with_format(first_row, 7, "Tỷ lệ hoàn thành đúng hạn", &head)?;
    let all = rows.iter().map(|(n, c)| (n.as_str(), c, &cell)).chain(std::iter::once(("Tổng cộng", total, &bold)));
    for (k, (name, counts, format)) in all.enumerate() {
        let row = first_row + 1 + k as u32;
        sheet.write_string_with_format(row, 0, name, format)?;
        for (i, b) in TaskBucket::ALL.iter().enumerate() {
            sheet.write_number_with_format(row, 1 + i as u16, f64::from(counts.get(*b)), format)?;
        }
        sheet.write_number_with_format(row, 6, f64::from(counts.total), format)?;
        let share = if counts.total == 0 { 0.0 } else { f64::from(counts.on_time) / f64::from(counts.total) };
        sheet.write_number_with_format(row, 7, share, &percent)?;
    }
    Ok(())
}

fn title(sheet: &mut Worksheet, stats: &TaskStats, what: &str) -> std::result::Result<(), XlsxError> {
    let bold = Format::new().set_bold().set_font_size(13);
    sheet.write_string_with_format(0, 0, format!("TÌNH HÌNH THỰC HIỆN NHIỆM VỤ — {what}"), &bold)?;
    let period = match (stats.from, stats.to) {
        (Some(f), Some(t)) => format!("Nhiệm vụ giao từ ngày {} đến ngày {}", day(f), day(t)),
        (Some(f), None) => format!("Nhiệm vụ giao từ ngày {}", day(f)),
        (None, Some(t)) => format!("Nhiệm vụ giao đến ngày {}", day(t)),
        (None, None) => "Tất cả nhiệm vụ".to_owned(),
    };
    sheet.write_string(1, 0, period)?;
    sheet.write_string(2, 0, format!("Số liệu tính đến ngày {}", day(stats.as_of)))?;
    sheet.set_column_width(0, 42)?;
    for c in 1..=7 {
        sheet.set_column_width(c, 16)?;
    }
    Ok(())
}

/// The figures as an XLSX file's bytes: sheet "Theo đơn vị" (units, by code, then the
/// total) and sheet "Theo tháng" (months of assignment).
pub fn stats_xlsx(stats: &TaskStats) -> Result<Vec<u8>> {
    let mut book = Workbook::new();
    let units: Vec<(String, BucketCounts)> =
        stats.units.iter().map(|u| (format!("{} — {}", u.unit.code, u.unit.name), u.counts)).collect();
    let months: Vec<(String, BucketCounts)> = stats.months.iter().map(|m| (m.month.clone(), m.counts)).collect();
    let sheet = book.add_worksheet().set_name("Theo đơn vị").map_err(xlsx)?;
    title(sheet, stats, "THEO ĐƠN VỊ").map_err(xlsx)?;
    table(sheet, 4, "Đơn vị chủ trì", &units, &stats.all).map_err(xlsx)?;
    let sheet = book.add_worksheet().set_name("Theo tháng").map_err(xlsx)?;
    title(sheet, stats, "THEO THÁNG GIAO").map_err(xlsx)?;
    table(sheet, 4, "Tháng", &months, &stats.all).map_err(xlsx)?;
    book.save_to_buffer().map_err(xlsx)
}
