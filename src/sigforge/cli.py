"""The ``sigforge`` command line: the contract the Snakemake rules, the tests and users rely on.

Every command exits 0 on success and 2 with a one-paragraph ``sigforge <command>: error: ...``
message on bad input. Stage commands (``merge-catalogs``, ``replicates``, ``consensus``,
``cross-validate``, ``select-rank``) are the workflow's fan-out steps; ``extract`` runs them
all in one process.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence

from sigforge import __version__
from sigforge.io import InputError

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
    if not ranks or min(ranks) < 1:
        raise argparse.ArgumentTypeError(f"ranks must be >= 1, got '{text}'")
    return sorted(ranks)


def _add_nmf_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by the commands that factor replicates."""
    parser.add_argument("--seed", type=int, default=0, help="global seed (default 0)")
    parser.add_argument("--max-iter", type=int, default=5000, help="iteration cap per replicate")
    parser.add_argument("--min-iter", type=int, default=200, help="iterations before stopping")
    parser.add_argument("--tol", type=float, default=1e-7,
                        help="relative objective change that counts as converged")
    parser.add_argument("--resampling", default="poisson", choices=["poisson", "multinomial"],
                        help="bootstrap: Poisson per entry, or multinomial at each sample's "
                             "total (default poisson)")
    parser.add_argument("--normalisation", default="none", choices=["none", "cap", "gmm"],
                        help="scale hypermutated samples down before factorisation: none, "
                             "cap (at --cap) or gmm (threshold from a Gaussian mixture of the "
                             "log totals, at least --cap); see sigforge.normalise")
    parser.add_argument("--cap", type=float, default=9600.0,
                        help="mutations per sample for 'cap', floor for 'gmm' (default 9600)")
    parser.add_argument("--catalog-name", default=None,
                        help="name keying the random streams and naming components "
                             "(default: the catalog file's stem)")


def _add_rank_rule(parser: argparse.ArgumentParser) -> None:
    """Options of the rank-selection rule (see sigforge.rank)."""
    parser.add_argument("--min-mean-stability", type=float, default=0.8)
    parser.add_argument("--min-component-stability", type=float, default=0.5)
    parser.add_argument("--min-error-gain", type=float, default=0.01)
    parser.add_argument("--fixed-rank", type=int, default=None,
                        help="use this rank instead of the rule")


def _add_cv_options(parser: argparse.ArgumentParser, *, folds_default: int) -> None:
    """Options of held-out-entry cross-validation (see sigforge.crossval)."""
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
    from sigforge import commands

    parser = argparse.ArgumentParser(prog="sigforge", description=(
        "Mutational signature discovery and refitting. Run 'sigforge COMMAND --help'."))
    parser.add_argument("--version", action="version", version=f"sigforge {__version__}")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("catalog", help="VCFs + reference FASTA -> SBS96 catalog")
    p.add_argument("--reference", required=True, help="reference FASTA (plain or bgzipped)")
    p.add_argument("--vcf", nargs="+", default=[], help="VCF files, one sample each")
    p.add_argument("--vcf-dir", default=None, help="directory of *.vcf / *.vcf.gz / *.bcf")
    p.add_argument("--sample-name", nargs="+", default=None,
                   help="sample names, one per --vcf (default: the VCF's sample column, "
                        "else its file name)")
    p.add_argument("--vcf-sample", default=None,
                   help="sample column to use in multi-sample VCFs")
    p.add_argument("--all-filters", action="store_true",
                   help="count variants whatever their FILTER (default: PASS and '.')")
    p.add_argument("--out", required=True, help="output directory")
    p.set_defaults(handler=commands.catalog)

    p = sub.add_parser("merge-catalogs", help="join per-sample catalog directories into a cohort")
    p.add_argument("--inputs", nargs="+", required=True, help="directories written by 'catalog'")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=commands.merge_catalogs)

    p = sub.add_parser("replicates", help="factor one chunk of bootstrap replicates at rank k")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--first", type=int, required=True, help="first replicate index")
    p.add_argument("--count", type=int, required=True, help="replicates in this chunk")
    _add_nmf_options(p)
    p.add_argument("--out", required=True, help="output .npz")
    p.set_defaults(handler=commands.replicates)

    p = sub.add_parser("consensus", help="cluster one rank's replicates into stable signatures")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    p.add_argument("--chunks", nargs="+", required=True, help=".npz files from 'replicates'")
    p.add_argument("--catalog-name", default=None)
    p.add_argument("--seed", type=int, default=0,
                   help="global seed; keys the gap statistic's null sets (default 0)")
    p.add_argument("--out", required=True, help="rank directory (k{k})")
    p.set_defaults(handler=commands.consensus)

    p = sub.add_parser("cross-validate", help="held-out-entry cross-validation of rank k")
    p.add_argument("--catalog", required=True)
    p.add_argument("--k", type=int, required=True)
    _add_nmf_options(p)
    _add_cv_options(p, folds_default=5)
    p.add_argument("--out", required=True, help="output .npz")
    p.set_defaults(handler=commands.cross_validate)

    p = sub.add_parser("select-rank", help="choose the rank from the per-rank results")
    p.add_argument("--rank-dirs", nargs="+", required=True, help="directories from 'consensus'")
    p.add_argument("--cv", nargs="*", default=[],
                   help=".npz files from 'cross-validate', one per rank (optional)")
    _add_rank_rule(p)
    p.add_argument("--provenance", nargs="*", default=[], metavar="KEY=VALUE",
                   help="run facts recorded in provenance.json (seed, replicates, ...)")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=commands.select_rank)

    p = sub.add_parser("extract", help="the whole discovery on one machine")
    p.add_argument("--catalog", required=True)
    p.add_argument("--ranks", type=_parse_ranks, required=True, help="e.g. 1-12")
    p.add_argument("--replicates", type=int, default=100)
    p.add_argument("--chunk-size", type=int, default=25,
                   help="replicates per batched solve (the workflow's job size)")
    p.add_argument("--threads", type=int, default=1)
    _add_nmf_options(p)
    _add_cv_options(p, folds_default=5)
    _add_rank_rule(p)
    p.add_argument("--out", required=True)
    p.set_defaults(handler=commands.extract)

    p = sub.add_parser("refit", help="exposures of samples to fixed signatures, with "
                       "bootstrap intervals; per-patient mode from a VCF")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--catalog", help="catalog table (features x samples)")
    source.add_argument("--vcf", help="one patient's VCF: builds its SBS96 catalog first")
    p.add_argument("--reference", help="reference FASTA (with --vcf)")
    p.add_argument("--sample-name", default=None, help="patient name (with --vcf; default: "
                   "the VCF's sample column, else its file name)")
    p.add_argument("--vcf-sample", default=None, help="sample column of a multi-sample VCF")
    p.add_argument("--all-filters", action="store_true", help="count all FILTER values")
    p.add_argument("--signatures", required=True, help="signature table or a shipped name "
                   "such as COSMIC_v3.6")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"])
    p.add_argument("--method", default="likelihood", choices=["likelihood", "cosine", "nnls"],
                   help="sparse refit rule (default likelihood; see sigforge.refit)")
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
    p.add_argument("--out", required=True)
    p.set_defaults(handler=commands.refit)

    p = sub.add_parser("report", help="cohort HTML report and one HTML page per sample")
    p.add_argument("--catalog-dir", required=True, help="directory with SBS96.tsv, catalog_log.tsv")
    p.add_argument("--extract-dir", required=True, help="directory written by extract")
    p.add_argument("--refit-dir", required=True, help="directory written by refit")
    p.add_argument("--reference", default="COSMIC_v3.6", help="reference set for matches")
    p.add_argument("--genome-build", default="GRCh37", choices=["GRCh37", "GRCh38"])
    p.add_argument("--threads", type=int, default=None,
                   help="processes drawing patient pages (default: the CPUs allowed, at most 8)")
    p.add_argument("--out", required=True)
    p.set_defaults(handler=commands.report)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sigforge`` console script; returns the exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING if args.quiet else logging.INFO,
                        format="sigforge %(levelname)s: %(message)s", stream=sys.stderr)
    try:
        handler: Handler = args.handler
        handler(args)
    except (InputError, ValueError, FileNotFoundError) as err:
        message = str(err).replace(os.linesep, " ")
        print(f"sigforge {args.command}: error: {message}", file=sys.stderr)  # noqa: T201
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())

