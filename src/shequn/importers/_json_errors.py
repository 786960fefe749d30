"""Plain-words descriptions of msgspec decoding failures, shared by the JSON importers.

See docs/importers.md (Bad input).
"""

from __future__ import annotations

import re

_BYTE = re.compile(r"\(byte (\d+)\)")


def first_bad_utf8(data: bytes) -> int:
    """Offset of the first byte that is not UTF-8 (msgspec only reports it inside a string)."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)


def describe_decode_error(exc: Exception, what: str) -> str:
    """`exc` from msgspec (or Unicode/recursion errors) in words; `what` names the format."""
    if isinstance(exc, UnicodeDecodeError):
        return "the file is not valid UTF-8 text (wrong encoding?)"
    if isinstance(exc, RecursionError):
        return f"the JSON is nested too deeply to be a {what}"
    text = str(exc)
    if text.startswith("Input data was truncated"):
        return "the JSON ends early (truncated file?)"
    if text.startswith("JSON is malformed"):
        return "the JSON is malformed: " + _BYTE.sub("", text.split(":", 1)[1]).strip()
    field = text.rsplit(" - at `", 1)
    if len(field) == 2:
        return f"unexpected value at {field[1].rstrip('`')}: {field[0]}"
    return text
