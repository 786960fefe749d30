"""How numbers, dates and reasons read in the report, per language. See docs/report.md."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, TypeGuard

from shequn.analytics.registry import METRICS, Metric

from .catalogue import Lang, t


def number(value: float | int) -> str:
    if isinstance(value, bool):
        return str(value)
    if float(value).is_integer():
        return f"{int(value):,}"
    text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"
    return text.rstrip("0").rstrip(".")


def percent(value: float) -> str:
    # One decimal under 10 % so a 4.6 % conversion does not read as a round 5 %.
    pct = value * 100
    return f"{pct:.1f}%" if abs(pct) < 10 and not float(pct).is_integer() else f"{pct:.0f}%"


def minutes(value: float, lang: Lang) -> str:
    if value < 120:
        return t(lang, "minutes", n=number(round(value, 1) if value < 10 else round(value)))
    return t(lang, "hours", n=number(round(value / 60, 1)))


def is_number(value: Any) -> TypeGuard[int | float]:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and not (isinstance(value, float) and not math.isfinite(value))
    )


def metric_value(name: str, value: Any, lang: Lang) -> str:
    """A metric's value in its unit (registry), or the "no data" words."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return t(lang, "no_data")
    if not is_number(value):
        return str(value)
    metric = METRICS.get(name)
    unit = metric.unit if metric is not None else None
    if unit == "ratio":
        return percent(float(value))
    if unit == "minutes":
        return minutes(float(value), lang)
    if unit == "score":
        return f"{round(value)}"
    return number(value)


def bar_text(metric: Metric, bar: float | None, lang: Lang) -> str:
    """`≥ 20%`, `> 0`; the group's own bar wins over the registry's (paid groups differ)."""
    value = bar if bar is not None else metric.bar
    if value is None:
        return t(lang, "no_bar")
    kind = metric.bar_kind or ">="
    sign = "≥" if kind == ">=" else ">"
    return f"{sign} {metric_value(metric.name, value, lang)}"


def label_of(name: str, lang: Lang) -> str:
    metric = METRICS.get(name)
    if metric is None:
        return name.replace("_", " ")
    return metric.label_zh if lang == "zh-Hans" else metric.label_en


def definition_of(name: str, lang: Lang) -> str:
    metric = METRICS.get(name)
    if metric is None:
        return ""
    return metric.definition_zh if lang == "zh-Hans" else metric.definition_en


def reason(obj: dict[str, Any] | None, lang: Lang, field: str = "reason") -> str:
    """`reason` is Chinese and `reason_en` English in the contract; fall back to the other
    language rather than show nothing."""
    if not obj:
        return ""
    zh, en = obj.get(field), obj.get(f"{field}_en")
    first, second = (zh, en) if lang == "zh-Hans" else (en, zh)
    return str(first or second or "")


def zh_en(obj: Any, lang: Lang) -> str:
    """A `{"zh": …, "en": …}` pair (people's label reasons), or a plain string."""
    if isinstance(obj, dict):
        first, second = (obj.get("zh"), obj.get("en"))
        if lang == "en":
            first, second = second, first
        return str(first or second or "")
    return "" if obj is None else str(obj)


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def moment(value: Any) -> str:
    """`2024-06-30 12:00 UTC` from the contract's ISO strings (which are UTC)."""
    parsed = parse_time(value)
    if parsed is None:
        return "" if value is None else str(value)
    suffix = " UTC" if parsed.utcoffset() is not None and not parsed.utcoffset() else ""
    return parsed.strftime("%Y-%m-%d %H:%M") + suffix


def day(value: Any) -> str:
    parsed = parse_time(value)
    if parsed is None:
        return "" if value is None else str(value)[:10]
    return parsed.strftime("%Y-%m-%d")
