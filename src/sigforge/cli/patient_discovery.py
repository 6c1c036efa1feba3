"""The discovery behind a de novo signature table given to ``sigforge refit --vcf``.

A cohort's patient pages carry what its discovery said about its own signatures: a rank
chosen with caution or at an edge of the ranks tried, and no aetiology for a component the
bootstrap did not reproduce. A patient refitted on its own against that cohort's
``signatures.tsv`` must carry the same, so they are read from the files ``sigforge extract``
wrote beside the table: ``provenance.json`` (the rank choice and the rule's thresholds) and
``stability.tsv``. A rank's own table (``k5/signatures.tsv``) has its stabilities beside it
and the rule in the folder above; it was not the chosen rank, so no rank caution applies.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.io import read_json

logger = logging.getLogger("sigforge.cli")

#: A rank's folder of an extract run (``k5``).
_RANK_FOLDER = re.compile(r"k\d+")


def discovery_fields(signatures_path: str | Path, names: pd.Index) -> dict[str, Any]:
    """The CohortData fields of the discovery that wrote ``signatures_path`` (rank_caution,
    rank_edge, rank_rule, chosen_rank, stability, stability_threshold), or none when the
    table has no ``stability.tsv`` beside it (a COSMIC or user table).

    A ``stability.tsv`` that names other signatures than ``names`` (columns renamed or cut
    since) is warned of and not used: its stabilities cannot be matched to the table.
    """
    from sigforge.cli.rank_provenance import rank_caution, rank_edge
    from sigforge.cli.report_ranks import rank_thresholds, read_stability

    path = Path(signatures_path)
    folder = path.parent
    if not path.is_file() or not (folder / "stability.tsv").is_file():
        return {}
    stability = read_stability(folder / "stability.tsv")
    if set(map(str, stability.index)) != set(map(str, names)):
        logger.warning("%s names signatures %s, %s names %s: they are not from one discovery "
                       "run, so the page states aetiologies without its stabilities. Give the "
                       "signatures.tsv of the folder sigforge extract wrote, unedited.",
                       folder / "stability.tsv", _few(stability.index), path, _few(names))
        return {}
    chosen = (folder / "provenance.json").is_file()
    record = folder / "provenance.json" if chosen else folder.parent / "provenance.json"
    if not record.is_file() or (not chosen and not _RANK_FOLDER.fullmatch(folder.name)):
        return {"stability": stability}
    provenance = read_json(record)
    fields: dict[str, Any] = {"stability": stability,
                              "stability_threshold": rank_thresholds(provenance).get(
                                  "min_component_stability")}
    if chosen:
        fields.update(rank_caution=rank_caution(provenance), rank_edge=rank_edge(provenance),
                      rank_rule=str(provenance.get("reason", "")))
        if isinstance(provenance.get("chosen_rank"), int):
            fields["chosen_rank"] = provenance["chosen_rank"]
    return fields


def _few(names: pd.Index) -> str:
    """Up to five names, for a message."""
    shown = ", ".join(map(str, list(names)[:5]))
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")
