//! Title blocks of many kinds, each on a small drawing the test writes itself, through the whole
//! engine (`analyze_page`, then `assemble` for the set-level check). Each test pins one kind of
//! failure seen on drawing sets from offices the engine was not built on.

use plansift_engine::{Document, analyze_page, assemble};
use std::sync::Arc;

/// Something drawn on a test page, in displayed points from the top-left corner.
enum Mark {
    /// Text reading left to right with its baseline at `y`.
    Text(f32, f32, f32, &'static str),
    /// Text reading bottom to top (a rotated title strip), baseline at `x`.
    Up(f32, f32, f32, &'static str),
    /// A ruled line.
    Rule(f32, f32, f32, f32),
}
use Mark::*;

const W: f32 = 1224.0;
const H: f32 = 792.0;

/// A PDF with one page per entry, Helvetica text (WinAnsi, so Latin-1 letters work).
fn pdf(pages: &[Vec<Mark>]) -> Vec<u8> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    let n = pages.len();
    // 1 catalog, 2 pages, 3 font, then page i at 4 + 2i and its content at 5 + 2i.
    objects.push(b"<< /Type /Catalog /Pages 2 0 R >>".to_vec());
    let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 4 + 2 * i)).collect();
    objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")).into_bytes());
    objects.push(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
    );
    for (i, marks) in pages.iter().enumerate() {
        let mut content: Vec<u8> = b"0.5 w\n".to_vec();
        for m in marks {
            match m {
                Text(x, y, size, t) => {
                    content.extend(format!("BT /F1 {size} Tf 1 0 0 1 {x} {} Tm (", H - y).bytes());
                    content.extend(latin1(t));
                    content.extend(b") Tj ET\n");
                }
                Up(x, y, size, t) => {
                    content.extend(format!("BT /F1 {size} Tf 0 1 -1 0 {x} {} Tm (", H - y).bytes());
                    content.extend(latin1(t));
                    content.extend(b") Tj ET\n");
                }
                Rule(x0, y0, x1, y1) => {
                    content.extend(format!("{x0} {} m {x1} {} l S\n", H - y0, H - y1).bytes());
                }
            }
        }
        objects.push(
            format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {W} {H}] /Resources << /Font << /F1 3 0 R >> >> /Contents {} 0 R >>",
                5 + 2 * i
            )
            .into_bytes(),
        );
        let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
        stream.extend(content);
        stream.extend(b"\nendstream");
        objects.push(stream);
    }
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n", i + 1).bytes());
        out.extend(o);
        out.extend(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for o in offsets {
        out.extend(format!("{o:010} 00000 n \n").bytes());
    }
    out.extend(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .bytes(),
    );
    out
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    })
}

fn latin1(t: &str) -> Vec<u8> {
    t.chars()
        .filter_map(|c| match c {
            '(' | ')' | '\\' => None,
            c if (c as u32) < 256 => Some(c as u8),
            _ => Some(b'?'),
        })
        .collect()
}

/// A drawing's worth of line work and notes, so the page reads as a drawing.
fn drawing() -> Vec<Mark> {
    let mut m = vec![
        Rule(20.0, 20.0, W - 20.0, 20.0),
        Rule(20.0, H - 20.0, W - 20.0, H - 20.0),
        Rule(20.0, 20.0, 20.0, H - 20.0),
        Rule(W - 20.0, 20.0, W - 20.0, H - 20.0),
    ];
    for i in 0..40 {
        let y = 60.0 + 12.0 * i as f32;
        m.push(Rule(80.0, y, 700.0, y));
        m.push(Rule(
            80.0 + 15.0 * i as f32,
            60.0,
            80.0 + 15.0 * i as f32,
            540.0,
        ));
    }
    m.push(Text(100.0, 580.0, 8.0, "natural ground level"));
    m.push(Text(300.0, 600.0, 10.0, "1 PARTIAL PLAN"));
    m
}

/// `(number, title)` of every sheet of the PDF.
fn sheets(pages: &[Vec<Mark>]) -> Vec<(Option<String>, Option<String>)> {
    let bytes = pdf(pages);
    // TITLE_BLOCK_PDFS=dir keeps the generated PDFs to look at (`plansift process --explain`).
    if let Ok(dir) = std::env::var("TITLE_BLOCK_PDFS") {
        let name = format!("{dir}/{:016x}.pdf", fxhash(&bytes));
        std::fs::write(name, &bytes).expect("the PDF is written");
    }
    let doc = Document::open(Arc::new(bytes)).expect("the test PDF opens");
    let analysed: Vec<_> = (1..=doc.page_count())
        .map(|n| analyze_page(&doc, n).expect("the page is read"))
        .collect();
    assemble(&analysed)
        .sheets
        .into_iter()
        .map(|s| (s.number.map(|f| f.text), s.title.map(|f| f.text)))
        .collect()
}

fn one(marks: Vec<Mark>) -> (Option<String>, Option<String>) {
    sheets(&[marks]).remove(0)
}

/// A bottom-right ruled box at x 900–1204, y 600–772, with the given cells' marks.
fn box_rules() -> Vec<Mark> {
    vec![
        Rule(900.0, 600.0, 1204.0, 600.0),
        Rule(900.0, 600.0, 900.0, 772.0),
        Rule(900.0, 640.0, 1204.0, 640.0),
        Rule(900.0, 690.0, 1204.0, 690.0),
        Rule(900.0, 730.0, 1204.0, 730.0),
        Rule(1080.0, 690.0, 1080.0, 772.0),
    ]
}

#[test]
fn labels_of_an_italian_block_are_never_the_title() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 612.0, 6.0, "COMMITTENTE:"),
        Text(905.0, 630.0, 10.0, "COMUNE DI ROVERETO"),
        Text(905.0, 650.0, 6.0, "TITOLO:"),
        Text(905.0, 672.0, 14.0, "PIANTA PIANO TERRA"),
        Text(905.0, 700.0, 6.0, "DATA: REV:"),
        Text(905.0, 720.0, 9.0, "12.03.2021"),
        Text(905.0, 740.0, 6.0, "FORMATO: A1"),
        Text(1085.0, 700.0, 6.0, "TAVOLA"),
        Text(1090.0, 760.0, 28.0, "A.02"),
    ]);
    assert_eq!(
        one(m),
        (Some("A.02".into()), Some("PIANTA PIANO TERRA".into()))
    );
}

#[test]
fn a_spanish_block_reads_lamina_and_plano() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 612.0, 6.0, "PROYECTO:"),
        Text(905.0, 630.0, 10.0, "VIVIENDA UNIFAMILIAR"),
        Text(905.0, 650.0, 6.0, "PLANO:"),
        Text(905.0, 672.0, 14.0, "PLANTA DE CUBIERTAS"),
        Text(905.0, 700.0, 6.0, "ESCALA:"),
        Text(905.0, 720.0, 9.0, "1:100"),
        Text(905.0, 742.0, 6.0, "FECHA:"),
        Text(905.0, 760.0, 9.0, "MAYO 2022"),
        Text(1085.0, 700.0, 6.0, "LÁMINA:"),
        Text(1095.0, 760.0, 28.0, "A-04"),
    ]);
    assert_eq!(
        one(m),
        (Some("A-04".into()), Some("PLANTA DE CUBIERTAS".into()))
    );
}

#[test]
fn a_german_block_reads_plan_nr_and_planinhalt() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 612.0, 6.0, "Bauvorhaben"),
        Text(905.0, 630.0, 10.0, "Neubau Kita Sonnenschein"),
        Text(905.0, 650.0, 6.0, "Planinhalt"),
        Text(905.0, 672.0, 14.0, "Grundriss Erdgeschoss"),
        Text(905.0, 700.0, 6.0, "Maßstab"),
        Text(905.0, 720.0, 9.0, "1:50"),
        Text(1085.0, 700.0, 6.0, "Plan-Nr."),
        Text(1090.0, 760.0, 24.0, "EG-101"),
    ]);
    assert_eq!(
        one(m),
        (Some("EG-101".into()), Some("Grundriss Erdgeschoss".into()))
    );
}

#[test]
fn client_and_address_stacked_over_the_title_are_left_out() {
    // A right-edge strip without a title label: client, street address, title, all one size.
    let mut m = drawing();
    m.extend([
        Rule(1040.0, 20.0, 1040.0, H - 20.0),
        Rule(1040.0, 640.0, W - 20.0, 640.0),
        Text(1060.0, 560.0, 13.0, "David/Susan Miller"),
        Text(1060.0, 580.0, 13.0, "1234 Birchwood Lane"),
        Text(1060.0, 600.0, 13.0, "Second Floor Plan"),
        Text(1050.0, 660.0, 6.0, "Date"),
        Text(1100.0, 660.0, 7.0, "12.11.2014"),
        Text(1080.0, 720.0, 22.0, "A-102"),
    ]);
    assert_eq!(
        one(m),
        (Some("A-102".into()), Some("Second Floor Plan".into()))
    );
}

#[test]
fn a_two_line_title_across_the_strip_rule_is_read_whole() {
    // A bottom strip cut off by a long rule; the title's first line stands above the rule.
    let mut m = drawing();
    m.extend([
        Rule(20.0, 654.0, 960.0, 654.0),
        Rule(400.0, 654.0, 400.0, H - 20.0),
        Rule(700.0, 654.0, 700.0, H - 20.0),
        Text(410.0, 680.0, 6.0, "Date"),
        Text(440.0, 680.0, 7.0, "12.11.2014"),
        Text(710.0, 680.0, 6.0, "Scale"),
        Text(985.0, 643.0, 14.0, "Second & Third"),
        Text(985.0, 662.0, 14.0, "Floor Plan"),
        Text(985.0, 740.0, 23.0, "A-102"),
    ]);
    assert_eq!(
        one(m),
        (
            Some("A-102".into()),
            Some("Second & Third Floor Plan".into())
        )
    );
}

#[test]
fn a_value_line_under_two_labels_gives_each_its_own_words() {
    // `DWG No.` and `REVISION` side by side over one line holding both values.
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 612.0, 6.0, "DRAWING TITLE:"),
        Text(905.0, 632.0, 14.0, "MEZZANINE LAYOUT"),
        Text(905.0, 700.0, 6.0, "DWG No."),
        Text(985.0, 700.0, 6.0, "REVISION"),
        Text(905.0, 716.0, 12.0, "4977_S_DW03  C05"),
    ]);
    assert_eq!(
        one(m),
        (Some("4977_S_DW03".into()), Some("MEZZANINE LAYOUT".into()))
    );
}

#[test]
fn the_nearest_label_over_a_value_owns_it() {
    // `Sheet:` stands between `Consultant Project Number:` and the sheet's `8 OF 23`.
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 612.0, 5.0, "Drawing Name:"),
        Text(905.0, 628.0, 10.0, "FOUNDATION PLAN"),
        Text(905.0, 700.0, 5.0, "Consultant Project Number:"),
        Text(905.0, 712.0, 5.0, "Project Number:"),
        Text(965.0, 712.0, 5.0, "Sheet:"),
        Text(970.0, 730.0, 14.0, "8"),
        Text(985.0, 728.0, 6.0, "OF"),
        Text(1000.0, 730.0, 14.0, "23"),
    ]);
    assert_eq!(one(m), (Some("8".into()), Some("FOUNDATION PLAN".into())));
}

#[test]
fn a_project_line_printed_on_every_sheet_is_not_part_of_the_title() {
    let sheet = |title: &'static str, number: &'static str| {
        let mut m = drawing();
        m.extend([
            Rule(20.0, 690.0, W - 20.0, 690.0),
            Rule(650.0, 690.0, 650.0, H - 20.0),
            Rule(1050.0, 690.0, 1050.0, H - 20.0),
            Text(700.0, 712.0, 12.0, "MAPLE GROVE RESIDENCE - 08/20/2019"),
            Text(700.0, 728.0, 12.0, title),
            Text(1100.0, 740.0, 26.0, number),
        ]);
        m
    };
    let got = sheets(&[
        sheet("FRAMING PLAN - BASEMENT", "S-101"),
        sheet("FRAMING PLAN - FIRST FLOOR", "S-102"),
        sheet("FRAMING ELEVATIONS", "S-201"),
    ]);
    let titles: Vec<_> = got.iter().map(|s| s.1.as_deref()).collect();
    assert_eq!(
        titles,
        [
            Some("FRAMING PLAN - BASEMENT"),
            Some("FRAMING PLAN - FIRST FLOOR"),
            Some("FRAMING ELEVATIONS")
        ]
    );
}

#[test]
fn file_names_stamps_and_notes_never_become_titles() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 625.0, 16.0, "NOT FOR CONSTRUCTION"),
        Text(905.0, 672.0, 14.0, "X-PLAN-2207-REV3.dwg"),
        Text(
            905.0,
            712.0,
            7.0,
            "Contractor shall verify all dimensions in the field before work begins.",
        ),
        Text(1090.0, 760.0, 28.0, "M-301"),
    ]);
    assert_eq!(one(m), (Some("M-301".into()), None));
}

#[test]
fn the_total_of_sheet_n_of_m_is_never_the_number() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 650.0, 6.0, "SHEET TITLE:"),
        Text(905.0, 672.0, 14.0, "GENERAL STRUCTURAL NOTES"),
        Text(1085.0, 700.0, 6.0, "SHEET NO."),
        Text(1095.0, 740.0, 24.0, "2 of 7"),
    ]);
    assert_eq!(
        one(m),
        (Some("2".into()), Some("GENERAL STRUCTURAL NOTES".into()))
    );
}

#[test]
fn a_long_coded_number_is_read_from_its_label() {
    let mut m = drawing();
    m.extend(box_rules());
    m.extend([
        Text(905.0, 650.0, 6.0, "DRAWING TITLE"),
        Text(905.0, 672.0, 14.0, "GROUND FLOOR GENERAL ARRANGEMENT PLAN"),
        Text(905.0, 700.0, 6.0, "DRAWING NUMBER"),
        Text(905.0, 720.0, 11.0, "L01-H01D01-ABC-00-XX-DWG-AR-10050"),
        Text(905.0, 742.0, 6.0, "SIZE"),
        Text(905.0, 760.0, 9.0, "A0"),
        Text(1085.0, 742.0, 6.0, "REV"),
        Text(1095.0, 762.0, 14.0, "P02"),
    ]);
    assert_eq!(
        one(m),
        (
            Some("L01-H01D01-ABC-00-XX-DWG-AR-10050".into()),
            Some("GROUND FLOOR GENERAL ARRANGEMENT PLAN".into())
        )
    );
}

#[test]
fn a_rotated_strip_pairs_its_label_with_the_value_beside_it() {
    // Labels and values read bottom to top in a right-edge strip.
    let mut m = drawing();
    m.extend([
        Rule(1120.0, 20.0, 1120.0, H - 20.0),
        Rule(1120.0, 200.0, W - 20.0, 200.0),
        Rule(1120.0, 510.0, W - 20.0, 510.0),
        Rule(1120.0, 680.0, W - 20.0, 680.0),
        Up(1132.0, 500.0, 6.0, "SHEET TITLE:"),
        Up(1150.0, 480.0, 14.0, "SITE PLAN"),
        Up(1168.0, 480.0, 14.0, "STA. 110+00 TO STA. 120+00"),
        Up(1132.0, 300.0, 6.0, "PROJECT:"),
        Up(1150.0, 280.0, 14.0, "STATE ROAD 19 CORRIDOR"),
        Text(1130.0, 700.0, 6.0, "SHEET NO."),
        Text(1140.0, 740.0, 22.0, "C-108"),
    ]);
    assert_eq!(
        one(m),
        (
            Some("C-108".into()),
            Some("SITE PLAN STA. 110+00 TO STA. 120+00".into())
        )
    );
}
