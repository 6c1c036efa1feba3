"""The table reader gives every cell the float Python's own parser gives its text, whichever
of its two paths reads the table: numbers parsed by pandas at once (every value column
numeric, finite, nonnegative) or text cells converted one by one (any other table, so that a
refused cell is named as written)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigforge.io import InputError, read_matrix

#: How a nonnegative number may be written in a table (as spreadsheets and R/pandas write it).
_FORMATS = (repr, lambda v: f"{v:.17g}", lambda v: f"{v:.6e}", lambda v: f"{v:.3f}",
            lambda v: str(int(v)), lambda v: f"{v:E}")

_cells = st.tuples(st.floats(min_value=0, max_value=1e12, allow_nan=False),
                   st.integers(0, len(_FORMATS) - 1))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_cells, min_size=3, max_size=5), min_size=1, max_size=8),
       st.sampled_from(["\t", ","]), st.booleans())
def test_every_cell_reads_as_python_parses_its_text(rows: list[list[tuple[float, int]]],
                                                    separator: str, poison: bool) -> None:
    """``poison`` writes one cell as text, so the table takes the text path and is refused
    naming that cell; otherwise every value equals float() of its written text."""
    width = min(len(row) for row in rows)
    texts = [[_FORMATS[fmt](value) for value, fmt in row[:width]] for row in rows]
    if poison:
        texts[-1][-1] = "n/a"
    lines = [separator.join(["Feature", *(f"s{j}" for j in range(width))])]
    lines += [separator.join([f"f{i}", *cells]) for i, cells in enumerate(texts)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.tsv"
        path.write_text("\n".join(lines) + "\n")
        if poison:
            with pytest.raises(InputError, match="got 'n/a'"):
                read_matrix(path)
            return
        data = read_matrix(path).data.to_numpy()
    assert np.array_equal(data, np.array([[float(t) for t in row] for row in texts]))


#: Cells a spreadsheet or script may write; some are numbers, most are refused.
_ODD_CELLS = ["1e3", " 5", "5 ", "0x1A", '"1,5"', "inf", "\u22125", "True", '"5"', "-2", "-0",
              "9007199254740993", "1e300", "+4", "5.", "007", "1_000", "5\u00a0", "\uff15", "",
              "NA", "nan", "   "]


@pytest.mark.parametrize("cell", _ODD_CELLS)
def test_both_paths_agree_on_odd_cells(cell: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The same values or the same message, whether pandas parses the numbers or the text
    path converts the cells (forced by turning the number path off)."""
    import sigforge._text_tables as text_tables

    path = tmp_path / "t.tsv"
    path.write_text(f"Feature\ts1\ts2\ts3\nf1\t1\t2\t3\nf2\t4\t{cell}\t6\nf3\t7\t8\t9\n",
                    encoding="utf-8")

    def outcome() -> tuple[str, object]:
        try:
            return "read", read_matrix(path).data.to_numpy().tolist()
        except InputError as err:
            return "refused", str(err)

    fast = outcome()
    monkeypatch.setattr(text_tables, "_number_frame", lambda *args, **kwargs: None)
    assert outcome() == fast
