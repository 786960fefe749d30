"""QQChatExporter (shuakami/qq-chat-exporter, QQ NT via NapCat) JSON exports.

See docs/importers/qq.md. Two layouts: one `.json` file (`metadata`, `chatInfo`,
`statistics`, `messages`, …) and the chunked layout (`manifest.json` + `chunks/*.jsonl`,
one message per line). Message records come in two shapes: V5's "clean" messages
(`id`, `timestamp` in ms, `type: "type_N"`, `content.elements`, `recalled`, `system`) and
V4's parsed messages (`messageId`, ISO `timestamp`, `messageType`, `isRecalled`,
`isSystemMessage`, `content.reply`, `rawMessage`). Both are read with the same lenient
structs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

from ._qq_jsonstream import DECODE_ERRORS, JsonStream
from ._qq_notices import parse_notice
from ._qq_records import (
    CHAT_INFO,
    MANIFEST,
    MESSAGE,
    META,
    ChatInfo,
    Content,
    Like,
    Mention,
    Message,
    Reply,
    Sender,
)
from ._qq_roster import PLATFORM, Roster
from ._qq_txt import zone
from .errors import ImporterError
from .events import Batch, BatchBuilder, OccurrenceCounter, synthetic_message_id, to_us
from .options import ImportOptions
from .source import Source

_HEAD_BYTES = 8192
_SIGNATURES = (b"QQChatExporter", b"qq-chat-exporter")
_CHUNK_NAME = re.compile(r"chunks/c\d+\.jsonl")
# Plausible message times; anything else is a broken record, not a date.
_MIN_US = 788_918_400_000_000  # 1995-01-01
_MAX_US = 4_102_444_800_000_000  # 2100-01-01


# -- detection -------------------------------------------------------------------------------
def looks_like_export(head: bytes) -> bool:
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return (
        body.startswith(b"{")
        and b'"metadata"' in body
        and b'"chatInfo"' in body
        and any(sig in body for sig in _SIGNATURES)
    )


def claim(source: Source, names: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    taken: set[str] = set()
    for name in names:
        path = PurePosixPath(name)
        if path.suffix.lower() != ".json" or name in taken:
            continue
        try:
            head = source.head(name, _HEAD_BYTES)
        except ImporterError:
            continue
        if not looks_like_export(head):
            continue
        folder = "" if str(path.parent) == "." else f"{path.parent}/"
        chunks = sorted(
            n for n in names if n.startswith(folder) and _CHUNK_NAME.fullmatch(n[len(folder) :])
        )
        if path.name == "manifest.json" and chunks:
            group = [name, *chunks]
            avatars = f"{folder}avatars.json"
            if avatars in names:
                group.append(avatars)
        else:
            group = [name]
        taken.update(group)
        out.append(group)
    return out


# -- reading ---------------------------------------------------------------------------------
def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    names = source.names()
    main = next((n for n in names if PurePosixPath(n).suffix.lower() == ".json"), names[0])
    display = source.display(main)
    tz = zone(options.tz, display)
    if len(names) > 1 and PurePosixPath(main).name == "manifest.json":
        yield from _read_chunked(source, main, names, tz, options)
    else:
        yield from _read_single(source, main, tz, options)


def _read_single(
    source: Source, name: str, tz: ZoneInfo, options: ImportOptions
) -> Iterator[Batch]:
    display = source.display(name)
    uins = _uid_to_uin(source, [name])
    chat: _Chat | None = None
    with source.open(name) as fh:
        js = JsonStream(fh, display)
        if js.peek() is None:
            raise ImporterError(display, "the file is empty")
        js.expect(b"{", "a JSON object")
        info = ChatInfo()
        saw_messages = False
        if js.peek() != ord("}"):
            while True:
                key = js.key()
                if key == "messages":
                    js.expect(b"[", "the messages array")
                    chat = chat or _Chat(source, name, info, uins, tz, options)
                    yield from _stream_array(js, chat, options)
                    saw_messages = True
                elif key in ("metadata", "chatInfo"):
                    raw = js.value(b",}", f"the {key} object")
                    try:
                        if key == "metadata":
                            META.decode(raw)  # only checked: nothing in it maps to events
                        else:
                            info = CHAT_INFO.decode(raw)
                    except DECODE_ERRORS as exc:
                        raise js.error(f"{key} is not what QQChatExporter writes ({exc})") from None
                elif key == "chunks":
                    raise js.error(
                        "is an old QQChatExporter export split into 'chunks' inside one file; "
                        "export it again without chunking"
                    )
                elif key == "chunked":
                    raise js.error(
                        "is a chunked-JSONL manifest but its chunks/*.jsonl files are missing"
                    )
                else:
                    js.value(b",}", f"the {key!r} value")
                if js.peek() == ord(","):
                    js.expect(b",", "','")
                    continue
                break
        js.expect(b"}", "'}' closing the export")
        if not js.at_end():
            raise js.error("has data after the end of the export")
    if not saw_messages or chat is None:
        raise ImporterError(display, "has no 'messages' array; not a QQChatExporter export")
    yield from chat.finish()


def _stream_array(js: JsonStream, chat: _Chat, options: ImportOptions) -> Iterator[Batch]:
    if js.peek() == ord("]"):
        js.expect(b"]", "']'")
        return
    while True:
        line = js.line
        raw = js.value(b",]", f"message #{chat.count + 1}")
        chat.add_raw(raw, f"line {line}")
        if chat.builder.message_count >= options.batch_size:
            yield chat.builder.build()
        if js.peek() == ord(","):
            js.expect(b",", "','")
            continue
        js.expect(b"]", "',' or ']' after a message")
        return


def _read_chunked(
    source: Source, manifest: str, names: list[str], tz: ZoneInfo, options: ImportOptions
) -> Iterator[Batch]:
    display = source.display(manifest)
    try:
        data = MANIFEST.decode(source.read_bytes(manifest))
    except DECODE_ERRORS as exc:
        raise ImporterError(display, f"is not a readable QQChatExporter manifest ({exc})") from None
    folder = str(PurePosixPath(manifest).parent)
    prefix = "" if folder == "." else f"{folder}/"
    present = [n for n in names if n.startswith(prefix) and _CHUNK_NAME.fullmatch(n[len(prefix) :])]
    listed = [
        f"{prefix}{_text(ref.relativePath) or 'chunks/' + (_text(ref.fileName) or '')}"
        for ref in ((data.chunked.chunks or []) if data.chunked else [])
    ]
    missing = [n for n in listed if n not in present]
    if missing:
        raise ImporterError(display, f"lists chunk files that are missing: {', '.join(missing)}")
    order = listed or present
    info = data.chatInfo or ChatInfo()
    chat = _Chat(source, manifest, info, _uid_to_uin(source, order), tz, options)
    for name in order:
        chat.display = source.display(name)
        with source.open(name) as fh:
            for line_no, raw in enumerate(_lines(fh, chat.display), 1):
                if raw.strip():
                    chat.add_raw(raw, f"line {line_no}")
                if chat.builder.message_count >= options.batch_size:
                    yield chat.builder.build()
    yield from chat.finish()


def _lines(fh: Any, display: str) -> Iterator[bytes]:
    while True:
        try:
            line = fh.readline()
        except Exception as exc:  # OSError, zlib.error, BadZipFile from a damaged zip member
            raise ImporterError(display, f"cannot read the file ({exc})") from None
        if not line:
            return
        yield line


_UID_UIN = re.compile(rb'"uid"\s*:\s*"([^"\\]{1,80})"\s*,\s*"uin"\s*:\s*"(\d{4,12})"')


def _uid_to_uin(source: Source, names: list[str]) -> dict[str, str]:
    """NT uid → QQ number, from every sender object in the file.

    Mentions carry only the NT uid (`u_…`) while people are keyed by QQ number; a cheap
    regular-expression pass over the raw bytes finds the pairs before the real read, so a
    mention of someone who speaks later in the export still resolves.
    """
    pairs: dict[str, str] = {}
    for name in names:
        tail = b""
        with source.open(name) as fh:
            while True:
                try:
                    chunk = fh.read(1 << 22)
                except Exception as exc:  # OSError, zlib.error, BadZipFile
                    raise ImporterError(
                        source.display(name), f"cannot read the file ({exc})"
                    ) from None
                if not chunk:
                    break
                data = tail + chunk
                for m in _UID_UIN.finditer(data):
                    pairs[m[1].decode("utf-8", "replace")] = m[2].decode()
                tail = data[-512:]
    return pairs


# -- one chat --------------------------------------------------------------------------------
_FILE_PEER = re.compile(
    r"^(?P<kind>group|friend)_(?:.*_)?(?P<peer>\d{5,12}|u_[A-Za-z0-9_-]{8,40})_\d{8}_\d{6}"
)
_FRIENDLY_PEER = re.compile(r"\((?P<peer>\d{5,12}|u_[A-Za-z0-9_-]{8,40})\)$")
_DM_TYPES = {"private", "friend", "c2c", "temp", "dm", "1", "100"}
_REPLY_PREFIX = re.compile(r"^\[回复(?:消息)?[^\n]*\]\n?")
_BRACKETS = re.compile(r"\[[^\[\]\n]*\]")
_ELEMENT_KINDS = {
    "image": "image",
    "pic": "image",
    "video": "video",
    "audio": "audio",
    "voice": "audio",
    "ptt": "audio",
    "file": "file",
    "face": "sticker",
    "market_face": "sticker",
    "marketface": "sticker",
    "location": "location",
    "json": "link",
    "ark": "link",
    "av_record": "call",
}


# The record's `type` (V5 "type_N" from the NT message type, or V4.x names), used only when
# no element or resource says more.
_TYPE_KINDS = {
    "type_7": "link",
    "json": "link",
    "type_8": "file",
    "file": "file",
    "type_6": "audio",
    "audio": "audio",
    "type_9": "video",
    "video": "video",
}


@dataclass
class _Peer:
    external_id: str | None
    chat_type: str


class _Chat:
    def __init__(
        self,
        source: Source,
        name: str,
        info: ChatInfo,
        uins: dict[str, str],
        tz: ZoneInfo,
        options: ImportOptions,
    ) -> None:
        self.display = source.display(name)
        self.label = source.label
        self.stem = _export_stem(source, name)
        self.info = info
        self.uins = uins
        self.tz = tz
        self.builder = BatchBuilder(PLATFORM)
        self.roster = Roster(self.builder)
        self.counter = OccurrenceCounter()
        self.count = 0
        self.group_key: str | None = None
        self.chat_name = _text(info.name) or self.stem
        self.self_id = _uin(info.selfUin)

    # -- chat ----------------------------------------------------------------------------
    def _start(self, first: Message) -> str:
        peer = self._peer(first)
        key = f"{PLATFORM}:{peer.external_id or self.chat_name}"
        self.builder.group(
            group_key=key,
            external_id=peer.external_id,
            name=self.chat_name,
            chat_type=peer.chat_type,
            source=self.label,
        )
        self.roster.self_id = self.self_id or _uid(self.info.selfUid)
        self.roster.self_name = _text(self.info.selfName)
        if self.roster.self_id:
            self.roster.see(key, self.roster.self_id, name=self.roster.self_name)
        return key

    def _peer(self, first: Message) -> _Peer:
        kind = (_text(self.info.type) or "").lower()
        chat_type = "dm" if kind in _DM_TYPES else "group"
        for value in (self.info.groupCode, self.info.peerUin, self.info.peerUid):
            if _text(value):
                return _Peer(_text(value), chat_type)
        receiver = first.receiver
        raw = first.rawMessage
        if receiver is not None and _text(receiver.uid):
            if _text(receiver.type) == "private":
                chat_type = "dm"
            return _Peer(_text(receiver.uid), chat_type)
        if raw is not None and (_text(raw.peerUin) or _text(raw.peerUid)):
            if _text(raw.chatType) == "1":
                chat_type = "dm"
            return _Peer(_uin(raw.peerUin) or _text(raw.peerUid), chat_type)
        # The exporter names its files group_<number>_<date>_<time>.json or <name>(<number>).json.
        m = _FILE_PEER.match(self.stem) or _FRIENDLY_PEER.search(self.stem)
        if m:
            if m.groupdict().get("kind") == "friend" or m["peer"].startswith("u_"):
                chat_type = "dm"
            return _Peer(m["peer"], chat_type)
        return _Peer(None, chat_type)

    def finish(self) -> Iterator[Batch]:
        if self.group_key is None:
            # An export with no messages still names its chat.
            self.group_key = self._start(Message())
        self.roster.settle(self.group_key)
        yield self.builder.build()

    # -- one message ---------------------------------------------------------------------
    def add_raw(self, raw: bytes, where: str) -> None:
        self.count += 1
        try:
            msg = MESSAGE.decode(raw)
        except DECODE_ERRORS as exc:
            raise ImporterError(
                self.display,
                f"is not a QQChatExporter message ({exc})",
                f"message #{self.count} ({where})",
            ) from None
        self.add(msg, where)

    def add(self, msg: Message, where: str) -> None:
        if self.group_key is None:
            self.group_key = self._start(msg)
        key = self.group_key
        raw = msg.rawMessage
        message_id = _text(msg.id) or _text(msg.messageId) or (raw and _text(raw.msgId)) or None
        location = (
            f"message #{self.count} (id {message_id})"
            if message_id
            else (f"message #{self.count} ({where})")
        )
        sent_at = self._sent_at(msg, location)
        sender = msg.sender or Sender()
        sender_id = _uin(sender.uin) or self.uins.get(_uid(sender.uid) or "") or _uid(sender.uid)
        # With no name at all the exporter writes the QQ number, "0" for grey tips.
        shown = _name(sender.name) or _name(sender.groupCard) or _name(sender.nickname)
        content = msg.content or Content()
        text = _text(content.text) or ""
        reply_to, text = _reply(content, text)
        is_system = _flag(msg.system) or _flag(msg.isSystemMessage)
        if not message_id:
            seq = _text(msg.seq) or _text(msg.messageSeq)
            if seq:
                message_id = f"seq:{seq}"
            else:
                author = sender_id or shown
                occurrence = self.counter.next(sent_at, author, text)
                message_id = synthetic_message_id(sent_at, author, text, occurrence)
        if is_system:
            notice = parse_notice(text)
            self.builder.message(
                group_key=key,
                message_id=message_id,
                sent_at=sent_at,
                sender_id=sender_id,
                sender_name=shown,
                kind="system",
                text=text,
                action=notice.action,
            )
            self.roster.notice(key, message_id, sent_at, notice)
            return
        if sender_id:
            role = _text(sender.role)
            self.roster.see(
                key,
                sender_id,
                name=_text(sender.nickname) or shown,
                member_name=shown,
                role=role if role in ("owner", "admin") else "member",
            )
            for label in (_text(sender.groupCard), _text(sender.remark)):
                if label:
                    self.roster.name(key, label, sender_id)
        recalled = _flag(msg.recalled) or _flag(msg.isRecalled)
        self.builder.message(
            group_key=key,
            message_id=message_id,
            sent_at=sent_at,
            sender_id=sender_id,
            sender_name=shown,
            kind="deleted" if recalled else _kind(content, text, _text(msg.type)),
            text=text,
            reply_to=reply_to,
            mentions=self._mentions(content),
        )
        if raw is not None and raw.emojiLikesList:
            for like in raw.emojiLikesList:
                emoji = _emoji(like)
                count = _int(like.likesCnt)
                if emoji and count and count > 0:
                    self.builder.reaction(
                        group_key=key,
                        message_id=message_id,
                        emoji=emoji,
                        count=min(count, 2**31 - 1),
                    )

    def _sent_at(self, msg: Message, location: str) -> int:
        value = msg.timestamp
        us: int | None = None
        if isinstance(value, bool):
            us = None
        elif isinstance(value, int | float):
            # Milliseconds (every QQChatExporter version); seconds if a tool wrote those.
            us = int(value * 1000) if value > 1e11 else int(value * 1_000_000)
        elif isinstance(value, str) and value.strip():
            us = self._parse_time(value.strip())
        if us is None and isinstance(msg.time, str) and msg.time.strip():
            us = self._parse_time(msg.time.strip())
        if us is None or not _MIN_US <= us < _MAX_US:
            raise ImporterError(self.display, f"has no usable time (timestamp {value!r})", location)
        return us

    def _parse_time(self, text: str) -> int | None:
        if text.isdigit():
            number = int(text)
            return number * 1000 if number > 10**11 else number * 1_000_000
        try:
            parsed = datetime.fromisoformat(text.replace("/", "-"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            # V5's `time` is the exporting machine's local time; options.tz is the best guess.
            parsed = parsed.replace(tzinfo=self.tz)
        try:
            return to_us(parsed)
        except OverflowError:
            return None

    def _mentions(self, content: Content) -> list[str]:
        found: list[str] = []
        items = list(content.mentions or [])
        if not items:
            items = [
                Mention(uid=e.data.uid, uin=e.data.uin, name=e.data.name)
                for e in content.elements or []
                if e.type == "at" and e.data is not None
            ]
        for mention in items:
            if _text(mention.type) == "all" or _text(mention.uid) == "all":
                continue
            uid = _uid(mention.uid)
            who = _uin(mention.uin) or (uid and self.uins.get(uid)) or uid
            if not who and _text(mention.name) and self.group_key:
                who = self.roster.names(self.group_key).get(_text(mention.name) or "")
            who = who or _text(mention.name)
            if who and who not in found:
                found.append(who)
        return found


# -- field helpers ---------------------------------------------------------------------------
def _export_stem(source: Source, name: str) -> str:
    """The export's own name: the file stem, or the folder (or zip) of a chunked manifest."""
    path = PurePosixPath(name)
    if path.name != "manifest.json":
        return path.stem
    if str(path.parent) != ".":
        return path.parent.name
    return source.path.name if source.path.is_dir() else source.path.stem


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool | dict | list):
        return None
    text = str(value).strip()
    return text or None


def _name(value: Any) -> str | None:
    text = _text(value)
    return None if text == "0" else text


def _uin(value: Any) -> str | None:
    text = _text(value)
    if text is None or not text.isdigit() or int(text) == 0:
        return None
    return str(int(text))


def _uid(value: Any) -> str | None:
    text = _text(value)
    # The exporter writes "未知" (unknown) when NT gave no uid.
    return None if text in (None, "未知", "unknown", "0") else text


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = _text(value)
    return int(text) if text and text.isdigit() else None


def _emoji(like: Like) -> str | None:
    """NT reactions: type 2 is a Unicode code point, type 1 a QQ face id (kept as face:<id>)."""
    code = _int(like.emojiId)
    is_char = code is not None and 0 < code < 0x110000 and not 0xD800 <= code < 0xE000
    if _text(like.emojiType) == "2" and code is not None and is_char:
        return chr(code)
    ident = _text(like.emojiId)
    return f"face:{ident}" if ident else None


def _flag(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _reply(content: Content, text: str) -> tuple[str | None, str]:
    """The replied message id, and the text without the quoted "[回复 …]" preamble."""
    target: str | None = None
    quotes: list[str] = []
    replies = [content.reply] if content.reply is not None else []
    for element in content.elements or []:
        if element.type == "reply" and element.data is not None:
            replies.append(
                Reply(
                    messageId=element.data.messageId,
                    referencedMessageId=element.data.referencedMessageId,
                    senderName=element.data.senderName,
                    content=element.data.content,
                )
            )
    for reply in replies:
        # referencedMessageId is the quoted message's own id; messageId may be a copy's.
        target = target or _text(reply.referencedMessageId) or _text(reply.messageId)
        quotes.append(f"[回复 {_text(reply.senderName) or ''}: {_text(reply.content) or ''}]")
    if target == "0":
        target = None
    if replies and text.startswith("[回复"):
        for quote in quotes:
            if text.startswith(quote):
                return target, text[len(quote) :].lstrip("\n")
        text = _REPLY_PREFIX.sub("", text, count=1)
    return target, text


def _kind(content: Content, text: str, type_name: str | None) -> str:
    kinds: list[str] = []
    for element in content.elements or []:
        name = (_text(element.type) or "").lower()
        if name in _ELEMENT_KINDS:
            if name == "image" and element.data is not None and element.data.subType == "sticker":
                kinds.append("sticker")
            else:
                kinds.append(_ELEMENT_KINDS[name])
        elif name == "system" and element.data is not None and _int(element.data.elementType) == 9:
            kinds.append("red_packet")  # NT wallet element
    if not kinds:
        kinds = [
            _ELEMENT_KINDS.get((_text(r.type) or "").lower(), "file")
            for r in content.resources or []
        ]
        kinds += ["sticker" for _ in content.emojis or []]
        if content.card is not None:
            kinds.append("link")
        if content.location is not None:
            kinds.append("location")
    if not kinds and type_name in _TYPE_KINDS:
        kinds.append(_TYPE_KINDS[type_name])
    if not kinds:
        return "text"
    # Media with its own words ("[图片] 看这个") is a text message; placeholders are not words.
    residual = text
    while True:
        stripped = _BRACKETS.sub("", residual)
        if stripped == residual:
            break
        residual = stripped
    residual = re.sub(r"@\S+", "", residual).strip()
    if residual:
        return "text"
    media = [k for k in kinds if k != "sticker"]
    return media[0] if media else "sticker"
