# Knee Clinic: `make run` serves the app with demo data; `make test` runs every test.
# Both find a suitable Python themselves (scripts/find-python) and set up .venv from uv.lock.

SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9
UV := $(BIN)/uv
export UV_PROJECT_ENVIRONMENT := $(VENV)
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
SCALE_PG ?= postgresql://postgres@127.0.0.1:5432

.PHONY: install browser-deps help run test lint types unit browser test-postgres bench vendor lock clean check-deploy fuzz audit
.PHONY: scale-test
.PHONY: soak

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	@PY="$$(scripts/find-python)" || exit 1; \
	echo "Creating $(VENV) with $$PY"; \
	"$$PY" -m venv $(VENV)

$(UV): | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --inexact --python $(BIN)/python --quiet
	@touch $@

install: $(VENV)/.installed ## create the environment from the lock file

run: install ## set up, migrate, load the demo data once, and serve at http://127.0.0.1:8000 with the worker
	$(BIN)/kneeclinic migrate --verbosity 0
	$(BIN)/kneeclinic demo
	$(BIN)/kneeclinic serve --with-worker --no-migrate

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch $@

browser-deps: ## Debian's chromium for the browser tests (installed when missing)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: install ## ruff: formatting and lint rules
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

types: install ## mypy --strict
	$(BIN)/mypy kneeclinic tests bench scripts

check-deploy: install ## Django's deployment checks with production settings
	KNEECLINIC_HTTPS=1 KNEECLINIC_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  KNEECLINIC_DATA_DIR="$$(mktemp -d)" KNEECLINIC_ALLOWED_HOSTS=clinic.example.org KNEECLINIC_EMAIL_BACKEND=smtp \
	  $(BIN)/kneeclinic check --deploy --fail-level WARNING

unit: install ## the unit and integration tests (no browser)
	$(BIN)/pytest -m "not browser" -q

browser: install browser-deps node_modules/.installed ## the browser tests in Debian's chromium
	$(BIN)/pytest -m browser -q

test: install browser-deps node_modules/.installed lint types check-deploy ## everything: lint, types, unit, integration, browser
	$(BIN)/pytest -q -p no:cacheprovider --cov --cov-report=term:skip-covered
	@echo "The domain layer must keep full branch coverage:"
	$(BIN)/coverage report --include='kneeclinic/domain/*' --fail-under=100 --skip-covered --show-missing

test-postgres: install browser-deps node_modules/.installed ## the whole suite against PostgreSQL ($$PG_URL)
	KNEECLINIC_TEST_POSTGRES="$(PG_URL)" $(BIN)/pytest -q -p no:cacheprovider

scale-test: install ## a 10,000-runner clinic on PostgreSQL ($$SCALE_PG); figures go to docs/deployment.md
	$(BIN)/python scripts/scale_clinic.py --server "$(SCALE_PG)" $(SCALE_ARGS)

soak: install browser-deps node_modules/.installed ## the full security and reliability plan (long); figures go to docs/reliability.md
	$(BIN)/python scripts/soak.py $(SOAK_ARGS)

bench: install ## benchmarks; figures go to docs/benchmarks.md
	$(BIN)/python bench/run_all.py

vendor: node_modules/.installed ## copy pinned front-end assets into kneeclinic/static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js kneeclinic/static/vendor/htmx-$$(node -p 'require("htmx.org/package.json").version').min.js
	grep -v '^//# sourceMappingURL' node_modules/chart.js/dist/chart.umd.min.js > kneeclinic/static/vendor/chart-$$(node -p 'require("chart.js/package.json").version').umd.min.js

FUZZ_TIME ?= 60
fuzz: install ## fuzz each parser with atheris for $$FUZZ_TIME seconds (T18); findings go to build/fuzz
	@for harness in fuzz/fuzz_*.py; do \
	  echo "Fuzzing $$harness for $(FUZZ_TIME) s"; \
	  $(BIN)/python $$harness -max_total_time=$(FUZZ_TIME) -timeout=5 -rss_limit_mb=1024 || exit 1; \
	done

audit: install ## supply chain and static checks (T38): SBOM, bandit, semgrep, pip-audit (needs PyPI)
	@mkdir -p build/audit
	$(BIN)/python scripts/sbom.py build/audit/sbom.cdx.json
	$(BIN)/bandit -q -r kneeclinic -x kneeclinic/static --severity-level medium
	$(BIN)/semgrep scan --config .semgrep.yml --metrics=off --disable-version-check --error --quiet kneeclinic
	$(UV) export --frozen --no-hashes --no-emit-project --format requirements-txt --quiet -o build/audit/requirements.txt
	$(BIN)/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r build/audit/requirements.txt

lock: | $(UV) ## refresh uv.lock after changing pyproject.toml
	$(UV) lock --python $(BIN)/python

clean: ## remove the environment and caches (keeps ./data)
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache htmlcov .coverage
