"""Turning normalised WeChat records into canonical rows. See docs/importers/wechat.md.

Both WeChat readers (chatlog JSON, CSV) reduce each row to a `Record` and hand it to a
`ChatCollector`, which owns everything that needs memory across rows: ids, names, the
people of each chat and the membership events, whose names can only be resolved to wxids
once the whole file has been seen.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone, tzinfo

from . import _wechat_text as wt
from .events import Batch, BatchBuilder, OccurrenceCounter, synthetic_message_id

PLATFORM = "wechat"

# Replies in chatlog JSON name their target by sender and second only; remember that many
# recent messages per chat to resolve them (bounded so a huge export stays small).
_RECENT_PER_CHAT = 50_000


@dataclass(slots=True)
class Record:
    talker: str | None  # chat id: 123@chatroom or the partner's wxid
    chat_name: str | None
    is_group: bool | None  # None: decide from the chat's traffic
    sent_at: int  # UTC µs
    sender_id: str | None
    sender_name: str | None
    is_self: bool
    type_code: int
    sub_type: int
    content: str
    svr_id: str | None = None  # MsgSvrID / chatlog seq
    local_id: str | None = None
    other_names: tuple[str, ...] = ()  # remarks etc. that system lines may use
    title: str | None = None
    url: str | None = None
    refer_sender: str | None = None
    refer_second: int | None = None


@dataclass
class _PendingEvent:
    event_id: str
    at: int
    kind: str
    subject: wt.NameRef
    actor: wt.NameRef | None
    source: str | None


@dataclass
class _Chat:
    key: str
    talker: str | None
    name: str | None = None
    renamed_to: str | None = None
    is_group: bool | None = None
    group_hint: bool = False
    members: dict[str, str | None] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # display name → wxid
    owners: list[wt.NameRef] = field(default_factory=list)
    events: list[_PendingEvent] = field(default_factory=list)
    recent: OrderedDict[tuple[str, int], str] = field(default_factory=OrderedDict)
    partners: set[str] = field(default_factory=set)


class ChatCollector:
    def __init__(self, label: str) -> None:
        self.label = label
        self.builder = BatchBuilder(PLATFORM)
        self.chats: dict[str, _Chat] = {}
        self.identities: dict[str, str | None] = {}
        self.self_id: str | None = None
        self.occurrences = OccurrenceCounter()

    # -- per record ----------------------------------------------------------------------
    def add(self, r: Record) -> None:
        chat = self._chat(r)
        type_code, sub_type = wt.split_type(r.type_code, r.sub_type)
        body = wt.body_of(type_code, sub_type, r.content, title=r.title, url=r.url)
        sender_id, sender_name = r.sender_id or None, r.sender_name or None
        system = body.kind == "system"
        if system and body.action != "pat":
            # System lines have no human author (chatlog writes "系统消息" there).
            sender_id = sender_name = None
        if r.is_self and sender_id and self.self_id is None:
            self.self_id = sender_id
        if sender_id:
            self._person(chat, sender_id, sender_name, r.other_names)
            if not r.is_self:
                chat.partners.add(sender_id)
        elif sender_name and not system:
            chat.names.setdefault(sender_name, sender_name)

        message_id = self._message_id(chat, r, body.text, sender_id or sender_name)
        reply_to = body.refer_svrid or body.recalled_svrid
        if reply_to is None and r.refer_sender and r.refer_second is not None:
            reply_to = chat.recent.get((r.refer_sender, r.refer_second))
        if sender_id:
            chat.recent[(sender_id, r.sent_at // 1_000_000)] = message_id
            if len(chat.recent) > _RECENT_PER_CHAT:
                chat.recent.popitem(last=False)

        action = body.action
        if type_code == 10000:
            line = wt.parse_system(body.text)
            action = line.action
            self._system_line(chat, message_id, r.sent_at, line)
        mentions = [chat.names.get(n, n) for n in wt.mentioned_names(body.text)]
        # The per-message hot path: straight into the columns (BatchBuilder allows it).
        cols = self.columns
        cols["group_key"].append(chat.key)
        cols["message_id"].append(message_id)
        cols["sent_at"].append(r.sent_at)
        cols["sender_id"].append(sender_id)
        cols["sender_name"].append(sender_name)
        cols["kind"].append(body.kind)
        cols["text"].append(body.text)
        cols["reply_to"].append(reply_to)
        cols["mentions"].append(mentions)
        cols["action"].append(action)
        cols["edited"].append(False)

    @property
    def columns(self) -> dict[str, list[object]]:
        return self.builder.cols["messages"]

    @property
    def message_count(self) -> int:
        return self.builder.message_count

    def take(self) -> Batch:
        return self.builder.build()

    # -- end of file ---------------------------------------------------------------------
    def finish(self) -> Batch:
        """Groups, memberships and membership events, now that every name is known."""
        b = self.builder
        for chat in self.chats.values():
            chat_type = _chat_type(chat, self.self_id)
            b.group(
                group_key=chat.key,
                external_id=chat.talker,
                name=chat.name or chat.renamed_to,
                chat_type=chat_type,
                source=self.label,
            )
            owners = {self._resolve(chat, ref)[0] for ref in chat.owners}
            for ev in chat.events:
                ident, ident_name = self._resolve(chat, ev.subject)
                actor_id, actor_name = (None, None)
                if ev.actor is not None:
                    actor_id, actor_name = self._resolve(chat, ev.actor)
                if ident and ident not in chat.members:
                    self._person(chat, ident, ident_name, ())
                b.event(
                    group_key=chat.key,
                    event_id=ev.event_id,
                    at=ev.at,
                    kind=ev.kind,
                    identity_id=ident,
                    identity_name=ident_name,
                    actor_id=actor_id,
                    actor_name=actor_name,
                    source=ev.source,
                )
            for ident, name_ in chat.members.items():
                role = "owner" if ident in owners else "member"
                b.membership(group_key=chat.key, identity_id=ident, name=name_, role=role)
        return b.build()

    # -- helpers -------------------------------------------------------------------------
    def _chat(self, r: Record) -> _Chat:
        ref = r.talker or r.chat_name or "unknown"
        chat = self.chats.get(ref)
        if chat is None:
            chat = _Chat(key=f"{PLATFORM}:{ref}", talker=r.talker)
            self.chats[ref] = chat
            if r.talker:
                # Only chat rooms have ids ending in @chatroom; any other talker is the
                # other person of a DM.
                chat.is_group = r.talker.endswith("@chatroom")
                if not chat.is_group:
                    self._person(chat, r.talker, r.chat_name, ())
                    chat.partners.add(r.talker)
            else:
                chat.is_group = r.is_group
        if r.is_group and chat.is_group is None:
            chat.group_hint = True
        if r.chat_name:
            chat.name = r.chat_name
        return chat

    def _person(
        self, chat: _Chat, ident: str, name: str | None, other_names: tuple[str, ...]
    ) -> None:
        if self.identities.get(ident, "\x00") != name and (name or ident not in self.identities):
            self.identities[ident] = name
            self.builder.identity(identity_id=ident, name=name)
        if name or ident not in chat.members:
            chat.members[ident] = name or chat.members.get(ident)
        for n in (name, *other_names):
            if n:
                chat.names[n] = ident

    def _message_id(self, chat: _Chat, r: Record, text: str, author: str | None) -> str:
        if r.svr_id:
            return r.svr_id
        if r.local_id:
            return f"{chat.key.split(':', 1)[1]}:{r.local_id}"
        n = self.occurrences.next(r.sent_at, author, text)
        return synthetic_message_id(r.sent_at, author, text, n)

    def _system_line(self, chat: _Chat, message_id: str, at: int, line: wt.SystemLine) -> None:
        if line.title:
            chat.renamed_to = line.title
        if line.new_owner is not None:
            chat.owners.append(line.new_owner)
        if line.event in ("join", "kick", "leave", "rename"):
            chat.group_hint = True
        if line.event is None:
            return
        for i, subject in enumerate(line.subjects):
            chat.events.append(
                _PendingEvent(f"{message_id}:{i}", at, line.event, subject, line.actor, line.source)
            )

    def _resolve(self, chat: _Chat, ref: wt.NameRef) -> tuple[str | None, str | None]:
        """wxid and display name of someone a system line names."""
        if ref.wxid:
            self._remember(chat, ref)
            return ref.wxid, ref.name
        if ref.is_you:
            return self.self_id, self.identities.get(self.self_id or "") or ref.name
        ident = chat.names.get(ref.name, ref.name)
        return ident, ref.name

    def _remember(self, chat: _Chat, ref: wt.NameRef) -> None:
        if ref.wxid and ref.name:
            chat.names.setdefault(ref.name, ref.wxid)


def _chat_type(chat: _Chat, self_id: str | None) -> str | None:
    """group / dm; None when a CSV without chat ids or senders gives no evidence either way."""
    if chat.is_group is not None:
        return "group" if chat.is_group else "dm"
    others = chat.partners - {self_id}
    if chat.group_hint or len(others) > 1:
        return "group"
    return "dm" if others else None


# -- times -----------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_MIN_US = -62_135_596_800_000_000  # 0001-01-01 UTC
_MAX_US = 253_402_300_800_000_000  # 10000-01-01 UTC
_DATETIME = re.compile(
    r"^\s*(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?"
    r"\s*(Z|[+-]\d{2}:?\d{2})?\s*$"
)


def parse_time(text: str, zone: tzinfo) -> int | None:
    """UTC µs of `2024-03-01T09:15:02+08:00`, `2024-03-01 09:15:02` (local in `zone`) and
    RFC 3339 variants with up to nine fraction digits; None when it is not a time."""
    try:
        # The C parser takes the common shapes; the regex below takes the rest.
        value = datetime.fromisoformat(text)
    except ValueError:
        return _parse_time_slowly(text, zone)
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    try:
        value_us = (value - _EPOCH) // _ONE_US
    except OverflowError:
        return None
    return value_us if _MIN_US <= value_us < _MAX_US else None


def _parse_time_slowly(text: str, zone: tzinfo) -> int | None:
    m = _DATETIME.match(text)
    if m is None:
        return None
    year, month, day, hour, minute = (int(m[i]) for i in range(1, 6))
    second = int(m[6] or 0)
    micro = int((m[7] or "0")[:6].ljust(6, "0"))
    offset = m[8]
    try:
        if offset is None:
            value = datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
        else:
            tz = UTC if offset == "Z" else _offset(offset)
            value = datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
        delta = value - _EPOCH
    except (ValueError, OverflowError):
        return None
    value_us = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    # An offset can push a year-9999 time past what a UTC datetime holds.
    return value_us if _MIN_US <= value_us < _MAX_US else None


def _offset(text: str) -> tzinfo:
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + int(digits[2:])
    return timezone((-1 if text[0] == "-" else 1) * timedelta(minutes=minutes))


def epoch_us(value: int) -> int | None:
    """CreateTime in seconds (PC databases) or milliseconds (phone databases)."""
    if value <= 0:
        return None
    # Seconds would put anything above 1e11 after the year 5138: those are milliseconds.
    value_us = value * 1_000 if value > 100_000_000_000 else value * 1_000_000
    return value_us if value_us < _MAX_US else None
