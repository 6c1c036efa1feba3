# The two set-up commands of the README. Both create .venv on first use (Python 3.11) and
# reinstall only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Rules call the `sigforge` console script, so the venv's bin must be on PATH for snakemake.
export PATH := $(BIN):$(PATH)

.PHONY: demo test test-cluster browser lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# After installing, the numba kernels are compiled once into numba's cache (about a minute),
# so that the first run's jobs load them instead of each compiling them.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m sigforge.precompile
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m sigforge.precompile
	touch $@ $(VENV)/.installed

## demo: run the whole workflow on the embedded example (2 cores); prints the report path.
demo: $(VENV)/.installed
	$(BIN)/snakemake --cores 2
	@echo "Cohort report: $(CURDIR)/results/report/cohort.html"

## browser: Debian's chromium for the report tests in tests/browser (apt-get; CI runs as root).
browser:
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

## test: unit, property, browser and end-to-end workflow tests, on two workers (pytest-xdist;
## each worker takes a whole test file, so a file's module fixtures run once).
test: $(VENV)/.installed-test browser
	$(BIN)/python -m pytest -n 2 --dist loadfile

## test-cluster: the example workflow through `snakemake --profile cluster` on a private
## single-node SLURM (apt-get installs slurm-wlm and munge if missing: needs root).
test-cluster: $(VENV)/.installed-test
	BIN=$(BIN) tests/cluster/run.sh

## lint: ruff, the layer contracts (import-linter, pyproject.toml) and snakemake --lint.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks examples resources/example/generate.py
	$(BIN)/lint-imports
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs .snakemake
