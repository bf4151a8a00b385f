"""The text commands: `textembed tokenize` and `textembed vocab`.

A few end-to-end checks run the tool as a subprocess; the many bad-input
cases call ``textembed.cli.main(argv)`` in-process (faster), with standard
output and error captured by pytest. Longer than 500 lines: the two commands
share their options, inputs and error handling, and so their tests.
"""
import bz2
import gzip
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import pytest

import textembed
from textembed.cli import text as cli_text

from clitest import write, lines_of, assert_one_error, keras_counts, run_cli

MR_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mr" / "rt-polarity.all"

SMALL_TEXT = "the cat sat on the mat\nThe dog ate the cat's food!\na dog, a cat.\n"
SMALL_LINES = SMALL_TEXT.splitlines()
# Counts of SMALL_TEXT, most frequent first, ties in order of first appearance.
SMALL_VOCAB = [
    ("the", 4), ("cat", 2), ("dog", 2), ("a", 2), ("sat", 1), ("on", 1),
    ("mat", 1), ("ate", 1), ("cat's", 1), ("food", 1),
]


# -- helpers -----------------------------------------------------------------

def ids_lines(sequences):
    return [" ".join(map(str, seq)) for seq in sequences]


def vocab_lines(pairs):
    return [f"{w}\t{c}" for w, c in pairs]


def temp_leftovers(folder):
    return [p.name for p in Path(folder).iterdir() if re.fullmatch(r"\..*\.tmp", p.name)]


@pytest.fixture
def small(tmp_path):
    return write(tmp_path / "small.txt", SMALL_TEXT)


@pytest.fixture
def medium(tmp_path):
    """Enough lines (with empty ones) for the batched numba path of the Tokenizer."""
    words = "alpha beta gamma delta epsilon zeta eta theta iota kappa".split()
    lines = []
    for i in range(300):
        if i % 7 == 3:
            lines.append("")
        else:
            lines.append(" ".join(words[(i * j + j * j) % 10] for j in range(1, 2 + i % 9))
                         + ("!" if i % 5 == 0 else ""))
    return write(tmp_path / "medium.txt", "\n".join(lines) + "\n"), lines


# -- vocab -------------------------------------------------------------------

def test_vocab_subprocess(small):
    code, out, err = run_cli("vocab", small)
    assert code == 0, err
    assert lines_of(out) == vocab_lines(SMALL_VOCAB)
    assert "Traceback" not in err


@pytest.mark.parametrize("options, expected", [
    ([], SMALL_VOCAB),
    (["--top", "3"], SMALL_VOCAB[:3]),
    (["--min-count", "2"], SMALL_VOCAB[:4]),
    (["--min-count", "2", "--top", "2"], SMALL_VOCAB[:2]),
    (["--min-count", "5"], []),
    (["--top", "100"], SMALL_VOCAB),
])
def test_vocab_top_and_min_count(invoke, small, options, expected):
    code, out, err = invoke("vocab", small, "-q", *options)
    assert code == 0, err
    assert lines_of(out) == vocab_lines(expected)
    assert err == ""


def test_vocab_output_file_and_summary(invoke, small, tmp_path):
    target = tmp_path / "vocab.tsv"
    code, out, err = invoke("vocab", small, "-o", target)
    assert code == 0, err
    assert out == ""
    assert lines_of(target.read_text(encoding="utf-8")) == vocab_lines(SMALL_VOCAB)
    assert err.startswith("vocab: 3 lines, 16 tokens, 10 distinct words, 10 written")
    assert len(err.splitlines()) == 1
    assert temp_leftovers(tmp_path) == []


def test_vocab_options_reach_the_tokenizer(invoke, small):
    code, out, _ = invoke("vocab", small, "-q", "--no-lower", "--top", "3")
    assert code == 0
    assert lines_of(out) == ["the\t3", "cat\t2", "dog\t2"]
    code, out, _ = invoke("vocab", small, "-q", "--char-level", "--top", "2")
    assert code == 0
    assert lines_of(out) == [" \t13", "t\t10"]


def test_vocab_stdin(invoke, small):
    code, out, err = invoke("vocab", "-", "-q", stdin=SMALL_TEXT.encode())
    assert code == 0, err
    assert lines_of(out) == vocab_lines(SMALL_VOCAB)


@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_compressed_input_same_as_plain(invoke, tmp_path, medium, suffix, compress):
    plain, _ = medium
    packed = write(tmp_path / ("medium.txt" + suffix), compress(plain.read_bytes()))
    for command in (["vocab"], ["tokenize", "--save-tokenizer", tmp_path / "t.json"]):
        code, expected, err = invoke(*command, plain, "-q")
        assert code == 0, err
        code, out, err = invoke(*command, packed, "-q")
        assert code == 0, err
        assert out == expected and out


@pytest.mark.skipif(not MR_PATH.exists(), reason=f"{MR_PATH} not present")
def test_vocab_movie_reviews_latin1(invoke):
    lines = MR_PATH.read_bytes().decode("latin-1").split("\n")
    expected = vocab_lines(keras_counts(lines))
    code, out, err = invoke("vocab", MR_PATH, "--encoding", "latin-1", "-q")
    assert code == 0, err
    assert err == ""
    got = lines_of(out)
    assert got[0] == "the\t10193"
    assert len(got) == len(expected) > 15000
    assert got == expected


@pytest.mark.skipif(not MR_PATH.exists(), reason=f"{MR_PATH} not present")
def test_vocab_movie_reviews_utf8_counts_replaced_bytes(invoke):
    data = MR_PATH.read_bytes()
    # Each byte that is not part of valid UTF-8 becomes one lone surrogate.
    bad = sum(0xDC80 <= ord(c) <= 0xDCFF for c in data.decode("utf-8", "surrogateescape"))
    assert bad > 0
    code, out, err = invoke("vocab", MR_PATH, "-q")
    assert code == 0
    assert err.splitlines() == [
        f"textembed: warning: {MR_PATH}: {bad:,} bytes were not valid utf-8 and were "
        "replaced by U+FFFD (is the file in another encoding? try --encoding latin-1)"]
    assert out.startswith("the\t10193\n")


# -- tokenize ----------------------------------------------------------------

def test_tokenize_subprocess_end_to_end(tmp_path, keras_pre):
    from keras_preprocessing.text import tokenizer_from_json as keras_from_json

    source = write(tmp_path / "small.txt", SMALL_TEXT)
    code, out, err = run_cli("tokenize", source, "-o", tmp_path / "small.ids")
    assert code == 0, err
    assert out == ""
    assert "Traceback" not in err
    assert err.rstrip("\n").endswith(f"tokenizer saved to {tmp_path / 'small.ids'}.tokenizer.json")
    got = lines_of((tmp_path / "small.ids").read_text())
    assert got == ["1 2 5 6 1 7", "1 3 8 1 9 10", "4 3 4 2"]

    saved = (tmp_path / "small.ids.tokenizer.json").read_text(encoding="utf-8")
    ours = textembed.tokenizer_from_json(saved)
    keras = keras_from_json(saved)
    assert list(ours.word_index) == [w for w, _ in SMALL_VOCAB]
    assert ids_lines(ours.texts_to_sequences(SMALL_LINES)) == got
    assert ids_lines(keras.texts_to_sequences(SMALL_LINES)) == got
    assert keras.word_index == ours.word_index


def test_tokenize_matches_library(invoke, medium, tmp_path, keras_pre):
    from keras_preprocessing.text import tokenizer_from_json as keras_from_json

    path, lines = medium
    code, out, err = invoke("tokenize", path, "-q")
    assert code == 0, err
    tokenizer = textembed.Tokenizer()
    tokenizer.fit_on_texts(lines)
    assert lines_of(out) == ids_lines(tokenizer.texts_to_sequences(lines))
    saved = Path(str(path) + ".tokenizer.json")  # default without -o: INPUT.tokenizer.json
    text = saved.read_text(encoding="utf-8")
    assert textembed.tokenizer_from_json(text).word_index == tokenizer.word_index
    keras = keras_from_json(text)
    assert keras.word_index == tokenizer.word_index
    assert ids_lines(keras.texts_to_sequences(lines)) == lines_of(out)


def test_tokenize_preserves_empty_lines(invoke, tmp_path):
    path = write(tmp_path / "gaps.txt", "a b\n\n\nc\n\n")
    code, out, _ = invoke("tokenize", path, "-q")
    assert code == 0
    assert out == "1 2\n\n\n3\n\n"
    # CRLF line endings and a last line without a newline; a line of
    # punctuation only gives an empty line too.
    path = write(tmp_path / "crlf.txt", "a b\r\n\r\n!!!\r\nc")
    code, out, _ = invoke("tokenize", path, "-q")
    assert code == 0
    assert out == "1 2\n\n\n3\n"


def test_tokenize_num_words_oov_and_words(invoke, small, tmp_path):
    args = ("tokenize", small, "-q", "--num-words", "4", "--oov-token", "<unk>",
            "--save-tokenizer", tmp_path / "t.json")
    code, out, err = invoke(*args)
    assert code == 0, err
    assert lines_of(out) == ["2 3 1 1 2 1", "2 1 1 2 1 1", "1 1 1 3"]
    code, out, err = invoke(*args, "--words")
    assert code == 0, err
    assert lines_of(out) == ["the cat <unk> <unk> the <unk>",
                                "the <unk> <unk> the <unk> <unk>",
                                "<unk> <unk> <unk> cat"]
    saved = textembed.tokenizer_from_json((tmp_path / "t.json").read_text())
    assert saved.num_words == 4 and saved.oov_token == "<unk>"
    assert saved.word_index["<unk>"] == 1


def test_tokenize_words_without_oov(invoke, small):
    code, out, _ = invoke("tokenize", small, "-q", "--words", "--num-words", "3")
    assert code == 0
    assert lines_of(out) == ["the cat the", "the the", "cat"]  # "cat's" is another word


def test_tokenize_load_tokenizer_reuse(invoke, small, tmp_path):
    other = write(tmp_path / "other.txt", "a new cat\nzebra\nthe mat, the dog\n")
    code, _, _ = invoke("tokenize", small, "-q", "-o", tmp_path / "small.ids")
    assert code == 0
    saved = tmp_path / "small.ids.tokenizer.json"
    before = saved.read_bytes()
    code, out, err = invoke("tokenize", other, "--load-tokenizer", saved)
    assert code == 0, err
    assert lines_of(out) == ["4 2", "", "1 7 1 3"]
    assert "tokenizer saved" not in err
    assert saved.read_bytes() == before
    assert not (tmp_path / "other.txt.tokenizer.json").exists()
    tokenizer = textembed.tokenizer_from_json(before.decode("utf-8"))
    assert lines_of(out) == ids_lines(tokenizer.texts_to_sequences(
        ["a new cat", "zebra", "the mat, the dog"]))
    code, out, _ = invoke("tokenize", other, "-q", "--words", "--load-tokenizer", saved)
    assert lines_of(out) == ["a cat", "", "the mat the dog"]


def test_tokenize_stdin_subprocess(tmp_path):
    code, out, err = run_cli("tokenize", "-", stdin=SMALL_TEXT.encode(), cwd=tmp_path)
    assert code == 0, err
    assert lines_of(out) == ["1 2 5 6 1 7", "1 3 8 1 9 10", "4 3 4 2"]
    # Without -o, the tokenizer of standard input goes to ./stdin.tokenizer.json.
    saved = textembed.tokenizer_from_json((tmp_path / "stdin.tokenizer.json").read_text())
    assert list(saved.word_index) == [w for w, _ in SMALL_VOCAB]


def test_tokenize_stdin_leaves_no_spool_file(invoke, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    code, out, _ = invoke("tokenize", "-", "-q", "-o", tmp_path / "x.ids",
                          stdin=SMALL_TEXT.encode())
    assert code == 0
    assert lines_of((tmp_path / "x.ids").read_text()) == ["1 2 5 6 1 7", "1 3 8 1 9 10",
                                                            "4 3 4 2"]
    assert (tmp_path / "x.ids.tokenizer.json").exists()
    assert list(spool.iterdir()) == []


def test_tokenize_output_dash_is_stdout(invoke, small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("tokenize", small, "-q", "-o", "-")
    assert code == 0
    assert lines_of(out) == ["1 2 5 6 1 7", "1 3 8 1 9 10", "4 3 4 2"]
    assert Path(str(small) + ".tokenizer.json").exists()
    assert not (tmp_path / "-.tokenizer.json").exists()


def test_output_file_permissions(invoke, small, tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    target = tmp_path / "small.ids"
    assert invoke("tokenize", small, "-q", "-o", target)[0] == 0
    for path in (target, tmp_path / "small.ids.tokenizer.json"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask
    target.chmod(0o640)
    assert invoke("tokenize", small, "-q", "-o", target)[0] == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_utf16_input(invoke, tmp_path):
    path = write(tmp_path / "u16.txt", "héllo wörld\nwörld\n".encode("utf-16"))
    code, out, err = invoke("vocab", path, "-q", "--encoding", "utf-16")
    assert code == 0, err
    assert lines_of(out) == ["wörld\t2", "héllo\t1"]


def test_byte_order_mark_is_not_part_of_the_first_word(invoke, tmp_path):
    plain = write(tmp_path / "plain.txt", "héllo wörld\nwörld\n".encode())
    marked = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + "héllo wörld\nwörld\n".encode())
    for command in (["vocab", "-q"], ["tokenize", "-q", "--words"]):
        expected = invoke(*command, plain)
        code, out, err = invoke(*command, marked)
        assert code == 0, err
        assert out == expected[1]
        assert "\ufeff" not in out
    # a mark later in the file is text, and stays
    inner = write(tmp_path / "inner.txt", "a\n\ufeffb\n".encode())
    code, out, err = invoke("vocab", "-q", inner)
    assert "\ufeffb\t1" in lines_of(out)


# -- encodings ---------------------------------------------------------------

LATIN1 = b"caf\xe9 na\xefve\n"


def test_non_utf8_warns_once_with_the_count(invoke, tmp_path):
    path = write(tmp_path / "latin.txt", LATIN1)
    code, out, err = invoke("vocab", path, "-q")
    assert code == 0
    assert lines_of(out) == ["caf\ufffd\t1", "na\ufffdve\t1"]
    assert err.splitlines() == [
        f"textembed: warning: {path}: 2 bytes were not valid utf-8 and were replaced "
        "by U+FFFD (is the file in another encoding? try --encoding latin-1)"]
    # tokenize reads the file twice (fit, then convert) but warns once.
    code, out, err = invoke("tokenize", path, "-q")
    assert code == 0
    assert out == "1 2\n"
    assert len(err.splitlines()) == 1
    assert f"{path}: 2 bytes were not valid utf-8" in err


def test_replaced_byte_count_is_exact(invoke, tmp_path):
    # \xff, \xfe, then three \xe9 lead bytes without continuation: 5 bad bytes;
    # the valid 2-byte "é" and 3-byte "€" are not counted.
    path = write(tmp_path / "mixed.txt", "é € ok ".encode() + b"\xff\xfe x \xe9\xe9\xe9 y\n")
    code, _, err = invoke("vocab", path, "-q")
    assert code == 0
    assert ": 5 bytes were not valid utf-8" in err


def test_non_utf8_stdin_is_named_standard_input(invoke, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for command in ("vocab", "tokenize"):
        code, _, err = invoke(command, "-", "-q", stdin=LATIN1)
        assert code == 0
        assert err.splitlines() == [
            "textembed: warning: standard input: 2 bytes were not valid utf-8 and were "
            "replaced by U+FFFD (is the file in another encoding? try --encoding latin-1)"]


def test_latin1_encoding(invoke, tmp_path):
    path = write(tmp_path / "latin.txt", LATIN1)
    code, out, err = invoke("vocab", path, "-q", "--encoding", "latin-1")
    assert code == 0
    assert err == ""
    assert lines_of(out) == ["café\t1", "naïve\t1"]
    code, out, err = invoke("tokenize", path, "-q", "--encoding", "latin-1", "--words",
                            "-o", tmp_path / "w.txt")
    assert code == 0 and err == ""
    assert (tmp_path / "w.txt").read_text(encoding="utf-8") == "café naïve\n"


# -- bad input: one line on stderr, no traceback -----------------------------

def _not_json(folder):
    return write(folder / "bad.json", "{not json")


def _json_not_tokenizer(folder):
    return write(folder / "bad.json", '{"hello": [1, 2]}')


def _json_list(folder):
    return write(folder / "bad.json", "[1, 2, 3]")


def _bad_index_word(folder):
    config = {k: "{}" for k in ("word_counts", "word_docs", "index_docs", "word_index")}
    config["index_word"] = "[]"
    return write(folder / "bad.json", json.dumps({"config": config}))


def _bad_word_index(folder):
    config = {k: "{}" for k in ("word_counts", "word_docs", "index_docs", "index_word")}
    config["word_index"] = '{"cat": "x"}'
    return write(folder / "bad.json", json.dumps({"config": config}))


def _bad_filters(folder):
    config = {k: "{}" for k in ("word_counts", "word_docs", "index_docs", "index_word",
                                "word_index")}
    config["filters"] = 5
    return write(folder / "bad.json", json.dumps({"config": config}))


def _binary_json(folder):
    return write(folder / "bad.json", b"\x89PNG\r\n\x1a\n\xff\xfe")


@pytest.mark.parametrize("make", [
    lambda folder: folder / "missing.json",
    lambda folder: folder,
    _not_json, _json_not_tokenizer, _json_list, _bad_index_word, _bad_word_index,
    _bad_filters, _binary_json,
], ids=["missing", "directory", "not-json", "json-not-tokenizer", "json-list",
        "index-word-list", "word-index-not-int", "filters-not-str", "binary"])
def test_bad_load_tokenizer(invoke, small, tmp_path, make):
    path = make(tmp_path)
    code, out, err = invoke("tokenize", small, "--load-tokenizer", path)
    assert_one_error(code, err, 1, str(path))
    assert out == ""


def _gzip_then_garbage(folder):
    data = bytearray(gzip.compress(b"hello world\n" * 1000))
    data[20:40] = b"\xff" * 20  # a corrupt deflate block: zlib.error, not OSError
    return write(folder / "corrupt.gz", bytes(data))


def _corrupt_bz2(folder):
    data = bytearray(bz2.compress(b"hello world\n" * 1000))
    data[20:40] = b"\x00" * 20
    return write(folder / "corrupt.bz2", bytes(data))


BAD_INPUTS = {
    "missing": (lambda folder: folder / "nope.txt", "no such file"),
    "directory": (lambda folder: folder, "is a directory"),
    "empty": (lambda folder: write(folder / "empty.txt", b""), "empty"),
    "binary": (lambda folder: write(folder / "bin.txt", b"abc\x00\x01\x02def\n"), "binary"),
    "not-gzip": (lambda folder: write(folder / "fake.gz", b"just text\n"), "compressed"),
    "corrupt-gzip": (_gzip_then_garbage, "compressed"),
    "truncated-gzip": (lambda folder: write(folder / "cut.gz",
                                            gzip.compress(b"a b c\n" * 500)[:-12]), "compressed"),
    "corrupt-bz2": (_corrupt_bz2, "compressed"),
    "only-punctuation": (lambda folder: write(folder / "punct.txt", "!!! ...\n,,,\n"),
                         "no words"),
}


@pytest.mark.parametrize("command", ["vocab", "tokenize"])
@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_file(invoke, tmp_path, command, case):
    make, fragment = BAD_INPUTS[case]
    path = make(tmp_path)
    code, out, err = invoke(command, path)
    assert_one_error(code, err, 1, fragment)
    assert out == ""
    assert not Path(str(path) + ".tokenizer.json").exists()


@pytest.mark.parametrize("args", [
    ["vocab", "-"], ["tokenize", "-"], ["tokenize", "-", "--load-tokenizer", "TOKENIZER"],
])
def test_empty_stdin(invoke, small, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    assert invoke("tokenize", small, "-q", "--save-tokenizer", "t.json")[0] == 0
    args = ["t.json" if a == "TOKENIZER" else a for a in args]
    code, out, err = invoke(*args, stdin=b"")
    assert_one_error(code, err, 1, "standard input is empty")
    assert out == ""
    assert not (tmp_path / "stdin.tokenizer.json").exists()


def test_binary_stdin(invoke):
    code, _, err = invoke("vocab", "-", stdin=b"\x00\x01\x02 binary")
    assert_one_error(code, err, 1, "standard input", "binary")


@pytest.mark.parametrize("args, fragment", [
    (["vocab", "SMALL", "--encoding", "no-such-codec"], "no-such-codec"),
    (["tokenize", "SMALL", "--encoding", "no-such-codec"], "no-such-codec"),
    (["vocab", "SMALL", "--encoding", "base64"], "base64"),  # a bytes codec
    (["tokenize", "SMALL", "--num-words", "0"], "--num-words"),
    (["tokenize", "SMALL", "--num-words", "many"], "--num-words"),
    (["vocab", "SMALL", "--top", "0"], "--top"),
    (["vocab", "SMALL", "--min-count", "-1"], "--min-count"),
    (["vocab", "SMALL", "--bogus"], "--bogus"),
    (["tokenize"], "INPUT"),
    (["vocab", "SMALL", "extra"], "several INPUTs need --engine dask"),
    (["tokenize", "SMALL", "--split", ""], "split"),
])
def test_usage_errors(invoke, small, args, fragment):
    args = [str(small) if a == "SMALL" else a for a in args]
    code, out, err = invoke(*args)
    assert_one_error(code, err, 2, fragment, "--help")
    assert out == ""


@pytest.mark.parametrize("args", [
    ["vocab", "SMALL", "-o", "OUT"],
    ["tokenize", "SMALL", "-o", "OUT"],
    ["tokenize", "SMALL", "--save-tokenizer", "OUT"],
    ["tokenize", "SMALL", "-o", "-", "--save-tokenizer", "OUT"],
])
def test_output_folder_missing(invoke, small, tmp_path, args):
    missing = tmp_path / "no" / "such" / "folder"
    args = [str(small) if a == "SMALL" else str(missing / "out") if a == "OUT" else a
            for a in args]
    code, out, err = invoke(*args)
    assert_one_error(code, err, 1, str(missing / "out"), "does not exist")
    assert out == ""
    # The check comes before the work: no tokenizer was saved beside INPUT either.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.txt"]


def test_output_is_a_directory(invoke, small, tmp_path):
    code, _, err = invoke("vocab", small, "-o", tmp_path)
    assert_one_error(code, err, 1, "is a directory")


def test_bad_input_subprocess(tmp_path):
    code, out, err = run_cli("tokenize", tmp_path / "nope.txt")
    assert_one_error(code, err, 1, "nope.txt: no such file")
    code, out, err = run_cli("vocab", "-", stdin=b"")
    assert_one_error(code, err, 1, "standard input is empty")
    code, out, err = run_cli("tokenize", "--num-words", "0", "x")
    assert_one_error(code, err, 2, "--num-words")


# -- atomic output and Ctrl-C ------------------------------------------------

OLD = "old content, must survive\n"


def test_failed_run_keeps_old_output(invoke, small, tmp_path):
    target = write(tmp_path / "out.ids", OLD)
    broken = _json_not_tokenizer(tmp_path)
    code, _, err = invoke("tokenize", small, "-o", target, "--load-tokenizer", broken)
    assert_one_error(code, err, 1)
    assert target.read_text() == OLD
    assert temp_leftovers(tmp_path) == []


def test_input_error_midway_keeps_old_output(invoke, tmp_path):
    """A truncated .gz fails after the output file was opened."""
    words = [f"w{i}" for i in range(5000)]
    text = "\n".join(" ".join(words[(i * 37) % 5000:(i * 37) % 5000 + 20])
                     for i in range(20000)).encode()
    packed = gzip.compress(text)
    good = write(tmp_path / "good.txt", text[:5000])
    cut = write(tmp_path / "cut.txt.gz", packed[:len(packed) // 2])
    assert invoke("tokenize", good, "-q", "--save-tokenizer", tmp_path / "t.json")[0] == 0
    target = write(tmp_path / "out.ids", OLD)
    code, _, err = invoke("tokenize", cut, "-o", target, "--load-tokenizer", tmp_path / "t.json")
    assert_one_error(code, err, 1, "cut.txt.gz", "compressed")
    assert target.read_text() == OLD
    assert temp_leftovers(tmp_path) == []


def test_ctrl_c_while_writing_tokenize(invoke, medium, tmp_path, monkeypatch):
    path, _ = medium
    target = write(tmp_path / "out.ids", OLD)
    saved = write(tmp_path / "out.ids.tokenizer.json", OLD)
    real_batches = cli_text.batches
    written = []

    def interrupted(iterator, size):
        for batch in real_batches(iterator, 10):
            written.append(batch)
            yield batch
            if len(written) == 2:
                raise KeyboardInterrupt

    monkeypatch.setattr(cli_text, "batches", interrupted)
    code, out, err = invoke("tokenize", path, "-o", target)
    assert code == 130
    assert err.splitlines() == ["textembed: interrupted"]
    assert len(written) == 2  # the interrupt came after some lines were written
    assert target.read_text() == OLD
    # The tokenizer was complete, so it was saved before the interrupt.
    assert textembed.tokenizer_from_json(saved.read_text()).word_index
    assert temp_leftovers(tmp_path) == []


def test_ctrl_c_before_rename_vocab(invoke, small, tmp_path, monkeypatch):
    import textembed.io

    target = write(tmp_path / "vocab.tsv", OLD)

    def interrupt(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(textembed.io.os, "replace", interrupt)
    code, out, err = invoke("vocab", small, "-o", target)
    assert code == 130
    assert err.splitlines() == ["textembed: interrupted"]
    assert target.read_text() == OLD
    assert temp_leftovers(tmp_path) == []


def test_ctrl_c_while_reading_stdin(invoke, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))

    def interrupted_copy(source, target):
        target.write(b"some text\n")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_text.shutil, "copyfileobj", interrupted_copy)
    code, out, err = invoke("tokenize", "-", "-o", tmp_path / "x.ids", stdin=b"a b c\n")
    assert code == 130
    assert err.splitlines() == ["textembed: interrupted"]
    assert list(spool.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["spool"]


def test_failure_without_old_output_leaves_nothing(invoke, tmp_path):
    path = write(tmp_path / "cut.gz", gzip.compress(b"a b c\n" * 5000)[:-40])
    code, _, err = invoke("vocab", path, "-o", tmp_path / "v.tsv")
    assert_one_error(code, err, 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cut.gz"]
