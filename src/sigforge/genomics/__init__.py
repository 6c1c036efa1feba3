"""Everything that knows mutations.

- :mod:`.contexts`: channel sets (SBS96/288/1536, DBS78, ID83), labels and label styles;
  :mod:`.indels` the ID83 label of an indel (left-aligned, repeats, microhomology).
- :mod:`.genome`: reference FASTA (pysam).
- :mod:`.variants`: VCF and MAF reading (:mod:`.vcf`, :mod:`.maf`) into one table
  (:mod:`.variant_table`).
- :mod:`.annotation`: gene strands for SBS288.
- :mod:`.catalog`: counting variants into catalogs and cohort assembly; built on
  :mod:`.accounting` (skip reasons, options, per-sample result), :mod:`.classify` (verdicts per
  allele), :mod:`.sample_counts` (counting per sample), :mod:`.sbs_variants` (the counted SBS96
  variants, one record each, on request) and :mod:`.build_checks`.
- :mod:`.samplesheet`: the workflow's samples sheet.
- :mod:`.tables`: catalog and signature tables read with channel sets recognised.
- :mod:`.reference`: reference signature sets shipped as package data (``data/``, with
  ``PROVENANCE.md``), adapted to the assay (genome, exome, targeted regions).
- :mod:`.target_regions`: an assay's targeted regions (BED, read by :mod:`.regions`);
  :mod:`.opportunities`: context counts of the FASTA and of the regions, channel -> context.

May import the generic layers (:mod:`sigforge.io`, :mod:`sigforge.nmf`,
:mod:`sigforge.discovery`, :mod:`sigforge.refit`) and pysam (the only package that does);
never :mod:`sigforge.report`, :mod:`sigforge.cli` or :mod:`sigforge.workflow`. Public names are
imported from their module on first use, so that reading channel sets does not import pysam.
"""

import importlib
from typing import Any

_SOURCES = {
    "BASES": "contexts",
    "BASE_CODE": "contexts",
    "CATALOG_CONTEXTS": "contexts",
    "CHANNEL_SETS": "contexts",
    "CatalogOptions": "accounting",
    "ChannelSetMatch": "contexts",
    "DBS78_CHANNELS": "contexts",
    "DBS_INDEX_TABLE": "contexts",
    "DBS_ISOLATION_BP": "sample_counts",
    "GENOME_BUILDS": "reference",
    "ID83_CHANNELS": "contexts",
    "MAF_ALLELE": "maf",
    "MAF_COLUMNS": "maf",
    "MAF_SUFFIXES": "variant_table",
    "MAX_POSITION": "variant_table",
    "MAX_REF_MISMATCH_RATE": "build_checks",
    "MIN_REF_MISMATCHES_TO_FAIL": "build_checks",
    "MOSTLY_MIN_LABELS": "contexts",
    "MOSTLY_SHARE": "contexts",
    "MUTATION_CHANNEL_SETS": "tables",
    "MutationChannelSets": "tables",
    "PYRIMIDINES": "contexts",
    "REQUIRED_COLUMNS": "samplesheet",
    "ReferenceGenome": "genome",
    "SBS1536_CHANNELS": "contexts",
    "SBS288_CHANNELS": "contexts",
    "SBS96_CHANNELS": "contexts",
    "SBS96_INDEX": "contexts",
    "SBS_CONTEXTS": "contexts",
    "SKIP_REASONS": "accounting",
    "STRANDS": "contexts",
    "SUBSTITUTIONS": "contexts",
    "SampleCatalog": "accounting",
    "StrandAnnotation": "annotation",
    "TargetRegions": "target_regions",
    "channel_contexts": "opportunities",
    "count_opportunities": "opportunities",
    "read_opportunities": "opportunities",
    "read_target_regions": "target_regions",
    "VARIANT_COLUMNS": "sbs_variants",
    "VCF_SUFFIXES": "variant_table",
    "VariantTable": "variant_table",
    "anchor_maf_indels": "maf",
    "assemble_cohort": "catalog",
    "available_references": "reference",
    "check_build": "build_checks",
    "check_catalog_config": "catalog",
    "check_contigs_missing": "build_checks",
    "check_path_safe": "samplesheet",
    "check_ref_mismatch": "build_checks",
    "check_sample_name": "samplesheet",
    "classify_table": "classify",
    "closest_channel_set": "contexts",
    "collect_inputs": "variants",
    "count_sample": "catalog",
    "count_table": "catalog",
    "dbs78_label": "contexts",
    "detect_channel_set": "contexts",
    "encode": "contexts",
    "ensure_index": "genome",
    "file_compression": "genome",
    "file_stem": "samplesheet",
    "file_stems": "samplesheet",
    "header_contig_lengths": "vcf_header",
    "id83_label": "indels",
    "input_stem": "variant_table",
    "is_maf": "variant_table",
    "largest_contig": "genome",
    "load_aetiology": "reference",
    "load_reference": "reference",
    "normalise_sbs96_label": "contexts",
    "open_vcf": "vcf",
    "read_annotation": "annotation",
    "read_catalog": "tables",
    "read_input": "variants",
    "read_maf": "maf",
    "read_sample_sheet": "samplesheet",
    "read_signatures": "tables",
    "read_vcf": "vcf",
    "reverse_complement": "contexts",
    "sbs96_label": "contexts",
    "sbs_channel_indices": "contexts",
    "vcf_sample_columns": "vcf",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (so that reading channel sets needs no pysam)."""
    if name in _SOURCES:
        value = getattr(importlib.import_module(f"{__name__}.{_SOURCES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BASES", "BASE_CODE", "CATALOG_CONTEXTS", "CHANNEL_SETS", "DBS78_CHANNELS", "DBS_INDEX_TABLE",
    "DBS_ISOLATION_BP", "GENOME_BUILDS", "ID83_CHANNELS", "MAF_ALLELE", "MAF_COLUMNS",
    "MAF_SUFFIXES", "MAX_POSITION", "MAX_REF_MISMATCH_RATE", "MIN_REF_MISMATCHES_TO_FAIL",
    "MOSTLY_MIN_LABELS", "MOSTLY_SHARE", "MUTATION_CHANNEL_SETS", "PYRIMIDINES",
    "REQUIRED_COLUMNS", "SBS1536_CHANNELS", "SBS288_CHANNELS", "SBS96_CHANNELS", "SBS96_INDEX",
    "SBS_CONTEXTS", "SKIP_REASONS", "STRANDS", "SUBSTITUTIONS", "VARIANT_COLUMNS", "VCF_SUFFIXES",
    "CatalogOptions",
    "ChannelSetMatch", "MutationChannelSets", "ReferenceGenome", "SampleCatalog",
    "StrandAnnotation", "TargetRegions", "VariantTable", "anchor_maf_indels", "assemble_cohort",
    "available_references", "channel_contexts", "check_build", "check_catalog_config",
    "check_contigs_missing",
    "check_path_safe", "check_ref_mismatch", "check_sample_name", "classify_table",
    "closest_channel_set", "collect_inputs", "count_opportunities", "count_sample", "count_table",
    "dbs78_label",
    "detect_channel_set", "encode", "ensure_index", "file_compression", "file_stem", "file_stems",
    "header_contig_lengths", "id83_label", "input_stem", "is_maf", "largest_contig",
    "load_aetiology", "load_reference", "normalise_sbs96_label", "open_vcf", "read_annotation",
    "read_catalog", "read_input", "read_maf", "read_opportunities", "read_sample_sheet",
    "read_signatures", "read_target_regions", "read_vcf",
    "reverse_complement", "sbs96_label", "sbs_channel_indices", "vcf_sample_columns",
]
