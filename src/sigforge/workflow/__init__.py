"""What Snakemake calls while parsing the Snakefile: input checks, flags, resources, targets.

``workflow/rules/common.smk`` wires these into the rules; the logic lives here, where it is
tested:

* :mod:`~sigforge.workflow.checks`: parse-time checks of the config, the sheet and the inputs,
  raising :class:`sigforge.io.InputError` (common.smk turns it into a one-message
  WorkflowError), and the short schema messages;
* :mod:`~sigforge.workflow.inert`: the warning lines for settings that other settings make
  inert (``catalog.annotation`` without SBS288), and :mod:`~sigforge.workflow.config_keys`:
  the refusal of a key written with a dot (``extract.replicates: 8``);
* :mod:`~sigforge.workflow.flags`: the ``sigforge`` argument lists the rules pass;
* :mod:`~sigforge.workflow.resources`: memory and runtime requests from sizes and attempt;
* :mod:`~sigforge.workflow.targets`: the files the workflow writes (its default target).

Functions take plain values (sizes, config sections, paths), never Snakemake objects. May
import the library; never :mod:`sigforge.cli`, and never Snakemake itself (the rules import
it, not the library).
"""

from sigforge.workflow.checks import (
    check_inputs,
    check_ranks,
    config_source,
    input_shape,
    matrix_settings,
    schema_error_message,
    schema_failure,
    table_shape,
)
from sigforge.workflow.command_line import dry_run_requested
from sigforge.workflow.damaged import damaged_files, discard_damaged
from sigforge.workflow.flags import (
    blocks_flag,
    catalog_flags,
    counts_flag,
    filters_flag,
    generic_refit_flags,
    pixel_flag,
    refit_flags,
    restrict_flags,
    vcf_refit_flags,
    vcf_sample_flag,
)
from sigforge.workflow.resources import DiscoveryCosts, catalog_mem_mb, catalog_runtime
from sigforge.workflow.targets import (
    discovery_products,
    generic_products,
    intermediates,
    vcf_products,
)

__all__ = [
    "DiscoveryCosts", "blocks_flag", "catalog_flags", "catalog_mem_mb", "catalog_runtime",
    "check_inputs", "check_ranks", "config_source", "counts_flag", "damaged_files",
    "discard_damaged", "discovery_products", "dry_run_requested", "filters_flag",
    "generic_products", "generic_refit_flags", "input_shape", "intermediates", "matrix_settings",
    "pixel_flag", "refit_flags", "restrict_flags", "schema_error_message", "schema_failure",
    "table_shape", "vcf_products", "vcf_refit_flags", "vcf_sample_flag",
]
