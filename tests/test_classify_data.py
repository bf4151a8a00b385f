"""textembed.classify.data: reading labelled files in every format, label sets,
compressed and standard input, encodings and bad input."""
import bz2
import gzip
import io
import sys
from pathlib import Path

import pytest

from textembed.classify import data as data_module
from textembed.classify.data import LabelledTexts, read_labelled, read_lines
from textembed.io import InputError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample_labelled.tsv"
MR_PATH = ROOT.parent / "shared" / "data" / "mr" / "rt-polarity.all"

EXAMPLES = [("pos", "a fine film , really"), ("neg", "dull and slow"),
            ("pos", "I loved it!"), ("neutral", "it exists")]
TEXTS = [t for _, t in EXAMPLES]
LABELS = [label for label, _ in EXAMPLES]


def write(path, data):
    path = Path(path)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def as_tsv(examples=EXAMPLES):
    return "".join(f"{label}\t{text}\n" for label, text in examples)


def as_label_first(examples=EXAMPLES):
    return "".join(f"{label} {text}\n" for label, text in examples)


def as_fasttext(examples=EXAMPLES):
    return "".join(f"__label__{label} {text}\n" for label, text in examples)


def as_csv(examples=EXAMPLES):
    rows = "".join(f'{i},"{text}",{label}\n' for i, (label, text) in enumerate(examples))
    return "id,text,label\n" + rows


FORMATTERS = {"tsv": as_tsv, "label-first": as_label_first, "fasttext": as_fasttext,
              "csv": as_csv}


# -- formats -------------------------------------------------------------------

@pytest.mark.parametrize("format", sorted(FORMATTERS))
@pytest.mark.parametrize("named", [True, False], ids=["named", "auto"])
def test_each_format(tmp_path, format, named):
    path = write(tmp_path / "train.txt", FORMATTERS[format]())
    got = read_labelled(path, format=format if named else "auto")
    assert isinstance(got, LabelledTexts)
    assert got.texts == TEXTS
    assert got.labels == LABELS
    assert got.format == format
    assert got.detected is not named
    assert (got.skipped, got.replaced, got.multi_label) == (0, 0, 0)
    assert got.path == str(path)
    assert got.classes == ["neg", "neutral", "pos"]
    assert len(got) == 4


def test_sample_file_is_tsv_with_three_balanced_classes():
    got = read_labelled(SAMPLE)
    assert got.format == "tsv" and got.detected
    assert len(got) == 900
    assert got.classes == ["animals", "food", "weather"]
    assert min(got.labels.count(c) for c in got.classes) > 250


@pytest.mark.skipif(not MR_PATH.exists(), reason=f"{MR_PATH} not present")
def test_movie_reviews_are_label_first():
    got = read_labelled(MR_PATH, encoding="latin-1")
    assert got.format == "label-first"
    assert len(got) == 10662 and got.classes == ["0", "1"]
    assert got.texts[0] == "simplistic , silly and tedious ."
    assert got.replaced == 0
    assert read_labelled(MR_PATH).replaced > 0  # not valid utf-8


def test_tsv_text_keeps_later_tabs_and_strips_ends(tmp_path):
    path = write(tmp_path / "t.tsv", " pos \t one\ttwo  \r\nneg\tthree\n")
    got = read_labelled(path)
    assert got.labels == ["pos", "neg"]
    assert got.texts == ["one\ttwo", "three"]


def test_label_first_any_whitespace(tmp_path):
    path = write(tmp_path / "lf.txt", "1   spaced   out \n0\ttabbed text\n")
    got = read_labelled(path, format="label-first")
    assert got.labels == ["1", "0"]
    assert got.texts == ["spaced   out", "tabbed text"]


def test_fasttext_several_labels_keep_the_first_and_are_counted(tmp_path):
    path = write(tmp_path / "ft.txt", "__label__a __label__b two labels here\n"
                                      "__label__b one label\n"
                                      "__label__c   __label__a   __label__b three\n")
    got = read_labelled(path)
    assert got.format == "fasttext"
    assert got.labels == ["a", "b", "c"]
    assert got.texts == ["two labels here", "one label", "three"]
    assert got.multi_label == 2


def test_fasttext_label_without_a_name_or_text_is_skipped(tmp_path):
    lines = [f"__label__{'x' if i % 2 else 'y'} text {i}" for i in range(30)]
    lines[4] = "__label__ no name"
    lines[9] = "__label__x"
    lines[12] = "no label at all"
    got = read_labelled(write(tmp_path / "ft.txt", "\n".join(lines) + "\n"),
                        max_skipped_fraction=0.2)
    assert got.format == "fasttext"
    assert got.skipped == 3 and got.skipped_lines == [5, 10, 13]
    assert len(got) == 27


# -- csv -----------------------------------------------------------------------

def test_csv_columns_by_name(tmp_path):
    path = write(tmp_path / "r.csv", "Stars,Review Body,Sentiment\n"
                                     '5,"great, truly",good\n'
                                     "1,awful,bad\n")
    with pytest.raises(InputError, match=r"which column holds the text\? The header \(line 1\) "
                                         r"has 'Stars', 'Review Body', 'Sentiment'; name it "
                                         r"with --text-column"):
        read_labelled(path, format="csv")
    got = read_labelled(path, text_column="Review Body")  # Sentiment: a known label name
    assert got.labels == ["good", "bad"]
    got = read_labelled(path, label_column="Sentiment", text_column="Review Body")
    assert got.format == "csv"
    assert got.labels == ["good", "bad"]
    assert got.texts == ["great, truly", "awful"]
    # Names match without regard to case; the label may come from any column.
    got = read_labelled(path, label_column="stars", text_column="review body")
    assert got.labels == ["5", "1"]
    path = write(tmp_path / "r.csv", "Stars,Text,Date\n5,great,may\n1,awful,june\n")
    with pytest.raises(InputError, match=r"which column holds the label\?.*--label-column"):
        read_labelled(path, format="csv")


def test_csv_default_column_names(tmp_path):
    path = write(tmp_path / "r.csv", "Sentence,Class\nhello there,greet\nbye now,leave\n")
    got = read_labelled(path)
    assert got.format == "csv"
    assert got.labels == ["greet", "leave"] and got.texts == ["hello there", "bye now"]


def test_csv_detected_by_its_regular_fields(tmp_path):
    """Rows with the same number of comma-separated fields are csv even when no
    column has a known name (rather than label-first with the header as a label)."""
    path = write(tmp_path / "r.txt", "Kind,Words,Source\nx,one two,a\ny,three,b\n")
    with pytest.raises(InputError, match=r"which column holds the label\?"):
        read_labelled(path)
    got = read_labelled(path, label_column="Kind", text_column="Words")
    assert got.format == "csv" and got.labels == ["x", "y"]
    # With two columns, naming one (or one known name) is enough.
    path = write(tmp_path / "r.txt", "Kind,Words\nx,one two\ny,three\n")
    assert read_labelled(path, label_column="Kind").texts == ["one two", "three"]
    assert read_labelled(path, text_column="Words").labels == ["x", "y"]
    with pytest.raises(InputError, match=r"which column holds the text\?"):
        read_labelled(path)
    path = write(tmp_path / "r.txt", "Kind,Text\nx,one two\ny,three\n")
    assert read_labelled(path).labels == ["x", "y"]
    # One comma in every tsv text: still tsv.
    path = write(tmp_path / "t.txt", "a\tone, two\nb\tthree, four\n")
    assert read_labelled(path).format == "tsv"
    # A comma inside some label-first texts only: not csv.
    path = write(tmp_path / "lf.txt", "0 bad , slow\n1 good\n1 fine , fun , warm\n")
    assert read_labelled(path).format == "label-first"


def test_csv_unknown_column(tmp_path):
    path = write(tmp_path / "r.csv", as_csv())
    with pytest.raises(InputError, match=r"no column 'stars' in the header \(line 1\): "
                                         r"the columns are 'id', 'text', 'label'"):
        read_labelled(path, label_column="stars")


def test_csv_same_column_twice(tmp_path):
    path = write(tmp_path / "r.csv", as_csv())
    with pytest.raises(InputError, match="both 'text'"):
        read_labelled(path, label_column="text")


def test_csv_quoted_field_spans_lines_and_errors_name_the_right_line(tmp_path):
    path = write(tmp_path / "r.csv", 'label,text\npos,"two\nlines"\n\nneg,ok\npos,a,b\n')
    with pytest.raises(InputError) as error:
        read_labelled(path)
    message = str(error.value)
    assert message == (f"{path}: line 6 has 3 fields, the header (line 1) has 2; "
                       "quote fields that contain a comma")
    write(path, 'label,text\npos,"two\nlines"\n\nneg,ok\n')
    got = read_labelled(path)
    assert got.texts == ["two\nlines", "ok"]


def test_csv_too_few_fields(tmp_path):
    path = write(tmp_path / "r.csv", "label,text\npos,fine\nneg\n")
    with pytest.raises(InputError, match=r"line 3 has 1 fields, the header \(line 1\) has 2"):
        read_labelled(path, format="csv")


def test_tab_separated_with_header_is_read_as_csv(tmp_path):
    path = write(tmp_path / "h.tsv", "label\ttext\n" + as_tsv())
    got = read_labelled(path)
    assert got.format == "csv"
    assert got.labels == LABELS and got.texts == TEXTS
    with pytest.raises(InputError, match="quote fields that contain a tab"):
        read_labelled(write(tmp_path / "bad.tsv", "label\ttext\npos\tok\tmore\n"))


def test_csv_empty_label_or_text_is_skipped(tmp_path):
    rows = [f"{'a' if i % 2 else 'b'},text {i}" for i in range(40)]
    rows[3] = ",no label"
    rows[7] = "a,  "
    got = read_labelled(write(tmp_path / "r.csv", "label,text\n" + "\n".join(rows) + "\n"))
    assert got.skipped == 2 and got.skipped_lines == [5, 9]
    assert len(got) == 38


# -- compressed input, standard input, encodings ----------------------------

@pytest.mark.parametrize("suffix, compress", [(".gz", gzip.compress), (".bz2", bz2.compress)])
def test_compressed(tmp_path, suffix, compress):
    path = write(tmp_path / ("train.tsv" + suffix), compress(as_tsv().encode()))
    got = read_labelled(path)
    assert got.format == "tsv"
    assert got.texts == TEXTS and got.labels == LABELS


def test_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(as_fasttext().encode())))
    got = read_labelled("-")
    assert got.format == "fasttext"
    assert got.path == "standard input"
    assert got.texts == TEXTS and got.labels == LABELS


def test_empty_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(InputError, match="standard input is empty"):
        read_labelled("-")


def test_undecodable_bytes_are_replaced_and_counted(tmp_path):
    path = write(tmp_path / "latin.tsv", b"pos\tcaf\xe9 na\xefve\nneg\tbad \xff\n")
    got = read_labelled(path)
    assert got.replaced == 3
    assert got.texts == ["caf\ufffd na\ufffdve", "bad \ufffd"]
    got = read_labelled(path, encoding="latin-1")
    assert got.replaced == 0
    assert got.texts == ["café naïve", "bad ÿ"]


def test_lines_hook_sees_every_line(tmp_path):
    path = write(tmp_path / "t.tsv", as_tsv())
    seen = []

    def spy(source):
        assert source.name == str(path)
        for line in source:
            seen.append(line)
            yield line

    got = read_labelled(path, lines=spy)
    assert got.texts == TEXTS
    assert seen == as_tsv().splitlines()


@pytest.mark.parametrize("format", sorted(FORMATTERS))
def test_byte_order_mark_is_dropped(tmp_path, format):
    path = write(tmp_path / "bom.txt", b"\xef\xbb\xbf" + FORMATTERS[format]().encode())
    got = read_labelled(path)
    assert got.format == format
    assert got.labels == LABELS and got.texts == TEXTS
    assert list(read_lines(path))[0] == FORMATTERS[format]().splitlines()[0]


def test_read_lines_streams_and_counts(tmp_path, monkeypatch):
    path = write(tmp_path / "in.txt", b"one\r\n\ntwo \xe9\nthree")
    lines = read_lines(path)
    assert list(lines) == ["one", "", "two \ufffd", "three"]
    assert lines.replaced == 1
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"a\nb\n")))
    lines = read_lines("-")
    assert lines.name == "standard input"
    assert list(lines) == ["a", "b"]


# -- bad input -----------------------------------------------------------------

def test_blank_lines_are_ignored_not_skipped(tmp_path):
    path = write(tmp_path / "t.tsv", "\n\npos\tgood\n   \nneg\tbad\n\n")
    got = read_labelled(path)
    assert got.skipped == 0 and len(got) == 2


def test_skipped_lines_are_counted_below_the_threshold(tmp_path):
    lines = [f"{'pos' if i % 2 else 'neg'}\ttext {i}" for i in range(50)]
    lines[10] = "pos\t   "        # no text
    lines[20] = "\tno label"      # no label
    lines[30] = "no tab at all"   # no text
    got = read_labelled(write(tmp_path / "t.tsv", "\n".join(lines) + "\n"), format="tsv")
    assert got.skipped == 3
    assert got.skipped_lines == [11, 21, 31]
    assert len(got) == 47
    assert "text 10" not in got.texts and "text 11" in got.texts


def test_too_many_skipped_lines_is_an_error(tmp_path):
    lines = [f"{'pos' if i % 2 else 'neg'}\ttext {i}" for i in range(20)]
    for i in (2, 5, 8):
        lines[i] = "orphan"
    path = write(tmp_path / "t.tsv", "\n".join(lines) + "\n")
    with pytest.raises(InputError) as error:
        read_labelled(path, format="tsv")
    assert str(error.value) == (f"{path}: 3 of 20 lines (15%) have no label or no text "
                                "(read as tsv; e.g. line 3); is the format right? Try --format")
    assert read_labelled(path, format="tsv", max_skipped_fraction=0.2).skipped == 3


def test_wrong_format_named(tmp_path):
    path = write(tmp_path / "t.txt", as_label_first())
    with pytest.raises(InputError, match=r"no line has both a label and a text \(read as "
                                         r"fasttext; e.g. line 1\)"):
        read_labelled(path, format="fasttext")


def test_empty_file(tmp_path):
    with pytest.raises(InputError, match="the file is empty"):
        read_labelled(write(tmp_path / "e.tsv", b""))


def test_blank_file(tmp_path):
    with pytest.raises(InputError, match="no labelled lines"):
        read_labelled(write(tmp_path / "b.tsv", "\n  \n\n"))
    with pytest.raises(InputError, match="no labelled lines"):
        read_labelled(write(tmp_path / "b.tsv", "\n  \n\n"), format="tsv")


def test_single_class(tmp_path):
    path = write(tmp_path / "one.tsv", "pos\ta\npos\tb\n")
    with pytest.raises(InputError, match="every example has the label 'pos'; a classifier "
                                         "needs 2 or more classes"):
        read_labelled(path)
    assert read_labelled(path, min_classes=1).labels == ["pos", "pos"]


def test_format_not_detected(tmp_path):
    path = write(tmp_path / "w.txt", "one\ntwo\nthree\n")
    with pytest.raises(InputError, match="cannot tell the format.*--format"):
        read_labelled(path)


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_labelled(tmp_path / "nope.tsv")
    with pytest.raises(InputError, match="unknown format 'xml'"):
        read_labelled(write(tmp_path / "t.tsv", as_tsv()), format="xml")
    with pytest.raises(InputError, match="apply to csv files"):
        read_labelled(tmp_path / "t.tsv", format="tsv", label_column="label")


def test_sniffing_looks_at_the_first_lines_only(tmp_path):
    head = as_tsv() * 20  # 80 tsv lines, then a line that is not tsv
    path = write(tmp_path / "t.txt", head + "orphan line\n")
    got = read_labelled(path)
    assert got.format == "tsv" and got.skipped == 1 and got.skipped_lines == [81]
    assert len(got) == 80
    assert data_module._SNIFF_LINES < 80
