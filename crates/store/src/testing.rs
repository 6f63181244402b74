//! Isolated backends for tests on the services `scripts/services.sh` starts: a database of
//! their own on its PostgreSQL server (`PLANSIFT_TEST_DATABASE_URL`; the store creates it when
//! it first opens it), and a prefix of their own in its S3 bucket (`PLANSIFT_TEST_S3_BUCKET`
//! with the `AWS_*` variables it prints).

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!(
            "{name} is not set: run the tests with scripts/test.sh, or \
             eval \"$(scripts/services.sh start)\" first"
        )
    })
}

/// The URL of the database `name` on the test server.
pub fn database_url(name: &str) -> String {
    let admin = env("PLANSIFT_TEST_DATABASE_URL");
    let server = admin.rsplit_once('/').map_or(admin.as_str(), |(s, _)| s);
    format!("{server}/{name}")
}

/// An `s3://` URL of the prefix `name` in the test bucket.
pub fn blob_url(name: &str) -> String {
    format!("s3://{}/{name}", env("PLANSIFT_TEST_S3_BUCKET"))
}

fn unique() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

/// A new, empty database on the test server.
pub fn fresh_database_url() -> String {
    database_url(&format!("t_{}", unique()))
}

/// A new, empty prefix in the test bucket.
pub fn fresh_blob_url() -> String {
    blob_url(&format!("t-{}", unique()))
}
