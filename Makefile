# CLR Portal — `make run` sets everything up and runs the portal; `make test` runs the tests.
# The interpreter .venv is made from (scripts/pick-python: the distribution's optimized build first),
# looked for once, and only when .venv is (re)installed.
ifeq ($(origin PYTHON),undefined)
PYTHON = $(eval PYTHON := $(shell scripts/pick-python))$(PYTHON)
endif
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
NODE_STAMP := tests/interop/node_modules/.package-lock.json
BROWSER_STAMP := tests/browser/node_modules/.package-lock.json
CHROMIUM ?= /usr/bin/chromium
# pytest-xdist processes for `make test` (0: one process). Each end-to-end test has its own database,
# broker queue and ports, so two run side by side; on 2 cores the suite takes ~15 min instead of ~25.
TEST_PROCESSES ?= 2

.PHONY: run test bench install lint ci clean node-deps chromium

run: install
	@scripts/run-portal.sh

test: install node-deps
	$(BIN)/pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

bench: install node-deps
	$(BIN)/python bench/run.py $(BENCH)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)"  # scripts/pick-python said why when it found none
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "CLR Portal needs Python 3.11 or newer"'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

# The interop tests verify what we issue with Digital Bazaar's Node.js stack (skipped where node is absent);
# the browser tests inject axe-core (tests/browser) into pages and drive Debian's Chromium.
node-deps: chromium
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f $(NODE_STAMP) ] || [ tests/interop/package-lock.json -nt $(NODE_STAMP) ]; then \
	    npm ci --prefix tests/interop --no-audit --no-fund --loglevel=error; fi; \
	  if [ ! -f $(BROWSER_STAMP) ] || [ tests/browser/package-lock.json -nt $(BROWSER_STAMP) ]; then \
	    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error; fi; \
	else echo "node/npm not found: the interop and browser tests will be skipped"; fi

# Debian's chromium package, installed only when missing (as root); Playwright never downloads a browser.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "Installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  elif [ "$${CI:-}" = true ]; then \
	    echo "$(CHROMIUM) is missing and cannot be installed here (needs root and apt-get)"; exit 1; \
	  else echo "$(CHROMIUM) not found (apt-get install chromium, as root): the browser tests will be skipped"; fi; \
	fi

clean:
	rm -rf $(VENV) var staticfiles tests/interop/node_modules tests/browser/node_modules artifacts
