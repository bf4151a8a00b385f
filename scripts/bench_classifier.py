"""Sentence classification on MR: textembed's TextClassifier against fastText and PyTorch.

MR (``../shared/data/mr/rt-polarity.all``, label-first, Latin-1), a fixed
split: ``perm = numpy.random.default_rng(0).permutation(n)``, the first 10% of
``perm`` held out for testing, the rest for training (the classifier takes its
validation set from it). In the same run, on the same split:

* textembed: the default recipe and each ``--arch``; with ``--pretrained``,
  skip-gram vectors from ``textembed skipgram`` trained once on
  ``../shared/data/corpus/bench_corpus.txt`` plus the MR training sentences
  (tokenized as the classifier does; cached in ``--work-dir``);
* fastText supervised (``fasttext-wheel``: 25 epochs, wordNgrams 2, 2 threads);
* PyTorch CPU (``torch.set_num_threads(2)``) with the same network, inputs,
  optimizer, batch size and number of epochs for cnn, lstm, gru and bilstm.

Prints one table: test accuracy, training seconds (total, per epoch) and the
ratios against the peer of each row (time / peer time). ``--cv K`` runs K-fold
cross-validation of each textembed configuration instead (``cross_validate``).

    flock /tmp/textembed-heavy.lock python scripts/bench_classifier.py
    python scripts/bench_classifier.py --arch bag cnn --skip-torch --pretrained
    python scripts/bench_classifier.py --arch default --cv 10 --skip-torch --skip-fasttext
    python scripts/bench_classifier.py --suite [--sections accuracy multilabel] [--seeds 1 2 3]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "data"))
MR = os.path.join(DATA, "mr", "rt-polarity.all")
CORPUS = os.path.join(DATA, "corpus", "bench_corpus.txt")
THREADS = 2
ARCHS = ("default", "bag", "embedding-bag", "cnn", "lstm", "gru", "bilstm")
TORCH_ARCHS = ("cnn", "lstm", "gru", "bilstm")
SUITE_SECTIONS = ("accuracy", "classweight", "multilabel", "cv", "autotune")


def load_mr(path=MR):
    """(texts, labels): the sentences and their '0'/'1' labels (lines split on \\n only)."""
    with open(path, encoding="latin-1", newline="") as f:
        lines = [line.strip() for line in f.read().split("\n")]
    pairs = [line.split(None, 1) for line in lines if line]
    pairs = [p for p in pairs if len(p) == 2]
    return [p[1] for p in pairs], [p[0] for p in pairs]


def fixed_split(n, seed=0):
    perm = np.random.default_rng(seed).permutation(n)
    cut = n // 10
    return perm[cut:], perm[:cut]


# -- peers -------------------------------------------------------------------------

def run_fasttext(train_texts, train_labels, test_texts, test_labels, work_dir):
    try:
        import fasttext
    except ImportError:
        print("fastText: not importable (pip install fasttext-wheel); skipped", file=sys.stderr)
        return None
    path = os.path.join(work_dir, "mr-train.fasttext.txt")
    with open(path, "w", encoding="utf-8") as f:
        for text, label in zip(train_texts, train_labels):
            f.write(f"__label__{label} {' '.join(text.lower().split())}\n")
    start = time.perf_counter()
    model = fasttext.train_supervised(input=path, epoch=25, wordNgrams=2, thread=THREADS,
                                      verbose=0)
    seconds = time.perf_counter() - start
    predicted, _ = model.predict([" ".join(t.lower().split()) for t in test_texts])
    accuracy = float(np.mean([p[0] == f"__label__{y}" for p, y in zip(predicted, test_labels)]))
    return {"name": "fastText (25 ep, wordNgrams 2)", "accuracy": accuracy,
            "seconds": seconds, "epochs": 25, "per_epoch": seconds / 25}


def torch_model(arch, vocab_size, num_classes, dim, recipe, torch):
    nn = torch.nn

    class KimCNN(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, dim)
            self.convs = nn.ModuleList(nn.Conv1d(dim, recipe["filters"], w)
                                       for w in recipe["widths"])
            self.drop = nn.Dropout(recipe["dropout"])
            self.out = nn.Linear(recipe["filters"] * len(recipe["widths"]), num_classes)

        def forward(self, x, lengths):
            h = self.embed(x).transpose(1, 2)
            h = torch.cat([torch.relu(c(h)).max(dim=2).values for c in self.convs], dim=1)
            return self.out(self.drop(h))

    class Recurrent(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, dim, padding_idx=0)
            cell = nn.GRU if arch == "gru" else nn.LSTM
            self.rnn = cell(dim, recipe["units"], batch_first=True,
                            bidirectional=arch == "bilstm")
            width = recipe["units"] * (2 if arch == "bilstm" else 1)
            self.drop = nn.Dropout(recipe["dropout"])
            self.out = nn.Linear(width, num_classes)

        def forward(self, x, lengths):
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(x), lengths.clamp(min=1),
                                                       batch_first=True, enforce_sorted=False)
            _, state = self.rnn(packed)
            h = state[0] if isinstance(state, tuple) else state
            h = torch.cat([h[0], h[1]], dim=1) if arch == "bilstm" else h[-1]
            return self.out(self.drop(h))

    net = KimCNN() if arch == "cnn" else Recurrent()
    # textembed's (Keras') initialisation: embeddings uniform(-0.05, 0.05), Glorot-uniform
    # kernels, zero biases (torch's defaults: N(0, 1) embeddings, Kaiming-uniform kernels)
    with torch.no_grad():
        nn.init.uniform_(net.embed.weight, -0.05, 0.05)
        for name, weight in net.named_parameters():
            if name.startswith("embed"):
                continue
            if "bias" in name:
                nn.init.zeros_(weight)
                if arch in ("lstm", "bilstm") and name.startswith("rnn.bias_ih"):
                    units = weight.shape[0] // 4
                    weight[units:2 * units] = 1.0   # Keras' unit_forget_bias (gates i, f, g, o)
            elif "weight_hh" in name:
                for block in weight.split(weight.shape[1]):
                    nn.init.orthogonal_(block)
            else:
                nn.init.xavier_uniform_(weight)
    return net


def run_torch(arch, classifier, x_train, y_train, x_test, y_test, epochs, seed, work_dir):
    """The same network, inputs (textembed's rows), optimizer, batch size and epochs in
    PyTorch, in a fresh process: in the process that has just run numba's and OpenBLAS'
    thread pools, torch's LSTM ran 20x slower on this 2-core machine."""
    import importlib.util
    import json
    if importlib.util.find_spec("torch") is None:
        print("PyTorch: not importable; skipped", file=sys.stderr)
        return None
    path = os.path.join(work_dir, f"torch-{arch}.npz")
    settings = {"arch": arch, "epochs": epochs, "seed": seed, "recipe": classifier.recipe,
                "vocab_size": classifier.preprocessing_["vocab_size"],
                "num_classes": len(classifier.classes_),
                "embed_dim": classifier.preprocessing_["embed_dim"],
                "batch_size": classifier.batch_size}
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
             settings=np.frombuffer(json.dumps(settings).encode(), dtype=np.uint8))
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--torch-child", path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def torch_child(path):
    import json

    import torch
    data = np.load(path)
    settings = json.loads(bytes(data["settings"]).decode())
    x_train, y_train = data["x_train"], data["y_train"]
    x_test, y_test = data["x_test"], data["y_test"]
    arch, epochs, seed = settings["arch"], settings["epochs"], settings["seed"]
    recipe = settings["recipe"]
    torch.set_num_threads(THREADS)
    torch.manual_seed(seed)
    net = torch_model(arch, settings["vocab_size"], settings["num_classes"],
                      settings["embed_dim"], recipe, torch)
    if recipe["optimizer"] == "adadelta":
        opt = torch.optim.Adadelta(net.parameters(), lr=recipe["learning_rate"], rho=0.95,
                                   eps=1e-6)
    else:
        opt = torch.optim.Adam(net.parameters(), lr=recipe["learning_rate"])
    loss_fn = torch.nn.CrossEntropyLoss()
    xt = torch.from_numpy(x_train.astype(np.int64))
    yt = torch.from_numpy(y_train.astype(np.int64))
    lt = (xt != 0).sum(dim=1)
    batch = settings["batch_size"]
    rng = np.random.default_rng(seed)
    start = time.perf_counter()
    for _ in range(epochs):
        net.train()
        order = torch.from_numpy(rng.permutation(len(xt)))
        for b in range(0, len(xt), batch):
            idx = order[b:b + batch]
            opt.zero_grad()
            loss = loss_fn(net(xt[idx], lt[idx]), yt[idx])
            loss.backward()
            opt.step()
            if arch == "cnn" and recipe.get("max_norm"):
                with torch.no_grad():   # Kim's max-norm on the output weights, as textembed
                    w = net.out.weight  # (classes, features): Keras' norm is per output unit
                    norms = w.norm(dim=1, keepdim=True).clamp(min=1e-7)
                    w.mul_(norms.clamp(max=recipe["max_norm"]) / norms)
    seconds = time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        xe = torch.from_numpy(x_test.astype(np.int64))
        predicted = net(xe, (xe != 0).sum(dim=1)).argmax(dim=1).numpy()
    print(json.dumps({"name": f"PyTorch {arch}", "accuracy": float(np.mean(predicted == y_test)),
                      "seconds": seconds, "epochs": epochs, "per_epoch": seconds / epochs}))


# -- pretrained vectors ------------------------------------------------------------

def pretrained_vectors(train_texts, work_dir):
    """word2vec text vectors trained by ``textembed skipgram`` (cached in work_dir)."""
    from textembed.classify.architectures import COMMON_RECIPE
    from textembed.text import text_to_word_sequence
    out = os.path.join(work_dir, "bench_corpus_mr.vec")
    if os.path.exists(out):
        print(f"pretrained vectors: {out} (cached)", file=sys.stderr)
        return out
    corpus = os.path.join(work_dir, "bench_corpus_mr.txt")
    with open(corpus + ".tmp", "w", encoding="utf-8") as f:
        with open(CORPUS, encoding="utf-8") as src:
            for line in src:
                f.write(line)
        for text in train_texts:
            f.write(" ".join(text_to_word_sequence(text, COMMON_RECIPE["token_filters"])) + "\n")
    os.replace(corpus + ".tmp", corpus)
    command = [sys.executable, "-m", "textembed.cli", "skipgram", corpus, "-o", out,
               "--threads", str(THREADS), "--tokenizer", "whitespace", "--seed", "1", "-q"]
    print("pretrained vectors: " + " ".join(command[2:]), file=sys.stderr)
    start = time.perf_counter()
    subprocess.run(command, check=True)
    print(f"pretrained vectors: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return out


# -- textembed ---------------------------------------------------------------------

def run_textembed(name, params, data, seed, cv=None):
    from textembed.classify.cross_validation import cross_validate
    from textembed.classify.model import TextClassifier
    train_texts, train_labels, test_texts, test_labels = data
    if cv:
        start = time.perf_counter()
        result = cross_validate(train_texts + test_texts, train_labels + test_labels, k=cv,
                                seed=seed, verbose=0, threads=THREADS, **params)
        return {"name": name, "accuracy": result["mean"], "std": result["std"],
                "seconds": time.perf_counter() - start, "epochs": None, "per_epoch": None}, None
    start = time.perf_counter()
    classifier = TextClassifier(verbose=0, seed=seed, threads=THREADS, **params)
    classifier.fit(train_texts, train_labels, test_texts=test_texts, test_labels=test_labels)
    wall = time.perf_counter() - start
    m = classifier.metrics_
    row = {"name": name, "accuracy": m["test_accuracy"], "seconds": m["train_seconds"],
           "wall": wall, "epochs": m["epochs"], "per_epoch": m.get("seconds_per_epoch"),
           "valid": m["valid_accuracy"], "best_epoch": m.get("best_epoch")}
    if "pretrained_coverage" in m:
        row["note"] = f"coverage {100 * m['pretrained_coverage']:.1f}%"
    return row, classifier


def print_table(rows):
    print()
    print(f"{'run':44s} {'test acc':>8s} {'train s':>8s} {'s/epoch':>8s} {'epochs':>6s}  "
          f"{'vs peer':s}")
    for row in rows:
        acc = f"{100 * row['accuracy']:.2f}" if row["accuracy"] is not None else "-"
        if row.get("std") is not None:
            acc += f"±{100 * row['std']:.1f}"
        per = f"{row['per_epoch']:.2f}" if row.get("per_epoch") else "-"
        epochs = f"{row['epochs']}" if row.get("epochs") else "-"
        if row.get("best_epoch") and row["best_epoch"] != row["epochs"]:
            epochs += f"({row['best_epoch']})"
        print(f"{row['name']:44s} {acc:>8s} {row['seconds']:8.2f} {per:>8s} {epochs:>6s}  "
              f"{row.get('ratio', '')}{'  ' + row['note'] if row.get('note') else ''}")
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arch", nargs="+", default=["default", "bag", "cnn", "lstm", "gru"],
                        choices=ARCHS, help="textembed architectures to run")
    parser.add_argument("--pretrained", action="store_true",
                        help="also train with skip-gram vectors (bench corpus + MR train)")
    parser.add_argument("--pretrained-arch", nargs="+", default=["default"], choices=ARCHS)
    parser.add_argument("--freeze", action="store_true",
                        help="with --pretrained, also run with frozen embeddings")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--skip-fasttext", action="store_true")
    parser.add_argument("--cv", type=int, default=None, metavar="K",
                        help="K-fold cross-validation of the textembed runs (no peers)")
    parser.add_argument("--work-dir", default=None,
                        help="where the fastText file and the vectors are kept (default: a "
                             "temporary directory; vectors are cached only here)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--suite", action="store_true",
                        help="the classifier suite against fastText on every data set (see "
                             "scripts/classifier_suite.py); --arch and the torch options are "
                             "ignored")
    parser.add_argument("--sections", nargs="+", default=list(SUITE_SECTIONS),
                        choices=SUITE_SECTIONS, help="with --suite: which parts to run")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3],
                        help="with --suite: the seeds averaged over")
    parser.add_argument("--autotune-seconds", type=int, default=300,
                        help="with --suite: the autotune duration of both tools")
    parser.add_argument("--torch-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.torch_child:
        torch_child(args.torch_child)
        return 0
    if args.suite:
        from classifier_suite import run_suite
        return run_suite(args.sections, args.seeds, args.autotune_seconds)
    if not os.path.exists(MR):
        print(f"{MR} not found (../shared/data is absent): nothing to benchmark")
        return 0
    sys.path.insert(0, os.path.dirname(HERE))
    from textembed.classify.architectures import DEFAULT_ARCH

    texts, labels = load_mr()
    train_idx, test_idx = fixed_split(len(texts))
    data = ([texts[i] for i in train_idx], [labels[i] for i in train_idx],
            [texts[i] for i in test_idx], [labels[i] for i in test_idx])
    print(f"MR: {len(texts):,} sentences, {len(train_idx):,} train (validation taken from "
          f"it), {len(test_idx):,} test; default arch = {DEFAULT_ARCH}", file=sys.stderr)
    temp = None
    work_dir = args.work_dir
    if work_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="bench-classifier-")
        work_dir = temp.name
    os.makedirs(work_dir, exist_ok=True)
    rows = []
    fast = None
    if not args.skip_fasttext and not args.cv:
        fast = run_fasttext(*data, work_dir)
        if fast:
            rows.append(fast)
            print_table([fast])
    runs = [(f"textembed {a}" + (f" (= {DEFAULT_ARCH})" if a == "default" else ""),
             {"arch": a}) for a in args.arch]
    if args.pretrained:
        vectors = pretrained_vectors(data[0], work_dir)
        for a in args.pretrained_arch:
            runs.append((f"textembed {a} + pretrained", {"arch": a, "pretrained": vectors}))
            if args.freeze:
                runs.append((f"textembed {a} + pretrained frozen",
                             {"arch": a, "pretrained": vectors, "freeze_embeddings": True}))
    for name, params in runs:
        row, classifier = run_textembed(name, params, data, args.seed, args.cv)
        rows.append(row)
        arch = classifier.arch if classifier is not None else None
        if fast and arch == "bag":
            row["ratio"] = (f"time x{row['seconds'] / fast['seconds']:.2f} fastText "
                            f"(wall x{row['wall'] / fast['seconds']:.2f}), acc "
                            f"{100 * (row['accuracy'] - fast['accuracy']):+.2f} pt")
        if (classifier is not None and arch in TORCH_ARCHS and not args.skip_torch
                and "pretrained" not in params):
            # the training part textembed used (its validation hold-out removed)
            from textembed.classify.labels import encode
            from textembed.classify.splits import split_holdout
            y_all = encode(data[1], classifier.classes_, "train")
            kept, _ = split_holdout(y_all, 0.1, args.seed)
            x_train = classifier.backend.inputs([data[0][i] for i in kept])
            y_train = y_all[kept]
            x_test = classifier.backend.inputs(data[2])
            y_test = encode(data[3], classifier.classes_, "test")
            peer = run_torch(arch, classifier, x_train, y_train, x_test, y_test,
                             row["epochs"], args.seed, work_dir)
            if peer:
                rows.append(peer)
                row["ratio"] = (f"s/epoch x{row['per_epoch'] / peer['per_epoch']:.2f} PyTorch, "
                                f"acc {100 * (row['accuracy'] - peer['accuracy']):+.2f} pt")
        print_table([row] + ([rows[-1]] if rows[-1] is not row else []))
    print("== summary ==")
    print_table(rows)
    if temp is not None:
        temp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
