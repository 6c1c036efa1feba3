"""Checks of a generic matrix's labels that tell a table written without its header line
or without its label column: a sample's values read as names, and that sample lost from
the data without a word.

Split from :mod:`sigforge.discovery.matrix`, which reads and checks the matrix.
"""

from __future__ import annotations

import logging
import os

import numpy as np

from sigforge.io import InputError

logger = logging.getLogger("sigforge.discovery.matrix")


def check_header_is_names(names: list[str], path: str | os.PathLike[str]) -> None:
    """Refuse sample names that are all numbers, other than increasing whole numbers (1, 2,
    3 or 1001, 1005: numbered samples): the header line is missing."""
    try:
        numbers = [float(name) for name in names]
    except ValueError:
        return
    whole = all(np.isfinite(v) and v == int(v) for v in numbers)
    if whole and all(a < b for a, b in zip(numbers, numbers[1:], strict=False)):
        return
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    raise InputError(f"{path}: line 1 holds only numbers ({shown}) where the header's sample "
                     "names belong, so the file seems to have no header line: its first row "
                     "would be taken as the names and lost from the data. Add a header line "
                     "(a label for the feature column, then one name per sample). Numbered "
                     "samples in increasing order (1, 2, 3) are read as names.")


def warn_numeric_labels(labels: list[str], path: str | os.PathLike[str]) -> None:
    """Warn when every row label is a number and they do not increase (bins, m/z values and
    numbered features do): the first column may be a sample's values in a table written
    without its label column (pandas: ``index=False``), a sample then left out unseen."""
    try:
        numbers = [float(label) for label in labels]
    except ValueError:
        return
    if all(a < b for a, b in zip(numbers, numbers[1:], strict=False)):
        return
    shown = ", ".join(labels[:4]) + (", ..." if len(labels) > 4 else "")
    logger.warning("%s: every row label is a number, in no increasing order (%s): if the "
                   "first column is a sample's values rather than feature labels, the table "
                   "was written without its label column and that sample is not in the data. "
                   "Add a label column (pandas: write with index=True).", path, shown)
