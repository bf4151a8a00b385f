"""textembed.word2vec.training: a corpus with planted structure, determinism,
training from token lists, and the errors of bad options."""
import random

import numpy as np
import pytest

from word2vectest import load_sample_generator


@pytest.fixture(scope="module")
def planted_corpus(tmp_path_factory):
    generator = load_sample_generator()
    rng = random.Random(7)
    path = tmp_path_factory.mktemp("corpus") / "planted.txt"
    path.write_text("\n".join(generator.sentence(rng) for _ in range(6000)) + "\n")
    return path, generator.FAMILIES


def test_training_recovers_planted_families(planted_corpus):
    from textembed.word2vec import train

    path, families = planted_corpus
    vectors = train(str(path), dim=32, epochs=5, threads=2, seed=0, min_count=1)
    family_of = {w: name for name, members in families.items() for w in members}
    unit = vectors.vectors / np.linalg.norm(vectors.vectors, axis=1, keepdims=True)
    hits = total = 0
    for word, family in family_of.items():
        if family == "verb" or word not in vectors:
            continue
        sims = unit @ unit[vectors.index[word]]
        neighbours = [vectors.words[i] for i in np.argsort(-sims)[1:6]]
        hits += sum(family_of.get(n) == family for n in neighbours)
        total += 5
    assert total >= 150
    assert hits / total > 0.9
    assert vectors.stats.vocab_size == len(vectors.words)


def test_one_thread_with_seed_is_bit_for_bit_reproducible(planted_corpus):
    from textembed.word2vec import train

    path, _ = planted_corpus
    a = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1)
    b = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1)
    c = train(str(path), dim=16, epochs=2, threads=1, seed=6, min_count=1)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, c.vectors)


def test_train_from_token_lists_and_oov_reasons():
    from textembed.word2vec import train

    sentences = [["alpha", "beta", "gamma", "delta"]] * 50 + [["rare", "alpha"]] * 2
    vectors = train(sentences, dim=8, epochs=1, min_count=5, seed=0, threads=1)
    assert set(vectors.words) == {"alpha", "beta", "gamma", "delta"}
    with pytest.raises(KeyError, match="min_count"):
        vectors["rare"]
    with pytest.raises(KeyError, match="never seen"):
        vectors["unknown"]


def test_byte_order_mark_opening_the_corpus_is_dropped(tmp_path):
    from textembed.word2vec import train

    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbf" + b"alpha beta gamma delta\n" * 20)
    vectors = train(path, dim=8, epochs=1, min_count=1, seed=0, threads=1)
    assert set(vectors.words) == {"alpha", "beta", "gamma", "delta"}


@pytest.mark.parametrize("options, message", [
    ({"dim": 0}, "dim"), ({"window": 0}, "window"), ({"negative": 0}, "negative"),
    ({"sample": -1.0}, "sample"), ({"epochs": 0}, "epochs"), ({"min_count": 0}, "min_count"),
    ({"alpha": 0.01, "min_alpha": 0.1}, "min_alpha"), ({"threads": 0}, "threads"),
])
def test_bad_options_raise_value_error(options, message):
    from textembed.word2vec import train

    with pytest.raises(ValueError, match=message):
        train([["a", "b"]] * 10, **options)


def test_too_few_words_is_a_clear_error():
    from textembed.word2vec import train

    with pytest.raises(ValueError, match="min_count=5"):
        train([["a", "b", "c"]] * 3)


def test_progress_shows_reading_then_training(tmp_path, capsys):
    from textembed.word2vec import train

    path = tmp_path / "c.txt"
    path.write_text("alpha beta gamma delta\n" * 20)
    train(path, dim=8, epochs=1, min_count=1, seed=0, threads=1, progress=True)
    err = capsys.readouterr().err
    assert "reading" in err and "training" in err
    train(path, dim=8, epochs=1, min_count=1, seed=0, threads=1)
    assert capsys.readouterr().err == ""
