"""Load test of `textembed serve`: throughput and latency with concurrent clients.

Starts `textembed serve MODEL_DIR` on a free loopback port, then for each
phase runs ``--clients`` keep-alive HTTP clients for ``--duration`` seconds:
one text per request, then 64 texts per request (texts drawn from the data).
Prints texts/s, requests/s, p50 / p99 latency and the errors; then sends
1,000 malformed requests (bad JSON, wrong types, too many or too long texts,
oversized bodies, unknown paths and methods), checks that each one is answered
with a 4xx, and that /health still answers.

The model: ``--model DIR``, else the default classifier trained here on MR
(../shared/data/mr) or, where that is absent, on data/sample_labelled.tsv.
Everything stays on 127.0.0.1; the run is bounded by ``--duration`` (at most
300 s a phase) and ``--clients`` (at most 64).

    python scripts/load_serve.py [--model DIR] [--duration 60] [--clients 16] [--workers 1]
"""
import argparse
import asyncio
import json
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MR = ROOT.parent / "shared" / "data" / "mr" / "rt-polarity.all"
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
HOST = "127.0.0.1"


def free_port():
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def texts_and_training_file():
    if MR.exists():
        lines = MR.read_text("utf-8", errors="replace").splitlines()
        return [line.split(" ", 1)[1] for line in lines], MR
    lines = SAMPLE.read_text("utf-8").splitlines()
    return [line.split("\t", 1)[1] for line in lines], SAMPLE


def request_bytes(path, body, method="POST", content_type="application/json"):
    head = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader):
    """(status, body bytes) of one HTTP/1.1 response with a Content-Length."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("the server closed the connection")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


async def client(port, requests, deadline, latencies, errors):
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while time.perf_counter() < deadline:
            request = random.choice(requests)
            started = time.perf_counter()
            writer.write(request)
            status, _ = await read_response(reader)
            latencies.append(time.perf_counter() - started)
            if status != 200:
                errors.append(status)
    finally:
        writer.close()


async def phase(port, texts, per_request, clients, duration):
    rng = random.Random(per_request)
    requests = [request_bytes("/predict", json.dumps(
        {"texts": rng.sample(texts, per_request)}).encode()) for _ in range(500)]
    latencies, errors = [], []
    deadline = time.perf_counter() + duration
    started = time.perf_counter()
    await asyncio.gather(*[client(port, requests, deadline, latencies, errors)
                           for _ in range(clients)])
    seconds = time.perf_counter() - started
    ms = np.array(latencies) * 1e3
    return {"texts_per_request": per_request, "requests": len(latencies),
            "texts_per_s": len(latencies) * per_request / seconds,
            "requests_per_s": len(latencies) / seconds,
            "p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "errors": len(errors)}


def malformed_requests(n, limits):
    """``n`` requests that must each be answered with a 4xx."""
    long_text = "word " * (limits["max_text_chars"] // 5 + 1)
    kinds = [
        request_bytes("/predict", b"{not json"),
        request_bytes("/predict", b'{"texts": "one string"}'),
        request_bytes("/predict", b'{"texts": []}'),
        request_bytes("/predict", b'{"texts": [1, 2]}'),
        request_bytes("/predict", b'{"text": ["a"]}'),
        request_bytes("/predict", b'{"texts": ["a"], "k": 0}'),
        request_bytes("/predict", b'{"texts": ["a"], "threshold": 7}'),
        request_bytes("/predict", json.dumps({"texts": ["a"] * (limits["max_texts"] + 1)})
                      .encode()),
        request_bytes("/predict", json.dumps({"texts": [long_text]}).encode()),
        request_bytes("/predict", b"x" * (limits["max_body_bytes"] + 1)),
        request_bytes("/predict", b'["a list"]'),
        request_bytes("/predict", b"\xff\xfe\x00", content_type="text/plain"),
        request_bytes("/explain", b'{"texts": ["a"], "label": "no such label"}'),
        request_bytes("/nowhere", b"{}"),
        request_bytes("/predict", b"", method="DELETE"),
    ]
    return [kinds[i % len(kinds)] for i in range(n)]


async def send_malformed(port, requests):
    statuses = []
    reader, writer = await asyncio.open_connection(HOST, port)
    for request in requests:
        writer.write(request)
        try:
            status, _ = await read_response(reader)
        except (ConnectionError, asyncio.IncompleteReadError):
            status = 0  # the server closed the connection: reconnect
            writer.close()
            reader, writer = await asyncio.open_connection(HOST, port)
        statuses.append(status)
    writer.close()
    health = request_bytes("/health", b"", method="GET")
    reader, writer = await asyncio.open_connection(HOST, port)
    writer.write(health)
    healthy, _ = await read_response(reader)
    writer.close()
    return statuses, healthy


def start_server(model_dir, port, workers):
    server = subprocess.Popen([sys.executable, "-m", "textembed", "serve", str(model_dir),
                               "--host", HOST, "--port", str(port), "--workers", str(workers),
                               "-q"])
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            with socket.create_connection((HOST, port), timeout=1) as s:
                s.sendall(request_bytes("/health", b"", method="GET"))
                if b" 200 " in s.recv(1024):
                    return server
        except OSError:
            time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit("the server stopped before it answered")
    server.kill()
    raise SystemExit("the server did not answer /health within 120 s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=None, help="a model directory (default: train one)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--malformed", type=int, default=1000)
    parser.add_argument("--json", default=None, help="also write the figures here")
    args = parser.parse_args()
    duration = min(max(args.duration, 1.0), 300.0)
    clients = min(max(args.clients, 1), 64)
    texts, training = texts_and_training_file()
    with tempfile.TemporaryDirectory() as scratch:
        model_dir = args.model
        if model_dir is None:
            model_dir = Path(scratch) / "model"
            print(f"training the default classifier on {training} ...", flush=True)
            subprocess.run([sys.executable, "-m", "textembed", "train-classifier", str(training),
                            "-o", str(model_dir), "-q"], check=True)
        port = free_port()
        server = start_server(model_dir, port, args.workers)
        try:
            with socket.create_connection((HOST, port)) as s:
                s.sendall(request_bytes("/metadata", b"", method="GET"))
                time.sleep(0.2)
            limits = {"max_texts": 1024, "max_text_chars": 100_000, "max_body_bytes": 4 << 20}
            results = []
            for per_request in (1, 64):
                result = asyncio.run(phase(port, texts, per_request, clients, duration))
                results.append(result)
                print(f"{per_request:>2} text(s)/request, {clients} clients, {duration:.0f} s: "
                      f"{result['texts_per_s']:,.0f} texts/s ({result['requests_per_s']:,.0f} "
                      f"requests/s), latency p50 {result['p50_ms']:.1f} ms, "
                      f"p99 {result['p99_ms']:.1f} ms, errors {result['errors']}", flush=True)
            statuses, healthy = asyncio.run(send_malformed(port, malformed_requests(
                args.malformed, limits)))
            four = sum(400 <= s < 500 for s in statuses)
            print(f"malformed: {four:,} of {len(statuses):,} answered 4xx "
                  f"(others: {sorted(set(s for s in statuses if not 400 <= s < 500))}); "
                  f"/health after: {healthy}")
            if args.json:
                Path(args.json).write_text(json.dumps(
                    {"phases": results, "malformed_4xx": four, "malformed": len(statuses),
                     "healthy_after": healthy, "clients": clients, "duration": duration,
                     "workers": args.workers}, indent=1))
        finally:
            server.terminate()
            server.wait(30)


if __name__ == "__main__":
    main()
