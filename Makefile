# One command sets up a fresh machine and runs the main job (`make demo`), one runs the tests (`make test`).
SHELL := /bin/bash
VENV := $(shell echo $${MODISTE_VENV:-$$HOME/.cache/modiste/venv})
export MODISTE_DATA ?= $(abspath ../shared/data)
PYTEST_ARGS ?=

.PHONY: setup demo test test-fast bench

setup:
	./scripts/setup_env.sh

demo: setup
	$(VENV)/bin/modiste demo

test: setup
	./scripts/ensure_chromium.sh
	$(VENV)/bin/python -m pytest -n 2 --durations=15 $(PYTEST_ARGS)

test-fast: setup
	$(VENV)/bin/python -m pytest -n 2 -m "not slow" $(PYTEST_ARGS)
