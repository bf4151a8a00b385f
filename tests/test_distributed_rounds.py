"""distributed.rounds: streams read as the single-file reader reads, and the merge."""
import numpy as np

from textembed.distributed.rounds import RoundResult, _Stream, merge_changes, Cursor
from textembed.word2vec import corpus, training


def test_a_stream_of_shards_gives_the_blocks_of_one_file(tmp_path, monkeypatch):
    monkeypatch.setattr("textembed.distributed.rounds._BLOCK_TOKENS", 50)
    monkeypatch.setattr(training, "_BLOCK_TOKENS", 50)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 9, 1000).astype(np.int32)
    tokens[rng.random(1000) < 0.08] = -1
    tokens[-1] = -1
    cuts = [0, 130, 131, 600, 1000]
    paths = []
    for i, (a, b) in enumerate(zip(cuts, cuts[1:])):
        paths.append(str(tmp_path / f"s{i}"))
        tokens[a:b].tofile(paths[-1])
    tokens.tofile(tmp_path / "whole")
    expected = list(corpus.read_blocks(str(tmp_path / "whole"), 50))
    stream, got, start, read = _Stream(paths), [], 0, 0
    while (found := stream.block(start, read)) is not None:
        block, start, read = found
        got.append(block)
    assert len(got) == len(expected) > 10
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_merge_averages_each_row_over_the_streams_that_changed_it():
    syn0 = np.zeros((4, 2), np.float32)
    syn1 = np.ones((4, 2), np.float32)

    def result(stream, rows, values):
        rows = np.array(rows, np.int64)
        values = np.array(values, np.float32)
        return RoundResult(stream, Cursor(), 0, 0.0, 0, rows, values, rows[:0],
                           np.zeros((0, 2), np.float32))

    rows0, values0, rows1, values1 = merge_changes(
        [result(0, [0, 2], [[1, 1], [2, 2]]), result(1, [2, 3], [[4, 6], [8, 8]])], syn0, syn1,
        "mean")
    assert rows0.tolist() == [0, 2, 3] and rows1.size == 0
    np.testing.assert_array_equal(values0, [[1, 1], [3, 4], [8, 8]])
    np.testing.assert_array_equal(syn0, [[1, 1], [0, 0], [3, 4], [8, 8]])
    np.testing.assert_array_equal(syn1, np.ones((4, 2)))


def test_the_sum_rule_adds_every_streams_change_to_the_start():
    syn0 = np.full((3, 1), 10.0, np.float32)
    syn1 = np.zeros((3, 1), np.float32)
    changed = [RoundResult(s, Cursor(), 0, 0.0, 0, np.array(rows, np.int64),
                           np.array(values, np.float32), np.zeros(0, np.int64),
                           np.zeros((0, 1), np.float32))
               for s, rows, values in ((0, [0, 1], [[11], [12]]), (1, [1], [[13]]))]
    rows0, values0, _, _ = merge_changes(changed, syn0, syn1, "sum")
    assert rows0.tolist() == [0, 1]
    np.testing.assert_array_equal(values0, [[11], [15]])  # 10 + 2 + 3
    np.testing.assert_array_equal(syn0[:, 0], [11, 15, 10])


def test_the_sqrt_rule_divides_the_summed_changes_by_the_root_of_their_number():
    syn0 = np.zeros((2, 1), np.float32)
    changed = [RoundResult(s, Cursor(), 0, 0.0, 0, np.array([0], np.int64),
                           np.array([[v]], np.float32), np.zeros(0, np.int64),
                           np.zeros((0, 1), np.float32)) for s, v in ((0, 3.0), (1, 1.0))]
    rows0, values0, _, _ = merge_changes(changed, syn0, np.zeros((2, 1), np.float32), "sqrt")
    np.testing.assert_allclose(values0[:, 0], [4 / np.sqrt(2)], rtol=1e-6)
