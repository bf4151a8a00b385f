"""Probabilities from scores: softmax / sigmoid, calibration, and how to judge them.

Calibration maps a model's logits z (float32 (n, n_classes)) to logits
whose probabilities match observed frequencies. :class:`PowerCalibration`
fits two numbers on held-out logits by minimising the log loss:

    z' = scale * sign(u) * |u| ** power,   u = z - mean_c(z)  (softmax)
                                           u = z              (multi-label)

``power`` = 1 is temperature scaling (Guo et al. 2017); ``power`` < 1
also shrinks the largest scores more than the middle ones, which linear
models on sparse features need (their most confident scores are too
confident while the middle ones are too timid).
"""
import numpy as np

ECE_BINS = 15
MAX_FIT_ENTRIES = 1_000_000


def softmax(z):
    """float64 (n, C) row-wise softmax of the logits ``z``."""
    z = np.asarray(z, np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sigmoid(z):
    """float64 logistic function of ``z`` (no overflow for large |z|)."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, np.float64)))


def probabilities(z, multilabel):
    return sigmoid(z) if multilabel else softmax(z)


def log_loss(z, targets, multilabel, weight=None):
    """Mean negative log-likelihood of the logits ``z``.

    targets: int (n,) classes (single-label) or float/bool (n, C) 0/1
    (multi-label: the summed logistic loss of every class); weight: (n,).
    """
    z = np.asarray(z, np.float64)
    if multilabel:
        losses = (np.logaddexp(0.0, z) - z * targets).sum(axis=1)
    else:
        top = z.max(axis=1, keepdims=True)
        log_norm = top[:, 0] + np.log(np.exp(z - top).sum(axis=1))
        losses = log_norm - z[np.arange(len(z)), targets]
    if weight is None:
        return float(losses.mean()) if len(losses) else 0.0
    return float(np.sum(losses * weight) / max(np.sum(weight), 1e-12))


def expected_calibration_error(probs, targets, bins=ECE_BINS):
    """ECE of the top probability: |confidence - accuracy| averaged over ``bins``
    equal-width confidence bins, weighted by their share of the examples.

    probs: (n, C) probabilities; targets: int (n,) true classes.
    """
    probs = np.asarray(probs, np.float64)
    if not len(probs):
        return float("nan")
    confidence = probs.max(axis=1)
    correct = probs.argmax(axis=1) == np.asarray(targets)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    total = 0.0
    for b in np.unique(which):
        inside = which == b
        total += abs(confidence[inside].mean() - correct[inside].mean()) * inside.mean()
    return float(total)


def _power(z, scale, power, multilabel):
    u = np.asarray(z, np.float64)
    if not multilabel:
        u = u - u.mean(axis=1, keepdims=True)
    return scale * np.sign(u) * np.abs(u) ** power


def _nelder_mead(f, start, step=0.5, iterations=120, tolerance=1e-6):
    """Minimise ``f`` (R^d -> R) from ``start``: the simplex method (no derivatives)."""
    d = len(start)
    points = [np.asarray(start, np.float64)]
    for i in range(d):
        p = points[0].copy()
        p[i] += step
        points.append(p)
    values = [f(p) for p in points]
    for _ in range(iterations):
        order = np.argsort(values)
        points = [points[i] for i in order]
        values = [values[i] for i in order]
        if abs(values[-1] - values[0]) < tolerance:
            break
        centroid = np.mean(points[:-1], axis=0)
        reflected = centroid + (centroid - points[-1])
        fr = f(reflected)
        if fr < values[0]:
            expanded = centroid + 2.0 * (centroid - points[-1])
            fe = f(expanded)
            points[-1], values[-1] = (expanded, fe) if fe < fr else (reflected, fr)
        elif fr < values[-2]:
            points[-1], values[-1] = reflected, fr
        else:
            contracted = centroid + 0.5 * (points[-1] - centroid)
            fc = f(contracted)
            if fc < values[-1]:
                points[-1], values[-1] = contracted, fc
            else:
                for i in range(1, len(points)):
                    points[i] = points[0] + 0.5 * (points[i] - points[0])
                    values[i] = f(points[i])
    return points[int(np.argmin(values))]


class PowerCalibration:
    """The two-number calibration of the module docstring; ``scale`` = ``power`` = 1
    (the identity up to centering) until fitted."""

    def __init__(self, multilabel=False, scale=1.0, power=1.0):
        self.multilabel = bool(multilabel)
        self.scale = float(scale)
        self.power = float(power)

    def fit(self, z, targets, weight=None, max_entries=MAX_FIT_ENTRIES):
        """Fit on held-out logits ``z`` (n, C) and their targets (see :func:`log_loss`).

        Two numbers do not need every row: past ``max_entries`` logits, a fixed
        random subset of the rows is used (fitting costs about 100 passes).
        """
        z = np.asarray(z, np.float64)
        if z.size > max_entries:
            rows = np.sort(np.random.default_rng(0).choice(
                len(z), max(max_entries // z.shape[1], 1), replace=False))
            z, targets = z[rows], np.asarray(targets)[rows]
            weight = None if weight is None else np.asarray(weight)[rows]

        def unpack(params):
            # powers outside [0.2, 2] only fit the noise of a small hold-out
            return (float(np.exp(np.clip(params[0], -12.0, 12.0))),
                    float(np.clip(np.exp(params[1]), 0.2, 2.0)))

        def loss(params):
            scale, power = unpack(params)
            return log_loss(_power(z, scale, power, self.multilabel), targets,
                            self.multilabel, weight)

        self.scale, self.power = unpack(_nelder_mead(loss, [0.0, 0.0]))
        return self

    def transform(self, z):
        """Calibrated logits, float64 (n, C)."""
        return _power(z, self.scale, self.power, self.multilabel)

    def get_config(self):
        return {"multilabel": self.multilabel, "scale": self.scale, "power": self.power}


def reliability(confidence, correct, bins=ECE_BINS):
    """The figures of a reliability diagram: predictions grouped into ``bins`` equal-width
    bins of their confidence.

    confidence: float (n,) in [0, 1] (the top probability); correct: bool (n,).
    Returns {"edges": float64 (bins + 1,), "count": int64 (bins,), "confidence" and
    "accuracy": float64 (bins,) means of each bin (nan where empty), "ece": the
    count-weighted mean of |confidence - accuracy| (as
    :func:`expected_calibration_error`)}.
    """
    confidence = np.asarray(confidence, np.float64)
    correct = np.asarray(correct, bool)
    which = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    count = np.bincount(which, minlength=bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(which, confidence, bins) / count
        accuracy = np.bincount(which, correct, bins) / count
    filled = count > 0
    ece = float(np.sum(np.abs(mean_confidence - accuracy)[filled] * count[filled])
                / max(len(confidence), 1)) if len(confidence) else float("nan")
    return {"edges": np.linspace(0.0, 1.0, bins + 1), "count": count,
            "confidence": mean_confidence, "accuracy": accuracy, "ece": ece}
