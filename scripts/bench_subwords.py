"""Benchmark textembed's subword skip-gram (`skipgram --subwords`) against fastText's, in one run.

Both train skip-gram with character n-grams on the same corpus with the same
settings (dim 100, window 5, negative 5, min-count 5, 5 epochs, n-grams 3-6 in
2M buckets, subsampling 1e-3, 2 threads; fastText's lr 0.05, ours --alpha),
each in its own process, and both models are saved in fastText's .bin format
and read back by textembed's reader, so one evaluator scores both:

* known words: WordSim-353 and SimLex-999 Spearman over the pairs whose words
  are in the vocabulary, analogy accuracy over the top-30k words (as
  scripts/bench_skipgram.py);
* full coverage: after training on the first tenth of the corpus, every pair
  and every question is scored, an unseen word's vector composed from its
  n-grams (analogy candidates: the top-30k words plus every question word).

Words/s is corpus tokens x epochs / wall time of the training call
(vocabulary pass included, saving not).

textembed may run with several settings in the same run (``--ours
SAMPLE:ALPHA``, repeated; default its own defaults, 3e-4:0.05): each is
compared with the one fastText run.

Usage: python scripts/bench_subwords.py [--seed 1] [--ours 3e-4:0.05 --ours 1e-3:0.05]
       [--skip-tenth] [--skip-full]
Needs: pip install fasttext-wheel (bench only).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
CORPUS = SHARED / "corpus" / "bench_corpus.txt"
EVAL = SHARED / "eval"
SETTINGS = dict(dim=100, window=5, negative=5, min_count=5, epochs=5, threads=2, minn=3, maxn=6,
                bucket=2_000_000)


def count_tokens(path):
    with open(path, "rb") as handle:
        return sum(len(line.split()) for line in handle)


# -- children: one training run each, printing a JSON line --------------------

def child_fasttext(args):
    import fasttext

    start = time.perf_counter()
    model = fasttext.train_unsupervised(
        args.corpus, model="skipgram", dim=args.dim, ws=args.window, neg=args.negative,
        minCount=args.min_count, t=1e-3, epoch=args.epochs, thread=args.threads, lr=0.05,
        minn=args.minn, maxn=args.maxn, bucket=args.bucket, verbose=0)
    wall = time.perf_counter() - start
    model.save_model(args.out)
    print(json.dumps({"wall": wall}))


def child_textembed(args):
    from textembed.word2vec import train

    start = time.perf_counter()
    vectors = train(args.corpus, dim=args.dim, window=args.window, negative=args.negative,
                    min_count=args.min_count, sample=args.sample, epochs=args.epochs,
                    threads=args.threads, seed=args.seed, alpha=args.alpha,
                    tokenizer="whitespace", subwords=True, minn=args.minn, maxn=args.maxn,
                    bucket=args.bucket)
    wall = time.perf_counter() - start
    vectors.save_fasttext_format(args.out)
    print(json.dumps({"wall": wall, "loss": vectors.stats.loss,
                      "encode": vectors.stats.encode_seconds}))


# -- parent -----------------------------------------------------------------

def run_child(tool, corpus, out, args, sample, alpha):
    command = [sys.executable, __file__, "--child", tool, "--corpus", str(corpus), "--out", out,
               "--seed", str(args.seed), "--alpha", str(alpha), "--sample", str(sample)]
    for key in SETTINGS:
        command += [f"--{key.replace('_', '-')}", str(getattr(args, key))]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"bench_subwords: the {tool} run failed")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def score(path, full):
    """Scores of a .bin model read by textembed: known words only, or full coverage."""
    from textembed.word2vec import WordVectors
    from textembed.word2vec.subword_vectors import SubwordVectors

    model = SubwordVectors.load_fasttext_format(path)
    vectors = model if full else WordVectors(model.words, model.vectors)
    kwargs = {} if full else {"restrict_vocab": 300000}
    analogies = vectors.evaluate_word_analogies(EVAL / "questions-words.txt", restrict_vocab=30000)
    ws353 = vectors.evaluate_word_pairs(EVAL / "wordsim353.tsv", **kwargs)
    simlex = vectors.evaluate_word_pairs(EVAL / "simlex999.txt", **kwargs)
    return {"ws353": ws353["spearman"], "simlex": simlex["spearman"],
            "analogy": analogies["accuracy"], "vocab": len(model),
            "pairs_used": ws353["used"] + simlex["used"],
            "questions_used": analogies["used"], "questions": analogies["questions"]}


def train_and_score(tool, corpus, tokens, scratch, args, full, sample=1e-3, alpha=0.05):
    out = os.path.join(scratch, f"{tool}.bin")
    result = run_child(tool, corpus, out, args, sample, alpha)
    result["words_per_s"] = tokens * args.epochs / result["wall"]
    result.update(score(out, full=False))
    if full:
        result["full"] = score(out, full=True)
    os.unlink(out)
    name = tool if tool == "fasttext" else f"textembed --sample {sample:g} --alpha {alpha:g}"
    print(f"  {name}:\n  {'':<10} {result['wall']:6.1f} s  {result['words_per_s'] / 1e3:6.0f}k words/s  "
          f"peak {result['peak_mb']:5.0f} MB  vocab {result['vocab']:,}  "
          f"WS353 {result['ws353']:.3f}  SimLex {result['simlex']:.3f}  "
          f"analogy {result['analogy']:.3f}", flush=True)
    if full:
        f = result["full"]
        print(f"  {'':<10} full coverage: WS353 {f['ws353']:.3f}  SimLex {f['simlex']:.3f}  "
              f"analogy {f['analogy']:.3f} ({f['pairs_used']} pairs, "
              f"{f['questions_used']}/{f['questions']} questions)", flush=True)
    return result


def compare(title, ours, theirs, keys):
    print(f"\n{title}")
    print(f"{'':<14} {'textembed':>10} {'fastText':>10} {'ratio':>7}")
    for key in keys:
        a, b = ours[key], theirs[key]
        print(f"{key:<14} {a:>10.3f} {b:>10.3f} {a / b:>6.2f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["textembed", "fasttext"])
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--alpha", type=float, default=0.05, help=argparse.SUPPRESS)
    parser.add_argument("--sample", type=float, default=1e-3, help=argparse.SUPPRESS)
    parser.add_argument("--ours", action="append", default=None, metavar="SAMPLE:ALPHA",
                        help="textembed's subsampling and learning rate (repeatable; "
                             "default 3e-4:0.05, its defaults)")
    for key, value in SETTINGS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--skip-full", action="store_true", help="no run on the whole corpus")
    parser.add_argument("--skip-tenth", action="store_true", help="no full-coverage run")
    args = parser.parse_args()
    if args.child == "textembed":
        return child_textembed(args)
    if args.child == "fasttext":
        return child_fasttext(args)

    if not Path(args.corpus).exists() or not EVAL.exists():
        sys.exit(f"bench_subwords: {args.corpus} or {EVAL} not found (the shared data folder)")
    settings = {key: getattr(args, key) for key in SETTINGS}
    ours_settings = [tuple(float(x) for x in o.split(":")) for o in (args.ours or ["3e-4:0.05"])]
    print(f"settings {settings}; fastText -t 1e-3 -lr 0.05; textembed (sample, alpha) "
          f"{ours_settings}; seed {args.seed}")
    with tempfile.TemporaryDirectory(prefix="bench-subwords-") as scratch:
        if not args.skip_full:
            tokens = count_tokens(args.corpus)
            print(f"corpus {args.corpus}: {tokens:,} tokens")
            theirs = train_and_score("fasttext", args.corpus, tokens, scratch, args, full=False)
            for sample, alpha in ours_settings:
                ours = train_and_score("textembed", args.corpus, tokens, scratch, args,
                                       full=False, sample=sample, alpha=alpha)
                compare(f"whole corpus, known words (same run), textembed --sample {sample:g} "
                        f"--alpha {alpha:g}", ours, theirs,
                        ("wall", "words_per_s", "peak_mb", "ws353", "simlex", "analogy"))
        if not args.skip_tenth:
            tenth = os.path.join(scratch, "tenth.txt")
            with open(args.corpus, "rb") as source:
                lines = source.readlines()
            with open(tenth, "wb") as out:
                out.writelines(lines[:len(lines) // 10])
            del lines
            tokens = count_tokens(tenth)
            print(f"\nfirst tenth of the corpus: {tokens:,} tokens")
            theirs = train_and_score("fasttext", tenth, tokens, scratch, args, full=True)
            for sample, alpha in ours_settings:
                ours = train_and_score("textembed", tenth, tokens, scratch, args, full=True,
                                       sample=sample, alpha=alpha)
                title = f"tenth of the corpus, textembed --sample {sample:g} --alpha {alpha:g}"
                compare(f"{title}: full coverage (unseen words from n-grams)",
                        ours["full"], theirs["full"], ("ws353", "simlex", "analogy"))
                compare(f"{title}: known words and speed", ours, theirs,
                        ("wall", "words_per_s", "ws353", "simlex", "analogy"))


if __name__ == "__main__":
    main()
