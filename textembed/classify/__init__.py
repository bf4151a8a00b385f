"""Sequence classification from labelled text: reading labelled files, the
classifier pipeline (tokenize, pad, embed, network, train, save) and its
metrics. The ``train-classifier``, ``predict`` and ``test-classifier``
commands are thin shells over this package.

* :mod:`.data`: :func:`read_labelled` (tsv, csv, label-first, fastText
  formats, detected or named) returning :class:`LabelledTexts`.
* :mod:`.metrics`: accuracy, per-class precision/recall/F1, confusion matrix.
* :mod:`.model`: :class:`TextClassifier` (fit, predict, predict_proba,
  save, load), built from :mod:`.architectures` (name -> recipe and body) by
  :mod:`.network`, with :mod:`.splits`, :mod:`.pretrained` and saved by
  :mod:`.model_dir`.
* :mod:`.cross_validation`: :func:`cross_validate`.
"""


def __getattr__(name):
    # Lazy, so ``import textembed.classify`` costs nothing until used.
    from importlib import import_module

    homes = {
        "LabelledTexts": ".data", "read_labelled": ".data", "read_lines": ".data",
        "classification_report": ".metrics", "format_report": ".metrics",
        "TextClassifier": ".model", "cross_validate": ".cross_validation",
        "is_model_dir": ".model_dir",
    }
    if name not in homes:
        raise AttributeError(f"module 'textembed.classify' has no attribute {name!r}")
    return getattr(import_module(homes[name], __name__), name)
