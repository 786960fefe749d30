#!/usr/bin/env bash
# Sets everything up, simulates a community and analyses it (a report file), then fills a demo
# workspace in the back office and serves it; prints the URL and the logins.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
out=${SHEQUN_DEMO_DIR:-out/demo}
port=${SHEQUN_DEMO_PORT:-8000}
host=${SHEQUN_DEMO_HOST:-127.0.0.1}
rm -rf "$out"
.venv/bin/shequn simulate --format telegram --out "$out/export" --groups 6 --messages 20000
.venv/bin/shequn analyze "$out/export" --json "$out/analysis.json" --html "$out/report.html" || true
echo
echo "报告 report: $(realpath "$out")/report.html"
echo "JSON:        $(realpath "$out")/analysis.json"
echo
# The back office keeps its data in SHEQUN_DATA_DIR (default ~/.local/share/shequn).
.venv/bin/shequn demo --host "$host" --port "$port"
echo
echo "后台 back office: http://$host:$port/w/demo/   登录 login: demo / shequn-demo (viewer / shequn-viewer)"
echo "API docs:         http://$host:$port/api/docs"
exec .venv/bin/shequn serve --host "$host" --port "$port"
