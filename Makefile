.PHONY: help setup demo serve test lint format bench

help:  ## list targets
	@grep -E '^[a-z]+:.*##' Makefile | sed 's/:.*## /\t/'

setup:  ## create .venv and install shequn with dev tools
	scripts/setup.sh

demo:  ## set up, write a report of a simulated community, fill the demo workspace and serve it
	scripts/demo.sh

serve:  ## run the platform on 127.0.0.1:8000 (embedded SQLite, in-process jobs)
	scripts/setup.sh
	.venv/bin/shequn serve

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
