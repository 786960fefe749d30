"""WeChat chats as CSV. See docs/importers/wechat.md for the header variants.

MemoTrace (LC044/WeChatMsg, 留痕), raw message-table dumps and chatlog's CSV. Columns are
found by name (case-insensitive), not position, so the variants differ only in what they
carry: a sender column or not, MsgSvrID or only localId, the chat id in a column or only in
MemoTrace's folder name `备注(wxid)`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import tzinfo
from pathlib import PurePosixPath

from ._wechat_chats import ChatCollector, Record, epoch_us, parse_time
from ._wechat_io import byte_lines
from .errors import ImporterError
from .events import Batch
from .options import ImportOptions
from .source import Source

_ALIASES: dict[str, tuple[str, ...]] = {
    "svr_id": ("msgsvrid",),
    "local_id": ("localid", "msgid", "id"),
    "talker": ("strtalker", "talker"),
    "talker_name": ("talkername",),
    "type": ("type",),
    "sub_type": ("subtype",),
    "is_self": ("issender", "issend", "isself", "is_sender"),
    "create_time": ("createtime",),
    "str_time": ("strtime", "time"),
    "content": ("strcontent", "content"),
    "sender": ("sender",),
    "sender_name": ("nickname", "sendername"),
    "remark": ("remark",),
}
_REQUIRED = ("type", "is_self", "content")
_DISTINCTIVE = {"localid", "talkerid", "strtalker", "msgsvrid", "talker"}

# Phone databases prefix group messages with the sender: "wxid_abc:\n…".
_SENDER_PREFIX = re.compile(r"^([A-Za-z][A-Za-z0-9_\-]{2,40}):\r?\n")
_FOLDER_WITH_ID = re.compile(r"^(?P<name>.*)\((?P<id>[A-Za-z0-9][\w\-@.]*)\)$")
_TRUE = {"1", "true", "True", "TRUE"}
_FIELD_LIMIT = 64 * 1024 * 1024


def columns_of(header: list[str]) -> dict[str, int] | None:
    """Where each known column is, or None when the header is not a WeChat message CSV."""
    lower = [h.strip().lstrip("\ufeff").lower() for h in header]
    found: dict[str, int] = {}
    for key, aliases in _ALIASES.items():
        for alias in aliases:
            if alias in lower:
                found[key] = lower.index(alias)
                break
    if not all(k in found for k in _REQUIRED):
        return None
    if "create_time" not in found and "str_time" not in found:
        return None
    if not _DISTINCTIVE & set(lower):
        return None
    return found


def header_of(head: bytes) -> list[str] | None:
    line = head.split(b"\n", 1)[0]
    if not line or b"\x00" in line:
        return None
    text = line.decode("utf-8", errors="replace").lstrip("\ufeff").rstrip("\r")
    try:
        rows = list(csv.reader([text]))
    except csv.Error:
        return None
    return rows[0] if rows else None


def is_wechat_csv(head: bytes) -> bool:
    header = header_of(head)
    return header is not None and columns_of(header) is not None


def encoding_of(head: bytes) -> str:
    """UTF-8 (MemoTrace writes it with a BOM), else GB18030 when the start reads as that
    (the CSV was re-saved by Excel on a Chinese Windows). Otherwise UTF-8, so that a bad
    byte is reported as such."""
    if head.startswith(b"\xef\xbb\xbf") or _decodes(head, "utf-8"):
        return "utf-8"
    return "gb18030" if _decodes(head, "gb18030") else "utf-8"


def _decodes(head: bytes, encoding: str) -> bool:
    try:
        head.decode(encoding)
    except UnicodeDecodeError as exc:
        return exc.start >= len(head) - 3  # only a character cut by the end of the head
    return True


def read(
    source: Source, name: str, options: ImportOptions, zone: tzinfo, chats: ChatCollector
) -> Iterator[Batch]:
    display = source.display(name)
    if csv.field_size_limit() < _FIELD_LIMIT:
        # Forwarded-record XML can exceed the 128 KiB default; only ever raise the limit.
        csv.field_size_limit(_FIELD_LIMIT)
    encoding = encoding_of(source.head(name, 65_536))
    # Only MemoTrace leaves the chat out of the rows; it names the folder after it instead.
    path_talker, path_name = _chat_from_path(source, name)
    lines = _decoded(byte_lines(source, name), encoding, display)
    reader = csv.reader(lines, strict=True)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImporterError(display, f"unreadable CSV header ({exc})", "line 1") from None
    cols = columns_of(header) if header else None
    if header is None or cols is None:
        raise ImporterError(display, "not a WeChat message CSV (unknown header)", "line 1")
    if "talker" in cols:
        path_talker = path_name = None
    width = len(header)
    line = reader.line_num
    while True:
        start = line + 1
        try:
            row = next(reader, None)
        except csv.Error as exc:
            raise ImporterError(display, f"malformed CSV ({exc})", f"line {start}") from None
        if row is None:
            break
        line = reader.line_num
        if not row or row == [""]:
            continue
        if len(row) != width:
            raise ImporterError(
                display,
                f"the row has {len(row)} fields but the header has {width} (truncated, or "
                "MemoTrace's all-chats CSV, whose rows do not match its header)",
                f"line {start}",
            )
        chats.add(_record(row, cols, zone, path_talker, path_name, display, start))
        if chats.message_count >= options.batch_size:
            yield chats.take()


def _decoded(lines: Iterator[bytes], encoding: str, display: str) -> Iterator[str]:
    for number, raw in enumerate(lines, 1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ImporterError(
                display, f"the text is not valid {encoding}", f"line {number}"
            ) from None
        if number == 1:
            text = text.lstrip("\ufeff")
        yield text


def _record(
    row: list[str],
    cols: dict[str, int],
    zone: tzinfo,
    path_talker: str | None,
    path_name: str | None,
    display: str,
    line: int,
) -> Record:
    def get(key: str) -> str:
        i = cols.get(key)
        return row[i].strip() if i is not None else ""

    where = f"line {line}"
    type_code = _number(get("type"), "Type", display, where)
    sub_type = _number(get("sub_type") or "0", "SubType", display, where)
    sent_at = None
    created = get("create_time")
    if created:
        sent_at = epoch_us(_number(created, "CreateTime", display, where))
    if sent_at is None:
        sent_at = parse_time(get("str_time"), zone)
    if sent_at is None:
        raise ImporterError(display, "the row has no readable time", where)

    talker = get("talker") or path_talker
    is_self = get("is_self") in _TRUE
    content = row[cols["content"]]
    sender = get("sender") or None
    is_group = None
    if sender is None and not is_self and type_code != 10000:
        in_room = talker is None or talker.endswith("@chatroom")
        m = _SENDER_PREFIX.match(content) if in_room else None
        if m:
            sender, content, is_group = m[1], content[m.end() :], True
        elif talker and not talker.endswith("@chatroom"):
            sender = talker
    svr_id = get("svr_id")
    remark = get("remark")
    return Record(
        talker=talker,
        chat_name=get("talker_name") or path_name,
        is_group=is_group,
        sent_at=sent_at,
        sender_id=sender,
        sender_name=get("sender_name") or remark or None,
        is_self=is_self,
        type_code=type_code,
        sub_type=sub_type,
        content=content,
        svr_id=svr_id if svr_id and svr_id != "0" else None,
        local_id=get("local_id") or None,
        other_names=(remark,) if remark else (),
    )


def _number(value: str, column: str, display: str, where: str) -> int:
    # int() would also take "1_000", "٣" and then choke on 5,000 digits: ASCII digits only.
    digits = value.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
        raise ImporterError(display, f"{column} {value[:40]!r} is not a number", where)
    return int(value)


def _chat_from_path(source: Source, name: str) -> tuple[str | None, str | None]:
    """MemoTrace writes `<备注>(<wxid>)/<备注>_utf8.csv` (older: `<备注>/<备注>.csv`)."""
    member = PurePosixPath(name)
    on_disk = source.local_path(name)
    folder = on_disk.parent.name if on_disk is not None else member.parent.name
    stem = member.stem
    for suffix in ("_utf8", "_UTF8"):
        stem = stem.removesuffix(suffix)
    m = _FOLDER_WITH_ID.match(folder)
    if m:
        return m["id"], m["name"] or stem or None
    return None, stem or None
