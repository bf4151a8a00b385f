"""Phrases (textembed.word2vec.phrases): scores and joins against hand-computed
values, a plain-Python statement of gensim's definitions (string-keyed counts,
greedy joining, max_vocab_size pruning), and gensim's Phrases itself when
installed; streaming in small blocks gives the in-memory result."""
import math
import random

import pytest

from textembed.word2vec import phrases as ph


# -- a plain-Python statement of gensim's Phrases (no connector words) -----------

def reference(sentences, min_count, threshold, scoring, max_vocab=10 ** 12, delimiter="_"):
    """(joined sentences, {phrase: score}, len(vocab)): counts keyed by text, as gensim."""
    vocab, pairs, total, min_reduce = {}, set(), 0, 1
    for sentence in sentences:
        for i, word in enumerate(sentence):
            vocab[word] = vocab.get(word, 0) + 1
            if i:
                text = sentence[i - 1] + delimiter + word
                vocab[text] = vocab.get(text, 0) + 1
                pairs.add((sentence[i - 1], word))
            total += 1
        if len(vocab) > max_vocab:
            vocab = {key: count for key, count in vocab.items() if count >= min_reduce}
            min_reduce += 1

    def score(a, b):
        ca, cb, cab = vocab.get(a, 0), vocab.get(b, 0), vocab.get(a + delimiter + b, 0)
        if min(ca, cb, cab) <= 0:
            return None
        if scoring == "default":
            value = (cab - min_count) / float(ca * cb) * len(vocab)
        elif cab < min_count:
            return None
        else:
            pa, pb, pab = ca / total, cb / total, cab / total
            value = math.log(pab / (pa * pb)) / -math.log(pab)
        return value if value > threshold else None

    joined = []
    for sentence in sentences:
        out, start = [], None
        for word in sentence:
            if start is None:
                start = word
            elif score(start, word) is not None:
                out.append(start + delimiter + word)
                start = None
            else:
                out.append(start)
                start = word
        if start is not None:
            out.append(start)
        joined.append(out)
    found = {a + delimiter + b: score(a, b) for a, b in pairs if score(a, b) is not None}
    return joined, found, len(vocab)


def synthetic(n_lines=3000, n_words=60, seed=0, glued=False):
    """Random lines with planted collocations (new york, new york times, san francisco);
    ``glued``: some tokens already hold the delimiter (new_york, york_times)."""
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(n_words)]
    lines = []
    for _ in range(n_lines):
        line = []
        for _ in range(rng.randint(0, 15)):
            r = rng.random()
            if r < 0.10:
                line += ["new", "york"]
            elif r < 0.14:
                line += ["new", "york", "times"]
            elif r < 0.17:
                line += ["san", "francisco"]
            elif glued and r < 0.19:
                line.append(rng.choice(["new_york", "york_times", "new_york_times"]))
            else:
                line.append(rng.choice(vocab[:rng.randint(1, n_words)]))
        lines.append(line)
    return lines


def scores_of(stats, number=0):
    return {text: score for text, (score, _) in stats.passes[number].phrases.items()}


# -- hand-computed values ----------------------------------------------------------

TINY = [["new", "york", "city"], ["new", "york"], ["old", "york"]]
# new 2, york 3, city 1, old 1 (7 tokens); pairs new york 2, york city 1, old york 1;
# gensim's len(vocab) = 4 words + 3 pairs = 7


def test_default_score_by_hand():
    joined, stats = ph.phrase_sentences(TINY, min_count=1, threshold=1.0)
    assert stats.passes[0].phrases == {"new_york": ((2 - 1) / 6 * 7, 2)}
    assert stats.passes[0].len_vocab == 7
    assert stats.passes[0].tokens == 7 and stats.passes[0].tokens_out == 5
    assert joined == [["new_york", "city"], ["new_york"], ["old", "york"]]
    # 7/6 is not above 7/6: strictly above the threshold only
    _, stats = ph.phrase_sentences(TINY, min_count=1, threshold=7 / 6)
    assert stats.passes[0].phrases == {}


def test_npmi_score_by_hand():
    _, stats = ph.phrase_sentences(TINY, min_count=1, threshold=0.5, scoring="npmi")
    assert scores_of(stats) == {"new_york": math.log((2 / 7) / ((2 / 7) * (3 / 7)))
                                / -math.log(2 / 7)}
    assert scores_of(stats)["new_york"] == pytest.approx(0.6763, abs=1e-4)
    _, stats = ph.phrase_sentences(TINY, min_count=1, threshold=0.4, scoring="npmi")
    low = math.log(7 / 3) / math.log(7)  # york city and old york: 0.4354
    assert scores_of(stats) == pytest.approx({"new_york": math.log(7 / 3) / math.log(7 / 2),
                                              "york_city": low, "old_york": low})
    # npmi never joins a pair seen fewer than min_count times
    _, stats = ph.phrase_sentences(TINY, min_count=2, threshold=0.4, scoring="npmi")
    assert set(stats.passes[0].phrases) == {"new_york"}


def test_default_score_can_be_negative_below_min_count():
    _, stats = ph.phrase_sentences(TINY, min_count=3, threshold=1e-9)
    assert stats.passes[0].phrases == {}  # (2 - 3) / 6 * 7 < 0


def test_greedy_from_the_left():
    # a b 3, b c 4 (a 3, b 4, c 4, len_vocab 5): a_b scores 2/12*5 = 0.83,
    # b_c scores 3/16*5 = 0.94; a b c still becomes a_b c, as gensim joins.
    sentences = [["a", "b", "c"]] * 3 + [["b", "c"]]
    joined, stats = ph.phrase_sentences(sentences, min_count=1, threshold=0.5)
    assert scores_of(stats) == {"a_b": 2 / 12 * 5, "b_c": 3 / 16 * 5}
    assert joined == [["a_b", "c"]] * 3 + [["b_c"]]


def test_two_passes_build_trigrams():
    # x_i new york times y_i (4 lines, x_i and y_i distinct), new york city (2 lines):
    # new 6, york 6, times 4, city 2; len_vocab 12 words + 11 pairs = 23;
    # new_york (6-1)/36*23 = 3.19 and york_times (4-1)/24*23 = 2.875 pass 2.5,
    # york_city (2-1)/12*23 = 1.92 does not. Pass 2: new_york 6, times 4, len_vocab
    # 11 + 10 = 21: new_york_times (4-1)/24*21 = 2.625, new_york_city 1/12*21 = 1.75.
    sentences = ([[f"x{i}", "new", "york", "times", f"y{i}"] for i in range(4)]
                 + [["new", "york", "city"]] * 2)
    joined, stats = ph.phrase_sentences(sentences, passes=2, min_count=1, threshold=2.5)
    assert scores_of(stats, 0) == {"new_york": 5 / 36 * 23, "york_times": 3 / 24 * 23}
    assert scores_of(stats, 1) == {"new_york_times": 3 / 24 * 21}
    assert joined == ([[f"x{i}", "new_york_times", f"y{i}"] for i in range(4)]
                      + [["new_york", "city"]] * 2)
    assert joined == reference(reference(sentences, 1, 2.5, "default")[0], 1, 2.5,
                               "default")[0]


def test_empty_lines_and_single_words_stay():
    joined, stats = ph.phrase_sentences([[], ["a"], ["a", "b"], []] * 3, min_count=1,
                                        threshold=0.1)
    assert joined == [[], ["a"], ["a_b"], []] * 3
    assert stats.lines == 12


# -- the plain-Python statement and gensim ------------------------------------------

@pytest.mark.parametrize("scoring, threshold", [("default", 0.3), ("default", 0.05),
                                                ("npmi", 0.3), ("npmi", -0.5)])
def test_matches_the_reference(scoring, threshold):
    sentences = synthetic(n_words=30)
    joined, stats = ph.phrase_sentences(sentences, min_count=5, threshold=threshold,
                                        scoring=scoring)
    expected, found, len_vocab = reference(sentences, 5, threshold, scoring)
    assert stats.passes[0].len_vocab == len_vocab
    assert scores_of(stats) == found  # same floats to the bit
    assert len(found) >= 3
    assert joined == expected


def test_glued_tokens_share_counts_with_pairs():
    # new_york is a token and a pair: gensim counts both under "new_york"
    sentences = synthetic(glued=True, n_words=30)
    for passes in (1, 2):
        joined, stats = ph.phrase_sentences(sentences, passes=passes, min_count=5,
                                            threshold=0.2, scoring="npmi")
        expected = sentences
        for _ in range(passes):
            expected, found, len_vocab = reference(expected, 5, 0.2, "npmi")
        assert stats.passes[-1].len_vocab == len_vocab
        assert joined == expected
        assert scores_of(stats, -1) == found


def test_table_growth_and_pruning_match_the_reference(monkeypatch):
    # ~20k distinct pairs: the table grows from 1,024 slots to 32,768;
    # with max_table 2,000 it is pruned again and again
    monkeypatch.setattr(ph, "_FIRST_CAPACITY", 1 << 10)
    sentences = synthetic(n_lines=6000, n_words=400, seed=1)
    for max_table in (10 ** 9, 2000):
        joined, stats = ph.phrase_sentences(sentences, min_count=2, threshold=0.3,
                                            scoring="npmi", max_table=max_table)
        expected, found, len_vocab = reference(sentences, 2, 0.3, "npmi", max_vocab=max_table)
        assert stats.passes[0].len_vocab == len_vocab
        assert scores_of(stats) == found
        assert joined == expected
        if max_table == 2000:
            assert stats.passes[0].prunings > 2 and stats.passes[0].pruned > 1000
        else:
            assert stats.passes[0].pairs > 20000 and stats.passes[0].prunings == 0


def test_first_pruning_drops_nothing():
    # gensim's min_reduce starts at 1: the first pruning drops entries seen fewer
    # than once (none), the second those seen fewer than twice
    joined, stats = ph.phrase_sentences([["a", "b"]], min_count=1, threshold=0.5,
                                        scoring="npmi", max_table=2)
    one = stats.passes[0]
    assert (one.prunings, one.pruned, one.words, one.pairs) == (1, 0, 2, 1)
    assert one.phrases == {"a_b": (1.0, 1)} and joined == [["a_b"]]
    joined, stats = ph.phrase_sentences([["a", "b"], ["c", "d"]], min_count=1, threshold=0.5,
                                        scoring="npmi", max_table=2)
    two = stats.passes[0]
    assert (two.prunings, two.pruned, two.words, two.pairs, two.len_vocab) == (2, 6, 0, 0, 0)
    assert two.phrases == {} and joined == [["a", "b"], ["c", "d"]]


@pytest.mark.parametrize("scoring, threshold, passes, max_vocab",
                         [("default", 1.0, 1, 40_000_000), ("default", 0.5, 2, 40_000_000),
                          ("npmi", 0.3, 2, 40_000_000), ("npmi", 0.3, 1, 3000),
                          ("default", 0.2, 2, 3000)])
def test_same_as_gensim(scoring, threshold, passes, max_vocab):
    phrases_module = pytest.importorskip("gensim.models.phrases")
    sentences = synthetic(n_words=200, glued=passes == 2)
    joined, stats = ph.phrase_sentences(sentences, passes=passes, min_count=5,
                                        threshold=threshold, scoring=scoring,
                                        max_table=max_vocab)
    theirs = sentences
    for _ in range(passes):
        model = phrases_module.Phrases(theirs, min_count=5, threshold=threshold,
                                       scoring=scoring, max_vocab_size=max_vocab)
        theirs = [model[s] for s in theirs]
    assert joined == theirs
    if passes == 1 or stats.passes[-1].prunings == 0:
        # (with pruning, gensim prunes the shared count of new_york and (new, york)
        # once, textembed each on its own: the documented corner)
        assert stats.passes[-1].len_vocab == len(model.vocab)
    assert any("_" in token for line in joined for token in line)
    if passes == 1:  # export_phrases splits tokens on the delimiter: pass 1 only
        assert scores_of(stats) == model.export_phrases()


# -- streaming --------------------------------------------------------------------

def test_file_in_small_blocks_equals_in_memory(tmp_path, monkeypatch):
    sentences = synthetic(n_lines=500, n_words=30, seed=3)
    text = "\n".join(" ".join(s) for s in sentences) + "\n"
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(text.upper(), encoding="utf-8")
    joined, _ = ph.phrase_sentences(sentences, passes=2, min_count=3, threshold=0.2,
                                    scoring="npmi")
    expected = "".join(" ".join(line) + "\n" for line in joined)
    for block_tokens in (ph._BLOCK_TOKENS, 7):  # 7: blocks cut lines anywhere
        monkeypatch.setattr(ph, "_BLOCK_TOKENS", block_tokens)
        out = tmp_path / f"out{block_tokens}.txt"
        stats = ph.apply_phrases(str(corpus), out, passes=2, min_count=3, threshold=0.2,
                                 scoring="npmi", tokenizer="whitespace")
        assert out.read_text(encoding="utf-8") == expected
        assert stats.lines == 500
        lines = text.splitlines()
        out = tmp_path / "from-lines.txt"
        ph.apply_phrases(lines, out, passes=2, min_count=3, threshold=0.2, scoring="npmi")
        assert out.read_text(encoding="utf-8") == expected
    assert sum(len(s) for s in joined) < sum(len(s) for s in sentences)


def test_keras_tokenizer_as_skipgram_reads(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("New York, New York!\nthe New-York times\n", encoding="utf-8")
    out = tmp_path / "out.txt"
    ph.apply_phrases(str(corpus), out, min_count=1, threshold=1.0)
    # new 3, york 3, the 1, times 1; new york 3 times of 5 pairs: (3-1)/9*9 = 2
    assert out.read_text(encoding="utf-8") == "new_york new_york\nthe new_york times\n"


# -- options ----------------------------------------------------------------------

@pytest.mark.parametrize("options, fragment", [
    (dict(threshold=0), "above 0"), (dict(threshold=-3), "above 0"),
    (dict(scoring="npmi", threshold=-1), "(-1, 1]"), (dict(scoring="npmi", threshold=1.5),
                                                      "(-1, 1]"),
    (dict(scoring="pmi"), "'default' or 'npmi'"), (dict(passes=0), "passes"),
    (dict(min_count=0), "min_count"), (dict(delimiter=" "), "delimiter"),
    (dict(delimiter=""), "delimiter"), (dict(max_table=0), "max_table")])
def test_bad_options(options, fragment):
    with pytest.raises(ValueError, match=None) as error:
        ph.check_options(**options)
    assert fragment in str(error.value)
    with pytest.raises(ValueError):
        ph.phrase_sentences(TINY, **options)


def test_npmi_threshold_one_is_allowed():
    ph.check_options(scoring="npmi", threshold=1.0)
    _, stats = ph.phrase_sentences(TINY, min_count=1, scoring="npmi", threshold=1.0)
    assert stats.passes[0].phrases == {}


def test_progress_bars_go_to_stderr(tmp_path, capsys):
    out = tmp_path / "out.txt"
    ph.apply_phrases(["a b c", "a b"] * 50, out, passes=2, min_count=1, threshold=0.01,
                     progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and "phrases, pass 2" in captured.err
    assert out.read_text(encoding="utf-8").splitlines()[:2] == ["a_b_c", "a_b"]
