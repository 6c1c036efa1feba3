"""Settings made inert by other settings (sigforge.workflow.inert) and config keys written with
a dot (sigforge.workflow.config_keys): called directly, without Snakemake."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from sigforge.io import InputError
from sigforge.workflow import config_keys, inert

REPO = Path(__file__).resolve().parents[2]
SCHEMA = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
SHIPPED = yaml.safe_load((REPO / "config/config.yaml").read_text())
SETS = ("COSMIC_v3.6",)


def merged(*layers: dict[str, Any]) -> dict[str, Any]:
    """The shipped config with ``layers`` merged over it key by key, as Snakemake merges a
    --configfile over config/config.yaml."""
    def update(base: dict[str, Any], over: dict[str, Any]) -> None:
        for key, value in over.items():
            if isinstance(value, dict) and isinstance(base.get(key), dict):
                update(base[key], value)
            else:
                base[key] = copy.deepcopy(value)

    config = copy.deepcopy(SHIPPED)
    for layer in layers:
        update(config, layer)
    return config


def warnings(config: dict[str, Any], given: set[str] | None = None, *,
             grouped: bool = False) -> list[str]:
    """The warning lines of ``config``; the keys the user set are ``given``, by default those
    departing from the defaults (the shipped file edited in place, no user config)."""
    given = inert.departures(config, SCHEMA) if given is None else given
    return inert.inert_warnings(config, SCHEMA, given=given, grouped=grouped,
                                shipped_sets=SETS, source="config (mine.yaml)")


def named(lines: list[str], key: str) -> list[str]:
    """The lines naming ``key`` as the inert setting."""
    return [line for line in lines if line.startswith(f"sigforge: warning: config (mine.yaml): "
                                                      f"{key} (")]


MATRIX = {"type": "matrix", "matrix": {"path": "t.tsv", "counts": False}}
MATRIX_COUNTS = {"type": "matrix", "matrix": {"path": "t.tsv", "counts": True}}
JOINT = {"type": "joint", "joint": {"modalities": [{"name": "a", "path": "a.tsv"},
                                                   {"name": "b", "path": "b.tsv"}]}}
OWN_SETS = {"signatures": "mine.tsv", "refit": {"signatures": "denovo"}}

#: (case, the inert setting and what makes it inert, the setting that makes it count, key,
#: fragments of the line). Each case's key is named once with the first, never with the second.
CASES = [
    ("annotation-without-SBS288", {"catalog": {"annotation": "genes.gtf"}},
     {"catalog": {"contexts": ["SBS96", "SBS288"]}}, "catalog.annotation",
     ["(genes.gtf) has no effect", "does not count SBS288", "Add SBS288 to catalog.contexts"]),
    ("cap-without-normalisation", {"extract": {"normalisation": "none", "cap": 500}},
     {"extract": {"normalisation": "cap"}}, "extract.cap",
     ["extract.normalisation is none", "Set extract.normalisation to cap"]),
    ("merge-cosine-without-groups", {"extract": {"merge_cosine": 0.5}}, "grouped",
     "extract.merge_cosine", ["has no 'group' column", "Add a 'group' column"]),
    ("merge-cosine-in-matrix-mode", {**MATRIX, "extract": {"merge_cosine": 0.5}}, None,
     "extract.merge_cosine", ["exists only with 'type: vcf'"]),
    *[(f"{key}-without-folds", {"rank": {"cv_folds": 0, key: value}},
       {"rank": {"cv_folds": 3, "cv_scheme": "blocks" if key in ("cv_block", "cv_scheme")
                 else "entries"}}, f"rank.{key}",
       ["rank.cv_folds is 0", "Set rank.cv_folds to 2 or more"])
      for key, value in (("cv_scheme", "blocks"), ("cv_holdout", 0.3), ("cv_block", 0.4),
                         ("cv_starts", 4), ("cv_max_iter", 50))],
    ("cv-block-with-entries", {"rank": {"cv_block": 0.4}},
     {"rank": {"cv_scheme": "blocks"}}, "rank.cv_block",
     ["rank.cv_scheme is entries", "Set rank.cv_scheme: blocks"]),
    ("cv-holdout-with-blocks", {"rank": {"cv_scheme": "blocks", "cv_holdout": 0.3}},
     {"rank": {"cv_scheme": "entries"}}, "rank.cv_holdout",
     ["rank.cv_scheme is blocks", "Set rank.cv_scheme: entries"]),
    *[(f"{key}-with-fixed-rank", {"rank": {"fixed": 4, key: value}},
       {"rank": {"fixed": None}}, f"rank.{key}", ["rank.fixed (4) chooses the rank",
                                                  "Set rank.fixed: null"])
      for key, value in (("min_mean_stability", 0.9), ("min_component_stability", 0.5),
                         ("min_error_gain", 0.05), ("drop_below_stability", 0.4),
                         ("max_dropped_components", 2), ("rescue_min_stability", 0.8),
                         ("rescue_max_cosine", 0.7))],
    ("max-dropped-without-dropping",
     {"rank": {"drop_below_stability": -1, "max_dropped_components": 2}},
     {"rank": {"drop_below_stability": 0.2}}, "rank.max_dropped_components",
     ["rank.drop_below_stability is -1"]),
    ("drop-below-with-no-drops",
     {"rank": {"drop_below_stability": 0.4, "max_dropped_components": 0}},
     {"rank": {"max_dropped_components": 1}}, "rank.drop_below_stability",
     ["rank.max_dropped_components is 0"]),
    ("rescue-cosine-without-rescue",
     {"rank": {"rescue_min_stability": 1.5, "rescue_max_cosine": 0.7}},
     {"rank": {"rescue_min_stability": 0.95}}, "rank.rescue_max_cosine",
     ["(1.5) is above 1, so no component is added"]),
    *[(f"{key}-with-nnls", {"refit": {"method": "nnls", key: value}},
       {"refit": {"method": "negbin"}}, f"refit.{key}",
       ["only refit.method negbin has", "refit.method is nnls", "Set refit.method: negbin"])
      for key, value in (("penalty", 9), ("cohort_prior", False),
                         ("tumour_type", "Breast-AdenoCA"))],
    ("penalty-with-likelihood-on-counts",
     {**MATRIX_COUNTS, "refit": {"method": "likelihood", "penalty": 9}},
     {"refit": {"method": "negbin"}}, "refit.penalty", ["refit.method is likelihood"]),
    *[(f"{key}-on-real-values", {**MATRIX, "refit": {key: value}},
       {"matrix": {"counts": True}}, f"refit.{key}",
       ["matrix.counts is false", "plain NNLS without intervals",
        "Set 'matrix: {counts: true}'"])
      for key, value in (("method", "likelihood"), ("penalty", 9), ("cohort_prior", False),
                         ("bootstrap", 500), ("confidence", 0.9))],
    ("resampling-on-real-values", {**MATRIX, "extract": {"resampling": "multinomial"}},
     {"matrix": {"counts": True}}, "extract.resampling",
     ["matrix.counts is false", "scaled resampling"]),
    ("depth-with-counts", {**MATRIX_COUNTS, "matrix": {"counts": True, "depth": 500}},
     {"matrix": {"counts": False}}, "matrix.depth", ["matrix.counts is true"]),
    ("genome-build-without-shipped-set", {**OWN_SETS, "genome_build": "GRCh38"},
     {"signatures": "COSMIC_v3.6"}, "genome_build",
     ["neither signatures (mine.tsv) nor refit.signatures (denovo) is a shipped set"]),
    ("artefacts-without-shipped-set", {**OWN_SETS, "refit": {"include_artefacts": True}},
     {"refit": {"signatures": "COSMIC_v3.6"}}, "refit.include_artefacts",
     ["sequencing-artefact signatures"]),
    ("exome-without-shipped-set", {**OWN_SETS, "refit": {"assay": "exome"}},
     {"signatures": "COSMIC_v3.6"}, "refit.assay", ["a user's table is used as given"]),
    ("novel-below-refitting-the-reference",
     {"refit": {"signatures": "COSMIC_v3.6", "novel_below": 0.8}},
     {"refit": {"signatures": "denovo"}}, "refit.novel_below",
     ["refit.signatures is the reference set itself"]),
    ("matrix-section-in-vcf-mode", {"matrix": {"path": "t.tsv"}}, {"type": "matrix"},
     "matrix", ["'type' is vcf", "Set 'type: matrix'"]),
    ("joint-section-in-matrix-mode", {**MATRIX, "joint": JOINT["joint"]}, {"type": "joint"},
     "joint", ["'type' is matrix", "Set 'type: joint'"]),
    ("matrix-path-in-joint-mode", {**JOINT, "matrix": {"path": "t.tsv"}}, {"type": "matrix"},
     "matrix.path", ["'type' is joint", "reads only counts and depth"]),
]


@pytest.mark.parametrize(("case", "inert_config", "counting", "key", "fragments"), CASES,
                         ids=[case[0] for case in CASES])
def test_an_inert_setting_gets_one_line_naming_why_and_the_fix(
        case: str, inert_config: dict, counting: Any, key: str, fragments: list[str]) -> None:
    lines = named(warnings(merged(inert_config)), key)
    assert len(lines) == 1, (case, lines)
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    if counting == "grouped":
        assert not named(warnings(merged(inert_config), grouped=True), key)
    elif counting is not None:
        assert not named(warnings(merged(inert_config, counting)), key), case


@pytest.mark.parametrize("extra", [{}, {"type": "matrix", "matrix": {"path": "t.tsv"}}])
def test_the_shipped_config_and_examples_warn_of_nothing(extra: dict) -> None:
    assert warnings(merged(extra)) == []
    for name in ("matrix_example.yaml", "joint_example.yaml"):
        example = yaml.safe_load((REPO / "config" / name).read_text())
        assert warnings(merged(example), inert.given_keys(example)) == [], name


def test_settings_left_at_their_defaults_are_not_named() -> None:
    """A copy of config/config.yaml with cv_folds 0 holds every other CV key at its default:
    they change nothing either way, so none is named."""
    config = merged({"rank": {"cv_folds": 0}, "refit": {"method": "nnls"}})
    assert warnings(config, inert.given_keys(config)) == []


def test_only_the_keys_the_users_config_holds_are_named() -> None:
    """A setting the user's config does not hold (only the merged config does) is not named;
    every setting the user wrote is."""
    config = merged({"rank": {"cv_folds": 0, "cv_block": 0.4, "cv_starts": 3}})
    given = {"rank", "rank.cv_folds", "rank.cv_block"}
    assert [line.split(": ")[3].split(" (")[0] for line in warnings(config, given)] == \
        ["rank.cv_block"]
    assert len(warnings(config, given | {"rank.cv_starts"})) == 2


def test_a_setting_with_two_reasons_is_named_once() -> None:
    """cv_holdout with cv_folds 0 and cv_scheme blocks: one line, the first reason."""
    config = merged({"rank": {"cv_folds": 0, "cv_scheme": "blocks", "cv_holdout": 0.3}})
    lines = named(warnings(config), "rank.cv_holdout")
    assert len(lines) == 1 and "rank.cv_folds is 0" in lines[0]


def test_user_keys_reads_every_file_and_the_command_line(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("rank:\n  cv_folds: 0\n")
    second.write_text("refit: {method: nnls}\n")
    keys = inert.user_keys([first, second], {"extract": {"cap": "500"}})
    assert keys == {"rank", "rank.cv_folds", "refit", "refit.method", "extract",
                    "extract.cap"}


def test_edits_of_the_shipped_file_count_beside_a_user_config(tmp_path: Path) -> None:
    """config/config.yaml edited in place (cv_block 0.4) and run with --config outdir=x: the
    edit is the user's; the shipped file's untouched defaults are not."""
    shipped = tmp_path / "config.yaml"
    edited = merged({"rank": {"cv_folds": 0, "cv_block": 0.4}})
    shipped.write_text(yaml.safe_dump(edited))
    keys = inert.user_set_keys([], {"outdir": "x"}, shipped, SCHEMA)
    assert {"outdir", "rank.cv_folds", "rank.cv_block"} <= keys
    assert "rank.cv_scheme" not in keys and "refit.penalty" not in keys
    assert [line.split(": ")[3].split(" (")[0] for line in warnings(edited, keys)] == \
        ["rank.cv_block"]
    assert inert.user_set_keys([], None, tmp_path / "absent.yaml", SCHEMA) == set()


def test_schema_defaults_and_lookup() -> None:
    assert inert.schema_default(SCHEMA, "rank.cv_scheme") == "entries"
    assert inert.schema_default(SCHEMA, "matrix.path") is inert.MISSING
    assert inert.lookup({"a": {"b": 1}}, "a.b") == 1
    assert inert.lookup({"a": 1}, "a.b") is inert.MISSING


# Keys written with a dot ---------------------------------------------------------------------


@pytest.mark.parametrize(("config", "fragments"), [
    ({"extract.replicates": 8},
     ["key 'extract.replicates' is one key whose name holds a dot",
      "'extract: {replicates: 8}' in the config file", "--config 'extract={replicates: 8}'"]),
    # --config 'extract={ranks.max: 3}' gives the nested value as text
    ({"extract": {"ranks.max": "3"}},
     ["key 'ranks.max' in the section 'extract'", "does not set extract.ranks.max",
      "--config 'extract={ranks: {max: 3}}'"]),
])
def test_a_dotted_key_is_refused_with_the_nested_form(config: dict,
                                                      fragments: list[str]) -> None:
    with pytest.raises(InputError) as caught:
        config_keys.check_dotted_keys(merged(config), SCHEMA, "config (mine.yaml)")
    for fragment in fragments:
        assert fragment in str(caught.value), str(caught.value)


@pytest.mark.parametrize("config", [{}, {"sampels.x": 1}, {"rank": {"cv.folds": 2}}])
def test_keys_whose_first_part_is_unknown_are_left_to_the_schema(config: dict) -> None:
    config_keys.check_dotted_keys(merged(config), SCHEMA)
