"""``sigforge report`` on a stratified discovery (``sigforge extract --groups``): the merged set
with where each signature came from, one subsection per group (samples, rank choice and figure,
signatures, or why a thin group was not factored), and clear errors for incomplete folders.

The run is tests/report_groups_run.py: two groups sharing one of their two processes and a
third too thin to factor, through the real ``extract --groups``, ``refit`` and ``report``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from tests.html_page import HtmlPage
from tests.report_groups_run import report_args, write_grouped_run

from sigforge.cli import main
from sigforge.cli.report_groups import read_group
from sigforge.io import read_table


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cohort, extracted by group, refitted and reported (report under ``report/``)."""
    return write_grouped_run(tmp_path_factory.mktemp("groups"))


@pytest.fixture(scope="module")
def page(run: Path) -> HtmlPage:
    parsed = HtmlPage()
    parsed.feed((run / "report" / "cohort.html").read_text(encoding="utf-8"))
    return parsed


def _provenance(run: Path, group: str) -> dict:
    return json.loads((run / "extract" / "SBS96" / "groups" / group / "provenance.json")
                      .read_text())


def test_merged_table_lists_each_merged_signature_with_its_groups(run: Path,
                                                                  page: HtmlPage) -> None:
    merged = read_table(run / "extract" / "SBS96" / "merged.tsv")
    header, *rows = page.tables["merged-signatures"]
    assert header[:4] == ["Signature", "Groups", "Number of groups", "Members (group:signature)"]
    assert [row[0] for row in rows] == [str(name) for name in merged.index]
    for row, (_, expected) in zip(rows, merged.iterrows(), strict=True):
        assert row[1] == expected["groups"].replace(",", ", ")
        assert row[3] == expected["members"].replace(",", ", ")
        assert row[5] == f"{expected['min_member_cosine']:.3f}"
    # the process planted in both groups is found in each and merged into one signature
    assert any(row[1] == "A, B" and row[2] == "2" for row in rows)
    signatures = [row[0] for row in page.tables["signature-summary"][1:]]
    assert signatures == [row[0] for row in rows]


def test_merged_set_is_said_to_be_merged_and_has_no_rank_selection_of_its_own(
        page: HtmlPage) -> None:
    # 3 groups, one too thin to factor: merged from the 2 factored ones
    assert "Factored by group: k = 3 de novo signatures merged from 2 groups" \
        in page.text("status")
    note = page.text("merged-note")
    assert "merged at cosine \u2265 0.9 from the signatures of 2 of 3 groups" in note
    assert "(1 too thin to factor)" in note
    assert "rank" not in page.text_of and "rank-metrics" not in page.tables
    summary = {row[0]: row[1] for row in page.tables["run-info"]}
    assert summary["mutation types"] == "SBS96: k = 3 (merged from 2 groups; 1 too thin to factor)"
    stability = [row[1] for row in page.tables["signature-summary"][1:]]
    assert stability == ["\u2014"] * 3  # merged signatures have no bootstrap stability


@pytest.mark.parametrize(("position", "group"), [(1, "A"), (2, "B")])
def test_each_factored_group_shows_its_samples_rank_choice_and_signatures(
        run: Path, page: HtmlPage, position: int, group: str) -> None:
    facts = _provenance(run, group)
    text = page.text(f"group-{position}-{group}")
    assert "Samples6" in text
    assert f"Chosen number of signaturesk = {facts['chosen_rank']}" in text
    assert " ".join(facts["reason"].split()) in text
    metrics = read_table(run / "extract" / "SBS96" / "groups" / group / "rank_metrics.tsv")
    header, *rows = page.tables[f"group-{position}-{group}-rank-metrics"]
    assert [int(row[0]) for row in rows] == list(metrics.index)
    figures = run / "report" / "figures"
    for stem in (f"group_{position}_{group}_rank_selection",
                 f"group_{position}_{group}_signatures"):
        assert (figures / f"{stem}.png").is_file() and (figures / f"{stem}.svg").is_file()
    signatures = pd.read_csv(run / "extract" / "SBS96" / "groups" / group / "signatures.tsv",
                             sep="\t", nrows=0).columns[1:]
    for name in signatures:
        assert f"{name} (merged into SBS96" in text


def test_a_thin_group_shows_why_it_was_not_factored(run: Path, page: HtmlPage) -> None:
    reason = _provenance(run, "C")["skipped"]
    assert reason and "fewer than 20" in reason
    text = page.text("group-3-C")
    assert "Samples1" in text and f"Not factored{reason}" in text
    assert "group-3-C-rank-metrics" not in page.tables
    assert not list((run / "report" / "figures").glob("group_3_C_*"))


def _copy_run(run: Path, to: Path) -> Path:
    for name in ("catalogs", "extract", "refit"):
        shutil.copytree(run / name, to / name)
    return to


def test_a_missing_group_folder_is_refused_before_writing(
        run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_run(run, tmp_path)
    shutil.rmtree(root / "extract" / "SBS96" / "groups" / "B")
    assert main(report_args(root, root / "report")) != 0
    error = capsys.readouterr().err
    assert "groups/B" in error and "extract --groups" in error
    assert not (root / "report").exists()


def test_a_merge_table_of_another_run_is_refused(run: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy_run(run, tmp_path)
    path = root / "extract" / "SBS96" / "merged.tsv"
    path.write_text(path.read_text().replace("SBS96C", "SBS96X"))
    assert main(report_args(root, root / "report")) != 0
    error = capsys.readouterr().err
    assert str(path) in error and "SBS96X" in error
    assert not (root / "report").exists()


def test_a_groups_fallback_rank_is_flagged_at_the_top_and_in_its_subsection(
        run: Path, tmp_path: Path) -> None:
    root = _copy_run(run, tmp_path)
    path = root / "extract" / "SBS96" / "groups" / "B" / "provenance.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), "rank_caution": True}))
    assert main(report_args(root, root / "report")) == 0
    parsed = HtmlPage()
    parsed.feed((root / "report" / "cohort.html").read_text(encoding="utf-8"))
    assert "(SBS96 group B)" in parsed.text("rank-caution")
    links = [attributes.get("href") for tag, attributes in parsed.tags if tag == "a"]
    assert "#group-2-B" in links
    assert "chosen by a fallback" in parsed.text("group-2-B")
    assert "fallback" not in parsed.text("group-1-A")



def test_a_group_rank_with_a_component_left_out_says_how_many_it_kept(
        run: Path, tmp_path: Path) -> None:
    root = _copy_run(run, tmp_path)
    path = root / "extract" / "SBS96" / "groups" / "B" / "provenance.json"
    provenance = json.loads(path.read_text())
    kept = pd.read_csv(path.parent / "signatures.tsv", sep="\t", nrows=0).shape[1] - 1
    assert provenance["chosen_rank"] == kept
    path.write_text(json.dumps({**provenance, "chosen_rank": kept + 1,
                                "dropped_components": ["SBS96Z"]}))
    assert main(report_args(root, root / "report")) == 0
    parsed = HtmlPage()
    parsed.feed((root / "report" / "cohort.html").read_text(encoding="utf-8"))
    assert (f"Chosen number of signaturesk = {kept + 1}, of whose components {kept} are the "
            "signatures (1 not reproduced by the bootstrap replicates left out)"
            in parsed.text("group-2-B"))
    assert f"Chosen number of signaturesk = {_provenance(run, 'A')['chosen_rank']}" in (
        parsed.text("group-1-A"))

def test_a_group_rank_with_a_component_added_from_a_larger_rank_names_it(
        run: Path, tmp_path: Path) -> None:
    """Group B's chosen rank one below its number of signatures, the last one recorded as
    added from a larger rank (rule step 6): its subsection says so, nothing left out."""
    root = _copy_run(run, tmp_path)
    path = root / "extract" / "SBS96" / "groups" / "B" / "provenance.json"
    provenance = json.loads(path.read_text())
    columns = list(pd.read_csv(path.parent / "signatures.tsv", sep="\t", nrows=0).columns[1:])
    ranks = pd.read_csv(path.parent / "rank_metrics.tsv", sep="\t", index_col=0).index
    assert len(columns) - 1 in set(ranks)
    path.write_text(json.dumps({**provenance, "chosen_rank": len(columns) - 1,
                                "rescued_components": [{"name": columns[-1],
                                                        "rank": len(columns) + 1}]}))
    assert main(report_args(root, root / "report")) == 0
    parsed = HtmlPage()
    parsed.feed((root / "report" / "cohort.html").read_text(encoding="utf-8"))
    text = parsed.text("group-2-B")
    assert (f"Chosen number of signaturesk = {len(columns) - 1}; 1 reproduced at larger ranks "
            f"was added: {columns[-1]} (k = {len(columns) + 1})") in text
    assert "not reproduced by the bootstrap replicates left out" not in text


def test_a_skipped_group_counts_each_sample_once(tmp_path: Path) -> None:
    """A skipped group's exposures.tsv lists every sample, also those recorded as left out
    for having no mutation; the subsection counts each once."""
    folder = tmp_path / "groups" / "C"
    folder.mkdir(parents=True)
    (folder / "exposures.tsv").write_text("Signature\tC1\tC2\tC3\n")
    (folder / "provenance.json").write_text(json.dumps({
        "chosen_rank": None, "reason": "not factored: thin", "skipped": "thin",
        "samples_without_mutations_left_out": ["C3", "C4"]}))
    group = read_group(folder)
    assert (group.group, group.n_samples, group.skip_reason) == ("C", 4, "thin")
    assert group.skipped and group.rank_metrics is None


def test_the_merge_table_is_listed_with_the_output_files(page: HtmlPage) -> None:
    links = {attributes.get("href") for tag, attributes in page.tags if tag == "a"}
    assert "../extract/SBS96/merged.tsv" in links


def test_a_groups_edge_rank_is_merged_into_the_cohort_warning(run: Path, tmp_path: Path) -> None:
    """A group whose rank is the largest it tried: the merge's provenance names the group, and
    the cohort page warns at the top and in the group's subsection."""
    from sigforge.cli.groups import _merged_edge

    summary = {"A": {"rank_edge": ""}, "B": {"rank_edge": "k = 3 is the largest rank tried"}}
    assert _merged_edge(summary) == "Group B: k = 3 is the largest rank tried"
    root = _copy_run(run, tmp_path)
    group = root / "extract" / "SBS96" / "groups" / "B" / "provenance.json"
    edge = "k = 3 is the largest rank tried (2-3): more signatures may fit these data better."
    group.write_text(json.dumps({**json.loads(group.read_text()), "rank_edge": edge}))
    merged = root / "extract" / "SBS96" / "provenance.json"
    merged.write_text(json.dumps({**json.loads(merged.read_text()),
                                  "rank_edge": f"Group B: {edge}"}))
    assert main(report_args(root, root / "report")) == 0
    parsed = HtmlPage()
    parsed.feed((root / "report" / "cohort.html").read_text(encoding="utf-8"))
    assert f"SBS96: Group B: {edge}" in " ".join(parsed.text("rank-edge").split())
    assert edge in parsed.text("group-2-B")


def test_groups_whose_names_differ_only_in_punctuation_keep_their_own_figures(
        tmp_path: Path) -> None:
    """'G.x...' and 'G_x...' (200 characters each, the longest group name) are one name once
    '.' becomes '_': each subsection and its figures are told apart by the group's position,
    and every file name stays within the file system's 255 bytes."""
    long = "x" * 198
    names = {"A": f"G.{long}", "B": f"G_{long}"}
    root = write_grouped_run(tmp_path, names)
    page = HtmlPage()
    page.feed((root / "report" / "cohort.html").read_text(encoding="utf-8"))
    figures = root / "report" / "figures"
    stems = {}
    for position, group in ((1, "A"), (2, "B")):
        found = sorted(figures.glob(f"group_{position}_G_x*_signatures.png"))
        assert len(found) == 1
        stems[group] = found[0]
        anchor = next(a["id"] for tag, a in page.tags
                      if tag == "section" and a.get("id", "").startswith(f"group-{position}-"))
        assert names[group] in page.text(anchor)
    assert stems["A"].read_bytes() != stems["B"].read_bytes()
    assert max(len(p.name.encode()) for p in figures.iterdir()) <= 255
