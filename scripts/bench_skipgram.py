"""Benchmark textembed's skip-gram trainer against gensim, in one run.

Both tools train on the same corpus with the same settings (skip-gram,
negative 5, window 5, dim 100, min-count 5, sample 1e-3, 5 epochs, 2 threads;
gensim in corpus_file mode), one after the other, each in its own process so
that its peak memory (max RSS) is its own. Both vector sets are scored by the
same evaluator: WordSim-353 and SimLex-999 Spearman, analogy accuracy over the
top-30k vocabulary. Words/s is corpus tokens x epochs / wall time of the whole
run (vocabulary pass included).

--model cbow trains CBOW instead (gensim `Word2Vec(sg=0, cbow_mean=1,
corpus_file=...)`, textembed `train(..., model="cbow")`), at alpha 0.05 for
both (word2vec.c's CBOW default) unless --alpha is given.

Extra checks:
  --threads-check   textembed words/s with 1 thread vs 2 threads (1 epoch)
  --memory-check    textembed peak memory on the corpus vs the corpus x4 (1 epoch;
                    min-count x4 there, so the vocabulary is the same)
  --defaults        textembed with its default options (`textembed skipgram
                    CORPUS`: default tokenizer, alpha, sample) against gensim
                    at its defaults (speed) and fastText's published figures
  --barrier-check   textembed words/s with and without a barrier at each epoch's
                    end (what --eval-every-epoch needs; here with an evaluation
                    that does nothing), alternating, one run each per seed
  --resume-check    resumed training: the corpus cut in two halves A and B (by
                    lines), textembed on A then resumed on B (--resume-alpha
                    continue and restart) against A + B in one run, same seed
                    (one run each; --model applies)
  --fasttext        with --defaults, also train fastText's skip-gram (0.9.2,
                    -minn 0 -maxn 0 -t 1e-3, dim 100, 5 epochs, 2 threads) in
                    the same run (pip install fasttext-wheel)

Usage: python scripts/bench_skipgram.py [--model cbow] [--seeds 1 2 3] [--threads-check]
       [--memory-check] [--defaults [--fasttext]]
Needs: pip install gensim (bench only).
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
MODEL = ["skipgram"]  # set by --model
SETTINGS = dict(dim=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, threads=2)


def count_tokens(path):
    with open(path, "rb") as handle:
        return sum(len(line.split()) for line in handle)


# -- children: one training run each, printing a JSON line --------------------

def child_gensim(args):
    from gensim.models import Word2Vec

    start = time.perf_counter()
    model = Word2Vec(corpus_file=args.corpus, sg=int(args.model == "skipgram"), cbow_mean=1,
                     hs=0, negative=args.negative,
                     window=args.window, vector_size=args.dim, min_count=args.min_count,
                     sample=args.sample, epochs=args.epochs, workers=args.threads,
                     alpha=args.alpha, min_alpha=0.0001, seed=args.seed)
    wall = time.perf_counter() - start
    model.wv.save_word2vec_format(args.out, binary=True)
    print(json.dumps({"wall": wall}))


def child_fasttext(args):
    import fasttext

    start = time.perf_counter()
    model = fasttext.train_unsupervised(args.corpus, model="skipgram", dim=args.dim,
                                        ws=args.window, neg=args.negative,
                                        minCount=args.min_count, t=args.sample,
                                        epoch=args.epochs, thread=args.threads, minn=0, maxn=0,
                                        verbose=0)
    wall = time.perf_counter() - start
    words = model.get_words()
    with open(args.out, "w", encoding="utf-8") as out:
        out.write(f"{len(words)} {args.dim}\n")
        for word in words:
            row = " ".join(f"{x:.6g}" for x in model.get_word_vector(word))
            out.write(f"{word} {row}\n")
    print(json.dumps({"wall": wall}))


def child_textembed(args):
    from textembed.word2vec import train

    start = time.perf_counter()
    if args.use_defaults:
        # Exactly what `textembed skipgram CORPUS` does (default tokenizer too).
        options = dict(threads=args.threads, seed=args.seed)
    else:
        options = dict(dim=args.dim, window=args.window, negative=args.negative,
                       min_count=args.min_count, sample=args.sample, epochs=args.epochs,
                       threads=args.threads, seed=args.seed, tokenizer="whitespace",
                       model=args.model)
        if args.alpha is not None:
            options["alpha"] = args.alpha
    timings = []
    if args.barrier_timing:
        _record_job_times(timings)
    if args.barrier:
        options["evaluate"] = lambda vectors: {}
    if args.resume:
        options.update(resume=args.resume, resume_alpha=args.resume_alpha)
        for key in ("dim", "model", "window", "negative", "min_count", "sample"):
            options.pop(key, None)
    vectors = train(args.corpus, keep_state=bool(args.save_state), **options)
    wall = time.perf_counter() - start
    vectors.save_word2vec_format(args.out, binary=True)
    if args.save_state:
        from textembed.word2vec import save_state
        save_state(vectors, args.save_state)
    result = {"wall": wall, "loss": vectors.stats.loss}
    if timings:
        result["idle"] = _idle_between_epochs(timings)
    print(json.dumps(result))


def _record_job_times(timings):
    """Wrap the trainer's steps to log (thread, start, end, epoch) of every job."""
    import threading

    from textembed.word2vec import training

    for name in ("skipgram_step", "cbow_step"):
        make = getattr(training, name)

        def timed(*args, make=make):
            step = make(*args)

            def run(job, alpha_start, alpha_end, epoch, index):
                start = time.perf_counter()
                result = step(job, alpha_start, alpha_end, epoch, index)
                timings.append((threading.get_ident(), start, time.perf_counter(), epoch))
                return result
            return run
        setattr(training, name, timed)


def _idle_between_epochs(timings):
    """Thread-seconds the workers waited between an epoch's last job and the next
    epoch's first (per thread, summed over the epoch boundaries)."""
    idle = 0.0
    threads = {t for t, _, _, _ in timings}
    epochs = sorted({e for _, _, _, e in timings})
    for thread in threads:
        mine = [(s, e, ep) for t, s, e, ep in timings if t == thread]
        for epoch in epochs[:-1]:
            ends = [e for s, e, ep in mine if ep == epoch]
            starts = [s for s, e, ep in mine if ep == epoch + 1]
            if ends and starts:
                idle += max(0.0, min(starts) - max(ends))
    return idle


# -- parent -----------------------------------------------------------------

def run_child(tool, corpus, out, seed, alpha=None, use_defaults=False, barrier=False,
              extra=(), **overrides):
    settings = dict(SETTINGS, **overrides)
    command = [sys.executable, __file__, "--child", tool, "--corpus", str(corpus),
               "--out", out, "--seed", str(seed), "--model", MODEL[0]]
    for key, value in settings.items():
        command += [f"--{key.replace('_', '-')}", str(value)]
    if alpha is not None:
        command += ["--alpha", str(alpha)]
    if use_defaults:
        command.append("--use-defaults")
    if barrier:
        command.append("--barrier")
    command += list(extra)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"bench_skipgram: the {tool} run failed (exit {process.returncode})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_mb"] = usage.ru_maxrss / 1024
    return result


def evaluate(path):
    from textembed.word2vec import load_word2vec_format

    vectors = load_word2vec_format(path)
    analogies = vectors.evaluate_word_analogies(EVAL / "questions-words.txt", restrict_vocab=30000)
    ws353 = vectors.evaluate_word_pairs(EVAL / "wordsim353.tsv")
    simlex = vectors.evaluate_word_pairs(EVAL / "simlex999.txt")
    return {"ws353": ws353["spearman"], "simlex": simlex["spearman"],
            "analogy": analogies["accuracy"], "vocab": len(vectors)}


def train_and_score(tool, corpus, tokens, seed, scratch, alpha=None, use_defaults=False,
                    barrier=False, extra=(), label=None, **overrides):
    out = os.path.join(scratch, f"{tool}-{seed}.bin")
    result = run_child(tool, corpus, out, seed, alpha=alpha, use_defaults=use_defaults,
                       barrier=barrier, extra=extra, **overrides)
    epochs = overrides.get("epochs", SETTINGS["epochs"])
    result["words_per_s"] = tokens * epochs / result["wall"]
    result.update(evaluate(out))
    os.unlink(out)
    print(f"  {label or tool:<10} seed {seed}: {result['wall']:6.1f} s  "
          f"{result['words_per_s'] / 1e3:6.0f}k words/s  peak {result['peak_mb']:5.0f} MB  "
          f"WS353 {result['ws353']:.3f}  SimLex {result['simlex']:.3f}  "
          f"analogy {result['analogy']:.3f}", flush=True)
    return result


def mean(rows, key):
    return sum(r[key] for r in rows) / len(rows)


def compare(title, ours, theirs, keys=("wall", "words_per_s", "peak_mb", "ws353", "simlex", "analogy"),
            peer="gensim"):
    print(f"\n{title}")
    print(f"{'':<12} {'textembed':>10} {peer:>10} {'ratio':>7}")
    for key in keys:
        a, b = mean(ours, key), mean(theirs, key)
        print(f"{key:<12} {a:>10.3f} {b:>10.3f} {a / b:>6.2f}x")


def bench_cbow(args, tokens):
    """CBOW: gensim and textembed alternately, per seed; the ratios of the means."""
    alpha = 0.05 if args.alpha is None else args.alpha
    with tempfile.TemporaryDirectory(prefix="bench-cbow-") as scratch:
        ours, theirs = [], []
        for seed in args.seeds:
            theirs.append(train_and_score("gensim", args.corpus, tokens, seed, scratch,
                                          alpha=alpha))
            ours.append(train_and_score("textembed", args.corpus, tokens, seed, scratch,
                                        alpha=alpha))
        compare(f"CBOW, same settings (alpha {alpha}), mean over seeds {args.seeds}",
                ours, theirs)


def bench_resume(args):
    """A then B (resumed, two learning-rate choices) against A + B in one run."""
    alpha = args.alpha or 0.025
    seed = args.seeds[0]
    with tempfile.TemporaryDirectory(prefix="bench-resume-") as scratch:
        lines = Path(args.corpus).read_bytes().splitlines(keepends=True)
        half = len(lines) // 2
        parts = {}
        for name, chunk in (("a", lines[:half]), ("b", lines[half:])):
            parts[name] = os.path.join(scratch, f"{name}.txt")
            with open(parts[name], "wb") as out:
                out.writelines(chunk)
            parts[name + "_tokens"] = sum(len(line.split()) for line in chunk)
        del lines
        state = os.path.join(scratch, "a.state")
        joint = train_and_score("textembed", args.corpus, parts["a_tokens"] + parts["b_tokens"],
                                seed, scratch, alpha=alpha, label="A+B")
        only_a = train_and_score("textembed", parts["a"], parts["a_tokens"], seed, scratch,
                                 alpha=alpha, extra=["--save-state", state], label="A")
        rows = {"A+B": joint, "A only": only_a}
        for choice in ("continue", "restart"):
            rows[f"A, then B ({choice})"] = train_and_score(
                "textembed", parts["b"], parts["b_tokens"], seed, scratch, alpha=alpha,
                extra=["--resume", state, "--resume-alpha", choice], label=f"B {choice}")
    print(f"\nresumed training ({args.model}, alpha {alpha}, seed {seed}), halves by lines")
    print(f"{'':<24} {'WS353':>7} {'SimLex':>7} {'analogy':>8} {'vocab':>8}")
    for name, row in rows.items():
        print(f"{name:<24} {row['ws353']:>7.3f} {row['simlex']:>7.3f} {row['analogy']:>8.3f} "
              f"{row['vocab']:>8,}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", choices=["gensim", "textembed", "fasttext"])
    parser.add_argument("--use-defaults", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--barrier", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--barrier-timing", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--save-state", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--resume", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--resume-alpha", default="restart", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", default=str(CORPUS))
    parser.add_argument("--out")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    for key, value in SETTINGS.items():
        parser.add_argument(f"--{key.replace('_', '-')}", type=type(value), default=value)
    parser.add_argument("--alpha", type=float, default=None)
    parser.add_argument("--model", choices=["skipgram", "cbow"], default="skipgram")
    parser.add_argument("--threads-check", action="store_true")
    parser.add_argument("--barrier-check", action="store_true")
    parser.add_argument("--resume-check", action="store_true")
    parser.add_argument("--memory-check", action="store_true")
    parser.add_argument("--defaults", action="store_true")
    parser.add_argument("--fasttext", action="store_true")
    parser.add_argument("--skip-main", action="store_true", help="only the extra checks")
    args = parser.parse_args()

    MODEL[0] = args.model
    if args.child == "gensim":
        if args.alpha is None:
            args.alpha = 0.025
        return child_gensim(args)
    if args.child == "textembed":
        return child_textembed(args)
    if args.child == "fasttext":
        return child_fasttext(args)

    if not Path(args.corpus).exists() or not EVAL.exists():
        sys.exit(f"bench_skipgram: {args.corpus} or {EVAL} not found (the shared data folder)")
    tokens = count_tokens(args.corpus)
    print(f"corpus {args.corpus}: {tokens:,} tokens; model {args.model}; settings {SETTINGS}")
    if args.resume_check:
        return bench_resume(args)
    if args.model == "cbow":
        return bench_cbow(args, tokens)
    with tempfile.TemporaryDirectory(prefix="bench-skipgram-") as scratch:
        if not args.skip_main:
            ours, theirs = [], []
            for seed in args.seeds:
                theirs.append(train_and_score("gensim", args.corpus, tokens, seed, scratch, alpha=0.025))
                ours.append(train_and_score("textembed", args.corpus, tokens, seed, scratch, alpha=0.025))
            compare(f"same settings (alpha 0.025), mean over seeds {args.seeds}", ours, theirs)
        if args.defaults:
            if args.skip_main:
                theirs = [train_and_score("gensim", args.corpus, tokens, s, scratch, alpha=0.025)
                          for s in args.seeds]
            ours = [train_and_score("textembed", args.corpus, tokens, s, scratch, use_defaults=True)
                    for s in args.seeds]
            compare("textembed defaults vs gensim defaults (alpha 0.025): speed", ours, theirs,
                    keys=("wall", "words_per_s", "peak_mb"))
            if args.fasttext:
                fast = [train_and_score("fasttext", args.corpus, tokens, args.seeds[0], scratch)]
                compare("textembed defaults vs fastText skip-gram (same run): quality", ours, fast,
                        keys=("wall", "words_per_s", "ws353", "simlex", "analogy"),
                        peer="fastText")
            else:
                print("fastText skip-gram reference (../shared/data/README.md): "
                      "WS353 0.604, SimLex 0.396, analogy 0.195, 187k words/s")
        if args.threads_check:
            one = train_and_score("textembed", args.corpus, tokens, 1, scratch, threads=1, epochs=1)
            two = train_and_score("textembed", args.corpus, tokens, 1, scratch, threads=2, epochs=1)
            print(f"\nthreads (1 epoch): 1 thread {one['words_per_s'] / 1e3:.0f}k words/s, "
                  f"2 threads {two['words_per_s'] / 1e3:.0f}k words/s "
                  f"({two['words_per_s'] / one['words_per_s']:.2f}x)")
        if args.barrier_check:
            free, fenced = [], []
            timing = ["--barrier-timing"]
            for seed in args.seeds:
                free.append(train_and_score("textembed", args.corpus, tokens, seed, scratch,
                                            alpha=0.025, extra=timing))
                fenced.append(train_and_score("textembed", args.corpus, tokens, seed, scratch,
                                              alpha=0.025, barrier=True, extra=timing))
            a, b = mean(free, "wall"), mean(fenced, "wall")
            threads = SETTINGS["threads"]
            for name, rows in (("without", free), ("with", fenced)):
                share = [r["idle"] / (threads * r["wall"]) for r in rows]
                print(f"  {name} barrier: workers idle between epochs "
                      + ", ".join(f"{r['idle']:.3f}" for r in rows)
                      + f" thread-s = {100 * sum(share) / len(share):.2f}% of the threads' time")
            print(f"\nbarrier at each epoch end ({SETTINGS['epochs']} epochs, "
                  f"{SETTINGS['threads']} threads): {a:.2f} s without, {b:.2f} s with "
                  f"({b / a - 1:+.1%}); per run: "
                  + ", ".join(f"{x['wall']:.2f}/{y['wall']:.2f}" for x, y in zip(free, fenced)))
        if args.memory_check:
            big = os.path.join(scratch, "corpus_x4.txt")
            with open(big, "wb") as out:
                data = Path(args.corpus).read_bytes()
                for _ in range(4):
                    out.write(data)
            del data
            # min-count x4 on the x4 corpus keeps the vocabulary (and so the
            # weight matrices) the same: only the corpus length changes.
            small = train_and_score("textembed", args.corpus, tokens, 1, scratch, epochs=1)
            large = train_and_score("textembed", big, 4 * tokens, 1, scratch, epochs=1,
                                    min_count=4 * args.min_count)
            print(f"\nmemory (1 epoch): corpus {small['peak_mb']:.0f} MB "
                  f"({small['vocab']:,} words), corpus x4 with min-count x4 "
                  f"{large['peak_mb']:.0f} MB ({large['vocab']:,} words): "
                  f"{large['peak_mb'] / small['peak_mb'] - 1:+.1%}")


if __name__ == "__main__":
    main()
