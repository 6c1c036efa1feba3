"""Input paths as the parse-time checks see them: whether a path is a file, and how to show
one in a message (a path of a megabyte would bury the message)."""

from __future__ import annotations

from pathlib import Path


def not_a_file(path: str) -> str | None:
    """None when ``path`` is a file; else why not, as a clause after the path ('' when it is
    not found). A path the system cannot look up (a name over 255 bytes, a path over 4,096)
    says so instead of raising OSError."""
    try:
        if Path(path).is_file():
            return None
        return " is a folder, not a file" if Path(path).is_dir() else ""
    except OSError as err:
        return f" cannot be looked up ({err.strerror or err})"


def clipped(path: str, most: int = 200) -> str:
    """``path`` for a message: at most ``most`` characters, its middle cut."""
    return path if len(path) <= most else f"{path[:most // 2]}...{path[-most // 2:]}"
