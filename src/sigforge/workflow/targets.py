"""The files the workflow writes, as plain path lists (the default target and its parts).

Snakemake reruns a job whose output is missing only when a target or a job that reruns needs
that output; a deleted chunk or rank table under an up-to-date report would be "Nothing to be
done". The default target therefore names every product, intermediates included, so that a
plain rerun rebuilds whatever is missing and everything downstream of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

#: Files every rank folder holds (cv.npz besides when cross-validation is on).
RANK_FILES = ("signatures.tsv", "exposures.tsv", "stability.tsv", "metrics.json")
#: Files of the chosen rank, beside the rank folders.
CHOSEN_FILES = ("rank_metrics.tsv", "signatures.tsv", "exposures.tsv", "stability.tsv",
                "provenance.json")
#: Files of one refit folder.
REFIT_FILES = ("exposures.tsv", "reconstruction.tsv", "exposure_intervals.tsv",
               "decomposition.tsv")


#: Files of one patient's folder (its page is ``{outdir}/patients/{stem}.html``).
PATIENT_FILES = ("exposures.tsv", "exposure_intervals.tsv", "mutation_probabilities.tsv",
                 "regions_of_interest.tsv")


def discovery_products(catalog: str, ranks: Iterable[int], n_chunks: int,
                       cv_folds: int, outdir: str = "results") -> list[str]:
    """Every file of the discovery: chunks, per-rank tables and CV folds, the chosen rank."""
    ranks = list(ranks)
    rank_files = [*RANK_FILES, "cv.npz"] if cv_folds > 0 else list(RANK_FILES)
    base = f"{outdir}/extract/{catalog}"
    files = [f"{base}/k{k}/chunks/chunk{chunk}.npz" for k in ranks for chunk in range(n_chunks)]
    files += [f"{base}/k{k}/{name}" for k in ranks for name in rank_files]
    files += [f"{base}/{name}" for name in CHOSEN_FILES]
    return files


def report_discovery_files(catalog: str, ranks: Iterable[int],
                           outdir: str = "results") -> list[str]:
    """The discovery files the cohort report reads of one extraction folder: the rank choice,
    the chosen signatures and every rank tried."""
    base = f"{outdir}/extract/{catalog}"
    files = [f"{base}/{name}" for name in ("rank_metrics.tsv", "signatures.tsv",
                                           "provenance.json")]
    return files + [f"{base}/k{k}/{name}" for k in ranks
                    for name in ("signatures.tsv", "metrics.json")]


def vcf_products(stems: Sequence[str], contexts: Sequence[str],
                 refit_contexts: Sequence[str], reference_contexts: Sequence[str],
                 outdir: str = "results") -> list[str]:
    """Every file the vcf mode writes besides discovery: catalogs, the cohort refits of
    ``refit_contexts`` and reference refits of ``reference_contexts``, the reports and the
    patient pages."""
    names = [f"{context}.tsv" for context in contexts] + ["catalog_log.tsv"]
    catalogs = [f"{outdir}/catalogs/samples/{stem}/{name}" for stem in stems for name in names]
    catalogs += [f"{outdir}/catalogs/{context}.tsv" for context in contexts]
    refits = [f"{outdir}/refit/{context}/{name}" for context in refit_contexts
              for name in REFIT_FILES]
    refits += [f"{outdir}/refit/{context}/reference/{name}" for context in reference_contexts
               for name in REFIT_FILES]
    reports = [f"{outdir}/report/cohort.html", f"{outdir}/report/figures"]
    reports += [f"{outdir}/report/patients/{stem}.html" for stem in stems]
    patients = [f"{outdir}/patients/{stem}.html" for stem in stems]
    patients += [f"{outdir}/patients/{stem}/{name}" for stem in stems for name in PATIENT_FILES]
    return (catalogs + [f"{outdir}/catalogs/catalog_log.tsv"] + refits + reports
            + patients)


def generic_products(catalog: str, modalities: Sequence[str] | None = None,
                     outdir: str = "results") -> list[str]:
    """Every file the matrix mode (joint mode: with ``modalities``) writes besides discovery."""
    files = [f"{outdir}/catalogs/{catalog}.tsv", f"{outdir}/catalogs/{catalog}_dropped.tsv",
             f"{outdir}/refit/{catalog}/exposures.tsv",
             f"{outdir}/refit/{catalog}/reconstruction.tsv", f"{outdir}/report/cohort.html"]
    if modalities is not None:
        files += [f"{outdir}/catalogs/{catalog}_blocks.tsv",
                  f"{outdir}/joint/{catalog}/modalities.tsv"]
        files += [f"{outdir}/joint/{catalog}/{name}_signatures.tsv" for name in modalities]
    return files


def intermediates(products: Iterable[str]) -> list[str]:
    """The chunk, CV and metrics files among products (those a damaged copy can hide in)."""
    return [path for path in products if path.endswith((".npz", ".json"))]
