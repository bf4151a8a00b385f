"""The ``phrases`` command: join frequent collocations of a corpus into one
token, over :mod:`textembed.word2vec.phrases`."""
import os

import click

from ..io import InputError, check_input_file, check_output_path
from ..progress import stderr_is_terminal
from ._common import (STDIN_NAME, corpus_tokenizer_options, encoding_option, info,
                      output_option, quiet_option, warn_replaced)

# The library's defaults, repeated here so that --help imports no numpy
# (tests/test_cli_phrases.py checks that they agree).
DEFAULTS = {"passes": 1, "min_count": 5, "threshold": 100.0, "scoring": "default",
            "delimiter": "_", "max_table": 40_000_000}


@click.command()
@click.argument("corpus", metavar="CORPUS")
@output_option("Where to write the text with its phrases joined (required).")
@click.option("--min-count", type=click.IntRange(min=1), default=DEFAULTS["min_count"],
              show_default=True, help="default scoring: subtracted from the pair count; "
                                      "npmi: pairs seen fewer times are never phrases.")
@click.option("--threshold", type=float, default=DEFAULTS["threshold"], show_default=True,
              help="Join a pair scoring above this (default scoring: > 0; npmi: in (-1, 1]).")
@click.option("--scoring", type=click.Choice(["default", "npmi"]), default=DEFAULTS["scoring"],
              show_default=True,
              help="default: word2vec.c's (count(a b) - min_count) / (count(a) count(b)) x "
                   "vocabulary size; npmi: normalized pointwise mutual information.")
@click.option("--passes", type=click.IntRange(min=1), default=DEFAULTS["passes"],
              show_default=True, help="Passes; each joins the previous pass's phrases again "
                                      "(2: new_york_times).")
@click.option("--delimiter", default=DEFAULTS["delimiter"], show_default=True,
              help="Joins the words of a phrase.")
@click.option("--max-table", type=click.IntRange(min=1), default=DEFAULTS["max_table"],
              show_default=True,
              help="Distinct words and pairs held while counting; past it the rarest are "
                   "dropped (gensim's max_vocab_size, about 16-32 bytes each).")
@corpus_tokenizer_options()
@encoding_option("CORPUS")
@quiet_option()
def phrases(corpus, output, min_count, threshold, scoring, passes, delimiter, max_table,
            tokenizer, lower, encoding, quiet):
    """Join frequent word pairs of CORPUS into one token (new york -> new_york).

    CORPUS is a text file, one sentence or paragraph per line (plain, .gz or
    .bz2), or - for standard input. The pairs and their scores are those of
    gensim's Phrases; the output is the tokenized text (UTF-8), one line per
    input line, tokens separated by a space: train on it with
    `skipgram --tokenizer whitespace --no-lower`.
    """
    from ..word2vec.phrases import apply_phrases, check_options

    try:
        check_options(passes, min_count, threshold, scoring, delimiter, max_table)
    except ValueError as error:
        name = "--delimiter" if "delimiter" in str(error) else "--threshold"
        raise click.BadParameter(str(error), param_hint=f"'{name}'") from None
    if output is None:
        raise click.BadParameter("give the output file", param_hint="'-o' / '--output'")
    if output == "-":
        raise click.BadParameter("the text goes to a file: give its name (standard output "
                                 "is not supported)", param_hint="'-o' / '--output'")
    if corpus != "-":
        check_input_file(corpus)
    check_output_path(output)
    if corpus != "-" and os.path.exists(output) and os.path.samefile(corpus, output):
        raise click.BadParameter(f"{output} is CORPUS itself: choose another output file",
                                 param_hint="'-o' / '--output'")
    name = STDIN_NAME if corpus == "-" else corpus
    try:
        stats = apply_phrases(corpus, output, passes=passes, min_count=min_count,
                              threshold=threshold, scoring=scoring, delimiter=delimiter,
                              max_table=max_table, tokenizer=tokenizer, lower=lower,
                              encoding=encoding, progress=not quiet and stderr_is_terminal())
    except ValueError as error:
        raise InputError(f"{name}: {error}") from None
    warn_replaced(name, stats.replaced_bytes, encoding)
    counted = "; ".join(f"pass {n}: phrases {len(p.phrases):,}, tokens {p.tokens:,} -> "
                        f"{p.tokens_out:,}" + (f", {p.pruned:,} counts pruned"
                                               if p.pruned else "")
                        for n, p in enumerate(stats.passes, 1))
    info(f"phrases: {stats.lines:,} lines in {stats.seconds:.1f} s; {counted}; "
         f"saved to {output}", quiet)
