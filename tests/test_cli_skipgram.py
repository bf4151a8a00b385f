"""`textembed skipgram`'s training options beyond plain skip-gram: scores and
losses per epoch (--eval-every-epoch, --history), CBOW (--model cbow), and
saved / resumed training (--save-state, --resume).

Runs in-process on the sample sentences with tiny settings, as
test_cli_vectors.py does.
"""
import json

import pytest

from clitest import assert_one_error, folder, write
from test_cli_vectors import SAMPLE_BYTES, TRAIN
from textembed.word2vec import load_word2vec_format

ANALOGIES = ": animals\ncat cats dog dogs\ncow cows horse horses\n"
PAIRS = "cat\tdog\t9\ncat\tred\t1\nred\tblue\t8\nsoup\tcake\t8\nsoup\tdog\t1\n"


@pytest.fixture
def files(tmp_path):
    return {"corpus": write(tmp_path / "sample.txt", SAMPLE_BYTES),
            "analogies": write(tmp_path / "q.txt", ANALOGIES),
            "pairs": write(tmp_path / "p.tsv", PAIRS)}


# -- --eval-every-epoch ----------------------------------------------------------

def test_eval_every_epoch_writes_the_history_beside_the_vectors(invoke, files, tmp_path):
    code, out, err = invoke("skipgram", files["corpus"], *TRAIN, "--epochs", "3",
                            "--eval-every-epoch", "--analogies", files["analogies"],
                            "--pairs", files["pairs"], "--pairs", files["pairs"])
    assert code == 0, err
    assert out == ""
    history_path = tmp_path / "sample.vec.history.json"
    assert err.rstrip().endswith(f"saved to {tmp_path / 'sample.vec'}, history to "
                                 f"{history_path}")
    history = json.loads(history_path.read_text())
    epochs = history["epochs"]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]
    assert all(e["analogies"]["used"] == 2 for e in epochs)
    assert all(len(e["pairs"]) == 2 and e["pairs"][0]["used"] == 5 for e in epochs)
    # the summary's losses per epoch are the history's
    summary = err.split("(per epoch ")[1].split(")")[0].split()
    assert summary == [f"{e['loss']:.3f}" for e in epochs]
    # the last epoch's scores are those of `textembed evaluate` on the saved vectors
    vectors = load_word2vec_format(tmp_path / "sample.vec")
    assert epochs[-1]["pairs"][0]["spearman"] == pytest.approx(
        vectors.evaluate_word_pairs(files["pairs"])["spearman"], abs=1e-6)
    assert folder(tmp_path) == ["p.tsv", "q.txt", "sample.txt", "sample.vec",
                                "sample.vec.history.json"]


def test_history_option(invoke, files, tmp_path):
    target = tmp_path / "h.json"
    code, _, err = invoke("skipgram", files["corpus"], *TRAIN, "-q", "--eval-every-epoch",
                          "--pairs", files["pairs"], "--history", target)
    assert code == 0, err
    assert err == ""
    assert "analogies" not in json.loads(target.read_text())["epochs"][0]


EVAL_ERRORS = {
    "no-eval-file": (["--eval-every-epoch"], 2, ["--eval-every-epoch needs --analogies"]),
    "pairs-without-flag": (["--pairs", "p.tsv"], 2, ["--pairs is used by --eval-every-epoch"]),
    "history-without-flag": (["--history", "h.json"], 2, ["--history is used by"]),
    "missing-pairs": (["--eval-every-epoch", "--pairs", "nope.tsv"], 1,
                      ["nope.tsv: no such file"]),
    "malformed-analogies": (["--eval-every-epoch", "--analogies", "sample.txt"], 1,
                            ["sample.txt: line 1: expected a question of 4 words"]),
    "history-folder-missing": (["--eval-every-epoch", "--pairs", "p.tsv", "--history",
                                "no/h.json"], 1, ["no/h.json", "does not exist"]),
}


@pytest.mark.parametrize("case", sorted(EVAL_ERRORS))
def test_eval_errors_come_before_any_work(invoke, files, tmp_path, monkeypatch, case):
    args, expected_code, fragments = EVAL_ERRORS[case]
    monkeypatch.chdir(tmp_path)
    before = folder(tmp_path)
    code, out, err = invoke("skipgram", "sample.txt", *TRAIN, *args)
    assert_one_error(code, err, expected_code, *fragments)
    assert folder(tmp_path) == before


# -- --model cbow ------------------------------------------------------------------

EXACT = ["--threads", "1", "--seed", "3"]


def test_cbow_trains_reproducibly_and_differs_from_skipgram(invoke, files, tmp_path):
    outputs = {}
    for name, model in (("a", "cbow"), ("b", "cbow"), ("sg", "skipgram")):
        target = tmp_path / f"{name}.vec"
        code, out, err = invoke("skipgram", files["corpus"], *TRAIN, *EXACT, "--model", model,
                                "-o", target)
        assert code == 0, err
        assert err.startswith(f"{model}: ") and err.rstrip().endswith(f"saved to {target}")
        outputs[name] = target.read_bytes()
    assert outputs["a"] == outputs["b"]
    assert outputs["a"] != outputs["sg"]
    assert load_word2vec_format(tmp_path / "a.vec").words == \
        load_word2vec_format(tmp_path / "sg.vec").words


def test_unknown_model_is_a_usage_error(invoke, files, tmp_path):
    code, out, err = invoke("skipgram", files["corpus"], *TRAIN, "--model", "glove")
    assert_one_error(code, err, 2, "--model", "glove")
    assert not (tmp_path / "sample.vec").exists()
