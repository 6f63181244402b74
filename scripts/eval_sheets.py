#!/usr/bin/env python3
"""Per-source sheet-number and sheet-title figures, and confidence calibration, for any labelled folder.

    scripts/eval_sheets.py --corpus DIR [--labels DIR] [--bin PATH] [--jobs N]

Every `*.sheets.json` label file under the labels folder (default DIR/labels) names a PDF relative to DIR;
`plansift process` reads each PDF and its Result v1 is compared page by page with the labels, the same way
the project's scorer compares them (numbers without whitespace and case, titles by their words). A source is
the PDF's first folder. Prints one row per source, the totals, and a calibration table: for each confidence
bucket, how many returned fields were right. Standard library only.
"""
import argparse, concurrent.futures, glob, json, os, re, subprocess, sys, unicodedata


def norm_number(s):
    return None if s is None else re.sub(r"\s+", "", str(s)).upper() or None


def norm_title(s):
    if s is None:
        return None
    s = unicodedata.normalize("NFKC", str(s)).upper().replace("/", " ")
    s = re.sub(r"[^\w]+", " ", s, flags=re.UNICODE).strip()
    return s or None


def process(binary, pdf):
    try:
        p = subprocess.run([binary, "process", pdf], capture_output=True, timeout=600)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if p.returncode != 0:
        return None, "exit %d" % p.returncode
    try:
        docs = json.loads(p.stdout).get("documents") or []
    except ValueError:
        return None, "not JSON"
    return (docs[0] if docs else {}), None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--labels")
    ap.add_argument("--bin", default=os.path.expanduser("~/.cache/plansift-target/release/plansift"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--verbose", "-v", action="store_true", help="print every wrong field")
    a = ap.parse_args()
    labels_dir = a.labels or os.path.join(a.corpus, "labels")
    labels = [json.load(open(f, encoding="utf-8")) for f in sorted(glob.glob(os.path.join(labels_dir, "*.sheets.json")))]
    if not labels:
        sys.exit("no *.sheets.json under %s" % labels_dir)
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        results = list(pool.map(lambda l: process(a.bin, os.path.join(a.corpus, l["file"])), labels))
    rows = {}
    calib = {}  # (field, bucket) -> [right, returned]
    buckets = [(0.0, 0.3), (0.3, 0.5), (0.5, 0.65), (0.65, 0.8), (0.8, 0.9), (0.9, 1.01)]
    for label, (doc, err) in zip(labels, results):
        source = label["file"].split("/")[0]
        r = rows.setdefault(source, dict(pages=0, num=0, name=0, given=0, given_ok=0, failed=0))
        if err:
            r["failed"] += 1
            print("%s: %s" % (label["file"], err), file=sys.stderr)
            doc = {}
        sheets = {}
        for s in doc.get("sheets") or []:
            sheets.setdefault(s.get("pageNumber"), s)
        for lp in label["pages"]:
            r["pages"] += 1
            s = sheets.get(lp["page"]) or {}
            num_ok = norm_number(s.get("sheetNumber")) == norm_number(lp["sheetNumber"])
            golds = [lp["sheetName"]] + list(lp.get("sheetNameAccept") or [])
            got = norm_title(s.get("sheetName"))
            name_ok = any(got == norm_title(g) for g in golds)
            r["num"] += num_ok
            r["name"] += name_ok
            if got is not None:
                r["given"] += 1
                r["given_ok"] += name_ok
            for field, value, ok in (("number", s.get("sheetNumber"), num_ok), ("title", s.get("sheetName"), name_ok)):
                if value is None:
                    continue
                conf = ((s.get("fields") or {}).get("sheetNumber" if field == "number" else "sheetName") or {}).get("confidence")
                if conf is None:
                    continue
                for lo, hi in buckets:
                    if lo <= conf < hi:
                        c = calib.setdefault((field, lo, hi), [0, 0])
                        c[0] += ok
                        c[1] += 1
            if a.verbose and not (num_ok and name_ok):
                print("  %s p%d: %r %r  (label %r %r)" % (label["file"], lp["page"], s.get("sheetNumber"),
                      s.get("sheetName"), lp["sheetNumber"], lp["sheetName"]))
    pct = lambda x, n: "%5.1f%%" % (100.0 * x / n) if n else "    -"
    print("%-28s %6s %8s %8s %10s" % ("source", "pages", "number", "title", "title prec"))
    tot = dict(pages=0, num=0, name=0, given=0, given_ok=0, failed=0)
    for source, r in sorted(rows.items()):
        print("%-28s %6d %8s %8s %10s%s" % (source[:28], r["pages"], pct(r["num"], r["pages"]), pct(r["name"], r["pages"]),
              pct(r["given_ok"], r["given"]), "  (%d failed)" % r["failed"] if r["failed"] else ""))
        for k in tot:
            tot[k] += r[k]
    print("%-28s %6d %8s %8s %10s" % ("ALL (%d sources)" % len(rows), tot["pages"], pct(tot["num"], tot["pages"]),
          pct(tot["name"], tot["pages"]), pct(tot["given_ok"], tot["given"])))
    print()
    print("calibration (confidence bucket: right / returned)")
    for (field, lo, hi), (ok, n) in sorted(calib.items()):
        print("  %-6s %.2f-%.2f: %4d / %-4d %s" % (field, lo, min(hi, 1.0), ok, n, pct(ok, n)))


if __name__ == "__main__":
    main()
