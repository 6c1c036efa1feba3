"""Checks of ``refit``'s inputs before any work, and hints for a catalog whose labels miss
the signatures' (wrong case, a transposed table, a generic matrix refitted to a shipped set).

Split from :mod:`sigforge.cli.refit` so that the command module holds the refit itself.
"""

from __future__ import annotations

import argparse
import logging
import os
import re

import numpy as np
import pandas as pd

from sigforge.cli._common import given
from sigforge.io import InputError, Matrix

logger = logging.getLogger(__name__)


def known_label_sets(args: argparse.Namespace, signatures: Matrix) -> list[list[str]]:
    """The row-label sets a catalog is meant to have: the signatures' own and, unless
    --generic, every known mutation channel set (a catalog read as generic may be one)."""
    sets = [[str(label) for label in signatures.data.index]]
    if not args.generic:
        from sigforge.genomics.contexts import CHANNEL_SETS

        sets += [list(channels) for channels in CHANNEL_SETS.values()]
    return sets


def mostly_in(labels: list[str], known: list[str]) -> bool:
    """Whether at least half of ``labels`` (and at least four) are ``known`` labels, ignoring
    case: a side of the table that is meant to hold them."""
    folded = {label.casefold() for label in known}
    hits = sum(label.strip().casefold() in folded for label in labels)
    return hits >= max(4, len(labels) / 2)


def label_hint(args: argparse.Namespace, matrix: Matrix, signatures: Matrix) -> str:
    """Why a catalog's features may miss the signatures' though its counts are right: row
    labels that differ from them only in case, or a transposed table (samples as rows,
    channels as columns); '' when neither applies."""
    rows = [str(label) for label in matrix.data.index]
    columns = [str(label) for label in matrix.data.columns]
    signature_rows = [str(label) for label in signatures.data.index]
    if (matrix.channel_set is not None and mostly_in(signature_rows, columns)
            and not mostly_in(signature_rows, rows)):  # a catalog of channels: not transposed
        return (f"the signature table's rows, such as '{signature_rows[0]}', are the "
                "catalog's samples: it looks like an exposures (activities) table, not "
                "signatures. Give a signature table: one row per feature (channel) as the "
                "catalog's rows, one column per signature.")
    for known in known_label_sets(args, signatures):
        same = {label.casefold() for label in rows} == {label.casefold() for label in known}
        if same and set(rows) != set(known):
            if matrix.channel_set is not None:  # the catalog's labels are the standard ones
                example = next(row for row in signature_rows if row not in set(rows))
                proper = next(row for row in rows if row.casefold() == example.casefold())
                return (f"the signature table's row labels differ from the catalog's only in "
                        f"case (e.g. '{example}' for '{proper}'). Write every label of the "
                        f"signature table as the catalog does ('{proper}').")
            example = next(row for row in rows if row not in set(known))
            proper = next(label for label in known if label.casefold() == example.casefold())
            if args.generic:  # neither file's labels are a standard: name both
                return (f"the catalog's row labels and the signature table's differ only in "
                        f"case (e.g. '{example}' in the catalog, '{proper}' in the "
                        "signatures). Write each label the same way in both files.")
            return (f"the catalog's row labels differ from the expected labels only in case "
                    f"(e.g. '{example}' for '{proper}'). Write every label in the expected "
                    f"case ('{proper}').")
        if mostly_in(columns, known) and not mostly_in(rows, known):
            return (f"the catalog looks transposed: its column names (read as samples), such "
                    f"as '{columns[0]}', are feature labels, and its rows are samples. "
                    "Transpose it: one row per feature (channel), one column per sample.")
    return ""


def channel_set_fix(args: argparse.Namespace, matrix: Matrix, signatures: Matrix) -> str:
    """The fix for signatures and a catalog of different channel sets: a label hint (case,
    transposed) when one applies, else what makes the two sets agree."""
    hint = label_hint(args, matrix, signatures)
    if hint:
        return hint
    if matrix.channel_set is None:
        first = str(matrix.data.index[0])
        return (f"the catalog's row labels (e.g. '{first}') form no known mutation channel "
                f"set, so it was read as a generic matrix{sbs_spelling_hint(first)}. Correct "
                "its labels (SBS96: 'A[C>A]A', ...), or give --generic with a signature table "
                "file over its features.")
    others = [str(label) for label in signatures.data.index
              if label not in set(matrix.data.index)]
    theirs = (f" ({signatures.channel_set} channels)" if signatures.channel_set
              and signatures.channel_set != matrix.channel_set else "")
    named = (f"; the signature table's labels, such as '{others[0]}'{theirs}, are not "
             f"{matrix.channel_set} channels{sbs_spelling_hint(others[0])}") if others else ""
    return (f"give signatures over the same features{named} (a shipped name such as "
            "COSMIC_v3.6 picks the catalog's channel set itself).")


_SBS_SPELLING = re.compile(r"([ACGT])[\[(]([ACGT])>([ACGT])[\])]([ACGT])")


def sbs_spelling_hint(label: str) -> str:
    """How an SBS96 channel written another way is written here: on the purine strand
    ('T[G>T]T' is 'A[C>A]A', its reverse complement) or with parentheses ('A(C>A)A');
    '' for any other label."""
    found = _SBS_SPELLING.fullmatch(label.strip().upper())
    if found is None:
        return ""
    five, ref, alt, three = found.groups()
    if ref in "AG":
        pair = str.maketrans("ACGT", "TGCA")
        proper = (f"{three.translate(pair)}[{ref.translate(pair)}>{alt.translate(pair)}]"
                  f"{five.translate(pair)}")
        return (f": '{label}' names the purine (A or G) of the mutated base pair, and SBS96 "
                f"channels name the pyrimidine, so it is '{proper}' (the reverse complement "
                "of the trinucleotide and of both bases); rewrite every label that way")
    proper = f"{five}[{ref}>{alt}]{three}"
    if label.strip() == proper:  # already an SBS96 label: the table is of another channel set
        return ""
    return f": write '{label}' as '{proper}' (square brackets)"


def check_generic_signatures(name: str) -> None:
    """With --generic, --signatures must be a file: refuse a shipped set's name, which only
    mutation catalogs can use, instead of reporting it as a missing file."""
    if os.path.exists(name):  # os.path: False, not an error, for a name too long for a path
        return
    from sigforge.genomics.reference import available_references  # this error path only

    if name in available_references():
        raise InputError(f"--signatures {name}: with --generic (the workflow's matrix mode) "
                         "the catalog is a generic matrix, so --signatures takes a signature "
                         "table file (features x signatures, rows labelled as the catalog's); "
                         f"the shipped sets ({', '.join(available_references())}) are for "
                         "mutation catalogs. Give a file, or drop --generic to refit a "
                         f"mutation catalog to {name}.")


def check_source_options(args: argparse.Namespace) -> None:
    """Refuse options that do not fit the input: --generic with a VCF; --page-dir, --regions,
    --reference, --sample-name, --vcf-sample and --all-filters (which concern counting one
    patient's VCF) with a catalog: they were accepted and ignored."""
    if args.generic and not args.catalog:
        raise InputError("--generic refits a --catalog matrix; a VCF is always a mutation "
                         "catalog: drop --generic.")
    if args.page_dir and not args.vcf:
        raise InputError("--page-dir places the page of a one-patient refit: give --vcf, or "
                         "drop the option.")
    if args.regions is not None and not args.vcf:
        raise InputError("--regions restricts the counting of a --vcf to the targeted "
                         "regions; a --catalog was counted already (count it with 'sigforge "
                         "catalog --regions BED'): drop --regions.")
    vcf_only = [option for option, given in (
        ("--reference", args.reference), ("--sample-name", args.sample_name is not None),
        ("--vcf-sample", args.vcf_sample is not None), ("--all-filters", args.all_filters))
        if given]
    if vcf_only and not args.vcf:
        raise InputError(f"{' '.join(vcf_only)}: these options count a --vcf (its FASTA, name, "
                         "sample column and FILTER handling); a --catalog was counted already "
                         "and keeps its column names. Drop them, or give the --vcf.")


def check_decompose_into(args: argparse.Namespace) -> None:
    """Refuse an unknown --decompose-into before the refit runs (it is loaded only after it),
    naming the option: neither a shipped set nor an existing file. Unused with --generic."""
    if args.generic:
        return
    from sigforge.genomics.reference import available_references

    name = args.decompose_into
    if name not in available_references() and not os.path.exists(name):
        raise InputError(f"--decompose-into {args.decompose_into}: neither a shipped "
                         f"signature set ({', '.join(available_references())}) nor an "
                         "existing file. Give one of those names or the path of a signature "
                         "table (or leave the option out for COSMIC_v3.6).")


#: Two signature columns whose profiles (each scaled to sum 1) differ by at most this in
#: every channel are one signature under two names.
SAME_PROFILE_TOLERANCE = 1e-9


def check_distinct_signatures(data: pd.DataFrame, path: str, method: str = "negbin") -> None:
    """Refuse a signature table holding one profile twice under two names (a column copied
    under another name, or the same signature in other units): the refit cannot tell the two
    apart, so each sample's exposure would be split between them arbitrarily. Warn about
    near copies, and about columns that mix others (:func:`_warn_dependent`)."""
    values = data.to_numpy(dtype=np.float64)
    if values.shape[1] < 2:
        return
    profiles = values / values.sum(axis=0)
    for j in range(1, profiles.shape[1]):
        gaps = np.abs(profiles[:, :j] - profiles[:, [j]]).max(axis=0)
        same = np.flatnonzero(gaps <= SAME_PROFILE_TOLERANCE)
        if same.size:
            first, second = data.columns[int(same[0])], data.columns[j]
            raise InputError(f"signatures {path}: columns '{first}' and '{second}' hold the "
                             "same profile (identical once each is scaled to sum 1), so the "
                             "refit cannot tell them apart and would split each sample's "
                             "exposure between them arbitrarily. Drop one of the two columns "
                             "(or restrict the refit to one with --restrict-to).")
    _warn_near_copies(data, path, profiles)
    _warn_dependent(data, path, profiles, method)


#: Smallest singular value, relative to the largest, of signature columns (each summing to
#: 1) that are independent: a mixture written to a table with six significant digits lies
#: about 1e-7 from its parts; COSMIC v3.6's SBS96 set without its artefact signatures lies
#: at 2e-3, its DBS78 and ID83 sets at about 3e-2.
DEPENDENT_SINGULAR = 1e-5


def _warn_dependent(data: pd.DataFrame, path: str, profiles: np.ndarray, method: str) -> None:
    """Warn when some columns are exact mixtures of others (fewer signatures than features,
    yet not independent: a column C = (A + B) / 2), or, for NNLS, when there are more
    signatures than features: in both cases many exposures fit a sample equally well, and
    which one NNLS returns is arbitrary (the sparse refits choose the fewest signatures)."""
    features, count = profiles.shape
    if count > features:
        if method == "nnls":
            logger.warning("signatures %s: %d signatures for %d features, so each sample's "
                           "spectrum has many equally good NNLS exposures, and the one "
                           "returned is arbitrary. Refit with --method negbin (it keeps the "
                           "fewest signatures that explain a sample), or restrict the refit "
                           "(--restrict-to).", path, count, features)
        return
    _, singular, right = np.linalg.svd(profiles, full_matrices=False)
    if singular[-1] > DEPENDENT_SINGULAR * singular[0]:
        return
    mixed = [str(data.columns[i]) for i in np.flatnonzero(np.abs(right[-1]) > 1e-3)]
    logger.warning("signatures %s: columns %s are linearly dependent (one is a mixture of "
                   "the others), so a sample's exposure can move between them at no cost to "
                   "the fit. Drop the mixture (or --restrict-to the others).", path,
                   ", ".join(f"'{name}'" for name in mixed[:6])
                   + (f" and {len(mixed) - 6} more" if len(mixed) > 6 else ""))


#: Two signatures at least this similar (cosine) are near copies: COSMIC v3.6's closest
#: pair is at 0.979 (SBS96), 0.903 (DBS78), 0.866 (ID83).
NEAR_COPY_COSINE = 0.999


def _warn_near_copies(data: pd.DataFrame, path: str, profiles: np.ndarray) -> None:
    """Warn about pairs of signature columns so alike (cosine >= NEAR_COPY_COSINE) that the
    refit can barely tell them apart: a sample's exposure may go wholly to either."""
    units = profiles / np.linalg.norm(profiles, axis=0)
    cosines = np.triu(units.T @ units, k=1)
    pairs = np.argwhere(cosines >= NEAR_COPY_COSINE)
    if not len(pairs):
        return
    named = ", ".join(f"'{data.columns[i]}' and '{data.columns[j]}' (cosine "
                      f"{cosines[i, j]:.6g})" for i, j in pairs[:3].tolist())
    logger.warning("signatures %s: %s%s are nearly the same profile: the refit can barely "
                   "tell them apart, and a sample's exposure may go wholly to either. Keep "
                   "one of each pair (or --restrict-to one).", path, named,
                   f" and {len(pairs) - 3} more pair(s)" if len(pairs) > 3 else "")


def warn_unused_tumour_type(args: argparse.Namespace, prevalence: pd.Series | None,
                            names: pd.Index) -> None:
    """Warn when --tumour-type names a type but its prior (``prevalence``) knows none of the
    signatures (de novo ones, say): it then changes nothing, which the user would not
    otherwise learn."""
    if args.generic or args.method != "negbin" or args.tumour_type in ("pan-cancer", "none"):
        return
    if prevalence is not None and len(names) and not prevalence.index.isin(names).any():
        logger.warning("--tumour-type %s: none of the signatures (%s) is a COSMIC signature "
                       "the prior knows, so it changes nothing; it applies to refits against "
                       "COSMIC (--signatures COSMIC_v3.6)", args.tumour_type,
                       ", ".join(map(str, names[:4])) + (", ..." if len(names) > 4 else ""))


#: Cosine below which a user's column named like a COSMIC signature is not that signature.
PRIOR_NAME_MIN_COSINE = 0.8


def warn_prior_on_other_profiles(args: argparse.Namespace, prevalence: pd.Series | None,
                                 signatures: Matrix) -> None:
    """Warn when a user's table names a column like a COSMIC signature the prior knows
    ('SBS1') but holds another profile (cosine to COSMIC's below
    :data:`PRIOR_NAME_MIN_COSINE`): the prior, which goes by name, gives it that signature's
    prevalence, and so shifts the sample's exposures towards or away from it unsaid."""
    if (args.generic or args.method != "negbin" or prevalence is None
            or signatures.channel_set not in ("SBS96", "DBS78", "ID83")):
        return  # a generic matrix imports nothing of the mutation layer
    from sigforge.genomics.reference import available_references, load_reference

    if args.signatures in available_references():
        return
    cosmic = load_reference("COSMIC_v3.6", channel_set=signatures.channel_set,
                            genome_build=args.genome_build).data
    named = [c for c in signatures.data.columns
             if c in prevalence.index and c in cosmic.columns]
    if not named:
        return
    own = signatures.data[named].to_numpy(np.float64)
    theirs = cosmic.loc[signatures.data.index, named].to_numpy(np.float64)
    cosines = (own * theirs).sum(axis=0) / (np.linalg.norm(own, axis=0)
                                            * np.linalg.norm(theirs, axis=0))
    other = [f"{name} (cosine {value:.2f} to COSMIC's)" for name, value
             in zip(named, cosines, strict=True) if value < PRIOR_NAME_MIN_COSINE]
    if other:
        logger.warning("signatures %s: %s named like COSMIC signatures but holding other "
                       "profiles; the tumour-type prior goes by name and gives each COSMIC's "
                       "prevalence of that name. Rename them if they are other signatures "
                       "(or --tumour-type none).", signatures.path, ", ".join(other))


def warn_few_resamples(args: argparse.Namespace) -> None:
    """Warn when --bootstrap is too small for --confidence: with B resamples the percentile
    interval's ends are order statistics (B + 1)(1 - c)/2 from each end, below 1 they are
    the resamples' extremes, and the interval covers less than its nominal share. The patient
    page then marks every exposure uncertain (:mod:`sigforge.report.patient_rows`)."""
    from sigforge.refit import min_resamples

    if args.bootstrap == 0:
        return
    needed = min_resamples(args.confidence)
    if args.bootstrap < needed:
        logger.warning("--bootstrap %d: %.0f%% intervals need at least %d resamples for their "
                       "ends to lie inside the resamples; these are the resamples' lowest and "
                       "highest values and cover less than %.0f%% (give --bootstrap %d or more)"
                       "%s", args.bootstrap, 100 * args.confidence, needed,
                       100 * args.confidence, needed,
                       "; the patient page marks every exposure uncertain" if args.vcf else "")


def warn_negbin_only_options(args: argparse.Namespace) -> None:
    """Warn when --tumour-type or --penalty is set for a method other than negbin: only the
    negbin refit has a prior and a signature cost, so the other methods ignore both, and the
    user would otherwise believe the run used them (an unknown type is not even checked).
    Likewise --likelihood-threshold with a method other than likelihood, and --confidence
    with --bootstrap 0, which computes no interval."""
    from sigforge.refit import RefitOptions

    ignored = []
    if args.method != "negbin" and args.tumour_type != "pan-cancer":
        ignored.append(f"--tumour-type {args.tumour_type}")
    if args.method != "negbin" and args.penalty != RefitOptions.penalty:
        ignored.append(f"--penalty {args.penalty:g}")
    if args.method != "likelihood" and given(args, "likelihood_threshold"):
        logger.warning("--likelihood-threshold %g: the likelihood-ratio threshold of --method "
                       "likelihood; --method %s ignores it. Drop it, or refit with --method "
                       "likelihood.", args.likelihood_threshold, args.method)
    if args.bootstrap == 0 and given(args, "confidence"):
        logger.warning("--confidence %g: sets the level of the bootstrap intervals, and "
                       "--bootstrap 0 computes none, so it changes nothing. Give --bootstrap "
                       "(e.g. 100) for intervals, or drop --confidence.", args.confidence)
    if ignored:
        logger.warning("%s: used only by --method negbin (its prior and signature cost); "
                       "--method %s ignores %s. Drop %s, or refit with --method negbin.",
                       " and ".join(ignored), args.method,
                       "them" if len(ignored) > 1 else "it",
                       "them" if len(ignored) > 1 else "it")


def warn_genomics_only_options(args: argparse.Namespace) -> None:
    """Warn when --generic is given with an option only a mutation catalog uses: a generic
    matrix is decomposed into no COSMIC set, has no artefact signatures, genome build or
    tumour-type prior, so the run ignores them, and the user would otherwise believe it used
    them."""
    if not args.generic:
        return
    ignored = [f"--{name.replace('_', '-')}" for name in ("decompose_into", "novel_below",
                                                           "genome_build")
               if given(args, name)]
    if args.include_artefacts:
        ignored.append("--include-artefacts")
    if args.tumour_type != "pan-cancer":  # a made-up type was not even checked
        ignored.append(f"--tumour-type {args.tumour_type}")
    if ignored:
        logger.warning("%s: used only for mutation catalogs (a COSMIC decomposition, its "
                       "artefact signatures, its genome builds and its tumour-type priors); a "
                       "--generic matrix ignores %s. Drop %s.",
                       " and ".join(ignored), "them" if len(ignored) > 1 else "it",
                       "them" if len(ignored) > 1 else "it")


def zero_opportunity_channels(opportunities: pd.DataFrame, catalog: pd.DataFrame,
                              channel_set: str = "SBS96") -> list[str]:
    """The channels holding counted mutations whose reference context (trinucleotide,
    dinucleotide) never occurs in the targeted regions (``regions`` column): under --assay
    regions every rescaled signature is 0 there, so the model calls those mutations
    impossible. None for a channel set not rescaled (ID83)."""
    from sigforge.genomics.contexts import CHANNEL_SETS
    from sigforge.genomics.opportunities import channel_contexts, context_counts

    described = channel_contexts(channel_set)
    if described is None:
        return []
    kind, contexts = described
    context_of = dict(zip(CHANNEL_SETS[channel_set], contexts, strict=True))
    if not set(catalog.index) <= set(context_of):
        return []
    inside = context_counts(opportunities, kind, "regions")
    counted = catalog.to_numpy(dtype=np.float64).sum(axis=1) > 0
    return [str(label) for label, hit in zip(catalog.index, counted, strict=True)
            if hit and inside.get(context_of[label], 0) == 0]


def check_assay_regions_counting(args: argparse.Namespace, catalog: pd.DataFrame,
                                 channel_set: str = "SBS96") -> None:
    """Under --assay regions, refuse a catalog holding mutations in channels whose context
    never occurs in the regions of --opportunities (it then provably holds mutations from
    outside those regions, which the rescaled model calls impossible: they would be marked
    unexplained and distort the fit): a --catalog counted genome-wide or over other regions,
    a VCF counted with --regions of another BED than the opportunities', or one counted
    genome-wide (no --regions). The last is also warned about when no channel proves it (a
    panel's VCF usually holds only the panel's variants, but off-target calls would still be
    counted).
    """
    if args.assay != "regions" or args.opportunity_table is None:
        return
    impossible = zero_opportunity_channels(args.opportunity_table, catalog, channel_set)
    whole_genome = bool(args.vcf) and args.regions is None
    fix = (f"Give --regions BED (the BED of the targeted regions that --opportunities "
           f"{args.opportunities} was written from) so that only the variants inside are "
           "counted")
    if impossible:
        where = (f"the VCF {args.vcf} was counted over the whole genome (no --regions), and"
                 if whole_genome else f"{args.vcf or args.catalog}:")
        holders = (catalog.loc[impossible].to_numpy().sum(axis=0) > 0).sum()
        counts = catalog.loc[impossible].to_numpy().sum()
        remedy = (f"{fix}; or drop --assay regions for a whole-genome VCF." if whole_genome
                  else "Write --opportunities from the BED the catalog was counted with "
                       "(sigforge opportunities --regions BED), or drop --assay regions "
                       "for a whole-genome catalog.")
        raise InputError(f"--assay regions: {where} {int(counts)} of its "
                         f"{int(catalog.to_numpy().sum())} {channel_set} mutations "
                         f"({holders} sample(s)) fall in {len(impossible)} channel(s) (e.g. "
                         f"{', '.join(impossible[:3])}) whose context never occurs in the "
                         f"regions of --opportunities {args.opportunities}, so the signatures "
                         "rescaled to those regions cannot produce them: the catalog is not "
                         f"the regions'. {remedy}")
    if whole_genome:
        logger.warning("--assay regions without --regions: the VCF %s is counted over the "
                       "whole genome while the signatures are rescaled to the regions of "
                       "--opportunities %s; variants called outside those regions are counted "
                       "too. %s.", args.vcf, args.opportunities, fix)


#: Share of a --regions BED's bases that may lack a trinucleotide in --opportunities (N bases
#: and their neighbours, contig ends) before the table is called another BED's.
REGIONS_SHORTFALL = 0.05


def check_regions_match_opportunities(args: argparse.Namespace, targets: object) -> None:
    """Under --assay regions with --regions BED, compare the bases the BED covers (merged)
    with the trinucleotides --opportunities counts in its regions: from one BED the table
    counts every base but those beside an N or a contig end, so a table counting more was
    written from another BED (refused: every rescaled signature would be another panel's),
    and one counting far fewer most likely too (warned of: a FASTA with many N in the
    regions does the same)."""
    if args.assay != "regions" or args.opportunity_table is None or targets is None:
        return
    from sigforge.genomics.opportunities import context_counts

    counted = int(context_counts(args.opportunity_table, "trinucleotide", "regions").sum())
    bases = int(targets.bases)  # type: ignore[attr-defined]
    what = (f"--opportunities {args.opportunities} counts {counted:,} trinucleotides in its "
            f"regions, while --regions {args.regions} covers {bases:,} bases")
    fix = (f"Write the table from this BED (sigforge opportunities --reference "
           f"{args.reference} --regions {args.regions} --out FILE) and give it")
    if counted > bases:
        raise InputError(f"--assay regions: {what}: the table was written from another BED "
                         f"(a table counts at most one trinucleotide per base). {fix}.")
    if counted < (1 - REGIONS_SHORTFALL) * bases:
        logger.warning("--assay regions: %s (%.1f%% fewer): the table is most likely another "
                       "BED's, unless the FASTA holds that many N bases inside the regions. "
                       "%s if it is not.", what, 100 * (1 - counted / bases), fix)
