"""Paid conversion, disappointment share and organic growth: the seed 004 indicators ③ ④ ⑤
that need orders, surveys or campaigns. See docs/metrics.md (Extra inputs).

Rows of the extra files name a group by its key (`telegram:123`), its platform id or its name,
and a person by identity id or display name, so an operator can fill them from a shop export
without knowing shequn's ids.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from .frames import Prepared

ORGANIC_SOURCES = ("invite", "link", "organic")
KNOWN_SOURCES = (*ORGANIC_SOURCES, "campaign", "creator")
RECENT_DAYS = 30
MIN_SURVEY_RESPONSES = 30


def _group_aliases(prep: Prepared) -> pl.DataFrame:
    """(alias, group_key): every way an input file may name a group."""
    g = prep.groups
    return (
        pl.concat(
            [
                g.select(pl.col("group_key").alias("alias"), "group_key"),
                g.select(pl.col("external_id").alias("alias"), "group_key"),
                g.select(pl.col("name").alias("alias"), "group_key"),
            ]
        )
        .drop_nulls()
        .with_columns(pl.col("alias").str.strip_chars())
        .unique()
    )


def _people(prep: Prepared, rows: pl.DataFrame) -> pl.DataFrame:
    """Resolve rows' `person` (identity id, else display name) to identity_id in their group."""
    ids = prep.roster.select(
        "group_key", pl.col("identity_id").alias("person"), "identity_id", "is_member", "is_bot"
    )
    names = (
        prep.roster.select(
            "group_key",
            pl.col("name").alias("person"),
            pl.col("identity_id").alias("_n_id"),
            pl.col("is_member").alias("_n_member"),
            pl.col("is_bot").alias("_n_bot"),
        ).unique(["group_key", "person"], keep="none")  # an ambiguous name resolves to nobody
    )
    return (
        rows.join(ids, on=["group_key", "person"], how="left")
        .join(names, on=["group_key", "person"], how="left")
        .with_columns(
            pl.coalesce("identity_id", "_n_id").alias("identity_id"),
            pl.coalesce("is_member", "_n_member").alias("is_member"),
            pl.coalesce("is_bot", "_n_bot").alias("is_bot"),
        )
        .drop("_n_id", "_n_member", "_n_bot")
    )


def paid_conversion(prep: Prepared, orders: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Per group: status (no_input | no_orders | ok), paid_group, paying, orders, revenue."""
    keys = prep.groups.get_column("group_key").to_list()
    if orders is None:
        return {k: {"status": "no_input", "paid_group": False, "paying": 0} for k in keys}
    rows = orders.with_columns(pl.col("group").str.strip_chars()).join(
        _group_aliases(prep), left_on="group", right_on="alias", how="inner"
    )
    rows = _people(prep, rows).with_columns(
        (
            pl.col("paid_at").is_not_null()
            & (pl.col("paid_at") < prep.window.as_of)
            & (pl.col("amount").is_null() | (pl.col("amount") > 0))
        ).alias("paid")
    )
    # Seed 004 ③: in a paid group (it charges an entry fee, tier 0) conversion means buying a
    # higher offer; the entry fee itself does not count.
    per_group = rows.group_by("group_key").agg(
        (pl.col("tier") == 0).any().alias("paid_group"),
        pl.len().alias("orders"),
        pl.col("paid").sum().alias("paid_orders"),
        pl.col("amount").filter(pl.col("paid")).sum().alias("revenue"),
        pl.col("currency").drop_nulls().mode().first().alias("currency"),
        (pl.col("identity_id").is_null()).sum().alias("unmatched_orders"),
    )
    paid_group = per_group.select("group_key", "paid_group")
    paying = (
        rows.join(paid_group, on="group_key", how="left", suffix="_g")
        .filter(
            pl.col("paid")
            & pl.col("is_member").fill_null(False)
            & ~pl.col("is_bot").fill_null(False)
            & (~pl.col("paid_group") | (pl.col("tier").fill_null(1) != 0))
        )
        .group_by("group_key")
        .agg(pl.col("identity_id").n_unique().alias("paying"))
    )
    table = per_group.join(paying, on="group_key", how="left").with_columns(
        pl.col("paying").fill_null(0)
    )
    out: dict[str, dict[str, Any]] = {
        k: {"status": "no_orders", "paid_group": False, "paying": 0} for k in keys
    }
    for row in table.iter_rows(named=True):
        out[row["group_key"]] = {
            "status": "ok",
            "paid_group": row["paid_group"],
            "paying": row["paying"],
            "orders": row["orders"],
            "paid_orders": row["paid_orders"],
            "revenue": row["revenue"],
            "currency": row["currency"],
            "unmatched_orders": row["unmatched_orders"],
        }
    return out


def disappointment(prep: Prepared, surveys: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Per group: status, responses (one per person, their latest answer before as_of), very,
    somewhat, not."""
    keys = prep.groups.get_column("group_key").to_list()
    empty = {"responses": 0, "very": 0, "somewhat": 0, "not": 0}
    if surveys is None:
        return {k: {"status": "no_input", **empty} for k in keys}
    latest = (
        surveys.with_columns(pl.col("group").str.strip_chars())
        .filter(pl.col("answered_at").is_null() | (pl.col("answered_at") < prep.window.as_of))
        .join(_group_aliases(prep), left_on="group", right_on="alias", how="inner")
        .sort("answered_at", "line", nulls_last=False)
        .unique(["group_key", "person"], keep="last")
    )
    counts = latest.group_by("group_key").agg(
        pl.len().alias("responses"),
        (pl.col("answer") == "very").sum().alias("very"),
        (pl.col("answer") == "somewhat").sum().alias("somewhat"),
        (pl.col("answer") == "not").sum().alias("not"),
    )
    out: dict[str, dict[str, Any]] = {k: {"status": "ok", **empty} for k in keys}
    for row in counts.iter_rows(named=True):
        key = row.pop("group_key")
        out[key] = {"status": "ok", **row}
    return out


def organic_growth(prep: Prepared, campaigns: pl.DataFrame | None) -> dict[str, dict[str, Any]]:
    """Per group: joins in the last 30 days that came from a member's invite or a link while no
    campaign ran (seed 004 ④ 就算不推广，也有老成员自发口碑传播带来新成员).

    Invites by staff are the operator's own promotion, not word of mouth, and do not count.
    Without campaign data every link or invite join by a member counts as organic.
    """
    w = prep.window
    joins = prep.events.filter(pl.col("kind") == "join")
    ever = joins.group_by("group_key").agg(pl.len().alias("ever"))
    recent = joins.filter(pl.col("at") >= w.ago(RECENT_DAYS)).with_row_index("_row")
    staff = prep.roster.filter(pl.col("is_staff")).select(
        "group_key", pl.col("identity_id").alias("actor_id"), pl.lit(True).alias("_staff_actor")
    )
    recent = recent.join(staff, on=["group_key", "actor_id"], how="left").with_columns(
        pl.col("_staff_actor").fill_null(False)
    )
    if campaigns is not None and campaigns.height:
        aliases = _group_aliases(prep)
        scoped = pl.concat(
            [
                campaigns.filter(pl.col("group").is_not_null())
                .with_columns(pl.col("group").str.strip_chars())
                .join(aliases, left_on="group", right_on="alias", how="inner")
                .select("group_key", "start", "end"),
                campaigns.filter(pl.col("group").is_null())
                .join(prep.groups.select("group_key"), how="cross")
                .select("group_key", "start", "end"),
            ]
        )
        during = (
            recent.select("_row", "group_key", "at")
            .join(scoped, on="group_key", how="inner")
            .filter(
                (pl.col("at") >= pl.col("start"))
                & (pl.col("end").is_null() | (pl.col("at") < pl.col("end")))
            )
            .select("_row")
            .unique()
            .with_columns(pl.lit(True).alias("_during"))
        )
        recent = recent.join(during, on="_row", how="left")
    else:
        recent = recent.with_columns(pl.lit(None, dtype=pl.Boolean).alias("_during"))
    recent = recent.with_columns(pl.col("_during").fill_null(False))
    source = pl.col("source").fill_null("unknown")
    per_group = recent.group_by("group_key").agg(
        pl.len().alias("joins"),
        source.is_in(KNOWN_SOURCES).sum().alias("known"),
        (
            source.is_in(ORGANIC_SOURCES)
            & ~pl.col("_during")
            & ~((source == "invite") & pl.col("_staff_actor"))
        )
        .sum()
        .alias("organic"),
        (source.is_in(ORGANIC_SOURCES) & pl.col("_during")).sum().alias("during_campaign"),
        ((source == "invite") & pl.col("_staff_actor") & ~pl.col("_during"))
        .sum()
        .alias("by_staff"),
        (source == "campaign").sum().alias("campaign_joins"),
    )
    has_campaigns = campaigns is not None
    out: dict[str, dict[str, Any]] = {}
    ever_map = dict(ever.iter_rows())
    stats = {r["group_key"]: r for r in per_group.iter_rows(named=True)}
    for key in prep.groups.get_column("group_key").to_list():
        row = stats.get(key)
        base = {"campaign_data": has_campaigns}
        if not ever_map.get(key):
            out[key] = {"status": "no_joins", "joins": 0, "organic": None, **base}
        elif row is None:
            out[key] = {
                "status": "ok",
                "joins": 0,
                "organic": 0,
                "during_campaign": 0,
                "by_staff": 0,
                "campaign_joins": 0,
                **base,
            }
        elif row["known"] == 0:
            out[key] = {"status": "unknown_sources", "joins": row["joins"], "organic": None, **base}
        else:
            out[key] = {
                "status": "ok",
                "joins": row["joins"],
                "organic": row["organic"],
                "during_campaign": row["during_campaign"],
                "by_staff": row["by_staff"],
                "campaign_joins": row["campaign_joins"],
                **base,
            }
    return out
