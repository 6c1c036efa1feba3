"""Rescaling signatures from one set of opportunities to another (generic: any features).

A signature is a distribution over channels, and how often a channel is seen depends on how
often its context occurs in the sequence studied. Moving a signature from the sequence it was
estimated on (``source``, e.g. a whole genome) to another (``target``, e.g. an exome or a
panel's regions) multiplies each channel by the ratio of its context's opportunities and
renormalises:

``s_target[c] = s_source[c] * target[ctx(c)] / source[ctx(c)]``, then divided by its sum.

Which context a channel belongs to is the caller's knowledge (for mutation catalogs,
:func:`sigforge.genomics.opportunities.channel_contexts`); this module only needs a label per
channel. Rescaling to ``target`` and back to ``source`` returns the original signatures, up to
float rounding, when every context has opportunities in both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sigforge._validation import check_nonnegative_matrix


def opportunity_ratio(contexts: Sequence[str], source: pd.Series,
                      target: pd.Series) -> np.ndarray:
    """The factor ``target[ctx] / source[ctx]`` of each channel (0 where both are 0).

    Raises
    ------
    ValueError
        A channel's context is missing from either set, has negative opportunities, or has
        none in ``source`` but some in ``target`` (the signature says nothing about it).
    """
    for table, what in ((source, "source"), (target, "target")):
        if not isinstance(table, pd.Series):
            raise TypeError(f"{what}: expected opportunities as a pandas Series indexed by "
                            f"context, got {type(table).__name__}.")
        if table.index.has_duplicates:
            raise ValueError(f"{what}: context '{table.index[table.index.duplicated()][0]}' "
                             "is listed more than once; give each context's opportunities "
                             "once.")
    missing = sorted({c for c in contexts if c not in source.index or c not in target.index})
    if missing:
        raise ValueError(f"no opportunities for the context(s) {missing[:5]}; the "
                         "opportunities must list every context of the channels.")
    have = source.reindex(list(contexts)).to_numpy(np.float64)
    want = target.reindex(list(contexts)).to_numpy(np.float64)
    if (have < 0).any() or (want < 0).any() or not np.isfinite(have).all() \
            or not np.isfinite(want).all():
        raise ValueError("opportunities must be finite and nonnegative.")
    unknown = sorted({c for c, h, w in zip(contexts, have, want, strict=True) if h == 0 < w})
    if unknown:
        raise ValueError(f"context(s) {unknown[:5]} never occur in the source sequence but do "
                         "in the target, so the signatures cannot be carried over to them.")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ratio = np.where(have > 0, want / np.where(have > 0, have, 1.0), 0.0)
        if not np.isfinite(ratio).all():  # 1e300 / 1e-300: only the ratios' proportions
            have, want = have / have.max(), want / want.max()  # matter (columns sum to 1)
            ratio = np.where(have > 0, want / np.where(have > 0, have, 1.0), 0.0)
    return ratio


def rescale_signatures(signatures: pd.DataFrame, contexts: Sequence[str], source: pd.Series,
                       target: pd.Series) -> pd.DataFrame:
    """Signatures (features x signatures, columns summing to 1) carried from the
    ``source`` opportunities to the ``target`` ones, each column renormalised to sum 1.

    Parameters
    ----------
    signatures : DataFrame
        One row per channel, one column per signature.
    contexts : sequence of str
        The context of each row of ``signatures``, in row order.
    source, target : Series
        Opportunities (occurrences) per context.

    Raises
    ------
    ValueError
        ``signatures`` holds NaN, infinite or negative values, ``contexts`` does not match
        the rows, a context lacks opportunities or is listed twice (see
        :func:`opportunity_ratio`), or a signature has no weight left in the target (all its
        channels' contexts are absent there).
    """
    if not isinstance(signatures, pd.DataFrame):
        raise TypeError(f"signatures: expected a labelled DataFrame (channels x signatures), "
                        f"got {type(signatures).__name__}.")
    check_nonnegative_matrix(signatures.to_numpy(dtype=np.float64), "signatures")
    if len(contexts) != signatures.shape[0]:
        raise ValueError(f"{len(contexts)} contexts for {signatures.shape[0]} channels.")
    ratio = opportunity_ratio(contexts, source, target)
    scaled = signatures.to_numpy(np.float64) * ratio[:, None]
    totals = scaled.sum(axis=0)
    if not np.isfinite(totals).all() and ratio.max() > 0:  # overflowed: the proportions hold
        scaled = signatures.to_numpy(np.float64) * (ratio / ratio.max())[:, None]
        totals = scaled.sum(axis=0)
    empty = [str(name) for name, total in zip(signatures.columns, totals, strict=True)
             if not total > 0]
    if empty:
        raise ValueError(f"signature(s) {empty[:5]} have no weight left after rescaling: "
                         "none of their contexts occur in the target sequence.")
    return pd.DataFrame(scaled / totals, index=signatures.index, columns=signatures.columns)
