# CLR Portal — `make run` sets everything up and runs the portal; `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := tests/interop/node_modules/.package-lock.json

.PHONY: run test bench install lint ci clean node-deps

run: install
	@scripts/run-portal.sh

test: install node-deps
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install node-deps
	$(BIN)/python bench/run.py $(BENCH)

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CLR Portal needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# The interop tests verify what we issue with Digital Bazaar's Node.js stack (skipped where node is absent).
node-deps:
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(NODE_STAMP) ] || [ tests/interop/package-lock.json -nt $(NODE_STAMP) ]; then \
	    npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error; fi; \
	else echo "node/npm not found: the interop tests will be skipped"; fi

clean:
	rm -rf $(VENV) var staticfiles tests/interop/node_modules
