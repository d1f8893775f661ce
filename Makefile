# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export BRIGHTWAY2_DIR := $(CURDIR)/.data/brightway
export PCF_DATA_DIR ?= $(CURDIR)/.data

.PHONY: run test bench lint venv clean db

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

db: $(STAMP)
	$(BIN)/pcf db load

run: db
	$(BIN)/pcf serve

test: $(STAMP)
	$(BIN)/pytest -n 2

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[bench]'
	mkdir -p $(BRIGHTWAY2_DIR)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .data .pytest_cache .mypy_cache .ruff_cache
