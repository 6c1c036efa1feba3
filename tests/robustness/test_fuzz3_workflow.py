"""Workflow config mistakes of the third fuzzing round: each fails at validation (the dry run
too) with one message naming the config file or key (and line), before any job and with
nothing written.

Most cases call the checks of sigforge.workflow.configs directly (fast); a few dry runs of a
copy of the workflow show the wiring (Snakefile, workflow/rules/configfiles.smk, common.smk).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml

from sigforge.io import InputError
from sigforge.workflow import checks, configs
from tests.robustness.test_workflow_inputs import (
    assert_no_traceback,
    copy_workflow,
    message,
    snakemake,
)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = yaml.safe_load((REPO / "config/config.yaml").read_text())


def _error(step, *args, **kwargs) -> str:
    """The message of the InputError ``step`` raises."""
    with pytest.raises(InputError) as caught:
        step(*args, **kwargs)
    return str(caught.value)


# --- the config files themselves (Snakefile -> configfiles.smk -> configs.read_config_files)


@pytest.mark.parametrize(("text", "fragments"), [
    ("extract:\n  replicates: 4\nrank:\n  cv_folds: 0\nextract:\n  replicates: 6\n",
     ["line 5", "key 'extract'", "first on line 1", "Merge the two"]),
    ("refit:\n  bootstrap: 5\n  method: negbin\n  bootstrap: 7\n",
     ["line 4", "key 'refit.bootstrap'", "section 'refit'", "first on line 2"]),
    ("extract:\n  replicates: [4\n  max_iter: 50\n",
     ["line 3", "column", "not valid YAML", "Fix the syntax"]),
    ("extract:\n\treplicates: 4\n",
     ["line 2", "not valid YAML", "spaces only", "tab on line 2"]),
    ("", ["is empty", "key: value"]),
    ("# only a comment\n", ["is empty"]),
    ("- a\n- b\n", ["line 1", "the top level is a list", "key: value"]),
    ("just text\n", ["the top level is the single value 'just text'"]),
])
def test_config_file_mistakes_name_the_file_and_line(tmp_path: Path, text: str,
                                                     fragments: list[str]) -> None:
    path = tmp_path / "my.yaml"
    path.write_text(text)
    found = _error(configs.load_config_file, path)
    assert f"config file {path}" in found or "config file my.yaml" in found, found
    for fragment in fragments:
        assert fragment in found, found


def test_anchors_merge_keys_and_json_are_read_as_snakemake_reads_them(tmp_path: Path) -> None:
    anchors = tmp_path / "a.yaml"
    anchors.write_text("base: &b {bootstrap: 5}\nrefit:\n  <<: *b\n  bootstrap: 7\n")
    assert configs.load_config_file(anchors)["refit"] == {"bootstrap": 7}
    as_json = tmp_path / "c.json"
    as_json.write_text('{\n\t"outdir": "r",\n\t"extract": {"replicates": 4}\n}\n')
    assert configs.load_config_file(as_json)["extract"] == {"replicates": 4}
    as_json.write_text('{"outdir": "r", "outdir": "s"}\n')
    assert "key 'outdir'" in _error(configs.load_config_file, as_json)


@pytest.mark.parametrize(("text", "line", "said"), [
    ("outdir: r\nextract:\n  replicates: 010\n", 3, "'extract.replicates' is written 010, "
     "which YAML reads as 8"),
    ("seed: 017\n", 1, "'seed' is written 017, which YAML reads as 15"),
    ("seed: 1:30\n", 1, "'seed' is written 1:30, which YAML reads as 90"),
    ("refit:\n  restrict_to: [0x1F]\n", 2, "which YAML reads as 31")])
def test_numbers_yaml_reads_in_another_base_are_refused(
        tmp_path: Path, text: str, line: int, said: str) -> None:
    """YAML 1.1 reads 010 as octal 8 and 1:30 as base-60 90: replicates: 010 ran 8
    replicates and seed: 1:30 used seed 90, without a word."""
    path = tmp_path / "my.yaml"
    path.write_text(text)
    found = _error(configs.load_config_file, path)
    assert f"line {line}: key" in found and said in found and "decimal" in found, found


@pytest.mark.parametrize(("argv", "said"), [
    (["-n", "--config", "extract={replicates: 010}"],
     "--config extract={replicates: 010}: key 'extract.replicates' is written 010, which YAML "
     "reads as 8"),
    (["--config", "outdir=r", "seed=1:30", "--cores", "1"],
     "--config seed=1:30: key 'seed' is written 1:30, which YAML reads as 90"),
    (["--config=seed=0x10"], "key 'seed' is written 0x10, which YAML reads as 16"),
    (["-C", "rank={fixed: 07}"], "key 'rank.fixed' is written 07, which YAML reads as 7")])
def test_config_overrides_in_another_base_are_refused_as_in_a_file(
        argv: list[str], said: str) -> None:
    """--config 'extract={replicates: 010}' ran 8 replicates and seed=1:30 seed 90 (exit 0)
    where the same values in a config file stop the run."""
    from sigforge.workflow.command_line import check_override_bases, config_items

    found = _error(check_override_bases, config_items(argv))
    assert said in found and "decimal" in found, found


def test_config_overrides_in_decimal_pass() -> None:
    """A top-level 010 is int('010') = 10 to Snakemake (decimal), and plain values pass."""
    from sigforge.workflow.command_line import check_override_bases, config_items

    items = config_items(["--config", "seed=010", "extract={replicates: 8}", "outdir=r:1",
                          "--cores", "1", "all"])
    assert items == ["seed=010", "extract={replicates: 8}", "outdir=r:1"]
    check_override_bases(items)


@pytest.mark.parametrize(("text", "said"), [
    ("cores: 1\nconfig:\n  - outdir=r\n  - seed=1:30\n",
     "line 4: config entry seed=1:30: key 'seed' is written 1:30, which YAML reads as 90"),
    ("config:\n  seed: 1:30\n", "line 2: config entry: key 'seed' is written 1:30"),
    ("config:\n  extract: {replicates: 010}\n",
     "line 2: config entry: key 'extract.replicates' is written 010, which YAML reads as 8"),
    ("config:\n  seed: '0x10'\n", "line 2: config entry seed: key 'seed' is written 0x10"),
])
def test_profile_config_entries_in_another_base_are_refused(tmp_path: Path, text: str,
                                                           said: str) -> None:
    """A profile's config: entries reach Snakemake as --config texts, but not through the
    command line the workflow reads: seed=1:30 there ran seed 90 without a word."""
    from sigforge.workflow.command_line import check_profile_bases

    path = tmp_path / "config.yaml"
    path.write_text(text)
    found = _error(check_profile_bases, [path])
    assert said in found and "decimal" in found, found
    assert "profile " in found and "config.yaml" in found, found


def test_profile_config_entries_in_decimal_or_quoted_pass(tmp_path: Path) -> None:
    from sigforge.workflow.command_line import check_profile_bases

    path = tmp_path / "config.yaml"
    path.write_text("config:\n  seed: 17\n  outdir: '010'\n  extract: {replicates: 8}\n"
                    "set-resources: {a: {mem_mb: 010}}\n")  # not a config entry: Snakemake's
    check_profile_bases([path])
    path.write_text("config: [seed=010, 'outdir=r:1']\n")  # a top-level 010 is int('010')
    check_profile_bases([path])


def test_profile_files_are_found_as_snakemake_finds_them(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from snakemake.cli import get_profile_dir

    from sigforge.workflow.command_line import profile_files

    monkeypatch.chdir(tmp_path)
    for folder in ("mine", "profiles/default", "wf/profiles/default", "wf/profiles/slurm"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "config.yaml").write_text("cores: 1\n")
    here = Path("profiles/default/config.yaml")
    assert profile_files([], {}, tmp_path / "wf", get_profile_dir) == [here]
    assert profile_files(["--profile", "mine"], {}, tmp_path / "wf", get_profile_dir) == [
        Path("mine/config.yaml"), here]
    assert profile_files([], {"SNAKEMAKE_PROFILE": "mine"}, tmp_path / "wf",
                         get_profile_dir) == [Path("mine/config.yaml"), here]
    assert profile_files(["--workflow-profile=none"], {}, tmp_path, get_profile_dir) == []
    assert profile_files(["--workflow-profile", "slurm"], {}, tmp_path / "wf",
                         get_profile_dir) == [tmp_path / "wf/profiles/slurm/config.yaml"]


def test_a_profile_config_in_another_base_stops_the_dry_run(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "mine").mkdir()
    (workdir / "mine/config.yaml").write_text("config:\n  - seed=1:30\n")
    run = snakemake(workdir, "-n", "--profile", "mine")
    assert run.returncode != 0
    text = message(run.stdout)
    assert "profile mine/config.yaml, line 2: config entry seed=1:30" in text, text
    assert_no_traceback(run.stdout)


def test_numbers_written_in_decimal_or_quoted_are_read_as_written(tmp_path: Path) -> None:
    path = tmp_path / "my.yaml"
    path.write_text("seed: 17\nsamples: '017'\nextract: {tol: 0.05, replicates: 1_000}\n")
    assert configs.load_config_file(path) == {
        "seed": 17, "samples": "017", "extract": {"tol": 0.05, "replicates": 1000}}


def test_yaml_tags_run_no_code_and_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(f"outdir: r\nx: !!python/object/apply:os.system ['touch {tmp_path}/pwned']\n")
    found = _error(configs.load_config_file, path)
    assert "line 2" in found and "Remove the '!' tag" in found, found
    assert not (tmp_path / "pwned").exists()
    path.write_text("exploit: !!python/name:os.system\n")  # Snakemake reads it: schema's turn
    assert configs.load_config_file(path) == {"exploit": ""}


def test_user_keys_are_recorded_from_files_and_config(tmp_path: Path) -> None:
    mine = tmp_path / "my.yaml"
    mine.write_text("samples: mine.tsv\nextract: {replicates: 4}\n")
    user = configs.read_config_files(str(tmp_path / "absent.yaml"), [mine],
                                     {"reference": "g.fa"})
    assert user.given and user.keys == {"samples", "extract", "reference"}
    assert not configs.read_config_files(str(tmp_path / "absent.yaml"), []).given


# --- a user config leaning on the bundled example (configs.check_user_config)


def _user(**values: object) -> configs.UserConfig:
    return configs.UserConfig(("mine/my.yaml",), values)


def test_user_samples_without_reference_are_refused() -> None:
    config = {**SHIPPED, "samples": "mine/sheet.tsv"}
    found = _error(configs.check_user_config, config, _user(samples="mine/sheet.tsv"),
                   "config/config.yaml")
    for fragment in ("mine/my.yaml", "sets 'samples'", "not 'reference'",
                     "config/config.yaml's 'resources/example/genome.fa'",
                     "add 'reference: PATH'"):
        assert fragment in found, found


def test_user_reference_without_samples_is_refused() -> None:
    config = {**SHIPPED, "reference": "my.fa"}
    found = _error(configs.check_user_config, config, _user(reference="my.fa"),
                   "config/config.yaml")
    assert "not 'samples'" in found and "add 'samples: PATH'" in found, found


def test_matrix_section_without_type_is_refused() -> None:
    found = _error(configs.check_user_config, {**SHIPPED, "matrix": {"path": "m.tsv"}},
                   _user(matrix={"path": "m.tsv"}), "config/config.yaml")
    assert "'matrix' section" in found and "type: matrix" in found, found


@pytest.mark.parametrize("user", [
    configs.UserConfig(),                                       # the shipped file alone
    _user(extract={"replicates": 4}),                           # overrides for the example
    _user(samples="s.tsv", reference="g.fa"),                   # the user's own data
    _user(type="matrix", matrix={"path": "m.tsv"}),             # another mode
])
def test_consistent_configs_pass(user: configs.UserConfig) -> None:
    config = {**SHIPPED, **user.values}
    configs.check_user_config(config, user, "config/config.yaml")


# --- values the schema cannot refuse


@pytest.mark.parametrize(("section", "key"), [
    ("extract", "tol"), ("extract", "volume"), ("extract", "merge_cosine"), ("extract", "cap"),
    ("refit", "confidence"), ("refit", "penalty"), ("rank", "min_mean_stability"),
])
@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_numbers_are_refused(section: str, key: str, value: float) -> None:
    config = {**SHIPPED, section: {**SHIPPED[section], key: value}}
    found = _error(configs.check_finite, config, "config (config/config.yaml)")
    assert f"config (config/config.yaml): key {section}.{key}: " in found, found
    assert "not a finite number" in found


def test_non_finite_modality_weight_is_refused() -> None:
    config = {"type": "joint", "joint": {"modalities": [
        {"name": "a", "path": "a.tsv", "weight": 1.0},
        {"name": "b", "path": "b.tsv", "weight": math.nan}]}}
    assert "key joint.modalities[2].weight" in _error(configs.check_finite, config)


def test_min_iter_above_max_iter_is_refused() -> None:
    config = {**SHIPPED, "extract": {**SHIPPED["extract"], "min_iter": 300, "max_iter": 50}}
    found = _error(configs.check_settings, config, "config (c.yaml)")
    assert "key extract.min_iter (300) exceeds extract.max_iter (50)" in found, found
    configs.check_settings(SHIPPED)


def test_repeated_modality_names_are_refused() -> None:
    config = {"type": "joint", "joint": {"modalities": [
        {"name": "rna", "path": "a.tsv"}, {"name": "rna", "path": "b.tsv"}]}}
    found = _error(configs.check_settings, config, "config (x.yaml)")
    assert "key joint.modalities" in found and "1 and 2 are both named 'rna'" in found, found


@pytest.mark.parametrize(("key", "value", "fragment"), [
    (("refit", "bootstrap"), 20000, "greater than the maximum of 10000"),
    (("rank", "cv_folds"), 1000000, "greater than the maximum of 100"),
    (("refit", "restrict_to"), ["SBS1", "SBS1"], "non-unique"),
])
def test_schema_bounds_of_the_cli(key: tuple[str, str], value: object, fragment: str) -> None:
    import jsonschema

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    config = {**SHIPPED, key[0]: {**SHIPPED[key[0]], key[1]: value}}
    error = next(iter(jsonschema.Draft202012Validator(schema).iter_errors(config)))
    found = checks.schema_error_message(error, "config (c.yaml)")
    assert f"key '{key[0]}.{key[1]}'" in found and fragment in found, found


def test_restrict_to_names_are_checked_against_the_sets(tmp_path: Path) -> None:
    sets = [("COSMIC_v3.6", "signatures"), ("denovo", "refit.signatures")]
    configs.check_restrict_to(["SBS1", "SBS5"], sets, "GRCh37")
    found = _error(configs.check_restrict_to, ["SBS1", "SBS999"], sets, "GRCh37",
                   "config (c.yaml)")
    for fragment in ("key refit.restrict_to", "['SBS999']", "'COSMIC_v3.6'",
                     "config key 'signatures'"):
        assert fragment in found, found
    table = tmp_path / "sigs.tsv"
    table.write_text("MutationType\tSigA\tSigB\nA[C>A]A\t0.5\t0.5\n")
    configs.check_restrict_to(["SigA"], [(str(table), "refit.signatures")], "GRCh37")
    found = _error(configs.check_restrict_to, ["SBS1"], [(str(table), "refit.signatures")],
                   "GRCh37")
    assert "config key 'refit.signatures'" in found and "SigA, SigB" in found, found



def test_restrict_to_names_may_come_from_any_refitted_table() -> None:
    """A reference set's SBS, DBS and ID names are all accepted; limited to the counted
    contexts, a DBS name is refused with the contexts named."""
    sets = [("COSMIC_v3.6", "refit.signatures")]
    configs.check_restrict_to(["SBS1", "DBS2", "ID1"], sets, "GRCh37")
    configs.check_restrict_to(["SBS1", "DBS2"], sets, "GRCh37", contexts=["SBS96", "DBS78"])
    found = _error(configs.check_restrict_to, ["SBS1", "DBS2"], sets, "GRCh37",
                   "config (c.yaml)", ["SBS96"])
    assert "['DBS2']" in found and "counted contexts (SBS96)" in found, found


def test_missing_or_folder_paths_name_the_key(tmp_path: Path) -> None:
    found = _error(configs.check_input_path, str(tmp_path / "nothere.bed"),
                   "refit.regions_of_interest", "BED file of regions of interest", "config")
    assert "key refit.regions_of_interest" in found and "nothere.bed' not found" in found
    found = _error(configs.check_input_path, str(tmp_path), "catalog.annotation",
                   "gene annotation", fix="or drop SBS288 from catalog.contexts")
    assert "is a folder" in found and "drop SBS288" in found, found
    configs.check_input_path(None, "catalog.annotation", "gene annotation")
    found = _error(configs.check_samples_path, str(tmp_path))
    assert "key samples" in found and "is a folder, not a samples sheet" in found, found


# --- dry runs: the wiring, and no job, no output


def _dry_failure(workdir: Path, *args: str) -> str:
    run = snakemake(workdir, "-n", "--cores", "1", *args)
    assert run.returncode != 0, run.stdout[-2000:]
    assert_no_traceback(run.stdout)
    assert not (workdir / "results").exists()
    return message(run.stdout)


@pytest.mark.slow
def test_dry_run_names_file_line_and_key_of_config_file_mistakes(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    shipped = workdir / "config/config.yaml"
    original = shipped.read_text()
    shipped.write_text(original + "refit:\n  method: nnls\n")
    found = _dry_failure(workdir)
    assert "config file config/config.yaml, line" in found and "key 'refit'" in found, found
    shipped.write_text(original.replace("  replicates: 20\n", "\treplicates: 20\n"))
    found = _dry_failure(workdir)
    assert "config file config/config.yaml, line" in found and "tab" in found, found
    shipped.write_text(original)
    (workdir / "config/my.yaml").write_text("outdir: r\noutdir: s\n")
    found = _dry_failure(workdir, "--configfile", "config/my.yaml")
    assert "config file config/my.yaml, line 2: key 'outdir'" in found, found


@pytest.mark.slow
def test_dry_run_refuses_a_user_sheet_on_the_example_genome(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    lines = (workdir / "config/samples.tsv").read_text().splitlines()
    (workdir / "mine").mkdir()
    (workdir / "mine/sheet.tsv").write_text("\n".join(lines[:4]) + "\n")
    (workdir / "mine/my.yaml").write_text("samples: mine/sheet.tsv\n")
    found = _dry_failure(workdir, "--configfile", "mine/my.yaml")
    assert "config (mine/my.yaml): sets 'samples'" in found and "not 'reference'" in found


@pytest.mark.slow
def test_dry_run_refuses_nan_bounds_and_missing_files(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    for name, text, fragment in [
        ("nan.yaml", "extract: {tol: .nan}\n", "key extract.tol: nan is not a finite number"),
        ("iter.yaml", "extract: {min_iter: 300, max_iter: 50}\n", "extract.min_iter (300)"),
        ("roi.yaml", "refit: {regions_of_interest: nothere.bed}\n",
         "key refit.regions_of_interest"),
        ("restrict.yaml", "refit: {restrict_to: [SBS1, SBS999]}\n", "['SBS999']"),
    ]:
        (workdir / "config" / name).write_text(text)
        found = _dry_failure(workdir, "--configfile", f"config/{name}")
        assert f"config/{name}" in found and fragment in found, found


def test_vcf_only_keys_are_refused_in_matrix_mode() -> None:
    """refit.restrict_to or a reference set by the user in a matrix config would be silently
    ignored: refused, naming them. The shipped values (a copy of config/config.yaml with
    'type' changed) and vcf mode are left alone."""
    shipped = str(REPO / "config/config.yaml")
    matrix = {**SHIPPED, "type": "matrix"}
    own = configs.UserConfig(("m.yaml",), {"type": "matrix", "reference": "my.fa",
                                           "refit": {"restrict_to": ["SBS1"], "bootstrap": 5}})
    found = _error(configs.check_mode_keys, matrix, own, shipped)
    for fragment in ("config (m.yaml)", "reference, refit.restrict_to", "'type' is 'matrix'",
                     "set 'type: vcf'"):
        assert fragment in found, found
    assert "bootstrap" not in found
    copied = configs.UserConfig(("m.yaml",), {**SHIPPED, "type": "matrix"})
    configs.check_mode_keys(matrix, copied, shipped)
    configs.check_mode_keys({**SHIPPED, "type": "vcf"}, own, shipped)


@pytest.mark.parametrize(("path", "tidy"), [
    ("./in/a.vcf", "in/a.vcf"), ("././in/./a.vcf", "in/a.vcf"), ("in//a.vcf", "in/a.vcf"),
    ("/abs/./a.fa", "/abs/a.fa"), ("../up/./a.fa", "../up/a.fa"), ("a.vcf", "a.vcf"),
    ("./", "./"), ("COSMIC_v3.6", "COSMIC_v3.6"), ("s3://bucket/./x", "s3://bucket/./x")])
def test_redundant_dot_segments_are_dropped(path: str, tidy: str) -> None:
    from sigforge.workflow.paths import without_dot_segments

    assert without_dot_segments(path) == tidy


def test_inputs_written_with_dot_slash_raise_no_warnings(tmp_path: Path) -> None:
    """'./resources/...' in the config and sheet made Snakemake warn 20 times (once per rule
    naming each file) that the './' is redundant and may mismatch files."""
    workdir = copy_workflow(tmp_path / "wf")
    rows = [f"S{i:02d}\t./resources/example/vcfs/S{i:02d}.vcf" for i in range(1, 4)]
    (workdir / "config/samples.tsv").write_text("sample_id\tvcf\n" + "\n".join(rows) + "\n")
    config = yaml.safe_load((workdir / "config/config.yaml").read_text())
    config.update(samples="./config/samples.tsv", reference="./resources/./example/genome.fa",
                  extract={**config["extract"], "ranks": {"min": 2, "max": 3}})
    (workdir / "config/config.yaml").write_text(yaml.safe_dump(config))
    run = snakemake(workdir, "-n", "--cores", "2")
    assert run.returncode == 0, run.stdout[-3000:]
    assert "starts with './'" not in run.stdout
    assert "resources/example/genome.fa.fai" in run.stdout  # the index beside the tidy path


def test_schema_errors_name_the_file_and_line_that_set_the_key(tmp_path: Path) -> None:
    """A schema error named the key and value but not which of several config files (or the
    command line) set it, and repeated its advice after every mistake."""
    from sigforge.workflow.config_places import key_places, with_places

    shipped = tmp_path / "config.yaml"
    shipped.write_text("seed: 1\nextract:\n  replicates: 20\n  tol: 1.0e-7\n")
    mine = tmp_path / "my.yaml"
    mine.write_text("extract:\n  replicates: many\nrefit: {methd: nnls}\n")
    places = key_places(shipped, [mine], {"seed": "abc", "rank": {"fixed": "x"}})
    assert places["extract.replicates"].endswith("my.yaml, line 2")
    assert places["extract.tol"].endswith("config.yaml, line 4")  # merged key by key
    assert places["seed"] == "--config" and places["rank.fixed"] == "--config"
    advice = " Fix the value (workflow/schemas/config.schema.yaml describes every key)."
    message = (f"config: key 'extract.replicates': 'many' is not of type 'integer'.{advice} "
               f"Also (3 more): key 'seed': 'abc' is not of type 'integer'.{advice} "
               f"key 'extract.ranks.min': 0 is less than 1.{advice} unknown key 'methd' in "
               "the section 'refit'.")
    placed = with_places(message, places)
    assert "key 'extract.replicates' (" in placed and "my.yaml, line 2): 'many'" in placed
    assert "key 'seed' (--config): 'abc'" in placed
    assert "key 'extract.ranks.min' (" in placed and "my.yaml, line 1): 0" in placed
    assert "in the section 'refit' (" in placed and "my.yaml, line 3)" in placed
    assert placed.count(advice) == 1 and placed.endswith(advice)
    assert with_places(placed, places) == placed  # a placed key is not placed twice


def test_a_schema_error_of_a_dry_run_names_the_line(tmp_path: Path) -> None:
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "my.yaml").write_text("samples: config/samples.tsv\nreference: "
                                     "resources/example/genome.fa\nextract:\n  replicates: x\n")
    run = snakemake(workdir, "-n", "--configfile", "my.yaml")
    assert run.returncode != 0
    assert "key 'extract.replicates' (my.yaml, line 4): 'x' is not of type" in message(
        run.stdout), run.stdout[-2000:]
