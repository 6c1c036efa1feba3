"""Readers align rows by label and reject bad cells with file/line messages; writes are atomic."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sigforge.genomics import read_catalog as read_matrix
from sigforge.genomics.contexts import SBS96_CHANNELS
from sigforge.io import InputError, atomic_write, removed_on_failure, write_matrix


def _catalog(rng: np.random.Generator) -> pd.DataFrame:
    values = rng.integers(0, 50, size=(96, 3))
    return pd.DataFrame(values, index=pd.Index(SBS96_CHANNELS, name="MutationType"),
                        columns=["s1", "s2", "s3"])


def test_roundtrip_tsv(tmp_path: Path, rng: np.random.Generator) -> None:
    frame = _catalog(rng)
    write_matrix(frame, tmp_path / "c.tsv", integer=True)
    matrix = read_matrix(tmp_path / "c.tsv")
    assert matrix.channel_set == "SBS96"
    np.testing.assert_array_equal(matrix.data.to_numpy(), frame.to_numpy())


def test_shuffled_pcawg_csv_is_aligned_by_label(tmp_path: Path, rng: np.random.Generator) -> None:
    frame = _catalog(rng)
    subs = [label[2:5] for label in frame.index]
    tri = [label[0] + label[2] + label[6] for label in frame.index]
    pcawg = pd.DataFrame({"Mutation type": subs, "Trinucleotide": tri, **frame.to_dict("list")})
    pcawg = pcawg.sample(frac=1.0, random_state=1)
    pcawg.to_csv(tmp_path / "pcawg.csv", index=False)
    matrix = read_matrix(tmp_path / "pcawg.csv")
    np.testing.assert_array_equal(matrix.data.to_numpy(), frame.to_numpy())


def _pcawg_id83_columns(label: str) -> list[str]:
    """PCAWG's four ID83 label cells of a standard label: '5:Del:M:5' -> DEL, MH, 5+, 5+."""
    size, kind, unit, count = label.split(":")
    unit = {"R": "repeats", "M": "MH"}.get(unit, unit)
    return [kind.upper(), unit, size + "+" if size == "5" else size,
            count + "+" if count == "5" else count]


@pytest.mark.parametrize("direct", [False, True])
@pytest.mark.parametrize("name", ["DBS78", "ID83"])
def test_pcawg_dbs78_and_id83_label_columns_are_read(
        tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch,
        name: str, direct: bool) -> None:
    """WGS_PCAWG.dinucs.csv spells each doublet over 'Ref' and 'Var' (AC, CA) and
    WGS_PCAWG.indels.csv each indel over 'Type', 'Subtype', 'Indel_size', 'Repeat_MH_size'
    (DEL, repeats, 5+, 0); both were refused as repeated labels. Shuffled rows, quoted
    cells as in the published files, by the line reader and by the direct one."""
    from sigforge import _direct_read
    from sigforge.genomics.contexts import CHANNEL_SETS

    if direct:
        monkeypatch.setattr(_direct_read, "DIRECT_FROM", 1)
    channels = list(CHANNEL_SETS[name])
    frame = pd.DataFrame(rng.integers(0, 50, size=(len(channels), 4)), index=channels,
                         columns=["Breast::s1", "Breast::s2", "Liver::s3", "Liver::s4"])
    if name == "DBS78":
        labels = pd.DataFrame([label.split(">") for label in channels], columns=["Ref", "Var"])
    else:
        labels = pd.DataFrame([_pcawg_id83_columns(label) for label in channels],
                              columns=["Type", "Subtype", "Indel_size", "Repeat_MH_size"])
    table = pd.concat([labels, frame.reset_index(drop=True)], axis=1).sample(
        frac=1.0, random_state=2)
    table.to_csv(tmp_path / "pcawg.csv", index=False,
                 quoting=1 if name == "DBS78" and not direct else 0)
    matrix = read_matrix(tmp_path / "pcawg.csv")
    assert matrix.channel_set == name
    assert list(matrix.data.columns) == list(frame.columns)
    np.testing.assert_array_equal(matrix.data.loc[channels].to_numpy(), frame.to_numpy())


def test_arrow_style_labels(tmp_path: Path, rng: np.random.Generator) -> None:
    frame = _catalog(rng)
    arrow = [f"{lab[0]}{lab[2]}{lab[6]}>{lab[0]}{lab[4]}{lab[6]}" for lab in frame.index]
    frame.set_axis(arrow, axis=0).iloc[::-1].to_csv(tmp_path / "a.tsv", sep="\t")
    np.testing.assert_array_equal(read_matrix(tmp_path / "a.tsv").data.to_numpy(),
                                  frame.to_numpy())


def test_generic_matrix_keeps_its_order(tmp_path: Path) -> None:
    (tmp_path / "g.tsv").write_text("word\tdoc1\tdoc2\nzeta\t1\t2\nalpha\t3\t4.5\n")
    matrix = read_matrix(tmp_path / "g.tsv")
    assert matrix.channel_set is None
    assert list(matrix.data.index) == ["zeta", "alpha"]


@pytest.mark.parametrize(("body", "message"), [
    ("f\ts\na\t-1\n", "line 2, column 's'.*nonnegative"),
    ("f\ts\na\tx\n", "line 2, column 's'.*finite number, got 'x'"),
    ("f\ts\na\tnan\n", "finite number"),
    ("f\ts\na\t1\na\t2\n", "appears more than once"),
    ("f\n", "expected a label column"),
])
def test_bad_cells_name_line_and_column(tmp_path: Path, body: str, message: str) -> None:
    (tmp_path / "bad.tsv").write_text(body)
    with pytest.raises(InputError, match=message):
        read_matrix(tmp_path / "bad.tsv")


def test_round_off_negatives_are_read_as_zero_with_a_warning(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A signature table another program normalised holds -1e-18 beside 0.5: refusing it made
    the user edit the file by hand for no change in any result. Round-off (at most 1e-9 of the
    column's largest value) is read as 0 and said; a real negative is still refused."""
    (tmp_path / "s.tsv").write_text("f\tA\tB\nx\t-1e-18\t0.25\ny\t0.5\t0.75\nz\t0.5\t0\n")
    with caplog.at_level("WARNING"):
        matrix = read_matrix(tmp_path / "s.tsv")
    assert matrix.data.loc["x", "A"] == 0.0 and not np.signbit(matrix.data.loc["x", "A"])
    assert "1 negative cell(s)" in caplog.text and "'A'" in caplog.text
    (tmp_path / "r.tsv").write_text("f\tA\nx\t-1e-6\ny\t0.5\n")
    with pytest.raises(InputError, match="line 2, column 'A'.*nonnegative value, got -1e-6"):
        read_matrix(tmp_path / "r.tsv")
    (tmp_path / "z.tsv").write_text("f\tA\nx\t-1e-18\ny\t0\n")
    with pytest.raises(InputError, match="nonnegative value, got -1e-18"):
        read_matrix(tmp_path / "z.tsv")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_matrix(tmp_path / "absent.tsv")


def test_atomic_write_leaves_nothing_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.tsv"
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write("half")
        raise RuntimeError("killed")
    assert list(tmp_path.iterdir()) == []


def test_removed_on_failure_takes_back_only_what_the_block_created(tmp_path: Path) -> None:
    existing = tmp_path / "out"
    existing.mkdir()
    (existing / "old.tsv").write_text("kept\n")
    with pytest.raises(RuntimeError, match="late failure"), removed_on_failure() as created:
        with atomic_write(existing / "new.tsv") as handle:
            handle.write("a\n")
        with atomic_write(existing / "k2" / "deep" / "signatures.tsv") as handle:
            handle.write("b\n")
        (existing / "k2" / "foreign.txt").write_text("not ours\n")
        assert [p.relative_to(existing).as_posix() for p in created] == [
            "new.tsv", "k2", "k2/deep", "k2/deep/signatures.tsv"]
        raise RuntimeError("late failure")
    left = sorted(p.relative_to(existing).as_posix() for p in existing.rglob("*"))
    assert left == ["k2", "k2/foreign.txt", "old.tsv"]  # k2 holds a file it did not write


def test_removed_on_failure_keeps_everything_on_success(tmp_path: Path) -> None:
    with removed_on_failure() as outer:
        with removed_on_failure() as inner, atomic_write(tmp_path / "a" / "x.tsv") as handle:
            handle.write("x\n")
        with atomic_write(tmp_path / "y.tsv") as handle:
            handle.write("y\n")
    assert [p.name for p in inner] == ["a", "x.tsv"]
    assert [p.name for p in outer] == ["a", "x.tsv", "y.tsv"]
    assert (tmp_path / "a" / "x.tsv").read_text() == "x\n"


def test_large_whole_counts_are_written_in_full(tmp_path: Path) -> None:
    """Whole numbers of ten or more digits were written with ten significant digits:
    12345678901 became 12345678900 in a split or prepared catalog. Fractions keep ten."""
    from sigforge.io import as_written

    frame = pd.DataFrame({"s1": [12345678901.0, 2.0**53 - 1, 1.5],
                          "s2": [1.0, 2.0, 98765432109.25]}, index=["a", "b", "c"])
    write_matrix(frame, tmp_path / "m.tsv", label="Feature")
    lines = (tmp_path / "m.tsv").read_text().splitlines()
    assert lines[1:] == ["a\t12345678901\t1", "b\t9007199254740991\t2",
                         "c\t1.5\t9.876543211e+10"]
    back = pd.read_csv(tmp_path / "m.tsv", sep="\t", index_col=0)
    assert back.loc["a", "s1"] == 12345678901 and back.loc["b", "s1"] == 2**53 - 1
    assert list(as_written(frame["s1"].to_numpy())) == [12345678901.0, 2.0**53 - 1, 1.5]


@pytest.mark.parametrize("second", ["Subtype", "SubType", "Var", "Trinucleotide"])
def test_a_sample_named_like_a_label_column_stays_a_sample(tmp_path: Path,
                                                           rng: np.random.Generator,
                                                           second: str) -> None:
    """A column named like a layout's second label column ('Type' + 'Subtype', 'Ref' +
    'Var', ...) whose cells are all numbers is a sample: it was joined into the labels
    ('A[C>A]A:32'), its counts vanished and the catalog was read as a generic matrix."""
    from sigforge.io import read_matrix as read_generic

    first = {"Var": "Ref", "Trinucleotide": "Mutation type"}.get(second, "Type")
    frame = _catalog(rng)
    table = frame.rename(columns={frame.columns[0]: second}).rename_axis(first)
    table.to_csv(tmp_path / "catalog.tsv", sep="\t")
    matrix = read_matrix(tmp_path / "catalog.tsv")
    assert matrix.channel_set == "SBS96" and matrix.data.columns[0] == second
    np.testing.assert_array_equal(matrix.data.to_numpy(), frame.to_numpy())
    (tmp_path / "m.tsv").write_text(f"{first}\t{second}\ts2\ng1\t3\t4\ng2\t5\t6\n")
    generic = read_generic(tmp_path / "m.tsv").data
    assert list(generic.index) == ["g1", "g2"] and list(generic.columns) == [second, "s2"]


@pytest.mark.parametrize(("header", "rows", "expected"), [
    ("Mutation type,Trinucleotide", lambda c: (c[2:5], (c[0] + c[2] + c[6]).lower()),
     r"SBS96 channels written in another case \('C>A:aca' on line 2 for 'C>A:ACA'\)"),
    ("Mutation type,Trinucleotide",
     lambda c: ({"C": "G", "T": "A"}[c[2]] + ">" + {"A": "T", "C": "G", "G": "C", "T": "A"}[
         c[4]], "".join({"A": "T", "C": "G", "G": "C", "T": "A"}[b] for b in
                        (c[6], c[2], c[0]))),
     r"PCAWG's layout.*'G>T:TGT' on line 2.*pyrimidine strand"),
])
def test_a_catalog_layout_whose_rows_are_no_channels_is_refused(
        tmp_path: Path, rng: np.random.Generator, header: str, rows, expected: str) -> None:
    """PCAWG's 'Mutation type', 'Trinucleotide' header with lower-case or purine-strand rows
    was read as a generic matrix and factored without its channels, silently."""
    frame = _catalog(rng)
    labels = [rows(label) for label in frame.index]
    lines = [f"{header},s1"] + [f"{a},{b},{v}" for (a, b), v in
                                zip(labels, frame.iloc[:, 0], strict=True)]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match=expected):
        read_matrix(tmp_path / "c.csv")


def test_pcawg_id83_tables_take_the_fast_number_path(
        tmp_path: Path, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch) -> None:
    """The size columns ('5+') of PCAWG's ID83 layout were parsed as numbers: the fast path
    gave up (a table of 20,000 genomes read in 14.5 s instead of 3.7 s) and pandas warned of
    mixed types, pointing into sigforge's source."""
    import warnings

    from sigforge import _direct_read
    from sigforge.genomics.contexts import CHANNEL_SETS

    channels = list(CHANNEL_SETS["ID83"])
    labels = pd.DataFrame([_pcawg_id83_columns(label) for label in channels],
                          columns=["Type", "Subtype", "Indel_size", "Repeat_MH_size"])
    counts = pd.DataFrame(rng.integers(0, 500, size=(len(channels), 50)),
                          columns=[f"s{j}" for j in range(50)])
    pd.concat([labels, counts], axis=1).to_csv(tmp_path / "wide.tsv", sep="\t", index=False)
    direct = _direct_read.direct_frame
    taken: list[bool] = []
    monkeypatch.setattr(_direct_read, "DIRECT_FROM", 1)
    monkeypatch.setattr(_direct_read, "direct_frame",
                        lambda *args: taken.append(direct(*args) is not None) or direct(*args))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        matrix = read_matrix(tmp_path / "wide.tsv")
    assert taken == [True]
    np.testing.assert_array_equal(matrix.data.loc[channels].to_numpy(), counts.to_numpy())


def test_messages_show_long_and_invisible_cells_legibly(tmp_path: Path,
                                                        rng: np.random.Generator) -> None:
    """A NUL in a number cell was printed raw (a terminal shows '1 '); a 100,000-character
    label filled the message; a 140,000-character cell in a file without quotes was blamed
    on an unclosed quote."""
    from sigforge.io import read_matrix as read_generic

    (tmp_path / "nul.tsv").write_text("Feature\ts1\ts2\nf1\t1\x00\t1\nf2\t1\t2\n")
    with pytest.raises(InputError, match=re.escape(r"got '1\x00'")):
        read_generic(tmp_path / "nul.tsv")
    frame = _catalog(rng).rename(index={"T[T>G]T": "X" * 100_000})
    frame.rename_axis("MutationType").to_csv(tmp_path / "long.tsv", sep="\t")
    with pytest.raises(InputError, match=r"'X{60}\.\.\. \(100,000 characters\)' on line 97")\
            as caught:
        read_matrix(tmp_path / "long.tsv")
    assert len(str(caught.value)) < 1_000
    (tmp_path / "cell.tsv").write_text(f"Feature\ts1\ts2\nf1\t{'A' * 140_000}\t1\nf2\t1\t2\n")
    with pytest.raises(InputError, match=r"line 2: a cell holds more than 131,072 characters")\
            as caught:
        read_generic(tmp_path / "cell.tsv")
    assert "quote" not in str(caught.value)


@pytest.mark.parametrize("spaces", ["Indel size", "Indel\u00a0size", "\ufeffIndel_size"])
def test_layout_header_names_match_with_spaces_for_underscores(
        tmp_path: Path, rng: np.random.Generator, spaces: str) -> None:
    """'Indel size', 'Repeat MH size' (spaces for underscores, a spreadsheet's no-break
    space, a stray byte-order mark) read as PCAWG's ID83 layout; they fell back to COSMIC
    v3.0's two columns and were refused as repeated labels, with the advice to merge rows."""
    from sigforge.genomics.contexts import CHANNEL_SETS

    channels = list(CHANNEL_SETS["ID83"])
    labels = pd.DataFrame([_pcawg_id83_columns(label) for label in channels],
                          columns=["Type", "Subtype", spaces, "Repeat MH size"])
    counts = pd.DataFrame(rng.integers(0, 50, size=(len(channels), 2)), columns=["a", "b"])
    pd.concat([labels, counts], axis=1).to_csv(tmp_path / "id.tsv", sep="\t", index=False)
    matrix = read_matrix(tmp_path / "id.tsv")
    assert matrix.channel_set == "ID83" and list(matrix.data.columns) == ["a", "b"]
    np.testing.assert_array_equal(matrix.data.loc[channels].to_numpy(), counts.to_numpy())


def test_wrong_pcawg_rows_are_named_with_their_fix(tmp_path: Path,
                                                   rng: np.random.Generator) -> None:
    """PCAWG ID83 rows with '5' for '5+' were described as the 'DEL_C_1_0' style without
    the 5+ rule; a DBS78 row on the other strand got no hint of it."""
    from sigforge.genomics.contexts import CHANNEL_SETS

    channels = list(CHANNEL_SETS["ID83"])
    rows = [_pcawg_id83_columns(label) for label in channels]
    rows[5][3] = "5"  # DEL C 1 5+ written as DEL C 1 5
    frame = pd.DataFrame(rows, columns=["Type", "Subtype", "Indel_size", "Repeat_MH_size"])
    frame["s1"] = rng.integers(0, 50, len(channels))
    frame.to_csv(tmp_path / "id.tsv", sep="\t", index=False)
    with pytest.raises(InputError, match=r"PCAWG's Type \+ Subtype.*sizes of five or more as "
                                         r"5\+.*'DEL:C:1:5' on line 7"):
        read_matrix(tmp_path / "id.tsv")
    doublets = [label.split(">") for label in CHANNEL_SETS["DBS78"]]
    doublets[-1] = ["AA", "CC"]  # TT>GG on the other strand
    frame = pd.DataFrame(doublets, columns=["Ref", "Var"]).assign(s1=1)
    frame.to_csv(tmp_path / "dbs.tsv", sep="\t", index=False)
    with pytest.raises(InputError, match=r"as a DBS78 table.*'AA:CC' on line 79.*reverse "
                                         "complement, TT>GG"):
        read_matrix(tmp_path / "dbs.tsv")


def test_a_parquet_table_without_labels_loses_no_sample(tmp_path: Path) -> None:
    """Saved with pandas' default row numbers as its index, a table's first sample ('a', real
    values) became the feature labels, gone from the matrix without a word; labels in a first
    text column, or as the index, are read."""
    from sigforge.io import read_matrix as read_generic

    values = {"a": [0.5, 1.5, 2.5], "b": [1.0, 3.0, 2.0]}
    pd.DataFrame(values).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(InputError, match=r"plain.parquet: the Parquet table has no label "
                                         r"column.*'a' holds numbers"):
        read_generic(tmp_path / "plain.parquet")
    # counts are whole numbers: a first sample of distinct counts was read as the labels
    pd.DataFrame({"a": [4, 9, 1], "b": [2, 3, 5]}).to_parquet(tmp_path / "counts.parquet")
    with pytest.raises(InputError, match=r"first column 'a' holds numbers"):
        read_generic(tmp_path / "counts.parquet")
    pd.DataFrame({"f": ["x", "y", "z"], **values}).to_parquet(tmp_path / "text.parquet")
    pd.DataFrame(values, index=pd.Index(["x", "y", "z"], name="f")).to_parquet(
        tmp_path / "index.parquet")
    for name in ("text", "index"):
        data = read_generic(tmp_path / f"{name}.parquet").data
        assert list(data.columns) == ["a", "b"] and list(data.index) == ["x", "y", "z"]


def test_parquet_repeated_columns_and_null_labels_are_named_plainly(tmp_path: Path) -> None:
    """A repeated Parquet column gave pyarrow's 'Multiple matches for FieldRef' with its
    schema dump, and a null in a second label column was quoted as 'C>G:nan'."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    labels = pa.array(["x", "y"])
    pq.write_table(pa.table([labels, pa.array([1, 2]), pa.array([3, 4])],
                            names=["f", "s1", "s1"]), tmp_path / "twice.parquet")
    with pytest.raises(InputError, match=r"twice.parquet: column 's1' appears more than once"):
        read_matrix(tmp_path / "twice.parquet")
    trinucleotides = [c[0] + c[2] + c[6] for c in SBS96_CHANNELS]
    trinucleotides[5] = None
    pq.write_table(pa.table([pa.array([c[2:5] for c in SBS96_CHANNELS]),
                             pa.array(trinucleotides), pa.array(range(1, 97))],
                            names=["Mutation type", "Trinucleotide", "s1"]),
                   tmp_path / "gap.parquet")
    with pytest.raises(InputError, match=r"not SBS96 channels \('C>G:' on row 6\)") as error:
        read_matrix(tmp_path / "gap.parquet")
    assert "nan" not in str(error.value)


@pytest.mark.parametrize(("name", "case", "first", "fixed"), [
    ("SBS96", str.lower, "a[c>a]a", "A[C>A]A"), ("DBS78", str.lower, "ac>ca", "AC>CA"),
    ("ID83", str.lower, "1:del:c:0", "1:Del:C:0"), ("ID83", str.upper, "1:DEL:C:0", "1:Del:C:0")])
def test_channels_in_another_case_are_refused_with_the_spelling(
        tmp_path: Path, name: str, case: Callable[[str], str], first: str, fixed: str) -> None:
    """Single-column labels in the wrong case ('a[c>a]a') were read as a generic matrix: the
    catalog lost its channels (no COSMIC comparison, no spectra) without a word."""
    from sigforge.genomics.contexts import CHANNEL_SETS
    from sigforge.io import read_matrix as read_generic

    channels = [case(c) for c in CHANNEL_SETS[name]]
    frame = pd.DataFrame({"s1": range(1, len(channels) + 1)},
                         index=pd.Index(channels, name="MutationType"))
    frame.to_csv(tmp_path / "c.tsv", sep="\t")
    with pytest.raises(InputError, match=rf"{name} channels written in another case "
                                         rf"\('{re.escape(first)}' on line 2 for "
                                         rf"'{re.escape(fixed)}'\).*--generic"):
        read_matrix(tmp_path / "c.tsv")
    assert read_generic(tmp_path / "c.tsv").data.index[0] == first


@pytest.mark.parametrize(("text", "said"), [
    ("f\tcaf\u00e9\tcafe\u0301\nx\t1\t2\ny\t2\t1\n",
     r"line 1 \(header\): column names .*\(columns 2 and 3\) are the same text written in "
     r"two Unicode forms \('caf\\xe9' and 'cafe\\u0301'"),
    ("f\ts1\ts1\u200b\nx\t1\t2\ny\t2\t1\n",
     r"\(columns 2 and 3\) differ only by the invisible character U\+200B \(ZERO WIDTH "
     r"SPACE\) \('s1' and 's1\\u200b'\)"),
    ("f\ts 0\ts\u00a00\nx\t1\t2\ny\t2\t1\n",
     r"\(columns 2 and 3\) differ only by a space written as U\+00A0 \(NO-BREAK SPACE\) "
     r"where the other has a plain space"),
    ("f\ta\tb\ncaf\u00e9\t1\t2\ncafe\u0301\t3\t4\n",
     r"line 3: row labels 'caf\u00e9' and 'cafe\u0301' \(line 2 and line 3\) are the same "
     r"text written in two Unicode forms"),
])
def test_names_that_print_alike_are_refused(tmp_path: Path, text: str, said: str) -> None:
    """Names equal but for their Unicode form or an invisible character were kept as two
    samples or features that every output showed under one name."""
    from sigforge.io import read_matrix as read_generic

    (tmp_path / "m.tsv").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=said):
        read_generic(tmp_path / "m.tsv")


def test_parquet_tables_get_the_text_tables_header_checks(tmp_path: Path) -> None:
    """Parquet tables skipped the header checks: an unnamed column was refused only when its
    output was written (naming the output), nested column levels became names like
    "('x', 'a')", and damaged pandas metadata made a sound file unreadable."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from sigforge.io import read_matrix as read_generic

    labels, one, two = pa.array(["f0", "f1"]), pa.array([1.0, 2.0]), pa.array([3.0, 1.0])
    pq.write_table(pa.table([labels, one, two], names=["f", "", "b"]), tmp_path / "e.parquet")
    with pytest.raises(InputError, match=r"e.parquet: the column names: column 2 has no name"):
        read_generic(tmp_path / "e.parquet")
    nested = pd.DataFrame([[1.0, 2.0]], index=pd.Index(["x"], name="f"),
                          columns=pd.MultiIndex.from_tuples([("x", "a"), ("x", "b")]))
    nested.to_parquet(tmp_path / "n.parquet")
    with pytest.raises(InputError, match=r"column labels have 2 levels.*\('x', 'a'\)"):
        read_generic(tmp_path / "n.parquet")
    pq.write_table(pa.table([labels, one, two], names=["f", "a", "b"]).replace_schema_metadata(
        {b"pandas": b"garbage{"}), tmp_path / "m.parquet")
    data = read_generic(tmp_path / "m.parquet").data
    assert list(data.index) == ["f0", "f1"] and data.to_numpy().tolist() == [[1, 3], [2, 1]]


@pytest.mark.parametrize(("cell", "shown", "named"), [
    ("12\u00a0", r"'12\xa0'", "U+00A0 (NO-BREAK SPACE)"),
    ("1\u200b2", r"'1\u200b2'", "U+200B (ZERO WIDTH SPACE)")])
def test_a_cell_with_a_hidden_character_is_shown_escaped(tmp_path: Path, cell: str,
                                                         shown: str, named: str) -> None:
    """'12' + a no-break space (a spreadsheet export) was refused as got '12 ', which looks
    like the '12 ' that is accepted; '1' + a zero-width space + '2' as '1​2'."""
    path = tmp_path / "catalog.tsv"
    rows = [f"{channel}\t{cell if i == 0 else 3}" for i, channel in enumerate(SBS96_CHANNELS)]
    path.write_text("MutationType\tS1\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_matrix(path)
    assert f"got {shown}, which holds {named}" in str(caught.value)
