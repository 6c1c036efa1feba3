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
The capture of file descriptor 2 itself is here too (:func:`stderr_captured`).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

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


def _redirect_stderr(target: int) -> int | None:
    """Point file descriptor 2 at ``target`` (Python's ``sys.stderr`` flushed first); the
    original, duplicated, to restore later, or None when fd 2 cannot be redirected."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        return None
    os.dup2(target, 2)
    return saved


@contextmanager
def stderr_captured(sink: list[str]) -> Iterator[None]:
    """Send what is written to file descriptor 2 inside the block to ``sink`` (htslib says why
    it cannot index a FASTA only there, as ``[E::function] reason`` lines); fd 2 is restored
    however the block ends. Nothing is captured when no temporary file can be made or fd 2
    cannot be redirected."""
    with ExitStack() as stack:
        try:
            capture = stack.enter_context(tempfile.TemporaryFile())
        except OSError:
            capture = None
        saved = _redirect_stderr(capture.fileno()) if capture else None
        try:
            yield
        finally:
            if capture and saved is not None:
                os.dup2(saved, 2)
                os.close(saved)
                capture.seek(0)
                sink.append(capture.read().decode("utf-8", "replace"))


def htslib_errors(text: str) -> list[str]:
    """The reasons in htslib's ``[E::function] reason`` lines."""
    return [line.split("] ", 1)[-1].strip() for line in text.splitlines()
            if line.startswith("[E::")]
