"""Figures drawn with matplotlib, an optional extra (``pip install 'textembed[plot]'``):
the training curves and the reliability diagram of the report page, and the word map of
``textembed plot``.

matplotlib is imported inside the functions, never by ``import textembed``. Figures are
built as ``matplotlib.figure.Figure`` objects, without pyplot: no window backend is
chosen or needed, and the caller's pyplot state is left alone. :func:`inline_svg` turns a
figure into SVG markup for an HTML page; :func:`save` writes a picture file.
"""
import io
import os
import re

PLOT_EXTRA = "pip install 'textembed[plot]'"
FORMATS = ("png", "svg", "pdf")
TRAIN_COLOUR, VALID_COLOUR = "#1f77b4", "#d62728"
# Each word map's group in its own colour (matplotlib's tab10, then again).
GROUP_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
                 "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
_SVG_SETTINGS = {"svg.fonttype": "none",       # text as <text>: small, searchable
                 "svg.hashsalt": "textembed"}  # the same ids from the same figure


class MissingMatplotlib(ImportError):
    """matplotlib is not installed; the message says how to install it."""


def require_matplotlib(who="textembed"):
    """Raise :class:`MissingMatplotlib` ("``who`` needs matplotlib: pip install ...")
    unless matplotlib can be imported."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingMatplotlib(f"{who} needs matplotlib: {PLOT_EXTRA}") from None


def _figure(width, height):
    require_matplotlib()
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout="constrained")


def inline_svg(figure, prefix):
    """The figure as one ``<svg>`` element to put in an HTML page: no XML prologue or
    metadata, every ``id`` (and each reference to it) prefixed with ``prefix`` so that
    several figures can share a page."""
    import matplotlib
    out = io.StringIO()
    with matplotlib.rc_context(_SVG_SETTINGS):
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"\s*<metadata>.*?</metadata>", "", svg, flags=re.S)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))

    def renamed(match):
        return match.group(1) + (prefix + match.group(2) if match.group(2) in ids
                                 else match.group(2))

    return re.sub(r'(\bid="|href="#|url\(#)([^")]+)', renamed, svg).strip()


def save(figure, path):
    """Write the figure to ``path`` in the format its suffix names (png, svg, pdf),
    atomically."""
    from .io import atomic_output
    suffix = os.path.splitext(path)[1].lower().lstrip(".")
    if suffix not in FORMATS:
        raise ValueError(f"{path}: the picture format comes from the suffix: .png, .svg "
                         f"or .pdf")
    import matplotlib
    with matplotlib.rc_context(_SVG_SETTINGS), atomic_output(path, "wb") as out:
        figure.savefig(out, format=suffix, dpi=150)


def training_curves(history, reference=None):
    """A figure of two panels, loss and accuracy per epoch, training and validation.

    history: Keras' ``History.history`` dict (loss, accuracy or p@1, their val_
    versions; lists of float, one per epoch). reference: None or (label, value), a
    score drawn as a dashed line on the accuracy panel.
    """
    score = "p@1" if "p@1" in history else "accuracy"
    figure = _figure(8.0, 3.2)
    for panel, (key, title) in enumerate((("loss", "loss"), (score, score))):
        axes = figure.add_subplot(1, 2, panel + 1)
        for prefix, name, colour in (("", "training", TRAIN_COLOUR),
                                     ("val_", "validation", VALID_COLOUR)):
            values = history.get(prefix + key)
            if values:
                axes.plot(range(1, len(values) + 1), values, marker="o", markersize=3,
                          color=colour, label=name)
        if panel == 1 and reference is not None:
            axes.axhline(reference[1], color="#555555", linestyle="--", linewidth=1,
                         label=reference[0])
        axes.set_xlabel("epoch")
        axes.set_title(title)
        axes.grid(alpha=0.3)
        epochs = len(history.get("loss") or history.get(score) or [])
        if epochs:
            axes.set_xticks(_epoch_ticks(epochs))
        if axes.get_legend_handles_labels()[0]:
            axes.legend(fontsize="small")
    return figure


def _epoch_ticks(epochs):
    step = max(1, -(-epochs // 10))
    return list(range(1, epochs + 1, step))


def reliability_diagram(figures):
    """A reliability diagram: above, the accuracy of each confidence bin against the
    diagonal of perfect calibration; below, how many predictions fall in each bin.

    figures: the dict of :func:`textembed.classify.calibration.reliability`.
    """
    import numpy as np
    edges = np.asarray(figures["edges"])
    width = np.diff(edges)
    count = np.asarray(figures["count"])
    filled = count > 0
    figure = _figure(4.8, 4.8)
    grid = figure.add_gridspec(2, 1, height_ratios=(3, 1))
    top = figure.add_subplot(grid[0])
    top.plot([0, 1], [0, 1], color="#555555", linestyle="--", linewidth=1,
             label="perfect calibration")
    top.bar(edges[:-1][filled], np.asarray(figures["accuracy"])[filled], width=width[filled],
            align="edge", color=TRAIN_COLOUR, alpha=0.75, edgecolor="white",
            label="accuracy in the bin")
    top.plot(np.asarray(figures["confidence"])[filled],
             np.asarray(figures["accuracy"])[filled], "o", color=VALID_COLOUR, markersize=3,
             label="mean confidence")
    top.set_xlim(0, 1)
    top.set_ylim(0, 1)
    top.set_ylabel("accuracy")
    top.set_title(f"ECE {figures['ece']:.4f}")
    top.legend(fontsize="small", loc="upper left")
    bottom = figure.add_subplot(grid[1], sharex=top)
    bottom.bar(edges[:-1], count, width=width, align="edge", color="#7f7f7f",
               edgecolor="white")
    bottom.set_xlabel("confidence (the top probability)")
    bottom.set_ylabel("predictions")
    return figure


def word_map(points, words, groups, queries):
    """A scatter plot of words, each labelled, each group in its colour.

    points: float (n, 2) positions; words: n str; groups: int (n,) the query each word
    belongs to; queries: the query words (drawn larger, in bold), in group order.
    """
    figure = _figure(8.0, 6.0)
    axes = figure.add_subplot()
    for g, query in enumerate(queries):
        colour = GROUP_COLOURS[g % len(GROUP_COLOURS)]
        members = [i for i in range(len(words)) if groups[i] == g]
        axes.scatter([points[i][0] for i in members], [points[i][1] for i in members],
                     s=[60 if words[i] == query else 20 for i in members], color=colour,
                     label=query)
        for i in members:
            axes.annotate(words[i], (points[i][0], points[i][1]), xytext=(4, 3),
                          textcoords="offset points", color=colour,
                          fontweight="bold" if words[i] == query else "normal",
                          fontsize=11 if words[i] == query else 9)
    axes.margins(0.12)  # room for the labels of the outermost words
    axes.set_xlabel("first principal component")
    axes.set_ylabel("second principal component")
    axes.grid(alpha=0.3)
    if len(queries) > 1:
        axes.legend(fontsize="small")
    return figure
