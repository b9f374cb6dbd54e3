# Two commands for a newcomer: `make demo` and `make test`. Both bootstrap a virtualenv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two installs in one virtualenv: the demo needs only what serving needs (the `local` extra); the tests,
# the linter and the Pulumi program need `dev`, which includes `local`.
DEMO_STAMP := $(VENV)/.demo-stamp
STAMP := $(VENV)/.installed-stamp
DOCS ?= examples/help-center

.PHONY: demo test lint install bench clean chromium axe
CHROMIUM ?= /usr/bin/chromium

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools wheel

# -qq: setuptools prints an informational "Editable installation" notice for every editable install;
# errors still show.
$(DEMO_STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -qq -e '.[local]'
	touch $(DEMO_STAMP)

$(STAMP): pyproject.toml | $(VENV)/bin/python
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP) $(DEMO_STAMP)

install: $(STAMP)

demo: $(DEMO_STAMP)
	@echo "Starting the local stack; open the URL it prints (Ctrl-C to stop)."
	$(VENV)/bin/assistant serve --docs $(DOCS)

lint: $(STAMP)
	$(PY) -m ruff check .

# The browser tests drive Debian's Chromium through Playwright (no browser download by Playwright).
# Installing it needs root or sudo; if that is impossible, `make test` stops here rather than skip them.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "error: $(CHROMIUM) is missing; run 'apt-get install -y chromium' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || exit 1; \
	  [ -x $(CHROMIUM) ] || { echo "error: chromium installed but $(CHROMIUM) is missing" >&2; exit 1; }; \
	fi

# axe-core (the accessibility checks of the browser tests) from npm, pinned by tests/browser/package-lock.json.
AXE := tests/browser/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
	  echo "Installing Debian's npm for the browser tests' axe-core"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "error: npm is missing; run 'apt-get install -y npm' as root" >&2; exit 1; fi; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y npm || exit 1; \
	fi
	npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
	touch $(AXE)

test: $(STAMP) lint chromium $(AXE)
	CHROMIUM=$(CHROMIUM) $(PY) -m pytest

bench: $(STAMP)
	for f in bench/*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .assistant .pytest_cache .ruff_cache tests/browser/node_modules
