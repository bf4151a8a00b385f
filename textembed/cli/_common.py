"""What the commands share: their common options, messages on standard error,
output to a file or standard output, and progress while reading.

Each option here is declared once; a command passes the help text that says
what the option means for it. Nothing here imports numpy.
"""
import contextlib
import os
import sys

import click

from .. import progress
from ..io import InputError, atomic_output, check_encoding

STDIN_NAME = "standard input"


class ReaderGone(Exception):
    """The reader of standard output closed it (e.g. ``textembed ... | head``).

    Deliberately not an OSError: click turns a broken pipe into exit code 1
    on its own, but a closed pipe is the reader's choice, not an error.
    """


# -- options -------------------------------------------------------------------

def options(*decorators):
    """One decorator applying ``decorators`` so that --help lists them in order."""
    def apply(command):
        for decorator in reversed(decorators):
            command = decorator(command)
        return command
    return apply


def _check_encoding(ctx, param, value):
    try:
        check_encoding(value)
    except InputError as error:
        raise click.BadParameter(str(error)) from None
    return value


def encoding_option(what):
    """``--encoding`` of the text read from ``what`` (e.g. "INPUT"), checked when parsed."""
    return click.option("--encoding", default="utf-8", show_default=True,
                        callback=_check_encoding,
                        help=f"Text encoding of {what}; undecodable bytes are replaced and "
                             "counted.")


def quiet_option(help="No progress bar or summary."):
    return click.option("--quiet", "-q", is_flag=True, help=help)


def threads_option(help="Threads (default: all cores)."):
    return click.option("--threads", type=click.IntRange(min=1), default=None, help=help)


def seed_option(help):
    return click.option("--seed", type=click.IntRange(min=0), default=None, help=help)


def output_option(help, name="output", metavar=None):
    """``-o`` / ``--output``, None when not given; ``name`` is the parameter it fills."""
    return click.option("-o", "--output", name, default=None, metavar=metavar, help=help)


def load_classifier(model_dir, threads=None):
    """The TextClassifier saved in ``model_dir`` (InputError, one line, if it is not one)."""
    from ..classify.model import TextClassifier
    return TextClassifier.load(model_dir, threads=threads)


def corpus_tokenizer_options():
    """``--tokenizer`` and ``--lower/--no-lower`` of the commands that read a corpus into
    words (skipgram, phrases)."""
    return options(
        click.option("--tokenizer", type=click.Choice(["keras", "whitespace"]),
                     default="keras", show_default=True,
                     help="keras: strip punctuation like text_to_word_sequence; whitespace: "
                          "split on whitespace only."),
        click.option("--lower/--no-lower", default=True, show_default=True,
                     help="Lower-case the text."))


def engine_options(what):
    """``--engine``, ``--scheduler`` and ``--workers`` of a command that can run on Dask;
    ``what`` says what the cluster does."""
    return options(
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
                     show_default=True, help=f"Where to {what}: this process, or a Dask "
                                             "cluster (pip install 'textembed[dask]')."),
        click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
                     help="The Dask scheduler to use (implies --engine dask)."),
        click.option("--workers", "dask_workers", type=click.IntRange(min=1), default=None,
                     help="Without --scheduler: a local Dask cluster of this many worker "
                          "processes (implies --engine dask; default: one per core)."))


def uses_dask(engine, scheduler, workers):
    """Whether the engine options ask for Dask."""
    return engine == "dask" or scheduler is not None or workers is not None


# -- messages --------------------------------------------------------------------

def warn(message):
    click.echo(f"textembed: warning: {message}", err=True)


def info(message, quiet=False):
    if not quiet:
        click.echo(message, err=True)


def warn_replaced(name, count, encoding):
    """Say that ``count`` bytes of ``name`` were not valid ``encoding`` (if any)."""
    if count:
        warn(f"{name}: {count:,} bytes were not valid {encoding} and were replaced by U+FFFD "
             "(is the file in another encoding? try --encoding latin-1)")


def need_matplotlib(who):
    """InputError ("``who`` needs matplotlib: pip install 'textembed[plot]'") unless the
    optional matplotlib is installed; call it before the long work."""
    from ..plotting import MissingMatplotlib, require_matplotlib
    try:
        require_matplotlib(who)
    except MissingMatplotlib as error:
        raise InputError(str(error)) from None


# -- reading and writing -----------------------------------------------------------

def progress_lines(source, description, quiet):
    """The lines of ``source``, with a progress bar for large inputs when
    standard error is a terminal (logs and captured output get no
    carriage-return garbage)."""
    return progress.progress_lines(source, description,
                                   show=not quiet and progress.stderr_is_terminal(),
                                   min_bytes=progress.LARGE_INPUT_BYTES)


def batches(iterator, size):
    """Lists of ``size`` items of ``iterator`` (the last one shorter)."""
    batch = []
    for item in iterator:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class _StdoutTarget:
    def __enter__(self):
        return sys.stdout

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                sys.stdout.flush()
        except BrokenPipeError:
            exc_type = BrokenPipeError
        if exc_type is not None and issubclass(exc_type, BrokenPipeError):
            # Send what is still buffered to /dev/null, so the interpreter's
            # final flush does not fail again with a message on stderr.
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, sys.stdout.fileno())
                os.close(devnull)
            raise ReaderGone() from None
        return False


def output_stream(output):
    """Where a command writes: standard output for None or "-", else the file
    ``output``, replaced only when the writing finished."""
    return _StdoutTarget() if output in (None, "-") else atomic_output(output)
