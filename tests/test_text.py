"""textembed.text against literal Keras tables and against keras-preprocessing."""
import json
import os
import random
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from textembed import text as tt

# -- literal tables ---------------------------------------------------------


@pytest.mark.parametrize("text, kwargs, expected", [
    ("Hello, World!", {}, ["hello", "world"]),
    ("It's a dog's life.", {}, ["it's", "a", "dog's", "life"]),
    ("  many   spaces\tand\ttabs\n", {}, ["many", "spaces", "and", "tabs"]),
    ("", {}, []),
    ("!!! ... ???", {}, []),
    ("Keep Case", {"lower": False}, ["Keep", "Case"]),
    ("a,b;c d", {"split": ","}, ["a", "b", "c d"]),
    ("ÉCOLE Straße ΟΔΟΣ", {}, ["école", "straße", "οδος"]),
    ("x\ry\x85z", {}, ["x\ry\x85z"]),
    ("a-b_c", {"filters": ""}, ["a-b_c"]),
])
def test_text_to_word_sequence_table(text, kwargs, expected):
    assert tt.text_to_word_sequence(text, **kwargs) == expected


def test_default_hash_is_stable_literal():
    # Literal values: the default hash must never change between releases,
    # processes or machines.
    assert tt.hashing_trick("The quick brown fox jumps over the lazy dog", 1000) == \
        [319, 15, 983, 392, 593, 381, 319, 720, 424]
    assert tt.one_hot("Ünïcode wörds: café, naïve", 97) == [46, 64, 4, 93]


def test_default_hash_same_in_other_processes():
    code = "from textembed import one_hot; print(one_hot('alpha beta gamma delta', 1000))"
    outputs = set()
    for seed in ("1", "2", "3"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        result = subprocess.run([sys.executable, "-c", code], env=env,
                                capture_output=True, text=True, check=True)
        outputs.add(result.stdout.strip())
    assert outputs == {str(tt.one_hot("alpha beta gamma delta", 1000))}


def test_hashing_indices_in_range():
    words = " ".join(f"w{i}" for i in range(2000))
    for n in (2, 3, 17, 1000):
        indices = tt.hashing_trick(words, n)
        assert min(indices) >= 1 and max(indices) <= n - 1
    assert set(tt.hashing_trick(words, 2)) == {1}


def test_hashing_md5_matches_keras(keras_pre):
    from keras_preprocessing.text import hashing_trick

    texts = _random_texts(random.Random(5), 200)
    for text in texts:
        for n in (2, 10, 1 << 20):
            assert tt.hashing_trick(text, n, hash_function="md5") == \
                hashing_trick(text, n, hash_function="md5")


def test_hashing_callable_and_analyzer():
    assert tt.hashing_trick("a bb ccc", 100, hash_function=len) == [2, 3, 4]
    assert tt.one_hot("x-y-z", 10, analyzer=lambda s: s.split("-"),
                      hash_function=lambda w: ord(w)) == [ord("x") % 9 + 1,
                                                          ord("y") % 9 + 1,
                                                          ord("z") % 9 + 1]


@pytest.mark.parametrize("call, error", [
    (lambda: tt.hashing_trick("a b", 1), ValueError),
    (lambda: tt.hashing_trick("a b", 0), ValueError),
    (lambda: tt.hashing_trick("a b", "10"), TypeError),
    (lambda: tt.hashing_trick("a b", 10, hash_function="sha1"), ValueError),
    (lambda: tt.hashing_trick("a b", 10, hash_function=3), TypeError),
    (lambda: tt.text_to_word_sequence(b"bytes"), TypeError),
    (lambda: tt.text_to_word_sequence("a b", split=""), ValueError),
    (lambda: tt.Tokenizer(split=""), ValueError),
    (lambda: tt.Tokenizer(num_words=-1), ValueError),
    (lambda: tt.Tokenizer(bogus=1), TypeError),
    (lambda: tt.Tokenizer(analyzer="not callable"), TypeError),
    (lambda: tt.Tokenizer().sequences_to_matrix([[1]]), ValueError),
    (lambda: tt.Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="tfidf"), ValueError),
    (lambda: tt.Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="bogus"), ValueError),
    (lambda: tt.Tokenizer(num_words=5).sequences_to_matrix([[-1]]), ValueError),
    (lambda: tt.Tokenizer().fit_on_texts([1, 2]), TypeError),
    (lambda: tt.tokenizer_from_json("{}"), ValueError),
    (lambda: tt.tokenizer_from_json("not json"), ValueError),
])
def test_bad_arguments_raise_clear_errors(call, error):
    with pytest.raises(error) as info:
        call()
    assert str(info.value)


@pytest.mark.parametrize("call, error, keras_start", [
    (lambda: tt.Tokenizer(bogus=1), TypeError, "Unrecognized keyword arguments: {'bogus': 1}"),
    (lambda: tt.Tokenizer().sequences_to_matrix([[1]]), ValueError,
     "Specify a dimension (`num_words` argument), or fit on some text data first."),
    (lambda: tt.Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="tfidf"), ValueError,
     "Fit the Tokenizer on some data before using tfidf mode."),
    (lambda: tt.Tokenizer(num_words=5).sequences_to_matrix([[1]], mode="bogus"), ValueError,
     "Unknown vectorization mode: 'bogus'"),
])
def test_errors_start_with_keras_wording(call, error, keras_start):
    # Users' tests match on Keras' messages: textembed's hint comes after them.
    with pytest.raises(error) as info:
        call()
    assert str(info.value).startswith(keras_start), str(info.value)


def test_tokenizer_literal_keras_semantics():
    tokenizer = tt.Tokenizer(num_words=3, oov_token="<unk>")
    tokenizer.fit_on_texts(["b a", "a c", "c b d"])
    # ties (a, b, c all twice) keep the order of first appearance; the oov
    # token takes index 1; word_index holds every word despite num_words.
    assert tokenizer.word_index == {"<unk>": 1, "b": 2, "a": 3, "c": 4, "d": 5}
    assert tokenizer.texts_to_sequences(["a b c d e"]) == [[1, 2, 1, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 3, 9]]) == ["b <unk> <unk>"]
    plain = tt.Tokenizer(num_words=3)
    plain.fit_on_texts(["b a", "a c", "c b d"])
    assert plain.texts_to_sequences(["a b c d e"]) == [[2, 1]]
    # a plain string is a sequence of one-character texts
    chars = tt.Tokenizer()
    chars.fit_on_texts("abca")
    assert chars.word_index == {"a": 1, "b": 2, "c": 3}
    assert chars.document_count == 4


def test_oov_token_seen_in_texts_keeps_later_index():
    tokenizer = tt.Tokenizer(oov_token="unk")
    tokenizer.fit_on_texts(["x unk unk y x x"])
    assert tokenizer.word_index == {"unk": 3, "x": 2, "y": 4}
    assert 1 not in tokenizer.index_word


# -- differential tests against keras-preprocessing -------------------------

_WORDS = ["the", "The", "THE", "cat", "Cat", "dog", "ΣΟΦΟΣ", "σοφος", "Straße",
          "İstanbul", "café", "naïve", "東京", "😀", "a", "b", "it's", "x\ry",
          "nel\x85nel", "tab\there", "under_score", "hy-phen", "e.g.", "",
          "!!!", "?", "...", "'", "word", "words", "zebra", "ǅ"]
_GLUE = [" ", " ", " ", "  ", ", ", ". ", "\n", "\t", "-", "", "! "]


def _random_texts(rng, n):
    texts = []
    for _ in range(n):
        k = rng.choice([0, 1, 2, 5, 10, 30])
        parts = []
        for _ in range(k):
            parts.append(rng.choice(_WORDS))
            parts.append(rng.choice(_GLUE))
        texts.append("".join(parts))
    return texts


_CONFIGS = [
    {},
    {"num_words": 10},
    {"oov_token": "<OOV>"},
    {"num_words": 8, "oov_token": "<unk>"},
    {"lower": False},
    {"split": "."},
    {"split": "ab"},
    {"filters": ""},
    {"filters": "!-.\u00e9", "lower": False},
    {"char_level": True},
    {"char_level": True, "num_words": 12, "oov_token": "~"},
]


def _same_state(ours, theirs):
    assert list(ours.word_counts.items()) == list(theirs.word_counts.items())
    assert dict(ours.word_docs) == dict(theirs.word_docs)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    assert ours.word_index == theirs.word_index
    assert ours.index_word == theirs.index_word
    assert ours.document_count == theirs.document_count


@pytest.mark.parametrize("config", _CONFIGS, ids=lambda c: ",".join(map(str, c.items())) or "default")
def test_tokenizer_matches_keras(keras_pre, config):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer

    rng = random.Random(len(str(config)))
    train = _random_texts(rng, 400)
    more = _random_texts(rng, 100)
    test = _random_texts(rng, 300)
    ours, theirs = tt.Tokenizer(**config), KerasTokenizer(**config)
    for tokenizer in (ours, theirs):
        tokenizer.fit_on_texts(train)
        tokenizer.fit_on_texts(iter(more))  # a second fit, from a generator
    _same_state(ours, theirs)

    expected = theirs.texts_to_sequences(test)
    assert ours.texts_to_sequences(test) == expected          # batch path
    assert [ours.texts_to_sequences([t])[0] for t in test[:60]] == expected[:60]  # per text
    assert list(ours.texts_to_sequences_generator(iter(test))) == expected
    assert ours.sequences_to_texts(expected) == theirs.sequences_to_texts(expected)
    for mode in ("binary", "count", "freq"):
        np.testing.assert_array_equal(ours.texts_to_matrix(test, mode=mode),
                                      theirs.texts_to_matrix(test, mode=mode))
    np.testing.assert_allclose(ours.texts_to_matrix(test, mode="tfidf"),
                               theirs.texts_to_matrix(test, mode="tfidf"), rtol=1e-12)


def test_token_lists_match_keras(keras_pre):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer

    rng = random.Random(3)
    docs = [rng.sample(_WORDS, rng.randint(0, 8)) for _ in range(200)]
    for config in ({}, {"lower": False, "num_words": 6, "oov_token": "?"}):
        ours, theirs = tt.Tokenizer(**config), KerasTokenizer(**config)
        ours.fit_on_texts(docs)
        theirs.fit_on_texts(docs)
        _same_state(ours, theirs)
        assert ours.texts_to_sequences(docs) == theirs.texts_to_sequences(docs)


def test_chunk_boundaries_and_nul_fallback(keras_pre, monkeypatch):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer

    rng = random.Random(11)
    texts = _random_texts(rng, 500) + ["nul\x00inside text", "The end"]
    theirs = KerasTokenizer(num_words=15, oov_token="<u>")
    theirs.fit_on_texts(texts)
    monkeypatch.setattr(tt, "_CHUNK_TEXTS", 37)
    ours = tt.Tokenizer(num_words=15, oov_token="<u>")
    ours.fit_on_texts(texts)
    _same_state(ours, theirs)
    assert ours.texts_to_sequences(texts) == theirs.texts_to_sequences(texts)


def test_fit_on_sequences_and_tfidf_match_keras(keras_pre):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer

    rng = np.random.default_rng(0)
    sequences = [rng.integers(1, 30, size=rng.integers(0, 12)).tolist() for _ in range(100)]
    ours, theirs = tt.Tokenizer(num_words=25), KerasTokenizer(num_words=25)
    ours.fit_on_sequences(sequences)
    theirs.fit_on_sequences(sequences)
    assert dict(ours.index_docs) == dict(theirs.index_docs)
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(ours.sequences_to_matrix(sequences, mode=mode),
                                   theirs.sequences_to_matrix(sequences, mode=mode),
                                   rtol=1e-12)


def test_analyzer_replaces_filters_lower_split():
    def analyzer(text):
        return text.split("|")

    texts = ["A|b|A", "b|C"] * 40
    ours = tt.Tokenizer(analyzer=analyzer)
    ours.fit_on_texts(texts)
    reference = tt.Tokenizer(lower=False)
    reference.fit_on_texts([analyzer(t) for t in texts])
    assert ours.word_index == reference.word_index == {"A": 1, "b": 2, "C": 3}
    assert ours.texts_to_sequences(["A|C|zz"]) == [[1, 3]]


def test_json_loads_both_ways(keras_pre):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer
    from keras_preprocessing.text import tokenizer_from_json as keras_from_json

    texts = _random_texts(random.Random(8), 300)
    ours, theirs = tt.Tokenizer(num_words=20, oov_token="<u>"), KerasTokenizer(num_words=20, oov_token="<u>")
    ours.fit_on_texts(texts)
    theirs.fit_on_texts(texts)

    into_keras = keras_from_json(ours.to_json())
    into_ours = tt.tokenizer_from_json(theirs.to_json())
    expected = theirs.texts_to_sequences(texts)
    assert into_keras.texts_to_sequences(texts) == expected
    assert into_ours.texts_to_sequences(texts) == expected
    _same_state(into_ours, theirs)
    assert json.loads(ours.to_json())["class_name"] == "Tokenizer"

    # unlike Keras', a loaded tokenizer can be fitted further
    into_ours.fit_on_texts(["brand new words"] * 40)
    assert into_ours.word_docs["brand"] == 40


_texts = st.lists(st.text(max_size=40), min_size=0, max_size=60)


@settings(max_examples=60, deadline=None)
@given(train=_texts, test=_texts)
def test_tokenizer_matches_keras_on_any_text(keras_pre, train, test):
    from keras_preprocessing.text import Tokenizer as KerasTokenizer

    # repeat so that the kernel path (batches of 32 texts or more) is taken too
    train, test = train * 3, test * 3
    ours, theirs = tt.Tokenizer(num_words=7, oov_token="?"), KerasTokenizer(num_words=7, oov_token="?")
    ours.fit_on_texts(train)
    theirs.fit_on_texts(train)
    _same_state(ours, theirs)
    assert ours.texts_to_sequences(test) == theirs.texts_to_sequences(test)


@settings(max_examples=60, deadline=None)
@given(text=st.text(max_size=80))
def test_text_to_word_sequence_matches_keras_on_any_text(keras_pre, text):
    from keras_preprocessing.text import text_to_word_sequence

    assert tt.text_to_word_sequence(text) == text_to_word_sequence(text)
    assert tt.hashing_trick(text, 50, hash_function="md5") == \
        keras_pre.text.hashing_trick(text, 50, hash_function="md5")
