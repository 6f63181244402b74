//! API keys: format, hashing, and the extractors that state a route's scope in its signature.

use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use plansift_store::KeyRow;
use plansift_types::{ErrorCode, Scope};
use rand::Rng;
use sha2::{Digest, Sha256};
use std::marker::PhantomData;
use std::net::SocketAddr;

pub const KEY_PREFIX: &str = "pgk_live_";

/// A new plaintext key: `pgk_live_` and 40 random base62 characters.
pub fn generate_key() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::thread_rng();
    let tail: String = (0..40)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{KEY_PREFIX}{tail}")
}

/// `hashVersion: "v1"`: SHA-256 of the full key, lowercase hex.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The credentials of an `Authorization: Bearer …` header; the scheme name is matched without
/// regard to case (RFC 9110 §11.1), so `bearer` and `BEARER` work.
pub fn bearer_token(header: &str) -> Option<&str> {
    let (scheme, token) = header.trim_start().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

pub fn key_prefix(key: &str) -> String {
    key.chars().take(12).collect()
}

fn well_formed(key: &str) -> bool {
    key.strip_prefix(KEY_PREFIX).is_some_and(|t| {
        t.len() >= 32 && t.len() <= 128 && t.bytes().all(|b| b.is_ascii_alphanumeric())
    })
}

/// The organization and key a request acts for.
#[derive(Clone, Debug)]
pub struct Principal {
    pub org_id: String,
    pub key_id: String,
}

/// `403 organization_disabled` when the organization's profile says `enabled: false`: every
/// route that acts for an organization (with a key, an upload token, a download token or a
/// result link) asks this first.
pub async fn ensure_enabled(state: &AppState, org_id: &str) -> Result<(), ApiError> {
    let org = state.meta.org(org_id).await?;
    if org.is_some_and(|o| !o.profile.enabled) {
        return Err(ApiError::new(
            ErrorCode::OrganizationDisabled,
            "the organization is disabled",
        ));
    }
    Ok(())
}

/// Marker types for the three scopes.
pub trait ScopeMarker: Send + Sync {
    const SCOPE: Scope;
}
pub struct Read;
pub struct Write;
pub struct Artifacts;
impl ScopeMarker for Read {
    const SCOPE: Scope = Scope::JobsRead;
}
impl ScopeMarker for Write {
    const SCOPE: Scope = Scope::JobsWrite;
}
impl ScopeMarker for Artifacts {
    const SCOPE: Scope = Scope::ArtifactsRead;
}

/// Extracts an authenticated principal holding scope `S`, or answers 401/403.
pub struct Auth<S: ScopeMarker>(pub Principal, pub PhantomData<S>);

impl<S: ScopeMarker> FromRequestParts<AppState> for Auth<S> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthorized = || ApiError::new(ErrorCode::Unauthorized, "a valid API key is required");
        let header = parts
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .ok_or_else(unauthorized)?;
        let key = bearer_token(header).ok_or_else(unauthorized)?;
        if !well_formed(key) {
            return Err(unauthorized());
        }
        // Looked up by the SHA-256 of the key: the plaintext is never compared, so the lookup's
        // timing says nothing about how much of a guessed key was right.
        let row: KeyRow = state
            .meta
            .key_by_hash(&hash_key(key))
            .await?
            .ok_or_else(unauthorized)?;
        let now = plansift_types::time::now();
        if row.revoked_at.is_some() || row.expires_at.is_some_and(|t| t <= now) {
            return Err(unauthorized());
        }
        ensure_enabled(state, &row.org_id).await?;
        if !row.scopes.contains(&S::SCOPE) {
            return Err(ApiError::new(
                ErrorCode::Forbidden,
                format!("the key lacks the {} scope", S::SCOPE.as_str()),
            ));
        }
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip().to_string());
        // `lastUsedAt` to the second is not worth a write per request: record a use when the last
        // one is older than a few seconds or came from another address.
        let recent = row
            .last_used_at
            .is_some_and(|t| now - t < chrono::Duration::seconds(5));
        if (!recent || row.last_used_ip != ip)
            && let Err(e) = state.meta.touch_key(&row.id, ip.as_deref()).await
        {
            tracing::warn!(error = %e, "recording key use failed");
        }
        Ok(Auth(
            Principal {
                org_id: row.org_id,
                key_id: row.id,
            },
            PhantomData,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_well_formed_and_hash_stably() {
        let k = generate_key();
        assert!(well_formed(&k));
        assert_eq!(hash_key(&k), hash_key(&k));
        assert_eq!(hash_key(&k).len(), 64);
        assert_eq!(key_prefix(&k).len(), 12);
        assert!(!well_formed("pgk_live_short"));
        assert!(!well_formed("sk_live_0123456789012345678901234567890123"));
    }

    #[test]
    fn the_bearer_scheme_is_matched_without_case() {
        for h in ["Bearer k1", "bearer k1", "BEARER  k1 ", "bEaReR k1"] {
            assert_eq!(bearer_token(h), Some("k1"), "{h}");
        }
        for h in ["Basic k1", "Bearerk1", "Bearer ", "k1"] {
            assert_eq!(bearer_token(h), None, "{h}");
        }
    }
}
