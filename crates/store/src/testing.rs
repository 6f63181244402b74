//! Fresh, isolated backends for tests: a new PostgreSQL database per call on the server that
//! `scripts/services.sh` starts (`PLANSIFT_TEST_DATABASE_URL`), and a new prefix per call in its
//! S3 bucket (`PLANSIFT_TEST_S3_BUCKET` with the `AWS_*` variables it prints).

/// The URL of a new, empty database on the test server.
pub async fn fresh_database() -> String {
    use sqlx::Connection;
    let admin = std::env::var("PLANSIFT_TEST_DATABASE_URL").expect(
        "PLANSIFT_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, or \
         eval \"$(scripts/services.sh start)\" first",
    );
    let name = format!("t_{}", ulid::Ulid::new().to_string().to_lowercase());
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b);
    format!("{base}/{name}")
}

/// An `s3://` URL with a new prefix in the test bucket.
pub fn fresh_blob_url() -> String {
    let bucket = std::env::var("PLANSIFT_TEST_S3_BUCKET").expect(
        "PLANSIFT_TEST_S3_BUCKET is not set: run the tests with scripts/test.sh, or \
         eval \"$(scripts/services.sh start)\" first",
    );
    format!(
        "s3://{bucket}/t-{}",
        ulid::Ulid::new().to_string().to_lowercase()
    )
}
