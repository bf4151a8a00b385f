"""Skip-gram trained in synchronous rounds over several streams (engine-neutral).

The encoded corpus (shards of final word ids, :func:`.partitions.remap_shard`)
is split into streams, one per worker: consecutive shards read as one token
stream. Every round, each stream trains its next ``budget`` words
(:func:`train_round`, whole jobs, on its replica of the weights) and writes
the rows that changed to a file in the job's directory (which every worker
reaches); at the start of the next round every worker reads the other
streams' files and merges them into the common weights the same way
(:func:`merge_changes`), so the replicas stay equal bit for bit without the
weights passing through the driver. Rounds never cross an epoch's end.

A stream is cut into blocks and jobs exactly as the single-process trainer
cuts its file (:func:`textembed.word2vec.corpus.read_blocks`,
:func:`textembed.word2vec.training.split_jobs`), a job's random numbers
derive from (seed, epoch, stream, job) and its learning rate from the share
of its stream trained so far. So one stream is, bit for bit, the
single-process run with one thread and the same seed.

A replica lives in the worker's process between rounds
(:data:`_REPLICAS`). One task of every round also writes the common weights at
the round's start with the driver's progress (``state.bin``, the checkpoint);
a worker without the replica (a retried or moved task, a resumed job) starts
from that file, merging the previous round's files when it is one round
behind.
"""
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..word2vec.corpus import LINE_END
from ..word2vec.training import _BLOCK_TOKENS, split_jobs

_STREAM_SHIFT = 40  # job numbers of stream s start at s << 40
STATE_FILE = "state.bin"
RULES = ("sum", "sqrt", "mean")


@dataclass(frozen=True)
class Plan:
    """What every round of one training job shares. ``streams``: per stream, the
    paths of its shards; ``stream_words``: per stream, its in-vocabulary tokens;
    ``counts``: int64 (V,) vocabulary counts; ``work_dir``: where the checkpoint
    and the rounds' change files are; ``rule``: how changes merge (see
    :func:`merge_changes`); ``threads``: per stream (default: its worker's
    threads)."""
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
    work_dir: str
    rule: str = "sum"
    threads: int = None

    @property
    def train_words(self):
        return int(sum(self.stream_words))

    @property
    def state_path(self):
        return os.path.join(self.work_dir, STATE_FILE)

    def changes_path(self, round_number, stream):
        """The file of the rows stream ``stream`` changed in round ``round_number``."""
        return os.path.join(self.work_dir, "rounds",
                            f"round-{round_number:06d}-stream-{stream:04d}.bin")


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
    """One stream's round: its new cursor, what it trained, the rows it changed in
    both matrices and the bytes of its change file; ``train_seconds``: reading
    and training, ``seconds``: the whole task (merge, diff and files included)."""
    stream: int
    cursor: Cursor
    words: int
    loss_sum: float
    pairs: int
    rows: int
    bytes: int
    train_seconds: float
    seconds: float


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



_REPLICAS = {}  # (plan key, stream) -> {"round", "start0", "start1", "syn0", "syn1", "changes"}


def _replica(plan, stream, round_number, last):
    """The stream's replica at the start of ``round_number``: its own, brought up to
    date with the changes of round ``round_number - 1`` of the streams ``last``, or
    built from the checkpoint. ``start0`` / ``start1`` hold the common weights,
    ``syn0`` / ``syn1`` the copy the stream trains."""
    key = (plan.key, stream)
    replica = _REPLICAS.pop(key, None)  # a failed task leaves nothing half-updated behind
    if replica is not None and replica["round"] == round_number - 1 and last is not None:
        _merge_round(plan, round_number - 1, last, replica["start0"], replica["start1"],
                     {stream: replica["changes"]}, (replica["syn0"], replica["syn1"]))
    else:
        start0, start1 = start_weights(plan, round_number, last)
        replica = {"start0": start0, "start1": start1, "syn0": start0.copy(),
                   "syn1": start1.copy()}
    replica["round"], replica["changes"] = round_number, None
    return replica


def start_weights(plan, round_number, last):
    """(syn0, syn1), the common weights at the start of ``round_number``, from the
    checkpoint: as saved when it is of that round, else with the changes of the
    round before merged (``last``: the streams that trained in it)."""
    path = plan.state_path
    try:
        progress, syn0, syn1 = read_state(path)
        found = progress["round"]
    except (OSError, IndexError, ValueError) as error:
        raise RuntimeError(f"{path}: cannot read the weights of round {round_number} "
                           f"({error})") from None
    if found == round_number - 1 and last is not None:
        _merge_round(plan, found, last, syn0, syn1, {})
    elif found != round_number:
        raise RuntimeError(f"{path}: holds round {found}, round {round_number} needs it "
                           "or the one before")
    return syn0, syn1


def _merge_round(plan, round_number, streams, syn0, syn1, known, copies=(None, None)):
    """Merge the changes of ``streams`` in ``round_number`` into ``syn0`` / ``syn1`` (in
    place, and into ``copies``), reading from their files those not in ``known``
    (stream -> changes)."""
    changes = [known[s] if known.get(s) is not None else read_changes(plan.changes_path(
        round_number, s)) for s in sorted(streams)]
    merge_changes(syn0, [(c[0], c[1]) for c in changes], plan.rule, copies[0])
    merge_changes(syn1, [(c[2], c[3]) for c in changes], plan.rule, copies[1])


def train_round(plan, stream, epoch, cursor, budget, round_number, last, checkpoint=None):
    """Train stream ``stream`` from ``cursor`` until ``budget`` words are trained (whole
    jobs) or its epoch ends, write the rows it changed to its change file, and
    return its :class:`RoundResult`. ``last``: the streams that trained in the
    round before (None in the first round and after a resume). ``checkpoint``: the
    driver's progress at this round's start (:func:`write_state`), given to one
    task of the round, which writes the checkpoint while it trains."""
    from ..word2vec.training import skipgram_step
    from ..word2vec.vocab import Vocabulary

    began = time.perf_counter()
    replica = _replica(plan, stream, round_number, last)
    syn0, syn1 = replica["syn0"], replica["syn1"]
    writer = None
    if checkpoint is not None:  # the common weights stay as they are until the next merge
        writer = threading.Thread(target=write_state, args=(
            plan.state_path, {**checkpoint, "round": round_number}, replica["start0"],
            replica["start1"]))
        writer.start()
    trained_from = time.perf_counter()
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
    train_seconds = time.perf_counter() - trained_from
    changes = _changes(replica)
    path = plan.changes_path(round_number, stream)
    write_changes(path, changes)
    if writer is not None:
        writer.join()
    replica["changes"] = changes
    _REPLICAS[(plan.key, stream)] = replica
    return RoundResult(stream, Cursor(start, read, job_in_block, jobs, words_done, done),
                       trained, float(sum(r[1] for r in results)),
                       int(sum(r[2] for r in results)), len(changes[0]) + len(changes[2]),
                       os.path.getsize(path), train_seconds, time.perf_counter() - began)


def finish(plan, round_number, last, progress):
    """After the last round: the common weights with its changes merged, written as the
    final checkpoint with ``progress``; returns syn0."""
    held = [k for k in sorted(_REPLICAS) if k[0] == plan.key
            and _REPLICAS[k]["round"] == round_number - 1]
    if held and last is not None:
        replica = _REPLICAS[held[0]]
        syn0, syn1 = replica["start0"], replica["start1"]
        _merge_round(plan, round_number - 1, last, syn0, syn1,
                     {held[0][1]: replica["changes"]})
    else:
        syn0, syn1 = start_weights(plan, round_number, last)
    write_state(plan.state_path, {**progress, "round": round_number}, syn0, syn1)
    forget(plan.key)
    return syn0


def forget(key):
    """Drop this process's replicas of the job ``key``."""
    for k in [k for k in _REPLICAS if k[0] == key]:
        del _REPLICAS[k]


def _changes(replica):
    """(rows0, values0, rows1, values1): the int32 rows of the trained copies that
    differ from the round's start, and their float32 values (views of buffers the
    replica keeps from round to round)."""
    from ..kernels.merge_kernels import extract_changes

    found = []
    for trained, start in (("syn0", "start0"), ("syn1", "start1")):
        table = replica[trained]
        buffers = replica.setdefault("buffers", {})
        if trained not in buffers:
            buffers[trained] = (np.empty(table.shape[0], np.int32), np.empty_like(table))
        rows, values = buffers[trained]
        k = extract_changes(table, replica[start], rows, values)
        found += [rows[:k], values[:k]]
    return tuple(found)


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


def merge_changes(table, changes, rule="sum", copy=None):
    """Merge the streams' changed rows into ``table`` (float32 (V, dim), the common
    weights at the round's start), in place; returns the int32 rows that changed.
    ``changes``: per stream, in stream order, (int32 rows, each once, float32
    (rows, dim) values). A row one stream changed takes its value. A row several
    changed takes the start plus their changes: summed ("sum", as threads sharing
    one matrix add theirs), summed and divided by the square root of their number
    ("sqrt"), or averaged ("mean"). Every worker computes the same bits from the
    same files. ``copy``: a matrix of the same shape (a replica) whose changed rows
    take the same values."""
    from numba.typed import List

    from ..kernels.merge_kernels import merge_sorted

    if rule not in RULES:
        raise ValueError(f"merge rule {rule!r}: use one of {', '.join(RULES)}")
    rows, values = [], List()
    for r, v in changes:
        r, v = np.ascontiguousarray(r, np.int32), np.ascontiguousarray(v, np.float32)
        if len(r) > 1 and not (r[1:] > r[:-1]).all():  # the kernel walks rows in order
            order = np.argsort(r, kind="stable")
            r, v = r[order], np.ascontiguousarray(v[order])
        if len(r):
            rows.append(r)
            values.append(v.reshape(len(r), table.shape[1]))
    if not rows:
        return np.zeros(0, np.int32)
    union = np.empty(table.shape[0], np.int32)
    ends = np.cumsum([0] + [len(r) for r in rows]).astype(np.int64)
    k = merge_sorted(table, table if copy is None else copy, np.concatenate(rows), ends,
                     values, {"sum": 0.0, "sqrt": 0.5, "mean": 1.0}[rule], union)
    return union[:k]


def write_changes(path, changes):
    """Write a stream's (rows0, values0, rows1, values1) atomically: four .npy arrays
    one after the other (no zip: its checksums cost more than the copy)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    temporary = path + ".writing"
    with open(temporary, "wb") as f:
        for array in changes:
            np.save(f, array)
    os.replace(temporary, path)


def read_changes(path):
    """(rows0, values0, rows1, values1) of a change file."""
    try:
        with open(path, "rb") as f:
            return tuple(np.load(f) for _ in range(4))
    except (OSError, ValueError) as error:
        raise RuntimeError(f"{path}: cannot read a stream's changes ({error})") from None


def write_state(path, progress, syn0, syn1):
    """The checkpoint, atomically: the common weights at the start of round
    ``progress["round"]`` with the epoch, each stream's cursor and the losses so far
    (.npy arrays one after the other: the progress first, then syn0 and syn1)."""
    cursors = np.array([[c.start, c.read, c.job, c.jobs, c.words, c.done]
                        for c in progress["cursors"]], np.int64).reshape(-1, 6)
    counters = np.array([progress["round"], progress["epoch"], progress["epoch_pairs"]],
                        np.int64)
    temporary = path + ".writing"
    with open(temporary, "wb") as f:
        for array in (counters, np.array([progress["epoch_loss"]], np.float64),
                      np.array(progress["epoch_losses"], np.float64), cursors, syn0, syn1):
            np.save(f, array)
    os.replace(temporary, path)


def read_state(path, weights=True):
    """(progress, syn0, syn1) of a checkpoint; without ``weights``, syn0 and syn1 are
    None (and not read)."""
    with open(path, "rb") as f:
        counters, epoch_loss, losses, cursors = (np.load(f) for _ in range(4))
        syn0, syn1 = (np.load(f), np.load(f)) if weights else (None, None)
    progress = {"round": int(counters[0]), "epoch": int(counters[1]),
                "cursors": [Cursor(*map(int, row[:5]), bool(row[5])) for row in cursors],
                "epoch_loss": float(epoch_loss[0]), "epoch_pairs": int(counters[2]),
                "epoch_losses": losses.tolist()}
    return progress, syn0, syn1
