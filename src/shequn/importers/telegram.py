"""Telegram Desktop JSON exports (single chat and whole account). See docs/importers/telegram.md."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from ._telegram_frames import PLATFORM, Converter
from ._telegram_layout import ChatEnd, ChatStart, Chunk, Profile, scan
from .errors import ImporterError
from .events import TABLES, Batch
from .options import ImportOptions
from .source import Source

__all__ = ["PLATFORM", "claim", "read"]

_STRING = rb'"(?:[^"\\]|\\.)*"'
_CHAT_TYPES = (
    rb"personal_chat|bot_chat|saved_messages|replies|private_group|private_supergroup"
    rb"|public_supergroup|private_channel|public_channel"
)
# A single-chat export opens with name (absent for Saved Messages), type, id, messages.
_SINGLE = re.compile(
    rb'\A\s*\{\s*(?:"name"\s*:\s*(?:'
    + _STRING
    + rb'|null)\s*,\s*)?"type"\s*:\s*(?:"(?:'
    + _CHAT_TYPES
    + rb')"|null)\s*,\s*"id"\s*:\s*-?\d+\s*,\s*"messages"\s*:\s*\['
)
# A whole-account export opens with "about" and then one of its sections.
_ACCOUNT = re.compile(
    rb'\A\s*\{\s*"about"\s*:\s*' + _STRING + rb'\s*,\s*"(?:personal_information|profile_pictures'
    rb'|stories|contacts|frequent_contacts|sessions|web_sessions|other_data|chats|left_chats)"'
    rb"\s*:"
)
# Folders Telegram Desktop writes media into next to result.json; they belong to the export.
_MEDIA_FOLDERS = {
    "photos",
    "files",
    "video_files",
    "voice_messages",
    "round_video_messages",
    "stickers",
    "animations",
    "contacts",
    "profile_pictures",
    "stories",
    "chats",
}


def claim(source: Source, names: list[str]) -> list[list[str]]:
    exports = [n for n in names if n.lower().endswith(".json") and _is_export(source, n)]
    claims = []
    for name in exports:
        folder = PurePosixPath(name).parent
        media = [
            other
            for other in names
            if other != name
            and not other.lower().endswith(".json")
            and _media_of(folder, PurePosixPath(other))
        ]
        claims.append([name, *media])
    return claims


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    names = source.names()
    candidates = [n for n in names if n.lower().endswith(".json")] or names[:1]
    if not candidates:
        raise ImporterError(source.label, "there is no result.json in this export")
    name = candidates[0]
    converter = Converter(source.display(name), source.label, options)
    for piece in scan(source, name):
        if isinstance(piece, Chunk):
            yield from converter.chunk(piece)
        elif isinstance(piece, ChatStart):
            converter.start_chat(piece.header, piece.left)
        elif isinstance(piece, ChatEnd):
            converter.end_chat()
        elif isinstance(piece, Profile):
            converter.profile(piece)
        del piece  # see _telegram_layout._Pretty._messages
    last = converter.finish()
    if any(last.table(t).height for t in TABLES):
        yield last


def _is_export(source: Source, name: str) -> bool:
    try:
        head = source.head(name, 8192)
    except ImporterError:
        return False
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # Claimed so that read() can say what is wrong with it, rather than "unknown format".
        head = head.decode("utf-16", errors="ignore").encode()
    elif head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    if not head.strip():
        # An empty result.json is a Telegram export that went wrong; read() says so.
        return PurePosixPath(name).name.lower() == "result.json"
    return bool(_SINGLE.match(head) or _ACCOUNT.match(head))


def _media_of(folder: PurePosixPath, path: PurePosixPath) -> bool:
    try:
        rest = path.relative_to(folder)
    except ValueError:
        return False
    return len(rest.parts) > 1 and rest.parts[0] in _MEDIA_FOLDERS
