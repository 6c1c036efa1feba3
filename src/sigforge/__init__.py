"""sigforge: mutational signature discovery and refitting, on a generic NMF core."""

from functools import cache

from sigforge._numba_cache import cache_dir_fallback

cache_dir_fallback()  # before any module imports numba: a read-only install still runs

#: The global seed's one default: every command's --seed, the config's ``seed`` and
#: :class:`sigforge.refit.RefitOptions` take it. It lives here, not in :mod:`sigforge.refit`,
#: so that a command's parser can name it without importing the refit stack (scipy.optimize).
DEFAULT_SEED = 20261128

__all__ = ["DEFAULT_SEED", "__version__"]


@cache
def _installed_version() -> str:
    """The installed distribution's version ("0.0.0+unknown" from a bare source tree)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("sigforge")
    except PackageNotFoundError:
        return "0.0.0+unknown"


def __getattr__(name: str) -> str:
    """``sigforge.__version__``, looked up on first use: importlib.metadata costs every
    workflow job (a process each) tens of milliseconds it mostly does not need."""
    if name == "__version__":
        return _installed_version()
    raise AttributeError(f"module 'sigforge' has no attribute {name!r}")
