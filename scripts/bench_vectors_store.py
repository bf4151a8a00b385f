"""Benchmark loading word vectors: textembed's store, word2vec binary and text,
against gensim, in one run.

A synthetic set (``--words`` random words x ``--dim`` normal float32 values,
1M x 300 by default: 1.2 GB of floats) is written once to a temporary folder
as a textembed store, word2vec binary, word2vec text and gensim's own
``KeyedVectors.save`` format. Each load then runs in a fresh process (nothing
is dropped from the page cache: the files are warm, the processes are new),
timing the load call alone (imports excluded) and one ``most_similar`` query
of 10 neighbours right after it (the first query computes the vector norms:
one pass over the matrix), and a second query. The table gives each time and
the ratio gensim / textembed for the same format. The folder is removed at
the end.

Usage: python scripts/bench_vectors_store.py [--words 1000000] [--dim 300]
       [--skip-text]
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

CHILD = r"""
import json, sys, time
kind, path, query = sys.argv[1], sys.argv[2], sys.argv[3]
if kind.startswith("gensim"):
    from gensim.models import KeyedVectors
else:
    from textembed.word2vec import WordVectors, load_word2vec_format
start = time.perf_counter()
if kind == "textembed store mmap":
    wv = WordVectors.load(path, mmap=True)
elif kind == "textembed store":
    wv = WordVectors.load(path, mmap=False)
elif kind.startswith("textembed"):
    wv = load_word2vec_format(path)
elif kind == "gensim kv mmap":
    wv = KeyedVectors.load(path, mmap="r")
else:
    wv = KeyedVectors.load_word2vec_format(path, binary=kind.endswith("binary"))
loaded = time.perf_counter()
first = wv.most_similar(query, topn=10)
queried = time.perf_counter()
wv.most_similar(query, topn=10)
again = time.perf_counter()
print(json.dumps({"load": loaded - start, "query": queried - loaded, "again": again - queried,
                  "top": [w for w, _ in first]}))
"""


def random_words(n, seed):
    """n distinct words: 3-10 random lower-case letters, then the row number."""
    rng = np.random.default_rng(seed)
    letters = np.frombuffer(b"abcdefghijklmnopqrstuvwxyz", np.uint8)
    lengths = rng.integers(3, 11, n)
    chars = letters[rng.integers(0, 26, int(lengths.sum()))].tobytes().decode("ascii")
    ends = np.cumsum(lengths)
    return [chars[end - length:end] + str(i) for i, (end, length) in
            enumerate(zip(ends.tolist(), lengths.tolist()))]


def write_files(folder, n_words, dim, skip_text):
    sys.path.insert(0, str(ROOT))
    from textembed.word2vec import WordVectors

    rng = np.random.default_rng(1)
    vectors = np.empty((n_words, dim), np.float32)
    for start in range(0, n_words, 1 << 16):
        block = vectors[start:start + (1 << 16)]
        block[:] = rng.standard_normal(block.shape, dtype=np.float32)
    counts = np.arange(n_words, 0, -1, dtype=np.int64)
    wv = WordVectors(random_words(n_words, 2), vectors, counts=counts)
    paths = {"store": folder / "vectors.store", "binary": folder / "vectors.bin",
             "text": folder / "vectors.vec", "kv": folder / "vectors.kv"}
    for name, write in (("store", lambda p: wv.save(p)),
                        ("binary", lambda p: wv.save_word2vec_format(p, binary=True)),
                        ("text", lambda p: wv.save_word2vec_format(p, binary=False)),
                        ("kv", lambda p: _save_gensim_kv(wv, p))):
        if name == "text" and skip_text:
            continue
        start = time.perf_counter()
        write(paths[name])
        print(f"wrote {name}: {time.perf_counter() - start:.1f} s, "
              f"{_size(paths[name]) / 1e9:.2f} GB", file=sys.stderr)
    return paths, wv.words[n_words // 3]


def _save_gensim_kv(wv, path):
    from gensim.models import KeyedVectors

    kv = KeyedVectors(wv.vector_size)
    kv.add_vectors(wv.words, wv.vectors)
    kv.save(str(path))


def _size(path):
    path = Path(path)
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir())
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))


def run(kind, path, query):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, kind, str(path), query], env=env,
                          capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{kind} failed:\n{done.stderr}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["process"] = time.perf_counter() - start
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--skip-text", action="store_true", help="leave out the text format")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    try:
        paths, query = write_files(folder, args.words, args.dim, args.skip_text)
        runs = [("textembed store mmap", "store"), ("textembed store", "store"),
                ("gensim kv mmap", "kv"), ("textembed binary", "binary"),
                ("gensim binary", "binary")]
        if not args.skip_text:
            runs += [("textembed text", "text"), ("gensim text", "text")]
        results = {}
        for kind, key in runs:
            results[kind] = run(kind, paths[key], query)
            print(f"done {kind}: {results[kind]['load']:.2f} s", file=sys.stderr)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    tops = {tuple(r["top"]) for r in results.values()}
    print(f"\n{args.words:,} x {args.dim} float32; load = the load call, process = the "
          f"whole fresh process (imports included); query = most_similar(topn=10), first "
          f"(norms included) and second; same neighbours everywhere: {len(tops) == 1}\n")
    print(f"{'loader':22} {'load s':>8} {'process s':>10} {'query s':>8} {'again s':>8}  "
          "gensim / textembed (load)")
    peers = {"textembed store mmap": "gensim kv mmap", "textembed store": "gensim binary",
             "textembed binary": "gensim binary", "textembed text": "gensim text"}
    for kind, r in results.items():
        peer = peers.get(kind)
        ratio = (f"{results[peer]['load'] / r['load']:.2f} (vs {peer})"
                 if peer in results else "")
        print(f"{kind:22} {r['load']:8.2f} {r['process']:10.2f} {r['query']:8.3f} "
              f"{r['again']:8.3f}  {ratio}")


if __name__ == "__main__":
    main()
