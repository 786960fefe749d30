"""chatlog (sjzar/chatlog) JSON exports of WeChat chats. See docs/importers/wechat.md.

`chatlog export` writes a JSON array pretty-printed by Go's encoder with two-space indents,
so every message object of the top-level array starts and ends at one fixed indentation.
A raw newline never occurs inside a JSON string, so a line holding only that indentation
and `}` closes a message: the file is cut there into runs of whole messages, each decoded
with msgspec into typed structs. The HTTP API's compact output (one line) and the
`{"items": [...]}` wrapper have no such lines and are decoded whole.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import tzinfo

import msgspec

from ._wechat_chats import ChatCollector, Record, parse_time
from ._wechat_io import byte_chunks
from .errors import ImporterError
from .events import Batch
from .options import ImportOptions
from .source import Source

_CHUNK = 1 << 20


class _Refer(msgspec.Struct):
    time: str = ""
    sender: str = ""


class _Contents(msgspec.Struct):
    title: str | None = None
    url: str | None = None
    refer: _Refer | None = None


class _Message(msgspec.Struct):
    # Field names are the exporter's (camelCase).
    seq: int = 0
    time: str = ""
    talker: str = ""
    talkerName: str = ""
    isChatRoom: bool = False
    sender: str = ""
    senderName: str = ""
    isSelf: bool = False
    type: int = 0
    subType: int = 0
    content: str = ""
    contents: _Contents | None = None


class _Wrapper(msgspec.Struct):
    items: list[_Message] = []


_LIST = msgspec.json.Decoder(list[_Message])
_ONE = msgspec.json.Decoder(_Message)
_WRAPPED = msgspec.json.Decoder(_Wrapper)

# `{"items": [` possibly after a few scalar members (`"total": 3,`).
_ITEMS_PREFIX = re.compile(
    rb'\A\s*\{\s*(?:"[A-Za-z_]+"\s*:\s*(?:-?\d+|"[^"\\]*"|true|false|null)\s*,\s*)*'
    rb'"items"\s*:\s*\['
)
_SIGNATURE = (
    re.compile(rb'"seq"\s*:\s*\d+\s*,\s*"time"\s*:\s*"'),
    re.compile(rb'"talker"\s*:\s*"'),
    re.compile(rb'"isChatRoom"\s*:\s*(?:true|false)'),
)


def is_chatlog_json(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not (start.startswith(b"[") or _ITEMS_PREFIX.match(start)):
        return False
    return all(p.search(head) for p in _SIGNATURE)


def read(
    source: Source, name: str, options: ImportOptions, zone: tzinfo, chats: ChatCollector
) -> Iterator[Batch]:
    display = source.display(name)
    for number, line, message in _messages(source, name, display):
        chats.add(_record(message, zone, display, number, line))
        if chats.message_count >= options.batch_size:
            yield chats.take()


def _record(m: _Message, zone: tzinfo, display: str, number: int, line: int) -> Record:
    where = f"message #{number} (seq {m.seq}, line {line})" if line else f"message #{number}"
    if not m.talker:
        raise ImporterError(display, "the message names no chat (empty talker)", where)
    sent_at = parse_time(m.time, zone)
    if sent_at is None:
        raise ImporterError(display, f"unreadable time {m.time!r}", where)
    refer_sender = refer_second = None
    title = url = None
    if m.contents is not None:
        title, url = m.contents.title, m.contents.url
        refer = m.contents.refer
        if refer is not None and refer.sender:
            refer_at = parse_time(refer.time, zone)
            if refer_at is not None:
                refer_sender, refer_second = refer.sender, refer_at // 1_000_000
    return Record(
        talker=m.talker,
        chat_name=m.talkerName or None,
        is_group=m.isChatRoom,
        sent_at=sent_at,
        sender_id=m.sender or None,
        sender_name=m.senderName or None,
        is_self=m.isSelf,
        type_code=m.type,
        sub_type=m.subType,
        content=m.content,
        svr_id=str(m.seq) if m.seq else None,
        title=title,
        url=url,
        refer_sender=refer_sender,
        refer_second=refer_second,
    )


# -- splitting the file into messages -------------------------------------------------------


class _Reader:
    def __init__(self, source: Source, name: str) -> None:
        self.chunks = byte_chunks(source, name, _CHUNK)
        self.buf = b""
        self.eof = False

    def more(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def rest(self) -> bytes:
        while self.more():
            pass
        return self.buf


def _messages(source: Source, name: str, display: str) -> Iterator[tuple[int, int, _Message]]:
    r = _Reader(source, name)
    while len(r.buf) < 65_536 and r.more():
        pass
    if r.buf.startswith(b"\xef\xbb\xbf"):
        r.buf = r.buf[3:]
    stripped = r.buf.lstrip()
    wrapped = False
    if stripped.startswith(b"["):
        pos = r.buf.index(b"[") + 1
    elif m := _ITEMS_PREFIX.match(r.buf):
        pos, wrapped = m.end(), True
    else:
        raise ImporterError(display, "not a chatlog JSON message list", "line 1")
    while True:
        first = _next_token(r.buf, pos)
        if first is not None or not r.more():
            break
    if first is None:
        raise ImporterError(display, "the file ends before the first message", "line 1")
    if r.buf[first : first + 1] == b"]":
        _check_tail(r, first + 1, wrapped, display)
        return
    gap = r.buf[pos:first]
    if b"\n" not in gap:
        yield from _whole(r, wrapped, display)
        return
    indent = gap[gap.rfind(b"\n") + 1 :]
    if indent.strip():
        raise ImporterError(display, "not a chatlog JSON message list", "line 1")
    yield from _pretty(r, first, indent, wrapped, display)


_NON_SPACE = re.compile(rb"\S")


def _next_token(buf: bytes, pos: int) -> int | None:
    m = _NON_SPACE.search(buf, pos)
    return m.start() if m else None


def _pretty(
    r: _Reader, pos: int, indent: bytes, wrapped: bool, display: str
) -> Iterator[tuple[int, int, _Message]]:
    close = re.compile(rb"\n" + re.escape(indent) + rb"\}(?=[ \t]*(?:,|\r?\n|\]))")
    line = r.buf.count(b"\n", 0, pos) + 1
    count = 0
    while True:
        if r.buf[pos : pos + 1] != b"{":
            raise ImporterError(
                display,
                "expected the next message object here",
                f"message #{count + 1}, line {line}",
            )
        last = None
        for last in close.finditer(r.buf, pos):  # noqa: B007 - only the last one matters
            pass
        if last is None:
            if r.more():
                continue
            raise ImporterError(
                display,
                "the file ends in the middle of a message (truncated?)",
                f"message #{count + 1}, line {line}",
            )
        cut = last.end()
        piece = r.buf[pos:cut]
        for message, at_line in _decode_run(piece, close, line, count, display):
            count += 1
            yield count, at_line, message
        line += piece.count(b"\n")
        r.buf = r.buf[cut:]
        # Between messages: `,` and whitespace; after the last one: `]`.
        while True:
            token = _next_token(r.buf, 0)
            if token is not None and r.buf[token : token + 1] == b",":
                token = _next_token(r.buf, token + 1)
            if token is not None or not r.more():
                break
        if token is None:
            raise ImporterError(
                display,
                "the file ends after a message without closing the list (truncated?)",
                f"line {line}",
            )
        line += r.buf.count(b"\n", 0, token)
        if r.buf[token : token + 1] == b"]":
            _check_tail(r, token + 1, wrapped, display)
            return
        pos = token


def _decode_run(
    piece: bytes, close: re.Pattern[bytes], line: int, before: int, display: str
) -> list[tuple[_Message, int]]:
    """Decode a run of whole messages; on failure find the message at fault."""
    starts = [0]
    for m in close.finditer(piece):
        nxt = piece.find(b"{", m.end())
        if nxt != -1:
            starts.append(nxt)
    lines = [line]
    for prev, start in itertools.pairwise(starts):
        lines.append(lines[-1] + piece.count(b"\n", prev, start))
    try:
        messages = _LIST.decode(b"[" + piece + b"]")
    except (msgspec.DecodeError, ValueError):
        messages = None
    if messages is not None and len(messages) == len(starts):
        return list(zip(messages, lines, strict=True))
    ends = [*starts[1:], len(piece)]
    for i, (s, e) in enumerate(zip(starts, ends, strict=True)):
        element = piece[s:e].rstrip().rstrip(b",")
        try:
            _ONE.decode(element)
        except (msgspec.DecodeError, ValueError) as exc:
            at_line = lines[i] + _line_in(element, str(exc))
            raise ImporterError(
                display,
                f"not a valid chatlog message ({exc})",
                f"message #{before + i + 1}, line {at_line}",
            ) from None
    raise ImporterError(display, "unexpected data between messages", f"line {line}")


def _line_in(element: bytes, error: str) -> int:
    """Lines from the start of a message to what msgspec complains about."""
    if m := re.search(r"\(byte (\d+)\)", error):
        return element.count(b"\n", 0, int(m[1]))
    if m := re.search(r"at `\$\.(\w+)", error):
        key = element.find(b'"' + m[1].encode() + b'"')
        if key != -1:
            return element.count(b"\n", 0, key)
    return 0


def _check_tail(r: _Reader, pos: int, wrapped: bool, display: str) -> None:
    tail = r.rest()[pos:].strip()
    if wrapped:
        if tail.endswith(b"}"):
            return
    elif not tail:
        return
    line = r.buf.count(b"\n", 0, pos) + 1
    raise ImporterError(display, "unexpected data after the message list", f"line {line}")


def _whole(r: _Reader, wrapped: bool, display: str) -> Iterator[tuple[int, int, _Message]]:
    data = r.rest()
    try:
        messages = _WRAPPED.decode(data).items if wrapped else _LIST.decode(data)
    except (msgspec.DecodeError, ValueError) as exc:
        raise ImporterError(
            display, f"not valid chatlog JSON ({exc})", _where(str(exc), data)
        ) from None
    for i, message in enumerate(messages, 1):
        yield i, 0, message


def _where(error: str, data: bytes) -> str | None:
    if m := re.search(r"\$(?:\.items)?\[(\d+)\]", error):
        return f"message #{int(m[1]) + 1}"
    if m := re.search(r"byte (\d+)", error):
        newlines = data.count(b"\n", 0, int(m[1]))
        return f"line {newlines + 1}"
    return None
