"""textembed.byte_batch: a batch of texts as one UTF-8 buffer, on literal examples."""
import gc

import numpy as np
import pytest

from textembed.byte_batch import (DOC_MARK, ByteBatch, chunks, encode_words, separator_bytes,
                                  split_by_offsets)


def test_separator_bytes_marks_filters_and_split():
    table = separator_bytes("!,", " ")
    assert table.dtype == np.bool_ and table.shape == (256,)
    assert np.flatnonzero(table).tolist() == [ord(" "), ord("!"), ord(",")]
    assert separator_bytes("!,", " ") is table  # cached


def test_batch_token_spans_and_document_offsets():
    batch = ByteBatch(["The cat", "", "a,b  c"], separator_bytes(",", " "), lower=True)
    assert batch.raw == b"the cat" + DOC_MARK.encode() * 2 + b"a,b  c\x00"
    assert batch.buf.dtype == np.uint8 and batch.buf.tobytes() == batch.raw
    assert batch.starts.tolist() == [0, 4, 9, 11, 14]
    assert batch.ends.tolist() == [3, 7, 10, 12, 15]
    assert batch.doc_offsets.tolist() == [0, 2, 2, 5]  # the empty text has no tokens


def test_count_words_in_first_seen_order():
    ids, words, counts, doc_counts = ByteBatch(["b a b", "a c", "b"],
                                               separator_bytes(" ", " "), lower=False).count_words()
    assert ids.tolist() == [0, 1, 0, 1, 2, 0]
    assert words == ["b", "a", "c"]
    assert counts.tolist() == [3, 2, 1] and doc_counts.tolist() == [2, 2, 1]


@pytest.mark.parametrize("lower, words", [(True, ["école", "été"]),
                                          (False, ["ÉCOLE", "Été"])])
def test_non_ascii_words_and_lower(lower, words):
    _, found, _, _ = ByteBatch(["ÉCOLE Été"], separator_bytes("", " "), lower).count_words()
    assert found == words


def test_encode_words():
    buf, starts, ends = encode_words(["a", "é", ""])
    assert buf.tobytes() == b"a\xc3\xa9\x00"
    assert starts.tolist() == [0, 1, 3] and ends.tolist() == [1, 3, 3]


@pytest.mark.parametrize("enabled", [True, False])
def test_split_by_offsets_restores_the_collector(enabled):
    was = gc.isenabled()
    (gc.enable if enabled else gc.disable)()
    try:
        parts = split_by_offsets(np.array([1, 2, 3, 4]), np.array([0, 1, 1, 4]))
        assert parts == [[1], [], [2, 3, 4]]
        assert gc.isenabled() == enabled
    finally:
        (gc.enable if was else gc.disable)()


def test_chunks():
    assert list(chunks(range(5), 2)) == [[0, 1], [2, 3], [4]]
    assert list(chunks(iter([]), 3)) == []
