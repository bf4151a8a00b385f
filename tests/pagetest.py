"""Reading the report page back for the tests: its structure through html.parser, its
inline SVG figures through xml.etree, and the checks that it is self-contained."""
import re
import xml.etree.ElementTree as ElementTree
from html.parser import HTMLParser

SVG = "{http://www.w3.org/2000/svg}"
SECTIONS = ["Summary", "Training curves", "Confusion matrix", "Per-class figures",
            "Reliability diagram", "Most confident errors"]


class Page(HTMLParser):
    """What the tests look at: ``tags`` (every start tag's name), ``attributes`` (every
    (tag, name, value)), ``headings`` {"h1": [...], "h2": [...]}, ``ids``, ``tables``
    {table id: rows of cell texts}, ``spans`` {table id: per row, the texts of the
    highlighted tokens}, ``texts`` (all text of the page outside SVG figures)."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.ids = [], [], []
        self.headings = {"h1": [], "h2": []}
        self.tables, self.spans, self.texts = {}, {}, []
        self._heading = self._table = self._cell = None
        self._svg, self._span = 0, False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        self.attributes += [(tag, k, v) for k, v in attrs.items()]
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "svg":
            self._svg += 1
        elif tag in self.headings:
            self._heading = tag
            self.headings[tag].append("")
        elif tag == "table":
            self._table = attrs.get("id")
            self.tables[self._table], self.spans[self._table] = [], []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
            self.spans[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = ""
        elif tag == "span" and attrs.get("class") == "t" and self._table is not None:
            self.spans[self._table][-1].append("")
            self._span = True

    def handle_endtag(self, tag):
        if tag == "svg":
            self._svg -= 1
        elif tag == self._heading:
            self._heading = None
        elif tag == "table":
            self._table = None
        elif tag == "span":
            self._span = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[self._table][-1].append(self._cell.strip())
            self._cell = None

    def handle_data(self, data):
        if self._svg:
            return
        self.texts.append(data)
        if self._heading:
            self.headings[self._heading][-1] += data
        if self._cell is not None:
            self._cell += data
            if self._span:
                self.spans[self._table][-1][-1] += data

    @property
    def text(self):
        return " ".join(" ".join(self.texts).split())


def svg_figures(text):
    """Each inline SVG figure of the page, parsed (xml.etree Elements)."""
    return [ElementTree.fromstring(svg) for svg in re.findall(r"<svg\b.*?</svg>", text, re.S)]


def assert_self_contained(text):
    """No scripts, nothing loaded from elsewhere, every link inside the page, ids unique."""
    page = Page(text)
    assert not {"script", "link", "img", "iframe", "object", "embed", "base"} & set(page.tags)
    assert "<script" not in text.lower() and "@import" not in text
    for tag, name, value in page.attributes:
        assert not name.startswith("on"), (tag, name)  # no event handlers
        assert name != "src", (tag, name, value)
        if name.endswith("href"):
            assert value.startswith("#") and value[1:] in page.ids, (tag, name, value)
    for url in re.findall(r"url\(([^)]*)\)", text):
        assert url.startswith("#") and url[1:] in page.ids, url
    assert len(page.ids) == len(set(page.ids)), "ids repeated"
    return page
