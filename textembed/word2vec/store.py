"""textembed's vector store: a directory that loads in a fraction of a second.

Layout of a store ``NAME/`` (``norms.npy`` is optional, the others required)::

  store.json   {"format": "textembed-word-vectors", "version": 1,
                "words": V, "dim": D, "counts": true|false, "min_count": int|null}
  vectors.npy  the float32 (V, D) matrix, little-endian, C order (numpy's .npy)
  norms.npy    float32 (V,): the length of each row, so that the first query
               need not read the whole matrix to compute them
  vocab.tsv    V lines in row order, UTF-8: ``word<TAB>count``, or ``word``
               alone when the vectors have no counts. In words, a backslash,
               tab, line feed and carriage return are written ``\\\\``,
               ``\\t``, ``\\n``, ``\\r``, so any word can be stored.

Loading maps ``vectors.npy`` into memory (``np.load(mmap_mode="r")``): the
matrix is read from disk as queries touch it, and shared between processes.
Writing builds the directory under a temporary name beside ``NAME`` and
renames it into place; an existing store is replaced only once the new one
is complete, and a file or folder that is not a store is never replaced.
Every problem with a store raises :class:`~textembed.io.InputError` (one line).
"""
import json
import os

import numpy as np

from ..io import InputError, atomic_directory

FORMAT = "textembed-word-vectors"
VERSION = 1
META, MATRIX, VOCAB, NORMS = "store.json", "vectors.npy", "vocab.tsv", "norms.npy"
_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}
_UNESCAPES = {"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}


def is_store(path):
    """Whether ``path`` is a directory holding a store's ``store.json``."""
    return os.path.isdir(path) and os.path.isfile(os.path.join(path, META))


def check_output(path):
    """Raise InputError unless ``path`` can receive a store (call it before long work):
    its folder exists, and ``path`` is new or already a store."""
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise InputError(f"{path}: the folder {parent} does not exist")
    if os.path.lexists(path) and not is_store(path):
        kind = "a folder" if os.path.isdir(path) else "a file"
        raise InputError(f"{path}: exists and is {kind}, not a textembed vector store; "
                         "choose another name or remove it")


def save(path, words, vectors, counts=None, min_count=None, norms=None):
    """Write a store at ``path`` (see the module's docstring), atomically.

    words: list of str (V,); vectors: float (V, D), written as float32;
    counts: int (V,) or None; min_count: int or None (kept for messages);
    norms: float32 (V,), the rows' lengths, or None.
    """
    check_output(path)
    meta = {"format": FORMAT, "version": VERSION, "words": len(words),
            "dim": int(vectors.shape[1]), "counts": counts is not None,
            "min_count": None if min_count is None else int(min_count)}
    with atomic_directory(path, "the vector store") as tmp:
        with open(os.path.join(tmp, MATRIX), "wb") as out:
            np.save(out, np.ascontiguousarray(vectors, dtype="<f4"), allow_pickle=False)
        if norms is not None:
            with open(os.path.join(tmp, NORMS), "wb") as out:
                np.save(out, np.ascontiguousarray(norms, dtype="<f4"), allow_pickle=False)
        with open(os.path.join(tmp, VOCAB), "w", encoding="utf-8", newline="\n") as out:
            out.write(_vocab_text(words, counts))
        with open(os.path.join(tmp, META), "w", encoding="utf-8") as out:
            out.write(json.dumps(meta, indent=1) + "\n")


def _vocab_text(words, counts):
    escaped = [_escape(word) for word in words]
    if counts is None:
        return "".join(word + "\n" for word in escaped)
    counts = np.asarray(counts, dtype=np.int64).tolist()
    return "".join(f"{word}\t{count}\n" for word, count in zip(escaped, counts))


def _escape(word):
    if "\\" in word or "\t" in word or "\n" in word or "\r" in word:
        return "".join(_ESCAPES.get(ch, ch) for ch in word)
    return word


def _unescape(word):
    out = []
    chars = iter(word)
    for ch in chars:
        out.append(_UNESCAPES.get(next(chars, ""), None) if ch == "\\" else ch)
    if None in out:
        raise ValueError(f"a bad escape in the word {word!r}")
    return "".join(out)


def load(path, mmap=True):
    """Read a store: returns ``(words, vectors, counts, norms, meta)``.

    words: list of str (V,); vectors: float32 (V, D), a read-only memory map
    when ``mmap`` (else read into memory); counts: int64 (V,) or None;
    norms: float32 (V,) or None (no norms.npy); meta: the ``store.json`` dict.
    """
    path = os.fspath(path)
    meta = _read_meta(path)
    n_words, dim = meta["words"], meta["dim"]
    matrix_path = os.path.join(path, MATRIX)
    try:
        vectors = np.load(matrix_path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{path}: a broken vector store: {MATRIX} is missing") from None
    except (OSError, ValueError, EOFError) as error:
        raise InputError(f"{matrix_path}: cannot read the matrix (a corrupt or truncated "
                         f"store?): {error}") from None
    if vectors.dtype != np.float32 or vectors.shape != (n_words, dim) \
            or not vectors.flags.c_contiguous:
        raise InputError(f"{matrix_path}: expected a float32 ({n_words}, {dim}) C-order "
                         f"matrix as {META} says, found {vectors.dtype} {vectors.shape}")
    words, counts = _read_vocab(path, n_words, meta["counts"])
    return words, vectors, counts, _read_norms(path, n_words), meta


def _read_norms(path, n_words):
    norms_path = os.path.join(path, NORMS)
    if not os.path.exists(norms_path):
        return None
    try:
        norms = np.load(norms_path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise InputError(f"{norms_path}: cannot read (a corrupt store?): {error}") from None
    if norms.dtype != np.float32 or norms.shape != (n_words,):
        raise InputError(f"{norms_path}: expected float32 ({n_words},), found "
                         f"{norms.dtype} {norms.shape} (a corrupt store?)")
    return norms


def _read_meta(path):
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file or folder")
    if not os.path.isdir(path):
        raise InputError(f"{path}: not a textembed vector store (expected a folder)")
    meta_path = os.path.join(path, META)
    if not os.path.isfile(meta_path):
        raise InputError(f"{path}: not a textembed vector store ({META} is missing); "
                         "word2vec files are read from a file, not a folder")
    try:
        with open(meta_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError) as error:
        raise InputError(f"{meta_path}: cannot read (a corrupt store?): {error}") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise InputError(f"{meta_path}: not a textembed vector store "
                         f"(expected \"format\": \"{FORMAT}\")")
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise InputError(f"{meta_path}: store version {version!r}, this textembed reads "
                         f"version {VERSION}: upgrade textembed")
    for key in ("words", "dim"):
        value = meta.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{meta_path}: \"{key}\" must be a positive integer, "
                             f"found {value!r} (a corrupt store?)")
    if not isinstance(meta.get("counts"), bool):
        raise InputError(f"{meta_path}: \"counts\" must be true or false (a corrupt store?)")
    return meta


def _read_vocab(path, n_words, has_counts):
    vocab_path = os.path.join(path, VOCAB)
    try:
        with open(vocab_path, "rb") as f:
            text = f.read().decode("utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: a broken vector store: {VOCAB} is missing") from None
    except OSError as error:
        raise InputError(f"{vocab_path}: cannot read: {error.strerror}") from None
    except UnicodeDecodeError as error:
        raise InputError(f"{vocab_path}: not valid UTF-8 (byte {error.start:,}; "
                         "a corrupt store?)") from None
    if not text.endswith("\n"):
        raise InputError(f"{vocab_path}: truncated (no line end at the end of the file)")
    n_lines = text.count("\n")
    if n_lines != n_words:
        raise InputError(f"{vocab_path}: {n_lines:,} lines, but {META} announces "
                         f"{n_words:,} words (a corrupt store?)")
    counts = None
    if has_counts:
        fields = text[:-1].replace("\t", "\n").split("\n")
        if len(fields) != 2 * n_words:
            raise InputError(f"{vocab_path}: expected 'word<TAB>count' on each of its "
                             f"{n_words:,} lines (a corrupt store?)")
        words = fields[0::2]
        try:
            counts = np.array(fields[1::2], dtype=np.int64)
        except (ValueError, OverflowError):
            raise InputError(f"{vocab_path}: a count is not an integer "
                             "(a corrupt store?)") from None
    else:
        words = text[:-1].split("\n")
        if "\t" in text:
            raise InputError(f"{vocab_path}: a line holds a tab, but {META} says the "
                             "store has no counts (a corrupt store?)")
    if "\\" in text:
        try:
            words = [_unescape(word) if "\\" in word else word for word in words]
        except ValueError as error:
            raise InputError(f"{vocab_path}: {error} (a corrupt store?)") from None
    return words, counts
