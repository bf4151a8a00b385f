"""`textembed serve`: a classifier over HTTP (:mod:`textembed.serving`, FastAPI and
uvicorn from the extra ``textembed[serve]``)."""
import dataclasses
import errno
import json
import os
import socket

import click

from ..io import InputError
from ._common import info, quiet_option

_NEEDS = "textembed serve needs FastAPI and uvicorn: pip install 'textembed[serve]'"


def _check_port_free(host, port):
    """One clear line when ``host:port`` cannot be listened on (in use, not an address)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror:
        raise InputError(f"--host {host}: not an address of this machine") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                raise InputError(f"port {port} on {host} is in use: stop what listens there "
                                 "or choose another with --port") from None
            raise InputError(f"cannot listen on {host}:{port}: {error.strerror}") from None


@click.command()
@click.argument("model_dir", metavar="MODEL_DIR")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0: every interface; put a proxy with TLS "
                   "in front of a public server).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Server processes, each with its own copy of the model.")
@click.option("--max-texts", type=click.IntRange(min=1), default=1024, show_default=True,
              help="Texts one request may hold (more: 422).")
@click.option("--max-text-length", type=click.IntRange(min=1), default=100_000,
              show_default=True, help="Characters one text may hold (more: 422).")
@click.option("--max-body-mb", type=click.FloatRange(min=0.001), default=4.0,
              show_default=True, help="Size of a request body (more: 413).")
@click.option("--access-log", is_flag=True, help="Log every request on standard error.")
@quiet_option("Only errors on standard error.")
def serve(model_dir, host, port, workers, max_texts, max_text_length, max_body_mb, access_log,
          quiet):
    """Answer HTTP requests with the classifier in MODEL_DIR until Ctrl-C.

    POST /predict {"texts": [...], "k": 1, "threshold": null} gives each text's
    labels and probabilities; POST /explain and POST /embed give what
    `textembed explain` and `textembed embed` give; GET /health and GET
    /metadata (labels, architecture, metrics, version). The API is described
    at /docs. Requests that arrive together are classified in one batch.
    """
    try:
        import fastapi  # noqa: F401
        import uvicorn
    except ImportError:
        raise InputError(_NEEDS) from None
    from .. import serving
    from ..classify.model_dir import read_model_dir

    read_model_dir(model_dir)  # a missing or foreign directory: one line, before anything
    _check_port_free(host, port)
    limits = serving.Limits(max_body_bytes=int(max_body_mb * (1 << 20)), max_texts=max_texts,
                            max_text_chars=max_text_length)
    options = {"host": host, "port": port, "access_log": access_log,
               "log_level": "warning" if quiet else "info", "timeout_graceful_shutdown": 5}
    if workers == 1:
        classifier = serving.load_and_warm(model_dir)
        info(f"serve: {classifier.arch}, {len(classifier.classes_)} labels, on "
             f"http://{host}:{port} (API at /docs); Ctrl-C stops", quiet)
        uvicorn.run(serving.create_app(classifier, model_dir, limits), **options)
        return
    os.environ[serving.MODEL_ENV] = os.path.abspath(model_dir)
    os.environ[serving.LIMITS_ENV] = json.dumps(dataclasses.asdict(limits))
    info(f"serve: {workers} processes on http://{host}:{port} (API at /docs); Ctrl-C stops",
         quiet)
    uvicorn.run("textembed.serving:app_from_environment", factory=True, workers=workers,
                **options)
