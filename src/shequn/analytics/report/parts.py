"""Shared pieces of the HTML report: escaping, chips, indicator entries and evidence.
See docs/report.md.

Every string that comes from the analysis goes through `esc` (html.escape) before it reaches
the page.
"""

from __future__ import annotations

import html
import json
from typing import Any

from shequn.analytics.registry import LABEL_NAMES, METRICS, STAGE_LABELS

from .catalogue import PLATFORMS, Lang, pick, t
from .format import is_number, label_of, metric_value, zh_en

STATUS_CLASSES = {"ok": "st-ok", "below": "st-below", "no_data": "st-none"}


def esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def as_dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def health_tone(score: Any) -> str:
    if not is_number(score):
        return "none"
    return "good" if score >= 70 else "fair" if score >= 40 else "poor"


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


class Writer:
    """Renders pieces of one report in one language; collects the chart specs it places."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self.charts: dict[str, dict[str, Any]] = {}
        self.names: dict[str, str] = {}  # person id → name, for the group being rendered

    def t(self, key: str, **values: Any) -> str:
        return esc(t(self.lang, key, **values))

    def platform(self, code: Any) -> str:
        names = PLATFORMS.get(str(code or "").lower())
        return pick(names, self.lang) if names else str(code or "")

    def stage_chip(self, stage: Any, title: str = "") -> str:
        if stage not in STAGE_LABELS:
            return f'<span class="stage stage-none">{self.t("no_data")}</span>'
        name = pick(STAGE_LABELS[stage], self.lang)
        tip = f' title="{esc(title)}"' if title else ""
        return f'<span class="stage stage-{stage}"{tip}>{esc(name)}</span>'

    def label_chip(self, label: str, count: int | None = None) -> str:
        names = LABEL_NAMES.get(label)
        text = pick(names, self.lang) if names else label
        suffix = f" <b>{count}</b>" if count is not None else ""
        css = label if label in LABEL_NAMES else "other"
        return f'<span class="label label-{css}">{esc(text)}{suffix}</span>'

    def indicator(self, group: dict[str, Any], name: str) -> dict[str, Any]:
        """The group's indicator entry; built from the flat field when `indicators` is missing
        so an older or partial document still renders."""
        entry = as_dict(group.get("indicators")).get(name)
        metric = METRICS[name]
        if isinstance(entry, dict):
            out = dict(entry)
        else:
            value = group.get(name)
            met = metric.meets(value) if is_number(value) else None
            out = {
                "value": value if is_number(value) else None,
                "bar": metric.bar,
                "status": "no_data" if met is None else "ok" if met else "below",
            }
        if out.get("status") not in STATUS_CLASSES:
            out["status"] = "no_data" if out.get("value") is None else "below"
        return out

    def chart(self, spec: dict[str, Any] | None, title: str, wide: bool = False) -> str:
        css = "chart-card wide" if wide else "chart-card"
        head = f"<figcaption>{esc(title)}</figcaption>"
        if spec is None:
            return (
                f'<figure class="{css}">{head}<div class="empty">{self.t("no_data")}</div></figure>'
            )
        chart_id = f"c{len(self.charts)}"
        self.charts[chart_id] = spec
        return (
            f'<figure class="{css}">{head}<div class="chart" data-chart="{chart_id}" '
            f'role="img" aria-label="{esc(title)}"></div></figure>'
        )

    # -- the page -------------------------------------------------------------------------

    def evidence(self, evidence: Any) -> str:
        if not isinstance(evidence, dict) or not evidence:
            return ""
        rows = "".join(
            f"<div><dt>{esc(label_of(str(k), self.lang))}</dt>"
            f"<dd>{esc(self.value(str(k), v))}</dd></div>"
            for k, v in evidence.items()
        )
        return f'<dl class="evidence" aria-label="{self.t("evidence")}">{rows}</dl>'

    def value(self, name: str, value: Any) -> str:
        if value is None or is_number(value):
            return metric_value(name, value, self.lang)
        if isinstance(value, bool):
            return t(self.lang, "yes" if value else "no")
        if isinstance(value, list):
            return ", ".join(self.value(name, v) for v in value) or "–"
        if isinstance(value, dict):
            return compact(value)
        text = str(value)
        # Evidence names people by id and stages by code; operators read names.
        if text in self.names:
            return self.names[text]
        if text in STAGE_LABELS:
            return pick(STAGE_LABELS[text], self.lang)
        return text

    def person_name(self, p: dict[str, Any]) -> str:
        return str(p.get("name") or p.get("id") or "?")

    def reasons(self, p: dict[str, Any]) -> str:
        reasons = as_dict(p.get("label_reasons"))
        lines = []
        for label in p.get("labels") or []:
            text = zh_en(reasons.get(label), self.lang)
            if text:
                name = pick(LABEL_NAMES[label], self.lang) if label in LABEL_NAMES else label
                lines.append(f"<span><b>{esc(name)}</b> {esc(text)}</span>")
        return "".join(lines)
