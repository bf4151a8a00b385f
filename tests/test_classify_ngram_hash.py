"""classify.ngram_hash: the Python hashes of a few texts equal the kernel's."""
import subprocess
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from textembed.classify import ngrams
from textembed.classify.ngram_hash import text_hashes, tokens

ALPHABET = "abcdeéßİ日本 ,.!?-'\"\t\n\r\x00"


def _kernel_hashes(texts, features):
    """Through the numba kernel: more texts than the Python path takes."""
    padded = list(texts) + [""] * (ngrams.FEW_TEXTS + 1)
    hashes, offsets = features.hashes(padded)
    return [set(hashes[a:b].tolist()) for a, b in zip(offsets[:-1], offsets[1:])][:len(texts)]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=40), min_size=1, max_size=8),
       st.sampled_from([(1, 0, 0), (2, 2, 5), (3, 1, 3)]))
def test_python_hashes_equal_the_kernels(texts, shape):
    word_ngrams, minn, maxn = shape
    features = ngrams.NgramFeatures(word_ngrams=word_ngrams, minn=minn or 1, maxn=maxn)
    expected = _kernel_hashes(texts, features)
    for text, kernel in zip(texts, expected):
        assert text_hashes(text, features.filters, word_ngrams, features.minn, maxn) == kernel


def test_tokens_split_as_the_byte_batch():
    assert tokens("The CAT, sat\x00on-the mat.", '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n') == [
        b"the", b"cat", b"sat", b"on", b"the", b"mat"]
    assert tokens("Éclair ÉCOLE", "") == ["éclair".encode(), "école".encode()]


def test_predicting_a_few_lines_loads_no_numba(tmp_path):
    from textembed.classify.model import TextClassifier
    texts = [f"good film {i}" if i % 2 else f"bad film {i}" for i in range(60)]
    labels = ["pos" if i % 2 else "neg" for i in range(60)]
    TextClassifier(verbose=0).fit(texts, labels).save(tmp_path / "m")
    code = ("import sys\nfrom textembed.classify.model import TextClassifier\n"
            f"m = TextClassifier.load({str(tmp_path / 'm')!r})\n"
            "print(m.predict(['a good film', 'a bad one']), 'numba' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")[0]
    assert out == "['pos', 'neg'] False"
