"""sigforge.workflow: what workflow/rules/common.smk calls while Snakemake reads the workflow.

Resource formulas, argument lists, target lists and the cheap parse-time shape of a generic
input, tested without Snakemake (the library never imports it).
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pysam
import pytest
import yaml
from tests.conftest import write_fasta

from sigforge.genomics.genome import index_fasta, largest_contig
from sigforge.genomics.reference import load_reference
from sigforge.io import InputError, write_matrix
from sigforge.workflow import bed_checks, checks, configs, flags, resources, stale, targets
from sigforge.workflow import wildcards as wildcard_names

REPO = Path(__file__).resolve().parents[2]
DEMO = yaml.safe_load((REPO / "config/config.yaml").read_text())


def demo_costs(n_features: int = 96, n_samples: int = 30) -> resources.DiscoveryCosts:
    """The costs of the bundled example (96 SBS channels x 30 samples, the default config)."""
    return resources.DiscoveryCosts.from_config(DEMO, n_features, n_samples)


# Resources ---------------------------------------------------------------------------------

#: (k, attempt) -> (nmf runtime, nmf MB, CV runtime, CV MB, consensus MB) for the demo's sizes
#: and its chunks of 10 replicates: the values the formulas gave when they lived in common.smk.
DEMO_VALUES = {  # consensus: 1 MB more than before the silhouettes' distances were counted
    (2, 1): (2, 502, 2, 502, 1002), (5, 1): (2, 502, 2, 502, 1002),
    (8, 1): (2, 502, 2, 502, 1002), (2, 2): (4, 1004, 4, 1004, 2004),
    (8, 3): (6, 1506, 6, 1506, 3006),
}


@pytest.mark.parametrize(("k", "attempt"), sorted(DEMO_VALUES))
def test_resources_equal_the_former_values_for_the_demo(k: int, attempt: int) -> None:
    costs = demo_costs()
    found = (costs.nmf_chunk_runtime(k, 10, attempt), costs.nmf_chunk_mem_mb(k, 10, attempt),
             costs.cross_validate_runtime(k, attempt), costs.cross_validate_mem_mb(k, attempt),
             costs.consensus_mem_mb(k, attempt))
    assert found == DEMO_VALUES[(k, attempt)]


def test_resources_equal_the_former_values_for_a_large_cohort() -> None:
    """SBS1536 x 5,000 samples at k=20: minutes and MB well above the interpreter's share."""
    costs = demo_costs(1536, 5000)
    assert costs.nmf_chunk_runtime(20, 10) == 501
    assert costs.nmf_chunk_mem_mb(20, 10) == 5480
    assert costs.cross_validate_runtime(20) == 51
    assert costs.cross_validate_mem_mb(20) == 5448
    assert costs.consensus_mem_mb(20) == 1087


def test_consensus_and_patient_requests_cover_their_measured_peaks() -> None:
    """Measured (docs: resources.py): consensus of 1,000 replicates at k = 12 of a 96 x 40
    catalog peaked at 2.92 GB against a request of 1.05 GB; a patient's refit of 2 million
    35-byte SNV records on a 62 Mb contig at 4.88 GB and of 10,000 SNVs on a 249 Mb contig
    at 1.30 GB, against a fixed 1 GB on every attempt."""
    wide = resources.DiscoveryCosts(96, 40, 2000, 1000, 5, 1000)
    assert wide.consensus_mem_mb(12) >= 2920
    assert resources.DiscoveryCosts(96, 40, 2000, 500, 5, 1000).consensus_mem_mb(10) >= 850
    assert resources.patient_mem_mb(62_000_000, 71_074_249, False, 3) >= 4880
    assert resources.patient_mem_mb(249_000_000, 348_777, False) >= 1300
    assert resources.patient_mem_mb(62_000_000, 10**8, True) > resources.patient_mem_mb(
        62_000_000, 10**8, False)
    assert [resources.patient_mem_mb(10**6, 10**6, False, a) for a in (1, 2)] == [1013, 2026]
    # a group of 100 patient jobs asked for 100 x 32 minutes (53 h) for ~30 min of work
    assert resources.patient_runtime(10**6) == 3  # 2 + a catalog job's minute
    assert resources.patient_runtime(10**9, 2) > 2 * resources.patient_runtime(10**6)


def test_the_report_runtime_grows_with_the_cohort() -> None:
    """A fixed 30 minutes: 2,000 pages took 10 minutes, so 10,000 would be killed."""
    assert resources.report_runtime(30) == 31
    assert resources.report_runtime(10_000) == 130 and resources.report_runtime(10_000, 2) == 260


def test_catalog_resources_equal_the_former_values() -> None:
    assert [resources.catalog_mem_mb(900_000, a) for a in (1, 2, 3)] == [1003, 2006, 3009]


def test_catalog_memory_grows_with_the_gene_annotation() -> None:
    """SBS288 jobs of a GENCODE-sized GTF used about three times what they requested."""
    assert resources.catalog_mem_mb(900_000, 1, 340_000_000) == 1003 + 170
    assert resources.catalog_mem_mb(900_000, 2, 12_000_000, True) == 2 * (1003 + 180)
    assert resources.catalog_runtime(5_000, 1) == 1
    assert resources.catalog_runtime(50_000_000, 2) == 2 * 3


def _all_values(costs: resources.DiscoveryCosts, k: int, attempt: int) -> list[int]:
    return [costs.nmf_chunk_runtime(k, 10, attempt), costs.nmf_chunk_mem_mb(k, 10, attempt),
            costs.cross_validate_runtime(k, attempt), costs.cross_validate_mem_mb(k, attempt),
            costs.consensus_mem_mb(k, attempt)]


@pytest.mark.parametrize("shape", [(96, 30), (1536, 5000), (20000, 800)])
def test_every_retry_asks_for_more(shape: tuple[int, int]) -> None:
    costs = demo_costs(*shape)
    for k in (2, 10, 30):
        values = np.array([_all_values(costs, k, attempt) for attempt in (1, 2, 3, 4)])
        assert (np.diff(values, axis=0) > 0).all()
        np.testing.assert_array_equal(values, values[0] * np.arange(1, 5)[:, None])
    assert resources.catalog_mem_mb(10**8, 2) > resources.catalog_mem_mb(10**8, 1)
    assert resources.catalog_runtime(10**8, 2) > resources.catalog_runtime(10**8, 1)


def test_requests_grow_with_rank_samples_features_and_replicates() -> None:
    small, more_samples, more_features = (demo_costs(1536, 2000), demo_costs(1536, 8000),
                                          demo_costs(6144, 2000))
    for bigger in (more_samples, more_features):
        for k in (5, 20):
            assert all(b > s for b, s in zip(_all_values(bigger, k, 1),
                                             _all_values(small, k, 1), strict=True))
    assert all(b > s for b, s in zip(_all_values(small, 40, 1), _all_values(small, 5, 1),
                                     strict=True))
    assert small.nmf_chunk_runtime(20, 100) > small.nmf_chunk_runtime(20, 10)
    assert small.nmf_chunk_mem_mb(20, 100) > small.nmf_chunk_mem_mb(20, 10)
    assert resources.catalog_mem_mb(250_000_000) > resources.catalog_mem_mb(1_000_000)
    assert resources.catalog_runtime(10**9) > resources.catalog_runtime(10**6)


def test_costs_read_the_config() -> None:
    costs = demo_costs()
    assert (costs.max_iter, costs.replicates, costs.cv_max_iter) == (5000, 20, 1000)
    assert costs.cv_problems == DEMO["rank"]["cv_folds"] * DEMO["rank"]["cv_starts"]


# Flags -------------------------------------------------------------------------------------


def test_refit_flags_join_config_values_to_their_option() -> None:
    section = {**DEMO["refit"], "restrict_to": ["SBS1", "-x"]}
    found = flags.refit_flags(section, 7, "GRCh38")
    assert found[:7] == ["--drop-empty", "--method", "negbin", "--bootstrap", "100",
                         "--confidence", "0.95"]
    assert "--restrict-to" not in " ".join(found), "per refit: restrict_flags"
    assert "--decompose-into" not in " ".join(found), "per context: decompose_flags"
    assert "--tumour-type=pan-cancer" in found and "--include-artefacts" not in found
    assert "--cohort-prior" in found and "--no-cohort-prior" not in found
    alone = flags.refit_flags({**DEMO["refit"], "cohort_prior": False}, 7, "GRCh38")
    assert "--no-cohort-prior" in alone and "--cohort-prior" not in alone
    with_artefacts = flags.refit_flags({**DEMO["refit"], "include_artefacts": True,
                                        "tumour_type": "-Liver-HCC"}, 7, "GRCh38")
    assert "--include-artefacts" in with_artefacts
    assert "--tumour-type=-Liver-HCC" in with_artefacts
    # negbin's own settings are inert under another method: a change of them reran every
    # refit, page and report, which wrote the same bytes
    for method in ("nnls", "cosine", "likelihood"):
        other = flags.refit_flags({**DEMO["refit"], "method": method, "penalty": 3.0}, 7,
                                  "GRCh38")
        assert not {"--penalty", "3.0", "--cohort-prior", "--no-cohort-prior"} & set(other)
        assert not any(flag.startswith("--tumour-type") for flag in other)


def test_de_novo_signatures_are_decomposed_into_the_reference_set_where_it_covers_them() -> None:
    """A user's SBS96 table as the reference set covers no doublet or indel: their de novo
    signatures go to refit's default set (the run had failed at their refits), and SBS288 /
    SBS1536 are decomposed summed into SBS96."""
    assert flags.decompose_flags("SBS96", "-my sigs.tsv", ["SBS96"]) == [
        "--decompose-into=-my sigs.tsv"]
    assert flags.decompose_flags("ID83", "my.tsv", ["SBS96"]) == []
    assert flags.decompose_flags("SBS288", "COSMIC_v3.6", ["SBS96", "DBS78", "ID83"]) == [
        "--decompose-into=COSMIC_v3.6"]
    assert flags.decompose_flags("ID83", "my.tsv", ["SBS96"], 0.85) == ["--novel-below", "0.85"]
    assert "--novel-below" not in flags.refit_flags(DEMO["refit"], 7, "GRCh38")


def test_restrict_flags_keep_the_names_of_the_refit_table_in_config_order() -> None:
    names = ["SBS5", "DBS2", "-x", "SBS1"]
    assert flags.restrict_flags(names, ["SBS1", "SBS5", "-x"]) == ["--restrict-to=SBS5,-x,SBS1"]
    assert flags.restrict_flags(names, ["DBS1", "DBS2"]) == ["--restrict-to=DBS2"]
    assert flags.restrict_flags(names, ["ID1", "ID2"]) == []
    assert flags.restrict_flags(None, ["SBS1"]) == []


def test_generic_refit_flags_drop_the_bootstrap_for_real_values() -> None:
    assert flags.generic_refit_flags(DEMO["refit"], 3, counts=False) == [
        "--generic", "--seed", "3", "--method", "nnls", "--bootstrap", "0"]
    counted = flags.generic_refit_flags(DEMO["refit"], 3, counts=True)
    assert counted[3:] == ["--method", "negbin", "--bootstrap", "100", "--confidence", "0.95",
                           "--penalty", "1.5", "--cohort-prior"]
    alone = flags.generic_refit_flags({**DEMO["refit"], "cohort_prior": False}, 3, counts=True)
    assert alone[-1] == "--no-cohort-prior"


def test_catalog_and_sample_flags() -> None:
    assert flags.catalog_flags(["SBS96", "ID83"], "", all_filters=False,
                               multi_snvs_in_sbs=False) == ["--contexts", "SBS96", "ID83"]
    assert flags.catalog_flags(["SBS288"], "genes.gtf", all_filters=True,
                               multi_snvs_in_sbs=True) == [
        "--contexts", "SBS288", "--annotation=genes.gtf", "--all-filters", "--multi-snvs-in-sbs"]
    assert flags.vcf_sample_flag("Tumor 1") == ["--vcf-sample=Tumor 1"]
    assert flags.vcf_sample_flag("") == [] and flags.vcf_sample_flag(None) == []
    assert flags.filters_flag(True) == ["--all-filters"] and flags.filters_flag(False) == []
    assert flags.vcf_refit_flags("a b.vcf", "g.fa", "-S1", "", all_filters=False) == [
        "--vcf=a b.vcf", "--reference=g.fa", "--sample-name=-S1"]
    assert flags.vcf_refit_flags("v.vcf", "g.fa", "S", "T", all_filters=True)[3:] == [
        "--vcf-sample=T", "--all-filters"]
    assert flags.vcf_refit_flags("v.vcf", "g.fa", "S", "", all_filters=False,
                                 regions="-genes of interest.bed")[3:] == [
        "--regions-of-interest=-genes of interest.bed"]


def test_matrix_flags() -> None:
    assert flags.pixel_flag({"features_are_pixels": [8, 8]}) == ["--pixels", "8,8"]
    assert flags.pixel_flag(None) == [] and flags.pixel_flag({"counts": True}) == []
    assert flags.counts_flag({"counts": True}) == ["--counts"]
    assert flags.counts_flag(checks.matrix_settings({"type": "joint"})) == []
    assert flags.blocks_flag("results/catalogs/J_blocks.tsv") == [
        "--blocks", "results/catalogs/J_blocks.tsv"]
    assert flags.blocks_flag("") == []


# Targets -----------------------------------------------------------------------------------


def test_discovery_products_name_every_chunk_rank_file_and_fold() -> None:
    files = targets.discovery_products("SBS96", range(2, 9), 2, cv_folds=5)
    assert len(files) == 7 * 2 + 7 * 5 + 5 and len(set(files)) == len(files)
    assert files[:3] == ["results/extract/SBS96/k2/chunks/chunk0.npz",
                         "results/extract/SBS96/k2/chunks/chunk1.npz",
                         "results/extract/SBS96/k3/chunks/chunk0.npz"]
    assert "results/extract/SBS96/k8/cv.npz" in files
    assert "results/extract/SBS96/provenance.json" in files
    without = targets.discovery_products("X", [3], 1, cv_folds=0)
    assert not [f for f in without if f.endswith("cv.npz")]
    assert targets.intermediates(files) == [f for f in files if f.endswith((".npz", ".json"))]


def test_vcf_and_generic_products() -> None:
    files = targets.vcf_products(["S1", "S2"], ["SBS96", "ID83", "SBS288"],
                                 ["SBS96", "ID83", "SBS288"], ["SBS96", "ID83"], "out/a")
    assert files[:3] == ["out/a/catalogs/samples/S1/SBS96.tsv",
                         "out/a/catalogs/samples/S1/ID83.tsv",
                         "out/a/catalogs/samples/S1/SBS288.tsv"]
    assert all(f.startswith("out/a/") for f in files)
    # every context is refitted to its de novo signatures; only covered ones to the reference
    assert "out/a/refit/SBS288/decomposition.tsv" in files
    assert "out/a/refit/ID83/reference/decomposition.tsv" in files
    assert not [f for f in files if f.startswith("out/a/refit/SBS288/reference")]
    assert "out/a/report/patients/S2.html" in files
    assert "out/a/patients/S1.html" in files and "out/a/patients/S2/exposures.tsv" in files
    assert len(targets.generic_products("BARS")) == 5
    joint = targets.generic_products("J", ["rna", "atac"], "elsewhere")
    assert joint[-2:] == ["elsewhere/joint/J/rna_signatures.tsv",
                          "elsewhere/joint/J/atac_signatures.tsv"]


def test_outdir_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert checks.check_outdir("results/cohort2/") == "results/cohort2"
    for bad in ("", "res{x}", ".", "./"):
        with pytest.raises(InputError, match="outdir"):
            checks.check_outdir(bad)
    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError, match="not a folder"):
        checks.check_outdir("file")
    with pytest.raises(InputError, match="lies below .*file, which is a file"):
        checks.check_outdir("file/results/cohort2")
    # one spelling, so that targets match and Snakemake does not warn on every rule
    assert checks.check_outdir("./results") == "results"
    assert checks.check_outdir("results/../results/") == "results"
    assert checks.check_outdir(str(tmp_path / "results")) == "results"
    for above in ("..", "/", str(tmp_path.parent)):  # the run directory would be inside it
        with pytest.raises(InputError, match="holds the run directory"):
            checks.check_outdir(above)


def reference_text(channel_set: str) -> str:
    """Two signatures of a shipped channel set as a user's TSV."""
    table = load_reference("COSMIC_v3.6", channel_set=channel_set).data.iloc[:, :2]
    return table.to_csv(sep="\t")


def test_reference_contexts_follow_the_signature_set(tmp_path: Path) -> None:
    contexts = ["SBS96", "DBS78", "ID83", "SBS1536"]
    assert checks.reference_contexts("COSMIC_v3.6", contexts, "GRCh37") == [
        "SBS96", "DBS78", "ID83"]
    assert checks.reference_contexts("denovo", contexts, "GRCh37",
                                     key="refit.signatures") == contexts
    table = tmp_path / "mine.tsv"
    table.write_text(reference_text("DBS78"))
    assert checks.reference_contexts(str(table), contexts, "GRCh37") == ["DBS78"]
    with pytest.raises(InputError, match="catalog.contexts counts SBS96"):
        checks.reference_contexts(str(table), ["SBS96"], "GRCh37")


def test_renamed_config_keys_name_their_new_place() -> None:
    error = SimpleNamespace(path=["refit"], validator="additionalProperties",
                            schema={"properties": {"method": {}}},
                            instance={"reference": "COSMIC_v3.6", "method": "negbin"},
                            message="")
    message = checks.schema_error_message(error, "config (my.yaml)")
    assert "refit.reference' was renamed" in message and "'signatures'" in message


@pytest.mark.parametrize(("path", "instance", "fix"), [
    (["extract"], None, "The section 'extract' is empty"),
    (["extract", "ranks"], "2-3", "ranks: {min: 2, max: 8}"),
    (["extract", "ranks"], [2, 3], "ranks: {min: 2, max: 8}")])
def test_a_value_where_a_section_belongs_gets_its_fix(path: list[str], instance: object,
                                                      fix: str) -> None:
    """'extract:' with every key commented out said "None is not of type 'object'", and the
    command line's '2-8' for ranks no more."""
    error = SimpleNamespace(path=path, validator="type", validator_value="object",
                            schema={}, instance=instance,
                            message=f"{instance!r} is not of type 'object'")
    assert fix in checks.schema_error_message(error, "config (my.yaml)")


def test_an_empty_path_is_named_empty() -> None:
    from sigforge.workflow.paths import not_a_file

    assert not_a_file("") == " is empty: no path is given"  # not "a folder" (the run dir)


# Checks ------------------------------------------------------------------------------------


def _table(path: Path, text: str) -> Path:
    path.write_bytes(text.encode())
    return path


@pytest.mark.parametrize(("text", "shape"), [
    ("f\ts0\ts1\na\t1\t2\nb\t3\t4\n", (2, 2)),
    ("f,s0,s1,s2\na,1,2,3\n", (1, 3)),
    ("f\ts0\r\na\t1\r\nb\t2", (2, 1)),  # CRLF, no line end after the last row
    ("\ufefff\ts0\ts1\n", (0, 2)),
])
def test_table_shape_reads_the_header_and_counts_lines(tmp_path: Path, text: str,
                                                       shape: tuple[int, int]) -> None:
    assert checks.table_shape(_table(tmp_path / "m.tsv", text)) == shape


def test_table_shape_of_parquet(tmp_path: Path) -> None:
    frame = pd.DataFrame({"feature": ["a", "b", "c"], "s0": [1.0, 2, 3], "s1": [0.0, 1, 2]})
    frame.to_parquet(tmp_path / "m.parquet", index=False)
    assert checks.table_shape(tmp_path / "m.parquet") == (3, 2)


def _matrix_config(path: Path) -> dict:
    return {"type": "matrix", "matrix": {"path": str(path), "counts": False, "depth": 10000}}


def test_cheap_shape_is_the_prepared_shape_and_bounds_the_raw(tmp_path: Path) -> None:
    """A job process reads the prepared table's header and line count: the shape the main
    process got by cleaning the input. Before it exists, the raw shape bounds it."""
    raw = _table(tmp_path / "in.tsv", "f\ts0\ts1\ts2\na\t1\t0\t2\nb\t0\t0\t0\nc\t3\t0\t1\n")
    config = _matrix_config(raw)
    thorough = checks.input_shape(config)
    assert thorough == (2, 2)  # the zero row b and the zero column s1 are dropped
    prepared = tmp_path / "prepared.tsv"
    assert checks.input_shape(config, thorough=False, prepared=prepared) == (3, 3)
    write_matrix(pd.DataFrame([[1.0, 2], [3, 1]], index=["a", "c"], columns=["s0", "s2"]),
                 prepared, label="Feature")
    assert checks.input_shape(config, thorough=False, prepared=prepared) == thorough


def test_cheap_shape_of_the_bundled_matrix_and_joint_examples(tmp_path: Path) -> None:
    for name in ("matrix_example", "joint_example"):
        config = yaml.safe_load((REPO / f"config/{name}.yaml").read_text())
        config = _absolute(config)
        raw = checks.input_shape(config, thorough=False)
        clean = checks.input_shape(config)
        assert raw[0] >= clean[0] and raw[1] >= clean[1], (name, raw, clean)


def _absolute(config: dict) -> dict:
    """The example config with its input paths made absolute (tests run from anywhere)."""
    if config["type"] == "joint":
        for modality in config["joint"]["modalities"]:
            modality["path"] = str(REPO / modality["path"])
    else:
        config["matrix"]["path"] = str(REPO / config["matrix"]["path"])
    return config


def test_the_thorough_check_still_names_the_bad_cell(tmp_path: Path) -> None:
    bad = _table(tmp_path / "bad.tsv", "f\ts0\ts1\na\t1\t2\nb\t3\t-4\n")
    with pytest.raises(InputError, match="line 3, column 's1': expected a nonnegative"):
        checks.input_shape(_matrix_config(bad))
    assert checks.input_shape(_matrix_config(bad), thorough=False) == (2, 2)


def test_matrix_settings_default_for_joint_configs() -> None:
    assert checks.matrix_settings({"type": "joint"}) == {"counts": False, "depth": 10000}
    assert checks.matrix_settings({"matrix": {"counts": True}}) == {"counts": True}


def test_schema_failure_names_the_sheet_line() -> None:
    import jsonschema

    schema = {"type": "object", "properties": {"sample_id": {"type": "string",
                                                             "pattern": "^[^./]"}}}
    error = next(jsonschema.Draft202012Validator(schema).iter_errors({"sample_id": "../x"}))
    text = checks.schema_failure("Error validating row 1 of data frame.", error,
                                 "samples sheet s.tsv", lines=[2, 5])
    assert text is not None and text.startswith("samples sheet s.tsv, line 5: key 'sample_id'")
    assert checks.schema_failure("other", ValueError("x"), "config") is None


def test_config_source_names_the_files() -> None:
    assert checks.config_source([]) == "config (config/config.yaml)"
    assert checks.config_source([Path("a.yaml"), "b.yaml"]) == "config (a.yaml, b.yaml)"


# The reference index -----------------------------------------------------------------------


def test_largest_contig_before_and_after_the_index(tmp_path: Path) -> None:
    fasta = write_fasta(tmp_path / "g.fa", {"c1": "ACGT" * 50, "c2": "A" * 500})
    assert largest_contig(fasta) == 500
    Path(f"{fasta}.fai").unlink()
    assert largest_contig(fasta) == fasta.stat().st_size >= 500  # an upper bound, no index built
    assert not Path(f"{fasta}.fai").exists()


def test_largest_contig_of_an_unindexed_bgzip_fasta_is_an_upper_bound(tmp_path: Path) -> None:
    plain = write_fasta(tmp_path / "g.fa", {"c1": "ACGT" * 40000})  # 3 BGZF blocks
    packed = tmp_path / "g.fa.gz"
    pysam.tabix_compress(str(plain), str(packed))
    assert largest_contig(packed) == plain.stat().st_size  # the uncompressed size
    assert not Path(f"{packed}.fai").exists()


def test_index_fasta_builds_the_index_and_logs_it(tmp_path: Path) -> None:
    fasta = write_fasta(tmp_path / "g.fa", {"c1": "ACGT" * 50, "c2": "A" * 500})
    expected = Path(f"{fasta}.fai").read_bytes()
    Path(f"{fasta}.fai").unlink()
    log = tmp_path / "faidx.log"
    assert index_fasta(fasta, log=log) == Path(f"{fasta}.fai")
    assert Path(f"{fasta}.fai").read_bytes() == expected
    assert "2 contig(s), the longest 500 bases" in log.read_text()
    with gzip.open(tmp_path / "plain.fa.gz", "wt") as handle:
        handle.write(">c1\nACGT\n")
    with pytest.raises(InputError, match="not bgzip-compressed"):
        index_fasta(tmp_path / "plain.fa.gz")


def test_the_workflow_package_never_imports_snakemake() -> None:
    code = ("import sys, sigforge.workflow, sigforge.genomics.genome; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'snakemake'))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.strip() == "[]"


def test_what_the_workflow_imports_while_snakemake_parses_it_leaves_out_numba_and_scipy(
        ) -> None:
    """Every snakemake command (dry runs too) parses common.smk, which imported
    sigforge.discovery for chunk_ranges and the groups: numba and SciPy with it, about a
    second of a 3.4 s dry run. The parse-time imports of common.smk, in a fresh interpreter,
    leave both out; the package still gives every name on first use."""
    smk = (Path(__file__).parents[2] / "workflow/rules/common.smk").read_text()
    imports = [line for line in smk.splitlines()
               if line.startswith(("from sigforge", "import sigforge"))]
    assert any("chunk_ranges" in line for line in imports)
    code = ("import sys\n" + "\n".join(imports) + "\n"
            "import sigforge.discovery.groups\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'numba', 'scipy', "
            "'sklearn', 'matplotlib'}))\n"
            "import sigforge.discovery as d\n"
            "print(d.chunk_ranges(5, 2), d.NMFOptions.__name__, 'numba' in sys.modules)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    loaded, names = run.stdout.strip().splitlines()
    assert loaded == "[]", loaded
    assert names == "[range(0, 2), range(2, 4), range(4, 5)] NMFOptions True"


def test_check_reference_refuses_a_bad_fasta_without_indexing(tmp_path: Path) -> None:
    from sigforge.genomics.genome import check_reference

    fasta = write_fasta(tmp_path / "g.fa", {"c1": "ACGT" * 50})
    Path(f"{fasta}.fai").unlink()
    check_reference(fasta)
    assert not Path(f"{fasta}.fai").exists()
    (tmp_path / "v.fa").write_text("##fileformat=VCFv4.2\n")
    with pytest.raises(InputError, match="does not start with a '>' header"):
        check_reference(tmp_path / "v.fa")


def test_unknown_tumour_type_fails_before_any_job() -> None:
    checks.check_tumour_type("Liver-HCC")
    checks.check_tumour_type("none")
    checks.check_tumour_type("liver_hcc")  # any case, '_' for '-': the refit jobs accept it
    with pytest.raises(InputError, match=r"'Liver-HC'.*Did you mean Liver-HCC\?.*pan-cancer"):
        checks.check_tumour_type("Liver-HC")


PAGE = '<!DOCTYPE html><html><head><meta name="generator" content="sigforge"></head></html>'


def test_outputs_of_samples_left_out_of_the_sheet_are_removed(tmp_path: Path) -> None:
    out = tmp_path / "results"
    for stem in ("S1", "S2", "S10", "S1_B"):
        (out / "catalogs/samples" / stem).mkdir(parents=True)
        (out / "catalogs/samples" / stem / "SBS96.tsv").write_text("counts")
        (out / "patients" / stem / "DBS78").mkdir(parents=True)
        (out / "patients" / stem / "exposures.tsv").write_text("table")
        (out / "patients" / stem / "DBS78/exposures.tsv").write_text("table")
        (out / "patients" / f"{stem}.html").write_text(PAGE)
        (out / "report/patients").mkdir(parents=True, exist_ok=True)
        (out / "report/patients" / f"{stem}.html").write_text(PAGE)
        (out / "figures/patients").mkdir(parents=True, exist_ok=True)
        (out / "figures/patients" / f"{stem}_spectrum.png").write_text("png")
        (out / "figures/patients" / f"{stem}_DBS78.svg").write_text("svg")
    (out / "patients/notes.txt").write_text("a user's file is not ours to delete")
    notes = stale.remove_stale_outputs(str(out), ["S1", "S10"], dry_run=True)
    assert len(notes) == 1 and "12 output(s)" in notes[0] and "a real run deletes" in notes[0]
    assert (out / "patients/S2.html").exists()
    stale.remove_stale_outputs(str(out), ["S1", "S10"], dry_run=False)
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    kept = [f"{folder}/{stem}{name}" for stem in ("S1", "S10") for folder, name in (
        ("catalogs/samples", "/SBS96.tsv"), ("figures/patients", "_DBS78.svg"),
        ("figures/patients", "_spectrum.png"), ("patients", ".html"),
        ("patients", "/DBS78/exposures.tsv"), ("patients", "/exposures.tsv"),
        ("report/patients", ".html"))]
    assert left == sorted([*kept, "patients/notes.txt"])  # S1_B's figures went, not S1's
    assert stale.remove_stale_outputs(str(out), ["S1", "S10"], dry_run=False) == []


def test_what_the_workflow_did_not_write_is_never_removed(tmp_path: Path) -> None:
    """An outdir whose patients/ folders hold the input VCFs (and a page a user wrote) lost
    them when the sheet no longer named those folders' samples."""
    out = tmp_path / "proj"
    inputs = out / "patients/pid001"
    inputs.mkdir(parents=True)
    (inputs / "tumour.vcf").write_text("##fileformat=VCFv4.2\n")
    (out / "catalogs/samples/old").mkdir(parents=True)
    (out / "catalogs/samples/old/SBS96.tsv").write_text("counts")
    (out / "catalogs/samples/old/mine.txt").write_text("notes")
    (out / "patients/summary.html").write_text("<html>a user's page</html>")
    notes = stale.remove_stale_outputs(str(out), ["T1"], dry_run=False)
    assert (inputs / "tumour.vcf").exists() and (out / "patients/summary.html").exists()
    assert (out / "catalogs/samples/old/SBS96.tsv").exists()
    assert len(notes) == 1 and "left alone 3 path(s)" in notes[0]
    assert "patients/pid001" in notes[0] and "Move them out of" in notes[0]


def test_paths_written_relative_to_the_sheets_folder_are_noticed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """data/samples.tsv naming vcfs/S1.vcf (beside the sheet): the message named the run
    directory only; it now says where the paths do exist and how to write them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data/vcfs").mkdir(parents=True)
    (tmp_path / "data/vcfs/S1.vcf").write_text("##fileformat=VCFv4.2\n")
    (tmp_path / "genome.fa").write_text(">chr1\nACGT\n")
    sheet = pd.DataFrame({"sample_id": ["S1"], "vcf": ["vcfs/S1.vcf"], "sheet_line": [2]})
    with pytest.raises(InputError, match=r"exist relative to the sheet's folder \(data\): "
                       r"write them relative to the run directory \('data/vcfs/S1.vcf'\)"):
        checks.check_inputs("genome.fa", sheet, sheet_path="data/samples.tsv")
    with pytest.raises(InputError) as caught:  # a sheet in the run directory: no such hint
        checks.check_inputs("genome.fa", sheet, sheet_path="samples.tsv")
    assert "sheet's folder" not in str(caught.value)


def test_check_inputs_names_a_folder_given_as_a_vcf(tmp_path: Path) -> None:
    reference = tmp_path / "genome.fa"
    reference.write_text(">chr1\nACGT\n")
    (tmp_path / "S1").mkdir()
    sheet = pd.DataFrame({"sample_id": ["S1", "S2"], "vcf": [str(tmp_path / "S1"),
                                                             str(tmp_path / "S2.vcf")],
                          "sheet_line": [2, 3]})
    with pytest.raises(InputError) as caught:
        checks.check_inputs(str(reference), sheet)
    message = str(caught.value)
    assert f"VCF '{tmp_path / 'S1'}' of sample 'S1' (samples sheet, line 2) is a folder" in message
    assert f"VCF '{tmp_path / 'S2.vcf'}' of sample 'S2' (samples sheet, line 3)" in message
    assert "S2.vcf' of sample 'S2' (samples sheet, line 3) is a folder" not in message


# Config values a shell would expand, signature sets, the shipped config, rerun triggers ------


@pytest.mark.parametrize("value", ["~/sigres", "~", "~other/sigres", "$HOME/sigres",
                                   "${HOME}/sigres", "results/$USER"])
def test_outdir_a_shell_would_expand_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                value: str) -> None:
    """outdir: ~/x made a folder named '~' in the run directory (and $HOME/x one named
    '$HOME'): refused before any job, naming the key, even once such a folder exists."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "~").mkdir()
    (tmp_path / "$HOME").mkdir()
    with pytest.raises(InputError) as caught:
        checks.check_outdir(value, "config (my.yaml)")
    message = str(caught.value)
    assert message.startswith(f"config (my.yaml): key outdir: {value!r} ")
    assert "is not expanded" in message and "Give an absolute path" in message


def test_the_refusal_shows_the_expanded_path(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", "/home/me")
    monkeypatch.delenv("SIGFORGE_UNSET_VARIABLE", raising=False)
    with pytest.raises(InputError, match="starts with '~'.*such as /home/me/res"):
        checks.check_outdir("~/res")
    with pytest.raises(InputError, match=r"shell variable \$HOME.*such as /home/me/res"):
        checks.check_outdir("$HOME/res")
    with pytest.raises(InputError) as caught:
        checks.check_outdir("$SIGFORGE_UNSET_VARIABLE/res")
    assert "such as" not in str(caught.value)  # no example where the variable is unset
    assert checks.check_outdir("results/cohort$") == "results/cohort$"  # no variable there


def test_input_paths_a_shell_would_expand_say_so(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """samples, reference, VCFs and the BED and annotation keys spelled with '~' or $VAR are
    not found; the message says why. A file that exists as written is taken."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match="key samples: '~/sheet.tsv' starts with '~', which "
                                         "is not expanded"):
        configs.check_samples_path("~/sheet.tsv")
    (tmp_path / "~sheet.tsv").write_text("sample_id\tvcf\n")
    configs.check_samples_path("~sheet.tsv")
    with pytest.raises(InputError, match=r"key refit.regions_of_interest: .*'\$HOME/roi.bed' "
                                         r"not found .*'~' and \$VARIABLES are not expanded"):
        configs.check_input_path("$HOME/roi.bed", "refit.regions_of_interest", "BED file")
    with pytest.raises(InputError, match=r"catalog.regions: .*are not expanded"):
        checks.check_assay("regions", "~/baits.bed")
    sheet = pd.DataFrame({"sample_id": ["S1"], "vcf": ["~/S1.vcf"], "sheet_line": [2]})
    with pytest.raises(InputError) as caught:
        checks.check_inputs("~/genome.fa", sheet)
    assert str(caught.value).count("are not expanded") == 2


def test_the_reference_set_is_never_denovo(tmp_path: Path) -> None:
    """Top-level `signatures: denovo` passed the checks, then every refit job failed on
    --decompose-into denovo: refused before any job, naming the key."""
    contexts = ["SBS96", "DBS78"]
    with pytest.raises(InputError) as caught:
        checks.reference_contexts("denovo", contexts, "GRCh37", source="config (my.yaml)")
    message = str(caught.value)
    assert message.startswith("config (my.yaml): key signatures: 'denovo' is only valid for "
                              "refit.signatures")
    assert "COSMIC_v3.6" in message
    assert checks.reference_contexts("denovo", contexts, "GRCh37",
                                     key="refit.signatures") == contexts


@pytest.mark.parametrize(("key", "value", "hint"), [
    ("signatures", "cosmic_v3.6", "Did you mean 'COSMIC_v3.6'? Names are case-sensitive."),
    ("signatures", "COSMIC_v3.5", "Did you mean 'COSMIC_v3.6'?"),
    ("refit.signatures", "DeNovo", "Did you mean 'denovo'?"),
    ("refit.signatures", "~/sigs.tsv", "'~' and $VARIABLES are not expanded"),
])
def test_a_signature_set_that_is_no_name_nor_file_names_its_key(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str, value: str,
        hint: str) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        checks.reference_contexts(value, ["SBS96"], "GRCh37", key=key, source="config (c.yaml)")
    message = str(caught.value)
    assert message.startswith(f"config (c.yaml): key {key}: {value!r} is neither a shipped "
                              "signature set (COSMIC_v3.6) nor an existing file")
    assert hint in message
    (tmp_path / "folder").mkdir()
    with pytest.raises(InputError, match=f"key {key}: 'folder' is a folder"):
        checks.reference_contexts("folder", ["SBS96"], "GRCh37", key=key)


def test_signature_tables_are_inputs_only_when_files(tmp_path: Path) -> None:
    table = tmp_path / "mine.tsv"
    table.write_text(reference_text("SBS96"))
    assert configs.signature_table_files(str(table)) == [str(table)]
    assert configs.signature_table_files("COSMIC_v3.6") == []
    assert configs.signature_table_files("denovo") == []
    assert configs.signature_table_files(str(tmp_path / "absent.tsv")) == []


def test_the_shipped_config_lies_beside_the_snakefile(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped config was config/config.yaml of the run directory: a stray one there was
    merged under the user's file (and none there skipped the shipped defaults)."""
    (tmp_path / "config").mkdir()
    (tmp_path / "config/config.yaml").write_text("seed: 12345\n")
    monkeypatch.chdir(tmp_path)
    shipped = configs.shipped_config(REPO)
    assert shipped == str(REPO / "config/config.yaml") and Path(shipped).is_file()
    assert configs.shipped_config(".") == str(tmp_path / "config/config.yaml")
    config = {**DEMO, "samples": "mine.tsv"}
    with pytest.raises(InputError, match=f"falls back to {shipped}'s"):
        configs.check_user_config(config, configs.UserConfig(("my.yaml",), {"samples": "x"}),
                                  shipped)
    monkeypatch.chdir(REPO)  # below the run directory: shown relative, as before
    with pytest.raises(InputError, match="falls back to config/config.yaml's"):
        configs.check_user_config(config, configs.UserConfig(("my.yaml",), {"samples": "x"}),
                                  shipped)


def test_named_settings_change_when_any_setting_does() -> None:
    """Snakemake's params trigger compares the set of param values without names:
    min_component_stability 0.2 -> 0.8 beside min_mean_stability 0.8 and
    drop_below_stability 0.2 left that set as it was. The named entry differs."""
    before = {"mean": 0.8, "component": 0.2, "drop": 0.2}
    after = {"mean": 0.8, "component": 0.8, "drop": 0.2}
    assert set(before.values()) == set(after.values())
    assert repr(flags.named_settings(**before)) != repr(flags.named_settings(**after))
    # the order the config files list keys in changes nothing
    assert repr(flags.named_settings(rank={"b": 1, "a": [{"y": 2, "x": 3}]}, seed=1)) == repr(
        flags.named_settings(seed=1, rank={"a": [{"x": 3, "y": 2}], "b": 1}))
    assert flags.named_settings(rank={"b": 1, "a": 2}) == {"rank": {"a": 2, "b": 1}}


def test_first_or_none_of_an_optional_input() -> None:
    assert flags.first_or_none([]) is None
    assert flags.first_or_none(["a.bed"]) == "a.bed"
    assert flags.first_or_none("a b/signatures.tsv") == "a b/signatures.tsv"


def test_nested_command_line_values_are_typed_as_a_file_types_them() -> None:
    """Snakemake reads --config 'extract={replicates: 8}' with YAML's base loader: '8' was
    refused as "not of type 'integer'". Text is kept where the schema takes text, or where
    the value is of no type the key takes (left for the schema to refuse)."""
    from sigforge.workflow import config_numbers

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    overrides = {"extract": {"replicates": "8", "tol": "1.0e-6", "ranks": {"max": "3"},
                             "resampling": "poisson", "starts": "many"},
                 "catalog": {"all_filters": "true", "contexts": ["SBS96"]},
                 "rank": {"fixed": "null"}, "refit": {"restrict_to": "null",
                                                      "tumour_type": "123"},
                 "seed": "abc"}
    config = {"extract": {**overrides["extract"], "ranks": {"min": 2, "max": "3"}},
              "catalog": {"all_filters": "true", "contexts": ["SBS96"]},
              "rank": {"fixed": "null"}, "refit": {"restrict_to": "null", "tumour_type": "123"},
              "seed": "abc"}
    config_numbers.typed_overrides(config, overrides, schema)
    assert config["extract"] == {"replicates": 8, "tol": 1e-6, "ranks": {"min": 2, "max": 3},
                                 "resampling": "poisson", "starts": "many"}
    assert config["catalog"] == {"all_filters": True, "contexts": ["SBS96"]}
    assert config["rank"]["fixed"] is None and config["refit"]["restrict_to"] is None
    assert config["refit"]["tumour_type"] == "123"  # a text key keeps its text
    assert config["seed"] == "abc"
    assert checks.config_source(["c.yaml"], command_line=True) == "config (c.yaml, --config)"


def test_malformed_bed_files_of_the_config_fail_before_any_job(tmp_path: Path) -> None:
    """They used to pass the dry run and fail in every patient (or catalog) job."""
    good, bad = tmp_path / "good.bed", tmp_path / "bad.bed"
    good.write_text("chr1\t100\t500\tgeneA\n")
    bad.write_text("chr1\t100\t500\tgeneA\nchr1\t900\t800\tgeneB\n")
    bed_checks.check_bed_files(str(good), str(good))
    bed_checks.check_bed_files(None, None)
    with pytest.raises(InputError, match=r"config key refit.regions_of_interest: .*bad.bed, "
                                         r"line 2: end 800 is not greater than start 900"):
        bed_checks.check_bed_files(str(bad), None)
    with pytest.raises(InputError, match=r"config key catalog.regions: .*bad.bed, line 2"):
        bed_checks.check_bed_files(None, str(bad))


def test_config_beds_on_contigs_the_fasta_lacks_fail_before_any_job(tmp_path: Path) -> None:
    """With the FASTA indexed, a regions-of-interest BED none of whose contigs it has, or a
    catalog.regions BED on another contig, passed the dry run and failed in the jobs (the
    cause only in a job's log, under the command line's option)."""
    from tests.conftest import write_fasta

    fasta = write_fasta(tmp_path / "g.fa", {"chr1": "ACGT" * 50})
    foreign, known = tmp_path / "chrZ.bed", tmp_path / "known.bed"
    foreign.write_text("chrZ\t1\t50\n")
    known.write_text("1\t1\t50\n")  # chr1 under its alias
    bed_checks.check_bed_files(str(foreign), str(foreign), None)  # no index yet: jobs check
    pysam.faidx(str(fasta))
    bed_checks.check_bed_files(str(known), str(known), str(fasta))
    with pytest.raises(InputError, match=r"config key refit.regions_of_interest: .*chrZ.bed, "
                                         r"line 1: none of the BED's contigs \(chrZ\)"):
        bed_checks.check_bed_files(str(foreign), None, str(fasta))
    with pytest.raises(InputError, match=r"config key catalog.regions: .*chrZ.bed, line 1: "
                                         r"contig 'chrZ' is not in the reference FASTA"):
        bed_checks.check_bed_files(None, str(foreign), str(fasta))
    long = tmp_path / "long.bed"
    long.write_text("chr1\t1\t5000\n")
    with pytest.raises(InputError, match=r"line 1: region ends at 5,000, past the end of chr1"):
        bed_checks.check_bed_files(str(long), None, str(fasta))


def test_every_unknown_config_key_is_named_at_once() -> None:
    """A schema error names the first unknown key only: three typos took three runs."""
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    config = {**DEMO, "rank": {**DEMO["rank"], "cv_fold": 2, "fixd": 3},
              "refit": {**DEMO["refit"], "tumor_type": "Breast"}}
    message = checks.unknown_keys_message(config, schema, "config (my.yaml)")
    assert message is not None and message.startswith("config (my.yaml): 3 unknown keys:")
    for note in ("'rank.cv_fold' (did you mean 'cv_folds'?)", "'rank.fixd' (did you mean "
                 "'fixed'?)", "'refit.tumor_type' (did you mean 'tumour_type'?)"):
        assert note in message
    one = {**DEMO, "rank": {**DEMO["rank"], "cv_fold": 2}}
    assert checks.unknown_keys_message(one, schema) is None  # the usual message names it


def test_an_sbs288_reference_set_decomposes_sbs288_signatures_as_they_are() -> None:
    assert flags.decompose_flags("SBS288", "my288.tsv", ["SBS288"]) == [
        "--decompose-into=my288.tsv"]


@pytest.mark.parametrize("name", ["P01_" + "0" * 20, "ab" * 20, "x" + "AC" * 30, "q" * 150])
def test_a_name_snakemake_takes_for_a_recursion_is_refused_by_its_sheet_line(name: str) -> None:
    """A sample_id ending in 20 copies of one piece passed the sheet's checks, then Snakemake
    stopped the run with a PeriodicWildcardError about its own internals: refused first,
    with the line and a name to use, for every name Snakemake's own detector flags."""
    from snakemake.io import PeriodicityDetector

    assert PeriodicityDetector().is_periodic(name) is not None  # Snakemake would refuse it
    sheet = pd.DataFrame({"sample_id": ["ok", name], "stem": ["ok", name],
                          "sheet_line": [2, 3]})
    with pytest.raises(InputError, match=r"sheet.tsv, line 3: sample_id '.*' ends in \d+ "
                                         r"copies of .*PeriodicWildcardError.*Rename it"):
        wildcard_names.check_wildcard_names(sheet, "sheet.tsv")


@pytest.mark.parametrize("name", ["P01_" + "0" * 19, "ab" * 19 + "a", "S" + "0" * 19 + "1"])
def test_a_name_with_fewer_repeats_is_accepted(name: str) -> None:
    """Nineteen copies, or a repeat that is not at the end, is no recursion to Snakemake."""
    from snakemake.io import PeriodicityDetector

    assert PeriodicityDetector().is_periodic(name) is None
    sheet = pd.DataFrame({"sample_id": [name], "stem": [name], "group": ["g" * 19],
                          "sheet_line": [2]})
    wildcard_names.check_wildcard_names(sheet, "sheet.tsv")
    sheet["group"] = ["G" * 20]
    with pytest.raises(InputError, match=r"group 'G{20}' ends in 20 copies of 'G'"):
        wildcard_names.check_wildcard_names(sheet, "sheet.tsv")


def test_logs_and_time_records_of_samples_left_out_are_removed(tmp_path: Path) -> None:
    """A removed sample's catalog and patient logs and time records stayed behind; the
    cohort's own logs beside them (the merge's) are not a sample's."""
    out = tmp_path / "results"
    for folder, suffix in stale.SAMPLE_RECORDS:
        (out / folder).mkdir(parents=True)
        for stem in ("S1", "S2"):
            (out / folder / f"{stem}{suffix}").write_text("record")
        (out / folder / "notes.txt").write_text("a user's file")
    (out / "logs/catalog/merge.log").write_text("the cohort merge's log")
    stale.remove_stale_outputs(str(out), ["S1"], dry_run=False)
    left = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert left == sorted(["logs/catalog/merge.log",
                           *(f"{folder}/{name}" for folder, suffix in stale.SAMPLE_RECORDS
                             for name in (f"S1{suffix}", "notes.txt"))])


def test_a_sample_named_like_a_cohort_job_keeps_its_own_log() -> None:
    """A sample 'merge' wrote its catalog log to logs/catalog/merge.log, which the cohort
    merge then overwrote: per-sample logs and records have folders of their own."""
    rules = (REPO / "workflow/rules/catalog.smk").read_text()
    assert 'out("logs/catalog/samples/{stem}.log")' in rules
    assert 'out("benchmarks/catalog/samples/{stem}.tsv")' in rules
    assert 'out("logs/catalog/merge.log")' in rules


def test_cross_validation_settings_nothing_reads_are_the_jobs_defaults() -> None:
    """rank.cv_block: 0.3 under cv_scheme entries was warned of as having no effect, yet it
    reran every cross-validation job and the rank choice, and was recorded as used."""
    from sigforge.workflow import inert

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    rank = {"cv_folds": 5, "cv_scheme": "entries", "cv_holdout": 0.15, "cv_block": 0.3,
            "cv_starts": 2, "cv_max_iter": 900, "fixed": None}
    block = schema["properties"]["rank"]["properties"]["cv_block"]["default"]
    assert block != 0.3
    assert inert.effective_cv(rank, schema) == {**rank, "cv_block": block}
    blocks = {**rank, "cv_scheme": "blocks"}
    holdout = schema["properties"]["rank"]["properties"]["cv_holdout"]["default"]
    assert inert.effective_cv(blocks, schema) == {**blocks, "cv_holdout": holdout}
    off = inert.effective_cv({**rank, "cv_folds": 0}, schema)
    defaults = schema["properties"]["rank"]["properties"]
    assert off["cv_block"] == block and off["cv_holdout"] == holdout and off["cv_folds"] == 0
    assert off["cv_starts"] == defaults["cv_starts"]["default"]
    assert off["cv_max_iter"] == defaults["cv_max_iter"]["default"]
    assert rank["cv_block"] == 0.3  # the config itself is not changed


@pytest.mark.parametrize(("value", "said"), [
    ("-o", "starts with '-', which the commands would read as an option"),
    ("out ", "spaces around it ('out ')"),
    (" out", "spaces around it (' out')"),
    ("results/a\nb", "a line break, a tab"),
    ("x" * 300, "a folder name of 300 bytes"),
])
def test_an_outdir_every_job_would_fail_on_is_refused_by_its_key(
        value: str, said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'-o' passed the checks and every job then failed ('--out: expected one argument');
    a 300-byte folder name gave an OSError traceback; spaces or a line break around a folder
    name were accepted, with hundreds of Snakemake warnings."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError, match=re.escape(said)) as caught:
        checks.check_outdir(value)
    assert "key outdir" in str(caught.value)
    assert checks.check_outdir("results/cohort 2") == "results/cohort 2"


def test_a_second_run_into_one_outdir_is_refused_naming_the_first(tmp_path: Path) -> None:
    """Two runs from two run folders whose configs name one outdir both started (Snakemake
    locks the run folder, not the outputs) and deleted each other's outputs. The run that
    starts jobs locks the outdir folder; a second is refused, naming it; nothing is written
    into the results."""
    from sigforge.workflow import run_lock

    outdir = tmp_path / "shared"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nfrom sigforge.workflow import run_lock\n"
         f"run_lock.lock_outdir({str(outdir)!r})\nprint('held', flush=True)\ntime.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        here = re.escape(os.getcwd())
        with pytest.raises(InputError, match=rf"another Snakemake run is writing into it \(pid "
                                             rf"{holder.pid}, run folder {here}\).*wait for"):
            run_lock.lock_outdir(str(outdir))
    finally:
        holder.kill()
        holder.wait()
    run_lock.lock_outdir(str(outdir))  # the kernel dropped the killed run's lock
    run_lock.release()
    assert list(outdir.iterdir()) == []


def test_an_outdir_in_another_runs_folders_is_refused(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A second cohort with outdir results/report (the first's in results) deleted the
    first's 30 patient pages and figures as "samples no longer in the samples sheet", exit 0."""
    monkeypatch.chdir(tmp_path)
    for folder in ("results/catalogs", "results/logs", "results/report/patients"):
        (tmp_path / folder).mkdir(parents=True)
    with pytest.raises(InputError, match=r"'results/report/x' lies in .*results/report, a "
                                         r"folder of the run whose outdir is .*results"):
        checks.check_outdir("results/report/x")
    with pytest.raises(InputError, match="lies in"):
        checks.check_outdir("results/report")
    assert checks.check_outdir("results/cohort2") == "results/cohort2"  # side by side
    assert checks.check_outdir("results") == "results"  # the run itself, rerun
    for folder in ("other/patients/catalogs", "other/patients/logs"):
        (tmp_path / folder).mkdir(parents=True)
    with pytest.raises(InputError, match=r"holds the outdir of another run in its folder "
                                         r"patients/"):
        checks.check_outdir("other")
