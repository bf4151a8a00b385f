"""`textembed serve`: a real server process on a free loopback port (module fixture),
spoken to over HTTP with the standard library; and the command's one-line errors."""
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from clitest import assert_one_error
from textembed.classify import TextClassifier

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
TEXTS = [line.split("\t", 1)[1] for line in SAMPLE.read_text("utf-8").splitlines()]
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def call(port, path, body=None, raw=None, method=None):
    """(status, decoded JSON answer) of one request."""
    data = raw if raw is not None else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://{HOST}:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for_health(server, port, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"the server stopped: {server.stderr.read().decode()}")
        try:
            if call(port, "/health")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("the server did not answer within 120 s")


@pytest.fixture(scope="module")
def model(sample_model):
    return sample_model


@pytest.fixture(scope="module")
def server(model):
    """(process, port) of `textembed serve MODEL --max-texts 64` on a free loopback port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "textembed", "serve", str(model), "--port", str(port),
         "--max-texts", "64", "--max-body-mb", "0.05"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_health(process, port)
        yield process, port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def test_predictions_over_http_equal_the_library(server, model):
    _, port = server
    status, answer = call(port, "/predict", {"texts": TEXTS[:40]})
    assert status == 200
    expected = TextClassifier.load(model).predict(TEXTS[:40])
    assert [p["labels"][0] for p in answer["predictions"]] == expected
    status, meta = call(port, "/metadata")
    assert status == 200 and meta["labels"] == ["animals", "food", "weather"]


def test_concurrent_clients_get_their_own_answers(server, model):
    _, port = server
    expected = TextClassifier.load(model).predict(TEXTS[:64])

    def one(i):
        return call(port, "/predict", {"texts": [TEXTS[i]]})

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(64)))
    assert all(status == 200 for status, _ in answers)
    assert [a["predictions"][0]["labels"][0] for _, a in answers] == expected


def test_malformed_requests_answer_4xx_and_the_server_stays_up(server):
    _, port = server
    bad = [("/predict", None, b"{not json"), ("/predict", {"texts": "a"}, None),
           ("/predict", {"texts": ["a"] * 65}, None), ("/predict", None, b"x" * 60_000),
           ("/predict", {"texts": [None]}, None), ("/explain", {"texts": ["a"], "label": "z"},
                                                   None), ("/nowhere", {}, None)]
    statuses = [call(port, path, body, raw)[0] for _ in range(15) for path, body, raw in bad]
    assert sorted(set(statuses)) == [404, 413, 422]
    assert call(port, "/health") == (200, {"status": "ok"})


def test_ctrl_c_stops_the_server_cleanly(model):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "textembed", "serve", str(model),
                                "--port", str(port)], stderr=subprocess.PIPE)
    wait_for_health(process, port)
    process.send_signal(signal.SIGINT)
    assert process.wait(30) == 0
    err = process.stderr.read().decode()
    assert f"on http://{HOST}:{port}" in err and "Traceback" not in err


def test_port_in_use_and_bad_model(invoke, server, tmp_path):
    _, port = server
    code, out, err = invoke("serve", tmp_path / "nope", "--port", port)
    assert_one_error(code, err, 1, "no such directory")
    (tmp_path / "notes.txt").write_text("x")
    code, out, err = invoke("serve", tmp_path, "--port", port)
    assert_one_error(code, err, 1, "not a textembed model directory")
    model = server[0].args[4]
    code, out, err = invoke("serve", model, "--port", port)
    assert_one_error(code, err, 1, f"port {port} on 127.0.0.1 is in use")
    code, out, err = invoke("serve", model, "--port", "0")
    assert_one_error(code, err, 2, "--port")


def test_without_the_extra_one_line_says_what_to_install(invoke, model, monkeypatch):
    monkeypatch.setitem(sys.modules, "fastapi", None)
    code, out, err = invoke("serve", model)
    assert_one_error(code, err, 1, "pip install 'textembed[serve]'")
