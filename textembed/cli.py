"""The ``textembed`` command-line tool.

Each command parses its options, calls the library and prints. Heavy modules
(numpy, numba) are imported inside the commands, so ``--help`` and
``--version`` answer at once. Every user mistake ends in one line on standard
error and a non-zero exit: 2 for usage errors, 1 for data errors.
"""
import contextlib
import os
import shutil
import sys
import tempfile
import time

import click

from ._version import __version__
from ._defaults import DEFAULT_FILTERS, SKIPGRAM_DEFAULTS
from .io import InputError

_PROGRESS_MIN_BYTES = 8 << 20
_STDIN_NAME = "standard input"


class _Interrupted(Exception):
    """Ctrl-C inside a command, raised past click (which would print an empty
    line first and turn it into click.Abort)."""


class _Group(click.Group):
    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None


class _ReaderGone(Exception):
    """The reader of standard output closed it (e.g. ``textembed ... | head``).

    Deliberately not an OSError: click turns a broken pipe into exit code 1
    on its own, but a closed pipe is the reader's choice, not an error.
    """


def _warn(message):
    click.echo(f"textembed: warning: {message}", err=True)


def _info(message, quiet=False):
    if not quiet:
        click.echo(message, err=True)


def _check_encoding_option(ctx, param, value):
    from .io import check_encoding

    try:
        check_encoding(value)
    except InputError as error:
        raise click.BadParameter(str(error)) from None
    return value


def tokenizer_options(command):
    """Options shared by the commands that split text into words."""
    options = [
        click.option("--encoding", default="utf-8", show_default=True,
                     callback=_check_encoding_option,
                     help="Text encoding of INPUT; undecodable bytes are replaced and counted."),
        click.option("--filters", default=DEFAULT_FILTERS, show_default="Keras' punctuation, tab, newline",
                     help="Characters removed from the text (replaced by the split character)."),
        click.option("--lower/--no-lower", default=True, show_default=True,
                     help="Lower-case the text."),
        click.option("--split", default=" ", show_default="space",
                     help="Word separator."),
        click.option("--char-level", is_flag=True, help="Every character is a token."),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _make_tokenizer(num_words=None, oov_token=None, filters=None, lower=True,
                    split=" ", char_level=False):
    from .text import Tokenizer

    try:
        return Tokenizer(num_words=num_words, filters=filters, lower=lower, split=split,
                         char_level=char_level, oov_token=oov_token)
    except (TypeError, ValueError) as error:
        raise click.UsageError(str(error)) from None


def _progress_lines(source, description, quiet):
    """Yield the lines of ``source`` with a byte-based tqdm bar on large inputs.

    The bar is drawn only when standard error is a terminal, so logs and
    captured output get no carriage-return garbage.
    """
    from tqdm import tqdm

    show = (not quiet and _stderr_is_terminal()
            and (source.size is None or source.size >= _PROGRESS_MIN_BYTES))
    with tqdm(total=source.size, unit="B", unit_scale=True, desc=description,
              disable=not show, file=sys.stderr, leave=False) as bar:
        for n, line in enumerate(source, 1):
            if n % 8192 == 0:
                bar.update(source.position() - bar.n)
            yield line
        bar.update(max(source.position() - bar.n, 0))


def _stderr_is_terminal():
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _report_replaced(source):
    if source.replaced:
        _warn(f"{source.name}: {source.replaced:,} bytes were not valid {source.encoding} "
              f"and were replaced by U+FFFD (is the file in another encoding? try --encoding latin-1)")


def _spool_stdin():
    """Copy standard input to a temporary file (for commands that read twice)."""
    handle = tempfile.NamedTemporaryFile(prefix="textembed-stdin-", delete=False)
    try:
        with handle:
            shutil.copyfileobj(sys.stdin.buffer, handle)
        if os.path.getsize(handle.name) == 0:
            raise InputError(f"{_STDIN_NAME} is empty")
    except BaseException:  # Ctrl-C while reading too: leave no file behind
        os.unlink(handle.name)
        raise
    return handle.name


def _fit_tokenizer(tokenizer, path, encoding, quiet, label, name=None):
    from .io import TextSource

    source = TextSource(path, encoding, name=name)
    tokenizer.fit_on_texts(_progress_lines(source, label, quiet))
    _report_replaced(source)
    if not tokenizer.word_counts:
        raise InputError(f"{source.name}: no words found (the text is empty after "
                         "removing the filter characters)")
    return source


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="textembed")
def cli():
    """textembed: Keras-compatible text preprocessing, skip-gram word vectors
    and sequence models, from the shell.

    Run `textembed COMMAND --help` for the options of a command.
    """


@cli.command()
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", default=None,
              help="Where to write the sequences (default: standard output).")
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
    from .io import TextSource, atomic_output, check_output_path

    started = time.perf_counter()
    to_stdout = output in (None, "-")
    if load_tokenizer is None and save_tokenizer is None:
        base = input_path if to_stdout else output
        save_tokenizer = ("stdin" if base == "-" else base) + ".tokenizer.json"
    # Fail on a bad output path now, not after fitting on a large corpus.
    for path in ([] if to_stdout else [output]) + ([save_tokenizer] if save_tokenizer else []):
        check_output_path(path)
    name = _STDIN_NAME if input_path == "-" else input_path
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
        lines = _progress_lines(source, "tokenizing", quiet)
        n_lines = n_tokens = 0
        with _output_stream(output) as out:
            for chunk in _batches(tokenizer.texts_to_sequences_generator(lines), 8192):
                n_lines += len(chunk)
                n_tokens += sum(map(len, chunk))
                if words:
                    out.write("\n".join(tokenizer.sequences_to_texts(chunk)))
                else:
                    out.write("\n".join(" ".join(map(str, seq)) for seq in chunk))
                out.write("\n")
        if fitted is None:  # else the same bytes were already reported
            _report_replaced(source)
    finally:
        if spooled:
            os.unlink(spooled)
    summary = (f"tokenize: {n_lines:,} lines, {n_tokens:,} tokens, "
               f"{len(tokenizer.word_index):,} words in the index, "
               f"{time.perf_counter() - started:.1f} s")
    if load_tokenizer is None:
        summary += f"; tokenizer saved to {save_tokenizer}"
    _info(summary, quiet)


def _load_tokenizer_file(path):
    from .text import tokenizer_from_json

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


def _batches(iterator, size):
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
            raise _ReaderGone() from None
        return False


def _output_stream(output):
    from .io import atomic_output

    return _StdoutTarget() if output in (None, "-") else atomic_output(output)


@cli.command()
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", default=None,
              help="Where to write the vocabulary (default: standard output).")
@click.option("--min-count", type=click.IntRange(min=1), default=1, show_default=True,
              help="Leave out words seen fewer times.")
@click.option("--top", type=click.IntRange(min=1), default=None,
              help="Write only the most frequent N words.")
@tokenizer_options
def vocab(input_path, output, min_count, top, encoding, filters, lower, split,
          char_level, quiet):
    """Count the words of INPUT: one `word<TAB>count` line each, most frequent first.

    Ties keep the order of first appearance (as Keras' word_index does).
    INPUT is a text file (plain, .gz or .bz2) or - for standard input.
    """
    from .io import check_output_path

    started = time.perf_counter()
    if output not in (None, "-"):
        check_output_path(output)
    tokenizer = _make_tokenizer(None, None, filters, lower, split, char_level)
    _fit_tokenizer(tokenizer, input_path, encoding, quiet, "counting")
    counts = tokenizer.word_counts
    written = 0
    with _output_stream(output) as out:
        for word in tokenizer.word_index:
            count = counts[word]
            if count < min_count or (top is not None and written >= top):
                break
            out.write(f"{word}\t{count}\n")
            written += 1
    _info(f"vocab: {tokenizer.document_count:,} lines, {sum(counts.values()):,} tokens, "
          f"{len(counts):,} distinct words, {written:,} written, "
          f"{time.perf_counter() - started:.1f} s", quiet)


def _default_vectors_path(corpus, binary):
    """``corpus.vec`` (``.bin`` with --binary) beside the corpus, without .gz/.bz2/.txt."""
    if corpus == "-":
        base = "stdin"
    else:
        base = corpus
        for suffix in (".gz", ".bz2", ".txt"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
    return base + (".bin" if binary else ".vec")


@cli.command()
@click.argument("corpus", metavar="CORPUS")
@click.option("-o", "--output", default=None,
              help="Where to write the vectors (default: CORPUS.vec, or .bin with --binary).")
@click.option("--dim", type=click.IntRange(min=1), default=SKIPGRAM_DEFAULTS["dim"],
              show_default=True,
              help="Vector size.")
@click.option("--window", type=click.IntRange(min=1), default=SKIPGRAM_DEFAULTS["window"],
              show_default=True,
              help="Largest distance between a word and its context (shrunk at random).")
@click.option("--negative", type=click.IntRange(min=1), default=SKIPGRAM_DEFAULTS["negative"],
              show_default=True,
              help="Negative samples per context window.")
@click.option("--min-count", type=click.IntRange(min=1), default=SKIPGRAM_DEFAULTS["min_count"],
              show_default=True,
              help="Leave out words seen fewer times.")
@click.option("--max-vocab", type=click.IntRange(min=2), default=None,
              help="Keep only the most frequent N words.")
@click.option("--sample", type=click.FloatRange(min=0), default=SKIPGRAM_DEFAULTS["sample"],
              show_default=True,
              help="Subsampling of frequent words, 0: off (word2vec: 1e-3).")
@click.option("--epochs", type=click.IntRange(min=1), default=SKIPGRAM_DEFAULTS["epochs"],
              show_default=True,
              help="Passes over the corpus.")
@click.option("--alpha", type=click.FloatRange(min=0, min_open=True),
              default=SKIPGRAM_DEFAULTS["alpha"], show_default=True,
              help="Initial learning rate, decaying linearly (word2vec: 0.025).")
@click.option("--min-alpha", type=click.FloatRange(min=0), default=SKIPGRAM_DEFAULTS["min_alpha"],
              show_default=True,
              help="Final learning rate.")
@click.option("--threads", type=click.IntRange(min=1), default=None,
              help="Training threads (default: all cores).")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Random seed; with --threads 1 the vectors are reproducible bit for bit.")
@click.option("--binary", is_flag=True, help="Write word2vec's binary format (text otherwise).")
@click.option("--tokenizer", type=click.Choice(["keras", "whitespace"]), default="keras",
              show_default=True,
              help="keras: strip punctuation like text_to_word_sequence; whitespace: split on "
                   "whitespace only.")
@click.option("--lower/--no-lower", default=True, show_default=True, help="Lower-case the text.")
@click.option("--encoding", default="utf-8", show_default=True, callback=_check_encoding_option,
              help="Text encoding of CORPUS; undecodable bytes are replaced and counted.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar or summary.")
def skipgram(corpus, output, dim, window, negative, min_count, max_vocab, sample, epochs,
             alpha, min_alpha, threads, seed, binary, tokenizer, lower, encoding, quiet):
    """Train skip-gram word vectors (negative sampling) on CORPUS.

    CORPUS is a text file, one sentence or paragraph per line (plain, .gz or
    .bz2), or - for standard input. The vectors are written in word2vec's
    text format (or binary with --binary), which gensim and word2vec tools load.
    """
    from .io import check_input_file, check_output_path

    if min_alpha > alpha:
        raise click.BadParameter(f"{min_alpha} is above --alpha {alpha}",
                                 param_hint="'--min-alpha'")
    if output == "-":
        raise click.BadParameter("the vectors go to a file: give its name (standard output "
                                 "is not supported)", param_hint="'-o' / '--output'")
    if corpus != "-":
        check_input_file(corpus)
    if output is None:
        # Said in the summary line: announcing it now would put a second line
        # before any error found while reading the corpus.
        output = _default_vectors_path(corpus, binary)
    check_output_path(output)
    if corpus != "-" and os.path.exists(output) and os.path.samefile(corpus, output):
        raise click.BadParameter(f"{output} is CORPUS itself: writing the vectors there "
                                 "would replace the text", param_hint="'-o' / '--output'")
    from .word2vec import train

    name = _STDIN_NAME if corpus == "-" else corpus
    try:
        vectors = train(corpus, dim=dim, window=window, negative=negative,
                        min_count=min_count, sample=sample, epochs=epochs, alpha=alpha,
                        min_alpha=min_alpha, threads=threads, seed=seed, max_vocab=max_vocab,
                        tokenizer=tokenizer, lower=lower, encoding=encoding,
                        progress=not quiet and _stderr_is_terminal())
    except ValueError as error:
        raise InputError(f"{name}: {error}") from None
    stats = vectors.stats
    if stats.replaced_bytes:
        _warn(f"{name}: {stats.replaced_bytes:,} bytes were not valid {encoding} and were "
              "replaced by U+FFFD (is the file in another encoding? try --encoding latin-1)")
    vectors.save_word2vec_format(output, binary=binary)
    _info(f"skipgram: {stats.corpus_tokens:,} tokens x {epochs} epochs in {stats.seconds:.1f} s "
          f"({stats.words_per_second / 1e3:,.0f}k words/s, {stats.threads} threads; "
          f"reading {stats.encode_seconds:.1f} s), loss {stats.loss:.3f}; "
          f"{len(vectors):,} words x {dim} saved to {output}", quiet)


@cli.command()
@click.argument("vectors_path", metavar="VECTORS")
@click.option("--analogies", default=None, metavar="FILE",
              help="Analogy questions ('a b c d' lines, ': section' headers), "
                   "e.g. questions-words.txt.")
@click.option("--pairs", multiple=True, metavar="FILE",
              help="Word pairs with human scores ('w1<TAB>w2<TAB>score'), e.g. wordsim353.tsv; "
                   "may be repeated.")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=30000, show_default=True,
              help="Analogies: answer among (and use only questions within) the N most "
                   "frequent words.")
@click.option("--case-sensitive", is_flag=True,
              help="Match words as they are (default: lower-case, the most frequent "
                   "spelling standing for all).")
@click.option("--sections", is_flag=True, help="Also print one line per analogy section.")
def evaluate(vectors_path, analogies, pairs, restrict_vocab, case_sensitive, sections):
    """Score word VECTORS (word2vec text or binary file) on analogies and word pairs.

    Prints one line per evaluation file: analogy accuracy (3CosAdd) with the
    questions used and skipped; for each pairs file the Spearman correlation
    between cosine similarity and the human scores.
    """
    if analogies is None and not pairs:
        raise click.UsageError("give --analogies FILE and/or --pairs FILE")
    vectors = _load_vectors(vectors_path)
    if analogies is not None:
        result = vectors.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab,
                                                 case_insensitive=not case_sensitive)
        click.echo(f"{analogies}: analogy accuracy {_score(result['accuracy'])} "
                   f"({result['correct']:,}/{result['used']:,} questions), "
                   f"{result['skipped']:,} skipped (a word not among the "
                   f"{result['restrict_vocab']:,} most frequent)")
        if sections:
            for name, stats in result["sections"].items():
                click.echo(f"  {name}: {_score(stats['accuracy'])} "
                           f"({stats['correct']:,}/{stats['used']:,}), "
                           f"{stats['skipped']:,} skipped")
    for path in pairs:
        result = vectors.evaluate_word_pairs(path, case_insensitive=not case_sensitive)
        click.echo(f"{path}: Spearman {_score(result['spearman'])} "
                   f"(Pearson {_score(result['pearson'])}), {result['used']:,} pairs used, "
                   f"{result['skipped']:,} skipped (a word not in the vocabulary)")


@cli.command()
@click.argument("vectors_path", metavar="VECTORS")
@click.argument("words", metavar="WORD...", nargs=-1, required=True)
@click.option("-n", "--topn", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many neighbours to print.")
@click.option("--minus", multiple=True, metavar="WORD",
              help="Subtract this word's vector (analogies: `similar V king woman --minus man`).")
@click.option("--restrict-vocab", type=click.IntRange(min=1), default=None,
              help="Look only among the N most frequent words.")
def similar(vectors_path, words, topn, minus, restrict_vocab):
    """Print the words nearest to WORD (cosine similarity): `word<TAB>similarity` lines.

    With several WORDs (and --minus), the query is the sum of their unit
    vectors minus the --minus ones (3CosAdd); the query words are not printed.
    """
    vectors = _load_vectors(vectors_path)
    try:
        neighbours = vectors.most_similar(positive=list(words), negative=list(minus),
                                          topn=topn, restrict_vocab=restrict_vocab)
    except KeyError as error:
        raise InputError(str(error)) from None
    with _output_stream(None) as out:
        for word, similarity in neighbours:
            out.write(f"{word}\t{similarity:.4f}\n")


def _load_vectors(path):
    from .word2vec import load_word2vec_format

    return load_word2vec_format(path)


def _score(value):
    return "n/a" if value != value else f"{value:.4f}"  # nan: nothing to score


# train-classifier, predict, test-classifier (registered on `cli` on import).
from . import cli_classify  # noqa: E402,F401

_NoArgsIsHelpError = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv=None):
    """Entry point: run the click group, turning every user error into one line."""
    try:
        code = cli.main(args=argv, prog_name="textembed", standalone_mode=False)
    except _NoArgsIsHelpError as error:  # bare `textembed` (click >= 8.2)
        error.show()
        sys.exit(2)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "textembed"
        click.echo(f"textembed: error: {error.format_message()} "
                   f"(see `{where} --help`)", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"textembed: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except InputError as error:
        click.echo(f"textembed: error: {error}", err=True)
        sys.exit(1)
    except (_Interrupted, KeyboardInterrupt, click.Abort):
        # On a terminal, start a new line after the echoed ^C.
        start = "\n" if _stderr_is_terminal() else ""
        click.echo(f"{start}textembed: interrupted", err=True)
        sys.exit(130)
    except _ReaderGone:
        # The reader of our standard output went away (e.g. `| head`).
        sys.exit(0)
    except OSError as error:  # the system refused a read or write (disk full...)
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"textembed: error: {where}{error.strerror or error}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    # Run the package's copy of this module: the one cli_classify registered
    # its commands on (and whose exceptions main() catches).
    from textembed.cli import main as _main

    _main()
