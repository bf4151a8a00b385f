"""distributed.dask_driver on a LocalCluster of two worker processes (module fixture):
the cluster's vocabulary, shards and predictions equal the single-process ones,
and the CLI's --scheduler / --engine dask paths."""
from pathlib import Path

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")
pytest.importorskip("fsspec")

from clitest import assert_one_error, lines_of  # noqa: E402
from textembed.distributed import dask_driver  # noqa: E402
from textembed.io import InputError, TextSource  # noqa: E402
from textembed.text import Tokenizer  # noqa: E402
from textembed.word2vec.corpus import encode_lines  # noqa: E402
from textembed.word2vec.vocab import Vocabulary  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "data" / "sample_corpus.txt"
LABELLED = ROOT / "data" / "sample_labelled.tsv"
KERAS = {"filters": '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n', "lower": True, "split": " ",
         "char_level": False}


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster) as client:
        assert dask_driver.check_workers(client) == 2
        yield client


@pytest.fixture(scope="module")
def model(sample_model):
    return sample_model


def test_vocab_on_the_cluster_is_one_pass_counts(client):
    counted = dask_driver.vocab(client, [str(CORPUS)], "utf-8", KERAS, block_bytes=40_000)
    whole = Tokenizer()
    whole.fit_on_texts(TextSource(str(CORPUS)))
    assert list(counted.counts.items()) == list(whole.word_counts.items())


def test_encoded_shards_are_the_single_process_vocabulary_and_ids(client, tmp_path):
    vocab, shards, merged = dask_driver.encode(client, [str(CORPUS)], str(tmp_path),
                                               min_count=5, block_bytes=30_000)
    local = encode_lines(TextSource(str(CORPUS)), str(tmp_path / "local.ids"))
    expected = Vocabulary(local.words, local.counts, 5)
    assert len(shards) > 4 and vocab.words == expected.words
    np.testing.assert_array_equal(vocab.counts, expected.counts)
    ids = np.concatenate([np.fromfile(s.path, np.int32) for s in shards])
    np.testing.assert_array_equal(ids, expected.remap[np.fromfile(tmp_path / "local.ids",
                                                                  np.int32)])
    for shard in shards:  # the in-vocabulary tokens each shard holds
        assert shard.known == np.count_nonzero(np.fromfile(shard.path, np.int32) >= 0)


def test_predict_on_the_cluster_equals_local_predict(client, model, tmp_path, invoke):
    inputs = [str(LABELLED), str(CORPUS)]
    lines, replaced, parts = dask_driver.predict(client, model, inputs, tmp_path / "out",
                                                 proba=True, block_bytes=100_000)
    assert parts > 3 and replaced == 0
    joined = tmp_path / "joined.txt"
    joined.write_bytes(LABELLED.read_bytes() + CORPUS.read_bytes())
    code, out, _ = invoke("predict", model, joined, "--proba", "-q")
    assert code == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"part-{i:05d}" for i in range(parts)]
    assert (tmp_path / "out").stat().st_mode & 0o777 == 0o755  # as a model or a store
    assert "".join((tmp_path / "out" / n).read_text() for n in names) == out
    assert lines == len(lines_of(out))
    with pytest.raises(InputError, match="exists: give --force"):
        dask_driver.predict(client, model, inputs, tmp_path / "out")


def test_memory_urls_on_the_cluster(client, model, tmp_path):
    """memory:// lives in each process, so the file is written in every one."""
    def put():
        import fsspec
        with fsspec.open("memory://texts/a.txt", "wb") as f:
            f.write(b"the cat and the dog\nrain and snow\n")
    put()
    client.run(put)
    _, _, parts = dask_driver.predict(client, model, ["memory://texts/"], "memory://preds")
    import fsspec
    fs = fsspec.filesystem("memory")
    assert parts == 1
    # the part was written in a worker's memory: read it there
    written = client.run(lambda: fsspec.filesystem("memory").cat("/preds/part-00000")
                         if fsspec.filesystem("memory").exists("/preds/part-00000") else None)
    found = [v for v in written.values() if v is not None]
    assert len(found) == 1 and found[0].decode().count("\n") == 2
    assert fs.exists("/preds/_SUCCESS")


def test_workers_of_another_version_are_refused(client, monkeypatch):
    import textembed
    monkeypatch.setattr(textembed, "__version__", "0.0.0")  # here, not in the workers
    with pytest.raises(InputError, match="runs textembed .* install the same versions"):
        dask_driver.check_workers(client)


def test_cli_vocab_and_predict_through_a_scheduler(cluster, model, tmp_path, invoke):
    address = cluster.scheduler_address
    code, out, err = invoke("vocab", str(ROOT / "data" / "*.txt"), "--scheduler", address,
                            "--top", "5")
    assert code == 0, err
    code, local, _ = invoke("vocab", CORPUS, "--top", "5", "-q")
    assert out == local and "counting on 2 Dask workers" in err
    code, _, err = invoke("predict", model, LABELLED, "--scheduler", address, "-o",
                          tmp_path / "p", "-q")
    assert code == 0, err
    code, local, _ = invoke("predict", model, LABELLED, "-q")
    assert (tmp_path / "p" / "part-00000").read_text() == local


@pytest.mark.parametrize("args, code, fragment", [
    (["predict", "MODEL", "LABELLED", "--engine", "dask"], 2, "give their directory with -o"),
    (["predict", "MODEL", "--engine", "dask", "-o", "OUT"], 2, "reads files, not standard"),
    (["predict", "MODEL", "NOPE", "--engine", "dask", "-o", "OUT"], 1, "no such file"),
    (["predict", "MODEL", "LABELLED", "LABELLED", "-o", "OUT"], 2, "several FILEs need"),
    (["vocab", "LABELLED", "LABELLED"], 2, "several INPUTs need --engine dask"),
])
def test_cli_bad_uses(model, tmp_path, invoke, args, code, fragment):
    names = {"MODEL": str(model), "LABELLED": str(LABELLED), "OUT": str(tmp_path / "o"),
             "NOPE": str(tmp_path / "nope.txt")}
    result, out, err = invoke(*[names.get(a, a) for a in args])
    assert_one_error(result, err, code, fragment)
    assert not (tmp_path / "o").exists()


def _slow_size(value):
    import time
    time.sleep(1.0)
    return len(value["words"])


def test_a_task_whose_worker_dies_runs_again_with_the_shared_value(client):
    """Data a job shares with its tasks (the vocabulary, the model) is computed again
    when the worker holding it dies, so the task that was running there runs again
    on another worker (scattered data died with it, and cancelled the task)."""
    import os
    import signal
    import time

    value = {"words": ["a", "b"] * 1000, "model": b"x" * 5000}
    for _ in range(3):
        worker = sorted(client.scheduler_info()["workers"])[0]
        shared = dask_driver.share(client, value)
        task = client.submit(_slow_size, shared, workers=[worker], allow_other_workers=True,
                             pure=False)
        time.sleep(0.5)
        os.kill(client.run(os.getpid, workers=[worker])[worker], signal.SIGKILL)
        assert task.result(timeout=60) == 2000
        deadline = time.monotonic() + 60
        while worker in client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.1)
        client.wait_for_workers(2, timeout=60)


def test_a_job_dask_gives_up_on_is_one_clear_error():
    from concurrent.futures import CancelledError

    from textembed.distributed.dask_driver import _stopped_jobs

    with pytest.raises(InputError, match="the Dask job stopped .*run the command again"):
        with _stopped_jobs():
            raise CancelledError("task-1 cancelled")
    with pytest.raises(ValueError):  # anything else is not Dask's verdict: left as it is
        with _stopped_jobs():
            raise ValueError("a bug")


def test_a_local_cluster_is_used_once_all_its_workers_joined(monkeypatch):
    with dask_driver.connect(workers=2, threads_per_worker=1) as client:
        assert len(client.scheduler_info()["workers"]) == 2

    def late(self, n_workers, timeout=None):
        raise TimeoutError(f"{n_workers} workers not there")

    monkeypatch.setattr(distributed.Client, "wait_for_workers", late)
    with pytest.raises(InputError, match=r"^only \d of 2 local Dask workers started in "
                                         r"120 s: ask for fewer --workers, or free memory$"):
        with dask_driver.connect(workers=2, threads_per_worker=1):
            pass
