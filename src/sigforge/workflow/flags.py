"""Command-line arguments the rules pass to ``sigforge``, built from the config and the sheet.

Every function returns a list of arguments, one element per argument. Rules pass the list as
``{params.x:q}``, so Snakemake shell-quotes every element; values from the config or the sheet
are joined to their option by '=' so that a value starting with '-' stays a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def refit_flags(section: Mapping[str, Any], seed: int, genome_build: str) -> list[str]:
    """The ``sigforge refit`` options of the config's ``refit`` section (vcf mode) shared by
    every refit. Samples without a mutation of a context (no doublet, no indel) get zero
    exposures. ``refit.restrict_to`` is per refit (:func:`restrict_flags`), and so is the
    set de novo signatures are decomposed into (:func:`decompose_flags`, with
    ``refit.novel_below``, which only a refit of signatures other than the reference set
    reads: a refit to the reference set decomposes nothing, and that setting reran every
    patient page for the same bytes). The settings of
    method ``negbin`` alone (penalty, tumour-type prior, cohort prior) are left out for
    another method: inert there (the workflow says so), they reran every refit, patient page
    and report that wrote the same bytes."""
    negbin = section["method"] == "negbin"
    flags = ["--drop-empty", "--method", section["method"],
             "--bootstrap", str(section["bootstrap"]),
             "--confidence", str(section["confidence"]), "--seed", str(seed),
             "--genome-build", genome_build,
             *(["--penalty", str(section["penalty"]),
                f"--tumour-type={section['tumour_type']}"] if negbin else []),
             f"--assay={section.get('assay', 'genome')}",
             *([] if not negbin else ["--cohort-prior" if section.get("cohort_prior", True)
                                      else "--no-cohort-prior"])]
    if section.get("include_artefacts"):
        flags.append("--include-artefacts")
    return flags


def decompose_flags(context: str, signatures: str, covered: Sequence[str],
                    novel_below: float | None = None) -> list[str]:
    """``--decompose-into`` the reference set ``signatures`` (config ``signatures``) for a
    context whose channels it covers (``covered``; SBS288 and SBS1536 also when it covers
    SBS96, into which they are then summed); none otherwise, so that refit decomposes into
    its default, COSMIC_v3.6, rather than fail on a user's table of another mutation type.
    ``novel_below`` (config ``refit.novel_below``), for the refits whose signatures are not
    the reference set itself, adds ``--novel-below``."""
    base = "SBS96" if context in ("SBS288", "SBS1536") else context
    into = [f"--decompose-into={signatures}"] if context in covered or base in covered else []
    return into + ([] if novel_below is None else ["--novel-below", str(novel_below)])


def named_settings(**settings: Any) -> dict[str, Any]:
    """The settings a rule's output depends on, by name and with mappings' keys sorted: the
    value of one extra ``params`` entry of a rule whose settings are plain numbers.

    Snakemake's params rerun trigger compares the *set* of a job's param values, without their
    names. Two params that swap values, or one changed to the value of another while a third
    keeps the old one (``rank.min_component_stability`` 0.2 -> 0.8 beside
    ``min_mean_stability: 0.8`` and ``drop_below_stability: 0.2``), leave that set as it was,
    and the job would not rerun. This entry names every value, so any change shows; sorted
    keys make it independent of the order the config files list them in.
    """
    return {name: _sorted_keys(value) for name, value in sorted(settings.items())}


def _sorted_keys(value: Any) -> Any:
    """``value`` with every mapping in it a plain dict with sorted keys (lists kept)."""
    if isinstance(value, Mapping):
        return {str(key): _sorted_keys(value[key]) for key in sorted(value, key=str)}
    if isinstance(value, (list, tuple)):
        return [_sorted_keys(item) for item in value]
    return value


def first_or_none(files: str | Sequence[str]) -> str | None:
    """The one file of an optional input (an input function's list of none or one file, or
    the file itself), or None when it has none."""
    if isinstance(files, str):
        return files or None
    return str(files[0]) if files else None


def restrict_flags(names: Sequence[str] | None, known: Sequence[str]) -> list[str]:
    """``--restrict-to`` with the names of config ``refit.restrict_to`` that the refit's
    signature table has (``known``), in the config's order; none (the whole table) when the
    config names none of them. So a list of SBS, DBS and ID names restricts each context's
    refit to its own, and a context none of whose signatures is named is refitted to all."""
    kept = [name for name in names or () if name in known]
    return [f"--restrict-to={','.join(kept)}"] if kept else []


def assay_flags(assay: str, opportunities: str | None, *, native: bool = False) -> list[str]:
    """The data options of ``--assay``: ``--opportunities=FILE`` with assay regions, and
    ``--native-signatures`` for signatures extracted from this cohort (already relative to
    its assay: only shipped sets and user tables are adapted)."""
    flags = [f"--opportunities={opportunities}"] if assay == "regions" and opportunities else []
    return flags + (["--native-signatures"] if native and assay != "genome" else [])


def generic_refit_flags(section: Mapping[str, Any], seed: int, counts: bool) -> list[str]:
    """``sigforge refit`` options in matrix and joint mode.

    Counts keep the configured method and bootstrap; real-valued data get plain NNLS without
    intervals, because the likelihood rule and the multinomial resamples assume counts.
    """
    flags = ["--generic", "--seed", str(seed)]
    if counts:
        flags += ["--method", section["method"], "--bootstrap", str(section["bootstrap"]),
                  "--confidence", str(section["confidence"]), "--penalty",
                  str(section["penalty"]),
                  "--cohort-prior" if section.get("cohort_prior", True)
                  else "--no-cohort-prior"]
    else:
        flags += ["--method", "nnls", "--bootstrap", "0"]
    return flags


def catalog_flags(contexts: Sequence[str], annotation: str | None, *, all_filters: bool,
                  multi_snvs_in_sbs: bool, regions: str | None = None) -> list[str]:
    """``sigforge catalog`` options: --contexts, --annotation, --all-filters,
    --multi-snvs-in-sbs and --regions (the assay's targeted regions)."""
    flags = ["--contexts", *contexts]
    if annotation:
        flags.append(f"--annotation={annotation}")
    if regions:
        flags.append(f"--regions={regions}")
    if all_filters:
        flags.append("--all-filters")
    if multi_snvs_in_sbs:
        flags.append("--multi-snvs-in-sbs")
    return flags


def filters_flag(all_filters: bool) -> list[str]:
    """['--all-filters'] when variants failing FILTER are counted too, else []."""
    return ["--all-filters"] if all_filters else []


def vcf_sample_flag(column: str | None) -> list[str]:
    """['--vcf-sample=NAME'] for a multi-sample VCF's column NAME (verbatim), else [].

    A VCF column such as 'Tumor 1' holds spaces (the rule quotes it); '=' keeps a NAME
    starting with '-' a value, not an option.
    """
    return [f"--vcf-sample={column}"] if column else []


def vcf_refit_flags(vcf: str, reference: str, sample: str, vcf_sample: str | None, *,
                    all_filters: bool, regions: str | None = None,
                    page_dir: str | None = None, targets: str | None = None) -> list[str]:
    """The data options of a one-patient ``sigforge refit``: the VCF, the reference FASTA, the
    sample's name, its VCF column (multi-sample VCFs), --all-filters, the BED of regions
    of interest (config ``refit.regions_of_interest``), the folder of its page and the
    assay's targeted regions (config ``catalog.regions``, counted as the cohort's catalogs
    are)."""
    return [f"--vcf={vcf}", f"--reference={reference}", f"--sample-name={sample}",
            *vcf_sample_flag(vcf_sample), *filters_flag(all_filters),
            *([f"--regions-of-interest={regions}"] if regions else []),
            *([f"--page-dir={page_dir}"] if page_dir else []),
            *([f"--regions={targets}"] if targets else [])]


def pixel_flag(matrix: Mapping[str, Any] | None) -> list[str]:
    """['--pixels', 'H,W'] when the matrix's features are the pixels of an image, else []."""
    shape = (matrix or {}).get("features_are_pixels")
    return ["--pixels", f"{shape[0]},{shape[1]}"] if shape else []


def counts_flag(matrix: Mapping[str, Any] | None) -> list[str]:
    """['--counts'] when the matrix is declared to hold counts, else []."""
    return ["--counts"] if (matrix or {}).get("counts") else []


def blocks_flag(blocks: str | None) -> list[str]:
    """['--blocks', FILE] for the joint report's blocks table, else []."""
    return ["--blocks", str(blocks)] if blocks else []
