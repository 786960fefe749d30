.PHONY: help setup demo test lint format bench

help:  ## list targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'

setup:  ## create .venv and install shequn with dev tools
	scripts/setup.sh

demo:  ## set up, simulate a community, analyse it and print where the report is
	scripts/demo.sh

test:  ## the whole test suite (installs what it needs)
	scripts/test.sh

lint:  ## ruff + mypy
	scripts/setup.sh
	.venv/bin/ruff check src tests bench
	.venv/bin/ruff format --check src tests bench
	.venv/bin/mypy

format:  ## apply ruff formatting and fixes
	.venv/bin/ruff check --fix src tests bench
	.venv/bin/ruff format src tests bench

bench:  ## run the benchmarks (prints figures)
	scripts/setup.sh
	.venv/bin/python bench/run_all.py
