"""sigforge: mutational signature discovery and refitting, on a generic NMF core."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("sigforge")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
