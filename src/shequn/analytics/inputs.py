"""Orders, surveys and campaigns given beside the exports. See docs/metrics.md (Extra inputs).

These files are small (one row per order or answer), so they are read row by row with the
standard library and every problem is reported with the file and the line it is on.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import polars as pl

from shequn.importers.events import UTC_US


class InputError(Exception):
    """A bad orders, surveys or campaigns file, named by file and line."""

    def __init__(self, path: str | Path, message: str, where: int | str | None = None) -> None:
        self.path = str(path)
        # "line 12" for CSV and JSON lines, "record 3" for a JSON array; an int is a line.
        self.where = f"line {where}" if isinstance(where, int) else where
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}, {self.where}" if self.where is not None else self.path
        return f"{where}: {self.message}"


ORDER_COLUMNS = ("group", "person", "offer", "amount", "currency", "paid_at", "tier")
SURVEY_COLUMNS = ("group", "person", "question", "answer", "answered_at")
CAMPAIGN_COLUMNS = ("group", "name", "start", "end")

ORDERS_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),
    "person": pl.String(),
    "offer": pl.String(),
    "amount": pl.Float64(),
    "currency": pl.String(),
    "paid_at": UTC_US,
    "tier": pl.Int32(),
    "line": pl.Int64(),
}
SURVEYS_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),
    "person": pl.String(),
    "answer": pl.String(),  # very | somewhat | not
    "answered_at": UTC_US,
    "line": pl.Int64(),
}
CAMPAIGNS_SCHEMA: dict[str, pl.DataType] = {
    "group": pl.String(),  # null: every group
    "name": pl.String(),
    "start": UTC_US,
    "end": UTC_US,  # null: still running
    "line": pl.Int64(),
}

# Tier 0 is the entry fee of a paid group (入群费); an order of any other tier buys an offer.
_ENTRY_TIERS = {"0", "entry", "entry fee", "入群", "入群费", "门票"}

# The Sean Ellis question ("if this community closed, how would you feel?") in either language.
_DISAPPOINTMENT_QUESTION = re.compile(
    r"disappoint|clos|shut|disappear|no longer exist|sean.?ellis|失望|解散|关闭|不存在|消失",
    re.IGNORECASE,
)
_ANSWERS = {
    "very": "very",
    "very disappointed": "very",
    "非常失望": "very",
    "很失望": "very",
    "somewhat": "somewhat",
    "somewhat disappointed": "somewhat",
    "有点失望": "somewhat",
    "有些失望": "somewhat",
    "比较失望": "somewhat",
    "not": "not",
    "not disappointed": "not",
    "not disappointed (it isn't really that useful)": "not",
    "不失望": "not",
    "不会失望": "not",
    "没有失望": "not",
}
# Sean Ellis' fourth option ("N/A — I no longer use it") is not a response to the question.
_NOT_APPLICABLE = {"n/a", "na", "n/a - i no longer use it", "不适用", "已不再使用", ""}


def read_orders(path: str | Path, *, tz: str = "Asia/Shanghai") -> pl.DataFrame:
    """orders.csv / .json: group, person, offer, amount, currency, paid_at, tier.

    An empty `paid_at` is an unpaid order and is kept (it never counts as a conversion).
    """
    rows: dict[str, list[object]] = {c: [] for c in ORDERS_SCHEMA}
    for line, where, rec in _records(path, ORDER_COLUMNS, required=("group", "person")):
        amount = _number(rec.get("amount"), path, where, "amount")
        tier_text = (rec.get("tier") or "").strip().casefold()
        if tier_text in _ENTRY_TIERS:
            tier: int | None = 0
        elif tier_text == "":
            tier = None
        elif tier_text.isdigit():
            tier = int(tier_text)
        else:
            raise InputError(
                path,
                f"tier must be a whole number or 'entry' (entry fee), not {tier_text!r}",
                where,
            )
        rows["group"].append(_required(rec, "group", path, where))
        rows["person"].append(_required(rec, "person", path, where))
        rows["offer"].append((rec.get("offer") or "").strip() or None)
        rows["amount"].append(amount)
        rows["currency"].append((rec.get("currency") or "").strip() or None)
        rows["paid_at"].append(_when(rec.get("paid_at"), path, where, "paid_at", tz))
        rows["tier"].append(tier)
        rows["line"].append(line)
    return pl.DataFrame(rows, schema=ORDERS_SCHEMA)


def read_surveys(path: str | Path, *, tz: str = "Asia/Shanghai") -> pl.DataFrame:
    """surveys.csv / .json: group, person, question, answer, answered_at.

    Only answers to the disappointment question are kept; other questions in the same file are
    skipped. Answers are normalised to very / somewhat / not; N/A answers are dropped.
    """
    rows: dict[str, list[object]] = {c: [] for c in SURVEYS_SCHEMA}
    for line, where, rec in _records(
        path, SURVEY_COLUMNS, required=("group", "question", "answer")
    ):
        question = (rec.get("question") or "").strip()
        if not _DISAPPOINTMENT_QUESTION.search(question):
            continue
        raw = (rec.get("answer") or "").strip()
        key = raw.casefold()
        if key in _NOT_APPLICABLE:
            continue
        answer = _ANSWERS.get(key)
        if answer is None:
            raise InputError(
                path,
                f"answer {raw!r} is not one of very / somewhat / not disappointed "
                "(非常失望 / 有点失望 / 不失望)",
                where,
            )
        rows["group"].append(_required(rec, "group", path, where))
        rows["person"].append((rec.get("person") or "").strip() or f"#{where}")
        rows["answer"].append(answer)
        rows["answered_at"].append(_when(rec.get("answered_at"), path, where, "answered_at", tz))
        rows["line"].append(line)
    return pl.DataFrame(rows, schema=SURVEYS_SCHEMA)


def read_campaigns(path: str | Path, *, tz: str = "Asia/Shanghai") -> pl.DataFrame:
    """campaigns.csv / .json: group (empty or * for every group), name, start, end."""
    rows: dict[str, list[object]] = {c: [] for c in CAMPAIGNS_SCHEMA}
    for line, where, rec in _records(path, CAMPAIGN_COLUMNS, required=("start",)):
        group = (rec.get("group") or "").strip()
        start = _when(rec.get("start"), path, where, "start", tz)
        end = _when(rec.get("end"), path, where, "end", tz)
        if start is None:
            raise InputError(path, "start is empty", where)
        if end is not None and end < start:
            raise InputError(path, "end is before start", where)
        rows["group"].append(None if group in ("", "*") else group)
        rows["name"].append((rec.get("name") or "").strip() or None)
        rows["start"].append(start)
        rows["end"].append(end)
        rows["line"].append(line)
    return pl.DataFrame(rows, schema=CAMPAIGNS_SCHEMA)


# -- reading ------------------------------------------------------------------------------


def _records(
    path: str | Path, columns: tuple[str, ...], *, required: tuple[str, ...]
) -> Iterator[tuple[int, str, dict[str, str]]]:
    """(number, "line N" or "record N", fields) for every record of a CSV or JSON file."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(p, f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(p, f"is not UTF-8 text (byte {exc.start})") from None
    if p.suffix.lower() in (".json", ".jsonl", ".ndjson") or text.lstrip()[:1] in ("[", "{"):
        yield from _json_records(p, text, columns, required)
    else:
        yield from _csv_records(p, text, columns, required)


def _csv_records(
    path: Path, text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, str, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(
            path, "the file is empty; expected a header line: " + ",".join(columns)
        ) from None
    except csv.Error as exc:
        raise InputError(path, f"not a CSV file ({exc})", 1) from None
    names = [h.strip().casefold() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        raise InputError(
            path,
            f"the header lacks {', '.join(missing)}; expected columns: {','.join(columns)}",
            1,
        )
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(names):
                raise InputError(
                    path, f"{len(row)} fields where the header has {len(names)}", reader.line_num
                )
            yield reader.line_num, f"line {reader.line_num}", dict(zip(names, row, strict=False))
    except csv.Error as exc:
        raise InputError(path, f"malformed CSV ({exc})", reader.line_num) from None


def _json_records(
    path: Path, text: str, columns: tuple[str, ...], required: tuple[str, ...]
) -> Iterator[tuple[int, str, dict[str, str]]]:
    stripped = text.lstrip()
    if stripped.startswith("["):
        try:
            items = msgspec.json.decode(text.encode())
        except msgspec.DecodeError as exc:
            raise InputError(path, f"not valid JSON ({exc})") from None
        numbered = list(enumerate(items, start=1))
        unit = "record"
    else:  # JSON lines: one object per line
        numbered = []
        for n, raw in enumerate(text.splitlines(), start=1):
            if not raw.strip():
                continue
            try:
                numbered.append((n, msgspec.json.decode(raw.encode())))
            except msgspec.DecodeError as exc:
                raise InputError(path, f"not valid JSON ({exc})", n) from None
        unit = "line"
    for n, item in numbered:
        where = f"{unit} {n}"
        if not isinstance(item, dict):
            raise InputError(path, f"not an object with fields {','.join(columns)}", where)
        rec = {str(k).casefold(): "" if v is None else str(v) for k, v in item.items()}
        missing = [c for c in required if not rec.get(c, "").strip()]
        if missing:
            raise InputError(path, f"lacks {', '.join(missing)}", where)
        yield n, where, rec


def _required(rec: dict[str, str], name: str, path: str | Path, where: str) -> str:
    value = (rec.get(name) or "").strip()
    if not value:
        raise InputError(path, f"{name} is empty", where)
    return value


def _number(value: str | None, path: str | Path, where: str, name: str) -> float | None:
    text = (value or "").strip().replace(",", "")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InputError(path, f"{name} is not a number: {value!r}", where) from None


def _when(value: str | None, path: str | Path, where: str, name: str, tz: str) -> datetime | None:
    """ISO 8601 date or date-time; without an offset it is local time in `tz`."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    except ValueError:
        raise InputError(
            path,
            f"{name} is not an ISO date or date-time (2024-03-01T09:30+08:00): {text!r}",
            where,
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tz))
    return parsed.astimezone(UTC)
