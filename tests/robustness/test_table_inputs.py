"""Table inputs of ``extract``, ``refit`` and ``prepare-matrix``: bad cells, bad shapes, label
styles, separators and encodings.

Every bad table ends with exit 2 and one message naming the file, the line or column, what was
expected and the fix, and leaves nothing in ``--out``. Every readable variant of a table (other
label style, separator, row order, BOM, CRLF, padded labels) gives exactly the result of the
standard table. Rules checked here (documented in ``sigforge.io`` and ``sigforge.refit``):

- a table whose labels are *mostly* one known channel set (at least half of them, and at least
  four, are its channels) must be all of it: a missing, unknown or repeated channel is an error;
  a table with only one or two channel-like labels stays a generic matrix;
- signature columns that do not sum to 1 (within 1%) are rescaled to sum 1 with a warning; an
  all-zero signature column is an error;
- outputs get the permissions the umask gives any new file.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics import read_catalog as read_matrix
from sigforge.genomics.contexts import ID83_CHANNELS, SBS96_CHANNELS
from sigforge.genomics.reference import load_reference
from sigforge.io import save_arrays, write_json, write_matrix
from tests.robustness._harness import (
    Outcome,
    assert_clear_error,
    assert_nothing_written,
    files_under,
    run_cli,
)

COSMIC = load_reference("COSMIC_v3.6").data
SAMPLES = [f"s{i}" for i in range(6)]
FAST_EXTRACT = ("--ranks", "2", "--replicates", "2", "--max-iter", "50", "--min-iter", "10",
                "--cv-folds", "0", "--catalog-name", "SBS96")
REFIT = ("--signatures", "COSMIC_v3.6", "--restrict-to", "SBS1,SBS5,SBS13", "--bootstrap", "5")


def _counts() -> pd.DataFrame:
    """A 96 x 6 SBS96 catalog of whole counts drawn from SBS1 and SBS13."""
    rng = np.random.default_rng(7)
    exposures = rng.gamma(1.0, 300.0, size=(2, len(SAMPLES))) + 50
    counts = rng.poisson(COSMIC[["SBS1", "SBS13"]].to_numpy() @ exposures)
    return pd.DataFrame(counts.astype(float), index=list(SBS96_CHANNELS), columns=SAMPLES)


CATALOG = _counts()


def _lines(frame: pd.DataFrame, header: str = "MutationType", sep: str = "\t",
           labels: list[str] | None = None) -> list[str]:
    """The table as text lines: header, then one line per row, values as whole numbers where
    they are whole."""
    labels = labels if labels is not None else [str(i) for i in frame.index]
    rows = [sep.join([header, *map(str, frame.columns)])]
    for label, values in zip(labels, frame.to_numpy(), strict=True):
        rows.append(sep.join([label, *(f"{v:g}" for v in values)]))
    return rows


def _write(path: Path, lines: list[str], *, newline: str = "\n", bom: bool = False) -> Path:
    """Write text lines as bytes (so CRLF and a BOM reach the reader exactly)."""
    text = newline.join(lines) + newline
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def _set_cell(lines: list[str], line: int, column: int, value: str) -> list[str]:
    """A copy of the lines with one cell (1-based line, 0-based column) replaced."""
    out = list(lines)
    cells = out[line - 1].split("\t")
    cells[column] = value
    out[line - 1] = "\t".join(cells)
    return out


def _command(command: str, table: Path, out: Path) -> list[str]:
    """The arguments of a fast run of ``command`` on ``table`` writing to ``out``."""
    if command == "extract":
        return ["extract", "--catalog", str(table), *FAST_EXTRACT, "--out", str(out)]
    if command == "refit":
        return ["refit", "--catalog", str(table), *REFIT, "--out", str(out)]
    return ["prepare-matrix", "--input", str(table), "--name", "m", "--out", str(out)]


# ------------------------------------------------------------------------------------------
# Bad tables: the same defect fed to every command that reads a catalog.

STANDARD = _lines(CATALOG)
_FLOATS = _set_cell(STANDARD, 5, 2, "3.5")


def _bad_tables() -> Iterator[tuple[str, list[str], tuple[str, ...]]]:
    """(case, lines, message fragments) of every table no command may accept."""
    yield "nan", _set_cell(STANDARD, 5, 2, "nan"), (
        "line 5, column 's1'", "got 'nan'", "Replace it with a number")
    yield "negative", _set_cell(STANDARD, 5, 2, "-3"), (
        "line 5, column 's1'", "expected a nonnegative value, got -3", "correct the value")
    yield "inf", _set_cell(STANDARD, 7, 3, "inf"), (
        "line 7, column 's2'", "got 'inf'", "Replace it with a number")
    yield "empty-cell", _set_cell(STANDARD, 9, 1, ""), (
        "line 9, column 's0'", "an empty cell", "Replace it with a number")
    yield "non-numeric", _set_cell(STANDARD, 9, 1, "12 reads"), (
        "line 9, column 's0'", "got '12 reads'", "Replace it with a number")
    yield "duplicate-row", [*STANDARD, STANDARD[3]], (
        "line 98", "row label 'A[C>A]G' appears more than once", "line 4", "Merge or rename")
    yield "duplicate-column", [STANDARD[0].replace("s3", "s1"), *STANDARD[1:]], (
        "line 1", "column 's1' appears more than once", "distinct name")
    yield "too-large", _set_cell(STANDARD, 6, 4, str(2 ** 63)), (
        "line 6, column 's3'", "above 9,007,199,254,740,991", "Correct the value")
    yield "nameless-column", _set_cell(STANDARD, 1, 2, ""), (
        "line 1 (header)", "column 3 has no name", "Write its name")
    yield "no-sample-columns", [line.split("\t")[0] for line in STANDARD], (
        "line 1", "expected a label column and at least one value column", "Add the sample")
    yield "empty-file", [], ("the file is empty", "expected a header line")
    yield "header-only", STANDARD[:1], ("no data rows", "one row per feature")


BAD_TABLES = list(_bad_tables())


@pytest.mark.parametrize("command", ["extract", "refit", "prepare-matrix"])
@pytest.mark.parametrize(("case", "lines", "fragments"), BAD_TABLES,
                         ids=[case for case, _, _ in BAD_TABLES])
def test_bad_table_is_refused_with_file_line_and_fix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str, case: str,
        lines: list[str], fragments: tuple[str, ...]) -> None:
    path = tmp_path / "SBS96.tsv"
    if lines:
        _write(path, lines)
    else:
        path.write_bytes(b"")
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, path, out), case=f"{command}:{case}")
    assert_clear_error(outcome, str(path), *fragments)
    assert_nothing_written(out)


@pytest.mark.parametrize("command", ["extract", "refit"])
def test_sbs96_missing_one_channel_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            command: str) -> None:
    path = _write(tmp_path / "SBS96.tsv", [line for line in STANDARD
                                           if not line.startswith("T[C>G]A\t")])
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, path, out), case=f"{command}:sbs96-missing-one")
    assert_clear_error(outcome, str(path), "95 of the 95 row labels are SBS96 channels",
                       "1 SBS96 channel(s) missing (T[C>G]A)", "Give every SBS96 channel one "
                       "row", "--generic")
    assert_nothing_written(out)


@pytest.mark.parametrize("command", ["extract", "refit"])
def test_sbs96_with_an_unknown_row_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                            command: str) -> None:
    extra = "\t".join(["C[C>A]X", *["1"] * len(SAMPLES)])
    path = _write(tmp_path / "SBS96.tsv", [*STANDARD, extra])
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, path, out), case=f"{command}:sbs96-extra-row")
    assert_clear_error(outcome, str(path), "1 row label(s) not SBS96 channels ('C[C>A]X' on "
                       "line 98)", "remove or correct the other rows")
    assert_nothing_written(out)


def test_many_missing_channels_are_listed_first_few_and_counted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "SBS96.tsv", STANDARD[:61])
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command("refit", path, out), case="refit:sbs96-first-60-rows")
    assert_clear_error(outcome, "36 SBS96 channel(s) missing (G[T>A]A", "and 31 more")
    assert_nothing_written(out)


def test_id83_missing_one_channel_names_it(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame(np.arange(83 * 4).reshape(83, 4) + 1.0, index=list(ID83_CHANNELS),
                         columns=SAMPLES[:4])
    path = _write(tmp_path / "ID83.tsv", _lines(frame.drop(index="5:Del:M:5")))
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command("extract", path, out), case="extract:id83-missing-one")
    assert_clear_error(outcome, str(path), "1 ID83 channel(s) missing (5:Del:M:5)")
    assert_nothing_written(out)


def test_float_counts_where_counts_are_required(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "SBS96.tsv", _FLOATS)
    out = tmp_path / "out"
    refit = run_cli(capsys, *_command("refit", path, out), case="refit:float-counts")
    assert_clear_error(refit, str(path), "row 'A[C>A]T', column 's1' holds 3.5", "--method nnls")
    generic = run_cli(capsys, "extract", "--catalog", str(path), *FAST_EXTRACT, "--generic",
                      "--out", str(out), case="extract-generic:float-counts")
    assert_clear_error(generic, str(path), "holds 3.5", "--resampling scaled")
    prepared = run_cli(capsys, "prepare-matrix", "--input", str(path), "--name", "m",
                       "--counts", "--out", str(out), case="prepare-matrix-counts:float-counts")
    assert_clear_error(prepared, str(path), "holds 3.5", "matrix.counts: false")
    assert_nothing_written(out)


def test_float_counts_refit_with_nnls_is_accepted(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path / "SBS96.tsv", _FLOATS)
    outcome = run_cli(capsys, "refit", "--catalog", str(path), "--signatures", "COSMIC_v3.6",
                      "--restrict-to", "SBS1,SBS13", "--method", "nnls", "--bootstrap", "0",
                      "--out", str(tmp_path / "out"), case="refit-nnls:float-counts")
    assert outcome.code == 0, outcome.err


@pytest.mark.parametrize("command", ["extract", "refit"])
def test_sample_with_all_zeros(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               command: str) -> None:
    frame = CATALOG.copy()
    frame["s4"] = 0.0
    path = _write(tmp_path / "SBS96.tsv", _lines(frame))
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, path, out), case=f"{command}:all-zero-sample")
    assert_clear_error(outcome, str(path), "['s4'] have no mutations", "--drop-empty")
    assert_nothing_written(out)
    dropped = run_cli(capsys, *_command(command, path, out), "--drop-empty",
                      case=f"{command}-drop-empty:all-zero-sample")
    assert dropped.code == 0, dropped.err
    exposures = read_matrix(out / "exposures.tsv").data
    if command == "refit":  # every sample is listed; the empty one with zero exposures
        assert (exposures["s4"] == 0).all() and exposures.drop(columns="s4").sum().gt(0).all()
    else:  # the factorisation leaves it out
        assert "s4" not in exposures.columns


def test_prepare_matrix_drops_an_all_zero_sample(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    frame = CATALOG.copy()
    frame["s4"] = 0.0
    path = _write(tmp_path / "m.tsv", _lines(frame))
    outcome = run_cli(capsys, *_command("prepare-matrix", path, tmp_path / "out"),
                      case="prepare-matrix:all-zero-sample")
    assert outcome.code == 0, outcome.err
    dropped = (tmp_path / "out/m_dropped.tsv").read_text()
    assert "sample\ts4\t4\tall values are zero" in dropped
    assert list(read_matrix(tmp_path / "out/m.tsv", generic=True).data.columns) == [
        "s0", "s1", "s2", "s3", "s5"]


@pytest.mark.parametrize(("ranks", "fragment"), [
    ("7", "96 features x 6 samples: expected 1 <= k <= 6"),
    ("2-9", "rank k=7 is impossible"),
])
def test_ranks_above_the_data(tmp_path: Path, capsys: pytest.CaptureFixture[str], ranks: str,
                              fragment: str) -> None:
    path = _write(tmp_path / "SBS96.tsv", STANDARD)
    out = tmp_path / "out"
    command = _command("extract", path, out)
    command[command.index("--ranks") + 1] = ranks
    outcome = run_cli(capsys, *command, case=f"extract:ranks-{ranks}-above-6-samples")
    assert_clear_error(outcome, fragment, "Lower the ranks to at most 6")
    assert_nothing_written(out)


def test_ranks_above_the_features(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frame = pd.DataFrame(np.arange(3 * 8).reshape(3, 8) + 1.0, index=["f1", "f2", "f3"],
                         columns=[f"s{i}" for i in range(8)])
    path = _write(tmp_path / "words.tsv", _lines(frame, header="word"))
    out = tmp_path / "out"
    fast = list(FAST_EXTRACT)
    fast[fast.index("--ranks") + 1] = "4"
    outcome = run_cli(capsys, "extract", "--catalog", str(path), *fast, "--generic",
                      "--out", str(out), case="extract:rank-4-above-3-features")
    assert_clear_error(outcome, "3 features x 8 samples: expected 1 <= k <= 3",
                       "no more components than features")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# Readable variants: the same numbers in another form give the same bytes.

def _arrow(label: str) -> str:
    """``A[C>A]G`` as ``ACG>AAG``."""
    return f"{label[0]}{label[2]}{label[6]}>{label[0]}{label[4]}{label[6]}"


def _pcawg(frame: pd.DataFrame) -> list[str]:
    """PCAWG's two label columns ``Mutation type`` (``C>A``) and ``Trinucleotide`` (``ACA``)."""
    rows = ["\t".join(["Mutation type", "Trinucleotide", *frame.columns])]
    for label, values in zip(frame.index, frame.to_numpy(), strict=True):
        rows.append("\t".join([label[2:5], label[0] + label[2] + label[6],
                               *(f"{v:g}" for v in values)]))
    return rows


def _variants() -> Iterator[tuple[str, Callable[[Path], Path]]]:
    """(case, writer) of each readable variant of the standard catalog."""
    shuffled = CATALOG.sample(frac=1.0, random_state=3)
    yield "pcawg-labels", lambda d: _write(d / "SBS96.tsv", _pcawg(shuffled))
    yield "arrow-labels", lambda d: _write(
        d / "SBS96.tsv", _lines(CATALOG, labels=[_arrow(x) for x in CATALOG.index]))
    yield "csv", lambda d: _write(d / "SBS96.csv", _lines(CATALOG, sep=","))
    yield "shuffled-rows", lambda d: _write(d / "SBS96.tsv", _lines(shuffled))
    yield "utf8-bom", lambda d: _write(d / "SBS96.tsv", STANDARD, bom=True)
    yield "crlf", lambda d: _write(d / "SBS96.tsv", STANDARD, newline="\r\n")
    yield "bom-crlf-csv", lambda d: _write(d / "SBS96.csv", _lines(CATALOG, sep=","),
                                           newline="\r\n", bom=True)
    yield "padded-labels", lambda d: _write(
        d / "SBS96.tsv", _lines(CATALOG, labels=[f"{x}  " for x in CATALOG.index]))
    yield "trailing-tab", lambda d: _write(d / "SBS96.tsv", [f"{x}\t" for x in STANDARD])
    yield "trailing-comma-csv", lambda d: _write(
        d / "SBS96.csv", [f"{x}," for x in _lines(CATALOG, sep=",")], newline="\r\n")
    yield "padded-header", lambda d: _write(
        d / "SBS96.tsv", [" MutationType\t" + "\t".join(f"{s} " for s in SAMPLES),
                          *STANDARD[1:]])


VARIANTS = list(_variants())


@pytest.fixture(scope="module")
def standard_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, bytes]]:
    """The outputs of extract and refit on the standard table, file by file."""
    folder = tmp_path_factory.mktemp("standard")
    path = _write(folder / "SBS96.tsv", STANDARD)
    outputs = {}
    for command in ("extract", "refit"):
        out = folder / command
        from sigforge.cli import main

        assert main(["-q", *_command(command, path, out)]) == 0
        outputs[command] = {name: (out / name).read_bytes() for name in files_under(out)
                            if name != "provenance.json"}
    return outputs


@pytest.mark.parametrize("command", ["extract", "refit"])
@pytest.mark.parametrize(("case", "writer"), VARIANTS, ids=[case for case, _ in VARIANTS])
def test_readable_variant_gives_the_standard_result(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        standard_outputs: dict[str, dict[str, bytes]], command: str, case: str,
        writer: Callable[[Path], Path]) -> None:
    path = writer(tmp_path)
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command(command, path, out), case=f"{command}:{case}")
    assert outcome.code == 0, outcome.err
    expected = standard_outputs[command]
    for name, content in expected.items():
        assert (out / name).read_bytes() == content, f"{case}: {name} differs"


def test_generic_table_with_a_few_channel_like_labels_stays_generic(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rng = np.random.default_rng(3)
    labels = ["A[C>A]A", "1:Del:C:0", "AC>CA", "gene4", "gene5", "gene6", "gene7", "gene8"]
    frame = pd.DataFrame(rng.integers(1, 40, size=(8, 6)).astype(float), index=labels,
                         columns=SAMPLES)
    path = _write(tmp_path / "genes.tsv", _lines(frame, header="feature"))
    assert read_matrix(path).channel_set is None
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command("extract", path, out),
                      case="extract:generic-with-3-channel-like-labels")
    assert outcome.code == 0, outcome.err
    assert list(read_matrix(out / "signatures.tsv", generic=True).data.index) == labels


# ------------------------------------------------------------------------------------------
# Signature tables of refit.

def _signatures(names: tuple[str, ...] = ("SBS1", "SBS5", "SBS13")) -> pd.DataFrame:
    """A COSMIC-like signature table: one column per signature, columns summing to 1."""
    return COSMIC[list(names)]


def _refit_with(tmp_path: Path, capsys: pytest.CaptureFixture[str], signatures: Path,
                case: str, *extra: str) -> tuple[Outcome, Path]:
    """Refit the standard catalog to a signature file; returns the outcome and --out."""
    catalog = _write(tmp_path / "SBS96.tsv", STANDARD)
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--catalog", str(catalog), "--signatures",
                      str(signatures), "--bootstrap", "5", *extra, "--out", str(out),
                      case=case)
    return outcome, out


def test_signature_table_with_nan(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = _set_cell(_lines(_signatures(), header="Type"), 12, 2, "NaN")
    signatures = _write(tmp_path / "sigs.tsv", lines)
    outcome, out = _refit_with(tmp_path, capsys, signatures, "refit:signatures-nan")
    assert_clear_error(outcome, str(signatures), "line 12, column 'SBS5'", "got 'NaN'",
                       "Replace it with a number")
    assert_nothing_written(out)


def test_signature_table_missing_a_channel(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    lines = [line for line in _lines(_signatures(), header="Type")
             if not line.startswith("G[T>A]C\t")]
    signatures = _write(tmp_path / "sigs.tsv", lines)
    outcome, out = _refit_with(tmp_path, capsys, signatures, "refit:signatures-missing-one")
    assert_clear_error(outcome, str(signatures), "1 SBS96 channel(s) missing (G[T>A]C)")
    assert_nothing_written(out)


def test_signature_channels_differ_from_the_catalog(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dbs = load_reference("COSMIC_v3.6", channel_set="DBS78").data[["DBS1", "DBS2"]]
    signatures = _write(tmp_path / "dbs.tsv", _lines(dbs))
    outcome, out = _refit_with(tmp_path, capsys, signatures, "refit:signatures-dbs78-vs-sbs96")
    assert_clear_error(outcome, str(signatures), "(DBS78) do not match the catalog",
                       "(SBS96)", "give signatures over the same features")
    assert_nothing_written(out)


def test_signature_columns_not_summing_to_one_are_rescaled_with_a_warning(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Percentages (columns summing to 100) give the exposures of the proportions."""
    unit = _write(tmp_path / "unit.tsv", _lines(_signatures(), header="Type"))
    expected, out = _refit_with(tmp_path, capsys, unit, "refit:signatures-sum-1")
    assert expected.code == 0, expected.err
    reference = (out / "exposures.tsv").read_bytes()
    percent = _signatures() * 100
    percent["SBS5"] = _signatures()["SBS5"]
    lines = [_lines(percent, header="Type")[0],
             *(f"{line.split(chr(9))[0]}\t" + "\t".join(repr(float(v)) for v in row)
               for line, row in zip(_lines(percent)[1:], percent.to_numpy(), strict=True))]
    scaled = _write(tmp_path / "percent.tsv", lines)
    outcome, out = _refit_with(tmp_path, capsys, scaled, "refit:signatures-percent")
    assert outcome.code == 0, outcome.err
    assert "column(s) SBS1 (sum 100), SBS13 (sum 100) do not sum to 1" in caplog.text
    np.testing.assert_allclose(read_matrix(out / "exposures.tsv").data.to_numpy(),
                               read_matrix(_write(tmp_path / "r.tsv", reference.decode()
                                                  .splitlines())).data.to_numpy(),
                               rtol=1e-5)  # shipped sums are 1 +- 1e-6; rescaled ones exact


def test_all_zero_signature_column_is_refused(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    frame = _signatures().copy()
    frame["SBS5"] = 0.0
    signatures = _write(tmp_path / "sigs.tsv", _lines(frame, header="Type"))
    outcome, out = _refit_with(tmp_path, capsys, signatures, "refit:signature-all-zero")
    assert_clear_error(outcome, str(signatures), "['SBS5'] are all zeros", "Remove the column")
    assert_nothing_written(out)


def _generic_pair(tmp_path: Path) -> tuple[Path, pd.DataFrame, pd.DataFrame]:
    """A generic counts matrix (12 words x 5 documents) and its 2 topics, as files/frames."""
    rng = np.random.default_rng(11)
    words = [f"word{i}" for i in range(12)]
    topics = pd.DataFrame(rng.dirichlet(np.ones(12), size=2).T, index=words,
                          columns=["topicA", "topicB"])
    counts = rng.poisson(topics.to_numpy() @ rng.gamma(2.0, 200.0, size=(2, 5)))
    matrix = pd.DataFrame(counts.astype(float), index=words, columns=[f"d{j}" for j in range(5)])
    return _write(tmp_path / "words.tsv", _lines(matrix, header="word")), matrix, topics


def test_refit_generic_aligns_shuffled_signature_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matrix_path, _, topics = _generic_pair(tmp_path)
    results = {}
    for name, table in (("ordered", topics), ("shuffled", topics.sample(frac=1.0,
                                                                        random_state=5))):
        signatures = tmp_path / f"{name}.tsv"
        write_matrix(table, signatures, label="Feature")
        out = tmp_path / name
        outcome = run_cli(capsys, "refit", "--generic", "--catalog", str(matrix_path),
                          "--signatures", str(signatures), "--bootstrap", "5", "--out",
                          str(out), case=f"refit-generic:{name}-signature-rows")
        assert outcome.code == 0, outcome.err
        results[name] = (out / "exposures.tsv").read_bytes()
    assert results["ordered"] == results["shuffled"]


def test_refit_generic_names_missing_and_extra_features(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    matrix_path, _, topics = _generic_pair(tmp_path)
    signatures = tmp_path / "topics.tsv"
    write_matrix(topics.rename(index={"word3": "wordX"}), signatures, label="Feature")
    out = tmp_path / "out"
    outcome = run_cli(capsys, "refit", "--generic", "--catalog", str(matrix_path),
                      "--signatures", str(signatures), "--bootstrap", "5", "--out", str(out),
                      case="refit-generic:different-features")
    assert_clear_error(outcome, str(signatures), str(matrix_path),
                       "1 catalog feature(s) missing from the signatures ['word3']",
                       "1 signature feature(s) not in the catalog ['wordX']",
                       "rows may be in any order")
    assert_nothing_written(out)


# ------------------------------------------------------------------------------------------
# Permissions of outputs.

@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_outputs_honour_the_umask(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                  umask: int, mode: int) -> None:
    previous = os.umask(umask)
    try:
        write_matrix(CATALOG, tmp_path / "lib" / "c.tsv")
        write_json({"a": 1}, tmp_path / "lib" / "p.json")
        save_arrays(tmp_path / "lib" / "a.npz", x=np.zeros(3))
        catalog = _write(tmp_path / "SBS96.tsv", STANDARD)
        outcome = run_cli(capsys, *_command("refit", catalog, tmp_path / "cli"))
        assert outcome.code == 0, outcome.err
    finally:
        os.umask(previous)
    written = [tmp_path / "lib" / name for name in ("c.tsv", "p.json", "a.npz")]
    written += [tmp_path / "cli" / name for name in files_under(tmp_path / "cli")]
    assert {oct(path.stat().st_mode & 0o777) for path in written} == {oct(mode)}


def test_pcawg_labels_without_sample_columns(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    lines = ["\t".join(line.split("\t")[:2]) for line in _pcawg(CATALOG)]
    path = _write(tmp_path / "SBS96.tsv", lines)
    out = tmp_path / "out"
    outcome = run_cli(capsys, *_command("refit", path, out), case="refit:pcawg-no-sample-columns")
    assert_clear_error(outcome, str(path), "got only ['Mutation type', 'Trinucleotide']",
                       "Add the sample columns")
    assert_nothing_written(out)
