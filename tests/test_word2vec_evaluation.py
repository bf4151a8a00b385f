"""textembed.word2vec.evaluation: analogy questions (3CosAdd) and word pairs
(Spearman), on vectors with planted answers and on the real evaluation files."""
from pathlib import Path

import numpy as np
import pytest

from textembed.io import InputError
from textembed.word2vec import WordVectors
from textembed.word2vec.evaluation import pearson, rankdata, spearman

from word2vectest import ANALOGIES, planted_vectors, random_vectors

EVAL_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "eval"


# ------------------------------------------------------------------ analogies

def test_analogies_on_planted_vectors(tmp_path):
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGIES)
    wv = planted_vectors()
    result = wv.evaluate_word_analogies(path, restrict_vocab=7)
    # royal: 4 right (the prince question expects the wrong word); other:
    # 'king queen king queen' has its answer excluded (b, and its spelling
    # 'Queen'), 'unknown' is missing and 'rare' is past the 7 most frequent.
    assert (result["correct"], result["used"], result["skipped"]) == (4, 6, 2)
    assert result["questions"] == 8 and result["restrict_vocab"] == 7
    assert result["accuracy"] == pytest.approx(4 / 6)
    assert result["sections"] == {
        "royal": {"correct": 4, "used": 5, "skipped": 0, "accuracy": pytest.approx(0.8)},
        "other": {"correct": 0, "used": 1, "skipped": 2, "accuracy": 0.0},
    }
    everything = wv.evaluate_word_analogies(path, restrict_vocab=None)
    assert (everything["correct"], everything["used"], everything["skipped"]) == (4, 7, 1)
    exact_case = wv.evaluate_word_analogies(path, restrict_vocab=7, case_insensitive=False)
    assert (exact_case["correct"], exact_case["used"], exact_case["skipped"]) == (3, 5, 3)


def test_analogy_batches_give_the_same_answers(tmp_path):
    path = tmp_path / "questions.txt"
    rng = np.random.default_rng(5)
    wv = random_vectors(60, 10)
    questions = rng.integers(0, 60, size=(300, 4))
    path.write_text(": s\n" + "".join(" ".join(f"w{i}" for i in q) + "\n" for q in questions))
    small = wv.evaluate_word_analogies(path, batch_size=7)
    large = wv.evaluate_word_analogies(path, batch_size=1000)
    assert small == large
    # and the same as most_similar, question by question
    correct = 0
    for a, b, c, d in questions:
        best = wv.most_similar(positive=[f"w{b}", f"w{c}"], negative=[f"w{a}"], topn=1)
        correct += best[0][0] == f"w{d}"
    assert small["correct"] == correct and small["used"] == 300


@pytest.mark.parametrize("content, fragment", [
    (": s\nman woman king\n", "line 2: expected a question of 4 words"),
    (": s\n", "no analogy questions found"),
])
def test_bad_analogy_files(tmp_path, content, fragment):
    path = tmp_path / "q.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        planted_vectors().evaluate_word_analogies(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)


# ------------------------------------------------------------------ word pairs

def test_rankdata_and_spearman_literals():
    assert rankdata([3.0, 1.0, 2.0, 2.0, 5.0]).tolist() == [4.0, 1.0, 2.5, 2.5, 5.0]
    assert rankdata([7, 7, 7]).tolist() == [2.0, 2.0, 2.0]
    # ranks x: 1, 2.5, 2.5, 4, 5; y: 2, 1, 4.5, 4.5, 3 -> 3.75 / 9.5
    assert spearman([1, 2, 2, 3, 5], [2, 1, 4, 4, 3]) == pytest.approx(15 / 38, abs=1e-12)
    assert spearman([1, 2, 3], [30, 20, 10]) == pytest.approx(-1.0)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3])) and np.isnan(spearman([1], [2]))
    assert pearson([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)


def test_spearman_agrees_with_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(2)
    x = rng.integers(0, 6, 200).astype(float)  # many ties
    y = x + rng.integers(0, 4, 200)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0], abs=1e-12)


PAIRS = """\
# comment
Word 1\tWord 2\tHuman (mean)
a\tb\t10.0
a\tc\t5\textra column
a d 0
B\tzzz\t7
"""


def test_word_pairs_on_planted_vectors(tmp_path):
    path = tmp_path / "pairs.tsv"
    path.write_text(PAIRS)
    # cos(a, b) = 1, cos(a, c) = 0, cos(a, d) = -1
    wv = WordVectors(["a", "b", "c", "d"],
                     np.array([[1, 0], [2, 0], [0, 1], [-1, 0]], dtype=np.float32))
    result = wv.evaluate_word_pairs(path)
    assert result == {"spearman": pytest.approx(1.0), "pearson": pytest.approx(1.0),
                      "used": 3, "skipped": 1}
    assert wv.evaluate_word_pairs(path, restrict_vocab=3)["used"] == 2


@pytest.mark.parametrize("content, fragment", [
    ("a\tb\t1\nc\td\tlots\n", "line 2: the score 'lots' is not a number"),
    ("a\tb\n", "line 1: expected 'word1<TAB>word2<TAB>score', found 2 field(s)"),
    ("# nothing\n", "no word pairs found"),
])
def test_bad_pair_files(tmp_path, content, fragment):
    path = tmp_path / "pairs.txt"
    path.write_text(content)
    with pytest.raises(InputError) as info:
        planted_vectors().evaluate_word_pairs(path)
    assert str(info.value).startswith(f"{path}: ") and fragment in str(info.value)


# ------------------------------------------------------------------ the real files

@pytest.mark.skipif(not EVAL_DIR.is_dir(), reason="../shared/data/eval is not here")
def test_parsers_read_every_question_and_pair_of_the_real_files():
    words = {}
    for line in (EVAL_DIR / "questions-words.txt").read_text().splitlines():
        if not line.startswith(":"):
            words.update(dict.fromkeys(line.lower().split()))
    for name in ("wordsim353.tsv", "simlex999.txt"):
        for line in (EVAL_DIR / name).read_text().splitlines():
            if not line.startswith("#"):
                words.update(dict.fromkeys(line.lower().split("\t")[:2]))
    wv = random_vectors(len(words), 16)
    wv = WordVectors(list(words), wv.vectors)
    analogies = wv.evaluate_word_analogies(EVAL_DIR / "questions-words.txt",
                                           restrict_vocab=len(words))
    assert (analogies["used"], analogies["skipped"]) == (19544, 0)
    assert len(analogies["sections"]) == 14
    assert sum(s["used"] for s in analogies["sections"].values()) == 19544
    assert analogies["sections"]["capital-common-countries"]["used"] == 506
    for name, count in (("wordsim353.tsv", 353), ("simlex999.txt", 999)):
        pairs = wv.evaluate_word_pairs(EVAL_DIR / name)
        assert (pairs["used"], pairs["skipped"]) == (count, 0)
