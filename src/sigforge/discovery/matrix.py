"""Generic input: any nonnegative features x samples table, checked and cleaned for discovery.

Matrix mode (config ``type: matrix``) runs the discovery on data that are not mutation catalogs:
word counts, pixel intensities, EMG envelopes, expression. This module reads such a table,
checks it with messages that name the file, row and column, and removes what NMF cannot use.

Decisions (documented in config/README.md):

- Negative, NaN, infinite or non-numeric cells and duplicate row or column labels are rejected:
  they are errors in the input, and guessing a repair would change the science.
- All-zero features (rows) and all-zero samples (columns) are dropped, never silently: each one is
  listed in a ``dropped`` table (written beside the cleaned matrix) and logged. A zero row has a
  zero loading in every component whatever the fit, and a zero sample has zero exposures, so
  dropping them changes no other number; keeping them would only break the normalisations.
- Values need not be integers. Whether they are counts decides the resampling (see
  :func:`sigforge.discovery.resample.scaled_multinomial_bootstrap`).

Nothing here imports the genomics modules (catalog, variants, genome, contexts, reference).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sigforge.discovery.matrix_counts import (  # re-exported: split into .matrix_counts
    check_count_totals,
    check_exact_counts,
    first_fraction,
    whole_numbers,
)
from sigforge.discovery.matrix_labels import check_header_is_names, warn_numeric_labels
from sigforge.io import MAX_CELL, InputError, check_regular_file, read_matrix

logger = logging.getLogger(__name__)

#: File name endings read as delimited text (tab or comma, sniffed) or Parquet; ``.all`` is
#: SigProfilerMatrixGenerator's tab-separated matrix (``proj.SBS96.all``).
TEXT_SUFFIXES = (".tsv", ".csv", ".txt", ".tab", ".all", ".parquet")


@dataclass(frozen=True)
class PreparedMatrix:
    """A checked matrix ready for discovery, and what was removed from the input.

    Attributes
    ----------
    data : DataFrame, (m, n)
        Nonnegative float64; features in input order, minus the dropped ones.
    dropped : DataFrame
        One row per dropped feature or sample: ``axis`` ('feature' or 'sample'), ``label``,
        ``position`` (0-based row or column index in the input) and ``reason``.
    counts : bool
        True when every value is a whole number.
    """

    data: pd.DataFrame
    dropped: pd.DataFrame
    counts: bool


#: Python that writes a table ``T`` (pandas, rows = features) in the layout read here: the
#: feature labels in a first column named Feature, then one column per sample.
_TO_TSV = ".rename_axis('Feature').to_csv('matrix.tsv', sep='\\t')"

#: Container formats users hold matrices in, by file suffix: the format's name and a
#: conversion to the TSV read here (rows = features, columns = samples; transpose with .T
#: or t() when the rows are samples).
FOREIGN_MATRIX_FORMATS: dict[str, tuple[str, str]] = {
    ".mtx": ("a Matrix Market (sparse) file",
             "in Python: import scipy.io, pandas as pd; pd.DataFrame(scipy.io.mmread("
             "'IN.mtx').toarray(), index=FEATURES, columns=SAMPLES)" + _TO_TSV + " (for "
             "10x output the names are in features.tsv and barcodes.tsv; without them leave "
             "out index= and columns=)"),
    ".npy": ("a NumPy array file",
             "in Python: import numpy as np, pandas as pd; pd.DataFrame(np.load('IN.npy'), "
             "index=FEATURES, columns=SAMPLES)" + _TO_TSV + " (without names leave out index= "
             "and columns=)"),
    ".npz": ("a NumPy archive",
             "in Python: import numpy as np, pandas as pd; pd.DataFrame(np.load('IN.npz')"
             "['NAME'])" + _TO_TSV + " (NAME: the array's name in the archive)"),
    ".rds": ("an R object file (saveRDS)",
             "in R: m <- as.matrix(readRDS('IN.rds')); write.table(m, 'matrix.tsv', "
             "sep='\\t', quote=FALSE, col.names=NA)"),
    ".rdata": ("an R workspace (save)",
               "in R: load('IN.RData'); write.table(as.matrix(OBJECT), 'matrix.tsv', "
               "sep='\\t', quote=FALSE, col.names=NA)"),
    ".h5ad": ("an AnnData file (cells x genes)",
              "in Python: import anndata; anndata.read_h5ad('IN.h5ad').to_df().T" + _TO_TSV),
    ".xlsx": ("an Excel workbook",
              "in Python: import pandas as pd; pd.read_excel('IN.xlsx', index_col=0)" + _TO_TSV),
    ".feather": ("a Feather (Arrow) file",
                 "in Python: import pandas as pd; pd.read_feather('IN.feather')"
                 ".to_csv('matrix.tsv', sep='\\t', index=False)"),
    ".gz": ("gzip-compressed", "decompress it: gzip -dc IN.gz > matrix.tsv"),
}
for _alias, _same in ((".rda", ".rdata"), (".xls", ".xlsx"), (".ods", ".xlsx"),
                      (".arrow", ".feather")):
    FOREIGN_MATRIX_FORMATS[_alias] = FOREIGN_MATRIX_FORMATS[_same]


def foreign_matrix_fix(path: Path) -> str:
    """Why a matrix file of another suffix is refused, naming its format when known, and a
    conversion to the layout read here that works for that format (never another format's:
    an Excel recipe cannot read a NumPy file)."""
    expected = (f"matrix files must be tab- or comma-separated text or Parquet "
                f"({', '.join(TEXT_SUFFIXES)}): a first column of feature labels, then one "
                "column per sample, with a header line")
    known = FOREIGN_MATRIX_FORMATS.get(path.suffix.lower())
    if known is None:
        return (f"{expected}. Write the matrix in that layout (e.g. from pandas: "
                "T.to_csv('matrix.tsv', sep='\\t')) and give that file.")
    name, conversion = known
    return f"is {name}, but {expected}. Convert it, {conversion}; then give matrix.tsv."


def read_generic_matrix(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a features x samples text table: first column feature labels, header sample names.

    Raises
    ------
    InputError
        Unsupported file type, missing file, non-numeric, non-finite or negative cells,
        duplicate labels, or a table without features or samples; the message names the file
        and the offending line and column.
    """
    path = Path(path)
    check_regular_file(path, str(path))  # a folder is not a file of another format
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise InputError(f"{path}: {foreign_matrix_fix(path)}")
    frame = read_matrix(path).data
    if frame.shape[0] == 0:
        raise InputError(f"{path}: the table has no feature rows.")
    check_data_matrix(frame, path, generic=True)
    return frame


#: The smallest nonzero value a data matrix may hold: the fits multiply and square values,
#: and below this their products underflow to 0 (divergences of -inf, samples read as empty).
MIN_CELL = 1e-100


def check_data_matrix(frame: pd.DataFrame, path: str | os.PathLike[str], *,
                      generic: bool) -> None:
    """Refuse a data matrix (a catalog or generic matrix to factor or refit) with a nonzero
    cell below :data:`MIN_CELL`, and a ``generic`` one whose header holds only numbers that
    are not increasing whole numbers: a file without a header line, whose first row would be
    taken as the sample names and lost from the data."""
    values = frame.to_numpy(dtype=np.float64)
    tiny = (values > 0) & (values < MIN_CELL)
    if tiny.any():
        row, col = np.argwhere(tiny)[0]
        more = f" ({int(tiny.sum()) - 1} more such cell(s))" if tiny.sum() > 1 else ""
        raise InputError(f"{path}: row '{frame.index[row]}', column '{frame.columns[col]}' "
                         f"holds {values[row, col]:.3g}, a nonzero value below {MIN_CELL:g}"
                         f"{more}. The fits multiply and square the values, and such "
                         "products underflow to 0. Multiply the whole matrix by a constant "
                         "(units in which its values are nearer 1), or set such values to 0.")
    for name in map(str, frame.columns):
        if name in _LABEL_HEADERS:
            raise InputError(f"{path}: a sample column is named '{name}', the label column of "
                             f"{_LABEL_HEADERS[name]}, where each sample is a column, so that "
                             "table could not be read back. Rename the sample (e.g. "
                             f"'{name}_1') in {path}.")
    if generic:
        check_header_is_names([str(c) for c in frame.columns], path)
        warn_numeric_labels([str(label) for label in frame.index], path)


#: Label columns of the tables in which each sample is a column (a sample so named would put
#: the name twice on the header line): name -> the table, for messages.
_LABEL_HEADERS = {"Signature": "exposures.tsv", "Feature": "the prepared matrix (NAME.tsv)",
                  "MutationType": "the catalogs"}


def _dropped_rows(labels: pd.Index, mask: np.ndarray, axis: str) -> list[dict[str, object]]:
    """Rows of the dropped table for the labels where mask is True."""
    return [{"axis": axis, "label": str(labels[i]), "position": int(i),
             "reason": "all values are zero"} for i in np.flatnonzero(mask)]


def drop_empty(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove all-zero features and samples; return the rest and the table of what went.

    One pass suffices: removing a zero row leaves every column sum unchanged, and a row whose
    only nonzero values lay in a zero column cannot exist.
    """
    values = frame.to_numpy(dtype=np.float64)
    zero_rows = ~values.any(axis=1)
    zero_cols = ~values.any(axis=0)
    dropped = pd.DataFrame(
        _dropped_rows(frame.index, zero_rows, "feature")
        + _dropped_rows(frame.columns, zero_cols, "sample"),
        columns=["axis", "label", "position", "reason"])
    return frame.loc[~zero_rows, ~zero_cols], dropped.set_index("axis")


def check_pixels(n_features: int, shape: tuple[int, int] | None, path: str) -> None:
    """Raise unless ``shape`` (height, width) covers exactly the input's features."""
    if shape is None:
        return
    height, width = shape
    if height < 1 or width < 1 or height * width != n_features:
        raise InputError(f"{path}: features_are_pixels {list(shape)} needs {height * width} "
                         f"feature rows (one per pixel, row-major), but the table has "
                         f"{n_features}. Fix the shape or the table.")


def prepare_matrix(path: str | os.PathLike[str], *, counts: bool = False,
                   pixels: tuple[int, int] | None = None, log_dropped: bool = True
                   ) -> PreparedMatrix:
    """Read, check and clean a generic matrix for discovery.

    Parameters
    ----------
    path : path of a TSV/CSV table, features x samples
    counts : bool, default=False
        Require whole numbers (the Poisson and multinomial resamplings need counts).
    pixels : (height, width), optional
        The features are the pixels of a height x width image, in row-major order.
    log_dropped : bool, default=True
        Log a warning per dropped row or column (the workflow's early check turns it off: the
        prepare rule logs them once).

    Raises
    ------
    InputError
        Any problem of :func:`read_generic_matrix`; non-integers with ``counts``; a pixel shape
        that does not match; fewer than 2 features or 1 sample left after dropping zeros.
    """
    frame = read_generic_matrix(path)
    check_pixels(frame.shape[0], pixels, str(path))
    fraction = first_fraction(frame)
    if counts and fraction is not None:
        feature, sample, value = fraction
        raise InputError(f"{path}: row '{feature}', column '{sample}' holds {value}, but the "
                         "matrix is declared to hold counts (--counts; matrix.counts: true "
                         "in the workflow). Leave out --counts (matrix.counts: false) for "
                         "real-valued data (scaled resampling).")
    if counts:
        check_exact_counts(frame, path)
    data, dropped = drop_empty(frame)
    check_factorable(data, path)  # first: an unusable matrix gets one error, not the list
    if fraction is None:
        check_count_totals(data, path)
    if log_dropped:
        warn_dropped(dropped, str(path))
    return PreparedMatrix(data, dropped, fraction is None)


#: How many dropped features (and samples) are named one by one in the log; the rest are
#: counted. Every one is listed in the NAME_dropped.tsv the command writes, and a matrix
#: of millions of empty rows (a sparse count matrix) must not flood the terminal.
DROPPED_NAMED = 10


def warn_dropped(dropped: pd.DataFrame, source: str, named: int = DROPPED_NAMED) -> None:
    """Warn about the dropped features and samples of :func:`drop_empty`: the first ``named``
    of each axis one by one, then one line counting the others (all in the dropped table)."""
    for axis in ("feature", "sample"):
        rows = dropped[dropped.index == axis]
        for _, row in rows.head(named).iterrows():
            logger.warning("%s: dropped %s '%s' (position %d): %s", source, axis, row["label"],
                           row["position"], row["reason"])
        if len(rows) > named:
            logger.warning("%s: dropped %d more all-zero %ss, not named here; every dropped "
                           "row and column is listed in the dropped table (prepare-matrix "
                           "writes it beside the matrix as {--name}_dropped.tsv)", source,
                           len(rows) - named, axis)


def check_factorable(data: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Raise unless ``data``, its all-zero rows and columns dropped (:func:`drop_empty`),
    keeps at least 2 features and 1 sample: the least a generic matrix needs to be factored
    (prepare-matrix's check, also applied by the discovery commands to a generic matrix)."""
    if data.shape[0] < 2 or data.shape[1] < 1:
        raise InputError(f"{path}: after dropping all-zero rows and columns, {data.shape[0]} "
                         f"feature(s) x {data.shape[1]} sample(s) remain; NMF needs at least "
                         "2 features and 1 sample with nonzero values.")


def pixel_image(loadings: pd.Series, shape: tuple[int, int],
                dropped: pd.DataFrame) -> np.ndarray:
    """A component's loadings as a (height, width) image; dropped (all-zero) pixels are 0.

    The loadings and the dropped pixels must fill the image exactly: a dropped position
    outside it, or one listed twice, means the shape or the dropped table is not the one the
    matrix was prepared with, and drawing it anyway would shift every pixel after it.
    """
    height, width = shape
    positions: list[int] = []
    if "feature" in dropped.index:
        positions = [int(p) for p in dropped.loc[["feature"], "position"]]
    removed = set(positions)
    outside = sorted(p for p in removed if not 0 <= p < height * width)
    if outside or len(removed) != len(positions):
        problem = (f"dropped pixel position(s) {outside[:5]} lie outside it" if outside
                   else "a dropped pixel position is listed twice")
        raise InputError(f"component {loadings.name}: the {height} x {width} image has "
                         f"{height * width} pixels, and {problem}; give the pixel shape and "
                         "the dropped table that prepare-matrix was given and wrote.")
    kept = [p for p in range(height * width) if p not in removed]
    if len(kept) != loadings.size:
        raise InputError(f"component {loadings.name}: {loadings.size} loadings and "
                         f"{len(removed)} dropped pixels do not fill the {height} x {width} "
                         f"image ({height * width} pixels); give the pixel shape and the "
                         "dropped table that prepare-matrix was given and wrote.")
    image = np.zeros(height * width)
    image[kept] = loadings.to_numpy(dtype=np.float64)
    return image.reshape(height, width)


def _weighted(values: np.ndarray, weight: float, name: str) -> np.ndarray:
    """``values * weight``, refused when the product leaves the range a matrix may hold
    (:data:`sigforge.io.MAX_CELL`): a huge weight would otherwise write infinities, and a tiny
    one values the solvers cannot factor (:data:`MIN_CELL`)."""
    if not np.isfinite(values).all():  # not the weight's doing: say what the data hold
        raise InputError(f"modality '{name}': its table holds NaN or infinite values; every "
                         "cell must be a finite number (0 where nothing was observed).")
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = values.astype(np.float64) * weight
    top = float(np.max(scaled, initial=0.0))
    if not top <= MAX_CELL:
        raise InputError(f"modality '{name}': weight {weight:g} scales its largest value to "
                         f"{top:g}, beyond the largest value a matrix may hold ({MAX_CELL:.3g})."
                         " Give a smaller weight (weights only matter relative to each other).")
    nonzero = scaled[scaled > 0]
    low = float(nonzero.min()) if nonzero.size else 0.0
    if 0 < low < MIN_CELL:
        raise InputError(f"modality '{name}': weight {weight:g} scales its smallest nonzero "
                         f"value to {low:.3g}, below {MIN_CELL:g}, where the factorisation's "
                         "products underflow to 0 (extract would refuse the matrix). Give a "
                         "larger weight (weights only matter relative to each other).")
    return scaled


def stack_modalities(frames: Mapping[str, pd.DataFrame], weights: Mapping[str, float]
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stack several matrices over the same samples into one, each scaled by its weight.

    Joint NMF (matrices X_i sharing one exposure matrix H, block i weighted by w_i in the KL
    objective) is plain KL NMF of the stacked matrix [w_1 X_1; w_2 X_2; ...]: the KL divergence
    is 1-homogeneous, D(wX | wY) = w D(X | Y), so a basis W'_i = w_i W_i of the scaled block
    reaches exactly the weighted objective. Discovery, consensus (on the concatenated loadings)
    and refit therefore run unchanged on the stacked matrix.

    Parameters
    ----------
    frames : mapping of modality name to DataFrame (features_i, samples)
        Sample columns are aligned by name to the first modality's order.
    weights : mapping of modality name to a positive weight

    Returns
    -------
    stacked : DataFrame (sum features_i, samples), rows labelled ``modality:feature``
    blocks : DataFrame indexed by those labels: ``modality``, ``feature``, ``weight``

    Raises
    ------
    InputError
        Fewer than two modalities, a missing or non-positive weight, or sample sets that
        differ (the message names the modality and up to five samples missing from it).
    """
    names = list(frames)
    if len(names) < 2:
        raise InputError(f"joint mode needs at least two modalities, got {names}.")
    unweighted = [name for name in names if name not in weights]
    if unweighted:  # a missing weight was taken as 1 without a word
        raise InputError(f"modality '{unweighted[0]}' has no weight (weights given: "
                         f"{sorted(weights)}); give every modality its weight (1 weighs "
                         "every entry alike).")
    samples = list(frames[names[0]].columns)
    parts, blocks = [], []
    for name in names:
        frame, weight = frames[name], float(weights[name])
        if not 0 < weight < np.inf:
            raise InputError(f"modality '{name}': weight must be a finite number > 0, got "
                             f"{weight}. Give a positive weight (1 weighs every entry alike).")
        missing = [s for s in samples if s not in frame.columns]
        extra = [s for s in frame.columns if s not in samples]
        if missing or extra:
            raise InputError(f"modality '{name}' does not cover the samples of '{names[0]}': "
                             f"missing {missing[:5]}, extra {extra[:5]}. Joint mode needs the "
                             "same samples in every table.")
        labels = [f"{name}:{feature}" for feature in frame.index]
        parts.append(pd.DataFrame(_weighted(frame[samples].to_numpy(), weight, name),
                                  index=labels, columns=samples))
        blocks.append(pd.DataFrame({"modality": name, "feature": list(map(str, frame.index)),
                                    "weight": weight}, index=labels))
    stacked = pd.concat(parts)
    repeated = stacked.index[stacked.index.duplicated()]
    if len(repeated):  # modality 'a' feature 'b:c' and modality 'a:b' feature 'c'
        raise InputError(f"the stacked row label '{repeated[0]}' is made twice (modality and "
                         "feature names joined with ':' collide); rename a modality or a "
                         "feature so that no label repeats, e.g. modality names without ':'.")
    values = stacked.to_numpy(dtype=np.float64)
    if not (np.isfinite(values).all() and (values >= 0).all()):
        raise InputError("joint mode stacks nonnegative matrices; a table holds NaN, infinity "
                         "or a negative value. Check each modality's table (prepare-joint "
                         "names the cell).")
    stacked.index.name = "Feature"
    table = pd.concat(blocks)
    table.index.name = "Feature"
    return stacked, table


def split_components(signatures: pd.DataFrame, blocks: pd.DataFrame
                     ) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Per-modality loadings of joint components, and each component's share per modality.

    The stacked loadings of modality i are w_i W_i; dividing by w_i and renormalising each
    column to sum 1 gives that modality's own basis. The share table gives, per component, the
    fraction of its (weighted) loading mass in each modality.
    """
    unknown = signatures.index.difference(blocks.index)
    if len(unknown):
        raise ValueError(f"signatures: {len(unknown)} feature(s) the blocks table lacks (such "
                         f"as {list(unknown[:3])}): the signatures and the blocks come from "
                         "different joint matrices; give the blocks of the matrix the "
                         "signatures were factored from.")
    aligned = blocks.loc[signatures.index]
    per_modality, shares = {}, {}
    for name in dict.fromkeys(aligned["modality"]):
        rows = aligned["modality"] == name
        block = signatures.loc[rows.to_numpy()]
        shares[name] = block.sum(axis=0)
        unscaled = block.div(aligned.loc[rows, "weight"].to_numpy(), axis=0)
        totals = unscaled.sum(axis=0).replace(0.0, 1.0)
        frame = unscaled / totals
        frame.index = pd.Index(aligned.loc[rows, "feature"].to_numpy(), name="Feature")
        per_modality[name] = frame
    share = pd.DataFrame(shares).T
    share.index.name = "modality"
    return per_modality, share / share.sum(axis=0).replace(0.0, 1.0)


def prepare_joint(paths: Mapping[str, str], weights: Mapping[str, float], *,
                  counts: bool = False, log_dropped: bool = True
                  ) -> tuple[PreparedMatrix, pd.DataFrame]:
    """Read, check and stack the modalities of a joint run; drop all-zero rows and samples.

    Returns the prepared stacked matrix and the blocks table of :func:`stack_modalities`
    (restricted to the kept features).
    """
    frames = {name: read_generic_matrix(path) for name, path in paths.items()}
    if counts:
        for name, frame in frames.items():
            fraction = first_fraction(frame)
            if fraction is not None:
                raise InputError(f"{paths[name]}: row '{fraction[0]}', column '{fraction[1]}' "
                                 f"holds {fraction[2]}, but the data are declared counts "
                                 "(--counts; matrix.counts: true in the workflow). Leave it out "
                                 "(matrix.counts: false) for real-valued data, or round the "
                                 f"modality '{name}' to whole numbers.")
            check_exact_counts(frame, paths[name])
    empty = [name for name, frame in frames.items() if not frame.to_numpy().any()]
    if empty:
        raise InputError(f"modality '{empty[0]}' ({paths[empty[0]]}) holds only zeros, so it "
                         "would drop out of the joint run, leaving "
                         f"{len(frames) - len(empty)} modality(ies) behind a 'joint' label. "
                         "Check that file, or leave the modality out.")
    stacked, blocks = stack_modalities(frames, weights)
    if counts and not whole_numbers(stacked):
        raise InputError(f"joint matrix: the weights {dict(weights)} turn the counts into "
                         "fractions, which the count resamplings cannot draw; use whole-number "
                         "weights or set matrix.counts: false (scaled resampling).")
    data, dropped = drop_empty(stacked)
    if data.shape[0] < 2 or data.shape[1] < 1:
        raise InputError(f"joint matrix: {data.shape[0]} feature(s) x {data.shape[1]} sample(s)"
                         " remain after dropping all-zero rows and columns.")
    if log_dropped:
        warn_dropped(dropped, "joint matrix")
    return PreparedMatrix(data, dropped, whole_numbers(data)), blocks.loc[data.index]
