"""Small workflow runs apart from the demo: two outdirs in one checkout, and a context too thin
to factor. A file of their own so that `make test`'s two workers can run them beside the
demo's long run in tests/workflow/test_workflow.py."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
import yaml
from tests.workflow.test_workflow import copy_workflow, job_counts, snakemake

from sigforge.genomics import read_catalog
from sigforge.io import read_json

pytestmark = pytest.mark.slow


def test_two_outdirs_in_one_checkout_never_mix(tmp_path: Path) -> None:
    """Two cohorts run one after the other in one checkout, each with its own outdir: the
    second run leaves the first's files byte for byte as they were (the first run is a run
    alone: nothing came before it), and writes exactly the files of the second cohort run
    alone in a fresh checkout (benchmarks/ holds measured times, so it is left out of the
    comparisons); a small configuration keeps this quick (three samples each, SBS96 alone:
    the outdir, not the contexts, keeps cohorts apart)."""
    shared, solo = copy_workflow(tmp_path / "shared"), copy_workflow(tmp_path / "solo")
    lines = (shared / "config/samples.tsv").read_text().splitlines(keepends=True)
    sheets = {"a": lines[:4], "b": lines[:1] + lines[11:14]}
    for name, sheet in sheets.items():
        config = {"outdir": f"results/{name}", "samples": f"config/{name}.tsv",
                  "reference": "resources/example/genome.fa",
                  "catalog": {"contexts": ["SBS96"]},
                  "extract": {"ranks": {"min": 2, "max": 2}, "replicates": 4,
                              "replicates_per_chunk": 4},
                  "rank": {"cv_folds": 0}, "refit": {"bootstrap": 5}}
        for workdir in (shared, solo):
            (workdir / f"config/{name}.tsv").write_text("".join(sheet))
            (workdir / f"config/{name}.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(shared, "--cores", "2", "--configfile", "config/a.yaml")
    assert run.returncode == 0, run.stdout[-3000:]
    first = tmp_path / "a_alone"
    shutil.copytree(shared / "results/a", first)
    for workdir in (shared, solo):
        run = snakemake(workdir, "--cores", "2", "--configfile", "config/b.yaml")
        assert run.returncode == 0, run.stdout[-3000:]
    assert sorted(p.name for p in (shared / "results").iterdir()) == ["a", "b"]
    assert sorted(p.name for p in (solo / "results").iterdir()) == ["b"]
    for before, after in ((first, shared / "results/a"),
                          (solo / "results/b", shared / "results/b")):
        diff = subprocess.run(["diff", "-r", "-x", "benchmarks", str(before), str(after)],
                              capture_output=True, text=True, check=False)
        assert diff.returncode == 0, diff.stdout[-3000:]
    assert (shared / "results/b/patients/S11.html").is_file()
    assert not (shared / "results/b/patients/S01.html").exists()


THIN_STEMS = ["S07", "S09", "S12", "S13", "S16"]  # only S07 has doublets in the example


@pytest.fixture(scope="module")
def thin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of five samples, small settings, SBS96 and DBS78 only (the tests below
    use it in order)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("thin") / "wf")
    (workdir / "config/samples.tsv").write_text("sample_id\tvcf\n" + "".join(
        f"{s}\tresources/example/vcfs/{s}.vcf\n" for s in THIN_STEMS))
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config["catalog"]["contexts"] = ["SBS96", "DBS78"]
    config["extract"].update({"ranks": {"min": 2, "max": 3}, "replicates": 4,
                              "replicates_per_chunk": 4})
    config["rank"]["cv_folds"] = 0
    config["refit"]["bootstrap"] = 5
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(workdir, "--cores", "2")
    assert run.returncode == 0, run.stdout[-3000:]
    return workdir


def test_a_context_too_thin_to_factor_is_skipped_not_failed(thin: Path) -> None:
    """Five samples of which one has doublets: DBS78 cannot be factored at rank 3, so its
    discovery says why, its refits list zeros (the reference refit still runs) and the report
    shows the reason; the run succeeds and SBS96 is factored as usual."""
    workdir = thin
    provenance = read_json(workdir / "results/extract/DBS78/provenance.json")
    assert provenance["skipped"].startswith("only 1 sample(s) have a mutation")
    assert provenance["chosen_rank"] is None
    assert "skipped" not in read_json(workdir / "results/extract/SBS96/provenance.json")
    denovo = pd.read_csv(workdir / "results/refit/DBS78/exposures.tsv", sep="\t", index_col=0)
    assert denovo.shape == (0, 5)
    reference = read_catalog(workdir / "results/refit/DBS78/reference/exposures.tsv").data
    assert reference["S07"].sum() > 0 and (reference.drop(columns="S07") == 0).all().all()
    cohort = (workdir / "results/report/cohort.html").read_text()
    assert "De novo discovery skipped" in cohort and provenance["skipped"] in cohort


def test_raising_the_largest_rank_reruns_the_new_rank_and_the_choice_only(thin: Path) -> None:
    """The largest rank was part of every rank job's settings (the thin-catalog check), so
    raising extract.ranks.max, as the rank-edge warning advises, recomputed every chunk and
    cross-validation of the ranks already done, with byte-identical results. Now the dry run
    lists the new rank's jobs and the rank choice, and no job of ranks 2 and 3."""
    dry = snakemake(thin, "-n", "--cores", "1", "--config",
                    'extract={"ranks": {"min": 2, "max": 4}}')
    assert dry.returncode == 0, dry.stdout[-3000:]
    counts = job_counts(dry.stdout)
    assert counts["nmf_chunk"] == 2 and counts["consensus"] == 2  # k = 4 of each context
    assert counts["select_rank"] == 2
    assert "/k4/chunks/chunk0.npz" in dry.stdout
    outputs = [line for line in dry.stdout.splitlines() if line.strip().startswith("output:")]
    assert not [line for line in outputs if "/k2/" in line or "/k3/" in line]


def test_a_vcf_replaced_by_an_older_version_reruns_its_sample(thin: Path) -> None:
    """S13's VCF replaced by half its variants with a time older than every output (as cp -p,
    rsync -a or a restored backup leave it): Snakemake saw nothing to do, and the catalog log
    kept the old counts. Its size is a setting of its jobs now, so they rerun."""
    vcf = thin / "resources/example/vcfs/S13.vcf"
    original, times = vcf.read_bytes(), vcf.stat()
    try:
        lines = original.decode().splitlines(keepends=True)
        vcf.write_text("".join(line for number, line in enumerate(lines)
                               if line.startswith("#") or number % 2))
        os.utime(vcf, (1577836800, 1577836800))  # 2020-01-01
        dry = snakemake(thin, "-n", "--cores", "1")
        assert dry.returncode == 0, dry.stdout[-3000:]
        counts = job_counts(dry.stdout)
        assert counts["catalog_sample"] == 1 and counts["refit_patient"] == 1
        assert "results/catalogs/samples/S13/SBS96.tsv" in dry.stdout
    finally:
        vcf.write_bytes(original)
        os.utime(vcf, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert "Nothing to be done" in snakemake(thin, "-n", "--cores", "1").stdout


def test_a_touched_genome_reruns_nothing(thin: Path) -> None:
    """`touch genome.fa` (or a copy of the same genome) reran every catalog and all the
    discovery after them: the FASTA is ancient() to the jobs that read it, its size their
    setting."""
    fasta = thin / "resources/example/genome.fa"
    times = fasta.stat()
    try:
        fasta.touch()
        dry = snakemake(thin, "-n", "--cores", "1")
        assert dry.returncode == 0 and "Nothing to be done" in dry.stdout, dry.stdout[-3000:]
    finally:
        os.utime(fasta, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_settings_warned_of_as_inert_rerun_nothing(thin: Path) -> None:
    """With rank.cv_folds: 0 the cross-validation settings are warned of as having no
    effect; they reran the rank choice, refits and report all the same."""
    dry = snakemake(thin, "-n", "--cores", "1", "--config",
                    'rank={"cv_folds": 0, "cv_block": 0.3, "cv_starts": 3}')
    assert dry.returncode == 0 and "Nothing to be done" in dry.stdout, dry.stdout[-3000:]
    assert "rank.cv_block (0.3) has no effect" in dry.stdout


def test_restrict_to_restricts_each_reference_refit_to_its_own_names(tmp_path: Path) -> None:
    """refit.restrict_to mixing SBS and DBS names: the SBS96 and DBS78 reference refits keep
    their own names, ID83 (none named) uses its whole table, the refit to the de novo
    signatures is not restricted, and a patient's page restricts both of its tables."""
    workdir = copy_workflow(tmp_path / "wf")
    lines = (workdir / "config/samples.tsv").read_text().splitlines(keepends=True)
    (workdir / "config/samples.tsv").write_text("".join(lines[:8]))  # S07 has doublets
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config["extract"].update({"ranks": {"min": 2, "max": 3}, "replicates": 4,
                              "replicates_per_chunk": 4})
    config["rank"]["cv_folds"] = 0
    config["refit"].update({"bootstrap": 5, "restrict_to": ["SBS4", "DBS2", "SBS13"]})
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    targets = ["results/refit/SBS96/reference/exposures.tsv",
               "results/refit/DBS78/reference/exposures.tsv",
               "results/refit/ID83/reference/exposures.tsv",
               "results/refit/SBS96/exposures.tsv", "results/patients/S01.html"]
    run = snakemake(workdir, "--cores", "2", *targets)
    assert run.returncode == 0, run.stdout[-3000:]

    def names(path: str) -> list[str]:
        return list(pd.read_csv(workdir / "results" / path, sep="\t", index_col=0).index)

    assert names("refit/SBS96/reference/exposures.tsv") == ["SBS4", "SBS13"]
    assert names("refit/DBS78/reference/exposures.tsv") == ["DBS2"]
    assert "ID1" in names("refit/ID83/reference/exposures.tsv")
    denovo = names("refit/SBS96/exposures.tsv")
    assert denovo == list(pd.read_csv(workdir / "results/extract/SBS96/signatures.tsv",
                                      sep="\t", index_col=0).columns)
    assert names("patients/S01/exposures.tsv") == ["SBS4", "SBS13"]
    assert names("patients/S01/DBS78/exposures.tsv") == ["DBS2"]


def test_stale_outputs_go_in_a_real_run_only_and_never_what_the_workflow_did_not_write(
        thin: Path) -> None:
    """S16 leaves the sheet: --summary and --lint (which parse the Snakefile as a run does)
    delete nothing, a dry run names what a real run deletes, the real run deletes S16's
    outputs; a folder under patients/ that holds a user's files (here input VCFs kept beside
    the results) is named and left alone, where it used to be deleted with its VCFs."""
    results = thin / "results"
    kept = results / "patients/old_cohort"
    kept.mkdir()
    shutil.copy(thin / "resources/example/vcfs/S01.vcf", kept / "tumour.vcf")
    (thin / "config/samples.tsv").write_text("sample_id\tvcf\n" + "".join(
        f"{s}\tresources/example/vcfs/{s}.vcf\n" for s in THIN_STEMS[:-1]))
    gone = [results / "patients/S16.html", results / "patients/S16",
            results / "catalogs/samples/S16", results / "report/patients/S16.html",
            results / "figures/patients/S16_spectrum.png",
            results / "logs/catalog/samples/S16.log", results / "logs/patients/S16.log",
            results / "benchmarks/catalog/samples/S16.tsv",
            results / "benchmarks/patients/S16.tsv"]
    for mode in ("--summary", "--lint"):
        assert snakemake(thin, mode, "--cores", "1").returncode == 0
        assert all(path.exists() for path in gone), mode
    dry = snakemake(thin, "-n", "--cores", "1")
    assert "a real run deletes them" in dry.stdout and "results/patients/S16.html" in dry.stdout
    assert all(path.exists() for path in gone)
    run = snakemake(thin, "--cores", "2")
    assert run.returncode == 0, run.stdout[-3000:]
    assert not any(path.exists() for path in gone)
    assert "left alone 1 path(s)" in run.stdout and (kept / "tumour.vcf").is_file()
    assert (results / "patients/S13.html").is_file()
