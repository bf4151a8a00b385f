"""Training word vectors (skip-gram or CBOW): the epoch loop around the numba kernels.

The corpus is encoded once (:mod:`.corpus`), then each epoch streams the id
file in blocks, cuts them into jobs at line ends and hands the jobs to a pool
of threads running :func:`textembed.kernels.word2vec_kernels.train_block`,
(or :func:`textembed.kernels.cbow_kernels.train_block_cbow`), which
releases the GIL. The learning rate of a job depends only on its place
in the corpus, and its random numbers only on (seed, epoch, job), so one
thread with a fixed seed gives bit-for-bit the same vectors every run.
"""
import os
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

import numpy as np

from .._defaults import SKIPGRAM_DEFAULTS
from .._memory import release_free_memory
from ..progress import progress_lines
from .corpus import LINE_END, default_max_memory, encode_lines, encode_sentences, read_blocks
from .subwords import SUBWORD_DEFAULTS, check_scheme
from .vocab import Vocabulary

MAX_SENTENCE = 10_000
_BLOCK_TOKENS = 1 << 20
_JOB_TOKENS = 1 << 16

DEFAULTS = SKIPGRAM_DEFAULTS
MODELS = ("skipgram", "cbow")


class TrainingStats:
    """What a training run did: sizes, time, speed, final loss."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "TrainingStats(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


def _check_options(dim, window, negative, min_count, sample, epochs, alpha, min_alpha,
                   threads, max_vocab, model="skipgram"):
    rules = [
        (model in MODELS, f"model must be 'skipgram' or 'cbow', got {model!r}"),
        (dim >= 1, f"dim must be at least 1, got {dim}"),
        (window >= 1, f"window must be at least 1, got {window}"),
        (negative >= 1, f"negative must be at least 1 (negative sampling needs "
                        f"negatives), got {negative}"),
        (min_count >= 1, f"min_count must be at least 1, got {min_count}"),
        (sample >= 0, f"sample must be >= 0 (0 turns subsampling off), got {sample}"),
        (epochs >= 1, f"epochs must be at least 1, got {epochs}"),
        (alpha > 0, f"alpha must be positive, got {alpha}"),
        (0 <= min_alpha <= alpha, f"min_alpha must lie in [0, alpha], got {min_alpha}"),
        (threads is None or threads >= 1, f"threads must be at least 1, got {threads}"),
        (max_vocab is None or max_vocab >= 2, f"max_vocab must be at least 2, got {max_vocab}"),
    ]
    for ok, message in rules:
        if not ok:
            raise ValueError(message)


def _jobs(path, remap):
    """Yield (job ids int32, in-vocabulary words) over one pass of the corpus."""
    for block in read_blocks(path, _BLOCK_TOKENS):
        # remap[-1] is -1, so line ends (-1) stay line ends
        yield from split_jobs(remap[block])


def split_jobs(block, job_tokens=None):
    """Yield (job ids int32, in-vocabulary words): ``block`` (final ids, -1 ending each
    line) cut at the line ends nearest to every ``job_tokens`` (default
    :data:`_JOB_TOKENS`) tokens."""
    job_tokens = job_tokens or _JOB_TOKENS
    ends = np.flatnonzero(block == LINE_END) + 1
    cuts = [0]
    for target in range(job_tokens, len(block), job_tokens):
        k = np.searchsorted(ends, target)
        if k < len(ends) and ends[k] > cuts[-1] and ends[k] < len(block):
            cuts.append(int(ends[k]))
    cuts.append(len(block))
    for a, b in zip(cuts, cuts[1:]):
        if b > a:
            job = block[a:b]
            yield job, int(np.count_nonzero(job >= 0))


class _Progress:
    """A tqdm bar over training words with the epoch, learning rate and loss."""

    def __init__(self, total, enabled, epochs):
        self.bar = None
        self.epochs = epochs
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="word", unit_scale=True, desc="training",
                            dynamic_ncols=True, smoothing=0.1)

    def update(self, words, alpha, loss, epoch):
        if self.bar is not None:
            self.bar.set_postfix_str(f"epoch={epoch + 1}/{self.epochs} lr={alpha:.5f} "
                                     f"loss={loss:.3f}", refresh=False)
            self.bar.update(words)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def train(corpus, dim=None, window=None, negative=None, min_count=None, sample=None,
          epochs=DEFAULTS["epochs"], alpha=None, min_alpha=None, threads=None, seed=None,
          max_vocab=None, tokenizer=None, lower=None, encoding="utf-8", progress=False,
          evaluate=None, model=None, resume=None, resume_alpha="restart", keep_state=False,
          max_vocab_memory=None, subwords=False, minn=SUBWORD_DEFAULTS["minn"],
          maxn=SUBWORD_DEFAULTS["maxn"], bucket=SUBWORD_DEFAULTS["bucket"]):
    """Train word vectors with negative sampling: skip-gram, CBOW or fastText's subwords.

    corpus: a path (plain, .gz, .bz2, or '-' for standard input; one sentence
      or paragraph per line, tokenized like ``text_to_word_sequence`` with
      ``tokenizer='keras'`` (a carriage return also splits words, since the
      word2vec formats cannot store it), on whitespace only with
      ``'whitespace'``), or an
      iterable of token lists (used as they are).
    max_vocab_memory: bytes the word table may take while counting, past which
      the rarest words are pruned as word2vec.c does (see :mod:`.corpus`);
      None: a quarter of the physical memory. ``stats.vocab_pruned`` says how
      many words were dropped.
    dim, window, negative, min_count, sample, alpha, min_alpha, tokenizer,
      lower, model: None takes the default (``DEFAULTS``; tokenizer "keras",
      lower True) or, when resuming, the state's.
    model: "skipgram" (each context word predicts the centre word) or "cbow"
      (the mean of the context vectors predicts it, word2vec.c's CBOW and
      gensim's ``cbow_mean=1``; both start at alpha 0.05 by default, word2vec.c's
      CBOW value).
    evaluate: None, or a callable ``f(vectors) -> dict`` (e.g. :func:`epoch_scorer`)
      called on the current vectors after every epoch, once the epoch's jobs
      are all done (the next epoch waits for it); its dicts go into
      ``stats.history``.
    resume: a TrainingState or the path of one (:mod:`.state`): continue it
      on ``corpus``. Its words keep their vectors and add the new counts; the
      new text's words with ``min_count`` occurrences join with fresh vectors.
      A different ``dim`` or ``model`` is a ValueError. ``resume_alpha``:
      "restart" (default, as gensim's ``train`` on more sentences) decays the
      rate from alpha to min_alpha again over the new text; "continue" carries
      on the state's schedule as if the new text had been planned with the old
      (the rate starts at alpha * (1 - done / (done + new))). Restarting
      scores closer to training on both texts at once (README, Word vectors).
    subwords: fastText's model (skip-gram only, not resumable): a centre word's input
      vector is the mean of its own row and its character n-gram rows (minn to
      maxn characters, hashed into ``bucket`` rows); returns a
      :class:`SubwordVectors` then.
    keep_state: set ``vectors.state`` (a TrainingState, for :func:`save_state`).
    Returns a :class:`WordVectors` whose ``stats`` describe the run:
    ``stats.epoch_losses`` (mean loss per sampled pair of each epoch) and
    ``stats.history`` (one dict per epoch: epoch, loss (as in epoch_losses),
    loss_pairs, seconds (since training began), alpha (at the epoch's end) and the
    scores of ``evaluate``).
    """
    from ..io import TextSource
    from .state import TrainingState, grow, load_state
    from .vectors import WordVectors

    if resume is not None and not isinstance(resume, TrainingState):
        resume = load_state(resume)
    given = dict(model=model, dim=dim, window=window, negative=negative, sample=sample,
                 min_count=min_count, alpha=alpha, min_alpha=min_alpha, tokenizer=tokenizer,
                 lower=lower)
    settings = resolve_settings(given, resume, max_vocab, resume_alpha)
    model, dim, window, negative, sample, min_count, alpha, min_alpha, tokenizer, lower = (
        settings[key] for key in ("model", "dim", "window", "negative", "sample", "min_count",
                                  "alpha", "min_alpha", "tokenizer", "lower"))
    _check_options(dim, window, negative, min_count, sample, epochs, alpha, min_alpha,
                   threads, max_vocab, model)
    if max_vocab_memory is None:
        max_vocab_memory = default_max_memory()
    elif max_vocab_memory < 1:
        raise ValueError(f"max_vocab_memory must be at least 1 byte, got {max_vocab_memory}")
    if subwords:
        check_scheme(minn, maxn, bucket)
        if model != "skipgram" or resume is not None or keep_state or evaluate is not None:
            raise ValueError("subword vectors are trained with skip-gram, from the start, "
                             "and scored once trained: they do not combine with cbow, "
                             "resume, a saved state or scores per epoch (yet)")
    threads = threads or os.cpu_count() or 1
    if seed is None:
        seed = resume.seed if resume is not None else \
            int(np.random.SeedSequence().entropy % (1 << 63))
    seed = int(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textembed-") as scratch:
        ids_path = os.path.join(scratch, "corpus.ids")
        replaced = 0
        if isinstance(corpus, (str, os.PathLike)):
            source = TextSource(os.fspath(corpus), encoding)
            lines = progress_lines(source, "reading", show=progress)
            encoded = encode_lines(lines, ids_path, tokenizer=tokenizer, lower=lower,
                                   max_memory=max_vocab_memory)
            replaced = source.replaced
        else:
            encoded = encode_sentences(corpus, ids_path, max_memory=max_vocab_memory)
        new_words = 0
        if resume is None:
            vocab = Vocabulary(encoded.words, encoded.counts, min_count, max_vocab)
            if len(vocab) < 2:
                raise ValueError(
                    f"only {len(vocab)} distinct word(s) occur at least min_count={min_count} "
                    f"times in the corpus ({len(encoded.words):,} distinct words, "
                    f"{encoded.n_tokens:,} tokens); lower min_count or give more text")
        encode_seconds = time.perf_counter() - started
        release_free_memory()
        if subwords:
            from .subword_training import subword_setup, subword_step

            scheme, row_offsets, rows, syn0, syn1 = subword_setup(vocab, dim, seed, minn, maxn,
                                                                  bucket)
            first_epoch, start = 0, 0
        elif resume is None:
            syn0, syn1 = initial_weights(len(vocab), dim, seed)
            first_epoch, start = 0, 0
        else:
            # fresh rows from another stream than the first run's start
            vocab, syn0, syn1, new_words = grow(resume, encoded, min_count, dim,
                                                seed + resume.epochs_done + 1)
            first_epoch = resume.epochs_done
            start = resume.words_done if resume_alpha == "continue" else 0
        # in-vocabulary tokens of this corpus (resuming, the counts hold old text too)
        n_known = len(encoded.counts)
        epoch_words = int(encoded.counts[vocab.remap[:n_known] >= 0].sum())
        if epoch_words == 0:
            raise ValueError(f"no word of the corpus ({encoded.n_tokens:,} tokens) is in the "
                             f"training state's vocabulary or occurs min_count={min_count} "
                             "times: give more text or lower min_count")
        planned = start + epoch_words * epochs
        if subwords:
            step = subword_step(syn0, syn1, row_offsets, rows, vocab, window, negative,
                                sample, seed, MAX_SENTENCE)
        else:
            make_step = cbow_step if model == "cbow" else skipgram_step
            step = make_step(syn0, syn1, vocab, window, negative, sample, seed)
        on_epoch = None
        if evaluate is not None:
            def on_epoch():
                return evaluate(WordVectors(vocab.words, syn0, counts=vocab.counts))
        loss, history = _train_epochs(ids_path, vocab.remap, epoch_words, step, epochs, alpha,
                                      min_alpha, threads, progress, on_epoch, first_epoch,
                                      start, planned)
    wall = time.perf_counter() - started
    if subwords:
        from .fasttext_format import default_args
        from .subword_vectors import SubwordVectors

        args = default_args(dim, minn, maxn, bucket, ws=window, epoch=epochs,
                            min_count=min_count, neg=negative, t=sample)
        vectors = SubwordVectors(vocab.words, syn0, scheme, output_matrix=syn1,
                                 counts=vocab.counts, pruned=vocab.pruned, min_count=min_count,
                                 args=args, ntokens=encoded.n_tokens)
    else:
        vectors = WordVectors(vocab.words, syn0, counts=vocab.counts, pruned=vocab.pruned,
                              min_count=min_count)
    vectors.stats = TrainingStats(
        corpus_tokens=encoded.n_tokens, lines=encoded.n_lines, vocab_size=len(vocab),
        distinct_words=len(encoded.words), train_words=epoch_words, epochs=epochs,
        seconds=wall, encode_seconds=encode_seconds,
        words_per_second=encoded.n_tokens * epochs / wall if wall > 0 else float("inf"),
        loss=loss, epoch_losses=[entry["loss"] for entry in history], history=history,
        threads=threads, seed=seed, replaced_bytes=replaced, model=model,
        resumed=resume is not None, new_words=new_words, epochs_done=first_epoch + epochs,
        vocab_pruned=encoded.pruned)
    if keep_state:
        vectors.state = TrainingState(vocab.words, vocab.counts, syn0, syn1, settings, seed,
                                      first_epoch + epochs, planned, planned)
    return vectors


def resolve_settings(given, state, max_vocab=None, resume_alpha="restart"):
    """The run's settings: those given, else the state's (resuming), else the defaults."""
    defaults = dict(DEFAULTS, model="skipgram", tokenizer="keras", lower=True)
    if state is None:
        return {key: defaults[key] if value is None else value for key, value in given.items()}
    old = state.settings
    for key, what in (("dim", "dimension"), ("model", "model")):
        if given[key] is not None and given[key] != old[key]:
            raise ValueError(f"the training state has {what} {old[key]!r}, not "
                             f"{given[key]!r}: resume with the state's {key} (or train anew)")
    if max_vocab is not None:
        raise ValueError("max_vocab does not apply when resuming: the state's words are "
                         "all kept")
    if resume_alpha not in ("continue", "restart"):
        raise ValueError(f"resume_alpha must be 'continue' or 'restart', got {resume_alpha!r}")
    return {key: old[key] if value is None else value for key, value in given.items()}


def initial_weights(rows, dim, seed):
    """(syn0, syn1) float32 (rows, dim): word2vec's start, input rows uniform in
    [-0.5/dim, 0.5/dim), output rows zero."""
    rng = np.random.default_rng(seed)
    syn0 = ((rng.random((rows, dim), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    return syn0, np.zeros((rows, dim), np.float32)


def skipgram_step(syn0, syn1, vocab, window, negative, sample, seed):
    """The training step of plain skip-gram: ``step(job, alpha_start, alpha_end, epoch,
    index) -> (words, loss sum, pairs)`` updating syn0 and syn1 in place."""
    from ..kernels.word2vec_kernels import train_block
    return _block_step(train_block, syn0, syn1, vocab, window, negative, sample, seed)


def cbow_step(syn0, syn1, vocab, window, negative, sample, seed):
    """The training step of CBOW (mean of the context), as :func:`skipgram_step`."""
    from ..kernels.cbow_kernels import train_block_cbow
    return _block_step(train_block_cbow, syn0, syn1, vocab, window, negative, sample, seed)


def _block_step(kernel, syn0, syn1, vocab, window, negative, sample, seed):
    """``step`` calling a block kernel of word2vec_kernels' signature."""
    keep = vocab.keep_thresholds(sample)
    accept, alias = vocab.negative_table()

    def step(job, alpha_start, alpha_end, epoch, index):
        return kernel(job, syn0, syn1, keep, accept, alias, window, negative, alpha_start,
                      alpha_end, seed, epoch, index, MAX_SENTENCE)
    return step


def _train_epochs(ids_path, remap, epoch_words, step, epochs, alpha, min_alpha, threads,
                  progress, on_epoch=None, first_epoch=0, start=0, planned=None):
    """Run ``step`` over every job of every epoch in a pool of threads, the learning
    rate falling linearly from alpha to min_alpha over the training words.

    remap: int32, the corpus file's ids -> vocabulary rows (Vocabulary.remap);
    epoch_words: the in-vocabulary tokens of one pass.

    Without ``on_epoch`` the next epoch's jobs start while the last ones of the
    epoch before still run; with it, each epoch ends at a barrier (all its jobs
    done), then ``on_epoch() -> dict`` scores the weights as they are.
    A resumed run numbers its epochs from ``first_epoch`` (the random numbers
    derive from it) and starts at ``start`` of ``planned`` training words on
    the learning-rate schedule (default: 0 of this run's words).
    Returns (the loss of the last jobs (a moving window), history: one dict per
    epoch with its mean loss per sampled pair and the scores of ``on_epoch``).
    """
    total = planned or epoch_words * epochs
    span = alpha - min_alpha

    def rate(done):
        return alpha - span * min(done / total, 1.0)

    def run(job, start, words, epoch, index):
        return step(job, rate(start), rate(start + words), epoch, index)

    bar = _Progress(epoch_words * epochs, progress, epochs)
    tally = _Tally(epochs, bar, rate, time.perf_counter(),
                   lambda epoch: rate(start + (epoch + 1) * epoch_words))
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        pending = set()
        done = start
        for epoch in range(epochs):
            for index, (job, words) in enumerate(_jobs(ids_path, remap)):
                future = pool.submit(run, job, done, words, first_epoch + epoch, index)
                future.epoch = epoch
                pending.add(future)
                tally.submitted[epoch] += 1
                done += words
                while len(pending) >= 2 * threads:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    tally.account(finished, done)
            tally.close(epoch, done)
            if on_epoch is not None:
                while pending:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    tally.account(finished, done)
                tally.history[epoch].update(on_epoch())
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            tally.account(finished, done)
    except BaseException:
        # Ctrl-C or an error: drop the queued jobs, let the running ones end.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()
    return tally.window_loss(), tally.history


class _Tally:
    """The loss of finished jobs: per epoch, and over the last few jobs for the bar."""

    def __init__(self, epochs, bar, rate, started, end_rate):
        self.bar = bar
        self.rate = rate
        self.end_rate = end_rate
        self.started = started
        self.submitted = [0] * epochs
        self.finished = [0] * epochs
        self.loss = [0.0] * epochs
        self.pairs = [0] * epochs
        self.closed = -1  # the last epoch whose jobs were all submitted
        self.recent = []
        self.history = [{"epoch": e + 1} for e in range(epochs)]

    def window_loss(self):
        return sum(s for s, _ in self.recent) / max(sum(p for _, p in self.recent), 1)

    def account(self, futures, done):
        for future in futures:
            words, job_loss, job_pairs = future.result()
            epoch = future.epoch
            self.loss[epoch] += job_loss
            self.pairs[epoch] += job_pairs
            self.finished[epoch] += 1
            self.recent.append((job_loss, job_pairs))
            if len(self.recent) > 16:
                self.recent.pop(0)
            self._maybe_complete(epoch, done)
            self.bar.update(words, self.rate(done), self.window_loss(), epoch)

    def close(self, epoch, done):
        """Every job of ``epoch`` was submitted."""
        self.closed = epoch
        self._maybe_complete(epoch, done)

    def _maybe_complete(self, epoch, done):
        if epoch <= self.closed and self.finished[epoch] == self.submitted[epoch]:
            self.history[epoch].update(
                loss=self.loss[epoch] / max(self.pairs[epoch], 1), loss_pairs=self.pairs[epoch],
                seconds=time.perf_counter() - self.started, alpha=self.end_rate(epoch))


def epoch_scorer(analogies=None, pairs=(), restrict_vocab=30000, case_insensitive=True,
                 encoding="utf-8"):
    """A ``train(evaluate=...)`` callable scoring vectors as ``textembed evaluate`` does.

    analogies: a questions-words.txt style file or None (accuracy over the
    ``restrict_vocab`` most frequent words); pairs: word-pair files
    (Spearman). The files are read through once here, so a missing or
    malformed file fails before training (InputError). The callable returns
    ``{"analogies": {"file", "accuracy", "used", "skipped"}, "pairs": [{"file",
    "spearman", "used", "skipped"}, ...]}``.
    """
    from ..io import InputError
    from .evaluation import iter_analogies, iter_word_pairs

    pairs = [os.fspath(p) for p in pairs]
    if analogies is None and not pairs:
        raise ValueError("epoch_scorer needs analogies and/or pairs files")
    if analogies is not None:
        analogies = os.fspath(analogies)
        if sum(1 for _ in iter_analogies(analogies, encoding)) == 0:
            raise InputError(f"{analogies}: no analogy questions found "
                             "(expected lines of 4 words 'a b c d')")
    for path in pairs:
        if sum(1 for _ in iter_word_pairs(path, encoding)) == 0:
            raise InputError(f"{path}: no word pairs found "
                             "(expected lines 'word1<TAB>word2<TAB>score')")

    def score(vectors):
        scores = {}
        if analogies is not None:
            result = vectors.evaluate_word_analogies(analogies, restrict_vocab=restrict_vocab,
                                                     case_insensitive=case_insensitive,
                                                     encoding=encoding)
            scores["analogies"] = {"file": analogies, "accuracy": _number(result["accuracy"]),
                                   "used": result["used"], "skipped": result["skipped"]}
        if pairs:
            scores["pairs"] = []
            for path in pairs:
                result = vectors.evaluate_word_pairs(path, case_insensitive=case_insensitive,
                                                     encoding=encoding)
                scores["pairs"].append({"file": path, "spearman": _number(result["spearman"]),
                                        "used": result["used"], "skipped": result["skipped"]})
        return scores
    return score


def _number(value):
    """A float for JSON: None instead of nan."""
    return None if value != value else float(value)
