"""textembed.plotting: figures as inline SVG (ids kept apart) and as files, chosen by
their suffix."""
import re
import sys
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from textembed import plotting
from textembed.classify.calibration import reliability

HISTORY = {"loss": [0.9, 0.5, 0.4], "accuracy": [0.6, 0.8, 0.85],
           "val_loss": [0.8, 0.6, 0.62], "val_accuracy": [0.7, 0.75, 0.74]}


def test_inline_svg_is_one_element_with_its_own_ids():
    first = plotting.inline_svg(plotting.training_curves(HISTORY, ("reference", 0.8)), "a-")
    second = plotting.inline_svg(plotting.training_curves(HISTORY), "b-")
    for svg, prefix in ((first, "a-"), (second, "b-")):
        assert svg.startswith("<svg") and svg.endswith("</svg>")
        root = ElementTree.fromstring(svg)
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        ids = re.findall(r'\bid="([^"]+)"', svg)
        assert ids and all(i.startswith(prefix) for i in ids)
        references = re.findall(r'href="#([^"]+)"|url\(#([^)]+)\)', svg)
        assert references and all((a or b) in ids for a, b in references)
        assert "<metadata" not in svg and "http://purl" not in svg
    assert not set(re.findall(r'\bid="([^"]+)"', first)) & set(
        re.findall(r'\bid="([^"]+)"', second))
    texts = [t.text for t in ElementTree.fromstring(first).iter(
        "{http://www.w3.org/2000/svg}text")]
    assert {"loss", "accuracy", "training", "validation", "reference"} <= set(texts)


def test_curves_of_training_figures_only():
    svg = plotting.inline_svg(plotting.training_curves({"loss": [1.0, 0.5],
                                                        "p@1": [0.5, 0.7]}), "c-")
    texts = {t.text for t in ElementTree.fromstring(svg).iter(
        "{http://www.w3.org/2000/svg}text")}
    assert "p@1" in texts and "training" in texts and "validation" not in texts


@pytest.mark.parametrize("suffix, magic", [("png", b"\x89PNG"), ("pdf", b"%PDF"),
                                           ("svg", b"<?xml")])
def test_save_writes_the_format_of_the_suffix(tmp_path, suffix, magic):
    rng = np.random.default_rng(0)
    confidence = rng.uniform(0.3, 1, 200)
    figure = plotting.reliability_diagram(reliability(confidence, rng.random(200) < confidence))
    plotting.save(figure, str(tmp_path / f"r.{suffix}"))
    assert (tmp_path / f"r.{suffix}").read_bytes().startswith(magic)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"r.{suffix}"]


def test_save_refuses_an_unknown_suffix(tmp_path):
    with pytest.raises(ValueError, match=".png, .svg or .pdf"):
        plotting.save(plotting.training_curves(HISTORY), str(tmp_path / "r.gif"))
    assert list(tmp_path.iterdir()) == []


def test_missing_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(plotting.MissingMatplotlib) as error:
        plotting.require_matplotlib("textembed plot")
    assert str(error.value) == "textembed plot needs matplotlib: pip install 'textembed[plot]'"
