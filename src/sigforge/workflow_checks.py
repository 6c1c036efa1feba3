"""Checks the workflow runs before it builds its job graph, so bad input fails in seconds."""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

import pandas as pd

from sigforge.contexts import SBS96_CHANNELS
from sigforge.io import InputError


def check_ranks(low: int, high: int, n_samples: int, fixed: int | None, *,
                n_features: int = len(SBS96_CHANNELS)) -> list[int]:
    """The ranks to try, or an error when the range is impossible for the data.

    A rank k needs k <= number of samples and k <= number of features (channels); a fixed rank
    must lie in the range.
    """
    limit = min(n_samples, n_features)
    if low > high:
        raise InputError(f"config extract.ranks: min ({low}) is larger than max ({high}).")
    if high > limit:
        raise InputError(f"config extract.ranks: max={high} is impossible with {n_samples} "
                         f"samples and {n_features} features, which support at most {limit} "
                         f"signatures. Set extract.ranks.max <= {limit}.")
    if fixed is not None and not low <= fixed <= high:
        raise InputError(f"config rank.fixed={fixed} lies outside extract.ranks "
                         f"({low}-{high}); widen the range or change the fixed rank.")
    return list(range(low, high + 1))


def check_inputs(reference: str, samples: pd.DataFrame) -> None:
    """Fail with one message listing the reference and every VCF that does not exist."""
    problems = []
    if not Path(reference).is_file():
        problems.append(f"reference FASTA '{reference}' (config key 'reference')")
    for name, vcf in zip(samples["sample_id"], samples["vcf"], strict=True):
        if not Path(vcf).is_file():
            problems.append(f"VCF '{vcf}' of sample '{name}' (samples sheet)")
    if problems:
        listed = "; ".join(problems[:10]) + (f"; and {len(problems) - 10} more"
                                            if len(problems) > 10 else "")
        raise InputError(f"input files not found (relative paths are taken from "
                         f"{Path.cwd()}): {listed}. Fix the paths or add the files.")


def refit_flags(section: dict[str, Any], seed: int, genome_build: str) -> str:
    """The ``sigforge refit`` options of the config's ``refit`` section, shell-quoted."""
    flags = ["--method", section["method"], "--bootstrap", str(section["bootstrap"]),
             "--confidence", str(section["confidence"]), "--seed", str(seed),
             "--genome-build", genome_build, "--decompose-into", section["reference"],
             "--novel-below", str(section["novel_below"])]
    if section.get("restrict_to"):
        flags += ["--restrict-to", ",".join(section["restrict_to"])]
    return " ".join(shlex.quote(flag) for flag in flags)


def input_shape(config: dict[str, Any]) -> tuple[int, int]:
    """(features, samples) of the generic input after cleaning; fails early on a bad table."""
    from sigforge.matrix import prepare_joint, prepare_matrix

    settings = config.get("matrix") or {}
    counts = bool(settings.get("counts", False))
    if config["type"] == "joint":
        modalities = config["joint"]["modalities"]
        prepared, _ = prepare_joint({m["name"]: m["path"] for m in modalities},
                                    {m["name"]: m.get("weight", 1.0) for m in modalities},
                                    counts=counts, log_dropped=False)
        return prepared.data.shape
    pixels = settings.get("features_are_pixels")
    prepared = prepare_matrix(settings["path"], counts=counts,
                              pixels=tuple(pixels) if pixels else None, log_dropped=False)
    return prepared.data.shape


def generic_refit_flags(section: dict[str, Any], seed: int, counts: bool) -> str:
    """``sigforge refit`` options in matrix and joint mode.

    Counts keep the configured method and bootstrap; real-valued data get plain NNLS without
    intervals, because the likelihood rule and the multinomial resamples assume counts.
    """
    flags = ["--generic", "--seed", str(seed)]
    if counts:
        flags += ["--method", section["method"], "--bootstrap", str(section["bootstrap"]),
                  "--confidence", str(section["confidence"])]
    else:
        flags += ["--method", "nnls", "--bootstrap", "0"]
    return " ".join(shlex.quote(flag) for flag in flags)
