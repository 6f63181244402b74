//! Blobs on local disk: `<root>/tmp/<ulid>` while written, `<root>/<key>` once published.
//! Files are fsynced before they are published; publishing is an atomic rename.

use crate::blob::{BlobStore, BlobWriter, StagedBlob, valid_key};
use async_trait::async_trait;
use sha2::{Digest, Sha256};
use std::io;
use std::path::{Path, PathBuf};
use tokio::io::AsyncWriteExt;

pub struct LocalBlobStore {
    root: PathBuf,
}

impl LocalBlobStore {
    pub async fn open(root: &Path) -> io::Result<LocalBlobStore> {
        tokio::fs::create_dir_all(root.join("tmp")).await?;
        Ok(LocalBlobStore {
            root: root.to_path_buf(),
        })
    }

    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if !valid_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid blob key",
            ));
        }
        Ok(self.root.join(key))
    }

    fn temp_path(&self, temp: &str) -> io::Result<PathBuf> {
        if !temp.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid temporary name",
            ));
        }
        Ok(self.root.join("tmp").join(temp))
    }

    /// Temporary files older than `age`, for the janitor.
    pub async fn stale_temporaries(&self, age: std::time::Duration) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let mut dir = tokio::fs::read_dir(self.root.join("tmp")).await?;
        while let Some(entry) = dir.next_entry().await? {
            let meta = entry.metadata().await?;
            if meta.modified()?.elapsed().unwrap_or_default() > age {
                out.push(entry.path());
            }
        }
        Ok(out)
    }
}

struct LocalWriter {
    file: tokio::fs::File,
    path: PathBuf,
    temp: String,
    hasher: Sha256,
    size: u64,
}

#[async_trait]
impl BlobWriter for LocalWriter {
    async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).await
    }

    async fn finish(mut self: Box<Self>) -> io::Result<StagedBlob> {
        // A file that cannot be made durable (a full disk) is not kept half-written.
        let durable = match self.file.flush().await {
            Ok(()) => self.file.sync_all().await,
            Err(e) => Err(e),
        };
        if let Err(e) = durable {
            self.abandon().await;
            return Err(e);
        }
        Ok(StagedBlob {
            temp: self.temp,
            size: self.size,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }

    fn written(&self) -> u64 {
        self.size
    }

    async fn abandon(self: Box<Self>) {
        let LocalWriter { file, path, .. } = *self;
        drop(file);
        if let Err(e) = tokio::fs::remove_file(&path).await {
            tracing::warn!(error = %e, "removing an abandoned temporary failed");
        }
    }
}

#[async_trait]
impl BlobStore for LocalBlobStore {
    async fn stage(&self) -> io::Result<Box<dyn BlobWriter>> {
        let temp = ulid::Ulid::new().to_string();
        let path = self.temp_path(&temp)?;
        let file = tokio::fs::File::create(&path).await?;
        Ok(Box::new(LocalWriter {
            file,
            path,
            temp,
            hasher: Sha256::new(),
            size: 0,
        }))
    }

    async fn publish(&self, staged: &StagedBlob, key: &str) -> io::Result<()> {
        let dest = self.path(key)?;
        if let Some(parent) = dest.parent() {
            tokio::fs::create_dir_all(parent).await?;
        }
        tokio::fs::rename(self.temp_path(&staged.temp)?, &dest).await
    }

    async fn discard(&self, staged: &StagedBlob) -> io::Result<()> {
        match tokio::fs::remove_file(self.temp_path(&staged.temp)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        tokio::fs::read(self.path(key)?).await
    }

    async fn size(&self, key: &str) -> io::Result<u64> {
        Ok(tokio::fs::metadata(self.path(key)?).await?.len())
    }

    async fn read_range(
        &self,
        key: &str,
        start: u64,
        len: u64,
    ) -> io::Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>> {
        use tokio::io::{AsyncReadExt, AsyncSeekExt};
        let mut file = tokio::fs::File::open(self.path(key)?).await?;
        file.seek(io::SeekFrom::Start(start)).await?;
        Ok(Box::new(file.take(len)))
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(key)?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        match tokio::fs::remove_dir_all(self.path(prefix.trim_end_matches('/'))?).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    async fn sweep_temporaries(&self, age: std::time::Duration) -> io::Result<u64> {
        let mut removed = 0;
        for path in self.stale_temporaries(age).await? {
            match tokio::fs::remove_file(&path).await {
                Ok(()) => removed += 1,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        Ok(removed)
    }

    async fn exists(&self, key: &str) -> io::Result<bool> {
        tokio::fs::try_exists(self.path(key)?).await
    }

    async fn keys(&self, prefix: &str) -> io::Result<Vec<String>> {
        let prefix = prefix.trim_end_matches('/');
        let mut out = Vec::new();
        let mut dirs = vec![(self.path(prefix)?, prefix.to_string())];
        while let Some((dir, key)) = dirs.pop() {
            let mut entries = match tokio::fs::read_dir(&dir).await {
                Ok(entries) => entries,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                    ) =>
                {
                    continue;
                }
                Err(e) => return Err(e),
            };
            while let Some(entry) = entries.next_entry().await? {
                let name = entry.file_name().to_string_lossy().into_owned();
                let child = format!("{key}/{name}");
                if entry.file_type().await?.is_dir() {
                    dirs.push((entry.path(), child));
                } else {
                    out.push(child);
                }
            }
        }
        Ok(out)
    }
}
