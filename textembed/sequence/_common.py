"""What the sequence modules share: the int argument check, and the numba
kernels, imported (and numba with them) on the first call that needs one."""
import operator

import numpy as np


def load_kernels():
    """The numba kernels module, imported (and numba with it) on first use."""
    from ..kernels import sequence_kernels
    return sequence_kernels


def as_int(name, value):
    """``value`` as a Python int, or TypeError naming the argument."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"`{name}` must be an int, got the bool {value!r}.")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(
            f"`{name}` must be an int, got {value!r} "
            f"({type(value).__name__})."
        ) from None
