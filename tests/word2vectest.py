"""Helpers shared by the word2vec tests and the command-line tests of word
vectors: vectors to query and save, analogy questions with known answers, the
sample-sentence generator, and the distribution an alias table draws from."""
import importlib.util
from pathlib import Path

import numpy as np

from textembed.word2vec import WordVectors

ROOT = Path(__file__).resolve().parents[1]


def load_sample_generator():
    """scripts/make_sample_data.py as a module (``sentence(rng)``, ``FAMILIES``)."""
    spec = importlib.util.spec_from_file_location("make_sample_data",
                                                  ROOT / "scripts" / "make_sample_data.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def random_vectors(n_words=40, dim=8, seed=0):
    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(n_words)]
    return WordVectors(words, rng.standard_normal((n_words, dim)).astype(np.float32))


def planted_vectors():
    """king - man + woman = queen exactly, all vectors of length 1."""
    a, b, c = 0.6, 0.8, 0.8
    rows = {
        "man": [a, 0, c, 0, 0], "woman": [-a, 0, c, 0, 0],
        "king": [a, b, 0, 0, 0], "queen": [-a, b, 0, 0, 0],
        "prince": [0, 0, 0, 1, 0], "apple": [0, 0, 0, 0, 1],
        "Queen": [-a, b, 0, 0, 0],  # a rarer spelling of queen, same vector
        "rare": [0, 0, 0, 0.6, 0.8],
    }
    return WordVectors(list(rows), np.array(list(rows.values()), dtype=np.float32))


# Analogy questions on planted_vectors().
ANALOGIES = """\
: royal
man woman king queen
woman man queen king
man king woman queen
man woman king prince
MAN Woman King Queen
: other
king queen king queen
man woman king unknown
man woman rare queen
"""


def alias_distribution(accept, alias):
    """The probability of each index under the alias table (accept, alias)."""
    n = len(accept)
    p = accept.astype(np.float64) / n
    np.add.at(p, alias, (1.0 - accept.astype(np.float64)) / n)
    return p
