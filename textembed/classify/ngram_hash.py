"""The n-gram hashes of one text in plain Python: the values of
:func:`textembed.kernels.ngram_kernels.ngram_hashes`, for a few texts at a time.

Loading numba's compiled kernels costs a quarter of a second; predicting one
line should not. The arithmetic is the kernel's, in Python integers held to
64 bits: FNV-1a over a token's UTF-8 bytes, word n-grams chained with the
golden ratio, character n-grams over the word framed by the bytes 2 and 3,
each hash finalised by splitmix64's output function with its kind's tag.
"""
import re
from functools import lru_cache

_MASK = (1 << 64) - 1
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_GOLDEN = 0x9E3779B97F4A7C15
_TAG_WORD = 0x5752440000000000
_TAG_CHAR = 0x4348520000000000
_WORD_START, _WORD_END = b"\x02", b"\x03"


def _mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _fnv(data, h=_FNV_OFFSET):
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h


def _signed(h):
    return h - (1 << 64) if h >> 63 else h


@lru_cache(maxsize=16)
def _splitter(filters):
    """A regular expression matching runs of the separator bytes (ASCII filters,
    the space and NUL, as :class:`textembed.byte_batch.ByteBatch` splits)."""
    separators = sorted({ord(c) for c in filters + " \x00" if ord(c) < 128})
    return re.compile(b"[" + b"".join(re.escape(bytes([c])) for c in separators) + b"]+")


def tokens(text, filters):
    """The tokens of ``text`` as UTF-8 bytes, lower-cased and split as the kernels do."""
    lowered = text if text.isascii() else text.lower()
    data = lowered.encode("utf-8", "surrogatepass").lower()
    return [t for t in _splitter(filters).split(data) if t]


def _characters(token):
    """The token's UTF-8 characters (bytes each), framed by the two marks."""
    chars = [_WORD_START]
    start = 0
    for i in range(1, len(token) + 1):
        if i == len(token) or (token[i] & 0xC0) != 0x80:
            chars.append(token[start:i])
            start = i
    chars.append(_WORD_END)
    return chars


def word_hash(word):
    """The hash of the single-word feature of ``word`` (a token, already lower-cased)."""
    return ngram_hash([word])


def ngram_hash(words):
    """The hash of the word n-gram ``words`` (a list of n tokens, str, lower-cased)."""
    h = _fnv(words[0].encode("utf-8", "surrogatepass"))
    for word in words[1:]:
        h = (h * _GOLDEN + _fnv(word.encode("utf-8", "surrogatepass"))) & _MASK
    return _signed(_mix64(h ^ _TAG_WORD ^ len(words)))


def text_hashes(text, filters, word_ngrams, minn, maxn):
    """The set of the text's n-gram hashes (signed 64-bit ints)."""
    words = [_fnv(t) for t in tokens(text, filters)]
    out = set()
    for t, h in enumerate(words):
        out.add(_signed(_mix64(h ^ _TAG_WORD ^ 1)))
        for length in range(2, word_ngrams + 1):
            if t + length > len(words):
                break
            h = (h * _GOLDEN + words[t + length - 1]) & _MASK
            out.add(_signed(_mix64(h ^ _TAG_WORD ^ length)))
    if maxn:
        for token in tokens(text, filters):
            chars = _characters(token)
            for first in range(len(chars)):
                h = _FNV_OFFSET
                for last in range(first, min(first + maxn, len(chars))):
                    h = _fnv(chars[last], h)
                    if last - first + 1 >= minn:
                        out.add(_signed(_mix64(h ^ _TAG_CHAR ^ (last - first + 1))))
    return out
