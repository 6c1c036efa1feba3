"""One home for every default: the options dataclasses. The CLI takes its defaults from them,
the config schema lists the same values, and config/config.yaml departs from them only where
said below (STYLE.md section 6)."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigforge.cli import _build_parser
from sigforge.discovery.crossval import CVOptions
from sigforge.discovery.groups import DEFAULT_MERGE_COSINE
from sigforge.discovery.pipeline import NMFOptions
from sigforge.discovery.rank import RankRule
from sigforge.refit import DEFAULT_SEED, RefitOptions
from sigforge.refit.decompose import decompose_signatures

REPO = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
CONFIG = yaml.safe_load((REPO / "config/config.yaml").read_text())

#: Config keys with the default of a library object: (key, library default, commands, dest).
#: Every command listed must default its option to the same value.
DEFAULTS: list[tuple[str, Any, tuple[str, ...], str]] = [
    ("seed", DEFAULT_SEED, ("extract", "replicates", "consensus", "cross-validate",
                            "select-rank", "refit"), "seed"),
    ("extract.max_iter", NMFOptions().max_iter, ("extract", "replicates"), "max_iter"),
    ("extract.min_iter", NMFOptions().min_iter, ("extract", "replicates"), "min_iter"),
    ("extract.tol", NMFOptions().tol, ("extract", "cross-validate"), "tol"),
    ("extract.resampling", NMFOptions().resampling, ("extract", "replicates"), "resampling"),
    ("extract.normalisation", NMFOptions().normalisation, ("extract", "cross-validate"),
     "normalisation"),
    ("extract.cap", NMFOptions().cap, ("extract", "replicates"), "cap"),
    ("extract.volume", NMFOptions().volume, ("extract", "replicates", "select-rank"), "volume"),
    ("extract.starts", NMFOptions().starts, ("extract", "replicates", "select-rank"), "starts"),
    ("extract.merge_cosine", DEFAULT_MERGE_COSINE, ("extract", "merge-groups"), "min_cosine"),
    ("rank.fixed", RankRule().fixed_rank, ("extract", "select-rank"), "fixed_rank"),
    ("rank.min_mean_stability", RankRule().min_mean_stability, ("extract", "select-rank"),
     "min_mean_stability"),
    ("rank.min_component_stability", RankRule().min_component_stability,
     ("extract", "select-rank"), "min_component_stability"),
    ("rank.min_error_gain", RankRule().min_error_gain, ("extract", "select-rank"),
     "min_error_gain"),
    ("rank.drop_below_stability", RankRule().drop_below_stability, ("extract", "select-rank"),
     "drop_below_stability"),
    ("rank.max_dropped_components", RankRule().max_dropped_components,
     ("extract", "select-rank"), "max_dropped_components"),
    ("rank.rescue_min_stability", RankRule().rescue_min_stability, ("extract", "select-rank"),
     "rescue_min_stability"),
    ("rank.rescue_max_cosine", RankRule().rescue_max_cosine, ("extract", "select-rank"),
     "rescue_max_cosine"),
    ("rank.cv_folds", CVOptions().folds, ("extract", "cross-validate", "select-rank"),
     "cv_folds"),
    ("rank.cv_holdout", CVOptions().holdout, ("extract", "cross-validate"), "cv_holdout"),
    ("rank.cv_scheme", CVOptions().scheme, ("extract", "cross-validate"), "cv_scheme"),
    ("rank.cv_block", CVOptions().block, ("extract", "cross-validate"), "cv_block"),
    ("rank.cv_starts", CVOptions().starts, ("extract", "cross-validate"), "cv_starts"),
    ("rank.cv_max_iter", CVOptions().max_iter, ("extract", "cross-validate"), "cv_max_iter"),
    ("refit.method", RefitOptions().method, ("refit",), "method"),
    ("refit.penalty", RefitOptions().penalty, ("refit",), "penalty"),
    ("refit.cohort_prior", RefitOptions().cohort_prior, ("refit",), "cohort_prior"),
    ("refit.bootstrap", RefitOptions().bootstrap, ("refit",), "bootstrap"),
    ("refit.confidence", RefitOptions().confidence, ("refit",), "confidence"),
    ("refit.assay", RefitOptions().assay, ("refit", "report"), "assay"),
    ("refit.novel_below", inspect.signature(decompose_signatures).parameters["novel_below"]
     .default, ("refit",), "novel_below"),
]

#: Config keys without a library object: (key, commands, dest); the CLI default is the source.
CLI_ONLY: list[tuple[str, tuple[str, ...], str]] = [
    # select-rank's default is the rank folders' own count (their metrics.json), not 100
    ("extract.replicates", ("extract",), "replicates"),
    ("extract.replicates_per_chunk", ("extract",), "replicates_per_chunk"),
    ("genome_build", ("refit", "report"), "genome_build"),
    ("signatures", ("refit",), "decompose_into"),
    ("refit.tumour_type", ("refit",), "tumour_type"),
    ("refit.include_artefacts", ("refit",), "include_artefacts"),
    ("refit.regions_of_interest", ("refit",), "regions_of_interest"),
    ("signatures", ("report",), "signatures"),
    ("catalog.all_filters", ("catalog",), "all_filters"),
    ("catalog.contexts", ("catalog",), "contexts"),
    ("catalog.annotation", ("catalog",), "annotation"),
    ("catalog.multi_snvs_in_sbs", ("catalog",), "multi_snvs_in_sbs"),
    ("catalog.regions", ("catalog", "opportunities", "refit"), "regions"),
]

#: Where config/config.yaml departs from the schema's defaults on purpose: the bundled demo
#: tries ranks 2-8 with 20 replicates, one job per rank, to run end to end in minutes.
DELIBERATE = {"extract.ranks.min": 2, "extract.ranks.max": 8, "extract.replicates": 20,
              "extract.replicates_per_chunk": 20}


def schema_default(key: str) -> Any:
    """The schema's default of a dotted config key."""
    node = SCHEMA
    for part in key.split("."):
        node = node["properties"][part]
    assert "default" in node, f"{key}: no default in config.schema.yaml"
    return node["default"]


def config_value(key: str) -> Any:
    """The value of a dotted key in config/config.yaml."""
    node = CONFIG
    for part in key.split("."):
        node = node[part]
    return node


def cli_default(command: str, dest: str) -> Any:
    """The default of a command's option."""
    sub = next(action for action in _build_parser([command])._actions
               if isinstance(action, argparse._SubParsersAction))
    parser = sub.choices[command]
    assert any(action.dest == dest for action in parser._actions), f"{command}: no {dest}"
    return parser.get_default(dest)


@pytest.mark.parametrize(("key", "default", "commands", "dest"), DEFAULTS,
                         ids=[row[0] for row in DEFAULTS])
def test_schema_and_cli_defaults_are_the_dataclass_defaults(key: str, default: Any,
                                                            commands: tuple[str, ...],
                                                            dest: str) -> None:
    assert schema_default(key) == default
    for command in commands:
        assert cli_default(command, dest) == default, command


@pytest.mark.parametrize(("key", "commands", "dest"), CLI_ONLY, ids=[row[0] for row in CLI_ONLY])
def test_schema_defaults_are_the_cli_defaults(key: str, commands: tuple[str, ...],
                                              dest: str) -> None:
    for command in commands:
        assert cli_default(command, dest) == schema_default(key), command


def _leaves(node: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(dotted key, value) of every leaf of a nested mapping."""
    leaves = []
    for name, value in node.items():
        key = f"{prefix}{name}"
        leaves += _leaves(value, f"{key}.") if isinstance(value, dict) else [(key, value)]
    return leaves


def test_config_values_are_the_schema_defaults_but_the_demo_sizes() -> None:
    checked = 0
    for key, value in _leaves(CONFIG):
        node = SCHEMA
        for part in key.split("."):
            node = node["properties"][part]
        if "default" not in node:  # required inputs: samples sheet, reference FASTA
            continue
        expected = DELIBERATE.get(key, node["default"])
        assert value == expected, key
        checked += 1
    assert checked >= 30
    assert config_value("seed") == DEFAULT_SEED


def test_every_config_default_key_of_the_table_exists() -> None:
    """The tables above name real config keys (a renamed key must fail here)."""
    for key in [row[0] for row in DEFAULTS] + [row[0] for row in CLI_ONLY]:
        config_value(key)
        schema_default(key)


def test_select_rank_takes_the_rank_folders_replicates_by_default() -> None:
    """No default of its own: provenance records what the folders were factored with."""
    assert cli_default("select-rank", "replicates") is None
