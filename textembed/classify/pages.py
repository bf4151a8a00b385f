"""HTML building blocks of the self-contained pages (``explain --html``, ``report``): the
page frame with its inline style sheet, tables, and texts highlighted by token weights.

Pure Python (no numpy), so the command modules may import it at once. The pages have no
scripts and no links out of the page; every text from the data is escaped here.
"""
import html

STYLE = """body{font-family:sans-serif;margin:2em auto;max-width:72em;padding:0 1em;color:#222}
h1{font-size:1.6em} h2{margin-top:2em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:0.5em 0} th,td{padding:3px 8px;vertical-align:top}
th{text-align:left;border-bottom:1px solid #999} td.n,th.n{text-align:right;
font-variant-numeric:tabular-nums} td.total{font-style:italic}
.t{padding:1px 2px;border-radius:3px} .note{color:#555;font-size:0.92em}
svg{max-width:100%;height:auto} nav a{margin-right:1em}
table.matrix td{text-align:right;min-width:3em} table.matrix th.true{text-align:right}"""


def escape(value):
    """``value`` as HTML text (str() of it, with & < > " ' escaped)."""
    return html.escape(str(value))


def page(title, body, style=STYLE):
    """A whole HTML document: ``title`` (plain text), ``body`` (HTML), inline ``style``."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{escape(title)}</title>\n<style>{style}</style></head>\n<body>\n"
            f"{body}\n</body></html>\n")


def table(header, rows, id=None, css_class=None, numeric=()):
    """An HTML table. header: list of str (plain text), or None for none; rows: lists of
    cells, each HTML (escape text first) or a (HTML, attributes) pair; numeric: the
    column positions aligned right."""
    attributes = (f' id="{escape(id)}"' if id else "") + (
        f' class="{escape(css_class)}"' if css_class else "")

    def cell(tag, i, content):
        extra = ""
        if isinstance(content, tuple):
            content, extra = content
            extra = " " + extra
        if i in numeric and "class=" not in extra:
            extra += ' class="n"'
        return f"<{tag}{extra}>{content}</{tag}>"

    head = "" if header is None else "<tr>" + "".join(
        cell("th", i, escape(h)) for i, h in enumerate(header)) + "</tr>\n"
    body = "\n".join("<tr>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>"
                     for row in rows)
    return f"<table{attributes}>\n{head}{body}\n</table>"


def highlighted(tokens):
    """HTML of tokens [(str, weight)] on a red (against) to green (for) background,
    stronger for larger weights; hovering a token shows its weight."""
    largest = max([abs(w) for _, w in tokens] + [1e-9])
    spans = []
    for token, weight in tokens:
        strength = min(abs(weight) / largest, 1.0)
        colour = (f"rgba(0,150,60,{strength:.2f})" if weight > 0
                  else f"rgba(210,40,40,{strength:.2f})")
        spans.append(f'<span class="t" style="background:{colour}" '
                     f'title="{weight:+.4f}">{escape(token)}</span>')
    return " ".join(spans)
