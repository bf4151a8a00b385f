"""`textembed report`, `train-classifier --report` and `textembed plot`, run in-process
through ``cli.main``; the page read back with html.parser, and in a real headless browser
where one is installed."""
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import numpy as np
import pytest

from classifytest import make_noisy_data
from clitest import assert_one_error, folder, run_main, write
from pagetest import SECTIONS, SVG, Page, assert_self_contained, svg_figures
from textembed.word2vec import WordVectors, load_word2vec_format
from textembed.word2vec.projection import neighbourhoods

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
MATPLOTLIB = "needs matplotlib: pip install 'textembed[plot]'"


def _tsv(path, data):
    texts, labels = data
    return write(path, "".join(f"{y}\t{t}\n" for t, y in zip(texts, labels)))


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    where = tmp_path_factory.mktemp("report")
    return (_tsv(where / "train.tsv", make_noisy_data(400, 1)),
            _tsv(where / "test.tsv", make_noisy_data(200, 2)))


@pytest.fixture(scope="module")
def trained(files, tmp_path_factory):
    """(model directory, its report page): trained with --test and --report."""
    where = tmp_path_factory.mktemp("trained")
    train, test = files
    assert run_main("train-classifier", train, "-o", where / "model", "--test", test,
                    "--report", where / "page.html", "--seed", "1", "--threads", "1",
                    "-q") == 0
    return where / "model", where / "page.html"


def _metric_columns(page):
    """{figure: {column name: text}} of the summary's metrics table."""
    rows = page.tables["metrics"]
    return {row[0]: dict(zip(rows[0][1:], row[1:])) for row in rows[1:]}


def test_train_classifier_report_judges_the_test_data(trained, files):
    model, path = trained
    page = assert_self_contained(path.read_text("utf-8"))
    assert page.headings["h2"] == SECTIONS
    assert dict(page.tables["facts"])["evaluated on"] == f"--test {files[1]}: 200 examples"
    accuracy = _metric_columns(page)["accuracy"]
    assert accuracy[f"--test {files[1]}"] == accuracy["test"]   # the same data, two ways
    assert len(page.tables["errors-table"]) == 21                # the header and 20 errors


def test_train_classifier_report_without_test_data_uses_the_held_out_scores(
        invoke, files, tmp_path):
    code, _, err = invoke("train-classifier", files[0], "-o", tmp_path / "m", "--report",
                          tmp_path / "p.html", "--threads", "1")
    assert code == 0, err
    assert f"report written to {tmp_path / 'p.html'}" in err
    page = Page((tmp_path / "p.html").read_text("utf-8"))
    held = f"TRAIN {files[0]}, held out"
    assert dict(page.tables["facts"])["evaluated on"].startswith(f"{held}: 400 examples")
    for figure, columns in _metric_columns(page).items():   # out of fold, as validated
        assert columns[held] == columns["validation"], figure
    assert "scored by a model trained without it" in page.text


def test_report_with_and_without_a_labelled_file(invoke, trained, files, tmp_path):
    model, _ = trained
    code, out, err = invoke("report", model, files[1], "-o", tmp_path / "r.html")
    assert code == 0, err
    assert out == ""
    assert err.splitlines()[-1].startswith("report: bag model, judged on 200 examples; "
                                           f"written to {tmp_path / 'r.html'} in ")
    page = assert_self_contained((tmp_path / "r.html").read_text("utf-8"))
    assert page.headings["h2"] == SECTIONS
    assert len(svg_figures((tmp_path / "r.html").read_text("utf-8"))) == 2
    code, _, err = invoke("report", model, "-o", tmp_path / "bare.html", "-q")
    assert code == 0 and err == ""
    text = (tmp_path / "bare.html").read_text("utf-8")
    page = assert_self_contained(text)
    assert page.headings["h2"] == ["Summary", "Training curves", "Evaluation"]
    assert "needs a labelled file" in page.text and len(svg_figures(text)) == 1
    assert folder(tmp_path) == ["bare.html", "r.html"]


def test_report_reads_standard_input_in_any_layout(invoke, trained, files, tmp_path):
    model, _ = trained
    lines = files[1].read_text("utf-8").splitlines()[:50]
    fasttext = "".join(f"__label__{line.replace(chr(9), ' ', 1)}\n" for line in lines)
    code, _, err = invoke("report", model, "-", "-o", tmp_path / "r.html", "-q",
                          stdin=fasttext.encode())
    assert code == 0, err
    page = Page((tmp_path / "r.html").read_text("utf-8"))
    assert dict(page.tables["facts"])["evaluated on"] == "standard input: 50 examples"


def test_report_bad_inputs(invoke, trained, tmp_path):
    model, _ = trained
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    write(foreign / "notes.txt", "not a model\n")
    empty = write(tmp_path / "empty.tsv", "")
    plain = write(tmp_path / "plain.txt", "the cat sat on the mat\nit rains in spain\n")
    out = tmp_path / "r.html"
    for args, code, fragment in [
            ((tmp_path / "nope", "-o", out), 1, "no such directory"),
            ((foreign, "-o", out), 1, "not a textembed model directory"),
            ((model, empty, "-o", out), 1, "the file is empty"),
            ((model, tmp_path / "missing.tsv", "-o", out), 1, "no such file"),
            ((model, plain, "-o", out), 1, "none of its 2 lines has a label of the model"),
            ((model, "-o", tmp_path / "no" / "r.html"), 1, "does not exist"),
            ((model, "-o", tmp_path), 1, "is a directory"),
            ((model,), 2, "-o OUT.html")]:
        result, stdout, err = invoke("report", *args, "-q")
        assert_one_error(result, err, code, fragment)
        assert stdout == ""
    assert not out.exists()


def test_report_interrupted_leaves_the_old_page(invoke, trained, tmp_path, monkeypatch):
    from textembed.classify import report

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    model, _ = trained
    old = write(tmp_path / "r.html", "old page")
    monkeypatch.setattr(report, "report_page", interrupted)
    code, _, err = invoke("report", model, "-o", old)
    assert code == 130 and "interrupted" in err
    assert old.read_text() == "old page" and folder(tmp_path) == ["r.html"]


def test_without_matplotlib_one_line_and_nothing_done(invoke, trained, files, tmp_path,
                                                      monkeypatch):
    model, _ = trained
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib fails
    for args, who in [(("report", model, "-o", tmp_path / "r.html"), "textembed report"),
                      (("plot", tmp_path / "v.vec", "cat", "-o", tmp_path / "m.png"),
                       "textembed plot"),
                      (("train-classifier", files[0], "-o", tmp_path / "m", "--report",
                        tmp_path / "r.html"), "textembed train-classifier --report")]:
        code, out, err = invoke(*args)
        assert_one_error(code, err, 1)
        assert err == f"textembed: error: {who} {MATPLOTLIB}\n"
    assert folder(tmp_path) == []                         # no model trained, no file


@pytest.mark.parametrize("args", [["--report", "r.html", "--cv", "3"]])
def test_report_does_not_combine_with_cv(invoke, files, args):
    code, _, err = invoke("train-classifier", files[0], *args)
    assert_one_error(code, err, 2, "--report does not combine with --cv")


# -- in a real browser ---------------------------------------------------------------

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def test_the_page_loads_in_a_headless_browser(trained, tmp_path):
    browser = next((shutil.which(b) for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        pytest.skip("no chromium or google-chrome on PATH")
    _, path = trained
    done = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                           f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
                           path.resolve().as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    page = Page(done.stdout)  # the DOM the browser built from the file
    assert page.headings["h2"] == SECTIONS
    assert page.tags.count("svg") == 2 and "confusion-matrix" in page.tables


# -- plot ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def vectors(tmp_path_factory):
    """Three families of six words (a0..a5, b0.., c0..) around three directions."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 12))
    words = [f"{f}{i}" for f in "abc" for i in range(6)]
    rows = np.repeat(centres, 6, axis=0) + 0.2 * rng.normal(size=(18, 12))
    path = tmp_path_factory.mktemp("vectors") / "v.vec"
    WordVectors(words, rows.astype(np.float32)).save_word2vec_format(str(path))
    return path


def test_plot_draws_the_words_and_their_neighbours(invoke, vectors, tmp_path):
    code, out, err = invoke("plot", vectors, "a0", "b0", "-n", "3", "-o", tmp_path / "m.svg")
    assert code == 0, err
    assert out == "" and err.startswith("plot: 8 words (2 asked, up to 3 neighbours each) "
                                        f"drawn to {tmp_path / 'm.svg'}")
    root = ElementTree.parse(tmp_path / "m.svg").getroot()
    labels = [t.text for t in root.iter(f"{SVG}text")]
    expected, _ = neighbourhoods(load_word2vec_format(str(vectors)), ["a0", "b0"], 3)
    words = set(load_word2vec_format(str(vectors)).words)
    assert {w for w in labels if w in words} == set(expected) and len(expected) == 8
    assert {w[0] for w in expected} == {"a", "b"}   # each word's neighbours, its family
    for suffix, magic in (("png", b"\x89PNG"), ("pdf", b"%PDF")):
        code, _, err = invoke("plot", vectors, "c1", "-o", tmp_path / f"m.{suffix}", "-q")
        assert code == 0 and err == ""
        assert (tmp_path / f"m.{suffix}").read_bytes().startswith(magic)
    assert folder(tmp_path) == ["m.pdf", "m.png", "m.svg"]


def test_plot_bad_inputs(invoke, vectors, tmp_path):
    for args, code, fragment in [
            ((vectors, "a0", "zzz", "-o", tmp_path / "m.png"), 1, "'zzz' is not in the "
                                                                  "vocabulary"),
            ((vectors, "-o", tmp_path / "m.png"), 2, "WORD"),
            ((vectors, "a0", "-o", tmp_path / "m.gif"), 2, ".png, .svg or .pdf"),
            ((vectors, "a0"), 2, "-o FILE"),
            ((vectors, "a0", "-o", tmp_path / "no" / "m.png"), 1, "does not exist"),
            ((tmp_path / "none.vec", "a0", "-o", tmp_path / "m.png"), 1, "none.vec")]:
        result, out, err = invoke("plot", *args)
        assert_one_error(result, err, code, fragment)
        assert out == ""
    assert folder(tmp_path) == []


# -- matplotlib stays out of everything else ---------------------------------------------

NO_MATPLOTLIB = """\
import sys
import textembed
from textembed import cli
for args in sys.argv[1:]:
    try:
        cli.main(args.split("|"))
    except SystemExit as exit_:
        assert exit_.code == 0, (args, exit_.code)
print("matplotlib" in sys.modules)
"""


def test_other_commands_never_import_matplotlib(tmp_path):
    model = tmp_path / "model"
    commands = [f"train-classifier|{SAMPLE}|-o|{model}|-q|--threads|1",
                f"predict|{model}|{SAMPLE}|-o|{tmp_path / 'p.txt'}|-q",
                f"test-classifier|{model}|{SAMPLE}|-q",
                f"explain|{model}|{SAMPLE}|-o|{tmp_path / 'e.txt'}|--html|"
                f"{tmp_path / 'e.html'}|-q",
                "report|--help", "plot|--help"]
    done = subprocess.run([sys.executable, "-c", NO_MATPLOTLIB, *commands],
                          capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.splitlines()[-1] == "False"


def test_plot_reads_a_vector_store(invoke, vectors, tmp_path):
    pytest.importorskip("matplotlib")
    store = tmp_path / "v.store"
    load_word2vec_format(str(vectors)).save(store)
    code, out, err = invoke("plot", store, "a0", "-n", "3", "-o", tmp_path / "m.svg")
    assert code == 0, err
    assert err.startswith("plot: 4 words (1 asked, up to 3 neighbours each)")
