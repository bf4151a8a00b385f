"""The ``bag`` architecture behind a :class:`~.model.TextClassifier`: an
:class:`~.bag.NgramBag` built from the recipe, its out-of-fold validation and its
saved form (named arrays in model.npz, the configuration in preprocessing.json)."""
import numpy as np

from .._version import __version__
from ..progress import say
from .model_dir import FORMAT, FORMAT_VERSION


class BagModel:
    """See the module docstring; ``owner`` is the TextClassifier."""

    def __init__(self, owner):
        self.owner = owner
        self.model = None
        self.train_scores = None
        self.history = None
        self.history_source = None
        self.heldout_index = None
        self.report = {}
        self.quantized = False

    def fit(self, train):
        from .bag import NgramBag
        o, r = self.owner, self.owner.recipe
        n_classes = len(o.classes_)
        naive_bayes_terms = n_classes <= r["max_nb_classes"]
        self.model = NgramBag(
            n_classes, o.multilabel_,
            features={"word_ngrams": r["word_ngrams"], "minn": r["minn"], "maxn": r["maxn"],
                      "filters": r["token_filters"], "min_df": r["min_df"]},
            epochs=o.epochs, learning_rate=r["learning_rate"], l2=r["l2"],
            nb_scale=r["nb_scale"] and naive_bayes_terms,
            naive_bayes=r["naive_bayes"] and naive_bayes_terms, folds=r["folds"],
            calibrate=o.calibrate, select_features=r["select_features"], seed=o.seed,
            threads=o.threads)
        truth = o._truth(train)
        self.model.fit(train.texts, labels=None if o.multilabel_ else train.y,
                       label_rows=train.label_rows, targets=train.targets)
        self.train_scores = (self.model.train_logits, truth)
        self.history, self.history_source = self.model.history, self.model.history_source
        bag_report = self.model.report
        self.report = {"train_seconds": bag_report["seconds"], "epochs": o.epochs,
                       "folds": bag_report["folds"], "features": bag_report["features"],
                       "train_samples": len(train.texts),
                       "valid_samples": len(train.texts) if bag_report["folds"] else 0,
                       "mix": [float(a) for a in self.model.mix]}
        if "character_ngrams" in bag_report:
            self.report["character_ngrams"] = bag_report["character_ngrams"]
        say(o.verbose, f"bag: {bag_report['features']:,} n-gram features, "
                       f"{bag_report['folds']} folds, {bag_report['seconds']:.1f} s")
        if self.model.oof_logits is None:
            return None
        self.heldout_index = np.arange(len(train.texts))
        return self.model.oof_logits, truth

    def decision_function(self, texts, batch_size=256):
        return self.model.decision_function(texts)

    def compact(self, cutoff=None, quantize=True, train=None):
        """Keep the ``cutoff`` most important features (then, given the training
        examples ``train``, train the members again on those alone: the mix and the
        calibration stay) and store the arrays quantized (see :mod:`.compact`). The
        model in memory takes the stored values, so it predicts as the saved one."""
        from .compact import cutoff as cut, dequantize_arrays, quantize_arrays
        bag = self.model
        if cutoff is not None:
            cut(bag, int(cutoff))
            if train is not None:
                o = self.owner
                rows = bag.features.transform(train.texts)
                bag.members = bag._train(rows, np.zeros(len(rows), np.int32) if o.multilabel_
                                         else train.y, train.label_rows, None, bag.seed)
        if quantize:
            arrays = dequantize_arrays(quantize_arrays(bag.arrays()))
            for i, member in enumerate(bag.members):
                prefix = f"member{i}_"
                member.set_state({k[len(prefix):]: v for k, v in arrays.items()
                                  if k.startswith(prefix)})
            self.quantized = True
        self.report.update(features=bag.features.n_features, quantized=self.quantized,
                           cutoff=cutoff)

    def settings(self):
        o = self.owner
        return {"format": FORMAT, "format_version": FORMAT_VERSION,
                "textembed_version": __version__, "kind": "ngram", "arch": o.arch,
                "default": o.is_default, "quantized": self.quantized,
                "bag": self.model.get_config()}

    def save_arrays(self, path):
        from .compact import quantize_arrays
        arrays = self.model.arrays()
        with open(path, "wb") as f:
            np.savez(f, **(quantize_arrays(arrays) if self.quantized else arrays))

    @classmethod
    def restore(cls, owner, settings, path):
        from .bag import NgramBag
        from .compact import dequantize_arrays, is_quantized
        self = cls(owner)
        with np.load(path, allow_pickle=False) as stored:
            arrays = dict(stored)
        self.quantized = is_quantized(arrays)
        self.model = NgramBag.from_saved(settings["bag"], dequantize_arrays(arrays))
        return self
