# The two commands of the README. Both create the virtual environment on first use.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
# JupyterLab settings of this environment only: double-click opens a .py as a notebook.
LAB_SETTINGS := $(VENV)/etc/jupyter/labconfig/default_setting_overrides.json

.PHONY: book test unit lock clean

# Build the whole book on the default data: executes the chapters (skipping unchanged ones)
# and writes _build/html/index.html. BOOK_FLAGS=--experiments adds the appendix (the
# publishing workflow does: the published book is the whole study).
BOOK_FLAGS ?=
book: $(STAMP)
	$(BIN)/p3 all --params params/full.yaml $(BOOK_FLAGS)

# Lint, format check, unit tests, notebook smoke runs and the browser test of the smoke book
# (headless Debian Chromium, installed on first use). Two pytest-xdist workers, one per core
# of the machine CI runs on; tests marked with one xdist_group stay on one worker (loadgroup).
test: $(STAMP) $(CHROMIUM)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

# The fast half of the tests: no notebook runs, no browser.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not smoke"

# Install once; reinstall when pyproject.toml or the lock changes. Every package comes at the
# exact version of constraints.txt (the locked set the tests and the README's numbers ran
# with), from the package index this machine's pip is configured with. CPU torch is named in
# the same command so pip does not pull multi-GB CUDA wheels. pip byte-compiles what it
# installs one file at a time (two thirds of the install); compileall does the same on every
# core. The .pyc files must exist: with PYTHONDONTWRITEBYTECODE set (as on the machines CI
# runs on) every process would otherwise compile torch and transformers again on import. Like
# pip, it passes over files that do not compile (torch ships Python 3.12 syntax in its tests).
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --no-compile -c constraints.txt torch==2.13.0 -e '.[test]'
	$(BIN)/python -c "import compileall, sysconfig; \
	  compileall.compile_dir(sysconfig.get_path('purelib'), quiet=2, workers=0)"
	$(BIN)/jupytext-config --settings-file $(LAB_SETTINGS) set-default-viewer python
	touch $(STAMP)

# Refresh the lock: install pyproject.toml's dependencies without it (pip keeps every installed
# version that still fits and adds what is new), then write what is installed. Run `make test`
# before committing the new lock. No hashes: pip's hash-checking mode refuses the editable
# install of p3 itself.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0 -e '.[test]'
	{ echo '# Exact versions of every package p3 installs: `make` installs with -c this file.'; \
	  echo '# Written by `make lock` from the installed environment; edit by that only.'; \
	  $(BIN)/pip freeze --exclude-editable | LC_ALL=C sort -f; } > constraints.txt.tmp
	mv constraints.txt.tmp constraints.txt
	touch $(STAMP)

$(CHROMIUM):
	apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium)

clean:
	rm -rf _build outputs/.book-staging
