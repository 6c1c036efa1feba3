"""The ``sigforge`` command line: the contract the Snakemake rules, the tests and users rely on.

Every command exits 0 on success and 2 with a one-paragraph ``sigforge <command>: error: ...``
message on bad input. Stage commands (``merge-catalogs``, ``replicates``, ``consensus``,
``cross-validate``, ``select-rank``) are the workflow's fan-out steps; ``extract`` runs them
all in one process.

This module holds :func:`main`, the global options and the error handling. One module per
stage declares its commands (``add_parsers``) and their handlers: :mod:`.catalog`
(``catalog``, ``merge-catalogs``, ``opportunities``), :mod:`.discovery` (``replicates`` ...
``extract``),
:mod:`.refit`, :mod:`.report`, :mod:`.matrix` (the generic-matrix commands); :mod:`._common`
lists the commands and holds the shared options, :mod:`.outputs` checks output paths. Option
defaults come from the options dataclasses (``NMFOptions``, ``CVOptions``, ``RankRule``,
``RefitOptions``). A stage module is imported only when one of its commands runs, so
``sigforge --help`` stays light and a generic command imports nothing of
:mod:`sigforge.genomics`. The top of the stack: may import every package; nothing imports it
but :mod:`sigforge.__main__` (import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import unicodedata
import warnings
from collections.abc import Sequence
from pathlib import Path

import sigforge
from sigforge._atomic import protected_inputs
from sigforge._validation import (
    describe_character,
    first_control_character,
    invisible_character,
    not_utf8,
    undecodable_name,
)
from sigforge.cli._common import COMMANDS, Handler
from sigforge.cli._interrupt import Terminated, terminated_as_interrupt
from sigforge.cli.outputs import (
    check_not_companion,
    check_output_file,
    check_output_folder,
    check_plain_name,
    companion_files,
    describe_os_error,
    forget_emptied_folders,
    remove_emptied_folders,
)
from sigforge.io import InputError, removed_on_failure

__all__ = ["main"]

logger = logging.getLogger("sigforge")


class _VersionAction(argparse.Action):
    """--version: print the version (looked up only then) and exit."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        sys.stdout.write(f"sigforge {sigforge.__version__}\n")
        parser.exit()


def _chosen_command(argv: Sequence[str]) -> str | None:
    """The command named on the command line: the first word that is not a global option."""
    return next((word for word in argv if not word.startswith("-")), None)


def _build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    """The argument parser: every command listed, the chosen command's stage fully declared.

    Only the stage module of the command in ``argv`` is imported (its ``add_parsers`` declares
    its commands with their options and defaults); the other commands get a one-line entry, so
    ``sigforge --help`` imports no stage and a generic command nothing of the genomics layer.
    """
    parser = argparse.ArgumentParser(prog="sigforge", description=(
        "Mutational signature discovery and refitting. Run 'sigforge COMMAND --help'."))
    parser.add_argument("--version", action=_VersionAction)
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = COMMANDS.get(_chosen_command(argv) or "")
    stage = chosen.stage if chosen else None
    for name, command in COMMANDS.items():
        if command.stage != stage:
            sub.add_parser(name, help=command.help)
        elif name == next(n for n, c in COMMANDS.items() if c.stage == stage):
            importlib.import_module(f"sigforge.cli.{stage}").add_parsers(sub)
    return parser


# Commands whose --out names one file; every other command's --out is a folder.
_FILE_OUTPUTS = frozenset({"replicates", "cross-validate", "opportunities"})
_NAME_OPTIONS = (("name", "--name"), ("modalities", "--modalities"))


def _check_destinations(args: argparse.Namespace) -> None:
    """Check --out and the names of output files before any work starts (creates nothing)."""
    if args.command in _FILE_OUTPUTS:
        check_output_file(args.out, args.command)
    else:
        check_output_folder(args.out)
    for attribute, option in _NAME_OPTIONS:
        value = getattr(args, attribute, None)
        for name in [value] if isinstance(value, str) else value or []:
            check_plain_name(name, option)
    _check_catalog_name(getattr(args, "catalog_name", None))


def _check_text_arguments(args: argparse.Namespace) -> None:
    """Refuse an option value (a path, a sample name) that is not UTF-8 text, naming the
    option, before any input is read: it used to fail once the inputs were counted, with
    Python's codec message and no file named."""
    for name, value in vars(args).items():
        for item in value if isinstance(value, list | tuple) else [value]:
            if isinstance(item, str) and not_utf8(item):
                raise InputError(undecodable_name(item, f"--{name.replace('_', '-')}"))


def _check_catalog_name(name: str | None) -> None:
    """Refuse a --catalog-name holding a control character: the name starts every signature
    name in signatures.tsv, where a tab adds a column and a line break a line; or one that
    the table readers would not give back as written (a leading or trailing space, which
    they trim; an invisible character, which they refuse), so that the report read it as
    another run's."""
    if name is None:
        return
    if name != name.strip():
        raise InputError(f"--catalog-name {name!r}: starts or ends with a space; the name "
                         "starts every signature name in signatures.tsv, and the table "
                         "readers trim padded names, so every later step would read other "
                         f"names than the discovery wrote. Give '{name.strip()}'.")
    invisible = invisible_character(name)
    if invisible is not None and first_control_character(name) is None:
        label = unicodedata.name(invisible, "a format character")
        raise InputError(f"--catalog-name {name!r}: holds the invisible character "
                         f"U+{ord(invisible):04X} ({label}), which the table readers refuse "
                         "in a signature name (it prints like a name without it). Type the "
                         "name again without it, e.g. 'SBS96'.")
    odd = first_control_character(name)
    if odd is not None:
        raise InputError(f"--catalog-name {name!r}: holds {describe_character(odd)} (a "
                         "control character); the name starts every signature name in "
                         "signatures.tsv, where a tab adds a column and a line break a line, "
                         "so no reader could get the table back. Choose a name without "
                         "control characters, e.g. 'SBS96'.")


# Options that name outputs or no files at all: never inputs to protect.
_NOT_INPUTS = frozenset({"out", "page_dir", "command", "handler", "quiet", "debug"})
# Commands whose folder options are read file by file (each folder's files are inputs).
_FOLDER_INPUTS = {"merge-catalogs": "inputs", "merge-groups": "group_dirs",
                  "select-rank": "rank_dirs"}


def _input_files(args: argparse.Namespace) -> dict[Path, str]:
    """The existing files the command was given to read (path -> how the user named it),
    which no output of the command may replace (:func:`protected_inputs`).

    Every option value (or list item) naming an existing file counts, with the index files
    beside it that a reader opens too (a FASTA's .fai and .gzi, a VCF's .tbi or .csi); for
    the commands in :data:`_FOLDER_INPUTS`, so do the files directly inside the folders that
    option names.
    """
    inputs: dict[Path, str] = {}
    folder_option = _FOLDER_INPUTS.get(args.command)
    for name, value in vars(args).items():
        if name in _NOT_INPUTS:
            continue
        option = f"--{name.replace('_', '-')}"
        for item in value if isinstance(value, list | tuple) else [value]:
            if not isinstance(item, str | os.PathLike) or not str(item):
                continue
            path = Path(item)
            if os.path.isfile(path):  # False, not an error, for a name too long to be a file
                inputs[path] = f"{option} {path}"
                inputs.update(_companions(path, f"{option} {path}"))
            elif name == folder_option and os.path.isdir(path):
                for child in sorted(path.iterdir()):
                    if child.is_file():
                        inputs[child] = f"{child} (in {option} {path})"
    return inputs


def _companions(path: Path, label: str) -> dict[Path, str]:
    """The existing index files beside the input ``path`` (``label``: how the user named
    it), as inputs: the command reads them with it, so no output may replace them."""
    return {companion: f"{companion} (the index of {label})"
            for companion in companion_files(path) if os.path.isfile(companion)}


def _check_file_output(args: argparse.Namespace, inputs: dict[Path, str]) -> None:
    """A command whose --out names one file may not name an input's index file, even one
    that does not exist yet (a FASTA's .fai is created on first reading)."""
    if args.command in _FILE_OUTPUTS:
        check_not_companion(args.out, list(inputs))


def _fail(command: str, message: str) -> None:
    """Print the one-paragraph error message of a command."""
    text = message.replace("\r", " ").replace("\n", " ")
    print(f"sigforge {command}: error: {text}", file=sys.stderr)  # noqa: T201


def _run(args: argparse.Namespace) -> int:
    """Run the command's handler and turn every expected failure into a message and status;
    a command that fails leaves none of the outputs it had written (:func:`removed_on_failure`)."""
    forget_emptied_folders()
    try:
        _check_text_arguments(args)
        _check_destinations(args)
        handler: Handler = args.handler
        inputs = _input_files(args)
        _check_file_output(args, inputs)
        with protected_inputs(inputs), removed_on_failure(), terminated_as_interrupt(), \
                warnings.catch_warnings():
            # the library's warnings of a short bootstrap and an unmatched prior: the
            # commands say these in their own words (--bootstrap, --tumour-type)
            warnings.filterwarnings("ignore", message=r"(bootstrap=\d|prevalence: )")
            handler(args)
        remove_emptied_folders()
    except UnicodeEncodeError as err:  # a name read from a folder or a sheet, not UTF-8
        if not isinstance(err.object, str) or err.reason != "surrogates not allowed":
            raise
        _fail(args.command, undecodable_name(err.object[:200], "a file or sample name"))
        return 2
    except (InputError, ValueError) as err:
        _fail(args.command, str(err))
        return 2
    except OSError as err:
        _fail(args.command, describe_os_error(err))
        return 2
    except KeyboardInterrupt:
        _fail(args.command, "interrupted; the outputs this run had written were removed.")
        return 130
    except Terminated:
        _fail(args.command, "terminated (SIGTERM: a scheduler's time limit, 'timeout' or "
                            "'kill'); the outputs this run had written were removed.")
        return 143
    except MemoryError:  # an input far larger than memory, or work too large for the job
        _fail(args.command, "ran out of memory; the outputs this run had written were removed. "
                            + _MEMORY_ADVICE.get(args.command, _INPUT_TOO_LARGE))
        return 2
    except Exception as err:  # a bug: one paragraph by default, the traceback with --debug
        if args.debug:
            raise
        _fail(args.command, f"internal error ({type(err).__name__}: {err}). This is a bug in "
                            "sigforge, not in your input: rerun with --debug and report the "
                            "traceback.")
        return 1
    return 0


#: Why a command ran out of memory: an input larger than memory (a decompression bomb, a
#: 1e7-row table), or, for the factorisation commands, the work of the job itself.
_INPUT_TOO_LARGE = ("An input is larger than this machine's memory allows (a compressed file "
                    "that inflates to gigabytes, a line or table of that size): check the "
                    "inputs' uncompressed sizes ('zcat FILE | wc -c'), or run on a machine with "
                    "more memory.")
_WORK_TOO_LARGE = ("The factorisations held at once (replicates x rank x samples) need more "
                   "memory than this job has: give it more (the workflow's mem_mb grows with "
                   "each retry; a cluster job asks for more with --set-resources), or factor "
                   "fewer replicates per job (--replicates-per-chunk; the workflow's "
                   "extract.replicates_per_chunk).")
_MEMORY_ADVICE = dict.fromkeys(("replicates", "extract", "consensus", "cross-validate",
                                "select-rank", "merge-groups"), _WORK_TOO_LARGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sigforge`` console script; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _build_parser(argv).parse_args(argv)
    from sigforge._htslib import set_debug  # imports neither pysam nor the genomics layer

    set_debug(args.debug)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="sigforge %(levelname)s: %(message)s", stream=sys.stderr)
    return _run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

