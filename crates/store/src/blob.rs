//! The blob store trait: bytes under opaque keys, written to a temporary name while hashing
//! and published under their key once complete.

use async_trait::async_trait;
use std::io;

/// A fully written temporary blob with its size and SHA-256 (lowercase hex).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StagedBlob {
    pub temp: String,
    pub size: u64,
    pub sha256: String,
}

#[async_trait]
pub trait BlobWriter: Send {
    async fn write(&mut self, chunk: &[u8]) -> io::Result<()>;
    /// Flushes to durable storage and returns the staged blob.
    async fn finish(self: Box<Self>) -> io::Result<StagedBlob>;
    /// Bytes written so far.
    fn written(&self) -> u64;
    /// Drops a write that failed or will not be finished, removing what it wrote so far (a
    /// full disk is not left fuller by a half-written temporary).
    async fn abandon(self: Box<Self>);
}

#[async_trait]
pub trait BlobStore: Send + Sync + 'static {
    /// Starts writing a new temporary blob.
    async fn stage(&self) -> io::Result<Box<dyn BlobWriter>>;
    /// Moves a staged blob to its key (replacing what was there).
    async fn publish(&self, staged: &StagedBlob, key: &str) -> io::Result<()>;
    /// Drops a staged blob that will not be published.
    async fn discard(&self, staged: &StagedBlob) -> io::Result<()>;
    async fn get(&self, key: &str) -> io::Result<Vec<u8>>;
    /// The size of a blob in bytes.
    async fn size(&self, key: &str) -> io::Result<u64>;
    /// A reader of `len` bytes of a blob from byte `start`, for streaming responses.
    async fn read_range(
        &self,
        key: &str,
        start: u64,
        len: u64,
    ) -> io::Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>>;
    async fn delete(&self, key: &str) -> io::Result<()>;
    /// Deletes every blob whose key starts with `prefix/`.
    async fn delete_prefix(&self, prefix: &str) -> io::Result<()>;
    /// Removes temporaries older than `age` (writes that were never published or discarded,
    /// e.g. after a crash); how many.
    async fn sweep_temporaries(&self, age: std::time::Duration) -> io::Result<u64>;
    async fn exists(&self, key: &str) -> io::Result<bool>;
    /// Every published key that starts with `prefix/`, in no particular order.
    async fn keys(&self, prefix: &str) -> io::Result<Vec<String>>;

    /// Writes small bytes under a key in one step (stage, write, publish).
    /// On failure nothing is left behind, neither the temporary nor a partial blob.
    async fn put(&self, key: &str, bytes: &[u8]) -> io::Result<StagedBlob> {
        let mut w = self.stage().await?;
        if let Err(e) = w.write(bytes).await {
            w.abandon().await;
            return Err(e);
        }
        let staged = w.finish().await?;
        if let Err(e) = self.publish(&staged, key).await {
            if let Err(d) = self.discard(&staged).await {
                tracing::warn!(error = %d, "discarding an unpublished temporary failed");
            }
            return Err(e);
        }
        Ok(staged)
    }
}

/// Keys are made by the server (`documents/doc_…`, `results/job_….json`); anything else is refused
/// before it reaches a filesystem path.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 512
        && !key.starts_with('/')
        && key
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/'))
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_cannot_escape() {
        assert!(super::valid_key("documents/doc_01h"));
        assert!(super::valid_key("results/job_01.json"));
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a//b",
            "a/./b",
            "a%2e%2e",
            "a b",
        ] {
            assert!(!super::valid_key(bad), "{bad}");
        }
    }
}
