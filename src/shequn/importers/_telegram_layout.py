"""Streaming reader of Telegram Desktop's JSON layout. See docs/importers/telegram.md.

Telegram Desktop pretty-prints with one space per nesting level and never lets a raw newline
into a string (JSON forbids it). So a line "\\n" + N spaces + "}" can only close an object at
depth N, and the messages of a chat — the objects of its "messages" array — all end at the
same depth. The file is read in blocks into one reusable buffer; each block is cut after its
last closed message, and that run of whole messages is decoded as one JSON array by msgspec,
in place: the byte before the run becomes "[" and the byte after it "]" for the time of the
decode, so no block is ever copied. Memory stays at about two blocks plus the decoded messages
of one block, whatever the size of the export.

Telegram Desktop writes control characters other than newline, return and tab as `\\xNN`,
which is not JSON; a run that fails on that is repaired (`\\u00NN`) and decoded again.

A file that is not laid out that way (minified, or re-indented by another tool) is decoded
whole instead: correct, but it needs the whole file in memory.
"""

from __future__ import annotations

import codecs
import gc
import re
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, cast

import msgspec

from . import _telegram_records as rec
from .errors import ImporterError
from .source import Source

# The buffer holds two of these; a decoded run of messages is up to about that size.
BLOCK = 8 << 20

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_WS = b" \t\r\n"
NEWLINE = b"\n"
_DATE_PAIR = re.compile(rb'"date": "([0-9T:-]{19})",\s*"date_unixtime": "(-?\d+)"')


@dataclass
class ChatStart:
    header: rec.ChatHeader
    left: bool  # listed under "left_chats": the account owner has left it


@dataclass
class Chunk:
    """Consecutive messages of the current chat."""

    messages: list[rec.Message] | list[rec.OldMessage]
    first: int  # 1-based position of messages[0] in its chat
    unixtimes: list[int | None]  # date_unixtime of each message
    # The exporting computer's UTC offset in seconds, seen on the first message; reactions
    # carry local times only.
    offset: int | None = None


@dataclass
class ChatEnd:
    pass


@dataclass
class Profile:
    """The account owner and their address book (whole-account exports only)."""

    personal: rec.PersonalInformation | None = None
    contacts: list[rec.Contact] = field(default_factory=list)
    frequent: list[rec.FrequentContact] = field(default_factory=list)


Piece = ChatStart | Chunk | ChatEnd | Profile


class _LayoutError(Exception):
    """The file is not laid out as Telegram Desktop writes it."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.offset = offset


def scan(source: Source, name: str) -> Iterator[Piece]:
    display = source.display(name)
    yielded = False
    try:
        with source.open(name) as fh:
            window = _Window(cast(_Readable, fh), _size(source, name))
            window.more()
            start = _prologue(window, display)
            if window.get(start, start + 4) == b'{\n "':
                for piece in _Pretty(window, source, name).pieces(start + 1):
                    yielded = True
                    yield piece
                    del piece
                return
    except _LayoutError as exc:
        # Nothing is lost by starting again while nothing has been handed out.
        if yielded:
            where = f"line {line_at(source, name, exc.offset)}"
            raise ImporterError(display, str(exc), where) from None
    yield from _whole(source, name)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector while a run of messages is decoded and converted. Nothing
    built there can form a reference cycle, and otherwise the collector keeps traversing the
    run's columns of a hundred thousand items (a tenth of the import time, measured)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def decode_messages(
    data: bytes | memoryview, old: bool
) -> list[rec.Message] | list[rec.OldMessage]:
    if old:
        return rec.OLD_MESSAGES.decode(data)
    return rec.MESSAGES.decode(data)


def line_at(source: Source, name: str, offset: int) -> int:
    """1-based line number of a byte offset, counted by reading the file again (error path)."""
    lines = 1
    left = offset
    with source.open(name) as fh:
        while left > 0:
            block = fh.read(min(BLOCK, left))
            if not block:
                break
            lines += block.count(b"\n")
            left -= len(block)
    return lines


def _size(source: Source, name: str) -> int:
    try:
        return source.size(name)
    except (OSError, KeyError):
        return 2 * BLOCK


def _prologue(window: _Window, display: str) -> int:
    """Skip a UTF-8 byte order mark and leading blanks; the offset of the first byte."""
    head = window.get(0, 4)
    if head.startswith(_UTF16_BOMS):
        raise ImporterError(
            display,
            "the file is UTF-16 text; Telegram Desktop writes UTF-8 — export it again, or "
            "save it as UTF-8",
            "line 1",
        )
    start = 3 if head.startswith(codecs.BOM_UTF8) else 0
    pos, byte = window.skip_ws(start)
    if byte < 0:
        raise ImporterError(display, "the file is empty", "line 1")
    return pos


class _Readable(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


class _Window:
    """A sliding window over a byte stream, in one reusable buffer; positions are absolute
    file offsets. The buffer always keeps one spare byte after the data (see `_Pretty._run`)."""

    def __init__(self, fh: _Readable, size: int) -> None:
        self.fh = fh
        # A fresh bytearray is zero-filled, so a small file gets a small buffer: its size,
        # one byte to see the end of the file and the spare byte.
        self.buf = bytearray(min(2 * BLOCK, size) + 2)
        self.n = 0  # bytes held
        self.base = 0  # file offset of buf[0]
        self.eof = False

    @property
    def end(self) -> int:
        return self.base + self.n

    def more(self) -> bool:
        if self.eof:
            return False
        if len(self.buf) - 1 - self.n <= 0:
            grown = bytearray(2 * len(self.buf))
            grown[: self.n] = memoryview(self.buf)[: self.n]
            self.buf = grown
        with memoryview(self.buf) as view:
            room = view[self.n : len(self.buf) - 1]
            got = self.fh.readinto(room)
            room.release()
        if not got:
            self.eof = True
            return False
        self.n += got
        return True

    def drop(self, upto: int) -> None:
        """Forget the bytes before `upto`."""
        cut = upto - self.base
        if cut <= 0:
            return
        rest = self.n - cut
        if rest > 0:
            self.buf[:rest] = self.buf[cut : self.n]
        self.n = max(rest, 0)
        self.base = upto

    def find(self, pattern: bytes, start: int, keep: int | None = None) -> int:
        """Where `pattern` next occurs at or after `start`, reading on; -1 at the end of the
        file. Bytes before `keep` (default `start`) may be forgotten meanwhile."""
        while True:
            i = self.buf.find(pattern, max(start - self.base, 0), self.n)
            if i >= 0:
                return i + self.base
            start = max(start, self.end - len(pattern) + 1)
            self.drop(start if keep is None else min(start, keep))
            if not self.more():
                return -1

    def get(self, start: int, stop: int) -> bytes:
        assert start >= self.base, "asked for bytes already forgotten"
        while self.end < stop and self.more():
            pass
        return bytes(self.buf[start - self.base : min(stop, self.end) - self.base])

    def skip_ws(self, pos: int) -> tuple[int, int]:
        """The first non-blank byte at or after `pos` and its value (-1 at the end)."""
        while True:
            buf = self.buf
            i = pos - self.base
            n = self.n
            while i < n and buf[i] in _WS:
                i += 1
            if i < n:
                return i + self.base, buf[i]
            pos = i + self.base
            if not self.more():
                return pos, -1


class _Pretty:
    """Walks a file in Telegram Desktop's layout. Top-level keys sit on lines with one space
    of indentation, so `\\n "` finds the next one without parsing the value in between."""

    def __init__(self, window: _Window, source: Source, name: str) -> None:
        self.w = window
        self.source = source
        self.name = name
        self.display = source.display(name)

    def pieces(self, pos: int) -> Iterator[Piece]:
        w = self.w
        header = rec.ChatHeader()
        while True:
            k = w.find(b'\n "', pos, keep=pos)
            if k < 0:
                self._expect_end(pos)
                break
            key_end = w.find(b'": ', k + 3, keep=k + 3)
            if key_end < 0:
                raise self._truncated()
            key = w.get(k + 3, key_end)
            value = key_end + 3
            pos = value
            if key in (b"name", b"type", b"id"):
                line_end = w.find(b"\n", value, keep=value)
                raw = w.get(value, line_end if line_end >= 0 else w.end).rstrip(b", \r\n")
                prefix = b'{"' + key + b'": '
                one = self._decode(rec.CHAT_HEADER, prefix + raw + b"}", value - len(prefix))
                setattr(header, key.decode(), getattr(one, key.decode()))
                pos = value + len(raw)
            elif key == b"messages":
                if w.get(value, value + 1) != b"[":
                    raise _LayoutError('"messages" is not a list', value)
                yield ChatStart(header, left=False)
                pos = yield from self._messages(value + 1, indent=1)
                yield ChatEnd()
            elif key in (b"chats", b"left_chats"):
                pos = yield from self._chat_list(value, left=key == b"left_chats")
            elif key == b"personal_information":
                personal, pos = self._section(value, rec.PERSONAL)
                yield Profile(personal=cast(rec.PersonalInformation, personal))
            elif key == b"contacts":
                contacts, pos = self._section(value, rec.CONTACTS)
                yield Profile(contacts=cast(rec.ContactList, contacts).entries)
            elif key == b"frequent_contacts":
                frequent, pos = self._section(value, rec.FREQUENT)
                yield Profile(frequent=cast(rec.FrequentList, frequent).entries)

    # -- sections ------------------------------------------------------------------------
    def _section(self, value: int, decoder: msgspec.json.Decoder) -> tuple[object, int]:
        """Decode a top-level object value, which closes on a line "\\n }"."""
        end = self.w.find(b"\n }", value, keep=value)
        if end < 0:
            raise self._truncated()
        data = self.w.get(value, end + 3)
        return self._decode(decoder, data, value), end + 3

    def _chat_list(self, value: int, left: bool) -> Generator[Piece, None, int]:
        w = self.w
        start = w.find(b'\n  "list": [', value, keep=value)
        if start < 0:
            raise self._truncated()
        if b'\n "' in w.get(value, start):
            raise _LayoutError('a chat list has no "list"', value)
        pos = start + len(b'\n  "list": [')
        while True:
            pos, byte = w.skip_ws(pos)
            if byte == ord("]"):
                return pos + 1
            if byte == ord(","):
                pos += 1
                continue
            if byte != ord("{"):
                raise self._unexpected(pos, byte)
            marker = w.find(b'\n    "messages": [', pos, keep=pos)
            if marker < 0:
                raise self._truncated()
            head = w.get(pos, marker)
            if b"\n   }" in head:
                raise _LayoutError("a chat has no messages", pos)
            raw = head.rstrip(b", \r\n") + b"\n}"
            header = cast(rec.ChatHeader, self._decode(rec.CHAT_HEADER, raw, pos))
            yield ChatStart(header, left=left)
            end = yield from self._messages(marker + len(b'\n    "messages": ['), indent=4)
            yield ChatEnd()
            pos, byte = w.skip_ws(end)
            if byte != ord("}"):
                raise self._unexpected(pos, byte)
            pos += 1

    def _messages(self, pos: int, indent: int) -> Generator[Piece, None, int]:
        """Yield the chat's messages in runs; returns the offset after the closing ']'."""
        w = self.w
        closer = b"\n" + b" " * (indent + 1) + b"}"
        array_end = b"\n" + b" " * indent + b"]"
        # In a single-chat file nothing else closes at this depth before the end of
        # "messages", so the end is looked for after the last closed message only; in an
        # account file other chats follow in the same block, and each byte is scanned once.
        tail_only = indent == 1
        scanned = pos  # array_end does not occur in [pos, scanned)
        first = 1
        old: bool | None = None
        p, byte = w.skip_ws(pos)
        if byte == ord("]"):
            return p + 1
        while True:
            buf, base, n = w.buf, w.base, w.n
            at = pos - base
            if at < n and buf[at] == 0x2C:  # the comma after the previous message
                at += 1
                pos += 1
            if tail_only:
                last = buf.rfind(closer, at, n)
                stop = buf.find(array_end, max(last, at), n)
            else:
                stop = buf.find(array_end, max(at, scanned - base), n)
                if stop < 0:
                    scanned = max(scanned, base + n - len(array_end) + 1)
            cut = buf.rfind(closer, at, stop if stop >= 0 else n)
            if cut < 0 and stop < 0:
                if not w.more():
                    raise self._truncated()
                continue
            if cut >= 0:
                cut += len(closer)
            else:
                # Only blanks before the end of the array, or messages laid out in a way
                # this reader does not split on: decode whatever is there in one go.
                if not buf[at:stop].strip(_WS):
                    w.drop(stop + base)
                    return stop + base + len(array_end)
                cut = stop
            if old is None:
                old = buf.find(b'"date_unixtime": "', at, min(cut, at + 4096)) < 0
            chunk = self._run(at, cut, old, first)
            count = len(chunk.messages)
            if count:
                old = isinstance(chunk.messages[0], rec.OldMessage)
            yield chunk
            # Let go of the messages before the next run is decoded (and along the chain
            # of generators up to read()): two runs in memory at once would double the peak.
            del chunk
            first += count
            pos = cut + base
            w.drop(pos)

    def _run(self, at: int, cut: int, old: bool, first: int) -> Chunk:
        """Decode buf[at:cut], a run of whole messages, as a JSON array without copying it."""
        buf = self.w.buf
        pos = self.w.base + at
        if at == 0:  # no byte before the run to borrow (not Telegram Desktop's layout)
            return self._decode_run(b"[" + bytes(buf[:cut]) + b"]", old, pos, first)
        before, after = buf[at - 1], buf[cut]
        buf[at - 1], buf[cut] = 0x5B, 0x5D
        try:
            # Not released here: the decoded texts and names (msgspec.Raw) still point into
            # it. They are read before the window moves on, and the buffer is never resized.
            return self._decode_run(memoryview(buf)[at - 1 : cut + 1], old, pos, first)
        finally:
            buf[at - 1], buf[cut] = before, after

    # -- decoding and errors -------------------------------------------------------------
    def _decode_run(self, data: bytes | memoryview, old: bool, pos: int, first: int) -> Chunk:
        with gc_paused():
            return self._decode_run_paused(data, old, pos, first)

    def _decode_run_paused(
        self, data: bytes | memoryview, old: bool, pos: int, first: int
    ) -> Chunk:
        try:
            try:
                messages = decode_messages(data, old)
            except msgspec.DecodeError as exc:
                if "invalid escape" not in str(exc):
                    raise
                # Telegram Desktop writes control characters as \xNN, which JSON lacks.
                # (Offsets of later errors shift by two bytes per repair; lines do not.)
                data = repair_escapes(data)
                messages = decode_messages(data, old)
            unixtimes = [m.date_unixtime for m in messages]
            # A message without date_unixtime among ones with it: read its local date.
            if (
                not old
                and None in unixtimes
                and any(m.date_unixtime is None and m.type != "unsupported" for m in messages)
            ):
                messages = decode_messages(data, True)
        except msgspec.ValidationError as exc:
            reason, index = _validation(exc)
            where = f"message #{first + index}" if index is not None else self._line(pos)
            raise ImporterError(self.display, reason, where) from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise ImporterError(self.display, *self._syntax(exc, data, pos - 1)) from None
        return Chunk(messages, first, unixtimes, chunk_offset(data))

    def _decode(self, decoder: msgspec.json.Decoder, data: bytes, pos: int) -> object:
        try:
            return decoder.decode(data)
        except msgspec.ValidationError as exc:
            raise ImporterError(self.display, _validation(exc)[0], self._line(pos)) from None
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            raise ImporterError(self.display, *self._syntax(exc, data, pos)) from None

    def _syntax(self, exc: Exception, data: bytes | memoryview, base: int) -> tuple[str, str]:
        offset = _error_offset(exc, data)
        where = self._line(base + offset) if offset is not None else self._line(self.w.end)
        return _syntax_reason(exc), where

    def _line(self, offset: int) -> str:
        return f"line {line_at(self.source, self.name, offset)}"

    def _truncated(self) -> ImporterError:
        return ImporterError(
            self.display,
            "the file ends in the middle of the export (cut short while copying or downloading?)",
            self._line(self.w.end),
        )

    def _unexpected(self, pos: int, byte: int) -> Exception:
        if byte < 0:
            return self._truncated()
        return _LayoutError(f"unexpected {chr(byte)!r} between chats", pos)

    def _expect_end(self, pos: int) -> None:
        rest = bytes(self.w.buf[max(pos - self.w.base, 0) : self.w.n]).rstrip(_WS)
        if not rest.endswith(b"}"):
            raise self._truncated()


def _whole(source: Source, name: str) -> Iterator[Piece]:
    display = source.display(name)
    data = source.read_bytes(name)
    skip = 3 if data.startswith(codecs.BOM_UTF8) else 0
    try:
        try:
            export = rec.WHOLE.decode(memoryview(data)[skip:])
        except msgspec.DecodeError as exc:
            if "invalid escape" not in str(exc):
                raise
            data = data[:skip] + repair_escapes(memoryview(data)[skip:])  # see _decode_run
            export = rec.WHOLE.decode(memoryview(data)[skip:])
    except msgspec.ValidationError as exc:
        reason = _validation(exc)[0]
        raise ImporterError(display, reason, _path_location(exc) or "line 1") from None
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        offset = _error_offset(exc, data[skip:])
        stop = len(data) if offset is None else skip + offset
        where = f"line {data.count(NEWLINE, 0, stop) + 1}"
        raise ImporterError(display, _syntax_reason(exc), where) from None
    profile = Profile(
        export.personal_information,
        export.contacts.entries if export.contacts else [],
        export.frequent_contacts.entries if export.frequent_contacts else [],
    )
    found = bool(profile.personal or profile.contacts or profile.frequent)
    if found:
        yield profile
    if export.messages is not None:
        found = True
        yield ChatStart(rec.ChatHeader(export.name, export.type, export.id), left=False)
        yield Chunk(export.messages, 1, [m.date_unixtime for m in export.messages])
        yield ChatEnd()
    for section, left in ((export.chats, False), (export.left_chats, True)):
        for chat in section.entries if section else ():
            found = True
            yield ChatStart(rec.ChatHeader(chat.name, chat.type, chat.id), left=left)
            yield Chunk(chat.messages, 1, [m.date_unixtime for m in chat.messages])
            yield ChatEnd()
    if not found:
        raise ImporterError(display, "the file holds no Telegram chats", "line 1")


# -- msgspec error messages in plain words -------------------------------------------------

_AT_BYTE = re.compile(r"\(byte (\d+)\)")
_AT_PATH = re.compile(r"^(.*) - at `\$(.*)`$")
_INDEX = re.compile(r"^\[(\d+)\]\.?")


def _validation(exc: msgspec.ValidationError) -> tuple[str, int | None]:
    """("<reason> in `field`", index of the message within the decoded array)."""
    text = str(exc)
    match = _AT_PATH.match(text)
    if not match:
        return f"unexpected content ({text})", None
    reason, path = match.groups()
    index = _INDEX.match(path)
    if index:
        path = path[index.end() :]
        where = f" in `{path}`" if path else ""
        return f"{reason.rstrip('.')}{where}", int(index.group(1))
    return f"{reason.rstrip('.')} in `{path.lstrip('.')}`", None


def _path_location(exc: msgspec.ValidationError) -> str | None:
    """For a whole-file decode: "message #N" from a path like `$.chats.list[0].messages[4]`."""
    match = re.search(r"messages\[(\d+)\]", str(exc))
    return f"message #{int(match.group(1)) + 1}" if match else None


_BAD_ESCAPE = re.compile(rb"(?<!\\)((?:\\\\)*)\\x([0-9A-Fa-f]{2})")


def repair_escapes(data: bytes | memoryview) -> bytes:
    """Telegram Desktop writes control characters other than \\n \\r \\t as \\xNN, which
    is not JSON; turn them into \\u00NN (a backslash escaped as \\\\ is left alone)."""
    return _BAD_ESCAPE.sub(rb"\1\\u00\2", bytes(data))


def chunk_offset(data: bytes | memoryview) -> int | None:
    """The exporting computer's UTC offset in seconds, from the first message that shows
    both its local date and its date_unixtime."""
    match = _DATE_PAIR.search(data)
    if not match:
        return None
    return exporter_offset(match.group(1).decode(), match.group(2).decode())


def exporter_offset(date: str, unixtime: str | int) -> int | None:
    try:
        local = datetime.fromisoformat(date).replace(tzinfo=None)
        return int((local - datetime(1970, 1, 1)).total_seconds()) - int(unixtime)
    except (ValueError, OverflowError):
        return None


def _error_offset(exc: Exception, data: bytes | memoryview) -> int | None:
    if isinstance(exc, UnicodeDecodeError):
        try:
            bytes(data).decode("utf-8")
        except UnicodeDecodeError as bad:
            return bad.start
        return None
    match = _AT_BYTE.search(str(exc))
    return int(match.group(1)) if match else None


def _syntax_reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return "the text is not UTF-8 (was the file re-saved in another encoding?)"
    text = _AT_BYTE.sub("", str(exc)).strip()
    if text == "Input data was truncated":
        return "the file ends in the middle of the export (cut short while copying?)"
    return f"this is not valid JSON ({text.removeprefix('JSON is malformed: ')})"
