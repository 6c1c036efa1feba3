"""sigforge: mutational signature discovery and refitting, on a generic NMF core."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sigforge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

#: The global seed's one default: every command's --seed, the config's ``seed`` and
#: :class:`sigforge.refit.RefitOptions` take it. It lives here, not in :mod:`sigforge.refit`,
#: so that a command's parser can name it without importing the refit stack (scipy.optimize).
DEFAULT_SEED = 20261128

__all__ = ["DEFAULT_SEED", "__version__"]
