"""Settings that other settings make inert: one warning line each, before any job.

The schema checks each key on its own, so a setting that another setting switches off passes
silently: ``catalog.annotation`` without SBS288 among ``catalog.contexts``, ``rank.cv_scheme``
with ``rank.cv_folds: 0``, ``refit.penalty`` with ``refit.method: nnls``. The user believes the
run used it. :func:`inert_warnings` names each such setting that the user set (see
:func:`is_explicit`), why it has no effect and what would make it count;
``workflow/rules/common.smk`` prints the lines once, in the main process, while the Snakefile
is read (job processes never print them again). Values left at their defaults are never
named: they change nothing whether or not they apply, and a config copied from
config/config.yaml holds every key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sigforge.workflow.configs import load_config_file

#: Marks a key that a config (or the schema's defaults) does not hold.
MISSING: Any = object()


@dataclass(frozen=True)
class Inert:
    """One setting (dotted ``key``) made inert by another: ``why`` it has no effect (a clause
    following the key and its value) and the ``fix`` that would make it count (a sentence)."""

    key: str
    why: str
    fix: str


def lookup(config: Mapping[str, Any], key: str) -> Any:
    """The value of dotted ``key`` in a nested config, or :data:`MISSING`."""
    value: Any = config
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return MISSING
        value = value[part]
    return value


def schema_default(schema: Mapping[str, Any], key: str) -> Any:
    """The default the config schema gives dotted ``key`` (what an omitted key takes), or
    :data:`MISSING` when it gives none."""
    node: Any = schema
    for part in key.split("."):
        node = (node.get("properties") or {}).get(part) if isinstance(node, Mapping) else None
        if node is None:
            return MISSING
    return node.get("default", MISSING)


def given_keys(config: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Every dotted key a (nested) config holds, sections included: ``rank``, ``rank.cv_folds``."""
    keys = set()
    for name, value in config.items():
        dotted = f"{prefix}.{name}" if prefix else str(name)
        keys.add(dotted)
        if isinstance(value, Mapping):
            keys |= given_keys(value, dotted)
    return keys


def user_keys(files: Iterable[str | Path], overrides: Mapping[str, Any] | None) -> set[str]:
    """The dotted keys the user's config files (``--configfile``) and ``--config``
    (``overrides``) hold: the settings the user wrote, not those that fall back to the
    shipped config/config.yaml."""
    keys = given_keys(overrides or {})
    for path in files:
        keys |= given_keys(load_config_file(path))
    return keys


def departures(config: Mapping[str, Any], schema: Mapping[str, Any]) -> set[str]:
    """The dotted keys of ``config`` whose values differ from the schema's defaults: of the
    shipped config/config.yaml, the settings a user edited in place."""
    return {key for key in given_keys(config)
            if lookup(config, key) != schema_default(schema, key)}


def user_set_keys(files: Iterable[str | Path], overrides: Mapping[str, Any] | None,
                  shipped: str | Path, schema: Mapping[str, Any]) -> set[str]:
    """The keys the user set: those of the user's config files and ``--config``
    (:func:`user_keys`), and those of the shipped config file (``shipped``, when present)
    edited away from their defaults (:func:`departures`)."""
    keys = user_keys(files, overrides)
    if Path(shipped).is_file():
        keys |= departures(load_config_file(shipped), schema)
    return keys


def is_explicit(config: Mapping[str, Any], key: str, schema: Mapping[str, Any],
                given: set[str]) -> bool:
    """Whether the user set ``key``: its value differs from the schema's default, and the user
    wrote it (``given``: :func:`user_set_keys`; a value only the shipped file holds is the
    user's only when edited there).

    A value equal to the default is never named: the run is what it would be without it
    (and a user config copied from config/config.yaml holds every key at its default)."""
    value = lookup(config, key)
    if value is MISSING or value == schema_default(schema, key):
        return False
    return key in given


def shown(value: Any) -> str:
    """A config value as YAML writes it in flow style: genes.gtf, [SBS96, DBS78], null."""
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False)
    return text.removesuffix("\n...\n").strip()


def _section_rules(config: Mapping[str, Any]) -> Iterator[Inert]:
    """The ``matrix`` and ``joint`` sections outside the modes that read them."""
    mode = config.get("type", "vcf")
    if mode == "vcf":
        yield Inert("matrix", "has no effect: 'type' is vcf, which counts the samples sheet's "
                    "VCFs; the matrix section is read only with type matrix (and its counts "
                    "and depth with type joint)",
                    "Set 'type: matrix' to factor that table, or remove the matrix section.")
    if mode != "joint":
        yield Inert("joint", f"has no effect: 'type' is {mode}; the joint section is read "
                    "only with type joint",
                    "Set 'type: joint' to factor its modalities, or remove the joint section.")
    if mode == "joint":
        for key in ("matrix.path", "matrix.name", "matrix.features_are_pixels"):
            yield Inert(key, "has no effect: 'type' is joint, which factors the tables of "
                        "joint.modalities (named by joint.name); of the matrix section it "
                        "reads only counts and depth",
                        f"Remove {key}, or set 'type: matrix' to factor matrix.path alone.")


def _catalog_rules(config: Mapping[str, Any]) -> Iterator[Inert]:
    """``catalog.annotation`` without the SBS288 catalog, the only one that reads it."""
    contexts = lookup(config, "catalog.contexts")
    if contexts is not MISSING and "SBS288" not in contexts:
        yield Inert("catalog.annotation",
                    "has no effect: only the SBS288 catalog (transcriptional strand) reads "
                    f"it, and catalog.contexts ({shown(list(contexts))}) does not count SBS288",
                    "Add SBS288 to catalog.contexts to count strands, or remove "
                    "catalog.annotation.")


def _extract_rules(config: Mapping[str, Any], grouped: bool) -> Iterator[Inert]:
    """``extract.cap`` without normalisation; ``extract.merge_cosine`` without groups."""
    if lookup(config, "extract.normalisation") == "none":
        yield Inert("extract.cap", "has no effect: extract.normalisation is none, so no "
                    "sample is scaled down",
                    "Set extract.normalisation to cap (or gmm, whose threshold never falls "
                    "below cap) to use it, or remove extract.cap.")
    if grouped:
        return
    if config.get("type", "vcf") == "vcf":
        yield Inert("extract.merge_cosine", "has no effect: it merges the signatures of the "
                    f"samples sheet's groups, and the sheet ({config.get('samples')}) has no "
                    "'group' column, so each catalog is factored whole",
                    "Add a 'group' column to the samples sheet for stratified discovery, or "
                    "remove extract.merge_cosine.")
    else:
        yield Inert("extract.merge_cosine", "has no effect: it merges the signatures of the "
                    "samples sheet's groups, and stratified discovery exists only with "
                    "'type: vcf' (a 'group' column in the samples sheet)",
                    "Remove extract.merge_cosine.")


#: The rank section's keys that only the held-out cross-validation reads.
CV_KEYS = ("rank.cv_scheme", "rank.cv_holdout", "rank.cv_block", "rank.cv_starts",
           "rank.cv_max_iter")


def _cv_rules(config: Mapping[str, Any]) -> Iterator[Inert]:
    """Cross-validation settings with ``rank.cv_folds: 0``, and each scheme's share under
    the other scheme."""
    if lookup(config, "rank.cv_folds") == 0:
        for key in CV_KEYS:
            yield Inert(key, "has no effect: rank.cv_folds is 0, so no cross-validation runs",
                        f"Set rank.cv_folds to 2 or more (5 is the default) to use it, or "
                        f"remove {key}.")
        return
    scheme = lookup(config, "rank.cv_scheme")
    if scheme == "entries":
        yield Inert("rank.cv_block", "has no effect: rank.cv_scheme is entries, which hides "
                    "a share (rank.cv_holdout) of random entries; cv_block sizes the blocks of "
                    "the blocks scheme",
                    "Set rank.cv_scheme: blocks to use it, or remove rank.cv_block.")
    elif scheme == "blocks":
        yield Inert("rank.cv_holdout", "has no effect: rank.cv_scheme is blocks, which hides "
                    "a block (rank.cv_block) of samples x channels; cv_holdout is the share of "
                    "random entries of the entries scheme",
                    "Set rank.cv_scheme: entries to use it, or remove rank.cv_holdout.")


def effective_cv(rank: Mapping[str, Any], schema: Mapping[str, Any]) -> dict[str, Any]:
    """The ``rank`` section with every cross-validation setting nothing reads set to its
    schema default (all of :data:`CV_KEYS` with ``cv_folds: 0``; else ``cv_block`` under
    ``entries``, ``cv_holdout`` under ``blocks``): the jobs' settings, so that a value warned
    of as having no effect reruns nothing, and the records name the value the fit used."""
    defaults = schema["properties"]["rank"]["properties"]
    if rank.get("cv_folds") == 0:
        unread = [key.split(".", 1)[1] for key in CV_KEYS]
    else:
        unread = [{"entries": "cv_block", "blocks": "cv_holdout"}.get(rank.get("cv_scheme"),
                                                                       "")]
    effective = dict(rank)
    for key in unread:
        if "default" in defaults.get(key, {}):
            effective[key] = defaults[key]["default"]
    return effective


#: Thresholds of the rank rule that, beside a fixed rank, only mark the ranks in
#: rank_metrics.tsv and the report (the rank and its signatures are the fixed rank's).
MARKING_KEYS = ("rank.min_mean_stability", "rank.min_component_stability",
                "rank.min_error_gain", "rank.drop_below_stability",
                "rank.max_dropped_components")


def _rank_rules(config: Mapping[str, Any]) -> Iterator[Inert]:
    """The rank rule's thresholds beside ``rank.fixed``; the dropping and rescue settings
    that their partner setting switches off."""
    fixed = lookup(config, "rank.fixed")
    if fixed not in (None, MISSING):
        unfix = "Set rank.fixed: null to let the rule choose the rank, or remove {key}."
        for key in MARKING_KEYS:
            yield Inert(key, f"has no effect on the result: rank.fixed ({fixed}) chooses the "
                        "rank and keeps all its components; the threshold only marks the "
                        "ranks (stable, candidate, kept components) in rank_metrics.tsv and "
                        "the report", unfix.format(key=key))
        for key in ("rank.rescue_min_stability", "rank.rescue_max_cosine"):
            yield Inert(key, f"has no effect: rank.fixed ({fixed}) chooses the rank, and "
                        "components of larger ranks are added only to a rank the rule chose",
                        unfix.format(key=key))
        return
    drop, most = lookup(config, "rank.drop_below_stability"), \
        lookup(config, "rank.max_dropped_components")
    if drop is not MISSING and drop <= -1 and most != 0:
        yield Inert("rank.max_dropped_components", "has no effect: "
                    "rank.drop_below_stability is -1, so no component is left out",
                    "Set rank.drop_below_stability above -1 (0.2 is the default) to use it, or "
                    "remove rank.max_dropped_components.")
    if most == 0 and drop is not MISSING and drop > -1:
        yield Inert("rank.drop_below_stability", "has no effect: "
                    "rank.max_dropped_components is 0, so no component is left out",
                    "Set rank.max_dropped_components to 1 or more to use it, or remove "
                    "rank.drop_below_stability.")
    rescue = lookup(config, "rank.rescue_min_stability")
    if rescue is not MISSING and rescue > 1:
        yield Inert("rank.rescue_max_cosine", f"has no effect: rank.rescue_min_stability "
                    f"({rescue}) is above 1, so no component is added",
                    "Set rank.rescue_min_stability to 1 or less (0.95 is the default) to use "
                    "it, or remove rank.rescue_max_cosine.")


#: What each negbin-only refit setting is, for the message.
NEGBIN_KEYS = {"refit.penalty": "signature cost", "refit.cohort_prior": "cohort prior",
               "refit.tumour_type": "tumour-type prior"}


def _refit_method_rules(config: Mapping[str, Any]) -> Iterator[Inert]:
    """Settings of method negbin under another method; in matrix and joint mode with
    ``matrix.counts: false``, every count-model setting (the refit is plain NNLS and the
    replicates are scaled resamples); ``matrix.depth`` with counts."""
    mode = config.get("type", "vcf")
    counts = bool(lookup(config, "matrix.counts") is True)
    if mode != "vcf" and not counts:
        for key in ("refit.method", "refit.penalty", "refit.cohort_prior", "refit.bootstrap",
                    "refit.confidence", "extract.resampling"):
            what = ("each replicate redraws every sample at matrix.depth pseudo-counts "
                    "(scaled resampling)" if key == "extract.resampling" else
                    "the refit is plain NNLS without intervals")
            yield Inert(key, f"has no effect: matrix.counts is false (real values), so {what}; "
                        "the count models assume whole-number counts",
                        f"Set 'matrix: {{counts: true}}' if the tables hold counts, or remove "
                        f"{key}.")
        return
    if mode != "vcf":
        yield Inert("matrix.depth", "has no effect: matrix.counts is true, so the replicates "
                    "resample the counts themselves (extract.resampling); depth is the "
                    "pseudo-count total of real-valued tables",
                    "Remove matrix.depth, or set matrix.counts: false for real values.")
    method = lookup(config, "refit.method")
    if method in (MISSING, "negbin"):
        return
    for key, what in NEGBIN_KEYS.items():
        if key == "refit.tumour_type" and mode != "vcf":
            continue  # refused in matrix and joint mode (configs.check_mode_keys)
        yield Inert(key, f"has no effect: only refit.method negbin has a {what}, and "
                    f"refit.method is {method}",
                    f"Set refit.method: negbin to use it, or remove {key}.")


def _reference_rules(config: Mapping[str, Any], shipped_sets: Sequence[str]) -> Iterator[Inert]:
    """Vcf-mode settings of the shipped signature sets when neither set is shipped, and
    ``refit.novel_below`` when the refit set is the reference set itself."""
    if config.get("type", "vcf") != "vcf":
        return
    reference, refit = config.get("signatures"), lookup(config, "refit.signatures")
    if refit == reference:
        yield Inert("refit.novel_below", f"has no effect: refit.signatures is the reference "
                    f"set itself ({reference}), so no signatures are decomposed into it "
                    "(decomposition.tsv is the identity)",
                    "Set refit.signatures: denovo to flag novel de novo signatures, or remove "
                    "refit.novel_below.")
    if reference in shipped_sets or refit in shipped_sets:
        return
    neither = (f"neither signatures ({reference}) nor refit.signatures ({refit}) is a "
               f"shipped set ({', '.join(shipped_sets)})")
    fix = "Remove {key}, or name a shipped set in signatures or refit.signatures."
    yield Inert("genome_build", f"has no effect: it picks the build of the shipped "
                f"signature tables, and {neither}", fix.format(key="genome_build"))
    yield Inert("refit.include_artefacts", f"has no effect: it keeps a shipped set's "
                f"sequencing-artefact signatures, and {neither}",
                fix.format(key="refit.include_artefacts"))
    if lookup(config, "refit.assay") == "exome":
        yield Inert("refit.assay", f"has no effect: exome swaps in the shipped sets' exome "
                    f"tables, and {neither} (a user's table is used as given)",
                    fix.format(key="refit.assay"))


def inert_settings(config: Mapping[str, Any], *, grouped: bool,
                   shipped_sets: Sequence[str]) -> list[Inert]:
    """Every setting of the merged, validated ``config`` that another setting makes inert,
    whatever its value, each once (the first reason found). ``grouped``: the samples sheet
    has a ``group`` column; ``shipped_sets``: the names of the shipped signature sets."""
    found: dict[str, Inert] = {}
    for rule in (_section_rules(config), _catalog_rules(config),
                 _extract_rules(config, grouped), _cv_rules(config), _rank_rules(config),
                 _refit_method_rules(config), _reference_rules(config, shipped_sets)):
        for inert in rule:
            found.setdefault(inert.key, inert)
    return list(found.values())


def inert_warnings(config: Mapping[str, Any], schema: Mapping[str, Any] | str | Path, *,
                   given: set[str], grouped: bool = False,
                   shipped_sets: Sequence[str] | None = None,
                   source: str = "config") -> list[str]:
    """One warning line for each inert setting (:func:`inert_settings`) the user set
    (:func:`is_explicit`; ``given``: the keys the user wrote, :func:`user_set_keys`): the key
    and its value, why it has no effect, the fix. ``schema``: the config schema (or its YAML
    file), for the defaults."""
    if not isinstance(schema, Mapping):
        schema = yaml.safe_load(Path(schema).read_text(encoding="utf-8"))
    if shipped_sets is None:
        from sigforge.genomics.reference import available_references

        shipped_sets = available_references()
    return [f"sigforge: warning: {source}: {inert.key} ({shown(lookup(config, inert.key))}) "
            f"{inert.why}. {inert.fix}"
            for inert in inert_settings(config, grouped=grouped, shipped_sets=shipped_sets)
            if is_explicit(config, inert.key, schema, given)]
