"""A training state on disk, so that training can go on with more text.

A state holds what word vectors alone lose: the output weights, the
vocabulary with its counts, the settings, the seed, the epochs done and the
learning-rate position (training words done / planned). It is one ``.npz``
file (numpy's zip of arrays, read without pickle):

* ``meta``: uint8, UTF-8 JSON: ``format`` ("textembed-training-state"),
  ``version`` (1), ``settings`` (model, dim, window, negative, sample,
  min_count, alpha, min_alpha, tokenizer, lower), ``seed``, ``epochs_done``,
  ``words_done``, ``words_planned``;
* ``words``: uint8, the words in UTF-8 one after the other, ``offsets``:
  int64 (V + 1,) where each word starts and ends in ``words``;
* ``counts``: int64 (V,); ``syn0``, ``syn1``: float32 (V, D).
"""
import json
import os
import zipfile

import numpy as np

from ..io import InputError, atomic_output

STATE_FORMAT = "textembed-training-state"
STATE_VERSION = 1
SETTINGS = ("model", "dim", "window", "negative", "sample", "min_count", "alpha",
            "min_alpha", "tokenizer", "lower")


class TrainingState:
    """Everything needed to continue training.

    words: list of str (V,), most frequent first; counts: int64 (V,);
    syn0, syn1: float32 (V, D), input and output weights; settings: dict of
    the names in ``SETTINGS``; seed: int; epochs_done: int; words_done,
    words_planned: int, the learning-rate position (rate = alpha - (alpha -
    min_alpha) * done / planned).
    """

    def __init__(self, words, counts, syn0, syn1, settings, seed, epochs_done, words_done,
                 words_planned):
        self.words = list(words)
        self.counts = np.asarray(counts, np.int64)
        self.syn0 = np.ascontiguousarray(syn0, np.float32)
        self.syn1 = np.ascontiguousarray(syn1, np.float32)
        self.settings = dict(settings)
        self.seed = int(seed)
        self.epochs_done = int(epochs_done)
        self.words_done = int(words_done)
        self.words_planned = int(words_planned)

    def __repr__(self):
        return (f"<TrainingState: {self.settings['model']}, {len(self.words):,} words x "
                f"{self.settings['dim']}, {self.epochs_done} epochs done>")


def save_state(state, path):
    """Write ``state`` (a TrainingState, or vectors trained with ``keep_state=True``)
    to ``path``, atomically (an interrupted write leaves no file)."""
    state = getattr(state, "state", state)
    if not isinstance(state, TrainingState):
        raise ValueError("save_state needs a TrainingState, or vectors from "
                         "train(..., keep_state=True)")
    encoded = [word.encode("utf-8") for word in state.words]
    offsets = np.zeros(len(encoded) + 1, np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    meta = {"format": STATE_FORMAT, "version": STATE_VERSION, "settings": state.settings,
            "seed": state.seed, "epochs_done": state.epochs_done,
            "words_done": state.words_done, "words_planned": state.words_planned}
    with atomic_output(os.fspath(path), "wb") as out:
        np.savez(out, meta=np.frombuffer(json.dumps(meta).encode("utf-8"), np.uint8),
                 words=np.frombuffer(b"".join(encoded), np.uint8), offsets=offsets,
                 counts=state.counts, syn0=state.syn0, syn1=state.syn1)


def load_state(path):
    """Read a state written by :func:`save_state`; InputError (one line) for a
    file that is missing or not such a state."""
    name = os.fspath(path)
    if not os.path.isfile(name):
        raise InputError(f"{name}: no such file" if not os.path.exists(name)
                         else f"{name}: is a directory, expected a training state")

    def foreign(why):
        return InputError(f"{name}: not a textembed training state ({why}); write one with "
                          "`textembed skipgram ... --save-state FILE`")
    try:
        with np.load(name, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in
                      ("meta", "words", "offsets", "counts", "syn0", "syn1")}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        raise foreign("not a zip of numpy arrays") from None
    except KeyError as error:
        raise foreign(f"no {error.args[0]!r} array") from None
    try:
        meta = json.loads(arrays["meta"].tobytes().decode("utf-8"))
        ok = isinstance(meta, dict) and meta.get("format") == STATE_FORMAT
    except (ValueError, UnicodeDecodeError):
        ok = False
    if not ok:
        raise foreign("its description is missing")
    if meta.get("version") != STATE_VERSION:
        raise InputError(f"{name}: training state version {meta.get('version')} is not "
                         f"supported (this textembed reads version {STATE_VERSION})")
    blob, offsets = arrays["words"].tobytes(), arrays["offsets"]
    counts, syn0, syn1 = arrays["counts"], arrays["syn0"], arrays["syn1"]
    rows = len(offsets) - 1
    settings = meta.get("settings", {})
    if (syn0.ndim != 2 or syn0.shape != syn1.shape or syn0.shape[0] != rows
            or counts.shape != (rows,) or syn0.dtype != np.float32
            or syn1.dtype != np.float32 or not set(SETTINGS) <= set(settings)
            or settings["dim"] != syn0.shape[1] or offsets[-1] != len(blob)):
        raise foreign("its arrays do not fit together")
    words = [blob[a:b].decode("utf-8") for a, b in zip(offsets[:-1].tolist(),
                                                       offsets[1:].tolist())]
    return TrainingState(words, counts, syn0, syn1, settings, meta["seed"],
                         meta["epochs_done"], meta["words_done"], meta["words_planned"])


def grow(state, encoded, min_count, dim, seed):
    """The vocabulary and start weights of a resumed run.

    state: the TrainingState; encoded: the new text's EncodedCorpus; min_count:
    the new text's words need this many occurrences in it to join.
    Returns (vocab, syn0, syn1, new_words): a Vocabulary of the old words (all
    kept, their counts plus the new text's) and the joining ones, most frequent
    first, with remap for the new text's ids; float32 (V, D) weights where old
    words keep both rows and new words get fresh input rows (word2vec's
    start, from ``seed``) and zero output rows; the number of new words.
    """
    from .training import initial_weights
    from .vocab import Vocabulary

    old_row = {word: row for row, word in enumerate(state.words)}
    new_counts = np.asarray(encoded.counts, np.int64)
    words = list(encoded.words)
    counts = new_counts.copy()
    in_old = np.zeros(len(words), bool)
    for i, word in enumerate(words):
        row = old_row.get(word)
        if row is not None:
            counts[i] += state.counts[row]
            in_old[i] = True
    present = set(words)
    only_old = [row for row, word in enumerate(state.words) if word not in present]
    words += [state.words[row] for row in only_old]
    counts = np.concatenate([counts, state.counts[only_old]])
    in_old = np.concatenate([in_old, np.ones(len(only_old), bool)])
    # a new word below min_count in the new text is left out: count 0 for the
    # vocabulary (which keeps counts >= 1), its real count in `pruned`
    below = ~in_old & (counts < min_count)
    selection = np.where(below, 0, counts)
    vocab = Vocabulary(words, selection, min_count=1)
    vocab.min_count = min_count
    vocab.pruned = {words[i]: int(counts[i]) for i in np.flatnonzero(below).tolist()}
    syn0, syn1 = initial_weights(len(vocab), dim, seed)
    rows = np.fromiter((old_row.get(word, -1) for word in vocab.words), np.int64,
                       len(vocab))
    kept = rows >= 0
    syn0[kept] = state.syn0[rows[kept]]
    syn1[kept] = state.syn1[rows[kept]]
    return vocab, syn0, syn1, int(np.count_nonzero(~kept))
