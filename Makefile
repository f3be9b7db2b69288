# MetroBloc: `make run` starts an embedded node with its API; `make test` runs every check.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run install sysdeps test test-slow lint bench spec clean browser vendor

$(STAMP): pyproject.toml setup.py src/metrobloc/state/_smt.c | sysdeps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# What the C state tree (src/metrobloc/state/_smt.c) builds with: gcc, Python's and libcrypto's headers.
# apt-get runs only when one is missing; python3-dev only when $(PYTHON) has no Python.h of its own.
sysdeps:
	@missing=""; \
	command -v gcc >/dev/null || missing="$$missing gcc"; \
	test -e /usr/include/openssl/sha.h || missing="$$missing libssl-dev"; \
	test -e "$$($(PYTHON) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')/Python.h" \
		|| missing="$$missing python3-dev"; \
	test -z "$$missing" || (apt-get update -q && apt-get install -y -q $$missing)

# The TypeScript client the OpenAPI tests generate types for and build (Node.js and npm from the machine).
TS_CLIENT := clients/typescript
$(TS_CLIENT)/node_modules/.installed: $(TS_CLIENT)/package.json $(TS_CLIENT)/package-lock.json
	npm ci --prefix $(TS_CLIENT) --no-audit --no-fund
	touch $@

run: $(STAMP)  # the Demo City, seeded afresh in .demo-city/ on each run; it prints the portal URL
	rm -rf .demo-city
	$(BIN)/metrobloc up --demo --data-dir .demo-city

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

# Two workers, a test file each at a time (its module-scoped nodes stay in one worker): most tests wait
# on node processes, the browser or the disk, so two workers keep both cores busy.
test: lint browser $(TS_CLIENT)/node_modules/.installed
	$(BIN)/pytest -q -n 2 --dist loadfile

test-slow: $(STAMP) $(TS_CLIENT)/node_modules/.installed
	$(BIN)/pytest -q -m slow || test $$? -eq 5  # 5: no slow test collected yet

# Debian's Chromium for the portal's browser tests (Playwright drives it; its own download does not work here).
browser:
	test -x /usr/bin/chromium || (apt-get update -q && apt-get install -y -q chromium)

vendor: $(STAMP)  # refresh the portal's vendored browser files and vendor.lock.json with npm pack
	$(BIN)/python -m metrobloc.portal.vendor

spec: $(STAMP)  # rewrite the spec pages and JSON Schemas generated from the modules
	$(BIN)/metrobloc spec --dir docs/spec

bench: $(STAMP)
	$(BIN)/python bench/bench_transfers.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
