#!/usr/bin/env bash
# Pages per second of one job over 1, 2 and 4 `plansift worker` processes on PostgreSQL + S3
# (started by scripts/services.sh), release build:
#
#   scripts/bench-scale-out.sh [WORKERS] [MIN_PAGES]      # default 1,2,4 and 500
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}"
services_env=$(scripts/services.sh start)
eval "$services_env"
cargo build --release -q -p plansift -p plansift-bench
exec "$CARGO_TARGET_DIR/release/plansift-bench" --scale-out "${1:-1,2,4}" --min-pages "${2:-500}" \
  --plansift "$CARGO_TARGET_DIR/release/plansift" --out "${TMPDIR:-/tmp}/plansift-scale-out.json"
