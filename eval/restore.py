#!/usr/bin/env python3
"""Restores the evaluation PDFs listed in eval/manifest.tsv from local clones of their repositories.

    eval/restore.py --mirrors DIR --out DIR

For each manifest row, the clone of `repo` is looked up under the mirrors folder (`owner+name/` holding a
git directory, as the search tool's fetch lays them out, or `owner/name/.git`), the file is read with
`git show COMMIT:PATH`, written to OUT/<file> and checked against its sha256. Rows whose PDF was assembled
from several files (their `path` lists the parts, see `notes`) are reported for rebuilding by hand with
`qpdf --empty --pages ...`; a copy already in OUT with the right sha256 counts as restored.
Standard library only; prints one line per row and a summary.
"""
import argparse, csv, hashlib, os, subprocess, sys


def git_dir(mirrors, repo):
    owner_name = repo.replace("/", "+")
    for cand in (os.path.join(mirrors, owner_name, "repo"), os.path.join(mirrors, owner_name),
                 os.path.join(mirrors, repo, ".git"), os.path.join(mirrors, repo)):
        if os.path.isfile(os.path.join(cand, "HEAD")):
            return cand
    return None


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--manifest", default=os.path.join(here, "manifest.tsv"))
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--out", default=os.path.expanduser("~/.cache/plansift-eval"))
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.manifest, encoding="utf-8"), delimiter="\t"))
    ok = by_hand = failed = 0
    for r in rows:
        out = os.path.join(a.out, r["file"])
        if os.path.exists(out) and sha256(out) == r["sha256"]:
            ok += 1
            continue
        path = r["path"]
        composed = any(ch in path for ch in "{};*") or "(blobs" in path
        if composed:
            by_hand += 1
            print("by hand: %s from %s (%s)" % (r["file"], r["repo"], r["notes"][:200]))
            continue
        gd = git_dir(a.mirrors, r["repo"])
        if gd is None:
            failed += 1
            print("missing clone: %s for %s" % (r["repo"], r["file"]))
            continue
        data = subprocess.run(["git", "--git-dir", gd, "show", "%s:%s" % (r["commit"], path)], capture_output=True)
        if data.returncode != 0:
            failed += 1
            print("not in clone: %s:%s (%s)" % (r["repo"], path, data.stderr.decode(errors="replace").strip()[:120]))
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "wb") as f:
            f.write(data.stdout)
        if sha256(out) != r["sha256"]:
            failed += 1
            print("sha256 differs: %s" % r["file"])
            continue
        ok += 1
    print("%d restored, %d to rebuild by hand, %d failed, of %d" % (ok, by_hand, failed, len(rows)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
