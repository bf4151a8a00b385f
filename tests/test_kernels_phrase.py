"""The phrase kernels: the pair table (growth, lookups), joining and writing
with state carried across blocks that cut lines anywhere."""
import numpy as np

from textembed.kernels import phrase_kernels as pk


def test_table_counts_every_pair():
    rng = np.random.default_rng(0)
    stream = rng.integers(0, 500, 120_000).astype(np.int32)
    stream[rng.random(len(stream)) < 0.05] = -1
    unigrams = np.zeros(500, np.int64)
    keys, counts = np.full(1 << 10, pk.EMPTY, np.int64), np.zeros(1 << 10, np.int64)
    state = np.zeros(pk.COUNT_STATE_SIZE, np.int64)
    state[[pk.S_PREV, pk.S_MIN_REDUCE, pk.S_MAX_TABLE]] = -1, 1, 10 ** 12
    for block in np.array_split(stream, 13):
        keys, counts = pk.count_block(block, unigrams, keys, counts, state)
    expected = {}
    for a, b in zip(stream[:-1].tolist(), stream[1:].tolist()):
        if a >= 0 and b >= 0:
            expected[(a << 32) | b] = expected.get((a << 32) | b, 0) + 1
    used = keys != pk.EMPTY
    assert dict(zip(keys[used].tolist(), counts[used].tolist())) == expected
    assert state[pk.S_PAIRS] == len(expected) and len(keys) > 1 << 10
    assert np.array_equal(unigrams, np.bincount(stream[stream >= 0], minlength=500))
    wanted = np.array(list(expected)[:50] + [(7 << 32) | 10 ** 6], np.int64)
    slots = pk.find_slots(keys, wanted)
    assert (slots[:50] >= 0).all() and slots[50] == -1
    assert counts[slots[:50]].tolist() == [expected[k] for k in wanted[:50].tolist()]


def test_join_and_text_carry_across_blocks():
    # words: 0 a, 1 b, 2 c, 3 a_b; the phrase (a, b) -> 3
    stream = np.array([0, 1, 2, -1, 2, 0, -1, 0, -1, -1, 0, 1, 0, 1, 0, -1], np.int32)
    keys = np.array([pk.pair_key(0, 1)], np.int64)
    ids = np.array([3], np.int32)
    starts = np.array([True, False, False, False])
    buf = np.frombuffer(b"abca_b", np.uint8)
    word_starts, word_ends = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 6])
    expected = b"a_b c\nc a\na\n\na_b a_b a\n"
    for size in (1, 2, 3, 16):
        join_state, text_state = np.full(1, -1, np.int64), np.zeros(1, np.int64)
        text = b""
        for begin in range(0, len(stream), size):
            joined = pk.join_block(stream[begin:begin + size], starts, keys, ids, join_state)
            text += pk.text_block(joined, buf, word_starts, word_ends, text_state).tobytes()
        assert text == expected, size
        assert join_state[0] == -1 and text_state[0] == 0


def test_score_pairs_keeps_strictly_above():
    keys = np.full(8, pk.EMPTY, np.int64)
    counts = np.zeros(8, np.int64)
    keys[[1, 5]] = pk.pair_key(0, 1), pk.pair_key(1, 0)
    counts[[1, 5]] = 3, 1
    unigrams = np.array([4, 4], np.int64)
    # (3 - 1) / 16 * 8 = 1.0 and (1 - 1) / 16 * 8 = 0
    found, scores, pair_counts = pk.score_pairs(keys, counts, unigrams, pk.DEFAULT, 1, 0.5, 8, 8)
    assert found.tolist() == [pk.pair_key(0, 1)] and scores.tolist() == [1.0]
    assert pair_counts.tolist() == [3]
    found, _, _ = pk.score_pairs(keys, counts, unigrams, pk.DEFAULT, 1, 1.0, 8, 8)
    assert len(found) == 0
