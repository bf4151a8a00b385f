"""Defaults shared by the library and the command-line tool (one source each)."""

# Keras' default filters: ASCII punctuation except the apostrophe, tab, newline.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'

# Skip-gram training defaults. Two differ from word2vec.c and gensim (alpha
# 0.025, sample 1e-3): a higher starting learning rate and stronger
# subsampling of frequent words. On the benchmark corpus (6.5M tokens, 5
# epochs) they raise WS353 from 0.53 to 0.64-0.66, SimLex-999 from 0.36 to
# 0.41 and analogy accuracy from 0.19 to 0.21, and subsampling harder leaves
# fewer tokens to train, so the run is also faster. scripts/bench_skipgram.py
# --defaults measures them.
SKIPGRAM_DEFAULTS = {
    "dim": 100,
    "window": 5,
    "negative": 5,
    "min_count": 5,
    "sample": 3e-4,
    "epochs": 5,
    "alpha": 0.05,
    "min_alpha": 0.0001,
}

# Character n-grams of `skipgram --subwords`: fastText's defaults.
SUBWORD_DEFAULTS = {"minn": 3, "maxn": 6, "bucket": 2_000_000}
