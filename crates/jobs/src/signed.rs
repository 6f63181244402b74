//! Signed, expiring capabilities: an HMAC-SHA256 over a subject and an expiry (Unix seconds),
//! keyed by one server secret kept in the store, so that every process (API or worker) signs
//! and checks the same tokens. Upload targets sign a document id (API.md §4.2); a job's
//! `resultUrl` signs `result:{jobId}` until the job's `expiresAt` (API.md §3).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use plansift_store::{MetaStore, StoreError};
use rand::RngCore;
use sha2::Sha256;

/// The store's name for the signing secret (it was made for upload tokens first).
const SECRET_NAME: &str = "upload_tokens";

/// The signing key: the stored secret, made on first use.
pub async fn signing_key(meta: &dyn MetaStore) -> Result<Vec<u8>, StoreError> {
    let mut fresh = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut fresh);
    let stored = meta.secret(SECRET_NAME, &hex::encode(fresh)).await?;
    hex::decode(stored).map_err(|e| StoreError::Corrupt(format!("signing secret: {e}")))
}

fn mac(key: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(payload.as_bytes());
    mac
}

/// A token for `subject` valid until `expires` (Unix seconds).
pub fn sign(key: &[u8], subject: &str, expires: i64) -> String {
    let payload = format!("{subject}.{expires}");
    let tag = mac(key, &payload).finalize().into_bytes();
    format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(&payload),
        URL_SAFE_NO_PAD.encode(tag)
    )
}

/// Why a token grants nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not a token this server made (or altered).
    Invalid,
    /// Made here, but past its expiry.
    Expired,
}

/// The subject a token grants, compared in constant time.
pub fn verify(key: &[u8], token: &str) -> Result<String, Refused> {
    let bad = |_| Refused::Invalid;
    let (payload, tag) = token.split_once('.').ok_or(Refused::Invalid)?;
    let payload = String::from_utf8(
        URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Refused::Invalid)?,
    )
    .map_err(|_| Refused::Invalid)?;
    let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| Refused::Invalid)?;
    mac(key, &payload).verify_slice(&tag).map_err(bad)?;
    let (subject, expires) = payload.rsplit_once('.').ok_or(Refused::Invalid)?;
    let expires: i64 = expires.parse().map_err(|_| Refused::Invalid)?;
    if chrono::Utc::now().timestamp() > expires {
        return Err(Refused::Expired);
    }
    Ok(subject.to_string())
}

/// The subject of a job's result link.
pub fn result_subject(job_id: &str) -> String {
    format!("result:{job_id}")
}

/// A job's pre-signed `resultUrl`: the result without an API key until `expires`.
pub fn result_url(key: &[u8], base: &str, job_id: &str, expires: i64) -> String {
    format!(
        "{}/api/open/v1/results/{job_id}?token={}",
        base.trim_end_matches('/'),
        sign(key, &result_subject(job_id), expires)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_grants_its_subject_until_it_expires() {
        let key = b"k".repeat(32);
        let later = chrono::Utc::now().timestamp() + 60;
        let t = sign(&key, "result:job_1", later);
        assert_eq!(verify(&key, &t), Ok("result:job_1".into()));
        assert_eq!(verify(&b"x".repeat(32), &t), Err(Refused::Invalid));
        let past = sign(&key, "doc_1", chrono::Utc::now().timestamp() - 1);
        assert_eq!(verify(&key, &past), Err(Refused::Expired));
        let (payload, tag) = t.split_once('.').unwrap();
        let forged = format!(
            "{}.{tag}",
            URL_SAFE_NO_PAD.encode("result:job_2.9999999999")
        );
        assert_ne!(payload, URL_SAFE_NO_PAD.encode("result:job_2.9999999999"));
        assert_eq!(verify(&key, &forged), Err(Refused::Invalid));
        assert_eq!(verify(&key, "garbage"), Err(Refused::Invalid));
    }
}
