"""The classifier commands: ``train-classifier``, ``predict`` and
``test-classifier``. The work is done by :mod:`textembed.classify`."""
import contextlib
import json
import sys
import time

import click

from ..classify.architectures import ARCH_NAMES, ARCHITECTURES, DEFAULT_ARCH, \
    DEFAULT_VALIDATION_SPLIT
from ..io import InputError, atomic_output, check_input_file, check_output_path
from ..progress import stderr_is_terminal
from ._common import (STDIN_NAME, batches, encoding_option, engine_options, info,
                      load_classifier, need_matplotlib, output_option, output_stream,
                      progress_lines, quiet_option, seed_option, threads_option, uses_dask, warn,
                      warn_replaced)
from ._classify_inputs import (check_labels_known, check_model_target, data_options,
                              default_model_dir, labels_of, read, read_params)

_PREDICT_CHUNK = 4096  # lines read, classified and written at a time

def _verbosity(quiet):
    """The model's verbose level: 0 quiet, 1 progress bars on a terminal, 2 one line per epoch."""
    if quiet:
        return 0
    return 1 if stderr_is_terminal() else 2


def _accuracy(value):
    return "n/a" if value is None else f"{value:.4f}"


@click.command("train-classifier")
@click.argument("train", metavar="TRAIN")
@output_option("Where to save the model (default: TRAIN without its extension, plus "
               ".model). With --cv: a JSON file for the fold accuracies (optional).",
               name="model_dir", metavar="MODEL_DIR")
@click.option("--valid", default=None, metavar="FILE",
              help="Validation examples (default: --validation-split of TRAIN).")
@click.option("--validation-split", type=click.FloatRange(0, 1, max_open=True), default=None,
              help=f"Fraction of TRAIN held out for validation, chosen with --seed; 0: none "
                   f"(and no early stopping).  [default: {DEFAULT_VALIDATION_SPLIT}]")
@click.option("--test", default=None, metavar="FILE",
              help="Test examples, scored once at the end (in metrics.json).")
@data_options
@click.option("--arch", type=click.Choice(ARCH_NAMES), default=None,
              help="bag: linear models on word and character n-grams, stacked and "
                   "calibrated; networks: embedding-bag (averaged word and bigram "
                   "embeddings), cnn (Kim 2014), lstm, gru, bilstm  [default: "
                   f"{DEFAULT_ARCH}, adapted to the data]")
@click.option("--multilabel/--no-multilabel", default=None,
              help="Several labels per text, one probability each (default: when lines "
                   "have several labels, said on standard error).")
@click.option("--class-weight", default=None, metavar="balanced|LABEL:W,...",
              help="Weigh the classes in training: balanced (inversely to their counts) or "
                   "given weights, the others 1.")
@click.option("--calibrate/--no-calibrate", default=True, show_default=True,
              help="Fit the probabilities to held-out data.")
@click.option("--autotune-duration", type=click.FloatRange(min=0, min_open=True), default=None,
              metavar="SECONDS",
              help="Search the architecture and its settings for SECONDS on the validation "
                   "data (--valid or the split), then train the best; they go to "
                   "metrics.json (params).")
@click.option("--autotune-metric", default="accuracy", show_default=True,
              metavar="accuracy|macro-f1|f1:LABEL|p@K",
              help="What the search maximises (p@K for multi-label data).")
@click.option("--params", "params_file", default=None, metavar="FILE",
              help="Train with the settings in FILE: the metrics.json of a tuned model, or "
                   "a JSON object with arch and settings.")
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help="Passes over TRAIN (default: the architecture's).")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Examples per update (default: the architecture's).")
@click.option("--maxlen", type=click.IntRange(min=1), default=None,
              help="Tokens kept per text (default: from the data, capped).")
@click.option("--num-words", type=click.IntRange(min=2), default=None,
              help="Keep only the num_words-1 most frequent words (default: all).")
@click.option("--embed-dim", type=click.IntRange(min=1), default=None,
              help="Embedding size (default: the architecture's, or that of --pretrained).")
@click.option("--pretrained", default=None, metavar="VECTORS",
              help="Initialise the embeddings from word2vec vectors (text or binary, e.g. "
                   "from `textembed skipgram`); missing words are random.")
@click.option("--freeze-embeddings", is_flag=True,
              help="Keep the --pretrained vectors fixed during training.")
@click.option("--early-stopping", type=click.IntRange(min=0), default=None, metavar="PATIENCE",
              help="Stop after PATIENCE epochs without better validation accuracy and keep "
                   "the best weights; 0: off (default: the architecture's).")
@seed_option("Random seed (weights, shuffling, validation split, folds).")
@threads_option("Threads for training (default: all cores).")
@click.option("--cv", type=click.IntRange(min=2), default=None, metavar="K",
              help="K-fold cross-validation on TRAIN instead of training one model: prints "
                   "the accuracy of each fold, their mean and standard deviation.")
@click.option("--quantize", "quantize_", is_flag=True,
              help="Save the bag's tables as int8 (about half the size; see `textembed "
                   "quantize`).")
@click.option("--cutoff", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep the bag's N most important features, trained again on them alone.")
@click.option("--report", "report_path", default=None, metavar="OUT.html",
              help="Also write an HTML page about the model (see `textembed report`), judged "
                   "on --test, else --valid, else the held-out part of TRAIN. Needs "
                   "matplotlib.")
@click.option("--force", is_flag=True, help="Replace MODEL_DIR if it exists.")
@quiet_option("No progress or summary.")
def train_classifier(train, model_dir, valid, validation_split, test, format_, label_column,
                     text_column, encoding, label_sep, arch, multilabel, class_weight, calibrate,
                     autotune_duration, autotune_metric, params_file, epochs, batch_size,
                     maxlen, num_words, embed_dim, pretrained, freeze_embeddings,
                     early_stopping, seed, threads, cv, quantize_, cutoff, report_path, force,
                     quiet):
    """Train a text classifier on TRAIN, a file of labelled lines.

    TRAIN is a text file (plain, .gz or .bz2) or - for standard input, in one
    of the --format layouts. Labels may be any strings; two or more classes;
    several per line make multi-label data. MODEL_DIR receives the model, the
    labels, the preprocessing settings and metrics.json; use it with
    `textembed predict` and `textembed test-classifier`.
    """
    started = time.perf_counter()
    tuned = read_params(params_file) if params_file is not None else {}
    if tuned and (arch is not None or autotune_duration is not None):
        raise click.UsageError("--params gives the architecture and its settings: it does not "
                               "combine with --arch or --autotune-duration")
    if autotune_duration is not None and cv is not None:
        raise click.UsageError("--autotune-duration does not combine with --cv")
    if tuned:
        arch = tuned.pop("arch")
    if class_weight is not None:
        from ..classify.labels import parse_class_weight
        try:
            class_weight = parse_class_weight(class_weight)
        except ValueError as error:
            raise click.BadParameter(str(error), param_hint="'--class-weight'") from None
    if valid is not None and validation_split is not None:
        raise click.UsageError("give --valid or --validation-split, not both")
    if cv is not None:
        for name, value in (("--valid", valid), ("--test", test),
                            ("--validation-split", validation_split),
                            ("--report", report_path)):
            if value is not None:
                raise click.UsageError(f"{name} does not combine with --cv (each fold is "
                                       "tested on the part of TRAIN it was not trained on)")
    if freeze_embeddings and pretrained is None:
        raise click.UsageError("--freeze-embeddings needs --pretrained VECTORS")
    kind = ARCHITECTURES[DEFAULT_ARCH if arch in (None, "default") else arch].kind
    if (quantize_ or cutoff is not None) and kind == "network":
        raise click.UsageError(f"--quantize and --cutoff apply to the bag, not to {arch}")
    if kind != "network":
        given = [name for name, value in (
            ("--batch-size", batch_size), ("--maxlen", maxlen), ("--num-words", num_words),
            ("--embed-dim", embed_dim), ("--pretrained", pretrained),
            ("--freeze-embeddings", freeze_embeddings or None),
            ("--early-stopping", early_stopping)) if value is not None]
        if given:
            networks = ", ".join(n for n, a in ARCHITECTURES.items() if a.kind == "network")
            raise click.UsageError(f"{', '.join(given)} apply to the networks (--arch "
                                   f"{networks}); the {arch or 'default'} architecture has "
                                   "no embedding")

    if pretrained is not None:
        check_input_file(pretrained, f"--pretrained {pretrained}")
    if report_path is not None:
        check_output_path(report_path)
        need_matplotlib("textembed train-classifier --report")
    if cv is not None:
        if model_dir is not None:
            check_output_path(model_dir)
    else:
        if model_dir is None:
            model_dir = default_model_dir(train)
            info(f"model directory: {model_dir} (beside TRAIN; -o to choose another)", quiet)
        check_model_target(model_dir, train, force, (train, valid, test, pretrained))
    if train == "-" and "-" in (valid, test):
        raise click.UsageError("only one of TRAIN, --valid and --test can be standard input")

    reading = dict(format_=format_, encoding=encoding, label_column=label_column,
                   text_column=text_column, quiet=quiet, label_sep=label_sep)
    data = read(train, what="train", multilabel=multilabel, **reading)
    if multilabel is None:
        multilabel = bool(data.multi_label)
    train_name = STDIN_NAME if train == "-" else train
    extra = {}
    valid_data = test_data = None
    if valid is not None:
        valid_data = read(valid, what="valid", min_classes=1, multilabel=multilabel, **reading)
        check_labels_known(valid_data, data.classes, train_name)
        extra.update(valid_texts=valid_data.texts,
                     valid_labels=labels_of(valid_data, multilabel))
    if validation_split is not None:
        extra["validation_split"] = validation_split
    if test is not None:
        test_data = read(test, what="test", min_classes=1, multilabel=multilabel, **reading)
        check_labels_known(test_data, data.classes, train_name)
        extra.update(test_texts=test_data.texts, test_labels=labels_of(test_data, multilabel))

    from ..classify.cross_validation import cross_validate
    from ..classify.model import TextClassifier

    given = {"epochs": epochs, "batch_size": batch_size, "maxlen": maxlen,
             "num_words": num_words, "embed_dim": embed_dim, "pretrained": pretrained,
             "early_stopping": early_stopping, "threads": threads}
    params = {k: v for k, v in given.items() if v is not None}
    if freeze_embeddings:
        params["freeze_embeddings"] = True
    params.update(multilabel=multilabel, class_weight=class_weight, calibrate=calibrate)
    params.update(tuned)
    labels = labels_of(data, multilabel)
    if autotune_duration is not None:
        extra.update(autotune_duration=autotune_duration, autotune_metric=autotune_metric)
    verbose = _verbosity(quiet)
    arch = arch or "default"
    # The model prints its per-epoch lines on standard output; they belong
    # with the rest of the progress on standard error.
    with contextlib.redirect_stdout(sys.stderr):
        if cv is not None:
            result = cross_validate(data.texts, labels, k=cv,
                                    **({} if seed is None else {"seed": seed}),
                                    arch=arch, verbose=verbose, **params)
        else:
            try:
                classifier = TextClassifier(arch=arch, verbose=verbose,
                                            **({} if seed is None else {"seed": seed}),
                                            **params)
            except TypeError as error:  # a setting of --params that no recipe has
                raise InputError(f"--params {params_file}: {error}") from None
            classifier.fit(data.texts, labels, **extra)
    if cv is not None:
        _report_cv(result, data, arch, model_dir, train_name, time.perf_counter() - started,
                   multilabel)
        return
    if quantize_ or cutoff is not None:  # autotune may have chosen a network: compact says so
        classifier.compact(cutoff=cutoff, quantize=quantize_, texts=data.texts, labels=labels)
    classifier.save(model_dir, force=force)
    m = classifier.metrics_
    if report_path is not None:
        _write_report(report_path, classifier, model_dir, data, labels, train_name,
                      (valid, valid_data), (test, test_data), quiet)
    if classifier.kind != "network":
        _report_bag(classifier, model_dir, time.perf_counter() - started, quiet)
        return
    accuracies = f"train {_accuracy(m.get('train_accuracy'))}"
    if m.get("valid_accuracy") is not None:
        accuracies += f", valid {_accuracy(m['valid_accuracy'])}"
    if "test_accuracy" in m:
        accuracies += f", test {_accuracy(m['test_accuracy'])}"
    best = m.get("best_epoch")
    restored = f", best epoch {best} kept" if best and best != m.get("epochs") else ""
    members = int(m.get("ensemble", 1))
    if members > 1:
        # Without --valid each member holds out its own fold of TRAIN, and
        # valid_samples counts every fold.
        split = (f"{members} averaged networks, each with {m.get('train_samples', len(data)):,} "
                 f"training examples, {m.get('valid_samples', 0):,} validation examples in all")
    else:
        split = (f"{m.get('train_samples', len(data)):,} training and "
                 f"{m.get('valid_samples', 0):,} validation examples")
    info(f"train-classifier: {m.get('arch', arch)}, {split}, "
          f"{len(classifier.classes_):,} classes, {m.get('epochs', 0)} epochs in "
          f"{m.get('train_seconds', 0):.1f} s ({m.get('seconds_per_epoch', 0):.2f} s/epoch"
          f"{restored}); accuracy {accuracies}; {time.perf_counter() - started:.1f} s in all; "
          f"saved to {model_dir}", quiet)


def _write_report(path, classifier, model_dir, data, labels, train_name, valid, test, quiet):
    """The report page of the model just trained, judged on the test data, else the
    validation data, else the training examples it scored without having seen them."""
    from ..classify.calibration import probabilities
    from ..classify.report import Evaluation, report_page
    from .report import write_page

    multilabel = classifier.multilabel_
    evaluation = None
    for option, (name, given) in (("--test", test), ("--valid", valid)):
        if given is not None:
            evaluation = Evaluation(f"{option} {given.path}", given.texts,
                                    labels_of(given, multilabel))
            break
    if evaluation is None and classifier.heldout_ is not None:
        index, z = classifier.heldout_
        evaluation = Evaluation(
            f"TRAIN {train_name}, held out", [data.texts[i] for i in index],
            [labels[i] for i in index], probabilities(z, multilabel),
            note="each text scored by a model trained without it, as for the validation "
                 "figures; the coloured words are the final model's")
    write_page(path, report_page(classifier, evaluation, title=str(model_dir)))
    info(f"report written to {path}", quiet)


def _report_bag(classifier, model_dir, seconds, quiet):
    """The summary line of a trained bag."""
    m = classifier.metrics_
    score = "P@1" if classifier.multilabel_ else "accuracy"
    key = "p@1" if classifier.multilabel_ else "accuracy"
    scores = ", ".join(f"{part} {_accuracy(m[f'{part}_{key}'])}"
                       for part in ("train", "valid", "test")
                       if m.get(f"{part}_{key}") is not None)
    extra = ""
    if not classifier.multilabel_ and m.get("valid_macro_f1") is not None:
        extra = (f"; valid macro-F1 {m['valid_macro_f1']:.4f}, ECE {m['valid_ece']:.4f}")
    validated = (f"validated out of fold ({m['folds']} folds)" if m.get("folds")
                 else "too few to validate")
    name = m["arch"] + (" (default)" if m.get("default") else "")
    if "autotune" in m:
        tune = m["autotune"]
        name += (f" (autotuned: {tune['trials']} trials in {tune['seconds']:.0f} s, valid "
                 f"{tune['metric']} {tune['score']:.4f})")
    info(f"train-classifier: {name}, {m['train_samples']:,} training examples {validated}, "
         f"{len(classifier.classes_):,} {'labels' if classifier.multilabel_ else 'classes'}, "
         f"{m['features']:,} n-gram features, {m['epochs']} epochs in "
         f"{m['train_seconds']:.1f} s; {score} {scores}{extra}; {seconds:.1f} s in all; "
         f"saved to {model_dir}", quiet)


def _report_cv(result, data, arch, output, train_name, seconds, multilabel=False):
    """Print the fold scores (standard output); with -o also write them as JSON."""
    folds = result["folds"]
    score = "P@1" if multilabel else "accuracy"
    for i, accuracy in enumerate(folds, 1):
        click.echo(f"fold {i}/{result['k']}\t{score} {accuracy:.4f}")
    click.echo(f"{result['k']}-fold cross-validation of {arch} on {train_name} "
               f"({len(data):,} examples): {score} {result['mean']:.4f} ± "
               f"{result['std']:.4f} (min {min(folds):.4f}, max {max(folds):.4f}), "
               f"{seconds:.1f} s")
    if output is not None:
        summary = {"train": train_name, "examples": len(data), "arch": arch, "k": result["k"],
                   "mean": result["mean"], "std": result["std"], "folds": folds}
        with atomic_output(output) as out:
            out.write(json.dumps(summary, indent=1) + "\n")


@click.command()
@click.argument("model_dir", metavar="MODEL_DIR")
@click.argument("inputs", metavar="[FILE|-]...", nargs=-1)
@output_option("Where to write the predictions (default: standard output); with --engine "
               "dask the output directory of part files (required).")
@click.option("--proba", is_flag=True,
              help="After the label, the probability of each class: "
                   "`label<TAB>class:p<TAB>class:p...`, classes in the model's order; with "
                   "-k or --threshold, `label:p` for each label kept.")
@click.option("-k", "k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Up to K labels per line, most probable first, tab-separated.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=None,
              metavar="P", help="Keep only labels whose probability is at least P (0 < P <= 1); "
                                "a line may then get none (an empty line).")
@engine_options("classify")
@click.option("--force", is_flag=True, help="With --engine dask: replace an existing output "
                                            "directory.")
@encoding_option("FILE")
@threads_option()
@quiet_option()
def predict(model_dir, inputs, output, proba, k, threshold, engine, scheduler, dask_workers,
            force, encoding, threads, quiet):
    """Classify each line of FILE (default: standard input) with the model in MODEL_DIR.

    Writes one output line per input line, blank lines included, so the
    output lines up with the input: the predicted label, or with -k / --threshold
    the labels kept. FILE is plain, .gz or .bz2, or - for standard input; it is
    read, classified and written in chunks. With --engine dask, FILE may be
    several files, globs, directories or fsspec URLs, and -o OUT_DIR receives
    part-NNNNN files whose concatenation, in order, is what this command writes
    for the concatenated input.
    """
    from ..classify.data import read_lines
    from ..classify.model_dir import is_model_dir
    from ..classify.prediction import prediction_lines

    started = time.perf_counter()
    if not is_model_dir(model_dir):
        load_classifier(model_dir)  # raises the error that says why
    if uses_dask(engine, scheduler, dask_workers):
        return _predict_on_dask(model_dir, inputs, output, proba, k, threshold, scheduler,
                                dask_workers, force, encoding, quiet, started)
    if len(inputs) > 1:
        raise click.UsageError("several FILEs need --engine dask (or join them first: "
                               "cat a b | textembed predict MODEL_DIR -)")
    input_path = inputs[0] if inputs else "-"
    to_stdout = output in (None, "-")
    if not to_stdout:
        check_output_path(output)
    if input_path != "-":
        check_input_file(input_path)
    classifier = load_classifier(model_dir, threads)
    source = read_lines(input_path, encoding)
    n_lines = 0
    with output_stream(output) as out:
        for chunk in batches(progress_lines(source, "predicting", quiet), _PREDICT_CHUNK):
            rows = prediction_lines(classifier, chunk, k, threshold, proba)
            out.write("\n".join(rows) + "\n")
            n_lines += len(chunk)
    warn_replaced(source.name, source.replaced, encoding)
    seconds = time.perf_counter() - started
    info(f"predict: {n_lines:,} lines classified in {seconds:.1f} s"
          + ("" if to_stdout else f"; written to {output}"), quiet)


def _predict_on_dask(model_dir, inputs, output, proba, k, threshold, scheduler, workers, force,
                     encoding, quiet, started):
    from ..distributed import dask_driver
    if not inputs or "-" in inputs:
        raise click.UsageError("--engine dask reads files, not standard input: name them")
    if output in (None, "-"):
        raise click.UsageError("--engine dask writes part files: give their directory with "
                               "-o OUT_DIR")
    dask_driver.check_output_dir(output, force)
    dask_driver.inputs.expand(inputs)  # a missing input: one line, before the cluster starts
    with dask_driver.connect(scheduler, workers) as client:
        n = dask_driver.check_workers(client)
        info(f"predict: classifying on {n} Dask worker{'s' if n > 1 else ''}", quiet)
        lines, replaced, parts = dask_driver.predict(client, model_dir, inputs, output,
                                                     encoding, k, threshold, proba,
                                                     force=force)
    warn_replaced(", ".join(inputs), replaced, encoding)
    info(f"predict: {lines:,} lines classified in {time.perf_counter() - started:.1f} s; "
         f"{parts:,} part files written to {output}", quiet)


@click.command("test-classifier")
@click.argument("model_dir", metavar="MODEL_DIR")
@click.argument("test_path", metavar="FILE")
@data_options
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON instead of a table.")
@click.option("-k", "k", type=click.IntRange(min=1), default=5, show_default=True,
              help="Multi-label models: report precision and recall at K.")
@click.option("--threshold", type=click.FloatRange(0, 1, min_open=True), default=0.5,
              show_default=True, metavar="P",
              help="Multi-label models: labels kept for the F1 scores.")
@threads_option()
@quiet_option("Only the report, no summary of the input.")
def test_classifier(model_dir, test_path, format_, label_column, text_column, encoding,
                    label_sep, as_json, k, threshold, threads, quiet):
    """Score the model in MODEL_DIR on FILE, a file of labelled lines (as for training).

    Prints the accuracy, per-class precision, recall and F1 and the confusion
    matrix (rows: true class); for a multi-label model precision and recall
    at 1 and at K, and micro- and macro-F1 at the threshold. Examples whose
    label the model never saw in training are reported in one line and count
    as errors.
    """
    from ..classify.metrics import classification_report, format_report

    classifier = load_classifier(model_dir, threads)
    data = read(test_path, format_, encoding, label_column, text_column, quiet, "test",
                 min_classes=1, label_sep=label_sep, multilabel=classifier.multilabel_)
    classes = list(classifier.classes_)
    unseen = sorted(set(data.classes) - set(classes))
    if unseen:
        counts = {u: 0 for u in unseen}
        for labels in (data.label_sets if classifier.multilabel_ else
                       ([label] for label in data.labels)):
            for label in labels:
                if label in counts:
                    counts[label] += 1
        shown = ", ".join(f"{u!r} ({counts[u]:,})" for u in unseen[:5])
        warn(f"{data.path}: {sum(counts.values()):,} examples have labels never seen in "
              f"training: {shown}{' ...' if len(unseen) > 5 else ''}; they count as errors")
    if classifier.multilabel_:
        _multilabel_test(classifier, data, unseen, k, threshold, as_json)
        return
    predicted = classifier.predict(data.texts)
    report = classification_report(data.labels, predicted, classes=classes + unseen)
    if as_json:
        report = dict(report, unseen_labels=unseen, path=data.path, format=data.format)
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        click.echo(format_report(report), nl=False)


def _multilabel_test(classifier, data, unseen, k, threshold, as_json):
    """Print the multi-label report; labels the model never saw count as missed."""
    import numpy as np

    from ..classify.metrics import format_multilabel_report, multilabel_report

    classes = list(classifier.classes_) + unseen
    index = {c: i for i, c in enumerate(classes)}
    probs = classifier.predict_proba(data.texts)
    probs = np.concatenate([probs, np.zeros((len(probs), len(unseen)), probs.dtype)], axis=1)
    targets = np.zeros(probs.shape, dtype=bool)
    for row, labels in enumerate(data.label_sets):
        targets[row, [index[label] for label in labels]] = True
    report = multilabel_report(probs, targets, classes, k=k, threshold=threshold)
    if as_json:
        report = dict(report, unseen_labels=unseen, path=data.path, format=data.format)
        click.echo(json.dumps(report, indent=1, ensure_ascii=False))
    else:
        click.echo(format_multilabel_report(report), nl=False)


@click.command()
@click.argument("model_dir", metavar="MODEL_DIR")
@output_option("Where to write the compact model (a new model directory).", name="output",
               metavar="OUT_DIR")
@click.option("--cutoff", type=click.IntRange(min=1), default=None, metavar="N",
              help="Keep only the N most important features (the largest weights); without "
                   "the training data they are not trained again.")
@click.option("--force", is_flag=True, help="Replace OUT_DIR if it exists.")
@quiet_option()
def quantize(model_dir, output, cutoff, force, quiet):
    """Write a compact copy of the bag model in MODEL_DIR to OUT_DIR.

    Its tables are stored as int8 with a scale per column (the rest float16);
    --cutoff keeps only the most important features. The copy loads and
    predicts like any model directory.
    """
    import os

    if output is None:
        raise click.UsageError("give the output directory with -o OUT_DIR")
    if os.path.exists(output) and os.path.exists(model_dir) and os.path.samefile(output,
                                                                                model_dir):
        raise click.BadParameter(f"{output} is MODEL_DIR itself: write the copy elsewhere",
                                 param_hint="'-o' / '--output'")
    classifier = load_classifier(model_dir)
    if classifier.kind != "ngram":
        raise InputError(f"{model_dir}: a {classifier.arch} network; quantize applies to the "
                         "bag (the default architecture)")
    check_model_target(output, "-", force, (model_dir,))
    before = os.path.getsize(os.path.join(model_dir, "model.npz"))
    features = classifier.model.features.n_features
    classifier.compact(cutoff=cutoff)
    classifier.save(output, force=force)
    after = os.path.getsize(os.path.join(output, "model.npz"))
    info(f"quantize: {features:,} -> {classifier.model.features.n_features:,} features, "
         f"model.npz {before / 1e6:.2f} MB -> {after / 1e6:.2f} MB; saved to {output}", quiet)
