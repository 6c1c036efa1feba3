"""Large plain tables are read by pandas alone (:mod:`sigforge._direct_read`): whatever the
file holds, that read either declines or gives exactly what the line-by-line reader gives, and
a table it declines still gets the line-by-line reader's message."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sigforge._direct_read as direct_read
from sigforge.io import InputError, read_matrix

#: Cells that are numbers, numbers spelled oddly, and text that is none.
_CELLS = st.one_of(st.integers(0, 10**6).map(str), st.sampled_from(
    ["0", "1.5", "1e3", "2.5E-3", "0007", " 4", "4 ", "-1", "nan", "inf", "", "x", "1,5",
     "1e400", "9007199254740993", "+3", ".5", "5."]))
#: Ways a line can be damaged or unusual.
_ODDITIES = st.sampled_from(["none", "blank", "quote", "crlf", "cr", "bom", "short", "long",
                             "trailing_blank", "spaces_line"])


def _table_text(rows: list[list[str]], oddity: str, separator: str) -> str:
    """A features x samples table of ``rows`` (label, cells) with one ``oddity``."""
    width = len(rows[0]) - 1 if rows else 2
    lines = [separator.join(["Feature", *[f"s{j}" for j in range(width)]])]
    lines += [separator.join(row) for row in rows]
    if oddity == "blank" and len(lines) > 2:
        lines.insert(2, "")
    if oddity == "spaces_line" and len(lines) > 2:
        lines.insert(2, "  \t ")
    if oddity == "quote" and len(lines) > 1:
        lines[1] = '"' + lines[1].replace(separator, f'"{separator}', 1)
    if oddity == "short" and len(lines) > 1:
        lines[1] = lines[1].rsplit(separator, 1)[0]
    if oddity == "long" and len(lines) > 1:
        lines[1] += separator + "7"
    end = "\r\n" if oddity == "crlf" else "\n"
    text = end.join(lines) + end
    if oddity == "cr":
        text = text.replace("\n", "\r", 1)
    if oddity == "bom":
        text = "\ufeff" + text
    if oddity == "trailing_blank":
        text += end
    return text


def _read(path: Path, minimum: float, wide_from: float = float("inf")) -> tuple[str, object]:
    """('ok', frame) or ('error', message) of ``read_matrix`` with the direct read from
    ``minimum`` bytes, and the wide tables' read from ``wide_from`` columns."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(direct_read, "DIRECT_FROM", minimum)
        patch.setattr(direct_read, "WIDE_FROM", wide_from)
        try:
            return "ok", read_matrix(path).data
        except InputError as err:
            return "error", str(err)


@settings(max_examples=150, deadline=None)
@given(st.integers(2, 5), st.data(), _ODDITIES, st.sampled_from(["\t", ","]))
def test_the_direct_read_declines_or_agrees_with_the_line_reader(
        width: int, data: st.DataObject, oddity: str, separator: str) -> None:
    cells = data.draw(st.lists(st.lists(_CELLS, min_size=width, max_size=width), max_size=6))
    rows = [[f"f{i}", *row] for i, row in enumerate(cells)]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "table.tsv"
        path.write_text(_table_text(rows, oddity, separator), encoding="utf-8")
        lines = _read(path, float("inf"))
        direct, wide = _read(path, 0), _read(path, float("inf"), wide_from=3)
    for fast in (direct, wide):
        assert fast[0] == lines[0]
        if fast[0] == "ok":
            pd.testing.assert_frame_equal(fast[1], lines[1])  # type: ignore[arg-type]
        else:
            assert fast[1] == lines[1]


def test_a_plain_table_is_read_directly_and_a_quoted_one_is_not(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.gamma(2.0, 3.0, (50, 4)), index=[f"g{i}" for i in range(50)],
                         columns=[f"s{j}" for j in range(4)])
    frame.index.name = "Feature"
    path = tmp_path / "m.tsv"
    frame.to_csv(path, sep="\t")
    header = ["Feature", "s0", "s1", "s2", "s3"]
    assert direct_read.direct_frame(path, "\t", header, minimum=0) is not None
    assert direct_read.direct_frame(path, "\t", header) is None  # below DIRECT_FROM
    path.write_text(path.read_text().replace("g7", '"g7"'))
    assert direct_read.direct_frame(path, "\t", header, minimum=0) is None


def test_plain_lines_sees_a_blank_line_across_two_blocks(tmp_path: Path) -> None:
    path = tmp_path / "m.tsv"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(direct_read, "_BLOCK", 16)
        base = "F\ta\tb\n" + "x\t1\t2\n" * 3 + "y\t3\t4\n"
        ends = [i + 1 for i, ch in enumerate(base[:-1]) if ch == "\n"]
        for split in ends:  # a blank line after each line in turn, at every block offset
            for spaces in ("", "  ", " \t  "):
                path.write_text(base[:split] + spaces + "\n" + base[split:])
                assert not direct_read.plain_lines(path)
        path.write_text(base)
        assert direct_read.plain_lines(path)


def test_a_wide_table_is_read_in_one_block(tmp_path: Path) -> None:
    """150,000 columns of 96 rows took 33 s and 1.1 GB through pandas, which keeps every
    column apart; the wide read gives the same frame."""
    rng = np.random.default_rng(5)
    width = direct_read.WIDE_FROM + 5
    frame = pd.DataFrame(rng.poisson(3.0, (4, width)).astype(float),
                         index=[f"g{i}" for i in range(4)], columns=[f"s{j}" for j in range(width)])
    frame.iloc[2, 7] = 0.125
    frame.index.name = "Feature"
    path = tmp_path / "wide.tsv"
    frame.to_csv(path, sep="\t")
    header = ["Feature", *frame.columns]
    raw = direct_read.direct_frame(path, "\t", header)  # under DIRECT_FROM bytes, yet wide
    assert raw is not None and raw.shape == (4, width + 1)
    assert raw.iloc[:, 2:].to_numpy().dtype == np.float64
    pd.testing.assert_frame_equal(read_matrix(path).data, frame)
    assert _read(path, float("inf"), wide_from=float("inf"))[0] == "ok"
