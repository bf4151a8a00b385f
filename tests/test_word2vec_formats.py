"""textembed.word2vec.formats: word2vec text and binary files, written and
read back exactly, read from others (gensim, word2vec.c), and refused with a
one-line message when broken."""
import struct

import numpy as np
import pytest

from textembed.io import InputError
from textembed.word2vec import WordVectors, load_word2vec_format
from textembed.word2vec import formats

from word2vectest import random_vectors


def tricky_vectors():
    """Words in several scripts; values at the edges of float32."""
    rng = np.random.default_rng(1)
    words = ["the", "café", "日本", "naïve-word", "x'y", "#hash", "1984", "α"]
    vectors = rng.standard_normal((len(words), 7)).astype(np.float32)
    vectors[0] = [0.0, -0.0, 1e-45, -3.4028235e38, 1.1754944e-38, 0.1, 16777217.0]
    vectors[1] *= 1e-7
    return WordVectors(words, vectors)


def le_floats(*values):
    return struct.pack(f"<{len(values)}f", *values)


# ------------------------------------------------------------------ files: round trips

@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2"])
def test_round_trip_is_exact(tmp_path, binary, suffix):
    wv = tricky_vectors()
    path = tmp_path / f"vectors{suffix}"
    wv.save_word2vec_format(path, binary=binary)
    back = load_word2vec_format(path)  # format detected
    assert back.words == wv.words
    assert back.vectors.dtype == np.float32 and back.vectors.flags.c_contiguous
    np.testing.assert_array_equal(back.vectors.view(np.uint32), wv.vectors.view(np.uint32))
    again = WordVectors.load_word2vec_format(path, binary=binary)
    np.testing.assert_array_equal(again.vectors, wv.vectors)


@pytest.mark.parametrize("binary", [False, True])
def test_round_trip_across_chunk_boundaries(tmp_path, monkeypatch, binary):
    monkeypatch.setattr(formats, "_TEXT_CHUNK_LINES", 3)
    monkeypatch.setattr(formats, "_BINARY_CHUNK_BYTES", 7)
    monkeypatch.setattr(formats, "_WRITE_CHUNK_ROWS", 4)
    wv = random_vectors(23, 5, seed=3)
    path = tmp_path / "v.bin"
    wv.save_word2vec_format(path, binary=binary)
    back = load_word2vec_format(path)
    assert back.words == wv.words
    np.testing.assert_array_equal(back.vectors, wv.vectors)


def test_text_file_layout(tmp_path):
    wv = WordVectors(["a", "é"], np.array([[0.5, -2.0], [0.1, 3e-8]], dtype=np.float32))
    path = tmp_path / "v.txt"
    wv.save_word2vec_format(path)
    assert path.read_bytes() == ("2 2\na 0.5 -2\né 0.100000001 2.99999989e-08\n").encode()
    path = tmp_path / "v.bin"
    wv.save_word2vec_format(path, binary=True)
    assert path.read_bytes() == (b"2 2\na " + le_floats(0.5, -2.0) + b"\n"
                                 + "é ".encode() + le_floats(0.1, 3e-8) + b"\n")


@pytest.mark.parametrize("word", ["new york", "line\nbreak", "tab\there", "cr\r", ""])
@pytest.mark.parametrize("binary", [False, True])
def test_save_refuses_words_the_format_cannot_hold(tmp_path, word, binary):
    wv = WordVectors(["ok", word], np.ones((2, 3), dtype=np.float32))
    path = tmp_path / "v.txt"
    with pytest.raises(ValueError) as info:
        wv.save_word2vec_format(path, binary=binary)
    assert "word 1" in str(info.value)
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_save_leaves_no_partial_file_on_error(tmp_path, monkeypatch):
    path = tmp_path / "v.txt"
    path.write_text("old")

    def fail(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(formats, "_write_text_rows", fail)
    with pytest.raises(KeyboardInterrupt):
        random_vectors().save_word2vec_format(path)
    assert path.read_text() == "old" and len(list(tmp_path.iterdir())) == 1


# ------------------------------------------------------------------ files: reading others'

def test_load_hand_written_text_file(tmp_path):
    path = tmp_path / "hand.txt"
    # word2vec.c leaves a space before the line end; CRLF, runs of spaces,
    # tabs and blank lines are read too.
    path.write_bytes(b"4 3\n"
                     b"the 0.1 -0.2 3 \n"
                     b"caf\xc3\xa9 1e-3 2.5 -7\r\n"
                     b"x  1   2 3\n"
                     b"\n"
                     b"tab\t4\t5\t6\n")
    wv = load_word2vec_format(path)
    assert wv.words == ["the", "café", "x", "tab"]
    np.testing.assert_array_equal(
        wv.vectors, np.array([[0.1, -0.2, 3], [1e-3, 2.5, -7], [1, 2, 3], [4, 5, 6]], np.float32))
    assert wv.source == str(path)


def binary_records(trailing_newline):
    end = b"\n" if trailing_newline else b""
    return (b"3 2\n"
            + b"the " + le_floats(0.25, -1.5) + end
            + "café ".encode() + le_floats(1e-3, 2.0) + end
            + b"x " + le_floats(10.0, 0.0) + end)


@pytest.mark.parametrize("trailing_newline", [True, False])
def test_load_hand_built_binary_file(tmp_path, trailing_newline):
    path = tmp_path / "hand.bin"
    path.write_bytes(binary_records(trailing_newline))
    for binary in (None, True):
        wv = load_word2vec_format(path, binary=binary)
        assert wv.words == ["the", "café", "x"]
        np.testing.assert_array_equal(
            wv.vectors, np.array([[0.25, -1.5], [1e-3, 2.0], [10.0, 0.0]], np.float32))


def test_load_limit_and_duplicates(tmp_path):
    path = tmp_path / "v.txt"
    path.write_text("4 2\na 1 2\nb 3 4\na 5 6\nc 7 8\n")
    wv = load_word2vec_format(path)  # as gensim: a repeated word keeps its first vector
    assert wv.words == ["a", "b", "c"] and wv["a"].tolist() == [1, 2]
    assert load_word2vec_format(path, limit=2).words == ["a", "b"]
    binary = tmp_path / "v.bin"
    random_vectors(10, 3).save_word2vec_format(binary, binary=True)
    assert load_word2vec_format(binary, limit=4).words == ["w0", "w1", "w2", "w3"]


def test_gensim_reads_ours_and_we_read_gensims(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    KeyedVectors = gensim_models.KeyedVectors
    wv = tricky_vectors()
    for binary in (False, True):
        ours = tmp_path / f"ours-{binary}"
        wv.save_word2vec_format(ours, binary=binary)
        kv = KeyedVectors.load_word2vec_format(str(ours), binary=binary)
        assert list(kv.index_to_key) == wv.words
        np.testing.assert_array_equal(kv.vectors, wv.vectors)

        theirs = tmp_path / f"gensim-{binary}"
        kv.save_word2vec_format(str(theirs), binary=binary)
        back = load_word2vec_format(theirs)
        assert back.words == wv.words
        np.testing.assert_array_equal(back.vectors, wv.vectors)


# ------------------------------------------------------------------ files: errors

def assert_load_error(path, *fragments, **options):
    with pytest.raises(InputError) as info:
        load_word2vec_format(path, **options)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    for fragment in fragments:
        assert fragment in message, message
    return message


@pytest.mark.parametrize("content, fragments", [
    (b"", ["the file is empty"]),
    (b"hello world\na 1 2\n", ["line 1", "header 'COUNT DIMENSION'", "'hello world'"]),
    (b"0 3\n", ["line 1", "two positive integers"]),
    (b"2 3", ["announces 2 vectors", "only 0"]),
    (b"the 0.1 0.2 0.3\n", ["line 1", "GloVe"]),
    (b"2 4\na 1 2 3 4\nb 1 2 3\n", ["line 3", "expected 4 numbers after the word 'b', found 3"]),
    (b"2 4\na 1 2 3 4\nb 1 2 3 4 5\n", ["line 3", "expected 4 numbers", "found 5"]),
    (b"2 4\na 1 2 3 4\nb 1 2 x 4\n", ["line 3", "'x' is not a number", "value 3"]),
    (b"3 4\na 1 2 3 4\nb 1 2 3 4\n", ["announces 3 vectors", "only 2", "line 3"]),
    (b"1 4\na 1 2 3 4\nb 1 2 3 4\n", ["line 3", "more vectors than the 1"]),
    (b"2 4\n 1 2 3 4 5\nb 1 2 3 4\n", ["line 2", "starts with whitespace"]),
])
def test_bad_text_files(tmp_path, content, fragments):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    assert_load_error(path, *fragments)


def test_bad_value_is_found_past_the_first_chunk(tmp_path, monkeypatch):
    monkeypatch.setattr(formats, "_TEXT_CHUNK_LINES", 2)
    path = tmp_path / "bad.txt"
    path.write_text("5 4\n" + "".join(f"w{i} 1 2 3 4\n" for i in range(4)) + "w4 1 2 3 nan?\n")
    assert_load_error(path, "line 6", "'nan?' is not a number")


def test_bad_binary_files(tmp_path):
    path = tmp_path / "bad.bin"
    whole = binary_records(True)
    path.write_bytes(whole[:-5])  # cut inside the last vector
    assert_load_error(path, "truncated in vector 3 of 3", "'x'", "4 of its 8 bytes")
    path.write_bytes(whole.replace(b"3 2\n", b"4 2\n", 1))
    assert_load_error(path, "announces 4 vectors", "only 3")
    path.write_bytes(whole.replace(b"3 2\n", b"2 2\n", 1))
    assert_load_error(path, "more data after the 2 vectors")
    path.write_bytes(b"1 2\n\xff\xfe " + le_floats(1, 2))
    assert_load_error(path, "vector 1", "not valid utf-8")


def test_wrong_format_forced_gets_a_hint(tmp_path):
    path = tmp_path / "v.bin"
    random_vectors(5, 6).save_word2vec_format(path, binary=True)
    assert_load_error(path, "line 2", "try binary=True", binary=False)


@pytest.mark.parametrize("make, fragment", [
    (lambda p: None, "no such file"),
    (lambda p: p.mkdir(), "is a directory"),
    (lambda p: p.write_bytes(b"not gzip at all"), "is it really compressed?"),
])
def test_unreadable_paths(tmp_path, make, fragment):
    path = tmp_path / "v.txt.gz"
    make(path)
    assert_load_error(path, fragment)


@pytest.mark.parametrize("binary, suffix", [(False, ".vec"), (True, ".bin"), (False, ".vec.gz")])
def test_read_shape_reads_the_header_only(tmp_path, binary, suffix):
    vectors = random_vectors(7, 5)
    path = tmp_path / f"v{suffix}"
    vectors.save_word2vec_format(path, binary=binary)
    assert formats.read_shape(path) == (7, 5)
    bad = tmp_path / "glove.txt"
    bad.write_text("the 0.1 0.2 0.3\n")
    with pytest.raises(InputError, match="glove.txt: line 1: expected the word2vec header"):
        formats.read_shape(bad)
    with pytest.raises(InputError, match="no such file"):
        formats.read_shape(tmp_path / "missing.vec")
