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
import shutil
import sys
import tempfile
import zlib

_SNIFF_BYTES = 8192
# What a broken compressed stream raises: gzip/bz2 raise OSError or EOFError,
# but a corrupt deflate block inside a valid gzip header raises zlib.error.
_READ_ERRORS = (OSError, EOFError, zlib.error)


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
    A byte-order mark opening the file is dropped.
    ``size`` is the file size in bytes (None for standard input),
    ``position()`` the bytes read so far, ``replaced`` the number of bytes
    that were not valid in ``encoding``. ``name`` (default: the path, or
    "standard input" for ``-``) is how messages refer to the input.
    """

    def __init__(self, path, encoding="utf-8", name=None):
        check_encoding(encoding)
        self.path = path
        self.encoding = encoding
        self.name = name or ("standard input" if path == "-" else path)
        self.size = None if path == "-" else check_input_file(path, self.name)
        self._counter = _ReplacementCounter()
        self._raw = None
        self._end = 0  # position() once the file is closed

    @property
    def replaced(self):
        return self._counter.count

    def position(self):
        if self._raw is None:
            return 0
        if self._raw.closed:
            return self._end
        try:
            return self._raw.tell()
        except (OSError, ValueError):
            return 0

    def __iter__(self):
        try:
            binary = self._open_binary()
            stream = io.TextIOWrapper(binary, encoding=self.encoding,
                                      errors=self._counter.name, newline="\n")
            try:
                first = True
                for line in stream:
                    if line.endswith("\n"):
                        line = line[:-2] if line.endswith("\r\n") else line[:-1]
                    if first:
                        # a byte-order mark (U+FEFF) opening the file is not text
                        first = False
                        if line.startswith("\ufeff"):
                            line = line[1:]
                    yield line
            except _READ_ERRORS as error:
                hint = " (is it really compressed?)" if self.path.endswith((".gz", ".bz2")) else ""
                raise InputError(f"{self.name}: cannot read{hint}: {error}") from None
            finally:
                self._end = self.position()
                if self.path != "-":
                    stream.close()
        finally:
            # GzipFile and BZ2File do not close the file they were handed, and
            # a file refused by the text check was never wrapped at all.
            if self._raw is not None:
                self._raw.close()

    def _open_binary(self):
        nul_is_text = b"\x00" in "\n".encode(self.encoding)  # UTF-16, UTF-32
        if self.path == "-":
            self._raw = None
            reader = _sniffed(sys.stdin.buffer, self.name, nul_is_text)
            if not reader.peek(1):
                raise InputError("standard input is empty")
            return reader
        try:
            raw = open(self.path, "rb")
        except OSError as error:
            raise InputError(f"{self.name}: cannot open: {error.strerror}") from None
        self._raw = raw
        if self.path.endswith(".gz"):
            return _sniffed(gzip.GzipFile(fileobj=raw), self.name, nul_is_text)
        if self.path.endswith(".bz2"):
            return _sniffed(bz2.BZ2File(raw), self.name, nul_is_text)
        return _sniffed(raw, self.name, nul_is_text)


def check_encoding(encoding):
    """Raise InputError unless ``encoding`` names a text codec."""
    try:
        # TextIOWrapper refuses the bytes-to-bytes and str-to-str codecs
        # (base64, rot13...) that codecs.lookup accepts.
        io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    except LookupError:
        raise InputError(f"unknown text encoding {encoding!r}: use a Python codec "
                         "name such as utf-8 or latin-1") from None


def check_input_file(path, name=None):
    """Size in bytes of an input file; InputError if it is missing, a
    directory, unreadable or empty."""
    name = name or path
    if not os.path.exists(path):
        raise InputError(f"{name}: no such file")
    if os.path.isdir(path):
        raise InputError(f"{name}: is a directory, expected a text file")
    try:
        size = os.path.getsize(path)
        with open(path, "rb"):
            pass
    except OSError as error:
        raise InputError(f"{name}: cannot open: {error.strerror}") from None
    if size == 0:
        raise InputError(f"{name}: the file is empty")
    return size


def _sniffed(binary, name, nul_is_text=False):
    """A buffered reader over ``binary`` whose first block was checked for text.

    NUL bytes mean binary data, except in encodings (UTF-16, UTF-32) where
    ordinary text contains them.
    """
    reader = binary if isinstance(binary, io.BufferedReader) else io.BufferedReader(binary)
    try:
        head = reader.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]
    except _READ_ERRORS as error:
        raise InputError(f"{name}: cannot read (is it really compressed?): {error}") from None
    if not nul_is_text and b"\x00" in head:
        raise InputError(f"{name}: looks like binary data (it contains NUL bytes), "
                         "expected a text file")
    return reader


def check_output_path(path):
    """Raise InputError if ``path`` cannot be an output file (call it early,
    before the long work, so a typo in -o does not waste a run)."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise InputError(f"{path}: the folder {directory} does not exist")
    if os.path.isdir(path):
        raise InputError(f"{path}: is a directory, expected a file name")
    return directory


def _new_file_mode(path):
    """The permissions ``path`` keeps (if it exists) or gets (0o666 minus umask)."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o666 & ~umask


def move_into_place(tmp, target):
    """Rename the finished directory ``tmp`` to ``target`` (both in one folder). What
    was at ``target`` (a directory or a file) is renamed aside first and removed
    only once ``tmp`` is in place, so ``target`` is never missing or half-written."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    parent, name = os.path.split(target)
    old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent)
    os.rmdir(old)
    os.rename(target, old)
    os.rename(tmp, target)
    if os.path.isdir(old) and not os.path.islink(old):
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.remove(old)


@contextlib.contextmanager
def atomic_directory(path, what):
    """A new folder beside ``path``, filled by the block, then renamed to ``path`` (see
    :func:`move_into_place`) with the usual folder permissions; removed if the block
    fails. A refused write is an InputError naming ``what`` ("the model")."""
    target = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(target)
    try:
        tmp = tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)
    except OSError as error:
        raise InputError(f"{path}: cannot write in the folder {parent}: "
                         f"{error.strerror}") from None
    try:
        yield tmp
        os.chmod(tmp, 0o755)
        move_into_place(tmp, target)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{path}: cannot write {what} ({error})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_output(path, mode="w", encoding="utf-8"):
    """Open a temporary file beside ``path``; rename it to ``path`` on success.

    On any exception (KeyboardInterrupt included) the temporary file is
    removed and ``path`` is left as it was. The new file gets the
    permissions of the file it replaces, or the usual ones (0o666 minus the
    umask) if there was none.
    """
    directory = check_output_path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp",
                                   dir=directory)
    except OSError as error:
        raise InputError(f"{path}: cannot write in the folder {directory}: "
                         f"{error.strerror}") from None
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": encoding})) as out:
            yield out
        os.chmod(tmp, _new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
