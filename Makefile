# Two commands: `make run` and `make test`. Both build .venv from nothing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench format clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/briefbot ingest seeds/
	$(BIN)/briefbot brief golden-dome

test: $(STAMP)
	$(BIN)/briefbot ingest seeds/ >/dev/null
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/brief.py
	$(BIN)/python bench/summaries.py
	$(BIN)/python bench/quotes.py
	$(BIN)/python bench/slack.py
	$(BIN)/python bench/discord.py
	$(BIN)/python bench/digests.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
