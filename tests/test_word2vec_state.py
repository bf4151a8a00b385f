"""textembed.word2vec.state: the training state on disk, the grown vocabulary,
and resumed training (A then B against A + B)."""
import random
import zipfile

import numpy as np
import pytest

from textembed.io import InputError
from test_word2vec_training import family_hits
from word2vectest import load_sample_generator

TINY = dict(dim=16, epochs=3, threads=1, min_count=1)


@pytest.fixture(scope="module")
def halves(tmp_path_factory):
    """Planted sentences: half A, half B, and A + B in one file."""
    generator = load_sample_generator()
    rng = random.Random(11)
    lines = [generator.sentence(rng) for _ in range(8000)]
    where = tmp_path_factory.mktemp("halves")
    paths = {}
    for name, part in (("a", lines[:4000]), ("b", lines[4000:]), ("ab", lines)):
        paths[name] = where / f"{name}.txt"
        paths[name].write_text("\n".join(part) + "\n")
    return paths, generator.FAMILIES


def _state(seed=0):
    from textembed.word2vec import TrainingState
    rng = np.random.default_rng(seed)
    words = ["the", "café", "naïve", "日本", "z"]
    settings = dict(model="cbow", dim=4, window=3, negative=2, sample=1e-3, min_count=1,
                    alpha=0.05, min_alpha=1e-4, tokenizer="keras", lower=True)
    return TrainingState(words, [9, 5, 4, 2, 1], rng.random((5, 4), dtype=np.float32),
                         rng.random((5, 4), dtype=np.float32), settings, 42, 3, 600, 900)


def test_save_and_load_round_trip(tmp_path):
    from textembed.word2vec import load_state, save_state

    state = _state()
    path = tmp_path / "s.state"
    save_state(state, path)
    back = load_state(path)
    assert back.words == state.words
    np.testing.assert_array_equal(back.counts, state.counts)
    np.testing.assert_array_equal(back.syn0, state.syn0)
    np.testing.assert_array_equal(back.syn1, state.syn1)
    assert back.settings == state.settings
    assert (back.seed, back.epochs_done, back.words_done, back.words_planned) == (42, 3, 600, 900)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.state"]  # no .npz added


def _foreign_files(tmp_path):
    from textembed.word2vec import save_state

    files = {}
    files["text"] = tmp_path / "v.vec"
    files["text"].write_text("2 2\na 1 2\nb 3 4\n")
    files["other-npz"] = tmp_path / "o.npz"
    np.savez(files["other-npz"], x=np.zeros(3))
    files["plain-zip"] = tmp_path / "z.zip"
    with zipfile.ZipFile(files["plain-zip"], "w") as archive:
        archive.writestr("meta.npy", b"not numpy")
    save_state(_state(), tmp_path / "good.state")
    data = (tmp_path / "good.state").read_bytes()
    files["truncated"] = tmp_path / "t.state"
    files["truncated"].write_bytes(data[: len(data) // 2])
    return files


def test_a_file_that_is_not_a_state_is_one_clear_error(tmp_path):
    from textembed.word2vec import load_state

    for name, path in _foreign_files(tmp_path).items():
        with pytest.raises(InputError, match="not a textembed training state") as caught:
            load_state(path)
        assert str(path) in str(caught.value), name
        assert "\n" not in str(caught.value)
    with pytest.raises(InputError, match="no such file"):
        load_state(tmp_path / "missing.state")


def test_an_interrupted_save_leaves_nothing(tmp_path, monkeypatch):
    from textembed.word2vec import save_state, state

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(state.np, "savez", interrupted)
    with pytest.raises(KeyboardInterrupt):
        save_state(_state(), tmp_path / "s.state")
    assert list(tmp_path.iterdir()) == []


def test_grow_keeps_old_rows_and_adds_the_new_words():
    from textembed.word2vec.corpus import encode_sentences
    from textembed.word2vec.state import grow

    old = _state()
    sentences = [["the", "new", "new", "rare", "café"], ["new", "the"]]
    import tempfile
    with tempfile.TemporaryDirectory() as scratch:
        encoded = encode_sentences(sentences, scratch + "/ids")
    vocab, syn0, syn1, added = grow(old, encoded, min_count=2, dim=4, seed=0)
    # "new" (3 times) joins, "rare" (once) does not; every old word stays
    assert added == 1
    assert vocab.words == ["the", "café", "naïve", "new", "日本", "z"]
    np.testing.assert_array_equal(vocab.counts, [11, 6, 4, 3, 2, 1])
    assert vocab.pruned == {"rare": 1}
    for word in old.words:
        row, old_row = vocab.words.index(word), old.words.index(word)
        np.testing.assert_array_equal(syn0[row], old.syn0[old_row])
        np.testing.assert_array_equal(syn1[row], old.syn1[old_row])
    new = vocab.words.index("new")
    assert np.all(syn1[new] == 0) and np.all(np.abs(syn0[new]) <= 0.5 / 4)
    assert np.any(syn0[new] != 0)
    # the new text's ids map to the grown rows; "rare" is left out (-2)
    remap = vocab.remap[:len(encoded.words)]
    assert [vocab.words[r] if r >= 0 else None for r in remap] == \
        ["the", "new", None, "café"]


def _family_similarities(vectors, families):
    words = [w for name, members in families.items() if name != "verb" for w in members
             if w in vectors]
    unit = vectors.unit_vectors[[vectors.index[w] for w in words]]
    sims = unit @ unit.T
    return sims[np.triu_indices(len(words), 1)]


@pytest.mark.parametrize("model", ["skipgram", "cbow"])
def test_a_then_b_scores_like_a_plus_b(halves, model):
    """The noise: two seeds of the joint run. The resumed run must agree with the
    joint run (the correlation of the similarities among family words) nearly as
    well as the joint run agrees with itself under another seed, and recover the
    families as well (within 0.03 of the joint run's share)."""
    from textembed.word2vec import train

    paths, families = halves
    options = dict(TINY, dim=24, epochs=4, model=model)
    joint = [train(str(paths["ab"]), seed=seed, **options) for seed in (0, 1)]
    first = train(str(paths["a"]), seed=0, keep_state=True, **options)
    resumed = train(str(paths["b"]), resume=first.state, epochs=4, threads=1)
    assert resumed.stats.resumed and resumed.stats.new_words == 0
    assert resumed.words == joint[0].words or set(resumed.words) == set(joint[0].words)
    np.testing.assert_array_equal(
        [resumed.counts[resumed.index[w]] for w in joint[0].words], joint[0].counts)
    sims = [_family_similarities(v, families) for v in (*joint, resumed)]
    noise = np.corrcoef(sims[0], sims[1])[0, 1]
    agreement = np.corrcoef(sims[0], sims[2])[0, 1]
    assert agreement > noise - 0.05, (agreement, noise)
    hits = [family_hits(v, families) for v in (*joint, resumed)]
    assert hits[2] > min(hits[:2]) - 0.03, hits


def test_resume_restarts_or_continues_the_learning_rate(halves):
    from textembed.word2vec import train

    paths, _ = halves
    first = train(str(paths["a"]), seed=3, keep_state=True, **TINY)
    words_a = first.stats.train_words * 3
    assert (first.state.words_done, first.state.words_planned) == (words_a, words_a)
    resumed = train(str(paths["b"]), resume=first.state, epochs=3, threads=1, keep_state=True,
                    resume_alpha="continue")
    words_b = resumed.stats.train_words * 3
    assert resumed.stats.train_words < first.stats.train_words * 1.1  # B's tokens only
    assert resumed.state.words_done == words_a + words_b
    assert resumed.state.epochs_done == 6
    # the rate goes on from where A's share of the joint plan would have left it
    span = 0.05 - 1e-4
    ends = [entry["alpha"] for entry in resumed.stats.history]
    expected = [0.05 - span * (words_a + k * words_b / 3) / (words_a + words_b)
                for k in (1, 2, 3)]
    np.testing.assert_allclose(ends, expected, rtol=1e-9)
    restarted = train(str(paths["b"]), resume=first.state, epochs=3, threads=1)  # default
    np.testing.assert_allclose([e["alpha"] for e in restarted.stats.history],
                               [0.05 - span * k / 3 for k in (1, 2, 3)], rtol=1e-9)


def test_resume_is_reproducible_and_words_b_lacks_keep_their_vectors(tmp_path):
    from textembed.word2vec import train

    a = [["zebra", "lion", "cat", "dog"]] * 30 + [["cat", "dog", "cow"]] * 30
    b = [["cat", "dog", "cow", "newword"]] * 40
    first = train(a, keep_state=True, seed=1, sample=0, **TINY)
    runs = [train(b, resume=first.state, epochs=2, threads=1) for _ in range(2)]
    assert runs[0].stats.seed == 1  # the state's seed and sample (0: every word trains)
    np.testing.assert_array_equal(runs[0].vectors, runs[1].vectors)
    resumed = runs[0]
    assert resumed.stats.new_words == 1 and "newword" in resumed
    for word in ("zebra", "lion"):  # not in B: no update touches their input rows
        np.testing.assert_array_equal(resumed[word], first[word])
    assert not np.array_equal(resumed["cat"], first["cat"])


@pytest.mark.parametrize("options, message", [
    ({"dim": 8}, "dimension 16, not 8"),
    ({"model": "cbow"}, "model 'skipgram', not 'cbow'"),
    ({"max_vocab": 10}, "max_vocab does not apply"),
    ({"resume_alpha": "later"}, "resume_alpha"),
])
def test_resume_mismatch(options, message):
    from textembed.word2vec import train

    first = train([["a", "b", "c"]] * 20, keep_state=True, seed=0, **TINY)
    with pytest.raises(ValueError, match=message):
        train([["a", "b"]] * 20, resume=first.state, **options)


def test_resuming_on_text_without_known_words_is_a_clear_error():
    from textembed.word2vec import train

    first = train([["a", "b", "c"]] * 20, keep_state=True, seed=0, **TINY)
    with pytest.raises(ValueError, match="no word of the corpus"):
        train([["x", "y"]], resume=first.state, min_count=5)


def test_save_state_needs_a_state():
    from textembed.word2vec import save_state, train

    vectors = train([["a", "b", "c"]] * 20, seed=0, **TINY)
    with pytest.raises(ValueError, match="keep_state=True"):
        save_state(vectors, "x.state")
