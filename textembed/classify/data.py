"""Reading labelled text: one example (a label and a text) per line.

Formats (``format=``):

* ``tsv``: ``label<TAB>text``; the text is everything after the first tab.
* ``csv``: a header row names the columns; the label and text columns are
  chosen by name (``label_column`` / ``text_column``, or the first column
  called label, class, category, target, y, ... and text, sentence, review,
  ...); with two columns, naming one is enough. The delimiter is a comma, or
  a tab when the header has tabs and no commas. Quoted fields may span lines.
  A row whose number of fields differs from the header's is an error naming
  the line.
* ``label-first``: the first whitespace-separated token is the label, the
  rest of the line the text (as in the MR ``rt-polarity.all`` file).
* ``fasttext``: ``__label__X text``. The label is stored without the
  ``__label__`` prefix. A line may have several leading labels.
* ``auto``: decided from the first 50 non-blank lines: csv if the first
  names a label and a text column; else fasttext or tsv if most lines follow
  it; else csv if all have the same number (2 or more) of comma-separated
  fields; else label-first if most lines have two words or more.
  :attr:`LabelledTexts.format` says which was chosen.

Several labels per line (multi-label data): every ``__label__`` of a
fastText line; in the other formats the label field split at ``label_sep``
(default ``,``; None: never split). ``label_sets`` holds them all,
``labels`` the first of each line, ``multi_label`` counts the lines that have
several.

Blank lines are ignored. Lines without a label or without a text are skipped
and counted; when more than ``max_skipped_fraction`` of the lines are
skipped, the file is probably not in the format it was read as, and reading
fails. Bytes that are not valid in ``encoding`` are replaced by U+FFFD and
counted. Problems raise :class:`textembed.io.InputError` with one line.
"""
import csv
import itertools
import os
from dataclasses import dataclass, field

from ..io import InputError, TextSource

FORMATS = ("tsv", "csv", "label-first", "fasttext")
MAX_SKIPPED_FRACTION = 0.1
FASTTEXT_PREFIX = "__label__"
# Column names recognised in a csv header (compared in lower case), best first.
LABEL_COLUMNS = ("label", "labels", "class", "category", "target", "y", "sentiment",
                 "polarity", "topic", "intent", "emotion", "tag")
TEXT_COLUMNS = ("text", "sentence", "review", "content", "document", "body", "message",
                "comment", "tweet", "title", "x")
_SNIFF_LINES = 50
_EXAMPLE_LINES = 5  # line numbers of skipped lines kept for messages


@dataclass
class LabelledTexts:
    """Examples read from a labelled file.

    ``texts[i]`` has the labels ``label_sets[i]`` (a tuple of str), the first
    of which is ``labels[i]``. ``format`` is the format the file was read as;
    ``skipped`` counts lines without a label or text (``skipped_lines``: the
    first few of their 1-based line numbers); ``replaced`` counts undecodable
    bytes; ``multi_label`` counts lines with more than one label; ``path`` is
    how messages name the input.
    """

    texts: list
    labels: list
    format: str
    skipped: int = 0
    replaced: int = 0
    path: str = ""
    skipped_lines: list = field(default_factory=list)
    multi_label: int = 0
    detected: bool = False
    label_sets: list = None

    def __post_init__(self):
        if self.label_sets is None:
            self.label_sets = [(label,) for label in self.labels]

    def __len__(self):
        return len(self.texts)

    @property
    def classes(self):
        """The distinct labels (first labels; every label of multi-label lines with
        ``multi_label``), sorted."""
        if self.multi_label:
            return sorted({label for s in self.label_sets for label in s})
        return sorted(set(self.labels))


def read_labelled(path, format="auto", encoding="utf-8", label_column=None, text_column=None,
                  max_skipped_fraction=MAX_SKIPPED_FRACTION, min_classes=2, name=None,
                  lines=None, label_sep=","):
    """Read a labelled file (plain, ``.gz``, ``.bz2`` or ``-`` for standard
    input) into a :class:`LabelledTexts`.

    ``min_classes`` (2 for training data, 1 for a test file) is the fewest
    distinct labels accepted. ``name`` is how messages refer to the input
    (default: the path, or "standard input"). ``lines``, if given, is called
    with the :func:`read_lines` source and returns the iterator of its lines
    to read (e.g. wrapped in a progress bar). ``label_sep`` splits a label
    field into several labels (not for fastText lines; None: never).
    """
    if format != "auto" and format not in FORMATS:
        raise InputError(f"unknown format {format!r}: use auto, " + ", ".join(FORMATS))
    if (label_column is not None or text_column is not None) and format not in ("auto", "csv"):
        raise InputError(f"--label-column and --text-column apply to csv files, "
                         f"not to {format}")
    source = TextSource(os.fspath(path), encoding, name=name)
    lines = iter(source if lines is None else lines(source))
    try:
        head = []
        non_blank = 0
        for line in lines:
            head.append(line)
            non_blank += bool(line.strip())
            if non_blank >= _SNIFF_LINES:
                break
        detected = format == "auto"
        if detected:
            format = _sniff(head, label_column, text_column, source.name)
        every_line = itertools.chain(head, lines)
        if format == "csv":
            result = _read_csv(every_line, source.name, label_column, text_column, label_sep)
        else:
            result = _read_lines(every_line, format, label_sep)
    finally:
        if hasattr(lines, "close"):  # the file, now, even when reading failed
            lines.close()
    texts, sets, skipped, skipped_lines, counted = result
    multi = sum(len(s) > 1 for s in sets)
    data = LabelledTexts(texts, [s[0] for s in sets], format, skipped, source.replaced,
                         source.name, skipped_lines, multi, detected, sets)
    _check(data, counted, max_skipped_fraction, min_classes)
    return data


def read_lines(path, encoding="utf-8", name=None):
    """The lines of a text file (or ``-``), streamed, without line endings
    (nor a byte-order mark).

    The returned object is iterable once; its ``replaced`` attribute counts
    the bytes that were not valid in ``encoding`` (final once iteration
    ended), ``name`` is how messages refer to the input, ``size`` and
    ``position()`` give byte progress (size is None for standard input).
    """
    return TextSource(os.fspath(path), encoding, name=name)


# -- formats -------------------------------------------------------------------

def _sniff(head, label_column, text_column, name):
    """The format of a file whose first lines are ``head``."""
    lines = [line for line in head if line.strip()]
    if not lines:
        raise InputError(f"{name}: no labelled lines (the first lines are blank)")
    if label_column is not None or text_column is not None:
        return "csv"
    if _looks_like_header(lines[0]):
        return "csv"
    # The layout most lines follow; the lines that do not are then skipped
    # (and too many of them make an error that names one).
    if sum(line.lstrip().startswith(FASTTEXT_PREFIX) for line in lines) > len(lines) / 2:
        return "fasttext"
    if sum("\t" in line for line in lines) > len(lines) / 2:
        return "tsv"
    if _looks_like_csv(lines):
        return "csv"
    if sum(len(line.split(None, 1)) == 2 for line in lines) > len(lines) / 2:
        return "label-first"
    raise InputError(f"{name}: cannot tell the format from the first lines; "
                     "name it with --format tsv, csv, label-first or fasttext")


def _looks_like_header(line):
    """A csv header: a comma- or tab-separated row naming a label and a text column."""
    fields = next(csv.reader([line], delimiter=_delimiter(line)), [])
    names = {f.strip().lower() for f in fields}
    return len(fields) >= 2 and bool(names & set(LABEL_COLUMNS)) and bool(
        names & set(TEXT_COLUMNS))


def _looks_like_csv(lines):
    """Comma-separated rows that all have the header's number of fields (2 or more).

    Lines are parsed one by one, so a quoted field spanning lines makes this
    fail; such files are detected by their header names or named with --format.
    """
    if "," not in lines[0] or len(lines) < 2:
        return False
    counts = {len(row) for row in csv.reader(lines[:_SNIFF_LINES])}
    return len(counts) == 1 and counts.pop() >= 2


def _delimiter(header):
    return "\t" if "\t" in header and "," not in header else ","


def _split_labels(field, label_sep):
    """The labels of a label field (a tuple of str, empty pieces dropped)."""
    field = field.strip()
    if not label_sep or label_sep not in field:
        return (field,) if field else ()
    return tuple(dict.fromkeys(p.strip() for p in field.split(label_sep) if p.strip()))


def _parse_tsv(line, label_sep):
    label, tab, text = line.partition("\t")
    return _split_labels(label, label_sep), text.strip()


def _parse_label_first(line, label_sep):
    parts = line.split(None, 1)
    return _split_labels(parts[0], label_sep), (parts[1].strip() if len(parts) > 1 else "")


def _parse_fasttext(line, label_sep):
    words = line.split()
    n_labels = 0
    while n_labels < len(words) and words[n_labels].startswith(FASTTEXT_PREFIX):
        n_labels += 1
    labels = tuple(dict.fromkeys(w[len(FASTTEXT_PREFIX):] for w in words[:n_labels]
                                 if len(w) > len(FASTTEXT_PREFIX)))
    return labels, " ".join(words[n_labels:])


_PARSERS = {"tsv": _parse_tsv, "label-first": _parse_label_first, "fasttext": _parse_fasttext}


class _Examples:
    """The examples of a file as its lines are parsed, and the lines skipped."""

    def __init__(self):
        self.texts, self.sets, self.skipped_lines = [], [], []
        self.skipped = self.counted = 0

    def add(self, number, labels, text):
        """A non-blank line ``number``: kept if it has labels and a text."""
        self.counted += 1
        if not labels or not text:
            self.skipped += 1
            if len(self.skipped_lines) < _EXAMPLE_LINES:
                self.skipped_lines.append(number)
            return
        self.texts.append(text)
        self.sets.append(labels)

    def result(self):
        """(texts, label sets, skipped, skipped_lines, non-blank lines)."""
        return self.texts, self.sets, self.skipped, self.skipped_lines, self.counted


def _read_lines(lines, format, label_sep):
    """Parse line-per-example formats: :meth:`_Examples.result`."""
    parse = _PARSERS[format]
    examples = _Examples()
    for number, line in enumerate(lines, 1):
        if line.strip():
            examples.add(number, *parse(line, label_sep))
    return examples.result()


def _read_csv(lines, name, label_column, text_column, label_sep):
    """Parse a csv file with a header row; the same tuple as :func:`_read_lines`."""
    lines = iter(lines)
    header_line = 0
    header = None
    for header_line, line in enumerate(lines, 1):  # skip blank lines before the header
        if line.strip():
            header = line
            break
    if header is None:
        raise InputError(f"{name}: no header row (the file is blank)")
    delimiter = _delimiter(header)
    columns = next(csv.reader([header], delimiter=delimiter))
    label_at = _column(columns, label_column, LABEL_COLUMNS, "label", name, header_line,
                       required=len(columns) != 2)
    text_at = _column(columns, text_column, TEXT_COLUMNS, "text", name, header_line,
                      required=len(columns) != 2 or label_at is None)
    if label_at is None:  # two columns, the text one known: the labels are in the other
        label_at = 1 - text_at
    elif text_at is None:
        text_at = 1 - label_at
    if label_at == text_at:
        raise InputError(f"{name}: the label and text columns are both "
                         f"{columns[label_at]!r}; name two columns")
    reader = csv.reader((line + "\n" for line in lines), delimiter=delimiter)
    examples = _Examples()
    end = 0  # lines the reader consumed after the header
    while True:
        start = header_line + end + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            raise InputError(f"{name}: line {start}: cannot parse as csv: {error}") from None
        end = reader.line_num
        if not row or not any(field.strip() for field in row):
            continue
        if len(row) != len(columns):
            raise InputError(f"{name}: line {start} has {len(row)} fields, the header "
                             f"(line {header_line}) has {len(columns)}; quote fields that "
                             f"contain a {_delimiter_name(delimiter)}")
        examples.add(start, _split_labels(row[label_at], label_sep), row[text_at].strip())
    return examples.result()


def _delimiter_name(delimiter):
    return "tab" if delimiter == "\t" else "comma"


def _column(columns, wanted, known, role, name, line, required=True):
    """Index of the ``role`` column: named ``wanted``, else the first known name
    (None if there is none and not ``required``)."""
    lowered = [c.strip().lower() for c in columns]
    if wanted is not None:
        if wanted in columns:
            return columns.index(wanted)
        if wanted.strip().lower() in lowered:
            return lowered.index(wanted.strip().lower())
        raise InputError(f"{name}: no column {wanted!r} in the header (line {line}): "
                         f"the columns are {', '.join(map(repr, columns))}")
    for candidate in known:
        if candidate in lowered:
            return lowered.index(candidate)
    if not required:
        return None
    raise InputError(f"{name}: which column holds the {role}? The header (line {line}) has "
                     f"{', '.join(map(repr, columns))}; name it with --{role}-column")


def _check(data, counted, max_skipped_fraction, min_classes):
    name, how = data.path, _how_read(data)
    if counted == 0:
        raise InputError(f"{name}: no labelled lines (the file is blank)")
    if not data.texts:
        raise InputError(f"{name}: no line has both a label and a text ({how}; e.g. line "
                         f"{data.skipped_lines[0]}); is the format right? Try --format")
    if data.skipped > max_skipped_fraction * counted:
        raise InputError(f"{name}: {data.skipped:,} of {counted:,} lines "
                         f"({data.skipped / counted:.0%}) have no label or no text ({how}; "
                         f"e.g. line {data.skipped_lines[0]}); is the format right? "
                         "Try --format")
    classes = set(data.classes)
    if len(classes) < min_classes:
        raise InputError(f"{name}: every example has the label {data.labels[0]!r}; "
                         f"a classifier needs {min_classes} or more classes")


def _how_read(data):
    return f"read as {data.format}" + (" (detected)" if data.detected else "")

