"""Whole numbers a reader adds up: a page's mutation counts and percentages rounded by largest
remainder, so that they sum to the rounded total and to 100%.

Split from :mod:`sigforge.report.patient_rows`, which re-exports them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from sigforge.report.tables import fmt_int, fmt_percent


def balance_shown(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the shown mutation counts and percentages of the used signatures rounded
    by largest remainder, so that they add up to the rounded total and to 100.0% as a reader
    checks them (each rounded alone, 694 + 574 + 457 + 361 + 36 made 2,122 of 2,121, and the
    shares 99.9%). The numbers behind them (``value``, ``fraction``) are unchanged."""
    used = [index for index, row in enumerate(rows) if row["value"] > 0]
    if not used:
        return list(rows)
    balanced = [dict(row) for row in rows]
    values = np.array([rows[i]["value"] for i in used], dtype=np.float64)
    for key, scaled, text in (("mutations", values, fmt_int),
                              ("percent", 1000 * values / values.sum(),
                               lambda n: fmt_percent(n / 1000))):
        for position, whole in zip(used, largest_remainder(scaled), strict=True):
            balanced[position][key] = text(whole)
    return balanced


def balanced_counts(values: Sequence[float]) -> list[str]:
    """One sample's exposures as shown counts, the used ones (> 0) rounded as
    :func:`balance_shown` rounds a page's: cohort tables and pages print the same numbers."""
    array = np.asarray(values, dtype=np.float64)
    shown, used = [fmt_int(value) for value in array], np.flatnonzero(array > 0)
    for position, whole in zip(used, largest_remainder(array[used]), strict=True):
        shown[position] = fmt_int(whole)
    return shown


def largest_remainder(values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Whole numbers, each the floor or ceiling of its value, that sum to the values' sum
    rounded (half up): the largest fractional parts are rounded up."""
    floors = np.floor(values + 1e-9)  # 2.9999999999 is 3, not 2 + a remainder
    short = int(math.floor(values.sum() + 0.5) - floors.sum())
    order = np.argsort(-(values - floors), kind="stable")
    floors[order[:max(0, min(short, len(values)))]] += 1
    return floors
