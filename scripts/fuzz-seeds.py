#!/usr/bin/env python3
"""Adds a few of a fuzzing run's new inputs to a target's committed seed corpus.

  scripts/fuzz-seeds.py NAME NEW_DIR [--budget BYTES] [--max-files N] [--dry-run]

NEW_DIR holds the inputs a run found (`FUZZ_KEEP=DIR scripts/fuzz.sh SECONDS` keeps
them in DIR/NAME). libFuzzer's set-cover merge (edges only, `-use_counters=0`)
measures what each seed and each new input covers; then, starting from what the
committed seeds cover, the new input with the most new edges per byte (plus a cost
per file) is added until the byte budget or the file count is reached or nothing
adds an edge. A libFuzzer merge alone would add hundreds of files per target; this
keeps each corpus a few KB. Added seeds are named longrun-<first 16 hex digits of
libFuzzer's name>. Needs build/fuzz from scripts/fuzz.sh.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile


def main():
    p = argparse.ArgumentParser()
    p.add_argument("name")
    p.add_argument("new_dir")
    p.add_argument("--budget", type=int, default=4096, help="bytes added at most")
    p.add_argument("--max-files", type=int, default=32)
    p.add_argument("--file-cost", type=int, default=128, help="bytes a file counts extra")
    p.add_argument("--dry-run", action="store_true")
    a = p.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = os.path.join(root, "build/fuzz/tests/fuzz/fuzz_" + a.name)
    corpus = os.path.join(root, "tests/fuzz/corpus", a.name)
    with tempfile.TemporaryDirectory() as tmp:
        ctl = os.path.join(tmp, "control")
        out = os.path.join(tmp, "out")
        os.mkdir(out)
        r = subprocess.run(
            [binary, "-set_cover_merge=1", "-use_counters=0", "-merge_control_file=" + ctl,
             out, corpus, a.new_dir], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True, check=False)
        if r.returncode != 0:
            sys.exit(f"{a.name}: merge failed:\n{r.stderr[-2000:]}")
        lines = open(ctl, encoding="utf-8").read().splitlines()
    count = int(lines[0])
    files = lines[2:2 + count]
    features = {}
    for line in lines[2 + count:]:
        fields = line.split()
        if fields and fields[0] == "FT":
            features[int(fields[1])] = set(map(int, fields[2:]))
    corpus_prefix = corpus.rstrip("/") + "/"
    covered, candidates = set(), []
    for i, f in enumerate(files):
        if os.path.abspath(f).startswith(corpus_prefix):
            covered |= features.get(i, set())
        elif features.get(i):
            candidates.append(i)
    before, spent, picked = len(covered), 0, []
    while len(picked) < a.max_files:
        best, best_score = None, 0.0
        for i in candidates:
            size = os.path.getsize(files[i])
            gain = len(features[i] - covered)
            if gain and spent + size <= a.budget and gain / (size + a.file_cost) > best_score:
                best, best_score = i, gain / (size + a.file_cost)
        if best is None:
            break
        picked.append(best)
        candidates.remove(best)
        covered |= features[best]
        spent += os.path.getsize(files[best])
    reachable = len(set().union(covered, *features.values()))
    print(f"{a.name}: seeds cover {before} edges, all inputs {reachable}; "
          f"adding {len(picked)} files, {spent} B -> {len(covered)} edges")
    if not a.dry_run:
        for i in picked:
            shutil.copy(files[i], os.path.join(corpus, "longrun-" + os.path.basename(files[i])[:16]))


if __name__ == "__main__":
    main()
