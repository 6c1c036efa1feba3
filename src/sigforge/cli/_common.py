"""Helpers shared by the stage commands: the command list, shared options, reading the input
table, names, required files.

Generic reads go through :func:`sigforge.io.read_matrix`; mutation tables (channel sets
recognised) through :mod:`sigforge.genomics.tables`, imported only when needed.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import dataclasses
import logging
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple

from sigforge import DEFAULT_SEED
from sigforge.io import (
    InputError,
    Matrix,
    read_matrix,
)

logger = logging.getLogger("sigforge.cli")

Handler = Callable[[argparse.Namespace], None]


class Command(NamedTuple):
    """A command: the stage module (of :mod:`sigforge.cli`) declaring it, its one-line help."""

    stage: str
    help: str


#: Every command, in the order of ``sigforge --help``; each stage's commands adjacent.
COMMANDS = {
    "catalog": Command("catalog", "VCFs/MAFs + reference FASTA -> SBS96, SBS288, SBS1536, "
                       "DBS78, ID83 catalogs"),
    "merge-catalogs": Command("catalog", "join per-sample catalog directories into a cohort"),
    "opportunities": Command("catalog", "trinucleotide and dinucleotide counts of the FASTA "
                             "and of an assay's targeted regions (for --assay regions)"),
    "replicates": Command("discovery", "factor one chunk of bootstrap replicates at rank k"),
    "consensus": Command("discovery", "cluster one rank's replicates into stable signatures"),
    "cross-validate": Command("discovery", "held-out-entry cross-validation of rank k"),
    "select-rank": Command("discovery", "choose the rank from the per-rank results"),
    "extract": Command("discovery", "the whole discovery on one machine (--groups: per group, "
                       "then merged)"),
    "split-groups": Command("discovery", "cut a catalog into one catalog per group of samples "
                            "(stratified discovery)"),
    "merge-groups": Command("discovery", "merge the groups' chosen signatures into one set and "
                            "refit every sample to it"),
    "refit": Command("refit", "exposures of samples to fixed signatures, with bootstrap "
                     "intervals; per-patient mode from a VCF"),
    "report": Command("report", "cohort HTML report and one HTML page per sample"),
    "prepare-matrix": Command("matrix", "check a generic features x samples matrix and drop "
                              "its all-zero rows and columns (listed in NAME_dropped.tsv)"),
    "prepare-joint": Command("matrix", "stack several matrices over the same samples (joint "
                             "NMF: one shared exposure matrix, per-modality weights)"),
    "split-joint": Command("matrix", "per-modality loadings of joint components"),
    "matrix-report": Command("matrix", "cohort HTML report of a generic matrix run"),
}


class HelpFormatter(argparse.HelpFormatter):
    """Shows every option's default once: appended as ``(default: X)`` unless the option has
    none (None, False, an empty list, suppressed), is required or positional, or its help
    already says it (``default:`` in its own words, or ``%(default)s``). A list default reads
    as its items separated by spaces, as it is typed, not as a Python list."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if not shows_default(action) or "default:" in text or "%(default" in text:
            return text
        return f"{text} (default: %(default)s)".lstrip()

    def _expand_help(self, action: argparse.Action) -> str:
        if isinstance(action.default, list | tuple):
            action = copy.copy(action)
            action.default = " ".join(str(item) for item in action.default)
        return super()._expand_help(action)


def shows_default(action: argparse.Action) -> bool:
    """Whether ``--help`` should state the default of ``action``: an option, not required,
    whose default is a value (not None, False, an empty list or suppressed)."""
    default = action.default
    nothing = default is None or default is False or default == [] or default == ()
    return bool(action.option_strings) and not action.required and not nothing \
        and default != argparse.SUPPRESS


#: The namespace attribute :class:`StoreOnce` keeps the options given in (not an option).
_GIVEN = "_single_options_given"
#: What to do instead, for the single-value options users most often repeat.
_REPEAT_HINTS = {
    ("refit", "vcf"): " refit --vcf counts one patient: run it once per VCF, or count every "
                      "VCF with 'sigforge catalog' and refit its catalog with --catalog.",
    ("extract", "ranks"): " Give every rank in one value, e.g. --ranks 2-6 or --ranks 2,4,6.",
}


class StoreOnce(argparse._StoreAction):
    """Every single-value option's action: a second occurrence is refused, where argparse
    would keep the last and drop the first without a word (``refit --vcf a.vcf --vcf b.vcf``
    refitted b alone). List options extend instead (``action="extend"``)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        given: dict[str, Any] = namespace.__dict__.setdefault(_GIVEN, {})
        if option_string is not None and self.dest in given:
            hint = _REPEAT_HINTS.get((parser.prog.split()[-1], self.dest), "")
            parser.error(f"{option_string} was given twice ({given[self.dest]!r}, then "
                         f"{values!r}); it takes one value, and the second would silently "
                         f"replace the first. Give it once.{hint}")
        given[self.dest] = values
        super().__call__(parser, namespace, values, option_string)


def given(args: argparse.Namespace, dest: str) -> bool:
    """Whether the single-value option stored in ``dest`` was on the command line (not left
    at its default), to warn about an option the run then ignores."""
    return dest in getattr(args, _GIVEN, {})


def add_command(subparsers: Any, name: str, handler: Handler) -> argparse.ArgumentParser:
    """Declare command ``name`` (help line from :data:`COMMANDS`) run by ``handler``; its
    single-value options refuse repetition (:class:`StoreOnce`)."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        name, help=COMMANDS[name].help, description=COMMANDS[name].help,
        formatter_class=HelpFormatter)
    parser.register("action", None, StoreOnce)
    parser.register("action", "store", StoreOnce)
    parser.set_defaults(handler=handler)
    return parser


def field_default(options: type, name: str) -> Any:
    """The default of field ``name`` of an options dataclass: the one home of each default."""
    field = next(f for f in dataclasses.fields(options) if f.name == name)
    if field.default is dataclasses.MISSING:
        raise TypeError(f"{options.__name__}.{name} has no default.")
    return field.default


def cosine_type(*, above_zero: bool = False) -> Callable[[str], float]:
    """argparse type of a cosine threshold: a number from 0 (or, with ``above_zero``, above 0)
    to 1; anything else is refused at parse time, before any work."""
    bound = "above 0 and at most 1" if above_zero else "from 0 to 1"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not (0.0 < value <= 1.0 if above_zero else 0.0 <= value <= 1.0):
            raise argparse.ArgumentTypeError(f"expected a cosine {bound}, got '{text}'")
        return value

    return parse


#: Largest rank any discovery command accepts: far above any signature count (COSMIC holds
#: about a hundred), and it bounds the work a mistyped --ranks can queue.
MAX_RANK = 1000
#: Most bootstrap replicates per rank a discovery command accepts (SigProfilerExtractor's
#: default is 100; thousands already take hours).
MAX_REPLICATES = 10_000
#: The most worker processes a command starts (``--threads``): beyond any machine's cores.
MAX_THREADS = 1_024
#: Largest iteration cap a factorisation accepts (SigProfilerExtractor's default cap is
#: 1,000,000; fits stop at convergence long before).
MAX_ITERATIONS = 10_000_000
#: Most random starts per cross-validation fold.
MAX_CV_STARTS = 100


def real(text: str) -> float:
    """argparse type of a real number written in ASCII: Python's float() also reads
    full-width digits ('１.５'), which --ranks and the counts refuse."""
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"expected a number in the digits 0-9, got '{text}'")
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got '{text}'") from None


def count_type(low: int, high: int, what: str) -> Callable[[str], int]:
    """argparse type of a whole number from ``low`` to ``high``: a count of replicates, a
    rank bound... Refused at parse time, so a typo (an extra zero or ten) cannot queue a run
    that would never end or exhaust the memory."""

    def parse(text: str) -> int:
        try:
            value = int(text) if text.isascii() else low - 1  # digits 0-9 only, not '３'
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected {what}: a whole number from {low:,} to "
                                             f"{high:,}, got '{text}'")
        return value

    return parse


def parse_ranks(text: str) -> list[int]:
    """Parse '3', '2-8' or '2,4,6' into a sorted list of distinct ranks (digits 0-9 only:
    int() would read full-width '２-３' too)."""
    if not text.isascii():
        raise argparse.ArgumentTypeError(f"expected ranks like '2-8' or '2,3,5' in the digits "
                                         f"0-9, got '{text}'")
    ranks: set[int] = set()
    try:
        for part in text.split(","):
            low, dash, high = part.strip().partition("-")
            if dash and not high.strip():  # '2-' must not be read as rank 2 alone
                raise argparse.ArgumentTypeError(
                    f"'{part.strip()}' has no last rank: write the range in full, as in "
                    f"'{low.strip()}-{int(low) + 6}' (--ranks '{text}')")
            if dash and (not low.strip() or high.strip().startswith("-")):  # '1--3', '-3'
                raise argparse.ArgumentTypeError(
                    f"'{part.strip()}': ranks are whole numbers >= 1, written as 'FIRST-LAST' "
                    f"with one dash, as in '1-3' (--ranks '{text}')")
            first, last = int(low), int(high or low)
            if last < first:  # '2,4-3' must not keep 2 and drop the reversed part unsaid
                raise argparse.ArgumentTypeError(
                    f"'{part.strip()}' holds no rank: write the smaller rank first, as in "
                    f"'{last}-{first}' (--ranks '{text}')")
            if last > MAX_RANK:  # checked before the range is built: '2-1e11' must not fill RAM
                raise argparse.ArgumentTypeError(f"ranks must be <= {MAX_RANK}, got '{text}'")
            ranks.update(range(first, last + 1))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected ranks like '2-8' or '2,3,5', got '{text}'") \
            from err
    if not ranks:
        raise argparse.ArgumentTypeError(f"'{text}' holds no rank: write the smaller rank "
                                         "first, as in '2-8'")
    if min(ranks) < 1:
        raise argparse.ArgumentTypeError(f"ranks must be >= 1, got '{text}'")
    return sorted(ranks)


def add_seed(parser: argparse.ArgumentParser, what: str = "") -> None:
    """--seed, defaulting to the one global default seed (also the config's)."""
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"global seed{what}")


def add_generic(parser: argparse.ArgumentParser) -> None:
    """The --generic flag: the table is any features x samples matrix, not a catalog."""
    parser.add_argument("--generic", action="store_true",
                        help="take the tables as generic matrices: no mutation channel sets, "
                             "no reference signatures")


def add_drop_empty(parser: argparse.ArgumentParser) -> None:
    """--drop-empty: leave out samples without mutations instead of stopping."""
    parser.add_argument("--drop-empty", action="store_true",
                        help="leave out samples without a single mutation (named in a warning) "
                             "instead of stopping; DBS78 and ID83 catalogs often have some")


def read_table_matrix(path: str | Path, *, generic: bool = False) -> Matrix:
    """A catalog or signature table, channel sets recognised; with ``generic`` any matrix.

    The generic read imports nothing of :mod:`sigforge.genomics`, so that the generic commands
    run without the mutation layer.
    """
    if generic:
        return read_matrix(path)
    from sigforge.genomics.sample_names import check_table_names
    from sigforge.genomics.tables import read_catalog as read_mutation_table

    matrix = read_mutation_table(path)
    check_table_names(list(matrix.data.columns), str(path))
    return matrix


def warn_report_file_names(matrix: Matrix) -> None:
    """Warn, for a mutation catalog, when its sample names cannot become the per-sample file
    names of ``sigforge report`` (two differing only in case, 'S01' and 's01'; two that become
    one name once unsafe characters are replaced; a name over 200 characters): this command
    runs, but the report at the end of the cohort run would refuse the catalog, after the
    discovery's hours, so the user hears of it now. A generic matrix has no patient pages."""
    if matrix.channel_set is None:
        return
    from sigforge.genomics.sample_names import file_stems

    try:
        file_stems([str(column) for column in matrix.data.columns], matrix.path)
    except InputError as err:
        logger.warning("%s (`sigforge report` will refuse this catalog, as each sample gets "
                       "its own page files; this command goes on.)", err)


#: Nonzero rows a column must have to be refused as the sum of the others.
TOTAL_MIN_ROWS = 10


def check_no_total_column(matrix: Matrix) -> None:
    """Refuse a catalog column that holds the sum of all the others (a spreadsheet's 'Total'
    column): factored or refitted, it would pass for one more sample carrying every
    mutation of the cohort. Only with three or more columns (two samples may be equal) and
    a sum with at least :data:`TOTAL_MIN_ROWS` nonzero rows: in a thin catalog (a few indels
    in one channel) one sample may be the sum of the others by chance."""
    import numpy as np  # here: this module stays light for 'sigforge --help'

    values = matrix.data.to_numpy(dtype=np.float64)
    if values.shape[1] < 3:
        return
    totals = values.sum(axis=1)
    summed = np.flatnonzero(np.all(2 * values == totals[:, None], axis=0)
                            & ((values > 0).sum(axis=0) >= TOTAL_MIN_ROWS))
    if summed.size:
        name = matrix.data.columns[int(summed[0])]
        raise InputError(f"{matrix.path}: column '{name}' holds, in every row, the sum of all "
                         "the other columns (a spreadsheet's total), not a sample: it would be "
                         "read as one more sample carrying every mutation of the others. "
                         "Delete that column.")


def read_input_catalog(path: str, generic: bool = False, drop_empty: bool = False) -> Matrix:
    """Read a catalog (or, with ``generic``, any matrix) and refuse one with no usable sample,
    or a generic matrix that prepare-matrix would refuse as too small to factor (fewer than 2
    features with values).

    ``drop_empty`` removes samples without a single mutation instead of refusing them (DBS78
    and ID83 catalogs often have some), naming each one in a warning.
    """
    return read_input_catalog_dropping(path, generic, drop_empty)[0]


def read_input_catalog_dropping(path: str, generic: bool = False, drop_empty: bool = False,
                                warn_names: bool = False) -> tuple[Matrix, list[str]]:
    """:func:`read_input_catalog`, also returning the samples left out for having no mutations;
    ``warn_names`` (``extract``, not each replicate chunk) warns of sample names the report
    will refuse (:func:`warn_report_file_names`)."""
    matrix = read_table_matrix(path, generic=generic)
    if warn_names:
        warn_report_file_names(matrix)
    if matrix.data.shape[1] == 0:
        raise InputError(f"{path}: no sample columns.")
    check_no_total_column(matrix)
    from sigforge.discovery.matrix import check_data_matrix

    check_data_matrix(matrix.data, path, generic=matrix.channel_set is None)
    kept, empty = split_empty(matrix, drop_empty)
    if kept is None:
        raise InputError(f"{path}: no sample has a single mutation; nothing to fit.")
    if kept.channel_set is None:  # a generic matrix: what prepare-matrix refuses, refused too
        from sigforge.discovery.matrix import check_factorable

        if not generic:
            check_not_exposures(kept, path)
        from sigforge.discovery.matrix import drop_empty as without_zeros

        check_factorable(without_zeros(kept.data)[0], path)
    from sigforge.discovery.matrix import check_count_totals, first_fraction

    if first_fraction(kept.data) is None:  # counts: refused here as prepare-matrix refuses them
        check_count_totals(kept.data, path)
    return kept, empty


#: Column names of signatures: COSMIC's (SBS1, SBS7a, DBS2), sigforge's and
#: SigProfilerExtractor's de novo names (SBS96A, DBS78B, ID83C), "Signature 1" / "Signature.A".
#: COSMIC's ID1, ID2, ... are left out: samples are often named so.
_SIGNATURE_NAME = re.compile(r"^(?:(?:SBS|DBS)\d+[A-Za-z]*|ID83[A-Z]+|Signature[ _.\-]?\w+)$")


def check_not_exposures(matrix: Matrix, path: str) -> None:
    """Refuse, without --generic, a table whose columns are signature names: an exposures
    (activities) table of samples x signatures, which a catalog reader would otherwise take
    as a generic matrix and factor without a word (SigProfilerExtractor's and
    SigProfilerAssignment's Activities files, sigforge's own exposures.tsv)."""
    names = [str(column) for column in matrix.data.columns]
    if sum(bool(_SIGNATURE_NAME.match(name)) for name in names) < max(1, len(names) / 2):
        return
    raise InputError(f"{path}: its columns are signature names (e.g. '{names[0]}') and its "
                     f"rows (e.g. '{matrix.data.index[0]}') are no mutation channels: it looks "
                     "like an exposures (activities) table, not a catalog (one row per channel, "
                     "one column per sample). Give the catalog the exposures came from, or "
                     "--generic to factor this table as a generic matrix.")


def split_empty(matrix: Matrix, drop_empty: bool, fate: str = "left out"
                ) -> tuple[Matrix | None, list[str]]:
    """The samples with mutations (None when there is none) and the names of those without,
    whose ``fate`` the warning names (refit keeps them, with zero exposures).

    Without ``drop_empty`` a sample without mutations is an InputError naming it and the fix.
    """
    empty = [str(c) for c in matrix.data.columns[matrix.data.sum(axis=0) == 0]]
    if empty and not drop_empty and matrix.channel_set is None:
        raise InputError(f"{matrix.path}: sample(s) {empty[:5]} hold only zeros; remove their "
                         "columns, or give --drop-empty (extract, refit) to leave them out.")
    if empty and not drop_empty:
        raise InputError(f"{matrix.path}: sample(s) {empty[:5]} have no mutations in any "
                         "channel; remove their columns (for a workflow catalog: their rows of "
                         "the samples sheet; catalog_log.tsv says why their variants were "
                         "skipped), or give --drop-empty (extract, refit) to leave them out.")
    if not empty:
        return matrix, []
    if len(empty) == matrix.data.shape[1]:
        return None, empty
    logger.warning("%s: %d sample(s) %s %s: %s", matrix.path, len(empty),
                   "holding only zeros" if matrix.channel_set is None else "without mutations",
                   fate, ", ".join(empty))
    return Matrix(matrix.data.drop(columns=empty), matrix.channel_set, matrix.path), empty


def listed(labels: list[str], limit: int = 5) -> str:
    """The first ``limit`` labels, quoted, and how many more: for messages about many names."""
    shown = ", ".join(f"'{label}'" for label in labels[:limit])
    return shown + (f" and {len(labels) - limit} more" if len(labels) > limit else "")


def catalog_name(args: argparse.Namespace) -> str:
    """The catalog name keying random streams and prefixing signature names: --catalog-name,
    or the file stem up to its first dot, or its mutation type when the stem names one after
    the dot, as SigProfilerMatrixGenerator's files do (``proj.SBS96.all`` -> ``SBS96``, so
    that ``proj.DBS78.all``'s signatures are not named alike)."""
    if args.catalog_name:
        return args.catalog_name
    parts = Path(args.catalog).stem.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in MUTATION_TYPES else parts[0]


#: The mutation types sigforge counts (``sigforge.genomics.contexts.CHANNEL_SETS``), named here
#: so that the generic commands import no genomics module.
MUTATION_TYPES = ("SBS96", "SBS288", "SBS1536", "DBS78", "ID83")


def fact_text(value: Any, keys: tuple[str, ...] | None = None) -> str:
    """A provenance.json fact as reports show it: settings (a dict) as ``name=value,...``
    (only ``keys`` when given; numbers in their shortest form), anything else as ``str``."""
    if not isinstance(value, dict):
        return str(value)
    return ",".join(f"{key}={item:g}" if isinstance(item, float) else f"{key}={item}"
                    for key, item in value.items() if keys is None or key in keys)


def rank_folder_number(name: str) -> int | None:
    """The rank of a rank folder's name, ``k{k}`` with k written in the digits 0-9 (``k3``
    -> 3), else None: any other folder (``k²``, ``keep``, a copy ``k3 (1)``) is no rank
    folder. ``str.isdigit`` alone would pass ``k²``, which ``int`` then refuses."""
    digits = name[1:] if name.startswith("k") else ""
    return int(digits) if re.fullmatch(r"[0-9]+", digits) else None


EXTRACT_FILES = ["provenance.json", "signatures.tsv", "rank_metrics.tsv", "stability.tsv"]
REFIT_FILES = ["exposures.tsv", "reconstruction.tsv"]


def require_files(folder: Path, names: list[str], option: str, producer: str) -> None:
    """Name every missing input of a report at once, with the command that writes it."""
    missing = [name for name in names if not (folder / name).is_file()]
    if missing:
        raise InputError(f"{option} {folder}: {', '.join(missing)} not found. Give the folder "
                         f"written by '{producer} --out FOLDER', after that command finished.")


@contextlib.contextmanager
def killed_by_interrupt(command: str = "") -> Iterator[None]:
    """Within the block, SIGINT (Ctrl-C) takes the system's default action: the process dies
    of it at once, and the shell sees exit 130. As it dies, "sigforge COMMAND: error:
    interrupted; nothing was written." (``command``) is printed on standard error by a helper
    process (:mod:`sigforge.cli._interrupt`): no Python code can run during the solve.

    For a block that only computes, before the command has written any output or temporary
    file, around one long compiled (numba) solve: Python runs its SIGINT handler only between
    bytecodes, so the KeyboardInterrupt would wait for the whole solve to end. Dying leaves
    nothing to remove then but the folder made for ``--out`` and its empty journal, which the
    helper removes once the process is dead. The previous handler is back when the block
    ends, before any output is written. A no-op outside the main thread (only it may set
    handlers) and when SIGINT is ignored (a job started in the background or under nohup
    keeps ignoring it).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)
    if previous in (signal.SIG_IGN, None):
        yield
        return
    from sigforge.cli._interrupt import heralded_interrupt

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    try:
        with heralded_interrupt(command or "command"):
            yield
    finally:
        signal.signal(signal.SIGINT, previous)
