"""Pictures of models: ``report`` (an HTML page about a classifier) and ``plot`` (a map of
word vectors). Both need matplotlib, an optional extra; the work is done by
:mod:`textembed.classify.report`, :mod:`textembed.plotting` and
:mod:`textembed.word2vec.projection`."""
import os
import time

import click

from ..io import InputError, atomic_output, check_output_path
from ._classify_inputs import data_options, labels_of, read
from ._common import (info, load_classifier, need_matplotlib, output_option, quiet_option,
                      threads_option, warn)


@click.command()
@click.argument("model_dir", metavar="MODEL_DIR")
@click.argument("test_path", metavar="[FILE]", required=False)
@output_option("Where to write the page (required).", metavar="OUT.html")
@data_options
@click.option("--errors", type=click.IntRange(min=0), default=20, show_default=True,
              help="How many of the most confident errors the page lists.")
@threads_option()
@quiet_option("No summary line.")
def report(model_dir, test_path, output, format_, label_column, text_column, encoding,
           label_sep, errors, threads, quiet):
    """Write one HTML page about the classifier in MODEL_DIR.

    The page has the model's summary and training curves and, judged on FILE
    (labelled lines, as for test-classifier; - for standard input), the
    confusion matrix, the per-class figures, a reliability diagram and the
    most confident errors with their words coloured. It is self-contained (no
    scripts, no links out): open it in any browser, or mail it. Needs
    matplotlib: pip install 'textembed[plot]'.
    """
    started = time.perf_counter()
    if output is None:
        raise click.UsageError("give the page's file with -o OUT.html")
    check_output_path(output)
    need_matplotlib("textembed report")
    from ..classify.report import Evaluation, report_page

    classifier = load_classifier(model_dir, threads)
    evaluation = None
    if test_path is not None:
        data = read(test_path, format_, encoding, label_column, text_column, quiet,
                    "evaluation", min_classes=1, label_sep=label_sep,
                    multilabel=classifier.multilabel_)
        check_known_labels(data, classifier)
        evaluation = Evaluation(data.path, data.texts,
                                labels_of(data, classifier.multilabel_))
    write_page(output, report_page(classifier, evaluation, title=str(model_dir),
                                   errors=errors))
    judged = f"judged on {len(evaluation.texts):,} examples" if evaluation else \
        "no evaluation (no FILE)"
    info(f"report: {classifier.arch} model, {judged}; written to {output} in "
         f"{time.perf_counter() - started:.1f} s", quiet)


def check_known_labels(data, classifier):
    """Warn about labels the model never saw (they count as errors); InputError when no
    line has a label the model knows (an unlabelled file read as labelled)."""
    known = set(classifier.classes_)
    sets = data.label_sets if classifier.multilabel_ else [[label] for label in data.labels]
    unknown = [s for s in sets if not set(s) & known]
    if len(unknown) == len(sets):
        raise InputError(f"{data.path}: none of its {len(sets):,} lines has a label of the "
                         f"model ({', '.join(map(repr, classifier.classes_[:5]))}"
                         f"{', ...' if len(known) > 5 else ''}); is it labelled, and read in "
                         f"the right layout (--format)?")
    unseen = sorted(set(data.classes) - known)
    if unseen:
        shown = ", ".join(map(repr, unseen[:5])) + (" ..." if len(unseen) > 5 else "")
        warn(f"{data.path}: labels never seen in training: {shown}; they count as errors")


def write_page(path, text):
    """Write the page atomically (never half a page, also on Ctrl-C)."""
    with atomic_output(path) as out:
        out.write(text)


@click.command()
@click.argument("vectors_path", metavar="VECTORS")
@click.argument("words", nargs=-1, required=True, metavar="WORD...")
@output_option("The picture (required): .png, .svg or .pdf, chosen by the suffix.",
               metavar="FILE")
@click.option("-n", "n", type=click.IntRange(min=0), default=5, show_default=True,
              help="Nearest neighbours drawn with each WORD.")
@quiet_option("No summary line.")
def plot(vectors_path, words, output, n, quiet):
    """Draw a map of WORDs and their nearest neighbours in VECTORS.

    VECTORS is a word2vec file (text or binary, e.g. from `textembed
    skipgram`) or a vector store folder. The words are placed by their first two principal components;
    each WORD and its -n nearest neighbours share a colour. Needs matplotlib:
    pip install 'textembed[plot]'.
    """
    started = time.perf_counter()
    from ..plotting import FORMATS
    if output is None:
        raise click.UsageError("give the picture's file with -o FILE (.png, .svg or .pdf)")
    suffix = os.path.splitext(output)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise click.BadParameter(f"{output}: give a .png, .svg or .pdf file (the suffix "
                                 "chooses the format)", param_hint="'-o' / '--output'")
    check_output_path(output)
    need_matplotlib("textembed plot")
    from .. import plotting
    from ..word2vec import load_vectors
    from ..word2vec.projection import explained_variance, neighbourhoods, pca_2d

    vectors = load_vectors(vectors_path)
    try:
        shown, groups = neighbourhoods(vectors, words, n)
    except KeyError as error:  # NotInVocabularyError: says which word and why
        raise InputError(str(error)) from None
    matrix = vectors[shown]
    points = pca_2d(matrix)
    figure = plotting.word_map(points, shown, groups, list(dict.fromkeys(words)))
    share = explained_variance(matrix, points)
    figure.suptitle(f"{len(shown)} words of {os.path.basename(vectors_path)}: the first two "
                    f"principal components ({share:.0%} of their variance)", fontsize=10)
    plotting.save(figure, output)
    info(f"plot: {len(shown):,} words ({len(set(words)):,} asked, up to {n} neighbours each) "
         f"drawn to {output} in {time.perf_counter() - started:.1f} s", quiet)
