//! Signed upload tokens (API.md §4.2) and result links (API.md §3): capabilities signed with
//! [`plansift_jobs::signed`] that need no `Authorization` header. An upload token grants
//! exactly one document; a result token exactly one job's result.

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use plansift_jobs::signed::{self, Refused};
use plansift_store::StoreError;
use plansift_types::ErrorCode;

/// The signing key: read (or made) once per process, then kept.
pub(crate) async fn signing_key(state: &AppState) -> Result<&[u8], StoreError> {
    let key = state
        .upload_secret
        .get_or_try_init(|| signed::signing_key(state.meta.as_ref()))
        .await?;
    Ok(key)
}

async fn secret(state: &AppState) -> ApiResult<&[u8]> {
    Ok(signing_key(state).await?)
}

/// A token for `document_id` valid until `expires` (Unix seconds).
pub async fn sign(state: &AppState, document_id: &str, expires: i64) -> ApiResult<String> {
    Ok(signed::sign(secret(state).await?, document_id, expires))
}

/// The subject a token grants: `404` for a token this server did not make, `410
/// token_expired` for one past its expiry.
async fn granted(state: &AppState, token: &str, what: &str) -> ApiResult<String> {
    signed::verify(secret(state).await?, token).map_err(|refused| match refused {
        Refused::Invalid => ApiError::not_found(),
        Refused::Expired => {
            ApiError::new(ErrorCode::TokenExpired, format!("the {what} has expired"))
        }
    })
}

/// The document an upload token grants.
pub async fn verify(state: &AppState, token: &str) -> ApiResult<String> {
    granted(state, token, "upload token").await
}

/// Whether a result token grants `job_id`'s result (`404` otherwise, `410` once expired).
pub async fn verify_result(state: &AppState, token: &str, job_id: &str) -> ApiResult<()> {
    let subject = granted(state, token, "result link").await?;
    if subject != signed::result_subject(job_id) {
        return Err(ApiError::not_found());
    }
    Ok(())
}
