"""htslib's own warning lines (``[W::vcf_parse_filter] FILTER 'q10' ... is not defined in the
header``, ``Missing headers may cause later processing to fail``, ``The index file is older
than the data file``) are switched off: everything they warn about is either checked and
reported by sigforge in its own words (undeclared contigs and FILTERs are counted as the
catalog log's skip reasons, damaged or repeated FASTA contigs refused with the fix) or does
not apply (sigforge reads VCFs from start to end, so a stale index is never used). Raw
htslib lines beside those messages alarmed users over inputs that were handled correctly.
Its error lines stay on: the FASTA and VCF checks capture them to say why a file cannot be
indexed or read (:func:`sigforge.genomics.fasta_checks.stderr_captured`). ``sigforge
--debug`` turns the warnings back on.

pysam is imported only where it is already loaded, so that the CLI can set the level
without importing it for commands that never read a VCF or FASTA.
"""

from __future__ import annotations

import sys

#: htslib's default log level (warnings and errors), kept under ``--debug``.
DEFAULT_LEVEL = 3

#: htslib's level for errors alone (``HTS_LOG_ERROR``), the default here.
ERRORS_ONLY = 1

_state = {"debug": False}


def set_debug(debug: bool) -> None:
    """Keep htslib's warnings (``--debug``) or silence them (the default), now if
    pysam is loaded, else when a genomics module loads it (:func:`apply`)."""
    _state["debug"] = debug
    if "pysam" in sys.modules:
        apply()


def apply() -> None:
    """Set htslib's log level from the current setting; called by the modules that import
    pysam, right after importing it."""
    import pysam

    pysam.set_verbosity(DEFAULT_LEVEL if _state["debug"] else ERRORS_ONLY)
