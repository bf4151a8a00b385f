"""Skip-gram trained in synchronous rounds over several streams (engine-neutral).

The encoded corpus (shards of final word ids, :func:`.partitions.remap_shard`)
is split into streams, one per worker: consecutive shards read as one token
stream. Every round, each stream trains its next ``budget`` words
(:func:`train_round`, whole jobs, on its replica of the weights), and returns
only the rows that changed; :func:`merge_changes` averages each row over the
streams that changed it, and every replica takes the average before the next
round. Rounds never cross an epoch's end.

A stream is cut into blocks and jobs exactly as the single-process trainer
cuts its file (:func:`textembed.word2vec.corpus.read_blocks`,
:func:`textembed.word2vec.training.split_jobs`), a job's random numbers
derive from (seed, epoch, stream, job) and its learning rate from the share
of its stream trained so far. So one stream is, bit for bit, the
single-process run with one thread and the same seed.

A replica lives in the worker's process between rounds
(:data:`_REPLICAS`); a worker without it (a retried or moved task) reads the
weights at the round's start from the snapshot the driver wrote.
"""
import os
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..word2vec.corpus import LINE_END
from ..word2vec.training import _BLOCK_TOKENS, split_jobs

_STREAM_SHIFT = 40  # job numbers of stream s start at s << 40
_SNAPSHOT_WAIT = 120.0  # seconds a worker without a replica waits for the round's weights


@dataclass(frozen=True)
class Plan:
    """What every round of one training job shares. ``streams``: per stream, the
    paths of its shards; ``stream_words``: per stream, its in-vocabulary tokens;
    ``counts``: int64 (V,) vocabulary counts; ``snapshot``: where the driver keeps
    the weights at the start of the current round (.npz with syn0, syn1);
    ``threads``: per stream (default: its worker's threads)."""
    key: str
    streams: tuple
    stream_words: tuple
    counts: np.ndarray
    dim: int
    window: int
    negative: int
    sample: float
    alpha: float
    min_alpha: float
    epochs: int
    seed: int
    snapshot: str
    threads: int = None

    @property
    def train_words(self):
        return int(sum(self.stream_words))


@dataclass(frozen=True)
class Cursor:
    """Where a stream stands in an epoch: the next block starts at token ``start``
    (``read`` tokens have been read, as the block reader reads), ``job`` jobs of it
    are done; ``jobs`` and ``words``: jobs and in-vocabulary words trained this
    epoch; ``done``: the stream's epoch is over."""
    start: int = 0
    read: int = 0
    job: int = 0
    jobs: int = 0
    words: int = 0
    done: bool = False


@dataclass
class RoundResult:
    """One stream's round: its new cursor, what it trained, and the rows that
    changed (int64 row numbers and float32 values) of both weight matrices."""
    stream: int
    cursor: Cursor
    words: int
    loss_sum: float
    pairs: int
    rows0: np.ndarray
    values0: np.ndarray
    rows1: np.ndarray
    values1: np.ndarray


class _Stream:
    """Shard files read as one int32 token stream."""

    def __init__(self, paths):
        self.paths = list(paths)
        sizes = [os.path.getsize(p) // 4 for p in self.paths]
        self.offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)
        self.size = int(self.offsets[-1])

    def read(self, start, end):
        """int32 tokens [start, end) of the stream."""
        parts = []
        first = int(np.searchsorted(self.offsets, start, side="right")) - 1
        for i in range(max(first, 0), len(self.paths)):
            lo, hi = self.offsets[i], self.offsets[i + 1]
            if lo >= end:
                break
            a, b = max(start, lo) - lo, min(end, hi) - lo
            if b > a:
                with open(self.paths[i], "rb") as f:
                    f.seek(int(a) * 4)
                    parts.append(np.fromfile(f, np.int32, int(b - a)))
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    def block(self, start, read):
        """(block, next start, next read): the block the single-file reader yields
        after reaching ``start`` with ``read`` tokens read; None at the end."""
        if start >= self.size:
            return None
        read_to = min(read + _BLOCK_TOKENS, self.size)
        block = self.read(start, read_to)
        ends = np.flatnonzero(block == LINE_END)
        if read_to < self.size and len(ends) and ends[-1] + 1 < len(block):
            block = block[:ends[-1] + 1]
        return block, start + len(block), read_to


def stream_words(paths):
    """In-vocabulary tokens of the shards ``paths`` (ids >= 0)."""
    stream = _Stream(paths)
    total = 0
    for start in range(0, stream.size, _BLOCK_TOKENS):
        total += int(np.count_nonzero(stream.read(start, start + _BLOCK_TOKENS) >= 0))
    return total


_REPLICAS = {}  # (plan key, stream) -> {"round": r, "syn0": ..., "syn1": ...}


def _replica(plan, stream, round_number, updates):
    """The stream's weights at the start of ``round_number``: its replica brought up
    to date with the last merge ``updates``, or the driver's snapshot."""
    key = (plan.key, stream)
    replica = _REPLICAS.get(key)
    if replica is not None and replica["round"] == round_number - 1 and updates is not None:
        rows0, values0, rows1, values1 = updates
        replica["syn0"][rows0] = values0
        replica["syn1"][rows1] = values1
        replica["round"] = round_number
        return replica
    deadline = time.monotonic() + _SNAPSHOT_WAIT
    while True:  # the driver writes the round's snapshot while the round runs
        try:
            with np.load(plan.snapshot) as saved:
                if int(saved["round"]) == round_number:
                    replica = _REPLICAS[key] = {"round": round_number,
                                                "syn0": saved["syn0"].copy(),
                                                "syn1": saved["syn1"].copy()}
                    return replica
                found = int(saved["round"])
        except FileNotFoundError:
            found = None
        if time.monotonic() > deadline:
            raise RuntimeError(f"{plan.snapshot}: the weights of round {round_number} did not "
                               f"appear (found round {found})")
        time.sleep(0.05)


def train_round(plan, stream, epoch, cursor, budget, round_number, updates):
    """Train stream ``stream`` from ``cursor`` until ``budget`` words are trained (whole
    jobs) or its epoch ends; returns its :class:`RoundResult`. ``updates``: the
    merged changes of the previous round (None in the first)."""
    from ..word2vec.training import skipgram_step
    from ..word2vec.vocab import Vocabulary

    replica = _replica(plan, stream, round_number, updates)
    syn0, syn1 = replica["syn0"], replica["syn1"]
    before0, before1 = syn0.copy(), syn1.copy()
    vocab = Vocabulary([""] * len(plan.counts), plan.counts, min_count=1)
    step = skipgram_step(syn0, syn1, vocab, plan.window, plan.negative, plan.sample, plan.seed)
    source = _Stream(plan.streams[stream])
    mine, everyone = plan.stream_words[stream], plan.train_words
    total = everyone * plan.epochs
    span = plan.alpha - plan.min_alpha

    def rate(words_in_stream):  # the stream's share of its epoch, as global words
        position = epoch * everyone + words_in_stream * everyone // max(mine, 1)
        return plan.alpha - span * min(position / total, 1.0)

    start, read, job_in_block = cursor.start, cursor.read, cursor.job
    jobs, words_done, trained = cursor.jobs, cursor.words, 0
    done, planned = False, []
    while trained < budget:  # the round's jobs, with their rates and random streams
        found = source.block(start, read)
        if found is None:
            done = True
            break
        block, next_start, next_read = found
        pieces = list(split_jobs(block))
        for job, words in pieces[job_in_block:]:
            if trained >= budget:
                break
            planned.append((job, rate(words_done), rate(words_done + words), epoch,
                            (stream << _STREAM_SHIFT) + jobs))
            words_done += words
            trained += words
            jobs += 1
            job_in_block += 1
        if job_in_block >= len(pieces):
            start, read, job_in_block = next_start, next_read, 0
    done = done or start >= source.size
    threads = _threads(plan)
    if threads == 1:  # in order: one stream is the single-threaded run
        results = [step(*job) for job in planned]
    else:  # the worker's threads share its replica, as the single-process trainer's do
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(lambda job: step(*job), planned))
    loss_sum = float(sum(r[1] for r in results))
    pairs = int(sum(r[2] for r in results))
    rows0 = np.flatnonzero((syn0 != before0).any(axis=1))
    rows1 = np.flatnonzero((syn1 != before1).any(axis=1))
    return RoundResult(stream, Cursor(start, read, job_in_block, jobs, words_done, done),
                       trained, loss_sum, pairs, rows0, syn0[rows0], rows1, syn1[rows1])


def _threads(plan):
    """Threads a round trains with: ``plan.threads``, else the worker's (the threads
    Dask gives it), else 1."""
    if plan.threads:
        return int(plan.threads)
    try:
        from distributed import get_worker
        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


def merge_changes(results, syn0, syn1, rule="mean"):
    """Merge the streams' changed rows into ``syn0`` / ``syn1`` (the driver's weights, as
    at the round's start) and return the update every replica takes: (rows0,
    values0, rows1, values1). ``rule``: "mean", each row the average of the
    streams' values; "sum", the row at the start plus every stream's change (as
    threads sharing one matrix add theirs); "sqrt", the start plus the changes'
    sum divided by the square root of the number of streams that changed the row
    (between the two)."""
    merged = []
    for table, rows_name, values_name in ((syn0, "rows0", "values0"),
                                          (syn1, "rows1", "values1")):
        rows = [getattr(r, rows_name) for r in results]
        values = [getattr(r, values_name) for r in results]
        if len(rows) == 1:  # one stream: its rows as they are (bit for bit)
            unique, average = rows[0], values[0]
        else:
            # a stream lists each row once, so plain fancy-index sums are exact
            sums = np.zeros(table.shape, np.float64)
            times = np.zeros(table.shape[0], np.int64)
            for r, v in zip(rows, values):
                sums[r] += v if rule == "mean" else v - table[r]
                times[r] += 1
            unique = np.flatnonzero(times)
            if rule == "mean":
                average = (sums[unique] / times[unique, None]).astype(np.float32)
            elif rule == "sqrt":
                average = (table[unique] + sums[unique]
                           / np.sqrt(times[unique, None])).astype(np.float32)
            else:
                average = (table[unique] + sums[unique]).astype(np.float32)
        table[unique] = average
        merged += [unique.astype(np.int64), average]
    return tuple(merged)
