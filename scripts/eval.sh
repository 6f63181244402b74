#!/usr/bin/env bash
# Sheet numbers and titles per source, with confidence calibration, for any labelled folder.
#
#   scripts/eval.sh                      # the development corpus (../shared/corpus)
#   scripts/eval.sh DIR [LABELS]         # any folder of PDFs with labels/*.sheets.json (or LABELS)
#   scripts/eval.sh --eval               # the project's own evaluation set: eval/labels over the PDFs
#                                        # eval/restore.py brings back into ~/.cache/plansift-eval
#
# Builds the release binary first (into CARGO_TARGET_DIR, ~/.cache/plansift-target by default).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}
cargo build --release --quiet -p plansift
bin="$CARGO_TARGET_DIR/release/plansift"
if [ "${1:-}" = "--eval" ]; then
  python3 eval/restore.py --out "$HOME/.cache/plansift-eval" >&2 || true
  exec python3 scripts/eval_sheets.py --bin "$bin" --corpus "$HOME/.cache/plansift-eval" --labels eval/labels "${@:2}"
fi
corpus=${1:-../shared/corpus}
labels=${2:-$corpus/labels}
exec python3 scripts/eval_sheets.py --bin "$bin" --corpus "$corpus" --labels "$labels"
