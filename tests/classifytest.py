"""Labelled data for the classifier tests: each text holds one keyword of its
class among filler words, so a working classifier must reach ~100%. The
``data`` and ``fitted`` fixtures (conftest.py) are built from them."""
import numpy as np

CLASSES = ("red", "green", "blue")
KEYWORDS = {c: [f"{c}{i}" for i in range(4)] for c in CLASSES}
FILLER = [f"w{i}" for i in range(40)]


def make_data(n, seed, classes=CLASSES, keywords=None):
    """Texts whose label is the family of the one keyword they contain (filler words
    around); ``keywords``: class -> its keywords (default :data:`KEYWORDS`)."""
    keywords = KEYWORDS if keywords is None else keywords
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = classes[rng.integers(len(classes))]
        words = list(rng.choice(FILLER, size=rng.integers(3, 9)))
        words.insert(int(rng.integers(len(words) + 1)), rng.choice(keywords[label]))
        texts.append(" ".join(words))
        labels.append(label)
    return texts, labels


def make_noisy_data(n, seed, noise=0.2, rename=None):
    """:func:`make_data` with a share ``noise`` of the labels drawn at random (so a model makes
    errors); ``rename``: label -> the name it is written as."""
    texts, labels = make_data(n, seed)
    rng = np.random.default_rng(seed + 100)
    labels = [str(rng.choice(CLASSES)) if rng.random() < noise else y for y in labels]
    return texts, [(rename or {}).get(y, y) for y in labels]


# Small networks that learn the keyword labelling in a few seconds.
TINY = {
    "embedding-bag": dict(embed_dim=16, epochs=20, bigram_buckets=0, learning_rate=0.02),
    "cnn": dict(embed_dim=16, epochs=10, filters=8, widths=(2, 3), learning_rate=1.0),
    "gru": dict(embed_dim=16, epochs=12, units=16, learning_rate=0.01),
}

