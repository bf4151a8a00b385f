"""Inputs of distributed jobs: files named by path, glob, directory or fsspec URL
(``s3://``, ``gs://``, ``hdfs://``, ``memory://`` ...), cut into partitions.

A ``.gz`` or ``.bz2`` file is one partition (it cannot be entered in the
middle); a plain file is cut at line ends into blocks of about
:data:`BLOCK_BYTES`. The lines of a partition are decoded as
:class:`textembed.io.TextSource` decodes a file: split on ``\\n`` only (a
``\\r`` before it dropped), a byte-order mark opening the file dropped, bytes
not valid in the encoding replaced by U+FFFD and counted. So the partitions'
lines, in order, are the lines of the inputs, in order.
"""
from dataclasses import dataclass

from ..io import InputError, _ReplacementCounter, check_encoding

BLOCK_BYTES = 128 << 20
_COMPRESSION = {".gz": "gzip", ".bz2": "bz2"}
_SCAN = 1 << 16  # bytes read at a time while looking for a line end
_GLOB = set("*?[")


@dataclass(frozen=True)
class Partition:
    """One task's share of the input: bytes [start, end) of a file (end -1: to the
    end; always so for a compressed file), whose lines it holds whole."""
    url: str
    start: int = 0
    end: int = -1
    compression: str = None

    @property
    def name(self):
        """How messages refer to it."""
        if self.start == 0 and self.end == -1:
            return self.url
        return f"{self.url} (bytes {self.start:,}-{self.end:,})"


def _filesystem(url):
    try:
        import fsspec
    except ImportError:
        raise InputError("distributed inputs need fsspec: pip install 'textembed[dask]'") \
            from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as error:
        raise InputError(f"{url}: cannot open this kind of URL ({error})") from None


def expand(inputs):
    """The files the inputs name, in order: a glob's or a directory's files sorted by
    name (a directory's hidden files and ``_*`` markers left out). Returns a list of
    (url, size in bytes). InputError when an input names nothing."""
    files = []
    for url in inputs:
        url = str(url)
        fs, path = _filesystem(url)
        protocol = url.split("://", 1)[0] + "://" if "://" in url else ""
        if any(c in _GLOB for c in path):
            found = sorted(p for p in fs.glob(path) if fs.isfile(p))
            if not found:
                raise InputError(f"{url}: no file matches this pattern")
        elif fs.isdir(path):
            found = sorted(p for p in fs.find(path)
                           if not p.rsplit("/", 1)[-1].startswith((".", "_")))
            if not found:
                raise InputError(f"{url}: the directory holds no file")
        elif fs.isfile(path):
            found = [path]
        else:
            raise InputError(f"{url}: no such file or directory")
        for p in found:
            files.append((_with_protocol(protocol, p, fs), int(fs.size(p))))
    return files


def _with_protocol(protocol, path, fs):
    if not protocol:
        return path
    return fs.unstrip_protocol(path) if hasattr(fs, "unstrip_protocol") else protocol + path


def partitions(inputs, block_bytes=BLOCK_BYTES):
    """The partitions of ``inputs`` (paths, globs, directories or URLs), in order."""
    parts = []
    for url, size in expand(inputs):
        suffix = "." + url.rsplit(".", 1)[-1] if "." in url.rsplit("/", 1)[-1] else ""
        compression = _COMPRESSION.get(suffix)
        if compression or size <= block_bytes:
            parts.append(Partition(url, 0, -1, compression))
            continue
        cuts = _line_cuts(url, size, block_bytes)
        for i, (start, end) in enumerate(zip(cuts, cuts[1:])):
            parts.append(Partition(url, start, -1 if end == size and i == len(cuts) - 2
                                   else end))
    return parts


def _line_cuts(url, size, block_bytes):
    """Byte offsets [0, ..., size] that cut the file just after a line end, about
    ``block_bytes`` apart."""
    fs, path = _filesystem(url)
    cuts = [0]
    with fs.open(path, "rb") as handle:
        target = block_bytes
        while target < size:
            handle.seek(target)
            position = target
            while True:
                chunk = handle.read(_SCAN)
                if not chunk:
                    position = size
                    break
                at = chunk.find(b"\n")
                if at >= 0:
                    position += at + 1
                    break
                position += len(chunk)
            if position >= size:
                break
            cuts.append(position)
            target = position + block_bytes
    cuts.append(size)
    return cuts


def read_lines(partition, encoding="utf-8"):
    """(lines list of str, replaced bytes int) of one partition."""
    check_encoding(encoding)
    if "\n".encode(encoding) != b"\n":
        raise InputError(f"{encoding}: distributed reading cuts files at line-end bytes, "
                         "so it needs an encoding whose line end is the byte \\n (utf-8, "
                         "latin-1, ...)")
    fs, path = _filesystem(partition.url)
    try:
        with fs.open(path, "rb", compression=partition.compression) as handle:
            if partition.start:
                handle.seek(partition.start)
            data = handle.read() if partition.end < 0 else \
                handle.read(partition.end - partition.start)
    except (OSError, EOFError) as error:
        raise InputError(f"{partition.name}: cannot read: {error}") from None
    counter = _ReplacementCounter()
    text = data.decode(encoding, errors=counter.name)
    if not text:
        return [], counter.count
    lines = text.split("\n")
    if text.endswith("\n"):
        lines.pop()
        ended = len(lines)
    else:
        ended = len(lines) - 1
    for i in range(ended):
        if lines[i].endswith("\r"):
            lines[i] = lines[i][:-1]
    if partition.start == 0 and lines[0].startswith("\ufeff"):
        lines[0] = lines[0][1:]
    return lines, counter.count
