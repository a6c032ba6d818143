# The two commands of the README. Both create the virtual environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# JupyterLab settings of this environment only: double-click opens a .py as a notebook.
LAB_SETTINGS := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json

.PHONY: book test unit clean

# Build the whole book on the default data: executes the chapters (skipping unchanged ones)
# and writes _build/html/index.html.
book: $(STAMP)
	$(BIN)/p3 all --params params/full.yaml

# Lint, format check, unit tests, notebook smoke runs and the browser test of the smoke book
# (headless Debian Chromium, installed on first use).
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q

# The fast half of the tests: no notebook runs, no browser.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -m "not smoke"

# Install once; reinstall when pyproject.toml changes. CPU torch is named in the same command
# so pip does not pull multi-GB CUDA wheels.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 -e '.[test]'
	$(BIN)/jupytext-config --settings-file $(LAB_SETTINGS) set-default-viewer python
	touch $(STAMP)

$(CHROMIUM):
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

clean:
	rm -rf _build outputs/.book-staging
