"""The training vocabulary: pruning, subsampling and the negative distribution."""
import numpy as np

NEGATIVE_POWER = 0.75
_KEEP_ALWAYS = 1 << 32


class Vocabulary:
    """Words kept for training, most frequent first.

    words: list of str; counts: int64 (V,); pruned: dict word -> count of the
    words left out (below ``min_count`` or past ``max_vocab``);
    remap: int32 (n_provisional + 1,), provisional id -> final id, -2 for a
    pruned word, and -1 at the end so that a line end (-1) maps to itself.
    """

    def __init__(self, provisional_words, provisional_counts, min_count=5, max_vocab=None):
        counts = np.asarray(provisional_counts, dtype=np.int64)
        # most frequent first; ties keep the order of first appearance
        order = np.argsort(-counts, kind="stable")
        kept = order[counts[order] >= min_count]
        if max_vocab is not None:
            kept = kept[:max_vocab]
        self.min_count = min_count
        self.words = [provisional_words[i] for i in kept.tolist()]
        self.counts = counts[kept]
        remap = np.full(len(counts) + 1, -2, np.int32)
        remap[kept] = np.arange(len(kept), dtype=np.int32)
        remap[-1] = -1
        self.remap = remap
        dropped = np.ones(len(counts), dtype=bool)
        dropped[kept] = False
        self.pruned = {provisional_words[i]: int(counts[i]) for i in np.flatnonzero(dropped).tolist()}

    def __len__(self):
        return len(self.words)

    @property
    def train_words(self):
        """Occurrences of the kept words in the corpus (one epoch)."""
        return int(self.counts.sum())

    def keep_thresholds(self, sample):
        """int64 (V,): word2vec's subsampling as 32-bit thresholds.

        A word of frequency f is kept with probability
        ``(sqrt(f / t) + 1) * t / f`` (capped at 1), t = sample * train_words;
        ``sample = 0`` keeps every word.
        """
        if sample <= 0:
            return np.full(len(self), _KEEP_ALWAYS, np.int64)
        threshold = sample * self.train_words
        counts = self.counts.astype(np.float64)
        probability = np.minimum((np.sqrt(counts / threshold) + 1.0) * threshold / counts, 1.0)
        return np.minimum(np.floor(probability * _KEEP_ALWAYS), _KEEP_ALWAYS).astype(np.int64)

    def negative_table(self):
        """Alias table (accept float32 (V,), alias int32 (V,)) of counts ** 0.75."""
        from ..kernels.word2vec_kernels import alias_table

        return alias_table(self.counts.astype(np.float64) ** NEGATIVE_POWER)
