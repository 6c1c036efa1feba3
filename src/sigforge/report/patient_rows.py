"""The decisions behind a patient page, as small pure functions that tests can call directly.

A patient page must not overstate: exposures are listed largest first, signatures the fit
did not use are collapsed out of the way, a signature whose bootstrap interval includes 0 is
marked *uncertain* and is never reported as a finding (nor is any signature when the
intervals rest on too few resamples to mean anything, :func:`too_few_resamples`), intervals
are labelled with the level they were computed at (:func:`interval_label`), and a COSMIC
aetiology is shown only beside a close match (cosine at least :data:`AETIOLOGY_MIN_COSINE`).
Rows are plain dicts (the keys the patient template reads); :func:`exposure_row` builds one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from sigforge.refit import min_resamples
from sigforge.report.rounding import balance_shown, balanced_counts, largest_remainder
from sigforge.report.tables import MISSING, fmt_float, fmt_int, fmt_percent, is_missing

__all__ = ["balance_shown", "balanced_counts"]  # re-exported: split into .rounding

#: How a sentence writes a name (plain text by default).
Namer = Callable[[str], str]

AETIOLOGY_MIN_COSINE = 0.9
"""A signature is shown with a COSMIC signature's proposed aetiology only when its cosine
similarity to that COSMIC signature is at least this; below it the match is too loose for the
aetiology to say anything about the sample. The pages state the threshold."""

#: The aetiology cell of every row of a page (or section) whose fit supports no finding.
WITHHELD_AETIOLOGY = "not shown: no signature is established in this sample (see the caution)"

GOOD_FIT = 0.9
"""Reconstruction cosine from which the Reading calls the fit close."""

MINOR_SHARE = 0.1
"""Findings below this share of the attributed mutations are listed together, not one by one."""

UNCERTAIN_TITLE = ("The bootstrap interval of this exposure includes 0: resampling the "
                   "sample's mutations often leaves this signature out, so its presence is not "
                   "established.")
"""The tooltip of the "uncertain" badge."""

FEW_RESAMPLES_TITLE = ("The bootstrap intervals rest on too few resamples for their level, so "
                       "no exposure is established by them.")
"""The tooltip of the "uncertain" badge when the intervals rest on too few resamples."""

REGION_COLUMNS = ("region", "chrom", "pos", "ref", "alt", "context", "channel", "signature",
                  "probability")
"""The columns ``regions_of_interest.tsv`` always has: one row per counted variant in a given
region. A table of SNVs alone (as written before doublets and indels were listed) has only
these."""

REGION_TABLE_COLUMNS = ("region", "region_chrom", "region_start", "region_end", "type",
                        *REGION_COLUMNS[1:], "explained")
"""The columns of ``regions_of_interest.tsv`` as ``sigforge refit --vcf`` writes it: the
region's name and BED coordinates (0-based start, end: two regions of one name stay apart),
the variant's type (SBS96, DBS78 or ID83), then the variant, and whether the fit explains
it (False: no signature the fit uses produces its channel, and none is named; empty for a
type that was not refitted)."""

_REGION_HEADERS = {"region": "Region", "span": "Region span", "type": "Type",
                   "chrom": "Chrom", "pos": "Position", "ref": "Ref", "alt": "Alt",
                   "context": "Context", "channel": "Channel",
                   "signature": "Most likely signature", "probability": "Probability"}


#: Lower interval end below which an exposure counts as not established: half a mutation,
#: the line at which a signature counts as called at all (a lower end of 0.2 mutations, an
#: interpolation between a zero draw and the next, does not exclude 0 in any useful sense).
ESTABLISHED_LOWER = 0.5


def is_uncertain(value: float, lower: float, enough_resamples: bool = True) -> bool:
    """True when a used signature's interval includes 0 (its lower end is below
    :data:`ESTABLISHED_LOWER`, half a mutation), or when its interval rests on too few
    resamples to establish anything, or the page establishes nothing for another reason
    (``enough_resamples`` False: :func:`too_few_resamples`, no intervals at all, or a fit
    that supports no finding, :mod:`sigforge.report.fit_support`).

    A row without an interval (``lower`` missing) is otherwise not marked (a signature the
    resamples' table does not list).
    """
    return value > 0 and (not enough_resamples
                          or (not is_missing(lower) and lower < ESTABLISHED_LOWER))


def interval_settings(intervals: pd.DataFrame | None) -> tuple[float | None, int | None]:
    """(confidence, resamples) of an exposure_intervals table: its ``confidence`` and
    ``resamples`` columns, each None when absent (a table written before they were recorded),
    not one number, or not a number."""
    if intervals is None:
        return None, None

    def single(column: str) -> float | None:
        if column not in intervals.columns:
            return None
        values = pd.to_numeric(intervals[column], errors="coerce").dropna().unique()
        return float(values[0]) if len(values) == 1 else None

    confidence, resamples = single("confidence"), single("resamples")
    if confidence is not None and not 0 < confidence < 1:
        confidence = None
    return confidence, None if resamples is None else int(resamples)


def level_text(confidence: float) -> str:
    """A confidence level as a percentage: 0.95 -> '95%', 0.995 -> '99.5%'."""
    return f"{round(confidence * 100, 6):g}%"


def interval_label(confidence: float | None) -> str:
    """The heading of the interval column: '95% interval' at the level the refit used, or
    'Interval (level not recorded)' for a table that does not say (written before the level
    was recorded: --confidence could be set, so no level can be assumed)."""
    if confidence is None:
        return "Interval (level not recorded)"
    return f"{level_text(confidence)} interval"


def too_few_resamples(confidence: float | None, resamples: int | None) -> bool:
    """Whether intervals of ``resamples`` bootstrap refits at level ``confidence`` are too
    few to mean anything: below :func:`sigforge.refit.min_resamples` their ends are the
    resamples' extremes (one resample makes a zero-width interval that may not even hold the
    estimate). False when either is unknown."""
    return confidence is not None and resamples is not None and 0 < resamples < \
        min_resamples(confidence)


def few_resamples_warning(confidence: float, resamples: int) -> str:
    """The page's warning for intervals resting on too few resamples."""
    needed = min_resamples(confidence)
    return (f"The bootstrap intervals below rest on only {resamples} resample"
            f"{'s' if resamples != 1 else ''}; a {level_text(confidence)} interval needs at "
            f"least {needed} for its ends to lie inside the resamples (with fewer they are the "
            "resamples' lowest and highest values and cover less than stated). Every exposure "
            "is therefore marked uncertain and none is stated as a finding. Rerun the refit "
            f"with --bootstrap {needed} or more.")


def is_close_match(reference: str, cosine: float) -> bool:
    """Whether a signature matches its best COSMIC signature closely enough for the aetiology."""
    return reference != MISSING and not is_missing(cosine) and cosine >= AETIOLOGY_MIN_COSINE


def _cosine_text(cosine: float) -> str:
    """A cosine to two decimals, or three where two would round it up to the threshold."""
    text = f"{cosine:.2f}"
    if cosine < AETIOLOGY_MIN_COSINE <= float(text):
        text = f"{cosine:.3f}"
    return text


def shared_matches(matches: Mapping[str, tuple[str, float]]) -> dict[str, list[str]]:
    """Per de novo signature, the other de novo signatures whose best reference match is the
    same: each shown alone would read as that reference signature found twice, where the
    factorisation may have split one process in two (or found two the reference set does not
    tell apart)."""
    by_reference = names_by_reference(matches)
    return {name: [other for other in by_reference.get(reference, []) if other != name]
            for name, (reference, _) in matches.items()}


def names_by_reference(matches: Mapping[str, tuple[str, float]]) -> dict[str, list[str]]:
    """The signatures of ``matches`` (name -> (best reference match, cosine)) grouped by
    their best match, in the order given; unknown matches left out."""
    by_reference: dict[str, list[str]] = {}
    for name, (reference, _) in matches.items():
        if reference != MISSING:
            by_reference.setdefault(reference, []).append(name)
    return by_reference


def aetiology_text(signature: str, reference: str, cosine: float,
                   aetiology: Mapping[str, str], label: str = "reference") -> str:
    """The aetiology cell: COSMIC's proposed aetiology for a close match, else why none.

    A signature that *is* a COSMIC signature (a refit to COSMIC) matches itself exactly
    (cosine 1), so its own aetiology is shown. ``signature`` names the row in messages only;
    ``label`` names the matched set (``COSMIC``, or ``reference`` for a user's table).
    """
    if reference == MISSING or is_missing(cosine):
        return f"no {label} match on record"
    if not is_close_match(reference, cosine):
        return f"no close {label} match (best: {reference}, cosine {_cosine_text(cosine)})"
    return aetiology.get(reference, "")


def exposure_row(signature: str, value: float, total: float, interval: tuple[float, float, float],
                 match: tuple[str, float], aetiology: Mapping[str, str],
                 enough_resamples: bool = True, label: str = "reference") -> dict[str, Any]:
    """One row of the exposure table: numbers for the Reading, strings for the page.

    ``interval`` is (lower, upper, presence), NaN when the refit wrote no intervals; ``match``
    is (best reference signature, cosine); ``enough_resamples`` False marks the row uncertain
    whatever its interval (:func:`too_few_resamples`); ``label`` names the matched set in the
    row's texts (``COSMIC``, or ``reference`` for a user's table).
    """
    lower, upper, presence = interval
    reference, cosine = match
    fraction = value / total if total > 0 else 0.0
    return {"signature": signature, "value": value, "fraction": fraction,
            "mutations": fmt_int(value), "percent": fmt_percent(fraction),
            "reference": reference, "reference_value": cosine, "cosine": fmt_float(cosine),
            "lower": lower, "presence_value": presence,
            "interval": interval_text(lower, upper),
            "presence": "" if is_missing(presence) else fmt_percent(presence),
            "uncertain": is_uncertain(value, lower, enough_resamples),
            "close_match": is_close_match(reference, cosine), "match_label": label,
            "aetiology": aetiology_text(signature, reference, cosine, aetiology, label)}


def interval_text(lower: float, upper: float) -> str:
    """An interval as counts; a lower bound above 0 but under 1 keeps a digit, so that an
    interval that excludes 0 never reads "0 – ..." (a lower end of exactly 0.5, which whole
    numbered resamples give, is established: :func:`is_uncertain`); so does an upper bound
    under 1, so that one end is never written more finely than the other ("0.7 – 0.7", not
    "0.7 – 1")."""
    if is_missing(lower):
        return ""
    low = f"{lower:.1f}" if 0 < lower < 1 else fmt_int(lower)
    high = f"{upper:.1f}" if 0 < lower < 1 and upper < 1 else fmt_int(upper)
    return f"{low} – {high}"


def natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """A name's sort key with its runs of digits as numbers: SBS2 < SBS10a < SBS100."""
    return tuple((0, int(part)) if part.isdigit() else (1, part)
                 for part in re.split(r"(\d+)", str(name)) if part)


def order_rows(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Rows by exposure, largest first; equal exposures (the signatures not found) by name,
    numbers in names read as numbers (SBS2, SBS10a, SBS100, as COSMIC lists them)."""
    return sorted(rows, key=lambda row: (-_tie_free(row["value"]), natural_key(row["signature"])))


def _tie_free(value: float) -> float:
    """``value`` to 12 significant digits: two exposures a fit makes equal (16 and 16) differ
    in their last bits by floating-point noise, which must not decide which is listed, and
    called largest, first; their names do."""
    return float(f"{float(value):.12g}")


def split_found(rows: Iterable[Mapping[str, Any]]
                ) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """(signatures the fit used, ordered by exposure; those at 0, by name).

    The second list is what the page collapses into "N signatures not found in this sample".
    """
    ordered = order_rows(rows)
    return [row for row in ordered if row["value"] > 0], \
        [row for row in ordered if not row["value"] > 0]


def resemblance(row: Mapping[str, Any], *, relative: bool, name: Namer = str) -> str:
    """Clause on how closely a signature resembles its best match in the reference set (named
    by the row's ``match_label``).

    ``relative`` phrases it to follow the signature's name ("which ..."), otherwise as a
    clause of its own ("it ..."); ``name`` writes the match's name (see
    :func:`describe_sample`).
    """
    subject, possessive = ("which", "whose") if relative else ("it", "its")
    cosine, label = row["reference_value"], row["match_label"]
    if row["reference"] == row["signature"]:
        return f"{subject} is itself a {label} signature"
    if row["reference"] == MISSING or is_missing(cosine):
        return f"{subject} has no {label} match on record"
    if cosine >= AETIOLOGY_MIN_COSINE:
        return f"{subject} resembles {label} {name(row['reference'])} (cosine {fmt_float(cosine)})"
    return (f"{possessive} closest {label} signature, {name(row['reference'])}, is only a weak "
            f"match (cosine {_cosine_text(cosine)})")


def _whole(burden: int, attributed: float) -> str:
    """What the shares are of: "this sample's 469 SNVs", or, when the exposures sum to other
    than the SNVs counted (NNLS and cosine refits do not keep the total), "the 430 mutations
    the fit attributes (of this sample's 469 SNVs)", so that a share is never read as one of
    the SNVs named beside it."""
    if abs(attributed - burden) < max(0.5, 0.005 * burden):
        return f"this sample's {snvs(burden)}"
    return (f"the {attributed:,.0f} mutations the fit attributes (of this sample's "
            f"{snvs(burden)})")


def _lead_sentence(whole: str, top: Mapping[str, Any], largest: bool,
                   name: Namer = str) -> str:
    """The first finding: the established signature with the largest exposure."""
    share = top["share"]
    bracketed = whole.endswith(")")  # "... (of this sample's 349 SNVs)": no second bracket
    if _tie_free(top["fraction"]) > 0.5:  # an exact half (a tie of two) is not "most"
        opening = (f"Most ({share}) of {whole} are attributed to" if bracketed
                   else f"Most of {whole} ({share}) are attributed to")
    elif largest:
        opening = (f"The largest share ({share}) of {whole} is attributed to" if bracketed
                   else f"The largest share of {whole} ({share}) is attributed to")
    else:
        opening = f"Of {whole}, {share} are attributed to"
    return f"{opening} {name(top['signature'])}, {resemblance(top, relative=True, name=name)}."


def _finding_sentences(whole: str, findings: Sequence[Mapping[str, Any]],
                       largest: bool, name: Namer = str) -> list[str]:
    """Sentences stating the established signatures (interval excludes 0, or no intervals)."""
    sentences = [_lead_sentence(whole, findings[0], largest, name)]
    minor = []
    for row in findings[1:]:
        if row["fraction"] >= MINOR_SHARE:
            sentences.append(f"{name(row['signature'])} accounts for a further "
                             f"{row['share']}; "
                             f"{resemblance(row, relative=False, name=name)}.")
        else:
            minor.append(f"{name(row['signature'])} ({row['share']})")
    if minor:
        sentences.append(f"Smaller contributions: {', '.join(minor)}.")
    return sentences


def _with_shares(used: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The used rows with ``share``, their whole percentages balanced by largest remainder
    as the table's are (each rounded alone, 30 + 26 + 26 + 19 made 101%)."""
    values = np.array([row["value"] for row in used], dtype=np.float64)
    wholes = largest_remainder(100 * values / values.sum()) if values.sum() > 0 \
        else np.zeros(len(used))
    return [dict(row, share=f"{int(whole)}%") for row, whole in zip(used, wholes, strict=True)]


def _possible_sentence(uncertain: Sequence[Mapping[str, Any]], few_resamples: bool,
                       name: Namer = str, withheld: bool = False) -> str:
    """The uncertain signatures, named as possibly present, never with a share."""
    names = []
    for row in uncertain:
        presence = row.get("presence_value", np.nan)
        names.append(name(row["signature"]) if is_missing(presence) or few_resamples
                     or withheld else
                     f"{name(row['signature'])} (used in {presence:.0%} of resamples)")
    which = "these signatures" if len(names) > 1 else "this signature"
    why = ("see the caution above" if withheld else
           "too few resamples to tell" if few_resamples else
           "its interval includes 0" if all(is_missing(row.get("lower", np.nan))
                                             or row["lower"] <= 0 for row in uncertain)
           else "its interval includes 0 once rounded to whole mutations")
    return (f"Possibly present ({why}): {', '.join(names)}. The data do not "
            f"establish {which} in this sample.")


def snvs(burden: int) -> str:
    """'1 SNV', '2,000 SNVs'."""
    return f"{burden:,} SNV{'' if burden == 1 else 's'}"


def describe_sample(burden: int, rows: Sequence[Mapping[str, Any]], cosine: float, *,
                    few_resamples: bool = False, withheld: str | None = None,
                    name: Namer = str) -> list[str]:
    """A short plain-language reading of one sample's numbers, sentence by sentence.

    Only signatures whose interval excludes 0 (all used signatures when there are no
    intervals) are stated as findings; the others are named as possibly present. With
    ``few_resamples`` (intervals on too few resamples, every row uncertain) none is a
    finding, and the reading says why; so with ``withheld``, the reason the fit supports no
    finding (:mod:`sigforge.report.fit_support`). ``name`` writes each signature's name into a
    sentence (the page marks them, :class:`sigforge.report.pages.IsolatedNames`).
    """
    used, _ = split_found(rows)
    if burden <= 0:
        return ["No SNVs were counted for this sample, so no signature can be attributed."]
    if not used:
        return [f"None of this sample's {snvs(burden)} is explained by a signature of the "
                "reference set (no signature can produce their channels), so none is "
                "attributed."]
    used = _with_shares(used)
    findings = [row for row in used if not row.get("uncertain", False) and not withheld]
    uncertain = [row for row in used if row.get("uncertain", False) or withheld]
    if withheld:
        sentences = [f"No signature is established in this sample's {snvs(burden)}: "
                     f"{withheld} (see the caution above)."]
    elif findings:
        attributed = float(sum(row["value"] for row in used))
        sentences = _finding_sentences(_whole(burden, attributed), findings,
                                       largest=findings[0] is used[0], name=name)
    elif few_resamples:
        sentences = [f"No signature is established in this sample's {snvs(burden)}: the "
                     "bootstrap intervals rest on too few resamples to establish any "
                     "(see the warning above)."]
    else:
        sentences = [f"No signature is established in this sample's {snvs(burden)}: the "
                     "bootstrap interval of every signature used in the fit includes 0."]
    if uncertain:
        sentences.append(_possible_sentence(uncertain, few_resamples, name, bool(withheld)))
    if not is_missing(cosine):
        quality = ("see the caution above" if withheld else "a close fit"
                   if cosine >= GOOD_FIT else "a loose fit; read it with caution")
        sentences.append(f"Together the signatures reconstruct the observed spectrum with "
                         f"cosine similarity {fmt_float(cosine)} (1 is a perfect match; "
                         f"{quality}).")
    return sentences


def unexplained_share(observed: npt.NDArray[np.float64],
                      reconstructed: npt.NDArray[np.float64]) -> float:
    """Share of the observed mutations the reconstruction does not explain.

    The observed mutations in excess of the reconstruction, channel by channel, over the
    observed total: 0 for a perfect reconstruction, 1 when nothing is explained (no
    signature fitted, or spectra that share no mass); NaN for an empty sample. Where the fit
    keeps the total this is half the summed absolute residual; where it attributes fewer
    mutations than were observed (NNLS, cosine refits; channels no signature produces) the
    shortfall counts as unexplained, as it is.
    """
    total = float(np.sum(observed))
    if total <= 0:
        return float("nan")
    excess = np.asarray(observed, dtype=np.float64) - np.asarray(reconstructed, dtype=np.float64)
    return float(np.clip(excess, 0.0, None).sum()) / total


def _region_cell(value: object) -> str:
    """A cell of the regions table as text; whole-number floats (positions) without '.0'."""
    if is_missing(value):
        return MISSING
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _region_keys(regions: pd.DataFrame) -> list[str]:
    """The page's columns for a regions table: the span and type after the name when the
    table has the region coordinates (:data:`REGION_TABLE_COLUMNS`), else the SNV columns."""
    full = all(column in regions.columns for column in REGION_TABLE_COLUMNS)
    return ["region", *(["span", "type"] if full else []), *REGION_COLUMNS[1:]]


def region_headers(regions: pd.DataFrame) -> list[tuple[str, bool]]:
    """(heading, numeric) of each column :func:`region_rows` gives for ``regions``."""
    return [(_REGION_HEADERS[key], key in ("pos", "probability"))
            for key in _region_keys(regions)]


def _span(record: Mapping[str, Any]) -> str:
    """A region's span as genome browsers write it, 1-based: ``chrom:start+1-end``."""
    start = pd.to_numeric(pd.Series([record["region_start"]]), errors="coerce").iloc[0]
    if is_missing(start):
        return MISSING
    return f"{record['region_chrom']}:{int(start) + 1}-{_region_cell(record['region_end'])}"


def region_rows(regions: pd.DataFrame) -> list[list[str]]:
    """Display rows of ``regions_of_interest.tsv`` as text: the :data:`REGION_COLUMNS`, with
    the region's span and the variant's type after its name when the table has them; a
    doublet or an indel of a type not refitted has no signature (shown as missing).

    Raises
    ------
    ValueError
        If a column is missing (the file was not written by the regions step).
    """
    missing = [column for column in REGION_COLUMNS if column not in regions.columns]
    if missing:
        raise ValueError(f"regions of interest: expected columns {list(REGION_COLUMNS)}, "
                         f"missing {missing}.")
    keys = _region_keys(regions)
    rows = []
    for record in regions.to_dict("records"):
        cells = [_span(record) if key == "span" else _region_cell(record[key]) for key in keys]
        cells[-2:] = [cell or MISSING for cell in cells[-2:]]
        probability = pd.to_numeric(pd.Series([record["probability"]]), errors="coerce").iloc[0]
        if not is_missing(probability):
            cells[-1] = fmt_float(float(probability))
        rows.append(cells)
    return rows


def unattributed_types(regions: pd.DataFrame) -> list[str]:
    """The types (DBS78, ID83) of the regions table's variants listed without a signature:
    the signature set had no table of that type to refit them to."""
    if "type" not in regions.columns:
        return []
    blank = regions["signature"].map(lambda value: is_missing(value) or str(value) == "")
    blank = blank.astype(bool)  # an empty table maps to an empty text column
    if "explained" in regions.columns:  # refitted but not produced by the fit: not this case
        blank &= ~regions["explained"].astype(str).isin(["True", "False"])
    return [name for name in ("DBS78", "ID83")
            if ((regions["type"] == name) & blank).any()]


def unexplained_count(regions: pd.DataFrame) -> int:
    """How many rows of the regions table the fit does not explain (``explained`` False: no
    signature it uses produces the variant's channel), listed without a signature."""
    if "explained" not in regions.columns:
        return 0
    return int((regions["explained"].astype(str) == "False").sum())
