"""The package's import direction, checked on the source of every module:

* kernels import nothing of textembed but other kernels;
* text, sequence and byte_batch import no layers, models or saving;
* layers never import models (or saving);
* nothing in the library imports the command-line tool.
"""
import ast
from pathlib import Path

import pytest

import textembed

PACKAGE = Path(textembed.__file__).resolve().parent


def _modules(*parts):
    """The .py files under textembed/<parts> (a folder or a module without .py)."""
    base = PACKAGE.joinpath(*parts)
    if base.is_dir():
        return sorted(base.rglob("*.py"))
    return [base.with_suffix(".py")]


def imported_modules(path):
    """The absolute names of the modules that the file ``path`` of the package imports."""
    # Relative imports start from the file's package (for __init__.py, its own).
    parts = ["textembed", *path.relative_to(PACKAGE).with_suffix("").parts][:-1]
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = parts[:len(parts) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            names += [module] + [f"{module}.{alias.name}" for alias in node.names]
    return names


def _offenders(files, forbidden, allowed=()):
    found = {}
    for path in files:
        for name in imported_modules(path):
            if not name.startswith("textembed"):
                continue
            if any(name == a or name.startswith(a + ".") for a in allowed):
                continue
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                found.setdefault(str(path.relative_to(PACKAGE)), []).append(name)
    return found


def test_kernels_import_only_kernels():
    files = _modules("kernels")
    assert len(files) > 8
    assert _offenders(files, ["textembed"], allowed=["textembed.kernels"]) == {}


@pytest.mark.parametrize("parts", [("text",), ("sequence",), ("byte_batch",)])
def test_preprocessing_imports_no_layers_or_models(parts):
    files = _modules(*parts)
    assert files and all(f.exists() for f in files)
    forbidden = ["textembed.layers", "textembed.models", "textembed.saving",
                 "textembed.classify", "textembed.word2vec"]
    assert _offenders(files, forbidden) == {}


def test_layers_never_import_models():
    assert _offenders(_modules("layers"), ["textembed.models", "textembed.saving",
                                           "textembed.classify"]) == {}


def test_the_library_does_not_import_the_command_line_tool():
    library = [p for p in PACKAGE.rglob("*.py")
               if "cli" not in p.relative_to(PACKAGE).parts and p.name != "__main__.py"]
    assert len(library) > 30
    assert _offenders(library, ["textembed.cli"]) == {}


def test_the_checker_sees_relative_imports():
    names = imported_modules(PACKAGE / "classify" / "network_model.py")
    assert "textembed.kernels.ngram_kernels.feature_rows" in names
    assert "textembed.classify.calibration.PowerCalibration" in names
