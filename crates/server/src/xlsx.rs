//! Spreadsheet downloads: one worksheet, a bold header row, then the rows; cells that hold a
//! whole number are written as numbers, everything else as text.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// The bytes of an `.xlsx` workbook with one sheet named `name`.
pub fn workbook(name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name)?;
    let bold = Format::new().set_bold();
    for (c, h) in header.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, row) in rows.iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            match cell.parse::<i64>() {
                Ok(n) if !cell.starts_with('0') || cell == "0" => {
                    sheet.write_number(r, c as u16, n as f64)?
                }
                _ => sheet.write_string(r, c as u16, cell)?,
            };
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    book.save_to_buffer()
}
