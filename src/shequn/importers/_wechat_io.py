"""Reading and batching shared by docs/importers/wechat.md and docs/importers/wecom.md.

Export members are read in pieces and batches built fast. A damaged zip member can fail
mid-read with zlib or zipfile errors, not only when it is opened, so every read here turns
those into ImporterError.
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Iterator

from .errors import ImporterError
from .source import Source

_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error)


def byte_chunks(source: Source, name: str, size: int) -> Iterator[bytes]:
    with source.open(name) as fh:
        while True:
            try:
                chunk = fh.read(size)
            except _READ_ERRORS as exc:
                raise ImporterError(source.display(name), f"cannot read the file ({exc})") from None
            if not chunk:
                return
            yield chunk


def byte_lines(source: Source, name: str) -> Iterator[bytes]:
    """Physical lines, each with its line ending (so CSV can keep quoted newlines)."""
    with source.open(name) as fh:
        while True:
            try:
                line = fh.readline()
            except _READ_ERRORS as exc:
                raise ImporterError(source.display(name), f"cannot read the file ({exc})") from None
            if not line:
                return
            yield line


def safe_head(source: Source, name: str, n: int = 8192) -> bytes:
    """The first bytes for sniffing; b"" when the member cannot be read at all (claim
    must never raise on a file that is not ours)."""
    try:
        return source.head(name, n)
    except (ImporterError, *_READ_ERRORS):
        return b""
