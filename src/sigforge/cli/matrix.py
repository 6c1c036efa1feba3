"""The generic-matrix commands: ``prepare-matrix``, ``prepare-joint``, ``split-joint`` and
``matrix-report``.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sigforge._atomic import discard_output
from sigforge._same_content import refuse_one_table_twice
from sigforge.cli._common import (
    EXTRACT_FILES,
    REFIT_FILES,
    add_command,
    listed,
    real,
    require_files,
)
from sigforge.cli.own_outputs import page_files, stale_outputs_removed
from sigforge.cli.rank_provenance import rank_caution, rank_edge, rank_rescued
from sigforge.io import InputError, read_json, read_matrix, read_table, write_matrix, write_table

if TYPE_CHECKING:
    from sigforge.report.matrix import MatrixReportData

logger = logging.getLogger(__name__)


def _pixel_shape(text: str | None) -> tuple[int, int] | None:
    """'H,W' or 'HxW' into (H, W); None when not given (an empty value is refused)."""
    if text is None:
        return None
    parts = text.replace("x", ",").split(",")
    if len(parts) != 2 or not all(re.fullmatch(r"[0-9]+", part.strip()) for part in parts):
        raise InputError(f"--pixels expects HEIGHT,WIDTH as whole numbers written in the digits "
                         f"0-9, such as 8,8; got '{text}'.")
    height, width = int(parts[0]), int(parts[1])
    if height < 1 or width < 1:
        raise InputError(f"--pixels {text}: HEIGHT and WIDTH must be at least 1 (the image "
                         "holds one feature per pixel); give them as 8,8.")
    return height, width


def prepare_matrix(args: argparse.Namespace) -> None:
    """``sigforge prepare-matrix``: check a generic matrix, drop all-zero rows and columns."""
    from sigforge.discovery.matrix import prepare_matrix as prepare

    prepared = prepare(args.input, counts=args.counts, pixels=_pixel_shape(args.pixels))
    out = Path(args.out)
    write_table(prepared.dropped, out / f"{args.name}_dropped.tsv")
    write_matrix(prepared.data, out / f"{args.name}.tsv", label="Feature",
                 integer=prepared.counts and args.counts, exact=True)
    if discard_output(out / f"{args.name}_blocks.tsv"):  # a joint matrix's, of this name
        logger.info("removed %s: it described an earlier joint matrix %s.tsv", out /
                    f"{args.name}_blocks.tsv", args.name)
    logger.info("%s: %d features x %d samples (%s); dropped %d all-zero features and %d "
                "all-zero samples", args.input, *prepared.data.shape,
                "whole numbers" if prepared.counts else "real values",
                int((prepared.dropped.index == "feature").sum()),
                int((prepared.dropped.index == "sample").sum()))


#: The columns of a joint run's blocks table (index: the stacked feature label).
BLOCK_COLUMNS = ("modality", "feature", "weight")
#: What every blocks-table message ends with: where a good one comes from.
_BLOCKS_FIX = "give the NAME_blocks.tsv written by prepare-joint with this joint matrix."


def _read_blocks(path: str) -> pd.DataFrame:
    """A joint run's blocks table, checked: its columns, one row per stacked feature, weights
    that are finite numbers > 0 (the loadings are divided by them), modality names that
    can become file names and rows labelled from their modality and feature."""
    from sigforge.cli.outputs import check_plain_name

    blocks = read_table(path, written_by_sigforge=False)
    missing = [column for column in BLOCK_COLUMNS if column not in blocks.columns]
    if missing:
        raise InputError(f"{path}: no column {', '.join(repr(c) for c in missing)} (expected "
                         f"{', '.join(BLOCK_COLUMNS)} after the feature label); {_BLOCKS_FIX}")
    _check_unique_rows(blocks, path)
    blocks["weight"] = _block_weights(blocks, path)
    for name in blocks["modality"].astype(str).unique():
        check_plain_name(name, f"{path}: modality")
    _check_block_labels(path)
    return blocks


def _check_unique_rows(blocks: pd.DataFrame, path: str) -> None:
    """Refuse a blocks table listing a stacked feature twice: each has one modality and
    weight, and a repeated row would misalign every loading after it."""
    repeated = blocks.index.duplicated()
    if repeated.any():
        label = blocks.index[repeated][0]
        lines = [str(i + 2) for i in range(len(blocks)) if blocks.index[i] == label]
        raise InputError(f"{path}: row '{label}' is listed more than once (lines "
                         f"{', '.join(lines)}); delete the repeated row, or {_BLOCKS_FIX}")


def _block_weights(blocks: pd.DataFrame, path: str) -> pd.Series:
    """The weight column as floats, each a finite number > 0, else an InputError naming the
    line, row and value (a weight of 0 would divide the loadings into NaN)."""
    weights = []
    for position, (label, value) in enumerate(blocks["weight"].items()):
        try:
            weight = float(value)
        except (TypeError, ValueError):
            weight = float("nan")
        if not 0 < weight < float("inf"):
            raise InputError(f"{path}, line {position + 2} (row '{label}'), column 'weight': "
                             f"{value!r} is not a finite number > 0; give the weight that "
                             f"prepare-joint --weights used for this modality, or {_BLOCKS_FIX}")
        weights.append(weight)
    return pd.Series(weights, index=blocks.index, dtype=np.float64)


def _check_block_labels(path: str) -> None:
    """Refuse a blocks table whose row contradicts itself: prepare-joint labels each stacked
    feature 'MODALITY:FEATURE' from its ``modality`` and ``feature`` cells, so a row whose
    cells say otherwise (``a:f0`` listed under modality ``b``) was edited or mixed up, and
    trusting it would put one modality's loadings in another's table. The cells are compared
    as written (read as text: a feature '01' is not the number 1)."""
    text = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False).fillna("")
    rows = zip(text.iloc[:, 0].str.strip(), text["modality"].str.strip(),
               text["feature"].str.strip(), strict=True)
    for line, (label, modality, feature) in enumerate(rows, start=2):
        if label != f"{modality}:{feature}":
            raise InputError(f"{path}, line {line}: row '{label}' is listed under modality "
                             f"'{modality}' and feature '{feature}', whose stacked label is "
                             f"'{modality}:{feature}'; the row contradicts itself. Correct the "
                             f"row, or {_BLOCKS_FIX}")


def _check_blocks_cover(blocks: pd.DataFrame, signatures: pd.DataFrame, blocks_path: str,
                        signatures_path: str | Path) -> None:
    """Every feature of the joint signatures must have a row of the blocks table, and every
    row of the blocks table a feature of the signatures: a modality or feature missing from
    the signatures would be left out of its modality's loadings (or a whole modality out of
    the shares), silently."""
    listed = set(blocks.index)
    missing = [f for f in signatures.index if f not in listed][:5]
    if missing:
        raise InputError(f"{blocks_path}: features {missing} of {signatures_path} are not "
                         f"listed; {_BLOCKS_FIX}")
    present = set(signatures.index)
    absent = [f for f in blocks.index if f not in present]
    if absent:
        modalities = sorted(set(blocks.loc[absent, "modality"].astype(str)))
        raise InputError(f"{signatures_path}: {len(absent)} feature(s) of the joint matrix "
                         f"listed in {blocks_path} have no row, such as {absent[:5]} (modality "
                         f"{', '.join(repr(m) for m in modalities)}): their loadings would be "
                         "left out and the modalities' shares computed without them. Give the "
                         "signatures.tsv of the extraction of that joint matrix, whole.")


#: The columns of prepare-matrix's NAME_dropped.tsv after its ``axis`` label column.
DROPPED_COLUMNS = ("label", "position", "reason")


def _read_dropped(path: str) -> pd.DataFrame:
    """prepare-matrix's table of dropped all-zero features and samples, checked: its columns,
    an ``axis`` of 'feature' or 'sample' and a whole-number ``position`` >= 0 on every row.

    The page lists the table and the pixel images leave its feature positions blank, so a
    damaged or unrelated file (a line of garbage reads as a table with no column) would
    otherwise reach the page without a word."""
    table = read_table(path)
    fix = ("prepare-matrix writes it beside the matrix: give that file, rerun prepare-matrix "
           "to rebuild it, or leave --dropped out.")
    missing = [column for column in DROPPED_COLUMNS if column not in table.columns]
    if table.index.name != "axis" or missing:
        found = ", ".join(map(str, [table.index.name, *table.columns]))
        raise InputError(f"{path}: not a table of dropped features and samples (columns "
                         f"found: {found}; expected axis, {', '.join(DROPPED_COLUMNS)}); {fix}")
    for line, (axis, position) in enumerate(table["position"].items(), start=2):
        if str(axis) not in ("feature", "sample"):
            raise InputError(f"{path}, line {line}, column 'axis': {axis!r} is neither "
                             f"'feature' nor 'sample'; {fix}")
        if not re.fullmatch(r"[0-9]+", str(position).strip()):
            raise InputError(f"{path}, line {line}, column 'position': {position!r} is not a "
                             f"whole number >= 0; {fix}")
    table["position"] = table["position"].astype(str).str.strip().astype(np.int64)
    return table


#: What a message about a --dropped table of another matrix ends with.
_DROPPED_FIX = ("Give the NAME_dropped.tsv that prepare-matrix wrote for this matrix (beside "
                "NAME.tsv), or leave --dropped out.")


def _check_dropped_of_matrix(dropped: pd.DataFrame, matrix: pd.DataFrame, dropped_path: str,
                             matrix_path: str) -> None:
    """Refuse a --dropped table that cannot be this matrix's: prepare-matrix writes each
    feature and sample of its input either into the matrix or into the table, once, at its
    position in the input; so a dropped label that is still a row or column of the matrix, a
    position listed twice, or one beyond the input's size (the matrix's rows plus the
    dropped ones) comes from another matrix, and would blank the wrong pixels."""
    for axis, kept, what in (("feature", matrix.index, "features"),
                             ("sample", matrix.columns, "samples")):
        rows = dropped[dropped.index == axis]
        labels = [str(label) for label in rows["label"]]
        present = set(map(str, kept))
        still = [label for label in labels if label in present]
        if still:
            raise InputError(f"{dropped_path}: the dropped {what} {listed(still)} are "
                             f"{what} of {matrix_path}, which prepare-matrix would have left "
                             f"out of it; the table is not this matrix's. {_DROPPED_FIX}")
        positions = [int(position) for position in rows["position"]]
        total = len(kept) + len(positions)
        for label, position in zip(labels, positions, strict=True):
            if positions.count(position) > 1:
                raise InputError(f"{dropped_path}: {axis} position {position} is listed more "
                                 f"than once (one is '{label}'); the table is damaged or not "
                                 f"this matrix's. {_DROPPED_FIX}")
            if position >= total:
                raise InputError(f"{dropped_path}: dropped {axis} '{label}' lies at position "
                                 f"{position}, beyond the {total} {what} of the input of "
                                 f"{matrix_path} ({len(kept)} kept, {len(positions)} dropped); "
                                 f"the table is not this matrix's. {_DROPPED_FIX}")


def _dropped_features(table: pd.DataFrame) -> list[tuple[str, int]]:
    """The (label, position) of each dropped feature of a --dropped table, by position."""
    if "label" not in table.columns:  # no --dropped: an empty table
        return []
    rows = table[table.index == "feature"]
    return sorted(((str(label), int(position)) for label, position
                   in zip(rows["label"], rows["position"], strict=True)),
                  key=lambda row: row[1])


def _matrix_sibling(matrix_path: str) -> Path:
    """Where prepare-matrix wrote the dropped table of --matrix NAME.tsv: NAME_dropped.tsv."""
    path = Path(matrix_path)
    return path.with_name(f"{path.stem}_dropped.tsv")


def _check_dropped_is_the_siblings(dropped: pd.DataFrame, dropped_path: str,
                                   matrix_path: str) -> None:
    """Refuse a --dropped table whose dropped features and samples differ from those of the
    NAME_dropped.tsv that prepare-matrix wrote beside --matrix (when it is there): another
    matrix's table, or a cut copy, would name the wrong dropped rows on the page."""
    sibling = _matrix_sibling(matrix_path)
    if not sibling.is_file() or sibling.resolve() == Path(dropped_path).resolve():
        return
    own = _read_dropped(str(sibling))
    theirs, ours = (sorted(zip(t.index.astype(str), t["label"].astype(str),
                               t["position"].astype(int), strict=True)) if "label" in t.columns
                    else [] for t in (dropped, own))
    if theirs != ours:
        raise InputError(f"{dropped_path}: its dropped rows and columns "
                         f"({listed([label for _, label, _ in theirs]) or 'none'}) are not "
                         f"this matrix's: prepare-matrix wrote {sibling} beside "
                         f"{matrix_path}, which drops "
                         f"{listed([label for _, label, _ in ours]) or 'none'}. Give the "
                         f"NAME_dropped.tsv it wrote for this matrix (--dropped {sibling}).")


def _check_pixels_fill(data: MatrixReportData, pixels_text: str, matrix_path: str,
                       dropped_path: str | None) -> None:
    """Refuse --pixels and --dropped that do not fill the image exactly with the matrix's
    features: prepare-matrix checked that the input had HEIGHT x WIDTH features, and the
    matrix keeps those not dropped, so kept + dropped features != HEIGHT x WIDTH (a dropped
    pixel then lies outside the image, or the loadings run short) means another --pixels
    than prepare-matrix's, or a --dropped table of another matrix; the images would be drawn
    scrambled."""
    assert data.pixels is not None
    height, width = data.pixels
    size = height * width
    features = _dropped_features(data.dropped)
    kept, total = data.matrix.shape[0], data.matrix.shape[0] + len(features)
    if total == size:
        return
    image = f"--pixels {pixels_text} draws an image of {height} x {width} = {size} pixels"
    if dropped_path is None:
        raise InputError(f"{image}, but {matrix_path} has {kept} features and no --dropped "
                         "table was given. Give --dropped with the NAME_dropped.tsv that "
                         "prepare-matrix wrote beside the matrix (its all-zero pixels), and the "
                         "--pixels given to prepare-matrix.")
    outside = [f"'{label}' (position {position})" for label, position in features
               if position >= size]
    where = (f", and dropped pixel {', '.join(outside[:3])}{' ...' if len(outside) > 3 else ''}"
             " lies outside the image" if outside else "")
    counted = (f"{matrix_path} keeps {kept} features and --dropped {dropped_path} lists "
               f"{len(features)} dropped feature(s): {total} in all{where}")
    sibling = _matrix_sibling(matrix_path)
    own = _read_dropped(str(sibling)) if sibling.is_file() else None
    if own is not None and _dropped_features(own) != features:
        ours = [label for label, _ in _dropped_features(own)]
        theirs = [label for label, _ in features]
        raise InputError(f"{dropped_path}: its dropped features ({listed(theirs) or 'none'}) "
                         f"are not this matrix's: prepare-matrix wrote {sibling} beside "
                         f"{matrix_path}, which drops {listed(ours) or 'none'}. {image}, but "
                         f"{counted}. Give the NAME_dropped.tsv that prepare-matrix wrote for "
                         f"this matrix (--dropped {sibling}).")
    if own is not None:
        raise InputError(f"{image}, but {counted}. --pixels is not the shape given to "
                         f"prepare-matrix: give the --pixels that prepare-matrix was given for "
                         f"this matrix (HEIGHT x WIDTH = {total}).")
    raise InputError(f"{image}, but {counted}. --pixels is not the shape given to "
                     f"prepare-matrix, or {dropped_path} is not the table it wrote for this "
                     f"matrix (dropped features: {listed([f for f, _ in features]) or 'none'}"
                     "). Give the --pixels that prepare-matrix was given and the "
                     "NAME_dropped.tsv it wrote for this matrix.")


def matrix_report(args: argparse.Namespace) -> None:
    """``sigforge matrix-report``: the generic cohort page (bar charts or pixel images).

    The rank choice, the refit's tables and the files' agreement are checked by the readers
    and checks of ``report`` (:mod:`.report_ranks`, :mod:`.report_contexts`)."""
    from sigforge.cli.matrix_run_checks import check_one_run
    from sigforge.cli.report_contexts import read_intervals, read_reconstruction
    from sigforge.cli.report_ranks import chosen_rank, read_rank_metrics, read_stability
    from sigforge.report.matrix import MatrixReportData, write_matrix_report

    extract_dir, refit_dir = Path(args.extract_dir), Path(args.refit_dir)
    require_files(extract_dir, EXTRACT_FILES, "--extract-dir", "sigforge extract")
    require_files(refit_dir, REFIT_FILES, "--refit-dir", "sigforge refit")
    provenance = read_json(extract_dir / "provenance.json")
    rank = chosen_rank(provenance, extract_dir / "provenance.json")
    data = MatrixReportData(
        name=args.name, matrix=read_matrix(args.matrix).data,
        dropped=_read_dropped(args.dropped) if args.dropped else pd.DataFrame(),
        rank_metrics=read_rank_metrics(extract_dir / "rank_metrics.tsv", rank),
        chosen_rank=rank, rank_rule=str(provenance["reason"]),
        rank_caution=rank_caution(provenance), rank_edge=rank_edge(provenance),
        signatures=read_matrix(extract_dir / "signatures.tsv").data,
        stability=read_stability(extract_dir / "stability.tsv"),
        exposures=read_matrix(refit_dir / "exposures.tsv").data,
        reconstruction=read_reconstruction(refit_dir / "reconstruction.tsv"),
        pixels=_pixel_shape(args.pixels), provenance=provenance,
        blocks=_read_blocks(args.blocks) if args.blocks else None,
        intervals=read_intervals(refit_dir / "exposure_intervals.tsv"),
        rescued=rank_rescued(provenance, extract_dir / "provenance.json"))
    check_one_run(data, args.matrix, extract_dir, refit_dir)
    if args.dropped:
        _check_dropped_of_matrix(data.dropped, data.matrix, args.dropped, args.matrix)
    if data.pixels is not None:
        _check_pixels_fill(data, args.pixels, args.matrix, args.dropped)
    if args.dropped:
        _check_dropped_is_the_siblings(data.dropped, args.dropped, args.matrix)
    if data.blocks is not None:
        _check_blocks_cover(data.blocks, data.signatures, args.blocks, extract_dir /
                            "signatures.tsv")
    with stale_outputs_removed(Path(args.out), ".report_files", page_files, "matrix-report"):
        path = write_matrix_report(data, Path(args.out))
    logger.info("matrix report: %s", path)  # as given: identical runs write identical logs


def _refuse_case_twins(modalities: list[str]) -> None:
    """Refuse modality names that differ only in case: split-joint's ``NAME_signatures.tsv``
    would be one file on a case-insensitive disk, one's loadings overwriting the other's."""
    first: dict[str, str] = {}
    for name in modalities:
        other = first.setdefault(name.casefold(), name)
        if other != name:
            raise InputError(f"--modalities: '{other}' and '{name}' differ only in case, so "
                             f"split-joint's {other}_signatures.tsv and {name}_signatures.tsv "
                             "would be one file on a case-insensitive disk (macOS, Windows). "
                             "Rename one of them.")


def prepare_joint(args: argparse.Namespace) -> None:
    """``sigforge prepare-joint``: stack weighted modalities over the same samples."""
    from sigforge.discovery.matrix import prepare_joint as prepare

    if not len(args.inputs) == len(args.modalities) == len(args.weights):
        raise InputError(f"--inputs ({len(args.inputs)}), --modalities "
                         f"({len(args.modalities)}) and --weights ({len(args.weights)}) must "
                         "give one value per modality.")
    if len(set(args.modalities)) != len(args.modalities):
        raise InputError(f"--modalities {args.modalities}: each name must be unique.")
    _refuse_case_twins(args.modalities)
    prepared, blocks = prepare(dict(zip(args.modalities, args.inputs, strict=True)),
                               dict(zip(args.modalities, args.weights, strict=True)),
                               counts=args.counts)
    refuse_one_table_twice(args.inputs, args.modalities)  # after the tables' own checks
    out = Path(args.out)
    write_table(prepared.dropped, out / f"{args.name}_dropped.tsv")
    write_table(blocks, out / f"{args.name}_blocks.tsv")
    write_matrix(prepared.data, out / f"{args.name}.tsv", label="Feature", exact=True)
    logger.info("joint matrix %s: %d features x %d samples from %s", args.name,
                *prepared.data.shape, ", ".join(args.modalities))


def _check_one_weight_per_modality(blocks: pd.DataFrame, path: str) -> None:
    """Refuse a blocks table giving one modality two weights: prepare-joint scales a whole
    modality by one weight, and undoing a different weight on some of its rows would distort
    its loadings. The first row disagreeing with its modality's first is named (its line)."""
    first: dict[str, tuple[float, int]] = {}
    for line, (label, modality, weight) in enumerate(
            zip(blocks.index, blocks["modality"].astype(str), blocks["weight"], strict=True),
            start=2):
        weight_first, line_first = first.setdefault(modality, (float(weight), line))
        if float(weight) != weight_first:
            raise InputError(f"{path}, line {line} (row '{label}'), column 'weight': "
                             f"{float(weight):g} differs from the weight {weight_first:g} of "
                             f"modality '{modality}' on line {line_first}; a modality has one "
                             "weight (prepare-joint --weights scales all its rows alike). Give "
                             f"every row of '{modality}' the weight prepare-joint used, or "
                             f"{_BLOCKS_FIX}")


def split_joint(args: argparse.Namespace) -> None:
    """``sigforge split-joint``: per-modality loadings and shares of the joint components."""
    from sigforge.discovery.matrix import split_components

    signatures = read_matrix(args.signatures).data
    blocks = _read_blocks(args.blocks)
    _check_one_weight_per_modality(blocks, args.blocks)
    _check_blocks_cover(blocks, signatures, args.blocks, args.signatures)
    per_modality, shares = split_components(signatures, blocks)
    for name, frame in per_modality.items():
        if empty := [str(c) for c in frame.columns if not frame[c].any()]:
            logger.warning("split-joint: component(s) %s have no loading in modality '%s': "
                           "their columns of %s_signatures.tsv are all zero (not summing to "
                           "1), and a refit against that table refuses them", ", ".join(empty),
                           name, name)
    out = Path(args.out)
    # an earlier run's third_signatures.tsv, left beside a modalities.tsv without 'third',
    # would read as part of this run
    with stale_outputs_removed(out, ".split_joint_files", _split_files, "split-joint"):
        for name, frame in per_modality.items():
            write_matrix(frame, out / f"{name}_signatures.tsv", label="Feature")
        write_table(shares, out / "modalities.tsv")


def _split_files(out: Path) -> list[Path]:
    """What split-joint writes into ``out``: one loadings table per modality, the shares."""
    return [*out.glob("*_signatures.tsv"), out / "modalities.tsv"]


def add_parsers(subparsers: Any) -> None:
    """Declare the generic-matrix commands."""
    p = add_command(subparsers, "prepare-matrix", prepare_matrix)
    p.add_argument("--input", required=True, help="TSV/CSV/Parquet: feature labels, then one "
                   "column per sample")
    p.add_argument("--name", required=True, help="name of the cleaned matrix (NAME.tsv)")
    p.add_argument("--counts", action="store_true", help="require whole numbers")
    p.add_argument("--pixels", default=None, help="HEIGHT,WIDTH when the features are the "
                   "pixels of an image (row-major)")
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "prepare-joint", prepare_joint)
    p.add_argument("--inputs", action="extend", nargs="+", required=True,
                   help="one table per modality")
    p.add_argument("--modalities", action="extend", nargs="+", required=True,
                   help="one name per table")
    p.add_argument("--weights", action="extend", nargs="+", type=real, required=True,
                   help="weight of each modality's entries in the KL objective")
    p.add_argument("--name", required=True, help="name of the stacked matrix (NAME.tsv)")
    p.add_argument("--counts", action="store_true", help="require whole numbers")
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "split-joint", split_joint)
    p.add_argument("--signatures", required=True, help="signatures.tsv of the joint run")
    p.add_argument("--blocks", required=True, help="NAME_blocks.tsv from prepare-joint")
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "matrix-report", matrix_report)
    p.add_argument("--name", required=True, help="name of the data set")
    p.add_argument("--matrix", required=True, help="the matrix written by prepare-matrix")
    p.add_argument("--dropped", default=None, help="NAME_dropped.tsv from prepare-matrix")
    p.add_argument("--extract-dir", required=True, help="directory written by extract")
    p.add_argument("--refit-dir", required=True, help="directory written by refit")
    p.add_argument("--pixels", default=None, help="HEIGHT,WIDTH: draw components as images")
    p.add_argument("--blocks", default=None, help="NAME_blocks.tsv of a joint run: draw each "
                   "modality's loadings")
    p.add_argument("--out", required=True, help="output directory")

