"""Weight and activity regularizers: penalties added to the loss, with gradients."""
import numpy as np


class Regularizer:
    """``penalty = l1 * sum(|x|) + l2 * sum(x**2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        penalty = 0.0
        if self.l1:
            penalty += self.l1 * float(np.abs(x).sum(dtype=np.float64))
        if self.l2:
            penalty += self.l2 * float(np.square(x, dtype=np.float64).sum())
        return penalty

    def gradient(self, x):
        """d penalty / d x, in the dtype of x (float32 for non-float x)."""
        dtype = np.dtype(x.dtype if np.issubdtype(x.dtype, np.floating) else np.float32)
        grad = np.zeros_like(x, dtype=dtype)
        if self.l1:
            grad += dtype.type(self.l1) * np.sign(x).astype(dtype)
        if self.l2:
            grad += dtype.type(2.0 * self.l2) * x
        return grad

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def l1(l=0.01):
    return Regularizer(l1=l)


def l2(l=0.01):
    return Regularizer(l2=l)


def l1_l2(l1=0.01, l2=0.01):
    return Regularizer(l1=l1, l2=l2)


L1L2 = Regularizer


def get(identifier):
    """None, a Regularizer, a name ('l1', 'l2', 'l1_l2') or a {'l1':..,'l2':..} dict."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        makers = {"l1": l1, "l2": l2, "l1_l2": l1_l2}
        if identifier not in makers:
            raise ValueError(f"unknown regularizer {identifier!r}; valid names: l1, l2, l1_l2")
        return makers[identifier]()
    if isinstance(identifier, dict):
        return Regularizer(**identifier.get("config", identifier))
    raise TypeError(f"regularizer must be None, a name or a Regularizer, "
                    f"got {type(identifier).__name__}")


def serialize(regularizer):
    return None if regularizer is None else {"class_name": "L1L2",
                                             "config": regularizer.get_config()}
