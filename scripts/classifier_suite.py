"""The classifier suite behind ``scripts/bench_classifier.py --suite``: textembed's
classifier against fastText supervised on every data set, in one run.

Data (``../shared/data``): MR, SUBJ, MPQA (``LABEL TEXT`` lines, fixed 10% test
split: ``numpy.random.RandomState(0).permutation``, the first tenth held out),
1,000- and 3,000-example samples of the MR and SUBJ training parts (drawn
with each seed), and the cooking questions (fastText's split: the first
12,404 lines train, the last 3,000 test), as single-label data (each
question's first tag) and as multi-label data. fastText reads the text
lower-cased with Keras' punctuation removed (its figures in the data README
were measured so); textembed reads the raw text and tokenizes it itself.
Both use 2 threads; seeds 1, 2, 3 (textembed's seed and fastText's), means
over them. Training time is the wall time of the training call, in the same
process, after a warm-up run (so numba's first compile is not counted).

Sections (``--sections``):

* ``accuracy``: default and ``--arch bag`` against fastText tuned (epoch 25,
  lr 0.5, wordNgrams 2): test accuracy, macro-F1, ECE, training time;
* ``classweight``: macro-F1 without and with balanced class weights on MPQA
  and on a 1:9 sample of MR (positives cut to a ninth of the negatives, in
  training and test), against fastText;
* ``multilabel``: cooking, P@1, R@1, P@5, R@5 against fastText ``-loss ova``;
* ``cv``: 10-fold cross-validation of the default on MR, SUBJ, MPQA beside
  NBSVM-bigram's published figures;
* ``autotune``: ``--autotune-seconds`` of textembed's and fastText's autotune
  on the same validation data (10% of the training part), test accuracy
  against the default's.
"""
import os
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
SETS = {"mr": os.path.join(DATA, "mr", "rt-polarity.all"),
        "subj": os.path.join(DATA, "classify", "subj.all"),
        "mpqa": os.path.join(DATA, "classify", "mpqa.all")}
COOKING = os.path.join(DATA, "classify", "cooking.stackexchange.txt")
FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
NBSVM_BIGRAM = {"mr": 0.794, "subj": 0.932, "mpqa": 0.863}   # Wang & Manning 2012, 10-fold CV
THREADS = 2
_TABLE = str.maketrans({c: " " for c in FILTERS})


# -- data ---------------------------------------------------------------------------

def normalize(text):
    """fastText's input: lower-cased, Keras' punctuation removed."""
    return " ".join(text.lower().translate(_TABLE).split())


def load_label_first(path):
    with open(path, encoding="latin-1", newline="") as f:
        pairs = [line.strip().split(None, 1) for line in f.read().split("\n")]
    pairs = [p for p in pairs if len(p) == 2]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def fixed_split(texts, labels):
    perm = np.random.RandomState(0).permutation(len(texts))
    cut = len(texts) // 10
    pick = lambda idx: ([texts[i] for i in idx], [labels[i] for i in idx])  # noqa: E731
    return pick(perm[cut:]), pick(perm[:cut])


def load_cooking():
    """(train, test) of (texts, label lists) in fastText's split."""
    rows = []
    with open(COOKING, encoding="utf-8") as f:
        for line in f:
            words = line.split()
            tags = [w[len("__label__"):] for w in words if w.startswith("__label__")]
            text = " ".join(w for w in words if not w.startswith("__label__"))
            if tags and text:
                rows.append((text, tags))
    split = lambda part: ([t for t, _ in part], [tags for _, tags in part])  # noqa: E731
    return split(rows[:12404]), split(rows[-3000:])


def sample(train, size, seed):
    texts, labels = train
    idx = np.random.RandomState(seed).permutation(len(texts))[:size]
    return [texts[i] for i in idx], [labels[i] for i in idx]


def imbalanced(part, ratio, seed):
    """All of the first class, positives cut to len(first) / ratio."""
    texts, labels = part
    classes = sorted(set(labels))
    rng = np.random.RandomState(seed)
    neg = [i for i, y in enumerate(labels) if y == classes[0]]
    pos = [i for i, y in enumerate(labels) if y == classes[1]]
    keep = sorted(neg + list(rng.choice(pos, len(neg) // ratio, replace=False)))
    return [texts[i] for i in keep], [labels[i] for i in keep]


# -- the two tools ------------------------------------------------------------------

def fasttext_train(texts, labels, seed, work_dir, **options):
    """A fastText supervised model and its training seconds; labels: str or lists."""
    import fasttext
    path = os.path.join(work_dir, "fasttext-train.txt")
    with open(path, "w", encoding="utf-8") as f:
        for text, label in zip(texts, labels):
            tags = label if isinstance(label, list) else [label]
            f.write(" ".join(f"__label__{t}" for t in tags) + f" {normalize(text)}\n")
    settings = dict(thread=THREADS, seed=seed, verbose=0)
    if "autotuneValidationFile" not in options:  # autotune searches these itself
        settings.update(epoch=25, lr=0.5, wordNgrams=2)
    settings.update(options)
    start = time.perf_counter()
    model = fasttext.train_supervised(input=path, **settings)
    return model, time.perf_counter() - start


def fasttext_probs(model, texts, classes):
    """float (n, C) fastText's probability of every class, in ``classes`` order."""
    index = {c: i for i, c in enumerate(classes)}
    out = np.zeros((len(texts), len(classes)))
    for row, text in enumerate(texts):
        # one line at a time through the binding: fasttext-wheel's batch predict returns
        # wrong probabilities under NumPy 2 (every label gets the top one's)
        for value, label in model.f.predict(normalize(text) + "\n", -1, 0.0, "strict"):
            column = index.get(label[len("__label__"):])
            if column is not None:
                out[row, column] = value
    return out


def textembed_train(texts, labels, seed, **params):
    from textembed.classify.model import TextClassifier
    classifier = TextClassifier(verbose=0, seed=seed, threads=THREADS, **params)
    start = time.perf_counter()
    classifier.fit(texts, labels)
    return classifier, time.perf_counter() - start


def single_scores(probs, labels, classes):
    from textembed.classify.labels import encode
    from textembed.classify.metrics import probability_metrics
    return probability_metrics(np.clip(probs, 1e-12, 1.0), encode(labels, classes, "test"))


def warm_up():
    """Compile (or load) numba's kernels before anything is timed."""
    texts = [f"w{i % 7} w{i % 5} x{i % 3}" for i in range(60)]
    textembed_train(texts, [str(i % 2) for i in range(60)], 0)
    textembed_train(texts, [[str(i % 2), "z"] for i in range(60)], 0)


# -- sections ----------------------------------------------------------------------

def accuracy_sets():
    sets = {}
    for name, path in SETS.items():
        sets[name] = fixed_split(*load_label_first(path))
    train, test = load_cooking()
    sets["cooking-first"] = ((train[0], [t[0] for t in train[1]]),
                             (test[0], [t[0] for t in test[1]]))
    for name in ("mr", "subj"):
        for size in (1000, 3000):
            sets[f"{name}-{size // 1000}k"] = ("sample", name, size)
    return sets


def section_accuracy(seeds, work_dir, rows):
    sets = accuracy_sets()
    for name, spec in sets.items():
        results = {"fastText": [], "default": [], "bag": []}
        for seed in seeds:
            if isinstance(spec, tuple) and spec[0] == "sample":
                full_train, test = sets[spec[1]]
                train = sample(full_train, spec[2], seed)
            else:
                train, test = spec
            model, seconds = fasttext_train(*train, seed, work_dir)
            classes = sorted(set(train[1]))
            test_texts = test[0]
            known = [i for i, y in enumerate(test[1]) if y in set(classes)]
            test_texts = [test_texts[i] for i in known]
            test_labels = [test[1][i] for i in known]
            scores = single_scores(fasttext_probs(model, test_texts, classes), test_labels,
                                   classes)
            results["fastText"].append(dict(scores, seconds=seconds))
            for run, params in (("default", {}), ("bag", {"arch": "bag"})):
                classifier, seconds = textembed_train(*train, seed, **params)
                probs = classifier.predict_proba(test_texts)
                scores = single_scores(probs, test_labels, classifier.classes_)
                results[run].append(dict(scores, seconds=seconds))
        means = {run: {k: float(np.mean([r[k] for r in rs])) for k in rs[0]}
                 for run, rs in results.items()}
        ft = means["fastText"]
        for run in ("default", "bag"):
            m = means[run]
            rows.append({"section": "accuracy", "data": name, "run": run,
                         "textembed": m["accuracy"], "fastText": ft["accuracy"],
                         "diff": m["accuracy"] - ft["accuracy"],
                         "time": m["seconds"], "peer_time": ft["seconds"],
                         "extra": f"macro-F1 {m['macro_f1']:.4f}/{ft['macro_f1']:.4f}, ECE "
                                  f"{m['ece']:.4f}/{ft['ece']:.4f}"})
        print_rows(rows[-2:])


def section_classweight(seeds, work_dir, rows):
    mpqa = fixed_split(*load_label_first(SETS["mpqa"]))
    mr = fixed_split(*load_label_first(SETS["mr"]))
    parts = {"mpqa": lambda seed: mpqa,
             "mr-1:9": lambda seed: (imbalanced(mr[0], 9, seed), imbalanced(mr[1], 9, seed))}
    for name, make in parts.items():
        results = {"fastText": [], "unweighted": [], "balanced": []}
        for seed in seeds:
            train_part, test_part = make(seed)
            classes = sorted(set(train_part[1]))
            model, seconds = fasttext_train(*train_part, seed, work_dir)
            results["fastText"].append(single_scores(
                fasttext_probs(model, test_part[0], classes), test_part[1], classes))
            for run, weight in (("unweighted", None), ("balanced", "balanced")):
                classifier, _ = textembed_train(*train_part, seed, class_weight=weight)
                results[run].append(single_scores(classifier.predict_proba(test_part[0]),
                                                  test_part[1], classes))
        means = {run: float(np.mean([r["macro_f1"] for r in rs])) for run, rs in results.items()}
        rows.append({"section": "classweight", "data": name, "run": "balanced macro-F1",
                     "textembed": means["balanced"], "fastText": means["fastText"],
                     "diff": means["balanced"] - means["fastText"],
                     "extra": f"unweighted {means['unweighted']:.4f}"})
        print_rows(rows[-1:])


def section_multilabel(seeds, work_dir, rows):
    from textembed.classify.metrics import multilabel_report
    (train_texts, train_tags), (test_texts, test_tags) = load_cooking()
    results = {"fastText": [], "textembed": []}
    for seed in seeds:
        model, seconds = fasttext_train(train_texts, train_tags, seed, work_dir, loss="ova")
        classes = sorted({t for tags in train_tags for t in tags})
        index = {c: i for i, c in enumerate(classes)}
        targets = np.zeros((len(test_texts), len(classes)), dtype=bool)
        gold = sum(len(tags) for tags in test_tags)
        for row, tags in enumerate(test_tags):
            targets[row, [index[t] for t in tags if t in index]] = True
        for run, probs, secs in (
                ("fastText", fasttext_probs(model, test_texts, classes), seconds),
                ("textembed", *_multilabel_textembed(train_texts, train_tags, test_texts,
                                                      seed, classes))):
            report = multilabel_report(probs, targets, classes, k=5)
            # recall over every true label, those never seen in training included
            scale = targets.sum() / gold
            results[run].append({"p@1": report["p@1"], "r@1": report["r@1"] * scale,
                                 "p@5": report["p@5"], "r@5": report["r@5"] * scale,
                                 "seconds": secs})
    means = {run: {k: float(np.mean([r[k] for r in rs])) for k in rs[0]}
             for run, rs in results.items()}
    for key in ("p@1", "r@1", "p@5", "r@5"):
        rows.append({"section": "multilabel", "data": "cooking", "run": key,
                     "textembed": means["textembed"][key], "fastText": means["fastText"][key],
                     "diff": means["textembed"][key] - means["fastText"][key],
                     "time": means["textembed"]["seconds"],
                     "peer_time": means["fastText"]["seconds"]})
    print_rows(rows[-4:])


def _multilabel_textembed(train_texts, train_tags, test_texts, seed, classes):
    classifier, seconds = textembed_train(train_texts, train_tags, seed)
    probs = classifier.predict_proba(test_texts)
    out = np.zeros((len(test_texts), len(classes)))
    columns = [classes.index(c) for c in classifier.classes_]
    out[:, columns] = probs
    return out, seconds


def section_cv(seeds, work_dir, rows):
    from textembed.classify.cross_validation import cross_validate
    for name, path in SETS.items():
        texts, labels = load_label_first(path)
        start = time.perf_counter()
        result = cross_validate(texts, labels, k=10, seed=seeds[0], verbose=0, threads=THREADS)
        rows.append({"section": "cv", "data": name, "run": "default 10-fold",
                     "textembed": result["mean"], "fastText": None,
                     "nbsvm": NBSVM_BIGRAM[name], "diff": result["mean"] - NBSVM_BIGRAM[name],
                     "time": time.perf_counter() - start,
                     "extra": f"± {result['std']:.4f}; vs NBSVM-bigram {NBSVM_BIGRAM[name]}"})
        print_rows(rows[-1:])


def section_autotune(seeds, work_dir, rows, seconds):
    from textembed.classify.labels import encode
    from textembed.classify.model import TextClassifier
    for name, path in SETS.items():
        train, test = fixed_split(*load_label_first(path))
        results = {"fastText": [], "textembed": [], "default": []}
        for seed in seeds[:1]:
            perm = np.random.RandomState(seed).permutation(len(train[0]))
            cut = len(perm) // 10
            fit_idx, valid_idx = perm[cut:], perm[:cut]
            part = lambda idx: ([train[0][i] for i in idx], [train[1][i] for i in idx])  # noqa
            fit, valid = part(fit_idx), part(valid_idx)
            valid_path = os.path.join(work_dir, "fasttext-valid.txt")
            with open(valid_path, "w", encoding="utf-8") as f:
                for text, label in zip(*valid):
                    f.write(f"__label__{label} {normalize(text)}\n")
            model, _ = fasttext_train(*fit, seed, work_dir, autotuneValidationFile=valid_path,
                                      autotuneDuration=seconds)
            classes = sorted(set(train[1]))
            y = encode(test[1], classes, "test")
            results["fastText"].append(float(np.mean(
                fasttext_probs(model, test[0], classes).argmax(axis=1) == y)))
            tuned = TextClassifier(verbose=0, seed=seed, threads=THREADS)
            tuned.fit(*fit, valid_texts=valid[0], valid_labels=valid[1],
                      autotune_duration=seconds)
            results["textembed"].append(tuned.score(*test))
            default, _ = textembed_train(*fit, seed)
            results["default"].append(default.score(*test))
        means = {run: float(np.mean(v)) for run, v in results.items()}
        rows.append({"section": "autotune", "data": name, "run": f"autotune {seconds} s",
                     "textembed": means["textembed"], "fastText": means["fastText"],
                     "diff": means["textembed"] - means["fastText"],
                     "extra": f"default {means['default']:.4f}"})
        print_rows(rows[-1:])


SECTIONS = {"accuracy": section_accuracy, "classweight": section_classweight,
            "multilabel": section_multilabel, "cv": section_cv, "autotune": section_autotune}


def print_rows(rows):
    for r in rows:
        fast = "-" if r.get("fastText") is None else f"{r['fastText']:.4f}"
        ratio = ""
        if r.get("time") and r.get("peer_time"):
            ratio = f"time x{r['time'] / r['peer_time']:.2f} ({r['time']:.2f} s / " \
                    f"{r['peer_time']:.2f} s)"
        print(f"{r['section']:11s} {r['data']:14s} {r['run']:18s} {r['textembed']:.4f}  "
              f"{fast:>7s}  {100 * r['diff']:+6.2f} pt  {ratio}  {r.get('extra', '')}",
              flush=True)


def run_suite(sections, seeds, autotune_seconds):
    missing = [p for p in list(SETS.values()) + [COOKING] if not os.path.exists(p)]
    if missing:
        print(f"{missing[0]} not found (../shared/data is absent): nothing to benchmark")
        return 0
    sys.path.insert(0, os.path.dirname(HERE))
    warm_up()
    print(f"{'section':11s} {'data':14s} {'run':18s} {'textembed':>6s} {'fastText':>8s}  "
          f"{'diff':>9s}  time ratio", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="classifier-suite-") as work_dir:
        for name in sections:
            if name == "autotune":
                section_autotune(seeds, work_dir, rows, autotune_seconds)
            else:
                SECTIONS[name](seeds, work_dir, rows)
    print("\n== summary ==")
    print_rows(rows)
    return 0
