"""Display values computed once per request in Python, so a page of cards does not run a
template filter (and a translation lookup) per number. docs/web.md (Speed)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from . import labels
from .templatetags.shequn_web import health_class, indicator_value, num


def english() -> bool:
    return (get_language() or "").startswith("en")


def indicator_display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    en = english()
    names = {k: str(v) for k, v in labels.INDICATOR_NAMES.items()}
    bars = {k: str(v) for k, v in labels.INDICATOR_BARS.items()}
    return [
        {
            **row,
            "label": names.get(row["name"], row["name"]),
            "bar_label": bars.get(row["name"], ""),
            "display": indicator_value(row),
            "why": (row.get("reason_en") or row.get("reason")) if en else row.get("reason"),
        }
        for row in rows
    ]


def card_display(cards: list[Any]) -> list[dict[str, Any]]:
    en = english()
    stages = {k: str(v) for k, v in labels.STAGE_NAMES.items()}
    return [
        {
            "id": c.id,
            "name": c.name,
            "platform": c.platform,
            "health_score": c.health_score,
            "health_class": health_class(c.health_score),
            "stage": c.lifecycle_stage or "none",
            "stage_label": stages.get(c.lifecycle_stage, c.lifecycle_stage),
            "members": num(c.members),
            "messages": num(c.messages),
            "open_alerts": c.open_alerts,
            "reason": (c.lifecycle_reason_en or c.lifecycle_reason) if en else c.lifecycle_reason,
            "indicators": indicator_display(c.indicators),
        }
        for c in cards
    ]
