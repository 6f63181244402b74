#!/usr/bin/env bash
# Installs what Plansift needs on a fresh Debian machine: the Rust toolchain is assumed (rustup),
# the rest comes from Debian's packages. Safe to run again.
set -euo pipefail
need=()
command -v cc >/dev/null || need+=(build-essential)
command -v pkg-config >/dev/null || need+=(pkg-config)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
[ "${1:-}" != "--test" ] || python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
command -v tesseract >/dev/null || need+=(tesseract-ocr tesseract-ocr-eng)
# pdftotext and pdftoppm: the independent reference of the tests and the peers of the benchmark.
[ "${1:-}" != "--test" ] || command -v pdftotext >/dev/null || need+=(poppler-utils)
# The browser tests of the plan room: Debian's Chromium, driven from Node.js.
[ "${1:-}" != "--test" ] || command -v chromium >/dev/null || need+=(chromium)
[ "${1:-}" != "--test" ] || command -v npm >/dev/null || need+=(nodejs npm)
# The scale-out tests run on a real PostgreSQL server (scripts/services.sh starts it).
[ "${1:-}" != "--test" ] || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
fi

# Only the tests need what follows: `scripts/setup.sh --test` (scripts/test.sh passes it).
[ "${1:-}" = "--test" ] || exit 0

# The independent Standard Webhooks verifier the tests check signatures with (from PyPI).
py_cache="${HOME}/.cache/plansift-py"
# The OpenAPI 3.1 validator the tests check the served document with (from PyPI).
# openpyxl: the independent reader the submittal register's XLSX download is checked with.
py_packages=(standardwebhooks==1.1.0 openapi-spec-validator==0.7.1 openpyxl==3.1.5)
if [ ! -d "$py_cache/standardwebhooks" ] || [ ! -d "$py_cache/openapi_spec_validator" ] ||
  [ ! -d "$py_cache/openpyxl" ]; then
  python3 -m pip install --quiet --disable-pip-version-check --target "$py_cache" "${py_packages[@]}" ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages --target "$py_cache" "${py_packages[@]}"
fi


# playwright-core (from the npm registry, pinned by tests/browser/package-lock.json) drives
# Debian's Chromium; it never downloads a browser of its own.
node_cache="${HOME}/.cache/plansift-node"
here=$(cd "$(dirname "$0")/.." && pwd)
if ! cmp -s "$here/tests/browser/package-lock.json" "$node_cache/package-lock.json" ||
  [ ! -d "$node_cache/node_modules/playwright-core" ]; then
  mkdir -p "$node_cache"
  cp "$here/tests/browser/package.json" "$here/tests/browser/package-lock.json" "$node_cache/"
  (cd "$node_cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
