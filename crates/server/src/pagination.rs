//! Cursors and the page envelope of API.md §1.
//!
//! A cursor is the position of the last row returned (its `seq`, or a character offset for
//! source text) with a check bound to the query it came from: a cursor that was edited, or that
//! is replayed against other filters or another project, is `400 invalid_request`.

use crate::error::{ApiError, ApiResult};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::OnceLock;

static CURSOR_KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Sets the key cursors are signed with, derived from the server's stored signing secret so
/// that every process of a deployment, and the next start, accept the same cursors. The first
/// call wins.
pub fn set_cursor_key(signing_key: &[u8]) {
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_key).expect("HMAC takes any key");
    mac.update(b"plansift cursor key v1");
    let _ = CURSOR_KEY.set(mac.finalize().into_bytes().to_vec());
}

/// The cursor key; a random one for this process when none was set (unit tests).
fn cursor_key() -> &'static [u8] {
    CURSOR_KEY.get_or_init(|| {
        let mut key = vec![0u8; 32];
        rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut key);
        key
    })
}

/// The query a cursor belongs to: the route and its filters in a canonical form.
#[derive(Clone, Debug)]
pub struct CursorScope(String);

impl CursorScope {
    pub fn new(parts: &[&str]) -> CursorScope {
        CursorScope(parts.join("\u{1f}"))
    }

    /// An HMAC under the server's cursor key: without the key, no one can make the check of
    /// another position, so a cursor cannot be forged even within its own query.
    fn check(&self, position: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(cursor_key()).expect("HMAC takes any key");
        mac.update(format!("{}\u{1e}{position}", self.0).as_bytes());
        hex::encode(&mac.finalize().into_bytes()[..16])
    }

    /// A cursor for the positions after `position` (`a.b` numbers joined by dots).
    pub fn encode(&self, position: &str) -> String {
        URL_SAFE_NO_PAD.encode(format!("{position}~{}", self.check(position)))
    }

    /// The position of a cursor made by [`CursorScope::encode`] for this scope.
    pub fn decode(&self, cursor: &str) -> ApiResult<Vec<i64>> {
        let bad = || ApiError::invalid("cursor", "the cursor is not valid for this request");
        let raw = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
        let raw = String::from_utf8(raw).map_err(|_| bad())?;
        let (position, check) = raw.split_once('~').ok_or_else(bad)?;
        if check != self.check(position) {
            return Err(bad());
        }
        position
            .split('.')
            .map(|n| n.parse::<i64>().map_err(|_| bad()))
            .collect()
    }

    /// The single number a cursor holds, or none without a cursor.
    pub fn decode_seq(&self, cursor: Option<&str>) -> ApiResult<Option<i64>> {
        match cursor {
            None => Ok(None),
            Some(c) => match self.decode(c)?.as_slice() {
                [seq] => Ok(Some(*seq)),
                _ => Err(ApiError::invalid(
                    "cursor",
                    "the cursor is not valid for this request",
                )),
            },
        }
    }
}

/// `limit`: 1–`max`, `default` when absent.
pub fn parse_limit(raw: Option<&str>, default: i64, max: i64) -> ApiResult<i64> {
    match raw {
        None => Ok(default),
        Some(s) => s
            .parse::<i64>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::invalid("limit", format!("limit must be 1-{max}"))),
    }
}

/// The envelope around one page of rows: `data_field` holds `rows`.
pub fn envelope(
    data_field: &str,
    rows: Vec<Value>,
    total: i64,
    limit: i64,
    cursor: Option<&str>,
    next_cursor: Option<String>,
) -> Value {
    let has_more = next_cursor.is_some();
    let mut out = json!({
        "total": total,
        "limit": limit,
        "cursor": cursor,
        "nextCursor": next_cursor,
        "returnedCount": rows.len(),
        "hasMore": has_more,
        "pageInfo": {
            "startCursor": cursor,
            "endCursor": next_cursor,
            "hasPreviousPage": cursor.is_some(),
            "hasNextPage": has_more,
        },
    });
    out[data_field] = Value::Array(rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_round_trips_in_its_scope_only() {
        let scope = CursorScope::new(&["sheets", "proj_a", "discipline=E"]);
        let c = scope.encode("42");
        assert_eq!(scope.decode_seq(Some(&c)).unwrap(), Some(42));
        let other = CursorScope::new(&["sheets", "proj_a", "discipline=M"]);
        assert!(other.decode_seq(Some(&c)).is_err());
        // Edited position, garbage, and a forged check are all refused.
        let forged = URL_SAFE_NO_PAD.encode("43~0000000000000000");
        assert!(scope.decode_seq(Some(&forged)).is_err());
        assert!(scope.decode_seq(Some("%%%")).is_err());
        assert!(scope.decode_seq(Some("")).is_err());
        let two = scope.encode("7.3");
        assert_eq!(scope.decode(&two).unwrap(), vec![7, 3]);
    }
}
