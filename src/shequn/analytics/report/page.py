"""The self-contained HTML report of a `shequn.analysis/1` document. See docs/report.md.

Chart data goes into one JSON island with `<`, `>` and `&` escaped, so no name can close a
tag or a script. Plotly.js is inlined once from the installed plotly package: the report
never touches the network (DESIGN.md §1, charts).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import plotly.offline

from shequn import __version__
from shequn.analytics.registry import INDICATORS, LIFECYCLE_STAGES, STAGE_LABELS

from .catalogue import Lang, normalize_lang, pick, t
from .format import definition_of, is_number, label_of, metric_value, moment, number, reason
from .group import GroupWriter
from .parts import STATUS_CLASSES, as_list, compact, esc, health_tone

# Above this many groups the per-group sections start collapsed (the overview table is the
# index), so a 100-group report opens fast and draws charts only for groups that are opened.
OPEN_GROUPS_LIMIT = 8


@cache
def _asset(name: str) -> str:
    return (resources.files(__package__) / "assets" / name).read_text(encoding="utf-8")


def _json_island(value: Any) -> str:
    # `<`, `>` and `&` only ever occur inside JSON strings, where the \u escapes mean the
    # same characters: the island cannot contain `</script>` whatever the names are.
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


class _Page(GroupWriter):
    def __init__(self, analysis: dict[str, Any], lang: Lang) -> None:
        super().__init__(lang)
        self.analysis = analysis
        self.groups = as_list(analysis.get("groups"))

    def render(self) -> str:
        body = [self.header(), '<main class="wrap">', self.overview(), self.group_sections()]
        body += ["</main>", self.footer()]
        title = t(self.lang, "title")
        lang_attr = "zh-Hans" if self.lang == "zh-Hans" else "en"
        return "".join(
            [
                f'<!DOCTYPE html><html lang="{lang_attr}"><head><meta charset="utf-8">',
                '<meta name="viewport" content="width=device-width, initial-scale=1">',
                f'<meta name="generator" content="{esc(self.generated_by())}">',
                f"<title>{esc(title)} · {esc(moment(self.analysis.get('as_of')))}</title>",
                f"<style>{_asset('report.css')}</style></head>",
                f'<body class="{"many" if len(self.groups) > OPEN_GROUPS_LIMIT else "few"}">',
                *body,
                f'<script type="text/javascript">{plotly.offline.get_plotlyjs()}</script>',
                f'<script type="application/json" id="shequn-charts">'
                f"{_json_island(self.charts)}</script>",
                f"<script>{_asset('report.js')}</script>",
                "</body></html>",
            ]
        )

    def generated_by(self) -> str:
        return str(self.analysis.get("generated_by") or f"shequn {__version__}")

    def header(self) -> str:
        as_of = moment(self.analysis.get("as_of"))
        facts = [
            f"{self.t('as_of')} <b>{esc(as_of) or self.t('no_data')}</b>",
            self.t("groups_count", n=len(self.groups)),
            f"{self.t('generated_by')} {esc(self.generated_by())}",
        ]
        return (
            '<header class="top"><div class="wrap top-inner">'
            '<div class="brand"><span class="logo" aria-hidden="true">群</span>'
            f"<span><b>shequn</b> 社群</span></div>"
            f"<h1>{self.t('title')}</h1>"
            f'<p class="facts">{" · ".join(facts)}</p>'
            f"{self.inputs()}</div></header>"
        )

    def inputs(self) -> str:
        inputs = self.analysis.get("inputs")
        if not isinstance(inputs, dict):
            return ""
        items: list[str] = []
        for export in inputs.get("exports") or []:
            if isinstance(export, dict):
                parts = [
                    str(export.get(k))
                    for k in ("label", "path", "file", "platform", "messages")
                    if export.get(k) not in (None, "")
                ]
                items.append(" · ".join(parts))
            else:
                items.append(str(export))
        for key in ("orders", "surveys"):
            value = inputs.get(key)
            if value not in (None, "", [], {}):
                items.append(f"{key}: {value if isinstance(value, str) else compact(value)}")
        if not items:
            return ""
        lis = "".join(f"<li>{esc(i)}</li>" for i in items)
        return (
            f'<details class="inputs"><summary>{self.t("inputs")} ({len(items)})</summary>'
            f"<ul>{lis}</ul></details>"
        )

    def footer(self) -> str:
        return (
            f'<footer class="wrap foot"><p>{self.t("offline_note")}</p>'
            f"<p>{self.t('footer')}</p></footer>"
        )

    # -- overview -------------------------------------------------------------------------

    def overview(self) -> str:
        groups = self.groups
        members = sum(g["members"] for g in groups if is_number(g.get("members")))
        messages = sum(g["messages"] for g in groups if is_number(g.get("messages")))
        scores = [g["health_score"] for g in groups if is_number(g.get("health_score"))]
        average = round(sum(scores) / len(scores)) if scores else None
        attention = sum(1 for g in groups if g.get("lifecycle_stage") in ("declining", "dormant"))
        splits = sum(1 for g in groups if g.get("split_suggested") is True)
        tiles = [
            (self.t("tile_groups"), number(len(groups)), "", "none"),
            (self.t("tile_members"), number(members), "", "none"),
            (self.t("tile_messages"), number(messages), "", "none"),
            (
                self.t("tile_health"),
                str(average) if average is not None else self.t("no_data"),
                "",
                health_tone(average),
            ),
            (
                self.t("tile_attention"),
                number(attention),
                self.t("tile_attention_hint"),
                "poor" if attention else "good",
            ),
            (self.t("tile_split"), number(splits), "", "fair" if splits else "none"),
        ]
        tile_html = "".join(
            f'<div class="tile tone-{tone}"><span class="tile-k">{k}</span>'
            f'<span class="tile-v">{v}</span>'
            + (f'<span class="tile-h">{h}</span>' if h else "")
            + "</div>"
            for k, v, h, tone in tiles
        )
        return (
            f'<section id="overview" class="section"><h2>{self.t("overview")}</h2>'
            f'<div class="tiles">{tile_html}</div>{self.stage_mix()}{self.overview_table()}'
            "</section>"
        )

    def stage_mix(self) -> str:
        counts = {s: 0 for s in LIFECYCLE_STAGES}
        for g in self.groups:
            if g.get("lifecycle_stage") in counts:
                counts[g["lifecycle_stage"]] += 1
        total = sum(counts.values())
        if not total:
            return ""
        segments = "".join(
            f'<span class="seg stage-{s}" style="flex:{n}" '
            f'title="{esc(pick(STAGE_LABELS[s], self.lang))}: {n}"></span>'
            for s, n in counts.items()
            if n
        )
        legend = "".join(
            f'<span class="legend-item"><i class="sw stage-{s}"></i>'
            f"{esc(pick(STAGE_LABELS[s], self.lang))} <b>{n}</b></span>"
            for s, n in counts.items()
            if n
        )
        return (
            f'<div class="stage-mix"><span class="mini-h">{self.t("stage_mix")}</span>'
            f'<div class="stack">{segments}</div><div class="legend">{legend}</div></div>'
        )

    def overview_table(self) -> str:
        heads = [
            ("col_group", "text"),
            ("col_platform", "text"),
            ("col_members", "num"),
            ("col_messages", "num"),
            ("col_health", "num"),
            ("col_stage", "stage-col"),
        ]
        th = "".join(
            f'<th data-sort="{"text" if kind == "text" else "num"}" '
            f'class="{"name-col" if i == 0 else kind}">'
            f'<button type="button">{self.t(key)}</button></th>'
            for i, (key, kind) in enumerate(heads)
        )
        th += "".join(
            f'<th data-sort="num" class="num ind-col" title="{esc(definition_of(n, self.lang))}">'
            f'<button type="button">{esc(label_of(n, self.lang))}</button></th>'
            for n in INDICATORS
        )
        rows = "".join(self.overview_row(i, g) for i, g in enumerate(self.groups))
        return (
            '<div class="table-tools">'
            f'<input type="search" class="filter" placeholder="{self.t("filter_placeholder")}" '
            f'aria-label="{self.t("filter_placeholder")}">'
            f'<span class="hint">{self.t("sort_hint")}</span></div>'
            '<div class="table-scroll"><table class="groups-table" id="groups-table">'
            f"<thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table>"
            f'<p class="filter-empty" hidden>{self.t("filter_empty")}</p></div>'
        )

    def overview_row(self, index: int, g: dict[str, Any]) -> str:
        name = str(g.get("name") or g.get("key") or "?")
        platform = self.platform(g.get("platform"))
        search = f"{name} {platform} {g.get('key') or ''}".lower()
        score = g.get("health_score")
        stage = g.get("lifecycle_stage")
        stage_rank = LIFECYCLE_STAGES.index(stage) if stage in LIFECYCLE_STAGES else ""
        cells = [
            f'<td class="name-col"><a href="#g-{index}" title="{esc(name)}">{esc(name)}</a></td>',
            f"<td>{esc(platform)}</td>",
            _num_cell(g.get("members")),
            _num_cell(g.get("messages")),
            f'<td class="num" data-v="{score if is_number(score) else ""}">'
            f'<span class="score tone-{health_tone(score)}">'
            f"{round(score) if is_number(score) else '–'}</span></td>",
            f'<td data-v="{stage_rank}">'
            f"{self.stage_chip(stage, reason(g, self.lang, 'lifecycle_reason'))}</td>",
        ]
        for n in INDICATORS:
            ind = self.indicator(g, n)
            value = ind.get("value")
            tip = reason(ind, self.lang) or t(self.lang, f"status_{ind['status']}")
            cells.append(
                f'<td class="num ind {STATUS_CLASSES[ind["status"]]}" '
                f'data-v="{value if is_number(value) else ""}" title="{esc(tip)}">'
                f'<i class="dot"></i>{esc(metric_value(n, value, self.lang))}</td>'
            )
        return f'<tr data-search="{esc(search)}">{"".join(cells)}</tr>'

    # -- one group ------------------------------------------------------------------------

    def group_sections(self) -> str:
        if not self.groups:
            return ""
        opened = len(self.groups) <= OPEN_GROUPS_LIMIT
        parts = [self.group(i, g, opened) for i, g in enumerate(self.groups)]
        return (
            f'<section class="section" id="groups"><h2>{self.t("groups_heading")}</h2>'
            f"{''.join(parts)}</section>"
        )


def _num_cell(value: Any) -> str:
    if not is_number(value):
        return '<td class="num" data-v="">–</td>'
    return f'<td class="num" data-v="{value}">{number(value)}</td>'


def render_report(analysis: dict[str, Any], lang: str = "zh-Hans") -> str:
    """One self-contained offline HTML file for a `shequn.analysis/1` document."""
    return _Page(analysis, normalize_lang(lang)).render()
