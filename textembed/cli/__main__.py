"""``python -m textembed.cli``: the command-line tool."""
from textembed.cli import main

if __name__ == "__main__":
    main()
