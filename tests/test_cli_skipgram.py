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


# -- --save-state and --resume -----------------------------------------------------

HALF = len(SAMPLE_BYTES.splitlines()) // 2


@pytest.fixture
def halves(tmp_path):
    lines = SAMPLE_BYTES.splitlines(keepends=True)
    return (write(tmp_path / "a.txt", b"".join(lines[:HALF])),
            write(tmp_path / "b.txt", b"".join(lines[HALF:]) + b"zebra zebra zebra\n"))


def test_save_state_then_resume(invoke, halves, tmp_path):
    from textembed.word2vec import load_state

    a, b = halves
    code, _, err = invoke("skipgram", a, *TRAIN, *EXACT, "--model", "cbow", "--window", "3",
                          "--save-state", tmp_path / "a.state")
    assert code == 0, err
    assert err.rstrip().endswith(f"saved to {tmp_path / 'a.vec'}, state to {tmp_path / 'a.state'}")
    state = load_state(tmp_path / "a.state")
    assert state.settings["model"] == "cbow" and state.settings["window"] == 3
    assert state.settings["dim"] == 8 and state.epochs_done == 1
    # the state's settings apply (cbow, window 3, dim 8, min-count 1) unless given
    code, _, err = invoke("skipgram", b, "--epochs", "2", *EXACT, "--resume", tmp_path / "a.state",
                          "--save-state", tmp_path / "b.state", "-o", tmp_path / "b.vec")
    assert code == 0, err
    assert err.startswith("cbow: ")
    assert err.rstrip().endswith(f"(resumed {tmp_path / 'a.state'}: 1 epochs before, "
                                 "1 new words)")
    grown = load_state(tmp_path / "b.state")
    assert grown.settings == state.settings
    assert grown.epochs_done == 3
    assert grown.words[-1] == "zebra" and set(grown.words) == set(state.words) | {"zebra"}
    vectors = load_word2vec_format(tmp_path / "b.vec")
    assert vectors.words == grown.words and vectors.vector_size == 8


def test_resume_writes_the_same_files_every_time(invoke, halves, tmp_path):
    a, b = halves
    assert invoke("skipgram", a, *TRAIN, *EXACT, "-q", "--save-state", tmp_path / "a.state")[0] == 0
    outputs = []
    for name in ("x", "y"):
        code, _, err = invoke("skipgram", b, *EXACT, "-q", "--resume", tmp_path / "a.state",
                              "-o", tmp_path / f"{name}.vec")
        assert code == 0, err
        outputs.append((tmp_path / f"{name}.vec").read_bytes())
    assert outputs[0] == outputs[1]


RESUME_ERRORS = {
    "foreign-file": (["--resume", "a.vec"], 1, ["a.vec: not a textembed training state"]),
    "missing-state": (["--resume", "nope.state"], 1, ["nope.state: no such file"]),
    "other-dimension": (["--resume", "a.state", "--dim", "16"], 1,
                        ["a.state: the training state has dimension 8, not 16"]),
    "other-model": (["--resume", "a.state", "--model", "cbow"], 1,
                    ["a.state: the training state has model 'skipgram', not 'cbow'"]),
    "max-vocab": (["--resume", "a.state", "--max-vocab", "5"], 1,
                  ["a.state: max_vocab does not apply when resuming"]),
    "state-is-output": (["--save-state", "out.vec", "-o", "out.vec"], 2,
                        ["--save-state", "two files"]),
    "state-folder-missing": (["--save-state", "no/s.state"], 1, ["no/s.state", "does not exist"]),
}


@pytest.mark.parametrize("case", sorted(RESUME_ERRORS))
def test_resume_errors(invoke, halves, tmp_path, monkeypatch, case):
    a, b = halves
    assert invoke("skipgram", a, *TRAIN, *EXACT, "-q", "--save-state", tmp_path / "a.state")[0] == 0
    monkeypatch.chdir(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    args, expected_code, fragments = RESUME_ERRORS[case]
    code, out, err = invoke("skipgram", "b.txt", *args)
    assert_one_error(code, err, expected_code, *fragments)
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before  # nothing written


def test_ctrl_c_while_saving_the_state_leaves_no_state(invoke, halves, tmp_path, monkeypatch):
    import numpy as np

    from textembed.word2vec import state

    a, _ = halves

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(state.np, "savez", interrupted)
    code, out, err = invoke("skipgram", a, *TRAIN, "--save-state", tmp_path / "a.state")
    assert code == 130
    assert err.splitlines() == ["textembed: interrupted"]
    assert folder(tmp_path) == ["a.txt", "a.vec", "b.txt"]  # the vectors were whole before
    assert np.isfinite(load_word2vec_format(tmp_path / "a.vec").vectors).all()


# -- --phrases and --engine dask -------------------------------------------------------

# 4,000 words seen once, and "new york" 20 times: score (20 - 5) / (20 * 20) * ~5,000
# distinct words and pairs, far above the default threshold 100
PHRASED = "".join(f"w{4 * i} w{4 * i + 1} w{4 * i + 2} w{4 * i + 3}\n" for i in range(1000)) \
    + "we saw new york\n" * 20


def test_phrases_first_gives_phrase_tokens(invoke, tmp_path):
    corpus = write(tmp_path / "c.txt", PHRASED)
    code, _, err = invoke("skipgram", corpus, "-o", tmp_path / "v.vec", "--phrases", "1",
                          *TRAIN)
    assert code == 0, err
    assert "(after 1 phrase pass: 3 phrases joined)" in err  # we_saw, saw_new, new_york
    words = load_word2vec_format(tmp_path / "v.vec").words
    assert {"we_saw", "new_york"} <= set(words) and "york" not in words


def test_skipgram_on_a_local_dask_cluster(invoke, tmp_path):
    pytest.importorskip("distributed")
    from pathlib import Path
    sample = Path(__file__).resolve().parents[1] / "data" / "sample_corpus.txt"
    code, _, err = invoke("skipgram", sample, "-o", tmp_path / "d.vec", "--workers", "2",
                          "--epochs", "2", "--sync-words", "40000", "--checkpoint",
                          tmp_path / "job", "--seed", "3")
    assert code == 0, err
    assert "training on 2 Dask workers" in err and "rounds" in err
    vectors = load_word2vec_format(tmp_path / "d.vec")
    neighbours = {w for w, _ in vectors.most_similar("cat", topn=5)}
    assert len(neighbours & {"dog", "fox", "wolf", "cow", "sheep", "goat", "horse", "mouse",
                             "rabbit"}) >= 4
    assert {"plan.json", "state.bin"} <= set(folder(tmp_path / "job"))
    assert not list((tmp_path / "job" / "rounds").glob("*"))  # the change files are gone
    # the same command again continues the finished job: the same vectors
    code, _, err = invoke("skipgram", sample, "-o", tmp_path / "again.vec", "--workers", "2",
                          "--epochs", "2", "--sync-words", "40000", "--checkpoint",
                          tmp_path / "job", "--seed", "3")
    assert code == 0 and "continuing the job" in err
    assert (tmp_path / "again.vec").read_bytes() == (tmp_path / "d.vec").read_bytes()


@pytest.mark.parametrize("args, fragment", [
    (["--workers", "2", "--model", "cbow"], "--model cbow runs in one process only"),
    (["--engine", "dask", "--subwords"], "--subwords runs in one process only"),
    (["--sync-words", "5000"], "--sync-words applies to --engine dask"),
    (["--checkpoint", "x"], "--checkpoint applies to --engine dask"),
])
def test_dask_option_errors(invoke, files, tmp_path, args, fragment):
    code, out, err = invoke("skipgram", files["corpus"], "-o", tmp_path / "v.vec", *args)
    assert_one_error(code, err, 2, fragment)
    assert not (tmp_path / "v.vec").exists()


@pytest.mark.parametrize("checkpoint, hint", [
    (True, "run the same command again to continue it from its last round"),
    (False, "give --checkpoint DIR to keep a job that can be continued"),
])
def test_a_dask_training_that_stops_ends_in_one_line(invoke, files, tmp_path, monkeypatch,
                                                     checkpoint, hint):
    """A job whose streams cannot go on (here: another run took its directory over)."""
    pytest.importorskip("distributed")
    import contextlib

    from textembed.distributed import dask_driver, dask_training, rounds

    def stopped(*args, **kwargs):
        raise rounds.Superseded("job: the job was stopped or another run took over")

    monkeypatch.setattr(dask_driver, "connect", lambda *a: contextlib.nullcontext(None))
    monkeypatch.setattr(dask_driver, "check_workers", lambda client: 2)
    monkeypatch.setattr(dask_training, "train_skipgram", stopped)
    extra = ["--checkpoint", tmp_path / "job"] if checkpoint else []
    code, out, err = invoke("skipgram", files["corpus"], "-o", tmp_path / "v.vec",
                            "--engine", "dask", "--quiet", *extra)
    assert_one_error(code, err, 1, "the Dask training stopped (job: the job was stopped", hint)
    assert not (tmp_path / "v.vec").exists()
