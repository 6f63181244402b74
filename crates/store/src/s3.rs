//! Blobs in an S3-compatible object store (`object_store`): `<prefix>/tmp/<ulid>` while written,
//! `<prefix>/<key>` once published. A write buffers one part in memory; a blob larger than a
//! part becomes a multipart upload with at most two parts in flight, so no file is ever held
//! whole. Publishing copies the temporary object to its key and deletes the temporary.
//!
//! The URL is `s3://bucket[/prefix]`; the endpoint, region and credentials come from the usual
//! `AWS_*` variables (`AWS_ENDPOINT_URL` for a self-hosted store, path-style requests).

use crate::blob::{BlobStore, BlobWriter, StagedBlob, valid_key};
use async_trait::async_trait;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectMeta, ObjectStore, ObjectStoreExt, WriteMultipart};
use sha2::{Digest, Sha256};
use std::io;
use std::sync::Arc;

/// Bytes buffered before a write turns into a multipart upload, and the size of each part.
const PART: usize = 8 << 20;
/// Parts of one multipart upload in flight at once.
const PARTS_IN_FLIGHT: usize = 2;

pub struct S3BlobStore {
    store: Arc<dyn ObjectStore>,
    prefix: String,
}

fn io_err(e: object_store::Error) -> io::Error {
    match e {
        object_store::Error::NotFound { .. } => io::Error::new(io::ErrorKind::NotFound, e),
        e => io::Error::other(e),
    }
}

impl S3BlobStore {
    /// Opens `s3://bucket[/prefix]` and checks the bucket answers.
    pub async fn open(url: &str) -> io::Result<S3BlobStore> {
        let rest = url.strip_prefix("s3://").ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "a blob URL is s3://bucket[/prefix]",
            )
        })?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_matches('/').to_string();
        if bucket.is_empty() || !(prefix.is_empty() || valid_key(&prefix)) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("invalid blob URL {url:?}"),
            ));
        }
        // A request gives up after a few quick retries: a worker then waits for the store with
        // its own backoff for as long as the job lives, and an API request answers 503 in
        // seconds instead of hanging for the client's three minutes.
        let retry = object_store::RetryConfig {
            max_retries: 3,
            retry_timeout: std::time::Duration::from_secs(10),
            ..Default::default()
        };
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_retry(retry);
        let endpoint = std::env::var("AWS_ENDPOINT_URL")
            .or_else(|_| std::env::var("AWS_ENDPOINT"))
            .ok();
        if let Some(endpoint) = endpoint {
            builder = builder
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false)
                .with_endpoint(endpoint);
        }
        let store = builder.build().map_err(io_err)?;
        let blobs = S3BlobStore {
            store: Arc::new(store),
            prefix,
        };
        // A wrong bucket or credentials fail here, at start, rather than on the first upload.
        blobs
            .store
            .list(Some(&blobs.root("tmp")))
            .next()
            .await
            .transpose()
            .map_err(io_err)?;
        Ok(blobs)
    }

    fn root(&self, rest: &str) -> Path {
        if self.prefix.is_empty() {
            Path::from(rest)
        } else {
            Path::from(format!("{}/{rest}", self.prefix))
        }
    }

    fn path(&self, key: &str) -> io::Result<Path> {
        if !valid_key(key) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid blob key",
            ));
        }
        Ok(self.root(key))
    }

    fn temp_path(&self, temp: &str) -> io::Result<Path> {
        if temp.is_empty() || !temp.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "invalid temporary name",
            ));
        }
        Ok(self.root(&format!("tmp/{temp}")))
    }

    /// Deletes the objects under `under` that `doomed` picks; how many.
    async fn delete_listed(
        &self,
        under: Path,
        doomed: impl Fn(&ObjectMeta) -> bool,
    ) -> io::Result<u64> {
        let mut n = 0;
        let mut listing = self.store.list(Some(&under));
        while let Some(meta) = listing.try_next().await.map_err(io_err)? {
            if !doomed(&meta) {
                continue;
            }
            match self.store.delete(&meta.location).await {
                Err(object_store::Error::NotFound { .. }) => {}
                r => r.map_err(io_err)?,
            }
            n += 1;
        }
        Ok(n)
    }
}

struct S3Writer {
    store: Arc<dyn ObjectStore>,
    path: Path,
    temp: String,
    buffer: Vec<u8>,
    upload: Option<WriteMultipart>,
    hasher: Sha256,
    size: u64,
}

#[async_trait]
impl BlobWriter for S3Writer {
    async fn write(&mut self, chunk: &[u8]) -> io::Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        match &mut self.upload {
            Some(upload) => upload.write(chunk),
            None => {
                self.buffer.extend_from_slice(chunk);
                if self.buffer.len() >= PART {
                    let parts = self.store.put_multipart(&self.path).await.map_err(io_err)?;
                    let mut upload = WriteMultipart::new_with_chunk_size(parts, PART);
                    upload.write(&std::mem::take(&mut self.buffer));
                    self.upload = Some(upload);
                }
            }
        }
        if let Some(upload) = &mut self.upload {
            upload
                .wait_for_capacity(PARTS_IN_FLIGHT)
                .await
                .map_err(io_err)?;
        }
        Ok(())
    }

    async fn finish(mut self: Box<Self>) -> io::Result<StagedBlob> {
        match self.upload.take() {
            Some(upload) => {
                upload.finish().await.map_err(io_err)?;
            }
            None => {
                let bytes = std::mem::take(&mut self.buffer);
                self.store
                    .put(&self.path, bytes.into())
                    .await
                    .map_err(io_err)?;
            }
        }
        let this = *self;
        Ok(StagedBlob {
            temp: this.temp,
            size: this.size,
            sha256: hex::encode(this.hasher.finalize()),
        })
    }

    fn written(&self) -> u64 {
        self.size
    }

    async fn abandon(mut self: Box<Self>) {
        if let Some(upload) = self.upload.take()
            && let Err(e) = upload.abort().await
        {
            tracing::warn!(error = %e, "aborting a multipart upload failed");
        }
        match self.store.delete(&self.path).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => tracing::warn!(error = %e, "deleting an abandoned temporary failed"),
        }
    }
}

#[async_trait]
impl BlobStore for S3BlobStore {
    async fn stage(&self) -> io::Result<Box<dyn BlobWriter>> {
        let temp = ulid::Ulid::new().to_string();
        Ok(Box::new(S3Writer {
            store: self.store.clone(),
            path: self.temp_path(&temp)?,
            temp,
            buffer: Vec::new(),
            upload: None,
            hasher: Sha256::new(),
            size: 0,
        }))
    }

    async fn publish(&self, staged: &StagedBlob, key: &str) -> io::Result<()> {
        let temp = self.temp_path(&staged.temp)?;
        self.store
            .copy(&temp, &self.path(key)?)
            .await
            .map_err(io_err)?;
        self.store.delete(&temp).await.map_err(io_err)
    }

    async fn discard(&self, staged: &StagedBlob) -> io::Result<()> {
        match self.store.delete(&self.temp_path(&staged.temp)?).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            r => r.map_err(io_err),
        }
    }

    async fn get(&self, key: &str) -> io::Result<Vec<u8>> {
        let got = self.store.get(&self.path(key)?).await.map_err(io_err)?;
        Ok(got.bytes().await.map_err(io_err)?.to_vec())
    }

    async fn size(&self, key: &str) -> io::Result<u64> {
        Ok(self
            .store
            .head(&self.path(key)?)
            .await
            .map_err(io_err)?
            .size)
    }

    async fn read_range(
        &self,
        key: &str,
        start: u64,
        len: u64,
    ) -> io::Result<Box<dyn tokio::io::AsyncRead + Send + Unpin>> {
        let path = self.path(key)?;
        if len == 0 {
            self.size(key).await?;
            return Ok(Box::new(tokio::io::empty()));
        }
        let options = GetOptions {
            range: Some(GetRange::Bounded(start..start + len)),
            ..Default::default()
        };
        let got = self.store.get_opts(&path, options).await.map_err(io_err)?;
        let stream = got.into_stream().map_err(io_err);
        Ok(Box::new(tokio_util::io::StreamReader::new(stream)))
    }

    async fn delete(&self, key: &str) -> io::Result<()> {
        match self.store.delete(&self.path(key)?).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            r => r.map_err(io_err),
        }
    }

    async fn delete_prefix(&self, prefix: &str) -> io::Result<()> {
        self.delete_listed(self.path(prefix.trim_end_matches('/'))?, |_| true)
            .await
            .map(|_| ())
    }

    async fn sweep_temporaries(&self, age: std::time::Duration) -> io::Result<u64> {
        let cutoff =
            chrono::Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        self.delete_listed(self.root("tmp"), |meta| meta.last_modified < cutoff)
            .await
    }

    async fn keys(&self, prefix: &str) -> io::Result<Vec<String>> {
        let under = self.path(prefix.trim_end_matches('/'))?;
        let strip = if self.prefix.is_empty() {
            0
        } else {
            self.prefix.len() + 1
        };
        self.store
            .list(Some(&under))
            .map_ok(|meta| meta.location.as_ref()[strip..].to_string())
            .try_collect()
            .await
            .map_err(io_err)
    }

    async fn exists(&self, key: &str) -> io::Result<bool> {
        match self.store.head(&self.path(key)?).await {
            Ok(_) => Ok(true),
            Err(object_store::Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(io_err(e)),
        }
    }
}
