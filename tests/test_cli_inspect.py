"""`textembed explain` and `textembed embed`, run in-process through ``cli.main``
on models and vectors trained on the samples in data/."""
import json
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from clitest import assert_one_error, folder, lines_of, write
from textembed.classify import TextClassifier
from textembed.word2vec import load_word2vec_format

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
TEXTS = [line.split("\t", 1)[1] for line in SAMPLE.read_text("utf-8").splitlines()]


@pytest.fixture(scope="module")
def model(sample_model):
    return sample_model


@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    """A small word2vec text file: words w0..w9 with known vectors."""
    path = tmp_path_factory.mktemp("vectors") / "v.vec"
    rows = [f"w{i} " + " ".join(str(float(i * 3 + j)) for j in range(3)) for i in range(10)]
    write(path, "10 3\n" + "\n".join(rows) + "\n")
    return path


def test_explain_lines_match_the_library(invoke, model, tmp_path):
    path = write(tmp_path / "in.txt", "\n".join(TEXTS[:5]) + "\n")
    code, out, err = invoke("explain", model, path, "-q")
    assert code == 0, err
    expected = TextClassifier.load(model).explain(TEXTS[:5])
    for line, e in zip(lines_of(out), expected, strict=True):
        label, probability, tokens = line.split("\t")
        assert label == e["label"] and float(probability) == pytest.approx(e["probability"],
                                                                             abs=1e-4)
        assert [t.rsplit(":", 1)[0] for t in tokens.split(" ")] == [t for t, _ in e["tokens"]]
    code, out, _ = invoke("explain", model, path, "--json", "-q")
    assert [json.loads(line)["tokens"] for line in lines_of(out)] == [
        [list(t) for t in e["tokens"]] for e in json.loads(json.dumps(expected))]


def test_explain_html_is_a_coloured_page(invoke, model, tmp_path):
    path = write(tmp_path / "in.txt", "<b>cat</b> & dog\n" + TEXTS[0] + "\n")
    code, _, err = invoke("explain", model, path, "--html", tmp_path / "e.html", "-o",
                          tmp_path / "e.txt")
    assert code == 0, err
    assert "page written to" in err
    page = (tmp_path / "e.html").read_text("utf-8")

    class Spans(HTMLParser):
        texts, scripts = [], 0

        def handle_starttag(self, tag, attrs):
            self.scripts += tag in ("script", "link", "img")
            self.in_span = tag == "span" and ("class", "t") in attrs

        def handle_data(self, data):
            if getattr(self, "in_span", False):
                self.texts.append(data)
                self.in_span = False

    parser = Spans()
    parser.feed(page)
    assert parser.scripts == 0
    assert parser.texts[:2] == ["b", "cat"] or "cat" in parser.texts
    assert "<b>cat" not in page  # the text is escaped


def test_top_features(invoke, model):
    code, out, err = invoke("explain", model, "--top-features", "animals", "-n", "5")
    assert code == 0, err
    rows = [line.split("\t") for line in lines_of(out)]
    assert len(rows) == 5
    weights = [float(w) for _, w in rows]
    assert weights == sorted(weights, reverse=True)
    assert [w for w, _ in rows] == [w for w, _ in
                                    TextClassifier.load(model).top_features("animals", 5)]


@pytest.mark.parametrize("args, code, fragment", [
    (["--label", "purple"], 2, "no label 'purple'"),
    (["--top-features", "purple"], 1, "no label 'purple'"),
])
def test_explain_bad_label(invoke, model, args, code, fragment):
    result, out, err = invoke("explain", model, SAMPLE, *args)
    assert_one_error(result, err, code, fragment)
    assert out == ""


def test_explain_and_embed_bad_inputs(invoke, model, tmp_path):
    for command in ("explain", "embed"):
        code, out, err = invoke(command, model, "-", stdin=b"")
        assert_one_error(code, err, 1, "standard input is empty")
        code, _, err = invoke(command, tmp_path / "nope", SAMPLE)
        assert_one_error(code, err, 1, "no such")
        code, _, err = invoke(command, model, tmp_path / "nope.txt")
        assert_one_error(code, err, 1, "nope.txt: no such file")
        empty = write(tmp_path / "empty.txt", "")
        code, _, err = invoke(command, model, empty, "-o", tmp_path / "out.txt")
        assert_one_error(code, err, 1, "is empty")
        assert not (tmp_path / "out.txt").exists()
    code, _, err = invoke("embed", model, SAMPLE, "--format", "npy")
    assert_one_error(code, err, 2, "give it with -o FILE")


def test_embed_classifier_tsv_and_npy(invoke, model, tmp_path):
    path = write(tmp_path / "in.txt", "\n".join(TEXTS[:7]) + "\n")
    code, out, err = invoke("embed", model, path, "-q")
    assert code == 0, err
    rows = np.array([[float(v) for v in line.split("\t")] for line in lines_of(out)])
    expected = TextClassifier.load(model).embed(TEXTS[:7])
    np.testing.assert_allclose(rows, expected, rtol=1e-5, atol=1e-5)
    code, _, err = invoke("embed", model, path, "--format", "npy", "-o", tmp_path / "v.npy",
                          "-q")
    assert code == 0, err
    saved = np.load(tmp_path / "v.npy")
    assert saved.dtype == np.float32 and saved.shape == expected.shape
    np.testing.assert_allclose(saved, expected, rtol=1e-6)
    assert folder(tmp_path) == ["in.txt", "v.npy"]


def test_embed_word_vectors_mean_and_sif(invoke, vectors, tmp_path):
    path = write(tmp_path / "in.txt", "w1 w2\nw3 unknown\nnothing known\n")
    code, out, err = invoke("embed", vectors, path, "-q")
    assert code == 0, err
    rows = [[float(v) for v in line.split("\t")] for line in lines_of(out)]
    assert rows == [[4.5, 5.5, 6.5], [9.0, 10.0, 11.0], [0.0, 0.0, 0.0]]
    code, out, _ = invoke("embed", vectors, path, "--weighting", "sif", "-q")
    assert code == 0
    words = load_word2vec_format(vectors)
    expected = words.sentence_vectors(["w1 w2", "w3 unknown", "nothing known"], "sif")
    got = np.array([[float(v) for v in line.split("\t")] for line in lines_of(out)])
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


def test_embed_reads_a_vector_store(invoke, vectors, tmp_path):
    store = tmp_path / "v.store"
    load_word2vec_format(vectors).save(store)
    path = write(tmp_path / "in.txt", "w1 w2\nw3 unknown\n")
    code, out, err = invoke("embed", store, path, "-q")
    assert code == 0, err
    assert [[float(v) for v in line.split("\t")] for line in lines_of(out)] == [
        [4.5, 5.5, 6.5], [9.0, 10.0, 11.0]]
    (store / "vocab.tsv").write_text("w0\n")
    code, out, err = invoke("embed", store, path, "-q")
    assert_one_error(code, err, 1, "vocab.tsv", "store.json announces 10 words")
