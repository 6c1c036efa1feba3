"""The workflow with a `group` column in the samples sheet: each group factored on its own,
the groups' signatures merged, everything downstream run on the merged set, and the same
signatures, byte for byte, as `sigforge extract --groups` in one process."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml
from tests.workflow.test_workflow import BIN, _env, copy_workflow, snakemake

from sigforge.io import read_json, read_table

pytestmark = pytest.mark.slow

GROUPS = ("odd", "even")


def _grouped_run(workdir: Path) -> dict:
    """A sheet of the example's first 8 samples, grouped by odd and even sample number, with
    a notes column titled ``sample`` (the workflow groups by sample_id; it had split the
    groups by this column), and a small SBS96-only configuration (2 ranks, 4 replicates in 2
    chunks, 2 CV folds)."""
    lines = (workdir / "config/samples.tsv").read_text().splitlines()
    rows = [f"{line}\t{GROUPS[(number + 1) % 2]}\tS{9 - number:02d}"
            for number, line in enumerate(lines[1:9], start=1)]
    (workdir / "config/grouped.tsv").write_text(
        "\n".join([f"{lines[0]}\tgroup\tsample", *rows]) + "\n")
    overrides = {"samples": "config/grouped.tsv", "reference": "resources/example/genome.fa",
                 "catalog": {"contexts": ["SBS96"]},
                 "extract": {"ranks": {"min": 2, "max": 3}, "replicates": 4,
                             "replicates_per_chunk": 2, "merge_cosine": 0.9},
                 "rank": {"cv_folds": 2, "cv_max_iter": 200}, "refit": {"bootstrap": 5}}
    (workdir / "config/grouped.yaml").write_text(yaml.safe_dump(overrides))
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    for section in ("extract", "rank", "refit"):
        config[section].update(overrides[section])
    return config


def _extract_groups(workdir: Path, config: dict, out: Path) -> subprocess.CompletedProcess[str]:
    """`sigforge extract --groups` on the workflow's catalog with the workflow's options (the
    replicates in one chunk: chunking never changes the bits)."""
    extract, rank = config["extract"], config["rank"]
    return subprocess.run(
        [str(BIN / "sigforge"), "extract", "--catalog", "results/catalogs/SBS96.tsv",
         "--groups", "config/grouped.tsv", "--ranks",
         f"{extract['ranks']['min']}-{extract['ranks']['max']}",
         "--replicates", str(extract["replicates"]), "--replicates-per-chunk",
         str(extract["replicates"]), "--seed", str(config["seed"]),
         "--max-iter", str(extract["max_iter"]), "--min-iter", str(extract["min_iter"]),
         "--tol", str(extract["tol"]), "--cv-folds", str(rank["cv_folds"]),
         "--cv-holdout", str(rank["cv_holdout"]), "--cv-starts", str(rank["cv_starts"]),
         "--cv-max-iter", str(rank["cv_max_iter"]), "--drop-empty",
         "--merge-cosine", str(extract["merge_cosine"]), "--out", str(out)],
        cwd=workdir, env=_env(), capture_output=True, text=True, check=False)


def test_grouped_sheet_factors_each_group_and_merges(tmp_path: Path) -> None:
    """Groups' folders, the merge of both groups, refits and patient pages on the merged set,
    the bits of extract --groups, and the cohort report (which reads the group folders)."""
    workdir = copy_workflow(tmp_path / "wf")
    config = _grouped_run(workdir)
    run = snakemake(workdir, "--cores", "2", "--keep-going", "--configfile",
                    "config/grouped.yaml")
    extract = workdir / "results/extract/SBS96"
    merged = read_table(extract / "merged.tsv")
    assert {g for cell in merged["groups"] for g in cell.split(",")} == set(GROUPS)
    signatures = read_table(extract / "signatures.tsv")
    assert list(signatures.columns) == list(merged.index)
    assert not (extract / "rank_metrics.tsv").exists()  # the merge replaces the rank choice
    odd = read_table(workdir / "results/catalogs/groups/SBS96/odd.tsv")
    assert list(odd.columns) == ["S01", "S03", "S05", "S07"]
    for group in GROUPS:
        folder = extract / "groups" / group
        chosen = read_json(folder / "provenance.json")["chosen_rank"]
        assert chosen in (2, 3)
        assert read_table(folder / "signatures.tsv").shape == (96, chosen)
        assert (workdir / f"results/catalogs/groups/SBS96/{group}.tsv").is_file()
    assert (workdir / "results/logs/groups/SBS96_merge.log").is_file()
    refit = read_table(workdir / "results/refit/SBS96/exposures.tsv")
    assert list(refit.index) == list(signatures.columns) and refit.shape[1] == 8
    assert (workdir / "results/patients/S01.html").is_file()

    one = _extract_groups(workdir, config, tmp_path / "extract")
    assert one.returncode == 0, one.stderr[-3000:]
    names = ["signatures.tsv", "merged.tsv", "exposures.tsv",
             *(f"groups/{group}/{name}" for group in GROUPS
               for name in ("signatures.tsv", "rank_metrics.tsv"))]
    for name in names:
        assert (tmp_path / "extract" / name).read_bytes() == (extract / name).read_bytes(), name

    report_log = workdir / "results/logs/report/report.log"
    assert run.returncode == 0, (report_log.read_text()[-2000:] if report_log.is_file()
                                 else run.stdout[-4000:])
    assert (workdir / "results/report/cohort.html").is_file()
    assert (workdir / "results/report/patients/S08.html").is_file()
    sheet = workdir / "config/grouped.tsv"
    sheet.write_text("# a comment edits the sheet, not its grouping\n" + sheet.read_text())
    again = snakemake(workdir, "-n", "--cores", "2", "--configfile", "config/grouped.yaml")
    assert "Nothing to be done" in again.stdout, again.stdout[-3000:]
    assert "no longer has" not in again.stdout + (again.stderr or "")  # the split manifest
