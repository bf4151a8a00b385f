"""fastText's ``.bin`` model format (fastText 0.9, file format version 12), read and written.

Layout, all little-endian, no padding:

* magic int32 793712314, version int32 (12; 11 is read too);
* the arguments: dim, ws, epoch, minCount, neg, wordNgrams, loss (1 hs, 2 ns,
  3 softmax, 4 ova), model (1 cbow, 2 skip-gram, 3 supervised), bucket, minn,
  maxn, lrUpdateRate as int32, then t as float64;
* the dictionary: size int32, nwords int32, nlabels int32, ntokens int64,
  pruneidx_size int64 (-1: no pruning); then each entry: its bytes, a NUL,
  count int64, type int8 (0 word, 1 label); then pruneidx_size pairs
  (bucket int32, row int32) when the n-grams were pruned;
* quantized input: bool (1 byte); the input matrix: rows int64, dim int64, then
  rows x dim float32: the nwords word rows, then the bucket n-gram rows;
* quantized output: bool; the output matrix, same layout (nwords rows for
  negative sampling).

Quantized models (``.ftz``) are refused. Problems with a file raise
:class:`~textembed.io.InputError` naming it.
"""
import os
import struct

import numpy as np

from ..io import InputError, atomic_output

MAGIC = 793712314
VERSION = 12
_ARG_NAMES = ("dim", "ws", "epoch", "minCount", "neg", "wordNgrams", "loss", "model",
              "bucket", "minn", "maxn", "lrUpdateRate")
_ARGS = struct.Struct("<12id")
_DICT_HEAD = struct.Struct("<3i2q")
LOSS_NS = 2
MODEL_SKIPGRAM = 2


class FastTextModel:
    """The parts of a fastText model file.

    args: dict of the arguments (names as fastText's, ``t`` a float);
    words: list of str (nwords,), the dictionary's words (labels left out);
    counts: int64 (nwords,); ntokens: int;
    input_matrix: float32 (nwords + bucket, dim); output_matrix: float32 (rows, dim) or None.
    """

    def __init__(self, args, words, counts, ntokens, input_matrix, output_matrix):
        self.args = args
        self.words = words
        self.counts = counts
        self.ntokens = ntokens
        self.input_matrix = input_matrix
        self.output_matrix = output_matrix


def is_fasttext_model(path):
    """Whether ``path`` is a file starting with fastText's magic number."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return len(head) == 4 and struct.unpack("<i", head)[0] == MAGIC


def default_args(dim, minn, maxn, bucket, ws=5, epoch=5, min_count=5, neg=5, t=1e-4):
    """The argument block of a skip-gram model with negative sampling."""
    return {"dim": dim, "ws": ws, "epoch": epoch, "minCount": min_count, "neg": neg,
            "wordNgrams": 1, "loss": LOSS_NS, "model": MODEL_SKIPGRAM, "bucket": bucket,
            "minn": minn, "maxn": maxn, "lrUpdateRate": 100, "t": float(t)}


def write_fasttext(path, args, words, counts, ntokens, input_matrix, output_matrix):
    """Write a model file, atomically.

    args: dict as from :func:`default_args` (dim and bucket must match the
      matrices); words: list of str (V,); counts: int (V,);
    input_matrix: float32 (V + bucket, dim); output_matrix: float32 (V, dim).
    """
    input_matrix = np.ascontiguousarray(input_matrix, dtype="<f4")
    output_matrix = np.ascontiguousarray(output_matrix, dtype="<f4")
    n_words = len(words)
    if input_matrix.shape != (n_words + args["bucket"], args["dim"]):
        raise ValueError(f"input_matrix must have shape ({n_words + args['bucket']}, "
                         f"{args['dim']}), not {input_matrix.shape}")
    if output_matrix.ndim != 2 or output_matrix.shape[1] != args["dim"]:
        raise ValueError(f"output_matrix must have {args['dim']} columns, "
                         f"not shape {output_matrix.shape}")
    parts = [struct.pack("<2i", MAGIC, VERSION),
             _ARGS.pack(*(int(args[name]) for name in _ARG_NAMES), float(args["t"])),
             _DICT_HEAD.pack(n_words, n_words, 0, int(ntokens), -1)]
    for word, count in zip(words, np.asarray(counts, dtype=np.int64).tolist()):
        encoded = word.encode("utf-8", "surrogateescape")
        if b"\0" in encoded:
            raise ValueError(f"word {word!r} contains a NUL byte: fastText's format cannot "
                             "store it")
        parts.append(encoded + b"\0" + struct.pack("<qb", count, 0))
    with atomic_output(os.fspath(path), "wb") as out:
        out.write(b"".join(parts))
        for matrix in (input_matrix, output_matrix):
            out.write(struct.pack("<?2q", False, *matrix.shape))
            for start in range(0, len(matrix), 1 << 16):
                out.write(matrix[start:start + (1 << 16)].tobytes())


class _Reader:
    def __init__(self, handle, path, size):
        self.handle, self.path, self.size = handle, path, size

    def take(self, n, what):
        data = self.handle.read(n)
        if len(data) != n:
            raise InputError(f"{self.path}: truncated in {what} (the file ends at byte "
                             f"{self.handle.tell():,}); not a complete fastText model")
        return data

    def unpack(self, fmt, what):
        layout = struct.Struct(fmt)
        return layout.unpack(self.take(layout.size, what))

    def matrix(self, what):
        quantized, rows, dim = self.unpack("<?2q", what)
        if quantized:
            raise InputError(f"{self.path}: the {what} is quantized (a .ftz model): "
                             "not supported; use the full .bin model")
        need = rows * dim * 4
        left = self.size - self.handle.tell()
        if rows < 0 or dim < 1 or need > left:
            raise InputError(f"{self.path}: the {what} ({rows:,} x {dim:,} float32) does not "
                             f"fit in the {left:,} bytes left: truncated or corrupt")
        data = np.fromfile(self.handle, dtype="<f4", count=rows * dim)
        return data.astype(np.float32, copy=False).reshape(rows, dim)


def read_fasttext(path, output=True):
    """Read a fastText ``.bin`` model into a :class:`FastTextModel`.

    output: also read the output matrix (False skips it: it is not needed for
    word vectors).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise InputError(f"{path}: no such file")
    size = os.path.getsize(path)
    with open(path, "rb") as handle:
        reader = _Reader(handle, path, size)
        magic, version = reader.unpack("<2i", "the header") if size >= 8 else (None, None)
        if magic != MAGIC:
            raise InputError(f"{path}: not a fastText model (it does not start with "
                             "fastText's magic number)")
        if version not in (11, VERSION):
            raise InputError(f"{path}: fastText file format version {version} is not supported "
                             f"(versions 11 and {VERSION} are)")
        values = reader.unpack(_ARGS.format, "the arguments")
        args = dict(zip(_ARG_NAMES, values[:-1]))
        args["t"] = values[-1]
        n_entries, n_words, n_labels, ntokens, prune_size = reader.unpack(
            _DICT_HEAD.format, "the dictionary header")
        if not (0 <= n_words <= n_entries and n_labels >= 0 and n_entries == n_words + n_labels):
            raise InputError(f"{path}: corrupt dictionary header ({n_entries} entries, "
                             f"{n_words} words, {n_labels} labels)")
        words, counts = _read_dictionary(handle, path, n_entries)
        if len(words) != n_words:
            raise InputError(f"{path}: the dictionary announces {n_words:,} words but holds "
                             f"{len(words):,}")
        if prune_size > 0:
            raise InputError(f"{path}: the model's n-grams were pruned (a quantized model): "
                             "not supported; use the full .bin model")
        input_matrix = reader.matrix("input matrix")
        expected = (n_words + args["bucket"], args["dim"])
        if input_matrix.shape != expected:
            raise InputError(f"{path}: the input matrix is {input_matrix.shape[0]:,} x "
                             f"{input_matrix.shape[1]}, expected {expected[0]:,} x "
                             f"{expected[1]} (words + buckets): corrupt file")
        output_matrix = reader.matrix("output matrix") if output else None
    return FastTextModel(args, words, np.asarray(counts, dtype=np.int64), ntokens,
                         input_matrix, output_matrix)


def _read_dictionary(handle, path, n_entries):
    """The words (type 0 entries) and their counts; reads ahead in 1 MB blocks and
    leaves the file just after the last entry."""
    start = handle.tell()
    buffer = b""
    at = 0
    words, counts = [], []
    entry = struct.Struct("<qb")
    for k in range(n_entries):
        end = buffer.find(b"\0", at)
        while end < 0 or len(buffer) - end - 1 < entry.size:
            more = handle.read(1 << 20)
            if not more:
                raise InputError(f"{path}: truncated in dictionary entry {k + 1} of "
                                 f"{n_entries:,}; not a complete fastText model")
            start += at
            buffer = buffer[at:] + more
            at = 0
            end = buffer.find(b"\0")
            if end < 0 and len(buffer) > 1 << 22:
                raise InputError(f"{path}: dictionary entry {k + 1} is longer than 4 MB: "
                                 "corrupt file")
        count, kind = entry.unpack_from(buffer, end + 1)
        if kind == 0:
            words.append(buffer[at:end].decode("utf-8", "surrogateescape"))
            counts.append(count)
        elif kind != 1:
            raise InputError(f"{path}: dictionary entry {k + 1} has type {kind} (0 word, "
                             "1 label): corrupt file")
        at = end + 1 + entry.size
    handle.seek(start + at)
    return words, counts
