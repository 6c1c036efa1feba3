"""Hostile and mistaken workflow inputs: every value from a sheet or config reaches the shell
quoted, and every mistake stops the run before any job with one message naming the file, the
line or key, and the fix (no schema dump, no traceback, nothing written).

Every test works in a temporary copy of the workflow (as tests/workflow does).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from sigforge.genomics import read_catalog
from tests.robustness._harness import Outcome, record_case

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow

#: Markers a hostile value would create if any shell ran it (relative: jobs run in the copy).
MARKERS = ("pwned_id", "pwned_vcf", "pwned_col", "pwned_bt", "pwned_ref", "pwned_sig",
           "pwned_refset", "pwned_sheet", "pwned_mx", "pwned_yaml")
HOSTILE_ID = "T $(touch pwned_id) 'q' \"d\" `touch pwned_bt`"
HOSTILE_DIR = "resources/in $(touch pwned_vcf) 'it''s' \"x\" `touch pwned_bt`"
HOSTILE_COLUMN = "N $(touch pwned_col) `touch pwned_bt` 'q'"
HOSTILE_REF_DIR = "resources/ref $(touch pwned_ref) \"q\""
HOSTILE_SIGNATURES = "resources/sigs $(touch pwned_sig) 'q'/denovo.tsv"
HOSTILE_REFERENCE_SET = "COSMIC $(touch pwned_refset) `touch pwned_bt`"


def _env() -> dict[str, str]:
    """The environment for snakemake: our venv's bin first, so rules find `sigforge`."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def copy_workflow(dest: Path) -> Path:
    """Copy what a user clones (Snakefile, workflow, config, profiles, example inputs)."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "Snakefile", dest)
    shutil.copy(REPO / "environment.yml", dest)
    for folder in ("workflow", "config", "profiles", "resources/example",
                   "resources/matrix_example"):
        shutil.copytree(REPO / folder, dest / folder)
    return dest


def snakemake(workdir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Run snakemake in workdir; stdout and stderr merged."""
    return subprocess.run([str(BIN / "snakemake"), *args], cwd=workdir, env=_env(), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout,
                          check=False)


def message(output: str) -> str:
    """What the user reads as the error: the text after Snakemake's 'XError in file ...:'
    header, else from the first line mentioning an error, else the last lines."""
    lines = [line for line in output.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if re.match(r"^\w+(Error|Exception)( in file .*)?:$", line):
            return "\n".join(lines[i + 1:])
    for i, line in enumerate(lines):
        if "error" in line.lower():
            return "\n".join(lines[i:])
    return "\n".join(lines[-3:])


def assert_no_traceback(output: str) -> None:
    """No Python traceback: Snakemake may name where in workflow/rules the check stopped the run
    ('  File ".../workflow/rules/common.smk", line N'), never a frame of library code."""
    assert "Traceback" not in output, output
    frames = [line for line in output.splitlines() if line.startswith('  File "')]
    assert all("/workflow/rules/" in line for line in frames), frames


def record(case: str, run: subprocess.CompletedProcess[str]) -> str:
    """Record the case in the case table; return the message (a finished run: its last line
    saying so)."""
    done = re.findall(r"^.*(?:steps \(100%\) done|Nothing to be done|This was a dry-run|Unlock).*$",
                      run.stdout, flags=re.MULTILINE)
    text = done[-1] if run.returncode == 0 and done else message(run.stdout)
    record_case(case, Outcome(run.returncode, text))
    return text


def edit_config(workdir: Path, **sections: object) -> None:
    """Merge sections into config/config.yaml of the copy (one level deep)."""
    path = workdir / "config/config.yaml"
    config = yaml.safe_load(path.read_text())
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config))


def small_config(workdir: Path, n_samples: int = 10) -> None:
    """Ten samples, ranks 2-3, few iterations: a graph that is quick to build and run."""
    edit_config(workdir, extract={"ranks": {"min": 2, "max": 3}, "replicates": 4,
                                  "replicates_per_chunk": 2, "max_iter": 100, "min_iter": 20},
                rank={"cv_folds": 2, "cv_max_iter": 50}, refit={"bootstrap": 5})
    rows = [f"S{i:02d}\tresources/example/vcfs/S{i:02d}.vcf" for i in range(1, n_samples + 1)]
    (workdir / "config/samples.tsv").write_text("sample_id\tvcf\n" + "\n".join(rows) + "\n")


def assert_no_markers(workdir: Path) -> None:
    """No hostile value was executed by a shell anywhere in the copy."""
    made = [m for m in MARKERS if (workdir / m).exists()]
    assert not made, made


def two_sample_vcf(source: Path, dest: Path, columns: list[str]) -> None:
    """A multi-sample VCF: source's records with its genotype repeated for each column."""
    lines = []
    for line in source.read_text().splitlines():
        if line.startswith("##"):
            lines.append(line)
        elif line.startswith("#CHROM"):
            lines.append("\t".join(line.split("\t")[:9] + columns))
        else:
            fields = line.split("\t")
            lines.append("\t".join(fields + [fields[9]] * (len(columns) - 1)))
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n")


def hostile_copy(tmp_path: Path) -> Path:
    """A copy whose sheet, VCF paths, VCF columns, reference and refit names are hostile."""
    workdir = copy_workflow(tmp_path / "wf")
    small_config(workdir, n_samples=3)
    example = workdir / "resources/example"
    hostile_dir = workdir / HOSTILE_DIR
    hostile_dir.mkdir(parents=True)
    shutil.copy(example / "vcfs/S02.vcf", hostile_dir / "S02 $(touch pwned_vcf) 'x'.vcf")
    two_sample_vcf(example / "vcfs/S01.vcf", hostile_dir / "multi `touch pwned_bt`.vcf",
                   ["Tumor 1", HOSTILE_COLUMN])
    (workdir / HOSTILE_REF_DIR).mkdir(parents=True)
    shutil.copy(example / "genome.fa", workdir / HOSTILE_REF_DIR / "genome.fa")
    signatures = workdir / HOSTILE_SIGNATURES
    signatures.parent.mkdir(parents=True)
    # restrict_to names HOSTILE_REFERENCE_SET: a signature of that name must exist.
    truth = (example / "truth_signatures.tsv").read_text()
    signatures.write_text(truth.replace("SBS17b", HOSTILE_REFERENCE_SET, 1))
    sheet_rows = [
        ("S03", "resources/example/vcfs/S03.vcf", ""),
        (HOSTILE_ID, HOSTILE_VCF, ""),
        ("Tumor 1", MULTI_VCF, "Tumor 1"),
        ("hostile column", MULTI_VCF, HOSTILE_COLUMN),
        (DASH_ID, "resources/example/vcfs/S04.vcf", ""),
    ]
    sheet = "sample_id\tvcf\tvcf_sample\n" + "".join("\t".join(r) + "\n" for r in sheet_rows)
    (workdir / HOSTILE_REGIONS).write_text("chr1\t0\t100000\tfirst region\n")
    sheet_path = "config/sheet $(touch pwned_sheet) 'q'.tsv"
    (workdir / sheet_path).write_text(sheet)
    edit_config(workdir, samples=sheet_path, reference=f"{HOSTILE_REF_DIR}/genome.fa",
                signatures=HOSTILE_SIGNATURES,
                refit={"signatures": HOSTILE_SIGNATURES,
                       "restrict_to": ["SBS1", HOSTILE_REFERENCE_SET],
                       "regions_of_interest": HOSTILE_REGIONS})
    return workdir


def shell_commands(output: str) -> list[str]:
    """The shell commands a `snakemake -n -p` prints ('Shell command: sigforge ...')."""
    found = (re.match(r"\s*(?:Shell command:\s*)?(sigforge .*)$", line)
             for line in output.splitlines())
    return [match.group(1) for match in found if match]


HOSTILE_VCF = f"{HOSTILE_DIR}/S02 $(touch pwned_vcf) 'x'.vcf"
DASH_ID = "--all-filters"  # a name that reads as an option must stay a value
MULTI_VCF = f"{HOSTILE_DIR}/multi `touch pwned_bt`.vcf"
HOSTILE_REGIONS = f"{HOSTILE_DIR}/roi $(touch pwned_roi) 'r'.bed"  # refit.regions_of_interest
#: Every value of the hostile copy's sheet and config that reaches a shell command.
HOSTILE_VALUES = [HOSTILE_ID, HOSTILE_VCF, MULTI_VCF, "Tumor 1", HOSTILE_COLUMN,
                  f"{HOSTILE_REF_DIR}/genome.fa", HOSTILE_SIGNATURES,
                  f"SBS1,{HOSTILE_REFERENCE_SET}",  # refit.restrict_to, joined by commas
                  HOSTILE_REGIONS, DASH_ID]


def value_tokens(command: str) -> list[str]:
    """The arguments of a shell command, '--option=value' reduced to the value."""
    return [re.sub(r"^--[a-z-]+=", "", token) for token in shlex.split(command)]


def test_every_printed_shell_command_keeps_hostile_values_as_single_tokens(
        tmp_path: Path) -> None:
    workdir = hostile_copy(tmp_path)
    run = snakemake(workdir, "-n", "-p", "--cores", "2", "all", "patients")
    record("inputs/hostile-dry-run-printshellcmds", run)
    assert run.returncode == 0, run.stdout[-3000:]
    commands = shell_commands(run.stdout)
    rules = {cmd.split()[1] for cmd in commands}
    assert {"catalog", "merge-catalogs", "replicates", "consensus", "cross-validate",
            "select-rank", "refit", "report"} <= rules, rules
    tokens = [token for cmd in commands for token in value_tokens(cmd)]
    for value in HOSTILE_VALUES:
        assert value in tokens, f"{value!r} is not one token of any command"
    for cmd in commands:
        for token in value_tokens(cmd):
            # No token is a fragment of a hostile value: each came through whole or not at all.
            if "$(" in token or "`" in token or "'" in token or '"' in token:
                assert token in HOSTILE_VALUES, (token, cmd)
    assert_no_markers(workdir)


def test_hostile_names_come_through_a_real_catalog_run_verbatim(tmp_path: Path) -> None:
    workdir = hostile_copy(tmp_path)
    # A reference set that exists (a table at a hostile path), so the patient refit runs.
    edit_config(workdir, signatures=HOSTILE_SIGNATURES, refit={"restrict_to": None})
    run = snakemake(workdir, "--cores", "2", "results/catalogs/SBS96.tsv",
                    "results/patients/Tumor_1.html")
    record("inputs/hostile-catalog-run", run)
    assert run.returncode == 0, run.stdout[-4000:]
    assert_no_markers(workdir)
    catalog = read_catalog(workdir / "results/catalogs/SBS96.tsv").data
    assert list(catalog.columns) == ["S03", HOSTILE_ID, "Tumor 1", "hostile column", DASH_ID]
    single = read_catalog(workdir / "resources/example/truth_catalog.tsv").data
    assert (catalog["Tumor 1"] == single["S01"]).all()  # the multi-sample column, by name
    assert (catalog["hostile column"] == single["S01"]).all()
    assert (catalog[HOSTILE_ID] == single["S02"]).all()
    assert (catalog[DASH_ID] == single["S04"]).all()
    patient = read_catalog(workdir / "results/patients/Tumor_1/exposures.tsv", generic=True)
    assert list(patient.data.columns) == ["Tumor 1"]
    regions = (workdir / "results/patients/Tumor_1/regions_of_interest.tsv").read_text()
    assert "\nfirst region\tchr1\t" in regions


def test_matrix_and_joint_paths_are_quoted(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    folder = workdir / "resources/mx $(touch pwned_mx) 'q' `touch pwned_bt`"
    shutil.copytree(workdir / "resources/matrix_example", folder)
    for name in ("matrix_example", "joint_example"):
        config = yaml.safe_load((workdir / f"config/{name}.yaml").read_text())
        if name == "matrix_example":
            config["matrix"]["path"] = f"{folder.relative_to(workdir)}/bars.tsv"
            expected = [config["matrix"]["path"]]
        else:
            for modality in config["joint"]["modalities"]:
                modality["path"] = modality["path"].replace("resources/matrix_example",
                                                            str(folder.relative_to(workdir)))
            expected = [m["path"] for m in config["joint"]["modalities"]]
        (workdir / f"config/{name}.yaml").write_text(yaml.safe_dump(config))
        run = snakemake(workdir, "-n", "-p", "--cores", "2", "--configfile",
                        f"config/{name}.yaml")
        record(f"inputs/hostile-{name}-dry-run", run)
        assert run.returncode == 0, run.stdout[-3000:]
        tokens = [t for cmd in shell_commands(run.stdout) for t in value_tokens(cmd)]
        for path in expected:
            assert path in tokens, path
    assert_no_markers(workdir)


@pytest.mark.parametrize(("case", "sections", "fragments"), [
    ("config/typo-nested-key", {"extract": {"replicats": 10}},
     ["unknown key 'replicats'", "section 'extract'", "Did you mean 'replicates'?"]),
    ("config/typo-top-level-key", {"sampels": "config/samples.tsv"},
     ["unknown key 'sampels'", "Did you mean 'samples'?"]),
    ("config/typo-enum-value", {"refit": {"method": "likelihod"}},
     ["key 'refit.method'", "'likelihod' is not one of", "Did you mean 'likelihood'?"]),
    ("config/wrong-type", {"extract": {"replicates": "many"}},
     ["key 'extract.replicates'", "'many' is not of type 'integer'"]),
    ("config/unknown-tumour-type", {"refit": {"tumour_type": "Breast-Adeno"}},
     ["refit.tumour_type", "'Breast-Adeno'", "Did you mean Breast-AdenoCA"]),
    # neither is expanded: the outputs went to folders named '~' and '$HOME' of the run dir
    ("config/outdir-tilde", {"outdir": "~/sigres"},
     ["key outdir: '~/sigres' starts with '~', which is not expanded", "Give an absolute path"]),
    ("config/outdir-variable", {"outdir": "$HOME/sigres"},
     ["key outdir: '$HOME/sigres' holds the shell variable $HOME, which is not expanded",
      "Give an absolute path"]),
    # every refit job failed on --decompose-into denovo after a dry run that passed
    ("config/reference-set-denovo", {"signatures": "denovo"},
     ["key signatures: 'denovo' is only valid for refit.signatures", "COSMIC_v3.6"]),
    ("config/reference-set-wrong-case", {"signatures": "cosmic_v3.6"},
     ["key signatures: 'cosmic_v3.6'", "Did you mean 'COSMIC_v3.6'?"]),
    # an empty list silently meant 'every signature' (null)
    ("config/restrict-to-empty", {"refit": {"restrict_to": []}},
     ["key 'refit.restrict_to' (config/config.yaml, line", "): [] should be non-empty"]),
])
def test_config_mistakes_give_one_short_message(tmp_path: Path, case: str, sections: dict,
                                                fragments: list[str]) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    edit_config(workdir, **sections)
    run = snakemake(workdir, "-n", "--cores", "2")
    text = record(case, run)
    assert run.returncode != 0
    for fragment in fragments:
        assert fragment in text, text
    assert "config/config.yaml" in text
    assert "Failed validating" not in run.stdout and "'properties'" not in run.stdout
    assert_no_traceback(run.stdout)
    assert len(text.splitlines()) <= 3, text
    assert not (workdir / "results").exists()


def test_the_shipped_config_is_the_one_beside_the_snakefile(tmp_path: Path) -> None:
    """Run from another directory, which holds a config/config.yaml of its own: the shipped
    config under the user's file is the workflow's (its ranks 2-8 and seed), never the run
    directory's (whose seed and tumour type were silently applied)."""
    workdir = copy_workflow(tmp_path / "wf")
    rundir = tmp_path / "elsewhere"
    (rundir / "config").mkdir(parents=True)
    (rundir / "config/config.yaml").write_text(
        "seed: 12345\nrefit:\n  tumour_type: Skin-Melanoma\n  penalty: 7.5\n")
    rows = [f"S{i:02d}\t{workdir}/resources/example/vcfs/S{i:02d}.vcf" for i in range(1, 11)]
    (rundir / "sheet.tsv").write_text("sample_id\tvcf\n" + "\n".join(rows) + "\n")
    (rundir / "mine.yaml").write_text(yaml.safe_dump({
        "samples": "sheet.tsv", "reference": str(workdir / "resources/example/genome.fa")}))
    run = snakemake(rundir, "-s", str(workdir / "Snakefile"), "-n", "-p", "--cores", "1",
                    "--configfile", "mine.yaml")
    record("config/foreign-config-in-run-dir", run)
    assert run.returncode == 0, run.stdout[-3000:]
    assert "--seed 20261128" in run.stdout and "--tumour-type=pan-cancer" in run.stdout
    assert "12345" not in run.stdout and "Skin-Melanoma" not in run.stdout
    assert "7.5" not in run.stdout
    assert "results/extract/SBS96/k8/" in run.stdout  # ranks 2-8 of the shipped config
    assert "results/extract/SBS96/k9/" not in run.stdout  # (the schema's default goes to 10)


def test_yaml_tags_never_run_code(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    path = workdir / "config/config.yaml"
    path.write_text(path.read_text()
                    + "\nexploit: !!python/object/apply:os.system ['touch pwned_yaml']\n"
                    + "other: !!python/object/new:os.system ['touch pwned_yaml']\n")
    run = snakemake(workdir, "-n", "--cores", "2")
    record("config/yaml-python-tag", run)
    assert run.returncode != 0
    assert_no_markers(workdir)
    path.write_text(path.read_text().split("\nexploit:")[0]
                    + "\nexploit: !!python/name:os.system\n")
    run = snakemake(workdir, "-n", "--cores", "2")
    record("config/yaml-python-name", run)
    assert run.returncode != 0 and "unknown key 'exploit'" in run.stdout
    assert_no_markers(workdir)


GOOD = "".join(f"S{i:02d}\tresources/example/vcfs/S{i:02d}.vcf\n" for i in range(1, 6))


@pytest.mark.parametrize(("case", "sheet", "fragments"), [
    ("sheet/duplicate-sample-id", f"sample_id\tvcf\n{GOOD}S02\tresources/example/vcfs/S07.vcf\n",
     ["line 7", "sample_id 'S02' already appears on line 3", "unique sample_id"]),
    ("sheet/header-only", "sample_id\tvcf\n", ["no samples listed", "Add one"]),
    ("sheet/empty-file", "", ["empty file", "tab-separated header"]),
    ("sheet/missing-vcf-column", "sample_id\tpath\nS01\tresources/example/vcfs/S01.vcf\n",
     ["line 1: missing column(s) vcf", "found: sample_id, path"]),
    ("sheet/comma-separated", "sample_id,vcf\nS01,resources/example/vcfs/S01.vcf\n",
     ["missing column(s)", "must be tab-separated"]),
    ("sheet/vcf-not-found", f"sample_id\tvcf\n{GOOD}S99\tresources/example/vcfs/absent.vcf\n",
     ["VCF 'resources/example/vcfs/absent.vcf' of sample 'S99'", "line 7",
      "Fix the paths or add the files"]),
    ("sheet/stem-collision", f"sample_id\tvcf\n{GOOD}a b\tresources/example/vcfs/S06.vcf\n"
                             "a_b\tresources/example/vcfs/S07.vcf\n",
     ["line 8", "'a b' and 'a_b' both become the file name 'a_b'", "'a b' is on line 7",
      "Rename one"]),
    ("sheet/empty-vcf-cell", f"sample_id\tvcf\n{GOOD}S06\t\n",
     ["line 7", "sample 'S06' has an empty 'vcf' path"]),
    ("sheet/ragged-row", f"sample_id\tvcf\n{GOOD}S06\tresources/example/vcfs/S06.vcf\textra\n",
     ["line 7", "3 tab-separated cells", "header has 2 columns"]),
    ("sheet/path-like-name", f"sample_id\tvcf\n{GOOD}../x\tresources/example/vcfs/S06.vcf\n",
     ["line 7", "sample name '../x' would escape"]),
])
def test_sheet_mistakes_name_the_sheet_the_line_and_the_fix(
        tmp_path: Path, case: str, sheet: str, fragments: list[str]) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config/samples.tsv").write_text(sheet)
    run = snakemake(workdir, "-n", "--cores", "2")
    text = record(case, run)
    assert run.returncode != 0
    assert "samples sheet config/samples.tsv" in text, text
    for fragment in fragments:
        assert fragment in text, text
    assert_no_traceback(run.stdout)
    assert not (workdir / "results").exists()


def test_schema_error_message_is_short_with_a_suggestion() -> None:
    """The helper common.smk applies to Snakemake's validate() errors (no Snakemake needed)."""
    import jsonschema

    from sigforge.workflow.checks import schema_error_message

    schema = {"type": "object", "properties": {"extract": {
        "type": "object", "additionalProperties": False,
        "properties": {"replicates": {"type": "integer"}, "resampling": {
            "enum": ["poisson", "multinomial"]}}}}}
    for config, fragments in [
        ({"extract": {"replicats": 3}}, ["unknown key 'replicats'", "section 'extract'",
                                         "Did you mean 'replicates'?"]),
        ({"extract": {"resampling": "poison"}}, ["key 'extract.resampling'",
                                                 "Did you mean 'poisson'?"]),
    ]:
        error = next(iter(jsonschema.Draft202012Validator(schema).iter_errors(config)))
        text = schema_error_message(error, "config (c.yaml)")
        assert text.startswith("config (c.yaml): ") and "\n" not in text
        for fragment in fragments:
            assert fragment in text, text


@pytest.mark.parametrize(("argv", "dry"), [
    (["-n"], True), (["-np"], True), (["--cores", "2", "--dry-run"], True), (["-pn"], True),
    (["--cores", "2"], False), (["-c2"], False), (["--config", "x=-n"], False),
    (["--", "-n"], False),
    # no job runs: a damaged chunk is named, not deleted with "this run rebuilds it"
    (["--unlock"], True), (["--summary"], True), (["-S"], True), (["--dag"], True),
    (["--list-rules"], True), (["--lint", "json"], True), (["--touch"], True),
])
def test_dry_run_is_read_from_the_command_line(argv: list[str], dry: bool) -> None:
    from sigforge.workflow.command_line import dry_run_requested

    assert dry_run_requested(argv) is dry


def test_damaged_intermediates_are_found_and_only_deleted_for_real(tmp_path: Path) -> None:
    import numpy as np

    from sigforge.io import save_arrays
    from sigforge.workflow.damaged import discard_damaged

    good, bad, metrics = tmp_path / "good.npz", tmp_path / "bad.npz", tmp_path / "m.json"
    save_arrays(good, x=np.arange(3))
    save_arrays(bad, x=np.arange(3))
    bad.write_bytes(bad.read_bytes()[:100])
    metrics.write_text('{"k": 3')
    paths = [str(good), str(bad), str(metrics), str(tmp_path / "absent.npz")]
    notes = discard_damaged(paths, dry_run=True)
    assert len(notes) == 2 and bad.exists() and metrics.exists()
    assert "a real run deletes and rebuilds it" in notes[0]
    notes = discard_damaged(paths, dry_run=False)
    assert str(bad) in notes[0] and "BadZipFile" in notes[0]
    assert good.exists() and not bad.exists() and not metrics.exists()


@pytest.mark.parametrize("key", ["regions_of_interest", "regions"])
def test_config_beds_of_another_build_fail_right_after_the_index_is_built(
        tmp_path: Path, key: str) -> None:
    """Without a .fai the start reads a BED's lines only; its contigs went unchecked until
    every catalog job (catalog.regions) or every patient job after the discovery
    (refit.regions_of_interest) failed on them."""
    workdir = copy_workflow(tmp_path / "wf")
    small_config(workdir, n_samples=3)
    genome = workdir / "resources/unindexed/genome.fa"
    genome.parent.mkdir()
    shutil.copy(workdir / "resources/example/genome.fa", genome)
    bed = workdir / "resources/other_build.bed"
    section = "refit" if key == "regions_of_interest" else "catalog"
    # regions of interest partly on other contigs only warn; target regions must all be known
    first = "NC_000001.10" if section == "refit" else "chr1"
    bed.write_text(f"{first}\t100\t200\tgeneA\nNC_000001.11\t100\t200\tgeneB\n")
    edit_config(workdir, samples="config/samples.tsv", reference="resources/unindexed/genome.fa",
                **{section: {key: "resources/other_build.bed"}})
    dry = snakemake(workdir, "-n", "--cores", "2")
    assert dry.returncode == 0, dry.stdout[-3000:]  # no index yet: the lines alone are read
    run = snakemake(workdir, "--cores", "2", "results/catalogs/SBS96.tsv")
    text = record(f"config/{key}-of-another-build-unindexed", run)
    assert run.returncode != 0
    line = 1 if section == "refit" else 2
    assert f"config key {section}.{key}: resources/other_build.bed, line {line}" in text, text
    assert "NC_000001.11" in text
    assert_no_traceback(run.stdout)
    assert not (workdir / "results/catalogs").exists()  # no catalog job ran
    assert not Path(f"{genome}.fai").exists()  # the failed rule's index goes; a rerun rebuilds it
