"""A byte-based progress bar over the lines of a text file, and progress messages.

The command-line tool and :func:`textembed.word2vec.train` read their inputs
through :func:`progress_lines`. The bar goes to standard error and is cleared
when the reading ends; tqdm is imported only when a bar is drawn. The
library's training messages go to standard error through :func:`say`.
"""
import sys

# The command-line tool draws no bar for smaller files: they are read at once.
LARGE_INPUT_BYTES = 8 << 20
_UPDATE_LINES = 8192  # lines read between two updates of the bar


def say(verbose, message):
    """Print ``message`` on standard error when ``verbose`` is not 0."""
    if verbose:
        print(message, file=sys.stderr)


def stderr_is_terminal():
    """Whether standard error is a terminal (where a bar can be redrawn)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def progress_lines(source, description, show=True, min_bytes=0):
    """Yield the lines of ``source`` (a :class:`textembed.io.TextSource`).

    With ``show``, a tqdm bar counts the bytes read, unless the input is
    known to be smaller than ``min_bytes`` (standard input, of unknown size,
    always gets the bar).
    """
    if not show or (source.size is not None and source.size < min_bytes):
        yield from source
        return
    from tqdm import tqdm

    with tqdm(total=source.size, unit="B", unit_scale=True, desc=description,
              file=sys.stderr, leave=False, dynamic_ncols=True) as bar:
        for n, line in enumerate(source, 1):
            if n % _UPDATE_LINES == 0:
                bar.update(source.position() - bar.n)
            yield line
        bar.update(max(source.position() - bar.n, 0))
