"""The command-line tool as a whole (textembed.cli): --help and --version,
usage errors, a closed pipe, commands imported only when used.

The commands themselves are tested in test_cli_text.py, test_cli_vectors.py
and test_cli_classify.py.
"""
import shutil
import subprocess
import sys

import pytest

import textembed

from clitest import write, assert_one_error, run_cli


# -- --help and --version ----------------------------------------------------

def test_version_subprocess():
    code, out, err = run_cli("--version")
    assert code == 0, err
    assert out.strip() == f"textembed, version {textembed.__version__}"
    assert textembed.__version__ in out


def test_help_subprocess():
    code, out, err = run_cli("--help")
    assert code == 0, err
    assert out.startswith("Usage: textembed")
    assert "tokenize" in out and "vocab" in out


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


# -- a closed pipe ---------------------------------------------------------------

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


# -- commands are imported when used -------------------------------------------

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

