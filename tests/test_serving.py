"""textembed.serving: the FastAPI application, through FastAPI's in-process test
client (no port), and the Batcher that groups concurrent requests."""
import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")
from fastapi.testclient import TestClient  # noqa: E402

from textembed import __version__  # noqa: E402
from textembed.classify import TextClassifier  # noqa: E402
from textembed.serving import Batcher, Limits, create_app  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ROWS = [line.split("\t", 1) for line in
        (ROOT / "data" / "sample_labelled.tsv").read_text("utf-8").splitlines()]
TEXTS = [text for _, text in ROWS]


@pytest.fixture(scope="module")
def classifier():
    return TextClassifier(seed=1, threads=1, verbose=0).fit(TEXTS, [label for label, _ in ROWS])


@pytest.fixture(scope="module")
def client(classifier):
    app = create_app(classifier, "sample-model",
                     Limits(max_body_bytes=20_000, max_texts=8, max_text_chars=300))
    with TestClient(app) as c:
        yield c


def test_predict_gives_the_models_labels_and_probabilities(client, classifier):
    texts = TEXTS[:5]
    answer = client.post("/predict", json={"texts": texts})
    assert answer.status_code == 200
    probs = classifier.predict_proba(texts)
    predictions = answer.json()["predictions"]
    assert [p["labels"] for p in predictions] == [[label] for label in classifier.predict(texts)]
    np.testing.assert_allclose([p["probabilities"][0] for p in predictions], probs.max(axis=1),
                               rtol=1e-6)
    answer = client.post("/predict", json={"texts": texts[:2], "k": 3, "threshold": 0.01})
    for row, p in zip(answer.json()["predictions"], probs):
        kept = [c for c, v in sorted(zip(classifier.classes_, p), key=lambda cv: -cv[1])
                if v >= 0.01]
        assert row["labels"] == kept
        assert row["probabilities"] == sorted(row["probabilities"], reverse=True)


def test_explain_and_embed(client, classifier):
    answer = client.post("/explain", json={"texts": [TEXTS[0]]})
    assert answer.status_code == 200
    (e,) = answer.json()["explanations"]
    (expected,) = classifier.explain([TEXTS[0]])
    assert e["label"] == expected["label"] and e["method"] == "linear"
    assert [t for t, _ in e["tokens"]] == [t for t, _ in expected["tokens"]]
    answer = client.post("/explain", json={"texts": [TEXTS[0]], "label": "nope"})
    assert answer.status_code == 422 and "no label 'nope'" in answer.json()["detail"]
    answer = client.post("/embed", json={"texts": TEXTS[:3]})
    assert answer.status_code == 200
    body = answer.json()
    assert body["dimension"] == len(classifier.classes_)
    np.testing.assert_allclose(body["vectors"], classifier.embed(TEXTS[:3]), rtol=1e-5)


def test_health_metadata_and_docs(client, classifier):
    assert client.get("/health").json() == {"status": "ok"}
    meta = client.get("/metadata").json()
    assert meta["labels"] == classifier.classes_ and meta["version"] == __version__
    assert meta["architecture"] == "bag" and meta["limits"]["max_texts"] == 8
    assert meta["metrics"]["num_classes"] == 3
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths) == {"/predict", "/explain", "/embed", "/health", "/metadata"}
    assert client.get("/docs").status_code == 200


@pytest.mark.parametrize("body, kwargs, status, fragment", [
    (None, {"content": b"{not json", "headers": {"content-type": "application/json"}}, 422,
     "JSON decode error"),
    ({"texts": "one string"}, {}, 422, "texts: Input should be a valid list"),
    ({"texts": []}, {}, 422, "at least 1 item"),
    ({"texts": ["a"] * 9}, {}, 422, "at most 8 items"),
    ({"texts": ["a" * 301]}, {}, 422, "at most 300 characters"),
    ({"texts": ["a"], "k": 0}, {}, 422, "k: Input should be greater than or equal to 1"),
    ({"texts": ["a"], "threshold": 1.5}, {}, 422, "threshold"),
    (None, {"content": b"x" * 20_001}, 413, "over the limit of 20,000 bytes"),
])
def test_bad_requests_get_4xx_with_a_message(client, body, kwargs, status, fragment):
    answer = client.post("/predict", **({"json": body} if body is not None else kwargs))
    assert answer.status_code == status
    assert fragment in answer.json()["detail"]
    assert client.get("/health").status_code == 200


def test_a_body_streamed_past_the_limit_gets_413(client):
    def chunks():
        for _ in range(30):
            yield b"x" * 1000

    answer = client.post("/predict", content=chunks())
    assert answer.status_code == 413


def test_a_failing_model_answers_500_and_the_server_goes_on(classifier):
    class Broken:
        classes_, arch, multilabel_, metrics_ = ["a", "b"], "bag", False, {}

        def predict_proba(self, texts, batch_size=None):
            raise MemoryError("no room")

    with TestClient(create_app(Broken()), raise_server_exceptions=False) as c:
        answer = c.post("/predict", json={"texts": ["x"]})
        assert answer.status_code == 500 and "no room" in answer.json()["detail"]
        assert c.get("/health").status_code == 200


def test_batcher_groups_requests_that_wait_together():
    release = threading.Event()
    calls = []

    def work(texts):
        calls.append(list(texts))
        release.wait(5)
        return [t.upper() for t in texts]

    async def run():
        batcher = Batcher(work, ThreadPoolExecutor(1), max_texts=100)
        first = asyncio.ensure_future(batcher(["a"]))
        await asyncio.sleep(0.05)  # the model thread is busy with ["a"]
        rest = [asyncio.ensure_future(batcher([f"b{i}", f"c{i}"])) for i in range(3)]
        await asyncio.sleep(0.05)
        release.set()
        return await first, await asyncio.gather(*rest)

    first, rest = asyncio.run(run())
    assert first == ["A"]
    assert rest == [[f"B{i}", f"C{i}"] for i in range(3)]
    assert calls == [["a"], ["b0", "c0", "b1", "c1", "b2", "c2"]]


def test_batcher_passes_an_error_to_each_request():
    def work(texts):
        raise ValueError("bad batch")

    async def run():
        batcher = Batcher(work, ThreadPoolExecutor(1), max_texts=100)
        return await asyncio.gather(batcher(["a"]), batcher(["b"]), return_exceptions=True)

    assert [str(e) for e in asyncio.run(run())] == ["bad batch", "bad batch"]
