"""Rerun triggers: a setting that changes a job's output reruns that job (and what reads its
output), and a rerun with nothing changed has nothing to do.

Snakemake reruns a job whose params changed, but it leaves a params function taking ``input``
out of that comparison, and it compares the params' values without their names. So catalog
settings and a sheet row's ``vcf_sample`` passed through such functions, a signature table
named by ``signatures`` but not declared as an input, and a rank setting changed to the value
another one has all reran nothing. Every test here is a dry run over one copy whose outputs
Snakemake has recorded as made with the baseline config (stand-in files, then
``--touch --forceall``, which records each job's params, inputs and code as a real run
does), edited one thing at a time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from tests.workflow.test_workflow import copy_workflow, job_counts, snakemake

from sigforge.genomics.reference import load_reference

pytestmark = pytest.mark.slow

#: Three samples, one of them a column of a two-sample VCF; a signature table of the user's;
#: SBS96 only, ranks 2-3, no cross-validation: a small graph.
BASELINE = {
    "samples": "sheet.tsv", "reference": "resources/example/genome.fa", "outdir": "results",
    "signatures": "mysigs.tsv", "catalog": {"contexts": ["SBS96"]},
    "extract": {"ranks": {"min": 2, "max": 3}, "replicates": 4, "replicates_per_chunk": 4},
    "rank": {"cv_folds": 0}, "refit": {"bootstrap": 10},
}
SHEET = ("sample_id\tvcf\tvcf_sample\n"
         "S01\tresources/example/vcfs/S01.vcf\t\n"
         "S03\tresources/example/vcfs/S03.vcf\t\n"
         "T1\ttwo_columns.vcf\tTUM\n")


def two_column_vcf(source: Path, dest: Path) -> None:
    """source's records as the column TUM of a VCF whose column NOR holds none of them."""
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith("#CHROM"):
            lines.append("\t".join([*line.split("\t")[:9], "TUM", "NOR"]))
        else:
            lines.append(line if line.startswith("#") else f"{line}\t0/0")
    dest.write_text("\n".join(lines) + "\n")


def stand_in(path: Path) -> None:
    """A stand-in for an output: a folder, a readable zip or JSON (the parse-time check of
    damaged intermediates reads those), or an empty file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.name == "figures":
        path.mkdir()
    elif path.suffix == ".npz":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("stand_in.npy", b"")
    elif path.suffix == ".json":
        path.write_text("{}")
    else:
        path.write_text("")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The copy, every output present and recorded as made with the baseline config."""
    workdir = copy_workflow(tmp_path_factory.mktemp("triggers"))
    two_column_vcf(workdir / "resources/example/vcfs/S02.vcf", workdir / "two_columns.vcf")
    (workdir / "sheet.tsv").write_text(SHEET)
    table = load_reference("COSMIC_v3.6").data.iloc[:, :5]
    table.to_csv(workdir / "mysigs.tsv", sep="\t")
    (workdir / "cfg.yaml").write_text(yaml.safe_dump(BASELINE))
    summary = snakemake(workdir, "--summary", "--configfile", "cfg.yaml")
    assert summary.returncode == 0, summary.stdout[-3000:]
    outputs = [line.split("\t")[0] for line in summary.stdout.splitlines()[1:] if "\t" in line]
    assert any(name.endswith("patients/T1.html") for name in outputs), summary.stdout[-3000:]
    for name in outputs:
        if not (workdir / name).exists():
            stand_in(workdir / name)
    touch = snakemake(workdir, "--touch", "--forceall", "--cores", "1", "--configfile",
                      "cfg.yaml")
    assert touch.returncode == 0, touch.stdout[-3000:]
    return workdir


@contextmanager
def edited(workdir: Path, name: str, edit: Callable[[str], str]) -> Iterator[None]:
    """File ``name`` of the copy changed by ``edit`` for the duration, then put back."""
    path = workdir / name
    text = path.read_text()
    path.write_text(edit(text))
    try:
        yield
    finally:
        path.write_text(text)


def with_config(**sections: dict) -> Callable[[str], str]:
    """An edit of the config file: sections merged into the baseline's (one level deep)."""
    def edit(text: str) -> str:
        config = yaml.safe_load(text)
        for key, value in sections.items():
            config[key] = {**config.get(key, {}), **value}
        return yaml.safe_dump(config)

    return edit


def planned(workdir: Path) -> dict[str, int]:
    """The jobs a dry run with the (edited) config plans, by rule."""
    run = snakemake(workdir, "-n", "--cores", "1", "--configfile", "cfg.yaml")
    assert run.returncode == 0, run.stdout[-3000:]
    counts = job_counts(run.stdout)
    assert counts or "Nothing to be done" in run.stdout, run.stdout[-3000:]
    return counts


def test_nothing_changed_has_nothing_to_do(recorded: Path) -> None:
    assert planned(recorded) == {}


@pytest.mark.parametrize("setting", ["all_filters", "multi_snvs_in_sbs"])
def test_a_catalog_setting_reruns_the_catalogs(recorded: Path, setting: str) -> None:
    """catalog.all_filters and catalog.multi_snvs_in_sbs reran nothing at all."""
    with edited(recorded, "cfg.yaml", with_config(catalog={setting: True})):
        counts = planned(recorded)
    assert counts["catalog_sample"] == 3 and counts["merge_catalogs"] == 1
    assert counts["nmf_chunk"] == 2 and counts["report"] == 1
    # the patient refits count the VCF too, filtered as the catalogs are
    assert counts.get("refit_patient", 0) == (3 if setting == "all_filters" else 0)


def test_a_rows_vcf_sample_reruns_its_catalog_and_patient_refit(recorded: Path) -> None:
    """T1's page kept the old column's exposures while its catalog had the new one's."""
    with edited(recorded, "sheet.tsv", lambda text: text.replace("\tTUM\n", "\tNOR\n")):
        counts = planned(recorded)
    assert counts["catalog_sample"] == 1 and counts["refit_patient"] == 1


def test_editing_the_reference_table_reruns_every_job_that_reads_it(recorded: Path) -> None:
    """The user's table (config `signatures`) dropped two signatures: the reference refit,
    the decomposition of the de novo signatures, the patient pages and the report all read
    it; discovery does not."""
    def drop_two(text: str) -> str:
        return "".join(line.rsplit("\t", 2)[0] + "\n" for line in text.splitlines())

    with edited(recorded, "mysigs.tsv", drop_two):
        counts = planned(recorded)
    assert counts["refit_reference"] == 1 and counts["refit"] == 1
    assert counts["refit_patient"] == 3 and counts["report"] == 1
    assert not {"catalog_sample", "nmf_chunk", "consensus", "select_rank"} & set(counts)


def test_a_rank_setting_changed_to_another_settings_value_reruns_the_choice(
        recorded: Path) -> None:
    """min_component_stability 0.2 -> 0.8 beside min_mean_stability 0.8 and
    drop_below_stability 0.2: the set of select_rank's param values stayed the same."""
    with edited(recorded, "cfg.yaml", with_config(rank={"min_component_stability": 0.8})):
        counts = planned(recorded)
    assert counts["select_rank"] == 1 and counts["report"] == 1
    assert not {"nmf_chunk", "consensus", "catalog_sample"} & set(counts)


def test_a_reference_table_restored_with_an_older_time_reruns_its_readers(
        recorded: Path) -> None:
    """The same edit with the file's time set a year back (cp -p, rsync -a, a restored
    backup): Snakemake compares times only, and nothing reran; the refits, pages and report
    kept the signatures the table no longer holds."""
    import os

    table = recorded / "mysigs.tsv"
    status = table.stat()

    def drop_two(text: str) -> str:
        return "".join(line.rsplit("\t", 2)[0] + "\n" for line in text.splitlines())

    with edited(recorded, "mysigs.tsv", drop_two):
        os.utime(table, ns=(status.st_atime_ns, status.st_mtime_ns - 365 * 86400 * 10 ** 9))
        counts = planned(recorded)
    assert counts["refit_reference"] == 1 and counts["refit"] == 1
    assert counts["refit_patient"] == 3 and counts["report"] == 1
    os.utime(table, ns=(status.st_atime_ns, status.st_mtime_ns - 365 * 86400 * 10 ** 9))
    assert planned(recorded) == {}  # the same bytes at an older time: nothing to do
    os.utime(table, ns=(status.st_atime_ns, status.st_mtime_ns))


def test_braces_in_an_input_path_are_named(recorded: Path) -> None:
    """A VCF or table under a folder named with braces stopped Snakemake with a WildcardError
    ('x') naming no key, sheet line or sample."""
    import shutil

    odd = recorded / "odd{x}"
    odd.mkdir()
    shutil.copy(recorded / "resources/example/vcfs/S01.vcf", odd / "S01.vcf")
    shutil.copy(recorded / "mysigs.tsv", odd / "sigs.tsv")
    try:
        with edited(recorded, "sheet.tsv",
                    lambda text: text.replace("resources/example/vcfs/S01.vcf", "odd{x}/S01.vcf")):
            run = snakemake(recorded, "-n", "--cores", "1", "--configfile", "cfg.yaml")
        assert run.returncode != 0
        assert "sheet.tsv, line 2 (sample 'S01'): vcf 'odd{x}/S01.vcf' holds '{'" in run.stdout
        assert "WildcardError" not in run.stdout
        with edited(recorded, "cfg.yaml", lambda text: text.replace("mysigs.tsv",
                                                                      "odd{x}/sigs.tsv")):
            run = snakemake(recorded, "-n", "--cores", "1", "--configfile", "cfg.yaml")
        assert run.returncode != 0
        assert "key signatures: 'odd{x}/sigs.tsv' holds '{'" in run.stdout, run.stdout[-2000:]
    finally:
        shutil.rmtree(odd)
