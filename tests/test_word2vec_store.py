"""textembed.word2vec.store: WordVectors.save / WordVectors.load round trips,
memory-mapped queries, and the one-line errors for broken or foreign stores."""
import json
import os

import numpy as np
import pytest

from textembed.io import InputError
from textembed.word2vec import WordVectors, load_vectors
from textembed.word2vec import store

from word2vectest import random_vectors

ODD_WORDS = ["plain", "tab\there", "new\nline", "back\\slash", "cr\rx", "\\t", "ü€😀", "a b"]


def test_round_trip_keeps_words_counts_and_bits(tmp_path):
    wv = WordVectors(ODD_WORDS, np.random.default_rng(0).standard_normal((8, 5)),
                     counts=[9, 8, 7, 6, 5, 4, 3, 2], min_count=2)
    wv.save(tmp_path / "s")
    assert sorted(os.listdir(tmp_path)) == ["s"]  # no temporary left
    assert sorted(os.listdir(tmp_path / "s")) == ["norms.npy", "store.json", "vectors.npy",
                                                  "vocab.tsv"]
    for mmap in (True, False):
        back = WordVectors.load(tmp_path / "s", mmap=mmap)
        assert back.words == ODD_WORDS
        assert back.counts.tolist() == [9, 8, 7, 6, 5, 4, 3, 2]
        assert back.min_count == 2 and back.source == str(tmp_path / "s")
        assert np.array_equal(back.vectors, wv.vectors) and back.vectors.dtype == np.float32
        assert isinstance(back.vectors.base, np.memmap) == mmap
        assert np.array_equal(back._norms, wv.norms)  # read, not recomputed
    vocab = (tmp_path / "s" / "vocab.tsv").read_text(encoding="utf-8")
    assert vocab.splitlines()[:4] == ["plain\t9", "tab\\there\t8", "new\\nline\t7",
                                      "back\\\\slash\t6"]
    meta = json.loads((tmp_path / "s" / "store.json").read_text())
    assert meta == {"format": "textembed-word-vectors", "version": 1, "words": 8, "dim": 5,
                    "counts": True, "min_count": 2}


def test_without_counts_and_replacing_a_store(tmp_path):
    path = tmp_path / "s"
    random_vectors(30, 4).save(path)
    first = (path / "vocab.tsv").read_text()
    assert first.splitlines()[:2] == ["w0", "w1"]
    wv = random_vectors(12, 3, seed=9)
    wv.save(path)  # a store is replaced
    back = load_vectors(path)
    assert back.words == wv.words and back.counts is None
    assert np.array_equal(back.vectors, wv.vectors)
    assert sorted(os.listdir(tmp_path)) == ["s"]


def test_queries_on_the_memory_map_equal_those_in_memory(tmp_path):
    wv = random_vectors(500, 16, seed=3)
    wv.save(tmp_path / "s")
    mapped = WordVectors.load(tmp_path / "s")
    assert isinstance(mapped.vectors.base, np.memmap)
    assert mapped.most_similar(["w3", "w8"], ["w1"], topn=7) == wv.most_similar(
        ["w3", "w8"], ["w1"], topn=7)
    assert mapped.most_similar_cosmul(["w3", "w8"], ["w1"]) == wv.most_similar_cosmul(
        ["w3", "w8"], ["w1"])
    assert mapped.doesnt_match(["w1", "w2", "w9"]) == wv.doesnt_match(["w1", "w2", "w9"])
    assert mapped._unit is None  # nothing copied the matrix


def test_norms_are_optional_and_checked(tmp_path):
    wv = random_vectors(20, 4)
    wv.save(tmp_path / "s")
    (tmp_path / "s" / "norms.npy").unlink()
    back = WordVectors.load(tmp_path / "s")
    assert back._norms is None and np.array_equal(back.norms, wv.norms)
    np.save(tmp_path / "s" / "norms.npy", np.ones(19, np.float32))
    with pytest.raises(InputError, match=r"norms.npy: expected float32 \(20,\)"):
        WordVectors.load(tmp_path / "s")


def test_word2vec_files_still_load_through_load_vectors(tmp_path):
    wv = random_vectors(10, 3)
    wv.save_word2vec_format(tmp_path / "v.bin", binary=True)
    assert load_vectors(tmp_path / "v.bin").words == wv.words


def _break(path, name, data):
    (path / name).write_bytes(data) if data is not None else (path / name).unlink()


@pytest.mark.parametrize("name, data, fragment", [
    ("store.json", None, "not a textembed vector store (store.json is missing)"),
    ("store.json", b"{not json", "cannot read (a corrupt store?)"),
    ("store.json", b'{"format": "other"}', 'expected "format": "textembed-word-vectors"'),
    ("store.json", b'{"format": "textembed-word-vectors", "version": 7, "words": 4, "dim": 3,'
                   b' "counts": false}', "upgrade textembed"),
    ("store.json", b'{"format": "textembed-word-vectors", "version": 1, "words": 5, "dim": 3,'
                   b' "counts": false}', "float32 (5, 3) C-order matrix"),
    ("vectors.npy", None, "vectors.npy is missing"),
    ("vectors.npy", b"garbage", "cannot read the matrix"),
    ("vocab.tsv", None, "vocab.tsv is missing"),
    ("vocab.tsv", b"w0\nw1\nw2\n", "3 lines, but store.json announces 4 words"),
    ("vocab.tsv", b"w0\nw1\nw2\nw3", "truncated"),
    ("vocab.tsv", b"w0\nw1\nw2\n\xff\n", "not valid UTF-8"),
    ("vocab.tsv", b"w0\nw1\\q\nw2\nw3\n", "bad escape"),
])
def test_a_corrupt_store_is_one_input_error(tmp_path, name, data, fragment):
    path = tmp_path / "s"
    random_vectors(4, 3).save(path)
    _break(path, name, data)
    with pytest.raises(InputError) as info:
        WordVectors.load(path)
    assert fragment in str(info.value) and "\n" not in str(info.value)


def test_a_word_stored_twice_is_found_when_the_index_is_built(tmp_path):
    path = tmp_path / "s"
    random_vectors(4, 3).save(path)
    (path / "vocab.tsv").write_text("w0\nw1\nw1\nw3\n")
    wv = WordVectors.load(path)  # the index is built on first use
    assert wv._index is None and wv.words[2] == "w1"
    with pytest.raises(InputError, match=r"s: a corrupt vector store: the word 'w1' appears "
                                         r"twice \(rows 1 and 2\)"):
        wv.most_similar("w0")


def test_truncated_matrix_and_bad_counts(tmp_path):
    path = tmp_path / "s"
    WordVectors(["a", "b"], np.ones((2, 3)), counts=[3, 1]).save(path)
    data = (path / "vectors.npy").read_bytes()
    (path / "vectors.npy").write_bytes(data[:-4])
    for mmap in (True, False):
        with pytest.raises(InputError, match="cannot read the matrix"):
            WordVectors.load(path, mmap=mmap)
    (path / "vectors.npy").write_bytes(data)
    (path / "vocab.tsv").write_text("a\t3\nb\tx\n")
    with pytest.raises(InputError, match="a count is not an integer"):
        WordVectors.load(path)


def test_foreign_paths(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("hello\n")
    cases = [(tmp_path / "none", "no such file or folder"),
             (tmp_path / "folder", "store.json is missing"),
             (tmp_path / "file.txt", "expected a folder")]
    for path, fragment in cases:
        with pytest.raises(InputError, match=fragment):
            WordVectors.load(path)
    for path, kind in ((tmp_path / "folder", "a folder"), (tmp_path / "file.txt", "a file")):
        with pytest.raises(InputError, match=f"exists and is {kind}, not a textembed vector store"):
            random_vectors(3, 2).save(path)
    assert (tmp_path / "file.txt").read_text() == "hello\n"
    with pytest.raises(InputError, match="does not exist"):
        random_vectors(3, 2).save(tmp_path / "no" / "s")


def test_interrupted_save_leaves_the_old_store(tmp_path, monkeypatch):
    path = tmp_path / "s"
    old = random_vectors(5, 2)
    old.save(path)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr(store.json, "dumps", interrupted)
    with pytest.raises(KeyboardInterrupt):
        random_vectors(9, 2, seed=4).save(path)
    assert sorted(os.listdir(tmp_path)) == ["s"]
    assert WordVectors.load(path).words == old.words
