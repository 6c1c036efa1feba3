"""The one-line message of a command that Ctrl-C kills during a compiled solve.

Around a long numba solve, :func:`sigforge.cli._common.killed_by_interrupt` lets SIGINT take
its default action (the process dies of it at once): the solve holds the interpreter, so no
Python code can run to say so. The message therefore comes from a small helper process (the
*herald*, ``/bin/sh``): the command's SIGINT handler is :mod:`faulthandler`'s, which runs in C
without the interpreter, writes to a pipe the herald reads and then lets the default action
kill the process. The herald, seeing the first line, prints the message on the command's
standard error; a command that ends normally closes the pipe unwritten and the herald exits
silently. The herald runs in its own session, so the terminal's Ctrl-C does not reach it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from types import FrameType
from typing import NamedTuple

from sigforge._atomic import made_for_the_claim

#: The herald: print the message ($1) once the pipe gives a first line (faulthandler's report
#: of the interrupted solve, discarded), then read the rest so that the report is not cut off.
#: The pipe closes when the command is dead; then, if its journal ($2) is still empty (it had
#: changed nothing), the journal and the folders it created for its --out (the further
#: arguments, innermost first; each removed only while empty) go too.
_HERALD = ('if IFS= read -r line; then printf "%s\\n" "$1" >&2; cat >/dev/null; '
           'if [ -n "$2" ] && [ -f "$2" ] && [ ! -s "$2" ]; then rm -f "$2"; shift 2; '
           'for d in "$@"; do rmdir "$d" 2>/dev/null || break; done; fi; fi')
#: The shell that runs the herald.
_SHELL = "/bin/sh"
#: Seconds a herald may take to exit after its command closed the pipe.
_DISMISS_TIMEOUT = 5.0


class Herald(NamedTuple):
    """A started herald: its process and the pipe end faulthandler writes to."""

    process: subprocess.Popen[bytes]
    pipe: int


def interrupt_message(command: str) -> str:
    """The line printed when Ctrl-C kills ``command`` during its solve (before any output)."""
    return f"sigforge {command}: error: interrupted; nothing was written."


@contextlib.contextmanager
def heralded_interrupt(command: str) -> Iterator[None]:
    """Within the block (SIGINT's action already the default, set by the caller), a SIGINT
    prints :func:`interrupt_message` on standard error as it kills the process. Without a
    POSIX shell or faulthandler's signal support the block runs as it is (no message)."""
    herald = _start_herald(command)
    try:
        yield
    finally:
        if herald is not None:
            _dismiss(herald)


def _start_herald(command: str) -> Herald | None:
    """Start the herald of ``command`` and route SIGINT through faulthandler into its pipe;
    None when that cannot be done here."""
    if not hasattr(faulthandler, "register") or not os.access(_SHELL, os.X_OK):
        return None
    read_end, write_end = os.pipe()
    try:
        made = made_for_the_claim()
        process = subprocess.Popen([_SHELL, "-c", _HERALD, "sh", interrupt_message(command),
                                    *(str(path) for path in made or [""])],
                                   stdin=read_end, stdout=subprocess.DEVNULL,
                                   start_new_session=True)
    except OSError:
        os.close(write_end)
        return None
    finally:
        os.close(read_end)
    faulthandler.register(signal.SIGINT, file=write_end, all_threads=False, chain=True)
    return Herald(process, write_end)


def _dismiss(herald: Herald) -> None:
    """Put SIGINT's handler back as it was before the herald and let the herald exit: the
    closed pipe tells it nothing happened."""
    faulthandler.unregister(signal.SIGINT)
    os.close(herald.pipe)
    try:
        herald.process.wait(timeout=_DISMISS_TIMEOUT)
    except subprocess.TimeoutExpired:
        herald.process.kill()
        herald.process.wait()


class Terminated(BaseException):
    """SIGTERM arrived during a command (a scheduler's time limit, ``timeout``, ``kill``).
    A BaseException, as KeyboardInterrupt is, so that no handler meant for errors takes it,
    and the command's outputs are removed as for Ctrl-C."""


def _raise_terminated(signum: int, frame: FrameType | None) -> None:
    """SIGTERM handler: unwind the command as an interrupt does."""
    raise Terminated


@contextlib.contextmanager
def terminated_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` (its default action kills the
    process at once, leaving whatever the command had written half-done: new tables beside
    the previous page, and the backups of replaced files). Only the main thread can set a
    handler; elsewhere the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated) or signal.SIG_DFL
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
