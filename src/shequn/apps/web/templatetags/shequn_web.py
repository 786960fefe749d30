"""Template filters of the back office: numbers as operators read them and the analysis'
reasons in the page's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from shequn.apps.web import labels

register = template.Library()


def _english() -> bool:
    return (get_language() or "").startswith("en")


@register.filter
def pct(value: Any, digits: int = 0) -> str:
    if value is None or value == "":
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def num(value: Any) -> str:
    """12345 → 12,345; None → —."""
    if value is None or value == "":
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


@register.filter
def reason(item: Any, key: str = "reason") -> str:
    """`item[key]` or, on an English page, `item[key + '_en']`; also {'zh':…, 'en':…}."""
    if not item:
        return ""
    if isinstance(item, str):
        return item
    get = item.get if isinstance(item, dict) else lambda k, d=None: getattr(item, k, d)
    if "zh" in (item if isinstance(item, dict) else {}):
        return str(get("en") or get("zh") or "") if _english() else str(get("zh") or "")
    if _english():
        return str(get(f"{key}_en") or get(key) or "")
    return str(get(key) or "")


@register.filter
def stage_name(code: str | None) -> str:
    return str(labels.STAGE_NAMES.get(code or "", code or ""))


@register.filter
def label_name(code: str) -> str:
    return str(labels.LABEL_NAMES.get(code, code))


@register.filter
def indicator_name(code: str) -> str:
    return str(labels.INDICATOR_NAMES.get(code, code))


@register.filter
def indicator_bar(code: str) -> str:
    return str(labels.INDICATOR_BARS.get(code, ""))


@register.filter
def indicator_value(row: dict[str, Any]) -> str:
    value = row.get("value")
    if value is None:
        return "—"
    if row.get("name") in labels.PERCENT_INDICATORS:
        return pct(value)
    return num(value)


@register.filter
def status_name(code: str) -> str:
    return str(labels.STATUS_NAMES.get(code, code))


@register.filter
def severity_name(code: str) -> str:
    return str(labels.SEVERITY_NAMES.get(code, code))


@register.filter
def health_class(score: Any) -> str:
    """Colour band of a health score: good ≥ 70, fair ≥ 40, poor below, none without data."""
    if score is None or score == "":
        return "none"
    score = int(score)
    return "good" if score >= 70 else "fair" if score >= 40 else "poor"


@register.filter
def label_reason(person: dict[str, Any], label: str) -> str:
    reasons = person.get("label_reasons") or {}
    return reason(reasons.get(label) or {})


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    return mapping.get(key) if hasattr(mapping, "get") else None


@register.filter
def evidence_name(code: str) -> str:
    return str(labels.EVIDENCE_NAMES.get(code, code))
