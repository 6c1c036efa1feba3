# The two set-up commands of the README. Both create .venv on first use (Python 3.11) and
# reinstall only when pyproject.toml changes.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# Rules call the `sigforge` console script, so the venv's bin must be on PATH for snakemake.
export PATH := $(BIN):$(PATH)

.PHONY: demo test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

## demo: run the whole workflow on the embedded example (2 cores); prints the report path.
demo: $(VENV)/.installed
	$(BIN)/snakemake --cores 2
	@echo "Cohort report: $(CURDIR)/results/report/cohort.html"

## test: unit, property and end-to-end workflow tests.
test: $(VENV)/.installed-test
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests benchmarks resources/example/generate.py
	$(BIN)/snakemake --lint

clean:
	rm -rf results logs .snakemake
