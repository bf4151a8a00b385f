"""train(subwords=True): unseen words land near their family on the sample corpus,
one thread with a seed is reproducible, the vectors are fastText's composition, and
bad n-gram settings are refused."""
import numpy as np
import pytest

from textembed.word2vec import train
from textembed.word2vec.subword_vectors import SubwordVectors
from word2vectest import ROOT, load_sample_generator

SAMPLE = str(ROOT / "data" / "sample_corpus.txt")
FAMILIES = load_sample_generator().FAMILIES
FAMILY_OF = {w: name for name, members in FAMILIES.items() for w in members}


def _family(word):
    """A word's family; the sample corpus also has plurals (cows, sheeps)."""
    return FAMILY_OF.get(word, FAMILY_OF.get(word[:-1]) if word.endswith("s") else None)


@pytest.fixture(scope="module")
def trained():
    return train(SAMPLE, dim=32, epochs=3, threads=2, seed=0, min_count=1, subwords=True,
                 bucket=20000)


def test_unseen_misspellings_are_near_their_family(trained):
    hits = total = 0
    for word, family in FAMILY_OF.items():
        if family == "verb" or len(word) < 4:
            continue
        misspelt = word + word[-1]  # rabbitt, yelloww: never in the corpus
        assert trained.is_unseen(misspelt)
        nearest = trained.most_similar(misspelt, topn=1)[0][0]
        hits += _family(nearest) == family
        total += 1
    assert total > 40
    assert hits / total >= 0.9  # chance: about 1 in 6


def test_known_vectors_are_the_mean_of_word_and_ngram_rows(trained):
    assert isinstance(trained, SubwordVectors)
    offsets, rows = trained.scheme.rows(["castle"], [trained.index["castle"]])
    assert rows[0] == trained.index["castle"] and len(rows) == 1 + 6 + 5 + 4 + 3  # <castle>: 8 characters
    np.testing.assert_allclose(trained["castle"], trained.input_matrix[rows].mean(axis=0),
                               rtol=1e-5, atol=1e-7)
    _, unseen_rows = trained.scheme.rows(["castles"])
    np.testing.assert_allclose(trained["castles"], trained.input_matrix[unseen_rows].mean(axis=0),
                               rtol=1e-5, atol=1e-7)
    assert trained.input_matrix.shape == (len(trained) + 20000, 32)
    assert trained.output_matrix.shape == (len(trained), 32)
    assert trained.stats.loss < 3.0


def test_one_thread_with_seed_is_bit_for_bit_reproducible():
    lines = [line.split() for line in open(SAMPLE, encoding="utf-8").read().lower().splitlines()[:3000]]
    a = train(lines, dim=8, epochs=1, threads=1, seed=5, subwords=True, bucket=1000, min_count=1)
    b = train(lines, dim=8, epochs=1, threads=1, seed=5, subwords=True, bucket=1000, min_count=1)
    c = train(lines, dim=8, epochs=1, threads=1, seed=6, subwords=True, bucket=1000, min_count=1)
    assert np.array_equal(a.input_matrix, b.input_matrix)
    assert np.array_equal(a.output_matrix, b.output_matrix)
    assert not np.array_equal(a.input_matrix, c.input_matrix)


def test_without_subwords_nothing_changes():
    lines = [["alpha", "beta", "gamma"]] * 30
    plain = train(lines, dim=4, epochs=1, threads=1, seed=1, min_count=1)
    assert not isinstance(plain, SubwordVectors)


@pytest.mark.parametrize("options, message", [
    (dict(minn=5, maxn=3), "above maxn"), (dict(bucket=0), "bucket"),
    (dict(minn=0, maxn=2), "at least 1")])
def test_bad_ngram_settings(options, message):
    with pytest.raises(ValueError, match=message):
        train([["a", "b"]] * 5, subwords=True, min_count=1, **options)
