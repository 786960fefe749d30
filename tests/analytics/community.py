"""Tiny hand-made communities for the analytics tests.

Times are offsets from TIME_ZERO, Monday 3 June 2024, 00:00 in Asia/Shanghai, so a test reads
`at(d=2, h=10)` as "Wednesday 10:00 local" and can work out days and weeks by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from shequn.analytics.contract import Extras, build_analysis
from shequn.importers.canonical import Canonical, merge
from shequn.importers.events import BatchBuilder, to_us

SHANGHAI = ZoneInfo("Asia/Shanghai")
TIME_ZERO = datetime(2024, 6, 3, tzinfo=SHANGHAI)  # a Monday


def at(d: float = 0, h: float = 0, m: float = 0, s: float = 0) -> datetime:
    return TIME_ZERO + timedelta(days=d, hours=h, minutes=m, seconds=s)


class Community:
    """One or more groups on one platform, built message by message."""

    def __init__(self, group: str = "g", name: str = "测试群", platform: str = "telegram") -> None:
        self.platform = platform
        self.b = BatchBuilder(platform)
        self.default = group
        self.n = 0
        self.groups: set[str] = set()
        self.add_group(group, name)

    def key(self, group: str | None = None) -> str:
        return f"{self.platform}:{group or self.default}"

    def add_group(self, group: str, name: str) -> None:
        self.groups.add(group)
        self.b.group(group_key=self.key(group), external_id=group, name=name)

    def member(self, who: str, role: str = "member", *, group: str | None = None) -> None:
        self.b.membership(group_key=self.key(group), identity_id=who, name=who, role=role)

    def bot(self, who: str) -> None:
        self.b.identity(identity_id=who, name=who, is_bot=True)

    def join(
        self,
        who: str,
        when: datetime,
        source: str = "link",
        by: str | None = None,
        *,
        group: str | None = None,
    ) -> None:
        self.n += 1
        self.b.event(
            group_key=self.key(group),
            event_id=f"e{self.n}",
            at=to_us(when),
            kind="join",
            identity_id=who,
            identity_name=who,
            actor_id=by,
            source=source,
        )

    def create(self, who: str, when: datetime, *, group: str | None = None) -> None:
        self.n += 1
        self.b.event(
            group_key=self.key(group),
            event_id=f"e{self.n}",
            at=to_us(when),
            kind="create",
            identity_id=who,
            identity_name=who,
            actor_id=who,
            source="creator",
        )

    def leave(
        self, who: str, when: datetime, kind: str = "leave", *, group: str | None = None
    ) -> None:
        self.n += 1
        self.b.event(
            group_key=self.key(group),
            event_id=f"e{self.n}",
            at=to_us(when),
            kind=kind,
            identity_id=who,
            identity_name=who,
        )

    def say(
        self,
        who: str,
        when: datetime,
        text: str = "今天讨论一下装饰器的用法",
        *,
        kind: str = "text",
        reply_to: str | None = None,
        mentions: Iterable[str] = (),
        group: str | None = None,
    ) -> str:
        self.n += 1
        mid = f"m{self.n}"
        self.b.message(
            group_key=self.key(group),
            message_id=mid,
            sent_at=to_us(when),
            sender_id=who,
            sender_name=who,
            kind=kind,
            text=text,
            reply_to=reply_to,
            mentions=list(mentions),
        )
        return mid

    def react(
        self, message_id: str, by: str, emoji: str = "👍", *, group: str | None = None
    ) -> None:
        self.b.reaction(
            group_key=self.key(group),
            message_id=message_id,
            emoji=emoji,
            reactor_id=by,
            reactor_name=by,
        )

    def canonical(self) -> Canonical:
        return merge([self.b.build()])

    def analyse(self, as_of: datetime, **kwargs: Any) -> dict[str, Any]:
        return build_analysis(self.canonical(), as_of=as_of, **kwargs)

    def group_entry(
        self, as_of: datetime, group: str | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        doc = self.analyse(as_of, **kwargs)
        return next(g for g in doc["groups"] if g["key"] == self.key(group))


def labels_of(entry: dict[str, Any]) -> dict[str, list[str]]:
    return {p["id"]: p["labels"] for p in entry["people"]}


__all__ = ["TIME_ZERO", "Community", "Extras", "at", "labels_of"]
