"""Skip-gram on a Dask cluster: the corpus encoded into shards, then synchronous
rounds (:mod:`.rounds`), one long task per stream, the job's state on disk after
every round.

Everything the job needs lives in its working directory (``work_dir``, which
every worker must reach: local for a LocalCluster, a shared file system across
machines): the shards of word ids, ``plan.json`` (settings, vocabulary, the
streams), ``owner`` (the run the directory belongs to: streams of an earlier
run stop), the rounds' change files (``rounds/``: the rows each stream changed
and where it stands, read by the other streams) and ``state.bin`` (both weight
matrices, the round, the epoch, each stream's cursor and the losses so far),
rewritten atomically by stream 0 every few rounds, while a round trains; the
change files since it are kept, so the state after every round can be rebuilt.
The weights never pass through the driver until the end.
A stream retried after its worker died, and every stream of a run started again
with ``resume=True`` on the same directory (after a lost client or a
whole-cluster failure), continue from the last round whose files are all there
and end as the uninterrupted run would have.
"""
import hashlib
import json
import os
import shutil
import time
import uuid

import numpy as np

from .._defaults import SKIPGRAM_DEFAULTS as _SG
from ..io import InputError, atomic_output
from ..word2vec.training import _Progress
from . import dask_driver, inputs, rounds

# Words each stream trains between two merges, and how the changes merge: summed, as
# the threads of one process add theirs to one matrix. Within a round the hot rows
# (rounds.HOT_ROWS) are also merged after every wave of jobs (rounds.parts_per_round).
# Measured with scripts/bench_distributed.py (2 workers, seeds 1-5, against one
# process with 2 threads in the same run; WS353, SimLex-999, analogies; the share of
# wall time synchronising):
#   600k words, hot rows:    +0.002, -0.014, -0.001;  9.4% (the same two workers'
#                            bits against two other runs of one process: +0.000,
#                            -0.016, -0.008; 9.3% and -0.000, -0.020, -0.003; 9.1%)
#   300k words, hot rows:    -0.006, -0.020, -0.002; 12.4%
#   300k words, no hot rows: -0.011, -0.010, -0.011;  8.2%
# Without hot rows, analogies lose about 0.01 at any round size from 60k to 350k words;
# with them, rounds of 600k words score as those of 300k (in a Dask-free run of the
# same rounds: 0.649, 0.379, 0.200 against 0.650, 0.379, 0.198) for less
# synchronising. Hot rows cost SimLex about 0.01 in every variant tried (merged
# after every part or at a barrier, syn0 or syn1 alone, 500 to 8,000 rows).
SYNC_WORDS = 600_000
MERGE_RULE = "sum"
_SETTINGS = ("dim", "window", "negative", "min_count", "sample", "epochs", "alpha",
             "min_alpha", "seed", "max_vocab", "sync_words", "tokenizer", "lower", "merge_rule")


def train_skipgram(client, input_urls, work_dir, dim=_SG["dim"], window=_SG["window"],
                   negative=_SG["negative"], min_count=_SG["min_count"], sample=_SG["sample"],
                   epochs=_SG["epochs"], alpha=_SG["alpha"], min_alpha=_SG["min_alpha"], seed=1,
                   max_vocab=None, streams=None, sync_words=SYNC_WORDS, encoding="utf-8",
                   tokenizer="keras", lower=True, block_bytes=None, resume=False,
                   on_round=None, merge_rule=None, progress=False, shared_memory=True):
    """Skip-gram vectors trained on the cluster; returns a WordVectors whose ``stats``
    also say what the rounds cost (``rounds``, ``sync_seconds``, ``sync_share``,
    ``bytes_per_round``, ``stream_restarts``). ``streams``: how many train at once
    (default: one per worker); ``block_bytes``: the size of the corpus's partitions (default: the
    corpus cut in four per worker, at most :data:`.inputs.BLOCK_BYTES`);
    ``on_round(number)``: called as each round starts; ``merge_rule``: how the
    streams' changes merge (default :data:`MERGE_RULE`, see
    :func:`.rounds.merge_changes`); ``progress``: a bar on standard error over the
    training words (epoch, learning rate, loss); ``shared_memory``: exchange the
    rounds in this machine's shared memory when every worker sees it (else always in
    ``work_dir``)."""
    from ..word2vec.training import TrainingStats, initial_weights
    from ..word2vec.vectors import WordVectors

    started = time.perf_counter()
    settings = {"dim": dim, "window": window, "negative": negative, "min_count": min_count,
                "sample": sample, "epochs": epochs, "alpha": alpha, "min_alpha": min_alpha,
                "seed": seed, "max_vocab": max_vocab, "sync_words": sync_words,
                "tokenizer": tokenizer, "lower": lower, "merge_rule": merge_rule or MERGE_RULE}
    os.makedirs(work_dir, exist_ok=True)
    # a key of this run alone: streams an earlier run left running on this directory
    # stop as soon as they see it, before this run writes anything there
    key = f"{os.path.abspath(work_dir)}:{uuid.uuid4().hex}"
    rounds.claim(work_dir, key)
    plan_path = os.path.join(work_dir, "plan.json")
    state_path = os.path.join(work_dir, rounds.STATE_FILE)
    fresh = not (resume and os.path.exists(plan_path))
    if not fresh:
        saved = _read_plan(plan_path, settings)
        words, counts = saved["words"], np.array(saved["counts"], np.int64)
        paths = tuple(tuple(os.path.join(work_dir, n) for n in names)
                      for names in saved["streams"])
        stream_words, totals = tuple(saved["stream_words"]), saved["totals"]
        # the jobs and parts the job's rounds were cut into, whatever the workers now
        job_tokens, parts = saved.get("job_tokens"), saved.get("parts", 1)
        standing = _read_progress(state_path, len(paths))
        pruned = None  # the words below min_count are not kept in the checkpoint
    else:
        if block_bytes is None:
            workers = len(client.scheduler_info()["workers"])
            total = sum(size for _, size in inputs.expand(input_urls))
            block_bytes = int(min(inputs.BLOCK_BYTES, max(1 << 20, total // (4 * workers))))
        vocab, shards, merged = dask_driver.encode(client, input_urls, work_dir, encoding,
                                                   tokenizer, lower, min_count, max_vocab,
                                                   block_bytes)
        if len(vocab) < 2:
            raise InputError(f"only {len(vocab)} distinct word(s) occur at least min_count="
                             f"{min_count} times in the corpus; lower min_count or give more "
                             "text")
        words, counts, pruned = vocab.words, vocab.counts, vocab.pruned
        n = max(1, min(streams or len(client.scheduler_info()["workers"]), len(shards)))
        groups = _balanced([int(s.tokens) for s in shards], n)
        paths = tuple(tuple(shards[i].path for i in group) for group in groups)
        stream_words = tuple(sum(shards[i].known for i in group) for group in groups)
        totals = {"tokens": merged.tokens, "lines": merged.lines,
                  "distinct": len(merged.words), "replaced": merged.replaced}
        threads = max(_worker_threads(client), default=1)
        job_tokens = rounds.job_tokens_for(threads)
        parts = rounds.parts_per_round(sync_words, job_tokens, threads)
        with atomic_output(plan_path) as out:
            json.dump({**settings, "words": words, "counts": counts.tolist(),
                       "streams": [[os.path.basename(p) for p in group] for group in paths],
                       "stream_words": list(stream_words), "totals": totals,
                       "job_tokens": job_tokens, "parts": parts}, out)
        standing = rounds.start_progress(len(paths))
        rounds.write_state(state_path, standing, *initial_weights(len(words), dim, seed))
    exchange = _exchange_dir(client, work_dir, len(words) * dim * 8) if shared_memory else None
    plan = rounds.Plan(key=key, streams=paths, stream_words=stream_words, counts=counts,
                       dim=dim, window=window, negative=negative, sample=sample, alpha=alpha,
                       min_alpha=min_alpha, epochs=epochs, seed=seed, work_dir=work_dir,
                       budget=sync_words, exchange_dir=exchange, rule=settings["merge_rule"],
                       hot_rows=rounds.HOT_ROWS, parts=parts, job_tokens=job_tokens)
    if fresh:  # change files of an earlier job in this directory are not this one's
        _remove_rounds(plan.rounds_dir)
    os.makedirs(plan.rounds_dir, exist_ok=True)
    setup_seconds = time.perf_counter() - started
    bar = _Progress(plan.train_words * epochs, progress, epochs)
    done_before = standing["epoch"] * plan.train_words + sum(c.words for c in standing["cursors"])
    if done_before:  # a resumed job
        bar.update(done_before, alpha, float("nan"), standing["epoch"])
    finished = False
    try:
        standing, syn0, cost = _run_rounds(client, plan, on_round, bar)
        finished = True
        if bar.bar is not None:  # rounds whose files went before the bar read them
            bar.update(bar.bar.total - bar.bar.n, min_alpha, standing["epoch_losses"][-1],
                       epochs - 1)
    finally:
        bar.close()
        # a stopped job keeps its rounds on disk for a resumed run; in shared memory they
        # would hold the machine's memory (a resumed run trains them again)
        if finished or exchange is not None:
            _remove_rounds(plan.rounds_dir)
    wall = time.perf_counter() - started
    vectors = WordVectors(words, syn0, counts=counts, pruned=pruned, min_count=min_count)
    losses = standing["epoch_losses"]
    vectors.stats = TrainingStats(
        corpus_tokens=totals["tokens"], lines=totals["lines"], vocab_size=len(words),
        distinct_words=totals["distinct"], train_words=int(counts.sum()), epochs=epochs,
        seconds=wall, encode_seconds=setup_seconds,
        words_per_second=totals["tokens"] * epochs / wall if wall > 0 else float("inf"),
        loss=losses[-1] if losses else float("nan"), epoch_losses=losses,
        threads=sum(_worker_threads(client)[:len(paths)]),
        seed=seed, replaced_bytes=totals["replaced"], streams=len(paths),
        rounds=standing["round"], sync_seconds=cost["sync"],
        sync_share=cost["sync"] / wall if wall > 0 else 0.0,
        bytes_per_round=cost["bytes"] / max(cost["rounds"], 1),
        stream_restarts=cost["restarts"])
    return vectors


def _remove_rounds(folder):
    """Delete the rounds' directory: renamed first, so that a stream still finishing
    its round (until it sees the job stopped) cannot put a file back in it."""
    trash = f"{folder}.removing-{uuid.uuid4().hex}"
    try:
        os.rename(folder, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def _worker_threads(client):
    """The threads of each worker, in address order (stream s runs on the s-th, as
    :func:`_run_rounds` places them)."""
    workers = client.scheduler_info()["workers"]
    return [int(workers[a].get("nthreads", 1)) for a in sorted(workers)]


def _run_rounds(client, plan, on_round, bar):
    """Run the streams' tasks to the job's end; returns (the final progress, syn0, the
    cost of synchronising): ``sync``, the seconds of the rounds' wall time in which
    the slowest stream was not training (finding the changed rows, change files,
    merging, waiting); ``bytes``, the change files' bytes each read by the other
    streams; ``rounds``, the rounds run; ``restarts``, the streams' tasks run again
    (after their worker died, or those of an earlier run of the job).
    ``on_round(number)`` is called as each round starts (as seen from its files);
    ``bar`` (:class:`_Progress`) counts the rounds' words."""
    addresses = sorted(client.scheduler_info()["workers"])
    n = len(plan.streams)
    began = time.perf_counter()
    # the plan goes with each task, not scattered: data scattered to the workers can be
    # lost with one of them, and the task with it
    futures = [client.submit(rounds.train_stream, plan, s,
                             workers=[addresses[s % len(addresses)]], allow_other_workers=True,
                             retries=3, pure=False) for s in range(n)]
    try:
        seen = None
        while not all(f.status == "finished" for f in futures):
            for future in futures:
                if future.status in ("error", "cancelled"):
                    future.result()  # raises what stopped it
            seen = _report_rounds(plan, seen, on_round, bar)
            time.sleep(0.02)
        results = client.gather(futures)
        _report_rounds(plan, seen, on_round, bar)
    finally:
        rounds.claim(plan.work_dir, "stopped")  # streams still running stop
        client.cancel(futures)
    wall = time.perf_counter() - began
    slowest = {}  # per round, the slowest stream's training
    for result in results:
        for number, seconds in result["train_seconds"]:
            slowest[number] = max(slowest.get(number, 0.0), seconds)
    sent = sum(sum(r["bytes"]) for r in results) * (n - 1)
    started = [name for name in os.listdir(plan.rounds_dir) if name.startswith(rounds.STARTED)]
    leader = results[0]
    return leader["progress"], leader["syn0"], {
        "sync": max(0.0, wall - sum(slowest.values())), "bytes": sent,
        "rounds": leader["progress"]["round"] - leader["first_round"],
        "restarts": len(started) - n}


def _exchange_dir(client, work_dir, state_bytes, shared_memory="/dev/shm"):
    """Where the streams exchange their change files: when every worker sees this
    machine's shared memory (a LocalCluster, or workers all on this machine) and it
    holds what a job keeps there, a directory in it named after ``work_dir`` (so
    a resumed job finds it); else ``work_dir``/rounds. Change files live for a few
    rounds only: in memory they are never written out to a disk."""
    needed = (rounds.CHECKPOINT_SIZES + 2 * len(client.scheduler_info()["workers"]) + 2) \
        * state_bytes
    try:
        if shutil.disk_usage(shared_memory).free < needed:
            return None
        name = hashlib.sha1(os.path.abspath(work_dir).encode()).hexdigest()[:16]
        folder = os.path.join(shared_memory, f"textembed-rounds-{name}")
        os.makedirs(folder, exist_ok=True)
        probe = os.path.join(folder, f"probe-{uuid.uuid4().hex}")
        open(probe, "wb").close()
    except OSError:
        return None
    try:
        seen = client.run(os.path.exists, probe)
    finally:
        os.remove(probe)
    if seen and all(seen.values()):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    return None


def _report_rounds(plan, seen, on_round, bar):
    """Call ``on_round`` and move ``bar`` on for the rounds begun since ``seen`` (the
    last reported, None at first); returns the last one now."""
    try:
        names = os.listdir(plan.rounds_dir)
    except FileNotFoundError:
        names = []
    files = {}
    for name in names:
        number = rounds.round_of(name)
        if number is not None:
            files.setdefault(number, []).append(name)
    n = len(plan.streams)
    latest = max([r + 1 for r, found in files.items() if len(found) == n], default=0)
    first = latest if seen is None else seen + 1
    for number in range(first, latest + 1):
        if number > 0 and bar.bar is not None:
            _count_round(plan, number - 1, bar)
        if on_round is not None:
            on_round(number)
    return latest


def _count_round(plan, number, bar):
    """Move ``bar`` on by the words of round ``number`` (its files may be gone already:
    stream 0 deletes them after a checkpoint)."""
    words, loss, pairs = 0, 0.0, 0
    try:
        for stream in range(len(plan.streams)):
            report = rounds.read_changes(plan.changes_path(number, stream))[0]
            if report is not None:
                words += report["words"]
                loss += report["loss_sum"]
                pairs += report["pairs"]
    except (FileNotFoundError, rounds.RoundsError):
        return
    bar.update(words, plan.rate(bar.bar.n + words), loss / max(pairs, 1),
               min(int(bar.bar.n // max(plan.train_words, 1)), plan.epochs - 1))


def _balanced(sizes, n):
    """``n`` runs of consecutive indices of ``sizes`` with about equal sums."""
    total = float(sum(sizes)) or 1.0
    ends = np.cumsum(sizes) / total
    groups, start = [], 0
    for k in range(1, n + 1):
        stop = len(sizes) if k == n else int(np.searchsorted(ends, k / n, side="left")) + 1
        stop = min(max(stop, start + 1), len(sizes) - (n - k))
        groups.append(list(range(start, stop)))
        start = stop
    return [g for g in groups if g]


def _read_plan(path, settings):
    try:
        with open(path, encoding="utf-8") as f:
            saved = json.load(f)
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a textembed training checkpoint ({error})") from None
    changed = [k for k in _SETTINGS if saved.get(k) != settings[k]]
    if changed:
        raise InputError(f"{path}: the checkpoint was made with other settings ("
                         + ", ".join(f"{k} {saved.get(k)!r}, now {settings[k]!r}"
                                     for k in changed[:3])
                         + "): resume with the same ones, or start in another directory")
    return saved


def _read_progress(path, n_streams):
    try:
        progress = rounds.read_state(path, weights=False)[0]
    except (OSError, IndexError, ValueError) as error:
        raise InputError(f"{path}: not a readable training state ({error})") from None
    if len(progress["cursors"]) != n_streams:
        raise InputError(f"{path}: not a readable training state ({len(progress['cursors'])}"
                         f" streams, the plan has {n_streams})")
    return progress
