"""The classifier networks' input rows (kernels.ngram_kernels): token ids, hashed word bigrams, padding."""
import numpy as np


def _reference_bigram(a, b, offset, buckets):
    """The bigram id of token ids a, b (splitmix-style mixing, in Python integers)."""
    mask = (1 << 64) - 1
    h = ((a + 1) * 0x9E3779B97F4A7C15) & mask
    h ^= h >> 31
    h = ((h + b) * 0xBF58476D1CE4E5B9) & mask
    h ^= h >> 31
    return offset + h % buckets


def test_feature_rows_bigrams_skip_words_added_after_training():
    from textembed.classify.features import flatten
    from textembed.kernels.ngram_kernels import feature_rows
    offset, buckets = 10, 8
    flat, offsets, _ = flatten([[3, 5, 7], [3, 20, 5], [4]])
    rows = feature_rows(flat, offsets, 5, buckets, offset, 9)
    b35 = _reference_bigram(3, 5, offset, buckets)
    b57 = _reference_bigram(5, 7, offset, buckets)
    # token ids, then bigram ids, then padding
    np.testing.assert_array_equal(rows, [[3, 5, 7, b35, b57, 0, 0, 0, 0],
                                         [3, 20, 5, b35, 0, 0, 0, 0, 0],
                                         [4, 0, 0, 0, 0, 0, 0, 0, 0]])


# -- n-gram hashes ---------------------------------------------------------------

def _hashes(texts, word_ngrams=2, minn=0, maxn=0):
    from textembed._defaults import DEFAULT_FILTERS
    from textembed.byte_batch import ByteBatch, separator_bytes
    from textembed.kernels.ngram_kernels import ngram_hashes
    batch = ByteBatch(texts, separator_bytes(DEFAULT_FILTERS, " "), True)
    hashes, offsets = ngram_hashes(batch.buf, batch.starts, batch.ends, batch.doc_offsets,
                                   word_ngrams, minn, maxn)
    return [set(hashes[a:b].tolist()) for a, b in zip(offsets[:-1], offsets[1:])], hashes, offsets


def test_word_ngrams_are_counted_once_per_text():
    sets, hashes, offsets = _hashes(["the cat sat", "", "the the", "The, cat! sat."])
    assert [len(s) for s in sets] == [5, 0, 2, 5]   # 3 words + 2 bigrams; the + "the the"
    assert sets[3] == sets[0]                        # lower-cased, punctuation filtered
    assert sets[2] < sets[0] | sets[2] and len(sets[0] & sets[2]) == 1   # "the" shared
    for a, b in zip(offsets[:-1], offsets[1:]):
        assert (hashes[a + 1:b] > hashes[a:b - 1]).all()      # sorted, no repeats
    trigrams, _, _ = _hashes(["a b c d"], word_ngrams=3)
    assert len(trigrams[0]) == 4 + 3 + 2
    assert _hashes(["b a"])[0][0] != _hashes(["a b"])[0][0]   # order matters in bigrams


def test_character_ngrams_count_utf8_characters_and_word_boundaries():
    # "café" framed: 6 characters -> 5 bigrams, 4 trigrams; plus the word itself
    sets, _, _ = _hashes(["café"], word_ngrams=1, minn=2, maxn=3)
    assert len(sets[0]) == 1 + 5 + 4
    # "cafe" differs only in its last character: they share <c ca af caf <ca
    other, _, _ = _hashes(["cafe"], word_ngrams=1, minn=2, maxn=3)
    assert len(sets[0] & other[0]) == 5
    # a word and a character n-gram of the same letters are different features
    word, _, _ = _hashes(["ab"], word_ngrams=1)
    chars, _, _ = _hashes(["xaby"], word_ngrams=1, minn=2, maxn=2)
    assert not word[0] & chars[0]


def test_key_table_finds_every_key_and_nothing_else():
    from textembed.kernels.ngram_kernels import key_table, lookup_columns
    keys = np.sort(np.random.default_rng(0).integers(-2 ** 62, 2 ** 62, size=1000))
    slots, columns = key_table(keys)
    assert slots.size >= 2 * keys.size and (columns >= 0).sum() == keys.size
    np.testing.assert_array_equal(lookup_columns(slots, columns, keys), np.arange(1000))
    missing = keys[:50] + 1
    assert (lookup_columns(slots, columns, missing) == -1).all()
    empty = key_table(np.zeros(0, np.int64))
    assert (lookup_columns(*empty, keys[:3]) == -1).all()
