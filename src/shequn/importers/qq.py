"""QQ importers: message-manager .txt and QQChatExporter (QQ NT) JSON. See docs/importers/qq.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath

from . import _qq_nt, _qq_txt
from ._qq_roster import PLATFORM
from .errors import ImporterError
from .events import Batch
from .options import ImportOptions
from .source import Source

__all__ = ["PLATFORM", "claim", "read"]


def claim(source: Source, names: list[str]) -> list[list[str]]:
    exports = _qq_nt.claim(source, names)
    taken = {n for export in exports for n in export}
    return exports + _qq_txt.claim(source, [n for n in names if n not in taken])


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    names = source.names()
    if not names:
        raise ImporterError(source.label, "the export is empty")
    if _is_json(source, names):
        yield from _qq_nt.read(source, options)
    else:
        yield from _qq_txt.read(source, names[0], options)


def _is_json(source: Source, names: list[str]) -> bool:
    suffixes = {PurePosixPath(n).suffix.lower() for n in names}
    if suffixes & {".json", ".jsonl"}:
        return True
    if ".txt" in suffixes:
        return False
    # Renamed files: a JSON export starts with an object, a text export never does.
    return source.head(names[0], 64).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
