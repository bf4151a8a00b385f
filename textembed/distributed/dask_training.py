"""Skip-gram on a Dask cluster: the corpus encoded into shards, then synchronous
rounds (:mod:`.rounds`), with a checkpoint after every round.

Everything the job needs lives in its working directory (``work_dir``, which
every worker must reach: local for a LocalCluster, a shared file system across
machines): the shards of word ids, ``plan.json`` (settings, vocabulary, the
streams) and ``state.npz`` (both weight matrices, the round, the epoch and each
stream's cursor, the losses so far), rewritten atomically at the start of every
round, while the round trains.
Workers that lack their replica read the weights from ``state.npz``; a run
started again with ``resume=True`` on the same directory continues from the
last round (after a lost client or a whole-cluster failure) and ends as the
uninterrupted run would have.
"""
import json
import os
import threading
import time

import numpy as np

from .._defaults import SKIPGRAM_DEFAULTS as _SG
from ..io import InputError
from . import dask_driver, inputs, rounds

SYNC_WORDS = 2_000_000  # words each stream trains between two merges
# Each row its start plus the streams' changes summed and divided by the square root of
# how many streams changed it. Measured (scripts/bench_distributed.py, 2 workers with
# equal streams, 2M words a round; WS353, SimLex-999, analogies): this 0.611, 0.368,
# 0.185; the average of the values ("mean") 0.571, 0.355, 0.182; the plain sum of the
# changes ("sum", which overshoots at this staleness) 0.543, 0.320, 0.118; one process
# 0.633, 0.398, 0.197.
MERGE_RULE = "sqrt"
_SETTINGS = ("dim", "window", "negative", "min_count", "sample", "epochs", "alpha",
             "min_alpha", "seed", "max_vocab", "sync_words", "tokenizer", "lower")


def train_skipgram(client, input_urls, work_dir, dim=_SG["dim"], window=_SG["window"],
                   negative=_SG["negative"], min_count=_SG["min_count"], sample=_SG["sample"],
                   epochs=_SG["epochs"], alpha=_SG["alpha"], min_alpha=_SG["min_alpha"], seed=1,
                   max_vocab=None, streams=None, sync_words=SYNC_WORDS, encoding="utf-8",
                   tokenizer="keras", lower=True, block_bytes=None, resume=False,
                   on_round=None):
    """Skip-gram vectors trained on the cluster; returns a WordVectors whose ``stats``
    also say what the rounds cost (``rounds``, ``sync_seconds``, ``sync_share``,
    ``bytes_per_round``). ``streams``: how many train at once (default: one per
    worker); ``block_bytes``: the size of the corpus's partitions (default: the
    corpus cut in four per worker, at most :data:`.inputs.BLOCK_BYTES`);
    ``on_round(number)``: called before each round is sent out."""
    from ..word2vec.training import TrainingStats, initial_weights
    from ..word2vec.vectors import WordVectors

    started = time.perf_counter()
    settings = {"dim": dim, "window": window, "negative": negative, "min_count": min_count,
                "sample": sample, "epochs": epochs, "alpha": alpha, "min_alpha": min_alpha,
                "seed": seed, "max_vocab": max_vocab, "sync_words": sync_words,
                "tokenizer": tokenizer, "lower": lower}
    os.makedirs(work_dir, exist_ok=True)
    plan_path = os.path.join(work_dir, "plan.json")
    state_path = os.path.join(work_dir, "state.npz")
    if resume and os.path.exists(plan_path):
        saved = _read_plan(plan_path, settings)
        words, counts = saved["words"], np.array(saved["counts"], np.int64)
        paths = tuple(tuple(os.path.join(work_dir, n) for n in names)
                      for names in saved["streams"])
        stream_words, totals = tuple(saved["stream_words"]), saved["totals"]
        progress = _read_state(state_path, len(paths))
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
        stream_words = tuple(client.gather(client.map(rounds.stream_words, paths,
                                                      pure=False)))
        totals = {"tokens": merged.tokens, "lines": merged.lines,
                  "distinct": len(merged.words), "replaced": merged.replaced}
        _write_json(plan_path, {**settings, "words": words, "counts": counts.tolist(),
                                "streams": [[os.path.basename(p) for p in group]
                                            for group in paths],
                                "stream_words": list(stream_words), "totals": totals})
        syn0, syn1 = initial_weights(len(words), dim, seed)
        progress = {"round": 0, "epoch": 0, "cursors": [rounds.Cursor()] * len(paths),
                    "epoch_loss": 0.0, "epoch_pairs": 0, "epoch_losses": [],
                    "syn0": syn0, "syn1": syn1}
    plan = rounds.Plan(key=f"{os.path.abspath(work_dir)}:{seed}", streams=paths,
                       stream_words=stream_words, counts=counts, dim=dim, window=window,
                       negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha,
                       epochs=epochs, seed=seed, snapshot=state_path)
    setup_seconds = time.perf_counter() - started
    seconds = _run_rounds(client, plan, progress, sync_words, state_path, on_round)
    wall = time.perf_counter() - started
    vectors = WordVectors(words, progress["syn0"], counts=counts, pruned=pruned,
                          min_count=min_count)
    losses = progress["epoch_losses"]
    vectors.stats = TrainingStats(
        corpus_tokens=totals["tokens"], lines=totals["lines"], vocab_size=len(words),
        distinct_words=totals["distinct"], train_words=int(counts.sum()), epochs=epochs,
        seconds=wall, encode_seconds=setup_seconds,
        words_per_second=totals["tokens"] * epochs / wall if wall > 0 else float("inf"),
        loss=losses[-1] if losses else float("nan"), epoch_losses=losses, threads=1,
        seed=seed, replaced_bytes=totals["replaced"], streams=len(paths),
        rounds=progress["round"], sync_seconds=seconds["sync"],
        sync_share=seconds["sync"] / wall if wall > 0 else 0.0,
        bytes_per_round=seconds["bytes"] / max(seconds["rounds"], 1))
    return vectors


def _run_rounds(client, plan, progress, sync_words, state_path, on_round):
    """Run the rounds left in ``progress`` (updated in place); returns the time spent
    synchronising, the bytes sent and the rounds run."""
    addresses = sorted(client.scheduler_info()["workers"])
    plan_future = dask_driver.share(client, plan)
    syn0, syn1 = progress["syn0"], progress["syn1"]
    n = len(plan.streams)
    sync, sent, ran, updates = 0.0, 0, 0, None
    while progress["epoch"] < plan.epochs:
        cursors = progress["cursors"]
        if all(c.done for c in cursors):
            progress["epoch_losses"].append(progress["epoch_loss"]
                                            / max(progress["epoch_pairs"], 1))
            progress.update(epoch=progress["epoch"] + 1, cursors=[rounds.Cursor()] * n,
                            epoch_loss=0.0, epoch_pairs=0)
            continue
        tick = time.perf_counter()
        # the state at the round's start is written while the round trains (the weights
        # do not change until the merge, which waits for the writer)
        writer = threading.Thread(target=_write_state, args=(state_path, dict(progress)))
        writer.start()
        update_future = None if updates is None else dask_driver.share(client, updates)
        sync += time.perf_counter() - tick
        if on_round is not None:
            try:
                on_round(progress["round"])
            except BaseException:
                writer.join()
                raise
        active = [s for s in range(n) if not cursors[s].done]
        futures = [client.submit(rounds.train_round, plan_future, s, progress["epoch"],
                                 cursors[s], sync_words, progress["round"], update_future,
                                 workers=[addresses[s % len(addresses)]],
                                 allow_other_workers=True, retries=3, pure=False)
                   for s in active]
        try:
            results = client.gather(futures)
        finally:
            tick = time.perf_counter()
            writer.join()
        cursors = list(cursors)
        for result in results:
            cursors[result.stream] = result.cursor
            progress["epoch_loss"] += result.loss_sum
            progress["epoch_pairs"] += result.pairs
            sent += sum(a.nbytes for a in (result.rows0, result.values0, result.rows1,
                                           result.values1))
        updates = rounds.merge_changes(results, syn0, syn1, MERGE_RULE)
        sent += sum(a.nbytes for a in updates) * len(active)
        progress.update(cursors=cursors, round=progress["round"] + 1)
        sync += time.perf_counter() - tick
        ran += 1
    _write_state(state_path, progress)
    return {"sync": sync, "bytes": sent, "rounds": ran}


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


def _write_json(path, content):
    temporary = path + ".writing"
    with open(temporary, "w", encoding="utf-8") as f:
        json.dump(content, f)
    os.replace(temporary, path)


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


def _write_state(path, progress):
    """The weights, round, epoch, cursors and losses, atomically (also the snapshot
    workers read)."""
    cursors = np.array([[c.start, c.read, c.job, c.jobs, c.words, c.done]
                        for c in progress["cursors"]], np.int64)
    temporary = path + ".writing.npz"
    np.savez(temporary, round=np.int64(progress["round"]), epoch=np.int64(progress["epoch"]),
             cursors=cursors, epoch_loss=np.float64(progress["epoch_loss"]),
             epoch_pairs=np.int64(progress["epoch_pairs"]),
             epoch_losses=np.array(progress["epoch_losses"], np.float64),
             syn0=progress["syn0"], syn1=progress["syn1"])
    os.replace(temporary, path)


def _read_state(path, n_streams):
    try:
        with np.load(path) as saved:
            cursors = [rounds.Cursor(*map(int, row[:5]), bool(row[5]))
                       for row in saved["cursors"]]
            if len(cursors) != n_streams:
                raise ValueError(f"{len(cursors)} streams, the plan has {n_streams}")
            return {"round": int(saved["round"]), "epoch": int(saved["epoch"]),
                    "cursors": cursors, "epoch_loss": float(saved["epoch_loss"]),
                    "epoch_pairs": int(saved["epoch_pairs"]),
                    "epoch_losses": saved["epoch_losses"].tolist(),
                    "syn0": saved["syn0"].copy(), "syn1": saved["syn1"].copy()}
    except (OSError, KeyError, ValueError) as error:
        raise InputError(f"{path}: not a readable training state ({error})") from None

