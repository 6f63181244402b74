//! The behaviour every [`BlobStore`] must have, run against local disk and a real S3-compatible
//! server (the one `scripts/services.sh` starts).

use plansift_store::BlobStore;
use sha2::{Digest, Sha256};
use std::io::ErrorKind;
use std::sync::Arc;
use tokio::io::AsyncReadExt;

/// A store and what keeps it alive (the local folder).
type Opened = (Arc<dyn BlobStore>, Option<tempfile::TempDir>);

async fn local() -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let store = plansift_store::local::LocalBlobStore::open(dir.path())
        .await
        .unwrap();
    (Arc::new(store), Some(dir))
}

async fn s3() -> Opened {
    let url = plansift_store::testing::fresh_blob_url();
    let store = plansift_store::s3::S3BlobStore::open(&url).await.unwrap();
    (Arc::new(store), None)
}

macro_rules! conformance {
    ($backend:ident) => {
        mod $backend {
            #[tokio::test]
            async fn staged_bytes_are_invisible_until_published() {
                let (store, _dir) = super::$backend().await;
                super::publish_cycle(store.as_ref()).await;
            }

            #[tokio::test]
            async fn a_large_blob_streams_in_parts_and_reads_back_by_range() {
                let (store, _dir) = super::$backend().await;
                super::large_blob(store.as_ref()).await;
            }

            #[tokio::test]
            async fn prefixes_delete_together_and_bad_keys_are_refused() {
                let (store, _dir) = super::$backend().await;
                super::prefixes_and_keys(store.as_ref()).await;
            }
        }
    };
}

conformance!(local);
conformance!(s3);

async fn read_all(store: &dyn BlobStore, key: &str, start: u64, len: u64) -> Vec<u8> {
    let mut out = Vec::new();
    store
        .read_range(key, start, len)
        .await
        .unwrap()
        .read_to_end(&mut out)
        .await
        .unwrap();
    out
}

async fn publish_cycle(store: &dyn BlobStore) {
    let mut w = store.stage().await.unwrap();
    w.write(b"hello ").await.unwrap();
    w.write(b"world").await.unwrap();
    assert_eq!(w.written(), 11);
    let staged = w.finish().await.unwrap();
    assert_eq!(staged.size, 11);
    assert_eq!(staged.sha256, hex::encode(Sha256::digest(b"hello world")));
    assert!(!store.exists("documents/doc_a").await.unwrap());
    store.publish(&staged, "documents/doc_a").await.unwrap();
    assert!(store.exists("documents/doc_a").await.unwrap());
    assert_eq!(store.get("documents/doc_a").await.unwrap(), b"hello world");
    assert_eq!(store.size("documents/doc_a").await.unwrap(), 11);
    assert_eq!(read_all(store, "documents/doc_a", 6, 5).await, b"world");
    assert_eq!(read_all(store, "documents/doc_a", 0, 0).await, b"");
    // Publishing again replaces; a fresh temporary holds nothing yet.
    store.put("documents/doc_a", b"second").await.unwrap();
    assert_eq!(store.get("documents/doc_a").await.unwrap(), b"second");
    // A discarded write leaves nothing behind, and discarding twice is fine.
    let mut w = store.stage().await.unwrap();
    w.write(b"never published").await.unwrap();
    let staged = w.finish().await.unwrap();
    store.discard(&staged).await.unwrap();
    store.discard(&staged).await.unwrap();
    assert_eq!(
        store
            .sweep_temporaries(std::time::Duration::ZERO)
            .await
            .unwrap(),
        0
    );
    // An unpublished temporary is swept once old enough, and only then.
    let mut w = store.stage().await.unwrap();
    w.write(b"crashed before publish").await.unwrap();
    let _abandoned = w.finish().await.unwrap();
    let hour = std::time::Duration::from_secs(3600);
    assert_eq!(store.sweep_temporaries(hour).await.unwrap(), 0);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(
        store
            .sweep_temporaries(std::time::Duration::from_millis(500))
            .await
            .unwrap(),
        1
    );
    store.delete("documents/doc_a").await.unwrap();
    store.delete("documents/doc_a").await.unwrap();
    assert!(!store.exists("documents/doc_a").await.unwrap());
    let missing = store.get("documents/doc_a").await.unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

async fn large_blob(store: &dyn BlobStore) {
    // 21 MiB in 1 MiB writes of varied bytes: more than two parts of an S3 multipart upload.
    let chunk: Vec<u8> = (0..1u32 << 20).map(|i| (i * 7 % 251) as u8).collect();
    let mut hasher = Sha256::new();
    let mut w = store.stage().await.unwrap();
    for i in 0..21u8 {
        let mut c = chunk.clone();
        c[0] = i;
        hasher.update(&c);
        w.write(&c).await.unwrap();
    }
    let staged = w.finish().await.unwrap();
    assert_eq!(staged.size, 21 << 20);
    assert_eq!(staged.sha256, hex::encode(hasher.finalize()));
    store.publish(&staged, "documents/big").await.unwrap();
    assert_eq!(store.size("documents/big").await.unwrap(), 21 << 20);
    let start = (9u64 << 20) - 3;
    let got = read_all(store, "documents/big", start, 10).await;
    let mut expected = chunk[(1 << 20) - 3..].to_vec();
    expected.truncate(3);
    expected.extend_from_slice(&[9]);
    expected.extend_from_slice(&chunk[1..7]);
    assert_eq!(got, expected);
    let whole = store.get("documents/big").await.unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&whole)),
        staged.sha256,
        "the published bytes are the written bytes"
    );
}

async fn prefixes_and_keys(store: &dyn BlobStore) {
    for key in [
        "artifacts/doc_1/a.png",
        "artifacts/doc_1/b/c.png",
        "artifacts/doc_2/a.png",
    ] {
        store.put(key, key.as_bytes()).await.unwrap();
    }
    let mut keys = store.keys("artifacts/doc_1").await.unwrap();
    keys.sort();
    assert_eq!(keys, ["artifacts/doc_1/a.png", "artifacts/doc_1/b/c.png"]);
    assert!(store.keys("artifacts/none").await.unwrap().is_empty());
    store.delete_prefix("artifacts/doc_1").await.unwrap();
    assert!(store.keys("artifacts/doc_1").await.unwrap().is_empty());
    assert!(!store.exists("artifacts/doc_1/a.png").await.unwrap());
    assert!(!store.exists("artifacts/doc_1/b/c.png").await.unwrap());
    assert!(store.exists("artifacts/doc_2/a.png").await.unwrap());
    store.delete_prefix("artifacts/none").await.unwrap();
    for bad in ["../etc/passwd", "/abs", "a//b", "a/../b", ""] {
        let e = store.get(bad).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{bad:?}");
        assert!(store.put(bad, b"x").await.is_err(), "{bad:?}");
    }
}
