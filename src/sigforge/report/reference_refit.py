"""The cohort page's "Refit to COSMIC" section: every sample refitted to the reference set.

The workflow refits the cohort both to its de novo signatures and to the whole reference set
(``results/refit/SBS96/reference/``). The second answers "which known signatures, and how
much" without the de novo step in between; this module turns its exposures (and intervals)
into the section's tables and its stacked-bar figure. Only signatures used in at least one
sample are shown, largest total first, so a 40-odd-signature reference set does not bury the
few that matter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.report.figures import plot_exposures, save_figure
from sigforge.report.patient_rows import ESTABLISHED_LOWER, balanced_counts
from sigforge.report.tables import Table, fmt_int


def present_signatures(exposures: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``exposures`` used (> 0) in any sample, by total exposure descending, then name."""
    used = exposures[(exposures > 0).any(axis=1)]
    totals = used.sum(axis=1)
    order = sorted(used.index, key=lambda name: (-float(totals[name]), str(name)))
    return used.loc[order]


#: The most signatures the section's stacked bars draw one by one; the smaller ones beyond
#: them share one bar segment. A refit that uses 40 signatures (NNLS against all of COSMIC)
#: gave a legend taller than the figure, cut at its edge, and a layout that collapsed.
MAX_DRAWN = 15


def drawn_signatures(present: pd.DataFrame, limit: int = MAX_DRAWN) -> pd.DataFrame:
    """``present`` (largest first) with the rows beyond the ``limit - 1`` largest summed into
    one last row, "other (n signatures)", when there are more than ``limit``; the tables
    still list every signature."""
    if len(present.index) <= limit:
        return present
    kept, rest = present.iloc[:limit - 1], present.iloc[limit - 1:]
    other = pd.DataFrame([rest.sum(axis=0)], index=[f"other ({len(rest.index)} signatures)"])
    return pd.concat([kept, other])


def established_counts(intervals: pd.DataFrame | None, names: Sequence[str]) -> dict[str, int]:
    """Per signature, the samples whose bootstrap interval excludes 0 (lower end at least
    half a mutation, as on the patient pages: :data:`~sigforge.report.patient_rows.
    ESTABLISHED_LOWER`)."""
    if intervals is None:
        return {}
    lower = pd.to_numeric(intervals["lower"], errors="coerce")
    established = intervals.loc[lower >= ESTABLISHED_LOWER, "signature"].astype(str)\
        .value_counts()
    return {name: int(established.get(name, 0)) for name in names}


def _aligned(exposures: pd.DataFrame, samples: Sequence[str]) -> pd.DataFrame:
    """The exposures with text labels and the catalog's sample order; refuse other samples."""
    frame = exposures.set_axis([str(x) for x in exposures.index], axis=0)
    frame = frame.set_axis([str(x) for x in frame.columns], axis=1)
    if set(frame.columns) != set(samples):
        extra = sorted(set(frame.columns) - set(samples))
        missing = sorted(set(samples) - set(frame.columns))
        raise ValueError(f"reference_exposures: samples differ from the catalog's; unexpected "
                         f"{extra[:3]}, missing {missing[:3]}.")
    return frame[list(samples)].astype(float)


def _summary_table(present: pd.DataFrame, intervals: pd.DataFrame | None,
                   aetiology: Mapping[str, str]) -> Table:
    """One row per signature used: total, samples using it, samples where it is established."""
    established = established_counts(intervals, list(present.index))
    headers = ["Signature", "Mutations (all samples)", "Samples with exposure > 0"]
    numeric = [False, True, True]
    if established:
        headers.append("Samples establishing it (interval lower end ≥ 0.5)")
        numeric.append(True)
    if aetiology:
        headers.append("Proposed aetiology (COSMIC)")
        numeric.append(False)
    rows = []
    for name, values in present.iterrows():
        row = [str(name), fmt_int(values.sum()), f"{int((values > 0).sum()):,}"]
        if established:
            row.append(f"{established[str(name)]:,}")
        if aetiology:
            row.append(aetiology.get(str(name), ""))
        rows.append(row)
    return Table(headers, rows, numeric)


def _sample_table(present: pd.DataFrame) -> Table:
    """Samples as rows, the signatures used as columns (largest total first), in mutations."""
    names = [str(name) for name in present.index]
    rows = [[str(sample), *balanced_counts(present[sample].tolist())]
            for sample in present.columns]
    return Table(["Sample", *names], rows, [False] + [True] * len(names))


def reference_refit_context(exposures: pd.DataFrame | None, intervals: pd.DataFrame | None,
                            samples: Sequence[str], aetiology: Mapping[str, str],
                            out_dir: Path, *, stem: str = "reference_refit_relative"
                            ) -> dict[str, Any] | None:
    """Tables and figure of the "Refit to COSMIC" section; None without a reference refit.

    The figure is saved as ``out_dir/figures/{stem}`` (.png, .svg).

    Raises
    ------
    ValueError
        If the refit's samples are not the catalog's.
    """
    if exposures is None:
        return None
    frame = _aligned(exposures, samples)
    present = present_signatures(frame)
    figure = None
    if len(present):
        figure = save_figure(plot_exposures(drawn_signatures(present), relative=True),
                             out_dir / "figures" / stem, out_dir,
                             "Exposures to the reference signatures per sample, as fractions")
    return {"n_reference": f"{len(frame.index):,}", "n_present": f"{len(present.index):,}",
            "summary": _summary_table(present, intervals, aetiology),
            "samples": _sample_table(present), "figure": figure,
            "has_intervals": intervals is not None}
