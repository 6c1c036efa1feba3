"""The table writer (:func:`sigforge.io.write_matrix`, :func:`sigforge.io.write_table`) writes
the bytes pandas' ``to_csv(sep="\\t", float_format="%.10g")`` writes, which every earlier
output and every stored digest was made with, except that whole numbers of ten or more digits
(up to 2**53 - 1) are written in full rather than rounded to ten digits, through its two faster
paths: whole-number tables as integers, and other floats formatted a block of rows at a
time."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigforge.io as sio

#: Values that sit on the paths' edges: zero of both signs, the integer limit of "%.10g",
#: subnormals, non-finite values, and whole numbers too large for that limit.
_EDGES = [0.0, -0.0, 1.0, 9_999_999_999.0, 1e10, 1.5, 1e-300, 5e-324, float("nan"),
          float("inf"), 123_456_789_012.0, 0.1 + 0.2, 2.0**53 - 1, 2.0**53,
          -12_345_678_901.0, 12_345_678_901.5]

_values = st.one_of(st.sampled_from(_EDGES), st.integers(0, 10**6).map(float),
                    st.floats(allow_nan=True, allow_infinity=True))


def _pandas_text(frame: pd.DataFrame) -> str:
    """What pandas writes for the frame, with each whole number of ten or more digits that
    float64 holds exactly (1e10 <= |v| <= 2**53 - 1) given to it as a Python int, which it
    writes in full: the bytes the writer must reproduce."""
    exact = frame.copy()
    for position, dtype in enumerate(frame.dtypes):
        if dtype != np.float64:
            continue
        column = frame.iloc[:, position]
        big = (column.abs() >= 1e10) & (column.abs() <= 2**53 - 1) & (column == np.floor(column))
        if big.any():
            exact.isetitem(position, column.astype(object))
            for row in np.flatnonzero(big.to_numpy()):
                exact.iat[row, position] = int(column.iloc[row])
            floats = ~big.to_numpy() & column.notna().to_numpy()
            for row in np.flatnonzero(floats):  # object columns lose float_format
                exact.iat[row, position] = sio.FLOAT_FORMAT % column.iloc[row]
    buffer = io.StringIO()
    exact.to_csv(buffer, sep="\t", float_format=sio.FLOAT_FORMAT)
    return buffer.getvalue()


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 12), st.integers(1, 4), st.data(), st.booleans())
def test_matrices_are_written_as_pandas_writes_them(
        rows: int, columns: int, data: st.DataObject, whole: bool) -> None:
    """Whole-number tables (the int64 path) and any other floats (the blockwise path) give
    pandas' bytes, in blocks smaller than the table too; a matrix no reader would take back
    (NaN, infinite, negative or above 2**53 - 1) is refused by write_matrix, writing nothing, and
    written by write_table."""
    cells = st.integers(0, 10**7).map(float) if whole else _values
    values = np.array([[data.draw(cells) for _ in range(columns)] for _ in range(rows)],
                      dtype=float).reshape(rows, columns)
    frame = pd.DataFrame(values, index=[f"r{i}" for i in range(rows)],
                         columns=[f"s{j}" for j in range(columns)])
    frame.index.name = "MutationType"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sio, "_CHUNK_ROWS", 5)
        with tempfile.TemporaryDirectory() as folder:  # hypothesis reruns the body
            path = Path(folder) / "m.tsv"
            if np.isfinite(values).all() and (values >= 0).all() and (values <= sio.MAX_CELL).all():
                sio.write_matrix(frame, path)
            else:
                with pytest.raises(ValueError, match="could not be read back"):
                    sio.write_matrix(frame, path)
                assert not path.exists()
                sio.write_table(frame, path)
            assert path.read_text() == _pandas_text(frame)


def test_mixed_tables_keep_pandas_bytes(tmp_path: Path) -> None:
    """float32, text, integer, boolean and missing cells beside float64 columns, and labels
    that need quoting: the same text as pandas."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"f32": rng.random(30).astype(np.float32), "f64": rng.random(30),
                          "text": ["a\tb"] * 30, "int": rng.integers(0, 5, 30),
                          "flag": [True] * 30, "gaps": [None] * 15 + [1.5] * 15},
                         index=[f'x,"{i}' for i in range(30)])
    sio.write_table(frame, tmp_path / "t.tsv")
    assert (tmp_path / "t.tsv").read_text() == _pandas_text(frame)


def test_whole_number_tables_take_the_integer_path() -> None:
    """The integer path is taken exactly where its text equals the float path's: whole numbers
    in [0, 2**53 - 1] without negative zeros, in float columns only."""
    frame = pd.DataFrame({"a": [0.0, 3.0, 9_999_999_999.0, 1e10, 2.0**53 - 1]})
    assert sio._whole_and_exact(frame)
    for value in (2.0**53, -0.0, -1.0, 0.5, float("nan")):
        assert not sio._whole_and_exact(frame.assign(a=[0.0, 3.0, 1.0, 2.0, value]))
    assert not sio._whole_and_exact(frame.assign(b=["x"] * 5))



@settings(max_examples=120, deadline=None)
@given(st.lists(st.one_of(st.sampled_from([0.0, 1.0, 12_345_678_901.25, 0.1234567890123,
                                           1.00000000001, 5e-324, 2.0**53 - 1]),
                          st.floats(0.0, 2.0**53 - 1, allow_nan=False)),
                min_size=1, max_size=20))
def test_exact_tables_read_back_unchanged(values: list[float]) -> None:
    """``exact=True`` (prepare-matrix, prepare-joint, split-groups: tables that carry the
    user's data on) reads back as the very floats written; ten significant digits changed
    0.1234567890123 and 12345678901.25 on the way."""
    frame = pd.DataFrame({"s1": values, "s2": values[::-1]},
                         index=[f"f{i}" for i in range(len(values))])
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "m.tsv"
        sio.write_matrix(frame, path, label="Feature", exact=True)
        back = sio.read_matrix(path).data
    assert back.to_numpy().tobytes() == frame.to_numpy().tobytes()
