"""Looking inside models: ``explain`` (why a text got its label) and ``embed`` (one
vector per text). The work is done by :mod:`textembed.classify.explain`,
:meth:`TextClassifier.embed` and :meth:`WordVectors.sentence_vectors`."""
import html
import json
import time

import click

from ..classify.pages import highlighted
from ..io import InputError, atomic_output, check_input_file, check_output_path
from ._common import (batches, encoding_option, info, load_classifier, output_option,
                      output_stream, progress_lines, quiet_option, threads_option,
                      warn_replaced)

_CHUNK = 1024  # lines read and handled at a time


def _lines(input_path, encoding, quiet, what):
    from ..classify.data import read_lines
    if input_path != "-":
        check_input_file(input_path)
    source = read_lines(input_path, encoding)
    return source, batches(progress_lines(source, what, quiet), _CHUNK)


@click.command()
@click.argument("model_dir", metavar="MODEL_DIR")
@click.argument("input_path", metavar="[FILE|-]", default="-")
@output_option("Where to write the explanations (default: standard output).")
@click.option("--label", default=None, help="Explain this label (default: the predicted one).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--html", "html_path", default=None, metavar="OUT.html",
              help="Also write a page with every token coloured by its weight.")
@click.option("--top-features", "top_label", default=None, metavar="LABEL",
              help="Instead: the words that raise LABEL most, `word<TAB>weight` (the bag).")
@click.option("-n", "n", type=click.IntRange(min=1), default=20, show_default=True,
              help="How many words --top-features lists.")
@encoding_option("FILE")
@threads_option()
@quiet_option()
def explain(model_dir, input_path, output, label, as_json, html_path, top_label, n, encoding,
            threads, quiet):
    """Say why each line of FILE (default: standard input) gets its label.

    Writes `label<TAB>probability<TAB>token:weight token:weight ...`, one line
    per input line: a token's weight is its part of the label's score, exact
    for the bag (its score is a sum over the text's n-grams), the drop of the
    label's probability without the token for a network (occlusion).
    """
    started = time.perf_counter()
    for path in (output, html_path):
        if path not in (None, "-"):
            check_output_path(path)
    classifier = load_classifier(model_dir, threads)
    if top_label is not None:
        with output_stream(output) as out:
            for word, weight in classifier.top_features(top_label, n):
                out.write(f"{word}\t{weight:.4f}\n")
        return
    if label is not None and label not in classifier.classes_:
        raise click.BadParameter(f"no label {label!r} in the model; its labels are "
                                 f"{', '.join(map(repr, classifier.classes_[:20]))}",
                                 param_hint="'--label'")
    source, chunks = _lines(input_path, encoding, quiet, "explaining")
    explained, n_lines = [], 0
    with output_stream(output) as out:
        for chunk in chunks:
            for e in classifier.explain(chunk, label):
                out.write(_line(e, as_json) + "\n")
                if html_path:
                    explained.append(e)
            n_lines += len(chunk)
        if not n_lines:  # inside, so that no empty output file is left
            raise InputError(f"{source.name} is empty: no line to explain")
    warn_replaced(source.name, source.replaced, encoding)
    if html_path:
        with atomic_output(html_path) as page:
            page.write(explanations_page(explained, model_dir))
    info(f"explain: {n_lines:,} lines in {time.perf_counter() - started:.1f} s"
         + (f"; page written to {html_path}" if html_path else ""), quiet)


def _line(e, as_json):
    if as_json:
        return json.dumps(e, ensure_ascii=False)
    tokens = " ".join(f"{t}:{w:+.3f}" for t, w in e["tokens"])
    return f"{e['label']}\t{e['probability']:.4f}\t{tokens}"


def explanations_page(explained, model_dir):
    """A self-contained HTML page of explanations (no scripts, no outside links)."""
    rows = "\n".join(
        f"<tr><td>{html.escape(e['label'])}</td><td>{e['probability']:.3f}</td>"
        f"<td>{highlighted(e['tokens'])}</td></tr>" for e in explained)
    method = explained[0]["method"] if explained else "linear"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>textembed explain: {html.escape(str(model_dir))}</title>
<style>body{{font-family:sans-serif;margin:2em}} td{{padding:4px 8px;vertical-align:top}}
.t{{padding:1px 2px;border-radius:3px}} th{{text-align:left}}</style></head><body>
<h1>Why each text got its label</h1>
<p>Model {html.escape(str(model_dir))}. Green raises the label, red lowers it ({method}
weights; hover a word for its value).</p>
<table><tr><th>label</th><th>probability</th><th>text</th></tr>
{rows}
</table></body></html>
"""


@click.command()
@click.argument("source_path", metavar="MODEL_DIR|VECTORS")
@click.argument("input_path", metavar="[FILE|-]", default="-")
@output_option("Where to write the vectors (default: standard output; needed for npy).")
@click.option("--format", "format_", type=click.Choice(["tsv", "npy"]), default="tsv",
              show_default=True, help="tsv: one line of values per input line; npy: a "
                                      "float32 (lines, dimension) array.")
@click.option("--weighting", type=click.Choice(["mean", "sif"]), default="mean",
              show_default=True,
              help="Word vectors: the plain mean, or the smooth inverse frequency weighting.")
@encoding_option("FILE")
@threads_option()
@quiet_option()
def embed(source_path, input_path, output, format_, weighting, encoding, threads, quiet):
    """One vector per line of FILE (default: standard input).

    From word VECTORS (a word2vec file or a vector store): the mean of the line's word
    vectors (--weighting sif weighs rare words up); from a fastText .bin model (e.g.
    written by `skipgram --subwords`) unseen words count too, by their n-grams. From a
    classifier MODEL_DIR: a network's last hidden layer, or the bag's calibrated class
    scores.
    """
    import numpy as np

    from ..classify.model_dir import is_model_dir

    started = time.perf_counter()
    if format_ == "npy" and output in (None, "-"):
        raise click.UsageError("--format npy writes a binary file: give it with -o FILE")
    if output not in (None, "-"):
        check_output_path(output)
    if is_model_dir(source_path):
        classifier = load_classifier(source_path, threads)
        vectors_of = classifier.embed
    else:
        from ..word2vec import load_vectors
        words = load_vectors(source_path)  # a fastText .bin: unseen words by n-grams
        vectors_of = lambda texts: words.sentence_vectors(texts, weighting)  # noqa: E731
    source, chunks = _lines(input_path, encoding, quiet, "embedding")
    parts, n_lines = [], 0
    with output_stream(None if format_ == "npy" else output) as out:
        for chunk in chunks:
            vectors = vectors_of(chunk)
            n_lines += len(chunk)
            if format_ == "npy":
                parts.append(vectors)
            else:
                out.write("".join("\t".join(f"{v:.6g}" for v in row) + "\n"
                                  for row in vectors.tolist()))
        if not n_lines:  # inside, so that no empty output file is left
            raise InputError(f"{source.name} is empty: no line to embed")
    if format_ == "npy":
        with atomic_output(output, "wb") as f:
            np.save(f, np.concatenate(parts).astype(np.float32))
    warn_replaced(source.name, source.replaced, encoding)
    info(f"embed: {n_lines:,} lines in {time.perf_counter() - started:.1f} s"
         + ("" if output in (None, "-") else f"; written to {output}"), quiet)
