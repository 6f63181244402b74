//! Signed upload tokens (API.md §4.2): an HMAC-SHA256 over the document id and the expiry,
//! keyed by a server secret kept in the store. A token is a capability for exactly one
//! document and needs no `Authorization` header.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use plansift_types::ErrorCode;
use rand::RngCore;
use sha2::Sha256;

const SECRET_NAME: &str = "upload_tokens";

/// The signing key: read (or made) once per process, then kept.
async fn secret(state: &AppState) -> ApiResult<&[u8]> {
    let key = state
        .upload_secret
        .get_or_try_init(|| async {
            let mut fresh = [0u8; 32];
            rand::thread_rng().fill_bytes(&mut fresh);
            let hex_secret = state.meta.secret(SECRET_NAME, &hex::encode(fresh)).await?;
            hex::decode(hex_secret).map_err(ApiError::internal)
        })
        .await?;
    Ok(key)
}

fn mac(secret: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    mac
}

/// A token for `document_id` valid until `expires` (Unix seconds).
pub async fn sign(state: &AppState, document_id: &str, expires: i64) -> ApiResult<String> {
    let payload = format!("{document_id}.{expires}");
    let tag = mac(secret(state).await?, &payload).finalize().into_bytes();
    Ok(format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag)
    ))
}

/// The document a token grants: `404` for a token this server did not make, `410
/// token_expired` for one past its expiry.
pub async fn verify(state: &AppState, token: &str) -> ApiResult<String> {
    let bad = ApiError::not_found;
    let (payload, tag) = token.split_once('.').ok_or_else(bad)?;
    let payload = String::from_utf8(URL_SAFE_NO_PAD.decode(payload).map_err(|_| bad())?)
        .map_err(|_| bad())?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| bad())?;
    // Constant-time comparison.
    mac(secret(state).await?, &payload)
        .verify_slice(&tag)
        .map_err(|_| bad())?;
    let (document_id, expires) = payload.rsplit_once('.').ok_or_else(bad)?;
    let expires: i64 = expires.parse().map_err(|_| bad())?;
    if chrono::Utc::now().timestamp() > expires {
        return Err(ApiError::new(
            ErrorCode::TokenExpired,
            "the upload token has expired",
        ));
    }
    Ok(document_id.to_string())
}
