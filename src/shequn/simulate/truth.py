"""The ground truth of a simulated community → JSON. See docs/simulate.md (Ground truth).

Planted facts (which group dies, which mixes two audiences, who was planted as KOL or
spammer) come from the plan. Labels with a crisp definition in DESIGN.md §3 (core, newcomer,
silent, churned) and the two health indicators with one (weekly active rate, independent
valuable rounds) are computed from the generated messages by that definition, so the truth
agrees with what a correct analysis must find.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from . import text as tx
from .generate import (
    CAMPAIGN,
    CREATE,
    IMAGE,
    INVITE,
    LEAVE,
    LINK,
    ROUND_GAP,
    SYSTEM,
    TEXT,
    Community,
    GroupLog,
)
from .ids import CAPABILITIES, Ids
from .model import ADMIN, DYING, HEALTHY, KOL, MIXED, OWNER, SPAMMER, STAFF, GroupPlan
from .plan import DAY

SCHEMA = "shequn.simulate.truth/1"


class TruthBuilder:
    """Collects one group at a time (the groups stream past once, as they are written)."""

    def __init__(self, community: Community, ids: Ids) -> None:
        self.community = community
        self.ids = ids
        self.config = community.config
        self.zone = ZoneInfo(self.config.tz)
        self.caps = CAPABILITIES[ids.platform]
        self.groups: list[dict[str, Any]] = []

    def iso(self, t: int | None) -> str | None:
        if t is None:
            return None
        return datetime.fromtimestamp(t, self.zone).isoformat()

    def add(self, log: GroupLog) -> dict[str, Any]:
        group = _GroupStats(self, log).document()
        self.groups.append(group)
        return group

    def document(self) -> dict[str, Any]:
        config = self.config
        return {
            "schema": SCHEMA,
            "format": self.ids.platform,
            "seed": config.seed,
            "as_of": config.as_of.astimezone(self.zone).isoformat(),
            "timezone": config.tz,
            "span_days": config.span_days,
            "messages": sum(g["messages"] for g in self.groups),
            "capabilities": self.caps,
            "groups": self.groups,
        }

    def write(self, path: Path) -> Path:
        path.write_bytes(dumps(self.document()))
        return path


def dumps(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode()


class _GroupStats:
    def __init__(self, builder: TruthBuilder, log: GroupLog) -> None:
        self.b = builder
        self.log = log
        self.plan: GroupPlan = log.plan
        self.end = builder.config.end
        self.staff = self.plan.staff

    def document(self) -> dict[str, Any]:
        b, plan, log, ids = self.b, self.plan, self.log, self.b.ids
        end = self.end
        sent: dict[int, int] = {}
        last_any = last_non_staff = None
        for t, s, k in zip(log.t, log.sender, log.kind, strict=True):
            if k == SYSTEM:
                continue
            sent[s] = sent.get(s, 0) + 1
            last_any = t
            if s not in self.staff:
                last_non_staff = t
        planted, visible = self._replies()
        reactions: dict[int, int] = {}
        for m, _emoji, _reactor, _at in log.reactions:
            author = log.sender[m]
            reactions[author] = reactions.get(author, 0) + 1
        present = {
            m.person
            for m in plan.members
            if m.joined_at < end and (m.left_at is None or m.left_at >= end)
        }
        weeks = self._active_weeks()
        week_ago = end - 7 * DAY
        active = {p for p, w in weeks.items() if 3 in w} & present
        people: list[dict[str, Any]] = []
        for member in plan.members:
            p = member.person
            labels = self._labels(member, present, sent.get(p, 0), weeks.get(p, set()))
            role = member.persona if member.persona in STAFF else "member"
            people.append(
                {
                    "id": ids.identity(p),
                    "name": ids.name(p),
                    "persona": member.persona,
                    "role": role,
                    "labels": labels,
                    "messages": sent.get(p, 0),
                    "replies_received": visible.get(p, 0),
                    "replies_planted": planted.get(p, 0),
                    "reactions_received": reactions.get(p, 0) if b.caps["reactions"] else 0,
                    "joined_at": b.iso(member.joined_at),
                    "join_source": member.join_source,
                    "invited_by": (
                        ids.identity(member.actor) if member.join_source == "invite" else None
                    ),
                    "link_owner": (
                        ids.identity(member.actor)
                        if member.join_source in ("link", "campaign")
                        else None
                    ),
                    "left_at": b.iso(member.left_at),
                    "removed_by": ids.identity(member.kicked_by) if member.kicked_by >= 0 else None,
                }
            )
        people.sort(key=lambda row: (-row["messages"], row["id"]))
        messages = sum(sent.values())
        return {
            "key": ids.group_key(plan),
            "external_id": ids.group_external_id(plan),
            "name": plan.name,
            "platform": ids.platform,
            "kind": plan.kind,
            "profile": plan.profile,
            "topics": list(plan.topics),
            "lang": plan.lang,
            "created_at": b.iso(plan.created_at),
            "healthy": plan.kind == HEALTHY,
            "dying": plan.kind == DYING,
            "mixed": plan.kind == MIXED,
            "clusters": self._clusters(sent) if plan.kind == MIXED else None,
            "messages": messages,
            "system_messages": len(log) - messages,
            "members": len(present),
            "weekly_active_rate": round(len(active) / len(present), 4) if present else 0.0,
            "independent_rounds_7d": self._independent_rounds(week_ago),
            "last_message_at": b.iso(last_any),
            "last_non_staff_message_at": b.iso(last_non_staff),
            "events": self._events(),
            "joins_by_source": self._joins_by_source(),
            "campaigns": [
                {"name": c.name, "start": b.iso(c.start), "end": b.iso(c.end)}
                for c in plan.campaigns
            ],
            "people": people,
        }

    def _labels(self, member: Any, present: set[int], sent: int, weeks: set[int]) -> list[str]:
        end = self.end
        labels = []
        persona = member.persona
        if persona in (OWNER, ADMIN):
            labels.append(persona)
        if persona == KOL:
            labels.append("kol")
        here = member.person in present
        if here and persona not in STAFF and len(weeks) >= 3:
            labels.append("core")
        if here and member.joined_at > end - 7 * DAY:
            labels.append("newcomer")
        if here and sent == 0 and member.joined_at <= end - 14 * DAY:
            labels.append("silent")
        if member.left_at is not None and member.left_at < end:
            labels.append("churned")
        if persona == SPAMMER:
            labels.append("spammer")
        return labels

    def _active_weeks(self) -> dict[int, set[int]]:
        """Which of the last four weeks (0 = oldest, 3 = the last) each person spoke in."""
        log, end = self.log, self.end
        lo = end - 28 * DAY
        weeks: dict[int, set[int]] = {}
        for t, s, k in zip(log.t, log.sender, log.kind, strict=True):
            if k != SYSTEM and t >= lo:
                weeks.setdefault(s, set()).add(min(3, (t - lo) // (7 * DAY)))
        return weeks

    def _replies(self) -> tuple[dict[int, int], dict[int, int]]:
        log = self.log
        mode = self.b.caps["replies"]
        planted: dict[int, int] = {}
        visible: dict[int, int] = {}
        for i, r in enumerate(log.reply):
            if r < 0:
                continue
            sender = log.sender[i]
            target = log.sender[r]
            if target != sender:
                planted[target] = planted.get(target, 0) + 1
            if mode is None:
                continue
            if mode == "thread":
                while log.reply[r] >= 0:
                    r = log.reply[r]
                target = log.sender[r]
            if target != sender:
                visible[target] = visible.get(target, 0) + 1
        return planted, visible

    def _independent_rounds(self, since: int) -> int:
        """DESIGN.md §3: rounds split at gaps > 30 min; one counts when it is not started by
        staff, staff wrote ≤ 20 %, ≥ 3 distinct non-staff speakers and ≥ 50 % substantive."""
        log = self.log
        categories = self.b.community.world.bank.categories
        staff = self.staff
        count = 0
        current: list[int] = []
        prev = None

        def close(rows: list[int]) -> int:
            if not rows or log.t[rows[0]] < since or log.sender[rows[0]] in staff:
                return 0
            senders = [log.sender[i] for i in rows]
            n_staff = sum(1 for s in senders if s in staff)
            speakers = {s for s in senders if s not in staff}
            substantive = sum(
                1
                for i in rows
                if log.kind[i] == IMAGE
                or (log.kind[i] == TEXT and categories[log.text[i]] not in tx.NOT_SUBSTANTIVE)
            )
            ok = n_staff <= 0.2 * len(rows) and len(speakers) >= 3 and 2 * substantive >= len(rows)
            return int(ok)

        for i, (t, k) in enumerate(zip(log.t, log.kind, strict=True)):
            if k == SYSTEM:
                continue
            if prev is not None and t - prev > ROUND_GAP:
                count += close(current)
                current = []
            current.append(i)
            prev = t
        return count + close(current)

    def _clusters(self, sent: dict[int, int]) -> list[dict[str, Any]]:
        ids = self.b.ids
        bank = self.b.community.world.bank
        out = []
        for c, topic in enumerate(self.plan.topics):
            members = sorted(
                ids.identity(m.person)
                for m in self.plan.members
                if m.cluster == c
                and not m.is_staff
                and sent.get(m.person, 0) > 0
                and m.persona != SPAMMER
            )
            keywords = [*bank.keywords(topic, "zh"), *bank.keywords(topic, "en")]
            out.append({"topic": topic, "members": members, "keywords": sorted(set(keywords))})
        return out

    def _events(self) -> dict[str, int]:
        caps = self.b.caps
        joins_shown = set(caps["joins"])
        source_of = {CREATE: "invite", INVITE: "invite", LINK: "link", CAMPAIGN: "campaign"}
        counts = {"create": 0, "join": 0, "leave": 0, "kick": 0}
        for action in self.log.actions:
            if action.kind == CREATE and caps["create"]:
                counts["create"] += 1
            source = source_of.get(action.kind)
            if source is not None:
                if source in joins_shown:
                    counts["join"] += len(action.members)
            elif action.kind == LEAVE:
                counts["leave"] += int(bool(caps["leaves"]))
            elif caps["kicks"] == "leave":
                counts["leave"] += 1
            elif caps["kicks"]:
                counts["kick"] += 1
        return counts

    def _joins_by_source(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in self.plan.members:
            counts[m.join_source] = counts.get(m.join_source, 0) + 1
        return dict(sorted(counts.items()))
