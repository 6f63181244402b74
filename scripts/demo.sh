#!/usr/bin/env bash
# The Plangrep "submit a job" flow against a fresh Plansift server, with curl:
# create a project, poll until ready, create a job with an externalId, upload a drawing set and
# a spec book in one multipart request, complete, poll until terminal, fetch the result.
#
#   scripts/demo.sh [PLANS.pdf SPECS.pdf]
#
# PLANSIFT_BIN picks the binary (default: the release build); the corpus beside the checkout
# gives the default files. Exits non-zero if the result is not what the flow promises.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$HOME/.cache/plansift-target}
bin=${PLANSIFT_BIN:-$target/release/plansift}
corpus=${PLANSIFT_CORPUS:-$here/../shared/corpus}
plans=${1:-$corpus/wsdot_plansheet/Pages from M01-17-ITS-Tolling-2b.pdf}
specs=${2:-$corpus/spectAIchallenge/271500 (Medium).pdf}
for f in "$plans" "$specs"; do [ -f "$f" ] || { echo "missing $f" >&2; exit 2; }; done
[ -x "$bin" ] || { echo "build the binary first: cargo build --release -p plansift" >&2; exit 2; }

data=$(mktemp -d)
port=${PLANSIFT_DEMO_PORT:-18080}
base="http://127.0.0.1:$port/api/open/v1"
"$bin" serve --data-dir "$data" --listen "127.0.0.1:$port" >"$data/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done

key=$("$bin" keys create --data-dir "$data" --label demo --scopes jobs:read,jobs:write,artifacts:read)
auth=(-H "Authorization: Bearer $key")
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "== create a project"
project=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"name":"Demo project"}' "$base/projects" | json 'd["project"]["id"]')
until [ "$(curl -sf "${auth[@]}" "$base/projects/$project" | json 'd["project"]["status"]')" = ready ]; do sleep 0.2; done
echo "project $project is ready"

echo "== create a job"
job=$(curl -sf "${auth[@]}" -H 'Content-Type: application/json' -d '{"externalId":"demo-1"}' "$base/projects/$project/jobs" | json 'd["job"]["id"]')
echo "job $job"

echo "== upload two files in one multipart request"
sha() { sha256sum "$1" | cut -d' ' -f1; }
metadata=$(python3 -c 'import json,sys; print(json.dumps({"files":[
  {"partName":"file0","fileName":sys.argv[1],"contentType":"application/pdf","classification":"plans","sha256":sys.argv[2]},
  {"partName":"file1","fileName":sys.argv[3],"contentType":"application/pdf","classification":"specifications","sha256":sys.argv[4]}]}))' \
  "$(basename "$plans")" "$(sha "$plans")" "$(basename "$specs")" "$(sha "$specs")")
uploads=$(curl -sf "${auth[@]}" -F "metadata=$metadata" -F "file0=@$plans;type=application/pdf" -F "file1=@$specs;type=application/pdf" "$base/jobs/$job/files")
echo "$uploads" | json '"\n".join(u["documentId"]+" "+u["fileName"]+" "+u["status"] for u in d["uploads"])'

echo "== complete"
curl -sf "${auth[@]}" -X POST "$base/jobs/$job/uploads/complete" | json 'd["job"]["status"]'

echo "== wait"
while :; do
  status=$(curl -sf "${auth[@]}" "$base/jobs/$job" | json 'd["job"]["status"]')
  case $status in completed|completed_with_errors|failed|cancelled|expired) break ;; esac
  sleep 0.5
done
echo "job $status"

echo "== result"
curl -sf "${auth[@]}" "$base/jobs/$job/result" >"$data/result.json"
python3 - "$data/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
ok = len(r["documents"]) == 2
for d in r["documents"]:
    drawings = [p for p in d["pages"] if p["kind"] == "drawing"]
    print(f'{d["fileName"]}: {d["pageCount"]} pages, {len(d["sheets"])} sheets, '
          f'{len(d.get("specifications") or [])} spec sections, status {d["status"]}')
    for s in d["sheets"]:
        print(f'  p{s["pageNumber"]}: {s["sheetNumber"]} | {s["sheetName"]}')
    for s in d.get("specifications") or []:
        print(f'  {s["sectionNumber"]} {s["sectionTitle"]} pp. {s["pageStart"]}-{s["pageEnd"]}')
    ok = ok and len(d["pages"]) == d["pageCount"] and len(d["sheets"]) == len(drawings)
print("usage:", json.dumps(r["usage"]))
sys.exit(0 if ok else 1)
PY
