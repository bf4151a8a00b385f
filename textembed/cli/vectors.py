"""The word-vector commands: ``skipgram`` (train), ``evaluate`` (analogies,
word pairs) and ``similar`` (nearest words), over :mod:`textembed.word2vec`."""
import os
import tempfile

import click
from click.core import ParameterSource

from .._defaults import SKIPGRAM_DEFAULTS
from ..io import InputError, check_input_file, check_output_path
from ..progress import stderr_is_terminal
from ._common import (STDIN_NAME, corpus_tokenizer_options, encoding_option, engine_options,
                      info, output_option, output_stream, quiet_option, seed_option,
                      threads_option, uses_dask, warn_replaced)
from ._subwords import (check_subword_options, load_any_vectors, subword_model_path,
                        subword_options, unseen_note)


def _trainer_option(name, type_, help):
    """An option whose default is the trainer's (``--min-count``: ``min_count``)."""
    return click.option(name, type=type_, default=SKIPGRAM_DEFAULTS[name[2:].replace("-", "_")],
                        show_default=True, help=help)


_SUFFIXES = {"vec": ".vec", "bin": ".bin", "store": ".store"}
_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class ByteSize(click.ParamType):
    """A number of bytes: ``500M``, ``2G``, ``1.5G``, ``64K`` (powers of 1024) or plain bytes."""

    name = "SIZE"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B").removesuffix("I")
        unit = text[-1:] if text[-1:] in _UNITS else ""
        try:
            size = int(float(text[:len(text) - len(unit)]) * _UNITS[unit])
        except (ValueError, OverflowError):
            size = 0
        if size < 1:
            self.fail(f"{value!r} is not a size: give bytes, or a number with K, M, G or T "
                      "(e.g. 500M, 2G)", param, ctx)
        return size


def _output_format(format_, binary, output):
    """vec, bin or store: --format if given, bin with --binary, else store when
    -o ends in .store or names an existing store, else vec (word2vec text)."""
    from ..word2vec.store import is_store

    if binary:
        if format_ not in (None, "bin"):
            raise click.BadParameter(f"--binary contradicts --format {format_}",
                                     param_hint="'--binary'")
        return "bin"
    if format_ is not None:
        return format_
    if output is not None and (output.endswith(".store") or is_store(output)):
        return "store"
    return "vec"


def _default_vectors_path(corpus, format_):
    """``corpus.vec`` (``.bin``, ``.store`` by format) beside the corpus, without
    .gz/.bz2/.txt."""
    if corpus == "-":
        base = "stdin"
    else:
        base = corpus
        for suffix in (".gz", ".bz2", ".txt"):
            if base.endswith(suffix):
                base = base[: -len(suffix)]
    return base + _SUFFIXES[format_]


@click.command()
@click.argument("corpus", metavar="CORPUS")
@output_option("Where to write the vectors (default: CORPUS.vec, .bin or .store by --format).")
@click.option("--model", type=click.Choice(["skipgram", "cbow"]), default="skipgram",
              show_default=True,
              help="skipgram: each context word predicts the centre word; cbow: the mean of "
                   "the context vectors predicts it (faster).")
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
@click.option("--binary", is_flag=True, help="Write word2vec's binary format (--format bin).")
@click.option("--format", "format_", type=click.Choice(["vec", "bin", "store"]), default=None,
              help="vec: word2vec text; bin: word2vec binary; store: textembed's vector "
                   "store, a folder that loads in a moment (default: store when -o ends in "
                   ".store, else vec).")
@click.option("--max-vocab-memory", type=ByteSize(), default=None,
              help="Memory the word table may take while counting (e.g. 500M, 2G); past it "
                   "the rarest words are pruned as word2vec.c does [default: a quarter of "
                   "the physical memory].")
@corpus_tokenizer_options()
@click.option("--eval-every-epoch", is_flag=True,
              help="Score the vectors after every epoch on --analogies / --pairs and write "
                   "the scores and losses per epoch to --history.")
@click.option("--analogies", "eval_analogies", default=None, metavar="FILE",
              help="With --eval-every-epoch: analogy questions (as `textembed evaluate`, "
                   "among the 30,000 most frequent words).")
@click.option("--pairs", "eval_pairs", multiple=True, metavar="FILE",
              help="With --eval-every-epoch: word pairs with human scores (Spearman); may be "
                   "repeated.")
@click.option("--history", "history_path", default=None, metavar="FILE",
              help="Where --eval-every-epoch writes its JSON history (default: "
                   "OUTPUT.history.json).")
@click.option("--save-state", "save_state_path", default=None, metavar="STATE",
              help="Also write the training state (both weight matrices, the vocabulary "
                   "and its counts, the settings, the learning-rate position) to continue "
                   "from with --resume.")
@click.option("--resume", "resume_path", default=None, metavar="STATE",
              help="Continue the training of STATE on CORPUS: its words keep their vectors, "
                   "CORPUS's words reaching --min-count join; the state's settings apply "
                   "unless given.")
@click.option("--phrases", type=click.IntRange(min=0), default=0, metavar="N",
              help="First join frequent word pairs into one token (new_york) in N passes, as "
                   "`textembed phrases` does with its defaults.")
@engine_options("train")
@click.option("--sync-words", type=click.IntRange(min=1000), default=None,
              help="With --engine dask: about the words each worker trains between two "
                   "merges (every worker's part of an epoch is cut into the same number "
                   "of equal rounds; the 2,000 most frequent words are also merged after "
                   "every wave of jobs inside a round) [600,000].")
@click.option("--checkpoint", "checkpoint_dir", default=None, metavar="DIR",
              help="With --engine dask: where the job keeps its shards of word ids and its "
                   "state after every round (every worker must reach it); the same command "
                   "run again continues from there [a temporary folder].")
@encoding_option("CORPUS")
@quiet_option()
@subword_options()
def skipgram(corpus, output, model, dim, window, negative, min_count, max_vocab, sample, epochs,
             alpha, min_alpha, threads, seed, binary, format_, max_vocab_memory, tokenizer,
             lower, eval_every_epoch, eval_analogies, eval_pairs, history_path,
             save_state_path, resume_path, phrases, engine, scheduler, dask_workers, sync_words,
             checkpoint_dir, encoding, quiet, subwords, minn, maxn, bucket):
    """Train skip-gram (or CBOW) word vectors (negative sampling) on CORPUS.

    CORPUS is a text file, one sentence or paragraph per line (plain, .gz or
    .bz2), or - for standard input. The vectors are written in word2vec's
    text format (or binary with --binary), which gensim and word2vec tools load.
    With --subwords (fastText's model), the vectors of the known words go there
    too, and the model goes to OUT.bin beside them (fastText's format), from
    which `similar`, `evaluate` and `embed` give any word a vector.
    """
    subword_settings = check_subword_options(subwords, minn, maxn, bucket)
    on_dask = uses_dask(engine, scheduler, dask_workers)
    _check_dask_options(on_dask, corpus, model, subwords, resume_path, save_state_path,
                        eval_every_epoch, sync_words, checkpoint_dir)
    if min_alpha > alpha:
        raise click.BadParameter(f"{min_alpha} is above --alpha {alpha}",
                                 param_hint="'--min-alpha'")
    if output == "-":
        raise click.BadParameter("the vectors go to a file: give its name (standard output "
                                 "is not supported)", param_hint="'-o' / '--output'")
    _check_evaluation_options(eval_every_epoch, eval_analogies, eval_pairs, history_path)
    if corpus != "-":
        check_input_file(corpus)
    format_ = _output_format(format_, binary, output)
    if output is None:
        # Said in the summary line: announcing it now would put a second line
        # before any error found while reading the corpus.
        output = _default_vectors_path(corpus, format_)
    if format_ == "store":
        from ..word2vec.store import check_output

        check_output(output)
    else:
        check_output_path(output)
    model_path = subword_model_path(output) if subwords else None
    if corpus != "-" and os.path.exists(output) and os.path.samefile(corpus, output):
        raise click.BadParameter(f"{output} is CORPUS itself: writing the vectors there "
                                 "would replace the text", param_hint="'-o' / '--output'")
    from ..word2vec import epoch_scorer, load_state, save_state, train
    from ..word2vec.training import resolve_settings

    if save_state_path is not None:
        check_output_path(save_state_path)
        if os.path.abspath(save_state_path) == os.path.abspath(output):
            raise click.BadParameter("the state and the vectors need two files",
                                     param_hint="'--save-state'")
    resume = None
    given = dict(model=model, dim=dim, window=window, negative=negative, sample=sample,
                 min_count=min_count, alpha=alpha, min_alpha=min_alpha, tokenizer=tokenizer,
                 lower=lower)
    if resume_path is not None:
        # the state's settings, except those given on the command line
        context = click.get_current_context()
        given = {key: None if context.get_parameter_source(key) is ParameterSource.DEFAULT
                 else value for key, value in given.items()}
        resume = load_state(resume_path)
        try:
            resolve_settings(given, resume, max_vocab)
        except ValueError as error:
            raise InputError(f"{resume_path}: {error}") from None
    evaluate = None
    if eval_every_epoch:
        history_path = history_path or output + ".history.json"
        check_output_path(history_path)
        for path in [eval_analogies, *eval_pairs]:
            if path is not None:
                check_input_file(path)
        evaluate = epoch_scorer(eval_analogies, eval_pairs)
    name = STDIN_NAME if corpus == "-" else corpus
    progress = not quiet and stderr_is_terminal()
    with tempfile.TemporaryDirectory(prefix="textembed-skipgram-") as scratch:
        source, phrased, replaced = corpus, None, None
        if phrases:
            source, phrased, replaced = _join_phrases(corpus, scratch, phrases, given, resume,
                                                      encoding, progress)
            given.update(tokenizer="whitespace", lower=False)
        try:
            if on_dask:
                vectors = _train_on_dask(source, given, epochs, seed, max_vocab, encoding,
                                         scheduler, dask_workers, sync_words,
                                         checkpoint_dir or os.path.join(scratch, "dask"), quiet,
                                         kept=checkpoint_dir is not None)
            else:
                vectors = train(source, epochs=epochs, threads=threads, seed=seed,
                                max_vocab=max_vocab, encoding=encoding, progress=progress,
                                evaluate=evaluate, resume=resume,
                                keep_state=save_state_path is not None,
                                max_vocab_memory=max_vocab_memory, **given, **subword_settings)
        except ValueError as error:
            raise InputError(f"{name}: {error}") from None
    stats = vectors.stats
    warn_replaced(name, stats.replaced_bytes if replaced is None else replaced, encoding)
    if format_ == "store":
        vectors.save(output)
    else:
        vectors.save_word2vec_format(output, binary=format_ == "bin")
    saved = output
    if model_path is not None:
        vectors.save_fasttext_format(model_path)
        saved += f", the subword model to {model_path}"
    if evaluate is not None:
        _write_history(history_path, name, output, stats)
        saved += f", history to {history_path}"
    if save_state_path is not None:
        save_state(vectors, save_state_path)
        saved += f", state to {save_state_path}"
    model = getattr(stats, "model", "skipgram")
    if phrased is not None:
        saved += f" (after {phrases} phrase pass{'es' if phrases > 1 else ''}: {phrased})"
    if on_dask:
        saved += (f" ({stats.streams} stream{'s' if stats.streams > 1 else ''} of the corpus "
                  f"on the Dask workers, {stats.rounds} rounds, "
                  f"{100 * stats.sync_share:.0f}% of the time synchronising)")
    if resume is not None:
        saved += (f" (resumed {resume_path}: {resume.epochs_done} epochs before, "
                  f"{stats.new_words:,} new words)")
    epoch_losses = " ".join(f"{loss:.3f}" for loss in stats.epoch_losses)
    info(f"{model}: {stats.corpus_tokens:,} tokens x {epochs} epochs in {stats.seconds:.1f} s "
         f"({stats.words_per_second / 1e3:,.0f}k words/s, {stats.threads} "
         f"thread{'s' if stats.threads != 1 else ''}; "
         f"reading {stats.encode_seconds:.1f} s), loss {stats.loss:.3f} "
         f"(per epoch {epoch_losses}); {len(vectors):,} words x {vectors.vector_size} "
         f"saved to {saved}" + _pruned_note(stats), quiet)


def _check_dask_options(on_dask, corpus, model, subwords, resume_path, save_state_path,
                        eval_every_epoch, sync_words, checkpoint_dir):
    """Usage errors of --engine dask and its options, before any work."""
    if not on_dask:
        for name, value in (("--sync-words", sync_words), ("--checkpoint", checkpoint_dir)):
            if value is not None:
                raise click.UsageError(f"{name} applies to --engine dask: add it (or drop "
                                       f"{name})")
        return
    unsupported = [name for name, used in (
        ("--model cbow", model == "cbow"), ("--subwords", subwords),
        ("--resume", resume_path is not None), ("--save-state", save_state_path is not None),
        ("--eval-every-epoch", eval_every_epoch), ("standard input", corpus == "-")) if used]
    if unsupported:
        raise click.UsageError(f"--engine dask trains skip-gram from files; "
                               f"{unsupported[0]} runs in one process only (drop --engine "
                               "dask, or that option)")


def _join_phrases(corpus, scratch, passes, given, resume, encoding, progress):
    """(the phrased corpus's path, how the summary names it, replaced bytes)."""
    from ..word2vec.phrases import apply_phrases

    tokenizer = given["tokenizer"] or (resume.settings["tokenizer"] if resume else "keras")
    lower = given["lower"] if given["lower"] is not None else (
        resume.settings["lower"] if resume else True)
    path = os.path.join(scratch, "phrased.txt")
    try:
        stats = apply_phrases(corpus, path, passes=passes, tokenizer=tokenizer, lower=lower,
                              encoding=encoding, progress=progress)
    except ValueError as error:
        raise InputError(f"{corpus}: {error}") from None
    joined = sum(len(p.phrases) for p in stats.passes)
    return path, f"{joined:,} phrases joined", stats.replaced_bytes


def _train_on_dask(corpus, given, epochs, seed, max_vocab, encoding, scheduler, workers,
                   sync_words, work_dir, quiet, kept):
    """Skip-gram vectors trained on a Dask cluster (see textembed.distributed);
    ``kept``: ``work_dir`` is the user's --checkpoint (a stopped job continues)."""
    from ..distributed import dask_driver
    from ..distributed.dask_training import SYNC_WORDS, train_skipgram
    from ..distributed.rounds import RoundsError
    from ..word2vec.training import resolve_settings

    settings = resolve_settings(given, None)
    with dask_driver.connect(scheduler, workers) as client:
        n = dask_driver.check_workers(client)
        resume = os.path.exists(os.path.join(work_dir, "plan.json"))
        info(f"skipgram: training on {n} Dask worker{'s' if n > 1 else ''}"
             + (f", continuing the job in {work_dir}" if resume else ""), quiet)
        try:
            return train_skipgram(
                client, [corpus], work_dir, dim=settings["dim"], window=settings["window"],
                negative=settings["negative"], min_count=settings["min_count"],
                sample=settings["sample"], epochs=epochs, alpha=settings["alpha"],
                min_alpha=settings["min_alpha"], seed=0 if seed is None else seed,
                max_vocab=max_vocab, sync_words=sync_words or SYNC_WORDS, encoding=encoding,
                tokenizer=settings["tokenizer"], lower=settings["lower"], resume=resume,
                progress=not quiet and stderr_is_terminal())
        except RoundsError as error:
            then = ("run the same command again to continue it from its last round" if kept
                    else "give --checkpoint DIR to keep a job that can be continued")
            raise InputError(f"the Dask training stopped ({error}): {then}") from None


def _pruned_note(stats):
    """The summary's note on vocabulary pruning (empty when nothing was pruned)."""
    pruned = getattr(stats, "vocab_pruned", 0)
    if not pruned:
        return ""
    return (f"; the word table reached --max-vocab-memory: {pruned:,} rare words pruned "
            "while counting (the others' counts may be lower, as in word2vec.c)")


def _check_evaluation_options(eval_every_epoch, analogies, pairs, history):
    """Usage errors of --eval-every-epoch and its files, before any work."""
    if eval_every_epoch and analogies is None and not pairs:
        raise click.UsageError("--eval-every-epoch needs --analogies FILE and/or --pairs FILE "
                               "to score the vectors on")
    if not eval_every_epoch:
        given = "--analogies" if analogies is not None else "--pairs" if pairs else \
            "--history" if history is not None else None
        if given is not None:
            raise click.UsageError(f"{given} is used by --eval-every-epoch: add it (or use "
                                   "`textembed evaluate` on the saved vectors)")


def _write_history(path, corpus, output, stats):
    """The scores and losses per epoch as JSON, written atomically."""
    import json

    from ..io import atomic_output

    record = {"corpus": corpus, "vectors": output, "seconds": stats.seconds,
              "epochs": stats.history}
    with atomic_output(path) as out:
        json.dump(record, out, indent=1)
        out.write("\n")


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
    """Score word VECTORS (word2vec text or binary file, or a vector store) on
    analogies and word pairs.

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
    VECTORS is a word2vec text or binary file, or a vector store folder.
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
    """A vector store (folder), a fastText .bin model or a word2vec text or binary file."""
    return load_any_vectors(path)


def _unseen(result):
    if "unseen" not in result:
        return ""
    return f"; unseen words scored by subwords: {result['unseen']:,}"


def _score(value):
    return "n/a" if value != value else f"{value:.4f}"  # nan: nothing to score
