"""A stratified discovery on the cohort page: the merged set's origins and one subsection per
group (what :func:`stratified_view` hands the ``context_section`` macro).

``sigforge extract --groups`` factors each group of samples on its own, chooses each group's
rank with the rank rule, and merges the groups' signatures into the set every sample is
refitted to. The merged set has no rank selection or bootstrap stability of its own, so its
section shows, where a plain discovery shows rank selection: which groups and group signatures
each merged signature came from (merged.tsv), and per group its samples, its rank choice with
the rank figure, and its signatures, or why it was not factored.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from sigforge.report.context_data import ContextResults, left_out_components, rescued_phrase
from sigforge.report.figures import SavedFigure, plot_rank_selection
from sigforge.report.pages import name_stem
from sigforge.report.spectra import plot_spectra_panel
from sigforge.report.tables import Table, fmt_float, fmt_int, frame_table

#: Saves a figure under ``figures/`` (the section's prefix added): (figure, stem, alt text).
Saver = Callable[[Any, str, str], SavedFigure]


def group_stem(position: int, group: str) -> str:
    """``{position}-{name}`` naming a group's subsection and figures: ``position`` is the
    group's place (from 1) in its discovery, ``name`` the start of its name as
    :func:`name_stem` makes it.

    Group names may hold '.', '+' and '_', which a file name or id made by :func:`safe_name`
    alone would merge ('A.1' and 'A_1' both 'A_1', one group's figures overwriting the
    other's), and up to 200 characters, which with the type's prefix and the figure's own
    name could pass the 255-byte limit of a file name; the position keeps the names distinct
    and the cut keeps them short."""
    return f"{position}-{name_stem(group)}"


def group_anchor(prefix: str, position: int, group: str) -> str:
    """Element id of a group's subsection, ``prefix`` being its section's id prefix."""
    return f"{prefix}group-{group_stem(position, group)}"


def _listing(text: object) -> str:
    """A comma-separated cell of merged.tsv (``A:SBS96A,B:SBS96A``) with spaces after commas,
    so that long member lists wrap."""
    return ", ".join(part.strip() for part in str(text).split(",") if part.strip())


def _merged_table(merged: pd.DataFrame) -> Table:
    """One row per merged signature: its groups, member signatures, the mutations the groups
    attribute to it and the lowest cosine of a member to it."""
    rows = [[str(name), _listing(row["groups"]), fmt_int(row["n_groups"]),
             _listing(row["members"]), fmt_int(row["mutations"]),
             fmt_float(row["min_member_cosine"])] for name, row in merged.iterrows()]
    return Table(["Signature", "Groups", "Number of groups", "Members (group:signature)",
                  "Mutations (groups' attribution)", "Lowest member cosine"], rows,
                 [False, False, True, False, True, True])


def _merged_into(merged: pd.DataFrame) -> dict[str, str]:
    """``group:signature`` of every member to the merged signature it went into."""
    return {member: str(name) for name, row in merged.iterrows()
            for member in _listing(row["members"]).split(", ") if member}


def _note(ctx: ContextResults) -> str:
    """The sentence that says the set is merged: how many signatures from how many groups."""
    assert ctx.signatures is not None
    skipped = sum(group.skipped for group in ctx.groups)
    threshold = ("" if ctx.merge_min_cosine is None
                 else f" at cosine \u2265 {ctx.merge_min_cosine:g}")
    return (f"A merged set: the {ctx.signatures.shape[1]} signatures below were merged"
            f"{threshold} from the signatures of {len(ctx.groups) - skipped} of "
            f"{len(ctx.groups)} groups, each group factored on its own"
            + (f" ({skipped} too thin to factor)" if skipped else "")
            + ". The number of signatures was chosen per group (below), not for the merged "
            "set, which has no bootstrap stability of its own; every sample is refitted to it.")


def _group_view(ctx: ContextResults, position: int, prefix: str, save: Saver,
                merged_into: dict[str, str]) -> dict[str, Any]:
    """One group's subsection (the ``position``-th group, from 1): samples, rank choice, rank
    figure and table, signatures."""
    group = ctx.groups[position - 1]
    stem = f"group_{position}_{name_stem(group.group)}_"
    view: dict[str, Any] = {
        "group": group.group, "anchor": group_anchor(prefix, position, group.group),
        "n_samples": f"{group.n_samples:,}", "skip_reason": group.skip_reason,
        "chosen_rank": str(group.chosen_rank), "rule": group.rank_rule,
        "caution": group.rank_caution, "edge": group.rank_edge, "rank_figure": None,
        "rank_table": None,
        "signatures": [], "panel": None}
    if group.skipped:
        return view
    metrics, signatures = group.rank_metrics, group.signatures
    if metrics is not None and not metrics.empty:
        view["rank_figure"] = save(
            plot_rank_selection(metrics, group.chosen_rank, thresholds=group.thresholds),
            f"{stem}rank_selection", f"{ctx.name} group {group.group}: rank selection metrics")
        view["rank_table"] = frame_table(metrics, "k", highlight=[k == group.chosen_rank
                                                                  for k in metrics.index])
    left_out = (0 if signatures is None or not signatures.shape[1]
                else left_out_components(group.chosen_rank, signatures.shape[1], group.rescued))
    if left_out:
        view["chosen_rank"] = (f"{group.chosen_rank}, of whose components "
                               f"{group.chosen_rank - left_out} "
                               f"{'is' if group.chosen_rank - left_out == 1 else 'are'} "
                               f"{'kept' if group.rescued else 'the signatures'} "
                               f"({left_out} not reproduced by the bootstrap replicates left "
                               "out)")
    if group.rescued:
        view["chosen_rank"] += f"; {rescued_phrase(group.rescued)}"
    if signatures is not None and signatures.shape[1]:
        view["signatures"] = [
            (str(name), merged_into.get(f"{group.group}:{name}", "")) for name in
            signatures.columns]
        view["panel"] = save(plot_spectra_panel(signatures), f"{stem}signatures",
                             f"{ctx.name} group {group.group}: its {signatures.shape[1]} "
                             "signatures")
    return view


def stratified_view(ctx: ContextResults, prefix: str, save: Saver) -> dict[str, Any] | None:
    """The merged set's note and table and every group's subsection; None for a section that
    is not a stratified discovery."""
    if ctx.merged is None or not ctx.factored:
        return None
    merged_into = _merged_into(ctx.merged)
    return {"note": _note(ctx), "table": _merged_table(ctx.merged),
            "n_groups": str(sum(not group.skipped for group in ctx.groups)),
            "groups": [_group_view(ctx, position, prefix, save, merged_into)
                       for position in range(1, len(ctx.groups) + 1)]}
