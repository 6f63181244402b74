//! Grep (API.md §9.2, extension): a literal or a regex over every page's words in a project,
//! each match with the union of the boxes of the words it touches.
//!
//! Pages are read in `seq` order in batches and scanned on the blocking pool; the `regex` crate
//! runs in linear time, so no pattern can stall a worker. Every match is counted (`total`); the
//! hits returned start after the cursor, a (page, match) position.

use crate::auth::{Auth, Read};
use crate::error::{ApiError, ApiResult, parse_json};
use crate::pagination::CursorScope;
use crate::state::AppState;
use crate::views::load_project;
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use plansift_jobs::project_index::decode_boxes;
use plansift_store::{PageTextQuery, PageTextRecord};
use plansift_types::keys::sheet_key;
use plansift_types::result::Box01;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Pages read per batch.
const BATCH: i64 = 2000;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GrepBody {
    pattern: String,
    #[serde(default)]
    regex: bool,
    #[serde(default)]
    case_sensitive: bool,
    #[serde(default)]
    whole_word: bool,
    file_id: Option<String>,
    classification: Option<String>,
    sheet_number: Option<String>,
    page_number: Option<i64>,
    max_hits: Option<i64>,
    cursor: Option<String>,
}

fn build_regex(req: &GrepBody) -> ApiResult<Regex> {
    if req.pattern.is_empty() || req.pattern.len() > 1000 {
        return Err(ApiError::invalid("pattern", "pattern must be 1-1000 bytes"));
    }
    let mut source = if req.regex {
        req.pattern.clone()
    } else {
        regex::escape(&req.pattern)
    };
    if req.whole_word {
        source = format!(r"\b(?:{source})\b");
    }
    RegexBuilder::new(&source)
        .case_insensitive(!req.case_sensitive)
        .size_limit(4 << 20)
        .dfa_size_limit(8 << 20)
        .build()
        .map_err(|e| ApiError::invalid("pattern", format!("invalid pattern: {e}")))
}

/// One match on a page: byte range in the page text.
struct PageMatch {
    page: usize,
    index: i64,
    start: usize,
    end: usize,
}

/// The matches of a batch of pages (empty matches are skipped): how many there are, and the
/// first `want` of those after the cursor position `after`. Only those are kept, so a pattern
/// that matches every character holds `want` matches, not millions.
fn scan(
    re: &Regex,
    pages: &[PageTextRecord],
    after: Option<(i64, i64)>,
    want: usize,
) -> (i64, Vec<PageMatch>) {
    let mut total = 0i64;
    let mut out = Vec::new();
    for (i, p) in pages.iter().enumerate() {
        for (index, m) in re.find_iter(&p.text).filter(|m| !m.is_empty()).enumerate() {
            total += 1;
            let index = index as i64;
            if out.len() < want && after.is_none_or(|a| (p.seq, index) > a) {
                out.push(PageMatch {
                    page: i,
                    index,
                    start: m.start(),
                    end: m.end(),
                });
            }
        }
    }
    (total, out)
}

/// Byte ranges of the page's words (whitespace-separated tokens), in order.
fn word_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// The boxes of the words a byte range touches, and their union.
fn match_boxes(
    text: &str,
    boxes: &[Box01],
    start: usize,
    end: usize,
) -> (Vec<Box01>, Option<Box01>) {
    let words: Vec<Box01> = word_ranges(text)
        .iter()
        .zip(boxes)
        .filter(|((s, e), _)| *s < end && *e > start)
        .map(|(_, b)| *b)
        .collect();
    let union = words.iter().copied().reduce(|a, b| Box01 {
        left: a.left.min(b.left),
        top: a.top.min(b.top),
        right: a.right.max(b.right),
        bottom: a.bottom.max(b.bottom),
    });
    (words, union)
}

fn round(b: Box01) -> Box01 {
    let r = |v: f64| (v * 10000.0).round() / 10000.0;
    Box01 {
        left: r(b.left),
        top: r(b.top),
        right: r(b.right),
        bottom: r(b.bottom),
    }
}

/// The line of `text` that holds byte `at`.
fn line_at(text: &str, at: usize) -> &str {
    let start = text[..at].rfind('\n').map(|i| i + 1).unwrap_or(0);
    let end = text[at..].find('\n').map(|i| at + i).unwrap_or(text.len());
    &text[start..end]
}

pub async fn grep(
    State(state): State<AppState>,
    Auth(who, ..): Auth<Read>,
    Path(project): Path<String>,
    body: Bytes,
) -> ApiResult<Json<Value>> {
    let project = load_project(state.meta.as_ref(), &who.org_id, &project).await?;
    let req: GrepBody = parse_json(&body)?;
    let max_hits = req.max_hits.unwrap_or(100);
    if !(1..=1000).contains(&max_hits) {
        return Err(ApiError::invalid("maxHits", "maxHits must be 1-1000"));
    }
    let re = Arc::new(build_regex(&req)?);
    let scope = CursorScope::new(&[
        "grep",
        &project.id,
        &req.pattern,
        &format!("{}{}{}", req.regex, req.case_sensitive, req.whole_word),
        req.file_id.as_deref().unwrap_or(""),
        req.classification.as_deref().unwrap_or(""),
        req.sheet_number.as_deref().unwrap_or(""),
        &req.page_number.map(|n| n.to_string()).unwrap_or_default(),
    ]);
    // Hits start after (page seq, match index) of the cursor.
    let after = match req.cursor.as_deref() {
        None => None,
        Some(c) => match scope.decode(c)?.as_slice() {
            [seq, index] => Some((*seq, *index)),
            _ => {
                return Err(ApiError::invalid(
                    "cursor",
                    "the cursor is not valid for this request",
                ));
            }
        },
    };
    let mut query = PageTextQuery {
        project_id: project.id.clone(),
        file_id: req.file_id.clone(),
        classification: req.classification.clone(),
        sheet_key: req.sheet_number.as_deref().map(sheet_key),
        page_number: req.page_number,
        after: None,
        limit: BATCH,
    };
    let mut total: i64 = 0;
    let mut hits = Vec::new();
    let mut last: Option<(i64, i64)> = None;
    let mut boxes_of: std::collections::HashMap<i64, Vec<Box01>> = Default::default();
    loop {
        let pages = state.meta.page_texts(&query).await?;
        let Some(tail) = pages.last() else { break };
        query.after = Some(tail.seq);
        let full = pages.len() as i64 == BATCH;
        let re = re.clone();
        // One more than asked tells whether there is a next page.
        let want = (max_hits as usize + 1).saturating_sub(hits.len());
        let (pages, (count, matches)) = tokio::task::spawn_blocking(move || {
            let m = scan(&re, &pages, after, want);
            (pages, m)
        })
        .await
        .map_err(ApiError::internal)?;
        total += count;
        for m in matches {
            let page = &pages[m.page];
            if hits.len() as i64 == max_hits {
                // One more than asked: there is a next page.
                hits.push(None);
                continue;
            }
            if let std::collections::hash_map::Entry::Vacant(e) = boxes_of.entry(page.seq) {
                e.insert(decode_boxes(
                    &state.meta.page_boxes(&project.id, page.seq).await?,
                ));
            }
            let (words, union) = match_boxes(&page.text, &boxes_of[&page.seq], m.start, m.end);
            last = Some((page.seq, m.index));
            hits.push(Some(json!({
                "fileId": page.file_id, "fileName": page.file_name, "pageNumber": page.page_number,
                "sheetNumber": page.sheet_number, "sheetId": page.sheet_id,
                "line": line_at(&page.text, m.start),
                "match": {
                    "text": &page.text[m.start..m.end],
                    "box": union.map(round),
                    "wordBoxes": words.into_iter().map(round).collect::<Vec<_>>(),
                },
            })));
        }
        if !full {
            break;
        }
    }
    let has_more = hits.last().is_some_and(Option::is_none);
    let hits: Vec<Value> = hits.into_iter().flatten().collect();
    let next = has_more
        .then(|| last.map(|(seq, index)| scope.encode(&format!("{seq}.{index}"))))
        .flatten();
    Ok(Json(json!({
        "hits": hits, "total": total, "nextCursor": next, "hasMore": has_more,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_match_takes_the_boxes_of_the_words_it_touches() {
        let text = "SECTION 21 13 13\nSPRINKLER SYSTEMS";
        let b = |l: f64| Box01 {
            left: l,
            top: 0.1,
            right: l + 0.05,
            bottom: 0.12,
        };
        let boxes = [b(0.1), b(0.2), b(0.3), b(0.4), b(0.1), b(0.2)];
        let re = Regex::new(r"\b\d{2} \d{2} \d{2}\b").unwrap();
        let m = re.find(text).unwrap();
        let (words, union) = match_boxes(text, &boxes, m.start(), m.end());
        assert_eq!(words.len(), 3);
        let u = union.unwrap();
        assert_eq!((u.left, u.right), (0.2, 0.45));
        assert_eq!(line_at(text, m.start()), "SECTION 21 13 13");
        // A match inside one word takes that word.
        let at = text.find("KLER").unwrap();
        let (words, _) = match_boxes(text, &boxes, at, at + 4);
        assert_eq!(words, vec![b(0.1)]);
    }

    #[test]
    fn literal_patterns_are_escaped_and_whole_words_bounded() {
        let req = |pattern: &str, regex: bool, whole_word: bool| GrepBody {
            pattern: pattern.into(),
            regex,
            case_sensitive: false,
            whole_word,
            file_id: None,
            classification: None,
            sheet_number: None,
            page_number: None,
            max_hits: None,
            cursor: None,
        };
        assert!(
            build_regex(&req("a.b", false, false))
                .unwrap()
                .is_match("A.B")
        );
        assert!(
            !build_regex(&req("a.b", false, false))
                .unwrap()
                .is_match("axb")
        );
        assert!(
            !build_regex(&req("pipe", false, true))
                .unwrap()
                .is_match("PIPES")
        );
        assert!(build_regex(&req("(", true, false)).is_err());
        assert!(build_regex(&req("", false, false)).is_err());
    }
}
