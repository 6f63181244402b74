//! The bytes of the documents a process is working on, shared by its task loops. A job's page
//! tasks come one after another for the same document, so the few most recently used documents
//! are kept: a page task reads its document from the blob store (S3 in a scale-out deployment)
//! once per process, not once per task, and the loops working on one document share one copy.
//! Documents are immutable once published, so a cached copy is never stale.

use plansift_store::BlobStore;
use std::sync::{Arc, Mutex};

/// Documents kept besides those in use.
const KEEP: usize = 2;

#[derive(Default)]
pub struct DocumentCache {
    /// Most recently used last.
    recent: Mutex<Vec<(String, Arc<Vec<u8>>)>>,
}

impl DocumentCache {
    /// The bytes under `key`, from the cache or the blob store.
    pub async fn get(&self, blobs: &dyn BlobStore, key: &str) -> std::io::Result<Arc<Vec<u8>>> {
        if let Some(bytes) = self.take(key) {
            return Ok(bytes);
        }
        let bytes = Arc::new(blobs.get(key).await?);
        self.keep(key, bytes.clone());
        Ok(bytes)
    }

    fn take(&self, key: &str) -> Option<Arc<Vec<u8>>> {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        let i = recent.iter().position(|(k, _)| k == key)?;
        let entry = recent.remove(i);
        let bytes = entry.1.clone();
        recent.push(entry);
        Some(bytes)
    }

    fn keep(&self, key: &str, bytes: Arc<Vec<u8>>) {
        let mut recent = self.recent.lock().unwrap_or_else(|p| p.into_inner());
        recent.retain(|(k, _)| k != key);
        recent.push((key.to_string(), bytes));
        if recent.len() > KEEP {
            recent.remove(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_document_is_read_once_and_the_least_recent_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = plansift_store::local::LocalBlobStore::open(dir.path())
            .await
            .unwrap();
        for key in ["documents/a", "documents/b", "documents/c"] {
            blobs.put(key, key.as_bytes()).await.unwrap();
        }
        let cache = DocumentCache::default();
        let a = cache.get(&blobs, "documents/a").await.unwrap();
        // Gone from the store, still served from the cache: it was read once.
        blobs.delete("documents/a").await.unwrap();
        let again = cache.get(&blobs, "documents/a").await.unwrap();
        assert!(Arc::ptr_eq(&a, &again));
        cache.get(&blobs, "documents/b").await.unwrap();
        cache.get(&blobs, "documents/c").await.unwrap();
        // a was the least recently used of three: dropped, and the store no longer has it.
        assert!(cache.get(&blobs, "documents/a").await.is_err());
        assert_eq!(
            *cache.get(&blobs, "documents/c").await.unwrap(),
            b"documents/c"
        );
    }
}
