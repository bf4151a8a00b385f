"""Defaults shared by the library and the command-line tool (one source each)."""

# Keras' default filters: ASCII punctuation except the apostrophe, tab, newline.
DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
