"""The ``catalog`` and ``merge-catalogs`` commands, apart from :mod:`sigforge.commands` so that
counting does not pay for importing the discovery stack (scipy, numba) at start-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sigforge.io import InputError, read_matrix, read_table, write_matrix, write_table

logger = logging.getLogger("sigforge.commands")



def _catalog_options(args: argparse.Namespace) -> Any:
    """CatalogOptions from the catalog command's flags (reads the annotation if given)."""
    from sigforge.annotation import read_annotation
    from sigforge.catalog import CatalogOptions
    from sigforge.contexts import CATALOG_CONTEXTS

    contexts = tuple(dict.fromkeys(args.contexts))
    unknown = [c for c in contexts if c not in CATALOG_CONTEXTS]
    if unknown:
        raise InputError(f"--contexts {' '.join(unknown)}: unknown catalog; choose from "
                         f"{' '.join(CATALOG_CONTEXTS)}.")
    if "SBS288" in contexts and not args.annotation:
        raise InputError("--contexts SBS288 needs --annotation GENES.gtf (or a BED with a "
                         "strand column): the transcriptional strand comes from the genes.")
    annotation = read_annotation(args.annotation) if args.annotation else None
    return CatalogOptions(contexts, args.all_filters, annotation, args.multi_snvs_in_sbs)


def _rename(samples: list[Any], names: list[str] | None, path: Path) -> None:
    """Apply one --sample-name to the single sample of a file."""
    if names is None:
        return
    if len(samples) != 1:
        raise InputError(f"{path}: holds {len(samples)} samples "
                         f"{[s.sample for s in samples]}, so --sample-name cannot name it; "
                         "drop --sample-name (each sample keeps its own name) or pick one "
                         "column with --vcf-sample.")
    samples[0].sample = names.pop(0)


def _check_unique(named: list[tuple[str, str]]) -> None:
    """Reject a sample name that two inputs share, naming both files and the fixes."""
    seen: dict[str, str] = {}
    for name, source in named:
        if name in seen:
            raise InputError(f"sample name '{name}' comes from both {seen[name]} and {source} "
                             "(e.g. the same VCF sample column in two files). Name the samples "
                             "with --sample-name, or after their files with "
                             "--sample-from-filename.")
        seen[name] = source


def _log_sample(result: Any) -> None:
    """One stderr line per sample: what was read, counted and skipped."""
    counted = ", ".join(f"{k} {v}" for k, v in result.counted_by_kind.items())
    skipped = ", ".join(f"{k}={v}" for k, v in sorted(result.skipped.items()) if v)
    logger.info("%s: %d variants read; counted %s%s", result.sample, result.variants_read,
                counted or "nothing", f"; skipped {skipped}" if skipped else "")


def catalog(args: argparse.Namespace) -> None:
    """``sigforge catalog``: count each input's variants into the requested catalogs."""
    from sigforge.catalog import assemble_cohort, count_table
    from sigforge.genome import ReferenceGenome
    from sigforge.samplesheet import file_stems
    from sigforge.variants import collect_inputs, read_input

    paths = collect_inputs(args.vcf, args.vcf_dir, args.maf)
    if args.sample_name is not None and len(args.sample_name) != len(paths):
        raise InputError(f"--sample-name gives {len(args.sample_name)} names for {len(paths)} "
                         "input files; give one name per file.")
    if args.sample_name is not None:
        file_stems(list(args.sample_name), "--sample-name")
    options = _catalog_options(args)
    genome = ReferenceGenome(args.reference, keep_sequences=len(paths) > 1)
    if options.annotation is not None:
        options = dataclasses.replace(options,
                                      annotation=options.annotation.renamed(genome.resolve))
    names = list(args.sample_name) if args.sample_name is not None else None
    samples = []
    for path in tqdm(paths, desc="catalog", unit="file", disable=len(paths) < 5 or args.quiet):
        table = read_input(path, vcf_sample=args.vcf_sample,
                           sample_from_filename=args.sample_from_filename)
        results = count_table(table, genome, options)
        _rename(results, names, path)
        for result in results:
            _log_sample(result)
        samples.extend(results)
    genome.close()
    _check_unique([(s.sample, s.source) for s in samples])
    file_stems([s.sample for s in samples], "sigforge catalog")
    catalogs, log = assemble_cohort(samples, options.contexts)
    out = Path(args.out)
    for context, frame in catalogs.items():
        write_matrix(frame, out / f"{context}.tsv", integer=True)
    write_table(log, out / "catalog_log.tsv")
    totals = ", ".join(f"{c} {int(frame.to_numpy().sum())}" for c, frame in catalogs.items())
    logger.info("%d samples from %d files; counted %s; wrote %s", len(samples), len(paths),
                totals, out)


def merge_catalogs(args: argparse.Namespace) -> None:
    """``sigforge merge-catalogs``: join per-sample catalogs and logs in the order given.

    Every context file (``SBS96.tsv``, ``DBS78.tsv`` ...) present in the first input directory
    is merged; each other directory must hold the same set.
    """
    from sigforge.contexts import CATALOG_CONTEXTS

    folders = [Path(d) for d in args.inputs]
    contexts = [c for c in CATALOG_CONTEXTS if (folders[0] / f"{c}.tsv").exists()]
    if not contexts:
        raise InputError(f"{folders[0]}: no catalog file ({', '.join(CATALOG_CONTEXTS)}.tsv); "
                         "give directories written by 'sigforge catalog'.")
    for folder in folders[1:]:
        present = [c for c in CATALOG_CONTEXTS if (folder / f"{c}.tsv").exists()]
        if present != contexts:
            raise InputError(f"{folder}: holds catalogs {present} but {folders[0]} holds "
                             f"{contexts}; count every sample with the same --contexts.")
    merged = {}
    for context in contexts:
        cohort = pd.concat([read_matrix(f / f"{context}.tsv").data for f in folders], axis=1)
        duplicated = cohort.columns[cohort.columns.duplicated()]
        if len(duplicated):
            raise InputError(f"sample '{duplicated[0]}' appears in more than one input catalog.")
        merged[context] = cohort
    logs = pd.concat([read_table(f / "catalog_log.tsv") for f in folders])
    count_columns = [c for c in logs.columns if c != "source"]
    logs[count_columns] = logs[count_columns].fillna(0).astype(np.int64)
    out = Path(args.out)
    for context, cohort in merged.items():
        write_matrix(cohort, out / f"{context}.tsv", integer=True)
    write_table(logs, out / "catalog_log.tsv")
    logger.info("cohort catalogs %s: %d samples", ", ".join(contexts),
                merged[contexts[0]].shape[1])
