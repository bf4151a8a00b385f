"""The Dask driver: a client, the workers' checks, and the jobs as Dask tasks.

:func:`connect` gives a client of an existing scheduler (``tcp://HOST:PORT``) or
of a LocalCluster of N worker processes; :func:`check_workers` makes sure every
worker runs this textembed and numba and warms their kernel caches one worker
at a time (numba's cache is not safe against concurrent compiles of the same
kernel). The jobs: :func:`vocab` (Keras word counts), :func:`encode` (the corpus as
shards of word ids) and :func:`predict` (batch prediction to part files); the
work of each task is in :mod:`.partitions`. Training is in :mod:`.dask_training`.
"""
import contextlib
import logging
import os

from ..io import InputError, atomic_directory
from . import inputs, partitions


def _dask():
    try:
        import dask  # noqa: F401
        import distributed
    except ImportError:
        raise InputError("--engine dask needs Dask: pip install 'textembed[dask]'") from None
    return distributed


WORKER_START_SECONDS = 120.0


@contextlib.contextmanager
def connect(scheduler=None, workers=None, threads_per_worker=None):
    """A Dask client: of ``scheduler`` when given, else of a LocalCluster of ``workers``
    processes (default: one per core) with ``threads_per_worker`` threads each
    (default: the cores shared out among them)."""
    distributed = _dask()
    if scheduler:
        try:
            client = distributed.Client(scheduler, timeout="30s")
        except (OSError, TimeoutError) as error:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {error}") \
                from None
        with client, _stopped_jobs():
            yield client
        return
    cores = os.cpu_count() or 1
    n = workers or cores
    threads_per_worker = threads_per_worker or max(1, cores // n)
    with distributed.LocalCluster(n_workers=n, threads_per_worker=threads_per_worker,
                                  processes=True, dashboard_address=None,
                                  silence_logs=logging.ERROR) as cluster, \
            distributed.Client(cluster) as client, _stopped_jobs():
        # the cluster is up before all its workers have joined the scheduler: a job
        # started then would share its work among fewer
        try:
            client.wait_for_workers(n, timeout=WORKER_START_SECONDS)
        except TimeoutError:
            started = len(client.scheduler_info()["workers"])
            raise InputError(f"only {started} of {n} local Dask workers started in "
                             f"{WORKER_START_SECONDS:.0f} s: ask for fewer --workers, or "
                             "free memory") from None
        yield client


@contextlib.contextmanager
def _stopped_jobs():
    """A job Dask gave up on (its tasks' workers kept dying, or it was cancelled) as an
    InputError: one line, not a traceback."""
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker
    try:
        yield
    except (KilledWorker, CancelledError) as error:
        raise InputError(f"the Dask job stopped ({type(error).__name__}: {error}): check "
                         "the workers, then run the command again") from None


def _versions():
    import numba

    from .. import __version__
    return __version__, numba.__version__


def _warm(streams):
    """Compile (or load from the cache) the kernels the jobs use: the word scanner, the
    skip-gram trainer (a few words, one thread) and the rounds' merge of the changes
    of 1 to ``streams`` streams."""
    import numpy as np

    from ..byte_batch import ByteBatch, separator_bytes
    from ..word2vec.training import train
    from .rounds import TUPLE_STREAMS, _changes, merge_changes
    ByteBatch(["warm up"], separator_bytes(" ", " "), True).count_words()
    train([["warm", "up", "the", "kernels"]] * 4, dim=4, min_count=1, epochs=1, threads=1,
          seed=0)
    table = np.zeros((3, 2), np.float32)
    rows, values, _, _ = _changes({"syn0": table + 1, "start0": table, "syn1": table,
                                   "start1": table})
    counts = list(range(1, min(streams, TUPLE_STREAMS) + 1))
    if streams > TUPLE_STREAMS:  # larger merges take a typed list: one compilation for all
        counts.append(streams)
    for n in counts:
        merge_changes(table, [(rows, values)] * n, "sum")
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
        client.run(_warm, len(theirs), workers=[address])
    return len(theirs)


def share(client, value):
    """A future of ``value`` for the tasks of a job: the result of a task that returns
    it, which Dask computes again when the worker holding it dies (scattered data
    dies with its workers, and the tasks that need it with them); each worker
    fetches it once. Its key is new each time: a key made from the content would
    be shared with an equal value of an earlier job, and released with that job's
    future."""
    return client.submit(_given, value, pure=False)


def _given(value):
    return value


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
    machines). Returns (Vocabulary, list of Shard in input order with their
    in-vocabulary tokens, merged Counts): the vocabulary is the single-process one
    (same words, counts, order, ids)."""
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
    words = share(client, "\n".join(vocab.words))  # words hold no "\n" (it ends lines)
    known = client.gather(client.map(partitions.remap_shard, shards, vocabulary=words,
                                     pure=False))
    encoded = client.gather(shards)
    for shard, count in zip(encoded, known):
        shard.known = count
    return vocab, encoded, merged


def predict(client, model_dir, input_urls, out_dir, encoding="utf-8", k=1, threshold=None,
            proba=False, block_bytes=inputs.BLOCK_BYTES, force=False):
    """Classify every line of the inputs into ``out_dir``/part-NNNNN, one part per
    partition, in order: their concatenation is what local predict writes for the
    concatenated inputs. A local ``out_dir`` appears whole or not at all. Returns
    (lines, replaced bytes, parts)."""
    parts = inputs.partitions(input_urls, block_bytes)
    if not parts:
        raise InputError("no input file")
    model = share(client, partitions.model_files(model_dir))
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
    with atomic_directory(check_output_dir(out_dir, force), "the predictions") as staging:
        yield staging
