"""textembed.word2vec.fasttext_format: fastText's .bin model written and read, against
fastText (fasttext.load_model, and models fastText trains) and gensim's
load_facebook_vectors when they are installed, and bad files."""
import struct

import numpy as np
import pytest

from textembed.io import InputError
from textembed.word2vec import fasttext_format
from textembed.word2vec.subword_vectors import SubwordVectors, load_vectors
from textembed.word2vec.subwords import SubwordScheme

WORDS = ["the", "cat", "naïve", "東京", "mississippi"]
OTHERS = ["cats", "naïf", "東京都", "zzz", "mississipi"]


def _model(bucket=50, dim=6, seed=0):
    rng = np.random.default_rng(seed)
    scheme = SubwordScheme(2, 4, bucket, len(WORDS))
    inputs = rng.standard_normal((len(WORDS) + bucket, dim)).astype(np.float32)
    outputs = rng.standard_normal((len(WORDS), dim)).astype(np.float32)
    return SubwordVectors(WORDS, inputs, scheme, output_matrix=outputs,
                          counts=np.arange(50, 50 - len(WORDS), -1))


def test_round_trip(tmp_path):
    model = _model()
    path = tmp_path / "m.bin"
    model.save_fasttext_format(path)
    assert fasttext_format.is_fasttext_model(path)
    back = SubwordVectors.load_fasttext_format(path, output=True)
    assert back.words == WORDS
    assert np.array_equal(back.input_matrix, model.input_matrix)
    assert np.array_equal(back.output_matrix, model.output_matrix)
    assert np.array_equal(back.counts, model.counts)
    assert (back.scheme.minn, back.scheme.maxn, back.scheme.bucket) == (2, 4, 50)
    assert back.args["model"] == fasttext_format.MODEL_SKIPGRAM
    assert back.args["loss"] == fasttext_format.LOSS_NS
    assert np.array_equal(back[OTHERS], model[OTHERS])
    assert isinstance(load_vectors(path), SubwordVectors)


def test_header_layout(tmp_path):
    path = tmp_path / "m.bin"
    _model().save_fasttext_format(path)
    data = path.read_bytes()
    magic, version, dim, ws = struct.unpack("<4i", data[:16])
    assert (magic, version, dim) == (793712314, 12, 6)
    # args: 12 int32 and a float64, then size, nwords, nlabels, ntokens, pruneidx_size
    size, nwords, nlabels, ntokens, prune = struct.unpack("<3i2q", data[8 + 56:8 + 56 + 28])
    assert (size, nwords, nlabels, prune) == (5, 5, 0, -1)
    assert data[8 + 56 + 28:].startswith(b"the\0" + struct.pack("<qb", 50, 0))
    # input matrix header and size: 5 words + 50 buckets rows of 6 float32, output 5 rows
    assert len(data) == (8 + 56 + 28 + sum(len(w.encode()) + 10 for w in WORDS)
                         + 2 * 17 + (55 + 5) * 6 * 4)


def test_fasttext_reads_ours(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    model = _model()
    path = tmp_path / "m.bin"
    model.save_fasttext_format(path)
    theirs = fasttext.load_model(str(path))
    assert theirs.get_words() == WORDS
    for word in WORDS + OTHERS:
        np.testing.assert_allclose(theirs.get_word_vector(word), model.vector(word),
                                   rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(theirs.get_input_matrix(), model.input_matrix)
    np.testing.assert_array_equal(theirs.get_output_matrix(), model.output_matrix)


def test_gensim_reads_ours(tmp_path):
    gensim_fasttext = pytest.importorskip("gensim.models.fasttext")
    model = _model()
    path = tmp_path / "m.bin"
    model.save_fasttext_format(path)
    theirs = gensim_fasttext.load_facebook_vectors(str(path))
    assert list(theirs.index_to_key) == WORDS
    for word in WORDS + OTHERS:
        np.testing.assert_allclose(theirs[word], model.vector(word), rtol=1e-5, atol=1e-6)


def test_we_read_what_fasttext_trains(tmp_path):
    fasttext = pytest.importorskip("fasttext")
    corpus = tmp_path / "c.txt"
    rng = np.random.default_rng(0)
    vocabulary = ["cat", "dog", "cats", "dogs", "naïve", "chat", "東京", "run", "running"]
    corpus.write_text("\n".join(" ".join(rng.choice(vocabulary, 12)) for _ in range(300)),
                      encoding="utf-8")
    theirs = fasttext.train_unsupervised(str(corpus), model="skipgram", dim=8, epoch=2,
                                         minCount=1, thread=1, verbose=0, bucket=2000)
    path = tmp_path / "theirs.bin"
    theirs.save_model(str(path))
    ours = SubwordVectors.load_fasttext_format(path, output=True)
    assert ours.words == theirs.get_words()
    np.testing.assert_array_equal(ours.input_matrix, theirs.get_input_matrix())
    np.testing.assert_array_equal(ours.output_matrix, theirs.get_output_matrix())
    for word in ours.words + ["catdog", "runs", "東", "xyzzy"]:
        np.testing.assert_allclose(ours.vector(word), theirs.get_word_vector(word),
                                   rtol=1e-5, atol=1e-6)
    # and written again by us, fastText reads the same model
    again = tmp_path / "again.bin"
    ours.save_fasttext_format(again)
    reloaded = fasttext.load_model(str(again))
    assert reloaded.get_words() == theirs.get_words()
    for word in ["cat", "</s>", "catdog"]:
        np.testing.assert_array_equal(reloaded.get_word_vector(word), theirs.get_word_vector(word))


@pytest.mark.parametrize("damage, message", [
    (lambda d: d[:4], "not a fastText model"),
    (lambda d: b"\0" * 8 + d[8:], "not a fastText model"),
    (lambda d: d[:4] + struct.pack("<i", 99) + d[8:], "version 99"),
    (lambda d: d[:150], "truncated"),
    (lambda d: d[:-100], "truncated or corrupt"),
    (lambda d: d[:-4 * 6 * 5 - 17] + struct.pack("<?2q", True, 5, 6) + d[-4 * 6 * 5:],
     "quantized"),
])
def test_bad_files_are_refused_in_one_line(tmp_path, damage, message):
    path = tmp_path / "m.bin"
    _model().save_fasttext_format(path)
    bad = tmp_path / "bad.bin"
    bad.write_bytes(damage(path.read_bytes()))
    with pytest.raises(InputError, match=message) as error:
        fasttext_format.read_fasttext(bad)
    assert "\n" not in str(error.value)


def test_missing_file_and_word2vec_file(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        fasttext_format.read_fasttext(tmp_path / "nope.bin")
    text = tmp_path / "w.vec"
    text.write_text("1 2\na 0.1 0.2\n")
    assert not fasttext_format.is_fasttext_model(text)
    assert type(load_vectors(text)).__name__ == "WordVectors"
