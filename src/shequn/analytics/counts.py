"""Per-group and per-person counts of the analysis contract. See docs/metrics.md."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from shequn.importers.canonical import Canonical

ACTIVITY_EXCLUDED_KINDS = ("system",)


@dataclass(frozen=True)
class GroupCounts:
    messages: pl.DataFrame  # group_key, messages, first_at, last_at
    people: pl.DataFrame  # group_key, identity_id, name, messages, replies_received
    members: pl.DataFrame  # group_key, identity_id (members at as_of)


def activity(canonical: Canonical) -> pl.DataFrame:
    """Messages that count as activity: everything but service messages."""
    return canonical.messages.filter(~pl.col("kind").is_in(ACTIVITY_EXCLUDED_KINDS))


def current_members(canonical: Canonical, as_of: pl.Expr | object | None = None) -> pl.DataFrame:
    """Everyone known in a group (listed member, speaker or join subject) whose last
    membership event up to `as_of` is not a leave or kick."""
    msgs = canonical.messages
    events = canonical.membership_events
    if as_of is not None:
        msgs = msgs.filter(pl.col("sent_at") < as_of)
        events = events.filter(pl.col("at") < as_of)
    known = (
        pl.concat(
            [
                canonical.memberships.select("group_key", "identity_id"),
                msgs.filter(pl.col("kind") != "system").select(
                    "group_key", pl.col("sender_id").alias("identity_id")
                ),
                events.filter(pl.col("kind").is_in(["join", "create"])).select(
                    "group_key", "identity_id"
                ),
            ]
        )
        .drop_nulls()
        .unique()
    )
    gone = (
        events.filter(pl.col("identity_id").is_not_null())
        .sort("at")
        .group_by("group_key", "identity_id")
        .agg(pl.col("kind").last().alias("last_kind"))
        .filter(pl.col("last_kind").is_in(["leave", "kick"]))
        .select("group_key", "identity_id")
    )
    return known.join(gone, on=["group_key", "identity_id"], how="anti").sort(
        "group_key", "identity_id"
    )


def group_counts(canonical: Canonical) -> GroupCounts:
    acts = activity(canonical)
    per_group = acts.group_by("group_key").agg(
        pl.len().alias("messages"),
        pl.col("sent_at").min().alias("first_at"),
        pl.col("sent_at").max().alias("last_at"),
    )
    # Replies received: replies from someone else to this person's messages.
    targets = canonical.messages.select(
        "group_key",
        pl.col("message_id").alias("reply_to"),
        pl.col("sender_id").alias("target_id"),
    )
    replies = (
        acts.filter(pl.col("reply_to").is_not_null())
        .select("group_key", "reply_to", "sender_id")
        .join(targets, on=["group_key", "reply_to"], how="inner")
        .filter(pl.col("target_id") != pl.col("sender_id"))
        .group_by("group_key", "target_id")
        .agg(pl.len().alias("replies_received"))
        .rename({"target_id": "identity_id"})
    )
    sent = (
        acts.filter(pl.col("sender_id").is_not_null())
        .group_by("group_key", "sender_id")
        .agg(pl.len().alias("messages"), pl.col("sender_name").drop_nulls().last().alias("name"))
        .rename({"sender_id": "identity_id"})
    )
    members = current_members(canonical)
    names = _names(canonical)
    people = (
        pl.concat(
            [
                members,
                sent.select("group_key", "identity_id"),
                replies.select("group_key", "identity_id"),
            ]
        )
        .unique()
        .join(sent, on=["group_key", "identity_id"], how="left")
        .join(replies, on=["group_key", "identity_id"], how="left")
        .join(names, on=["group_key", "identity_id"], how="left")
        .with_columns(
            pl.coalesce("name", "known_name", "identity_id").alias("name"),
            pl.col("messages").fill_null(0),
            pl.col("replies_received").fill_null(0),
        )
        .select("group_key", "identity_id", "name", "messages", "replies_received")
        .sort(["group_key", "messages", "identity_id"], descending=[False, True, False])
    )
    return GroupCounts(messages=per_group, people=people, members=members)


def _names(canonical: Canonical) -> pl.DataFrame:
    """The best-known display name per (group, identity): membership list, then events."""
    platform_of = canonical.groups.select("group_key", "platform")
    from_identities = canonical.identities.select(
        "platform", "identity_id", pl.col("name").alias("identity_name")
    )
    listed = canonical.memberships.select("group_key", "identity_id", pl.col("name").alias("n1"))
    evs = (
        canonical.membership_events.filter(pl.col("identity_id").is_not_null())
        .group_by("group_key", "identity_id")
        .agg(pl.col("identity_name").drop_nulls().last().alias("n2"))
    )
    base = pl.concat(
        [listed.select("group_key", "identity_id"), evs.select("group_key", "identity_id")]
    ).unique()
    return (
        base.join(listed, on=["group_key", "identity_id"], how="left")
        .join(evs, on=["group_key", "identity_id"], how="left")
        .join(platform_of, on="group_key", how="left")
        .join(from_identities, on=["platform", "identity_id"], how="left")
        .select(
            "group_key",
            "identity_id",
            pl.coalesce("n1", "identity_name", "n2").alias("known_name"),
        )
        .unique(["group_key", "identity_id"])
    )
