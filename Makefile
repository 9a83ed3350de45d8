# Small clients, big profit: `make report` and `make test` are all a new machine needs.
# Every target sets up what it needs first (.venv with pinned dependencies, the sample data).

SHELL      := /bin/bash
PYTHON     ?= $(shell command -v python3.11 || command -v python3)
VENV       := .venv
BIN        := $(VENV)/bin
PY         := $(BIN)/python
STAMP      := $(VENV)/.installed
SAMPLE     := data/sample/default/order_lines.parquet data/sample/flat/order_lines.parquet
CONFIG     ?= configs/sample.yaml
PERIOD     ?=
OUT        ?= reports
JOBS       ?= 2
PYTEST_ARGS ?=
PORT       ?= 8866
STUDENTS   ?= 4
EXPLORERS  ?= 1

.DEFAULT_GOAL := help
.PHONY: help setup data report test lint format strip lab teach explore bench lock clean

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-10s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  Variables: CONFIG=$(CONFIG) PERIOD=START:END|last-month|last-quarter|ytd|last-12-months OUT=$(OUT) JOBS=$(JOBS)"
	@echo "             PORT=$(PORT) STUDENTS=$(STUDENTS) EXPLORERS=$(EXPLORERS) (kernels kept pre-heated for teach / explore)"

$(STAMP): requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $@

setup: $(STAMP) ## Create .venv with the pinned dependencies (requirements.lock)

data/sample/default/order_lines.parquet: $(STAMP) $(wildcard src/helpers/world/*.py)
	$(PY) -m helpers.world --preset default --out data/sample/default

data/sample/flat/order_lines.parquet: $(STAMP) $(wildcard src/helpers/world/*.py)
	$(PY) -m helpers.world --preset flat --out data/sample/flat

data: $(SAMPLE) ## Generate the sample worlds (default and flat) into data/sample/

report: setup data ## Render the full report set: make report [CONFIG=configs/x.yaml] [PERIOD=2024-01-01:2024-12-31 or last-month, last-quarter, ytd, last-12-months]
	$(BIN)/workbook report --config $(CONFIG) $(if $(PERIOD),--period $(PERIOD)) --out $(OUT) --jobs $(JOBS)

lint: setup ## ruff lint + format check (notebooks included) and the stripped-notebook check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(PY) scripts/strip_notebooks.py --check
	$(PY) scripts/sync_environment.py --check

format: setup ## Apply ruff fixes and formatting, strip notebook outputs
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(PY) scripts/strip_notebooks.py

strip: setup ## Strip outputs from notebooks (run before commit)
	$(PY) scripts/strip_notebooks.py

test: setup data lint ## Run every test (unit, property, notebooks, end-to-end, Spark, browser)
	$(PY) -m pytest -n $(JOBS) --dist loadfile --durations=25 $(PYTEST_ARGS)

lab: setup data ## Open the whole workbook in JupyterLab (also as root, as in most containers)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.allow_root=True --notebook-dir=.

SERVE = $(PY) -m helpers.apps.serve --config $(CONFIG) $(if $(PERIOD),--period $(PERIOD)) --port $(PORT)

teach: setup data ## Serve the teaching app on 127.0.0.1:PORT (8866): make teach [CONFIG=...] [STUDENTS=30]
	$(SERVE) --students $(STUDENTS) teach

explore: setup data ## Serve the explorer on 127.0.0.1:PORT: make explore [CONFIG=configs/x.yaml] [PERIOD=...]
	$(SERVE) --students $(EXPLORERS) explore

bench: setup data ## Benchmarks (speed and memory as ratios against baselines measured in the same run)
	@mkdir -p bench/results
	$(PY) bench/run.py

lock: ## Re-pin: freeze the current .venv into requirements.lock and environment.yml
	(echo "# Exact versions used by make (pip install -r requirements.lock). Regenerate with 'make lock'."; \
	 $(BIN)/pip freeze --exclude-editable | sort -f) > requirements.lock
	$(PY) scripts/sync_environment.py

clean: ## Remove generated data, processed tables and caches (keeps reports/ and .venv)
	rm -rf data/sample data/processed .pytest_cache .ruff_cache .hypothesis bench/results
	find . -name __pycache__ -not -path './.venv/*' -prune -exec rm -rf {} +
