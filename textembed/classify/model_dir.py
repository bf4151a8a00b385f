"""The model directory a trained classifier is saved as, written atomically.

Files: ``model.npz`` (:meth:`textembed.models.Sequential.save`),
``tokenizer.json`` (Keras' format), ``labels.json`` (the class names, in the
order of the network's outputs), ``preprocessing.json`` (``format``,
``format_version`` and the settings that turn texts into network inputs) and
``metrics.json``.
"""
import json
import os
import shutil
import tempfile

from ..io import InputError

FORMAT = "textembed.TextClassifier"
FORMAT_VERSION = 1
FILES = {"model": "model.npz", "tokenizer": "tokenizer.json", "labels": "labels.json",
         "preprocessing": "preprocessing.json", "metrics": "metrics.json"}


def is_model_dir(path):
    """True if ``path`` is a directory written by :func:`write_model_dir`."""
    path = os.fspath(path)
    if not os.path.isdir(path):
        return False
    if not all(os.path.isfile(os.path.join(path, name)) for name in FILES.values()):
        return False
    try:
        with open(os.path.join(path, FILES["preprocessing"]), encoding="utf-8") as f:
            settings = json.load(f)
    except (OSError, ValueError):
        return False
    return isinstance(settings, dict) and settings.get("format") == FORMAT


def write_model_dir(model_dir, model, tokenizer_json, classes, preprocessing, metrics,
                    force=False):
    """Write the directory (built beside it, then renamed into place).

    An existing ``model_dir`` (model directory or not) is replaced only with
    ``force=True``; the old one is removed only after the new one is complete.
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
    name = os.path.basename(target)
    tmp = tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)
    try:
        model.save(os.path.join(tmp, FILES["model"]))
        files = {"tokenizer": tokenizer_json,
                 "labels": json.dumps(list(classes), ensure_ascii=False),
                 "preprocessing": json.dumps(preprocessing, indent=1),
                 "metrics": json.dumps(metrics or {}, indent=1)}
        for key, text in files.items():
            with open(os.path.join(tmp, FILES[key]), "w", encoding="utf-8") as f:
                f.write(text + "\n")
        os.chmod(tmp, 0o755)
        if os.path.lexists(target):
            old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=parent)
            os.rmdir(old)
            os.rename(target, old)
            os.rename(tmp, target)
            if os.path.isdir(old) and not os.path.islink(old):
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.remove(old)
        else:
            os.rename(tmp, target)
    except OSError as error:
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError(f"{model_dir}: cannot write the model ({error})") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def read_model_dir(model_dir):
    """(preprocessing dict, classes list of str, tokenizer, metrics dict, Sequential)."""
    from ..saving import load_model
    from ..text import tokenizer_from_json
    path = os.fspath(model_dir)
    if not is_model_dir(path):
        what = "no such directory" if not os.path.exists(path) else \
            "not a textembed model directory (written by 'textembed train-classifier')"
        raise InputError(f"{path}: {what}")
    try:
        with open(os.path.join(path, FILES["preprocessing"]), encoding="utf-8") as f:
            settings = json.load(f)
        if settings.get("format_version", 0) > FORMAT_VERSION:
            raise InputError(f"{path}: saved by a newer textembed (format version "
                             f"{settings['format_version']}); upgrade textembed")
        with open(os.path.join(path, FILES["labels"]), encoding="utf-8") as f:
            classes = json.load(f)
        with open(os.path.join(path, FILES["tokenizer"]), encoding="utf-8") as f:
            tokenizer = tokenizer_from_json(f.read())
        with open(os.path.join(path, FILES["metrics"]), encoding="utf-8") as f:
            metrics = json.load(f)
        model = load_model(os.path.join(path, FILES["model"]))
    except InputError:
        raise
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InputError(f"{path}: damaged model directory ({error})") from None
    return settings, [str(c) for c in classes], tokenizer, metrics, model
