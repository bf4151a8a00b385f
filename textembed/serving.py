"""An HTTP service for a trained classifier: :func:`create_app` builds a FastAPI
application, ``textembed serve`` runs it with uvicorn (both from the optional
extra ``textembed[serve]``; nothing else in textembed imports this module).

Endpoints: ``POST /predict``, ``POST /explain``, ``POST /embed``, ``GET /health``,
``GET /metadata``; OpenAPI docs at ``/docs``. Requests that arrive together are
classified in one model call (:class:`Batcher`), in one model thread, so the
event loop keeps reading requests while the model works. Limits (:class:`Limits`)
bound the body size (413), the texts per request and their length (422).
"""
import asyncio
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from typing import Annotated, Optional

from . import __version__

MODEL_ENV = "TEXTEMBED_SERVE_MODEL"  # how `serve --workers N` tells each process its model
LIMITS_ENV = "TEXTEMBED_SERVE_LIMITS"
WARM_TEXTS = 128  # a warm-up call this large loads numba's kernels before the first request


@dataclass(frozen=True)
class Limits:
    """What one request may hold."""
    max_body_bytes: int = 4 << 20
    max_texts: int = 1024
    max_text_chars: int = 100_000
    max_batch_texts: int = 4096  # texts of concurrent requests classified in one call


class Batcher:
    """Runs ``function(texts) -> rows`` on the texts of concurrent requests at once.

    Each call waits while the model thread works on earlier requests; the
    requests that queued up meanwhile go into the next call together (up to
    ``max_texts`` texts), so a busy server makes large batches and an idle one
    answers at once, without a fixed delay.
    """

    def __init__(self, function, executor, max_texts):
        self.function, self.executor, self.max_texts = function, executor, max_texts
        self.queue = self.worker = self.loop = None

    async def __call__(self, texts):
        loop = asyncio.get_running_loop()
        if loop is not self.loop:  # the first request (of this event loop)
            self.loop, self.queue = loop, asyncio.Queue()
            self.worker = loop.create_task(self._work())
        done = loop.create_future()
        await self.queue.put((texts, done))
        return await done

    async def _work(self):
        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self.queue.get()]
            size = len(jobs[0][0])
            while not self.queue.empty() and size < self.max_texts:
                jobs.append(self.queue.get_nowait())
                size += len(jobs[-1][0])
            texts = [t for job, _ in jobs for t in job]
            try:
                rows = await loop.run_in_executor(self.executor, self.function, texts)
            except Exception as error:  # each waiting request gets the error
                for _, done in jobs:
                    if not done.done():
                        done.set_exception(error)
                continue
            start = 0
            for job, done in jobs:
                if not done.done():
                    done.set_result(rows[start:start + len(job)])
                start += len(job)


class BodyLimit:
    """ASGI middleware: a body over ``max_bytes`` (declared or streamed) gets 413."""

    def __init__(self, app, max_bytes):
        self.app, self.max_bytes = app, int(max_bytes)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(send)
        # Read the whole body first (the application would anyway), so that an
        # oversized one is refused before any of it is parsed.
        parts, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            parts.append(message.get("body", b""))
            size += len(parts[-1])
            if size > self.max_bytes:
                return await self._too_large(send)
            if not message.get("more_body", False):
                break
        body = {"type": "http.request", "body": b"".join(parts), "more_body": False}
        replayed = False

        async def replay():
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return body

        await self.app(scope, replay, send)

    async def _too_large(self, send):
        body = json.dumps({"detail": f"the request body is over the limit of "
                                     f"{self.max_bytes:,} bytes: send fewer or shorter texts "
                                     "per request"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _json(content, status=200):
    from fastapi.responses import Response
    return Response(json.dumps(content, ensure_ascii=False), status, media_type="application/json")


def create_app(classifier, model_dir="", limits=Limits()):
    """The FastAPI application serving ``classifier`` (a fitted TextClassifier)."""
    from fastapi import FastAPI
    from fastapi.exceptions import RequestValidationError
    from pydantic import BaseModel, Field, StringConstraints

    from .io import InputError

    Text = Annotated[str, StringConstraints(max_length=limits.max_text_chars)]
    Texts = Annotated[list[Text], Field(min_length=1, max_length=limits.max_texts)]

    class PredictRequest(BaseModel):
        texts: Texts
        k: int = Field(1, ge=1, description="How many labels per text, most probable first.")
        threshold: Optional[float] = Field(
            None, gt=0, le=1, description="Leave out labels below this probability.")

    class Prediction(BaseModel):
        labels: list[str]
        probabilities: list[float]

    class PredictResponse(BaseModel):
        predictions: list[Prediction]

    class ExplainRequest(BaseModel):
        texts: Texts
        label: Optional[str] = Field(None, description="Explain this label (default: the "
                                                       "predicted one).")

    class Explanation(BaseModel):
        label: str
        probability: float
        method: str
        tokens: list[tuple[str, float]]
        ngrams: list[tuple[str, float]]

    class ExplainResponse(BaseModel):
        explanations: list[Explanation]

    class EmbedRequest(BaseModel):
        texts: Texts

    class EmbedResponse(BaseModel):
        dimension: int
        vectors: list[list[float]]

    classes = classifier.classes_
    executor = ThreadPoolExecutor(1, thread_name_prefix="textembed-model")
    probabilities = Batcher(lambda texts: classifier.predict_proba(texts, batch_size=1024),
                            executor, limits.max_batch_texts)
    vectors = Batcher(lambda texts: classifier.embed(texts), executor, limits.max_batch_texts)
    metadata = {"version": __version__, "model_dir": str(model_dir), "labels": classes,
                "architecture": classifier.arch, "multilabel": bool(classifier.multilabel_),
                "metrics": classifier.metrics_ or {}, "limits": asdict(limits)}

    app = FastAPI(title="textembed", version=__version__,
                  description=f"The classifier in {model_dir or 'memory'}: "
                              f"{classifier.arch}, {len(classes)} labels.")

    @app.exception_handler(RequestValidationError)
    async def invalid(request, error):
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors()[:5]]
        return _json({"detail": "; ".join(problems) or "invalid request"}, 422)

    @app.exception_handler(InputError)
    async def bad_input(request, error):
        return _json({"detail": str(error)}, 422)

    @app.exception_handler(Exception)
    async def failed(request, error):
        return _json({"detail": f"the model failed on this request: {error}"}, 500)

    @app.get("/health")
    async def health():
        """Whether the server answers."""
        return {"status": "ok"}

    @app.get("/metadata")
    async def get_metadata():
        """The model's labels, architecture, metrics and the server's limits."""
        return _json(metadata)

    @app.post("/predict", response_model=PredictResponse)
    async def predict(request: PredictRequest):
        """Each text's labels (k most probable, those under threshold left out)."""
        probs = await probabilities(request.texts)
        ranked = classifier.top_labels(probs, request.k, request.threshold)
        return _json({"predictions": [
            {"labels": [classes[i] for i, _ in row], "probabilities": [p for _, p in row]}
            for row in ranked]})

    @app.post("/explain", response_model=ExplainResponse)
    async def explain(request: ExplainRequest):
        """Each token's part of the label's score (see `textembed explain`)."""
        loop = asyncio.get_running_loop()
        found = await loop.run_in_executor(executor, classifier.explain, request.texts,
                                           request.label)
        return _json({"explanations": found})

    @app.post("/embed", response_model=EmbedResponse)
    async def embed(request: EmbedRequest):
        """One vector per text (see `textembed embed`)."""
        rows = await vectors(request.texts)
        return _json({"dimension": int(rows.shape[1]), "vectors": rows.tolist()})

    app.add_middleware(BodyLimit, max_bytes=limits.max_body_bytes)
    return app


def load_and_warm(model_dir):
    """The classifier in ``model_dir``, with its kernels loaded by one warm-up call."""
    from .classify.model import TextClassifier
    classifier = TextClassifier.load(model_dir)
    classifier.predict_proba(["warm up"] * WARM_TEXTS)
    return classifier


def app_from_environment():
    """The application of one `serve --workers N` process (uvicorn's factory): model
    and limits come from :data:`MODEL_ENV` and :data:`LIMITS_ENV`."""
    model_dir = os.environ[MODEL_ENV]
    limits = Limits(**json.loads(os.environ.get(LIMITS_ENV, "{}")))
    return create_app(load_and_warm(model_dir), model_dir, limits)
