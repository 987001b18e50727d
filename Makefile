# The two commands of the README: `make dev` and `make test`. Everything they need is
# installed here; expensive things are cached by a hash of what they are built from.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VENV_KEY := $(shell cat pyproject.toml handlers/*/requirements.txt 2>/dev/null | sha256sum | cut -c1-12)
VENV_STAMP := $(VENV)/.built-$(VENV_KEY)

.PHONY: dev test bench venv models localstack-venv lint clean

dev: models
	$(BIN)/workbench serve

test: models localstack-venv
	$(BIN)/python -m pytest

bench: models
	$(BIN)/python -m bench

venv: $(VENV_STAMP)

$(VENV_STAMP):
	@echo "==> $(VENV): Python 3.11 virtualenv with the workbench and both handlers' dependencies"
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "need Python 3.11, got " + sys.version' \
		|| (echo "make: Python 3.11 is needed (set PYTHON=/path/to/python3.11)"; exit 2)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --progress-bar off -e '.[ner,qa,dev]'
	rm -f $(VENV)/.built-*
	touch $@

models: venv
	$(BIN)/workbench models build

lint: venv
	$(BIN)/ruff check workbench tests
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build .pytest_cache
