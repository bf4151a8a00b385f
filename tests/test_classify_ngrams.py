"""classify.ngrams: texts to sparse binary n-gram features over the fitted columns."""
import numpy as np
import pytest

from textembed.classify.ngrams import NgramFeatures, SparseRows


def _columns(rows):
    return [rows.indices[a:b].tolist() for a, b in zip(rows.indptr[:-1], rows.indptr[1:])]


def test_fit_transform_and_transform_agree_and_unseen_features_drop():
    texts = ["the cat sat", "the dog", "", "cat\x00dog"]
    features = NgramFeatures(word_ngrams=2, maxn=0)
    rows = features.fit_transform(texts)
    assert features.n_features == len(set(features.keys.tolist()))
    assert (np.diff(features.keys) > 0).all()
    assert _columns(rows) == _columns(features.transform(texts))
    assert [len(c) for c in _columns(rows)] == [5, 3, 0, 3]   # NUL splits words
    new = _columns(features.transform(["the bird", "zzz"]))
    assert len(new[0]) == 1 and new[1] == []                   # only "the" is known
    assert features.document_frequency[new[0][0]] == 2
    for columns in _columns(rows):
        assert columns == sorted(columns)


def test_min_df_keeps_features_seen_in_enough_texts():
    features = NgramFeatures(word_ngrams=1, maxn=0, min_df=2)
    rows = features.fit_transform(["a b", "a c", "a b d"])
    assert features.n_features == 2                            # a (3 texts), b (2)
    assert [len(c) for c in _columns(rows)] == [2, 1, 2]


def test_character_ngrams_make_unseen_words_overlap():
    features = NgramFeatures(word_ngrams=1, minn=3, maxn=4)
    features.fit(["criticized badly"])
    assert _columns(features.transform(["criticizes"]))[0]     # shares <cr cri rit ...
    words_only = NgramFeatures(word_ngrams=1, maxn=0).fit(["criticized badly"])
    assert _columns(words_only.transform(["criticizes"]))[0] == []


def test_sparse_rows_take_and_config():
    rows = NgramFeatures(maxn=0).fit_transform(["a b", "c", "a c d"])
    picked = rows.take([2, 0])
    assert _columns(picked) == [_columns(rows)[2], _columns(rows)[0]]
    assert len(picked) == 2 and isinstance(picked, SparseRows)
    assert NgramFeatures(3, 2, 4).get_config()["word_ngrams"] == 3
    with pytest.raises(ValueError, match="minn <= maxn"):
        NgramFeatures(minn=5, maxn=3)
    with pytest.raises(RuntimeError, match="not fitted"):
        NgramFeatures().transform(["a"])
