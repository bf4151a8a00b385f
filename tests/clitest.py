"""Helpers shared by the command-line tests: running ``cli.main`` in-process
or the tool as a subprocess, writing input files, counting words the Keras
way, and the checks every failing command must pass."""
import subprocess
import sys
from collections import Counter
from pathlib import Path

from textembed import cli

# Keras' default filters (ASCII punctuation except the apostrophe, tab, newline).
KERAS_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'


def run_main(*args):
    """``cli.main(args)`` in-process (arguments turned to str): its exit code."""
    try:
        cli.main([str(a) for a in args])
    except SystemExit as exit_:
        return exit_.code
    raise AssertionError("textembed.cli.main returned without sys.exit")


def run_cli(*args, stdin=b"", cwd=None):
    """Run ``python -m textembed.cli ARGS`` (stdin: bytes); return (code, out, err)."""
    done = subprocess.run([sys.executable, "-m", "textembed.cli", *map(str, args)],
                          input=stdin, capture_output=True, cwd=cwd, timeout=120)
    return (done.returncode, done.stdout.decode("utf-8"),
            done.stderr.decode("utf-8"))


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


def keras_counts(lines):
    """Word counts the Keras way, in plain Python: most frequent first, ties in
    order of first appearance (Counter keeps insertion order, sorted is stable),
    as in `vocab` and in the vocabulary of a vectors file."""
    table = str.maketrans({c: " " for c in KERAS_FILTERS})
    counts = Counter()
    for line in lines:
        counts.update(w for w in line.lower().translate(table).split(" ") if w)
    return sorted(counts.items(), key=lambda item: item[1], reverse=True)


def assert_one_error(code, err, expected_code, *fragments):
    """A failure: the exit code, exactly one `textembed: error:` line, no traceback."""
    assert code == expected_code, err
    assert "Traceback" not in err
    lines = err.splitlines()  # also splits on a bare \r (progress bar garbage)
    assert len(lines) == 1, err
    assert lines[0].startswith("textembed: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], err
