//! OCR for pages without a usable text layer: scans, and CAD plots whose text is outlined
//! strokes. Words come back with boxes and confidences and go through the same layout and
//! analysis as vector text.
//!
//! [`TesseractCli`] runs Tesseract 5 as a separate process per call (a crash or a hang stays
//! there), one thread each so page-level parallelism is the worker's to decide, with a timeout.
//! Every call is counted ([`ocr_calls`]) so tests can prove a text-layer page never goes through OCR.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// A recognized word: pixel box in the image it was read from, confidence 0–100.
#[derive(Clone, Debug, PartialEq)]
pub struct OcrWord {
    pub text: String,
    pub left: u32,
    pub top: u32,
    pub width: u32,
    pub height: u32,
    pub confidence: f32,
    /// Tesseract's block, paragraph and line numbers: words of one line share them.
    pub line: (u32, u32, u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// Scattered text (title blocks): Tesseract page segmentation mode 11.
    Sparse,
    /// Running text (spec pages): mode 3.
    Page,
}

#[derive(Debug, thiserror::Error)]
pub enum OcrError {
    #[error("the OCR engine is not installed")]
    Unavailable,
    #[error("OCR took longer than {0:?}")]
    Timeout(Duration),
    #[error("OCR failed: {0}")]
    Failed(String),
}

pub trait Ocr: Send + Sync {
    /// Reads the words of a grayscale PNG.
    fn recognize(&self, png: &[u8], layout: Layout) -> Result<Vec<OcrWord>, OcrError>;
}

static CALLS: AtomicUsize = AtomicUsize::new(0);

/// How many OCR calls this process has made.
pub fn ocr_calls() -> usize {
    CALLS.load(Ordering::Relaxed)
}

/// Tesseract through its command line.
#[derive(Clone, Debug)]
pub struct TesseractCli {
    program: PathBuf,
    timeout: Duration,
}

impl TesseractCli {
    /// The `tesseract` on `PATH` if it answers, else `None` (callers warn `ocr_unavailable`).
    pub fn detect() -> Option<TesseractCli> {
        let program = PathBuf::from(
            std::env::var_os("PLANSIFT_TESSERACT").unwrap_or_else(|| "tesseract".into()),
        );
        let ok = Command::new(&program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then_some(TesseractCli {
            program,
            timeout: Duration::from_secs(60),
        })
    }

    pub fn with_timeout(mut self, timeout: Duration) -> TesseractCli {
        self.timeout = timeout;
        self
    }
}

impl Ocr for TesseractCli {
    fn recognize(&self, png: &[u8], layout: Layout) -> Result<Vec<OcrWord>, OcrError> {
        CALLS.fetch_add(1, Ordering::Relaxed);
        let psm = match layout {
            Layout::Sparse => "11",
            Layout::Page => "3",
        };
        let mut child = Command::new(&self.program)
            .args(["stdin", "stdout", "--psm", psm, "-l", "eng", "tsv"])
            .env("OMP_THREAD_LIMIT", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    OcrError::Unavailable
                } else {
                    OcrError::Failed(e.to_string())
                }
            })?;
        let mut stdin = child
            .stdin
            .take()
            .ok_or_else(|| OcrError::Failed("no stdin".into()))?;
        let input = png.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let mut stdout = child
            .stdout
            .take()
            .ok_or_else(|| OcrError::Failed("no stdout".into()))?;
        let reader = std::thread::spawn(move || {
            let mut out = String::new();
            stdout.read_to_string(&mut out).map(|_| out)
        });
        let started = Instant::now();
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => break,
                Ok(Some(status)) => {
                    return Err(OcrError::Failed(format!("tesseract exited with {status}")));
                }
                Ok(None) if started.elapsed() > self.timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(OcrError::Timeout(self.timeout));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(e) => return Err(OcrError::Failed(e.to_string())),
            }
        }
        let _ = writer.join();
        let tsv = reader
            .join()
            .map_err(|_| OcrError::Failed("reader panicked".into()))?
            .map_err(|e| OcrError::Failed(e.to_string()))?;
        Ok(parse_tsv(&tsv))
    }
}

/// Tesseract's TSV: level 5 rows are words.
fn parse_tsv(tsv: &str) -> Vec<OcrWord> {
    tsv.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split('\t').collect();
            if f.len() < 12 || f[0] != "5" {
                return None;
            }
            let text = clean_token(f[11]);
            let confidence: f32 = f[10].parse().ok()?;
            if text.is_empty() || confidence < 0.0 {
                return None;
            }
            Some(OcrWord {
                text,
                left: f[6].parse().ok()?,
                top: f[7].parse().ok()?,
                width: f[8].parse().ok()?,
                height: f[9].parse().ok()?,
                confidence,
                line: (f[2].parse().ok()?, f[3].parse().ok()?, f[4].parse().ok()?),
            })
        })
        .collect()
}

/// OCR noise at word edges (cell borders read as `|`, stray quotes), and letters read in a
/// designation's digit run: the trailing run of digits and look-alikes (`O`→0, `I`/`l`→1) that
/// holds at least one real digit, as in `TSDEO1` → `TSDE01`.
pub fn clean_token(raw: &str) -> String {
    let t = raw.trim_matches(|c: char| {
        matches!(
            c,
            '|' | '[' | ']' | '!' | '\'' | '"' | '‘' | '’' | '“' | '”' | '_' | '`'
        )
    });
    let chars: Vec<char> = t.chars().collect();
    let is_digitish = |c: char| c.is_ascii_digit() || matches!(c, 'O' | 'I' | 'l');
    // The run ends at the token's end or before one trailing letter (`E201A`).
    let end = if chars.len() >= 2
        && chars[chars.len() - 1].is_ascii_uppercase()
        && chars[chars.len() - 2].is_ascii_digit()
    {
        chars.len() - 1
    } else {
        chars.len()
    };
    let mut start = end;
    while start > 0 && is_digitish(chars[start - 1]) {
        start -= 1;
    }
    let run = &chars[start..end];
    let designation = start > 0
        && chars[..start]
            .iter()
            .all(|c| c.is_ascii_uppercase() || matches!(c, '-' | '.'));
    if !designation || !run.iter().any(|c| c.is_ascii_digit()) {
        return t.to_string();
    }
    let fixed: String = run
        .iter()
        .map(|&c| match c {
            'O' => '0',
            'I' | 'l' => '1',
            c => c,
        })
        .collect();
    format!(
        "{}{}{}",
        chars[..start].iter().collect::<String>(),
        fixed,
        chars[end..].iter().collect::<String>()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_cleaned_only_where_they_look_like_designations() {
        assert_eq!(clean_token("TSDEO1|"), "TSDE01");
        assert_eq!(clean_token("E2O1A"), "E201A");
        assert_eq!(clean_token("A-1O1"), "A-101");
        assert_eq!(clean_token("FLOOR"), "FLOOR");
        assert_eq!(clean_token("SIGNAL"), "SIGNAL");
        assert_eq!(clean_token("|PLAN"), "PLAN");
        assert_eq!(clean_token("01"), "01");
    }

    #[test]
    fn tsv_words_parse_with_boxes_and_confidence() {
        let tsv = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n\
                   1\t1\t0\t0\t0\t0\t0\t0\t100\t100\t-1\t\n\
                   5\t1\t1\t1\t1\t1\t2060\t908\t307\t77\t85.4\tE2O1A\n";
        let words = parse_tsv(tsv);
        assert_eq!(
            words,
            vec![OcrWord {
                text: "E201A".into(),
                left: 2060,
                top: 908,
                width: 307,
                height: 77,
                confidence: 85.4,
                line: (1, 1, 1),
            }]
        );
    }
}
