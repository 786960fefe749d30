"""Whole JSON values pulled one at a time out of a large JSON file. See docs/importers/qq.md.

QQChatExporter writes one object holding `metadata`, `chatInfo`, `statistics` and a
`messages` array that can run to gigabytes, pretty-printed (one message per line, or
JSON.stringify's multi-line layout) or compact (everything on one line). This reader walks
the top-level object key by key and hands out one array element at a time as bytes, so only
the current message is ever in memory and msgspec decodes it into typed structs.

An element ends at a closing bracket followed by `,` or `]`; the first such candidate whose
prefix is complete JSON (checked by msgspec's fast `Raw` decoding) is the element. A
candidate inside a string or a nested object leaves the prefix truncated, never complete.
One-message-per-line files take a faster path, and values with many nested candidates a
depth-tracking scan, so no value is read more than a bounded number of times.
"""

from __future__ import annotations

import re
from typing import BinaryIO

import msgspec

from .errors import ImporterError

_CHUNK = 1 << 20
# A single message bigger than this is a broken file, not a message.
MAX_VALUE = 256 << 20
_WS = re.compile(rb"[ \t\r\n]*")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(rb"[^,\]}\s]+")
_RAW = msgspec.json.Decoder(msgspec.Raw)
# msgspec reports bad UTF-8 inside strings as UnicodeDecodeError (a ValueError), not DecodeError.
DECODE_ERRORS = (msgspec.DecodeError, ValueError, RecursionError)
_STR = msgspec.json.Decoder(str)
_CANDIDATES: dict[tuple[bytes, bytes], re.Pattern[bytes]] = {}
# How far back a candidate search restarts after more data arrives (whitespace between a
# closing bracket and its follower is short in every layout QQChatExporter writes).
_OVERLAP = 4096
# Longest line the one-value-per-line fast path looks at before falling back.
_LINE_WINDOW = 1 << 20
# Candidate ends tried before scanning the value token by token instead.
_MAX_ATTEMPTS = 16
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[{}\[\]]|[^"{}\[\]]+', re.DOTALL)
_OPENERS = (ord("{"), ord("["))
_CLOSERS = (ord("}"), ord("]"))


def _candidates(close: bytes, followers: bytes) -> re.Pattern[bytes]:
    key = (close, followers)
    if key not in _CANDIDATES:
        _CANDIDATES[key] = re.compile(
            re.escape(close) + rb"[ \t\r\n]*[" + re.escape(followers) + rb"]"
        )
    return _CANDIDATES[key]


class JsonStream:
    def __init__(self, fh: BinaryIO, display: str) -> None:
        self._fh = fh
        self.display = display
        self._buf = bytearray()
        self._pos = 0
        self._eof = False
        self._base = 0  # file offset of self._buf[0]
        self._newline_at = -1  # file offset of the next known newline
        self._scanned_to = 0  # no newline between the read position and this offset
        self.line = 1  # line number at the read position

    # -- buffer ------------------------------------------------------------------------------
    def _more(self) -> bool:
        if self._eof:
            return False
        try:
            chunk = self._fh.read(_CHUNK)
        except Exception as exc:  # OSError, zlib.error, BadZipFile from a damaged zip member
            raise ImporterError(self.display, f"cannot read the file ({exc})") from None
        if not chunk:
            self._eof = True
            return False
        if self._pos > _CHUNK:
            del self._buf[: self._pos]
            self._base += self._pos
            self._pos = 0
        self._buf += chunk
        return True

    def _advance(self, new_pos: int) -> None:
        self.line += self._buf.count(b"\n", self._pos, new_pos)
        self._pos = new_pos

    def error(self, message: str, location: str | None = None) -> ImporterError:
        return ImporterError(self.display, message, location or f"line {self.line}")

    # -- tokens ------------------------------------------------------------------------------
    def peek(self) -> int | None:
        """The next non-blank byte (not consumed), or None at the end of the file."""
        while True:
            m = _WS.match(self._buf, self._pos)
            assert m is not None
            self._advance(m.end())
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return None

    def expect(self, char: bytes, what: str) -> None:
        got = self.peek()
        if got != char[0]:
            found = "the end of the file" if got is None else repr(chr(got))
            raise self.error(f"expected {what} but found {found}; the JSON is broken")
        self._advance(self._pos + 1)

    def at_end(self) -> bool:
        return self.peek() is None

    def key(self) -> str:
        """An object key and its colon."""
        if self.peek() != ord('"'):
            raise self.error("expected a key in quotes; the JSON is broken")
        while True:
            m = _STRING.match(self._buf, self._pos)
            if m is not None:
                break
            if len(self._buf) - self._pos > MAX_VALUE or not self._more():
                raise self.error("a key is cut off; the file is truncated or broken")
        try:
            key = _STR.decode(bytes(m.group()))
        except DECODE_ERRORS as exc:
            raise self.error(f"a key is not valid JSON ({exc})") from None
        self._advance(m.end())
        self.expect(b":", "':' after a key")
        return key

    def value(self, followers: bytes, what: str) -> bytes:
        """The next complete JSON value, as bytes; `followers` may come after it."""
        first = self.peek()
        if first is None:
            raise self.error(f"{what} is missing; the file is truncated")
        if first in (ord("{"), ord("[")):
            end = self._container_end(b"}" if first == ord("{") else b"]", followers, what)
            data = bytes(self._buf[self._pos : end])
        else:
            end = self._token_end(_STRING if first == ord('"') else _SCALAR, what)
            data = bytes(self._buf[self._pos : end])
            try:
                _RAW.decode(data)
            except DECODE_ERRORS as exc:
                raise self.error(f"{what} is not valid JSON ({exc})") from None
        self._advance(end)
        return data

    def _token_end(self, pattern: re.Pattern[bytes], what: str) -> int:
        while True:
            m = pattern.match(self._buf, self._pos)
            if m is not None and (m.end() < len(self._buf) or self._eof):
                return m.end()
            if len(self._buf) - self._pos > MAX_VALUE:
                raise self.error(f"{what} is larger than {MAX_VALUE >> 20} MB or broken")
            if not self._more():
                if m is not None:
                    return m.end()
                raise self.error(f"{what} is cut off; the file is truncated or broken")

    def _container_end(self, close: bytes, followers: bytes, what: str) -> int:
        end = self._line_end(close)
        if end is not None:
            return end
        pattern = _candidates(close, followers)
        search = self._pos
        for _ in range(_MAX_ATTEMPTS):
            m = pattern.search(self._buf, search)
            if m is None:
                if len(self._buf) - self._pos > MAX_VALUE:
                    raise self.error(f"{what} is larger than {MAX_VALUE >> 20} MB or broken")
                search = max(search, len(self._buf) - _OVERLAP) - self._pos
                if not self._more():
                    raise self.error(f"{what} is cut off; the file is truncated or broken")
                search += self._pos  # _more() may have dropped the consumed prefix
                continue
            end = m.start() + 1
            try:
                with memoryview(self._buf) as view:
                    _RAW.decode(view[self._pos : end])
            except DECODE_ERRORS as exc:
                if not isinstance(exc, msgspec.DecodeError) or "truncated" not in str(exc):
                    raise self.error(f"{what} is not valid JSON ({exc})") from None
                search = end
                continue
            return end
        # Many nested candidates (a long merged-forward, say): each attempt re-reads the value
        # from its start, so switch to one linear pass that tracks the nesting depth.
        return self._scanned_end(what)

    def _scanned_end(self, what: str) -> int:
        depth = 0
        cursor = self._pos
        while True:
            m = _TOKEN.match(self._buf, cursor)
            if m is None or (m.end() == len(self._buf) and not self._eof):
                # A token may continue in the next chunk (or a string is still open).
                if len(self._buf) - self._pos > MAX_VALUE:
                    raise self.error(f"{what} is larger than {MAX_VALUE >> 20} MB or broken")
                cursor -= self._pos
                if not self._more():
                    raise self.error(f"{what} is cut off; the file is truncated or broken")
                cursor += self._pos
                continue
            token = self._buf[m.start()]
            if token in _OPENERS:
                depth += 1
            elif token in _CLOSERS:
                depth -= 1
                if depth == 0:
                    break
            cursor = m.end()
        end = m.end()
        try:
            with memoryview(self._buf) as view:
                _RAW.decode(view[self._pos : end])
        except DECODE_ERRORS as exc:
            raise self.error(f"{what} is not valid JSON ({exc})") from None
        return end

    def _line_end(self, close: bytes) -> int | None:
        """Fast path for one value per line (QQChatExporter's default): the value ends with
        its line. None when the line does not hold exactly one complete value."""
        start = self._pos
        if self._newline_at >= self._base + start:
            newline = self._newline_at - self._base
        else:
            # Never rescan: compact files are one multi-gigabyte line.
            while True:
                origin = max(start, self._scanned_to - self._base)
                newline = self._buf.find(b"\n", origin)
                if newline != -1:
                    break
                self._scanned_to = self._base + len(self._buf)
                if len(self._buf) - start >= _LINE_WINDOW or not self._more():
                    return None
                start = self._pos
            self._newline_at = self._base + newline
        close_at = self._buf.rfind(close, start, newline)
        if close_at == -1 or self._buf[close_at + 1 : newline].strip(b" \t\r,"):
            return None
        try:
            with memoryview(self._buf) as view:
                _RAW.decode(view[start : close_at + 1])
        except DECODE_ERRORS:
            return None
        return close_at + 1
