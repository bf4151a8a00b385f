"""The inputs of the classifier commands: labelled files read and reported, label
checks, the model directory's target, and --params files."""
import json
import os

import click

from ..classify.architectures import ARCH_NAMES
from ..classify.data import FORMATS
from ..io import InputError
from ._common import encoding_option, info, options, progress_lines, warn, warn_replaced

data_options = options(
    click.option("--format", "format_", type=click.Choice(["auto", *FORMATS]), default="auto",
                 show_default=True,
                 help="tsv: label<TAB>text; csv: a header names the columns; label-first: "
                      "the first word is the label; fasttext: __label__X text; auto: "
                      "decided from the first lines (and said)."),
    click.option("--label-column", default=None, metavar="NAME",
                 help="csv: the column of the labels (default: one called label, class, "
                      "category, target, y, ...)."),
    click.option("--text-column", default=None, metavar="NAME",
                 help="csv: the column of the texts (default: one called text, sentence, "
                      "review, content, ...)."),
    encoding_option("the files"),
    click.option("--label-sep", default=",", show_default=True, metavar="TEXT",
                 help="Splits a tsv, csv or label-first label field into several labels "
                      "(fastText lines list theirs as __label__ words)."),
)


def read(path, format_, encoding, label_column, text_column, quiet, what, min_classes=2,
          label_sep=",", multilabel=None):
    """Read a labelled file, say what was read and warn about what was not.

    multilabel: None (several labels on a line make the data multi-label, which
    is said), True, or False (each line's first label)."""
    from ..classify.data import read_labelled

    data = read_labelled(path, format=format_, encoding=encoding, label_column=label_column,
                         text_column=text_column, min_classes=min_classes,
                         label_sep=None if multilabel is False else label_sep,
                         lines=lambda source: progress_lines(source, f"reading {what}", quiet))
    counts = {c: 0 for c in data.classes}
    for labels in (data.label_sets if data.multi_label and multilabel is not False
                   else ([label] for label in data.labels)):
        for label in labels:
            counts[label] += 1
    shown = ", ".join(f"{c}: {n:,}" for c, n in list(counts.items())[:6])
    if len(counts) > 6:
        shown += f", ... ({len(counts) - 6} more)"
    how = f"{data.format} (detected)" if data.detected else data.format
    info(f"{what} {data.path}: {len(data):,} examples, {len(counts):,} classes ({shown}); "
          f"read as {how}", quiet)
    warn_replaced(data.path, data.replaced, encoding)
    if data.skipped:
        lines = ", ".join(map(str, data.skipped_lines))
        warn(f"{data.path}: skipped {data.skipped:,} lines without a label or without a text "
              f"(line{'s' if len(data.skipped_lines) > 1 else ''} {lines}"
              f"{', ...' if data.skipped > len(data.skipped_lines) else ''})")
    if min_classes > 1 and len(counts) > max(len(data) / 2, 2):
        warn(f"{data.path}: {len(counts):,} classes for {len(data):,} examples, most labels "
              f"occur once; is the file {data.format}? (choose with --format)")
    if data.multi_label and multilabel is False:
        warn(f"{data.path}: {data.multi_label:,} lines have several labels; the first one "
              "is used (one label per example)")
    elif data.multi_label and multilabel is None and min_classes > 1:
        info(f"multi-label: {data.multi_label:,} lines of {data.path} have several labels: "
             "one probability per label (--no-multilabel keeps each line's first)", quiet)
    return data


def labels_of(data, multilabel):
    """What the classifier is given: each line's label set (multi-label) or label."""
    if multilabel:
        return [list(s) for s in data.label_sets]
    return data.labels


def check_labels_known(data, classes, train_name):
    """InputError if ``data`` has labels that the training data lacks."""
    unseen = sorted(set(data.classes) - set(classes))
    if unseen:
        shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
        raise InputError(f"{data.path}: {len(unseen)} label{'s' if len(unseen) > 1 else ''} "
                         f"never seen in {train_name}: {shown}; the model can only predict "
                         f"the {len(classes)} training labels")


def default_model_dir(train):
    """``TRAIN`` without .gz/.bz2 and its extension, plus ``.model`` (``stdin.model`` for -)."""
    if train == "-":
        return "stdin.model"
    base = train
    for suffix in (".gz", ".bz2"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    root, ext = os.path.splitext(base)
    return (root if ext else base) + ".model"


def check_model_target(model_dir, train, force, inputs=()):
    """Refuse early (before training) a MODEL_DIR that cannot be written.

    Even with --force, a directory that holds the current directory or one of
    the ``inputs`` files (``-o .`` by mistake) is never replaced.
    """
    from ..classify.model_dir import is_model_dir

    parent = os.path.dirname(os.path.abspath(model_dir))
    if not os.path.isdir(parent):
        raise InputError(f"{model_dir}: the folder {parent} does not exist")
    if train != "-" and os.path.exists(model_dir) and os.path.exists(train) and \
            os.path.samefile(train, model_dir):
        raise click.BadParameter(f"{model_dir} is TRAIN itself", param_hint="'-o' / '--output'")
    if os.path.lexists(model_dir) and not force:
        if is_model_dir(model_dir):
            raise InputError(f"{model_dir}: a model is already there; add --force to "
                             "replace it, or choose another -o")
        raise InputError(f"{model_dir}: exists and is not a textembed model; choose another "
                         "-o, or add --force to replace it")
    if os.path.isdir(model_dir) and not is_model_dir(model_dir):
        target = os.path.realpath(model_dir)
        guarded = [("the current directory", os.getcwd())] + [
            (path, path) for path in inputs if path not in (None, "-")]
        for what, path in guarded:
            real = os.path.realpath(path)
            if real == target or real.startswith(target.rstrip(os.sep) + os.sep):
                raise InputError(f"{model_dir}: holds {what}; a model cannot replace it, even "
                                 "with --force; choose another -o")


def read_params(path):
    """The settings of a --params file: {"arch": ..., setting: value}."""
    try:
        with open(path, encoding="utf-8") as f:
            content = json.load(f)
    except OSError as error:
        raise InputError(f"--params {path}: cannot read: {error.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise InputError(f"--params {path}: not a JSON file (give the metrics.json of a tuned "
                         "model, or a JSON object with arch and settings)") from None
    params = content.get("params", content) if isinstance(content, dict) else None
    if not isinstance(params, dict) or params.get("arch") not in (*ARCH_NAMES, "default"):
        raise InputError(f"--params {path}: not a settings file: it needs an \"arch\" (one "
                         f"of default, {', '.join(ARCH_NAMES)}), as in the metrics.json of a "
                         "model trained with --autotune-duration")
    return dict(params)
