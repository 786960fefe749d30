"""Helpers shared by the export writers: local clocks and the JSON string dialects of the
real exporters. See docs/simulate.md (Writers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import BinaryIO, Protocol
from zoneinfo import ZoneInfo

import msgspec
import polars as pl

from ..generate import Community, GroupLog
from ..ids import Ids

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_encode = json.encoder.encode_basestring  # C-accelerated


class GroupWriter(Protocol):
    """One export format: fed each group's history in turn, then closed."""

    def group(self, log: GroupLog) -> None: ...

    def close(self) -> list[Path]: ...


def write_all(
    writer: GroupWriter, community: Community, logs: Iterable[GroupLog] | None
) -> list[Path]:
    for log in logs if logs is not None else community.logs():
        writer.group(log)
    return writer.close()


@cache
def _hms() -> list[str]:
    return [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]


@cache
def _hm() -> list[str]:
    return [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]


class LocalClock:
    """Epoch seconds → local wall-clock strings, fast: the UTC offset is looked up once per
    hour and each date string once per day."""

    def __init__(self, tz: str) -> None:
        self.zone = ZoneInfo(tz)
        self._offsets: dict[int, int] = {}
        self._dates: dict[int, tuple[int, int, int]] = {}
        self.hms = _hms()
        self.hm = _hm()

    def local(self, t: int) -> int:
        """Local wall-clock time as if it were epoch seconds."""
        hour = t // 3600
        offset = self._offsets.get(hour)
        if offset is None:
            delta = datetime.fromtimestamp(hour * 3600, self.zone).utcoffset()
            offset = int(delta.total_seconds()) if delta is not None else 0
            self._offsets[hour] = offset
        return t + offset

    def offset(self, t: int) -> int:
        return self.local(t) - t

    def ymd(self, local: int) -> tuple[int, int, int]:
        day = local // 86_400
        found = self._dates.get(day)
        if found is None:
            d = date.fromordinal(_EPOCH_ORDINAL + day)
            found = (d.year, d.month, d.day)
            self._dates[day] = found
        return found

    def iso(self, t: int) -> str:
        """`2024-03-01T09:15:02` in local time (Telegram Desktop's `date`)."""
        local = self.local(t)
        y, m, d = self.ymd(local)
        return f"{y:04d}-{m:02d}-{d:02d}T{self.hms[local % 86_400]}"

    def iso_offset(self, t: int) -> str:
        """`2024-03-01T09:15:02+08:00` (RFC 3339 with the local offset)."""
        off = self.offset(t)
        sign = "+" if off >= 0 else "-"
        hh, mm = divmod(abs(off) // 60, 60)
        return f"{self.iso(t)}{sign}{hh:02d}:{mm:02d}"


def tg_string(value: str) -> str:
    """A JSON string as Telegram Desktop writes it: only quote, backslash and control
    characters are escaped (plus U+2028/2029); everything else is raw UTF-8."""
    if _PLAIN.fullmatch(value):
        return f'"{value}"'
    return '"' + value.translate(_TG_ESCAPES) + '"'


_PLAIN = re.compile(r'[^"\\\x00-\x1f\u2028\u2029]*')
_TG_ESCAPES = {
    **{c: f"\\x{c >> 4}{c & 15:X}" for c in range(32)},
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def go_string(value: str) -> str:
    """A JSON string as Go's encoding/json writes it (HTML-safe escaping on)."""
    out: str = _encode(value)
    if _GO_SPECIAL.search(out):
        out = out.translate(_GO_ESCAPES)
    return out


_GO_SPECIAL = re.compile("[<>&\u2028\u2029]")
_GO_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def dotnet_string(value: str | None) -> str:
    """A JSON string as System.Text.Json writes it with UnsafeRelaxedJsonEscaping: raw
    UTF-8 except characters outside the BMP (emoji), which become surrogate-pair escapes."""
    if value is None:
        return "null"
    out: str = _encode(value)
    if _ASTRAL.search(out):
        out = _ASTRAL.sub(_surrogates, out)
    return out


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _surrogates(m: re.Match[str]) -> str:
    code = ord(m.group(0)) - 0x10000
    return f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}"


def php_json(value: object, indent: int = 4) -> str:
    """JSON as Slack's exporter writes it: pretty-printed with four spaces, non-ASCII as
    \\uXXXX (surrogate pairs beyond the BMP) and forward slashes escaped — json.dumps's bytes,
    made by its C encoder (compact) and re-indented by msgspec, which keeps escapes as they
    are."""
    compact = json.dumps(value, ensure_ascii=True).encode()
    return msgspec.json.format(compact, indent=indent).decode().replace("/", "\\/")


def write_rows(fh: BinaryIO, rows: pl.Series, terminator: str) -> None:
    """Write each string of `rows` followed by `terminator`, straight from Polars."""
    pl.DataFrame({"row": rows}).write_csv(
        fh, include_header=False, quote_style="never", line_terminator=terminator
    )


def sparse_strings(height: int, values: dict[int, str]) -> pl.Series:
    """A string column that is null except at the given rows (service messages, mentions,
    reactions: rare rows rendered in Python, merged into the vectorised output)."""
    column = pl.repeat(None, height, dtype=pl.String, eager=True)
    if values:
        rows = sorted(values)
        column = column.scatter(rows, [values[r] for r in rows])
    return column


def local_datetime(tz: str) -> pl.Expr:
    """Column `t` (epoch seconds) as local wall-clock time."""
    return pl.from_epoch(pl.col("t"), time_unit="s").dt.convert_time_zone(tz)


def ids_for(community: Community, platform: str) -> Ids:
    return Ids(community.world, platform)


def chunks(n: int, size: int) -> Iterator[tuple[int, int]]:
    for lo in range(0, n, size):
        yield lo, min(n, lo + size)
