#!/usr/bin/env bash
# The whole test suite: set-up, system packages and services, lint, types, migrations, then every
# test (slow ones too) on SQLite, and the platform tests again on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/system-deps.sh
scripts/services.sh
export SHEQUN_TEST_PG_URL=${SHEQUN_TEST_PG_URL:-postgresql://postgres@127.0.0.1:${SHEQUN_TEST_PGPORT:-5432}/postgres}
export SHEQUN_TEST_REDIS_URL=${SHEQUN_TEST_REDIS_URL:-redis://127.0.0.1:${SHEQUN_TEST_REDISPORT:-6379}/0}
.venv/bin/ruff check src tests bench
.venv/bin/ruff format --check src tests bench
.venv/bin/mypy
SHEQUN_DATA_DIR=$(mktemp -d) DJANGO_SETTINGS_MODULE=shequn.server.settings \
  .venv/bin/python -m django makemigrations --check --dry-run >/dev/null
echo "== all tests on SQLite"
.venv/bin/pytest -n 2 -p no:cacheprovider "$@"
if [ -d tests/platform ]; then
  echo "== platform tests on PostgreSQL"
  SHEQUN_DATABASE_URL=$SHEQUN_TEST_PG_URL .venv/bin/pytest -n 2 -p no:cacheprovider tests/platform "$@"
fi
