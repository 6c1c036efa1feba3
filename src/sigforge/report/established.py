"""What a patient page names for signatures it does not establish.

A signature whose bootstrap interval includes 0 is marked uncertain in the exposure tables
and never stated as a finding by the Reading; two other places of the page must not state it
either. Its aetiology cell reads "if present: ..." (COSMIC's aetiology of a process the
sample may not carry is not a finding about the sample), and a variant in a region of
interest whose most likely signature is such a one has that signature marked "not
established" (the probability is conditional on exposures that do not establish it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

#: The aetiology cell's prefix for a signature whose presence is not established.
CONDITIONAL = "if present: "

#: The mark after a region table's signature that the page does not establish.
UNESTABLISHED_MARK = " (not established)"


def conditional_aetiology(row: Mapping[str, Any]) -> dict[str, Any]:
    """``row`` with its aetiology stated as conditional when the row is uncertain and the
    cell holds a close match's aetiology (a cell that already says why none is shown, or an
    empty one, stays)."""
    text = str(row.get("aetiology", ""))
    if not row.get("uncertain") or not row.get("close_match") or not text:
        return dict(row)
    return {**row, "aetiology": CONDITIONAL + text}


def unestablished(rows: Iterable[Mapping[str, Any]]) -> set[str]:
    """The names of the uncertain rows among ``rows`` (exposure rows of one type)."""
    return {str(row["signature"]) for row in rows if row.get("uncertain")}


def mark_unestablished(regions: pd.DataFrame, uncertain: Mapping[str, set[str]]
                       ) -> tuple[pd.DataFrame, int]:
    """The regions table with every signature its type's refit does not establish marked
    (:data:`UNESTABLISHED_MARK`), and how many rows were marked.

    ``uncertain`` maps a type (SBS96, DBS78, ID83) to its uncertain signatures; a table of
    SNVs alone (no ``type`` column) is SBS96 throughout. The table's attrs are kept.
    """
    if regions.empty or "signature" not in regions.columns:
        return regions, 0
    types = regions["type"].astype(str) if "type" in regions.columns else \
        pd.Series("SBS96", index=regions.index)
    names = regions["signature"].astype(str)
    marked = pd.Series([name in uncertain.get(kind, set())
                        for kind, name in zip(types, names, strict=True)],
                       index=regions.index, dtype=bool)
    if not marked.any():
        return regions, 0
    shown = regions.copy()
    shown["signature"] = shown["signature"].astype(object)
    shown.loc[marked, "signature"] = names[marked] + UNESTABLISHED_MARK
    shown.attrs = dict(regions.attrs)
    return shown, int(marked.sum())
