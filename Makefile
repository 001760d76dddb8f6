# Every target installs what it needs first: a .venv in the repo, from requirements.lock.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
UV_VERSION := 0.13.8

.PHONY: demo demo-s3 test run ui notebook lint lock clean

$(STAMP): requirements.lock pyproject.toml
	@echo "== setup: virtual environment $(VENV) from requirements.lock ($$($(PYTHON) --version))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	@$(BIN)/uv pip install -q --python $(BIN)/python --compile-bytecode -r requirements.lock
	@$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	@touch $(STAMP)
	@echo "== setup: done"

demo: $(STAMP)  ## replay the bundled sample on loopback, run the pipeline, show the answers
	$(BIN)/openrouter-catalog demo --data-dir data

demo-s3: $(STAMP)  ## the same days into a bucket of an S3 server on loopback; warehouse from the bucket alone
	$(BIN)/openrouter-catalog demo --s3 --data-dir data/s3-demo

test: $(STAMP)  ## lint, the layers' contracts, then the whole test suite
	@echo "== ruff"
	$(BIN)/ruff check .
	@echo "== lint-imports"
	$(BIN)/lint-imports --no-cache
	@echo "== pytest"
	$(BIN)/python -m pytest

run: $(STAMP)  ## today's snapshot from the live API (https://openrouter.ai)
	$(BIN)/openrouter-catalog run

ui: $(STAMP)  ## the Dagster UI of data/ (its runs, in data/.dagster) on http://127.0.0.1:3000
	$(BIN)/openrouter-catalog ui --data-dir data

notebook: $(STAMP)  ## run notebooks/explore.ipynb against data/ (after make demo); saves it with its charts
	$(BIN)/python -m pipeline.cli.notebook --data-dir data --out data/notebooks/explore.ipynb

lint: $(STAMP)
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports --no-cache

lock: $(STAMP)  ## re-resolve requirements.lock after changing pyproject.toml
	$(BIN)/uv pip compile -q pyproject.toml --extra dev -o requirements.lock --python-version 3.11

clean:
	rm -rf $(VENV) data/raw data/tables data/warehouse.duckdb data/reports data/notebooks data/by-the-hour data/locks
