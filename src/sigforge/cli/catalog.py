"""The ``catalog``, ``merge-catalogs`` and ``opportunities`` commands, apart from
:mod:`sigforge.cli.commands` so that counting does not pay for importing the discovery stack
(scipy, numba) at start-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from sigforge.cli._common import add_command
from sigforge.cli.catalog_checks import (
    check_distinct_sources,
    check_no_repeats,
    check_same_log_columns,
    ordered_log_columns,
    read_sample_dir,
    warn_identical_samples,
    warn_mixed_fingerprints,
)
from sigforge.cli.catalog_names import check_repeated_names, clash_fix
from sigforge.genomics.accounting import LOG_TEXT_COLUMNS
from sigforge.io import (
    InputError,
    discard_output,
    protected_label,
    write_matrix,
    write_table,
)

if TYPE_CHECKING:
    from sigforge.genomics.catalog import CatalogOptions

logger = logging.getLogger(__name__)


def _catalog_options(args: argparse.Namespace) -> CatalogOptions:
    """CatalogOptions from the catalog command's flags (reads the annotation if given)."""
    from sigforge.genomics.annotation import read_annotation
    from sigforge.genomics.catalog import CatalogOptions
    from sigforge.genomics.contexts import CATALOG_CONTEXTS

    contexts = tuple(dict.fromkeys(args.contexts))
    unknown = [c for c in contexts if c not in CATALOG_CONTEXTS]
    if unknown:
        raise InputError(f"--contexts {' '.join(unknown)}: unknown catalog; choose from "
                         f"{' '.join(CATALOG_CONTEXTS)}.")
    if "SBS96" not in contexts and {"SBS288", "SBS1536"} & set(contexts):
        unplaced = (", and an SNV SBS1536 cannot place (no base 2 bp away) would otherwise "
                    "be in no catalog and no skip column" if "SBS1536" in contexts else "")
        logger.warning("--contexts %s: SBS96 is counted too: the log's accounting counts SNVs "
                       "as counted_SBS96%s.", " ".join(contexts), unplaced)
        contexts = ("SBS96", *contexts)
    multi = args.multi_snvs_in_sbs
    if multi and not {"SBS96", "SBS288", "SBS1536"} & set(contexts):
        logger.warning("--multi-snvs-in-sbs counts doublets' SNVs in the SBS catalogs too; "
                       "--contexts %s counts none, so it changes nothing.", " ".join(contexts))
        multi = False
    elif multi and "DBS78" not in contexts:
        logger.warning("--multi-snvs-in-sbs: DBS78 is counted too: the SNVs of doublets are "
                       "counted there and a second time in SBS (also_in_sbs), and without "
                       "DBS78 the log would skip as not_requested what SBS96 counts.")
        contexts = (*contexts, "DBS78")
    if "SBS288" in contexts and not args.annotation:
        raise InputError("--contexts SBS288 needs --annotation GENES.gtf (or a BED with a "
                         "strand column): the transcriptional strand comes from the genes.")
    annotation = read_annotation(args.annotation) if args.annotation else None
    return CatalogOptions(contexts, args.all_filters, annotation, multi)


def _rename(samples: list[Any], names: list[str] | None, path: Path) -> None:
    """Apply one --sample-name to the single sample of a file."""
    if names is None:
        return
    if len(samples) != 1:
        names_held = [s.sample for s in samples]
        raise InputError(f"{path}: holds {len(samples)} samples {names_held[:10]}"
                         f"{' ...' if len(names_held) > 10 else ''}, so --sample-name cannot "
                         "name it; "
                         "drop --sample-name (each sample keeps its own name) or pick one "
                         "column with --vcf-sample (in the workflow: the samples sheet's "
                         "vcf_sample column).")
    samples[0].sample = names.pop(0)


#: Header of the catalogs' channel column (:func:`sigforge.io.write_matrix`): no sample name.
_CHANNEL_LABEL = "MutationType"


def _check_unique(named: list[tuple[str, str]], from_filename: bool = False) -> None:
    """Reject a sample name that two inputs share, or that is the catalogs' channel header,
    naming the files and the fixes.

    With ``from_filename`` the names are the files' own (--sample-from-filename), so the fix
    is to rename a file or name the samples otherwise, not the option already given.
    """
    seen: dict[str, str] = {}
    for name, source in named:
        if name == _CHANNEL_LABEL:
            other = ("rename the file, or name the sample with --sample-name" if from_filename
                     else "name the sample otherwise with --sample-name (or "
                          "--sample-from-filename)")
            raise InputError(f"sample name '{name}' (from {source}) is the catalogs' channel "
                             "column header, so the written catalog would hold that column "
                             f"twice. To fix it, {other}.")
        if name in seen:
            raise InputError(f"sample name '{name}' comes from both {seen[name]} and {source} "
                             f"{clash_fix(name, seen[name], source, from_filename)}")
        seen[name] = source


def _log_sample(result: Any) -> None:
    """One stderr line per sample: what was read, counted and skipped (the filtered variants
    by the filters they failed)."""
    from sigforge.genomics.accounting import skip_summary

    counted = ", ".join(f"{k} {v}" for k, v in result.counted_by_kind.items())
    skipped = skip_summary(result)
    logger.info("%s: %d variants read; counted %s%s", result.sample, result.variants_read,
                counted or "nothing", f"; skipped {skipped}" if skipped else "")


def catalog(args: argparse.Namespace) -> None:
    """``sigforge catalog``: count each input's variants into the requested catalogs."""
    from sigforge.genomics.accounting import log_fingerprints
    from sigforge.genomics.catalog import assemble_cohort
    from sigforge.genomics.genome import ReferenceGenome
    from sigforge.genomics.input_files import collect_inputs, count_table, read_input

    if args.vcf_dir:
        _check_vcf_dir_entries(Path(args.vcf_dir))
    if args.sample_from_filename and args.vcf_sample is not None:
        raise InputError("--sample-from-filename counts every record of a file as one sample "
                         "named after the file, whatever its genotypes; --vcf-sample counts "
                         "one sample of it by its genotypes (a MAF's by its barcode). Give "
                         "one of the two; to name --vcf-sample's catalog column otherwise, "
                         "add --sample-name.")
    paths = collect_inputs(args.vcf, args.vcf_dir, args.maf)
    if args.sample_name is not None and len(args.sample_name) != len(paths):
        raise InputError(f"--sample-name gives {len(args.sample_name)} names for {len(paths)} "
                         "input files; give one name per file.")
    if args.sample_name is not None:
        from sigforge.genomics.samplesheet import file_stems

        check_repeated_names(args.sample_name, paths)
        file_stems(list(args.sample_name), "--sample-name")
    options = _catalog_options(args)
    out = Path(args.out)
    stale = _stale_contexts(out, options.contexts)  # before this run writes its own log
    _check_outputs(out, [f"{context}.tsv" for context in options.contexts]
                   + ["catalog_log.tsv"], stale)
    genome = ReferenceGenome(args.reference, keep_sequences=len(paths) > 1)
    if args.regions is not None:
        from sigforge.genomics.target_regions import read_target_regions

        options = dataclasses.replace(options, regions=read_target_regions(
            args.regions, genome.lengths, genome.resolve))
    if options.annotation is not None:
        options = dataclasses.replace(options,
                                      annotation=options.annotation.renamed(
                                          genome.resolve, genome.lengths))
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
    _check_unique([(s.sample, s.source) for s in samples], args.sample_from_filename)
    _check_file_stems(samples)
    catalogs, log = assemble_cohort(samples, options.contexts, log_fingerprints(
        args.reference, genome.lengths, options.regions,
        options.annotation if "SBS288" in options.contexts else None))
    warn_identical_samples(catalogs)
    for context, frame in catalogs.items():
        write_matrix(frame, out / f"{context}.tsv", integer=True)
    write_table(log, out / "catalog_log.tsv")
    _remove_other_contexts(stale)
    from sigforge.cli.own_outputs import write_manifest

    write_manifest(out, CATALOG_MANIFEST, [out / f"{context}.tsv" for context in catalogs]
                   + [out / "catalog_log.tsv"])
    totals = ", ".join(f"{c} {int(frame.to_numpy().sum())}" for c, frame in catalogs.items())
    logger.info("%d samples from %d files; counted %s; wrote %s", len(samples), len(paths),
                totals, out)
    _warn_regions_hold_nothing(args, log)


def _warn_regions_hold_nothing(args: argparse.Namespace, log: Any) -> None:
    """Warn when --regions left every variant of every sample outside: a BED of another
    build or contig naming, or one covering gaps, gives all-zero catalogs without an error."""
    if args.regions is None or "outside_regions" not in log.columns:
        return
    outside = int(log["outside_regions"].sum())
    counted = int(log[[c for c in log.columns if c.startswith("counted_")]].to_numpy().sum())
    if outside and not counted:
        logger.warning("--regions %s: all %d variants of the %d sample(s) that reached the "
                       "region check lie outside the regions, so every catalog is zero. Check "
                       "that the BED is of the FASTA's build and covers the assay's targets.",
                       args.regions, outside, len(log))


#: The files a catalog run wrote into its --out, for the next run's stale-catalog removal.
CATALOG_MANIFEST = ".catalog_files"


def _stale_contexts(out: Path, contexts: tuple[str, ...]) -> list[Path]:
    """The catalogs in ``out`` of contexts this run does not count that an earlier catalog
    run wrote (with other --contexts; its manifest lists them), which
    :func:`_remove_other_contexts` removes at the end. A file of that name the user put
    there is not the command's to delete."""
    from sigforge.cli.own_outputs import earlier_run_files
    from sigforge.genomics.contexts import CATALOG_CONTEXTS

    ours = earlier_run_files(out, CATALOG_MANIFEST, "catalog_log.tsv")
    return [out / f"{context}.tsv" for context in CATALOG_CONTEXTS
            if context not in contexts and (out / f"{context}.tsv").is_file()
            and ours(out / f"{context}.tsv")]


def _remove_other_contexts(stale: list[Path]) -> None:
    """Delete the ``stale`` catalogs (:func:`_stale_contexts`): an earlier run with
    other --contexts left them, and beside this run's log (which counts none of them) they
    would pass for its results (``merge-catalogs`` would then call the folder damaged).

    Removed through :func:`sigforge.io.discard_output`: put back if the command fails after
    all, and never a file the command reads (:func:`_check_outputs` refused that already).
    """
    for path in stale:
        if discard_output(path):
            logger.info("removed %s: a catalog of an earlier run with other --contexts", path)


def _check_outputs(out: Path, names: list[str], removed: list[Path] | None = None) -> None:
    """Before any work, refuse outputs that cannot be written: a folder (or other non-file)
    standing at an output's name, an output or a file to be removed (``removed``: an earlier
    run's catalogs) that is one of the command's inputs.

    Found only when written, the first would stop the command after all the counting, and
    the others would replace or delete the user's data (refused there too, but late).
    """
    for name in names:
        path = out / name
        if path.exists() and not path.is_file():
            what = "a folder" if path.is_dir() else "not a regular file"
            raise InputError(f"--out {out}: {path} is {what}, but this command writes its "
                             f"output {name} there. Remove or rename {path}, or choose "
                             "another --out.")
        label = protected_label(path)
        if label is not None:
            raise InputError(f"--out {out}: the output {path} would overwrite the input "
                             f"{label}; this command never replaces a file it reads. Move "
                             "the input out of --out, or choose another --out.")
    for path in removed or []:
        label = protected_label(path)
        if label is not None:
            raise InputError(f"--out {out}: {path} is the input {label}, but it is named "
                             "like a catalog of another context, which a rerun removes from "
                             "--out as an earlier run's output. Move the input out of --out "
                             "(or rename it, or choose another --out); this command never "
                             "deletes a file it reads.")


def _check_vcf_dir_entries(folder: Path) -> None:
    """Refuse an entry of --vcf-dir named like a variant file that is not a readable regular
    file (a dangling link, a folder, a link to a device): it would be passed over, and its
    sample left out of the cohort without a word; the same path given with --vcf is refused.
    """
    from sigforge.genomics.variant_table import MAF_SUFFIXES, VCF_SUFFIXES

    if not folder.is_dir():
        return  # collect_inputs names it
    for entry in sorted(folder.iterdir()):
        if not entry.name.lower().endswith(VCF_SUFFIXES + MAF_SUFFIXES) or entry.is_file():
            continue
        if entry.is_symlink() and not entry.exists():
            what = (f"a dangling symbolic link (its target {os.readlink(entry)} does not "
                    "exist)")
        elif entry.is_dir():
            what = "a folder, not a file"
        else:
            what = ("not a regular file (a device, named pipe or socket, which may never end "
                    "or may block waiting for a writer)")
        raise InputError(f"--vcf-dir {folder}: {entry.name} is {what}, so its sample cannot "
                         "be read and would be left out of the cohort. Put the variant file "
                         f"itself there (or fix the link), or remove {entry} from the "
                         "folder.")


def _check_file_stems(samples: list) -> None:
    """Refuse sample names that would share a file name (the same once unsafe characters are
    replaced, or differing only in case), naming the input file each came from."""
    from sigforge._validation import lookalike_key, lookalike_reason
    from sigforge.genomics.samplesheet import file_stem, file_stems

    seen: dict[str, tuple[str, str]] = {}
    for sample in samples:
        try:
            file_stems([sample.sample], f"{sample.source}: sample")
        except InputError as err:
            raise InputError(f"{err} Name it with --sample-name (one name per input), or "
                             "rename it in the input (the VCF's sample column, the MAF's "
                             "Tumor_Sample_Barcode).") from err
        stem = file_stem(lookalike_key(sample.sample)).lower()
        other = seen.setdefault(stem, (sample.sample, sample.source))
        if other[0] != sample.sample and lookalike_key(other[0]) == lookalike_key(
                sample.sample):  # two Unicode forms, an invisible character
            raise InputError(f"{sample.source}: sample {ascii(sample.sample)} and sample "
                             f"{ascii(other[0])} (of {other[1]}) "
                             f"{lookalike_reason(other[0], sample.sample)}, so every output "
                             "would show them as one sample (or write them to one file). "
                             "Spell both the same way if they are one sample, or rename one "
                             "(--sample-name, or the MAF's Tumor_Sample_Barcode / the VCF's "
                             "sample column).")
        if other[0] != sample.sample:
            raise InputError(f"{sample.source}: sample '{sample.sample}' and sample "
                             f"'{other[0]}' (of {other[1]}) both become the file name "
                             f"'{file_stem(sample.sample)}' once unsafe characters are replaced "
                             "(or differ only in case), so their per-sample outputs would "
                             "overwrite each other. Rename one of them (--sample-name, or the "
                             "VCF's sample column / the MAF's Tumor_Sample_Barcode).")


def merge_catalogs(args: argparse.Namespace) -> None:
    """``sigforge merge-catalogs``: join per-sample catalogs and logs in the order given.

    Every context file (``SBS96.tsv``, ``DBS78.tsv`` ...) present in the first input directory
    is merged; each other directory must hold the same set. Each directory is checked whole
    (all channels, whole counts, a log that agrees with the catalogs), so that a file cut
    short stops the merge with the directory to recount instead of merging wrong numbers.
    """
    from sigforge.genomics.contexts import CATALOG_CONTEXTS

    folders = [Path(d) for d in args.inputs]
    for folder in folders:  # before the context check, which would list no catalogs for them
        if not folder.exists():
            raise InputError(f"--inputs {folder}: not found. Check the path (relative paths "
                             f"are taken from the working directory {Path.cwd()}); give the "
                             "folders that 'sigforge catalog --out' wrote.")
        if not folder.is_dir():
            raise InputError(f"--inputs {folder}: is a file, not a catalog folder. Give the "
                             f"folder that 'sigforge catalog --out' wrote ({folder.parent}), "
                             "not a file inside it.")
    contexts = [c for c in CATALOG_CONTEXTS if (folders[0] / f"{c}.tsv").exists()]
    for folder in folders:  # a folder without any catalog is named as such, wherever it is
        if not any((folder / f"{c}.tsv").exists() for c in CATALOG_CONTEXTS):
            names = ", ".join(f"{c}.tsv" for c in CATALOG_CONTEXTS)
            raise InputError(f"--inputs {folder}: holds no catalog file ({names}); give "
                             "folders written by 'sigforge catalog --out'.")
    for folder in folders[1:]:
        present = [c for c in CATALOG_CONTEXTS if (folder / f"{c}.tsv").exists()]
        if present != contexts:
            raise InputError(f"{folder}: holds catalogs {present} but {folders[0]} holds "
                             f"{contexts}; count every sample with the same --contexts.")
    out = Path(args.out)
    _check_outputs(out, [f"{context}.tsv" for context in contexts] + ["catalog_log.tsv"])
    parts = [read_sample_dir(folder, contexts) for folder in folders]
    check_no_repeats(folders, [log for _, log in parts])
    check_same_log_columns(folders, [log for _, log in parts])
    check_distinct_sources(folders, [log for _, log in parts],
                           [catalogs for catalogs, _ in parts],
                           "all" if args.allow_identical
                           else "columns" if args.allow_identical_columns else "none")
    merged = {context: pd.concat([catalogs[context] for catalogs, _ in parts], axis=1)
              for context in contexts}
    warn_mixed_fingerprints(folders, [log for _, log in parts])
    logs = pd.concat([log for _, log in parts])
    logs = logs[ordered_log_columns(list(logs.columns))]
    count_columns = [c for c in logs.columns if c not in LOG_TEXT_COLUMNS]
    logs[count_columns] = logs[count_columns].fillna(0).astype(np.int64)
    for context, cohort in merged.items():
        write_matrix(cohort, out / f"{context}.tsv", integer=True)
    write_table(logs, out / "catalog_log.tsv")
    logger.info("cohort catalogs %s: %d samples", ", ".join(contexts),
                merged[contexts[0]].shape[1])


def opportunities(args: argparse.Namespace) -> None:
    """``sigforge opportunities``: context counts of the whole FASTA and of the regions."""
    from sigforge.genomics.genome import ReferenceGenome
    from sigforge.genomics.opportunities import count_opportunities
    from sigforge.genomics.target_regions import read_target_regions

    genome = ReferenceGenome(args.reference)
    regions = (read_target_regions(args.regions, genome.lengths, genome.resolve)
               if args.regions else None)
    total = sum(genome.lengths.values())
    logger.info("counting contexts in %d contig(s), %s bases", len(genome.lengths),
                f"{total:,}")
    with tqdm(total=total, desc="opportunities", unit="b", unit_scale=True,
              disable=total < 50_000_000 or args.quiet) as bar:
        table = count_opportunities(genome, regions, progress=bar.update)
    genome.close()
    if regions is not None and not table.loc[table["kind"] == "trinucleotide", "regions"].sum():
        raise InputError(f"--regions {args.regions}: the regions hold no trinucleotide of "
                         f"A/C/G/T bases ({regions.bases:,} bases covered, all N or at contig "
                         "ends), so no mutation could be counted in them. Check that the BED "
                         "is of the FASTA's build and covers the assay's targets.")
    write_table(table.set_index("kind"), args.out)
    trinucleotides = table[table["kind"] == "trinucleotide"]
    logger.info("%s trinucleotides in the FASTA%s; wrote %s",
                f"{int(trinucleotides['genome'].sum()):,}",
                f", {int(trinucleotides['regions'].sum()):,} in the regions"
                if regions is not None else "", args.out)


def add_parsers(subparsers: Any) -> None:
    """Declare ``catalog``, ``merge-catalogs`` and ``opportunities``."""
    p = add_command(subparsers, "catalog", catalog)
    p.add_argument("--reference", required=True, help="reference FASTA (plain or bgzipped)")
    p.add_argument("--vcf", action="extend", nargs="+", default=[],
                   help="VCF/BCF files (plain or bgzipped)")
    p.add_argument("--vcf-dir", default=None,
                   help="directory of *.vcf, *.vcf.gz, *.vcf.bgz, *.bcf and *.maf files "
                        "(also .maf.gz, .maf.txt, .maf.tsv)")
    p.add_argument("--maf", action="extend", nargs="+", default=[],
                   help="MAF files (one sample per "
                   "Tumor_Sample_Barcode)")
    p.add_argument("--sample-name", action="extend", nargs="+", default=None,
                   help="sample names, one per input file holding one sample (default: the "
                        "VCF's sample column, else its file name)")
    p.add_argument("--vcf-sample", default=None,
                   help="count only this sample column of multi-sample VCFs (default: one "
                        "catalog column per sample column)")
    p.add_argument("--sample-from-filename", action="store_true",
                   help="name each file's sample after the file and ignore genotypes "
                        "(SigProfilerMatrixGenerator's convention)")
    p.add_argument("--contexts", nargs="+", default=["SBS96", "DBS78", "ID83"],
                   metavar="CONTEXT",
                   help="catalogs to write: SBS96 SBS288 SBS1536 DBS78 ID83 (default: "
                        "%(default)s; SBS288 needs --annotation)")
    p.add_argument("--annotation", default=None,
                   help="genes for the transcriptional strand of SBS288: GTF or a BED with a "
                        "strand column")
    p.add_argument("--all-filters", action="store_true",
                   help="count variants whatever their FILTER, the sample's FORMAT/FT and "
                        "the caller's somatic status (VarScan2's INFO/SS) say (default: PASS "
                        "or '.', and SS 2 where declared)")
    p.add_argument("--multi-snvs-in-sbs", action="store_true",
                   help="also count the SNVs of DBSs and of 3+ adjacent SNVs in SBS96/288/1536,"
                        " as SigProfilerMatrixGenerator does (default: each variant in one "
                        "catalog only)")
    p.add_argument("--regions", default=None, metavar="BED",
                   help="the assay's targeted regions (exome baits, panel): count only the "
                        "variants whose POS lies inside; the rest are counted as "
                        "outside_regions in catalog_log.tsv (default: the whole genome)")
    p.add_argument("--out", required=True, help="output directory")

    p = add_command(subparsers, "merge-catalogs", merge_catalogs)
    p.add_argument("--inputs", action="extend", nargs="+", required=True,
                   help="directories written by 'catalog'; every context file is merged")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--allow-identical", action="store_true",
                   help="merge two samples whose counts agree in every channel (e.g. "
                        "regions of one tumour sharing every mutation) with a warning instead "
                        "of refusing them as one tumour counted twice")
    p.add_argument("--allow-identical-columns", action="store_true",
                   help="the same for two samples counted from one multi-sample file alone "
                        "(the workflow passes it: its samples sheet refuses one column on two "
                        "rows); samples of two files with identical counts are still refused")

    p = add_command(subparsers, "opportunities", opportunities)
    p.add_argument("--reference", required=True, help="reference FASTA (plain or bgzipped)")
    p.add_argument("--regions", default=None, metavar="BED",
                   help="the assay's targeted regions; adds a 'regions' column")
    p.add_argument("--out", required=True, metavar="FILE",
                   help="output TSV: kind, context, genome[, regions]")
