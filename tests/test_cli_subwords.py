"""`textembed skipgram --subwords` and `similar` / `evaluate` / `embed` on its model
file (fastText's .bin): unseen words get vectors from their character n-grams and
the commands say so; bad options end in one line and exit 2."""
import numpy as np
import pytest

from clitest import assert_one_error, lines_of, write
from textembed.word2vec import load_word2vec_format
from textembed.word2vec.subword_vectors import SubwordVectors
from word2vectest import ROOT

SMALL = ["--dim", "16", "--epochs", "2", "--min-count", "1", "--bucket", "5000",
         "--threads", "1", "--seed", "2"]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """sample.vec and sample.bin from the sample corpus, with --subwords."""
    from clitest import run_main

    where = tmp_path_factory.mktemp("subwords")
    corpus = write(where / "sample.txt", (ROOT / "data" / "sample_corpus.txt").read_bytes())
    assert run_main("skipgram", corpus, "--subwords", *SMALL, "-q") == 0
    return where / "sample.vec", where / "sample.bin"


def test_writes_vectors_and_model_beside_them(trained):
    vec, model_path = trained
    model = SubwordVectors.load_fasttext_format(model_path)
    vectors = load_word2vec_format(vec)
    assert vectors.words == model.words
    np.testing.assert_allclose(vectors.vectors, model.vectors, rtol=1e-6, atol=1e-7)
    assert (model.scheme.minn, model.scheme.maxn, model.scheme.bucket) == (3, 6, 5000)


def test_summary_names_the_model(invoke, tmp_path):
    corpus = write(tmp_path / "c.txt", "the cat sat on the mat\n" * 20)
    code, _, err = invoke("skipgram", corpus, "--subwords", *SMALL, "-o", tmp_path / "v.vec.gz")
    assert code == 0, err
    assert err.strip().endswith(f"saved to {tmp_path / 'v.vec.gz'}, the subword model to "
                                f"{tmp_path / 'v.bin'}")
    assert (tmp_path / "v.bin").exists()


def test_similar_builds_unseen_words_and_says_so(invoke, trained):
    _, model_path = trained
    code, out, err = invoke("similar", model_path, "rabbitt", "-n", "3")
    assert code == 0, err
    assert err == ("similar: 'rabbitt': not in the vocabulary: built from its character "
                   "n-grams\n")
    assert len(lines_of(out)) == 3
    code, out, err = invoke("similar", model_path, "rabbit", "-n", "3")
    assert code == 0 and "n-grams" not in err
    # the word2vec file alone knows nothing of unseen words
    code, _, err = invoke("similar", trained[0], "rabbitt")
    assert_one_error(code, err, 1, "'rabbitt' is not in the vocabulary")


def test_evaluate_scores_every_pair_with_subwords(invoke, trained, tmp_path):
    _, model_path = trained
    pairs = write(tmp_path / "pairs.tsv", "cat\tdog\t9\ncatt\tdogg\t8\nred\tbread\t1\n"
                                          "cat\tzebraa\t2\n")
    questions = write(tmp_path / "q.txt", ": x\ncat cats dog dogs\ncatt cats dog dogss\n")
    code, out, err = invoke("evaluate", model_path, "--pairs", pairs, "--analogies", questions)
    assert code == 0, err
    lines = lines_of(out)
    assert "/2 questions), 0 skipped" in lines[0]
    assert lines[0].endswith("unseen words scored by subwords: 2")
    assert "4 pairs used, 0 skipped" in lines[1]
    assert lines[1].endswith("unseen words scored by subwords: 3")
    code, out, _ = invoke("evaluate", trained[0], "--pairs", pairs)
    assert "2 pairs used, 2 skipped" in out and "subwords" not in out


def test_embed_uses_subwords_for_unseen_words(invoke, trained, tmp_path):
    _, model_path = trained
    text = write(tmp_path / "t.txt", "rabbitt\ncat\n")
    code, out, err = invoke("embed", model_path, text, "-q")
    assert code == 0, err
    rows = np.array([[float(v) for v in line.split("\t")] for line in lines_of(out)])
    model = SubwordVectors.load_fasttext_format(model_path)
    np.testing.assert_allclose(rows[0], model["rabbitt"], rtol=1e-5, atol=1e-6)
    assert np.abs(rows[0]).sum() > 0


@pytest.mark.parametrize("args, fragments", [
    (["--subwords", "--minn", "5", "--maxn", "3"], ["--minn", "above --maxn 3"]),
    (["--subwords", "--bucket", "0"], ["--bucket", "0"]),
    (["--maxn", "4"], ["--maxn", "add --subwords"]),
    (["--minn", "2"], ["--minn", "add --subwords"]),
    (["--subwords", "--binary"], ["--output", "the model goes to"]),
    (["--subwords", "-o", "OUT.bin"], ["--output", "the model goes to"]),
])
def test_bad_options_exit_2_in_one_line(invoke, tmp_path, args, fragments):
    corpus = write(tmp_path / "c.txt", "a b c\n" * 10)
    args = [str(tmp_path / a) if a == "OUT.bin" else a for a in args]
    code, out, err = invoke("skipgram", corpus, *args)
    assert_one_error(code, err, 2, *fragments)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.txt"]


def test_corrupt_model_is_one_line(invoke, trained, tmp_path):
    bad = write(tmp_path / "bad.bin", trained[1].read_bytes()[:300])
    code, _, err = invoke("similar", bad, "cat")
    assert_one_error(code, err, 1, "bad.bin", "truncated")
