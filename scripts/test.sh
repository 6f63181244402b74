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

echo "== services: PostgreSQL and an S3-compatible server on loopback (scripts/services.sh)"
services_env=$(scripts/services.sh fresh)
eval "$services_env"

log="${TMPDIR:-/tmp}/plansift-test.log"
echo "== cargo test (the API suite on the embedded default: SQLite and local disk)"
set +e
cargo test --workspace --no-fail-fast 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo "== the API suite again on PostgreSQL + S3"
PLANSIFT_TEST_BACKENDS=postgres-s3 cargo test -p plansift --test api --no-fail-fast 2>&1 | tee -a "$log"
[ "${PIPESTATUS[0]}" = 0 ] || status=1
set -e
passed=$(grep -Eo 'test result: [a-zA-Z]+\. [0-9]+ passed; [0-9]+ failed' "$log" | awk '{p+=$4; f+=$6} END {print p" passed, "f" failed"}')
echo "$passed"
exit "$status"
