"""The word-vector commands: `textembed skipgram`, and `similar` / `evaluate`
on its output and on vectors with planted answers.

Training runs in-process (``textembed.cli.main(argv)``, as in test_cli_text.py), on
a small corpus written by scripts/make_sample_data.py's ``sentence()``, with
``--dim 8 --epochs 1 --min-count 1``: the numba kernels compile once per
process (cached on disk), and every later run takes a fraction of a second.
With ``--threads 1 --seed 3`` the vectors are reproducible bit for bit, so
runs that read the same text in different ways (gzip, bz2, standard input)
must write byte-identical files. Longer than 500 lines: three commands that
share one trained fixture.
"""
import bz2
import gzip
import random
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest

import textembed.io

from clitest import run_main, write, lines_of, folder, assert_one_error, keras_counts
from textembed.kernels import word2vec_kernels
from textembed.word2vec import load_word2vec_format, training
from word2vectest import ANALOGIES, load_sample_generator, planted_vectors

# Every run must close what it opens (a compressed corpus too, a refused file too).
pytestmark = pytest.mark.filterwarnings("error::ResourceWarning",
                                        "error::pytest.PytestUnraisableExceptionWarning")

TRAIN = ["--dim", "8", "--epochs", "1", "--min-count", "1"]
EXACT = ["--threads", "1", "--seed", "3"]
SAMPLE_PUNCTUATION = {".", ",", "!", ";"}  # what the sample templates use
OLD = "old vectors, must survive\n"
SUMMARY = re.compile(r"skipgram: (?P<tokens>[\d,]+) tokens x 1 epochs in [\d.]+ s "
                     r"\([\d,]+k words/s, (?P<threads>\d+) threads?; reading [\d.]+ s\), "
                     r"loss [\d.]+(e[-+]\d+)? \(per epoch [\d.]+\); "
                     r"(?P<words>[\d,]+) words x 8 saved to (?P<path>.+)")


# -- helpers -----------------------------------------------------------------

def _sample_lines(n=1500, seed=0):
    sentence = load_sample_generator().sentence
    rng = random.Random(seed)
    return [sentence(rng) for _ in range(n)]


SAMPLE_LINES = _sample_lines()
SAMPLE_BYTES = ("\n".join(SAMPLE_LINES) + "\n").encode("utf-8")
SAMPLE_VOCAB = [word for word, _ in keras_counts(SAMPLE_LINES)]
SAMPLE_TOKENS = sum(count for _, count in keras_counts(SAMPLE_LINES))


def assert_summary(err, path, tokens=SAMPLE_TOKENS, words=len(SAMPLE_VOCAB)):
    """The one summary line of a successful run: sizes, words/s, where it saved."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    match = SUMMARY.fullmatch(lines[0])
    assert match, lines[0]
    assert match["tokens"] == f"{tokens:,}"
    assert match["words"] == f"{words:,}"
    assert match["path"] == str(path)


@pytest.fixture
def corpus(tmp_path):
    return write(tmp_path / "sample.txt", SAMPLE_BYTES)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The reference run: sample.vec and sample.bin from TRAIN + EXACT."""
    where = tmp_path_factory.mktemp("trained")
    path = write(where / "sample.txt", SAMPLE_BYTES)
    assert run_main("skipgram", path, *TRAIN, *EXACT, "-q") == 0
    assert run_main("skipgram", path, *TRAIN, *EXACT, "-q", "--binary") == 0
    assert folder(where) == ["sample.bin", "sample.txt", "sample.vec"]
    return {"text": where / "sample.vec", "binary": where / "sample.bin"}


# -- happy path ----------------------------------------------------------------

def test_trains_and_writes_corpus_vec_beside_the_corpus(invoke, corpus, tmp_path):
    code, out, err = invoke("skipgram", corpus, *TRAIN)
    assert code == 0, err
    assert out == ""
    target = tmp_path / "sample.vec"
    assert_summary(err, target)
    assert folder(tmp_path) == ["sample.txt", "sample.vec"]  # no temporary files left
    vectors = load_word2vec_format(target)
    assert vectors.words == SAMPLE_VOCAB  # most frequent first, punctuation stripped
    assert vectors.vectors.shape == (len(SAMPLE_VOCAB), 8)
    assert np.isfinite(vectors.vectors).all()
    assert len(np.unique(vectors.vectors, axis=0)) == len(SAMPLE_VOCAB)


def test_text_and_binary_hold_the_same_vectors(trained):
    text = load_word2vec_format(trained["text"])
    binary = load_word2vec_format(trained["binary"])
    assert text.words == binary.words == SAMPLE_VOCAB
    np.testing.assert_array_equal(text.vectors, binary.vectors)  # text is lossless
    assert trained["binary"].read_bytes().startswith(f"{len(SAMPLE_VOCAB)} 8\n".encode())
    assert trained["text"].read_text("utf-8").startswith(f"{len(SAMPLE_VOCAB)} 8\n")


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_gensim_loads_the_output(trained, kind):
    models = pytest.importorskip("gensim.models")
    ours = load_word2vec_format(trained[kind])
    theirs = models.KeyedVectors.load_word2vec_format(str(trained[kind]),
                                                      binary=kind == "binary")
    assert theirs.index_to_key == ours.words
    np.testing.assert_array_equal(theirs.vectors, ours.vectors)


def _compress(name, data):
    if name.endswith(".gz"):
        return gzip.compress(data)
    if name.endswith(".bz2"):
        return bz2.compress(data)
    return data


@pytest.mark.parametrize("name, flags, expected", [
    ("sample.txt", [], "sample.vec"),
    ("sample.txt.gz", [], "sample.vec"),
    ("sample.bz2", [], "sample.vec"),
    ("sample", ["--binary"], "sample.bin"),
    ("sample.txt.bz2", ["--binary"], "sample.bin"),
    ("my.corpus.gz", ["--binary"], "my.corpus.bin"),
])
def test_default_output_path_and_compressed_corpora(invoke, tmp_path, trained, name, flags,
                                                     expected):
    path = write(tmp_path / name, _compress(name, SAMPLE_BYTES))
    code, out, err = invoke("skipgram", path, *TRAIN, *EXACT, *flags)
    assert code == 0, err
    assert_summary(err, tmp_path / expected)
    assert folder(tmp_path) == sorted([name, expected])
    # Same text, same seed, one thread: the same bytes however the text was stored.
    reference = trained["binary" if flags else "text"]
    assert (tmp_path / expected).read_bytes() == reference.read_bytes()


def test_output_option(invoke, corpus, tmp_path, trained):
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "vectors.txt"
    code, out, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "-o", target)
    assert code == 0, err
    assert_summary(err, target)
    assert folder(tmp_path) == ["out", "sample.txt"]  # nothing beside the corpus
    assert target.read_bytes() == trained["text"].read_bytes()


def test_same_seed_one_thread_gives_identical_files(invoke, corpus, tmp_path):
    outputs = {}
    for name, seed in (("a.vec", "3"), ("b.vec", "3"), ("c.vec", "4")):
        code, _, err = invoke("skipgram", corpus, *TRAIN, "--threads", "1", "--seed", seed,
                              "-q", "-o", tmp_path / name)
        assert code == 0, err
        outputs[name] = (tmp_path / name).read_bytes()
    assert outputs["a.vec"] == outputs["b.vec"]
    assert outputs["a.vec"] != outputs["c.vec"]  # the seed matters


def test_stdin_subprocess(tmp_path, trained):
    """`textembed skipgram -` end to end: ./stdin.vec, the same bytes as from a file."""
    done = subprocess.run([sys.executable, "-m", "textembed.cli", "skipgram", "-", *TRAIN,
                           *EXACT], input=SAMPLE_BYTES, capture_output=True, cwd=tmp_path,
                          timeout=120)
    err = done.stderr.decode("utf-8")
    assert done.returncode == 0, err
    assert done.stdout == b""
    assert_summary(err, "stdin.vec")
    assert folder(tmp_path) == ["stdin.vec"]
    assert (tmp_path / "stdin.vec").read_bytes() == trained["text"].read_bytes()


def test_whitespace_tokenizer_keeps_punctuation(invoke, corpus, tmp_path):
    code, _, err = invoke("skipgram", corpus, *TRAIN, "-q", "--tokenizer", "whitespace",
                          "-o", tmp_path / "ws.vec")
    assert code == 0, err
    words = load_word2vec_format(tmp_path / "ws.vec").words
    assert set(words) == set(SAMPLE_VOCAB) | SAMPLE_PUNCTUATION
    assert not SAMPLE_PUNCTUATION & set(SAMPLE_VOCAB)  # the default strips them


def test_carriage_returns_and_control_characters(invoke, tmp_path):
    """A CR inside a line splits words (the word2vec formats cannot store it);
    a form feed stays inside a word, and the text file still reads back."""
    text = b"one two\rthree one\x0ctwo three\r\none two three\n"
    path = write(tmp_path / "odd.txt", text)
    target = tmp_path / "odd.vec"
    code, _, err = invoke("skipgram", path, *TRAIN, "-q", "-o", target)
    assert code == 0, err
    assert load_word2vec_format(target).words == ["three", "one", "two", "one\x0ctwo"]
    code, out, err = invoke("similar", target, "three", "-n", "3")
    assert code == 0, err
    assert sorted(line.split("\t")[0] for line in lines_of(out)) == ["one", "one\x0ctwo", "two"]


# -- bad input: one line on stderr, no traceback, no output file ----------------

BAD_RUNS = {
    # name: (files to create, arguments after `skipgram`, stdin, exit code, fragments)
    "missing": ({}, ["nope.txt"], None, 1, ["nope.txt: no such file"]),
    "directory": ({"sub/": None}, ["sub"], None, 1, ["sub: is a directory"]),
    "empty-file": ({"empty.txt": b""}, ["empty.txt"], None, 1,
                   ["empty.txt: the file is empty"]),
    "empty-stdin": ({}, ["-"], b"", 1, ["standard input is empty"]),
    "binary-file": ({"garbage.txt": b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00hello world\n"},
                    ["garbage.txt"], None, 1, ["garbage.txt", "binary data", "NUL"]),
    "binary-stdin": ({}, ["-"], b"\x00\x01\x02 some words\n", 1,
                     ["standard input", "binary data"]),
    "too-few-words": ({"few.txt": "a a a b\n"}, ["few.txt", "--min-count", "2"], None, 1,
                      ["few.txt: only 1 distinct word(s)", "min_count=2", "lower min_count"]),
    "no-words": ({"punct.txt": "!!! ... ,,,\n"}, ["punct.txt"], None, 1,
                 ["punct.txt: only 0 distinct word(s)", "lower min_count"]),
    "dim-0": ({"c.txt": "a b\n"}, ["c.txt", "--dim", "0"], None, 2, ["--dim"]),
    "window-0": ({"c.txt": "a b\n"}, ["c.txt", "--window", "0"], None, 2, ["--window"]),
    "negative-0": ({"c.txt": "a b\n"}, ["c.txt", "--negative", "0"], None, 2, ["--negative"]),
    "negative-1": ({"c.txt": "a b\n"}, ["c.txt", "--negative", "-1"], None, 2,
                   ["--negative"]),
    "sample-1": ({"c.txt": "a b\n"}, ["c.txt", "--sample", "-1"], None, 2, ["--sample"]),
    "epochs-0": ({"c.txt": "a b\n"}, ["c.txt", "--epochs", "0"], None, 2, ["--epochs"]),
    "alpha-0": ({"c.txt": "a b\n"}, ["c.txt", "--alpha", "0"], None, 2, ["--alpha"]),
    "min-alpha-above-alpha": ({"c.txt": "a b\n"},
                              ["c.txt", "--alpha", "0.01", "--min-alpha", "0.05"], None, 2,
                              ["--min-alpha", "above --alpha 0.01"]),
    "threads-0": ({"c.txt": "a b\n"}, ["c.txt", "--threads", "0"], None, 2, ["--threads"]),
    "bad-encoding": ({"c.txt": "a b\n"}, ["c.txt", "--encoding", "nope"], None, 2,
                     ["--encoding", "nope"]),
    "bad-tokenizer": ({"c.txt": "a b\n"}, ["c.txt", "--tokenizer", "spacy"], None, 2,
                      ["--tokenizer"]),
    "output-folder-missing": ({"c.txt": "a b\n"}, ["c.txt", "-o", "no/such/v.vec"], None, 1,
                              ["no/such/v.vec", "does not exist"]),
    "output-is-a-directory": ({"c.txt": "a b\n", "sub/": None}, ["c.txt", "-o", "sub"], None,
                              1, ["sub: is a directory"]),
    "output-is-the-corpus": ({"c.txt": "a b\n"}, ["c.txt", "-o", "c.txt"], None, 2,
                             ["-o", "CORPUS itself"]),
    "output-dash": ({"c.txt": "a b\n"}, ["c.txt", "-o", "-"], None, 2,
                    ["-o", "standard output"]),
    "no-corpus": ({}, [], None, 2, ["CORPUS"]),
}


@pytest.mark.parametrize("case", sorted(BAD_RUNS))
def test_bad_input(invoke, tmp_path, monkeypatch, case):
    files, args, stdin, expected_code, fragments = BAD_RUNS[case]
    monkeypatch.chdir(tmp_path)  # the default output (CORPUS.vec, stdin.vec) lands here
    for name, data in files.items():
        if name.endswith("/"):
            (tmp_path / name).mkdir()
        else:
            write(tmp_path / name, data)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    # TRAIN first: an option given again in the case wins (click keeps the last).
    code, out, err = invoke("skipgram", *args[:1], *TRAIN, *args[1:], stdin=stdin)
    assert_one_error(code, err, expected_code, *fragments)
    if expected_code == 2:
        assert "skipgram --help" in err
    assert out == ""
    # No output file, no temporary file, and the inputs untouched.
    after = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert after == before


# -- encodings -----------------------------------------------------------------

LATIN1 = "café naïve garçon café\nthe café is open\n".encode("latin-1")  # 5 non-ASCII bytes


def _replaced_warning(name, count):
    return (f"textembed: warning: {name}: {count} bytes were not valid utf-8 and were replaced "
            "by U+FFFD (is the file in another encoding? try --encoding latin-1)")


def test_non_utf8_warns_once_with_the_exact_count(invoke, tmp_path, monkeypatch):
    path = write(tmp_path / "latin.txt", LATIN1)
    target = tmp_path / "latin.vec"
    code, out, err = invoke("skipgram", path, *TRAIN)
    assert code == 0, err
    lines = err.splitlines()
    assert len(lines) == 2, err
    assert lines[0] == _replaced_warning(path, 5)
    assert_summary(lines[1], target, tokens=8, words=6)
    assert "caf\ufffd" in load_word2vec_format(target).words
    # -q silences the summary, not the warning; standard input is named as such.
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("skipgram", "-", *TRAIN, "-q", stdin=LATIN1 + b"\xff\n")
    assert code == 0, err
    assert err.splitlines() == [_replaced_warning("standard input", 6)]
    assert (tmp_path / "stdin.vec").exists()


def test_latin1_encoding_reads_without_warning(invoke, tmp_path):
    path = write(tmp_path / "latin.txt", LATIN1)
    code, _, err = invoke("skipgram", path, *TRAIN, "-q", "--encoding", "latin-1")
    assert code == 0, err
    assert err == ""
    assert load_word2vec_format(tmp_path / "latin.vec").words == [
        "café", "naïve", "garçon", "the", "is", "open"]


# -- a very long line ------------------------------------------------------------

def test_long_line_is_split_not_truncated(invoke, tmp_path, monkeypatch):
    """One line of 300,000 words: the kernel cuts it into 10,000-word sentences.

    The second half of the line uses words the first half does not, so a
    trainer that dropped the rest of a long line would leave their vectors
    exactly as initialized.
    """
    rng = random.Random(7)
    first = [f"a{i}" for i in range(250)]
    second = [f"b{i}" for i in range(250)]
    tokens = ([rng.choice(first) for _ in range(150_000)]
              + [rng.choice(second) for _ in range(150_000)])
    path = write(tmp_path / "long.txt", " ".join(tokens) + "\n")
    initial = []
    real_kernel = word2vec_kernels.train_block

    def snapshot_first(job, syn0, *args):
        if not initial:
            initial.append(syn0.copy())
        return real_kernel(job, syn0, *args)

    monkeypatch.setattr(word2vec_kernels, "train_block", snapshot_first)
    target = tmp_path / "long.vec"
    code, _, err = invoke("skipgram", path, *TRAIN, "--threads", "1", "--seed", "5",
                          "-o", target)
    assert code == 0, err
    vectors = load_word2vec_format(target)
    assert set(vectors.words) == set(tokens)  # the vocabulary is complete
    assert_summary(err, target, tokens=300_000, words=len(set(tokens)))
    unchanged = np.all(vectors.vectors == initial[0], axis=1)
    assert not unchanged.any(), [w for w, same in zip(vectors.words, unchanged) if same][:5]


# -- Ctrl-C ------------------------------------------------------------------------

@pytest.mark.parametrize("existing", [False, True], ids=["no-old-file", "old-file"])
@pytest.mark.parametrize("when", ["training", "saving"])
def test_ctrl_c(invoke, corpus, tmp_path, monkeypatch, when, existing):
    scratch = tmp_path / "scratch"  # where the encoded corpus goes
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    target = tmp_path / "sample.vec"
    if existing:
        write(target, OLD)
    jobs = []
    real_kernel = word2vec_kernels.train_block

    def counting(*args):
        jobs.append(1)
        return real_kernel(*args)

    monkeypatch.setattr(word2vec_kernels, "train_block", counting)
    monkeypatch.setattr(training, "_JOB_TOKENS", 256)  # about 60 jobs
    if when == "training":
        # Ctrl-C in the main thread while it waits for the second time (after
        # at least one job finished), where a real ^C lands.
        real_wait = training.wait
        waits = []

        def interrupted_wait(*args, **kwargs):
            waits.append(1)
            if len(waits) == 2:
                raise KeyboardInterrupt
            return real_wait(*args, **kwargs)

        monkeypatch.setattr(training, "wait", interrupted_wait)
    else:
        def interrupted_replace(*args):
            raise KeyboardInterrupt

        monkeypatch.setattr(textembed.io.os, "replace", interrupted_replace)
    code, out, err = invoke("skipgram", corpus, *TRAIN, "--threads", "1")
    assert code == 130
    assert out == ""
    assert err.splitlines() == ["textembed: interrupted"]
    if when == "training":
        assert 1 <= len(jobs) <= 4  # stopped early
    else:
        assert len(jobs) > 20  # the whole corpus was trained
    if existing:
        assert target.read_text() == OLD
    else:
        assert not target.exists()
    # No temporary output file beside the target, no encoded corpus left behind.
    assert folder(tmp_path) == sorted(["sample.txt", "scratch"] + ["sample.vec"] * existing)
    assert folder(scratch) == []


# -- similar and evaluate on the trained vectors ----------------------------------

def _unit(vectors):
    return vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)


def test_similar(invoke, trained):
    path = trained["text"]
    vectors = load_word2vec_format(path)
    code, out, err = invoke("similar", path, "cat", "-n", "3")
    assert code == 0, err
    assert err == ""
    rows = [line.split("\t") for line in lines_of(out)]
    unit = _unit(vectors)
    scores = unit @ unit[vectors.words.index("cat")]
    scores[vectors.words.index("cat")] = -np.inf  # the query word is not printed
    best = np.argsort(-scores)[:3]
    assert [word for word, _ in rows] == [vectors.words[i] for i in best]
    np.testing.assert_allclose([float(s) for _, s in rows], scores[best], atol=1e-4)


@pytest.mark.parametrize("word, reason", [
    ("zebra", "'zebra' is not in the vocabulary: not among the {n} words of {path}"),
    ("Cat", "'Cat' is not in the vocabulary: not among the {n} words of {path} "
            "(did you mean 'cat'?)"),
])
def test_similar_unknown_word(invoke, trained, word, reason):
    path = trained["text"]
    code, out, err = invoke("similar", path, "cat", word)
    assert_one_error(code, err, 1)
    assert err == f"textembed: error: {reason.format(n=len(SAMPLE_VOCAB), path=path)}\n"
    assert out == ""


def test_evaluate(invoke, trained, tmp_path):
    path = trained["text"]
    vectors = load_word2vec_format(path)
    questions = [("cat", "cats", "dog", "dogs"), ("red", "green", "bread", "cheese"),
                 ("two", "three", "four", "five")]
    analogies = write(tmp_path / "analogies.txt",
                      ": sample\n" + "".join(" ".join(q) + "\n" for q in questions)
                      + "cat dog zebra green\n")  # an unknown word: skipped
    pairs = [("cat", "dog", 9.0), ("red", "green", 8.5), ("cat", "bread", 1.0),
             ("rain", "snow", 7.0)]
    pairs_path = write(tmp_path / "pairs.tsv", "".join(f"{a}\t{b}\t{s}\n" for a, b, s in pairs)
                       + "zebra\tcat\t3\n")
    code, out, err = invoke("evaluate", path, "--analogies", analogies, "--pairs", pairs_path)
    assert code == 0, err
    assert err == ""
    # Independent numbers: 3CosAdd over unit vectors, Spearman of cosines.
    unit = _unit(vectors)
    row = {w: i for i, w in enumerate(vectors.words)}
    correct = 0
    for a, b, c, d in questions:
        scores = unit @ (unit[row[b]] - unit[row[a]] + unit[row[c]])
        scores[[row[a], row[b], row[c]]] = -np.inf
        correct += vectors.words[int(np.argmax(scores))] == d
    cosines = [float(unit[row[a]] @ unit[row[b]]) for a, b, _ in pairs]
    ranks = np.argsort(np.argsort(cosines)), np.argsort(np.argsort([s for *_, s in pairs]))
    spearman = np.corrcoef(*ranks)[0, 1]
    pearson = np.corrcoef(cosines, [s for *_, s in pairs])[0, 1]
    first, second = lines_of(out)
    assert first == (f"{analogies}: analogy accuracy {correct / 3:.4f} ({correct}/3 questions), "
                     f"1 skipped (a word not among the {len(SAMPLE_VOCAB)} most frequent)")
    match = re.fullmatch(rf"{re.escape(str(pairs_path))}: Spearman (-?[\d.]+) "
                         r"\(Pearson (-?[\d.]+)\), 4 pairs used, "
                         r"1 skipped \(a word not in the vocabulary\)", second)
    assert match, second
    # (float32 cosines: the last printed digit may round either way)
    np.testing.assert_allclose([float(match[1]), float(match[2])], [spearman, pearson],
                               atol=2e-4)


def test_evaluate_missing_file(invoke, trained, tmp_path):
    code, out, err = invoke("evaluate", trained["text"], "--analogies", tmp_path / "nope.txt")
    assert_one_error(code, err, 1, "nope.txt: no such file")
    assert out == ""


# -- similar and evaluate on vectors with planted answers -----------------------

@pytest.fixture
def eval_files(tmp_path):
    vectors = tmp_path / "vectors.txt"
    planted_vectors().save_word2vec_format(vectors)
    questions = tmp_path / "questions.txt"
    questions.write_text(ANALOGIES)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("man\tking\t8\nwoman\tqueen\t9\napple\tking\t1\nfoo\tbar\t3\n")
    return vectors, questions, pairs


def test_cli_evaluate(invoke, eval_files):
    vectors, questions, pairs = eval_files
    code, out, err = invoke("evaluate", vectors, "--analogies", questions,
                            "--pairs", pairs, "--pairs", pairs, "--restrict-vocab", 7)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"{questions}: analogy accuracy 0.6667 (4/6 questions), "
                        "2 skipped (a word not among the 7 most frequent)")
    # cos(man, king) = cos(woman, queen) = 0.36, cos(apple, king) = 0: ties
    assert lines[1] == (f"{pairs}: Spearman 0.8660 (Pearson 0.9934), 3 pairs used, "
                        "1 skipped (a word not in the vocabulary)")
    assert lines[2] == lines[1] and len(lines) == 3


def test_cli_evaluate_sections(invoke, eval_files):
    vectors, questions, _ = eval_files
    code, out, _ = invoke("evaluate", vectors, "--analogies", questions, "--sections")
    assert code == 0
    assert out.splitlines()[1:] == ["  royal: 0.8000 (4/5), 0 skipped",
                                    "  other: 0.0000 (0/2), 1 skipped"]


def test_cli_similar(invoke, eval_files):
    vectors, _, _ = eval_files
    code, out, err = invoke("similar", vectors, "queen", "-n", 3)
    assert code == 0 and err == ""
    assert out == "Queen\t1.0000\nwoman\t0.3600\nking\t0.2800\n"
    code, out, _ = invoke("similar", vectors, "king", "woman", "--minus", "man", "-n", 1)
    assert code == 0 and out == "queen\t1.0000\n"


@pytest.mark.parametrize("args, code, fragment", [
    (["similar", "{vectors}", "kingg"], 1,
     "textembed: error: 'kingg' is not in the vocabulary: not among the 8 words of {vectors}\n"),
    (["similar", "{vectors}", "QUEEN"], 1, "(did you mean 'queen'?)\n"),
    (["similar", "{vectors}"], 2, "Missing argument"),
    (["similar", "{vectors}", "king", "-n", "0"], 2, "textembed: error: "),
    (["evaluate", "{vectors}"], 2, "give --analogies FILE and/or --pairs FILE"),
    (["evaluate", "{missing}", "--pairs", "{pairs}"], 1, "no such file"),
    (["evaluate", "{vectors}", "--analogies", "{pairs}"], 1,
     "line 1: expected a question of 4 words"),
    (["evaluate", "{pairs}", "--pairs", "{pairs}"], 1, "line 1: expected the word2vec header"),
])
def test_cli_errors(invoke, eval_files, tmp_path, args, code, fragment):
    vectors, _, pairs = eval_files
    names = {"vectors": vectors, "pairs": pairs, "missing": tmp_path / "missing.txt"}
    status, out, err = invoke(*[arg.format(**names) for arg in args])
    assert status == code and out == ""
    assert err.count("\n") == 1 and err.startswith("textembed: error: ")
    assert fragment.format(**names) in err


# -- the vector store ------------------------------------------------------------

def test_skipgram_writes_a_store_by_format_or_suffix(invoke, corpus, tmp_path, trained):
    from textembed.word2vec import WordVectors

    expected = load_word2vec_format(trained["binary"])
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "--format", "store")
    assert code == 0, err
    assert_summary(err, tmp_path / "sample.store")
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "-o", tmp_path / "out.store")
    assert code == 0, err
    for name in ("sample.store", "out.store"):
        got = WordVectors.load(tmp_path / name)
        assert got.words == expected.words
        assert np.array_equal(got.vectors, expected.vectors)
        assert got.counts is not None and got.counts[0] >= got.counts[-1]
    # an existing store is replaced in place; -o elsewhere with --format bin is binary
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "-o", tmp_path / "out.store")
    assert code == 0, err
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "--format", "bin",
                          "-o", tmp_path / "v")
    assert code == 0, err
    assert (tmp_path / "v").read_bytes() == trained["binary"].read_bytes()
    assert folder(tmp_path) == ["out.store", "sample.store", "sample.txt", "v"]


def test_similar_and_evaluate_read_a_store(invoke, trained, tmp_path):
    store = tmp_path / "s"
    load_word2vec_format(trained["text"]).save(store)
    for args in (["similar", "{}", "cat", "dog", "--minus", "red", "-n", "4"],
                 ["similar", "{}", "cat", "--restrict-vocab", "20"]):
        from_file = invoke(*[a.format(trained["text"]) for a in args])
        from_store = invoke(*[a.format(store) for a in args])
        assert from_store == from_file and from_store[0] == 0
    pairs = write(tmp_path / "pairs.tsv", "cat\tdog\t9\nred\tgreen\t8\ncat\tbread\t1\n")
    from_file = invoke("evaluate", trained["text"], "--pairs", pairs)
    assert invoke("evaluate", store, "--pairs", pairs) == from_file and from_file[0] == 0
    code, out, err = invoke("similar", store, "zebra")
    assert_one_error(code, err, 1, f"'zebra' is not in the vocabulary: not among the "
                                    f"{len(SAMPLE_VOCAB)} words of {store}")


@pytest.mark.parametrize("args, fragment", [
    (["--binary", "--format", "store"], "--binary contradicts --format store"),
    (["-o", "{tmp}/existing.store"], "existing.store: exists and is a file, not a textembed "
                                     "vector store"),
    (["--format", "store", "-o", "{tmp}"], "exists and is a folder, not a textembed vector store"),
])
def test_store_output_errors(invoke, corpus, tmp_path, args, fragment):
    write(tmp_path / "existing.store", "keep me\n")
    code, out, err = invoke("skipgram", corpus, *TRAIN,
                            *[a.format(tmp=tmp_path) for a in args])
    assert_one_error(code, err, 2 if "--binary" in args else 1, fragment.format(tmp=tmp_path))
    assert (tmp_path / "existing.store").read_text() == "keep me\n"


def test_similar_on_a_corrupt_store(invoke, trained, tmp_path):
    store = tmp_path / "s"
    load_word2vec_format(trained["text"]).save(store)
    (store / "vectors.npy").write_bytes(b"\x93NUMPY broken")
    code, out, err = invoke("similar", store, "cat")
    assert_one_error(code, err, 1, "vectors.npy: cannot read the matrix")
    (store / "store.json").unlink()
    code, out, err = invoke("evaluate", store, "--pairs", trained["text"])
    assert_one_error(code, err, 1, "not a textembed vector store (store.json is missing)")


# -- bounded vocabulary memory ---------------------------------------------------------

def test_max_vocab_memory_prunes_and_says_so(invoke, corpus, tmp_path, trained):
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "--max-vocab-memory", "1G",
                          "-o", tmp_path / "roomy.bin", "--binary")
    assert code == 0, err
    assert_summary(err, tmp_path / "roomy.bin")  # nothing pruned: the usual line
    assert (tmp_path / "roomy.bin").read_bytes() == trained["binary"].read_bytes()
    code, _, err = invoke("skipgram", corpus, *TRAIN, *EXACT, "--max-vocab-memory", "3K",
                          "-o", tmp_path / "tight.vec")
    assert code == 0, err
    line, note = err.rstrip("\n").split("; the word table reached --max-vocab-memory: ")
    match = re.fullmatch(r"(?P<pruned>[\d,]+) rare words pruned while counting \(the "
                         r"others' counts may be lower, as in word2vec.c\)", note)
    assert match and int(match["pruned"].replace(",", "")) > 0
    words = len(load_word2vec_format(tmp_path / "tight.vec"))
    assert words < len(SAMPLE_VOCAB)
    assert_summary(line + "\n", tmp_path / "tight.vec", words=words)


@pytest.mark.parametrize("value", ["0", "lots", "-5M", "2X", "inf"])
def test_max_vocab_memory_bad_values(invoke, corpus, value):
    code, out, err = invoke("skipgram", corpus, *TRAIN, "--max-vocab-memory", value)
    assert_one_error(code, err, 2, "--max-vocab-memory", "is not a size")


def test_byte_sizes():
    from textembed.cli.vectors import ByteSize

    size = ByteSize()
    assert [size.convert(v, None, None) for v in ("500M", "2G", "1.5g", "64KiB", "1000", "2GB")] \
        == [500 << 20, 2 << 30, 3 << 29, 64 << 10, 1000, 2 << 30]
