"""Canonical batch frames → rows of the store's tables, as Polars frames. See docs/ingest.md.

Pure column work: group keys and (platform, identity id) pairs become foreign keys through the
lookup frames the ingester builds, text is cut to the column sizes and cleaned of NUL bytes
(PostgreSQL rejects them), nulls become the empty strings the models use, and every timed row
gets `_day`, its local day in the group's timezone, for the rollups' dirty days.
"""

from __future__ import annotations

import polars as pl

from shequn.importers.events import SCHEMAS

# Group lookup: group_key → group_id, platform, tz.
GROUP_MAP_SCHEMA = {
    "group_key": pl.String(),
    "group_id": pl.Int64(),
    "platform": pl.String(),
    "tz": pl.String(),
}
# Identity lookup: (platform, identity_id) → identity_pk.
IDENTITY_MAP_SCHEMA = {
    "platform": pl.String(),
    "identity_id": pl.String(),
    "identity_pk": pl.Int64(),
}


def text(name: str, size: int | None = None, *, source: str | None = None) -> pl.Expr:
    """A NOT NULL text column: null → "", NUL bytes dropped, cut to `size` characters."""
    expr = pl.col(source or name).fill_null("").str.replace_all("\x00", "", literal=True)
    if size is not None:
        expr = expr.str.slice(0, size)
    return expr.alias(name)


def _local_day(frame: pl.DataFrame, at: str) -> pl.DataFrame:
    """Add `_day`: the local date of column `at` in each row's group timezone (`tz`)."""
    if frame.height == 0:
        return frame.with_columns(pl.lit(None, dtype=pl.Date).alias("_day"))
    parts = []
    for (tz,), part in frame.partition_by("tz", as_dict=True, maintain_order=True).items():
        parts.append(
            part.with_columns(pl.col(at).dt.convert_time_zone(str(tz)).dt.date().alias("_day"))
        )
    return pl.concat(parts, how="vertical")


def _with_groups(frame: pl.DataFrame, groups: pl.DataFrame) -> pl.DataFrame:
    return frame.join(groups, on="group_key", how="inner")


def _with_identity(
    frame: pl.DataFrame, identities: pl.DataFrame, id_column: str, out: str
) -> pl.DataFrame:
    lookup = identities.rename({"identity_id": id_column, "identity_pk": out})
    return frame.join(lookup, on=["platform", id_column], how="left")


def _mentions_json(column: str) -> pl.Expr:
    # A List(String) column as JSON text without a Python object per row.
    prefix = '{"' + column + '":'
    return (
        pl.struct(pl.col(column))
        .struct.json_encode()
        .str.strip_prefix(prefix)
        .str.strip_suffix("}")
        .replace("null", "[]")
        .alias(column)
    )


def message_rows(
    messages: pl.DataFrame, groups: pl.DataFrame, identities: pl.DataFrame, workspace_id: int
) -> pl.DataFrame:
    frame = messages.filter(pl.col("message_id").is_not_null() & pl.col("sent_at").is_not_null())
    frame = _with_identity(_with_groups(frame, groups), identities, "sender_id", "identity_id")
    frame = _local_day(frame, "sent_at")
    return frame.select(
        pl.lit(workspace_id, dtype=pl.Int64).alias("workspace_id"),
        "group_id",
        "identity_id",
        text("platform_message_id", 128, source="message_id"),
        text("sender_name", 255),
        pl.col("sent_at"),
        text("kind", 16),
        text("text"),
        text("reply_to", 128),
        _mentions_json("mentions"),
        text("action", 48),
        pl.col("edited").fill_null(False),
        "_day",
    )


def event_rows(
    events: pl.DataFrame, groups: pl.DataFrame, identities: pl.DataFrame, workspace_id: int
) -> pl.DataFrame:
    frame = events.filter(pl.col("event_id").is_not_null() & pl.col("at").is_not_null())
    frame = _with_groups(frame, groups)
    frame = _with_identity(frame, identities, "identity_id", "identity_pk")
    frame = _with_identity(frame, identities, "actor_id", "actor_pk")
    frame = _local_day(frame, "at")
    return frame.select(
        pl.lit(workspace_id, dtype=pl.Int64).alias("workspace_id"),
        "group_id",
        text("event_id", 160),
        pl.col("at"),
        text("kind", 16),
        pl.col("identity_pk").alias("identity_id"),
        pl.col("actor_pk").alias("actor_id"),
        text("identity_name", 255),
        text("actor_name", 255),
        text("source", 16),
        "_day",
    )


def reaction_rows(
    reactions: pl.DataFrame, groups: pl.DataFrame, identities: pl.DataFrame, workspace_id: int
) -> pl.DataFrame:
    frame = reactions.filter(pl.col("message_id").is_not_null() & pl.col("emoji").is_not_null())
    frame = _with_identity(_with_groups(frame, groups), identities, "reactor_id", "identity_pk")
    return frame.select(
        pl.lit(workspace_id, dtype=pl.Int64).alias("workspace_id"),
        "group_id",
        text("platform_message_id", 128, source="message_id"),
        text("emoji", 64),
        pl.col("identity_pk").alias("identity_id"),
        pl.col("count").fill_null(1).clip(lower_bound=0).cast(pl.Int64).alias("count"),
        pl.col("reacted_at"),
    )


def membership_rows(
    batch_memberships: pl.DataFrame,
    messages: pl.DataFrame,
    events: pl.DataFrame,
    groups: pl.DataFrame,
    identities: pl.DataFrame,
    workspace_id: int,
) -> pl.DataFrame:
    """Everyone listed, speaking or named by a membership event in a group is a member row
    (the analytics' roster is the same union); the role is the listed one, else `member`."""
    listed = batch_memberships.select("group_key", "identity_id", "role")
    spoke = messages.select(
        "group_key", pl.col("sender_id").alias("identity_id"), pl.lit(None, pl.String).alias("role")
    )
    moved = events.select("group_key", "identity_id", pl.lit(None, pl.String).alias("role"))
    frame = (
        pl.concat([listed, spoke, moved], how="vertical_relaxed")
        .drop_nulls("identity_id")
        .with_columns(pl.col("role").fill_null("member"))
        .with_columns(_role_rank().alias("_rank"))
        .sort("_rank", maintain_order=True)
        .unique(["group_key", "identity_id"], keep="first", maintain_order=True)
    )
    frame = _with_identity(_with_groups(frame, groups), identities, "identity_id", "identity_pk")
    return frame.filter(pl.col("identity_pk").is_not_null()).select(
        pl.lit(workspace_id, dtype=pl.Int64).alias("workspace_id"),
        "group_id",
        pl.col("identity_pk").alias("identity_id"),
        text("role", 16),
        pl.lit("").alias("tier"),
        pl.lit("").alias("join_source"),
    )


ROLE_RANK = {"owner": 0, "admin": 1, "bot": 2, "member": 3}


def _role_rank() -> pl.Expr:
    return pl.col("role").replace_strict(ROLE_RANK, default=9, return_dtype=pl.Int8)


def identity_sightings(batch_tables: dict[str, pl.DataFrame], groups: pl.DataFrame) -> pl.DataFrame:
    """One row per (platform, identity_id) seen in the batch: the profile's attributes where the
    export has a profile, the latest name it was seen under, and every name seen (in order).

    Columns: platform, identity_id, name, handle, phone, is_bot, names (List[String]).
    """
    platform_of = groups.select("group_key", "platform")
    seen = []
    for table, id_col, name_col, at_col in (
        ("messages", "sender_id", "sender_name", "sent_at"),
        ("memberships", "identity_id", "name", None),
        ("reactions", "reactor_id", "reactor_name", "reacted_at"),
        ("membership_events", "identity_id", "identity_name", "at"),
        ("membership_events", "actor_id", "actor_name", "at"),
    ):
        df = batch_tables[table]
        if df.height == 0:
            continue
        seen.append(
            df.join(platform_of, on="group_key", how="inner").select(
                "platform",
                pl.col(id_col).alias("identity_id"),
                pl.col(name_col).alias("name"),
                (pl.col(at_col) if at_col else pl.lit(None, SCHEMAS["messages"]["sent_at"])).alias(
                    "at"
                ),
            )
        )
    profiles = batch_tables["identities"].drop_nulls("identity_id").drop_nulls("platform")
    if profiles.height:
        seen.append(
            profiles.select(
                "platform",
                "identity_id",
                "name",
                pl.lit(None, SCHEMAS["messages"]["sent_at"]).alias("at"),
            )
        )
    schema = {"platform": pl.String(), "identity_id": pl.String(), "name": pl.String()}
    if not seen:
        return pl.DataFrame(
            schema={
                **schema,
                "handle": pl.String(),
                "phone": pl.String(),
                "is_bot": pl.Boolean(),
                "names": pl.List(pl.String()),
            }
        )
    names = (
        pl.concat(seen, how="vertical_relaxed")
        .drop_nulls("identity_id")
        .with_columns(pl.col("name").str.strip_chars().replace("", None))
        .sort("at", nulls_last=False, maintain_order=True)
        .group_by("platform", "identity_id", maintain_order=True)
        .agg(
            pl.col("name").drop_nulls().last().alias("latest_name"),
            pl.col("name").drop_nulls().unique(maintain_order=True).alias("names"),
        )
    )
    attrs = (
        profiles.group_by("platform", "identity_id", maintain_order=True)
        .agg(
            pl.col(c).drop_nulls().last()
            for c in ("name", "handle", "phone", "is_bot")
            if c in profiles.columns
        )
        .rename({"name": "profile_name"})
    )
    return names.join(attrs, on=["platform", "identity_id"], how="left").select(
        "platform",
        "identity_id",
        pl.coalesce(pl.col("profile_name").str.strip_chars().replace("", None), "latest_name")
        .str.slice(0, 255)
        .alias("name"),
        pl.col("handle").str.slice(0, 255),
        pl.col("phone").str.slice(0, 64),
        "is_bot",
        "names",
    )
