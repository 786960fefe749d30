"""Browser tests: Playwright (sync API) with Debian's Chromium against pytest-django's
live_server. Screenshots go to $SHEQUN_SCREENSHOTS (default: the test's tmp folder)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def chromium(monkeypatch):
    """One browser per test: Playwright's sync API runs an event loop in this thread, so the
    ORM calls a test makes need DJANGO_ALLOW_ASYNC_UNSAFE, for that test only (it must not leak
    into other tests, or into `check --deploy` run by one of them)."""
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # plotly.min.js is 4.8 MB from a single-threaded test server on a busy machine.
    expect.set_options(timeout=20_000)

    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (scripts/system-deps.sh installs it)"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def screens(tmp_path) -> Path:
    folder = Path(os.environ.get("SHEQUN_SCREENSHOTS") or tmp_path / "screens")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def browser_page(chromium, live_server):
    """A page in a fresh context (its own cookies), Chinese first like the product."""
    context = chromium.new_context(
        base_url=live_server.url, locale="zh-CN", viewport={"width": 1366, "height": 900}
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"
