"""textembed.progress: the byte-based bar over the lines of a text file."""
import io
import sys

import pytest
import tqdm

from textembed import progress
from textembed.io import TextSource

LINES = [f"line {i} of the file" for i in range(20000)]  # past two updates of the bar


@pytest.fixture
def source(tmp_path):
    path = tmp_path / "in.txt"
    path.write_text("\n".join(LINES) + "\n")
    return TextSource(str(path))


def test_no_bar_when_not_shown(source, capsys):
    assert list(progress.progress_lines(source, "reading", show=False)) == LINES
    assert capsys.readouterr().err == ""


def test_bar_counts_the_bytes_and_is_cleared(source, capsys, monkeypatch):
    counts = []

    class Recorded(tqdm.tqdm):
        def update(self, n=1):
            super().update(n)
            counts.append(self.n)

    monkeypatch.setattr(tqdm, "tqdm", Recorded)
    assert list(progress.progress_lines(source, "reading")) == LINES
    assert len(counts) == 3  # every 8192 lines, and at the end
    assert counts[0] < counts[1] < counts[2] == source.size
    err = capsys.readouterr().err
    assert "reading" in err
    assert err.endswith("\r")  # leave=False: the line is cleared at the end


def test_small_inputs_get_no_bar(source, capsys):
    lines = progress.progress_lines(source, "reading", min_bytes=source.size + 1)
    assert list(lines) == LINES
    assert capsys.readouterr().err == ""
    lines = progress.progress_lines(source, "reading", min_bytes=source.size)
    assert list(lines) == LINES
    assert "reading" in capsys.readouterr().err


def test_standard_input_of_unknown_size_gets_the_bar(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a b\nc\n")))
    source = TextSource("-")
    assert source.size is None
    lines = progress.progress_lines(source, "reading", min_bytes=progress.LARGE_INPUT_BYTES)
    assert list(lines) == ["a b", "c"]
    assert "reading" in capsys.readouterr().err


class _Stderr:
    def __init__(self, isatty):
        self.isatty = isatty


def test_stderr_is_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", _Stderr(lambda: True))
    assert progress.stderr_is_terminal() is True
    monkeypatch.setattr(sys, "stderr", _Stderr(lambda: False))
    assert progress.stderr_is_terminal() is False

    def closed():
        raise ValueError("I/O operation on closed file")

    monkeypatch.setattr(sys, "stderr", _Stderr(closed))
    assert progress.stderr_is_terminal() is False
    monkeypatch.setattr(sys, "stderr", None)
    assert progress.stderr_is_terminal() is False
