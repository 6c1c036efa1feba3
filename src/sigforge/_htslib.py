"""Which of htslib's own messages reach the user.

sigforge holds back what htslib writes while it opens or reads a VCF or FASTA (it says why it
cannot read a record or index a file only on stderr, and the checks read that text: a FILTER
column left empty is found by htslib's warning about it), then passes the rest on. Its
warning lines (``[W::vcf_parse_filter] FILTER 'q10' ... is not defined in the header``,
``Missing headers may cause later processing to fail``, ``The index file is older than the
data file``) are not passed on: what they are about is either reported by sigforge in its own
words (undeclared FILTERs and contigs are counted as the catalog log's skip reasons, a
repeated FASTA contig is refused with its lines) or does not apply (VCFs are read from start
to end, so a stale index is never used), and raw htslib lines beside those reports alarmed
users over inputs that were handled correctly. Error lines are passed on; ``sigforge
--debug`` passes the warnings on too.

Nothing here imports pysam or the genomics layer, so the CLI sets the level for every command.
"""

from __future__ import annotations

_state = {"debug": False}


def set_debug(debug: bool) -> None:
    """Pass htslib's warnings on (``--debug``) or hold them back (the default)."""
    _state["debug"] = debug


def shown(text: str) -> str:
    """The part of held-back htslib text the user sees: without its warning lines
    (``[W::...]``) unless ``--debug`` was given."""
    if _state["debug"]:
        return text
    return "".join(line for line in text.splitlines(keepends=True)
                   if not line.startswith("[W::"))
