import numpy as np
import pytest


@pytest.fixture(scope="session")
def keras_pre():
    """keras-preprocessing (a test-only reference), patched to run on NumPy 2."""
    if not hasattr(np, "unicode_"):
        np.unicode_ = np.str_
    return pytest.importorskip("keras_preprocessing")


@pytest.fixture(scope="module")
def kseq():
    """keras_preprocessing.sequence, patched for NumPy 2 (np.unicode_)."""
    if not hasattr(np, "unicode_"):
        np.unicode_ = np.str_
    return pytest.importorskip("keras_preprocessing.sequence")


@pytest.fixture
def invoke(capsys, monkeypatch):
    """Call ``cli.main(argv)`` in-process; return (exit code, stdout, stderr).

    ``stdin``: bytes given to the command as its standard input.
    """
    import io
    import sys

    from clitest import run_main

    def _invoke(*args, stdin=None):
        if stdin is not None:
            monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin)))
        capsys.readouterr()
        code = run_main(*args)
        out, err = capsys.readouterr()
        return code, out, err

    return _invoke


@pytest.fixture(scope="module")
def data():
    """(train, test): 300 and 150 keyword-labelled examples (classifytest)."""
    from classifytest import make_data
    return make_data(300, 1), make_data(150, 2)


@pytest.fixture(scope="module")
def fitted(data):
    """A small embedding-bag ensemble with bigrams, fitted on ``data`` (test set scored)."""
    from classifytest import TINY
    from textembed.classify.model import TextClassifier
    (texts, labels), (test_texts, test_labels) = data
    model = TextClassifier("embedding-bag", verbose=0,
                           **{**TINY["embedding-bag"], "bigram_buckets": 256})
    return model.fit(texts, labels, test_texts=test_texts, test_labels=test_labels)


@pytest.fixture(scope="session")
def sample_model(tmp_path_factory):
    """The default classifier trained on data/sample_labelled.tsv by the CLI (seed 1, one
    thread): a model directory the tests only read."""
    from pathlib import Path

    from clitest import run_main
    sample = Path(__file__).resolve().parents[1] / "data" / "sample_labelled.tsv"
    where = tmp_path_factory.mktemp("sample_model") / "model"
    assert run_main("train-classifier", sample, "-o", where, "--seed", "1", "--threads", "1",
                    "-q") == 0
    return where
