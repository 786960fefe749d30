"""QQ message-manager text export (消息管理器 → 导出为 txt). See docs/importers/qq.md.

The file is a sequence of chats, each under a 消息分组/消息对象 header block, each message a
header line `YYYY-MM-DD H:MM:SS 昵称(QQ号)` (or `昵称<email>`) followed by its body lines.
There are no message ids and no group numbers: messages get synthetic ids and a chat is
keyed by its 消息对象 name.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import PurePosixPath
from typing import BinaryIO
from zoneinfo import ZoneInfo

from ._qq_notices import parse_notice
from ._qq_roster import PLATFORM, Roster
from .errors import ImporterError
from .events import Batch, BatchBuilder, OccurrenceCounter, synthetic_message_id, to_us
from .options import ImportOptions
from .source import Source

SYSTEM_QQ = "10000"

_SNIFF_BYTES = 64 * 1024
_READ_BYTES = 1 << 20

_HEADER = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2}) (.+)$")
# Greedy name: the QQ number is the LAST bracketed number, nicknames may hold brackets too.
_AUTHOR_QQ = re.compile(r"^(.*)\((\d{4,12})\)$")
_AUTHOR_EMAIL = re.compile(r"^(.*)<([^<>\s]+@[^<>\s]+)>$")
_BADGES = re.compile(r"^(?:【([^】]*)】\s*)+")
_BADGE = re.compile(r"【([^】]*)】")
_SECTION = re.compile(r"^(消息分组|消息对象)[:：]\s*(.*)$")
_NEWLINE = re.compile(r"\r\n|\r|\n")
_PLACEHOLDERS = {
    "图片": "image",
    "闪照": "image",
    "表情": "sticker",
    "文件": "file",
    "语音": "audio",
    "视频": "video",
    "红包": "red_packet",
    "QQ红包": "red_packet",
    "位置": "location",
}
# Group 1 is the first placeholder (a repeated group would keep only the last one).
_ONLY_PLACEHOLDERS = re.compile(
    r"^\[(" + "|".join(_PLACEHOLDERS) + r")\](?:\s*\[(?:" + "|".join(_PLACEHOLDERS) + r")\])*\s*$"
)
_AT = re.compile(r"(?<![0-9A-Za-z._%+-])@")
_MENTION_TOKEN = re.compile(r"[^\s@,，:：]+")
_GROUP_CATEGORY = ("群", "讨论组", "多人聊天")
_CODEC_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "gb18030": "GB18030",
    "utf-16": "UTF-16",
    "utf-16-le": "UTF-16",
    "utf-16-be": "UTF-16",
}


# -- detection -------------------------------------------------------------------------------
def sniff_encoding(head: bytes) -> str | None:
    """The codec of a QQ text export from its first bytes; None when no candidate fits."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = head[:4096]
    if len(sample) >= 8 and sample.count(0) * 4 >= len(sample):
        # ASCII digits, '=' and newlines leave a NUL in every other byte of UTF-16.
        return "utf-16-le" if sample[1::2].count(0) >= sample[0::2].count(0) else "utf-16-be"
    for codec in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(codec)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return codec
    return None


def looks_like_export(head: bytes) -> bool:
    codec = sniff_encoding(head)
    if codec is None:
        return False
    text = codecs.getincrementaldecoder(codec)(errors="replace").decode(head, final=False)
    lines = [ln.strip().lstrip("\ufeff") for ln in _NEWLINE.split(text)]
    lines = [ln for ln in lines if ln]
    if not lines:
        return False
    if lines[0].startswith("消息记录") and "文本格式" in lines[0]:
        return True
    has_object = any(_SECTION.match(ln) and ln.startswith("消息对象") for ln in lines[:40])
    has_separator = any(_is_separator(ln) for ln in lines[:40])
    return has_object and has_separator


def claim(source: Source, names: list[str]) -> list[list[str]]:
    out: list[list[str]] = []
    for name in names:
        if PurePosixPath(name).suffix.lower() != ".txt":
            continue
        try:
            head = source.head(name, _SNIFF_BYTES)
        except ImporterError:
            continue
        if looks_like_export(head):
            out.append([name])
    return out


# -- reading ---------------------------------------------------------------------------------
def read(source: Source, name: str, options: ImportOptions) -> Iterator[Batch]:
    display = source.display(name)
    tz = zone(options.tz, display)
    builder = BatchBuilder(PLATFORM)
    chats = _ChatLog(display, source.label, PurePosixPath(name).stem, tz, builder)
    with source.open(name) as fh:
        line_no = 0
        for line_no, line in _decoded_lines(fh, display):
            chats.feed(line_no, line)
            if builder.message_count >= options.batch_size:
                yield builder.build()
        chats.finish(line_no)
    yield builder.build()


def zone(name: str, display: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ImporterError(display, f"unknown timezone {name!r}") from None


def _decoded_lines(fh: BinaryIO, display: str) -> Iterator[tuple[int, str]]:
    """Numbered lines of the file in its own encoding; CR, LF and CRLF all end a line."""
    head = _read(fh, display, _SNIFF_BYTES)
    if not head:
        raise ImporterError(display, "the file is empty")
    codec = sniff_encoding(head)
    if codec is None:
        raise ImporterError(
            display,
            "is neither UTF-8, GB18030 nor UTF-16 text",
            f"line {_first_bad_line(head, 'gb18030')}",
        )
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    pending = ""
    line_no = 0
    raw = head
    while True:
        final = not raw
        try:
            text = decoder.decode(raw, final)
        except UnicodeDecodeError as exc:
            prefix = raw[: max(exc.start, 0)].decode(codec.replace("-sig", ""), errors="replace")
            bad = line_no + len(_NEWLINE.findall(pending + prefix)) + 1
            raise ImporterError(
                display,
                f"is not valid {_CODEC_NAMES[codec]} text (the start of the file is)",
                f"line {bad}",
            ) from None
        buf = pending + text
        carry = ""
        if not final and buf.endswith("\r"):
            # Half of a CRLF may still be in the next chunk.
            buf, carry = buf[:-1], "\r"
        parts = _NEWLINE.split(buf)
        pending = "" if final else parts.pop() + carry
        for part in parts:
            line_no += 1
            yield line_no, part
        if final:
            return
        raw = _read(fh, display, _READ_BYTES)


def _read(fh: BinaryIO, display: str, size: int) -> bytes:
    try:
        return fh.read(size)
    except (OSError, EOFError, ValueError) as exc:
        raise ImporterError(display, f"cannot read the file ({exc})") from None
    except Exception as exc:  # zipfile raises BadZipFile and zlib.error from deep inside
        raise ImporterError(display, f"cannot read the file ({exc})") from None


def _first_bad_line(head: bytes, codec: str) -> int:
    try:
        codecs.getincrementaldecoder(codec)().decode(head, final=False)
    except UnicodeDecodeError as exc:
        good = head[: exc.start]
        return good.count(b"\n") + good.count(b"\r") - good.count(b"\r\n") + 1
    return 1


def _is_separator(stripped: str) -> bool:
    return len(stripped) >= 10 and stripped.strip("=") == ""


class _Message:
    __slots__ = ("author", "badges", "body", "line_no", "name", "sent_at")

    def __init__(self, line_no: int, sent_at: int, name: str, author: str, badges: list[str]):
        self.line_no = line_no
        self.sent_at = sent_at
        self.name = name
        self.author = author  # QQ number, lower-cased email, or the name when there is neither
        self.badges = badges
        self.body: list[str] = []


class _ChatLog:
    """Line-at-a-time state machine over the chats of one export."""

    def __init__(
        self, display: str, label: str, stem: str, tz: ZoneInfo, builder: BatchBuilder
    ) -> None:
        self.display = display
        self.label = label
        self.stem = stem
        self.tz = tz
        self.builder = builder
        self.roster = Roster(builder)
        self.counters: dict[str, OccurrenceCounter] = {}
        self.category: str | None = None
        self.group_key: str | None = None
        self.chat_has_ids = False
        self.message: _Message | None = None
        self.held_separator: str | None = None

    # -- structure ---------------------------------------------------------------------------
    def feed(self, line_no: int, line: str) -> None:
        stripped = line.strip().lstrip("\ufeff")
        if self.message is not None:
            if self.held_separator is not None:
                held, self.held_separator = self.held_separator, None
                if _SECTION.match(stripped):
                    self._close()
                    self._section(stripped)
                    return
                self.message.body.append(held)
            if _is_separator(stripped):
                # A separator ends the chat only if a section line follows; else it is text.
                self.held_separator = line
                return
            if not self._open(line_no, line):
                self.message.body.append(line)
            return
        if not stripped or _is_separator(stripped):
            return
        if _SECTION.match(stripped):
            self._section(stripped)
            return
        if self._open(line_no, line):
            return
        if self.group_key is None and stripped.startswith("消息记录"):
            return  # the file's title line
        raise ImporterError(
            self.display,
            "expected a message header such as '2023-01-05 9:03:11 昵称(QQ号)' "
            f"but found {_quote(stripped)}",
            f"line {line_no}",
        )

    def finish(self, line_no: int) -> None:
        self.held_separator = None  # a separator at the very end frames nothing
        self._close()
        if self.group_key is not None:
            self.roster.settle(self.group_key)
        else:
            raise ImporterError(
                self.display, "contains no QQ messages", f"line {line_no} (end of file)"
            )

    def _section(self, stripped: str) -> None:
        m = _SECTION.match(stripped)
        assert m is not None
        kind, value = m[1], m[2].strip()
        if kind == "消息分组":
            self.category = value
            return
        self._start_chat(value or self.stem)

    def _start_chat(self, name: str) -> None:
        if self.group_key is not None:
            self.roster.settle(self.group_key)
        self.group_key = f"{PLATFORM}:{name}"
        category = self.category or ""
        is_group = not category or any(word in category for word in _GROUP_CATEGORY)
        self.builder.group(
            group_key=self.group_key,
            external_id=None,
            name=name,
            chat_type="group" if is_group else "dm",
            source=self.label,
        )
        self.chat_has_ids = False

    def _open(self, line_no: int, line: str) -> bool:
        """Start a message if `line` is a header; False when it is body text."""
        m = _HEADER.match(line.rstrip())
        if m is None:
            return False
        try:
            year, month, day, hour, minute, second = (int(m[i]) for i in range(1, 7))
            local = datetime(year, month, day, hour, minute, second, tzinfo=self.tz)
        except ValueError:
            return False
        author = m[7].strip()
        qq = _AUTHOR_QQ.match(author)
        email = None if qq else _AUTHOR_EMAIL.match(author)
        if qq:
            raw_name, author_id = qq[1], qq[2]
        elif email:
            raw_name, author_id = email[1], email[2].lower()
        elif not self.chat_has_ids:
            # Discussion groups (讨论组) list bare names; elsewhere such a line is body text.
            raw_name, author_id = author, ""
        else:
            return False
        # QQ prefixes group titles such as 【群主】 or 【活跃】; they are not part of the name.
        prefix = _BADGES.match(raw_name)
        badges = _BADGE.findall(prefix[0]) if prefix else []
        name = raw_name[prefix.end() :].strip() if prefix else raw_name.strip()
        if not author_id:
            if not name:
                return False
            author_id = name
        else:
            self.chat_has_ids = True
            name = name or author_id
        self._close()
        if self.group_key is None:
            self._start_chat(self.stem)
        self.message = _Message(line_no, to_us(local), name, author_id, badges)
        return True

    # -- one message -------------------------------------------------------------------------
    def _close(self) -> None:
        msg, self.message = self.message, None
        if msg is None:
            return
        if self.held_separator is not None:
            msg.body.append(self.held_separator)
            self.held_separator = None
        body = msg.body
        while body and not body[-1].strip():
            body.pop()
        text = "\n".join(body)
        group_key = self.group_key
        assert group_key is not None
        counter = self.counters.setdefault(group_key, OccurrenceCounter())
        occurrence = counter.next(msg.sent_at, msg.author, text)
        message_id = synthetic_message_id(msg.sent_at, msg.author, text, occurrence)
        if msg.author == SYSTEM_QQ:
            notice = parse_notice(text)
            self.builder.message(
                group_key=group_key,
                message_id=message_id,
                sent_at=msg.sent_at,
                sender_id=None,
                sender_name=msg.name,
                kind="system",
                text=text,
                action=notice.action,
            )
            self.roster.notice(group_key, message_id, msg.sent_at, notice)
            return
        role = "member"
        if "群主" in msg.badges:
            role = "owner"
        elif "管理员" in msg.badges:
            role = "admin"
        mentions = _mentions(text, self.roster, group_key) if "@" in text else []
        self.roster.see(group_key, msg.author, name=msg.name, role=role)
        # Only a message made of placeholders is media; "[图片]你好" stays text.
        placeholder = _ONLY_PLACEHOLDERS.match(text.strip())
        kind = _PLACEHOLDERS[placeholder[1]] if placeholder else "text"
        self.builder.message(
            group_key=group_key,
            message_id=message_id,
            sent_at=msg.sent_at,
            sender_id=msg.author,
            sender_name=msg.name,
            kind=kind,
            text=text,
            mentions=mentions,
        )


def _mentions(text: str, roster: Roster, group_key: str) -> list[str]:
    """`@name` in a body: the longest known name wins, unknown ones stay names."""
    found: list[str] = []
    names = roster.names(group_key)
    for m in _AT.finditer(text):
        rest = text[m.end() :]
        best = roster.longest_name_at(group_key, rest)
        if best:
            found.append(names[best])
            continue
        token = _MENTION_TOKEN.match(rest)
        if token and token[0] not in ("全体成员", "all"):
            found.append(token[0])
    return list(dict.fromkeys(found))


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")
