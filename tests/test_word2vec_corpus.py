"""textembed.word2vec.corpus: the encoded id stream, and the word table pruned
while counting when it passes its memory limit (word2vec.c's ReduceVocab)."""
import numpy as np
import pytest

from textembed.word2vec import corpus, train

from word2vectest import ROOT

SAMPLE = ROOT / "data" / "sample_corpus.txt"


@pytest.fixture
def line_chunks(monkeypatch):
    """One chunk per line (pruning is checked after each), 10 bytes per word plus
    its characters: a one-letter word costs 11 bytes."""
    monkeypatch.setattr(corpus, "_CHUNK_LINES", 1)
    monkeypatch.setattr(corpus, "WORD_BYTES", 10)


def encode(lines, path, limit):
    encoded = corpus.encode_lines(lines, path, tokenizer="whitespace", max_memory=limit)
    return encoded, np.fromfile(path, np.int32).tolist()


def test_pruning_follows_word2vecs_rule(line_chunks, tmp_path):
    # limit 33 bytes: three one-letter words fit, a fourth triggers a pruning.
    lines = ["a a b", "c", "d a", "b b e", "f", "b c"]
    encoded, ids = encode(lines, tmp_path / "ids", 33)
    # after "d a": a3 b1 c1 d1 -> drop counts <= 1 -> a3 (min_reduce 2)
    # after "f":   a3 b2 e1 f1 -> drop counts <= 2 -> a3 (min_reduce 3)
    # after "b c": a3 b1 c1 (b and c start again from 1)
    assert encoded.words == ["a", "b", "c"]
    assert encoded.counts.tolist() == [3, 1, 1]
    assert encoded.pruned == 6 and encoded.min_reduce == 3
    assert encoded.n_tokens == 12 and encoded.n_lines == 6
    # the pruned words' occurrences are gone, the others renumbered
    assert ids == [0, 0, -1, -1, 0, -1, -1, -1, 1, 2, -1]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids"]  # no map left behind


def test_pruning_repeats_until_the_table_fits(line_chunks, tmp_path):
    # limit 11 bytes: one word. a3 b2 c1 -> (<= 1) a3 b2 -> (<= 2) a3, in one go.
    encoded, ids = encode(["a a b a b c", "a"], tmp_path / "ids", 11)
    assert encoded.words == ["a"] and encoded.counts.tolist() == [4]
    assert encoded.pruned == 2 and encoded.min_reduce == 3
    assert ids == [0, 0, 0, -1, 0, -1]


def test_no_pruning_changes_nothing(tmp_path):
    lines = SAMPLE.read_text().splitlines()
    free, free_ids = encode(lines, tmp_path / "free", None)
    bounded, bounded_ids = encode(lines, tmp_path / "bounded", free.table_bytes())
    assert bounded.pruned == 0
    assert bounded.words == free.words and bounded.counts.tolist() == free.counts.tolist()
    assert bounded_ids == free_ids
    tight, _ = encode(lines, tmp_path / "tight", free.table_bytes() - 1)
    assert tight.pruned > 0 and len(tight.words) < len(free.words)


def test_training_with_and_without_a_limit(monkeypatch):
    monkeypatch.setattr(corpus, "_CHUNK_LINES", 1000)
    settings = dict(dim=8, epochs=1, min_count=1, threads=1, seed=2)
    default = train(SAMPLE, **settings)
    roomy = train(SAMPLE, max_vocab_memory=1 << 30, **settings)
    assert default.stats.vocab_pruned == 0 and roomy.stats.vocab_pruned == 0
    assert roomy.words == default.words and np.array_equal(roomy.vectors, default.vectors)
    assert roomy.counts.tolist() == default.counts.tolist()
    tight = train(SAMPLE, max_vocab_memory=3000, **settings)  # about 19 words
    assert tight.stats.vocab_pruned > 0
    assert 2 <= len(tight) <= 19 and set(tight.words) <= set(default.words)
    with pytest.raises(ValueError, match="max_vocab_memory must be at least 1 byte"):
        train(SAMPLE, max_vocab_memory=0, **settings)


def test_default_limit_is_a_quarter_of_memory():
    with open("/proc/meminfo") as f:
        total = next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemTotal:"))
    assert corpus.default_max_memory() == pytest.approx(total / 4, rel=0.01)
