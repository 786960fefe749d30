"""WeCom session archive (企业微信 会话内容存档) as JSON lines. See docs/importers/wecom.md.

One decrypted GetChatData message per line. Each line is decoded on its own with msgspec
into typed structs, so memory stays flat however long the archive is.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec

from ._wechat_io import byte_lines, safe_head
from .errors import ImporterError
from .events import Batch, BatchBuilder
from .options import ImportOptions
from .source import Source

PLATFORM = "wecom"

__all__ = ["PLATFORM", "claim", "read"]


class _Text(msgspec.Struct):
    content: str = ""


class _Link(msgspec.Struct):
    title: str = ""
    description: str = ""
    link_url: str = ""


class _File(msgspec.Struct):
    filename: str = ""


class _Weapp(msgspec.Struct):
    title: str = ""
    displayname: str = ""


class _Card(msgspec.Struct):
    corpname: str = ""
    userid: str = ""


class _Location(msgspec.Struct):
    title: str = ""
    address: str = ""


class _Titled(msgspec.Struct):
    title: str = ""
    content: str = ""


class _Vote(msgspec.Struct):
    votetitle: str = ""


class _RedPacket(msgspec.Struct):
    wish: str = ""


class _Meeting(msgspec.Struct):
    topic: str = ""


class _Doc(msgspec.Struct):
    title: str = ""
    link_url: str = ""


class _NewsItem(msgspec.Struct):
    title: str = ""
    url: str = ""


class _Info(msgspec.Struct):
    """Body of `markdown` (content) and `news` (item) messages."""

    content: str = ""
    item: list[_NewsItem] = []


class _MixedItem(msgspec.Struct):
    type: str = ""
    # The archive gives each part's body as a JSON string; some bridges decode it first.
    content: str | dict[str, Any] = ""


class _Mixed(msgspec.Struct):
    item: list[_MixedItem] = []


class _Revoke(msgspec.Struct):
    pre_msgid: str = ""


class _Agree(msgspec.Struct):
    userid: str = ""


class _Feed(msgspec.Struct):
    feed_desc: str = ""
    sph_name: str = ""


class _Message(msgspec.Struct):
    msgid: str = ""
    action: str = ""
    sender: str = msgspec.field(name="from", default="")
    tolist: list[str] = []
    roomid: str = ""
    msgtime: int | str = 0
    msgtype: str = ""
    text: _Text | None = None
    link: _Link | None = None
    file: _File | None = None
    weapp: _Weapp | None = None
    card: _Card | None = None
    location: _Location | None = None
    chatrecord: _Titled | None = None
    todo: _Titled | None = None
    collect: _Titled | None = None
    calendar: _Titled | None = None
    vote: _Vote | None = None
    redpacket: _RedPacket | None = None
    meeting: _Meeting | None = None
    doc: _Doc | None = None
    info: _Info | None = None
    mixed: _Mixed | None = None
    revoke: _Revoke | None = None
    agree: _Agree | None = None
    disagree: _Agree | None = None
    sphfeed: _Feed | None = None
    voip_doc_share: _File | None = None
    qydiskfile: _File | None = None


class _Probe(msgspec.Struct):
    msgid: str = ""
    action: str = ""


_DECODER = msgspec.json.Decoder(_Message)
_PROBE = msgspec.json.Decoder(_Probe)
_INNER_TEXT = msgspec.json.Decoder(_Text)
_ACTIONS = {"send", "recall", "switch"}
_PROBE_RE = re.compile(rb'\A\s*\{.*"msgid"\s*:\s*"[^"]*".*"action"\s*:\s*"(send|recall|switch)"')

_KINDS = {
    "text": "text",
    "markdown": "text",
    "todo": "text",
    "meeting": "text",
    "calendar": "text",
    "image": "image",
    "voice": "audio",
    "video": "video",
    "emotion": "sticker",
    "file": "file",
    "voip_doc_share": "file",
    "qydiskfile": "file",
    "link": "link",
    "weapp": "link",
    "news": "link",
    "docmsg": "link",
    "sphfeed": "link",
    "card": "contact",
    "location": "location",
    "redpacket": "red_packet",
    "external_redpacket": "red_packet",
    "vote": "poll",
    "collect": "poll",  # 群接龙: a sign-up list
    "meeting_voice_call": "call",
    "voiptext": "call",
    "chatrecord": "media",
    "mixed": "text",
    "revoke": "system",
    "agree": "system",
    "disagree": "system",
}
_SYSTEM_ACTIONS = {"revoke": "recall", "agree": "archive_agree", "disagree": "archive_disagree"}

_MENTION = re.compile(r"(?<![\w@.])@([^\s@,，:：]{1,32})")
_EVERYONE = {"所有人", "all", "All"}


def claim(source: Source, names: list[str]) -> list[list[str]]:
    """Each JSON-lines file whose first record is an archive message is one export."""
    return [[name] for name in names if _is_archive(safe_head(source, name))]


def _is_archive(head: bytes) -> bool:
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not head.startswith(b"{"):
        return False
    first, newline, _ = head.partition(b"\n")
    if not newline:
        # One record longer than the sniffed head: look at its opening keys only.
        return _PROBE_RE.match(first) is not None
    try:
        probe = _PROBE.decode(first)
    except (msgspec.DecodeError, ValueError):
        return False
    return bool(probe.msgid) and probe.action in _ACTIONS


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    for name in source.names():
        yield from _read_file(source, name, options)


def _read_file(source: Source, name: str, options: ImportOptions) -> Iterator[Batch]:
    display = source.display(name)
    builder = BatchBuilder(PLATFORM)
    groups: set[str] = set()
    people: set[str] = set()
    members: set[tuple[str, str]] = set()
    rosters: set[tuple[str, ...]] = set()  # (chat, sender, *recipients) already handled
    cols = builder.cols["messages"]
    for number, raw in enumerate(byte_lines(source, name), 1):
        line = raw.removeprefix(b"\xef\xbb\xbf") if number == 1 else raw
        if not line.strip():
            continue
        where = f"line {number}"
        try:
            m = _DECODER.decode(line)
        except msgspec.ValidationError as exc:
            raise ImporterError(display, f"unexpected value in the record ({exc})", where) from None
        except (msgspec.DecodeError, ValueError) as exc:
            raise ImporterError(display, f"not a valid JSON record ({exc})", where) from None
        if m.action == "switch":
            continue  # a log-in device switch, not a chat message
        _check(m, display, where)
        key = _group_key(m)
        if key not in groups:
            groups.add(key)
            builder.group(
                group_key=key,
                external_id=m.roomid or key.removeprefix(f"{PLATFORM}:dm:"),
                name=None,  # the archive carries no chat names
                chat_type="group" if m.roomid else "dm",
                source=source.label,
            )
        roster = (key, m.sender, *m.tolist)
        if roster not in rosters:
            rosters.add(roster)
            for ident in roster[1:]:
                if not ident:
                    continue
                is_bot = ident.startswith("wb")
                if ident not in people:
                    people.add(ident)
                    builder.identity(identity_id=ident, name=None, is_bot=True if is_bot else None)
                if (key, ident) not in members:
                    members.add((key, ident))
                    role = "bot" if is_bot else "member"
                    builder.membership(group_key=key, identity_id=ident, name=None, role=role)
        sent_at = _msgtime(m, display, where) * 1000
        text = _text(m)
        kind = _kind(m, text)
        recalled = m.revoke.pre_msgid if m.revoke is not None else ""
        # The per-message hot path: straight into the columns (BatchBuilder allows it).
        cols["group_key"].append(key)
        cols["message_id"].append(m.msgid)
        cols["sent_at"].append(sent_at)
        cols["sender_id"].append(m.sender)
        cols["sender_name"].append(None)
        cols["kind"].append(kind)
        cols["text"].append(text)
        cols["reply_to"].append(recalled or None)
        cols["mentions"].append([n for n in _MENTION.findall(text) if n not in _EVERYONE])
        cols["action"].append(
            _SYSTEM_ACTIONS.get(m.msgtype, "notice") if kind == "system" else None
        )
        cols["edited"].append(False)
        if builder.message_count >= options.batch_size:
            yield builder.build()
            cols = builder.cols["messages"]
    yield builder.build()


def _check(m: _Message, display: str, where: str) -> None:
    for field_name, value in (("msgid", m.msgid), ("from", m.sender), ("msgtype", m.msgtype)):
        if not value:
            raise ImporterError(display, f"the record has no {field_name}", where)


def _msgtime(m: _Message, display: str, where: str) -> int:
    value = m.msgtime
    if isinstance(value, str):
        value = int(value) if value.isascii() and value.isdigit() and len(value) <= 20 else 0
    # Milliseconds since 1970, before the year 9999.
    if not 0 < value < 253_402_300_800_000:
        shown = m.msgtime if isinstance(m.msgtime, int) else m.msgtime[:40]
        raise ImporterError(display, f"msgtime {shown!r} is not a time in milliseconds", where)
    return value


def _kind(m: _Message, text: str) -> str:
    if m.mixed is not None and not text:
        return "image" if any(i.type == "image" for i in m.mixed.item) else "media"
    return _KINDS.get(m.msgtype, "media")


def _group_key(m: _Message) -> str:
    if m.roomid:
        return f"{PLATFORM}:{m.roomid}"
    pair = sorted({m.sender, *m.tolist} - {""})
    return f"{PLATFORM}:dm:{','.join(pair)}"


def _text(m: _Message) -> str:
    if m.text is not None:
        return m.text.content
    if m.info is not None:  # markdown / news
        if m.info.content:
            return m.info.content
        return "\n".join(_join(i.title, i.url) for i in m.info.item)
    if m.link is not None:
        return _join(m.link.title, m.link.link_url)
    if m.doc is not None:
        return _join(m.doc.title, m.doc.link_url)
    if m.mixed is not None:
        return "\n".join(t for t in (_mixed_text(i) for i in m.mixed.item) if t)
    for titled in (m.todo, m.chatrecord, m.collect, m.calendar):
        if titled is not None:
            return _join(titled.title, titled.content)
    if m.file is not None:
        return m.file.filename
    for shared in (m.voip_doc_share, m.qydiskfile):
        if shared is not None:
            return shared.filename
    if m.weapp is not None:
        return m.weapp.title or m.weapp.displayname
    if m.card is not None:
        return m.card.corpname
    if m.location is not None:
        return _join(m.location.title, m.location.address)
    if m.vote is not None:
        return m.vote.votetitle
    if m.redpacket is not None:
        return m.redpacket.wish
    if m.meeting is not None:
        return m.meeting.topic
    if m.sphfeed is not None:
        return m.sphfeed.feed_desc
    return ""


def _mixed_text(item: _MixedItem) -> str:
    if item.type != "text":
        return ""
    if isinstance(item.content, dict):
        value = item.content.get("content")
        return value if isinstance(value, str) else ""
    try:
        return _INNER_TEXT.decode(item.content).content
    except (msgspec.DecodeError, ValueError):
        return item.content


def _join(*parts: str) -> str:
    return "\n".join(p for p in parts if p)
