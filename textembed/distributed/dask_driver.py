"""The Dask driver: a client, the workers' checks, and the jobs as Dask tasks.

:func:`connect` gives a client of an existing scheduler (``tcp://HOST:PORT``) or
of a LocalCluster of N worker processes; :func:`check_workers` makes sure every
worker runs this textembed and numba and warms their kernel caches one worker
at a time (numba's cache is not safe against concurrent compiles of the same
kernel). The jobs: :func:`vocab` (Keras word counts) and :func:`predict`
(batch prediction to part files). The work of each task is in
:mod:`.partitions`.
"""
import contextlib
import logging
import os
import shutil
import tempfile

from .._defaults import SKIPGRAM_DEFAULTS as _SG
from ..io import InputError
from . import inputs, partitions


def _dask():
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'textembed[dask]'") from None
    return distributed


@contextlib.contextmanager
def connect(scheduler=None, workers=None, threads_per_worker=1):
    """A Dask client: of ``scheduler`` when given, else of a LocalCluster of ``workers``
    processes (default: one per core) with ``threads_per_worker`` threads each."""
    distributed = _dask()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as error:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {error}") \
                from None
        with client:
            yield client
        return
    n = workers or os.cpu_count() or 1
    with distributed.LocalCluster(n_workers=n, threads_per_worker=threads_per_worker,
                                  processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client:
        yield client


def _versions():
    import numba

    from .. import __version__
    return __version__, numba.__version__


def _warm():
    """Compile (or load from the cache) the kernels the jobs use."""
    from ..byte_batch import ByteBatch, separator_bytes
    ByteBatch(["warm up"], separator_bytes(" ", " "), True).count_words()
    return True


def check_workers(client):
    """InputError unless every worker runs this textembed and numba; then warm each
    worker's kernels, one worker at a time."""
    mine = _versions()
    theirs = client.run(_versions)
    if not theirs:
        raise InputError("the Dask cluster has no worker")
    for address, versions in sorted(theirs.items()):
        if tuple(versions) != mine:
            raise InputError(f"the Dask worker {address} runs textembed {versions[0]} with "
                             f"numba {versions[1]}, this machine textembed {mine[0]} with "
                             f"numba {mine[1]}: install the same versions on every machine")
    for address in sorted(theirs):
        client.run(_warm, workers=[address])
    return len(theirs)


def _tree(client, futures, merge):
    """Merge ``futures`` pairwise, in order, until one is left."""
    while len(futures) > 1:
        paired = [client.submit(merge, a, b, pure=False)
                  for a, b in zip(futures[::2], futures[1::2])]
        if len(futures) % 2:
            paired.append(futures[-1])
        futures = paired
    return futures[0]


def vocab(client, input_urls, encoding, tokenizer_config, block_bytes=inputs.BLOCK_BYTES):
    """The :class:`.partitions.WordCounts` of the inputs, counted on the cluster."""
    parts = inputs.partitions(input_urls, block_bytes)
    counted = client.map(partitions.count_words, parts, encoding=encoding,
                         tokenizer_config=tokenizer_config, pure=False)
    return _tree(client, counted, partitions.merge_word_counts).result()


def encode(client, input_urls, scratch, encoding="utf-8", tokenizer="keras", lower=True,
           min_count=5, max_vocab=None, block_bytes=inputs.BLOCK_BYTES):
    """Encode the inputs into shards of final word ids under ``scratch`` (a directory
    every worker can write and read: local for a LocalCluster, shared across
    machines). Returns (Vocabulary, list of Shard in input order, merged Counts):
    the vocabulary is the single-process one (same words, counts, order, ids)."""
    from ..word2vec.vocab import Vocabulary
    parts = inputs.partitions(input_urls, block_bytes)
    if not parts:
        raise InputError("no input file")
    paths = [os.path.join(scratch, f"shard-{i:05d}.ids") for i in range(len(parts))]
    shards = client.map(partitions.encode_shard, parts, paths, encoding=encoding,
                        tokenizer=tokenizer, lower=lower, pure=False)
    counts = client.map(partitions.shard_counts, shards, pure=False)
    merged = _tree(client, counts, partitions.merge_counts).result()
    vocab = Vocabulary(merged.words, merged.counts, min_count, max_vocab)
    final_ids = client.scatter({w: i for i, w in enumerate(vocab.words)}, broadcast=True)
    client.gather(client.map(partitions.remap_shard, shards, final_ids=final_ids, pure=False))
    return vocab, client.gather(shards), merged


SYNC_WORDS = 2_000_000  # words each stream trains between two merges


def train_skipgram(client, input_urls, scratch, dim=_SG["dim"], window=_SG["window"],
                   negative=_SG["negative"], min_count=_SG["min_count"], sample=_SG["sample"],
                   epochs=_SG["epochs"], alpha=_SG["alpha"], min_alpha=_SG["min_alpha"], seed=1,
                   max_vocab=None, streams=None, sync_words=SYNC_WORDS, encoding="utf-8",
                   tokenizer="keras", lower=True, block_bytes=inputs.BLOCK_BYTES):
    """Skip-gram vectors trained on the cluster in synchronous rounds (see
    :mod:`.rounds`). ``scratch``: a directory every worker reaches (shards and the
    weights snapshot); ``streams``: how many streams train at once (default: one per
    worker). Returns a WordVectors whose ``stats`` say what the rounds cost."""
    import time

    import numpy as np

    from ..word2vec.training import TrainingStats, initial_weights
    from ..word2vec.vectors import WordVectors
    from . import rounds

    started = time.perf_counter()
    vocab, shards, merged = encode(client, input_urls, scratch, encoding, tokenizer, lower,
                                   min_count, max_vocab, block_bytes)
    if len(vocab) < 2:
        raise InputError(f"only {len(vocab)} distinct word(s) occur at least min_count="
                         f"{min_count} times in the corpus; lower min_count or give more text")
    addresses = sorted(client.scheduler_info()["workers"])
    n = max(1, min(streams or len(addresses), len(shards)))
    groups = _balanced([int(s.tokens) for s in shards], n)
    paths = tuple(tuple(shards[i].path for i in group) for group in groups)
    words = tuple(client.gather(client.map(rounds.stream_words, paths, pure=False)))
    snapshot = os.path.join(scratch, "weights.npz")
    plan = rounds.Plan(key=f"{os.path.abspath(scratch)}:{seed}", streams=paths,
                       stream_words=words, counts=vocab.counts, dim=dim, window=window,
                       negative=negative, sample=sample, alpha=alpha, min_alpha=min_alpha,
                       epochs=epochs, seed=seed, snapshot=snapshot)
    syn0, syn1 = initial_weights(len(vocab), dim, seed)
    plan_future = client.scatter(plan, broadcast=True)
    encode_seconds = time.perf_counter() - started
    sync_seconds, sent, round_number, loss_sum, pairs, updates = 0.0, 0, 0, 0.0, 0, None
    epoch_losses = []
    for epoch in range(epochs):
        cursors = [rounds.Cursor() for _ in range(n)]
        epoch_loss, epoch_pairs = 0.0, 0
        while not all(c.done for c in cursors):
            tick = time.perf_counter()
            _write_snapshot(snapshot, round_number, syn0, syn1)
            update_future = None if updates is None else client.scatter(updates, broadcast=True)
            sync_seconds += time.perf_counter() - tick
            active = [s for s in range(n) if not cursors[s].done]
            futures = [client.submit(rounds.train_round, plan_future, s, epoch, cursors[s],
                                     sync_words, round_number, update_future,
                                     workers=[addresses[s % len(addresses)]],
                                     allow_other_workers=True, retries=3, pure=False)
                       for s in active]
            results = client.gather(futures)
            tick = time.perf_counter()
            for result in results:
                cursors[result.stream] = result.cursor
                epoch_loss += result.loss_sum
                epoch_pairs += result.pairs
                sent += sum(a.nbytes for a in (result.rows0, result.values0, result.rows1,
                                               result.values1))
            updates = rounds.merge_changes(results, syn0, syn1)
            sent += sum(a.nbytes for a in updates) * len(active)
            sync_seconds += time.perf_counter() - tick
            round_number += 1
        epoch_losses.append(epoch_loss / max(epoch_pairs, 1))
        loss_sum, pairs = loss_sum + epoch_loss, pairs + epoch_pairs
    wall = time.perf_counter() - started
    vectors = WordVectors(vocab.words, syn0, counts=vocab.counts, pruned=vocab.pruned,
                          min_count=min_count)
    vectors.stats = TrainingStats(
        corpus_tokens=merged.tokens, lines=merged.lines, vocab_size=len(vocab),
        distinct_words=len(merged.words), train_words=vocab.train_words, epochs=epochs,
        seconds=wall, encode_seconds=encode_seconds,
        words_per_second=merged.tokens * epochs / wall if wall > 0 else float("inf"),
        loss=epoch_losses[-1], epoch_losses=epoch_losses, threads=1, seed=seed,
        replaced_bytes=merged.replaced, streams=n, rounds=round_number,
        sync_seconds=sync_seconds, sync_share=sync_seconds / wall if wall > 0 else 0.0,
        bytes_per_round=sent / max(round_number, 1))
    return vectors


def _balanced(sizes, n):
    """``n`` runs of consecutive indices of ``sizes`` with about equal sums."""
    import numpy as np
    total = float(sum(sizes)) or 1.0
    ends = np.cumsum(sizes) / total
    groups, start = [], 0
    for k in range(1, n + 1):
        stop = len(sizes) if k == n else max(start + 1, int(np.searchsorted(ends, k / n,
                                                                           side="left")) + 1)
        stop = min(stop, len(sizes) - (n - k))
        groups.append(list(range(start, stop)))
        start = stop
    return [g for g in groups if g]


def _write_snapshot(path, round_number, syn0, syn1):
    """The weights at the start of a round, for workers without a replica (atomic)."""
    import numpy as np
    temporary = path + ".writing.npz"
    np.savez(temporary, round=np.int64(round_number), syn0=syn0, syn1=syn1)
    os.replace(temporary, path)


def predict(client, model_dir, input_urls, out_dir, encoding="utf-8", k=1, threshold=None,
            proba=False, block_bytes=inputs.BLOCK_BYTES, force=False):
    """Classify every line of the inputs into ``out_dir``/part-NNNNN, one part per
    partition, in order: their concatenation is what local predict writes for the
    concatenated inputs. A local ``out_dir`` appears whole or not at all. Returns
    (lines, replaced bytes, parts)."""
    parts = inputs.partitions(input_urls, block_bytes)
    if not parts:
        raise InputError("no input file")
    model = client.scatter(partitions.model_files(model_dir), broadcast=True)
    with _staging(out_dir, force) as staging:
        done = client.map(partitions.predict_partition, parts, range(len(parts)),
                          model=model, out_dir=staging, encoding=encoding, k=k,
                          threshold=threshold, proba=proba, pure=False)
        results = client.gather(done)
    return sum(n for n, _ in results), sum(r for _, r in results), len(parts)


def check_output_dir(out_dir, force=False):
    """InputError when a local output directory exists (without ``force``) or its
    parent does not; returns the local path (URLs are not checked)."""
    out_dir = str(out_dir)
    if "://" in out_dir and not out_dir.startswith("file://"):
        return out_dir
    out_dir = out_dir.removeprefix("file://")
    parent = os.path.dirname(os.path.abspath(out_dir))
    if os.path.exists(out_dir) and not force:
        raise InputError(f"{out_dir} exists: give --force to replace it, or another -o")
    if not os.path.isdir(parent):
        raise InputError(f"{parent} does not exist: create it first")
    return out_dir


@contextlib.contextmanager
def _staging(out_dir, force):
    """Where the parts are written: for a local ``out_dir`` a temporary directory beside
    it, renamed to ``out_dir`` when every part is there (removed on failure); for a
    URL the directory itself, with an empty ``_SUCCESS`` marker written last."""
    out_dir = str(out_dir)
    if "://" in out_dir and not out_dir.startswith("file://"):
        import fsspec
        fs, root = fsspec.core.url_to_fs(out_dir)
        fs.makedirs(root, exist_ok=True)
        yield out_dir
        with fs.open(f"{root.rstrip('/')}/_SUCCESS", "wb"):
            pass
        return
    out_dir = check_output_dir(out_dir, force)
    parent = os.path.dirname(os.path.abspath(out_dir))
    staging = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}.", dir=parent)
    try:
        yield staging
        if os.path.exists(out_dir):
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    finally:
        if os.path.exists(staging):
            shutil.rmtree(staging, ignore_errors=True)
