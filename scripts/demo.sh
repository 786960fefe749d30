#!/usr/bin/env bash
# Sets everything up, simulates a community and analyses it; prints where the report is.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${SHEQUN_DEMO_DIR:-out/demo}
rm -rf "$out"
.venv/bin/shequn simulate --format telegram --out "$out/export" --groups 6 --messages 20000
.venv/bin/shequn analyze "$out/export" --json "$out/analysis.json" --html "$out/report.html" || true
echo
echo "报告 report: $(pwd)/$out/report.html"
echo "JSON:        $(pwd)/$out/analysis.json"
