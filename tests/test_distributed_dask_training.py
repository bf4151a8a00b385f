"""distributed.dask_training on a LocalCluster of two worker processes: one stream is
the single-threaded run bit for bit (also after a lost worker or a resume), two
streams learn the sample's word families."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("fsspec")

from textembed.distributed import dask_driver  # noqa: E402
from textembed.distributed.dask_training import train_skipgram  # noqa: E402
from textembed.io import InputError  # noqa: E402
from textembed.word2vec import train  # noqa: E402

CORPUS = str(Path(__file__).resolve().parents[1] / "data" / "sample_corpus.txt")
ANIMALS = {"dog", "fox", "wolf", "cow", "sheep", "goat", "horse", "mouse", "rabbit"}
SMALL = {"seed": 3, "epochs": 2, "block_bytes": 30_000}


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        dask_driver.check_workers(client)
        yield client


@pytest.fixture(scope="module")
def local():
    return train(CORPUS, threads=1, seed=3, epochs=2)


def test_one_stream_is_the_single_threaded_run_bit_for_bit(client, local, tmp_path):
    for sync_words in (10 ** 9, 30_000):  # one round per epoch, then several
        vectors = train_skipgram(client, [CORPUS], str(tmp_path / str(sync_words)),
                                 streams=1, sync_words=sync_words, **SMALL)
        assert vectors.words == local.words and vectors.pruned == local.pruned
        np.testing.assert_array_equal(vectors.vectors, local.vectors)
    assert vectors.stats.rounds > 4 and len(vectors.stats.epoch_losses) == 2


TWO = {"seed": 3, "sync_words": 20_000, "block_bytes": 30_000}


@pytest.fixture(scope="module")
def two_streams(client, tmp_path_factory):
    return train_skipgram(client, [CORPUS], str(tmp_path_factory.mktemp("two")), **TWO)


def test_two_streams_learn_the_sample_families(two_streams):
    vectors = two_streams
    assert vectors.stats.streams == 2 and vectors.stats.rounds >= 10
    assert vectors.stats.threads == 2  # two workers of one thread
    assert vectors.stats.stream_restarts == 0
    neighbours = [w for w, _ in vectors.most_similar("cat", topn=5)]
    assert len(set(neighbours) & ANIMALS) >= 4, neighbours
    assert vectors.stats.bytes_per_round > 0 and 0 < vectors.stats.sync_share < 1


def test_the_progress_bar_counts_the_training_words(client, tmp_path, capsys):
    vectors = train_skipgram(client, [CORPUS], str(tmp_path), progress=True, **TWO)
    err = capsys.readouterr().err
    assert "training" in err and "loss=" in err and "epoch=5/5" in err, err[-500:]
    total = vectors.stats.train_words * 5
    shown = f"{total / 1e3:.0f}k" if total < 1e6 else None
    assert shown is None or f"/{shown}" in err, err[-300:]


def _killer(client, stream, at_round, killed):
    """on_round: SIGKILL the worker process running ``stream`` as round ``at_round`` trains."""
    def kill(number):
        if number == at_round and not killed:
            holder = sorted(client.scheduler_info()["workers"])[stream]
            pid = client.run(os.getpid, workers=[holder])[holder]
            os.kill(pid, signal.SIGKILL)
            killed.append(holder)
    return kill


def _wait_for_restart(client, killed):
    deadline = time.monotonic() + 60  # the scheduler notices the death, the nanny restarts
    while killed[0] in client.scheduler_info()["workers"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert killed[0] not in client.scheduler_info()["workers"]
    client.wait_for_workers(2, timeout=60)


def test_a_worker_killed_during_a_round_changes_nothing(client, local, tmp_path):
    """The worker running the only stream dies while round 3 trains: Dask runs the
    stream again on the other worker, which rebuilds round 3 from the checkpoint and
    the change files; the result is the same bits."""
    killed = []
    vectors = train_skipgram(client, [CORPUS], str(tmp_path), streams=1, sync_words=30_000,
                             on_round=_killer(client, 0, 3, killed), **SMALL)
    assert killed and vectors.stats.stream_restarts == 1  # killed while it ran
    np.testing.assert_array_equal(vectors.vectors, local.vectors)
    _wait_for_restart(client, killed)


def test_two_streams_lose_a_worker_and_end_as_the_whole_run(client, two_streams, tmp_path):
    killed = []
    vectors = train_skipgram(client, [CORPUS], str(tmp_path),
                             on_round=_killer(client, 1, 4, killed), **TWO)
    assert killed and vectors.stats.stream_restarts == 1  # killed while it ran
    np.testing.assert_array_equal(vectors.vectors, two_streams.vectors)
    _wait_for_restart(client, killed)


def test_resume_after_the_client_process_is_killed_ends_as_the_whole_run(client, two_streams,
                                                                         tmp_path):
    """A client process SIGKILLed during round 4 leaves its streams running; the resumed
    run takes the directory over from them and ends with the uninterrupted run's bits."""
    script = (
        "import os, signal, distributed\n"
        "from textembed.distributed.dask_training import train_skipgram\n"
        "def die(number):\n"
        "    if number == 4:\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        f"with distributed.Client({client.scheduler.address!r}) as client:\n"
        f"    train_skipgram(client, [{CORPUS!r}], {str(tmp_path)!r}, on_round=die, **{TWO!r})\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    from textembed.distributed.rounds import read_state
    assert read_state(str(tmp_path / "state.bin"), weights=False)[0]["round"] > 0
    saved = json.loads((tmp_path / "plan.json").read_text())  # the cut the resumed run keeps
    assert saved["job_tokens"] is None and saved["parts"] == 1
    vectors = train_skipgram(client, [CORPUS], str(tmp_path), resume=True, **TWO)
    assert vectors.stats.stream_restarts == 2  # the killed client's streams, then these
    np.testing.assert_array_equal(vectors.vectors, two_streams.vectors)


def test_resume_after_a_lost_client_ends_as_the_whole_run(client, local, tmp_path):
    class Lost(Exception):
        pass

    def lose(number):
        if number == 4:
            raise Lost()

    def rounds_in_memory():
        if not os.path.isdir("/dev/shm"):
            return set()
        return {n for n in os.listdir("/dev/shm") if n.startswith("textembed-rounds-")}

    before = rounds_in_memory()
    with pytest.raises(Lost):
        train_skipgram(client, [CORPUS], str(tmp_path), streams=1, sync_words=30_000,
                       on_round=lose, **SMALL)
    assert rounds_in_memory() == before  # the rounds held in memory went with the run
    vectors = train_skipgram(client, [CORPUS], str(tmp_path), streams=1, sync_words=30_000,
                             resume=True, **SMALL)
    np.testing.assert_array_equal(vectors.vectors, local.vectors)
    with pytest.raises(InputError, match="other settings .*dim 100, now 50"):
        train_skipgram(client, [CORPUS], str(tmp_path), streams=1, sync_words=30_000,
                       resume=True, dim=50, seed=3, epochs=2, block_bytes=30_000)


class _FakeClient:
    """What _exchange_dir asks of a client: its workers, and whether each sees a path."""

    def __init__(self, sees):
        self.sees = sees

    def scheduler_info(self):
        return {"workers": {"tcp://a:1": {}, "tcp://b:2": {}}}

    def run(self, function, path):
        return {"tcp://a:1": function(path), "tcp://b:2": self.sees and function(path)}


def test_the_rounds_go_through_shared_memory_only_where_every_worker_sees_it(tmp_path):
    from textembed.distributed.dask_training import _exchange_dir

    shared = tmp_path / "shm"
    shared.mkdir()
    work = str(tmp_path / "job")
    folder = _exchange_dir(_FakeClient(True), work, 1000, str(shared))
    assert folder is not None and folder.startswith(str(shared)) and os.listdir(folder) == []
    assert _exchange_dir(_FakeClient(True), work, 1000, str(shared)) == folder  # resumable
    assert _exchange_dir(_FakeClient(False), work, 1000, str(shared)) is None
    assert os.listdir(shared) == []  # the folder a worker could not see is gone
    assert _exchange_dir(_FakeClient(True), work, 1 << 60, str(shared)) is None  # no room
    assert _exchange_dir(_FakeClient(True), work, 1000, str(tmp_path / "absent")) is None
