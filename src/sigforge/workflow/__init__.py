"""What Snakemake calls while parsing the Snakefile: input checks, flags, resource inputs.

Plain functions raising :class:`sigforge.io.InputError`; ``workflow/rules/common.smk`` turns
them into one-message WorkflowErrors. May import the library; never :mod:`sigforge.cli`, and
never Snakemake itself (the rules import it, not the library).
"""

from sigforge.workflow.checks import (
    check_inputs,
    check_ranks,
    damaged_files,
    discard_damaged,
    dry_run_requested,
    generic_refit_flags,
    input_shape,
    refit_flags,
    schema_error_message,
)

__all__ = [
    "check_inputs", "check_ranks", "damaged_files", "discard_damaged", "dry_run_requested",
    "generic_refit_flags", "input_shape", "refit_flags", "schema_error_message",
]
