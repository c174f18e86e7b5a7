# nnplayground — `make run` and `make test` are all a fresh machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PY_STAMP := $(VENV)/.installed
NODE_STAMP := frontend/node_modules/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-py test-js bench bench-quick check fmt soak docker clean

install: $(PY_STAMP) $(NODE_STAMP)

$(PY_STAMP): pyproject.toml $(NODE_STAMP)
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	touch $@

$(NODE_STAMP): frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: install
	$(VENV)/bin/nnplayground serve --host $(HOST) --port $(PORT)

test: install test-js test-py

test-js: $(NODE_STAMP)
	cd frontend && npx tsc -p tsconfig.json
	cd frontend && node --test tests/

test-py: $(PY_STAMP) $(NODE_STAMP)
	$(PY) -m pytest -m "not soak"

bench: install
	$(VENV)/bin/nnplayground bench --json bench/results.json

bench-quick: install
	$(VENV)/bin/nnplayground bench --quick --json bench/results-quick.json

soak: install
	$(PY) -m pytest -m soak -o addopts="" tests/reliability

check: install
	$(VENV)/bin/ruff format --check server tests bench
	$(VENV)/bin/ruff check server tests bench
	$(VENV)/bin/mypy
	cd frontend && npx tsc -p tsconfig.json

fmt: $(PY_STAMP)
	$(VENV)/bin/ruff format server tests bench
	$(VENV)/bin/ruff check --fix server tests bench

docker:
	docker build -t nnplayground .

clean:
	rm -rf $(VENV) frontend/node_modules dist build artifacts
