//! The vocabulary of title blocks: which printed words are field labels (`SHEET TITLE`, `TAVOLA`,
//! `Planinhalt`, `Лист`, `図面番号`), which field they name, and which texts can never be a sheet
//! title (dates, file names, addresses, firms, stamps, sentences of notes).
//!
//! Labels are recognized in English, Spanish, Italian, French, German, Portuguese, Dutch, Polish,
//! Swedish, Russian and Japanese. A label stands at the start of a line and is followed by a colon,
//! the end of the line, or its value (`SHEET TITLE: FIRST FLOOR PLAN`); a line may hold several
//! labels (`DATA: REV:`).

use regex::Regex;
use std::sync::LazyLock;

/// The field a title-block label names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldKind {
    Title,
    Number,
    Project,
    Client,
    Address,
    Date,
    Scale,
    /// Drawn, checked, designed, approved, reviewed.
    Signature,
    File,
    Format,
    Revision,
    JobNumber,
    Status,
    /// Architect, engineer, consultant, contractor.
    Firm,
    Seal,
    /// A label of a field this vocabulary does not name (`MUNICIPAL ADDRESS:`, `GEODETIC:`).
    Other,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Title => "title",
            FieldKind::Number => "number",
            FieldKind::Project => "project",
            FieldKind::Client => "client",
            FieldKind::Address => "address",
            FieldKind::Date => "date",
            FieldKind::Scale => "scale",
            FieldKind::Signature => "signature",
            FieldKind::File => "file",
            FieldKind::Format => "format",
            FieldKind::Revision => "revision",
            FieldKind::JobNumber => "job_number",
            FieldKind::Status => "status",
            FieldKind::Firm => "firm",
            FieldKind::Seal => "seal",
            FieldKind::Other => "other",
        }
    }
}

/// Label phrases per field, longest first within a field so `SHEET TITLE` wins over `SHEET`.
/// Written as regex fragments matched case-insensitively at the start of a line.
const LABELS: &[(FieldKind, &str)] = &[
    (
        FieldKind::Title,
        r"(?:SHEET|DRAWING|DWG\.?|PLAN)\s+(?:TITLE|NAME|DESCRIPTION|CONTENTS?)|TITLE\s+OF\s+(?:DRAWING|SHEET)|TITLE|CONTENTS|TITOLO(?:\s+TAVOLA)?|OGGETTO|CONTENUTO|T[ÍI]TULO(?:\s+(?:DEL\s+)?PLANO)?|PLANO|CONTENIDO|DENOMINACI[ÓO]N|TITRE(?:\s+DU\s+PLAN)?|INTITUL[ÉE]|D[ÉE]SIGNATION|PLANINHALT|PLANBEZEICHNUNG|PLANTITEL|ZEICHNUNGSINHALT|INHALT|BEZEICHNUNG|TITEL|TEKENINGSTITEL|OMSCHRIJVING|BENAMING|ONDERWERP|BETREFT|CONTE[ÚU]DO|DESIGNA[ÇC][ÃA]O|TYTU[ŁL](?:\s+RYSUNKU)?|NAZWA\s+RYSUNKU|RITNINGSTITEL|INNEH[ÅA]LL|НАИМЕНОВАНИЕ(?:\s+ЛИСТА)?|НАЗВАНИЕ|図面名称|図面名|図名",
    ),
    (
        FieldKind::Number,
        r"(?:SHEET|SHT\.?|DWG\.?|DRAWING|PLAN\s+REF\.?|REF\.?)\s*(?:NO\.?|NUMBER|NUM\.?|N[°º]|#|ID)|SHEET\s+IDENTIFICATION|DRAWING\s+ID|SHEET|N\.?\s*(?:DI\s+)?TAVOLA|TAVOLA|TAV\.?|ELABORATO(?:\s+N\.?)?|L[ÁA]MINA(?:\s+N[°º.]?)?|PLANO\s+N[°º.]?|N[°º.]\s*(?:DE\s+)?PLANO|HOJA|PLANCHE|N[°º.]\s*(?:DE\s+)?PLAN|PLAN[- ]?(?:NR\.?|NUMMER)|PLANNUMMER|ZEICHNUNGS[- ]?(?:NR\.?|NUMMER)|BLATT(?:[- ]?NR\.?)?|TEKENING(?:S)?\s*(?:NR\.?|NUMMER)|TEK\.?\s*NR\.?|BLAD(?:NR\.?)?|DESENHO\s+N[°º.]?|FOLHA|PRANCHA|NR\.?\s+RYSUNKU|RITNINGSNUMMER|RITN(?:ING)?\.?\s*NR\.?|ЛИСТ|ОБОЗНАЧЕНИЕ|図面番号|図番",
    ),
    (
        FieldKind::JobNumber,
        r"(?:PROJECT|JOB|ACI\s+JOB|CONTRACT|COMM(?:ESSA)?|PROYECTO|PROJET|PROJEKT|PROJECT)\s*(?:NO\.?|NUMBER|NUM\.?|N[°º.]|#|NR\.?|-NR\.?)|JOB|COMMESSA|PROJEKTNUMMER|PROJECTNUMMER|FILE\s+NO\.?|SOLICITATION\s+NUMBER|CONTRACT",
    ),
    (
        FieldKind::Project,
        r"PROJECT(?:\s+(?:NAME|TITLE))?|PROGETTO|INTERVENTO|PROYECTO|OBRA|PROJET|OP[ÉE]RATION|PROJEKT|BAUVORHABEN|BAUPROJEKT|PROJETO|EMPREENDIMENTO|INWESTYCJA|OBIEKT|ОБЪЕКТ|工事名称|件名",
    ),
    (
        FieldKind::Client,
        r"CLIENT|OWNER|COMMITTENTE|CLIENTE|PROPIETARIO|PROMOTOR|MA[ÎI]TRE\s+D'OUVRAGE|AUFTRAGGEBER|BAUHERR(?:SCHAFT)?|OPDRACHTGEVER|PROPRIET[ÁA]RIO|ZAMAWIAJ[ĄA]CY|INWESTOR|BEST[ÄA]LLARE|ЗАКАЗЧИК|建築主|発注者",
    ),
    (
        FieldKind::Address,
        r"ADDRESS|LOCATION|SITE\s+ADDRESS|INDIRIZZO|UBICAZIONE|LOCALIZACI[ÓO]N|DIRECCI[ÓO]N|EMPLAZAMIENTO|ADRESSE|LIEU|STANDORT|ADRES|LOCALIZA[ÇC][ÃA]O|ENDERE[ÇC]O|АДРЕС|所在地",
    ),
    (
        FieldKind::Date,
        r"(?:ISSUE|PLOT|PRINT)\s+DATE|DATE|DATED|DATA|FECHA|DATUM|ДАТА|日付",
    ),
    (
        FieldKind::Scale,
        r"SCALE|SCALA|ESCALA|[ÉE]CHELLE|MA(?:SS|ß)STAB|SCHAAL|SKALA|SKALA|МАСШТАБ|縮尺|HORZ\.?|HORIZ\.?|VERT\.?",
    ),
    (
        FieldKind::Signature,
        r"(?:DRAWN|CHECKED|DESIGNED|APPROVED|REVIEWED|PREPARED|ENGINEERED)(?:\s+BY)?|DRN\.?|CHK(?:D)?\.?|APPR?\.?|DSGN\.?|PM\s+REVIEW|QA\s*/\s*QC(?:\s+REVIEW)?|DISEGNATO|CONTROLLATO|APPROVATO|VERIFICATO|REDATTO|DIBUJ(?:ADO|[ÓO])|REVIS(?:ADO|[ÓO])|APROB(?:ADO|[ÓO])|DESSIN[ÉE]|V[ÉE]RIFI[ÉE]|APPROUV[ÉE]|GEZEICHNET|GEZ\.|GEPR[ÜU]FT|GEPR\.|BEARBEITET|FREIGEGEBEN|GENEHMIGT|GETEKEND|GECONTROLEERD|GOEDGEKEURD|DESENHADO|VERIFICADO|APROVADO|NARYSOWA[ŁL]|SPRAWDZI[ŁL]|ZATWIERDZI[ŁL]|RITAD\s+AV|GRANSKAD|РАЗРАБ\.?|ПРОВ\.?|Н\.\s*КОНТР\.?|УТВ\.?|設計|製図|担当|承認|照査",
    ),
    (
        FieldKind::File,
        r"(?:CAD\s+)?FILE(?:\s+NAME)?|I\.?S\.?O\.?\s+SHEET\s+FILE\s+NAME|NOME\s+FILE|ARCHIVO|FICHIER|DATEI(?:NAME)?|BESTAND(?:SNAAM)?|ARQUIVO|PLIK",
    ),
    (
        FieldKind::Format,
        r"FORMAT|FORMATO|FORMAAT|PAPER\s+SIZE|SHEET\s+SIZE|SIZE|ФОРМАТ|用紙",
    ),
    (
        FieldKind::Revision,
        r"REV(?:ISION)?S?\.?(?:\s+NO\.?)?|REVISIONE|REVISI[ÓO]N|R[ÉE]VISION|INDICE|IND\.?|[ÄA]NDERUNG|INDEX|HERZIENING|WIJZIGING|REVIS[ÃA]O|REWIZJA|ИЗМ\.?|改訂",
    ),
    (
        FieldKind::Status,
        r"STATUS|PHASE|STAGE|PURPOSE\s+OF\s+ISSUE|ISSUED\s+FOR|FASE|STADIUM|[ÉE]TAPE|LEISTUNGSPHASE|ESTADO|ETAPA|СТАДИЯ|区分|段階",
    ),
    (
        FieldKind::Firm,
        r"ARCHITECT|ENGINEER|CONSULTANT|CONTRACTOR|ARCHITETTO|PROGETTISTA|ARQUITECTO|ARCHITECTE|ARCHITEKT|INGENIEUR|ARQUITETO|PROJEKTANT|ARKITEKT",
    ),
    (FieldKind::Seal, r"SEAL|SIGNATURE|STAMP|TIMBRO|SELLO|CACHET"),
];

/// One label at the start of a text: `(?i)^(?:LABEL)` followed by a colon, the end, or a space.
static LABEL_AT_START: LazyLock<Vec<(FieldKind, Regex)>> = LazyLock::new(|| {
    LABELS
        .iter()
        .map(|(kind, words)| {
            (
                *kind,
                Regex::new(&format!(r"(?i)^(?:{words})(?:\s*[:：.]|\s*$|\s+)")).unwrap(),
            )
        })
        .collect()
});

/// The labels a line starts with, in order, and the value left after them (trimmed, possibly
/// empty). A label needs a colon or the end of the line after it unless it is a multi-word
/// phrase, so that `TITLE SHEET` or `PLAN VIEW` stay values.
pub fn split_labels(text: &str) -> (Vec<FieldKind>, &str) {
    let mut rest = text.trim();
    let mut kinds = Vec::new();
    'outer: loop {
        for (kind, re) in LABEL_AT_START.iter() {
            let Some(m) = re.find(rest) else { continue };
            let matched = m.as_str();
            let after = rest[m.end()..].trim_start();
            let colon = matched.trim_end().ends_with([':', '：']);
            let at_end = after.is_empty();
            let multi_word = matched.split_whitespace().count() > 1;
            // A label followed by another label (`DATA: REV:`, `DRAWN BY CHECKED BY`).
            let label_follows = LABEL_AT_START.iter().any(|(_, r)| {
                r.find(after)
                    .is_some_and(|n| n.as_str().trim_end().ends_with([':', '：']))
            });
            if colon || at_end || (multi_word && *kind != FieldKind::Title) || label_follows {
                kinds.push(*kind);
                rest = after.trim_start_matches([':', '：', '.', '-', ' ']);
                if rest.is_empty() {
                    break 'outer;
                }
                continue 'outer;
            }
        }
        break;
    }
    // A short caption ending in a colon is a label whatever its words.
    if kinds.is_empty()
        && (rest.ends_with(':') || rest.ends_with('：'))
        && rest.split_whitespace().count() <= 5
        && rest.chars().count() <= 40
        && rest.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && !rest.chars().any(|c| c.is_ascii_digit())
    {
        kinds.push(FieldKind::Other);
        rest = "";
    }
    (kinds, rest)
}

/// The kind of the first label of a line, when the line starts with one.
pub fn label_of(text: &str) -> Option<FieldKind> {
    split_labels(text).0.first().copied()
}

/// True when the line is nothing but labels (`DATE:`, `DATA: REV:`, `SHEET TITLE`).
pub fn only_labels(text: &str) -> bool {
    let (kinds, rest) = split_labels(text);
    !kinds.is_empty() && rest.chars().all(|c| !c.is_alphanumeric())
}

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:\d{1,4}[./-]\d{1,2}[./-]\d{2,4}|(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|SEPT|OCT|NOV|DEC)[A-Z]*\.?\s+\d{1,2},?\s+\d{4}|\d{1,2}\s+(?:JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*\.?\s+\d{4})\b").unwrap()
});
static TRAILING_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s*[-–,]?\s*(?:\d{1,4}[./-]\d{1,2}[./-]\d{2,4})\.?\s*$").unwrap()
});
static FILE_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)\.(?:dwg|dgn|rvt|rfa|dxf|pln|pdf|plt|ctb|nwd|ifc|tif|jpg)\b|[A-Z]:\\|\\[^\s\\]+\\",
    )
    .unwrap()
});
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^\d+[A-Z]?\s+(?:[NSEW]\.?\s+)?[\w.'-]+(?:\s+[\w.'-]+){0,3}\s+(?:STREET|ST|AVENUE|AVE|ROAD|RD|LANE|LN|DRIVE|DR|BOULEVARD|BLVD|WAY|COURT|CT|PLACE|PL|HIGHWAY|HWY|PARKWAY|PKWY|TERRACE|CIRCLE|CIR|TRAIL|TRL|PIKE)\b\.?|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b|\bP\.?\s?O\.?\s+BOX\b|\b(?:SUITE|STE\.?)\s+\d+|^(?:VIA|VIALE|PIAZZA|CORSO|CALLE|AVENIDA|AV\.|RUE|BOULEVARD|RUA|ULICA|UL\.)\s+\S+.*\d|\b\S+(?:STRASSE|STRAßE|STR\.|WEG|PLATZ|GASSE|LAAN|STRAAT|GRACHT|VEJ|GATAN|VÄGEN)\s+\d+|\b[ABCEGHJ-NPRSTVXY]\d[A-Z]\s?\d[A-Z]\d\b|\b[A-Z]{1,2}\d[A-Z\d]?\s\d[A-Z]{2}$").unwrap()
});
static CONTACT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)@|\bwww\.|\.(?:com|org|net|gov|edu|it|de|fr|es|nl|co\.uk|se|pl|ru|jp|in|za)\b|\b(?:TEL|PHONE|FAX|PH|MOB|T|F)\.?\s*[:.]?\s*\+?\(?\d|\(\d{3}\)\s*\d{3}|\b\d{3}[-. ]\d{3}[-. ]\d{4}\b").unwrap()
});
static FIRM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:INC|LLC|LLP|PLLC|P\.C|LTD|LIMITED|GMBH|S\.R\.L|SRL|S\.P\.A|SPA|S\.A|B\.V|N\.V|PTY|CORP|CORPORATION|COMPANY|ARCHITECTS|ENGINEERS|CONSULTANTS|ASSOCIATES|ARCHITETTI|ARQUITECTOS|ARCHITECTES|ARCHITEKTEN|INGENIEURE|STUDIO|ATELIER|DISTRICT|DEPARTMENT|COMMISSION|AUTHORITY|MINISTRY|MINISTERIO|MINISTERO|UNIVERSITY|UNIVERSIDAD|UNIVERSITÀ|CORPS\s+OF\s+ENGINEERS|COUNTY\s+OF|CITY\s+OF|STATE\s+OF|COMMUNE\s+DE|COMUNE\s+DI|AYUNTAMIENTO|GEMEENTE|STADT)\b").unwrap()
});
static STAMP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:NOT\s+FOR\s+CONSTRUCTION|PRELIMINARY|FOR\s+(?:REVIEW|APPROVAL|PERMIT|BIDDING|CONSTRUCTION|TENDER|INFORMATION)|ISSUED\s+FOR|NO\s+EXCEPTIONS\s+TAKEN|REVISE\s+AND\s+RESUBMIT|MAKE\s+CORRECTIONS|APPROVED\s+AS\s+NOTED|REJECTED|COPYRIGHT|ALL\s+RIGHTS\s+RESERVED|REGISTERED|PROFESSIONAL\s+ENGINEER|LICENSED?|CONSTRUCTION\s+DOCUMENTS|BID\s+SET|PERMIT\s+SET|CONCEPTUAL\s+DESIGN|SCHEMATIC\s+DESIGN|DESIGN\s+DEVELOPMENT|PROGETTO\s+(?:ESECUTIVO|DEFINITIVO|PRELIMINARE)|PROYECTO\s+(?:DE\s+)?EJECUCI[ÓO]N|PROJEKT\s+WYKONAWCZY|AUSF[ÜU]HRUNGSPLANUNG|ENTWURFSPLANUNG|GENEHMIGUNGSPLANUNG|WERKTEKENING|BESTEK)\b|\b\d{2,3}\s*%\s*(?:PLANS|SUBMITTAL|DESIGN|REVIEW|CONSTRUCTION|CDS?|DDS?|SD|SET)\b|©|実施設計|基本設計|確認申請|申請図|竣工").unwrap()
});
static SCALE_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)^(?:\d+\s*[:/]\s*\d+(?:\s*[@,]\s*\w+)?|\d+(?:/\d+)?"\s*=\s*\d+'(?:\s*-\s*\d+")?|N\.?T\.?S\.?|AS\s+(?:NOTED|SHOWN|INDICATED)|NONE|VARIES)$"#).unwrap()
});
static DRAWING_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(?:(?:KEYED|SHEET|DRAWING)\s+)?NOTES?:?$|^(?:LEGEND|KEY\s*PLAN|KEYPLAN|NORTH|PLAN\s+NORTH|TRUE\s+NORTH|VICINITY\s+MAP|LOCATION\s+MAP|REVISIONS?|DESCRIPTION|NOTA|(?:DETAIL|SECTION|ELEVATION|SHEET|DRAWING|VIEW)\s+(?:NUMBER|NO\.?|REFERENCE|IDENTIFICATION|WHERE\s+(?:DRAWN|SHOWN|TAKEN))|LEYENDA|L[ÉE]GENDE|LEGENDE|ANMERKUNGEN|OPMERKINGEN)\s*:?$").unwrap()
});
static LIST_MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\d{1,2}|[A-Za-z])[.)]\s+\S").unwrap());

/// Why a line can never be a sheet title, if it can't: a field label, a date, a file name, an
/// address or contact line, a firm or agency, a stamp, a scale, a sentence of notes, or too few
/// letters to name anything.
pub fn never_title(text: &str) -> Option<&'static str> {
    let t = text.trim();
    let letters = t.chars().filter(|c| c.is_alphabetic()).count();
    let visible = t.chars().filter(|c| !c.is_whitespace()).count();
    if DATE.is_match(t)
        && TRAILING_DATE
            .replace(t, "")
            .chars()
            .filter(|c| c.is_alphabetic())
            .count()
            < 3
    {
        return Some("a date");
    }
    if letters < 2 || letters * 3 < visible {
        return Some("too few letters");
    }
    if only_labels(t) || DRAWING_HEADING.is_match(t) {
        return Some("a field label");
    }
    if !split_labels(t).0.is_empty() {
        return Some("a labelled field");
    }
    if FILE_NAME.is_match(t) {
        return Some("a file name");
    }
    if ADDRESS.is_match(t) || CONTACT.is_match(t) {
        return Some("an address or contact line");
    }
    if FIRM.is_match(t) {
        return Some("a firm or agency");
    }
    if STAMP.is_match(t) {
        return Some("a stamp");
    }
    if SCALE_VALUE.is_match(t) {
        return Some("a scale");
    }
    let words = t.split_whitespace().count();
    let lower_words = t
        .split_whitespace()
        .filter(|w| w.chars().next().is_some_and(char::is_lowercase))
        .count();
    if LIST_MARKER.is_match(t) && words >= 4 {
        return Some("a numbered note");
    }
    if words >= 12 || (words >= 6 && t.ends_with('.')) || (words >= 5 && lower_words * 2 > words) {
        return Some("a sentence of notes");
    }
    None
}

/// The line without an issue date appended to it (`DETAILS - FORMLINER - 01/10/2019`).
pub fn strip_trailing_date(text: &str) -> &str {
    match TRAILING_DATE.find(text) {
        Some(m) if m.start() > 0 => text[..m.start()].trim_end_matches([' ', '-', '–', ',']),
        _ => text,
    }
}

/// The dates printed in a text.
pub fn date_spans(text: &str) -> Vec<&str> {
    DATE.find_iter(text).map(|m| m.as_str()).collect()
}

/// True when the text holds a date anywhere.
pub fn has_date(text: &str) -> bool {
    DATE.is_match(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_in_many_languages_name_their_field() {
        for (text, kind) in [
            ("SHEET TITLE", FieldKind::Title),
            ("Drawing Title:", FieldKind::Title),
            ("TITOLO:", FieldKind::Title),
            ("Planinhalt", FieldKind::Title),
            ("TÍTULO DEL PLANO:", FieldKind::Title),
            ("TYTUŁ RYSUNKU", FieldKind::Title),
            ("図面名称", FieldKind::Title),
            ("SHEET NO.", FieldKind::Number),
            ("TAVOLA", FieldKind::Number),
            ("LÁMINA:", FieldKind::Number),
            ("Plan-Nr.", FieldKind::Number),
            ("NR RYSUNKU", FieldKind::Number),
            ("Лист", FieldKind::Number),
            ("図面番号", FieldKind::Number),
            ("PROJECT:", FieldKind::Project),
            ("COMMITTENTE", FieldKind::Client),
            ("DATE:", FieldKind::Date),
            ("DATA", FieldKind::Date),
            ("FECHA", FieldKind::Date),
            ("SCALA", FieldKind::Scale),
            ("ESCALA:", FieldKind::Scale),
            ("Maßstab", FieldKind::Scale),
            ("DRAWN BY:", FieldKind::Signature),
            ("FORMATO: A1", FieldKind::Format),
            ("REV:", FieldKind::Revision),
        ] {
            assert_eq!(label_of(text), Some(kind), "{text}");
        }
        assert_eq!(
            split_labels("DATA: REV:").0,
            [FieldKind::Date, FieldKind::Revision]
        );
        assert!(only_labels("DATA: REV:"));
        assert_eq!(
            split_labels("SHEET TITLE: FIRST FLOOR PLAN").1,
            "FIRST FLOOR PLAN"
        );
    }

    #[test]
    fn values_that_start_like_labels_stay_values() {
        for value in [
            "TITLE SHEET",
            "PLAN VIEW",
            "SHEET METAL DETAILS",
            "DATA CENTER PLAN",
            "SITE PLAN",
        ] {
            assert!(!only_labels(value), "{value}");
            assert_eq!(never_title(value), None, "{value}");
        }
    }

    #[test]
    fn texts_that_can_never_be_titles() {
        for (text, why) in [
            ("DATA: REV:", "a field label"),
            ("NOTE", "a field label"),
            ("FORMATO: A1", "a labelled field"),
            ("A-101 FLOOR PLAN.dwg", "a file name"),
            ("3232 Aalseth Lane", "an address or contact line"),
            ("STOUGHTON, WI 53589", "an address or contact line"),
            ("Westmount, Quebec H3Z 1R6", "an address or contact line"),
            ("London EC1V 9HX", "an address or contact line"),
            ("08/20/2019", "a date"),
            ("ABONMARCHE CONSULTANTS, INC.", "a firm or agency"),
            ("PUBLIC UTILITIES COMMISSION", "a firm or agency"),
            ("NOT FOR CONSTRUCTION", "a stamp"),
            ("1:100", "too few letters"),
            (
                "Contractor shall verify all dimensions in the field before work.",
                "a sentence of notes",
            ),
            (
                "natural ground level to be confirmed on site",
                "a sentence of notes",
            ),
        ] {
            assert_eq!(never_title(text), Some(why), "{text}");
        }
        for title in [
            "FIRST FLOOR PLAN",
            "Elevations - South & East",
            "PIANTA PIANO TERRA",
            "Übersichtsplan Hotel 1.OG",
            "SITE PLAN STA. 110+00 TO STA. 120+00 LINE \"B\"",
        ] {
            assert_eq!(never_title(title), None, "{title}");
        }
    }

    #[test]
    fn an_issue_date_appended_to_a_title_is_cut() {
        assert_eq!(
            strip_trailing_date("DETAILS - FORMLINER - 01/10/2019"),
            "DETAILS - FORMLINER"
        );
        assert_eq!(strip_trailing_date("FIRST FLOOR PLAN"), "FIRST FLOOR PLAN");
    }
}
