"""CPU seconds of a command's whole process tree, including descendants that outlive it.

``RUSAGE_CHILDREN`` counts only processes that were waited for, up the tree. A process pool
started with the ``forkserver`` method (``sigforge extract --threads N``, the report's figure
pool) runs its workers under a server process that the command never waits for: when the
command exits, the server and all its workers' CPU would be missing from the figure. Making the
benchmark process a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``) re-parents
such orphans to it; :func:`run_tree` waits for them too, so their CPU is counted.
"""

from __future__ import annotations

import ctypes
import os
import resource
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

_PR_SET_CHILD_SUBREAPER = 36
_subreaper = False


def _become_subreaper() -> None:
    """Adopt the orphaned descendants of this process's children (Linux only; once)."""
    global _subreaper
    if _subreaper:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_CHILD_SUBREAPER) failed")
    _subreaper = True


def _reap_orphans(timeout: float = 60.0) -> None:
    """Wait for every remaining child (adopted orphans exit once their parent has gone)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                raise TimeoutError("descendants of the measured command are still running")
            time.sleep(0.05)


def run_tree(args: Sequence[str], *, cwd: Path | None = None,
             env: dict[str, str] | None = None, capture: bool = True
             ) -> tuple[subprocess.CompletedProcess[str], float, float]:
    """Run ``args`` to completion; return it, the CPU seconds (user + sys) of its whole
    process tree, and its wall seconds."""
    _become_subreaper()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(list(args), cwd=cwd, env=env, capture_output=capture, text=True,
                          check=False)
    wall = time.perf_counter() - start
    _reap_orphans()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return done, cpu, wall
