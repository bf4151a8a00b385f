"""Write tests/golden/subword_hashes.json: fastText's own n-grams and row ids of a few words.

A tiny fastText skip-gram is trained on a few lines (the words below, each
once per line) with n-grams of 2-5 characters in 1,000,003 buckets, and for
every word (in the vocabulary or not) ``get_subwords`` gives the n-gram
strings and their input rows (a known word's own row first). The words cover
ASCII, accented Latin, CJK, emoji (4-byte UTF-8), a word of one character,
and words with repeated n-grams. tests/test_word2vec_subwords.py compares
textembed's hashing with them, so the suite does not need fastText.

Needs fastText's Python module (pip install fasttext-wheel):
    python scripts/make_golden_subwords.py
"""
import json
import os
import tempfile

import fasttext

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "golden", "subword_hashes.json")
KNOWN = ["the", "cat", "banana", "naïve", "café", "straße", "東京", "über", "a", "ÿ",
         "emoji😀", "mississippi", "Ωmega"]
UNSEEN = ["zebra", "catt", "naïveté", "東京都", "😀😀", "x", "ab", "supercalifragilistic"]
SETTINGS = dict(minn=2, maxn=5, bucket=1_000_003)


def main():
    with tempfile.TemporaryDirectory() as scratch:
        corpus = os.path.join(scratch, "words.txt")
        with open(corpus, "w", encoding="utf-8") as out:
            for _ in range(20):
                out.write(" ".join(KNOWN) + "\n")
        model = fasttext.train_unsupervised(corpus, model="skipgram", dim=4, epoch=1,
                                            minCount=1, thread=1, verbose=0, **SETTINGS)
        words = model.get_words()
        cases = []
        for word in KNOWN + UNSEEN:
            grams, ids = model.get_subwords(word)
            cases.append({"word": word, "id": model.get_word_id(word), "ngrams": list(grams),
                          "rows": [int(i) for i in ids]})
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump({"settings": dict(SETTINGS, n_words=len(words)), "words": words,
                   "cases": cases}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    print(f"wrote {OUT}: {len(cases)} words")


if __name__ == "__main__":
    main()
