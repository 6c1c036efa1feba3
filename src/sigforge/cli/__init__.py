"""The ``sigforge`` command line: the contract the Snakemake rules, the tests and users rely on.

Every command exits 0 on success and 2 with a one-paragraph ``sigforge <command>: error: ...``
message on bad input. Stage commands (``merge-catalogs``, ``replicates``, ``consensus``,
``cross-validate``, ``select-rank``) are the workflow's fan-out steps; ``extract`` runs them
all in one process.

One module per stage declares nothing but handlers: :mod:`.catalog` (``catalog``,
``merge-catalogs``), :mod:`.discovery` (``replicates`` ... ``extract``), :mod:`.refit`,
:mod:`.report`, :mod:`.matrix` (the generic-matrix commands); :mod:`.outputs` checks output
paths. Handlers are imported when their command runs, so a generic command imports nothing of
:mod:`sigforge.genomics`. The top of the stack: may import every package; nothing imports it
but :mod:`sigforge.__main__` (import-linter contract in pyproject.toml).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence

from sigforge import __version__
from sigforge.cli.outputs import (
    check_output_file,
    check_output_folder,
    check_plain_name,
    describe_os_error,
)
from sigforge.io import InputError

__all__ = ["main"]

logger = logging.getLogger("sigforge")

Handler = Callable[[argparse.Namespace], None]


def _parse_ranks(text: str) -> list[int]:
    """Parse '3', '2-8' or '2,4,6' into a sorted list of distinct ranks."""
    ranks: set[int] = set()
    try:
        for part in text.split(","):
            low, _, high = part.strip().partition("-")
            ranks.update(range(int(low), int(high or low) + 1))
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"expected ranks like '2-8' or '2,3,5', got '{text}'") \
            from err
    if not ranks:
        raise argparse.ArgumentTypeError(f"'{text}' holds no rank: write the smaller rank "
                                         "first, as in '2-8'")
    if min(ranks) < 1:
        raise argparse.ArgumentTypeError(f"ranks must be >= 1, got '{text}'")
    return sorted(ranks)


def _add_nmf_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that factor replicates."""
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--max-iter", type=int, default=5000, help="iteration cap per replicate")
    parser.add_argument("--min-iter", type=int, default=200, help="iterations before stopping")
    parser.add_argument("--tol", type=float, default=1e-7,
                        help="relative objective change that counts as converged")
    parser.add_argument("--resampling", default="poisson",
                        help="bootstrap: poisson (per entry), multinomial (at each sample's "
                             "total) or scaled[:DEPTH] (multinomial at DEPTH pseudo-counts, "
                             "rescaled; for real-valued data) (default poisson)")
    parser.add_argument("--normalisation", default="none", choices=["none", "cap", "gmm"],
                        help="scale hypermutated samples down before factorisation: none, "
                             "cap (at --cap) or gmm (threshold from a Gaussian mixture of the "
                             "log totals, at least --cap); see sigforge.discovery.normalise")
    parser.add_argument("--cap", type=float, default=9600.0,
                        help="mutations per sample for 'cap', floor for 'gmm' (default 9600)")
    _add_generic(parser)
    parser.add_argument("--catalog-name", default=None,
                        help="name keying the random streams and naming components "
                             "(default: the catalog file's stem)")


def _add_rank_rule(parser: argparse.ArgumentParser) -> None:
    """Options of the rank-selection rule (see sigforge.discovery.rank)."""
    parser.add_argument("--min-mean-stability", type=float, default=0.8)
    parser.add_argument("--min-component-stability", type=float, default=0.5)
    parser.add_argument("--min-error-gain", type=float, default=0.01)
    parser.add_argument("--fixed-rank", type=int, default=None,
                        help="use this rank instead of the rule")


def _add_generic(parser: argparse.ArgumentParser) -> None:
    """The --generic flag: the table is any features x samples matrix, not a catalog."""
    parser.add_argument("--generic", action="store_true",
                        help="take the tables as generic matrices: no mutation channel sets, "
                             "no reference signatures")


class _LazyHandlers:
    """Handlers of a module, imported only when a command runs (keeps start-up light)."""

    def __init__(self, module: str) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Handler:
        def run(args: argparse.Namespace) -> None:
            getattr(importlib.import_module(self._module), name)(args)

        run.__name__ = name
        return run


def _add_drop_empty(parser: argparse.ArgumentParser) -> None:
    """--drop-empty: leave out samples without mutations instead of stopping."""
    parser.add_argument("--drop-empty", action="store_true",
                        help="leave out samples without a single mutation (named in a warning) "
                             "instead of stopping; DBS78 and ID83 catalogs often have some")


def _add_cv_options(parser: argparse.ArgumentParser, *, folds_default: int) -> None:
    """Options of held-out-entry cross-validation (see sigforge.discovery.crossval)."""
    parser.add_argument("--cv-folds", type=int, default=folds_default,
                        help=f"held-out folds per rank; 0 disables (default {folds_default})")
    parser.add_argument("--cv-holdout", type=float, default=0.1,
                        help="share of entries hidden per fold (default 0.1)")
    parser.add_argument("--cv-starts", type=int, default=1,
                        help="random starts per fold; the best on the visible entries is kept "
                             "(default 1)")
    parser.add_argument("--cv-max-iter", type=int, default=1000,
                        help="iteration cap of each masked fit (default 1000)")


def _build_parser() -> argparse.ArgumentParser:
    """The argument parser with one subparser per command."""
    discovery = _LazyHandlers("sigforge.cli.discovery")
    refit = _LazyHandlers("sigforge.cli.refit")
    report = _LazyHandlers("sigforge.cli.report")
    matrix = _LazyHandlers("sigforge.cli.matrix")
    catalog = _LazyHandlers("sigforge.cli.catalog")

    parser = argparse.ArgumentParser(prog="sigforge", description=(
        "Mutational signature discovery and refitting. Run 'sigforge COMMAND --help'."))
    parser.add_argument("--version", action="version", version=f"sigforge {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("catalog", help="VCFs/MAFs + reference FASTA -> SBS96, SBS288, "
                       "SBS1536, DBS78, ID83 catalogs")
    p.add_argument("--reference", required=True, help="reference FASTA (plain or bgzipped)")
    p.add_argument("--vcf", nargs="+", default=[], help="VCF/BCF files (plain or bgzipped)")
    p.add_argument("--vcf-dir", default=None,
                   help="directory of *.vcf, *.vcf.gz, *.vcf.bgz, *.bcf and *.maf files")
    p.add_argument("--maf", nargs="+", default=[], help="MAF files (one sample per "
                   "Tumor_Sample_Barcode)")
    p.add_argument("--sample-name", nargs="+", default=None,
                   help="sample names, one per input file holding one sample (default: the "
                        "VCF's sample column, else its file name)")
    p.add_argument("--vcf-sample", default=None,
                   help="count only this sample column of multi-sample VCFs (default: one "
                        "catalog column per sample column)")
    p.add_argument("--sample-from-filename", action="store_true",
                   help="name each file's sample after the file and ignore genotypes "
                        "(SigProfilerMatrixGenerator's convention)")
    p.add_argument("--contexts", nargs="+", default=["SBS96", "DBS78", "ID83"],
                   metavar="CONTEXT",
                   help="catalogs to write: SBS96 SBS288 SBS1536 DBS78 ID83 (default: SBS96 "
                        "DBS78 ID83; SBS288 needs --annotation)")
    p.add_argument("--annotation", default=None,
                   help="genes for the transcriptional strand of SBS288: GTF or a BED with a "
                        "strand column")
    p.add_argument("--all-filters", action="store_true",
                   help="count variants whatever their FILTER (default: PASS and '.')")
    p.add_argument("--multi-snvs-in-sbs", action="store_true",
                   help="also count the SNVs of DBSs and of 3+ adjacent SNVs in SBS96/288/1536,"
                        " as SigProfilerMatrixGenerator does (default: each variant in one "
                        "catalog only)")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(handler=catalog.catalog)

    p = sub.add_parser("merge-catalogs", help="join per-sample catalog directories into a cohort")
    p.add_argument("--inputs", nargs="+", required=True,
                   help="directories written by 'catalog'; every context file is merged")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=catalog.merge_catalogs)

    p = sub.add_parser("replicates", help="factor one chunk of bootstrap replicates at rank k")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--first", type=int, required=True, help="first replicate index")
    p.add_argument("--count", type=int, required=True, help="replicates in this chunk")
    _add_nmf_options(p)
    p.add_argument("--out", required=True, help="output .npz")
    p.set_defaults(handler=discovery.replicates)

    p = sub.add_parser("consensus", help="cluster one rank's replicates into stable signatures")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--chunks", nargs="+", required=True, help=".npz files from 'replicates'")
    p.add_argument("--catalog-name", default=None)
    _add_generic(p)
    p.add_argument("--seed", type=int, default=0,
                   help="global seed; keys the gap statistic's null sets (default 0)")
    p.add_argument("--out", required=True, help="rank directory (k{k})")
    p.set_defaults(handler=discovery.consensus)

    p = sub.add_parser("cross-validate", help="held-out-entry cross-validation of rank k")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    _add_nmf_options(p)
    _add_cv_options(p, folds_default=5)
    p.add_argument("--out", required=True, help="output .npz")
    p.set_defaults(handler=discovery.cross_validate)

    p = sub.add_parser("select-rank", help="choose the rank from the per-rank results")
    p.add_argument("--rank-dirs", nargs="+", required=True, help="directories from 'consensus'")
    p.add_argument("--cv", nargs="*", default=[],
                   help=".npz files from 'cross-validate', one per rank (optional)")
    _add_rank_rule(p)
    p.add_argument("--provenance", nargs="*", default=[], metavar="KEY=VALUE",
                   help="run facts recorded in provenance.json (seed, replicates, ...)")
    _add_generic(p)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=discovery.select_rank)

    p = sub.add_parser("extract", help="the whole discovery on one machine")
    p.add_argument("--catalog", required=True)
    p.add_argument("--ranks", type=_parse_ranks, required=True, help="e.g. 1-12")
    p.add_argument("--replicates", type=int, default=100)
    p.add_argument("--chunk-size", type=int, default=25,
                   help="replicates per batched solve (the workflow's job size)")
    p.add_argument("--threads", type=int, default=1)
    _add_drop_empty(p)
    _add_nmf_options(p)
    _add_cv_options(p, folds_default=5)
    _add_rank_rule(p)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=discovery.extract)

    p = sub.add_parser("refit", help="exposures of samples to fixed signatures, with "
                       "bootstrap intervals; per-patient mode from a VCF")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--catalog", help="catalog table (features x samples)")
    source.add_argument("--vcf", help="one patient's VCF: builds its SBS96 catalog first")
    _add_drop_empty(p)
    p.add_argument("--reference", help="reference FASTA (with --vcf)")
    p.add_argument("--sample-name", default=None, help="patient name (with --vcf; default: "
                   "the VCF's sample column, else its file name)")
    p.add_argument("--vcf-sample", default=None, help="sample column of a multi-sample VCF")
    p.add_argument("--all-filters", action="store_true", help="count all FILTER values")
    p.add_argument("--signatures", required=True, help="signature table or a shipped name "
                   "such as COSMIC_v3.6")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"])
    p.add_argument("--method", default="likelihood", choices=["likelihood", "cosine", "nnls"],
                   help="sparse refit rule (default likelihood; see sigforge.refit.core)")
    p.add_argument("--likelihood-threshold", type=float, default=None,
                   help="log-likelihood a signature must be worth (default: chi-square rule)")
    p.add_argument("--bootstrap", type=int, default=100,
                   help="multinomial resamples per sample for intervals (0 = none)")
    p.add_argument("--confidence", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--restrict-to", default=None,
                   help="only these signatures: comma-separated names or a file, one per line")
    p.add_argument("--decompose-into", default="COSMIC_v3.6",
                   help="reference set the signatures are decomposed into (decomposition.tsv;"
                        " known channel sets only, and not when refitting to that set itself)")
    p.add_argument("--novel-below", type=float, default=0.9,
                   help="decomposition cosine under which a signature is flagged novel")
    _add_generic(p)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=refit.refit)

    p = sub.add_parser("report", help="cohort HTML report and one HTML page per sample")
    p.add_argument("--catalog-dir", required=True, help="directory with SBS96.tsv, catalog_log.tsv")
    p.add_argument("--extract-dir", required=True, help="directory written by extract")
    p.add_argument("--refit-dir", required=True, help="directory written by refit")
    p.add_argument("--reference", default="COSMIC_v3.6", help="reference set for matches")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"])
    p.add_argument("--threads", type=int, default=None,
                   help="processes drawing patient pages (default: the CPUs allowed, at most 8)")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=report.report)

    p = sub.add_parser("prepare-matrix", help="check a generic features x samples matrix and "
                       "drop its all-zero rows and columns (listed in NAME_dropped.tsv)")
    p.add_argument("--input", required=True, help="TSV/CSV/Parquet: feature labels, then one "
                   "column per sample")
    p.add_argument("--name", required=True, help="name of the cleaned matrix (NAME.tsv)")
    p.add_argument("--counts", action="store_true", help="require whole numbers")
    p.add_argument("--pixels", default=None, help="HEIGHT,WIDTH when the features are the "
                   "pixels of an image (row-major)")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=matrix.prepare_matrix)

    p = sub.add_parser("prepare-joint", help="stack several matrices over the same samples "
                       "(joint NMF: one shared exposure matrix, per-modality weights)")
    p.add_argument("--inputs", nargs="+", required=True, help="one table per modality")
    p.add_argument("--modalities", nargs="+", required=True, help="one name per table")
    p.add_argument("--weights", nargs="+", type=float, required=True,
                   help="weight of each modality's entries in the KL objective")
    p.add_argument("--name", required=True, help="name of the stacked matrix (NAME.tsv)")
    p.add_argument("--counts", action="store_true", help="require whole numbers")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=matrix.prepare_joint)

    p = sub.add_parser("split-joint", help="per-modality loadings of joint components")
    p.add_argument("--signatures", required=True, help="signatures.tsv of the joint run")
    p.add_argument("--blocks", required=True, help="NAME_blocks.tsv from prepare-joint")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=matrix.split_joint)

    p = sub.add_parser("matrix-report", help="cohort HTML report of a generic matrix run")
    p.add_argument("--name", required=True)
    p.add_argument("--matrix", required=True, help="the matrix written by prepare-matrix")
    p.add_argument("--dropped", default=None, help="NAME_dropped.tsv from prepare-matrix")
    p.add_argument("--extract-dir", required=True)
    p.add_argument("--refit-dir", required=True)
    p.add_argument("--pixels", default=None, help="HEIGHT,WIDTH: draw components as images")
    p.add_argument("--blocks", default=None, help="NAME_blocks.tsv of a joint run: draw each "
                   "modality's loadings")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=matrix.matrix_report)
    return parser


# Commands whose --out names one file; every other command's --out is a folder.
_FILE_OUTPUTS = frozenset({"replicates", "cross-validate"})
_NAME_OPTIONS = (("name", "--name"), ("modalities", "--modalities"))


def _check_destinations(args: argparse.Namespace) -> None:
    """Check --out and the names of output files before any work starts (creates nothing)."""
    if args.command in _FILE_OUTPUTS:
        check_output_file(args.out)
    else:
        check_output_folder(args.out)
    for attribute, option in _NAME_OPTIONS:
        value = getattr(args, attribute, None)
        for name in [value] if isinstance(value, str) else value or []:
            check_plain_name(name, option)


def _fail(command: str, message: str) -> None:
    """Print the one-paragraph error message of a command."""
    text = message.replace("\r", " ").replace("\n", " ")
    print(f"sigforge {command}: error: {text}", file=sys.stderr)  # noqa: T201


def _run(args: argparse.Namespace) -> int:
    """Run the command's handler and turn every expected failure into a message and status."""
    try:
        _check_destinations(args)
        handler: Handler = args.handler
        handler(args)
    except (InputError, ValueError, FileNotFoundError) as err:
        _fail(args.command, str(err))
        return 2
    except OSError as err:
        _fail(args.command, describe_os_error(err))
        return 2
    except KeyboardInterrupt:
        _fail(args.command, "interrupted; no output was completed by this run.")
        return 130
    except Exception as err:  # a bug: one paragraph by default, the traceback with --debug
        if args.debug:
            raise
        _fail(args.command, f"internal error ({type(err).__name__}: {err}). This is a bug in "
                            "sigforge, not in your input: rerun with --debug and report the "
                            "traceback.")
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sigforge`` console script; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="sigforge %(levelname)s: %(message)s", stream=sys.stderr)
    return _run(args)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

