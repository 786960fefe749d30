"""The public analysis document `shequn.analysis/1`. See docs/analysis-json.md (DESIGN.md §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import polars as pl

from shequn.importers.canonical import Canonical

from .counts import group_counts

SCHEMA = "shequn.analysis/1"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def latest_event(canonical: Canonical) -> datetime | None:
    candidates = [
        canonical.messages.get_column("sent_at").max(),
        canonical.membership_events.get_column("at").max(),
    ]
    present = [c for c in candidates if isinstance(c, datetime)]
    return max(present) if present else None


def build_analysis(canonical: Canonical, *, as_of: datetime | None = None) -> dict[str, Any]:
    """The contract's counts per group and person (further metrics are added by the
    analytics modules that own them)."""
    as_of = as_of or latest_event(canonical)
    counts = group_counts(canonical)
    member_totals = counts.members.group_by("group_key").agg(pl.len().alias("members"))
    groups = (
        canonical.groups.select("group_key", "platform", "external_id", "name", "chat_type")
        .join(counts.messages, on="group_key", how="left")
        .join(member_totals, on="group_key", how="left")
        .with_columns(pl.col("messages").fill_null(0), pl.col("members").fill_null(0))
        .sort("group_key")
    )
    people_by_group: dict[str, list[dict[str, Any]]] = {}
    for row in counts.people.iter_rows(named=True):
        people_by_group.setdefault(row["group_key"], []).append(
            {
                "id": row["identity_id"],
                "name": row["name"],
                "messages": row["messages"],
                "replies_received": row["replies_received"],
            }
        )
    out_groups = []
    for g in groups.iter_rows(named=True):
        out_groups.append(
            {
                "key": g["group_key"],
                "name": g["name"] or g["external_id"] or g["group_key"],
                "platform": g["platform"],
                "chat_type": g["chat_type"],
                "messages": g["messages"],
                "members": g["members"],
                "first_at": _iso(g["first_at"]),
                "last_at": _iso(g["last_at"]),
                "people": people_by_group.get(g["group_key"], []),
            }
        )
    return {"schema": SCHEMA, "as_of": _iso(as_of), "groups": out_groups}
