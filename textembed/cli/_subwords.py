"""The subword options of ``skipgram`` and the model loading of ``similar``,
``evaluate`` and ``embed`` (a fastText ``.bin`` model gives unseen words vectors)."""
import click

from ..io import check_output_path
from .._defaults import SUBWORD_DEFAULTS

_VECTOR_SUFFIXES = (".vec", ".txt", ".bin")


def subword_options():
    """--subwords, --minn, --maxn, --bucket (the last three need --subwords)."""
    def apply(command):
        for decorator in reversed([
            click.option("--subwords", is_flag=True,
                         help="fastText's model: a word is the mean of its vector and its "
                              "character n-grams' (unseen words get vectors); also writes "
                              "OUT.bin, a fastText model."),
            click.option("--minn", type=click.IntRange(min=1), default=None,
                         help=f"Shortest n-gram, in characters [{SUBWORD_DEFAULTS['minn']}]."),
            click.option("--maxn", type=click.IntRange(min=0), default=None,
                         help=f"Longest n-gram, 0: none [{SUBWORD_DEFAULTS['maxn']}]."),
            click.option("--bucket", type=click.IntRange(min=1, max=(1 << 31) - 1),
                         default=None,
                         help=f"Rows the n-grams are hashed into "
                              f"[{SUBWORD_DEFAULTS['bucket']:,}]."),
        ]):
            command = decorator(command)
        return command
    return apply


def check_subword_options(subwords, minn, maxn, bucket):
    """The train() keywords of the subword options; usage errors for bad combinations."""
    given = {"--minn": minn, "--maxn": maxn, "--bucket": bucket}
    if not subwords:
        for name, value in given.items():
            if value is not None:
                raise click.UsageError(f"{name} sets the character n-grams of --subwords: "
                                       "add --subwords (or drop it)")
        return {}
    minn = SUBWORD_DEFAULTS["minn"] if minn is None else minn
    maxn = SUBWORD_DEFAULTS["maxn"] if maxn is None else maxn
    bucket = SUBWORD_DEFAULTS["bucket"] if bucket is None else bucket
    if maxn > 0 and minn > maxn:
        raise click.BadParameter(f"{minn} is above --maxn {maxn}: no n-gram length fits",
                                 param_hint="'--minn'")
    return {"subwords": True, "minn": minn, "maxn": maxn, "bucket": bucket}


def subword_model_path(output):
    """Where the fastText model goes: OUT.bin beside the vectors OUT.vec (OUT without
    .gz/.bz2 and .vec/.txt/.bin); a usage error when that is the vectors file itself."""
    base = output
    for suffix in (".gz", ".bz2"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    for suffix in _VECTOR_SUFFIXES:
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    path = base + ".bin"
    if path == output:
        raise click.BadParameter(f"with --subwords the model goes to {path}, the name of the "
                                 f"vectors: write the vectors elsewhere (e.g. -o {base}.vec, "
                                 "without --binary)", param_hint="'-o' / '--output'")
    check_output_path(path)
    return path


def load_any_vectors(path):
    """SubwordVectors from a fastText ``.bin`` model, else WordVectors (word2vec file)."""
    from ..word2vec.subword_vectors import load_vectors

    return load_vectors(path)


def unseen_note(vectors, words):
    """The note for query words built from their n-grams, or None."""
    unseen = [w for w in words if getattr(vectors, "is_unseen", None) and vectors.is_unseen(w)]
    if not unseen:
        return None
    names = ", ".join(repr(w) for w in unseen)
    return (f"{names}: not in the vocabulary: built from {'its' if len(unseen) == 1 else 'their'}"
            " character n-grams")
