"""Benchmark the memory of vocabulary counting: textembed's pruned word table
(``--max-vocab-memory``) against gensim's ``max_vocab_size``, in one run.

A synthetic corpus is written once (streaming) to a temporary folder:
``--distinct`` words that occur once each (``u`` + a base-36 number, 20
million by default) interleaved with as many draws from 100,000 frequent
words (``f`` + a base-36 rank, Zipf-distributed), 20 tokens a line: about
270 MB. Each run then builds the vocabulary of that file in a fresh process,
started by a launcher process that reports
``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` (the run's peak RSS):

  textembed   the vocabulary stage of ``textembed skipgram`` (the corpus
              encoded to an id file while counting, then min-count 5), with
              ``--limit`` (bytes) and without one (a quarter of RAM: no
              pruning here);
  gensim      ``Word2Vec(max_vocab_size=N, min_count=5).build_vocab(
              corpus_file=...)`` with N = the number of words textembed's
              limit holds (limit / (WORD_BYTES + 6)), and without a limit.

The table gives peak RSS, wall time, the words kept (count >= 5) and, for
textembed, the words pruned. The folder is removed at the end.

Usage: python scripts/bench_vocab_memory.py [--distinct 20000000] [--limit 512M]
Needs: pip install gensim (bench only).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FREQUENT = 100_000
LINE_TOKENS = 20
_DIGITS = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", np.uint8)

LAUNCHER = ("import resource, subprocess, sys; done = subprocess.run(sys.argv[1:]); "
            "print('maxrss', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
            "file=sys.stderr); sys.exit(done.returncode)")


def base36(numbers, prefix):
    """Strings prefix + base-36 of each number (numbers: int64 array)."""
    width = 6
    digits = np.empty((len(numbers), width), np.uint8)
    rest = numbers.copy()
    for column in range(width - 1, -1, -1):
        digits[:, column] = _DIGITS[rest % 36]
        rest //= 36
    lengths = np.maximum(1, width - np.argmax(digits != ord("0"), axis=1))
    lengths[(digits == ord("0")).all(axis=1)] = 1
    text = digits.tobytes().decode("ascii")
    return [prefix + text[i * width + width - n:(i + 1) * width]
            for i, n in enumerate(lengths.tolist())]


def write_corpus(path, distinct, seed=0):
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, FREQUENT + 1)
    p = 1.0 / ranks
    p /= p.sum()
    frequent = base36(np.arange(FREQUENT, dtype=np.int64), "f")
    block = 1_000_000
    with open(path, "w", encoding="ascii") as out:
        for start in range(0, distinct, block):
            n = min(block, distinct - start)
            rare = base36(np.arange(start, start + n, dtype=np.int64), "u")
            common = rng.choice(FREQUENT, n, p=p)
            tokens = [None] * (2 * n)
            tokens[0::2] = rare
            tokens[1::2] = [frequent[i] for i in common.tolist()]
            lines = [" ".join(tokens[i:i + LINE_TOKENS]) for i in range(0, len(tokens),
                                                                          LINE_TOKENS)]
            out.write("\n".join(lines) + "\n")


# -- children ---------------------------------------------------------------------------

def child_textembed(corpus, limit):
    sys.path.insert(0, str(ROOT))
    from textembed.io import TextSource
    from textembed.word2vec.corpus import encode_lines
    from textembed.word2vec.vocab import Vocabulary

    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        encoded = encode_lines(TextSource(corpus), os.path.join(scratch, "ids"),
                               max_memory=limit)
        vocab = Vocabulary(encoded.words, encoded.counts, min_count=5)
    print(json.dumps({"wall": time.perf_counter() - start, "kept": len(vocab),
                      "pruned": encoded.pruned, "tokens": encoded.n_tokens}))


def child_gensim(corpus, limit):
    import logging

    from gensim.models import Word2Vec

    logging.disable(logging.CRITICAL)
    start = time.perf_counter()
    model = Word2Vec(vector_size=10, min_count=5, max_vocab_size=limit, workers=1)
    model.build_vocab(corpus_file=corpus)
    print(json.dumps({"wall": time.perf_counter() - start, "kept": len(model.wv),
                      "pruned": None, "tokens": model.corpus_total_words}))


def run(kind, corpus, limit):
    command = [sys.executable, __file__, "--child", kind, "--corpus", str(corpus)]
    if limit is not None:
        command += ["--child-limit", str(limit)]
    done = subprocess.run([sys.executable, "-c", LAUNCHER, *command], capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    maxrss = [line for line in done.stderr.splitlines() if line.startswith("maxrss ")]
    result["peak_mb"] = int(maxrss[-1].split()[1]) / 1024  # ru_maxrss is in KB on Linux
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--distinct", type=int, default=20_000_000)
    parser.add_argument("--limit", default="512M", help="textembed's --max-vocab-memory")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--corpus", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--child-limit", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        {"textembed": child_textembed, "gensim": child_gensim}[args.child](
            args.corpus, args.child_limit)
        return
    sys.path.insert(0, str(ROOT))
    from textembed.cli.vectors import ByteSize
    from textembed.word2vec.corpus import WORD_BYTES

    limit = ByteSize().convert(args.limit, None, None)
    gensim_words = limit // (WORD_BYTES + 6)
    folder = Path(tempfile.mkdtemp(prefix="bench-vocab-"))
    try:
        corpus = folder / "corpus.txt"
        start = time.perf_counter()
        write_corpus(corpus, args.distinct)
        print(f"wrote {corpus.stat().st_size / 1e6:.0f} MB in {time.perf_counter() - start:.0f} s",
              file=sys.stderr)
        runs = [(f"textembed --max-vocab-memory {args.limit}", "textembed", limit),
                (f"gensim max_vocab_size={gensim_words:,}", "gensim", gensim_words),
                ("textembed, no limit", "textembed", None),
                ("gensim, no limit", "gensim", None)]
        results = []
        for label, kind, value in runs:
            result = run(kind, corpus, value)
            print(f"done {label}: {result}", file=sys.stderr)
            results.append((label, result))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    print(f"\n{args.distinct:,} words seen once + {args.distinct:,} draws from {FREQUENT:,} "
          f"frequent words; vocabulary only (min-count 5); peak RSS of each fresh process\n")
    print(f"{'run':40} {'peak MB':>8} {'wall s':>7} {'kept':>9} {'pruned':>11}")
    for label, r in results:
        pruned = "" if r["pruned"] is None else f"{r['pruned']:,}"
        print(f"{label:40} {r['peak_mb']:8.0f} {r['wall']:7.1f} {r['kept']:9,} {pruned:>11}")


if __name__ == "__main__":
    main()
