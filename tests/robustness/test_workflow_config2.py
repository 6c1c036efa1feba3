"""Config settings that other settings make inert, and keys written with a dot, through a real
Snakemake dry run of the repository's Snakefile (one tiny run each; the rules themselves are
tested in tests/unit/test_workflow_inert.py).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def dry_run(rundir: Path, config: dict) -> subprocess.CompletedProcess[str]:
    """``snakemake -n`` of the repository's Snakefile in ``rundir``, with ``config`` written
    to rundir/mine.yaml over a sheet of four example samples; stdout and stderr merged."""
    rows = [f"S0{i}\t{REPO}/resources/example/vcfs/S0{i}.vcf" for i in range(1, 5)]
    (rundir / "sheet.tsv").write_text("sample_id\tvcf\n" + "\n".join(rows) + "\n")
    base = {"samples": "sheet.tsv", "reference": str(REPO / "resources/example/genome.fa"),
            "outdir": "results", "extract": {"ranks": {"min": 1, "max": 2}, "replicates": 4,
                                             "replicates_per_chunk": 4}}
    (rundir / "mine.yaml").write_text(yaml.safe_dump({**base, **config}))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "-n",
                           "--cores", "1", "--configfile", "mine.yaml"], cwd=rundir, env=env,
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=300, check=False)


def test_inert_settings_are_warned_once_before_any_job(tmp_path: Path) -> None:
    (tmp_path / "genes.gtf").write_text("")
    run = dry_run(tmp_path, {"catalog": {"contexts": ["SBS96"], "annotation": "genes.gtf"},
                             "rank": {"cv_folds": 0, "cv_scheme": "blocks"},
                             "refit": {"method": "nnls", "penalty": 9}})
    assert run.returncode == 0, run.stdout[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("sigforge: warning")]
    keys = [line.split(": ")[3].split(" (")[0] for line in lines]
    assert keys == ["catalog.annotation", "rank.cv_scheme", "refit.penalty"], lines
    assert run.stdout.index(lines[-1]) < run.stdout.index("Building DAG of jobs")
    assert "does not count SBS288" in lines[0] and "rank.cv_folds is 0" in lines[1]


def test_a_dotted_key_in_a_config_file_is_refused_with_the_nested_form(tmp_path: Path) -> None:
    run = dry_run(tmp_path, {"extract.replicates": 8})
    assert run.returncode != 0
    assert "key 'extract.replicates' is one key whose name holds a dot" in run.stdout
    assert "'extract: {replicates: 8}' in the config file" in run.stdout
    assert "Traceback" not in run.stdout


def test_every_schema_mistake_of_a_config_is_named_in_one_run(tmp_path: Path) -> None:
    """Each run named only the first mistake: a user with three needed three runs."""
    run = dry_run(tmp_path, {"extract": {"ranks": {"min": 1, "max": 2}, "replicates": -3,
                                         "tol": "1e-7"},
                             "refit": {"bootstap": 50}})
    assert run.returncode != 0
    # each named with the file and line that set it
    assert re.search(r"key 'extract.replicates' \(\S+\.yaml, line \d+\): -3 is less than the "
                     "minimum", run.stdout), run.stdout
    assert "Also (2 more):" in run.stdout
    assert re.search(r"unknown key 'bootstap' in the section 'refit' \(\S+\.yaml, line \d+\)\. "
                     r"Did you mean 'bootstrap'\?", run.stdout), run.stdout
    assert re.search(r"key 'extract.tol' \(\S+\.yaml, line \d+\): '1e-7' is not of type "
                     "'number'", run.stdout), run.stdout
    assert "Traceback" not in run.stdout


def test_a_yaml_alias_bomb_or_deep_nesting_is_refused_at_once() -> None:
    """A billion-laughs config (10^9 values once aliases are expanded) made the schema's error
    message print the value whole: 6 GB and no end. It is measured without expanding it."""
    from sigforge.io import InputError
    from sigforge.workflow.config_keys import check_config_size, config_size

    layer: object = ["SBS1"] * 10
    for _ in range(9):
        layer = [layer] * 10
    bomb = {"x_unknown": layer, "refit": {"bootstrap": 10}}
    with pytest.raises(InputError, match="more than 100,000 values once its YAML anchors"):
        check_config_size(bomb, "config (bomb.yaml)")
    deep: dict = {}
    node = deep
    for _ in range(100_000):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(InputError, match="nested more than 32 levels"):
        check_config_size({"x": deep}, "config (deep.yaml)")
    shipped = yaml.safe_load((REPO / "config/config.yaml").read_text())
    values, depth = config_size(shipped)
    assert values < 500 and depth <= 5
    check_config_size(shipped, "config/config.yaml")


def test_an_alias_bomb_config_stops_the_dry_run_with_one_message(tmp_path: Path) -> None:
    """The whole path: snakemake -n with the bomb as --configfile ends in seconds."""
    lines = ["a0: &a0 [SBS1, SBS2, SBS3, SBS5, SBS13, SBS17a, SBS18, SBS40, SBS7a, SBS4]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    config = tmp_path / "bomb.yaml"
    config.write_text("x_unknown:\n" + "".join(f"  {line}\n" for line in lines))
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = subprocess.run([str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "-n",
                          "--cores", "1", "--configfile", str(config)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode != 0
    assert "more than 100,000 values" in run.stderr + run.stdout


def _dry_run_with(rundir: Path, config: dict, *extra: str) -> subprocess.CompletedProcess[str]:
    """:func:`dry_run`, with ``extra`` arguments after the config file."""
    run = dry_run(rundir, config)
    if not extra:
        return run
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run([str(BIN / "snakemake"), "-s", str(REPO / "Snakefile"), "-n",
                           "--cores", "1", "--configfile", "mine.yaml", *extra], cwd=rundir,
                          env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=300, check=False)


@pytest.mark.parametrize("key", ["catalog.regions", "refit.regions_of_interest"])
def test_an_empty_path_is_refused_and_null_on_the_command_line_unsets_it(
        tmp_path: Path, key: str) -> None:
    """``regions: ""`` counted the whole genome without a word (it read as null); and
    ``--config 'catalog={regions: null}'`` was taken as a file named 'null', whose refusal
    said to set the key to null."""
    section, name = key.split(".")
    run = dry_run(tmp_path, {section: {name: ""}})
    assert run.returncode != 0 and f"key {key}: the path is empty" in run.stdout, \
        run.stdout[-2000:]
    assert "Traceback" not in run.stdout
    (tmp_path / "baits.bed").write_text("chr1\t0\t100\n")
    for spelling in ("null", "~"):
        unset = _dry_run_with(tmp_path, {section: {name: "baits.bed"}}, "--config",
                              f"{section}={{{name}: {spelling}}}")
        assert unset.returncode == 0, unset.stdout[-2000:]


def test_a_path_too_long_for_the_system_is_one_message_naming_it(tmp_path: Path) -> None:
    """A sheet or signatures path with a 300-byte name raised OSError (File name too long)
    through the parse-time checks: a traceback instead of a message."""
    long_name = "o" * 300
    for config in ({"samples": long_name}, {"signatures": long_name}):
        run = _dry_run_with(tmp_path, {}, "--config",
                            f"{next(iter(config))}={long_name}")
        assert run.returncode != 0
        assert "cannot be read: File name too long (Linux allows 255 bytes per name" in \
            run.stdout, run.stdout[-2000:]
        assert "(300 characters)" in run.stdout and "Traceback" not in run.stdout
