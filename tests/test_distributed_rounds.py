"""distributed.rounds: streams read as the single-file reader reads, and the merge."""
import os

import numpy as np
import pytest

from textembed.distributed.rounds import (_Stream, merge_changes, read_changes,
                                          write_changes)
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


def changes(*pairs):
    return [(np.array(rows, np.int32), np.array(values, np.float32)) for rows, values in pairs]


def test_merge_averages_each_row_over_the_streams_that_changed_it():
    syn0 = np.zeros((4, 2), np.float32)
    rows = merge_changes(syn0, changes(([0, 2], [[1, 1], [2, 2]]), ([2, 3], [[4, 6], [8, 8]])),
                         "mean")
    assert rows.tolist() == [0, 2, 3]
    np.testing.assert_array_equal(syn0, [[1, 1], [0, 0], [3, 4], [8, 8]])


def test_the_sum_rule_adds_every_streams_change_to_the_start():
    syn0 = np.full((3, 1), 10.0, np.float32)
    rows = merge_changes(syn0, changes(([0, 1], [[11], [12]]), ([1], [[13]])), "sum")
    assert rows.tolist() == [0, 1]
    np.testing.assert_array_equal(syn0[:, 0], [11, 15, 10])  # 10 + 2 + 3


def test_the_sqrt_rule_divides_the_summed_changes_by_the_root_of_their_number():
    syn0 = np.zeros((2, 1), np.float32)
    merge_changes(syn0, changes(([0], [[3.0]]), ([0], [[1.0]])), "sqrt")
    np.testing.assert_allclose(syn0[:, 0], [4 / np.sqrt(2), 0], rtol=1e-6)


def test_a_row_one_stream_changed_keeps_its_value_bit_for_bit():
    """start + (value - start) is not always value in float32: such rows are copied."""
    syn0 = np.array([[1e-3], [5.0]], np.float32)
    value = np.float32(1.5000001)
    merge_changes(syn0, changes(([0], [[value]]), ([1], [[6.0]])), "sum")
    assert syn0[0, 0] == value and syn0[1, 0] == 6.0


def test_the_merge_matches_a_float64_reference_on_random_changes():
    rng = np.random.default_rng(0)
    start = rng.normal(size=(50, 3)).astype(np.float32)
    streams = []
    for _ in range(3):
        rows = np.sort(rng.choice(50, 20, replace=False)).astype(np.int32)
        streams.append((rows, (start[rows] + rng.normal(size=(20, 3))).astype(np.float32)))
    for rule, power in (("sum", 0.0), ("sqrt", 0.5), ("mean", 1.0)):
        table, replica = start.copy(), start.copy()
        untouched = np.setdiff1d(np.arange(50), np.concatenate([r for r, _ in streams]))[0]
        replica[untouched] = 7.0  # a row only the replica changed is left alone
        merge_changes(table, streams, rule, copy=replica)
        total, times = np.zeros((50, 3)), np.zeros(50)
        for rows, values in streams:
            total[rows] += values.astype(np.float64) - start[rows]
            times[rows] += 1
        expected = start.astype(np.float64)
        several = times > 1
        expected[several] += total[several] / times[several, None] ** power
        for rows, values in streams:
            alone = times[rows] == 1
            expected[rows[alone]] = values[alone]
        np.testing.assert_allclose(table, expected, rtol=1e-6, atol=1e-6)
        assert (times == 0).any() and np.array_equal(table[times == 0], start[times == 0])
        np.testing.assert_array_equal(replica[times > 0], table[times > 0])
        assert (replica[untouched] == 7.0).all()


def test_an_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="merge rule 'max'"):
        merge_changes(np.zeros((2, 1), np.float32), changes(([0], [[1.0]]), ([0], [[2.0]])), "max")


def test_change_files_round_trip(tmp_path):
    from textembed.distributed.rounds import Cursor

    arrays = (np.array([1, 3], np.int32), np.ones((2, 4), np.float32),
              np.zeros(0, np.int32), np.zeros((0, 4), np.float32))
    report = {"cursor": Cursor(5, 9, 2, 7, 300, True), "words": 120, "pairs": 4400,
              "loss_sum": 1234.5, "train_seconds": 0.25}
    (tmp_path / "rounds").mkdir()  # the driver makes it
    path = str(tmp_path / "rounds" / "round-000001-stream-0000.bin")
    assert write_changes(path, report, arrays, 1, 0) == os.path.getsize(path)
    got_report, got = read_changes(path)
    assert got_report == report
    for a, want in zip(got, arrays):
        np.testing.assert_array_equal(a, want)
        assert a.dtype == want.dtype and a.shape == want.shape
    assert os.listdir(tmp_path / "rounds") == ["round-000001-stream-0000.bin"]
    write_changes(path, None, arrays, 1, 0)  # a stream that did not train this round
    assert read_changes(path)[0] is None
    with open(path, "r+b") as f:
        f.truncate(100)
    with pytest.raises(RuntimeError, match="cannot read a stream's changes"):
        read_changes(path)


def test_a_spare_is_written_over_and_its_old_name_reads_as_gone(tmp_path):
    from textembed.distributed.rounds import SPARE

    folder = tmp_path / "rounds"
    folder.mkdir()
    big = (np.arange(50, dtype=np.int32), np.full((50, 8), 2.0, np.float32),
           np.zeros(0, np.int32), np.zeros((0, 8), np.float32))
    small = (np.array([4], np.int32), np.full((1, 8), 3.0, np.float32),
             np.zeros(0, np.int32), np.zeros((0, 8), np.float32))
    old = str(folder / "round-000002-stream-0001.bin")
    write_changes(old, None, big, 2, 1)
    size = os.path.getsize(old)
    inode = os.stat(old).st_ino
    os.link(old, str(tmp_path / "still-open"))  # as a reader that opened it before
    os.replace(old, str(folder / f"{SPARE}x"))
    new = str(folder / "round-000007-stream-0000.bin")
    written = write_changes(new, None, small, 7, 0, spares=str(folder))
    assert sorted(os.listdir(folder)) == ["round-000007-stream-0000.bin"]
    assert os.stat(new).st_ino == inode  # the same file, written over
    assert written < size == os.path.getsize(new)  # never cut short
    _, got = read_changes(new)
    for a, want in zip(got, small):
        np.testing.assert_array_equal(a, want)
    # the stale reader's name no longer names round 2 of stream 1
    os.replace(str(tmp_path / "still-open"), old)
    with pytest.raises(FileNotFoundError):
        read_changes(old)


def test_merges_in_two_threads_at_once_give_the_sequential_result():
    """Two streams of one worker merge at the same time: each thread has its own sums."""
    from concurrent.futures import ThreadPoolExecutor

    rng = np.random.default_rng(1)
    start = rng.normal(size=(20000, 64)).astype(np.float32)
    jobs = []
    for _ in range(6):
        streams = []
        for _ in range(2):
            rows = np.sort(rng.choice(20000, 18000, replace=False)).astype(np.int32)
            streams.append((rows, (start[rows] + rng.normal(size=(18000, 64))).astype(np.float32)))
        jobs.append(streams)
    def merged(streams):
        table = start.copy()
        merge_changes(table, streams, "sum")
        return table

    expected = [merged(streams) for streams in jobs]
    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(merged, jobs))
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_rows_given_out_of_order_merge_as_in_order():
    rng = np.random.default_rng(2)
    start = rng.normal(size=(30, 4)).astype(np.float32)
    streams = []
    for _ in range(2):
        rows = rng.choice(30, 12, replace=False).astype(np.int32)
        streams.append((rows, (start[rows] + 1).astype(np.float32)))
    ordered = [(r[np.argsort(r)], v[np.argsort(r)]) for r, v in streams]
    a, b = start.copy(), start.copy()
    union = merge_changes(a, streams, "sum")
    merge_changes(b, ordered, "sum")
    np.testing.assert_array_equal(a, b)
    assert union.tolist() == sorted(set(np.concatenate([r for r, _ in streams]).tolist()))


def test_the_changes_are_the_rows_that_differ_from_the_start_with_their_values():
    from textembed.distributed.rounds import _changes

    start = np.arange(24, dtype=np.float32).reshape(6, 4)
    trained = start.copy()
    trained[1, 3] += 1
    trained[4] *= 2
    replica = {"start0": start, "syn0": trained, "start1": start[:2].copy(),
               "syn1": start[:2].copy()}
    rows0, values0, rows1, values1 = _changes(replica)
    assert rows0.tolist() == [1, 4] and len(rows1) == 0 and values1.shape == (0, 4)
    np.testing.assert_array_equal(values0, trained[[1, 4]])


def test_a_matrix_nearly_all_changed_is_sent_whole_and_merges_to_the_same_bits():
    """Under the sum rule a row sent unchanged adds an exact zero, so sending syn1
    whole (no row comparison) gives what sending its changed rows gives."""
    from textembed.distributed.rounds import RECHECK_ROUNDS, _changes

    rng = np.random.default_rng(3)
    start = rng.normal(size=(40, 5)).astype(np.float32)
    replica = {"start0": start[:4].copy(), "syn0": start[:4].copy(), "start1": start.copy(),
               "syn1": start.copy()}
    replica["syn1"][1:] += 1.0  # 39 of 40 rows: over the share that is sent whole
    rows = _changes(replica, may_send_whole=True)[2]
    assert rows.tolist() == list(range(1, 40))  # compared the first time
    sent = _changes(replica, may_send_whole=True)
    assert len(sent[2]) == 40 and sent[3] is replica["syn1"]
    assert len(_changes(replica, may_send_whole=False)[2]) == 39
    other_rows = np.array([0, 5, 7], np.int32)
    other = (other_rows, (start[other_rows] - 2.0).astype(np.float32))
    whole, diffed = start.copy(), start.copy()
    merge_changes(whole, [(sent[2], sent[3]), other], "sum")
    merge_changes(diffed, [(np.arange(1, 40, dtype=np.int32), replica["syn1"][1:]), other], "sum")
    np.testing.assert_array_equal(whole, diffed)
    for _ in range(RECHECK_ROUNDS):
        assert len(_changes(replica, may_send_whole=True)[2]) == 40
    assert len(_changes(replica, may_send_whole=True)[2]) == 39  # then compared again


def test_a_lone_stream_stopped_midway_resumes_from_its_checkpoint_bit_for_bit(
        tmp_path, monkeypatch):
    """One stream writes no change files: stopped after a checkpoint, it trains the
    rounds since again and ends with the single-threaded run's bits."""
    import threading

    from textembed.distributed import rounds
    from textembed.word2vec import train

    plan = _sample_plan(tmp_path, 1)
    monkeypatch.setattr(rounds, "CHECKPOINT_SECONDS", 0.0)  # one after every round

    def stop_at_round_5():
        while rounds.read_state(plan.state_path, weights=False)[0]["round"] < 5:
            threading.Event().wait(0.001)
        rounds.claim(plan.work_dir, "stopped")

    stopper = threading.Thread(target=stop_at_round_5)
    stopper.start()
    with pytest.raises(rounds.Superseded):
        rounds.train_stream(plan, 0)
    stopper.join()
    reached = rounds.read_state(plan.state_path, weights=False)[0]["round"]
    assert reached >= 5
    again = rounds.Plan(**{**plan.__dict__, "key": "second"})
    rounds.claim(plan.work_dir, again.key)
    result = rounds.train_stream(again, 0)
    assert result["first_round"] == reached and result["progress"]["epoch"] == 2
    local = train(SAMPLE, threads=1, seed=3, epochs=2)
    np.testing.assert_array_equal(result["syn0"], local.vectors)


def test_an_epoch_is_cut_into_the_same_number_of_equal_rounds_for_every_stream():
    from textembed.distributed.rounds import Plan

    plan = Plan(key="k", streams=((), ()), stream_words=(1000, 940), counts=np.ones(3, np.int64),
                dim=2, window=1, negative=1, sample=0.0, alpha=0.1, min_alpha=0.0, epochs=1,
                seed=0, work_dir=".", budget=300)
    assert plan.rounds_per_epoch == 3  # round(1000 / 300)
    assert [plan.round_end(0, done) for done in (0, 333, 334, 350, 999)] == [334, 334, 667,
                                                                             667, 1000]
    assert [plan.round_end(1, done) for done in (0, 314, 627)] == [314, 627, 940]
    assert Plan(**{**plan.__dict__, "budget": 10 ** 9}).rounds_per_epoch == 1


SAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                      "sample_corpus.txt")


def _sample_plan(folder, n_streams, key="first", budget=30_000, epochs=2):
    """The plan of a job on the sample corpus in ``n_streams`` streams (consecutive
    shards), its directory, checkpoint and owner made as the driver makes them."""
    from textembed._defaults import SKIPGRAM_DEFAULTS
    from textembed.distributed import inputs, partitions, rounds
    from textembed.word2vec.training import initial_weights
    from textembed.word2vec.vocab import Vocabulary

    shards = [partitions.encode_shard(part, str(folder / f"shard-{i}"), "utf-8")
              for i, part in enumerate(inputs.partitions([SAMPLE], 30_000))]
    merged = partitions.shard_counts(shards[0])
    for shard in shards[1:]:
        merged = partitions.merge_counts(merged, partitions.shard_counts(shard))
    vocab = Vocabulary(merged.words, merged.counts, 5)
    known = [partitions.remap_shard(shard, "\n".join(vocab.words)) for shard in shards]
    cut = np.array_split(np.arange(len(shards)), n_streams)
    plan = rounds.Plan(key=key, streams=tuple(tuple(shards[i].path for i in part) for part in cut),
                       stream_words=tuple(sum(known[i] for i in part) for part in cut),
                       counts=vocab.counts, epochs=epochs, seed=3, work_dir=str(folder / "job"),
                       budget=budget, threads=1, **{k: SKIPGRAM_DEFAULTS[k] for k in (
                           "dim", "window", "negative", "sample", "alpha", "min_alpha")})
    os.makedirs(plan.rounds_dir)
    rounds.write_state(plan.state_path, rounds.start_progress(n_streams),
                       *initial_weights(len(vocab), plan.dim, 3))
    rounds.claim(plan.work_dir, plan.key)
    return plan


def test_rounds_written_over_spares_give_the_bits_of_new_files(tmp_path, monkeypatch):
    """Two streams checkpointing after every round (the files before each become
    spares, written over by the next rounds) end as two that never checkpoint, and
    leave no spare behind."""
    from concurrent.futures import ThreadPoolExecutor

    from textembed.distributed import rounds

    taken = []
    take = rounds._take_spare
    monkeypatch.setattr(rounds, "_take_spare", lambda *a: taken.append(take(*a)) or taken[-1])
    results = {}
    for name, sizes in (("spares", 0), ("none", 10 ** 6)):
        monkeypatch.setattr(rounds, "CHECKPOINT_SIZES", sizes)
        (tmp_path / name).mkdir()
        plan = _sample_plan(tmp_path / name, 2, budget=5_000, epochs=6)
        with ThreadPoolExecutor(2) as pool:
            results[name] = list(pool.map(lambda s: rounds.train_stream(plan, s), range(2)))
        left = os.listdir(plan.rounds_dir)
        assert not [f for f in left if f.startswith(rounds.SPARE)], left
        if name == "spares":
            assert sum(taken) > 5 and results[name][0]["progress"]["round"] > 5
    np.testing.assert_array_equal(results["spares"][0]["syn0"], results["none"][0]["syn0"])


def test_a_part_file_round_trips_and_is_not_counted_as_a_round(tmp_path):
    from textembed.distributed.rounds import _file_round, change_file_name, round_of

    (tmp_path / "rounds").mkdir()
    name = change_file_name(12, 3, part=2)
    assert name == "round-000012-stream-0003-part-02.bin"
    assert round_of(name) is None and _file_round(name) == 12
    assert round_of(change_file_name(12, 3)) == 12
    hot = (np.arange(4, dtype=np.int32), np.full((4, 2), 1.5, np.float32),
           np.arange(4, dtype=np.int32), np.full((4, 2), -0.5, np.float32))
    path = str(tmp_path / "rounds" / name)
    write_changes(path, None, hot, 12, 3, part=2)
    report, got = read_changes(path)
    assert report is None
    np.testing.assert_array_equal(got[1], hot[1])
    os.replace(path, str(tmp_path / "rounds" / change_file_name(12, 3, part=1)))
    with pytest.raises(FileNotFoundError):  # written as part 2: not part 1's
        read_changes(str(tmp_path / "rounds" / change_file_name(12, 3, part=1)))


def test_a_round_is_cut_into_parts_of_about_equal_words_in_order():
    from textembed.distributed.rounds import _parts, job_tokens_for, parts_per_round
    from textembed.word2vec.training import split_jobs

    words = [10, 10, 10, 10, 40, 10, 10]
    jobs = [(np.array([1] * n + [-1] * 3, np.int32), k) for k, n in enumerate(words)]
    cut = _parts(jobs, words, 4)
    assert [[k for _, k in part] for part in cut] == [[0, 1], [2, 3], [4], [5, 6]]
    assert [[k for _, k in part] for part in _parts(jobs, words, 1)] == [list(range(7))]
    assert parts_per_round(300_000, None, 1) == 5 and parts_per_round(600_000, None, 1) == 9
    assert parts_per_round(10 ** 9, None, 1) == 16
    # a worker of 8 threads trains jobs of an eighth: a wave of 8 spans one job of one
    assert job_tokens_for(1) is None and job_tokens_for(8) == 8192 and job_tokens_for(64) == 4096
    assert parts_per_round(600_000, 8192, 8) == 9 and parts_per_round(600_000, None, 8) == 1
    block = np.tile(np.array([1, 2, 3, -1], np.int32), 1000)  # 4,000 tokens, 1,000 lines
    assert [len(job) for job, _ in split_jobs(block, 1000)] == [1000] * 4
    assert [words for _, words in split_jobs(block, 1000)] == [750] * 4


def _two_streams(plan, fail_once=None):
    """Both streams of ``plan`` run to the end in two threads; ``fail_once``: (stream,
    round, part) where that stream's task dies once, just before it merges the
    part before, and is started again (as Dask retries it)."""
    from concurrent.futures import ThreadPoolExecutor

    from textembed.distributed import rounds

    def run(stream):
        try:
            return rounds.train_stream(plan, stream)
        except RuntimeError as error:
            if "killed" not in str(error):
                raise
            return rounds.train_stream(plan, stream)

    if fail_once is not None:
        exchange, failed = rounds._HotRows.exchange, []

        def dying(self, part):
            if (self.stream, self.number, part) == fail_once and not failed:
                failed.append(part)
                raise RuntimeError("killed")
            return exchange(self, part)

        rounds._HotRows.exchange = dying
    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(run, range(2)))
    finally:
        if fail_once is not None:
            rounds._HotRows.exchange = exchange
            assert failed, "the task never reached the part it was to die at"
    return results


def test_hot_rows_exchanged_inside_rounds_end_with_the_same_bits_after_a_retry(
        tmp_path, monkeypatch):
    """Hot rows exchanged between the parts of each round change the result; the run
    gives the same bits when it checkpoints after every round, and when a stream's
    task dies between two parts (its part file already merged by the other) and is
    started again from the first checkpoint and the rounds since."""
    from textembed.distributed import rounds
    from textembed.word2vec import training

    monkeypatch.setattr(training, "_JOB_TOKENS", 2_000)  # about ten jobs a round
    written = []
    write = rounds.write_changes
    monkeypatch.setattr(rounds, "write_changes",
                        lambda *a, **k: written.append(k.get("part", 0)) or write(*a, **k))
    finals = {}
    for name, hot, sizes, fail in (("plain", 0, 10 ** 6, None), ("hot", 100, 10 ** 6, None),
                                   ("every", 100, 0, None), ("retried", 100, 10 ** 6, (1, 3, 2))):
        monkeypatch.setattr(rounds, "CHECKPOINT_SIZES", sizes)
        (tmp_path / name).mkdir()
        plan = _sample_plan(tmp_path / name, 2, budget=20_000, epochs=2)
        plan = rounds.Plan(**{**plan.__dict__, "hot_rows": hot, "parts": 3})
        del written[:]
        results = _two_streams(plan, fail)
        finals[name] = results[0]["syn0"]
        assert results[0]["progress"]["epoch"] == 2 and results[0]["progress"]["round"] > 4
        if hot:
            assert written.count(1) >= 8 and written.count(2) >= 8
        else:
            assert set(written) == {0}
        left = [f for f in os.listdir(plan.rounds_dir) if "-part-" in f]
        assert len(left) <= 4, left  # the last round's at most
    assert not np.array_equal(finals["plain"], finals["hot"])
    np.testing.assert_array_equal(finals["every"], finals["hot"])
    np.testing.assert_array_equal(finals["retried"], finals["hot"])


def test_a_task_that_dies_after_writing_its_round_keeps_that_file(tmp_path, monkeypatch):
    """The task started again takes the round's file its stream wrote (the other stream
    may have merged it already) instead of writing it again, and the job ends with
    the bits of one no task of which died."""
    from textembed.distributed import rounds
    from textembed.word2vec import training

    import threading

    monkeypatch.setattr(training, "_JOB_TOKENS", 2_000)
    write, rebuild = rounds.write_changes, rounds._rebuild
    finals = {}
    for name in ("whole", "retried"):
        (tmp_path / name).mkdir()
        plan = _sample_plan(tmp_path / name, 2, budget=20_000, epochs=2)
        plan = rounds.Plan(**{**plan.__dict__, "hot_rows": 100, "parts": 3})
        writes, rebuilt = [], threading.Event()

        def watching(plan, stream):
            replica = rebuild(plan, stream)
            if stream == 1 and (3, 1, 0) in writes:
                rebuilt.set()
            return replica

        def dying(path, report, changes, number, stream, spares=None, part=0):
            if name == "retried" and (number, stream, part) == (3, 0, 0):
                assert rebuilt.wait(60)  # the retried task must train round 3 again
            written = write(path, report, changes, number, stream, spares, part)
            writes.append((number, stream, part))
            if name == "retried" and (number, stream, part) == (3, 1, 0) \
                    and writes.count((3, 1, 0)) == 1:
                raise RuntimeError("killed")
            return written

        monkeypatch.setattr(rounds, "write_changes", dying)
        monkeypatch.setattr(rounds, "_rebuild", watching)
        finals[name] = _two_streams(plan)[0]["syn0"]
        assert writes.count((3, 1, 0)) == 1 and writes.count((3, 1, 1)) == 1
    np.testing.assert_array_equal(finals["retried"], finals["whole"])
