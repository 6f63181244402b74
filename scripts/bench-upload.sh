#!/usr/bin/env bash
# Upload throughput and server memory: a 2 GiB file through the multipart form
# (POST /jobs/{id}/files) and through a signed direct_put (PUT /upload-targets/{token}),
# on loopback against the release binary, with the server's peak RSS (VmHWM) from /proc.
#
#   scripts/bench-upload.sh [SIZE_MIB]      # default 2048
#
# Targets (issue: uploads): peak RSS under 150 MB, at least 150 MB/s each way.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}"
size_mib="${1:-2048}"
cargo build --release -q -p plansift
bin="$CARGO_TARGET_DIR/release/plansift"
work="$(mktemp -d)"
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

file="$work/upload.bin"
# Random bytes: nothing compresses or short-cuts them.
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$file"
sha="$(sha256sum "$file" | cut -d' ' -f1)"
bytes="$(stat -c %s "$file")"

key="$("$bin" keys create --label bench --data-dir "$work/data")"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
PLANSIFT_MULTIPART_THRESHOLD="$((size_mib * 1024 * 1024))" PLANSIFT_LOG=warn "$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" \
  --public-url "http://127.0.0.1:$port" >/dev/null 2>&1 &
pid=$!
api="http://127.0.0.1:$port/api/open/v1"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
auth="Authorization: Bearer $key"
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))" "$1"; }

project="$(curl -sf -H "$auth" -X POST "$api/projects" -d '{"name":"bench"}' | json 'd["project"]["id"]')"
for _ in $(seq 100); do
  [ "$(curl -sf -H "$auth" "$api/projects/$project" | json 'd["project"]["status"]')" = ready ] && break; sleep 0.1
done
new_job() { curl -sf -H "$auth" -X POST "$api/projects/$project/jobs" -d '{}' | json 'd["job"]["id"]'; }

rss() { awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status"; }
report() { # name seconds
  python3 -c "import sys; b=$bytes; s=float(sys.argv[2]); print(f'{sys.argv[1]:<32} {b/1e6:8.0f} MB {s:7.2f} s {b/1e6/s:8.1f} MB/s   server peak RSS {sys.argv[3]} MiB')" "$1" "$2" "$(rss)"
}

job="$(new_job)"
start=$(date +%s.%N)
curl -sf -H "$auth" \
  -F "metadata={\"files\":[{\"partName\":\"file0\",\"fileName\":\"upload.bin\",\"contentType\":\"application/pdf\",\"sha256\":\"$sha\"}]}" \
  -F "file0=@$file;type=application/pdf" "$api/jobs/$job/files" > "$work/form.json"
end=$(date +%s.%N)
[ "$(json 'd["uploads"][0]["sha256"]' < "$work/form.json")" = "$sha" ] || { echo "form upload: wrong sha256"; exit 1; }
report "multipart form" "$(python3 -c "print($end-$start)")"

job="$(new_job)"
body="{\"files\":[{\"fileName\":\"upload.bin\",\"contentType\":\"application/pdf\",\"fileSize\":$bytes,\"sha256\":\"$sha\"}]}"
# One direct_put for the whole file (the server runs with the multipart threshold at its size).
reg="$(curl -sf -H "$auth" -X POST "$api/jobs/$job/uploads" -d "$body")"
mode="$(echo "$reg" | json 'd["uploads"][0]["uploadMode"]')"
[ "$mode" = direct_put ] || { echo "expected a direct_put registration, got $mode"; exit 1; }
url="$(echo "$reg" | json 'd["uploads"][0]["uploadUrl"]')"
start=$(date +%s.%N)
curl -sf -T "$file" "$url" > /dev/null
end=$(date +%s.%N)
report "signed $mode" "$(python3 -c "print($end-$start)")"
