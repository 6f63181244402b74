#!/usr/bin/env bash
# The whole test suite: formatting, lints, the engine's dependency boundary, and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}
export CARGO_TERM_COLOR=never

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings

echo "== the engine knows nothing of servers, databases or object stores"
if cargo tree -p plansift-engine -e normal --prefix none | grep -E '^(tokio|axum|sqlx|object_store|reqwest) ' ; then
  echo "plansift-engine depends on a forbidden crate" >&2
  exit 1
fi

echo "== the fuzz target builds (run it with: cd fuzz && cargo +nightly fuzz run page_analysis)"
cargo check --quiet --manifest-path fuzz/Cargo.toml

if cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "== cargo fuzz page_analysis for 60 s (nightly and cargo-fuzz are present)"
  (cd fuzz && cargo +nightly fuzz run page_analysis -- -max_total_time=60 -rss_limit_mb=1024)
else
  echo "== cargo fuzz skipped: needs the nightly toolchain and cargo-fuzz"
fi

echo "== services: PostgreSQL and an S3-compatible server on loopback (scripts/services.sh)"
services_env=$(scripts/services.sh fresh)
eval "$services_env"

log="${TMPDIR:-/tmp}/plansift-test.log"
echo "== cargo test (the API suite on the embedded default: SQLite and local disk; it includes"
echo "   the hostile-input suite, tests/api/hostile_server.rs, against the real binary, and the"
echo "   fault suite, crates/plansift/tests/faults.rs: a full disk, PostgreSQL and the S3 server"
echo "   down or failing mid-job, on private instances of the services; its figures are the"
echo "   'faults:' lines of the log)"
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "== the API suite again on PostgreSQL + S3"
PLANSIFT_TEST_BACKENDS=postgres-s3 cargo test -p plansift --test api --no-fail-fast 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
set -e
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')
echo "$passed"
grep -E '^faults: ' "$log" || true
exit "$status"
