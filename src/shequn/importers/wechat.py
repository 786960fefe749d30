"""WeChat chat exports: chatlog JSON and MemoTrace-style CSV. See docs/importers/wechat.md."""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import _wechat_csv, _wechat_json
from ._wechat_chats import PLATFORM, ChatCollector
from ._wechat_io import safe_head
from .errors import ImporterError
from .events import Batch
from .options import ImportOptions
from .source import Source

__all__ = ["PLATFORM", "claim", "read"]


def claim(source: Source, names: list[str]) -> list[list[str]]:
    """Every chatlog JSON file and every WeChat message CSV is an export of its own."""
    return [[name] for name in names if _format(safe_head(source, name)) is not None]


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    zone = _zone(options, source.label)
    chats = ChatCollector(source.label)
    for name in source.names():
        fmt = _format(safe_head(source, name))
        if fmt is None:
            raise ImporterError(
                source.display(name), "not a WeChat export (chatlog JSON or MemoTrace CSV)"
            )
        reader = _wechat_json.read if fmt == "json" else _wechat_csv.read
        yield from reader(source, name, options, zone, chats)
    yield chats.finish()


def _format(head: bytes) -> str | None:
    if _wechat_json.is_chatlog_json(head):
        return "json"
    if _wechat_csv.is_wechat_csv(head):
        return "csv"
    return None


def _zone(options: ImportOptions, label: str) -> ZoneInfo:
    try:
        return ZoneInfo(options.tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImporterError(label, f"unknown time zone {options.tz!r}") from None
