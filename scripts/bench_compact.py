"""Compact classifier models on MR: size, accuracy and loading time, against fastText.

MR, fixed 10% test split (as ``classifier_suite``). In the same run:

* textembed's default model: saved as it is, quantized (``--quantize``), and
  cut to the 100,000 most important features (``--cutoff 100000``, trained
  again on them): model directory size and test accuracy;
* fastText tuned (25 epochs, lr 0.5, word bigrams): ``.bin`` and ``.ftz``
  (``quantize`` with ``cutoff=100000, retrain=True, qnorm=True``), size and
  test accuracy;
* loading: a cold ``echo TEXT | textembed predict MODEL_DIR`` in a new
  process (median of 5 wall times) and ``TextClassifier.load`` in-process
  (best of 5).

    python scripts/bench_compact.py
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import classifier_suite as suite  # noqa: E402


def directory_size(path):
    return sum(os.path.getsize(os.path.join(path, name)) for name in os.listdir(path))


def cold_predict_seconds(model_dir, text="a gripping and funny film", runs=5):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "textembed", "predict", model_dir, "-q"],
                       input=text.encode(), capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    if not os.path.exists(suite.SETS["mr"]):
        print(f"{suite.SETS['mr']} not found (../shared/data is absent): nothing to benchmark")
        return 0
    sys.path.insert(0, os.path.dirname(HERE))
    from textembed.classify.model import TextClassifier
    (train_texts, train_labels), (test_texts, test_labels) = suite.fixed_split(
        *suite.load_label_first(suite.SETS["mr"]))
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-compact-") as work:
        full = TextClassifier(verbose=0, seed=1, threads=suite.THREADS)
        full.fit(train_texts, train_labels)
        variants = {"textembed default": {},
                    "textembed --quantize": {"quantize": True},
                    "textembed --quantize --cutoff 100000": {"quantize": True,
                                                            "cutoff": 100_000}}
        for name, compact in variants.items():
            model = TextClassifier.load(_save(full, os.path.join(work, "full")))
            if compact:
                model.compact(texts=train_texts, labels=train_labels, **compact)
            path = _save(model, os.path.join(work, name.replace(" ", "_")))
            loads = []
            for _ in range(5):
                start = time.perf_counter()
                TextClassifier.load(path)
                loads.append(time.perf_counter() - start)
            rows.append({"name": name, "size": directory_size(path),
                         "accuracy": model.score(test_texts, test_labels),
                         "load": min(loads), "cold": cold_predict_seconds(path)})
        fast, _ = suite.fasttext_train(train_texts, train_labels, 1, work)
        classes = sorted(set(train_labels))
        y = [classes.index(label) for label in test_labels]
        for name, path in (("fastText .bin", "model.bin"), ("fastText .ftz", "model.ftz")):
            if path.endswith(".ftz"):
                fast.quantize(input=os.path.join(work, "fasttext-train.txt"), qnorm=True,
                              retrain=True, cutoff=100_000, thread=suite.THREADS)
            fast.save_model(os.path.join(work, path))
            probs = suite.fasttext_probs(fast, test_texts, classes)
            rows.append({"name": name, "size": os.path.getsize(os.path.join(work, path)),
                         "accuracy": float((probs.argmax(axis=1) == y).mean())})
    print(f"{'model':40s} {'size MB':>9s} {'test acc':>9s} {'load ms':>8s} {'cold predict s':>15s}")
    for r in rows:
        load = f"{1000 * r['load']:.1f}" if "load" in r else "-"
        cold = f"{r['cold']:.2f}" if "cold" in r else "-"
        print(f"{r['name']:40s} {r['size'] / 1e6:9.2f} {100 * r['accuracy']:9.2f} {load:>8s} "
              f"{cold:>15s}")
    return 0


def _save(model, path):
    model.save(path, force=True)
    return path


if __name__ == "__main__":
    sys.exit(main())
