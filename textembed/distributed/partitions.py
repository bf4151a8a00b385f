"""What one partition's task does, and how the tasks' results merge.

Engine-neutral: plain functions of picklable arguments, returning picklable
results, so that any engine can run them (:mod:`.dask_driver` is one).

* :func:`count_words` and :func:`merge_word_counts`: the `vocab` command's
  Keras word counts. Merged in partition order they keep the order of first
  appearance, so the merged counts are those of one pass over all the input.
* :func:`encode_shard`, :func:`merge_counts`, :func:`remap_shard`: the word2vec
  corpus (:mod:`textembed.word2vec.corpus`) as shards of ids: each partition
  encodes its lines with its own provisional ids; the merged counts give the
  vocabulary of a single-process run; each shard is then rewritten with the
  final ids.
* :func:`predict_partition`: a partition's lines classified and written as a
  ``part-NNNNN`` file; the model is loaded once per process.
"""
import hashlib
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from .inputs import read_lines

# -- word counts (textembed vocab) ---------------------------------------------------


@dataclass
class WordCounts:
    """Keras word counts of some partitions: ``counts`` dict word -> int in order of
    first appearance; ``lines``; ``replaced`` bytes."""
    counts: dict
    lines: int = 0
    replaced: int = 0


def count_words(partition, encoding, tokenizer_config):
    """The :class:`WordCounts` of one partition, counted by a
    :class:`textembed.text.Tokenizer` made from ``tokenizer_config`` (its keyword
    arguments: filters, lower, split, char_level)."""
    from ..text import Tokenizer
    lines, replaced = read_lines(partition, encoding)
    tokenizer = Tokenizer(**tokenizer_config)
    tokenizer.fit_on_texts(lines)
    return WordCounts(dict(tokenizer.word_counts), tokenizer.document_count, replaced)


def merge_word_counts(first, second):
    """The counts of ``first``'s partitions followed by ``second``'s."""
    counts = dict(first.counts)
    for word, n in second.counts.items():
        counts[word] = counts.get(word, 0) + n
    return WordCounts(counts, first.lines + second.lines, first.replaced + second.replaced)


# -- word2vec shards -------------------------------------------------------------------


@dataclass
class Shard:
    """One partition's encoded lines: ``path`` of its int32 ids (provisional ids of
    ``words``, -1 ending each line), the counts of ``words``, totals; ``known``: its
    in-vocabulary tokens, once :func:`remap_shard` has given it final ids."""
    path: str
    words: list
    counts: np.ndarray
    tokens: int
    lines: int
    replaced: int
    known: int = None


@dataclass
class Counts:
    """Words and their counts over several shards, in order of first appearance."""
    words: list
    counts: np.ndarray
    tokens: int = 0
    lines: int = 0
    replaced: int = 0


def encode_shard(partition, path, encoding, tokenizer="keras", lower=True):
    """Encode one partition's lines into the int32 file ``path``; returns its Shard."""
    from ..word2vec.corpus import encode_lines
    lines, replaced = read_lines(partition, encoding)
    encoded = encode_lines(lines, path, tokenizer=tokenizer, lower=lower)
    return Shard(path, encoded.words, encoded.counts, encoded.n_tokens, encoded.n_lines,
                 replaced)


def shard_counts(shard):
    """The Counts of one shard (what travels to the merge: no ids)."""
    return Counts(list(shard.words), shard.counts, shard.tokens, shard.lines, shard.replaced)


def merge_counts(first, second):
    """The Counts of ``first``'s shards followed by ``second``'s."""
    index = {word: i for i, word in enumerate(first.words)}
    words = list(first.words)
    at = np.empty(len(second.words), np.int64)
    for i, word in enumerate(second.words):
        j = index.get(word)
        if j is None:
            j = index[word] = len(words)
            words.append(word)
        at[i] = j
    counts = np.zeros(len(words), np.int64)
    counts[:len(first.counts)] = first.counts
    np.add.at(counts, at, second.counts)
    return Counts(words, counts, first.tokens + second.tokens, first.lines + second.lines,
                  first.replaced + second.replaced)


def remap_shard(shard, vocabulary, path=None):
    """Rewrite ``shard``'s ids as final ids: ``vocabulary`` holds the vocabulary's words
    in id order, one per line (one str travels faster than a dict); words absent
    from it become -2, as in the single-process encoding. Written to ``path``
    (default: in place, atomically). Returns its in-vocabulary tokens."""
    final_ids = {w: i for i, w in enumerate(vocabulary.split("\n"))} if vocabulary else {}
    table = np.array([final_ids.get(w, -2) for w in shard.words] + [-1], np.int32)
    ids = np.fromfile(shard.path, dtype=np.int32)
    out = shard.path if path is None else path
    temporary = out + ".remapping"
    final = table[ids]  # ids of -1 (line ends) take table[-1] = -1
    final.tofile(temporary)
    os.replace(temporary, out)
    return int(np.count_nonzero(final >= 0))


# -- batch prediction ------------------------------------------------------------------


@dataclass(frozen=True)
class ModelFiles:
    """A classifier's model directory as bytes (it travels to every worker once);
    ``key`` names its content."""
    key: str
    files: tuple  # ((name, bytes), ...)


def model_files(model_dir):
    """The ModelFiles of a model directory (read on the machine that has it)."""
    names = sorted(n for n in os.listdir(model_dir)
                   if os.path.isfile(os.path.join(model_dir, n)))
    files = []
    digest = hashlib.sha256()
    for name in names:
        with open(os.path.join(model_dir, name), "rb") as f:
            data = f.read()
        files.append((name, data))
        digest.update(name.encode() + b"\0" + data)
    return ModelFiles(digest.hexdigest(), tuple(files))


_LOADED = {}  # ModelFiles.key -> TextClassifier, once per process


def loaded_model(model):
    """The classifier of ``model`` (ModelFiles), loaded once per process."""
    classifier = _LOADED.get(model.key)
    if classifier is None:
        from ..classify.model import TextClassifier
        with tempfile.TemporaryDirectory(prefix="textembed-model-") as where:
            for name, data in model.files:
                with open(os.path.join(where, name), "wb") as f:
                    f.write(data)
            classifier = _LOADED[model.key] = TextClassifier.load(where, threads=1)
    return classifier


def part_name(index):
    return f"part-{index:05d}"


def predict_partition(partition, index, model, out_dir, encoding="utf-8", k=1,
                      threshold=None, proba=False, chunk=4096):
    """Classify one partition's lines and write them to ``out_dir``/part-NNNNN (a local
    path or an fsspec URL; written under a temporary name, then renamed). Returns
    (lines, replaced bytes)."""
    import fsspec

    from ..classify.prediction import prediction_lines
    classifier = loaded_model(model)
    lines, replaced = read_lines(partition, encoding)
    rows = []
    for start in range(0, len(lines), chunk):
        rows += prediction_lines(classifier, lines[start:start + chunk], k, threshold, proba)
    fs, root = fsspec.core.url_to_fs(str(out_dir))
    final = f"{root.rstrip('/')}/{part_name(index)}"
    temporary = f"{root.rstrip('/')}/.{part_name(index)}.writing"
    with fs.open(temporary, "wb") as out:
        out.write("".join(row + "\n" for row in rows).encode("utf-8"))
    fs.mv(temporary, final)
    return len(lines), replaced
