"""Training skip-gram word vectors: the epoch loop around the numba kernel.

The corpus is encoded once (:mod:`.corpus`), then each epoch streams the id
file in blocks, cuts them into jobs at line ends and hands the jobs to a pool
of threads running :func:`textembed.kernels.word2vec_kernels.train_block`,
which releases the GIL. The learning rate of a job depends only on its place
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
from .corpus import LINE_END, encode_lines, encode_sentences, read_blocks
from .subwords import SUBWORD_DEFAULTS, check_scheme
from .vocab import Vocabulary

MAX_SENTENCE = 10_000
_BLOCK_TOKENS = 1 << 20
_JOB_TOKENS = 1 << 16

DEFAULTS = SKIPGRAM_DEFAULTS


class TrainingStats:
    """What a training run did: sizes, time, speed, final loss."""

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        return "TrainingStats(" + ", ".join(f"{k}={v!r}" for k, v in self.__dict__.items()) + ")"


def _check_options(dim, window, negative, min_count, sample, epochs, alpha, min_alpha,
                   threads, max_vocab):
    rules = [
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
        mapped = remap[block]
        ends = np.flatnonzero(mapped == LINE_END) + 1
        cuts = [0]
        for target in range(_JOB_TOKENS, len(mapped), _JOB_TOKENS):
            k = np.searchsorted(ends, target)
            if k < len(ends) and ends[k] > cuts[-1] and ends[k] < len(mapped):
                cuts.append(int(ends[k]))
        cuts.append(len(mapped))
        for a, b in zip(cuts, cuts[1:]):
            if b > a:
                job = mapped[a:b]
                yield job, int(np.count_nonzero(job >= 0))


class _Progress:
    """A tqdm bar over training words with learning rate and loss."""

    def __init__(self, total, enabled):
        self.bar = None
        if enabled:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="word", unit_scale=True, desc="training",
                            dynamic_ncols=True, smoothing=0.1)

    def update(self, words, alpha, loss):
        if self.bar is not None:
            self.bar.set_postfix_str(f"lr={alpha:.5f} loss={loss:.3f}", refresh=False)
            self.bar.update(words)

    def close(self):
        if self.bar is not None:
            self.bar.close()


def train(corpus, dim=DEFAULTS["dim"], window=DEFAULTS["window"],
          negative=DEFAULTS["negative"], min_count=DEFAULTS["min_count"],
          sample=DEFAULTS["sample"], epochs=DEFAULTS["epochs"], alpha=DEFAULTS["alpha"],
          min_alpha=DEFAULTS["min_alpha"], threads=None, seed=None, max_vocab=None,
          tokenizer="keras", lower=True, encoding="utf-8", progress=False,
          subwords=False, minn=SUBWORD_DEFAULTS["minn"], maxn=SUBWORD_DEFAULTS["maxn"],
          bucket=SUBWORD_DEFAULTS["bucket"]):
    """Train skip-gram word vectors with negative sampling.

    corpus: a path (plain, .gz, .bz2, or '-' for standard input; one sentence
      or paragraph per line, tokenized like ``text_to_word_sequence`` with
      ``tokenizer='keras'`` (a carriage return also splits words, since the
      word2vec formats cannot store it), on whitespace only with
      ``'whitespace'``), or an
      iterable of token lists (used as they are).
    subwords: fastText's model: a centre word's input vector is the mean of its
      own row and its character n-gram rows (minn to maxn characters, hashed
      into ``bucket`` rows); returns a :class:`SubwordVectors` then.
    Returns a :class:`WordVectors` whose ``stats`` describe the run.
    """
    from ..io import TextSource
    from .vectors import WordVectors

    _check_options(dim, window, negative, min_count, sample, epochs, alpha, min_alpha,
                   threads, max_vocab)
    if subwords:
        check_scheme(minn, maxn, bucket)
    threads = threads or os.cpu_count() or 1
    seed = int(np.random.SeedSequence().entropy % (1 << 63)) if seed is None else int(seed)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="textembed-") as scratch:
        ids_path = os.path.join(scratch, "corpus.ids")
        replaced = 0
        if isinstance(corpus, (str, os.PathLike)):
            source = TextSource(os.fspath(corpus), encoding)
            lines = progress_lines(source, "reading", show=progress)
            encoded = encode_lines(lines, ids_path, tokenizer=tokenizer, lower=lower)
            replaced = source.replaced
        else:
            encoded = encode_sentences(corpus, ids_path)
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
            step = subword_step(syn0, syn1, row_offsets, rows, vocab, window, negative,
                                sample, seed, MAX_SENTENCE)
        else:
            syn0, syn1 = initial_weights(len(vocab), dim, seed)
            step = skipgram_step(syn0, syn1, vocab, window, negative, sample, seed)
        loss = _train_epochs(ids_path, vocab, step, epochs, alpha, min_alpha, threads,
                             progress)
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
        distinct_words=len(encoded.words), train_words=vocab.train_words, epochs=epochs,
        seconds=wall, encode_seconds=encode_seconds,
        words_per_second=encoded.n_tokens * epochs / wall if wall > 0 else float("inf"),
        loss=loss, threads=threads, seed=seed, replaced_bytes=replaced)
    return vectors


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

    keep = vocab.keep_thresholds(sample)
    accept, alias = vocab.negative_table()

    def step(job, alpha_start, alpha_end, epoch, index):
        return train_block(job, syn0, syn1, keep, accept, alias, window, negative,
                           alpha_start, alpha_end, seed, epoch, index, MAX_SENTENCE)
    return step


def _train_epochs(ids_path, vocab, step, epochs, alpha, min_alpha, threads, progress):
    """Run ``step`` over every job of every epoch in a pool of threads, the learning
    rate falling linearly from alpha to min_alpha over the training words; returns
    the loss of the last jobs (a moving window)."""
    total = vocab.train_words * epochs
    span = alpha - min_alpha

    def rate(done):
        return alpha - span * min(done / total, 1.0)

    def run(job, start, words, epoch, index):
        return step(job, rate(start), rate(start + words), epoch, index)

    bar = _Progress(total, progress)
    loss_sum = 0.0
    loss_pairs = 0
    recent = []
    pool = ThreadPoolExecutor(max_workers=threads)
    try:
        pending = set()
        done = 0
        for epoch in range(epochs):
            for index, (job, words) in enumerate(_jobs(ids_path, vocab.remap)):
                pending.add(pool.submit(run, job, done, words, epoch, index))
                done += words
                while len(pending) >= 2 * threads:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        loss_sum, loss_pairs = _account(future, bar, rate, done,
                                                        recent, loss_sum, loss_pairs)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                loss_sum, loss_pairs = _account(future, bar, rate, done, recent,
                                                loss_sum, loss_pairs)
    except BaseException:
        # Ctrl-C or an error: drop the queued jobs, let the running ones end.
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    finally:
        pool.shutdown(wait=True)
        bar.close()
    return sum(s for s, _ in recent) / max(sum(p for _, p in recent), 1)


def _account(future, bar, rate, done, recent, loss_sum, loss_pairs):
    words, job_loss, job_pairs = future.result()
    recent.append((job_loss, job_pairs))
    if len(recent) > 16:
        recent.pop(0)
    window_loss = sum(s for s, _ in recent) / max(sum(p for _, p in recent), 1)
    bar.update(words, rate(done), window_loss)
    return loss_sum + job_loss, loss_pairs + job_pairs
