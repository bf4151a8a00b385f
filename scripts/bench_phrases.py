"""Benchmark textembed's phrases against gensim's Phrases, in one run.

Both tools read the benchmark corpus (already lower-cased, tokens separated by
spaces: gensim gets ``line.split()``, textembed the whitespace tokenizer
without lower-casing), count it, and write it back with its phrases joined,
one line per line. Settings: min_count 5, threshold 100 (default scoring) and
threshold 0.5 (npmi), one pass; gensim keeps its default max_vocab_size (40M),
textembed its default --max-table (the same); a third run bounds both to 1M
words and pairs (the corpus has 2.4M), so that both prune while counting. Each run is its own process, so
that its peak memory (max RSS, ``resource.getrusage``) is its own; the time is
the wall time of counting and rewriting (gensim: ``Phrases(sentences)``, then
``phrases[sentence]`` for every line, written to a file; with --frozen also
``phrases.freeze()`` and the frozen model for the rewriting). textembed's
kernels are loaded from numba's cache by a small warm-up before the clock starts
(the time to load them is printed apart).

Agreement: the phrase sets (|both| / |either|) and the rewritten corpus (tokens
equal at the same place in the same line / tokens of the longer line).

--two-passes adds a run of two passes (default scoring > 100; gensim: a second
Phrases trained on the first one's output, as its documentation builds trigrams),
compared on the rewritten text only.

Usage: flock /tmp/textembed-bench.lock python scripts/bench_phrases.py [--frozen]
       [--two-passes] [--corpus PATH]
Needs: pip install gensim (bench only).
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "data" / "corpus" / "bench_corpus.txt"
# scoring, threshold, table limit (None: the default, 40M, never reached here)
RUNS = [("default", 100.0, None), ("npmi", 0.5, None), ("default", 100.0, 1_000_000)]
DEFAULT_LIMIT = 40_000_000
MIN_COUNT = 5


def _peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children: one run each, printing a JSON line ------------------------------

def child_gensim(args):
    from gensim.models.phrases import Phrases

    def sentences():
        with open(args.corpus, encoding="utf-8") as handle:
            for line in handle:
                yield line.split()

    base = _peak_mb()
    start = time.perf_counter()
    appliers = []
    for _ in range(args.passes):  # pass k learns from the output of passes 1..k-1

        def joined(appliers=tuple(appliers)):
            for sentence in sentences():
                for applier in appliers:
                    sentence = applier[sentence]
                yield sentence

        model = Phrases(joined(), min_count=MIN_COUNT, threshold=args.threshold,
                        scoring=args.scoring, max_vocab_size=args.limit)
        appliers.append(model.freeze() if args.frozen else model)
    counted = time.perf_counter() - start
    with open(args.out, "w", encoding="utf-8") as out:
        for sentence in sentences():
            for applier in appliers:
                sentence = applier[sentence]
            out.write(" ".join(sentence) + "\n")
    wall = time.perf_counter() - start
    # export_phrases splits tokens on the delimiter: right for the first pass only
    phrases = sorted(model.export_phrases()) if args.passes == 1 else []
    print(json.dumps({"wall": wall, "count": counted, "peak_mb": _peak_mb(), "base_mb": base,
                      "phrases": phrases}))


def child_textembed(args):
    from textembed.word2vec.phrases import apply_phrases

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:  # load the kernels from numba's cache
        warm = os.path.join(scratch, "warm.txt")
        apply_phrases(["a b a b", "a b"], warm, min_count=1, threshold=0.1)
    warm_up = time.perf_counter() - start
    base = _peak_mb()
    start = time.perf_counter()
    stats = apply_phrases(args.corpus, args.out, min_count=MIN_COUNT, threshold=args.threshold,
                          scoring=args.scoring, tokenizer="whitespace", lower=False,
                          max_table=args.limit, passes=args.passes)
    wall = time.perf_counter() - start
    print(json.dumps({"wall": wall, "warm_up": warm_up, "peak_mb": _peak_mb(), "base_mb": base,
                      "phrases": sorted(stats.passes[0].phrases) if args.passes == 1 else []}))


# -- the parent ------------------------------------------------------------------

def run_child(tool, corpus, scoring, threshold, limit, out, frozen=False, passes=1):
    command = [sys.executable, __file__, "--child", tool, "--corpus", str(corpus),
               "--scoring", scoring, "--threshold", str(threshold), "--limit", str(limit),
               "--passes", str(passes), "--out", out]
    if frozen:
        command.append("--frozen")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"{tool} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def token_agreement(path_a, path_b):
    """(tokens equal at the same place / tokens of the longer line, lines equal / lines)."""
    same = total = same_lines = lines = 0
    with open(path_a, encoding="utf-8") as a, open(path_b, encoding="utf-8") as b:
        for line_a, line_b in zip(a, b, strict=True):
            lines += 1
            if line_a == line_b:
                same_lines += 1
                n = len(line_a.split())
                same += n
                total += n
                continue
            ta, tb = line_a.split(), line_b.split()
            total += max(len(ta), len(tb))
            same += sum(x == y for x, y in zip(ta, tb))
    return same / max(total, 1), same_lines / max(lines, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--frozen", action="store_true",
                        help="also time gensim rewriting with its frozen model")
    parser.add_argument("--child", choices=["gensim", "textembed"])
    parser.add_argument("--scoring", default="default")
    parser.add_argument("--threshold", type=float, default=100.0)
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT)
    parser.add_argument("--passes", type=int, default=1)
    parser.add_argument("--two-passes", action="store_true",
                        help="also compare two passes (default scoring > 100): the text only")
    parser.add_argument("--out")
    args = parser.parse_args()
    if args.child == "gensim":
        return child_gensim(args)
    if args.child == "textembed":
        return child_textembed(args)
    if not os.path.exists(args.corpus):
        sys.exit(f"{args.corpus}: no such file (the benchmark corpus lives in ../shared/data)")

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-phrases-") as scratch:
        runs = [(*run, 1) for run in RUNS] + ([("default", 100.0, None, 2)]
                                              if args.two_passes else [])
        for scoring, threshold, limit, passes in runs:
            name = f"{scoring} > {threshold:g}" + (f", limit {limit:,}" if limit else "") + (
                f", {passes} passes" if passes > 1 else "")
            limit = limit or DEFAULT_LIMIT
            ours_out = os.path.join(scratch, f"textembed-{scoring}.txt")
            theirs_out = os.path.join(scratch, f"gensim-{scoring}.txt")
            ours = run_child("textembed", args.corpus, scoring, threshold, limit, ours_out,
                             passes=passes)
            theirs = run_child("gensim", args.corpus, scoring, threshold, limit, theirs_out,
                               passes=passes)
            a, b = set(ours["phrases"]), set(theirs["phrases"])
            tokens, lines = token_agreement(ours_out, theirs_out)
            row = dict(scoring=name, ours=ours, theirs=theirs,
                       phrases=(len(a), len(b)), phrase_agreement=len(a & b) / max(len(a | b), 1),
                       tokens=tokens, lines=lines)
            if args.frozen and limit == DEFAULT_LIMIT and passes == 1:
                frozen_out = os.path.join(scratch, f"gensim-frozen-{scoring}.txt")
                row["frozen"] = run_child("gensim", args.corpus, scoring, threshold, limit,
                                          frozen_out, frozen=True)
            rows.append(row)
            print(f"{row['scoring']}: textembed {ours['wall']:.2f} s, gensim "
                  f"{theirs['wall']:.2f} s", file=sys.stderr)

    print(f"\ncorpus: {args.corpus}, min_count {MIN_COUNT}; time = count + rewrite "
          "to a file; peak = max RSS of the process (before the work)")
    print("| scoring | textembed s | gensim s | speed ratio | textembed peak MB | gensim peak MB "
          "| phrases (textembed / gensim) | phrase agreement | token agreement | lines equal |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for row in rows:
        ours, theirs = row["ours"], row["theirs"]
        print(f"| {row['scoring']} | {ours['wall']:.2f} | {theirs['wall']:.2f} "
              f"| {theirs['wall'] / ours['wall']:.1f}x "
              f"| {ours['peak_mb']:.0f} ({ours['base_mb']:.0f}) "
              f"| {theirs['peak_mb']:.0f} ({theirs['base_mb']:.0f}) "
              + (f"| {row['phrases'][0]:,} / {row['phrases'][1]:,} "
                 f"| {100 * row['phrase_agreement']:.2f}% " if row["phrases"][1] else "| n/a | n/a ")
              + f"| {100 * row['tokens']:.3f}% "
              f"| {100 * row['lines']:.3f}% |")
    for row in rows:
        if "frozen" in row:
            frozen = row["frozen"]
            print(f"gensim frozen, {row['scoring']}: {frozen['wall']:.2f} s "
                  f"(textembed {frozen['wall'] / row['ours']['wall']:.1f}x "
                  f"faster), peak {frozen['peak_mb']:.0f} MB")
    print(f"textembed warm-up (loading the cached kernels, not timed above): "
          f"{rows[0]['ours']['warm_up']:.2f} s")


if __name__ == "__main__":
    main()
