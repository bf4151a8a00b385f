"""distributed.inputs: partitions cut at line ends read back as TextSource reads the file."""
import bz2
import gzip

import pytest

pytest.importorskip("fsspec")

from textembed.distributed.inputs import expand, partitions, read_lines  # noqa: E402
from textembed.io import InputError, TextSource  # noqa: E402

TRICKY = (b"\xef\xbb\xbffirst line\r\n\nsecond \xff\xfe bad bytes\n" + b"x" * 300 + b"\n"
          + "caf\u00e9 \u00e0 la cr\u00e8me\r\n".encode() + b"last\rline\r")


def lines_of(parts, encoding="utf-8"):
    lines, replaced = [], 0
    for part in parts:
        more, bad = read_lines(part, encoding)
        lines += more
        replaced += bad
    return lines, replaced


@pytest.mark.parametrize("block", [7, 40, 64, 1 << 20])
def test_partitions_hold_the_lines_textsource_reads(tmp_path, block):
    path = tmp_path / "t.txt"
    path.write_bytes(TRICKY)
    source = TextSource(str(path))
    expected = list(source)
    parts = partitions([str(path)], block)
    assert (len(parts) > 1) == (block < len(TRICKY))
    assert lines_of(parts) == (expected, source.replaced)
    assert expected[0] == "first line" and expected[-1] == "last\rline\r"


def test_compressed_files_are_one_partition_each(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(TRICKY))
    (tmp_path / "b.txt.bz2").write_bytes(bz2.compress(b"one\ntwo\n"))
    parts = partitions([str(tmp_path / "a.txt.gz"), str(tmp_path / "b.txt.bz2")], 10)
    assert [p.compression for p in parts] == ["gzip", "bz2"]
    source = TextSource(str(tmp_path / "a.txt.gz"))
    assert lines_of(parts)[0] == list(source) + ["one", "two"]


def test_globs_and_directories_are_sorted_and_skip_markers(tmp_path):
    for name in ("b.txt", "a.txt", "_SUCCESS", ".hidden", "c.log"):
        (tmp_path / name).write_text(name + "\n")
    assert [url.rsplit("/", 1)[-1] for url, _ in expand([str(tmp_path / "*.txt")])] == \
        ["a.txt", "b.txt"]
    assert [url.rsplit("/", 1)[-1] for url, _ in expand([str(tmp_path)])] == \
        ["a.txt", "b.txt", "c.log"]
    assert lines_of(partitions([str(tmp_path / "b.txt"), str(tmp_path / "a.txt")]))[0] == \
        ["b.txt", "a.txt"]


def test_memory_urls(tmp_path):
    import fsspec
    with fsspec.open("memory://corpus/part.txt", "wb") as f:
        f.write(b"alpha beta\ngamma\n")
    parts = partitions(["memory://corpus/"])
    assert [p.url.replace(":///", "://") for p in parts] == ["memory://corpus/part.txt"]
    assert lines_of(parts)[0] == ["alpha beta", "gamma"]


@pytest.mark.parametrize("inputs, fragment", [
    (["NOPE.txt"], "no such file or directory"),
    (["*.nothing"], "no file matches this pattern"),
])
def test_missing_inputs_are_one_line(tmp_path, inputs, fragment):
    with pytest.raises(InputError, match=fragment):
        expand([str(tmp_path / i) for i in inputs])


def test_encodings_with_multibyte_line_ends_are_refused(tmp_path):
    (tmp_path / "t.txt").write_text("a\n", encoding="utf-16")
    with pytest.raises(InputError, match="line end is the byte"):
        read_lines(partitions([str(tmp_path / "t.txt")])[0], "utf-16")
