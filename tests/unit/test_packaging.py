"""Packaging: environment.yml matches pyproject.toml, package data is declared where the code
looks for it, and the layer contracts (import-linter) hold."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
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
    patterns = data["package-data"]
    assert {"data/*.tsv", "data/*.md"} <= set(patterns["sigforge.genomics"])
    assert "templates/*.j2" in patterns["sigforge.report"]
    source = REPO / "src" / "sigforge"
    assert list((source / "genomics" / "data").glob("*.tsv"))
    assert list((source / "report" / "templates").glob("*.j2"))


def test_layer_contracts_hold() -> None:
    """`lint-imports` keeps every contract of [tool.importlinter] (pyproject.toml)."""
    lint_imports = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint_imports, "import-linter is missing: pip install -e '.[test]'"
    run = subprocess.run([lint_imports, "--config", str(REPO / "pyproject.toml")], cwd=REPO,
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    contracts = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["importlinter"]
    assert len(contracts["contracts"]) == 5
    assert not any("ignore_imports" in contract for contract in contracts["contracts"])
