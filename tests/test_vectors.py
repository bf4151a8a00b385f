"""Tests for textembed.word2vec.vectors: queries, evaluation, word2vec files, CLI."""
import struct
from pathlib import Path

import numpy as np
import pytest

from textembed.cli import main
from textembed.io import InputError
from textembed.word2vec import WordVectors, load_word2vec_format
from textembed.word2vec import formats
from textembed.word2vec.evaluation import pearson, rankdata, spearman
from textembed.word2vec.vectors import NotInVocabularyError

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "eval"


def random_vectors(n_words=40, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n_words)]
    return WordVectors(words, rng.standard_normal((n_words, dim)).astype(np.float32))


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


def run_cli(capsys, *args):
    """Run ``textembed ARGS``; return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as info:
        main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return info.value.code, captured.out, captured.err


# ------------------------------------------------------------------ the object

def test_lookups_and_attributes():
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    wv = WordVectors(["a", "b", "c", "d"], vectors, counts=[9, 5, 5, 2])
    assert len(wv) == 4 and wv.vector_size == 3
    assert "c" in wv and "z" not in wv
    assert wv.index == {"a": 0, "b": 1, "c": 2, "d": 3}
    assert wv.words == ["a", "b", "c", "d"]
    assert wv.vectors is vectors  # float32 C-contiguous input is not copied
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [9, 5, 5, 2]
    assert wv["b"].dtype == np.float32 and wv["b"].tolist() == [3.0, 4.0, 5.0]
    assert wv[["d", "a"]].tolist() == [[9.0, 10.0, 11.0], [0.0, 1.0, 2.0]]
    assert wv[[]].shape == (0, 3)


@pytest.mark.parametrize("words, vectors, fragment", [
    (["a", "a"], np.zeros((2, 2)), "appears twice"),
    (["a", "b"], np.zeros((3, 2)), "V = 2"),
    (["a"], np.zeros(2), "(V, D)"),
    ([], np.zeros((0, 2)), "at least one word"),
])
def test_constructor_refuses_bad_input(words, vectors, fragment):
    with pytest.raises(ValueError) as info:
        WordVectors(words, vectors)
    assert fragment in str(info.value)


def brute_force_neighbours(vectors, positive, negative, restrict=None):
    unit = vectors.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    query = sum(unit[i] for i in positive) - sum((unit[i] for i in negative), np.zeros(unit.shape[1]))
    query /= np.linalg.norm(query)
    scores = unit[:restrict] @ query
    order = [i for i in np.argsort(-scores) if i not in set(positive) | set(negative)]
    return order, scores


@pytest.mark.parametrize("positive, negative, restrict", [
    ([3], [], None), ([1, 7], [4], None), ([5], [], 20), ([], [2], None),
])
def test_most_similar_matches_brute_force(positive, negative, restrict):
    wv = random_vectors(40, 8)
    order, scores = brute_force_neighbours(wv.vectors, positive, negative, restrict)
    result = wv.most_similar(positive=[f"w{i}" for i in positive],
                             negative=[f"w{i}" for i in negative], topn=5,
                             restrict_vocab=restrict)
    assert [word for word, _ in result] == [f"w{i}" for i in order[:5]]
    assert [s for _, s in result] == pytest.approx([scores[i] for i in order[:5]], abs=1e-5)
    assert all(isinstance(s, float) for _, s in result)
    if restrict:
        assert all(int(word[1:]) < restrict for word, _ in result)


def test_most_similar_single_word_vector_query_and_topn_none():
    wv = random_vectors(30, 6)
    assert wv.most_similar("w2", topn=3) == wv.most_similar(positive=["w2"], topn=3)
    everything = wv.most_similar("w2", topn=None)
    assert len(everything) == 29 and "w2" not in dict(everything)
    # a raw vector query excludes nothing: the word itself comes first, at 1.0
    by_vector = wv.most_similar(positive=[wv["w2"] * 3], topn=2)
    assert by_vector[0][0] == "w2" and by_vector[0][1] == pytest.approx(1.0, abs=1e-6)
    assert by_vector[1][0] == everything[0][0]
    assert by_vector[1][1] == pytest.approx(everything[0][1], abs=1e-6)
    with pytest.raises(ValueError):
        wv.most_similar()
    with pytest.raises(ValueError):
        wv.most_similar("w1", topn=0)


def test_similarity_is_cosine():
    wv = random_vectors(10, 5)
    x, y = wv.vectors[2].astype(np.float64), wv.vectors[7].astype(np.float64)
    expected = x @ y / np.linalg.norm(x) / np.linalg.norm(y)
    assert wv.similarity("w2", "w7") == pytest.approx(expected, abs=1e-6)
    assert wv.similarity("w7", "w7") == pytest.approx(1.0, abs=1e-6)
    assert isinstance(wv.similarity("w2", "w7"), float)


def test_zero_vector_has_zero_similarity():
    wv = WordVectors(["a", "b", "c"], np.array([[1, 0], [0, 0], [1, 1]], dtype=np.float32))
    assert wv.similarity("a", "b") == 0.0
    assert wv.most_similar("a", topn=2) == [("c", pytest.approx(2 ** -0.5)), ("b", 0.0)]


# ------------------------------------------------------------------ out-of-vocabulary

def trained_vectors():
    return WordVectors(["the", "cat", "Sat"], np.eye(3, dtype=np.float32),
                       counts=[10, 7, 6], pruned={"rare": 3, "once": 1, "common": 6},
                       min_count=5)


@pytest.mark.parametrize("wv, word, message", [
    (trained_vectors(), "rare", "'rare' is not in the vocabulary: it was seen 3 times in the "
                                "corpus, below min_count=5"),
    (trained_vectors(), "once", "'once' is not in the vocabulary: it was seen 1 time in the "
                                "corpus, below min_count=5"),
    (trained_vectors(), "common", "'common' is not in the vocabulary: it was seen 6 times in "
                                  "the corpus, but the vocabulary was cut to the 3 most "
                                  "frequent words"),
    (trained_vectors(), "dog", "'dog' is not in the vocabulary: it was never seen in the "
                               "training corpus"),
    (trained_vectors(), "sat", "'sat' is not in the vocabulary: it was never seen in the "
                               "training corpus (did you mean 'Sat'?)"),
    (WordVectors(["a"] , np.ones((1, 2)), source="vectors.txt"), "b",
     "'b' is not in the vocabulary: not among the 1 words of vectors.txt"),
    (WordVectors(["a"], np.ones((1, 2))), "b", "'b' is not in the vocabulary: not among the 1 words"),
])
def test_oov_messages_say_why(wv, word, message):
    for query in (lambda: wv[word], lambda: wv.similarity("the" if "the" in wv else "a", word),
                  lambda: wv.most_similar(word), lambda: wv[[word]]):
        with pytest.raises(KeyError) as info:
            query()
        assert isinstance(info.value, NotInVocabularyError)
        assert str(info.value) == message
        assert info.value.word == word


def test_oov_message_of_a_loaded_file_counts_its_words(tmp_path):
    path = tmp_path / "vectors.txt"
    random_vectors(1234, 4).save_word2vec_format(path)
    wv = load_word2vec_format(path)
    with pytest.raises(KeyError) as info:
        wv["foo"]
    assert str(info.value) == f"'foo' is not in the vocabulary: not among the 1,234 words of {path}"


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


# ------------------------------------------------------------------ analogies

def planted_vectors():
    """king - man + woman = queen exactly, all vectors of length 1."""
    a, b, c = 0.6, 0.8, 0.8
    rows = {
        "man": [a, 0, c, 0, 0], "woman": [-a, 0, c, 0, 0],
        "king": [a, b, 0, 0, 0], "queen": [-a, b, 0, 0, 0],
        "prince": [0, 0, 0, 1, 0], "apple": [0, 0, 0, 0, 1],
        "Queen": [-a, b, 0, 0, 0],  # a rarer spelling of queen, same vector
        "rare": [0, 0, 0, 0.6, 0.8],
    }
    return WordVectors(list(rows), np.array(list(rows.values()), dtype=np.float32))


ANALOGIES = """\
: royal
man woman king queen
woman man queen king
man king woman queen
man woman king prince
MAN Woman King Queen
: other
king queen king queen
man woman king unknown
man woman rare queen
"""


def test_analogies_on_planted_vectors(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGIES)
    wv = planted_vectors()
    result = wv.evaluate_word_analogies(path, restrict_vocab=7)
    # royal: 4 right (the prince question expects the wrong word); other:
    # 'king queen king queen' has its answer excluded (b, and its spelling
    # 'Queen'), 'unknown' is missing and 'rare' is past the 7 most frequent.
    assert (result["correct"], result["used"], result["skipped"]) == (4, 6, 2)
    assert result["questions"] == 8 and result["restrict_vocab"] == 7
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["sections"] == {
        "royal": {"correct": 4, "used": 5, "skipped": 0, "accuracy": pytest.approx(0.8)},
        "other": {"correct": 0, "used": 1, "skipped": 2, "accuracy": 0.0},
    }
    everything = wv.evaluate_word_analogies(path, restrict_vocab=None)
    assert (everything["correct"], everything["used"], everything["skipped"]) == (4, 7, 1)
    exact_case = wv.evaluate_word_analogies(path, restrict_vocab=7, case_insensitive=False)
    assert (exact_case["correct"], exact_case["used"], exact_case["skipped"]) == (3, 5, 3)


def test_analogy_batches_give_the_same_answers(tmp_path):
    path = tmp_path / "questions.txt"
    rng = np.random.default_rng(5)
    wv = random_vectors(60, 10)
    questions = rng.integers(0, 60, size=(300, 4))
    path.write_text(": s\n" + "".join(" ".join(f"w{i}" for i in q) + "\n" for q in questions))
    small = wv.evaluate_word_analogies(path, batch_size=7)
    large = wv.evaluate_word_analogies(path, batch_size=1000)
    assert small == large
    # and the same as most_similar, question by question
    correct = 0
    for a, b, c, d in questions:
        best = wv.most_similar(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=1)
        correct += best[0][0] == f"w{d}"
    assert small["correct"] == correct and small["used"] == 300


@pytest.mark.parametrize("content, fragment", [
    (": s\nman woman king\n", "line 2: expected a question of 4 words"),
    (": s\n", "no analogy questions found"),
])
def test_bad_analogy_files(tmp_path, content, fragment):
    path = tmp_path / "q.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        planted_vectors().evaluate_word_analogies(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)


# ------------------------------------------------------------------ word pairs

def test_rankdata_and_spearman_literals():
    assert rankdata([3.0, 1.0, 2.0, 2.0, 5.0]).tolist() == [4.0, 1.0, 2.5, 2.5, 5.0]
    assert rankdata([7, 7, 7]).tolist() == [2.0, 2.0, 2.0]
    # ranks x: 1, 2.5, 2.5, 4, 5; y: 2, 1, 4.5, 4.5, 3 -> 3.75 / 9.5
    assert spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 3]) == pytest.approx(15 / 38, abs=1e-12)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3])) and np.isnan(spearman([1], [2]))
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


def test_spearman_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 6, 200).astype(float)  # many ties
    y = x + rng.integers(0, 4, 200)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)


PAIRS = """\
# comment
Word 1\tWord 2\tHuman (mean)
a\tb\t10.0
a\tc\t5\textra column
a d 0
B\tzzz\t7
"""


def test_word_pairs_on_planted_vectors(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS)
    # cos(a, b) = 1, cos(a, c) = 0, cos(a, d) = -1
    wv = WordVectors(["a", "b", "c", "d"],
                     np.array([[1, 0], [2, 0], [0, 1], [-1, 0]], dtype=np.float32))
    result = wv.evaluate_word_pairs(path)
    assert result == {"spearman": pytest.approx(1.0), "pearson": pytest.approx(1.0),
                      "used": 3, "skipped": 1}
    assert wv.evaluate_word_pairs(path, restrict_vocab=3)["used"] == 2


@pytest.mark.parametrize("content, fragment", [
    ("a\tb\t1\nc\td\tlots\n", "line 2: the score 'lots' is not a number"),
    ("a\tb\n", "line 1: expected 'word1<TAB>word2<TAB>score', found 2 field(s)"),
    ("# nothing\n", "no word pairs found"),
])
def test_bad_pair_files(tmp_path, content, fragment):
    path = tmp_path / "pairs.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        planted_vectors().evaluate_word_pairs(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)


# ------------------------------------------------------------------ the real files

@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="../shared/data/eval is not here")
def test_parsers_read_every_question_and_pair_of_the_real_files():
    words = {}
    for line in (EVAL_DIR / "questions-words.txt").read_text().splitlines():
        if not line.startswith(":"):
            words.update(dict.fromkeys(line.lower().split()))
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in (EVAL_DIR / name).read_text().splitlines():
            if not line.startswith("#"):
                words.update(dict.fromkeys(line.lower().split("\t")[:2]))
    wv = random_vectors(len(words), 16)
    wv = WordVectors(list(words), wv.vectors)
    analogies = wv.evaluate_word_analogies(EVAL_DIR / "questions-words.txt",
                                           restrict_vocab=len(words))
    assert (analogies["used"], analogies["skipped"]) == (19544, 0)
    assert len(analogies["sections"]) == 14
    assert sum(s["used"] for s in analogies["sections"].values()) == 19544
    assert analogies["sections"]["capital-common-countries"]["used"] == 506
    for name, count in (("wordsim353.tsv", 353), ("simlex999.txt", 999)):
        pairs = wv.evaluate_word_pairs(EVAL_DIR / name)
        assert (pairs["used"], pairs["skipped"]) == (count, 0)


# ------------------------------------------------------------------ the CLI

@pytest.fixture
def eval_files(tmp_path):
    vectors = tmp_path / "vectors.txt"
    planted_vectors().save_word2vec_format(vectors)
    questions = tmp_path / "questions.txt"
    questions.write_text(ANALOGIES)
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("man\tking\t8\nwoman\tqueen\t9\napple\tking\t1\nfoo\tbar\t3\n")
    return vectors, questions, pairs


def test_cli_evaluate(capsys, eval_files):
    vectors, questions, pairs = eval_files
    code, out, err = run_cli(capsys, "evaluate", vectors, "--analogies", questions,
                             "--pairs", pairs, "--pairs", pairs, "--restrict-vocab", 7)
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == (f"{questions}: analogy accuracy 0.6667 (4/6 questions), "
                        "2 skipped (a word not among the 7 most frequent)")
    # cos(man, king) = cos(woman, queen) = 0.36, cos(apple, king) = 0: ties
    assert lines[1] == (f"{pairs}: Spearman 0.8660 (Pearson 0.9934), 3 pairs used, "
                        "1 skipped (a word not in the vocabulary)")
    assert lines[2] == lines[1] and len(lines) == 3


def test_cli_evaluate_sections(capsys, eval_files):
    vectors, questions, _ = eval_files
    code, out, _ = run_cli(capsys, "evaluate", vectors, "--analogies", questions, "--sections")
    assert code == 0
    assert out.splitlines()[1:] == ["  royal: 0.8000 (4/5), 0 skipped",
                                    "  other: 0.0000 (0/2), 1 skipped"]


def test_cli_similar(capsys, eval_files):
    vectors, _, _ = eval_files
    code, out, err = run_cli(capsys, "similar", vectors, "queen", "-n", 3)
    assert code == 0 and err == ""
    assert out == "Queen\t1.0000\nwoman\t0.3600\nking\t0.2800\n"
    code, out, _ = run_cli(capsys, "similar", vectors, "king", "woman", "--minus", "man", "-n", 1)
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
def test_cli_errors(capsys, eval_files, tmp_path, args, code, fragment):
    vectors, _, pairs = eval_files
    names = {"vectors": vectors, "pairs": pairs, "missing": tmp_path / "missing.txt"}
    status, out, err = run_cli(capsys, *[arg.format(**names) for arg in args])
    assert status == code and out == ""
    assert err.count("\n") == 1 and err.startswith("textembed: error: ")
    assert fragment.format(**names) in err
