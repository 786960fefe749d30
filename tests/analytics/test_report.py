"""The HTML report (docs/report.md): structure, escaping, offline-ness, and a real browser."""

from __future__ import annotations

import html as html_lib
import json
import os
import re
import shutil
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import plotly.offline
import pytest

from shequn.analytics.registry import LABEL_NAMES
from shequn.analytics.report import render_report
from shequn.analytics.report.catalogue import MESSAGES

from .report_fixture import (
    HOSTILE_COHORT,
    HOSTILE_NAME,
    HOSTILE_PERSON,
    HOSTILE_REASON,
    analysis,
    many_groups,
)

PLOTLY_JS = plotly.offline.get_plotlyjs()
PLOTLY_SIGNATURE = PLOTLY_JS[:200]
NO_DATA = {"zh-Hans": "暂无数据", "en": "No data"}


class _Page(HTMLParser):
    """Tags with their attributes, script bodies, and the overview table's cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.overview: list[list[str]] = []
        self._script: dict[str, str | None] | None = None
        self._script_text: list[str] = []
        self._in_overview = False
        self._in_body = False
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "script":
            self._script, self._script_text = a, []
        elif tag == "table" and a.get("id") == "groups-table":
            self._in_overview = True
        elif self._in_overview and tag == "tbody":
            self._in_body = True
        elif self._in_body and tag == "tr":
            self.overview.append([])
        elif self._in_body and tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._script_text)))
            self._script = None
        elif tag == "td" and self._cell is not None:
            self.overview[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table" and self._in_overview:
            self._in_overview = self._in_body = False

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            self._script_text.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def _charts(page: _Page) -> dict[str, Any]:
    (island,) = [body for attrs, body in page.scripts if attrs.get("id") == "shequn-charts"]
    charts: dict[str, Any] = json.loads(island)
    return charts


def _group_section(html: str, index: int) -> str:
    start = html.index(f'id="g-{index}"')
    end = html.find(f'id="g-{index + 1}"', start)
    return html[start : end if end != -1 else len(html)]


@pytest.fixture(scope="module")
def reports() -> dict[str, str]:
    return {lang: render_report(analysis(), lang) for lang in ("zh-Hans", "en")}


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        (
            "zh-Hans",
            [
                [
                    "Python 学习交流群",
                    "Telegram",
                    "120",
                    "1,514",
                    "84",
                    "活跃期",
                    "26%",
                    "7",
                    "4.6%",
                    "3",
                    "暂无数据",
                ],
                [HOSTILE_NAME, "微信", "35", "40", "12", "死群", *["暂无数据"] * 5],
                ["周末徒步 QQ 群", "QQ", "12", "9", "–", "暂无数据", *["暂无数据"] * 5],
            ],
        ),
        (
            "en",
            [
                [
                    "Python 学习交流群",
                    "Telegram",
                    "120",
                    "1,514",
                    "84",
                    "Active",
                    "26%",
                    "7",
                    "4.6%",
                    "3",
                    "No data",
                ],
                [HOSTILE_NAME, "WeChat", "35", "40", "12", "Dormant", *["No data"] * 5],
                ["周末徒步 QQ 群", "QQ", "12", "9", "–", "No data", *["No data"] * 5],
            ],
        ),
    ],
)
def test_overview_table_shows_every_group_against_the_bars(
    reports: dict[str, str], lang: str, expected: list[list[str]]
) -> None:
    assert _parse(reports[lang]).overview == expected


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_both_languages_render_their_own_words(reports: dict[str, str], lang: str) -> None:
    html = reports[lang]
    other = "en" if lang == "zh-Hans" else "zh-Hans"
    column = 0 if lang == "zh-Hans" else 1
    assert f'<html lang="{lang}">' in html
    for key in ("title", "overview", "indicators", "recommendations", "lifecycle_history"):
        assert MESSAGES[key][column] in html, key
    assert MESSAGES["recommendations"][1 - column] not in html
    assert f'<html lang="{other}">' not in html


def test_every_message_has_both_languages() -> None:
    assert [k for k, (zh, en) in MESSAGES.items() if not zh or not en] == []


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_every_label_and_recommendation_appears_in_its_group(
    reports: dict[str, str], lang: str
) -> None:
    html = reports[lang]
    column = 0 if lang == "zh-Hans" else 1
    doc = analysis()
    for index, group in enumerate(doc["groups"]):
        section = _group_section(html, index)
        labels = {label for p in group["people"] for label in p.get("labels", [])}
        for label in labels:
            assert LABEL_NAMES[label][column] in section, (group["key"], label)
        for rec in group.get("recommendations", []):
            text = rec["text"] if lang == "zh-Hans" else rec["text_en"]
            assert _escaped(text) in section, rec["code"]


def _escaped(text: str) -> str:
    return html_lib.escape(text, quote=True)


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_strings_from_the_data_stay_text(reports: dict[str, str], lang: str) -> None:
    html = reports[lang]
    for hostile in (HOSTILE_NAME, HOSTILE_REASON, HOSTILE_PERSON, HOSTILE_COHORT):
        assert hostile not in html
    assert _escaped(HOSTILE_NAME) in html
    assert _escaped(HOSTILE_PERSON) in html
    page = _parse(html)
    # The only scripts are ours: plotly.js, the chart data island and the report's code.
    assert [attrs for attrs, _ in page.scripts] == [
        {"type": "text/javascript"},
        {"type": "application/json", "id": "shequn-charts"},
        {},
    ]
    assert {tag for tag, _ in page.tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "header",
        "div",
        "span",
        "b",
        "h1",
        "h2",
        "h4",
        "h5",
        "p",
        "details",
        "summary",
        "ul",
        "ol",
        "li",
        "main",
        "section",
        "input",
        "table",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "button",
        "a",
        "i",
        "dl",
        "dt",
        "dd",
        "figure",
        "figcaption",
        "footer",
        "script",
    }
    # The hostile cohort label travels inside the JSON island, escaped for Plotly (which
    # reads a few tags in labels and decodes entities back to text).
    cohort_labels = [
        label
        for spec in _charts(page).values()
        for trace in spec["data"]
        if trace["type"] == "heatmap"
        for label in trace["y"]
    ]
    assert _escaped(HOSTILE_COHORT) in cohort_labels


@pytest.mark.parametrize("doc", [analysis(), many_groups(100)], ids=["fixture", "100-groups"])
def test_plotly_js_is_embedded_exactly_once(doc: dict[str, Any]) -> None:
    html = render_report(doc)
    assert html.count(PLOTLY_SIGNATURE) == 1
    assert html.count("<script") == 3


def test_nothing_points_to_the_network(reports: dict[str, str]) -> None:
    for html in reports.values():
        page = _parse(html)
        references = [
            (tag, name, value)
            for tag, attrs in page.tags
            for name, value in attrs.items()
            if name in ("src", "href", "srcset", "action", "data", "poster", "xlink:href")
        ]
        assert [r for r in references if not (r[2] or "").startswith("#")] == []
        assert "link" not in {tag for tag, _ in page.tags}
        outside_plotly = html.replace(PLOTLY_JS, "")
        assert re.findall(r"url\(|@import|@font-face", outside_plotly) == []


def test_charts_follow_the_weeks_and_the_seed_bars(reports: dict[str, str]) -> None:
    charts = _charts(_parse(reports["zh-Hans"]))
    # Python group: activity, weekly active rate, rounds, retention; hostile group: activity
    # and retention (no weekly rows); bare group: none.
    kinds = [[t["type"] for t in spec["data"]] for spec in charts.values()]
    assert kinds == [
        ["bar", "scatter"],
        ["scatter"],
        ["bar"],
        ["heatmap"],
        ["bar", "scatter"],
        ["heatmap"],
    ]
    war, rounds = charts["c1"], charts["c2"]
    assert war["data"][0]["y"] == [0.45, 0.4286, 0.2188, 0.1778, 0.18, 0.25, 0.2407, 0.2583]
    assert [s["y0"] for s in war["layout"]["shapes"]] == [0.2]
    assert rounds["data"][0]["y"] == [1, 2, 3, 4, 4, 6, 5, 7]
    below, ok = "#f08a4b", "#16a34a"
    assert rounds["data"][0]["marker"]["color"] == [below] * 5 + [ok] * 3
    assert [s["y0"] for s in rounds["layout"]["shapes"]] == [5]
    heat = charts["c3"]["data"][0]
    assert heat["y"][-1] == "2024-07-08"
    assert heat["customdata"][-1][0] == "2024-07-08 进群（5 人）"
    assert heat["text"][-1] == ["40%", "20%", "20%", "", "", "", "", ""]


def test_people_lists_keep_long_lists_collapsed(reports: dict[str, str]) -> None:
    section = _group_section(reports["en"], 0)
    top = section[
        section.index('class="people"') : section.index("</table>", section.index('class="people"'))
    ]
    visible, extra = top.split('<tbody class="extra" hidden>')
    # 15 people spoke: the 10 busiest show, the other 5 wait behind "Show all 15".
    assert visible.count("<tr>") - 1 == 10
    assert extra.count("<tr>") == 5
    assert "Show all 15" in section
    assert re.findall(
        r'<details class="chip-list people-(\w+)"><summary>[^<]*<b>(\d+)</b>', section
    ) == [
        ("silent", "4"),
        ("newcomer", "1"),
        ("churned", "1"),
    ]


@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
def test_missing_optional_fields_read_no_data(lang: str) -> None:
    html = render_report({"schema": "shequn.analysis/1", "groups": [{"key": "slack:C1"}]}, lang)
    section = _group_section(html, 0)
    assert "slack:C1" in section
    assert section.count(NO_DATA[lang]) >= 10
    assert render_report({}, lang).count(PLOTLY_SIGNATURE) == 1


def test_a_big_report_starts_collapsed() -> None:
    html = render_report(many_groups(100))
    assert html.count('<details class="group"') == 100
    assert re.findall(r'<details class="group"[^>]* open>', html) == []
    assert len(_charts(_parse(html))) == 400


def test_an_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="fr"):
        render_report(analysis(), "fr")


# -- browser ------------------------------------------------------------------------------
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORTS = {"laptop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is missing: run `bash scripts/system-deps.sh`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def screens(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # SHEQUN_REPORT_SCREENS keeps the screenshots somewhere a person can look at them.
    wanted = os.environ.get("SHEQUN_REPORT_SCREENS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("report-screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Watched:
    """A page with everything that must not happen recorded."""

    def __init__(self, browser: Any, viewport: tuple[int, int]) -> None:
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss())
        )
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:", "blob:"))
                else self.problems.append(f"request: {r.url}")
            ),
        )

    def draw_every_chart(self, scope: str = "body") -> int:
        """Scroll each chart in `scope` into view (they are drawn lazily) and wait for all."""
        charts = self.page.locator(f"{scope} .chart[data-chart]")
        total = charts.count()
        for i in range(total):
            charts.nth(i).scroll_into_view_if_needed()
        self.page.wait_for_function(
            f"document.querySelectorAll('{scope} .js-plotly-plot').length === {total}"
        )
        self.page.wait_for_timeout(300)  # let the last plots finish their transitions
        self.page.evaluate("window.scrollTo(0, 0)")
        return int(total)


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["zh-Hans", "en"])
@pytest.mark.parametrize("device", list(VIEWPORTS))
def test_the_report_renders_offline_in_chromium(
    chromium: Any, screens: Path, tmp_path: Path, lang: str, device: str
) -> None:
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_report(analysis(), lang), encoding="utf-8")
    watched = _Watched(chromium, VIEWPORTS[device])
    watched.page.goto(path.as_uri())
    assert watched.draw_every_chart() == 6
    assert watched.page.locator(".js-plotly-plot").count() == 6
    assert watched.page.locator("#g-1 .gh-name").inner_text() == HOSTILE_NAME
    watched.page.screenshot(path=str(screens / f"report-{lang}-{device}.png"), full_page=True)
    assert watched.problems == []
    watched.page.close()


@pytest.mark.slow
def test_a_big_report_draws_charts_when_a_group_is_opened(chromium: Any, tmp_path: Path) -> None:
    path = tmp_path / "report-100.html"
    path.write_text(render_report(many_groups(100), "en"), encoding="utf-8")
    watched = _Watched(chromium, VIEWPORTS["laptop"])
    watched.page.goto(path.as_uri())
    assert watched.page.locator(".js-plotly-plot").count() == 0
    watched.page.fill(".filter", "学习群 042")
    assert watched.page.locator("#groups-table tbody tr:visible").count() == 1
    watched.page.click("#groups-table a[href='#g-42']")
    assert watched.page.locator("#g-42").get_attribute("open") == ""
    assert watched.draw_every_chart("#g-42") == 4
    # Only the opened group's charts exist: the other 99 groups cost nothing until opened.
    assert watched.page.locator(".js-plotly-plot").count() == 4
    assert watched.problems == []
    watched.page.close()
