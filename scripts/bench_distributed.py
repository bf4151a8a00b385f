"""Benchmark skip-gram and prediction on a Dask LocalCluster against single-process runs.

On ../shared/data/corpus/bench_corpus.txt, same settings everywhere (skip-gram,
negative 5, window 5, dim 100, min-count 5, sample 1e-3, 5 epochs, whitespace
tokens, seed 1):

* single process, 2 threads (the usual run);
* Dask, 1 worker process (1 stream) and 2 worker processes (2 streams), one
  thread each, at ``--sync-words`` (default: the library's default);

for each of ``--seeds`` (default 1 2 3: one process with 2 threads varies by
about 0.01 from seed to seed, as much as the quality targets allow), each run
scored by WS353 and SimLex-999 Spearman and analogy accuracy (top-30k
vocabulary), with words/s, the rounds, the share of wall time spent
synchronising (the part of each round in which the slowest stream was not
training: finding the changed rows, change files, merging, waiting) and the
bytes of change files read per round; then the means over the seeds against
one process. The rounds are exchanged in shared memory unless
``--no-shared-memory`` (then in the job's directory on disk). Then
the corpus encoding (shards of ids, the vocabulary) in MB/s and batch
prediction in lines/s (the default classifier trained on data/sample_labelled.tsv
classifying every corpus line) for 1 and 2 workers against one process.

On a 2-core machine expect parity, not speed-up: the figures give the cost
model (compute per word, sync per round) from which the README's estimate for
more machines is made.

Usage: python scripts/bench_distributed.py [--sync-words N] [--seeds S ...]
       [--no-shared-memory] [--skip-train] [--json OUT]
Needs: pip install 'textembed[dask]'.
"""
import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CORPUS = SHARED / "corpus" / "bench_corpus.txt"
EVAL = SHARED / "eval"
SETTINGS = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5,
                tokenizer="whitespace")


def score(vectors):
    analogies = vectors.evaluate_word_analogies(EVAL / "questions-words.txt",
                                                restrict_vocab=30000)
    return {"ws353": vectors.evaluate_word_pairs(EVAL / "wordsim353.tsv")["spearman"],
            "simlex": vectors.evaluate_word_pairs(EVAL / "simlex999.txt")["spearman"],
            "analogy": analogies["accuracy"]}


def row(name, vectors, wall, seed):
    stats = vectors.stats
    out = {"run": name, "seed": seed, "wall": wall,
           "words_per_s": stats.corpus_tokens * 5 / wall,
           **score(vectors), "rounds": getattr(stats, "rounds", 0),
           "sync_share": getattr(stats, "sync_share", 0.0),
           "mb_per_round": getattr(stats, "bytes_per_round", 0.0) / 1e6}
    print(f"{name:<26} seed {seed} {wall:6.1f} s {out['words_per_s'] / 1e3:8.0f}k words/s  "
          f"WS353 {out['ws353']:.3f}  SimLex {out['simlex']:.3f}  analogy {out['analogy']:.3f}"
          f"  rounds {out['rounds']:3d}  sync {100 * out['sync_share']:4.1f}%  "
          f"{out['mb_per_round']:6.1f} MB/round", flush=True)
    return out


def main():
    from textembed.distributed import dask_driver
    from textembed.distributed.dask_training import SYNC_WORDS, train_skipgram
    from textembed.word2vec import train

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sync-words", type=int, default=SYNC_WORDS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--no-shared-memory", action="store_true")
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    if not CORPUS.exists():
        sys.exit(f"{CORPUS} not found (../shared/data is absent): nothing to benchmark")
    rows = []
    mb = CORPUS.stat().st_size / 1e6
    if not args.skip_train:
        for seed in args.seeds:
            started = time.perf_counter()
            vectors = train(str(CORPUS), threads=2, seed=seed, **SETTINGS)
            rows.append(row("single process, 2 threads", vectors, time.perf_counter() - started,
                            seed))
            for workers in (1, 2):
                with dask_driver.connect(workers=workers) as client, \
                        tempfile.TemporaryDirectory() as scratch:
                    dask_driver.check_workers(client)
                    started = time.perf_counter()
                    vectors = train_skipgram(client, [str(CORPUS)], scratch, seed=seed,
                                             sync_words=args.sync_words,
                                             shared_memory=not args.no_shared_memory,
                                             **SETTINGS)
                    rows.append(row(f"dask, {workers} worker{'s' if workers > 1 else ''}",
                                    vectors, time.perf_counter() - started, seed))
        summarise(rows)
    rows += encode_and_predict(mb)
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


def summarise(rows):
    """Per kind of run: the means over the seeds, and the differences from one process
    of the same seed."""
    base = {r["seed"]: r for r in rows if r["run"].startswith("single")}
    print(f"means over seeds {sorted(base)}:")
    for name in dict.fromkeys(r["run"] for r in rows):
        runs = [r for r in rows if r["run"] == name]
        mean = {k: sum(r[k] for r in runs) / len(runs)
                for k in ("words_per_s", "ws353", "simlex", "analogy", "sync_share",
                          "mb_per_round")}
        line = (f"  {name:<26} {mean['words_per_s'] / 1e3:6.0f}k words/s  WS353 "
                f"{mean['ws353']:.3f}  SimLex {mean['simlex']:.3f}  analogy "
                f"{mean['analogy']:.3f}")
        if not name.startswith("single"):
            diff = {k: sum(r[k] - base[r["seed"]][k] for r in runs) / len(runs)
                    for k in ("ws353", "simlex", "analogy")}
            speed = sum(r["words_per_s"] / base[r["seed"]]["words_per_s"] for r in runs) \
                / len(runs)
            line += (f"  sync {100 * mean['sync_share']:4.1f}%  {mean['mb_per_round']:.0f} "
                     f"MB/round; against one process: words/s x{speed:.2f}, WS353 "
                     f"{diff['ws353']:+.3f}, SimLex {diff['simlex']:+.3f}, analogy "
                     f"{diff['analogy']:+.3f}")
        print(line, flush=True)


def encode_and_predict(mb):
    from textembed.classify import TextClassifier
    from textembed.distributed import dask_driver
    from textembed.io import TextSource
    from textembed.word2vec.corpus import encode_lines

    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        started = time.perf_counter()
        encode_lines(TextSource(str(CORPUS)), os.path.join(scratch, "ids"), "whitespace")
        local = time.perf_counter() - started
        sample = ROOT / "data" / "sample_labelled.tsv"
        rows_ = [line.split("\t", 1) for line in sample.read_text("utf-8").splitlines()]
        model = os.path.join(scratch, "model")
        TextClassifier(seed=1, verbose=0).fit([t for _, t in rows_],
                                              [label for label, _ in rows_]).save(model)
        lines = sum(1 for _ in TextSource(str(CORPUS)))
        started = time.perf_counter()
        classifier = TextClassifier.load(model, threads=1)
        batch = []
        for line in TextSource(str(CORPUS)):
            batch.append(line)
            if len(batch) == 4096:
                classifier.predict(batch)
                batch = []
        classifier.predict(batch)
        local_predict = time.perf_counter() - started
        print(f"encoding, one process: {mb / local:.1f} MB/s; predict, one process, one "
              f"thread: {lines / local_predict:,.0f} lines/s", flush=True)
        rows.append({"run": "local", "encode_mb_s": mb / local,
                     "predict_lines_s": lines / local_predict})
        for workers in (1, 2):
            with dask_driver.connect(workers=workers) as client:
                dask_driver.check_workers(client)
                where = os.path.join(scratch, f"shards{workers}")
                os.makedirs(where)
                started = time.perf_counter()
                dask_driver.encode(client, [str(CORPUS)], where, tokenizer="whitespace",
                                   block_bytes=8 << 20)
                encode = time.perf_counter() - started
                started = time.perf_counter()
                dask_driver.predict(client, model, [str(CORPUS)],
                                    os.path.join(scratch, f"pred{workers}"),
                                    block_bytes=8 << 20)
                predict = time.perf_counter() - started
            print(f"dask, {workers} worker(s): encoding {mb / encode:.1f} MB/s, predict "
                  f"{lines / predict:,.0f} lines/s", flush=True)
            rows.append({"run": f"dask {workers}", "encode_mb_s": mb / encode,
                         "predict_lines_s": lines / predict})
    return rows


if __name__ == "__main__":
    main()
