"""Reading text files and writing output files safely.

* :func:`open_text` streams lines from a plain, ``.gz`` or ``.bz2`` file or
  from standard input (``-``), replacing undecodable bytes and counting them.
* :func:`atomic_output` writes to a temporary name beside the target and
  renames it into place only when the writing finished, so an error or Ctrl-C
  never leaves a half-written file.

Problems a user can cause raise :class:`InputError` with a one-line message.
"""
import bz2
import codecs
import contextlib
import gzip
import io
import os
import sys
import tempfile

_SNIFF_BYTES = 8192


class InputError(Exception):
    """A problem with the user's input, described in one line."""


class _ReplacementCounter:
    """A codec error handler that replaces bad bytes with U+FFFD and counts them."""

    _registered = 0

    def __init__(self):
        self.count = 0
        _ReplacementCounter._registered += 1
        self.name = f"textembed-replace-{_ReplacementCounter._registered}"
        codecs.register_error(self.name, self)

    def __call__(self, error):
        if not isinstance(error, UnicodeDecodeError):
            raise error
        self.count += error.end - error.start
        return "\ufffd", error.end


class TextSource:
    """Lines of a text file, decoded, with the byte progress and bad-byte count.

    Iterating yields each line without its line ending; lines are split on
    ``\\n`` only (a stray ``\\x85`` or ``\\r`` inside a line stays a character).
    ``size`` is the file size in bytes (None for standard input),
    ``position()`` the bytes read so far, ``replaced`` the number of bytes
    that were not valid in ``encoding``.
    """

    def __init__(self, path, encoding="utf-8"):
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}: use a Python codec "
                             "name such as utf-8 or latin-1") from None
        self.path = path
        self.encoding = encoding
        self.name = "standard input" if path == "-" else path
        self.size = None if path == "-" else _check_file(path)
        self._counter = _ReplacementCounter()
        self._raw = None

    @property
    def replaced(self):
        return self._counter.count

    def position(self):
        if self._raw is None:
            return 0
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self):
        binary = self._open_binary()
        stream = io.TextIOWrapper(binary, encoding=self.encoding,
                                  errors=self._counter.name, newline="\n")
        try:
            for line in stream:
                if line.endswith("\n"):
                    line = line[:-2] if line.endswith("\r\n") else line[:-1]
                yield line
        except (OSError, EOFError) as error:
            raise InputError(f"{self.name}: cannot read: {error}") from None
        finally:
            if self.path != "-":
                stream.close()

    def _open_binary(self):
        if self.path == "-":
            raw = sys.stdin.buffer
            self._raw = None
            return _sniffed(raw, self.name)
        raw = open(self.path, "rb")
        self._raw = raw
        if self.path.endswith(".gz"):
            return _sniffed(gzip.GzipFile(fileobj=raw), self.name)
        if self.path.endswith(".bz2"):
            return _sniffed(bz2.BZ2File(raw), self.name)
        return _sniffed(raw, self.name)


def _check_file(path):
    if not os.path.exists(path):
        raise InputError(f"{path}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, expected a text file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb"):
            pass
    except OSError as error:
        raise InputError(f"{path}: cannot open: {error.strerror}") from None
    if size == 0:
        raise InputError(f"{path}: the file is empty")
    return size


def _sniffed(binary, name):
    """A buffered reader over ``binary`` whose first block was checked for text."""
    reader = binary if isinstance(binary, io.BufferedReader) else io.BufferedReader(binary)
    try:
        head = reader.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    except (OSError, EOFError) as error:
        raise InputError(f"{name}: cannot read (is it really compressed?): {error}") from None
    if b"\x00" in head:
        raise InputError(f"{name}: looks like binary data (it contains NUL bytes), "
                         "expected a text file")
    return reader


@contextlib.contextmanager
def atomic_output(path, mode="w", encoding="utf-8"):
    """Open a temporary file beside ``path``; rename it to ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is
    removed and ``path`` is left as it was.
    """
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"{path}: the folder {directory} does not exist")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, expected a file name")
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": encoding})) as out:
            yield out
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
