"""The workflow end to end on the embedded example, reruns, and bad input as a new user makes it.

Every test works in a temporary copy of the workflow so the repository stays clean.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from sigforge.genomics import read_catalog
from sigforge.genomics.catalog import SKIP_REASONS
from sigforge.io import read_json, read_table
from sigforge.testing import match_cosines

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    """The environment for snakemake: our venv's bin first, so rules find `sigforge`."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def copy_workflow(dest: Path) -> Path:
    """Copy what a user clones (Snakefile, workflow, config, example inputs) into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest)
    shutil.copy(REPO / "environment.yml", dest)
    for folder in ("workflow", "config", "resources/example"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """Run snakemake in workdir and return the finished process (stdout+stderr merged)."""
    return subprocess.run([str(BIN / "snakemake"), *args], cwd=workdir, env=_env(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          check=False)


def job_counts(output: str) -> dict[str, int]:
    """The 'Job stats' table of a snakemake (dry) run as {rule: count}."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^(\w+)\s+(\d+)$", output, flags=re.MULTILINE)
            if m.group(1) != "total"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One full run of the default configuration (what `make demo` runs)."""
    workdir = copy_workflow(tmp_path_factory.mktemp("demo"))
    # about 150 jobs of 5-15 s on two cores, beside the other test worker: 600 s was too
    # close (a loaded machine passed it)
    run = snakemake(workdir, "--cores", "2", timeout=1500)
    assert run.returncode == 0, run.stdout[-4000:]
    return workdir


def test_lint_is_clean(tmp_path: Path) -> None:
    run = snakemake(copy_workflow(tmp_path), "--lint")
    assert run.returncode == 0, run.stdout
    assert "Congratulations, your workflow is in a good condition" in run.stdout


def test_demo_catalog_equals_the_truth(demo: Path) -> None:
    catalog = read_catalog(demo / "results/catalogs/SBS96.tsv").data
    truth = read_catalog(demo / "resources/example/truth_catalog.tsv").data
    assert list(catalog.columns) == list(truth.columns)
    np.testing.assert_array_equal(catalog.to_numpy(), truth.to_numpy())
    log = read_table(demo / "results/catalogs/catalog_log.tsv")
    truth_id = read_catalog(demo / "resources/example/truth_ID83.tsv").data
    assert log.loc["S01", "filtered"] == 3
    assert log.loc["S01", "counted_ID83"] == truth_id["S01"].sum()
    counted = log[["counted_SBS96", "counted_DBS78", "counted_ID83"]].sum(axis=1)
    assert (log["variants_read"] == counted + log[list(SKIP_REASONS)].sum(axis=1)).all()
    for context in ("DBS78", "ID83"):  # the default catalog.contexts
        other = read_catalog(demo / f"results/catalogs/{context}.tsv").data
        assert list(other.columns) == list(truth.columns)
        assert (other.sum() == log[f"counted_{context}"]).all()
    # The planted doublets (DBS1 with SBS7a, DBS2 with SBS4; half as 2-bp records, half as
    # adjacent SNV records) are counted exactly, and their SNVs stay out of SBS96.
    doublets = read_catalog(demo / "results/catalogs/DBS78.tsv").data
    truth_dbs = read_catalog(demo / "resources/example/truth_DBS78.tsv").data
    np.testing.assert_array_equal(doublets.to_numpy(), truth_dbs.to_numpy())
    assert truth_dbs.to_numpy().sum() > 500
    # The planted indels (ID3 with SBS4, ID13 with SBS7a), each at a site whose repeat or
    # microhomology context puts it in its drawn ID83 channel, are counted exactly.
    indels = read_catalog(demo / "results/catalogs/ID83.tsv").data
    assert list(indels.index) == list(truth_id.index)
    np.testing.assert_array_equal(indels.to_numpy(), truth_id.to_numpy())
    assert truth_id.to_numpy().sum() > 3000


def test_demo_recovers_the_planted_signatures_and_rank(demo: Path) -> None:
    truth = read_catalog(demo / "resources/example/truth_signatures.tsv").data
    found = read_catalog(demo / "results/extract/SBS96/signatures.tsv").data
    assert read_json(demo / "results/extract/SBS96/provenance.json")["chosen_rank"] == 5
    assert found.shape[1] == truth.shape[1]
    assert match_cosines(found.to_numpy(), truth.to_numpy()).min() >= 0.95
    metrics = read_table(demo / "results/extract/SBS96/rank_metrics.tsv")
    assert list(metrics.index) == list(range(2, 9))
    for k in range(2, 9):
        assert (demo / f"results/extract/SBS96/k{k}/stability.tsv").exists()


@pytest.mark.parametrize("context, table", [("DBS78", "truth_DBS_signatures.tsv"),
                                            ("ID83", "truth_ID_signatures.tsv")])
def test_demo_recovers_the_planted_doublet_and_indel_signatures(demo: Path, context: str,
                                                                table: str) -> None:
    """DBS78 and ID83 go through discovery and refit as SBS96 does: the planted signatures
    (DBS1 and DBS2; ID3 and ID13) come back de novo, and the samples without a doublet or an
    indel are left out of the factorisation but listed, with zeros, in the refit."""
    truth = read_catalog(demo / f"resources/example/{table}").data
    found = read_catalog(demo / f"results/extract/{context}/signatures.tsv").data
    provenance = read_json(demo / f"results/extract/{context}/provenance.json")
    assert "skipped" not in provenance
    assert found.shape[1] == truth.shape[1] == provenance["chosen_rank"]
    assert match_cosines(found.to_numpy(), truth.to_numpy()).min() >= 0.95
    catalog = read_catalog(demo / f"results/catalogs/{context}.tsv").data
    empty = [str(s) for s in catalog.columns[catalog.sum() == 0]]
    assert empty and provenance["samples_without_mutations_left_out"] == empty
    exposures = read_catalog(demo / f"results/refit/{context}/exposures.tsv").data
    assert list(exposures.columns) == list(catalog.columns)
    assert (exposures[empty] == 0).all().all() and (exposures.drop(columns=empty).sum() > 0).all()
    decomposition = read_table(demo / f"results/refit/{context}/decomposition.tsv")
    assert set(decomposition["best_match"]) == set(truth.columns)
    reference = read_catalog(demo / f"results/refit/{context}/reference/exposures.tsv").data
    assert set(truth.columns) <= set(reference.index[reference.sum(axis=1) > 0])


def test_samples_left_out_of_the_sheet_lose_their_outputs(demo: Path) -> None:
    """A rerun with fewer samples removes the dropped samples' catalogs and pages (a dry run
    names them), so the output folder holds the current cohort only."""
    sheet = (demo / "config/samples.tsv").read_text().splitlines(keepends=True)
    (demo / "config/samples_less.tsv").write_text("".join(sheet[:-1]))
    dry = snakemake(demo, "-n", "--cores", "2", "--config", "samples=config/samples_less.tsv",
                    "reference=resources/example/genome.fa")
    assert "a real run deletes them" in dry.stdout and "results/patients/S30" in dry.stdout
    assert (demo / "results/patients/S30.html").exists()


def test_demo_exposures_track_the_truth(demo: Path) -> None:
    truth_sigs = read_catalog(demo / "resources/example/truth_signatures.tsv").data.to_numpy()
    truth = read_catalog(demo / "resources/example/truth_exposures.tsv").data
    found_sigs = read_catalog(demo / "results/extract/SBS96/signatures.tsv").data.to_numpy()
    exposures = read_catalog(demo / "results/refit/SBS96/exposures.tsv").data[truth.columns]
    a = found_sigs / np.linalg.norm(found_sigs, axis=0)
    b = truth_sigs / np.linalg.norm(truth_sigs, axis=0)
    order = (b.T @ a).argmax(axis=1)  # found column matching each planted signature
    error = np.abs(exposures.to_numpy()[order] - truth.to_numpy()).sum(axis=0)
    assert (error / truth.to_numpy().sum(axis=0)).mean() < 0.1
    reconstruction = read_table(demo / "results/refit/SBS96/reconstruction.tsv")
    assert reconstruction["cosine"].min() > 0.9


def test_demo_reference_refit_finds_exactly_the_planted_signatures(demo: Path) -> None:
    """Refitting to all of COSMIC v3.6, the sparse refit uses exactly each sample's planted
    signatures (the example's exposures are all at least 10% of a sample)."""
    truth = read_catalog(demo / "resources/example/truth_exposures.tsv").data
    found = read_catalog(demo / "results/refit/SBS96/reference/exposures.tsv").data
    planted = truth.reindex(index=found.index, columns=found.columns).fillna(0) > 0
    assert ((found > 0) == planted).all().all()
    intervals = read_table(demo / "results/refit/SBS96/reference/exposure_intervals.tsv")
    assert set(intervals.index) == set(found.columns)
    decomposition = read_table(demo / "results/refit/SBS96/decomposition.tsv")
    assert not decomposition["novel"].astype(str).str.lower().eq("true").any()
    assert set(decomposition["best_match"]) == set(truth.index)


def test_patient_target_needs_no_discovery(tmp_path: Path) -> None:
    demo = copy_workflow(tmp_path / "wf")
    target = "results/patients/S07.html"
    dry = snakemake(demo, "-n", "--cores", "2", target)
    assert job_counts(dry.stdout) == {"refit_patient": 1}, dry.stdout[-2000:]
    run = snakemake(demo, "--cores", "2", target)
    assert run.returncode == 0, run.stdout[-3000:]
    found = read_catalog(demo / "results/patients/S07/exposures.tsv").data["S07"]
    truth = read_catalog(demo / "resources/example/truth_exposures.tsv").data["S07"]
    assert set(found.index[found > 0]) == set(truth.index[truth > 0])
    probabilities = pd.read_csv(demo / "results/patients/S07/mutation_probabilities.tsv",
                                sep="\t")
    np.testing.assert_allclose(probabilities[found.index].sum(axis=1), 1.0, atol=1e-5)


def test_patient_target_writes_mutation_probabilities_and_regions(tmp_path: Path) -> None:
    """The patient target alone (seconds): every counted SNV with its probability per
    reference signature, and the SNVs of the configured BED's regions ('1' in the BED finds
    the VCF's 'chr1'); without a BED the regions table holds its header only."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "resources/roi.bed").write_text("track name=roi\n1\t0\t3000\tfirst\n"
                                               "chr1\t2000\t6000\n")
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config["refit"]["regions_of_interest"] = "resources/roi.bed"
    config["refit"]["bootstrap"] = 5
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    folder = workdir / "results/patients/S07"
    run = snakemake(workdir, "--cores", "2", "results/patients/S07.html")
    assert run.returncode == 0, run.stdout[-3000:]
    table = pd.read_csv(folder / "mutation_probabilities.tsv", sep="\t")
    log = read_table(folder / "catalog_log.tsv")
    signatures = list(read_catalog(folder / "exposures.tsv", generic=True).data.index)
    assert list(table.columns[6:]) == [*signatures, "explained"]
    assert len(table) == log.loc["S07", "counted_SBS96"]
    np.testing.assert_allclose(table[signatures].sum(axis=1), 1.0, atol=1e-5)
    hits = pd.read_csv(folder / "regions_of_interest.tsv", sep="\t")
    pos = table["pos"][table["chrom"] == "chr1"]
    inside = (pos <= 3000).sum() + ((pos > 2000) & (pos <= 6000)).sum()
    assert len(hits[hits["type"] == "SBS96"]) == inside > 0  # SNVs; doublets, indels too
    assert set(hits["region"]) == {"first", "chr1:2001-6000"}
    config["refit"]["regions_of_interest"] = None
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    shutil.rmtree(folder)
    run = snakemake(workdir, "--cores", "2", "results/patients/S07.html")
    assert run.returncode == 0, run.stdout[-3000:]
    assert (folder / "regions_of_interest.tsv").read_text().count("\n") == 1


def test_demo_writes_reports_for_every_sample(demo: Path) -> None:
    cohort = (demo / "results/report/cohort.html").read_text()
    assert "SBS96A" in cohort and "DBS78A" in cohort and "ID83A" in cohort
    for context in ("sbs96", "dbs78", "id83"):
        assert f'id="context-{context}"' in cohort
    links = re.findall(r'class="patient-page" href="([^"]+)"', cohort)
    assert len(links) == 30
    for link in links:  # every patient page linked, and there
        page = (demo / "results/report" / link).resolve()
        assert page.is_file() and page.parent == (demo / "results/patients").resolve()
        assert 'id="type-dbs78"' in page.read_text()
    for i in range(1, 31):
        page = demo / f"results/report/patients/S{i:02d}.html"
        assert page.exists()
        text = page.read_text()
        assert f"S{i:02d}" in text
        # the sample's doublets and indels refitted to COSMIC, or a line saying it has none
        assert 'id="type-dbs78' in text and 'id="type-id83' in text


def test_every_job_has_a_log_and_a_time_record(demo: Path) -> None:
    """The README's outputs table: one log and one time/memory record per job. The catalog,
    merge, rank-choice and report jobs had logs but no benchmark record."""
    logs = {p.relative_to(demo / "results/logs").with_suffix("")
            for p in (demo / "results/logs").rglob("*.log")}
    records = {p.relative_to(demo / "results/benchmarks").with_suffix("")
               for p in (demo / "results/benchmarks").rglob("*.tsv")}
    assert logs == records, (sorted(logs - records)[:5], sorted(records - logs)[:5])
    assert {Path("catalog/samples/S01"), Path("catalog/merge"), Path("rank/SBS96"),
            Path("report/report")} <= records


def test_second_run_has_nothing_to_do(demo: Path) -> None:
    run = snakemake(demo, "--cores", "2", "-n")
    assert run.returncode == 0
    assert "Nothing to be done" in run.stdout, run.stdout[-3000:]


def test_one_process_extract_gives_the_workflow_bits(demo: Path, tmp_path: Path) -> None:
    """The workflow ran one job of 20 replicates per rank; extract splits each rank into 4
    chunks of 5 in a process pool. The signatures must be identical to the bit."""
    run = subprocess.run(
        [str(BIN / "sigforge"), "extract", "--catalog", "results/catalogs/SBS96.tsv",
         "--ranks", "2-8", "--replicates", "20", "--replicates-per-chunk", "5",
         "--seed", "20261128",
         "--max-iter", "5000", "--min-iter", "200", "--tol", "1e-7", "--threads", "2",
         "--out", str(tmp_path / "extract")],
        cwd=demo, env=_env(), capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    for name in ["signatures.tsv", "rank_metrics.tsv", "k3/signatures.tsv", "k7/stability.tsv"]:
        ours = (tmp_path / "extract" / name).read_bytes()
        assert ours == (demo / "results/extract/SBS96" / name).read_bytes(), name


def test_adding_a_sample_recomputes_only_its_catalog(demo: Path) -> None:
    sheet = (demo / "config/samples.tsv").read_text()
    # A new sample's own file (one VCF, or a copy of it, named by two rows would be refused:
    # counted twice): S01's calls less its last record.
    lines = (demo / "resources/example/vcfs/S01.vcf").read_text().splitlines(keepends=True)
    (demo / "config/S31.vcf").write_text("".join(lines[:-1]))
    (demo / "config/samples_plus.tsv").write_text(sheet + "S31\tconfig/S31.vcf\n")
    run = snakemake(demo, "-n", "--cores", "2", "--config", "samples=config/samples_plus.tsv",
                    "reference=resources/example/genome.fa")
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    assert counts["catalog_sample"] == 1 and counts["refit_patient"] == 1
    assert counts["merge_catalogs"] == 1 and counts["report"] == 1


def test_changing_refit_settings_does_not_rerun_discovery(demo: Path) -> None:
    config = yaml.safe_load((demo / "config/config.yaml").read_text())
    config["refit"]["signatures"] = "COSMIC_v3.6"
    (demo / "config/refit_cosmic.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(demo, "-n", "--cores", "2", "--configfile", "config/refit_cosmic.yaml")
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    assert counts.get("refit") == 3  # SBS96, DBS78, ID83
    assert not {"catalog_sample", "nmf_chunk", "consensus", "select_rank"} & set(counts)


def test_novel_below_reruns_the_de_novo_refits_and_the_report_only(demo: Path) -> None:
    """refit.novel_below flags de novo signatures that match no reference signature: the
    refits to the reference set itself (the cohort's and every patient's) decompose nothing,
    and changing it reran each of them for the same bytes."""
    run = snakemake(demo, "-n", "--cores", "2", "--config", 'refit={"novel_below": 0.8}')
    assert run.returncode == 0, run.stdout[-3000:]
    assert job_counts(run.stdout) == {"refit": 3, "report": 1, "all": 1}


def test_raising_replicates_reuses_finished_chunks(demo: Path) -> None:
    config = yaml.safe_load((demo / "config/config.yaml").read_text())
    config["extract"]["replicates"] = 40  # chunks of 20: chunk 0 exists, chunk 1 is new
    (demo / "config/more_replicates.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(demo, "-n", "--cores", "2", "--configfile", "config/more_replicates.yaml")
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    assert counts["nmf_chunk"] == 3 * 7  # a new chunk per context and rank 2..8, none redone
    assert "catalog_sample" not in counts


def _bad_run(tmp_path: Path, *, config: dict | None = None, sheet: str | None = None,
             raw_config: str | None = None) -> subprocess.CompletedProcess[str]:
    """A dry run of a copy whose config or samples sheet was edited as a new user might."""
    workdir = copy_workflow(tmp_path / "wf")
    path = workdir / "config/config.yaml"
    if config is not None:
        merged = yaml.safe_load(path.read_text())
        for key, value in config.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key].update(value)
            else:
                merged[key] = value
        path.write_text(yaml.safe_dump(merged))
    if raw_config is not None:
        path.write_text(path.read_text() + raw_config)
    if sheet is not None:
        (workdir / "config/samples.tsv").write_text(sheet)
    return snakemake(workdir, "-n", "--cores", "2")


GOOD = "".join(f"S{i:02d}\tresources/example/vcfs/S{i:02d}.vcf\n" for i in range(1, 11))


@pytest.mark.parametrize(("edit", "message"), [
    ({"config": {"reference": "resources/example/missing.fa"}},
     r"reference FASTA 'resources/example/missing.fa'"),
    ({"sheet": f"sample_id\tvcf\n{GOOD}S99\tresources/example/vcfs/absent.vcf\n"},
     r"VCF 'resources/example/vcfs/absent.vcf' of sample 'S99'"),
    ({"config": {"extract": {"replicats": 10}}}, r"replicats"),
    ({"config": {"extract": {"ranks": {"min": 2, "max": 40}}}},
     r"max=40 is impossible with 30 samples"),
    ({"sheet": f"sample_id\tvcf\n{GOOD}../x\tresources/example/vcfs/S03.vcf\n"},
     r"sample name '\.\./x' would escape"),
    ({"sheet": f"sample_id\tvcf\n{GOOD}a/b\tresources/example/vcfs/S03.vcf\n"},
     r"sample name 'a/b' would escape"),
    ({"sheet": f"sample_id\tvcf\n{GOOD}a b\tresources/example/vcfs/S03.vcf\n"
               "a_b\tresources/example/vcfs/S04.vcf\n"},
     r"'a b' and 'a_b' both become the file name 'a_b'"),
])
def test_bad_input_fails_with_a_clear_message(tmp_path: Path, edit: dict, message: str) -> None:
    run = _bad_run(tmp_path, **edit)
    assert run.returncode != 0
    assert re.search(message, run.stdout), run.stdout[-3000:]


def test_config_is_loaded_safely(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    run = _bad_run(tmp_path, raw_config=(
        f"\nexploit: !!python/object/apply:os.system ['touch {marker}']\n"))
    assert run.returncode != 0
    assert not marker.exists()
