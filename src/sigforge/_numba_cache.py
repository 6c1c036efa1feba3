"""Where numba caches the compiled kernels when neither of its own places is writable.

Every kernel is compiled with ``cache=True``: numba writes the machine code next to the
package (``__pycache__``) or, when the package folder is read-only (a system or container
install), under the user's cache folder. When both are read-only (a container run as another
user, HOME not writable) numba raises "cannot cache function ...: no locator available" at the
first kernel, so every refit and extract would fail. :func:`cache_dir_fallback` then points
``NUMBA_CACHE_DIR`` at a folder of the temporary directory, before numba is imported.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Callable, MutableMapping
from pathlib import Path

#: The installed package's folder (numba caches beside its modules).
PACKAGE = Path(__file__).resolve().parent


def _writable(folder: Path) -> bool:
    """Whether ``folder`` can be written to, or created under its nearest existing parent."""
    try:
        for place in (folder, *folder.parents):
            if place.exists():
                return os.access(place, os.W_OK)
    except OSError:  # a parent this user may not even look into (HOME=/root as nobody)
        return False
    return False


def _user_cache(environ: MutableMapping[str, str]) -> Path | None:
    """The user's cache folder ($XDG_CACHE_HOME, else ~/.cache); None when there is no home
    (HOME unset and a user id without a passwd entry, as in some containers)."""
    if environ.get("XDG_CACHE_HOME"):
        return Path(environ["XDG_CACHE_HOME"])
    try:
        return Path.home() / ".cache"
    except (RuntimeError, KeyError, OSError):
        return None


def cache_dir_fallback(environ: MutableMapping[str, str] = os.environ,
                       package: Path = PACKAGE,
                       writable: Callable[[Path], bool] = _writable) -> str | None:
    """Set ``NUMBA_CACHE_DIR`` in ``environ`` to ``<tmp>/sigforge-numba-<uid>`` when it is unset
    and numba could cache neither beside ``package`` nor in the user's cache folder; returns
    the folder set, or None when nothing was changed."""
    if environ.get("NUMBA_CACHE_DIR"):
        return None
    if writable(package / "nmf" / "__pycache__"):
        return None
    user_cache = _user_cache(environ)
    if user_cache is not None and writable(user_cache / "numba"):
        return None
    folder = str(_private_folder())
    environ["NUMBA_CACHE_DIR"] = folder
    return folder


def _private_folder() -> Path:
    """``<tmp>/sigforge-numba-<uid>``, created mode 0700, when it is this user's own and no one
    else's to write; else a fresh temporary folder. numba loads its cache files with pickle, so
    a cache folder another user could have filled would run their code."""
    uid = os.getuid()
    folder = Path(tempfile.gettempdir()) / f"sigforge-numba-{uid}"
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:
        pass
    except OSError:
        return Path(tempfile.mkdtemp(prefix="sigforge-numba-"))
    info = folder.lstat()
    if stat.S_ISDIR(info.st_mode) and info.st_uid == uid and not info.st_mode & 0o077:
        return folder
    return Path(tempfile.mkdtemp(prefix="sigforge-numba-"))
