"""environment.yml lists exactly the runtime dependencies of pyproject.toml."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def _name_and_spec(requirement: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", requirement)
    assert match, requirement
    return match.group(1).lower().replace("_", "-"), match.group(2).replace(" ", "")


def test_environment_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pyproject = dict(_name_and_spec(r) for r in project["dependencies"])
    environment = yaml.safe_load((REPO / "environment.yml").read_text())
    conda = dict(_name_and_spec(d) for d in environment["dependencies"]
                 if isinstance(d, str) and not d.startswith(("python", "pip")))
    assert conda == pyproject
    python = [d for d in environment["dependencies"] if isinstance(d, str)
              and d.startswith("python")]
    assert python == ["python=3.11"]
    assert project["requires-python"] == ">=3.11"


def test_package_data_is_declared() -> None:
    data = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    patterns = data["package-data"]["sigforge"]
    assert "data/*.tsv" in patterns and "templates/*.j2" in patterns
