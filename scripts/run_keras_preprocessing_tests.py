"""Run keras-preprocessing 1.1.2's own text and sequence tests on textembed.

Downloads the keras-preprocessing 1.1.2 source archive from PyPI (or takes
one given with --sdist), extracts ``tests/text_test.py`` and
``tests/sequence_test.py`` into a temporary folder, changes only their
module import (``from keras_preprocessing import text`` becomes ``from
textembed import text``; likewise ``sequence``) and runs them with pytest.
``text_test.py`` also reaches the tokenizer through ``from tensorflow import
keras``: a three-file ``tensorflow`` package in the temporary folder answers
that import with textembed's modules, so that line stays as it is.

Two tests are left out, as issue 10 allows: ``test_tokenizer`` builds a
ragged NumPy array, which NumPy 2 refuses (it fails on keras-preprocessing
itself), and ``test_remove_long_seq`` calls the private ``_remove_long_seq``,
which textembed does not have.

Usage: python scripts/run_keras_preprocessing_tests.py [--sdist FILE] [pytest args]
Exit code: pytest's.
"""
import argparse
import glob
import os
import subprocess
import sys
import tarfile
import tempfile

VERSION = "1.1.2"
TEST_FILES = {"text_test.py": "text", "sequence_test.py": "sequence"}
LEFT_OUT = ["text_test.py::test_tokenizer", "sequence_test.py::test_remove_long_seq"]


def fetch_sdist(folder):
    """Download the source archive with pip; return its path."""
    subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--no-binary", ":all:", f"keras-preprocessing=={VERSION}", "-d", folder],
                   check=True)
    found = glob.glob(os.path.join(folder, "*.tar.gz"))
    if not found:
        sys.exit(f"no keras-preprocessing {VERSION} source archive in {folder}")
    return found[0]


def extract_tests(sdist, folder):
    """Write the two test files, their import changed, into ``folder``."""
    with tarfile.open(sdist) as archive:
        for member in archive.getmembers():
            name = os.path.basename(member.name)
            if os.path.dirname(member.name).endswith("/tests") and name in TEST_FILES:
                source = archive.extractfile(member).read().decode("utf-8")
                module = TEST_FILES[name]
                old = f"from keras_preprocessing import {module}\n"
                if old not in source:
                    sys.exit(f"{name}: the line {old.strip()!r} is not there")
                with open(os.path.join(folder, name), "w", encoding="utf-8") as out:
                    out.write(source.replace(old, f"from textembed import {module}\n"))
    missing = [name for name in TEST_FILES if not os.path.exists(os.path.join(folder, name))]
    if missing:
        sys.exit(f"{sdist}: no {', '.join(missing)} in the archive")


def write_tensorflow_shim(folder):
    """A ``tensorflow.keras.preprocessing`` package whose text/sequence are textembed's."""
    package = os.path.join(folder, "shim", "tensorflow", "keras", "preprocessing")
    os.makedirs(package)
    files = {
        ("tensorflow", "__init__.py"): "from . import keras\n",
        ("tensorflow", "keras", "__init__.py"): "from . import preprocessing\n",
        ("tensorflow", "keras", "preprocessing", "__init__.py"):
            "from textembed import sequence, text\n",
    }
    for parts, content in files.items():
        with open(os.path.join(folder, "shim", *parts), "w", encoding="utf-8") as out:
            out.write(content)
    return os.path.join(folder, "shim")


def write_conftest(folder):
    """Leave out exactly the LEFT_OUT tests (pytest's --deselect matches prefixes)."""
    with open(os.path.join(folder, "conftest.py"), "w", encoding="utf-8") as out:
        out.write(f"LEFT_OUT = {LEFT_OUT!r}\n\n\n"
                  "def pytest_collection_modifyitems(config, items):\n"
                  "    kept = [item for item in items if item.nodeid not in LEFT_OUT]\n"
                  "    config.hook.pytest_deselected(\n"
                  "        items=[item for item in items if item.nodeid in LEFT_OUT])\n"
                  "    items[:] = kept\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sdist", help=f"keras-preprocessing {VERSION} .tar.gz (default: "
                                        "downloaded from PyPI)")
    args, pytest_args = parser.parse_known_args()
    with tempfile.TemporaryDirectory(prefix="keras-preprocessing-tests-") as folder:
        sdist = args.sdist or fetch_sdist(folder)
        extract_tests(sdist, folder)
        shim = write_tensorflow_shim(folder)
        write_conftest(folder)
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            filter(None, [shim, os.environ.get("PYTHONPATH")])))
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   *TEST_FILES, *pytest_args]
        return subprocess.run(command, cwd=folder, env=env).returncode


if __name__ == "__main__":
    sys.exit(main())
