"""Whole numbers written as floats in the workflow config (``seed: 1.0``, ``extract.ranks:
{min: 1.0, max: 2.0}``): JSON Schema counts 1.0 as an integer, so they pass the schema, and
would then crash a check (``range()`` of a float) or reach every job as ``--seed 1.0``, which
argparse refuses. ``config_numbers.whole_numbers`` makes them ints right after validation (walking
the schema, not a list of keys); a fraction (1.5) or a boolean for an integer key is refused
with the dotted key, the value and the fix.

Most cases call sigforge.workflow.configs and checks directly (fast); one dry run of a copy of
the workflow shows the wiring (workflow/rules/common.smk) down to the jobs' command lines.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from sigforge.io import InputError
from sigforge.workflow import checks, config_numbers, configs, flags
from tests.robustness.test_fuzz3_workflow import _dry_failure, _error
from tests.robustness.test_workflow_inputs import assert_no_traceback, copy_workflow, snakemake

REPO = Path(__file__).resolve().parents[2]
SCHEMA_PATH = REPO / "workflow/schemas/config.schema.yaml"
SCHEMA = yaml.safe_load(SCHEMA_PATH.read_text())
SHIPPED = yaml.safe_load((REPO / "config/config.yaml").read_text())


def _with(key: str, value: object, base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of the shipped config (or ``base``) with dotted ``key`` set to ``value``."""
    config = copy.deepcopy(SHIPPED if base is None else base)
    *sections, last = key.split(".")
    where = config
    for section in sections:
        where = where.setdefault(section, {})
    where[last] = value
    return config


def _get(config: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        config = config[part]
    return config


def _schema_error(config: dict[str, Any]) -> str:
    """The workflow's one-line message for the first schema error of ``config``."""
    error = next(iter(jsonschema.Draft202012Validator(SCHEMA).iter_errors(config)))
    return checks.schema_error_message(error, "config (c.yaml)")


#: Integer keys of every depth, each with a whole-number float the schema accepts.
WHOLE_FLOATS = [
    ("seed", 1.0, 1),
    ("extract.ranks.min", 1.0, 1),
    ("extract.ranks.max", 2.0, 2),
    ("extract.replicates", 4.0, 4),
    ("extract.replicates_per_chunk", 2.0, 2),
    ("extract.starts", 1.0, 1),
    ("extract.min_iter", 0.0, 0),
    ("refit.bootstrap", 10.0, 10),
    ("rank.cv_folds", 2.0, 2),
    ("rank.fixed", 2.0, 2),                      # type: [integer, "null"]
    ("rank.max_dropped_components", 1.0, 1),
    ("matrix.depth", 500.0, 500),
]


@pytest.mark.parametrize(("key", "value", "expected"), WHOLE_FLOATS)
def test_whole_floats_of_integer_keys_become_ints(key: str, value: float,
                                                  expected: int) -> None:
    config = _with(key, value)
    assert not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(config))  # passes
    in_place = config_numbers.whole_numbers(config, SCHEMA_PATH, "config (c.yaml)")
    assert in_place is config
    found = _get(config, key)
    assert type(found) is int and found == expected, (key, found)


def test_a_config_file_of_whole_floats_reaches_the_checks_and_flags_as_ints(
        tmp_path: Path) -> None:
    """Read as the workflow reads it (configs.load_config_file), validated, converted: the
    checks that crashed on floats and the jobs' options see ints, nested keys and list items
    included; keys typed number keep their floats."""
    path = tmp_path / "c.yaml"
    path.write_text("seed: 3.0\nextract: {ranks: {min: 1.0, max: 2.0}, replicates: 4.0,\n"
                    "          tol: 1.0e-6, cap: 100.0}\n"
                    "rank: {fixed: 2.0}\nrefit: {bootstrap: 10.0, penalty: 2.0}\n"
                    "matrix: {features_are_pixels: [2.0, 3.0]}\n")
    config = copy.deepcopy(SHIPPED)
    for section, value in configs.load_config_file(path).items():
        config[section] = ({**config.get(section, {}), **value} if isinstance(value, dict)
                           else value)
    assert not list(jsonschema.Draft202012Validator(SCHEMA).iter_errors(config))
    config_numbers.whole_numbers(config, SCHEMA, "config (c.yaml)")
    ranks = config["extract"]["ranks"]
    assert (type(config["seed"]), type(ranks["min"]), type(ranks["max"])) == (int, int, int)
    assert config["matrix"]["features_are_pixels"] == [2, 3]
    assert all(type(v) is int for v in config["matrix"]["features_are_pixels"])
    assert checks.check_ranks(ranks["min"], ranks["max"], 30, config["rank"]["fixed"]) == [1, 2]
    options = flags.refit_flags(config["refit"], config["seed"], "GRCh37")
    assert "10.0" not in options and "3.0" not in options, options
    assert [type(config["extract"][k]) for k in ("tol", "cap")] == [float, float]
    assert type(config["refit"]["penalty"]) is float


def test_the_schema_is_walked_generically() -> None:
    """Keys under patternProperties, additionalProperties, items, prefixItems, allOf and a
    local $ref are converted too; number keys and other types are left alone."""
    schema = {
        "$defs": {"count": {"type": "integer", "minimum": 0}},
        "type": "object",
        "properties": {
            "groups": {"type": "object",
                       "additionalProperties": {"type": "object",
                                                "properties": {"k": {"type": "integer"},
                                                               "w": {"type": "number"}}}},
            "byname": {"type": "object", "patternProperties": {"^n_": {"$ref": "#/$defs/count"}},
                       "additionalProperties": {"type": "string"}},
            "pairs": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}],
                      "items": {"type": ["integer", "null"]}},
            "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        },
        "allOf": [{"properties": {"later": {"type": "integer"}}}],
    }
    config = {"groups": {"a": {"k": 3.0, "w": 2.0}, "b": {"k": 4.0}},
              "byname": {"n_x": 5.0, "other": "6.0"},
              "pairs": ["1.0", 7.0, 8.0, None], "either": 9.0, "later": 10.0, "free": 11.0}
    config_numbers.whole_numbers(config, schema)
    assert config == {"groups": {"a": {"k": 3, "w": 2.0}, "b": {"k": 4}},
                      "byname": {"n_x": 5, "other": "6.0"},
                      "pairs": ["1.0", 7, 8, None], "either": 9, "later": 10, "free": 11.0}
    assert [type(v) for v in (config["groups"]["a"]["k"], config["byname"]["n_x"],
                              config["pairs"][1], config["either"], config["later"])] == [int] * 5
    assert type(config["groups"]["a"]["w"]) is float and type(config["free"]) is float
    found = _error(config_numbers.whole_numbers, {"groups": {"a": {"k": 3.5}}}, schema,
                   "config (g.yaml)")
    assert "config (g.yaml): key groups.a.k: 3.5 is not a whole number" in found, found


@pytest.mark.parametrize(("key", "value", "nearest"), [
    ("extract.replicates", 4.5, "such as 4 or 5"),
    ("extract.ranks.max", 2.5, "such as 2 or 3"),
    ("rank.fixed", 1.5, "such as 1 or 2"),
    ("seed", 1.5, "such as 1 or 2"),
])
def test_a_fraction_for_an_integer_key_is_refused_naming_the_dotted_key(
        key: str, value: float, nearest: str) -> None:
    """The schema refuses it first (its message gains the fix); whole_numbers refuses it too
    where validation is skipped (a module imported with skip_validation)."""
    found = _schema_error(_with(key, value))
    for fragment in (f"config (c.yaml): key '{key}': {value} is not of type 'integer'",
                     f"Write a whole number ({nearest})"):
        assert fragment in found, found
    found = _error(config_numbers.whole_numbers, _with(key, value), SCHEMA, "config (c.yaml)")
    for fragment in (f"config (c.yaml): key {key}: {value} is not a whole number",
                     f"Write a whole number ({nearest})"):
        assert fragment in found, found


@pytest.mark.parametrize("key", ["seed", "extract.ranks.min", "refit.bootstrap", "rank.fixed"])
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_for_an_integer_key_is_refused(key: str, value: bool) -> None:
    found = _schema_error(_with(key, value))
    assert f"key '{key}': {value} is not of type 'integer'" in found, found
    assert "Write a whole number" in found and "true and false are not numbers" in found, found
    found = _error(config_numbers.whole_numbers, _with(key, value), SCHEMA, "config (c.yaml)")
    assert f"config (c.yaml): key {key}: {value} is not a whole number" in found, found
    assert "true and false are not numbers" in found, found
    with pytest.raises(InputError):
        config_numbers.whole_numbers({"flag": value}, {"properties": {"flag": {"type": "integer"}}})
    config_numbers.whole_numbers({"flag": value}, {"properties": {"flag": {"type": "boolean"}}})


@pytest.mark.slow
def test_dry_run_takes_whole_floats_and_refuses_a_fraction(tmp_path: Path) -> None:
    """The bundled example with whole floats plans its jobs with integer options (it crashed
    in check_ranks before); a fraction stops it with the key and the fix."""
    workdir = copy_workflow(tmp_path / "wf")
    (workdir / "config/floats.yaml").write_text(
        "seed: 3.0\nextract: {ranks: {min: 1.0, max: 2.0}, replicates: 4.0, "
        "replicates_per_chunk: 2.0}\nrank: {fixed: 2.0, cv_folds: 2.0}\n"
        "refit: {bootstrap: 10.0}\n")
    run = snakemake(workdir, "-n", "-p", "--cores", "1", "--configfile", "config/floats.yaml")
    assert run.returncode == 0, run.stdout[-3000:]
    assert_no_traceback(run.stdout)
    for option in ("--seed 3 ", "--fixed-rank 2 ", "--cv-folds 2 ", "--bootstrap 10 "):
        assert option in run.stdout, option
    for option in ("--seed 3.0", "--fixed-rank 2.0", "--cv-folds 2.0", "--bootstrap 10.0",
                   "--replicates 4.0"):
        assert option not in run.stdout, option
    (workdir / "config/frac.yaml").write_text("extract: {replicates: 4.5}\n")
    found = _dry_failure(workdir, "--configfile", "config/frac.yaml")
    assert "key 'extract.replicates' (config/frac.yaml, line 1): 4.5" in found, found
    assert "Write a whole number (such as 4 or 5)" in found, found
