"""The settings a discovery run's factorisations depend on, from the command line and from
the files of its earlier steps.

``replicates`` and ``cross-validate`` record their settings (seed, catalog name, NMF or CV
options) in every chunk and CV file; ``consensus`` takes them from the chunks into the rank
folder's metrics.json (under :data:`SETTINGS_KEY`, as in the chunks), and ``select-rank`` records in
provenance.json the settings its rank folders were built with, not its options' defaults
(:func:`resolve_folder_settings`). Split from :mod:`sigforge.cli.discovery` so that the
command module holds the commands.
"""

from __future__ import annotations

import argparse
import logging
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sigforge import DEFAULT_SEED
from sigforge.cli._common import catalog_name, field_default
from sigforge.cli._run_files import (
    DIGEST_KEY,
    SETTINGS_KEY,
    catalog_digest,
    check_same_settings,
    read_intermediate,
    settings_record,
)
from sigforge.discovery.crossval import CVOptions
from sigforge.discovery.pipeline import NMFOptions
from sigforge.io import InputError, read_json

#: The settings a rank folder records that are command-line options of ``select-rank`` (the
#: option of each is ``--`` + its name with dashes), with the default when neither the option
#: nor the folders give one (folders written before sigforge recorded their settings).
FOLDER_OPTIONS = {"seed": DEFAULT_SEED, "catalog_name": None,
                  **{name: field_default(NMFOptions, name)
                     for name in ("max_iter", "min_iter", "tol", "resampling", "normalisation",
                                  "cap", "volume", "starts")}}

logger = logging.getLogger(__name__)


def nmf_options(args: argparse.Namespace) -> NMFOptions:
    """NMF options from the shared command-line flags (checked by NMFOptions), and the seed."""
    if args.seed < 0:
        raise InputError(f"--seed: expected a whole number >= 0, got {args.seed}.")
    min_iter = args.min_iter
    if min_iter > args.max_iter:
        if min_iter != field_default(NMFOptions, "min_iter"):
            raise InputError(f"--min-iter {min_iter} exceeds --max-iter {args.max_iter}: no "
                             "replicate could run its minimum. Lower --min-iter or raise "
                             "--max-iter.")
        min_iter = args.max_iter  # the default minimum yields to a smaller cap the user set
    return NMFOptions(max_iter=args.max_iter, min_iter=min_iter, tol=args.tol,
                      resampling=args.resampling, normalisation=args.normalisation,
                      cap=args.cap, volume=args.volume, starts=args.starts,
                      counts=not getattr(args, "generic", False))


def warn_inert_cap(args: argparse.Namespace) -> None:
    """Say so when a --cap other than the default changes nothing: --normalisation none caps
    nothing, and the gmm threshold of a --generic matrix has no floor (its floor is a number
    of mutations)."""
    generic = getattr(args, "generic", False)
    # not the default, which the workflow's jobs pass whatever the normalisation
    if args.cap != field_default(NMFOptions, "cap") and (args.normalisation == "none" or (
            args.normalisation == "gmm" and generic)):
        logger.warning("--cap %g: changes nothing with --normalisation %s%s; it is the cap of "
                       "--normalisation cap%s. Drop it, or give --normalisation cap.",
                       args.cap, args.normalisation, " of a --generic matrix" if generic
                       else "", "" if generic else " and the floor of gmm's threshold")


def cv_options(args: argparse.Namespace) -> CVOptions:
    """Cross-validation options from the command-line flags (checked by CVOptions; stopping
    rule and normalisation as for replicates)."""
    nmf = nmf_options(args)
    return CVOptions(folds=args.cv_folds, holdout=args.cv_holdout, starts=args.cv_starts,
                     max_iter=args.cv_max_iter, min_iter=min(nmf.min_iter, args.cv_max_iter),
                     tol=nmf.tol, normalisation=nmf.normalisation, cap=nmf.cap,
                     scheme=args.cv_scheme, block=args.cv_block, counts=nmf.counts)


def chunk_settings(args: argparse.Namespace) -> dict[str, Any]:
    """What a chunk's factorisations depend on besides the catalog and the replicate indices:
    the seed, the catalog name (both key the random streams) and the NMF options. Sorted by
    key, so that ``consensus`` (from the chunks) and ``extract`` write the same metrics.json."""
    settings = {"seed": args.seed, "catalog_name": catalog_name(args),
                **asdict(nmf_options(args))}
    return dict(sorted(settings.items()))


def cv_settings(args: argparse.Namespace) -> dict[str, Any]:
    """What a CV file's folds depend on besides the catalog and the rank: the seed, the
    catalog name and the CV options (folds, scheme, ...)."""
    return {"seed": args.seed, "catalog_name": catalog_name(args), **asdict(cv_options(args))}


def records(data: pd.DataFrame, settings: dict[str, Any]) -> dict[str, np.ndarray]:
    """The arrays a chunk or CV file records beside its results: the factored catalog's
    digest and the settings, checked by the step that reads it."""
    return {DIGEST_KEY: np.array(catalog_digest(data)), SETTINGS_KEY: settings_record(settings)}


def apply_chunk_settings(args: argparse.Namespace, settings: dict[str, Any] | None,
                         first_chunk: str) -> None:
    """Give ``consensus`` the seed and catalog name its chunks were made with (both key the
    gap statistic's null sets, the name also names the components): taken from the chunks
    when the option is left out, refused naming the chunk when given otherwise."""
    for key, option in (("seed", "--seed"), ("catalog_name", "--catalog-name")):
        recorded = settings.get(key) if settings else None
        value = getattr(args, key)
        if given(value) and recorded is not None and value != recorded:
            raise InputError(
                f"{option} {value}: the chunks were made with {option} {recorded} (chunk file "
                f"{first_chunk}); a rank folder is built with its chunks' settings. Give "
                f"{option} {recorded} or leave it out.")
        if not given(value):
            setattr(args, key, recorded if recorded is not None else FOLDER_OPTIONS[key])


def rank_dir_settings(folder: Path) -> dict[str, Any] | None:
    """The settings a rank folder's metrics.json records (None: it records none, e.g. a
    folder of a skipped catalog or of an older version); a record that is not a JSON object
    is named as damage."""
    path = folder / "metrics.json"
    metrics = read_intermediate(path, read_json, "rank metrics file")
    value = metrics.get(SETTINGS_KEY) if isinstance(metrics, dict) else None
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InputError(f"rank metrics file {path} is damaged (its '{SETTINGS_KEY}' is "
                         f"{value!r}, not a JSON object); delete it and rerun - snakemake will "
                         "rebuild it.")
    return value


def resolve_folder_settings(args: argparse.Namespace, folders: list[Path]) -> None:
    """Fill the seed, catalog name and NMF options left out of ``select-rank`` from the
    settings its rank folders record, so that provenance.json says how they were built (it
    recorded the options' defaults beside folders of another seed): folders of different
    settings are refused naming two of them, and so is an option given with another value
    than theirs. An option the folders do not record (older folders) keeps its value or
    default."""
    found = [rank_dir_settings(folder) for folder in folders]
    check_same_settings([str(f) for f in folders], found, "rank folder")
    recorded = next((settings for settings in found if settings is not None), {})
    typed = {key for key in FOLDER_OPTIONS if given(getattr(args, key))}
    for key, default in FOLDER_OPTIONS.items():
        if key not in typed:
            setattr(args, key, recorded.get(key, default))
    resolved = {"seed": args.seed, "catalog_name": catalog_name(args) if args.catalog
                or args.catalog_name else None, **asdict(nmf_options(args))}
    for key in sorted(typed & set(recorded)):
        if resolved[key] != recorded[key]:
            option = "--" + key.replace("_", "-")
            raise InputError(
                f"{option} {getattr(args, key)}: the rank folders were built with {option} "
                f"{recorded[key]} ({folders[0] / 'metrics.json'}); provenance.json records "
                f"how they were built. Give {option} {recorded[key]} or leave it out.")


class _Unset:
    """Marks an option's default value: equal to it (``--help`` and the config's checks see
    the default), but recognisably not given on the command line, so that a command can take
    the value its input files record instead (:func:`given`)."""


def _unset(value: Any) -> Any:
    """``value`` (a number or text) as a marked default: an instance of a subclass of its type
    and of :class:`_Unset`. None stays None (not given either)."""
    if value is None:
        return None
    kind = type(value)
    return type(f"Unset{kind.__name__.title()}", (kind, _Unset), {})(value)


def given(value: Any) -> bool:
    """Whether an option's value was given on the command line, not left at its marked
    default (:func:`unset_defaults`)."""
    return value is not None and not isinstance(value, _Unset)


def unset_defaults(parser: argparse.ArgumentParser, names: list[str], whose: str) -> None:
    """Mark the defaults of the options ``names`` as not given (:func:`given`), the values
    taken from ``whose`` files when left out, and say so in --help."""
    for action in parser._actions:  # argparse keeps its options only here
        if action.dest in names:
            shown = action.default
            action.default = _unset(action.default)
            said = re.sub(r"\s*\(default:[^)]*\)", "", action.help or "")
            action.help = (f"{said} (default: {whose} own)" if shown is None else
                           f"{said} (default: {shown}, or {whose} own where they record it)")


def folder_option_defaults(parser: argparse.ArgumentParser) -> None:
    """Make the options of :data:`FOLDER_OPTIONS` default to the rank folders' own values
    (filled by :func:`resolve_folder_settings`)."""
    unset_defaults(parser, list(FOLDER_OPTIONS), "the rank folders'")


def group_fact(group: str | None) -> dict[str, str]:
    """provenance.json's ``group`` of a group's rank choice (``select-rank --group``, as
    ``extract --groups`` records it); nothing without a group. The name is checked as the
    group names of a groups file are (a plain name: it names the group's folder)."""
    from sigforge.genomics.samplesheet import check_group_name

    if group is None:
        return {}
    check_group_name(group, f"--group {group!r}")
    return {"group": group}


def digest_fact(digest: str | None) -> dict[str, str]:
    """provenance.json's record of the catalog the chosen rank was factored from (its
    :func:`catalog_digest`, as the rank folders record it), by which ``merge-groups`` refuses
    a recounted catalog; nothing when the folders record none (skipped, older versions)."""
    return {DIGEST_KEY: digest} if digest is not None else {}


#: The CV settings a cross-validation file records that are ``select-rank`` options, by the
#: option's destination (``cv_folds`` is ``--cv-folds``).
CV_OPTIONS = {"folds": "cv_folds", "holdout": "cv_holdout", "starts": "cv_starts",
              "max_iter": "cv_max_iter", "scheme": "cv_scheme", "block": "cv_block"}
#: Settings that a CV file and the rank folders both record and must share.
SHARED_SETTINGS = ("seed", "catalog_name", "normalisation", "cap", "tol")


def cv_option_defaults(parser: argparse.ArgumentParser) -> None:
    """Make ``select-rank``'s CV options default to the CV files' own values
    (:func:`resolve_cv_settings`)."""
    unset_defaults(parser, list(CV_OPTIONS.values()), "the CV files'")


def resolve_cv_settings(args: argparse.Namespace, paths: list[str],
                        recorded: dict[str, Any] | None) -> None:
    """Give ``select-rank`` the CV settings its --cv files were made with, so that
    provenance.json records them (it recorded the options' defaults, or options contradicting
    the files): an option left out takes the files' value, one given otherwise is refused,
    and so are files made with another seed, catalog name or normalisation than the rank
    folders (already resolved into ``args``). Without --cv files no CV was used: 0 folds."""
    if not paths:
        if given(args.cv_folds) and args.cv_folds:  # it would choose without CV, unsaid
            raise InputError(f"--cv-folds {args.cv_folds}: select-rank reads the CV errors "
                             "from --cv files (one per rank, written by 'sigforge "
                             "cross-validate'), and none were given. Give them with --cv, or "
                             "--cv-folds 0 to choose the rank without cross-validation.")
        args.cv_folds = 0
        return
    if recorded is None:  # files of an older version: the options stand
        return
    for key, dest in CV_OPTIONS.items():
        value = getattr(args, dest)
        if key not in recorded:
            continue
        if given(value) and value != recorded[key]:
            option = "--" + dest.replace("_", "-")
            raise InputError(f"{option} {value}: the --cv files were made with {option} "
                             f"{recorded[key]} ({paths[0]}); provenance.json records how "
                             f"they were made. Give {option} {recorded[key]} or leave it out.")
        if not given(value):
            setattr(args, dest, recorded[key])
    current = {"seed": args.seed, "normalisation": args.normalisation, "cap": args.cap,
               "tol": args.tol, "catalog_name": catalog_name(args)
               if args.catalog or args.catalog_name else None}
    for key in SHARED_SETTINGS:
        if key in recorded and current[key] is not None and recorded[key] != current[key]:
            option = "--" + key.replace("_", "-")
            raise InputError(f"--cv {paths[0]}: was made with {option} {recorded[key]!r}, but "
                             f"the rank folders with {option} {current[key]!r}: CV errors of "
                             "another run cannot choose among these ranks. Rerun "
                             "'cross-validate' with the rank folders' settings.")
