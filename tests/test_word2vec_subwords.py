"""textembed.word2vec.subwords: character n-grams and their rows, against fastText's own
(tests/golden/subword_hashes.json, written by scripts/make_golden_subwords.py, and
fastText itself when it is installed)."""
import json
import os

import numpy as np
import pytest

from textembed.kernels.subword_kernels import fnv1a_signed
from textembed.word2vec.subwords import EOS, SubwordScheme, check_scheme, ngram_strings

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "subword_hashes.json")


def _golden():
    with open(GOLDEN, encoding="utf-8") as handle:
        return json.load(handle)


def _fnv(data):
    return int(fnv1a_signed(np.frombuffer(data, np.uint8), 0, len(data)))


def test_fnv1a_on_ascii_is_the_standard_hash():
    # published FNV-1a 32-bit values
    assert _fnv(b"") == 0x811C9DC5
    assert _fnv(b"a") == 0xE40C292C
    assert _fnv(b"foobar") == 0xBF9CF968


def test_fnv1a_widens_high_bytes_as_signed_chars():
    # fastText xors uint32(int8(byte)): 0xE9 enters as 0xFFFFFFE9
    h = (0x811C9DC5 ^ 0xFFFFFFE9) * 16777619 % (1 << 32)
    assert _fnv(b"\xe9") == h
    assert _fnv(b"\xe9") != (0x811C9DC5 ^ 0xE9) * 16777619 % (1 << 32)


def test_ngrams_literal_cases():
    assert ngram_strings("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    # a lone boundary is never an n-gram, the word's own characters are
    assert ngram_strings("a", 1, 2) == ["<a", "a", "a>"]
    # characters, not bytes: é is two bytes
    assert ngram_strings("né", 2, 2) == ["<n", "né", "é>"]
    assert ngram_strings("cat", 3, 6)[-1] == "at>"
    assert ngram_strings("cat", 3, 0) == []


def test_rows_match_fasttext_golden():
    golden = _golden()
    s = golden["settings"]
    scheme = SubwordScheme(s["minn"], s["maxn"], s["bucket"], s["n_words"])
    cases = golden["cases"]
    offsets, rows = scheme.rows([c["word"] for c in cases], [c["id"] for c in cases])
    assert len(cases) > 20
    for k, case in enumerate(cases):
        assert rows[offsets[k]:offsets[k + 1]].tolist() == case["rows"], case["word"]
        own = [case["word"]] if case["id"] >= 0 else []
        if case["word"] != EOS:
            assert own + scheme.ngrams(case["word"]) == case["ngrams"], case["word"]


def test_eos_gets_only_its_own_row():
    scheme = SubwordScheme(3, 6, 100, 2)
    offsets, rows = scheme.rows(["ab", EOS, "cd"], [0, 1, -1])
    assert rows[offsets[1]:offsets[2]].tolist() == [1]
    assert offsets[1] - offsets[0] == 1 + len(ngram_strings("ab", 3, 6))
    assert offsets[3] - offsets[2] == len(ngram_strings("cd", 3, 6))


def test_hashes_are_modulo_bucket_plus_n_words():
    scheme = SubwordScheme(3, 4, 7, 10)
    offsets, rows = scheme.rows(["word"])
    grams = ngram_strings("word", 3, 4)
    expected = [10 + _fnv(g.encode()) % 7 for g in grams]
    assert rows.tolist() == expected
    assert scheme.hashes("word").tolist() == [e - 10 for e in expected]


def test_rows_match_fasttext_itself(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "c.txt"
    words = ["alpha", "βeta", "gamma", "délta", "x"]
    corpus.write_text((" ".join(words) + "\n") * 20, encoding="utf-8")
    for minn, maxn in ((1, 3), (3, 6)):
        model = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=4, epoch=1,
                                            minCount=1, thread=1, verbose=0, minn=minn,
                                            maxn=maxn, bucket=5000)
        scheme = SubwordScheme(minn, maxn, 5000, len(model.get_words()))
        for word in words + ["unseen", "ωmega", "y"]:
            grams, ids = model.get_subwords(word)
            _, rows = scheme.rows([word], [model.get_word_id(word)])
            assert rows.tolist() == list(ids), (minn, maxn, word)


@pytest.mark.parametrize("minn, maxn, bucket, message", [
    (5, 3, 10, "above maxn"), (0, 3, 10, "at least 1"), (3, 6, 0, "bucket"),
    (-1, 0, 10, ">= 0")])
def test_bad_schemes(minn, maxn, bucket, message):
    with pytest.raises(ValueError, match=message):
        check_scheme(minn, maxn, bucket)
