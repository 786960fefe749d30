"""Merging batches from many exports into one deduplicated canonical dataset.

See docs/importers.md (Overlapping exports). Rows that describe the same fact — the same
message id in one group, the same identity on one platform — collapse to one row.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from .events import SCHEMAS, TABLES, UNIQUE_KEYS, Batch, concat, empty

_ROLE_RANK = {"owner": 0, "admin": 1, "bot": 2, "member": 3}


@dataclass
class Canonical:
    groups: pl.DataFrame = field(default_factory=lambda: empty("groups"))
    identities: pl.DataFrame = field(default_factory=lambda: empty("identities"))
    memberships: pl.DataFrame = field(default_factory=lambda: empty("memberships"))
    messages: pl.DataFrame = field(default_factory=lambda: empty("messages"))
    reactions: pl.DataFrame = field(default_factory=lambda: empty("reactions"))
    membership_events: pl.DataFrame = field(default_factory=lambda: empty("membership_events"))

    def table(self, name: str) -> pl.DataFrame:
        df: pl.DataFrame = getattr(self, name)
        return df


def merge(batches: Iterable[Batch | Canonical]) -> Canonical:
    """Concatenate and deduplicate. The first occurrence of a message wins; for groups and
    identities the latest non-empty attribute wins (newer exports carry newer names)."""
    collected: dict[str, list[pl.DataFrame]] = {t: [] for t in TABLES}
    for batch in batches:
        for t in TABLES:
            collected[t].append(batch.table(t))
    out = {t: concat(collected[t], t) for t in TABLES}
    out["messages"] = out["messages"].unique(
        UNIQUE_KEYS["messages"], keep="first", maintain_order=True
    )
    out["membership_events"] = out["membership_events"].unique(
        UNIQUE_KEYS["membership_events"], keep="first", maintain_order=True
    )
    out["reactions"] = out["reactions"].unique(
        UNIQUE_KEYS["reactions"], keep="last", maintain_order=True
    )
    for t in ("groups", "identities"):
        keys = UNIQUE_KEYS[t]
        rest = [c for c in SCHEMAS[t] if c not in keys]
        out[t] = (
            out[t]
            .group_by(keys, maintain_order=True)
            .agg([pl.col(c).drop_nulls().last() for c in rest])
            .select(list(SCHEMAS[t]))
        )
    m = out["memberships"]
    if m.height:
        out["memberships"] = (
            m.with_columns(_rank=pl.col("role").replace_strict(_ROLE_RANK, default=9))
            .sort("_rank", maintain_order=True)
            .group_by(UNIQUE_KEYS["memberships"], maintain_order=True)
            .agg(pl.col("name").drop_nulls().last(), pl.col("role").first())
            .select(list(SCHEMAS["memberships"]))
        )
    return Canonical(**out)
