"""`shequn serve`, `shequn demo` and the production settings (docs/deploy.md), run as real
processes against a fresh store (a SQLite file, or a new PostgreSQL database on that pass)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SHEQUN = [sys.executable, "-c", "from shequn.cli import main; main()"]


def _get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.read()


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SHEQUN_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(
        SHEQUN_HTTPS="1",
        SHEQUN_DATA_DIR=str(tmp_path),
        SHEQUN_ALLOWED_HOSTS="shequn.example.org",
        SHEQUN_SECRET_KEY="x" * 20 + "-a-long-random-production-secret-" + "y" * 20,
        SHEQUN_DATABASE_URL="postgresql://shequn@db.internal:5432/shequn",
        SHEQUN_REDIS_URL="redis://cache.internal:6379/0",
        DJANGO_SETTINGS_MODULE="shequn.server.settings",
    )
    result = subprocess.run(
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.slow
def test_serve_migrates_collects_static_serves_and_stops_on_sigterm(external_store, tmp_path):
    env, _sql = external_store
    process = subprocess.Popen(
        [*SHEQUN, "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 120
        assert process.stdout is not None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            assert line or process.poll() is None, "shequn serve exited early"
            if found := re.search(r"(http://127\.0\.0\.1:\d+/)", line):
                url = found.group(1)
        assert url, "shequn serve did not print its URL"
        status, body = _get(url + "api/health")
        assert status == 200 and b'"ok"' in body
        assert _get(url + "login/")[0] == 200
        status, plotly = _get(url + "static/plotly/plotly.min.js")
        assert status == 200 and len(plotly) > 1_000_000
        assert (Path(env["SHEQUN_DATA_DIR"]) / "static" / "plotly" / "plotly.min.js").exists()
    finally:
        # SIGTERM (what a service manager sends) stops the server and its job consumer.
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


@pytest.mark.slow
def test_demo_creates_then_refreshes_a_demo_workspace(external_store):
    env, sql = external_store
    args = [*SHEQUN, "demo", "--groups", "2", "--messages", "1500", "--port", "8123"]
    first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "http://127.0.0.1:8123/w/demo/" in first.stdout
    assert "demo / shequn-demo" in first.stdout
    count = (
        "SELECT count(*) FROM insights_groupsnapshot s JOIN tenancy_workspace w "
        "ON w.id = s.workspace_id WHERE w.slug = 'demo'"
    )
    assert sql(count) == [(2,)]
    again = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stdout + again.stderr
    assert sql(count) == [(2,)]
    assert sql("SELECT count(*) FROM tenancy_workspace WHERE slug = 'demo'") == [(1,)]
