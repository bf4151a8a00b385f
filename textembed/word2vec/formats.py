"""The word2vec vectors file formats (as written by word2vec.c, gensim, fastText).

Text format: a header line ``COUNT DIMENSION``, then one line per word,
``word v1 ... vD``, values separated by single spaces (word2vec.c leaves a
space before each line end; both are read).

Binary format: the same header line, then for each word its UTF-8 bytes, a
space, and D little-endian float32 (4 * D bytes), usually followed by ``\\n``
(word2vec.c and gensim write it; files without it are read too).

Both are read as a stream (chunk by chunk), so a file is never held in memory
as one string. Files ending in ``.gz`` or ``.bz2`` are (de)compressed on the
fly. Every problem with a file raises :class:`~textembed.io.InputError` with
one line that names the file and the line (or vector) at fault.
"""
import bz2
import codecs
import gzip
import os
import re
import zlib

import numpy as np

from ..io import InputError, atomic_output

# '%.9g' gives 9 significant digits: enough for any float32 to read back
# bit for bit (float32 needs at most 9).
VALUE_FORMAT = "%.9g"

_LE_FLOAT32 = np.dtype("<f4")
_READ_ERRORS = (OSError, EOFError, zlib.error)
_TEXT_CHUNK_LINES = 4096
_BINARY_CHUNK_BYTES = 1 << 20
_OPEN_BUFFER_BYTES = 1 << 20
_WRITE_CHUNK_ROWS = 4096
_MAX_WORD_BYTES = 1 << 20
_MAX_HEADER_BYTES = 1024
_SNIFF_BYTES = 1 << 16
# Characters that end a word in word2vec.c's and gensim's readers.
_WORD_BREAKERS = (" ", "\t", "\n", "\r")
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --------------------------------------------------------------------- writing

def check_words(words):
    """Raise ValueError unless every word can be stored in a word2vec file."""
    for row, word in enumerate(words):
        if not word:
            raise ValueError(f"word {row} is empty: the word2vec format cannot store it")
        if any(ch in word for ch in _WORD_BREAKERS):
            raise ValueError(
                f"word {row} ({word!r}) contains a space, tab or line break: the word2vec "
                "format separates the word from its values with a space, so it cannot be "
                "stored; replace those characters first (e.g. with '_')")


def write_word2vec(path, words, vectors, binary=False):
    """Write ``words`` (list of str, V) and ``vectors`` (float (V, D)) to ``path``.

    The file is written under a temporary name and renamed into place when
    complete. A path ending in ``.gz`` or ``.bz2`` is compressed.
    Raises ValueError for a word that contains whitespace (or is empty).
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError(f"vectors must have shape ({len(words)}, D), not {vectors.shape}")
    check_words(words)
    n_words, dim = vectors.shape
    header = f"{n_words} {dim}\n".encode("ascii")
    path = os.fspath(path)
    with atomic_output(path, "wb") as raw:
        out = _compressed_writer(raw, path)
        try:
            out.write(header)
            if binary:
                _write_binary_rows(out, words, vectors)
            else:
                _write_text_rows(out, words, vectors)
        finally:
            if out is not raw:
                out.close()


def _compressed_writer(raw, path):
    if path.endswith(".gz"):
        return gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
    if path.endswith(".bz2"):
        return bz2.BZ2File(raw, mode="wb")
    return raw


def _write_text_rows(out, words, vectors):
    line_format = " ".join([VALUE_FORMAT] * vectors.shape[1])
    for start in range(0, len(words), _WRITE_CHUNK_ROWS):
        block = vectors[start:start + _WRITE_CHUNK_ROWS].astype(np.float32).tolist()
        text = "".join([f"{word} {line_format % tuple(row)}\n"
                        for word, row in zip(words[start:start + _WRITE_CHUNK_ROWS], block)])
        out.write(text.encode("utf-8"))


def _write_binary_rows(out, words, vectors):
    for start in range(0, len(words), _WRITE_CHUNK_ROWS):
        block = np.ascontiguousarray(vectors[start:start + _WRITE_CHUNK_ROWS], dtype=_LE_FLOAT32)
        parts = []
        for word, row in zip(words[start:start + _WRITE_CHUNK_ROWS], block):
            parts.append(word.encode("utf-8") + b" ")
            parts.append(row.tobytes())
            parts.append(b"\n")
        out.write(b"".join(parts))


# --------------------------------------------------------------------- reading

def read_word2vec(path, binary=None, limit=None, encoding="utf-8", unicode_errors="strict"):
    """Read a word2vec text or binary file.

    binary: None to detect the format from the first vector, or True/False.
    limit: read only the first ``limit`` vectors (None: all; then the file
      must hold exactly as many vectors as its header says).
    Returns ``(words, vectors)``: list of str (V,), float32 (V, D) C-contiguous.
    A word that appears twice keeps its first vector (as gensim does).
    """
    path = os.fspath(path)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, (int, np.integer))
                              or limit < 1):
        raise ValueError(f"limit must be a positive integer or None, not {limit!r}")
    codecs.lookup(encoding)
    raw, handle = _open_vectors_file(path)
    try:
        try:
            n_words, dim, header_bytes = _read_header(handle, path)
            looks_binary = _looks_binary(handle, dim, encoding)
            if binary is None:
                binary = looks_binary
            n_rows = n_words if limit is None else min(int(limit), n_words)
            reader = _read_binary_rows if binary else _read_text_rows
            try:
                words, vectors = reader(handle, path, n_words, dim, n_rows, limit is None,
                                        header_bytes, encoding, unicode_errors)
            except InputError as error:
                if bool(binary) == looks_binary:
                    raise
                hint = ("it looks like the text format: try binary=False" if binary else
                        "it looks like the binary format: try binary=True")
                raise InputError(f"{error} ({hint})") from None
        except _READ_ERRORS as error:
            hint = " (is it really compressed?)" if path.endswith((".gz", ".bz2")) else ""
            raise InputError(f"{path}: cannot read{hint}: {error}") from None
    finally:
        handle.close()
        raw.close()  # GzipFile and BZ2File leave the file they were handed open
    return _drop_duplicates(words, vectors)


def read_shape(path):
    """(number of words, dimension) from the header of a word2vec text or binary file.

    Reads the first line only; raises :class:`~textembed.io.InputError` when
    the file is missing, empty or has no ``COUNT DIMENSION`` header.
    """
    path = os.fspath(path)
    raw, handle = _open_vectors_file(path)
    try:
        n_words, dim, _ = _read_header(handle, path)
    except _READ_ERRORS as error:
        hint = " (is it really compressed?)" if path.endswith((".gz", ".bz2")) else ""
        raise InputError(f"{path}: cannot read{hint}: {error}") from None
    finally:
        handle.close()
        raw.close()
    return n_words, dim


def _open_vectors_file(path):
    """(raw file, reader): the reader decompresses .gz / .bz2; close both."""
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, expected a word vectors file")
    try:
        raw = open(path, "rb", buffering=_OPEN_BUFFER_BYTES)
    except OSError as error:
        raise InputError(f"{path}: cannot open: {error.strerror}") from None
    try:
        if os.fstat(raw.fileno()).st_size == 0:
            raise InputError(f"{path}: the file is empty")
    except BaseException:
        raw.close()
        raise
    if path.endswith(".gz"):
        return raw, gzip.GzipFile(fileobj=raw, mode="rb")
    if path.endswith(".bz2"):
        return raw, bz2.BZ2File(raw, mode="rb")
    return raw, raw


def _preview(data, size=60):
    text = data[:size].decode("utf-8", "replace").rstrip("\r\n")
    return repr(text + ("..." if len(data) > size else ""))


def _read_header(handle, path):
    """(n_words, dim, bytes read) from the ``COUNT DIMENSION`` line."""
    line = handle.readline(_MAX_HEADER_BYTES)
    if not line:
        raise InputError(f"{path}: the file is empty")
    fields = line.split()
    try:
        n_words, dim = (int(field) for field in fields) if len(fields) == 2 else (0, 0)
    except ValueError:
        n_words = dim = 0
    if n_words < 1 or dim < 1:
        hint = ""
        if len(fields) > 2:
            hint = (" (a GloVe-style file without a header? add a first line with "
                    "the number of words and the dimension)")
        raise InputError(f"{path}: line 1: expected the word2vec header 'COUNT DIMENSION' "
                         f"(two positive integers), found {_preview(line)}{hint}")
    return n_words, dim, len(line)


def _looks_binary(handle, dim, encoding):
    """Whether the data after the header is in the binary format.

    A first line ``word v1 ... vD`` (D numbers after the word, single spaces)
    is the text format, whatever bytes the word holds: words may contain
    control characters (a form feed, \\x1f...) that tokenizers splitting on
    spaces keep. Otherwise: text is valid in ``encoding`` without control
    characters (tab, CR and LF aside); float32 bytes almost never are, over
    the first 64 KB of vectors.
    """
    head = handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    if _is_text_row(head.split(b"\n", 1)[0], dim):
        return False
    if _CONTROL_BYTES.search(head):
        return True
    try:
        codecs.getincrementaldecoder(encoding)().decode(head, final=False)
    except UnicodeDecodeError:
        return True
    return False


def _is_text_row(line, dim):
    """Whether ``line`` (bytes) reads as ``word v1 ... vD``: a word, then D
    numbers, each after a single space (a trailing space and CR allowed)."""
    fields = line.rstrip(b"\r").rstrip(b" ").split(b" ")
    if len(fields) != dim + 1 or not fields[0]:
        return False
    try:
        for value in fields[1:]:
            float(value)
    except ValueError:
        return False
    return True


class _Rows:
    """A float32 (n, dim) array that grows by doubling."""

    def __init__(self, dim, capacity):
        self.array = np.empty((max(int(capacity), 1), dim), np.float32)
        self.n = 0

    def reserve(self, extra):
        need = self.n + extra
        if need > len(self.array):
            bigger = np.empty((max(need, 2 * len(self.array)), self.array.shape[1]), np.float32)
            bigger[:self.n] = self.array[:self.n]
            self.array = bigger

    def extend(self, block):
        self.reserve(len(block))
        self.array[self.n:self.n + len(block)] = block
        self.n += len(block)

    def result(self):
        if self.n == len(self.array):
            return self.array
        return self.array[:self.n].copy()


def _capacity_hint(n_rows, handle, bytes_per_row):
    """Rows to allocate up front: what the header says, within what the file can hold."""
    try:
        size = os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return min(n_rows, 1 << 16)
    if isinstance(handle, (gzip.GzipFile, bz2.BZ2File)):
        return min(n_rows, 1 << 16)
    return min(n_rows, size // bytes_per_row + 1)


def _read_text_rows(handle, path, n_words, dim, n_rows, exact, header_bytes,
                    encoding, unicode_errors):
    rows = _Rows(dim, _capacity_hint(n_rows, handle, 2 * dim + 1))
    words = []
    lines, numbers = [], []
    lineno = 1
    for raw in handle:
        lineno += 1
        if len(words) + len(lines) >= n_rows:
            if not exact:
                break
            if raw.strip():
                raise InputError(f"{path}: line {lineno}: more vectors than the "
                                 f"{n_words:,} the header (line 1) announces")
            continue
        try:
            line = raw.decode(encoding, unicode_errors).rstrip("\r\n")
        except UnicodeDecodeError as error:
            raise InputError(f"{path}: line {lineno}: not valid {encoding} "
                             f"(byte {error.start + 1} of the line)") from None
        if not line.strip():
            continue
        lines.append(line)
        numbers.append(lineno)
        if len(lines) == _TEXT_CHUNK_LINES:
            _parse_text_chunk(lines, numbers, dim, path, words, rows)
            lines, numbers = [], []
    if lines:
        _parse_text_chunk(lines, numbers, dim, path, words, rows)
    if len(words) < n_rows:
        raise InputError(f"{path}: the header (line 1) announces {n_words:,} vectors but the "
                         f"file holds only {len(words):,} (it ends at line {lineno}: "
                         "truncated, or a wrong header?)")
    return words, rows.result()


def _parse_text_chunk(lines, numbers, dim, path, words, rows):
    """Parse whole lines ``word v1 ... vD``; append to ``words`` and ``rows``.

    Fast path: numpy's C parser over the chunk, taken when every line has
    exactly single spaces between its fields. Anything else (tabs, runs of
    spaces, a bad value) goes through the line-by-line parser, which also
    finds the line to blame.
    """
    chunk_words = []
    regular = True
    for line in lines:
        spaces = line.count(" ")
        end = line.find(" ")
        if end <= 0 or not (spaces == dim or (spaces == dim + 1 and line.endswith(" "))):
            regular = False
            break
        chunk_words.append(line[:end])
    if regular:
        try:
            block = np.loadtxt(lines, dtype=np.float32, delimiter=" ", comments=None,
                               usecols=range(1, dim + 1), ndmin=2)
        except ValueError:
            block = None
        if block is not None and block.shape == (len(lines), dim):
            words.extend(chunk_words)
            rows.extend(block)
            return
    chunk_words, block = _parse_text_lines(lines, numbers, dim, path)
    words.extend(chunk_words)
    rows.extend(block)


def _parse_text_lines(lines, numbers, dim, path):
    chunk_words = []
    block = np.empty((len(lines), dim), np.float32)
    for i, (line, lineno) in enumerate(zip(lines, numbers)):
        stripped = line.lstrip(" ")
        if stripped != line or line[0].isspace():
            raise InputError(f"{path}: line {lineno}: the line starts with whitespace "
                             f"(expected 'word v1 ... v{dim}')")
        fields = line.split(" ", 1)
        if len(fields) == 1:  # no space: perhaps tab-separated
            fields = line.split(None, 1)
        word = fields[0]
        values = fields[1].split() if len(fields) > 1 else []
        if len(values) != dim:
            raise InputError(f"{path}: line {lineno}: expected {dim} numbers after the word "
                             f"{_short(word)}, found {len(values)}")
        try:
            block[i] = [float(value) for value in values]
        except ValueError:
            bad = next(value for value in values if not _is_number(value))
            raise InputError(f"{path}: line {lineno}: {_short(bad)} is not a number "
                             f"(value {values.index(bad) + 1} of the word {_short(word)})") from None
        chunk_words.append(word)
    return chunk_words, block


def _short(text, size=40):
    return repr(text if len(text) <= size else text[:size] + "...")


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_binary_rows(handle, path, n_words, dim, n_rows, exact, header_bytes,
                      encoding, unicode_errors):
    size = 4 * dim
    rows = _Rows(dim, _capacity_hint(n_rows, handle, size + 2))
    words = []
    buffer = b""
    start = 0       # where the next record begins in buffer
    offset = header_bytes  # file offset of buffer[0] (uncompressed)
    while len(words) < n_rows:
        space = buffer.find(b" ", start)
        while space < 0 or len(buffer) - space - 1 < size:
            if space < 0 and len(buffer) - start > _MAX_WORD_BYTES:
                raise InputError(f"{path}: vector {len(words) + 1} (byte {offset + start:,}): "
                                 f"no space after the word within {_MAX_WORD_BYTES:,} bytes "
                                 "(not a word2vec binary file?)")
            more = handle.read(_BINARY_CHUNK_BYTES)
            if not more:
                _binary_ended(path, buffer[start:], offset + start, len(words), n_words, size)
            offset += start
            buffer = buffer[start:] + more
            start = 0
            space = buffer.find(b" ")
        word = buffer[start:space].lstrip(b"\n\r")
        if not word:
            raise InputError(f"{path}: vector {len(words) + 1} (byte {offset + start:,}): "
                             "empty word (not a word2vec binary file, or a wrong dimension "
                             "in the header?)")
        try:
            words.append(word.decode(encoding, unicode_errors))
        except UnicodeDecodeError:
            raise InputError(f"{path}: vector {len(words) + 1} (byte {offset + start:,}): "
                             f"the word is not valid {encoding} (not a word2vec binary "
                             "file, or a wrong dimension in the header?)") from None
        rows.reserve(1)
        rows.array[rows.n] = np.frombuffer(buffer, _LE_FLOAT32, dim, space + 1)
        rows.n += 1
        start = space + 1 + size
        if buffer[start:start + 1] == b"\n":
            start += 1
    if exact:
        rest = buffer[start:start + 4096] + handle.read(4096)
        if rest.strip():
            raise InputError(f"{path}: byte {offset + start:,}: more data after the "
                             f"{n_words:,} vectors the header (line 1) announces")
    return words, rows.result()


def _binary_ended(path, rest, position, n_read, n_words, size):
    if not rest.strip():
        raise InputError(f"{path}: the header (line 1) announces {n_words:,} vectors but the "
                         f"file holds only {n_read:,} (truncated, or a wrong header?)")
    word = rest.lstrip(b"\n\r").split(b" ", 1)
    where = f"vector {n_read + 1:,} of {n_words:,}"
    if len(word) == 2:
        where += f" ({_preview(word[0], 30)}): {len(word[1]):,} of its {size:,} bytes"
    raise InputError(f"{path}: truncated in {where} (file ends at byte {position + len(rest):,})")


def _drop_duplicates(words, vectors):
    index = {}
    for row, word in enumerate(words):
        index.setdefault(word, row)
    if len(index) == len(words):
        return words, vectors
    keep = np.fromiter(index.values(), dtype=np.int64, count=len(index))
    return list(index), np.ascontiguousarray(vectors[keep])
