"""Why a text got its label: each token's contribution to the label's score.

* The bag (method ``"linear"``): its models' scores are sums over the text's
  n-gram features, so a feature's part is exact. A feature counts for the
  label by its weight for that label, centred over the classes (softmax only
  compares them), times the member's share of the mix and its calibration
  scale; the calibration's power, one monotone bend of the total, is left
  out. A word gets its own feature and its character n-grams; a word n-gram
  is shared equally by its words (and listed on its own too).
* A network (method ``"occlusion"``): the drop of the label's probability
  when the token is taken out of the text.

:func:`top_features` lists the words that raise a label most (bag only).
"""
import numpy as np

from .ngram_hash import ngram_hash, text_hashes, tokens as byte_tokens


def _effects(bag):
    """float64 (n_features, C): each feature's effect on every class's calibrated
    score, linearised (see the module docstring)."""
    out = 0.0
    final = bag.final.scale if bag.calibrate else 1.0
    for share, calibration, member in zip(bag.mix, bag.calibrations, bag.members):
        state = member.state()
        if "weights" in state:
            w = np.asarray(state["weights"], np.float64)
            if state["binary"]:  # scores (-z/2, z/2)
                w = np.concatenate([-w / 2, w / 2], axis=1)
        else:
            w = np.asarray(member.log_prob, np.float64)
        if not bag.multilabel:
            w = w - w.mean(axis=1, keepdims=True)
        out = out + share * calibration.scale * final * w
    return out


def _column(keys, hashes):
    """Columns of ``hashes`` among the sorted ``keys`` (-1 where absent)."""
    if not keys.size or not len(hashes):
        return np.full(len(hashes), -1)
    hashes = np.asarray(hashes, np.int64)
    at = np.minimum(np.searchsorted(keys, hashes), keys.size - 1)
    return np.where(keys[at] == hashes, at, -1)


def explain_bag(bag, text, label):
    """(token weights [(token, weight)], n-gram weights [(n-gram, weight)]) of one text
    for class index ``label``."""
    features = bag.features
    effects = _effects(bag)[:, label]
    words = [t.decode("utf-8", "surrogatepass") for t in byte_tokens(text, features.filters)]
    weights = np.zeros(len(words))
    for i, word in enumerate(words):  # the word and its character n-grams
        own = text_hashes(word, "", 1, features.minn, features.maxn)
        columns = _column(features.keys, sorted(own))
        weights[i] += effects[columns[columns >= 0]].sum()
    grams = []
    for n in range(2, features.word_ngrams + 1):
        for i in range(len(words) - n + 1):
            phrase = " ".join(words[i:i + n])
            column = _column(features.keys, [ngram_hash(words[i:i + n])])[0]
            if column >= 0:
                weights[i:i + n] += effects[column] / n
                grams.append((phrase, float(effects[column])))
    return list(zip(words, weights.tolist())), grams


def explain_by_occlusion(classifier, text, label, tokenize):
    """[(token, weight)]: the drop of class ``label``'s probability without each token."""
    words = tokenize(text)
    if not words:
        return []
    variants = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probs = classifier.predict_proba([" ".join(words)] + variants)[:, label]
    return [(w, float(probs[0] - p)) for w, p in zip(words, probs[1:])]


def top_features(bag, label, n=20):
    """The ``n`` words whose own feature raises class ``label`` most: [(word, weight)]."""
    words, columns = bag.features.word_columns()
    if not words:
        return []
    effects = _effects(bag)[columns, label]
    order = np.argsort(-effects, kind="stable")[:n]
    return [(words[i], float(effects[i])) for i in order]
