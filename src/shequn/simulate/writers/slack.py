"""Slack workspace export (a folder as in the zip Slack's export produces).
See docs/simulate.md (Writers) and docs/importers/slack.md.

`users.json`, `channels.json`, `integration_logs.json` and one folder per channel with a
`YYYY-MM-DD.json` file per day (UTC), each a message array. JSON is written as Slack writes
it: four-space indentation, `\\uXXXX` for non-ASCII, escaped slashes. Replies are thread
replies (a reply to a reply joins the first message's thread); joins are `channel_join`
(with `inviter` when someone added the member), leaves and removals `channel_leave`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    LINK,
    STICKER,
    SYSTEM,
    Community,
    GroupLog,
)
from ..ids import Ids
from ..model import ADMIN, OWNER
from ._common import php_json, write_all

PLATFORM = "slack"
TEAM = "T04SHEQUN1"
_URL = re.compile(r"https?://\S+")
_STICKER_TEXT = (
    ":joy:",
    ":+1:",
    ":smile:",
    ":pray:",
    ":tada:",
    ":sob:",
    ":heart:",
    ":thinking_face:",
)
_REACTION_NAMES = {"👍": "+1", "❤": "heart", "🙏": "pray", "🔥": "fire", "👏": "clap"}


class Writer:
    def __init__(self, community: Community, out: Path) -> None:
        self.community = community
        self.world = community.world
        self.ids = Ids(self.world, PLATFORM)
        self.out = out
        self.paths: list[Path] = []
        self.channels: list[dict[str, Any]] = []
        self._profiles: dict[int, dict[str, Any]] = {}

    def channel_name(self, index: int) -> str:
        plan = self.world.groups[index]
        return f"{'-'.join(plan.topics)}-{index + 1}"

    def profile(self, person: int) -> dict[str, Any]:
        found = self._profiles.get(person)
        if found is None:
            p = self.world.people[person]
            digest = hashlib.md5(f"avatar:{person}".encode()).hexdigest()[:12]
            found = {
                "avatar_hash": f"g{digest[:11]}",
                "image_72": f"https://secure.gravatar.com/avatar/{digest}.jpg?s=72",
                "first_name": p.name.split(" ")[0],
                "real_name": p.name,
                "display_name": p.name,
                "team": TEAM,
                "name": p.handle,
                "is_restricted": False,
                "is_ultra_restricted": False,
            }
            self._profiles[person] = found
        return found

    def slack_text(self, text: str, mention: int) -> tuple[str, list[dict[str, Any]]]:
        """Slack's escaped text (`&amp;`, `<url>`, `<@U…>`) and its rich-text elements."""
        elements: list[dict[str, Any]] = []
        out: list[str] = []
        marker = f"@{self.world.people[mention].name}" if mention >= 0 else None
        pieces = [text]
        if marker and marker in text:
            head, tail = text.split(marker, 1)
            pieces = [head, "\0", tail]
        for piece in pieces:
            if piece == "\0":
                uid = self.ids.identity(mention)
                out.append(f"<@{uid}>")
                elements.append({"type": "user", "user_id": uid})
                continue
            pos = 0
            for m in _URL.finditer(piece):
                if m.start() > pos:
                    plain = piece[pos : m.start()]
                    out.append(_escape(plain))
                    elements.append({"type": "text", "text": plain})
                out.append(f"<{m.group(0)}>")
                elements.append({"type": "link", "url": m.group(0)})
                pos = m.end()
            if pos < len(piece):
                out.append(_escape(piece[pos:]))
                elements.append({"type": "text", "text": piece[pos:]})
        return "".join(out), elements

    def group(self, log: GroupLog) -> None:
        plan = log.plan
        ids = self.ids
        name = self.channel_name(plan.index)
        folder = self.out / name
        folder.mkdir(parents=True, exist_ok=True)
        texts = self.world.bank.texts
        n = len(log)
        ts_of: list[str] = []
        prev_t, k = -1, 0
        for t in log.t:
            k = k + 1 if t == prev_t else 0
            prev_t = t
            ts_of.append(f"{t}.{(k + 1) * 100:06d}")
        # Threads: every reply hangs off the first message of its chain.
        root = list(range(n))
        threads: dict[int, list[int]] = {}
        for i, r in enumerate(log.reply):
            if r >= 0:
                root[i] = root[r]
                threads.setdefault(root[i], []).append(i)
        reactions: dict[int, list[tuple[str, int]]] = {}
        for m, emoji, person, _at in log.reactions:
            reactions.setdefault(m, []).append((emoji, person))
        # History is in time order, so each day's file is complete when the next day starts.
        day: list[dict[str, Any]] = []
        day_number = -1

        def flush() -> None:
            if day:
                path = folder / f"{_day(day_number)}.json"
                path.write_text(php_json(day), encoding="ascii")
                self.paths.append(path)
                day.clear()

        times, senders, kinds = log.t, log.sender, log.kind
        text_ids, mentions = log.text, log.mention
        for i in range(n):
            t = times[i]
            if t // 86_400 != day_number:
                flush()
                day_number = t // 86_400
            sender = senders[i]
            ts = ts_of[i]
            kind = kinds[i]
            if kind == SYSTEM:
                day.extend(self.service(log, i, ts))
                continue
            uid = ids.identity(sender)
            digest = hashlib.md5(f"{plan.index}:{ts}".encode()).hexdigest()
            if kind == STICKER:
                text, elements = _STICKER_TEXT[i % len(_STICKER_TEXT)], []
                elements = [{"type": "emoji", "name": text.strip(":")}]
            elif kind == IMAGE:
                text, elements = "", []
            else:
                text, elements = self.slack_text(texts[text_ids[i]], mentions[i])
            msg: dict[str, Any] = {
                "client_msg_id": (
                    f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-a{digest[17:20]}-{digest[20:]}"
                ),
                "type": "message",
                "text": text,
                "user": uid,
                "ts": ts,
            }
            if elements:
                msg["blocks"] = [
                    {
                        "type": "rich_text",
                        "block_id": digest[-5:],
                        "elements": [{"type": "rich_text_section", "elements": elements}],
                    }
                ]
            msg.update(
                team=TEAM, user_team=TEAM, source_team=TEAM, user_profile=self.profile(sender)
            )
            if kind == IMAGE:
                fid = "F0" + digest[:9].upper()
                msg["files"] = [
                    {
                        "id": fid,
                        "created": t,
                        "timestamp": t,
                        "name": "image.png",
                        "title": "image.png",
                        "mimetype": "image/png",
                        "filetype": "png",
                        "user": uid,
                        "size": 40_000 + (i * 7_919) % 160_000,
                        "url_private": f"https://files.slack.com/files-pri/{TEAM}-{fid}/image.png",
                    }
                ]
                msg["upload"] = True
            if i in threads:
                replies = threads[i]
                users = list(dict.fromkeys(ids.identity(log.sender[j]) for j in replies))
                msg.update(
                    thread_ts=ts,
                    reply_count=len(replies),
                    reply_users_count=len(users),
                    latest_reply=ts_of[replies[-1]],
                    reply_users=users,
                    replies=[
                        {"user": ids.identity(log.sender[j]), "ts": ts_of[j]} for j in replies
                    ],
                    is_locked=False,
                    subscribed=False,
                )
            elif root[i] != i:
                msg.update(
                    thread_ts=ts_of[root[i]], parent_user_id=ids.identity(log.sender[root[i]])
                )
            if i in reactions:
                msg["reactions"] = _reactions(reactions[i], ids)
            day.append(msg)
        flush()
        self._channel_row(log, name)

    def service(self, log: GroupLog, index: int, ts: str) -> list[dict[str, Any]]:
        action = log.actions[log.action[index]]
        ids = self.ids
        rows: list[dict[str, Any]] = []
        if action.kind in (CREATE, INVITE, LINK, CAMPAIGN):
            for k, person in enumerate(action.members):
                uid = ids.identity(person)
                row = {
                    "type": "message",
                    "subtype": "channel_join",
                    "ts": f"{ts[:-6]}{int(ts[-6:]) + k:06d}",
                    "user": uid,
                    "text": f"<@{uid}> has joined the channel",
                }
                if action.kind in (CREATE, INVITE):
                    row["inviter"] = ids.identity(action.actor)
                rows.append(row)
        else:  # LEAVE, KICK: a removal also shows as the member leaving
            uid = ids.identity(action.members[0])
            rows.append(
                {
                    "type": "message",
                    "subtype": "channel_leave",
                    "ts": ts,
                    "user": uid,
                    "text": f"<@{uid}> has left the channel",
                }
            )
        return rows

    def _channel_row(self, log: GroupLog, name: str) -> None:
        plan = log.plan
        end = self.community.config.end
        owner = self.ids.identity(plan.owner)
        members = [
            self.ids.identity(m.person)
            for m in plan.members
            if m.left_at is None or m.left_at >= end
        ]
        self.channels.append(
            {
                "id": self.ids.group_external_id(plan),
                "name": name,
                "created": plan.created_at,
                "creator": owner,
                "is_archived": False,
                "is_general": plan.index == 0,
                "members": members,
                "pins": [],
                "topic": {"value": "", "creator": "", "last_set": 0},
                "purpose": {"value": plan.name, "creator": owner, "last_set": plan.created_at},
            }
        )

    def close(self) -> list[Path]:
        self.out.mkdir(parents=True, exist_ok=True)
        roles: dict[int, str] = {}
        for plan in self.world.groups:
            for m in plan.members:
                if m.persona in (OWNER, ADMIN):
                    roles[m.person] = m.persona
        seen = sorted({m.person for plan in self.world.groups for m in plan.members})
        primary = self.world.groups[0].owner
        users = [self.user(p, roles.get(p), p == primary) for p in seen]
        written = []
        for name, value in (
            ("users.json", users),
            ("channels.json", self.channels),
            ("integration_logs.json", []),
        ):
            path = self.out / name
            path.write_text(php_json(value), encoding="ascii")
            written.append(path)
        return written + self.paths

    def user(self, person: int, role: str | None, primary: bool) -> dict[str, Any]:
        p = self.world.people[person]
        first, _, last = p.name.partition(" ")
        profile = self.profile(person)
        return {
            "id": self.ids.identity(person),
            "team_id": TEAM,
            "name": p.handle,
            "deleted": False,
            "color": "9f69e7",
            "real_name": p.name,
            "tz": self.community.config.tz,
            "tz_label": "China Standard Time",
            "tz_offset": 28_800,
            "profile": {
                "title": "",
                "phone": p.phone,
                "skype": "",
                "real_name": p.name,
                "real_name_normalized": p.name,
                "display_name": p.name,
                "display_name_normalized": p.name,
                "fields": None,
                "status_text": "",
                "status_emoji": "",
                "status_expiration": 0,
                "avatar_hash": profile["avatar_hash"],
                "first_name": first,
                "last_name": last,
                "image_72": profile["image_72"],
                "team": TEAM,
            },
            # Workspace-wide flags: the groups' owners and admins administer the workspace.
            "is_admin": role is not None,
            "is_owner": primary,
            "is_primary_owner": primary,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": False,
            "is_app_user": False,
            "updated": self.community.config.start,
        }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _day(number: int) -> str:
    """The UTC date of day `number` since the epoch."""
    return datetime.fromtimestamp(number * 86_400, UTC).strftime("%Y-%m-%d")


def _reactions(rows: list[tuple[str, int]], ids: Ids) -> list[dict[str, Any]]:
    by_name: dict[str, list[str]] = {}
    for emoji, person in rows:
        by_name.setdefault(_REACTION_NAMES[emoji], []).append(ids.identity(person))
    return [{"name": n, "users": users, "count": len(users)} for n, users in by_name.items()]


def write(community: Community, out: Path, logs: Iterable[GroupLog] | None = None) -> list[Path]:
    """Write a Slack workspace export (one channel per group) under `out`."""
    return write_all(Writer(community, out), community, logs)
