"""Weight initializers with Keras' names and formulas.

``get(identifier)`` takes a name ('glorot_uniform', 'orthogonal', ...), an
Initializer, or a callable ``(shape, rng=None) -> array``. Every initializer
returns float32 arrays; ``rng`` is a ``numpy.random.Generator`` (a fresh one
when None).
"""
import numpy as np

from ._names import make_by_name


def _fans(shape):
    """Keras' fan_in, fan_out: convolution kernels (k..., in, out) count the receptive field."""
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = int(np.prod(shape[:-2]))
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape, rng=None):
        raise NotImplementedError

    def get_config(self):
        return {}


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, rng=None):
        return np.full(shape, self.value, dtype=np.float32)

    def get_config(self):
        return {"value": self.value}


class Zeros(Constant):
    def __init__(self):
        super().__init__(0.0)

    def get_config(self):
        return {}


class Ones(Constant):
    def __init__(self):
        super().__init__(1.0)

    def get_config(self):
        return {}


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval, self.seed = minval, maxval, seed

    def __call__(self, shape, rng=None):
        rng = rng or np.random.default_rng(self.seed)
        return rng.uniform(self.minval, self.maxval, size=shape).astype(np.float32)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev, self.seed = mean, stddev, seed

    def __call__(self, shape, rng=None):
        rng = rng or np.random.default_rng(self.seed)
        return rng.normal(self.mean, self.stddev, size=shape).astype(np.float32)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Keras' VarianceScaling: scale / fan, uniform or truncated normal."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale, self.mode, self.distribution, self.seed = scale, mode, distribution, seed

    def __call__(self, shape, rng=None):
        rng = rng or np.random.default_rng(self.seed)
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        variance = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = np.sqrt(3.0 * variance)
            return rng.uniform(-limit, limit, size=shape).astype(np.float32)
        stddev = np.sqrt(variance)
        if self.distribution == "normal" or self.distribution == "untruncated_normal":
            return rng.normal(0.0, stddev, size=shape).astype(np.float32)
        # truncated at two standard deviations; 0.8796... is the std of that truncation
        stddev = stddev / 0.87962566103423978
        values = rng.normal(0.0, stddev, size=shape)
        bad = np.abs(values) > 2 * stddev
        while bad.any():
            values[bad] = rng.normal(0.0, stddev, size=int(bad.sum()))
            bad = np.abs(values) > 2 * stddev
        return values.astype(np.float32)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class Orthogonal(Initializer):
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one."""

    def __init__(self, gain=1.0, seed=None):
        self.gain, self.seed = gain, seed

    def __call__(self, shape, rng=None):
        rng = rng or np.random.default_rng(self.seed)
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        flat = rng.normal(0.0, 1.0, size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(np.float32)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


def glorot_uniform(seed=None):
    return VarianceScaling(1.0, "fan_avg", "uniform", seed)


def glorot_normal(seed=None):
    return VarianceScaling(1.0, "fan_avg", "truncated_normal", seed)


def he_uniform(seed=None):
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def he_normal(seed=None):
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


_BY_NAME = {
    "zeros": Zeros, "zero": Zeros, "ones": Ones, "one": Ones, "constant": Constant,
    "uniform": RandomUniform, "random_uniform": RandomUniform,
    "normal": RandomNormal, "random_normal": RandomNormal,
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
    "lecun_uniform": lecun_uniform, "lecun_normal": lecun_normal,
    "orthogonal": Orthogonal,
}


def get(identifier):
    """An initializer from a name, an Initializer or a callable."""
    if identifier is None:
        return Zeros()
    if isinstance(identifier, str):
        return make_by_name(identifier, _BY_NAME, "initializer")
    if isinstance(identifier, dict):
        return _from_dict(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"initializer must be a name or a callable, got {type(identifier).__name__}")


_CLASSES = {c.__name__: c for c in (Constant, Zeros, Ones, RandomUniform, RandomNormal,
                                    VarianceScaling, Orthogonal)}


def serialize(initializer):
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def _from_dict(spec):
    cls = _CLASSES.get(spec.get("class_name"))
    if cls is None:
        raise ValueError(f"unknown initializer {spec.get('class_name')!r}")
    return cls(**spec.get("config", {}))
