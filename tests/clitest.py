"""Helpers shared by the command-line tests: running ``cli.main`` in-process,
writing input files, and the checks every failing command must pass."""
from pathlib import Path

from textembed import cli


def run_main(*args):
    """``cli.main(args)`` in-process (arguments turned to str): its exit code."""
    try:
        cli.main([str(a) for a in args])
    except SystemExit as exit_:
        return exit_.code
    raise AssertionError("textembed.cli.main returned without sys.exit")


def write(path, data):
    """Write str (as UTF-8) or bytes to ``path``; return it as a Path."""
    path = Path(path)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def lines_of(output):
    """The lines of an output, split on "\\n" only (str.splitlines would also
    split on characters such as U+0085 that may be part of a word)."""
    assert output == "" or output.endswith("\n")
    return output.split("\n")[:-1]


def folder(path):
    """The names in a directory, sorted."""
    return sorted(p.name for p in Path(path).iterdir())


def assert_one_error(code, err, expected_code, *fragments):
    """A failure: the exit code, exactly one `textembed: error:` line, no traceback."""
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = err.splitlines()  # also splits on a bare \r (progress bar garbage)
    assert len(lines) == 1, err
    assert lines[0].startswith("textembed: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], err
