"""The classifier's architectures, by name.

Importing this module costs nothing (no numpy): the command-line tool takes
its ``--arch`` choices from here for ``--help``.
"""
DEFAULT_ARCH = "bag"
ARCH_NAMES = ("cnn", "lstm", "gru", "bilstm", "bag")
