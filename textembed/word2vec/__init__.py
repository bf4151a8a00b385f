"""Skip-gram word vectors: the vocabulary, the corpus encoding, the training
loop and the vectors object (queries, evaluation, word2vec file formats).

One import line per module.
"""
from .vectors import NotInVocabularyError, WordVectors, load_vectors, load_word2vec_format
from .state import TrainingState, load_state, save_state
from .training import DEFAULTS, TrainingStats, epoch_scorer, train

__all__ = ["NotInVocabularyError", "WordVectors", "load_vectors", "load_word2vec_format",
           "DEFAULTS", "TrainingStats", "epoch_scorer", "train", "TrainingState", "load_state",
           "save_state"]
