"""Skip-gram trained in synchronous rounds over several streams (engine-neutral).

The encoded corpus (shards of final word ids, :func:`.partitions.remap_shard`)
is split into streams, one per worker: consecutive shards read as one token
stream. One long task per stream (:func:`train_stream`) runs every round of
the job. In each round, each stream trains its next share of words (every
stream's part of an epoch is cut into the same number of rounds of about
``budget`` words, equal to a job, so the streams end the epoch together) on its
replica of the weights and writes the rows that changed, with where it stands,
to a file in the job's directory (which every worker reaches); it then waits
for the other streams' files of the round and merges them all the same way
(:func:`merge_changes`), so the replicas stay equal bit for bit, the weights
never pass through the driver and no round waits for a scheduler. Rounds never
cross an epoch's end; a stream whose part of the epoch is done writes an empty
file until the others are done too. Inside a round, the rows of the most
frequent words, which every job changes, are also exchanged between its parts
(:class:`_HotRows`), a part late instead of a round late.

A stream is cut into blocks and jobs exactly as the single-process trainer
cuts its file (:func:`textembed.word2vec.corpus.read_blocks`,
:func:`textembed.word2vec.training.split_jobs`), a job's random numbers
derive from (seed, epoch, stream, job) and its learning rate from the share
of its stream trained so far. So one stream is, bit for bit, the
single-process run with one thread and the same seed.

The checkpoint (``state.bin``: the common weights at the start of a round and
where every stream stands) is written by stream 0 while a round trains, once
the change files kept since the last one outweigh it :data:`CHECKPOINT_SIZES`
times (or after :data:`CHECKPOINT_SECONDS`); the files older than it are then
kept as spares, which later rounds write over (a round's file took 14.5 ms to
write instead of 16.7 in the benchmark; the spares go at the job's end). A task
that starts without a replica (the first, one retried after its worker died,
one of a resumed job) rebuilds it from the checkpoint and the rounds whose
files are all there, so the job continues from its last round. A lone stream
has nothing to exchange: its files carry its report only, it checkpoints every
:data:`CHECKPOINT_SECONDS` and a retried task trains the rounds since again,
which gives the same bits.
"""
import mmap
import os
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..word2vec.corpus import LINE_END
from ..word2vec.training import _BLOCK_TOKENS, _JOB_TOKENS, split_jobs

_STREAM_SHIFT = 40  # job numbers of stream s start at s << 40
STATE_FILE = "state.bin"
STARTED = "started-"  # a file named so in the rounds' directory marks each task a stream ran
SPARE = "spare-"  # a change file no one reads any more, to be written over (write_changes)
OWNER_FILE = "owner"
RULES = ("sum", "sqrt", "mean")
CHECKPOINT_SIZES = 8
CHECKPOINT_SECONDS = 60.0
WHOLE_SHARE = 0.9  # of a matrix's rows changed in a round: send it whole (see _changes)
RECHECK_ROUNDS = 32  # comparing the benchmark's syn1 whole again costs about 10 ms
PEER_TIMEOUT = 600.0  # seconds a stream waits for another's round before giving up
TUPLE_STREAMS = 16  # merges of up to this many streams' changes pass them as a tuple
HOT_ROWS = 2000  # the most frequent words, whose rows are also exchanged inside a round
MAX_PARTS = 16
MIN_JOB_TOKENS = 4096


class RoundsError(RuntimeError):
    """A stream cannot go on: the job's files are unreadable, a stream's round never
    came, or the job is no longer this run's."""


class Superseded(RoundsError):
    """The job's driver stopped it or another run took over its directory."""


@dataclass(frozen=True)
class Plan:
    """What every stream of one training job shares. ``streams``: per stream, the
    paths of its shards; ``stream_words``: per stream, its in-vocabulary tokens;
    ``counts``: int64 (V,) vocabulary counts; ``work_dir``: where the checkpoint
    is; ``exchange_dir``: where the rounds' change files are (default
    ``work_dir``/rounds); ``budget``: about the words per stream and round (see
    :meth:`round_end`);
    ``rule``: how changes merge (see :func:`merge_changes`); ``threads``: per
    stream (default: its worker's threads); ``hot_rows`` and ``parts``: with the
    sum rule, the first ``hot_rows`` rows of both matrices (the most frequent
    words) are also exchanged between the ``parts`` parts of every round (see
    :class:`_HotRows`); ``job_tokens``: about the tokens of a job (None: the
    single-process trainer's, see :func:`job_tokens_for`)."""
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
    budget: int
    exchange_dir: str = None
    rule: str = "sum"
    threads: int = None
    hot_rows: int = 0
    parts: int = 1
    job_tokens: int = None

    @property
    def train_words(self):
        return int(sum(self.stream_words))

    @property
    def rounds_per_epoch(self):
        """The rounds of an epoch: the largest stream's words in rounds of ``budget``."""
        return max(1, round(max(self.stream_words) / max(self.budget, 1)))

    def rate(self, position):
        """The learning rate after ``position`` words of the whole job (all streams, all
        epochs): linear from ``alpha`` to ``min_alpha``."""
        span = self.alpha - self.min_alpha
        return self.alpha - span * min(position / (self.train_words * self.epochs), 1.0)

    def round_end(self, stream, words_done):
        """Where the round of stream ``stream`` that starts after ``words_done`` words of
        its epoch ends: the next of the marks that cut its part of an epoch into
        :attr:`rounds_per_epoch` equal shares (the round ends with the first job to
        reach it, so rounds do not drift from the marks)."""
        share, rounds = max(int(self.stream_words[stream]), 1), self.rounds_per_epoch
        return -(-((words_done * rounds // share + 1) * share) // rounds)

    @property
    def state_path(self):
        return os.path.join(self.work_dir, STATE_FILE)

    @property
    def owner_path(self):
        return os.path.join(self.work_dir, OWNER_FILE)

    @property
    def rounds_dir(self):
        return self.exchange_dir or os.path.join(self.work_dir, "rounds")

    def changes_path(self, round_number, stream, part=0):
        """The file of the rows stream ``stream`` changed in round ``round_number`` (with
        ``part``, of its hot rows after that part of the round)."""
        return os.path.join(self.rounds_dir, change_file_name(round_number, stream, part))

    def exchanges_hot(self, streams):
        """Whether a round that ``streams`` (the active ones) train exchanges hot rows."""
        return self.rule == "sum" and self.hot_rows > 0 and self.parts > 1 and streams > 1


def job_tokens_for(threads):
    """The tokens of a job for streams of ``threads`` threads: the single-process
    trainer's (None) for one, so that one stream is its run bit for bit; for more, as
    many jobs as threads in the same span (at least :data:`MIN_JOB_TOKENS`), so the
    waves of jobs in which a round's threads train leave them idle less at its end."""
    if threads <= 1:
        return None
    return max(MIN_JOB_TOKENS, _JOB_TOKENS // threads)


def parts_per_round(budget, job_tokens, threads):
    """The parts a round of ``budget`` words per stream is cut into, for hot rows: one
    per wave of jobs of ``job_tokens`` (None: the trainer's), one to each of the
    ``threads`` (at least 1, at most :data:`MAX_PARTS`)."""
    wave = (job_tokens or _JOB_TOKENS) * max(threads, 1)
    return int(min(max(1, round(budget / wave)), MAX_PARTS))


def change_file_name(round_number, stream, part=0):
    name = f"round-{round_number:06d}-stream-{stream:04d}"
    return f"{name}-part-{part:02d}.bin" if part else f"{name}.bin"


def round_of(name):
    """The round of a change file's name (see :meth:`Plan.changes_path`); None for any
    other file, a part's file too."""
    found = _file_round(name)
    return None if found is None or "-part-" in name else found


def _file_round(name):
    """The round of a change or part file's name; None for any other file."""
    if name.startswith("round-") and name.endswith(".bin"):
        return int(name[6:12])
    return None


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


def start_progress(n_streams):
    """The progress of a job before its first round."""
    return {"round": 0, "epoch": 0, "cursors": [Cursor()] * n_streams, "epoch_loss": 0.0,
            "epoch_pairs": 0, "epoch_losses": []}


def active_streams(progress):
    """The streams that train in the progress's round (those whose epoch is not done)."""
    return [s for s, c in enumerate(progress["cursors"]) if not c.done]


def advance(progress, reports):
    """The progress after its round, from each stream's report of it (stream order;
    None for a stream that did not train): cursors, losses, and a new epoch once
    every stream is done with this one."""
    cursors = list(progress["cursors"])
    loss, pairs = progress["epoch_loss"], progress["epoch_pairs"]
    for s, report in enumerate(reports):
        if report is not None:
            cursors[s] = report["cursor"]
            loss += report["loss_sum"]
            pairs += report["pairs"]
    after = {**progress, "round": progress["round"] + 1, "cursors": cursors,
             "epoch_loss": loss, "epoch_pairs": pairs}
    if all(c.done for c in cursors):
        after.update(epoch=progress["epoch"] + 1, cursors=[Cursor()] * len(cursors),
                     epoch_loss=0.0, epoch_pairs=0,
                     epoch_losses=progress["epoch_losses"] + [loss / max(pairs, 1)])
    return after


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


def train_stream(plan, stream):
    """Run stream ``stream``'s part of the job from where the job stands to its end.
    Returns a dict: ``train_seconds`` ((round, seconds) of each round this task trained
    in: the reading and training, not the hot rows' exchanges), ``bytes`` (per round,
    the sizes of its change files, its parts' included), ``first_round``;
    stream 0's also holds the final ``progress`` and ``syn0``, written with syn1 as
    the final checkpoint."""
    _leave_thread_pool()
    _check_owner(plan)  # a task of a stopped run starts nothing
    with open(os.path.join(plan.rounds_dir, f"{STARTED}{stream:04d}-{uuid.uuid4().hex}"), "wb"):
        pass  # the driver counts the tasks a stream took
    replica = _rebuild(plan, stream)
    first_round = replica["progress"]["round"]
    threads = _threads(plan)
    pool = ThreadPoolExecutor(threads) if threads > 1 else None
    alone = len(plan.streams) == 1
    checkpoints = _Checkpoints(plan, writes=stream == 0, replica=replica)
    seconds, sizes = [], []
    try:
        while replica["progress"]["epoch"] < plan.epochs:
            progress = replica["progress"]
            number = progress["round"]
            _check_owner(plan)
            report, changes, hot_bytes = None, no_changes(plan.dim), 0
            if stream in active_streams(progress):
                report, changes = _train_round(plan, stream, replica, pool, alone,
                                               before_hot=checkpoints.wait)
                seconds.append((number, report["train_seconds"]))
                hot_bytes = report["hot_bytes"]
            path = plan.changes_path(number, stream)
            _check_owner(plan)  # a stopped run's stream leaves no file in a new run's folder
            kept = None if alone else _written_before(path)
            if kept is None:
                written = write_changes(path, report, changes, number, stream,
                                        spares=plan.rounds_dir if not alone else None)
            else:  # a retried task's round: the others may have merged it already
                (report, changes), written = kept, os.path.getsize(path)
            if alone:  # nothing to exchange: the file tells the driver the round is done
                replica["progress"] = advance(progress, [report])
                checkpoints.after_lone_round()
                continue
            reports, found = _wait_for_round(plan, number, stream)
            reports[stream], found[stream] = report, changes
            checkpoints.settle()  # the merge changes the start weights it writes
            _merge_all(plan, replica, found)
            sizes.append(written + hot_bytes)
            replica["progress"] = advance(progress, reports)
            checkpoints.after_round(sum(_changes_bytes(c) for c in found))
    finally:
        checkpoints.wait()
        if pool is not None:
            pool.shutdown()
    result = {"train_seconds": seconds, "bytes": sizes, "first_round": first_round}
    if stream == 0:
        _check_owner(plan)
        write_state(plan.state_path, replica["progress"], replica["start0"], replica["start1"])
        # every stream is past the rounds before the last (the driver removes the rest;
        # these go even when the driver is gone)
        _remove_rounds_before(plan, replica["progress"]["round"] - 1)
        result.update(progress=replica["progress"], syn0=replica["start0"])
    return result


def _written_before(path):
    """(report, changes) of a change file an earlier task of its stream wrote; None when
    there is none. With several threads a round trained again gives other bits, so a
    retried task takes the file the other streams may have merged."""
    try:
        return read_changes(path)
    except FileNotFoundError:
        return None


class _Checkpoints:
    """Stream 0's checkpoints (``writes``; the other streams' do nothing): with several
    streams, written in a thread while the next round trains once the change files
    since the last outweigh :data:`CHECKPOINT_SIZES` states (or after
    :data:`CHECKPOINT_SECONDS`), the files before it deleted once every stream is
    past them; a lone stream's at once, every :data:`CHECKPOINT_SECONDS`."""

    def __init__(self, plan, writes, replica):
        self.plan, self.writes, self.replica = plan, writes, replica
        self.state_bytes = replica["start0"].nbytes + replica["start1"].nbytes
        self.since_bytes, self.since_time = 0, time.monotonic()
        self.writing = None  # (thread, its round)
        self.written = None  # the round of the last one, until its older files are spares

    def after_round(self, changed_bytes):
        """After a round's merge: start writing one when it is due."""
        self.since_bytes += changed_bytes
        progress = self.replica["progress"]
        if not self.writes or progress["epoch"] >= self.plan.epochs or (
                self.since_bytes < CHECKPOINT_SIZES * self.state_bytes
                and time.monotonic() - self.since_time < CHECKPOINT_SECONDS):
            return
        thread = threading.Thread(target=write_state, args=(
            self.plan.state_path, progress, self.replica["start0"], self.replica["start1"]))
        thread.start()
        self.writing = (thread, progress["round"])
        self.since_bytes, self.since_time = 0, time.monotonic()

    def settle(self):
        """Wait for the one being written, then make the files before it spares: called
        once every stream has written its file of the checkpoint's round, so all are
        past them."""
        self.wait()
        if self.written is not None:
            _remove_rounds_before(self.plan, self.written, keep_spares=True)
            self.written = None

    def wait(self):
        """Wait for the one being written (before the start weights change)."""
        if self.writing is not None:
            thread, self.written = self.writing
            thread.join()
            self.writing = None

    def after_lone_round(self):
        if self.writes and time.monotonic() - self.since_time >= CHECKPOINT_SECONDS:
            write_state(self.plan.state_path, self.replica["progress"], self.replica["syn0"],
                        self.replica["syn1"])
            _remove_rounds_before(self.plan, self.replica["progress"]["round"])
            self.since_time = time.monotonic()


def _train_round(plan, stream, replica, pool, alone=False, before_hot=None):
    """Train the stream's jobs up to :meth:`Plan.round_end` or to its epoch's end on the
    replica's copy, exchanging its hot rows between the round's parts when the plan
    says so (``before_hot()`` is called before the first exchange changes the start
    weights); returns (its report, its changes: none when it is ``alone``)."""
    progress = replica["progress"]
    epoch, cursor = progress["epoch"], progress["cursors"][stream]
    began = time.perf_counter()
    source = _Stream(plan.streams[stream])
    mine, everyone = plan.stream_words[stream], plan.train_words

    def rate(words_in_stream):  # the stream's share of its epoch, as global words
        return plan.rate(epoch * everyone + words_in_stream * everyone // max(mine, 1))

    start, read, job_in_block = cursor.start, cursor.read, cursor.job
    jobs, words_done, trained = cursor.jobs, cursor.words, 0
    done, planned, planned_words = False, [], []
    end = plan.round_end(stream, words_done)
    while words_done < end:  # the round's jobs, with their rates and random streams
        found = source.block(start, read)
        if found is None:
            done = True
            break
        block, next_start, next_read = found
        pieces = list(split_jobs(block, plan.job_tokens))
        for job, words in pieces[job_in_block:]:
            if words_done >= end:
                break
            planned_words.append(words)
            planned.append((job, rate(words_done), rate(words_done + words), epoch,
                            (stream << _STREAM_SHIFT) + jobs))
            words_done += words
            trained += words
            jobs += 1
            job_in_block += 1
        if job_in_block >= len(pieces):
            start, read, job_in_block = next_start, next_read, 0
    done = done or start >= source.size
    step = replica["step"]
    active = active_streams(progress)
    hot = None
    if not alone and plan.exchanges_hot(len(active)):
        hot = _HotRows(plan, stream, replica, progress["round"], active, before_hot)
    results = []
    for part, jobs_of_part in enumerate(_parts(planned, planned_words,
                                               plan.parts if hot else 1)):
        if part:
            hot.exchange(part)
        if pool is None:  # in order: one stream is the single-threaded run
            results += [step(*job) for job in jobs_of_part]
        else:  # the worker's threads share its replica, as the single-process trainer's do
            results += list(pool.map(lambda job: step(*job), jobs_of_part))
    if hot is not None:
        hot.exchange(plan.parts)
    report = {"cursor": Cursor(start, read, job_in_block, jobs, words_done, done),
              "words": trained, "loss_sum": float(sum(r[1] for r in results)),
              "pairs": int(sum(r[2] for r in results)),
              "train_seconds": time.perf_counter() - began - (hot.seconds if hot else 0.0),
              "hot_bytes": hot.bytes if hot else 0}
    if alone:
        return report, no_changes(plan.dim)
    if plan.rule == "sum":  # the rows of syn0 a round can change: the words it read
        seen = np.zeros(len(plan.counts), np.bool_)
        for job in planned:
            seen[job[0][job[0] >= 0]] = True
        return report, _changes(replica, may_send_whole=True,
                                read_rows=np.flatnonzero(seen).astype(np.int32))
    return report, _changes(replica)


def _parts(planned, words, parts):
    """The round's jobs cut into ``parts`` runs of about equal words (``words``: each
    job's in-vocabulary words), each job in the part its middle word falls in (some
    parts may be empty)."""
    words = np.asarray(words, np.int64)
    total = max(int(words.sum()), 1)
    middle = np.cumsum(words) - words // 2
    index = np.minimum(middle * parts // total, parts - 1)
    return [[job for job, k in zip(planned, index) if k == part] for part in range(parts)]


class _HotRows:
    """The exchange of a round's hot rows (the first ``plan.hot_rows`` rows of syn0 and
    syn1: the most frequent words, which every part of a round changes most) between
    its parts, so the streams see each other's changes to them a part late instead
    of a round late.

    After part k (k = 1 .. parts - 1) each stream writes its copies' hot rows, P_k, to
    a file; after part k + 1 (or at the round's end) it reads every active stream's
    P_k and merges them into the start weights (S_k = S_(k-1) + the sum of P_k -
    S_(k-1), the same bits in every stream, as :func:`merge_changes` does), then
    moves its copies' hot rows to S_k plus its own changes since it wrote P_k. The
    round's merge then finds every change of a hot row made before the last part in
    the start weights, and the rest in the copies. A retried task keeps the P_k its
    stream wrote before (with several threads, training again gives other bits),
    so every stream merges the same ones."""

    def __init__(self, plan, stream, replica, number, active, before_change=None):
        self.plan, self.stream, self.replica = plan, stream, replica
        self.number, self.active = number, active
        self.before_change = before_change
        self.rows = np.arange(min(plan.hot_rows, len(plan.counts)), dtype=np.int32)
        self.sent = None  # this stream's last P_k: (syn0 rows, syn1 rows)
        self.seconds, self.bytes = 0.0, 0

    def exchange(self, part):
        """After part ``part`` of the round (1 .. parts; parts: the round's end)."""
        began = time.perf_counter()
        if part >= 2:
            self._merge(part - 1)
        if part < self.plan.parts:
            self._send(part)
        self.seconds += time.perf_counter() - began

    def _send(self, part):
        path = self.plan.changes_path(self.number, self.stream, part)
        kept = _written_before(path)
        if kept is not None:
            self.sent = (kept[1][1], kept[1][3])
            return
        h = len(self.rows)
        self.sent = (self.replica["syn0"][:h].copy(), self.replica["syn1"][:h].copy())
        self.bytes += write_changes(path, None, (self.rows, self.sent[0], self.rows,
                                                 self.sent[1]), self.number, self.stream,
                                    part=part)

    def _merge(self, part):
        found = _wait_for_files(self.plan, self.number, self.stream, self.active, part)[1]
        found[self.stream] = (self.rows, self.sent[0], self.rows, self.sent[1])
        if self.before_change is not None and part == 1:
            self.before_change()
        h = len(self.rows)
        for index, (start, copy) in enumerate((("start0", "syn0"), ("start1", "syn1"))):
            merge_changes(self.replica[start], [found[s][2 * index: 2 * index + 2]
                                                for s in self.active])
            rows = self.replica[copy][:h]
            rows -= self.sent[index]  # its own changes since it sent them ...
            rows += self.replica[start][:h]  # ... on the merged rows


def _merge_parts(plan, replica, progress):
    """Merge the hot rows of the parts of round ``progress["round"]`` into the start
    weights and the copies (equal to them), as the streams did while it trained."""
    active = active_streams(progress)
    if not plan.exchanges_hot(len(active)):
        return
    for part in range(1, plan.parts):
        paths = [plan.changes_path(progress["round"], s, part) for s in active]
        _merge_all(plan, replica, [read_changes(path)[1] for path in paths])


def _rebuild(plan, stream):
    """The stream's replica at the job's last round: the checkpoint with every round
    after it whose files are all there merged (retried when stream 0 replaces the
    checkpoint meanwhile: the older files may then be gone, or spares written over
    by then). A lone stream takes the checkpoint as it is and trains its rounds
    again, bit for bit."""
    n = len(plan.streams)
    for _ in range(5):
        try:
            progress, syn0, syn1 = read_state(plan.state_path)
            first = progress["round"]
        except (OSError, IndexError, ValueError) as error:
            raise RoundsError(f"{plan.state_path}: cannot read the checkpoint ({error})") \
                from None
        if n == 1:  # no copies: nothing is compared or merged
            return _with_step(plan, {"start0": syn0, "start1": syn1, "syn0": syn0,
                                     "syn1": syn1, "progress": progress})
        replica = {"start0": syn0, "start1": syn1, "syn0": syn0.copy(), "syn1": syn1.copy(),
                   "progress": progress}
        try:
            while progress["epoch"] < plan.epochs:
                paths = [plan.changes_path(progress["round"], s) for s in range(n)]
                if not all(os.path.exists(p) for p in paths):
                    break
                loaded = [read_changes(p) for p in paths]
                _merge_parts(plan, replica, progress)
                _merge_all(plan, replica, [c for _, c in loaded])
                progress = replica["progress"] = advance(progress, [r for r, _ in loaded])
            # the files merged were not spares yet: the checkpoint that frees them is not out
            if read_state(plan.state_path, weights=False)[0]["round"] != first:
                continue
        except FileNotFoundError:
            continue
        return _with_step(plan, replica)
    raise RoundsError(f"{plan.work_dir}: the checkpoint kept changing while stream "
                       f"{stream} read it")


def _with_step(plan, replica):
    """The replica with its training step (the kernel bound to its copies)."""
    from ..word2vec.training import skipgram_step
    from ..word2vec.vocab import Vocabulary

    vocab = Vocabulary([""] * len(plan.counts), plan.counts, min_count=1)
    replica["step"] = skipgram_step(replica["syn0"], replica["syn1"], vocab, plan.window,
                                    plan.negative, plan.sample, plan.seed)
    return replica


def _merge_all(plan, replica, changes):
    """Merge the streams' changes of a round (stream order) into the replica's start
    weights and its trained copy."""
    for table, copy, part in (("start0", "syn0", 0), ("start1", "syn1", 2)):
        merge_changes(replica[table], [(c[part], c[part + 1]) for c in changes],
                      plan.rule, replica[copy])


def _wait_for_round(plan, number, stream):
    """The other streams' (reports, changes) of round ``number`` (lists in stream order,
    None at ``stream``), read as their files appear."""
    return _wait_for_files(plan, number, stream, range(len(plan.streams)))


def _wait_for_files(plan, number, stream, streams, part=0):
    """The (reports, changes) of the files of round ``number`` (and ``part``) of
    ``streams`` but ``stream`` (lists over all the plan's streams, None elsewhere), read
    as they appear."""
    n = len(plan.streams)
    reports, found = [None] * n, [None] * n
    waiting = [s for s in streams if s != stream]
    last_arrival = checked = time.monotonic()
    while waiting:
        for s in list(waiting):
            path = plan.changes_path(number, s, part)
            if os.path.exists(path):
                reports[s], found[s] = read_changes(path)
                waiting.remove(s)
                last_arrival = time.monotonic()
        if waiting:
            time.sleep(0.0005)
            now = time.monotonic()
            if now - checked > 0.1:
                _check_owner(plan)
                checked = now
                if now - last_arrival > PEER_TIMEOUT:
                    raise RoundsError(f"stream {waiting[0]}'s round {number} did not arrive "
                                       f"in {PEER_TIMEOUT:.0f} s")
    return reports, found


def _check_owner(plan):
    """Superseded unless the job directory still belongs to this run."""
    try:
        with open(plan.owner_path, encoding="utf-8") as f:
            owner = f.read()
    except OSError:
        owner = ""
    if owner != plan.key:
        raise Superseded(f"{plan.work_dir}: the job was stopped or another run took over")


def claim(work_dir, key):
    """Make ``key`` the owner of the job directory (streams of earlier runs stop)."""
    from ..io import atomic_output

    with atomic_output(os.path.join(work_dir, OWNER_FILE)) as out:
        out.write(key)


def _remove_rounds_before(plan, number, keep_spares=False):
    """Delete the change files of the rounds before ``number`` (the checkpoint's), or
    with ``keep_spares`` rename them to spares for later rounds to write over
    (without it, the spares go too)."""
    folder = plan.rounds_dir
    for name in os.listdir(folder):
        found = _file_round(name)
        older = found is not None and found < number
        path = os.path.join(folder, name)
        try:
            if older and keep_spares and round_of(name) is not None:
                os.replace(path, os.path.join(folder, f"{SPARE}{uuid.uuid4().hex}"))
            elif older or (name.startswith(SPARE) and not keep_spares):
                os.remove(path)
        except FileNotFoundError:
            pass


def _changes_bytes(changes):
    return sum(a.nbytes for a in changes)


def _leave_thread_pool():
    """In a Dask worker, leave its pool of task threads: the stream waits for the
    others' rounds, which a retried task may need a thread of this worker for."""
    try:
        from distributed import get_worker, secede
        get_worker()
    except (ImportError, ValueError):
        return
    secede()


def _changes(replica, may_send_whole=False, read_rows=None):
    """(rows0, values0, rows1, values1): the int32 rows of the trained copies that
    differ from the round's start, and their float32 values (views of buffers the
    replica keeps from round to round). With ``may_send_whole`` (the sum rule, where
    a row sent unchanged adds an exact zero), a matrix whose last comparison found
    :data:`WHOLE_SHARE` of its rows changed is sent whole, as it is, without
    comparing it again for :data:`RECHECK_ROUNDS` rounds, and ``read_rows`` (int32,
    ascending: the words the round read, a superset of the syn0 rows it changed)
    are syn0's rows, copied without comparing them."""
    from ..kernels.merge_kernels import extract_changes

    found = []
    shares = replica.setdefault("changed_share", {})
    buffers = replica.setdefault("buffers", {})
    for trained, start in (("syn0", "start0"), ("syn1", "start1")):
        table = replica[trained]
        share, age = shares.get(trained, (0.0, 0))
        if may_send_whole and share >= WHOLE_SHARE and age < RECHECK_ROUNDS:
            if "all_rows" not in buffers:
                buffers["all_rows"] = np.arange(table.shape[0], dtype=np.int32)
            shares[trained] = (share, age + 1)
            found += [buffers["all_rows"], table]
            continue
        if trained not in buffers:
            buffers[trained] = (np.empty(table.shape[0], np.int32), np.empty_like(table))
        rows, values = buffers[trained]
        if may_send_whole and read_rows is not None and trained == "syn0":
            k = len(read_rows)
            rows[:k] = read_rows
            np.take(table, read_rows, axis=0, out=values[:k], mode="clip")  # "raise" buffers
            found += [rows[:k], values[:k]]
            continue
        k = extract_changes(table, replica[start], rows, values)
        shares[trained] = (k / max(table.shape[0], 1), 0)
        found += [rows[:k], values[:k]]
    return tuple(found)


def _threads(plan):
    """Threads a stream trains with: ``plan.threads``, else the worker's (the threads
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
    rows, values = [], []
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
    # a tuple's arrays are read in place, a typed list's through a call each time (the
    # kernel takes a third less time); but each length of tuple is compiled apart
    values = tuple(values) if len(values) <= TUPLE_STREAMS else List(values)
    k = merge_sorted(table, table if copy is None else copy, np.concatenate(rows), ends,
                     values, {"sum": 0.0, "sqrt": 0.5, "mean": 1.0}[rule], union)
    return union[:k]


def write_changes(path, report, changes, round_number, stream, spares=None, part=0):
    """Write stream ``stream``'s round ``round_number`` (or that ``part`` of it)
    atomically: its report (None when it did not train, or for a part) and its (rows0,
    values0, rows1, values1), as .npy arrays one
    after the other (no zip: its checksums cost more than the copy), over a spare
    file of the folder ``spares`` when there is one (its tail, past the arrays,
    stays). Returns the bytes written. The driver makes the directory: a stream
    left running after its job was stopped does not make it again."""
    counters = np.zeros(12, np.int64)
    figures = np.zeros(2, np.float64)
    counters[9:] = (round_number, stream, part)  # a spare written over reads as another
    if report is not None:
        c = report["cursor"]
        counters[:9] = (1, c.start, c.read, c.job, c.jobs, c.words, c.done, report["words"],
                        report["pairs"])
        figures[:] = (report["loss_sum"], report["train_seconds"])
    return _write_arrays(path, (counters, figures, *changes), spares)


def _write_arrays(path, arrays, spares=None):
    """Write ``arrays`` to ``path`` atomically as .npy arrays one after the other (what
    np.save writes, at the speed of tofile: np.save copies large arrays in chunks),
    over a spare of the folder ``spares`` when there is one; returns the bytes
    written. A spare is never cut short: a process still mapping it must not fault."""
    temporary = path + ".writing"
    reused = spares is not None and _take_spare(spares, temporary)
    with open(temporary, "r+b" if reused else "wb") as f:
        for array in arrays:
            array = np.ascontiguousarray(array)
            np.lib.format.write_array_header_1_0(
                f, np.lib.format.header_data_from_array_1_0(array))
            f.flush()
            array.tofile(f)
        written = f.tell()
    os.replace(temporary, path)
    return written


def _take_spare(folder, temporary):
    """Rename a spare file of ``folder`` to ``temporary``; False when there is none."""
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    for name in names:
        if name.startswith(SPARE):
            try:
                os.replace(os.path.join(folder, name), temporary)
                return True
            except FileNotFoundError:  # another stream took it
                continue
    return False


_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


def read_changes(path):
    """(report or None, (rows0, values0, rows1, values1)) of a stream's round file,
    the arrays mapped from it rather than copied (FileNotFoundError when it is not
    there, or no longer: a spare being written over)."""
    try:
        with open(path, "rb") as f:
            mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_COPY)
            arrays = []
            for _ in range(6):
                header = _HEADER_READERS[np.lib.format.read_magic(f)]
                shape, _, dtype = header(f)
                count = int(np.prod(shape))
                arrays.append(np.frombuffer(mapped, dtype, count, f.tell()).reshape(shape))
                f.seek(f.tell() + count * dtype.itemsize)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, KeyError) as error:
        raise RoundsError(f"{path}: cannot read a stream's changes ({error})") from None
    counters, figures, *changes = arrays
    if len(counters) != 12 or os.path.basename(path) != change_file_name(
            int(counters[9]), int(counters[10]), int(counters[11])):
        raise FileNotFoundError(path)
    report = None
    if counters[0]:
        report = {"cursor": Cursor(*map(int, counters[1:6]), bool(counters[6])),
                  "words": int(counters[7]), "pairs": int(counters[8]),
                  "loss_sum": float(figures[0]), "train_seconds": float(figures[1])}
    return report, tuple(changes)


def no_changes(dim):
    """The changes of a stream that did not train."""
    return (np.zeros(0, np.int32), np.zeros((0, dim), np.float32), np.zeros(0, np.int32),
            np.zeros((0, dim), np.float32))


def write_state(path, progress, syn0, syn1):
    """The checkpoint, atomically: the common weights at the start of round
    ``progress["round"]`` with the epoch, each stream's cursor and the losses so far
    (.npy arrays one after the other: the progress first, then syn0 and syn1)."""
    cursors = np.array([[c.start, c.read, c.job, c.jobs, c.words, c.done]
                        for c in progress["cursors"]], np.int64).reshape(-1, 6)
    counters = np.array([progress["round"], progress["epoch"], progress["epoch_pairs"]],
                        np.int64)
    _write_arrays(path, (counters, np.array([progress["epoch_loss"]], np.float64),
                         np.array(progress["epoch_losses"], np.float64), cursors, syn0, syn1))


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
