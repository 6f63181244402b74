//! Backends chosen by URL: `postgres://…` or the SQLite file under the data directory for
//! metadata; `s3://bucket/prefix` or the `blobs` folder under the data directory for bytes.

use crate::local::LocalBlobStore;
use crate::meta::StoreError;
use crate::s3::S3BlobStore;
use crate::sql::SqlStore;
use crate::{BlobStore, MetaStore};
use std::path::Path;
use std::sync::Arc;

/// Where a process keeps its rows and bytes.
#[derive(Clone, Debug, Default)]
pub struct Backends {
    /// `postgres://…`; `None` for `<data_dir>/plansift.db`.
    pub database_url: Option<String>,
    /// `s3://bucket[/prefix]`; `None` for `<data_dir>/blobs`.
    pub blob_url: Option<String>,
}

impl Backends {
    /// A short description for logs, without credentials.
    pub fn describe(&self) -> String {
        let meta = match &self.database_url {
            Some(url) => redact(url),
            None => "sqlite".into(),
        };
        let blobs = self.blob_url.as_deref().unwrap_or("local disk");
        format!("{meta} + {blobs}")
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:…@host/db`.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:…{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_string(),
    }
}

pub async fn open_meta(
    backends: &Backends,
    data_dir: &Path,
) -> Result<Arc<dyn MetaStore>, StoreError> {
    match backends.database_url.as_deref() {
        Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
            Ok(Arc::new(SqlStore::open_postgres(url).await?))
        }
        Some(url) => Err(StoreError::Migration(format!(
            "unsupported database URL {:?} (postgres://… or none for SQLite)",
            redact(url)
        ))),
        None => Ok(Arc::new(
            SqlStore::open_sqlite(&data_dir.join("plansift.db")).await?,
        )),
    }
}

pub async fn open_blobs(
    backends: &Backends,
    data_dir: &Path,
) -> std::io::Result<Arc<dyn BlobStore>> {
    match backends.blob_url.as_deref() {
        Some(url) => Ok(Arc::new(S3BlobStore::open(url).await?)),
        None => Ok(Arc::new(
            LocalBlobStore::open(&data_dir.join("blobs")).await?,
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn credentials_stay_out_of_logs() {
        assert_eq!(
            super::redact("postgres://ps:s3cret@127.0.0.1:5432/db"),
            "postgres://ps:…@127.0.0.1:5432/db"
        );
        assert_eq!(super::redact("postgres:///db"), "postgres:///db");
    }
}
