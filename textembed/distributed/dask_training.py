"""Skip-gram on a Dask cluster: the corpus encoded into shards, then synchronous
rounds (:mod:`.rounds`), with a checkpoint after every round.

Everything the job needs lives in its working directory (``work_dir``, which
every worker must reach: local for a LocalCluster, a shared file system across
machines): the shards of word ids, ``plan.json`` (settings, vocabulary, the
streams), the rounds' change files (``rounds/``, the rows each stream changed,
read by the other workers) and ``state.bin`` (both weight matrices, the round,
the epoch and each stream's cursor, the losses so far), rewritten atomically
by a worker at the start of every round, while the round trains. The weights
never pass through the driver until the end.
Workers that lack their replica start from ``state.bin``; a run started again
with ``resume=True`` on the same directory continues from the last round
(after a lost client or a whole-cluster failure) and ends as the uninterrupted
run would have.
"""
import json
import os
import time
import uuid

import numpy as np

from .._defaults import SKIPGRAM_DEFAULTS as _SG
from ..io import InputError
from . import dask_driver, inputs, rounds

# Words each stream trains between two merges, and how the changes merge: summed, as
# the threads of one process add theirs to one matrix, which the rounds approach as
# they shrink. Measured on the benchmark corpus (2 streams, 5 epochs, seed 1; WS353,
# SimLex-999, analogies; one process with 2 threads: 0.645, 0.398, 0.195):
#   250k words, sum: 0.650, 0.381, 0.193    250k, sqrt: 0.627, 0.367, 0.189
#   350k words, sum: 0.642, 0.374, 0.196    500k, sum: 0.630, 0.359, 0.176
#   1M words, sum: 0.612, 0.372, 0.182      1M, sqrt: 0.614, 0.369, 0.199
#   2M words, sqrt: 0.611, 0.368, 0.185     2M, mean: 0.571, 0.355, 0.182
# Larger rounds cost less synchronising but drift further from the one-process run.
SYNC_WORDS = 250_000
MERGE_RULE = "sum"
_SETTINGS = ("dim", "window", "negative", "min_count", "sample", "epochs", "alpha",
             "min_alpha", "seed", "max_vocab", "sync_words", "tokenizer", "lower", "merge_rule")


def train_skipgram(client, input_urls, work_dir, dim=_SG["dim"], window=_SG["window"],
                   negative=_SG["negative"], min_count=_SG["min_count"], sample=_SG["sample"],
                   epochs=_SG["epochs"], alpha=_SG["alpha"], min_alpha=_SG["min_alpha"], seed=1,
                   max_vocab=None, streams=None, sync_words=SYNC_WORDS, encoding="utf-8",
                   tokenizer="keras", lower=True, block_bytes=None, resume=False,
                   on_round=None, merge_rule=None):
    """Skip-gram vectors trained on the cluster; returns a WordVectors whose ``stats``
    also say what the rounds cost (``rounds``, ``sync_seconds``, ``sync_share``,
    ``bytes_per_round``). ``streams``: how many train at once (default: one per
    worker); ``block_bytes``: the size of the corpus's partitions (default: the
    corpus cut in four per worker, at most :data:`.inputs.BLOCK_BYTES`);
    ``on_round(number)``: called before each round is sent out; ``merge_rule``: how
    the streams' changes merge (default :data:`MERGE_RULE`, see
    :func:`.rounds.merge_changes`)."""
    from ..word2vec.training import TrainingStats, initial_weights
    from ..word2vec.vectors import WordVectors

    started = time.perf_counter()
    settings = {"dim": dim, "window": window, "negative": negative, "min_count": min_count,
                "sample": sample, "epochs": epochs, "alpha": alpha, "min_alpha": min_alpha,
                "seed": seed, "max_vocab": max_vocab, "sync_words": sync_words,
                "tokenizer": tokenizer, "lower": lower, "merge_rule": merge_rule or MERGE_RULE}
    os.makedirs(work_dir, exist_ok=True)
    plan_path = os.path.join(work_dir, "plan.json")
    state_path = os.path.join(work_dir, rounds.STATE_FILE)
    if resume and os.path.exists(plan_path):
        saved = _read_plan(plan_path, settings)
        words, counts = saved["words"], np.array(saved["counts"], np.int64)
        paths = tuple(tuple(os.path.join(work_dir, n) for n in names)
                      for names in saved["streams"])
        stream_words, totals = tuple(saved["stream_words"]), saved["totals"]
        progress = _read_progress(state_path, len(paths))
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
        progress = {"round": 0, "epoch": 0, "cursors": [rounds.Cursor()] * len(paths),
                    "epoch_loss": 0.0, "epoch_pairs": 0, "epoch_losses": []}
        rounds.write_state(state_path, progress, *initial_weights(len(words), dim, seed))
    # a key of this run alone: replicas left in the workers by another run are never used
    plan = rounds.Plan(key=f"{os.path.abspath(work_dir)}:{uuid.uuid4().hex}", streams=paths,
                       stream_words=stream_words, counts=counts, dim=dim, window=window,
                       negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha,
                       epochs=epochs, seed=seed, work_dir=work_dir, rule=settings["merge_rule"])
    setup_seconds = time.perf_counter() - started
    try:
        syn0, cost = _run_rounds(client, plan, progress, sync_words, on_round)
    finally:
        client.run(rounds.forget, plan.key)
    wall = time.perf_counter() - started
    vectors = WordVectors(words, syn0, counts=counts, pruned=pruned, min_count=min_count)
    losses = progress["epoch_losses"]
    vectors.stats = TrainingStats(
        corpus_tokens=totals["tokens"], lines=totals["lines"], vocab_size=len(words),
        distinct_words=totals["distinct"], train_words=int(counts.sum()), epochs=epochs,
        seconds=wall, encode_seconds=setup_seconds,
        words_per_second=totals["tokens"] * epochs / wall if wall > 0 else float("inf"),
        loss=losses[-1] if losses else float("nan"), epoch_losses=losses, threads=1,
        seed=seed, replaced_bytes=totals["replaced"], streams=len(paths),
        rounds=progress["round"], sync_seconds=cost["sync"],
        sync_share=cost["sync"] / wall if wall > 0 else 0.0,
        bytes_per_round=cost["bytes"] / max(cost["rounds"], 1))
    return vectors


def _run_rounds(client, plan, progress, sync_words, on_round):
    """Run the rounds left in ``progress`` (updated in place); returns the final syn0
    and what synchronising cost: ``sync``, the seconds of the rounds' wall time
    in which the slowest stream was not training (merging, diffing, files,
    scheduling), ``bytes``, the change files' bytes each read by the other streams,
    and ``rounds``, the rounds run."""
    addresses = sorted(client.scheduler_info()["workers"])
    plan_future = dask_driver.share(client, plan)
    n = len(plan.streams)
    began = time.perf_counter()
    training, sent, ran, last = 0.0, 0, 0, None
    while progress["epoch"] < plan.epochs:
        cursors = progress["cursors"]
        if all(c.done for c in cursors):
            progress["epoch_losses"].append(progress["epoch_loss"]
                                            / max(progress["epoch_pairs"], 1))
            progress.update(epoch=progress["epoch"] + 1, cursors=[rounds.Cursor()] * n,
                            epoch_loss=0.0, epoch_pairs=0)
            continue
        if on_round is not None:
            on_round(progress["round"])
        active = [s for s in range(n) if not cursors[s].done]
        futures = [client.submit(rounds.train_round, plan_future, s, progress["epoch"],
                                 cursors[s], sync_words, progress["round"], last,
                                 dict(progress) if s == active[0] else None,
                                 workers=[addresses[s % len(addresses)]],
                                 allow_other_workers=True, retries=3, pure=False)
                   for s in active]
        results = client.gather(futures)
        cursors = list(cursors)
        for result in results:
            cursors[result.stream] = result.cursor
            progress["epoch_loss"] += result.loss_sum
            progress["epoch_pairs"] += result.pairs
            sent += result.bytes * (len(active) - 1)
        training += max(result.train_seconds for result in results)
        if last is not None:  # the checkpoint is now of this round: the last files are done
            _remove_changes(plan, progress["round"] - 1, last)
        progress.update(cursors=cursors, round=progress["round"] + 1)
        last = tuple(active)
        ran += 1
    syn0 = client.submit(rounds.finish, plan_future, progress["round"], last, dict(progress),
                         workers=addresses[:1], allow_other_workers=True, retries=3,
                         pure=False).result()
    if last is not None:
        _remove_changes(plan, progress["round"] - 1, last)
    sync = max(0.0, time.perf_counter() - began - training)
    return syn0, {"sync": sync, "bytes": sent, "rounds": ran}


def _remove_changes(plan, round_number, streams):
    """Delete the change files of ``streams`` in ``round_number`` (gone already is fine)."""
    for stream in streams:
        try:
            os.remove(plan.changes_path(round_number, stream))
        except FileNotFoundError:
            pass


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


def _read_progress(path, n_streams):
    try:
        progress = rounds.read_state(path, weights=False)[0]
    except (OSError, IndexError, ValueError) as error:
        raise InputError(f"{path}: not a readable training state ({error})") from None
    if len(progress["cursors"]) != n_streams:
        raise InputError(f"{path}: not a readable training state ({len(progress['cursors'])}"
                         f" streams, the plan has {n_streams})")
    return progress
