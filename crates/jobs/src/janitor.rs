//! The janitor: expires jobs that outlived `expiresAt` unfinished, deletes the blobs of jobs past
//! `expiresAt` (original, artifacts, result; the API answers 404 for them afterwards, the
//! project entities they wrote stay), drops signed registrations whose tokens expired unused,
//! and removes temporaries that were never published.

use plansift_store::{BlobStore, MetaStore};
use plansift_types::time::Timestamp;
use std::time::Duration;

/// What one sweep did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sweep {
    pub expired_jobs: usize,
    pub purged_jobs: usize,
    /// Parts of expired registrations deleted.
    pub registration_parts: usize,
    pub temporaries: u64,
}

/// One pass over everything the janitor looks after, as of `now`.
pub async fn sweep(
    meta: &dyn MetaStore,
    blobs: &dyn BlobStore,
    now: &Timestamp,
    temp_grace: Duration,
) -> anyhow::Result<Sweep> {
    let mut out = Sweep {
        expired_jobs: meta.expire_stale_jobs(now).await?.len(),
        ..Default::default()
    };
    loop {
        let jobs = meta.purgeable_jobs(now, 100).await?;
        if jobs.is_empty() {
            break;
        }
        for job in jobs {
            for doc in meta.documents(&job.id).await? {
                blobs.delete(&doc.blob_key).await?;
                blobs
                    .delete_prefix(&format!("artifacts/{}", doc.id))
                    .await?;
                blobs.delete_prefix(&format!("uploads/{}", doc.id)).await?;
            }
            if let Some(key) = &job.result_key {
                blobs.delete(key).await?;
            }
            meta.mark_purged(&job.id).await?;
            out.purged_jobs += 1;
        }
    }
    let parts = meta.take_expired_registrations(now).await?;
    out.registration_parts = parts.len();
    for key in parts {
        blobs.delete(&key).await?;
        // `uploads/{doc}/part-…`: the registration's folder goes with its last part.
        if let Some((folder, _)) = key.rsplit_once('/') {
            blobs.delete_prefix(folder).await?;
        }
    }
    out.temporaries = blobs.sweep_temporaries(temp_grace).await?;
    Ok(out)
}
