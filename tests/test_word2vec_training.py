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


def family_hits(vectors, families):
    """The share of each family word's 5 nearest neighbours that are of its family
    (verbs left out: they share slots with nothing, but neither do they cluster)."""
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
    return hits / total


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_training_recovers_planted_families(planted_corpus, model):
    from textembed.word2vec import train

    path, families = planted_corpus
    vectors = train(str(path), dim=32, epochs=5, threads=2, seed=0, min_count=1, model=model)
    assert family_hits(vectors, families) > 0.9
    assert vectors.stats.vocab_size == len(vectors.words)
    assert vectors.stats.model == model


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_one_thread_with_seed_is_bit_for_bit_reproducible(planted_corpus, model):
    from textembed.word2vec import train

    path, _ = planted_corpus
    a = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1, model=model)
    b = train(str(path), dim=16, epochs=2, threads=1, seed=5, min_count=1, model=model)
    c = train(str(path), dim=16, epochs=2, threads=1, seed=6, min_count=1, model=model)
    assert a.words == b.words
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.array_equal(a.vectors, c.vectors)


def test_cbow_and_skipgram_train_differently(planted_corpus):
    from textembed.word2vec import train

    path, _ = planted_corpus
    sg = train(str(path), dim=16, epochs=1, threads=1, seed=5, min_count=1)
    cbow = train(str(path), dim=16, epochs=1, threads=1, seed=5, min_count=1, model="cbow")
    assert sg.words == cbow.words
    assert not np.allclose(sg.vectors, cbow.vectors, atol=1e-3)


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
    ({"model": "glove"}, "model must be 'skipgram' or 'cbow'"),
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


# -- losses and scores per epoch ----------------------------------------------------

def test_epoch_losses_fall_and_match_the_history(planted_corpus):
    from textembed.word2vec import train

    path, _ = planted_corpus
    vectors = train(str(path), dim=16, epochs=4, threads=2, seed=1, min_count=1)
    losses = vectors.stats.epoch_losses
    assert len(losses) == 4 and all(np.isfinite(losses))
    assert losses[0] > losses[-1] + 0.1  # the model learns: the loss falls
    assert [entry["epoch"] for entry in vectors.stats.history] == [1, 2, 3, 4]
    assert [entry["loss"] for entry in vectors.stats.history] == losses
    assert vectors.stats.history[-1]["alpha"] == pytest.approx(1e-4)
    # the pairs of an epoch: one per centre word with a context, about the same each epoch
    pairs = [entry["loss_pairs"] for entry in vectors.stats.history]
    assert min(pairs) > 0.9 * max(pairs)


def test_evaluate_runs_at_a_barrier_after_every_epoch(planted_corpus, monkeypatch):
    """Each call sees exactly the jobs of the epochs before it finished, and the
    vectors as they are then (they change from one epoch to the next)."""
    from textembed.kernels import word2vec_kernels
    from textembed.word2vec import train, training

    path, _ = planted_corpus
    finished = []
    real_kernel = word2vec_kernels.train_block

    def counting(*args):
        result = real_kernel(*args)
        finished.append(1)
        return result

    monkeypatch.setattr(word2vec_kernels, "train_block", counting)
    monkeypatch.setattr(training, "_JOB_TOKENS", 2048)  # about 40 jobs an epoch
    seen = []

    def evaluate(vectors):
        seen.append((len(finished), vectors.vectors.copy()))
        return {"calls": len(seen)}

    vectors = train(str(path), dim=8, epochs=3, threads=2, seed=0, min_count=1,
                    evaluate=evaluate)
    per_epoch = len(finished) // 3
    assert per_epoch > 10
    assert [count for count, _ in seen] == [per_epoch, 2 * per_epoch, 3 * per_epoch]
    assert not np.array_equal(seen[0][1], seen[1][1])
    np.testing.assert_array_equal(seen[2][1], vectors.vectors)
    assert [entry["calls"] for entry in vectors.stats.history] == [1, 2, 3]


def test_epoch_scorer_scores_as_evaluate_does(planted_corpus, tmp_path):
    from textembed.word2vec import epoch_scorer, train

    path, _ = planted_corpus
    analogies = tmp_path / "a.txt"
    analogies.write_text(": animals\ncat cats dog dogs\ncow cows horse horses\n"
                         ": unknown\ncat dog zebra giraffe\n")
    pairs = tmp_path / "p.tsv"
    pairs.write_text("# w1 w2 score\ncat dog 9\ncat red 1\nred blue 8\nsoup cake 8\n"
                     "soup dog 1\nzebra cat 5\n")
    score = epoch_scorer(analogies, [pairs])
    vectors = train(str(path), dim=16, epochs=2, threads=1, seed=0, min_count=1,
                    evaluate=score)
    last = vectors.stats.history[-1]
    direct_analogies = vectors.evaluate_word_analogies(analogies)
    direct_pairs = vectors.evaluate_word_pairs(pairs)
    assert last["analogies"] == {"file": str(analogies), "accuracy": direct_analogies["accuracy"],
                                 "used": 2, "skipped": 1}
    assert last["pairs"] == [{"file": str(pairs), "spearman": direct_pairs["spearman"],
                              "used": 5, "skipped": 1}]
    assert last["pairs"][0]["spearman"] > 0.5  # cat~dog, red~blue, soup~cake score high


def test_epoch_scorer_reads_its_files_before_training(tmp_path):
    from textembed.io import InputError
    from textembed.word2vec import epoch_scorer

    bad = tmp_path / "bad.tsv"
    bad.write_text("cat dog 9\ncat dog many\n")
    with pytest.raises(InputError, match="line 2: the score 'many' is not a number"):
        epoch_scorer(pairs=[bad])
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    with pytest.raises(InputError, match="no analogy questions"):
        epoch_scorer(analogies=empty)
    with pytest.raises(ValueError, match="analogies and/or pairs"):
        epoch_scorer()
