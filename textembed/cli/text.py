"""The text commands: ``tokenize`` (lines to word indices) and ``vocab`` (word
counts), both over a Keras-compatible :class:`textembed.text.Tokenizer`."""
import os
import shutil
import sys
import tempfile
import time

import click

from .._defaults import DEFAULT_FILTERS
from ..io import InputError, TextSource, atomic_output, check_output_path
from ._common import (STDIN_NAME, batches, encoding_option, engine_options, info, options,
                      output_option, output_stream, progress_lines, quiet_option, uses_dask,
                      warn_replaced)

tokenizer_options = options(
    encoding_option("INPUT"),
    click.option("--filters", default=DEFAULT_FILTERS,
                 show_default="Keras' punctuation, tab, newline",
                 help="Characters removed from the text (replaced by the split character)."),
    click.option("--lower/--no-lower", default=True, show_default=True,
                 help="Lower-case the text."),
    click.option("--split", default=" ", show_default="space", help="Word separator."),
    click.option("--char-level", is_flag=True, help="Every character is a token."),
    quiet_option(),
)


def _make_tokenizer(num_words=None, oov_token=None, filters=None, lower=True,
                    split=" ", char_level=False):
    from ..text import Tokenizer

    try:
        return Tokenizer(num_words=num_words, filters=filters, lower=lower, split=split,
                         char_level=char_level, oov_token=oov_token)
    except (TypeError, ValueError) as error:
        raise click.UsageError(str(error)) from None


def _spool_stdin():
    """Copy standard input to a temporary file (for commands that read twice)."""
    handle = tempfile.NamedTemporaryFile(prefix="textembed-stdin-", delete=False)
    try:
        with handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        if os.path.getsize(handle.name) == 0:
            raise InputError(f"{STDIN_NAME} is empty")
    except BaseException:  # Ctrl-C while reading too: leave no file behind
        os.unlink(handle.name)
        raise
    return handle.name


def _fit_tokenizer(tokenizer, path, encoding, quiet, label, name=None):
    source = TextSource(path, encoding, name=name)
    tokenizer.fit_on_texts(progress_lines(source, label, quiet))
    warn_replaced(source.name, source.replaced, source.encoding)
    if not tokenizer.word_counts:
        raise InputError(f"{source.name}: no words found (the text is empty after "
                         "removing the filter characters)")
    return source


@click.command()
@click.argument("input_path", metavar="INPUT")
@output_option("Where to write the sequences (default: standard output).")
@click.option("--load-tokenizer", default=None, metavar="JSON",
              help="Use this tokenizer (from `tokenize` or Keras' to_json) instead of fitting one.")
@click.option("--save-tokenizer", default=None, metavar="JSON",
              help="Where to save the fitted tokenizer (default: OUTPUT.tokenizer.json, "
                   "or INPUT.tokenizer.json without -o, stdin.tokenizer.json for -).")
@click.option("--num-words", type=click.IntRange(min=1), default=None,
              help="Keep only indices below this (the num_words-1 most frequent words).")
@click.option("--oov-token", default=None, help="Token (index 1) that replaces unknown words.")
@click.option("--words", is_flag=True, help="Write the kept words instead of their indices.")
@tokenizer_options
def tokenize(input_path, output, load_tokenizer, save_tokenizer, num_words, oov_token,
             words, encoding, filters, lower, split, char_level, quiet):
    """Turn each line of INPUT into a line of word indices.

    INPUT is a text file (plain, .gz or .bz2) or - for standard input. Unless
    --load-tokenizer is given, a Keras-compatible tokenizer is first fitted on
    INPUT and saved as JSON.
    """
    started = time.perf_counter()
    to_stdout = output in (None, "-")
    if load_tokenizer is None and save_tokenizer is None:
        base = input_path if to_stdout else output
        save_tokenizer = ("stdin" if base == "-" else base) + ".tokenizer.json"
    # Fail on a bad output path now, not after fitting on a large corpus.
    for path in ([] if to_stdout else [output]) + ([save_tokenizer] if save_tokenizer else []):
        check_output_path(path)
    name = STDIN_NAME if input_path == "-" else input_path
    spooled = None
    try:
        if load_tokenizer is not None:
            tokenizer = _load_tokenizer_file(load_tokenizer)
            fitted = None
        else:
            if input_path == "-":
                spooled = input_path = _spool_stdin()
            tokenizer = _make_tokenizer(num_words, oov_token, filters, lower, split, char_level)
            fitted = _fit_tokenizer(tokenizer, input_path, encoding, quiet, "fitting", name)
            with atomic_output(save_tokenizer) as out:
                out.write(tokenizer.to_json())
        source = TextSource(input_path, encoding, name=name)
        lines = progress_lines(source, "tokenizing", quiet)
        n_lines = n_tokens = 0
        with output_stream(output) as out:
            for chunk in batches(tokenizer.texts_to_sequences_generator(lines), 8192):
                n_lines += len(chunk)
                n_tokens += sum(map(len, chunk))
                if words:
                    out.write("\n".join(tokenizer.sequences_to_texts(chunk)))
                else:
                    out.write("\n".join(" ".join(map(str, seq)) for seq in chunk))
                out.write("\n")
        if fitted is None:  # else the same bytes were already reported
            warn_replaced(source.name, source.replaced, source.encoding)
    finally:
        if spooled:
            os.unlink(spooled)
    summary = (f"tokenize: {n_lines:,} lines, {n_tokens:,} tokens, "
               f"{len(tokenizer.word_index):,} words in the index, "
               f"{time.perf_counter() - started:.1f} s")
    if load_tokenizer is None:
        summary += f"; tokenizer saved to {save_tokenizer}"
    info(summary, quiet)


def _load_tokenizer_file(path):
    from ..text import tokenizer_from_json

    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as error:
        raise InputError(f"{path}: cannot read the tokenizer: {error.strerror}") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a tokenizer JSON file (not UTF-8 text)") from None
    try:
        tokenizer = tokenizer_from_json(text)
    except (ValueError, TypeError) as error:
        raise InputError(f"{path}: {error}") from None
    except (AttributeError, KeyError) as error:  # e.g. a list where a dict belongs
        raise InputError(f"{path}: not a usable tokenizer JSON: {error}") from None
    problem = _tokenizer_problem(tokenizer)
    if problem:
        raise InputError(f"{path}: not a usable tokenizer JSON: {problem}")
    return tokenizer


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _tokenizer_problem(tokenizer):
    """What makes a loaded tokenizer unusable (None if nothing): the JSON
    parsed, but a field has a type that would crash later, mid-output."""
    for field in ("filters", "split"):
        if not isinstance(getattr(tokenizer, field), str):
            return f"{field} must be a string"
    if tokenizer.oov_token is not None and not isinstance(tokenizer.oov_token, str):
        return "oov_token must be a string or null"
    word_index, index_word = tokenizer.word_index, tokenizer.index_word
    if not isinstance(word_index, dict) or not all(
            isinstance(w, str) and _is_int(i) and i >= 1 for w, i in word_index.items()):
        return "word_index must map words to indices >= 1"
    if not isinstance(index_word, dict) or not all(
            isinstance(w, str) for w in index_word.values()):
        return "index_word must map indices to words"
    if not isinstance(tokenizer.word_counts, dict) or not all(
            _is_int(c) for c in tokenizer.word_counts.values()):
        return "word_counts must map words to counts"
    return None


@click.command()
@click.argument("inputs", metavar="INPUT...", nargs=-1, required=True)
@output_option("Where to write the vocabulary (default: standard output).")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out words seen fewer times.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Write only the most frequent N words.")
@engine_options("count")
@tokenizer_options
def vocab(inputs, output, min_count, top, engine, scheduler, dask_workers, encoding, filters,
          lower, split, char_level, quiet):
    """Count the words of INPUT: one `word<TAB>count` line each, most frequent first.

    Ties keep the order of first appearance (as Keras' word_index does).
    INPUT is a text file (plain, .gz or .bz2) or - for standard input. With
    --engine dask, INPUT may be several files, globs, directories or fsspec
    URLs (s3://..., gs://...), counted on the cluster, with the same result.
    """
    started = time.perf_counter()
    if output not in (None, "-"):
        check_output_path(output)
    tokenizer = _make_tokenizer(None, None, filters, lower, split, char_level)
    if uses_dask(engine, scheduler, dask_workers):
        counts, lines = _count_on_dask(inputs, scheduler, dask_workers, encoding, tokenizer,
                                       quiet)
        ranked = sorted(counts, key=counts.get, reverse=True)  # stable: ties in first order
    else:
        if len(inputs) > 1:
            raise click.UsageError("several INPUTs need --engine dask (or join them first: "
                                   "cat a b | textembed vocab -)")
        _fit_tokenizer(tokenizer, inputs[0], encoding, quiet, "counting")
        counts, lines, ranked = tokenizer.word_counts, tokenizer.document_count, \
            tokenizer.word_index
    written = 0
    with output_stream(output) as out:
        for word in ranked:
            count = counts[word]
            if count < min_count or (top is not None and written >= top):
                break
            out.write(f"{word}\t{count}\n")
            written += 1
    info(f"vocab: {lines:,} lines, {sum(counts.values()):,} tokens, "
         f"{len(counts):,} distinct words, {written:,} written, "
         f"{time.perf_counter() - started:.1f} s", quiet)


def _count_on_dask(inputs, scheduler, workers, encoding, tokenizer, quiet):
    """(counts dict in order of first appearance, lines) of the inputs, on Dask."""
    from ..distributed import dask_driver
    if "-" in inputs:
        raise click.UsageError("--engine dask reads files, not standard input")
    config = {"filters": tokenizer.filters, "lower": tokenizer.lower, "split": tokenizer.split,
              "char_level": tokenizer.char_level}
    with dask_driver.connect(scheduler, workers) as client:
        n = dask_driver.check_workers(client)
        info(f"vocab: counting on {n} Dask worker{'s' if n > 1 else ''}", quiet)
        counted = dask_driver.vocab(client, inputs, encoding, config)
    warn_replaced(", ".join(inputs), counted.replaced, encoding)
    if not counted.counts:
        raise InputError(f"{', '.join(inputs)}: no words found (the text is empty after "
                         "removing the filter characters)")
    return counted.counts, counted.lines
