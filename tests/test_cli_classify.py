"""The classifier commands: `textembed train-classifier`, `predict`, `test-classifier`.

As in test_cli_text.py, commands run in-process through ``textembed.cli.main(argv)``
(so the one-line error handling of ``main`` is what is tested), with a few
subprocess runs for standard input and a closed pipe. Training uses the
labelled sample data/sample_labelled.tsv (written by
scripts/make_sample_data.py: the label is the family of the topic words) with
a tiny network (--embed-dim 8, 3 or 10 epochs), a fraction of a second per run once
numba's cache is warm. Longer than 500 lines: the three commands share one
trained model and the labelled-file formats.
"""
import bz2
import gzip
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from clitest import run_main, write, lines_of, folder, assert_one_error
from textembed.classify import TextClassifier

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
SAMPLE_ROWS = [line.split("\t", 1) for line in SAMPLE.read_text("utf-8").splitlines()]
SAMPLE_TEXTS = [text for _, text in SAMPLE_ROWS]
SAMPLE_LABELS = [label for label, _ in SAMPLE_ROWS]
CLASSES = ["animals", "food", "weather"]
FAST = ["--epochs", "3", "--seed", "1", "--threads", "1"]
# The network the default used to be: its summary, epochs and validation split.
FAST_NET = ["--arch", "embedding-bag", "--epochs", "3", "--embed-dim", "8", "--seed", "1",
            "--threads", "1"]
MODEL_FILES = ["labels.json", "metrics.json", "model.npz", "preprocessing.json"]
NETWORK_FILES = sorted(MODEL_FILES + ["tokenizer.json"])
BAG_SUMMARY = re.compile(
    r"train-classifier: (?P<arch>bag(?: \(default\))?), (?P<train>[\d,]+) training examples "
    r"validated out of fold \((?P<folds>\d+) folds\), (?P<classes>\d+) (?:classes|labels), "
    r"(?P<features>[\d,]+) n-gram features, (?P<epochs>\d+) epochs in [\d.]+ s; "
    r"(?P<score>accuracy|P@1) train (?P<train_acc>[\d.]+), valid (?P<valid_acc>[\d.]+)"
    r"(, test (?P<test_acc>[\d.]+))?(; valid macro-F1 [\d.]+, ECE [\d.]+)?; [\d.]+ s in all; "
    r"saved to (?P<path>.+)")
SUMMARY = re.compile(
    r"train-classifier: (?P<arch>[\w-]+), (?:(?P<members>\d+) averaged networks, each with )?"
    r"(?P<train>[\d,]+) training(?: and|\ examples,) (?P<valid>[\d,]+) "
    r"validation examples(?: in all)?, (?P<classes>\d+) classes, (?P<epochs>\d+) epochs in [\d.]+ s "
    r"\([\d.]+ s/epoch(, best epoch \d+ kept)?\); accuracy train (?P<train_acc>[\d.]+)"
    r"(, valid (?P<valid_acc>[\d.]+))?(, test (?P<test_acc>[\d.]+))?; [\d.]+ s in all; "
    r"saved to (?P<path>.+)")


# -- helpers -------------------------------------------------------------------

def as_format(format, rows=SAMPLE_ROWS):
    """The sample rows in one of the input formats."""
    if format == "tsv":
        return "".join(f"{label}\t{text}\n" for label, text in rows)
    if format == "label-first":
        return "".join(f"{label} {text}\n" for label, text in rows)
    if format == "fasttext":
        return "".join(f"__label__{label} {text}\n" for label, text in rows)
    if format == "csv":
        quoted = ('"' + text.replace('"', '""') + '"' for _, text in rows)
        return "id,Sentence,Topic\n" + "".join(
            f"{i},{text},{label}\n" for i, (text, (label, _)) in enumerate(zip(quoted, rows)))
    raise ValueError(format)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model trained on the whole sample: {"dir": MODEL_DIR, "stderr": ...}."""
    where = tmp_path_factory.mktemp("trained")
    model_dir = where / "model"
    code = run_main("train-classifier", SAMPLE, "-o", model_dir, *FAST, "--epochs", "10", "-q")
    assert code == 0
    assert folder(model_dir) == MODEL_FILES
    return model_dir


# -- train-classifier ------------------------------------------------------------

def test_train_default_bag_summarises_and_saves(invoke, tmp_path):
    model_dir = tmp_path / "m"
    code, out, err = invoke("train-classifier", SAMPLE, "-o", model_dir, *FAST)
    assert code == 0, err
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (f"train {SAMPLE}: 900 examples, 3 classes (animals: 283, food: 300, "
                        "weather: 317); read as tsv (detected)")
    match = BAG_SUMMARY.fullmatch(lines[-1])
    assert match, lines[-1]
    assert (match["arch"], match["train"], match["folds"], match["classes"]) == (
        "bag (default)", "900", "5", "3")
    assert match["epochs"] == "3" and match["test_acc"] is None
    assert match["path"] == str(model_dir)
    assert folder(tmp_path) == ["m"]  # no temporary directory left
    assert folder(model_dir) == MODEL_FILES
    metrics = json.loads((model_dir / "metrics.json").read_text())
    for key in ("train_accuracy", "valid_accuracy", "valid_macro_f1", "valid_log_loss",
                "valid_ece", "epochs", "train_seconds", "num_classes", "features", "folds"):
        assert key in metrics
    assert metrics["num_classes"] == 3 and metrics["epochs"] == 3 and metrics["default"]
    assert f"{metrics['valid_accuracy']:.4f}" == match["valid_acc"]
    assert metrics["valid_accuracy"] > 0.9
    assert json.loads((model_dir / "labels.json").read_text()) == CLASSES
    settings = json.loads((model_dir / "preprocessing.json").read_text())
    assert settings["kind"] == "ngram" and settings["arch"] == "bag"


def test_train_network_reads_trains_summarises_and_saves(invoke, tmp_path):
    model_dir = tmp_path / "m"
    code, out, err = invoke("train-classifier", SAMPLE, "-o", model_dir, *FAST_NET)
    assert code == 0, err
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == (f"train {SAMPLE}: 900 examples, 3 classes (animals: 283, food: 300, "
                        "weather: 317); read as tsv (detected)")
    # The embedding-bag averages two networks, each with its own validation fold:
    # one line per epoch of each (no tty).
    assert [line for line in lines if line.startswith("ensemble member")] == [
        "ensemble member 1/2", "ensemble member 2/2"]
    epochs = [line for line in lines if line.startswith("Epoch ")]
    assert len(epochs) == 6 and "val_accuracy" in epochs[-1]
    match = SUMMARY.fullmatch(lines[-1])
    assert match, lines[-1]
    # 90 held out by each network (900 - 810), 180 in all
    assert (match["members"], match["train"], match["valid"], match["classes"]) == (
        "2", "810", "180", "3")
    assert match["epochs"] == "3" and match["test_acc"] is None
    assert match["path"] == str(model_dir)
    assert folder(tmp_path) == ["m"]  # no temporary directory left
    assert folder(model_dir) == NETWORK_FILES
    metrics = json.loads((model_dir / "metrics.json").read_text())
    for key in ("train_accuracy", "valid_accuracy", "epochs", "seconds_per_epoch",
                "train_seconds", "num_classes", "vocab_size", "maxlen"):
        assert key in metrics
    assert metrics["num_classes"] == 3 and metrics["epochs"] == 3
    assert f"{metrics['valid_accuracy']:.4f}" == match["valid_acc"]
    assert json.loads((model_dir / "labels.json").read_text()) == CLASSES


def test_default_model_dir_beside_train(invoke, tmp_path):
    train = write(tmp_path / "reviews.tsv.gz", gzip.compress(SAMPLE.read_bytes()))
    code, _, err = invoke("train-classifier", train, *FAST)
    assert code == 0, err
    expected = tmp_path / "reviews.model"
    assert err.splitlines()[0] == (f"model directory: {expected} (beside TRAIN; -o to "
                                   "choose another)")
    assert err.rstrip("\n").endswith(f"saved to {expected}")
    assert folder(expected) == MODEL_FILES


def test_quiet_prints_nothing(invoke, tmp_path):
    code, out, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *FAST, "-q")
    assert code == 0
    assert (out, err) == ("", "")


def test_learns_the_sample(trained, invoke):
    code, out, err = invoke("test-classifier", trained, SAMPLE, "-q", "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["accuracy"] > 0.9
    assert report["classes"] == CLASSES


def test_valid_and_test_files(invoke, tmp_path):
    train = write(tmp_path / "train.tsv", as_format("tsv", SAMPLE_ROWS[:600]))
    valid = write(tmp_path / "valid.tsv", as_format("tsv", SAMPLE_ROWS[600:750]))
    test = write(tmp_path / "test.txt", as_format("fasttext", SAMPLE_ROWS[750:]))
    code, _, err = invoke("train-classifier", train, "--valid", valid, "--test", test,
                          "-o", tmp_path / "m", *FAST_NET, "--epochs", "10")
    assert code == 0, err
    lines = err.splitlines()
    assert lines[1].startswith(f"valid {valid}: 150 examples")
    assert lines[2].startswith(f"test {test}: 150 examples") and "fasttext (detected)" in lines[2]
    match = SUMMARY.fullmatch(lines[-1])
    assert match and (match["train"], match["valid"]) == ("600", "150")
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert f"{metrics['test_accuracy']:.4f}" == match["test_acc"]
    assert metrics["test_accuracy"] > 0.6


def test_validation_split_zero(invoke, tmp_path):
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *FAST_NET,
                          "--validation-split", "0")
    assert code == 0, err
    match = SUMMARY.fullmatch(err.splitlines()[-1])
    assert match and (match["train"], match["valid"]) == ("900", "0")
    assert match["valid_acc"] is None


@pytest.mark.parametrize("format", ["tsv", "csv", "label-first", "fasttext"])
def test_each_format_end_to_end(invoke, tmp_path, format):
    path = write(tmp_path / "train.data", as_format(format, SAMPLE_ROWS[:300]))
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST)
    assert code == 0, err
    assert f"read as {format} (detected)" in err.splitlines()[0]
    # The same file named explicitly, and scored with test-classifier.
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", "--force",
                          "--format", format, *FAST, "-q")
    assert code == 0, err
    code, out, err = invoke("test-classifier", tmp_path / "m", path, "--format", format)
    assert code == 0, err
    assert f"read as {format}\n" in err
    assert out.startswith("accuracy ")


def test_csv_columns_by_name(invoke, tmp_path):
    rows = "".join(f'{label},x,"{text}"\n' for label, text in SAMPLE_ROWS[:300])
    path = write(tmp_path / "train.csv", "Kind,Other,Words\n" + rows)
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST)
    assert_one_error(code, err, 1, "which column holds the label?", "--label-column")
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST,
                          "--label-column", "kind", "--text-column", "Words")
    assert code == 0, err
    assert "read as csv (detected)" in err.splitlines()[0]


def test_stdin_training(tmp_path):
    done = subprocess.run([sys.executable, "-m", "textembed.cli", "train-classifier", "-",
                           *FAST], input=SAMPLE.read_bytes(), capture_output=True,
                          cwd=tmp_path, timeout=300)
    err = done.stderr.decode()
    assert done.returncode == 0, err
    assert err.splitlines()[0].startswith("model directory: stdin.model")
    assert "train standard input: 900 examples" in err
    assert folder(tmp_path / "stdin.model") == MODEL_FILES


def test_pretrained_vectors(invoke, tmp_path):
    words = ["cat", "dog", "bread", "rain", "snow"]
    vectors = write(tmp_path / "v.vec", f"{len(words)} 8\n" + "".join(
        f"{w} " + " ".join(f"{(i + j) % 5 / 10:.1f}" for j in range(8)) + "\n"
        for i, w in enumerate(words)))
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", "--epochs", "1",
                          "--arch", "embedding-bag", "--pretrained", vectors,
                          "--freeze-embeddings")
    assert code == 0, err
    assert "5 of " in err and "vocabulary words found" in err
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["embed_dim"] == 8  # taken from the vectors
    assert 0 < metrics["pretrained_coverage"] < 0.2


def test_other_architectures(invoke, tmp_path):
    train = write(tmp_path / "train.tsv", as_format("tsv", SAMPLE_ROWS[:200]))
    for arch in ("cnn", "gru"):
        code, _, err = invoke("train-classifier", train, "-o", tmp_path / arch, "--arch", arch,
                              "--epochs", "1", "--embed-dim", "8", "--batch-size", "50")
        assert code == 0, err
        assert SUMMARY.fullmatch(err.splitlines()[-1])["arch"] == arch
        assert json.loads((tmp_path / arch / "preprocessing.json").read_text())["arch"] == arch


def test_cross_validation(invoke, tmp_path):
    train = write(tmp_path / "train.tsv", as_format("tsv", SAMPLE_ROWS[:300]))
    code, out, err = invoke("train-classifier", train, "--cv", "3", *FAST, "-q")
    assert code == 0, err
    lines = lines_of(out)
    assert [line.split("\t")[0] for line in lines[:3]] == ["fold 1/3", "fold 2/3", "fold 3/3"]
    assert re.fullmatch(rf"3-fold cross-validation of default on {re.escape(str(train))} "
                        r"\(300 examples\): accuracy [\d.]+ ± [\d.]+ \(min [\d.]+, max "
                        r"[\d.]+\), [\d.]+ s", lines[3]), lines[3]
    assert folder(tmp_path) == ["train.tsv"]  # no model written
    code, out2, _ = invoke("train-classifier", train, "--cv", "3", *FAST, "-q",
                           "-o", tmp_path / "cv.json")
    assert code == 0
    saved = json.loads((tmp_path / "cv.json").read_text())
    assert saved["k"] == 3 and len(saved["folds"]) == 3 and saved["examples"] == 300
    assert lines_of(out2)[:3] == lines[:3]  # same seed, same folds, same accuracies


def test_force_replaces_a_model_and_a_foreign_directory(invoke, tmp_path, trained):
    target = tmp_path / "m"
    target.mkdir()
    write(target / "notes.txt", "keep me")
    code, _, err = invoke("train-classifier", SAMPLE, "-o", target, *FAST)
    assert_one_error(code, err, 1, str(target), "exists and is not a textembed model",
                     "--force")
    assert folder(target) == ["notes.txt"]
    code, _, err = invoke("train-classifier", SAMPLE, "-o", target, *FAST, "--force", "-q")
    assert code == 0, err
    assert folder(target) == MODEL_FILES
    code, _, err = invoke("train-classifier", SAMPLE, "-o", target, *FAST)
    assert_one_error(code, err, 1, "a model is already there", "--force")
    assert folder(tmp_path) == ["m"]


def test_force_never_replaces_a_folder_holding_the_input_or_the_current_directory(
        invoke, tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    train = write(data / "t.tsv", as_format("tsv", SAMPLE_ROWS[:100]))
    code, _, err = invoke("train-classifier", train, "-o", data, *FAST, "--force")
    assert_one_error(code, err, 1, f"{data}: holds {train}", "even with --force")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    code, _, err = invoke("train-classifier", train, "-o", ".", *FAST, "--force")
    assert_one_error(code, err, 1, ".: holds the current directory")
    code, _, err = invoke("train-classifier", train, "-o", tmp_path, *FAST, "--force")
    assert_one_error(code, err, 1, "holds the current directory")
    assert folder(tmp_path) == ["data", "work"] and folder(data) == ["t.tsv"]


def test_ctrl_c_while_training_leaves_nothing(invoke, tmp_path, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(TextClassifier, "fit", interrupted)
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *FAST, "-q")
    assert code == 130
    assert err.splitlines() == ["textembed: interrupted"]
    assert folder(tmp_path) == []


# -- predict -----------------------------------------------------------------------

def test_predict_file_stdin_and_output(invoke, trained, tmp_path):
    inputs = SAMPLE_TEXTS[:50]
    path = write(tmp_path / "in.txt", "\n".join(inputs) + "\n")
    code, out, err = invoke("predict", trained, path)
    assert code == 0, err
    predicted = lines_of(out)
    assert len(predicted) == 50 and set(predicted) <= set(CLASSES)
    assert sum(p == t for p, t in zip(predicted, SAMPLE_LABELS)) >= 40
    assert err.splitlines() == [err.splitlines()[0]] and err.startswith("predict: 50 lines")
    code, out_stdin, _ = invoke("predict", trained, "-", "-q", stdin=path.read_bytes())
    assert code == 0 and out_stdin == out
    code, out_default, _ = invoke("predict", trained, "-q", stdin=path.read_bytes())
    assert code == 0 and out_default == out
    packed = write(tmp_path / "in.txt.bz2", bz2.compress(path.read_bytes()))
    code, out_file, err = invoke("predict", trained, packed, "-o", tmp_path / "out.txt")
    assert code == 0 and out_file == ""
    assert (tmp_path / "out.txt").read_text() == out
    assert err.rstrip("\n").endswith(f"written to {tmp_path / 'out.txt'}")


def test_predict_matches_the_library_after_load(invoke, trained, tmp_path):
    """Save/load round trip: the CLI's predictions are those of the loaded model,
    and probabilities agree with labels."""
    path = write(tmp_path / "in.txt", "\n".join(SAMPLE_TEXTS) + "\n")
    code, out, _ = invoke("predict", trained, path, "-q")
    assert code == 0
    loaded = TextClassifier.load(trained)
    assert lines_of(out) == loaded.predict(SAMPLE_TEXTS)
    again = TextClassifier.load(trained)
    assert (loaded.predict_proba(SAMPLE_TEXTS) == again.predict_proba(SAMPLE_TEXTS)).all()
    code, proba, _ = invoke("predict", trained, path, "-q", "--proba")
    assert code == 0
    rows = [line.split("\t") for line in lines_of(proba)]
    assert [r[0] for r in rows] == lines_of(out)
    probabilities = loaded.predict_proba(SAMPLE_TEXTS)
    for row, p in zip(rows[:20], probabilities):
        assert [cell.rsplit(":", 1)[0] for cell in row[1:]] == CLASSES
        values = [float(cell.rsplit(":", 1)[1]) for cell in row[1:]]
        assert values == pytest.approx(p.tolist(), abs=5e-5)
        assert sum(values) == pytest.approx(1, abs=1e-3)


def test_model_trained_twice_predicts_the_same(invoke, trained, tmp_path):
    code, _, _ = invoke("train-classifier", SAMPLE, "-o", tmp_path / "again", *FAST,
                        "--epochs", "10", "-q")
    assert code == 0
    path = write(tmp_path / "in.txt", "\n".join(SAMPLE_TEXTS[:200]) + "\n")
    first = invoke("predict", trained, path, "-q", "--proba")[1]
    assert invoke("predict", tmp_path / "again", path, "-q", "--proba")[1] == first


def test_predict_keeps_one_line_per_input_line(invoke, trained, tmp_path):
    path = write(tmp_path / "in.txt", "the cat\n\n   \nsnow and rain\r\nlast line, no newline")
    code, out, _ = invoke("predict", trained, path, "-q")
    assert code == 0
    assert len(lines_of(out)) == 5


def test_predict_streams_in_chunks(invoke, trained, tmp_path, monkeypatch):
    import textembed.cli.classify as cli_classify

    monkeypatch.setattr(cli_classify, "_PREDICT_CHUNK", 7)
    path = write(tmp_path / "in.txt", "\n".join(SAMPLE_TEXTS[:30]) + "\n")
    chunked = invoke("predict", trained, path, "-q")[1]
    monkeypatch.setattr(cli_classify, "_PREDICT_CHUNK", 4096)
    assert invoke("predict", trained, path, "-q")[1] == chunked
    assert len(lines_of(chunked)) == 30


def test_predict_undecodable_bytes_warn_with_the_count(invoke, trained, tmp_path):
    path = write(tmp_path / "in.txt", b"the caf\xe9 cat\nsnow \xff\xfe\n")
    code, out, err = invoke("predict", trained, path, "-q")
    assert code == 0
    assert len(lines_of(out)) == 2
    assert err.splitlines() == [
        f"textembed: warning: {path}: 3 bytes were not valid utf-8 and were replaced by "
        "U+FFFD (is the file in another encoding? try --encoding latin-1)"]


def test_predict_closed_pipe_is_quiet(trained, tmp_path):
    path = write(tmp_path / "big.txt", "\n".join(SAMPLE_TEXTS * 30) + "\n")
    process = subprocess.Popen([sys.executable, "-m", "textembed.cli", "predict", str(trained),
                                str(path), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=120) == 0
    assert first.decode().strip() in CLASSES
    assert err == b""


# -- test-classifier -----------------------------------------------------------------

def test_test_classifier_report(invoke, trained, tmp_path):
    path = write(tmp_path / "test.txt", as_format("label-first", SAMPLE_ROWS[:100]))
    code, out, err = invoke("test-classifier", trained, path)
    assert code == 0, err
    counts = Counter(SAMPLE_LABELS[:100])
    assert err.splitlines() == [f"test {path}: 100 examples, 3 classes (animals: "
                                f"{counts['animals']}, food: {counts['food']}, weather: "
                                f"{counts['weather']}); read as label-first (detected)"]
    lines = lines_of(out)
    assert re.fullmatch(r"accuracy [\d.]+ \(\d+ of 100 correct\)", lines[0])
    assert lines[2].split() == ["class", "precision", "recall", "f1", "support"]
    assert [line.split()[0] for line in lines[3:6]] == CLASSES
    assert lines[-5] == "confusion matrix (rows: true class, columns: predicted class)"
    assert lines[-4].split() == CLASSES
    matrix = [[int(v) for v in line.split()[1:]] for line in lines[-3:]]
    assert [sum(row) for row in matrix] == [counts[c] for c in CLASSES]
    code, as_json, _ = invoke("test-classifier", trained, path, "--json", "-q")
    report = json.loads(as_json)
    assert report["confusion"] == matrix
    assert lines[0] == f"accuracy {report['accuracy']:.4f} ({report['correct']} of 100 correct)"


def test_test_classifier_unseen_labels_are_reported_and_count_as_errors(invoke, trained,
                                                                        tmp_path):
    rows = SAMPLE_ROWS[:20] + [("plants", "the oak"), ("plants", "a rose"), ("rocks", "granite")]
    path = write(tmp_path / "test.tsv", as_format("tsv", rows))
    code, out, err = invoke("test-classifier", trained, path, "-q", "--json")
    assert code == 0, err
    assert err.splitlines() == [
        f"textembed: warning: {path}: 3 examples have labels never seen in training: "
        "'plants' (2), 'rocks' (1); they count as errors"]
    report = json.loads(out)
    assert report["classes"] == CLASSES + ["plants", "rocks"]
    assert report["n"] == 23 and report["correct"] <= 20
    assert report["per_class"]["plants"]["recall"] == 0
    assert report["unseen_labels"] == ["plants", "rocks"]


def test_test_classifier_single_class_file_is_fine(invoke, trained, tmp_path):
    path = write(tmp_path / "test.tsv", "food\tcheese and bread\nfood\tsoup\n")
    code, out, err = invoke("test-classifier", trained, path, "-q")
    assert code == 0, err
    assert out.startswith("accuracy ")


# -- bad input: one line, non-zero exit, nothing written ---------------------------

def _vectors(folder, dim=5):
    return write(folder / "v.vec", f"2 {dim}\ncat " + " ".join(["0.1"] * dim) + "\ndog "
                 + " ".join(["0.2"] * dim) + "\n")


BAD_TRAINING = {
    "empty": (lambda d: [write(d / "t.tsv", b"")], "the file is empty"),
    "blank": (lambda d: [write(d / "t.tsv", "\n \n")], "no labelled lines"),
    "single-class": (lambda d: [write(d / "t.tsv", "pos\tgood\npos\tfine\n")],
                     "every example has the label 'pos'"),
    "too-many-skipped": (lambda d: [write(d / "t.tsv", "a\tx\nb\ty\nc\nd\tz\n")],
                         "1 of 4 lines (25%) have no label or no text"),
    "unknown-format": (lambda d: [write(d / "t.txt", "one\ntwo\n")], "--format"),
    "inconsistent-csv": (lambda d: [write(d / "t.csv", "label,text\na,x\nb,y,z\n")],
                         "line 3 has 3 fields, the header (line 1) has 2"),
    "unseen-test-label": (lambda d: [write(d / "t.tsv", as_format("tsv", SAMPLE_ROWS[:50])),
                                     "--test", write(d / "x.tsv", "plants\tthe oak\n")],
                          "1 label never seen in"),
    "unseen-valid-label": (lambda d: [write(d / "t.tsv", as_format("tsv", SAMPLE_ROWS[:50])),
                                      "--valid", write(d / "x.tsv", "plants\toak\nfood\tx\n")],
                           "x.tsv: 1 label never seen in"),
    "missing": (lambda d: [d / "nope.tsv"], "nope.tsv: no such file"),
    "missing-valid": (lambda d: [SAMPLE, "--valid", d / "nope.tsv"], "no such file"),
    "pretrained-wrong-dim": (lambda d: [SAMPLE, "--pretrained", _vectors(d, 5),
                                        "--embed-dim", "8"], "5 dimensions"),
    "pretrained-not-word2vec": (lambda d: [SAMPLE, "--pretrained",
                                           write(d / "v.vec", "hello world\nfoo\n")],
                                "--pretrained"),
    "pretrained-missing": (lambda d: [SAMPLE, "--pretrained", d / "none.vec"],
                           "--pretrained"),
    "model-dir-parent-missing": (lambda d: [SAMPLE, "-o", d / "no" / "m"], "does not exist"),
    "class-weight-unknown-label": (lambda d: [SAMPLE, "--class-weight", "plants:2"],
                                   "'plants': no such label in the training data"),
    "class-weight-not-positive": (lambda d: [SAMPLE, "--class-weight", "food:0"],
                                  "class weight of 'food' must be a positive number"),
}


def test_network_options_need_a_network(invoke, tmp_path):
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", "--embed-dim", "8",
                          "--pretrained", _vectors(tmp_path), "-q")
    assert_one_error(code, err, 2, "--embed-dim, --pretrained apply to the networks (--arch ",
                     "embedding-bag", "the default architecture has no embedding")
    assert folder(tmp_path) == ["v.vec"]


@pytest.mark.parametrize("case", sorted(BAD_TRAINING))
def test_bad_training_input(invoke, tmp_path, case):
    make, fragment = BAD_TRAINING[case]
    args = make(tmp_path)
    before = folder(tmp_path)
    out_args = [] if "-o" in args else ["-o", tmp_path / "m"]
    network = [] if "--class-weight" in args else ["--arch", "embedding-bag", "--embed-dim", "8"]
    code, out, err = invoke("train-classifier", *args, *out_args, "--epochs", "1", *network,
                            "-q")
    assert_one_error(code, err, 1, fragment)
    assert out == ""
    assert folder(tmp_path) == before  # no model, no temporary directory


def test_latin1_training_file_warns_with_the_count(invoke, tmp_path):
    data = as_format("tsv", SAMPLE_ROWS[:100]).encode() + b"food\tcaf\xe9 cr\xe8me\n"
    path = write(tmp_path / "t.tsv", data)
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert warnings == [f"textembed: warning: {path}: 2 bytes were not valid utf-8 and were "
                        "replaced by U+FFFD (is the file in another encoding? try "
                        "--encoding latin-1)"]
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST, "--force",
                          "--encoding", "latin-1")
    assert code == 0 and "warning" not in err


def test_skipped_lines_warn(invoke, tmp_path):
    rows = as_format("tsv", SAMPLE_ROWS[:100]).splitlines()
    rows[3] = "no tab here"
    rows[7] = "\tno label"
    path = write(tmp_path / "t.tsv", "\n".join(rows) + "\n")
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST)
    assert code == 0, err
    assert f"textembed: warning: {path}: skipped 2 lines without a label or without a text " \
           "(lines 4, 8)" in err.splitlines()
    assert "98 examples" in err.splitlines()[0]


def test_fasttext_several_labels_warn(invoke, tmp_path):
    rows = [f"__label__{label} __label__extra {text}" if i < 3 else f"__label__{label} {text}"
            for i, (label, text) in enumerate(SAMPLE_ROWS[:100])]
    path = write(tmp_path / "t.txt", "\n".join(rows) + "\n")
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST,
                          "--no-multilabel")
    assert code == 0, err
    assert (f"textembed: warning: {path}: 3 lines have several labels; the first one is used "
            "(one label per example)") in err.splitlines()
    assert json.loads((tmp_path / "m" / "labels.json").read_text()) == CLASSES
    # without --no-multilabel the data is multi-label, and that is said
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "multi", *FAST)
    assert code == 0, err
    assert (f"multi-label: 3 lines of {path} have several labels: one probability per label "
            "(--no-multilabel keeps each line's first)") in err.splitlines()
    assert json.loads((tmp_path / "multi" / "labels.json").read_text()) == sorted(
        CLASSES + ["extra"])
    assert json.loads((tmp_path / "multi" / "preprocessing.json").read_text())["multilabel"]


def test_empty_stdin(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = invoke("train-classifier", "-", "-q", stdin=b"")
    assert_one_error(code, err, 1, "standard input is empty")
    assert folder(tmp_path) == []


@pytest.mark.parametrize("args, fragment", [
    (["--epochs", "0"], "--epochs"),
    (["--maxlen", "0"], "--maxlen"),
    (["--batch-size", "0"], "--batch-size"),
    (["--embed-dim", "-3"], "--embed-dim"),
    (["--num-words", "1"], "--num-words"),
    (["--validation-split", "1"], "--validation-split"),
    (["--validation-split", "-0.1"], "--validation-split"),
    (["--cv", "1"], "--cv"),
    (["--early-stopping", "-1"], "--early-stopping"),
    (["--threads", "0"], "--threads"),
    (["--format", "xml"], "--format"),
    (["--arch", "transformer"], "--arch"),
    (["--encoding", "no-such-codec"], "no-such-codec"),
    (["--valid", "SAMPLE", "--validation-split", "0.2"], "--valid or --validation-split"),
    (["--cv", "3", "--test", "SAMPLE"], "--test does not combine with --cv"),
    (["--freeze-embeddings"], "--freeze-embeddings needs --pretrained"),
    (["--class-weight", "pos"], "'pos' is not LABEL:WEIGHT"),
    (["--class-weight", "food:x"], "the weight 'x' is not a number"),
])
def test_nonsensical_options(invoke, tmp_path, args, fragment):
    args = [str(SAMPLE) if a == "SAMPLE" else a for a in args]
    code, out, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *args)
    assert_one_error(code, err, 2, fragment, "--help")
    assert out == "" and folder(tmp_path) == []


@pytest.mark.parametrize("command", [["predict"], ["test-classifier"]])
def test_not_a_model(invoke, tmp_path, command):
    write(tmp_path / "notes.txt", "hello\n")
    code, out, err = invoke(*command, tmp_path, SAMPLE)
    assert_one_error(code, err, 1, str(tmp_path), "not a textembed model directory")
    code, out, err = invoke(*command, tmp_path / "nope", SAMPLE)
    assert_one_error(code, err, 1, "no such directory")
    assert out == ""


def test_predict_bad_input_and_output(invoke, trained, tmp_path):
    code, out, err = invoke("predict", trained, tmp_path / "nope.txt")
    assert_one_error(code, err, 1, "nope.txt: no such file")
    code, out, err = invoke("predict", trained, SAMPLE, "-o", tmp_path / "no" / "out.txt")
    assert_one_error(code, err, 1, "does not exist")
    code, out, err = invoke("predict", trained, "-", stdin=b"")
    assert_one_error(code, err, 1, "standard input is empty")
    assert out == ""


def test_predict_failure_keeps_old_output(invoke, trained, tmp_path):
    target = write(tmp_path / "out.txt", "old\n")
    cut = write(tmp_path / "cut.txt.gz", gzip.compress(SAMPLE.read_bytes() * 20)[:-30])
    code, _, err = invoke("predict", trained, cut, "-o", target)
    assert_one_error(code, err, 1, "cut.txt.gz")
    assert target.read_text() == "old\n"
    assert folder(tmp_path) == ["cut.txt.gz", "out.txt"]


def test_many_classes_warn_that_the_format_may_be_wrong(invoke, tmp_path):
    """Numbered lines read as label-first: a class per line."""
    path = write(tmp_path / "t.txt", "".join(f"{i} {label} {text}\n"
                                            for i, (label, text) in enumerate(SAMPLE_ROWS[:60])))
    code, _, err = invoke("train-classifier", path, "-o", tmp_path / "m", *FAST)
    assert code == 0, err
    warnings = [line for line in err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "most labels occur once; is the file label-first?" in warnings[0]


# -- multi-label, top-k, thresholds, class weights ---------------------------------------

MULTI_ROWS = [(("animals", "pets") if "cat" in text or "dog" in text else (label,), text)
              for label, text in SAMPLE_ROWS]


@pytest.fixture(scope="module")
def multilabel_model(tmp_path_factory):
    where = tmp_path_factory.mktemp("multi")
    train = write(where / "train.txt", "".join(
        " ".join(f"__label__{label}" for label in labels) + f" {text}\n"
        for labels, text in MULTI_ROWS))
    model_dir = where / "m"
    assert run_main("train-classifier", train, "-o", model_dir, *FAST, "-q") == 0
    return model_dir


def test_multilabel_training_summary_and_files(invoke, tmp_path):
    tsv = write(tmp_path / "t.tsv", "".join(f"{','.join(labels)}\t{text}\n"
                                            for labels, text in MULTI_ROWS))
    code, _, err = invoke("train-classifier", tsv, "-o", tmp_path / "m", *FAST)
    assert code == 0, err
    lines = err.splitlines()
    several = sum(len(labels) > 1 for labels, _ in MULTI_ROWS)
    assert lines[1] == (f"multi-label: {several:,} lines of {tsv} have several labels: one "
                        "probability per label (--no-multilabel keeps each line's first)")
    match = BAG_SUMMARY.fullmatch(lines[-1])
    assert match and match["score"] == "P@1" and match["classes"] == "4"
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["multilabel"] and metrics["valid_p@1"] > 0.9
    assert json.loads((tmp_path / "m" / "labels.json").read_text()) == sorted(CLASSES + ["pets"])
    # --label-sep names another separator: then the field "animals,pets" is one label
    code, _, err = invoke("train-classifier", tsv, "-o", tmp_path / "one", *FAST,
                          "--label-sep", ";", "-q")
    assert code == 0, err
    labels = json.loads((tmp_path / "one" / "labels.json").read_text())
    assert "animals,pets" in labels and "pets" not in labels


def test_predict_top_k_threshold_and_probabilities(invoke, multilabel_model, tmp_path):
    path = write(tmp_path / "in.txt", "the cat sleeps\nfresh bread\n\n")
    code, out, err = invoke("predict", multilabel_model, path, "-q", "-k", "2")
    assert code == 0, err
    rows = [line.split("\t") for line in lines_of(out)]
    assert len(rows) == 3 and all(len(r) == 2 for r in rows)
    assert sorted(rows[0]) == ["animals", "pets"]
    code, out, _ = invoke("predict", multilabel_model, path, "-q", "-k", "4",
                          "--threshold", "0.5", "--proba")
    assert code == 0
    kept = [line.split("\t") if line else [] for line in lines_of(out)]
    assert sorted(cell.split(":")[0] for cell in kept[0]) == ["animals", "pets"]
    assert [cell.split(":")[0] for cell in kept[1]] == ["food"]
    for row in kept:
        assert all(float(cell.rsplit(":", 1)[1]) >= 0.5 for cell in row)
    code, single, _ = invoke("predict", multilabel_model, path, "-q")
    assert code == 0 and [line.split("\t")[0] for line in lines_of(single)][:2] == [
        kept[0][0].split(":")[0], "food"]


@pytest.mark.parametrize("args, fragment", [
    (["-k", "0"], "-k"), (["--threshold", "0"], "--threshold"),
    (["--threshold", "1.5"], "--threshold"),
])
def test_predict_bad_k_and_threshold(invoke, trained, args, fragment):
    code, out, err = invoke("predict", trained, SAMPLE, *args)
    assert_one_error(code, err, 2, fragment)
    assert out == ""


def test_test_classifier_multilabel_report(invoke, multilabel_model, tmp_path):
    rows = MULTI_ROWS[:200] + [(("animals", "wild"), "a wolf")]
    path = write(tmp_path / "test.txt", "".join(
        " ".join(f"__label__{label}" for label in labels) + f" {text}\n" for labels, text in rows))
    code, out, err = invoke("test-classifier", multilabel_model, path, "-k", "2")
    assert code == 0, err
    assert "1 examples have labels never seen in training: 'wild' (1)" in err
    lines = lines_of(out)
    assert lines[0] == f"examples 201, true labels {sum(len(r[0]) for r in rows):,}"
    assert re.fullmatch(r"P@1 [\d.]+  R@1 [\d.]+  P@2 [\d.]+  R@2 [\d.]+", lines[1])
    code, out, _ = invoke("test-classifier", multilabel_model, path, "--json", "-q")
    report = json.loads(out)
    assert report["k"] == 5 and report["threshold"] == 0.5 and report["p@1"] > 0.9
    assert report["unseen_labels"] == ["wild"] and report["per_label"]["wild"]["recall"] == 0


def test_class_weight_and_no_calibrate(invoke, tmp_path):
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *FAST,
                          "--class-weight", "food:3", "--no-calibrate", "-q")
    assert code == 0, err
    metrics = json.loads((tmp_path / "m" / "metrics.json").read_text())
    assert metrics["class_weight"] == {"animals": 1.0, "food": 3.0, "weather": 1.0}
    assert metrics["calibrated"] is False
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "b", *FAST,
                          "--class-weight", "balanced", "-q")
    assert code == 0, err
    weights = json.loads((tmp_path / "b" / "metrics.json").read_text())["class_weight"]
    assert weights["animals"] == pytest.approx(900 / (3 * 283))


# -- autotune and --params -------------------------------------------------------------

def test_autotune_then_params(invoke, tmp_path):
    train = write(tmp_path / "t.tsv", as_format("tsv", SAMPLE_ROWS[:300]))
    TextClassifier(verbose=0).fit(SAMPLE_TEXTS[:60], SAMPLE_LABELS[:60])  # numba compiles
    code, _, err = invoke("train-classifier", train, "-o", tmp_path / "tuned", "--seed", "1",
                          "--threads", "1", "--autotune-duration", "3")
    assert code == 0, err
    metrics = json.loads((tmp_path / "tuned" / "metrics.json").read_text())
    tune = metrics["autotune"]
    assert tune["trials"] >= 1 and "arch" in metrics["params"]
    if metrics["arch"] == "bag":  # a network's summary line has its own layout
        assert (f"(autotuned: {tune['trials']} trials in {tune['seconds']:.0f} s, valid "
                f"accuracy {tune['score']:.4f})") in err.splitlines()[-1]
    code, _, err = invoke("train-classifier", train, "-o", tmp_path / "again", "--seed", "1",
                          "--threads", "1", "--params", tmp_path / "tuned" / "metrics.json",
                          "-q")
    assert code == 0, err
    path = write(tmp_path / "in.txt", "\n".join(SAMPLE_TEXTS[300:400]) + "\n")
    first = invoke("predict", tmp_path / "tuned", path, "-q", "--proba")[1]
    assert invoke("predict", tmp_path / "again", path, "-q", "--proba")[1] == first


@pytest.mark.parametrize("content, fragment", [
    ("not json", "not a JSON file"),
    ('{"epochs": 3}', "not a settings file: it needs an \"arch\""),
    ('{"arch": "bag", "wings": 2}', "unknown arguments: ['wings']"),
])
def test_bad_params_file(invoke, tmp_path, content, fragment):
    params = write(tmp_path / "p.json", content)
    code, out, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", "--params", params,
                            "-q")
    assert_one_error(code, err, 1, f"--params {params}", fragment)
    assert folder(tmp_path) == ["p.json"]


@pytest.mark.parametrize("args, code, fragment", [
    (["--params", "P", "--arch", "cnn"], 2, "does not combine with --arch"),
    (["--autotune-duration", "0"], 2, "--autotune-duration"),
    (["--autotune-duration", "5", "--cv", "3"], 2, "does not combine with --cv"),
    (["--autotune-duration", "5", "--autotune-metric", "recall"], 1,
     "unknown autotune metric 'recall'"),
    (["--autotune-duration", "0.001"], 1, "is too short: one trial"),
])
def test_bad_autotune_options(invoke, tmp_path, args, code, fragment):
    params = write(tmp_path / "p.json", '{"arch": "bag"}')
    args = [str(params) if a == "P" else a for a in args]
    result, out, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "m", *args, "-q")
    assert_one_error(result, err, code, fragment)
    assert folder(tmp_path) == ["p.json"]


# -- compact models -------------------------------------------------------------------

def test_quantize_command_and_training_option(invoke, trained, tmp_path):
    code, _, err = invoke("quantize", trained, "-o", tmp_path / "q", "--cutoff", "300")
    assert code == 0, err
    assert re.fullmatch(r"quantize: [\d,]+ -> 300 features, model\.npz [\d.]+ MB -> [\d.]+ MB; "
                        rf"saved to {re.escape(str(tmp_path / 'q'))}", err.strip())
    assert folder(tmp_path / "q") == MODEL_FILES
    assert json.loads((tmp_path / "q" / "preprocessing.json").read_text())["quantized"]
    path = write(tmp_path / "in.txt", "\n".join(SAMPLE_TEXTS[:100]) + "\n")
    code, out, _ = invoke("predict", tmp_path / "q", path, "-q")
    assert code == 0
    assert sum(p == t for p, t in zip(lines_of(out), SAMPLE_LABELS)) >= 90
    code, _, err = invoke("train-classifier", SAMPLE, "-o", tmp_path / "t", *FAST, "--quantize",
                          "--cutoff", "500", "-q")
    assert code == 0, err
    metrics = json.loads((tmp_path / "t" / "metrics.json").read_text())
    assert metrics["quantized"] and metrics["cutoff"] == 500 and metrics["features"] == 500


@pytest.mark.parametrize("args, code, fragment", [
    (["-o", "SAME"], 2, "is MODEL_DIR itself"),
    ([], 2, "give the output directory with -o OUT_DIR"),
    (["-o", "EXISTS"], 1, "exists and is not a textembed model"),
])
def test_quantize_bad_output(invoke, trained, tmp_path, args, code, fragment):
    (tmp_path / "exists").mkdir()
    args = [str(trained) if a == "SAME" else str(tmp_path / "exists") if a == "EXISTS" else a
            for a in args]
    result, out, err = invoke("quantize", trained, *args)
    assert_one_error(result, err, code, fragment)


def test_quantize_refuses_a_network(invoke, tmp_path):
    train = write(tmp_path / "t.tsv", as_format("tsv", SAMPLE_ROWS[:100]))
    code, _, err = invoke("train-classifier", train, "-o", tmp_path / "net", *FAST_NET, "-q")
    assert code == 0, err
    code, _, err = invoke("quantize", tmp_path / "net", "-o", tmp_path / "q")
    assert_one_error(code, err, 1, "quantize applies to the bag")
    code, _, err = invoke("train-classifier", train, "-o", tmp_path / "n2", *FAST_NET,
                          "--quantize")
    assert_one_error(code, err, 2, "--quantize and --cutoff apply to the bag")
