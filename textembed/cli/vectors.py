"""The word-vector commands: ``skipgram`` (train), ``evaluate`` (analogies,
word pairs) and ``similar`` (nearest words), over :mod:`textembed.word2vec`."""
import os

import click

from .._defaults import SKIPGRAM_DEFAULTS
from ..io import InputError, check_input_file, check_output_path
from ..progress import stderr_is_terminal
from ._common import (STDIN_NAME, encoding_option, info, output_option, output_stream,
                      quiet_option, seed_option, threads_option, warn_replaced)
from ._subwords import (check_subword_options, load_any_vectors, subword_model_path,
                        subword_options, unseen_note)


def _trainer_option(name, type_, help):
    """An option whose default is the trainer's (``--min-count``: ``min_count``)."""
    return click.option(name, type=type_, default=SKIPGRAM_DEFAULTS[name[2:].replace("-", "_")],
                        show_default=True, help=help)


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


@click.command()
@click.argument("corpus", metavar="CORPUS")
@output_option("Where to write the vectors (default: CORPUS.vec, or .bin with --binary).")
@_trainer_option("--dim", click.IntRange(min=1), "Vector size.")
@_trainer_option("--window", click.IntRange(min=1),
                 "Largest distance between a word and its context (shrunk at random).")
@_trainer_option("--negative", click.IntRange(min=1), "Negative samples per context window.")
@_trainer_option("--min-count", click.IntRange(min=1), "Leave out words seen fewer times.")
@click.option("--max-vocab", type=click.IntRange(min=2), default=None,
              help="Keep only the most frequent N words.")
@_trainer_option("--sample", click.FloatRange(min=0),
                 "Subsampling of frequent words, 0: off (word2vec: 1e-3).")
@_trainer_option("--epochs", click.IntRange(min=1), "Passes over the corpus.")
@_trainer_option("--alpha", click.FloatRange(min=0, min_open=True),
                 "Initial learning rate, decaying linearly (word2vec: 0.025).")
@_trainer_option("--min-alpha", click.FloatRange(min=0), "Final learning rate.")
@threads_option("Training threads (default: all cores).")
@seed_option("Random seed; with --threads 1 the vectors are reproducible bit for bit.")
@click.option("--binary", is_flag=True, help="Write word2vec's binary format (text otherwise).")
@click.option("--tokenizer", type=click.Choice(["keras", "whitespace"]), default="keras",
              show_default=True,
              help="keras: strip punctuation like text_to_word_sequence; whitespace: split on "
                   "whitespace only.")
@click.option("--lower/--no-lower", default=True, show_default=True, help="Lower-case the text.")
@encoding_option("CORPUS")
@quiet_option()
@subword_options()
def skipgram(corpus, output, dim, window, negative, min_count, max_vocab, sample, epochs,
             alpha, min_alpha, threads, seed, binary, tokenizer, lower, encoding, quiet,
             subwords, minn, maxn, bucket):
    """Train skip-gram word vectors (negative sampling) on CORPUS.

    CORPUS is a text file, one sentence or paragraph per line (plain, .gz or
    .bz2), or - for standard input. The vectors are written in word2vec's
    text format (or binary with --binary), which gensim and word2vec tools load.
    With --subwords (fastText's model), the vectors of the known words go there
    too, and the model goes to OUT.bin beside them (fastText's format), from
    which `similar`, `evaluate` and `embed` give any word a vector.
    """
    subword_settings = check_subword_options(subwords, minn, maxn, bucket)
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
    model_path = subword_model_path(output) if subwords else None
    if corpus != "-" and os.path.exists(output) and os.path.samefile(corpus, output):
        raise click.BadParameter(f"{output} is CORPUS itself: writing the vectors there "
                                 "would replace the text", param_hint="'-o' / '--output'")
    from ..word2vec import train

    name = STDIN_NAME if corpus == "-" else corpus
    try:
        vectors = train(corpus, dim=dim, window=window, negative=negative,
                        min_count=min_count, sample=sample, epochs=epochs, alpha=alpha,
                        min_alpha=min_alpha, threads=threads, seed=seed, max_vocab=max_vocab,
                        tokenizer=tokenizer, lower=lower, encoding=encoding,
                        progress=not quiet and stderr_is_terminal(), **subword_settings)
    except ValueError as error:
        raise InputError(f"{name}: {error}") from None
    stats = vectors.stats
    warn_replaced(name, stats.replaced_bytes, encoding)
    vectors.save_word2vec_format(output, binary=binary)
    if model_path is not None:
        vectors.save_fasttext_format(model_path)
    info(f"skipgram: {stats.corpus_tokens:,} tokens x {epochs} epochs in {stats.seconds:.1f} s "
         f"({stats.words_per_second / 1e3:,.0f}k words/s, {stats.threads} threads; "
         f"reading {stats.encode_seconds:.1f} s), loss {stats.loss:.3f}; "
         f"{len(vectors):,} words x {dim} saved to {output}"
         + (f", the subword model to {model_path}" if model_path else ""), quiet)


@click.command()
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
                   f"{result['restrict_vocab']:,} most frequent)" + _unseen(result))
        if sections:
            for name, stats in result["sections"].items():
                click.echo(f"  {name}: {_score(stats['accuracy'])} "
                           f"({stats['correct']:,}/{stats['used']:,}), "
                           f"{stats['skipped']:,} skipped")
    for path in pairs:
        result = vectors.evaluate_word_pairs(path, case_insensitive=not case_sensitive)
        click.echo(f"{path}: Spearman {_score(result['spearman'])} "
                   f"(Pearson {_score(result['pearson'])}), {result['used']:,} pairs used, "
                   f"{result['skipped']:,} skipped (a word not in the vocabulary)"
                   + _unseen(result))


@click.command()
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
    note = unseen_note(vectors, list(words) + list(minus))
    if note:
        info(f"similar: {note}")
    with output_stream(None) as out:
        for word, similarity in neighbours:
            out.write(f"{word}\t{similarity:.4f}\n")


def _load_vectors(path):
    return load_any_vectors(path)


def _unseen(result):
    if "unseen" not in result:
        return ""
    return f"; unseen words scored by subwords: {result['unseen']:,}"


def _score(value):
    return "n/a" if value != value else f"{value:.4f}"  # nan: nothing to score
