#!/usr/bin/env bash
# Sets up and runs the server on the embedded default (SQLite + local blobs in ./plansift-data).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}
cargo build --release -p plansift
exec "$CARGO_TARGET_DIR/release/plansift" serve "$@"
