"""The generated community as canonical tables (shequn.importers.events schemas).
See docs/simulate.md (Canonical tables).

What an ideal importer would produce from a lossless export: every message, join, leave and
reaction, with ids as the chosen platform names them and campaign joins marked as such.
Message ids are the row number in the group's history (1, 2, …), as Telegram's are.
"""

from __future__ import annotations

import polars as pl

from shequn.importers.canonical import Canonical
from shequn.importers.events import SCHEMAS, empty, frame

from .generate import (
    CAMPAIGN,
    CREATE,
    INVITE,
    KICK,
    KIND_NAMES,
    LEAVE,
    LINK,
    SYSTEM,
    Community,
    GroupLog,
)
from .ids import Ids
from .model import STAFF

ACTION_NAMES = {
    CREATE: "create_group",
    INVITE: "invite_members",
    LINK: "join_group_by_link",
    CAMPAIGN: "join_group_by_link",
    LEAVE: "remove_members",
    KICK: "remove_members",
}
US = 1_000_000


def canonical(community: Community, platform: str = "telegram") -> Canonical:
    ids = Ids(community.world, platform)
    people = community.world.people
    identity = pl.Series([ids.identity(p.index) for p in people], dtype=pl.String)
    names = pl.Series([ids.name(p.index) for p in people], dtype=pl.String)
    texts = pl.Series(community.world.bank.texts, dtype=pl.String)
    parts: dict[str, list[pl.DataFrame]] = {t: [] for t in SCHEMAS}
    seen: set[int] = set()
    for log in community.logs():
        key = ids.group_key(log.plan)
        parts["groups"].append(
            frame(
                "groups",
                {
                    "group_key": [key],
                    "platform": [platform],
                    "external_id": [ids.group_external_id(log.plan)],
                    "name": [log.plan.name],
                    "chat_type": ["supergroup"],
                    "source": ["simulate"],
                },
            )
        )
        members = log.plan.members
        seen.update(m.person for m in members)
        parts["memberships"].append(
            frame(
                "memberships",
                {
                    "group_key": [key] * len(members),
                    "identity_id": [ids.identity(m.person) for m in members],
                    "name": [ids.name(m.person) for m in members],
                    "role": [m.persona if m.persona in STAFF else "member" for m in members],
                },
            )
        )
        parts["messages"].append(_messages(log, key, identity, names, texts))
        parts["reactions"].append(_reactions(log, key, ids))
        parts["membership_events"].append(_events(log, key, ids))
    parts["identities"].append(
        frame(
            "identities",
            {
                "platform": [platform] * len(seen),
                "identity_id": [ids.identity(p) for p in sorted(seen)],
                "name": [ids.name(p) for p in sorted(seen)],
                "handle": [people[p].handle for p in sorted(seen)],
                "phone": [people[p].phone for p in sorted(seen)],
                "is_bot": [False] * len(seen),
            },
        )
    )
    return Canonical(
        **{
            t: (pl.concat(fs, how="vertical") if fs else empty(t)).cast(SCHEMAS[t])  # type: ignore[arg-type]
            for t, fs in parts.items()
        }
    )


def _messages(
    log: GroupLog, key: str, identity: pl.Series, names: pl.Series, texts: pl.Series
) -> pl.DataFrame:
    actions = [ACTION_NAMES[log.actions[a].kind] if a >= 0 else None for a in log.action]
    mention = pl.col("mention")
    return log.frame.with_columns(
        row=pl.int_range(1, pl.len() + 1, dtype=pl.Int64),
        sender_id=identity.gather(log.frame.get_column("sender")),
        sender_name=names.gather(log.frame.get_column("sender")),
        text_=texts.gather(log.frame.get_column("text")),
        mention_id=identity.gather(log.frame.get_column("mention").clip(0)),
        action_=pl.Series(actions, dtype=pl.String),
    ).select(
        pl.lit(key).alias("group_key"),
        pl.col("row").cast(pl.String).alias("message_id"),
        (pl.col("t") * US).cast(pl.Datetime("us")).dt.replace_time_zone("UTC").alias("sent_at"),
        "sender_id",
        "sender_name",
        pl.lit(pl.Series(KIND_NAMES)).gather(pl.col("kind")).alias("kind"),
        pl.when(pl.col("kind") == SYSTEM).then(pl.lit("")).otherwise("text_").alias("text"),
        pl.when(pl.col("reply") >= 0).then((pl.col("reply") + 1).cast(pl.String)).alias("reply_to"),
        pl.when(mention >= 0)
        .then(pl.concat_list(pl.col("mention_id")))
        .otherwise(pl.lit([], dtype=pl.List(pl.String)))
        .alias("mentions"),
        pl.col("action_").alias("action"),
        pl.lit(False).alias("edited"),
    )


def _reactions(log: GroupLog, key: str, ids: Ids) -> pl.DataFrame:
    rows = log.reactions
    return frame(
        "reactions",
        {
            "group_key": [key] * len(rows),
            "message_id": [str(m + 1) for m, _e, _p, _t in rows],
            "emoji": [e for _m, e, _p, _t in rows],
            "reactor_id": [ids.identity(p) for _m, _e, p, _t in rows],
            "reactor_name": [ids.name(p) for _m, _e, p, _t in rows],
            "count": [1] * len(rows),
            "reacted_at": [t * US for _m, _e, _p, t in rows],
        },
    )


def _events(log: GroupLog, key: str, ids: Ids) -> pl.DataFrame:
    cols: dict[str, list[object]] = {c: [] for c in SCHEMAS["membership_events"]}

    def add(event_id: str, at: int, kind: str, who: int, actor: int, source: str | None) -> None:
        for c, v in (
            ("group_key", key),
            ("event_id", event_id),
            ("at", at * US),
            ("kind", kind),
            ("identity_id", ids.identity(who)),
            ("identity_name", ids.name(who)),
            ("actor_id", ids.identity(actor)),
            ("actor_name", ids.name(actor)),
            ("source", source),
        ):
            cols[c].append(v)

    for row, a in enumerate(log.action):
        if a < 0:
            continue
        action = log.actions[a]
        mid = str(row + 1)
        if action.kind == CREATE:
            add(f"{mid}:c", action.at, "create", action.actor, action.actor, "creator")
        if action.kind in (CREATE, INVITE, LINK, CAMPAIGN):
            source = {CREATE: "invite", INVITE: "invite", LINK: "link", CAMPAIGN: "campaign"}
            for k, person in enumerate(action.members):
                add(f"{mid}:{k}", action.at, "join", person, action.actor, source[action.kind])
        elif action.kind == LEAVE:
            add(f"{mid}:0", action.at, "leave", action.members[0], action.actor, None)
        else:
            add(f"{mid}:0", action.at, "kick", action.members[0], action.actor, None)
    return frame("membership_events", cols)  # type: ignore[arg-type]
