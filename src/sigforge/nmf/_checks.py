"""Entry checks of the public NMF functions: arrays, starts, weights and scalar settings.

Every public function of :mod:`sigforge.nmf` checks its inputs once, on entry, with these
helpers, so that a bad input is answered by a ValueError or TypeError that names the argument
and the problem -- never by NaN factors, a numba ``SystemError`` or a loop that never ends.
Each array costs one min and one max reduction (NaN propagates through both, so they also find
NaN and infinity); nothing here runs inside the solvers' iterations.

Magnitudes: the solvers square the data and the model and sum the squares (the Frobenius
objective, HALS's Gram matrices), so values must stay far below float64's largest number
(1.8e308). Data entries above :data:`MAX_VALUE` (1e100; squares 1e200, so that sums of squares
over any matrix that fits in memory stay finite) and start entries above :data:`MAX_START`
(1e150) are refused; rescale such data first (NMF is scale-equivariant: the factors of
``X / c`` times ``c`` fit ``X``).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from sigforge._types import FloatArray
from sigforge._validation import refuse_special_arrays

#: Largest data (and weight) entry accepted: squares and sums of squares stay finite.
MAX_VALUE = 1e100
#: Largest start entry, and largest bound k * max(W) * max(H) of a start's model W @ H.
MAX_START = 1e150
#: Largest iteration count accepted (the kernel stores counts as float64 and int64).
MAX_ITER = 2**31 - 1


def as_float_array(values: Any, name: str, ndim: int | None) -> FloatArray:
    """``values`` as a float64 array of ``ndim`` dimensions, none of them empty (``ndim``
    None: the conversion only, the caller checks the shape).

    Raises
    ------
    TypeError
        Complex, non-numeric or ragged input.
    ValueError
        The wrong number of dimensions, or an empty dimension.
    """
    refuse_special_arrays(values, name)
    if type(values) is np.ndarray and values.dtype == np.float64:
        array = values
    else:  # a subclass (np.matrix: '*' is a matrix product there) becomes a plain array
        if np.iscomplexobj(values):
            raise TypeError(f"{name}: expected real numbers, got complex values.")
        try:
            array = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError) as error:
            missing = " (missing values such as pd.NA: fill them, or hide them with weights=0)" \
                if "NAType" in str(error) else ""
            raise TypeError(f"{name}: expected a numeric array, got "
                            f"{type(values).__name__} ({error}){missing}.") from None
    if ndim is None:
        return array
    if array.ndim != ndim:
        raise ValueError(f"{name}: expected {ndim}-D data, got {array.ndim} dimension(s) "
                         f"with shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got shape {array.shape}.")
    return array


def check_values(array: FloatArray, name: str, *, limit: float = MAX_VALUE) -> float:
    """Raise ValueError unless every entry of ``array`` is finite, >= 0 and <= ``limit``;
    return the largest entry (0 for an empty array: nothing to check). One min and one max
    pass."""
    if array.size == 0:
        return 0.0
    low, high = float(np.min(array)), float(np.max(array))
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"{name}: expected finite values, got NaN.")
    if low < 0:
        raise ValueError(f"{name}: expected nonnegative values, got minimum {low:g}.")
    if math.isinf(high):
        raise ValueError(f"{name}: expected finite values, got infinity.")
    if high > limit:
        raise ValueError(f"{name}: expected values <= {limit:g}, got maximum {high:g}; the "
                         "solvers square and sum values, which would overflow float64. Divide "
                         "the data by a constant first (NMF is scale-equivariant).")
    return high


#: Smallest largest-entry of data accepted (an all-zero matrix aside): below it the solvers'
#: products underflow to 0 and a fit returns zero factors as if converged.
MIN_PEAK = 1e-100


def check_data(array: FloatArray, name: str) -> float:
    """:func:`check_values` for data, which must also not be so small (largest entry below
    :data:`MIN_PEAK`, but not all zero) that the solvers' products underflow; returns the
    largest entry."""
    high = check_values(array, name)
    if 0 < high < MIN_PEAK:
        raise ValueError(f"{name}: expected values up to at least {MIN_PEAK:g}, got maximum "
                         f"{high:g}; the solvers multiply values, whose products would "
                         "underflow to 0 and leave zero factors. Multiply the data by a "
                         "constant first (NMF is scale-equivariant).")
    return high


def check_start_model(W: FloatArray, H: FloatArray, names: str) -> None:
    """Raise ValueError when the model of the starts, bounded by k * max(W) * max(H) per
    problem (leading axes), could exceed :data:`MAX_START`."""
    k = W.shape[-1]
    w_max = W.reshape(*W.shape[:-2], -1).max(axis=-1)
    h_max = H.reshape(*H.shape[:-2], -1).max(axis=-1)
    bound = float(np.max(k * w_max * h_max))
    if not bound <= MAX_START:
        raise ValueError(f"{names}: the start's model W @ H may reach {bound:g} (k * max(W) * "
                         f"max(H)); expected at most {MAX_START:g}, as squares of larger values "
                         "overflow float64. Rescale the starts.")


def check_weights_positive(weights: FloatArray, name: str) -> None:
    """Raise ValueError when a problem's weights (last two axes) are all zero: nothing would be
    fitted."""
    per_problem = weights.reshape(*weights.shape[:-2], -1).max(axis=-1)
    if (per_problem <= 0).any():
        raise ValueError(f"{name}: expected at least one positive weight per problem, got all "
                         "zero weights (every entry hidden, nothing to fit).")


def check_something_to_learn(data: FloatArray, weights: FloatArray | None,
                             update_w: bool) -> None:
    """Refuse learning W from a problem (last two axes) that is zero on every weighted entry:
    every solver then drives W to zeros and reports convergence, so a caller would receive
    all-zero components as if they were a factorisation. With W fixed (coefficients of new
    samples) zero coefficients are the right answer, and are allowed."""
    seen = data if weights is None else np.where(weights > 0, data, 0.0)
    if update_w and not seen.reshape(*seen.shape[:-2], -1).any(axis=-1).all():
        raise ValueError("X: expected at least one positive entry to learn components from, "
                         "got a matrix of zeros (on every entry with a positive weight); "
                         "there is nothing to factor. Check that the right data was loaded.")


def check_real(value: Any, name: str, *, minimum: float | None = None,
               positive: bool = False) -> float:
    """``value`` as a finite float, >= ``minimum`` (or > 0 with ``positive``); else ValueError
    (TypeError for a non-number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(value).__name__} "
                        f"{value!r}.")
    number, short = float(value), name.rsplit(".", 1)[-1]
    if not math.isfinite(number):
        raise ValueError(f"{name}: expected a finite number, got {number}.")
    if positive and not number > 0:
        raise ValueError(f"{name}: expected {short} > 0, got {number}.")
    if minimum is not None and number < minimum:
        raise ValueError(f"{name}: expected {short} >= {minimum:g}, got {number}.")
    return number


def check_count(value: Any, name: str, minimum: int) -> int:
    """``value`` as an int in ``minimum``..:data:`MAX_ITER` (a float must be whole); else
    ValueError (TypeError for a non-number)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected an integer, got {type(value).__name__} {value!r}.")
    if not isinstance(value, numbers.Integral) and not float(value).is_integer():
        raise ValueError(f"{name}: expected an integer, got {value!r}.")
    count, short = int(value), name.rsplit(".", 1)[-1]
    if not minimum <= count <= MAX_ITER:
        raise ValueError(f"{name}: expected an integer {short} >= {minimum} (and <= "
                         f"{MAX_ITER}), got {count}.")
    return count


def check_flag(value: Any, name: str) -> bool:
    """``value`` as a bool (numpy bools too); else TypeError."""
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} "
                        f"{value!r}.")
    return bool(value)


def check_beta_data(X: FloatArray, beta: float, name: str = "X",
                    weights: FloatArray | None = None) -> None:
    """Raise ValueError for data the beta-divergence cannot handle: zeros when beta <= 0
    (Itakura-Saito and below: the divergence and its updates are undefined at 0; scikit-learn
    refuses this too), or values whose ``beta``-th power overflows when beta > 2. Entries with
    weight 0 are ignored for the zero check."""
    if beta <= 0:
        zeros = X == 0
        if weights is not None:
            zeros &= weights > 0
        count = int(np.count_nonzero(zeros))
        if count:
            raise ValueError(f"{name}: beta={beta:g} (Itakura-Saito or below) is undefined at "
                             f"zero, and {name} has {count} zero entries; add a small positive "
                             "offset to the data or use beta > 0 (1: KL).")
    if beta > 2:
        limit = MAX_VALUE ** (2.0 / beta)
        high = float(np.max(X))
        if high > limit:
            raise ValueError(f"{name}: with beta={beta:g} values must be <= {limit:.3g} (their "
                             f"beta-th powers overflow float64), got maximum {high:g}; divide "
                             "the data by a constant first.")
