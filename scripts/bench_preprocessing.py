"""Time textembed's preprocessing against keras-preprocessing on the same inputs.

Inputs: the MR sentences (../shared/data/mr/rt-polarity.all, Latin-1)
repeated 10 times: 106,620 texts, about 2.2M tokens. Both libraries run in
this one process, one after the other, on identical data; the script checks
that they give the same answers, then prints seconds and ratios.

textembed's kernels are compiled once per installation and cached on disk.
The "first call" column is a call in a fresh process state (loading the
compiled kernels from the cache); the cold-cache compile time is measured in a
subprocess with an empty NUMBA_CACHE_DIR and printed at the end.

Usage: python scripts/bench_preprocessing.py [--repeat 10] [--mr PATH]
Needs: pip install -e ".[bench]"   (keras-preprocessing)
"""
import argparse
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

if not hasattr(np, "unicode_"):  # keras-preprocessing 1.1.2 predates NumPy 2
    np.unicode_ = np.str_

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MR = ROOT.parent / "shared" / "data" / "mr" / "rt-polarity.all"
SKIPGRAM_TOKENS = 378_000


def load_mr(path, repeat):
    lines = Path(path).read_bytes().decode("latin-1").split("\n")
    texts = [line.split(" ", 1)[1] for line in lines if " " in line]
    return texts * repeat


def timed(function, runs):
    """(result of the last run, best wall time in seconds over ``runs``).

    Like timeit, the cyclic garbage collector is paused while timing: its
    passes over the millions of lists both libraries return would otherwise
    add the same large, erratic cost to both.
    """
    best = float("inf")
    result = None
    for _ in range(runs):
        result = None
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            result = function()
            best = min(best, time.perf_counter() - start)
        finally:
            gc.enable()
    return result, best


def compile_times():
    """Seconds for the first calls in a fresh process: cold cache, then warm."""
    code = (
        "import time, numpy as np\n"
        "t = time.perf_counter()\n"
        "from textembed import Tokenizer, pad_sequences, skipgrams, make_sampling_table\n"
        "texts = ['the cat sat on the mat', 'a dog ate it'] * 64\n"
        "tok = Tokenizer(); tok.fit_on_texts(texts); seqs = tok.texts_to_sequences(texts)\n"
        "pad_sequences(seqs, maxlen=5)\n"
        "skipgrams(seqs[0] * 10, 10, sampling_table=make_sampling_table(10), seed=0)\n"
        "print(time.perf_counter() - t)\n"
    )
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], env=env, check=True,
                                 capture_output=True, text=True, cwd=ROOT)
            runs.append(float(out.stdout.strip().splitlines()[-1]))
    return runs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mr", default=str(DEFAULT_MR))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3, help="best of N for each timing")
    args = parser.parse_args()
    if not Path(args.mr).exists():
        sys.exit(f"bench_preprocessing: {args.mr} not found (the shared data folder)")

    from keras_preprocessing import sequence as ks
    from keras_preprocessing import text as kt

    import textembed as te

    texts = load_mr(args.mr, args.repeat)
    rows = []

    def compare(name, keras_call, ours_call, check=None, keras_runs=2):
        ours_first, first = timed(ours_call, 1)
        ours, ours_s = timed(ours_call, args.runs)
        theirs, keras_s = timed(keras_call, keras_runs)
        if check is not None:
            check(ours, theirs)
        rows.append((name, keras_s, first, ours_s))
        return ours_first, theirs

    def same(a, b):
        assert a == b, "textembed and Keras disagree"

    compare("text_to_word_sequence (per text)",
            lambda: [kt.text_to_word_sequence(t) for t in texts],
            lambda: [te.text_to_word_sequence(t) for t in texts], same)

    def keras_fit():
        tokenizer = kt.Tokenizer()
        tokenizer.fit_on_texts(texts)
        return tokenizer

    def ours_fit():
        tokenizer = te.Tokenizer()
        tokenizer.fit_on_texts(texts)
        return tokenizer

    def same_index(a, b):
        same(a.word_index, b.word_index)

    ours_tok, keras_tok = compare("Tokenizer.fit_on_texts", keras_fit, ours_fit, same_index)
    _, sequences = compare("Tokenizer.texts_to_sequences",
                           lambda: keras_tok.texts_to_sequences(texts),
                           lambda: ours_tok.texts_to_sequences(texts), same)
    fit_row, seq_row = rows[-2], rows[-1]
    rows.append(("fit_on_texts + texts_to_sequences", fit_row[1] + seq_row[1],
                 fit_row[2] + seq_row[2], fit_row[3] + seq_row[3]))

    compare("pad_sequences(maxlen=60)",
            lambda: ks.pad_sequences(sequences, maxlen=60),
            lambda: te.pad_sequences(sequences, maxlen=60),
            lambda a, b: np.testing.assert_array_equal(a, b))
    compare("hashing_trick md5 (per text)",
            lambda: [kt.hashing_trick(t, 1 << 20, hash_function="md5") for t in texts],
            lambda: [te.hashing_trick(t, 1 << 20, hash_function="md5") for t in texts], same)
    compare("hashing_trick default (per text)",
            lambda: [kt.hashing_trick(t, 1 << 20) for t in texts],
            lambda: [te.hashing_trick(t, 1 << 20) for t in texts])

    flat = [i for seq in sequences for i in seq][:SKIPGRAM_TOKENS]
    vocabulary_size = len(ours_tok.word_index) + 1
    table = te.make_sampling_table(vocabulary_size)

    def keras_skipgrams():
        random.seed(0)
        return ks.skipgrams(flat, vocabulary_size, window_size=4, sampling_table=table)

    def pairs_in_range(ours, theirs):
        couples, labels = ours
        assert len(couples) == len(labels)
        # different random draws, same expected size: within a few percent
        assert abs(len(couples) - len(theirs[0])) < 0.05 * len(theirs[0])

    compare(f"skipgrams, {len(flat):,} tokens, lists",
            keras_skipgrams,
            lambda: te.skipgrams(flat, vocabulary_size, window_size=4,
                                 sampling_table=table, seed=0), pairs_in_range)
    flat_array = np.asarray(flat, dtype=np.int32)
    compare(f"skipgrams, {len(flat):,} tokens, arrays",
            keras_skipgrams,
            lambda: te.skipgrams(flat_array, vocabulary_size, window_size=4,
                                 sampling_table=table, seed=0, as_arrays=True),
            pairs_in_range)

    n_tokens = sum(map(len, sequences))
    print(f"\n{len(texts):,} texts, {n_tokens:,} tokens kept by the tokenizer; "
          f"best of {args.runs} runs for textembed\n")
    print(f"{'operation':<40} {'keras s':>9} {'textembed s':>12} {'ratio':>7} {'first call s':>13}")
    for name, keras_s, first, ours_s in rows:
        print(f"{name:<40} {keras_s:>9.3f} {ours_s:>12.3f} {keras_s / ours_s:>6.1f}x {first:>13.3f}")
    cold, warm = compile_times()
    print(f"\nfirst calls in a fresh process (import + every kernel): "
          f"{cold:.1f} s with a cold numba cache (compiling), {warm:.1f} s with a warm cache")


if __name__ == "__main__":
    main()
