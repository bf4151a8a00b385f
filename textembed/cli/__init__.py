"""The ``textembed`` command-line tool.

Each command parses its options, calls the library and prints. The commands
live in one module per family (:mod:`.text`, :mod:`.vectors`, :mod:`.classify`,
:mod:`.inspect`, :mod:`.report`), imported only when a command is looked up, and
those import numpy, numba and matplotlib inside the commands, so ``--help`` and
``--version`` answer at once. Every user mistake ends in one line on standard error and a
non-zero exit: 2 for usage errors, 1 for data errors, 130 for Ctrl-C; a reader
closing standard output early (``| head``) ends the command quietly with 0.
"""
import sys
from importlib import import_module

import click

from .._version import __version__
from ..io import InputError
from ..progress import stderr_is_terminal
from ._common import ReaderGone

# Command name -> (module of this package, function in it).
_COMMANDS = {
    "tokenize": ("text", "tokenize"),
    "vocab": ("text", "vocab"),
    "skipgram": ("vectors", "skipgram"),
    "evaluate": ("vectors", "evaluate"),
    "similar": ("vectors", "similar"),
    "phrases": ("phrases", "phrases"),
    "train-classifier": ("classify", "train_classifier"),
    "predict": ("classify", "predict"),
    "quantize": ("classify", "quantize"),
    "explain": ("inspect", "explain"),
    "embed": ("inspect", "embed"),
    "serve": ("serve", "serve"),
    "report": ("report", "report"),
    "plot": ("report", "plot"),
    "test-classifier": ("classify", "test_classifier"),
}


class _Interrupted(Exception):
    """Ctrl-C inside a command, raised past click (which would print an empty
    line first and turn it into click.Abort)."""


class _Group(click.Group):
    """The commands of :data:`_COMMANDS`, each module imported on first use."""

    def list_commands(self, ctx):
        return sorted(_COMMANDS)

    def get_command(self, ctx, name):
        if name not in _COMMANDS:
            return None
        module, function = _COMMANDS[name]
        return getattr(import_module(f".{module}", __name__), function)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            raise _Interrupted() from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="textembed")
def cli():
    """textembed: Keras-compatible text preprocessing, skip-gram word vectors
    and sequence models, from the shell.

    Run `textembed COMMAND --help` for the options of a command.
    """


_NoArgsIsHelpError = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv=None):
    """Entry point: run the click group, turning every user error into one line."""
    try:
        code = cli.main(args=argv, prog_name="textembed", standalone_mode=False)
    except _NoArgsIsHelpError as error:  # bare `textembed` (click >= 8.2)
        error.show()
        sys.exit(2)
    except click.UsageError as error:
        where = error.ctx.command_path if error.ctx is not None else "textembed"
        click.echo(f"textembed: error: {error.format_message()} "
                   f"(see `{where} --help`)", err=True)
        sys.exit(2)
    except click.ClickException as error:
        click.echo(f"textembed: error: {error.format_message()}", err=True)
        sys.exit(error.exit_code)
    except InputError as error:
        click.echo(f"textembed: error: {error}", err=True)
        sys.exit(1)
    except (_Interrupted, KeyboardInterrupt, click.Abort):
        # On a terminal, start a new line after the echoed ^C.
        start = "\n" if stderr_is_terminal() else ""
        click.echo(f"{start}textembed: interrupted", err=True)
        sys.exit(130)
    except ReaderGone:
        # The reader of our standard output went away (e.g. `| head`).
        sys.exit(0)
    except OSError as error:  # the system refused a read or write (disk full...)
        where = f"{error.filename}: " if error.filename else ""
        click.echo(f"textembed: error: {where}{error.strerror or error}", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
