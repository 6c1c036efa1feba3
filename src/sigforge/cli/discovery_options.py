"""The options of the discovery commands, declared once: NMF (every command that factors
replicates), cross-validation, the rank rule, and all of them for ``select-rank`` and
``extract`` (whose provenance.json records them). Defaults come from :class:`NMFOptions`,
:class:`CVOptions` and :class:`RankRule`: the one home of each default.
"""

from __future__ import annotations

import argparse

from sigforge.cli._common import (
    MAX_CV_STARTS,
    MAX_ITERATIONS,
    MAX_RANK,
    MAX_REPLICATES,
    add_drop_empty,
    add_generic,
    add_seed,
    count_type,
    field_default,
    real,
)
from sigforge.discovery.crossval import CV_SCHEMES, CVOptions
from sigforge.discovery.pipeline import MAX_STARTS, NMFOptions
from sigforge.discovery.rank import RankRule

#: Most held-out folds per rank: each fold is a full masked fit per start, and 5-10 folds give
#: a stable error; the bound keeps a mistyped --cv-folds from queueing a run that never ends.
MAX_CV_FOLDS = 100


def add_skip_options(parser: argparse.ArgumentParser) -> None:
    """--drop-empty and --skip-unfactorable: how a discovery step treats thin catalogs."""
    add_drop_empty(parser)
    parser.add_argument("--skip-unfactorable", default=None, metavar="KMAX",
                        type=count_type(1, MAX_RANK, "the largest rank of the run"),
                        help="the largest rank of the run: a catalog too thin to factor at it "
                             "(fewer samples or channels with a mutation than KMAX, or fewer "
                             "than 20 mutations per signature) is not factored; the step writes "
                             "a result saying why instead of failing (default: always factor)")
    parser.add_argument("--require-factored", action="store_true",
                        help="with --skip-unfactorable: stop with an error naming the largest "
                             "rank the catalog supports instead of skipping it (the workflow "
                             "gives it for SBS96, whose signatures the pages are drawn from)")


def add_nmf_options(parser: argparse.ArgumentParser) -> None:
    """Options of the commands that factor replicates; defaults from :class:`NMFOptions`."""
    add_seed(parser, "; replicate r of rank k draws from (seed, catalog name, k, r) alone")
    parser.add_argument("--max-iter", default=field_default(NMFOptions, "max_iter"),
                        type=count_type(1, MAX_ITERATIONS, "an iteration cap per replicate"),
                        help="iteration cap of each stage of a replicate's fit: the plain "
                             "fit, then (with --volume above 0) the minimum-volume refinement, "
                             "followed by its 200-iteration polish; a replicate may thus run up "
                             "to twice this plus 200 (n_iter in the chunk counts them all)")
    parser.add_argument("--min-iter", default=field_default(NMFOptions, "min_iter"),
                        type=count_type(0, MAX_ITERATIONS, "iterations before stopping"),
                        help="iterations before stopping (the minimum-volume refinement runs "
                             "at least 200, or --max-iter if fewer)")
    parser.add_argument("--tol", type=real, default=field_default(NMFOptions, "tol"),
                        help="relative objective change that counts as converged")
    parser.add_argument("--resampling", default=field_default(NMFOptions, "resampling"),
                        help="bootstrap: poisson (per entry), multinomial (at each sample's "
                             "total) or scaled[:DEPTH] (multinomial at DEPTH pseudo-counts, "
                             "rescaled; for real-valued data)")
    parser.add_argument("--normalisation", default=field_default(NMFOptions, "normalisation"),
                        choices=["none", "cap", "gmm"],
                        help="scale hypermutated samples down before factorisation: none, "
                             "cap (at --cap) or gmm (threshold from a Gaussian mixture of the "
                             "log totals, at least --cap); see sigforge.discovery.normalise")
    parser.add_argument("--cap", type=real, default=field_default(NMFOptions, "cap"),
                        help="mutations per sample for 'cap', floor for 'gmm'")
    parser.add_argument("--starts", default=field_default(NMFOptions, "starts"),
                        type=count_type(1, MAX_STARTS, "random starts per replicate"),
                        help="random starts per bootstrap replicate; the fit with the lowest "
                             "objective is kept (see sigforge.discovery.solve_replicates)")
    parser.add_argument("--volume", type=real, default=field_default(NMFOptions, "volume"),
                        help="relative weight of the minimum-volume refinement of every "
                             "replicate, then polished by plain updates (0: plain KL NMF); "
                             "separates flat, overlapping signatures (see "
                             "sigforge.nmf.fit_kl_mu_batched)")
    add_generic(parser)
    add_skip_options(parser)
    parser.add_argument("--catalog-name", default=None, type=catalog_name_type,
                        help="name keying the random streams and naming components "
                             "(default: the catalog file's stem)")


def catalog_name_type(text: str) -> str:
    """argparse type of --catalog-name: any name but an empty (or blank) one, which would
    otherwise be replaced silently by the catalog file's stem."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            f"expected a name for the components, got {text!r}; leave --catalog-name out to "
            "use the catalog file's stem.")
    return text


def add_cv_options(parser: argparse.ArgumentParser) -> None:
    """Options of held-out cross-validation; defaults from :class:`CVOptions`."""
    parser.add_argument("--cv-folds", default=field_default(CVOptions, "folds"),
                        type=count_type(0, MAX_CV_FOLDS, "held-out folds per rank (0 disables)"),
                        help="held-out folds per rank; 0 disables")
    parser.add_argument("--cv-scheme", choices=CV_SCHEMES,
                        default=field_default(CVOptions, "scheme"),
                        help="what a fold hides: random entries, or a block of samples x "
                             "channels (bi-cross-validation; for hypermutated genomes)")
    parser.add_argument("--cv-holdout", type=real, default=field_default(CVOptions, "holdout"),
                        help="share of entries hidden per fold (--cv-scheme entries)")
    parser.add_argument("--cv-block", type=real, default=field_default(CVOptions, "block"),
                        help="share of the samples and of the channels in each fold's hidden "
                             "block (--cv-scheme blocks)")
    parser.add_argument("--cv-starts", default=field_default(CVOptions, "starts"),
                        type=count_type(1, MAX_CV_STARTS, "random starts per fold"),
                        help="random starts per fold; the best on the visible entries is kept")
    parser.add_argument("--cv-max-iter", default=field_default(CVOptions, "max_iter"),
                        type=count_type(1, MAX_ITERATIONS, "an iteration cap per masked fit"),
                        help="iteration cap of each masked fit")


def add_rank_rule(parser: argparse.ArgumentParser) -> None:
    """Options of the rank-selection rule; defaults from :class:`RankRule`."""
    for name, text in (("min_mean_stability", "mean component silhouette of a candidate rank"),
                       ("min_component_stability", "silhouette of every component of a "
                                                   "candidate rank"),
                       ("min_error_gain", "share of the KL divergence a larger rank must "
                                          "remove (without cross-validation)")):
        parser.add_argument(f"--{name.replace('_', '-')}", type=real,
                            default=field_default(RankRule, name), help=f"smallest {text}")
    parser.add_argument("--fixed-rank", type=int, default=field_default(RankRule, "fixed_rank"),
                        help="use this rank instead of the rule (default: the rule chooses)")
    parser.add_argument("--drop-below-stability", type=real,
                        default=field_default(RankRule, "drop_below_stability"),
                        help="leave out of each rank the components whose stability is below "
                             "this (not reproduced by the replicates); -1 keeps every one")
    parser.add_argument("--max-dropped-components", type=int,
                        default=field_default(RankRule, "max_dropped_components"),
                        help="most components left out of one rank; a rank with more below "
                             "--drop-below-stability keeps them all (and is no candidate)")
    parser.add_argument("--rescue-min-stability", type=real,
                        default=field_default(RankRule, "rescue_min_stability"),
                        help="add to the chosen signatures the components of larger ranks "
                             "reproduced at this stability or more (and unlike every chosen "
                             "one); above 1 adds none")
    parser.add_argument("--rescue-max-cosine", type=real,
                        default=field_default(RankRule, "rescue_max_cosine"),
                        help="a component of a larger rank is added only when its cosine to "
                             "every chosen signature is below this")


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Every option provenance.json records but --catalog and --ranks (see run_facts)."""
    parser.add_argument("--replicates", default=100,
                        type=count_type(2, MAX_REPLICATES, "bootstrap replicates per rank"),
                        help="bootstrap replicates per rank")
    add_nmf_options(parser)
    add_cv_options(parser)
    add_rank_rule(parser)
