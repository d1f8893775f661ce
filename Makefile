# Two commands on a fresh machine: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH_VENV := .venv-bench
BENCH_STAMP := $(BENCH_VENV)/.installed
export BRIGHTWAY2_DIR := $(CURDIR)/.data/brightway
export PCF_DATA_DIR ?= $(CURDIR)/.data
SITE = http://$(or $(PCF_HOST),127.0.0.1):$(or $(PCF_PORT),8000)

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
	$(BIN)/pcf demo seed --if-empty --out $(PCF_DATA_DIR)/credentials.json
	@echo "home page  $(SITE)/"
	@echo "API docs   $(SITE)/schema"
	@echo "demo label $(SITE)/l/$$($(BIN)/python -c 'import json,sys; print(json.load(open(sys.argv[1]))["labels"]["active"])' $(PCF_DATA_DIR)/credentials.json)"
	@echo "demo tokens and logins: $(PCF_DATA_DIR)/credentials.json"
	$(BIN)/pcf serve

# System parts the tests need (PostgreSQL, Chromium, a CJK font) come from Debian via scripts/setup-system.sh.
test: $(STAMP)
	bash scripts/setup-system.sh
	$(BIN)/pytest -n 2

# Benchmarks get their own environment: with bw2data installed, importing bw2calc imports bw2data too,
# which the runtime environment must not do (tests check it).
$(BENCH_STAMP): pyproject.toml
	test -x $(BENCH_VENV)/bin/python || $(PY) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip
	$(BENCH_VENV)/bin/pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	bash scripts/setup-bench.sh
	mkdir -p $(BRIGHTWAY2_DIR)
	$(BENCH_VENV)/bin/python -m bench.run $(BENCH_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(BENCH_VENV) .data .pytest_cache .mypy_cache .ruff_cache
