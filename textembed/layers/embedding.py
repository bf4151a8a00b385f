"""Embedding: integer ids -> rows of a trainable matrix, with sparse row gradients."""
import numpy as np

from ..kernels.embedding_kernels import embedding_row_grads
from .base import Layer, Weight, check_positive_int
from .config import set_weight_options, weight_options_config


class Embedding(Layer):
    """Look up ``embeddings[ids]``.

    inputs: integer ids of shape (N, ...) (usually (N, input_length)), each in
    ``[0, input_dim)`` (float arrays of whole numbers are accepted, as in Keras);
    embeddings: float32 (input_dim, output_dim); output: (N, ..., output_dim).

    Backward is sparse: the gradient of ``embeddings`` holds one summed row per
    distinct id of the batch, shape (m, output_dim), with the m row ids in ``sparse_rows``,
    so optimizers touch only those rows. With an ``embeddings_regularizer`` (whose
    gradient is dense) the gradient is the full (input_dim, output_dim) matrix.

    ``mask_zero=True``: id 0 is padding; ``compute_mask`` gives ``ids != 0``
    (so ``input_dim`` should be the vocabulary size + 1).
    Pretrained vectors: ``Embedding(n, d, weights=[matrix], trainable=False)`` as in
    Keras, or ``Embedding.from_pretrained(matrix, freeze=True)``.
    """

    embeddings = Weight()

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, activity_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, input_length=None, weights=None,
                 trainable=True, **kwargs):
        if "input_shape" not in kwargs and "batch_input_shape" not in kwargs:
            if input_length is None:
                kwargs["input_shape"] = (None,)
            elif isinstance(input_length, (list, tuple)):
                kwargs["input_shape"] = tuple(input_length)
            else:
                kwargs["input_shape"] = (input_length,)
        super().__init__(trainable=trainable, activity_regularizer=activity_regularizer,
                         **kwargs)
        self.input_dim = check_positive_int(self, "input_dim", input_dim)
        self.output_dim = check_positive_int(self, "output_dim", output_dim)
        set_weight_options(self, "embeddings", embeddings_initializer, embeddings_regularizer,
                           embeddings_constraint)
        self.mask_zero = bool(mask_zero)
        self.input_length = input_length
        if weights is not None:
            weights = list(weights)
            if len(weights) != 1 or np.shape(weights[0]) != (self.input_dim, self.output_dim):
                shapes = [np.shape(w) for w in weights]
                raise ValueError(f"layer {self.name!r}: weights must be [matrix] with a matrix of "
                                 f"shape ({self.input_dim}, {self.output_dim}), got shapes {shapes}")
        self._initial_weights = weights
        self._ids = None

    @classmethod
    def from_pretrained(cls, matrix, freeze=True, mask_zero=False, **kwargs):
        """An Embedding holding ``matrix`` (input_dim, output_dim); frozen unless ``freeze=False``."""
        matrix = np.asarray(matrix, dtype=np.float32)
        if matrix.ndim != 2:
            raise ValueError(f"from_pretrained needs a 2D matrix (vocabulary, dimensions), "
                             f"got shape {matrix.shape}")
        return cls(matrix.shape[0], matrix.shape[1], weights=[matrix], trainable=not freeze,
                   mask_zero=mask_zero, **kwargs)

    def build(self, input_shape):
        if self.built:
            return
        self.add_weight("embeddings", (self.input_dim, self.output_dim),
                        self.embeddings_initializer, self.embeddings_regularizer,
                        self.embeddings_constraint)
        self._slot_of = np.full(self.input_dim, -1, dtype=np.int64)
        super().build(input_shape)

    def add_rows(self, rows):
        """Grow the built table by ``rows`` (k, output_dim): ids ``input_dim`` to
        ``input_dim + k - 1`` (the old ``input_dim``) now look them up.

        An optimizer's state for the table starts afresh on the next update.
        """
        if not self.built:
            raise ValueError(f"layer {self.name!r}: add_rows needs a built layer")
        rows = np.asarray(rows, dtype=np.float32)
        if rows.ndim != 2 or rows.shape[1] != self.output_dim:
            raise ValueError(f"layer {self.name!r}: add_rows needs an array of shape "
                             f"(k, {self.output_dim}), got {rows.shape}")
        self._replace_weight("embeddings", np.concatenate([self.embeddings, rows]))
        self.input_dim += len(rows)
        self._slot_of = np.full(self.input_dim, -1, dtype=np.int64)
        self.zero_grads()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(inputs) != 0

    def _check_ids(self, inputs):
        ids = np.asarray(inputs)
        if np.issubdtype(ids.dtype, np.floating):
            if ids.size and not (np.all(np.isfinite(ids)) and np.all(ids == np.floor(ids))):
                bad = ids[~(np.isfinite(ids) & (ids == np.floor(ids)))].flat[0]
                raise ValueError(f"layer {self.name!r}: inputs must be integer ids, "
                                 f"got the value {bad}")
            ids = ids.astype(np.int64)
        elif not (np.issubdtype(ids.dtype, np.integer) or ids.dtype == np.bool_):
            raise ValueError(f"layer {self.name!r}: inputs must be integer ids, "
                             f"got an array of dtype {ids.dtype}")
        if ids.size:
            low, high = ids.min(), ids.max()
            if low < 0 or high >= self.input_dim:
                bad = low if low < 0 else high
                raise ValueError(f"layer {self.name!r}: id {bad} is out of range: ids must be in "
                                 f"[0, {self.input_dim}) (input_dim={self.input_dim})")
        return ids

    def forward(self, inputs, training=False, mask=None):
        ids = self._check_ids(inputs)
        self._ids = ids
        return self._activity_forward(np.take(self.embeddings, ids, axis=0))

    def backward(self, grad_output):
        """Sets the (sparse) gradient of ``embeddings``; returns None (ids have no gradient)."""
        g = self._activity_backward(grad_output)
        if not self.trainable:
            return None
        table = self.embeddings
        g2 = np.ascontiguousarray(g, dtype=table.dtype).reshape(-1, self.output_dim)
        ids = np.ascontiguousarray(self._ids, dtype=np.int64).reshape(-1)
        rows, row_grads = embedding_row_grads(ids, g2, self._slot_of)
        if self.embeddings_regularizer is None:
            self.set_gradient("embeddings", row_grads, rows=rows)
        else:
            dense = np.zeros_like(table)
            dense[rows] = row_grads
            self.set_gradient("embeddings", dense)
        return None

    def zero_grads(self):
        self.set_gradient("embeddings", np.zeros_like(self.embeddings))

    def get_config(self):
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim, **weight_options_config(self, ("embeddings",)),
                "mask_zero": self.mask_zero, "input_length": self.input_length}
