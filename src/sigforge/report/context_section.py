"""One mutation type's section of the cohort page: what :func:`context_view` hands the
``context_section`` macro (templates/context.html.j2).

A section shows the cohort's catalog spectrum and burden, then, when discovery ran, rank
selection (every rank tried with its signatures and metrics, the chosen one marked), the
signatures (reference matches, aetiology, decompositions, a de novo x reference cosine
heatmap), exposures with per-sample reconstruction quality, and the refit to the reference set
whenever that refit exists. A skipped discovery shows its reason instead; a stratified one
shows, in place of rank selection, where its merged signatures came from and each group's own
rank choice (:mod:`.group_section`). SBS96 keeps the page's
historical element ids and figure names (``rank-metrics``, ``rank_selection.png``); every other
type prefixes them with its name (``dbs78-rank-metrics``, ``DBS78_rank_selection.png``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge.report.context_data import (
    ContextResults,
    dominant_signature,
    left_out_components,
    rescued_phrase,
    sample_quality,
    unreproduced_aetiology,
)
from sigforge.report.diagnostics import (
    cosine_matrix,
    plot_burden,
    plot_cosine_heatmap,
    plot_sample_quality,
)
from sigforge.report.figures import (
    SavedFigure,
    plot_exposure_heatmap,
    plot_exposures,
    plot_rank_selection,
    save_figure,
)
from sigforge.report.group_section import stratified_view
from sigforge.report.pages import href, name_stem, safe_name
from sigforge.report.patient_rows import (
    aetiology_text,
    balanced_counts,
    is_close_match,
    names_by_reference,
    shared_matches,
)
from sigforge.report.reference_refit import reference_refit_context
from sigforge.report.sbs96 import plot_reconstruction
from sigforge.report.spectra import as_sbs96, plot_spectra_panel, plot_spectrum
from sigforge.report.tables import MISSING, Table, fmt_cell, fmt_float, fmt_int, frame_table

#: Metrics of a rank shown first in its summary, when present (then the rest, alphabetically).
_RANK_FACTS = ("mean_stability", "min_stability", "kl_divergence", "relative_error",
               "mean_cosine", "cv_error", "cv_se")


class _Saver:
    """Saves a section's figures under ``figures/`` with the section's stem prefix."""

    def __init__(self, out_dir: Path, prefix: str) -> None:
        self.out_dir, self.prefix = out_dir, prefix

    def __call__(self, fig: Any, stem: str, alt: str, *, named: bool = False,
                 svg: bool = True) -> SavedFigure:
        """Save ``fig`` as ``figures/{prefix}{stem}``; ``named`` stems already carry the type's
        name (``catalog_DBS78``) and take no prefix; ``svg=False`` writes the PNG alone."""
        prefix = "" if named else self.prefix
        return save_figure(fig, self.out_dir / "figures" / f"{prefix}{stem}", self.out_dir, alt,
                           svg=svg)


def id_prefix(name: str) -> str:
    """Element-id prefix of a type's section: none for SBS96, else ``name-`` in lower case."""
    return "" if name == "SBS96" else f"{safe_name(name).lower()}-"


def _catalog_view(ctx: ContextResults, save: _Saver) -> dict[str, Any]:
    """The cohort's summed spectrum, its burden figure and summary numbers."""
    totals = ctx.catalog.sum(axis=0)
    summed = ctx.catalog.sum(axis=1)
    collapsed = " (summed into SBS96 channels)" if ctx.name in ("SBS288", "SBS1536") else ""
    spectrum = save(plot_spectrum(summed, title=f"{ctx.name}: all samples "
                                  f"({fmt_int(summed.sum())} mutations, "
                                  f"{ctx.catalog.shape[1]:,} samples){collapsed}"),
                    f"catalog_{safe_name(ctx.name)}", f"Summed {ctx.name} spectrum of the cohort",
                    named=True)
    dominant = dominant_signature(ctx.exposures) if ctx.factored and ctx.exposures is not None \
        and len(ctx.exposures.index) else None
    burden = save(plot_burden(totals, dominant), f"burden_{safe_name(ctx.name)}",
                  f"{ctx.name} mutations per sample, sorted, log scale"
                  + (", coloured by dominant signature" if dominant is not None else ""),
                  named=True)
    return {"spectrum": spectrum, "burden": burden,
            "n_samples": f"{ctx.catalog.shape[1]:,}", "total": fmt_int(totals.sum()),
            "median": fmt_int(float(np.median(totals))) if len(totals) else MISSING}


def _rank_facts(ctx: ContextResults, k: int, metrics: Mapping[str, object]) -> list[list[str]]:
    """(metric, value) rows of one rank: its rank_metrics.tsv row, completed (and overridden)
    by its metrics.json."""
    table = ctx.rank_metrics
    values: dict[str, object] = {}
    if table is not None and k in table.index:
        values = {str(c): table.at[k, c] for c in table.columns}
    values.update(metrics)
    keys = [key for key in _RANK_FACTS if key in values]
    keys += sorted(key for key in values if key not in keys and key != "k")
    return [[key.replace("_", " "), fmt_cell(values[key])] for key in keys
            if not isinstance(values[key], dict | list | bool | np.bool_)
            and str(values[key]) not in ("True", "False")]


def _rank_view(ctx: ContextResults, save: _Saver) -> dict[str, Any] | None:
    """Rank figure (thresholds, candidates, choice), table, rule and every rank's solution."""
    table = ctx.rank_metrics
    if table is None or table.empty:
        return None
    figure = save(plot_rank_selection(table, ctx.chosen_rank, thresholds=ctx.thresholds),
                  "rank_selection", f"{ctx.name} rank selection metrics"
                  + (": rule thresholds as lines, candidates circled, choice starred"
                     if ctx.thresholds else ""))
    solutions = []
    for solution in ctx.solutions:
        names = ", ".join(str(c) for c in solution.signatures.columns)
        solutions.append({
            "k": str(solution.k), "chosen": solution.k == ctx.chosen_rank, "names": names,
            "name_list": [str(c) for c in solution.signatures.columns],
            "facts": _rank_facts(ctx, solution.k, solution.metrics),
            # The ranks not chosen are shown for comparison, in PNG alone (their SVGs cost
            # 7% of the demo's report, for figures nobody publishes).
            "figure": save(plot_spectra_panel(solution.signatures),
                           f"rank_k{solution.k}_signatures",
                           f"{ctx.name} signatures at k = {solution.k}"
                           + (" (chosen)" if solution.k == ctx.chosen_rank else ""),
                           svg=solution.k == ctx.chosen_rank)})
    thresholds = ", ".join(f"{key.replace('_', ' ')} = {float(value):g}"
                           for key, value in ctx.thresholds.items())
    n_signatures = 0 if ctx.signatures is None else ctx.signatures.shape[1]
    return {"figure": figure, "chosen_rank": str(ctx.chosen_rank), "rule": ctx.rank_rule,
            "left_out": left_out_components(ctx.chosen_rank, n_signatures, ctx.rescued),
            "rescued": rescued_phrase(ctx.rescued),
            "caution": ctx.rank_caution, "edge": ctx.rank_edge, "thresholds": thresholds,
            "table": frame_table(table, "k", highlight=[k == ctx.chosen_rank
                                                        for k in table.index]),
            "solutions": solutions}


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Signatures in the reference's channel set: SBS288/SBS1536 summed into SBS96."""
    return as_sbs96(frame)


def _matches(ctx: ContextResults) -> dict[str, tuple[str, float]]:
    """Best reference match and cosine per de novo signature (given, or computed)."""
    assert ctx.signatures is not None
    frame = ctx.reference_matches
    if frame is None and ctx.reference is not None:
        from sigforge.refit import best_matches

        signatures = _comparable(ctx.signatures)
        reference = ctx.reference.set_axis([str(x) for x in ctx.reference.index], axis=0)
        frame = best_matches(signatures, reference.loc[[str(x) for x in signatures.index]])
    if frame is None:
        return {}
    return {str(name): (str(row["reference"]), float(row["cosine"]))
            for name, row in frame.iterrows()}


def parse_components(text: object) -> dict[str, float]:
    """Parse decomposition.tsv's ``NAME:weight;NAME:weight`` into a dict; an empty cell
    (read as NaN: a signature with no component) is an empty dict.

    Raises ValueError naming the first part that is not ``NAME:weight`` with a finite weight
    in 0-1 (the refit writes each weight as a share of the signature)."""
    if text is None or (isinstance(text, float) and np.isnan(text)) or not str(text).strip():
        return {}
    found: dict[str, float] = {}
    for item in str(text).split(";"):
        name, colon, weight = item.strip().rpartition(":")
        try:
            value = float(weight)
        except ValueError:
            value = np.nan
        if not colon or not name or not 0 <= value <= 1 or name in found:
            raise ValueError(f"{item.strip()!r} is not NAME:weight (a share from 0 to 1, "
                             "each name once)")
        found[name] = value
    return found



def _decomposition_of(ctx: ContextResults, name: str) -> dict[str, Any]:
    """Displayed decomposition of one signature: components as percentages, cosine, novelty."""
    table = ctx.decomposition
    if table is None or name not in table.index:
        return {"decomposition": "", "decomposition_cosine": "", "novel": False}
    parts = [f"{label} {weight:.0%}" for label, weight in
             parse_components(table.at[name, "components"]).items()]
    return {"decomposition": " + ".join(parts),
            "decomposition_cosine": fmt_float(float(table.at[name, "cosine"])),
            "novel": str(table.at[name, "novel"]).lower() == "true"}


def _decomposition_figure(ctx: ContextResults, column: int, name: str, save: _Saver,
                          label: str) -> SavedFigure | None:
    """An SBS96 signature above the weighted sum of its reference components, when known
    (``label`` names the reference set in the legend and alt text)."""
    table, reference = ctx.decomposition, ctx.reference
    if ctx.name != "SBS96" or table is None or reference is None or name not in table.index:
        return None
    weights = parse_components(table.at[name, "components"])
    if not weights or not set(weights) <= {str(c) for c in reference.columns}:
        return None
    assert ctx.signatures is not None
    reference = reference.set_axis([str(x) for x in reference.index], axis=0)
    channels = [str(x) for x in ctx.signatures.index]
    mix = reference.loc[channels, list(weights)].to_numpy(np.float64) @ \
        np.array(list(weights.values()))
    label = " + ".join(f"{weight:.2f}\u00d7{ref}" for ref, weight in weights.items())
    fig = plot_reconstruction(pd.Series(ctx.signatures.iloc[:, column].to_numpy(np.float64),
                                        index=channels),
                              pd.Series(mix, index=channels), title=f"{name} \u2248 {label}",
                              cosine=float(table.at[name, "cosine"]),
                              labels=("De novo", f"{label} mix"))
    return save(fig, f"decomposition_{column + 1}_{name_stem(name)}",
                f"{name} and its {label} decomposition")


def _stability_of(ctx: ContextResults) -> dict[str, tuple[str, str]]:
    """Displayed (stability, spread) per signature name, a dash where not recorded."""
    table = ctx.stability if ctx.stability is not None else pd.DataFrame()

    def cell(row: pd.Series, column: str) -> str:
        return fmt_float(row[column]) if column in table.columns else MISSING

    return {str(name): (cell(row, "stability"), cell(row, "spread"))
            for name, row in table.iterrows()}


def _aetiology_cell(ctx: ContextResults, name: str, reference: str, cosine: float,
                    aetiology: Mapping[str, str], label: str) -> tuple[str, str]:
    """A de novo signature's aetiology cell and its heading in the signature's details: none
    for a component below the rank rule's least stability (a fallback rank keeps such
    components, which the bootstrap did not reproduce); every part of a reference mix (the
    patient pages' rule); else its close match's (headed with that match's name)."""
    from sigforge.report.patient import mixture_aetiology

    withheld = unreproduced_aetiology(name, ctx.stability,
                                      ctx.thresholds.get("min_component_stability"))
    if withheld is not None:
        return withheld, "Proposed aetiology"
    if ctx.reference is None and ctx.reference_matches is None:
        return (f"none: the reference set has no {ctx.name} table to match against",
                "Proposed aetiology")
    decomposition = ctx.decomposition
    if (is_close_match(reference, cosine) and decomposition is not None
            and name in decomposition.index and "components" in decomposition.columns):
        mixed = mixture_aetiology(decomposition.at[name, "components"], aetiology, label)
        if mixed is not None:
            return mixed, "Proposed aetiology"
    return (aetiology_text(name, reference, cosine, aetiology, label),
            f"Proposed aetiology of {reference}" if is_close_match(reference, cosine)
            else "Proposed aetiology")


def shared_match_groups(matches: Mapping[str, tuple[str, float]]) -> list[str]:
    """'SBS96A (cosine 0.95) and SBS96C (cosine 0.91) both best match SBS5' for each
    reference signature that is the best match of more than one de novo signature."""
    found = []
    for reference, names in names_by_reference(matches).items():
        if len(names) > 1:
            listed = [f"{name} (cosine {fmt_float(matches[name][1])})" for name in names]
            found.append(f"{', '.join(listed[:-1])} and {listed[-1]} "
                         f"{'both' if len(names) == 2 else 'all'} best match {reference}")
    return found


def _shared_text(others: Sequence[str], matches: Mapping[str, tuple[str, float]]) -> str:
    """'SBS96C (cosine 0.91)' for each other signature with the same best match."""
    return ", ".join(f"{other} (cosine {fmt_float(matches[other][1])})" for other in others)


def _signature_rows(ctx: ContextResults, aetiology: Mapping[str, str], save: _Saver,
                    matches: Mapping[str, tuple[str, float]], label: str
                    ) -> list[dict[str, Any]]:
    """One row per de novo signature: stability, match (``matches``: :func:`_matches`),
    aetiology, decomposition, figures (``label`` names the reference set in their texts)."""
    assert ctx.signatures is not None and ctx.exposures is not None
    stability, shared = _stability_of(ctx), shared_matches(matches)
    totals = {str(name): value for name, value in ctx.exposures.sum(axis=1).items()}
    rows = []
    for column, name in enumerate(str(c) for c in ctx.signatures.columns):
        reference, cosine = matches.get(name, (MISSING, math.nan))
        stable, spread = stability.get(name, (MISSING, MISSING))
        cell, heading = _aetiology_cell(ctx, name, reference, cosine, aetiology, label)
        rows.append({
            "name": name, "anchor": f"{id_prefix(ctx.name)}sig-{column + 1}",
            "stability": stable, "spread": spread,
            "reference": reference, "cosine": fmt_float(cosine),
            "aetiology": cell, "aetiology_heading": heading,
            "close_match": is_close_match(reference, cosine) and not cell.startswith("none"),
            "shared_with": _shared_text(shared.get(name, []), matches),
            "mutations": fmt_int(totals[name]) if name in totals else MISSING,
            **_decomposition_of(ctx, name),
            "figure": save(plot_spectrum(ctx.signatures.iloc[:, column], title=name,
                                         ylabel="Probability"),
                           f"signature_{column + 1}_{name_stem(name)}", f"Spectrum of {name}"),
            "decomposition_figure": _decomposition_figure(ctx, column, name, save, label)})
    return rows


def _heatmap(ctx: ContextResults, save: _Saver) -> tuple[SavedFigure | None, Table | None]:
    """The de novo x reference cosine heatmap and its table, when a reference set is known."""
    if ctx.reference is None or ctx.signatures is None:
        return None, None
    matrix = cosine_matrix(_comparable(ctx.signatures), ctx.reference)
    figure = save(plot_cosine_heatmap(matrix), "cosine_heatmap",
                  f"Cosine similarity of the {ctx.name} de novo signatures with their closest "
                  "reference signatures (best match outlined)")
    return figure, frame_table(matrix.round(3), "De novo signature")


def _quality(ctx: ContextResults) -> pd.DataFrame:
    """Per-sample quality: the refit's reconstruction.tsv columns where given, else computed."""
    assert ctx.signatures is not None and ctx.exposures is not None
    quality = sample_quality(ctx.catalog, ctx.signatures, ctx.exposures)
    given = ctx.reconstruction
    if given is not None:
        given = given.set_axis([str(x) for x in given.index], axis=0)
        for column in ("cosine", "l1_relative", "kl_divergence"):
            if column in given.columns:
                # empty cells: samples without a mutation of the type (no cosine)
                quality[column] = pd.to_numeric(given.loc[quality.index, column].replace("", None),
                                                errors="raise").astype(float)
    return quality


def _exposure_view(ctx: ContextResults, save: _Saver) -> dict[str, Any]:
    """Exposure figures and table, and the per-sample reconstruction quality."""
    assert ctx.exposures is not None and ctx.signatures is not None
    samples = [str(s) for s in ctx.catalog.columns]
    names = [str(n) for n in ctx.signatures.columns]
    exposures = ctx.exposures.set_axis([str(x) for x in ctx.exposures.index], axis=0)
    exposures = exposures.set_axis([str(x) for x in exposures.columns], axis=1)
    exposures = exposures.loc[names, samples].astype(float)
    quality = _quality(ctx)
    shown = quality.rename(columns={"l1_relative": "relative L1"})
    if np.array_equal(shown["mutations"], np.round(shown["mutations"])):
        shown["mutations"] = shown["mutations"].round().astype(np.int64)  # counts, not 2,121.000
    return {
        "absolute": save(plot_exposures(exposures, relative=False), "exposures_absolute",
                         f"{ctx.name} exposures per sample, in mutations"),
        "relative": save(plot_exposures(exposures, relative=True), "exposures_relative",
                         f"{ctx.name} exposures per sample, as fractions"),
        "heatmap": save(plot_exposure_heatmap(exposures), "exposures_heatmap",
                        f"{ctx.name} relative exposures, samples and signatures clustered"),
        "table": Table(["Sample", *names],
                       [[s, *balanced_counts(exposures[s].tolist())] for s in samples],
                       [False] + [True] * len(names)),
        "quality_table": frame_table(shown, "Sample"),
        "quality_figure": save(plot_sample_quality(quality), "reconstruction_quality",
                               f"{ctx.name} reconstruction quality per sample: cosine, "
                               "relative L1, KL divergence"),
    }


def _refit_samples(ctx: ContextResults) -> list[str]:
    """The catalog's samples that the reference refit kept (a refit may leave out samples
    without a single mutation), in catalog order."""
    samples = [str(s) for s in ctx.catalog.columns]
    if ctx.reference_exposures is None:
        return samples
    kept = {str(s) for s in ctx.reference_exposures.columns}
    return [s for s in samples if s in kept] if kept <= set(samples) else samples


def context_view(ctx: ContextResults, out_dir: Path, aetiology: Mapping[str, str],
                 label: str = "reference") -> dict[str, Any]:
    """Everything one mutation type's section displays, as strings and saved figures
    (``label``: how the section names the reference set, ``COSMIC`` or ``reference``)."""
    prefix = "" if ctx.name == "SBS96" else f"{safe_name(ctx.name)}_"
    save = _Saver(out_dir, prefix)
    view: dict[str, Any] = {
        "name": ctx.name, "anchor": f"context-{safe_name(ctx.name).lower()}",
        "p": id_prefix(ctx.name), "match_label": label, "status": ctx.status,
        "skip_reason": ctx.skip_reason,
        "factored": ctx.factored, "catalog": _catalog_view(ctx, save),
        "left_out_samples": ", ".join(ctx.left_out_samples[:20]) + (
            f" and {len(ctx.left_out_samples) - 20} more" if len(ctx.left_out_samples) > 20
            else ""),
        "n_left_out": len(ctx.left_out_samples),
        "rank": None, "signatures": [], "panel": None, "heatmap": None,
        "heatmap_table": None, "exposures": None, "stratified": None, "shared_matches": [],
        "files": [(str(label), href(path), str(path)) for label, path in ctx.files.items()],
        "reference_refit": reference_refit_context(
            ctx.reference_exposures, ctx.reference_intervals, _refit_samples(ctx), aetiology,
            out_dir, stem=f"{prefix}reference_refit_relative"),
    }
    if ctx.factored:
        assert ctx.signatures is not None
        view["rank"] = _rank_view(ctx, save)
        view["stratified"] = stratified_view(ctx, id_prefix(ctx.name), save)
        matches = _matches(ctx)
        view["signatures"] = _signature_rows(ctx, aetiology, save, matches, label)
        view["shared_matches"] = shared_match_groups(matches)
        view["panel"] = save(plot_spectra_panel(ctx.signatures), "signatures_panel",
                             f"All de novo signatures ({ctx.name})")
        view["heatmap"], view["heatmap_table"] = _heatmap(ctx, save)
        view["exposures"] = _exposure_view(ctx, save)
    return view
