"""Third fuzzing round, table readers: R-style headers, transposed catalogs, line breaks inside
quoted names, line numbers after blank lines, TSVs whose names hold commas, and rows with
another number of fields than the header.

Each bad table asserts exit 2, one message naming the file and line and the fix, and that
nothing was written; each readable table (a TSV with commas in its names, a header that alone
ends with a separator, an R table written with ``col.names=NA``) asserts the values read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics import read_catalog
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import InputError, read_matrix
from tests.robustness._harness import assert_clear_error, assert_nothing_written, run_cli

SAMPLES = [f"s{i}" for i in range(6)]
FAST_EXTRACT = ("--ranks", "2", "--replicates", "2", "--max-iter", "50", "--min-iter", "10",
                "--cv-folds", "0")
REFIT = ("--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap", "3")


def _catalog() -> pd.DataFrame:
    """A 96 x 6 SBS96 catalog of whole counts drawn from SBS1 and SBS13; sample s0 holds
    distinct values (so that, taken as row labels, they would not repeat)."""
    cosmic = load_reference("COSMIC_v3.6").data
    rng = np.random.default_rng(7)
    exposures = rng.gamma(1.0, 300.0, size=(2, len(SAMPLES))) + 50
    counts = rng.poisson(cosmic[["SBS1", "SBS13"]].to_numpy() @ exposures)
    frame = pd.DataFrame(counts, index=list(SBS96_CHANNELS), columns=SAMPLES)
    frame["s0"] = np.arange(96) * 7 + 100
    return frame


CATALOG = _catalog()


def _lines(frame: pd.DataFrame, sep: str = "\t", header: str | None = "MutationType"
           ) -> list[str]:
    """The table as text lines; ``header`` None writes R's header (no label column name)."""
    names = [str(c) for c in frame.columns]
    first = sep.join(names if header is None else [header, *names])
    return [first] + [sep.join([str(label), *(str(v) for v in row)])
                      for label, row in zip(frame.index, frame.to_numpy(), strict=True)]


def _write(path: Path, lines: list[str]) -> Path:
    """Write the lines, each ending with a newline."""
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _command(command: str, table: Path, out: Path) -> list[str]:
    """The arguments of a fast run of ``command`` on ``table`` writing to ``out``."""
    if command == "extract":
        return ["extract", "--catalog", str(table), *FAST_EXTRACT, "--out", str(out)]
    if command == "refit":
        return ["refit", "--catalog", str(table), *REFIT, "--out", str(out)]
    return ["prepare-matrix", "--input", str(table), "--name", "m", "--out", str(out)]


def _refused(capsys: pytest.CaptureFixture[str], tmp_path: Path, command: str, table: Path,
             case: str, *fragments: str) -> None:
    """``command`` on ``table`` exits 2 naming the file and every fragment, writing nothing."""
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, table, out), case=f"{command}:{case}")
    assert_clear_error(outcome, str(table), *fragments)
    assert_nothing_written(out)


# --- R-style header: one field fewer in the header than in the rows -----------------------

R_STYLE = ("line 1 (header) has 6 field(s), but line 2, the first row, has 7",
           "R-style header", "Add a name for the label column", "col.names=NA")


@pytest.mark.parametrize("command", ["extract", "refit", "prepare-matrix"])
def test_r_style_header_is_refused_naming_the_field_counts(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str) -> None:
    """Before: the first sample's (distinct) counts became the row labels, exit 0."""
    table = _write(tmp_path / "c.tsv", _lines(CATALOG, header=None))
    _refused(capsys, tmp_path, command, table, "r-style-header", *R_STYLE)


def test_r_style_header_with_repeated_values_is_not_a_duplicate_label(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: 'row label '0' appears more than once', which hid the real fault."""
    frame = CATALOG.assign(s0=0)
    table = _write(tmp_path / "c.tsv", _lines(frame, header=None))
    _refused(capsys, tmp_path, "refit", table, "r-style-header-repeated", *R_STYLE)


def test_rows_alone_ending_with_a_separator_say_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(CATALOG)
    table = _write(tmp_path / "c.tsv", [lines[0]] + [f"{line}\t" for line in lines[1:]])
    _refused(capsys, tmp_path, "refit", table, "rows-end-with-tab",
             "all rows ending with a tab that the header line lacks", "End the header line")


def test_the_first_row_alone_ending_with_a_separator_is_not_an_r_style_header(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One stray tab at the end of the first data line was diagnosed as an R-style header,
    and the fix given (name the label column) was wrong: the header was fine."""
    lines = _lines(CATALOG)
    table = _write(tmp_path / "c.tsv", [lines[0], f"{lines[1]}\t", *lines[2:]])
    _refused(capsys, tmp_path, "refit", table, "first-row-ends-with-tab",
             "line 2 has 8 field(s)", "header (line 1) has 7", "Remove the extra field(s)")


def test_r_table_written_with_col_names_na_is_read(tmp_path: Path) -> None:
    """write.table(..., col.names=NA) quotes every name and leaves the label column's empty."""
    lines = ['""\t' + "\t".join(f'"{s}"' for s in SAMPLES)] + [
        f'"{label}"\t' + "\t".join(str(v) for v in row)
        for label, row in zip(CATALOG.index, CATALOG.to_numpy(), strict=True)]
    matrix = read_catalog(_write(tmp_path / "r.tsv", lines))
    assert matrix.channel_set == "SBS96"
    np.testing.assert_array_equal(matrix.data.to_numpy(), CATALOG.to_numpy())


# --- rows with another number of fields than the header -----------------------------------

@pytest.mark.parametrize(("case", "edit", "fragments"), [
    ("short-row", lambda line: line.rsplit("\t", 1)[0],
     ("line 10 has 6 field(s) separated by tabs, but the header (line 1) has 7",
      "Fill in the missing value(s)")),
    ("long-row", lambda line: f"{line}\t5",
     ("line 10 has 8 field(s) separated by tabs, but the header (line 1) has 7",
      "Remove the extra field(s)")),
    ("comment-line", lambda line: f"# exported by tool X\n{line}",
     ("line 10 has 1 field(s)", "Delete the line", "no comment lines")),
])
def test_row_with_another_field_count_names_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, edit: object,
        fragments: tuple[str, ...]) -> None:
    lines = _lines(CATALOG)
    lines[9] = edit(lines[9])  # type: ignore[operator]
    table = _write(tmp_path / "c.tsv", lines)
    _refused(capsys, tmp_path, "refit", table, case, *fragments)


def test_header_alone_ending_with_a_separator_is_read(tmp_path: Path) -> None:
    lines = _lines(CATALOG)
    matrix = read_catalog(_write(tmp_path / "c.tsv", [f"{lines[0]}\t", *lines[1:]]))
    assert list(matrix.data.columns) == SAMPLES
    np.testing.assert_array_equal(matrix.data.to_numpy(), CATALOG.to_numpy())


# --- transposed catalogs (samples as rows) ------------------------------------------------

TRANSPOSED = ("looks transposed", "'A[C>A]A'", "SBS96 channel labels", "'s0' on line 2",
              "one row per feature (channel), one column per sample")


@pytest.mark.parametrize("extra", [(), ("--drop-empty",)], ids=["plain", "drop-empty"])
def test_transposed_catalog_is_refused_by_extract(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...]) -> None:
    """Before: 'samples [A[T>A]A, ...] have no mutations', and with --drop-empty exit 0 with
    the samples factored as features."""
    frame = CATALOG.copy()
    frame.loc[["A[T>A]A", "C[C>A]T"]] = 0  # channels read as samples 'without mutations'
    table = _write(tmp_path / "t.tsv", _lines(frame.T, header="sample"))
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command("extract", table, out), *extra,
                      case="extract:transposed" + "-".join(extra))
    assert_clear_error(outcome, str(table), *TRANSPOSED)
    assert_nothing_written(out)


def test_the_transpose_line_reads_a_csv_with_commas(tmp_path: Path) -> None:
    """The pandas line offered for a transposed CSV read it with sep='\\t': one column, and
    its output had no data rows."""
    table = tmp_path / "t.csv"
    CATALOG.T.rename_axis("sample").to_csv(table)
    with pytest.raises(InputError, match=r"looks transposed.*read_csv\(PATH, sep=','"):
        read_catalog(table)


def test_transposed_catalog_missing_channels_is_still_transposed(tmp_path: Path) -> None:
    """Columns that are mostly SBS96 channels (some dropped) are no samples either."""
    frame = CATALOG.drop(index=["A[C>A]A", "T[T>G]T"])
    with pytest.raises(InputError, match="looks transposed.*mostly labels of a known"):
        read_catalog(_write(tmp_path / "t.tsv", _lines(frame.T, header="sample")))


def test_transposed_signature_table_is_refused_by_refit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    signatures = load_reference("COSMIC_v3.6").data[["SBS1", "SBS5"]]
    table = _write(tmp_path / "sigs.tsv", _lines(signatures.T, header="Signature"))
    catalog = _write(tmp_path / "c.tsv", _lines(CATALOG))
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures", str(table),
                      "--bootstrap", "0", "--out", str(out), case="refit:transposed-sigs")
    assert_clear_error(outcome, str(table), "looks transposed", "'SBS1' on line 2")
    assert_nothing_written(out)


def test_generic_read_refuses_a_transposed_catalog_when_asked(tmp_path: Path) -> None:
    """``transposed_sets`` lets a generic read (prepare-matrix) refuse one too; without it the
    generic reader knows no channel set and reads the table as it is."""
    from sigforge.genomics.tables import MUTATION_CHANNEL_SETS

    table = _write(tmp_path / "t.tsv", _lines(CATALOG.T, header="sample"))
    assert read_matrix(table).data.shape == (6, 96)
    with pytest.raises(InputError, match="looks transposed"):
        read_matrix(table, transposed_sets=MUTATION_CHANNEL_SETS)


# --- line breaks in quoted cells, and line numbers ----------------------------------------

def test_line_break_in_a_quoted_csv_sample_name_is_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: accepted, and exposures.tsv got a header over two lines."""
    lines = _lines(CATALOG, sep=",")
    lines[0] = lines[0].replace("s0", '"s\n0"', 1)
    table = _write(tmp_path / "c.csv", lines)
    _refused(capsys, tmp_path, "refit", table, "csv-name-line-break", "line 1 (header)",
             "'s\\n0' holds a line break", "runs over lines 1-2", "Remove the line break")


def test_line_break_in_a_quoted_label_names_the_line_it_starts_on(tmp_path: Path) -> None:
    lines = _lines(CATALOG, sep=",")
    label, rest = lines[30].split(",", 1)
    lines[30] = f'"{label}\nx",{rest}'
    with pytest.raises(InputError, match=r"line 31: the quoted cell .* runs over lines 31-32"):
        read_catalog(_write(tmp_path / "c.csv", lines))


def test_quote_never_closed_says_so(tmp_path: Path) -> None:
    lines = _lines(CATALOG, sep=",")
    lines[40] = lines[40].replace(",", ',"', 1)
    with pytest.raises(InputError, match=r"line 41: .*holds a line break.*close the quote"):
        read_catalog(_write(tmp_path / "c.csv", lines))


def test_quoted_tab_in_a_csv_name_is_refused_as_a_tab(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _lines(CATALOG, sep=",")
    lines[0] = lines[0].replace("s0", '"a\tb"', 1)
    table = _write(tmp_path / "c.csv", lines)
    _refused(capsys, tmp_path, "refit", table, "csv-name-tab", "line 1 (header)",
             "'a\\tb' holds a tab", "Remove the character")


def _with_blank_line(lines: list[str], before: int) -> list[str]:
    """The lines with an empty line inserted so that it becomes file line ``before``."""
    return [*lines[:before - 1], "", *lines[before - 1:]]


def test_bad_cell_after_a_blank_line_names_its_file_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: the cell on file line 21 was reported on line 20."""
    lines = _lines(CATALOG)
    label, _, rest = lines[19].split("\t", 2)
    lines[19] = f"{label}\tBAD\t{rest}"
    table = _write(tmp_path / "c.tsv", _with_blank_line(lines, 5))
    assert table.read_text().splitlines()[20].split("\t")[1] == "BAD"
    _refused(capsys, tmp_path, "refit", table, "blank-line-cell",
             f"line 21, column 's0' (row '{label}')", "got 'BAD'")


def test_row_labels_after_blank_lines_name_their_file_lines(tmp_path: Path) -> None:
    """Every message naming a row (repeated label, label not in the channel set) names the
    line an editor shows, blank lines included."""
    lines = _with_blank_line(_with_blank_line(_lines(CATALOG), 3), 3)
    repeated = _write(tmp_path / "r.tsv", [*lines, lines[5]])
    with pytest.raises(InputError, match=r"line 100: row label .* more than once \(first on "
                                         r"line 6\)"):
        read_catalog(repeated)
    unknown = _write(tmp_path / "u.tsv", [*lines, "C[C>A]X\t" + "\t".join(["1"] * 6)])
    with pytest.raises(InputError, match=r"'C\[C>A\]X' on line 100"):
        read_catalog(unknown)


def test_line_of_text_that_is_not_utf8_is_named(tmp_path: Path) -> None:
    table = tmp_path / "c.tsv"
    lines = _lines(CATALOG)
    data = "\n".join(lines).encode() + b"\n"
    table.write_bytes(data.replace(lines[49].encode(), lines[49].encode() + b"\xff", 1))
    with pytest.raises(InputError, match="line 50 is not UTF-8"):
        read_catalog(table)


# --- the separator: tab wins when the header holds one ------------------------------------

def test_tsv_with_commas_in_sample_names_is_read_as_tsv(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Before: sniffed as CSV and refused for 'MutationType\\tdonor' holding a tab."""
    frame = CATALOG[["s1", "s2"]].set_axis(["donor,A,B", "c,d"], axis=1)
    table = _write(tmp_path / "c.tsv", _lines(frame))
    matrix = read_catalog(table)
    assert list(matrix.data.columns) == ["donor,A,B", "c,d"]
    np.testing.assert_array_equal(matrix.data.to_numpy(), frame.to_numpy())
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(table), *REFIT, "--out", str(out),
                      case="refit:tsv-comma-names")
    assert outcome.code == 0, outcome.err
    assert list(read_catalog(out / "exposures.tsv").data.columns) == ["donor,A,B", "c,d"]


def test_csv_named_tsv_is_still_read_as_csv(tmp_path: Path) -> None:
    matrix = read_catalog(_write(tmp_path / "c.tsv", _lines(CATALOG, sep=",")))
    assert matrix.channel_set == "SBS96"
    np.testing.assert_array_equal(matrix.data.to_numpy(), CATALOG.to_numpy())


def test_sample_names_with_spaces_around_them_are_warned_of(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """'s1 ' and ' s2' became s1 and s2 in every output without a word, so a join on the
    file's own names missed them."""
    import logging

    frame = CATALOG.copy()
    frame.columns = [f" {c}" if i % 2 else f"{c} " for i, c in enumerate(frame.columns)]
    table = _write(tmp_path / "padded.tsv", _lines(frame))
    with caplog.at_level(logging.WARNING):
        read = read_catalog(table)
    assert list(read.data.columns) == [c.strip() for c in frame.columns]
    assert "column name(s) have spaces around them" in caplog.text
