"""The model directory a trained classifier is saved as, written atomically.

Files: ``model.npz`` (the model's arrays: :meth:`textembed.models.Sequential.save`
for a network, named arrays for the ``bag``), ``labels.json`` (the class
names, in the order of the model's outputs), ``preprocessing.json``
(``format``, ``format_version``, ``kind`` and the settings that turn texts
into model inputs), ``metrics.json`` and, for a network, ``tokenizer.json``
(Keras' format). Format version 1 (networks only, no ``kind``) is still read.
"""
import json
import os

from ..io import InputError, atomic_directory

FORMAT = "textembed.TextClassifier"
FORMAT_VERSION = 2
FILES = {"model": "model.npz", "tokenizer": "tokenizer.json", "labels": "labels.json",
         "preprocessing": "preprocessing.json", "metrics": "metrics.json"}


def required_files(settings):
    """The file names a model directory with these settings holds."""
    names = dict(FILES)
    if settings.get("kind", "network") != "network":
        del names["tokenizer"]
    return names


def is_model_dir(path):
    """True if ``path`` is a directory written by :func:`write_model_dir`."""
    path = os.fspath(path)
    settings = _settings(path)
    return isinstance(settings, dict) and settings.get("format") == FORMAT and all(
        os.path.isfile(os.path.join(path, name)) for name in required_files(settings).values())


def _settings(path):
    try:
        with open(os.path.join(path, FILES["preprocessing"]), encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_model_dir(model_dir, write_model, texts, force=False):
    """Write the directory (built beside it, then renamed into place).

    write_model(path): writes model.npz at ``path``; texts: file key of
    :data:`FILES` -> its JSON text. An existing ``model_dir`` (model directory
    or not) is replaced only with ``force=True``; the old one is removed only
    after the new one is complete.
    """
    target = os.path.abspath(os.fspath(model_dir))
    if os.path.lexists(target) and not force:
        if is_model_dir(target):
            raise InputError(f"{model_dir}: a model directory already exists there; "
                             f"use --force (force=True) to replace it")
        raise InputError(f"{model_dir}: exists and is not a textembed model directory; "
                         f"choose another path or use --force (force=True) to replace it")
    parent = os.path.dirname(target)
    if not os.path.isdir(parent):
        raise InputError(f"{model_dir}: the parent directory {parent} does not exist")
    with atomic_directory(model_dir, "the model") as tmp:
        write_model(os.path.join(tmp, FILES["model"]))
        for key, text in texts.items():
            with open(os.path.join(tmp, FILES[key]), "w", encoding="utf-8") as f:
                f.write(text + "\n")


def read_model_dir(model_dir):
    """(settings dict, classes list of str, metrics dict, a function that opens one of
    the directory's files by its :data:`FILES` key)."""
    path = os.fspath(model_dir)
    if not is_model_dir(path):
        what = "no such directory" if not os.path.exists(path) else \
            "not a textembed model directory (written by 'textembed train-classifier')"
        raise InputError(f"{path}: {what}")

    def file_path(key):
        return os.path.join(path, FILES[key])

    try:
        settings = _settings(path)
        if settings.get("format_version", 0) > FORMAT_VERSION:
            raise InputError(f"{path}: saved by a newer textembed (format version "
                             f"{settings['format_version']}); upgrade textembed")
        with open(file_path("labels"), encoding="utf-8") as f:
            classes = json.load(f)
        with open(file_path("metrics"), encoding="utf-8") as f:
            metrics = json.load(f)
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InputError(f"{path}: damaged model directory ({error})") from None
    return settings, [str(c) for c in classes], metrics, file_path
