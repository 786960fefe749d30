#!/usr/bin/env bash
# The whole test suite: set-up, system packages, lint, types, then every test (slow ones too).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/system-deps.sh
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
.venv/bin/pytest -n 2 -p no:cacheprovider "$@"
