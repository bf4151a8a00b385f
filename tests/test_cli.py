"""The command-line tool as a whole (textembed.cli and its _common module):
--help and --version, ``python -m``, the exit codes of ``main``, commands
imported only when used, and the helpers the commands share.

The commands themselves are tested in test_cli_text.py, test_cli_vectors.py,
test_cli_classify.py, test_cli_inspect.py and test_cli_report.py.
"""
import shutil
import subprocess
import sys

import click
import pytest

import textembed
import textembed.progress
from textembed.cli import _common
from textembed.cli import text as cli_text
from textembed.io import TextSource

from clitest import write, assert_one_error, lines_of, run_cli



# -- --help and --version ----------------------------------------------------

def test_version_subprocess():
    code, out, err = run_cli("--version")
    assert code == 0, err
    assert out.strip() == f"textembed, version {textembed.__version__}"
    assert textembed.__version__ in out


def test_python_m_textembed():
    done = subprocess.run([sys.executable, "-m", "textembed", "--version"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"textembed, version {textembed.__version__}"
    done = subprocess.run([sys.executable, "-m", "textembed", "frobnicate"],
                          capture_output=True, text=True, timeout=60)
    assert_one_error(done.returncode, done.stderr, 2, "frobnicate", "textembed --help")


def test_help_subprocess():
    code, out, err = run_cli("--help")
    assert code == 0, err
    assert out.startswith("Usage: textembed")
    assert "tokenize" in out and "vocab" in out


def test_help_lists_every_command_with_its_short_help(invoke):
    code, out, _ = invoke("--help")
    assert code == 0
    listed = out.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == [
        "embed", "evaluate", "explain", "phrases", "plot", "predict", "quantize", "report", "serve",
        "similar", "skipgram", "test-classifier", "tokenize", "train-classifier", "vocab"]
    assert all(len(line.split(None, 1)) == 2 for line in listed)  # name, short help
    assert "Turn each line of INPUT into a line of word indices." in out


@pytest.mark.skipif(shutil.which("textembed") is None, reason="console script not on PATH")
def test_console_script():
    done = subprocess.run(["textembed", "--version"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0
    assert textembed.__version__ in done.stdout


@pytest.mark.parametrize("args", [["-h"], ["-V"], ["tokenize", "--help"], ["vocab", "--help"]])
def test_help_and_version_in_process(invoke, args):
    code, out, err = invoke(*args)
    assert code == 0
    assert err == ""
    assert ("Usage:" in out) or (textembed.__version__ in out)


def test_no_command_shows_help_not_an_error(invoke):
    code, out, err = invoke()
    assert code in (0, 2)  # click < 8.2 exits 0, later versions 2
    assert "Usage: textembed" in out + err
    assert "textembed: error" not in err and "Traceback" not in err


@pytest.mark.parametrize("args, fragment", [
    (["--bogus"], "--bogus"),
    (["frobnicate"], "frobnicate"),
])
def test_usage_errors(invoke, args, fragment):
    code, out, err = invoke(*args)
    assert_one_error(code, err, 2, fragment, "--help")
    assert out == ""


# -- exit codes of main --------------------------------------------------------

def test_closed_stdout_pipe_is_quiet(tmp_path):
    """`textembed vocab big.txt | head -1`: exit 0, nothing on stderr."""
    lines = (" ".join(f"w{i}x{j}" for j in range(50)) for i in range(2000))
    path = write(tmp_path / "big.txt", "\n".join(lines) + "\n")
    process = subprocess.Popen([sys.executable, "-m", "textembed.cli", "vocab", str(path), "-q"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()
    process.stdout.close()
    err = process.stderr.read()
    process.stderr.close()
    assert process.wait(timeout=60) == 0
    assert first == b"w0x0\t1\n"
    assert err == b""


def test_system_error_is_one_line_and_exit_1(invoke, tmp_path, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device", "out.txt")

    monkeypatch.setattr(cli_text, "_fit_tokenizer", disk_full)
    code, out, err = invoke("vocab", write(tmp_path / "in.txt", "a b\n"))
    assert_one_error(code, err, 1)
    assert err == "textembed: error: out.txt: No space left on device\n"


# -- commands are imported when used -------------------------------------------

IMPORTED = """\
import sys
from textembed import cli
try:
    cli.main(sys.argv[1:])
except SystemExit as exit_:
    assert exit_.code == 0, exit_.code
print(sorted(m for m in sys.modules if m in ("numpy", "numba", "matplotlib")
             or m.startswith("textembed.cli.") and not m.startswith("textembed.cli._")))
"""


@pytest.mark.parametrize("args, modules", [
    (["--version"], []),
    (["--help"], ["textembed.cli.classify", "textembed.cli.inspect", "textembed.cli.phrases",
                  "textembed.cli.report", "textembed.cli.serve", "textembed.cli.text",
                  "textembed.cli.vectors"]),
    (["tokenize", "--help"], ["textembed.cli.text"]),
    (["skipgram", "--help"], ["textembed.cli.vectors"]),
    (["phrases", "--help"], ["textembed.cli.phrases"]),
    (["train-classifier", "--help"], ["textembed.cli.classify"]),
    (["report", "--help"], ["textembed.cli.report"]),
    (["plot", "--help"], ["textembed.cli.report"]),
])
def test_help_and_version_import_no_numpy(args, modules):
    """Only the command's own module is imported (and the private helpers, cli._*)."""
    done = subprocess.run([sys.executable, "-c", IMPORTED, *args], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == repr(modules)


def test_help_imports_no_numpy():
    """--help of the new commands stays instant: numpy, numba and the model load lazily."""
    code = ("import sys\nfrom textembed import cli\n"
            "for command in ('train-classifier', 'predict', 'test-classifier'):\n"
            "    try:\n        cli.main([command, '--help'])\n"
            "    except SystemExit as exit_:\n        assert exit_.code == 0\n"
            "print(sorted(m for m in ('numpy', 'numba', 'textembed.classify.model') "
            "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == "[]"
    assert "Usage: textembed train-classifier" in done.stdout


# -- _common -------------------------------------------------------------------

def test_replaced_bytes_warning(capsys):
    _common.warn_replaced("in.txt", 0, "utf-8")
    assert capsys.readouterr().err == ""
    _common.warn_replaced("in.txt", 12345, "cp1252")
    assert capsys.readouterr().err == (
        "textembed: warning: in.txt: 12,345 bytes were not valid cp1252 and were replaced by "
        "U+FFFD (is the file in another encoding? try --encoding latin-1)\n")


def test_batches():
    assert list(_common.batches(iter(range(7)), 3)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(_common.batches(iter(range(6)), 3)) == [[0, 1, 2], [3, 4, 5]]
    assert list(_common.batches(iter([]), 3)) == []


def test_output_stream_dash_and_none_are_standard_output(capsys, tmp_path):
    for output in (None, "-"):
        with _common.output_stream(output) as out:
            out.write("x\n")
        assert capsys.readouterr().out == "x\n"
    with _common.output_stream(str(tmp_path / "o.txt")) as out:
        out.write("y\n")
    assert (tmp_path / "o.txt").read_text() == "y\n"


def test_options_keep_their_order():
    @click.command()
    @_common.options(_common.quiet_option(), _common.threads_option(), _common.seed_option("S"))
    def command(quiet, threads, seed):
        pass

    assert [p.name for p in command.params] == ["quiet", "threads", "seed"]


@pytest.mark.parametrize("value", ["no-such-codec", "base64"])
def test_encoding_option_refuses_what_is_not_a_text_codec(value):
    @click.command()
    @_common.encoding_option("INPUT")
    def command(encoding):
        pass

    with pytest.raises(click.BadParameter, match=value):
        command.main(["--encoding", value], standalone_mode=False)


def _read_with_bar(path, quiet, terminal, monkeypatch, capsys):
    monkeypatch.setattr(textembed.progress, "stderr_is_terminal", lambda: terminal)
    lines = list(_common.progress_lines(TextSource(str(path)), "counting", quiet))
    return lines, capsys.readouterr().err


def test_progress_bar_only_on_a_terminal_for_large_inputs(tmp_path, monkeypatch, capsys):
    path = write(tmp_path / "in.txt", "a b\nc\n" * 1000)
    expected = ["a b", "c"] * 1000
    # A small file: no bar, even on a terminal.
    assert _read_with_bar(path, False, True, monkeypatch, capsys) == (expected, "")
    monkeypatch.setattr(textembed.progress, "LARGE_INPUT_BYTES", 100)
    assert _read_with_bar(path, False, False, monkeypatch, capsys) == (expected, "")
    assert _read_with_bar(path, True, True, monkeypatch, capsys) == (expected, "")
    lines, err = _read_with_bar(path, False, True, monkeypatch, capsys)
    assert lines == expected and "counting" in err


def test_large_inputs_get_a_bar_on_a_terminal(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr(textembed.progress, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(textembed.progress, "LARGE_INPUT_BYTES", 10)
    code, out, err = invoke("vocab", write(tmp_path / "in.txt", "a b a\n" * 100), "-q")
    assert code == 0 and err == ""  # -q: no bar
    assert lines_of(out) == ["a\t200", "b\t100"]
    code, out, err = invoke("vocab", tmp_path / "in.txt")
    assert code == 0 and "counting" in err
    assert err.splitlines()[-1].startswith("vocab: 100 lines, 300 tokens")

