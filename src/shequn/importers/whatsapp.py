"""WhatsApp chat exports (.txt, or _chat.txt in a .zip). See docs/importers/whatsapp.md.

The text is read in chunks cut just before a message header and parsed column-wise with
Polars (Rust regex and string kernels): a per-line Python loop cannot import a million
messages in a second. Python only touches the rows that need it — system lines, mentions.
Chunks parse on two worker threads while the main thread gives each finished chunk its message
ids, events and identities (those depend on the chunks before) and yields it.
"""

from __future__ import annotations

import re
import zlib
import zoneinfo
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import BinaryIO, Literal

import polars as pl

from . import _whatsapp_format as fmt
from ._whatsapp_columns import Columns
from ._whatsapp_ids import message_hash
from .errors import ImporterError
from .events import SCHEMAS, TABLES, Batch, empty, frame, group_key
from .options import ImportOptions
from .source import Source

PLATFORM = "whatsapp"

_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
# A chunk's working set is about fifteen times its size and three are in flight, while each
# chunk also costs a few milliseconds of fixed Polars overhead. Big files take the largest
# chunks; smaller ones take a 64th of their size, so the importer's peak memory stays near
# 1.5 times the file for files above ~70 MB (below that, fixed costs dominate anyway).
_CHUNK_BYTES = 4 << 20
_MIN_CHUNK_BYTES = 1 << 20
# A "message" this long means the file is not an export.
_MAX_MESSAGE_BYTES = 64 << 20
_WORKERS = 2
# Chunks are small plans over a few MB: the in-memory engine starts faster than the streaming
# one (each query's fixed cost adds up over hundreds of chunks).
_ENGINE: Literal["in-memory"] = "in-memory"
# The plans are explicit steps over in-memory frames: nothing for the optimiser to win, and
# optimising costs every chunk again.
_PLAIN = pl.QueryOptFlags.none()
_GENERIC_STEMS = {"_chat", "chat", "whatsapp", ""}
# Occurrence counts of message-id keys are carried from one chunk to the next for this long:
# identical (time, author, text) triples are seconds apart and exports are in time order.
_CARRY_SECONDS = 3600
_KEY_MIX = 0x9E3779B97F4A7C15
_DAY = timedelta(days=1)
# Shared, never modified: most chunks add no events, identities or group rows.
_EMPTY = {table: empty(table) for table in TABLES}
_PHONE_RX = re.compile(r"^\+?[0-9][0-9 ()\-]{5,}[0-9]$")
_MENTION_ISOLATED = re.compile("@\u2068([^\u2069]+)\u2069")
_MENTION_DIGITS = re.compile(r"@(\+?[0-9]{7,15})\b")


# -- detection -----------------------------------------------------------------------------------


def claim(source: Source, names: list[str]) -> list[list[str]]:
    claimed = []
    for name in names:
        if not name.lower().endswith(".txt"):
            continue
        try:
            head = source.head(name, 4096)
        except ImporterError:
            continue
        if _looks_like_chat(head):
            claimed.append([name])
    return claimed


def _looks_like_chat(head: bytes) -> bool:
    if head.startswith(_UTF16_BOMS):
        text = head[: len(head) - len(head) % 2].decode("utf-16", errors="replace")
    else:
        text = head.removeprefix(_BOM).decode("utf-8", errors="replace")
    first = next((ln for ln in text.split("\n") if ln.strip()), "")
    return fmt.detect_layout(first.rstrip("\r")) is not None


# -- reading ---------------------------------------------------------------------------------------


def read(source: Source, options: ImportOptions) -> Iterator[Batch]:
    names = source.names()
    if len(names) != 1:
        raise ImporterError(source.label, "expected exactly one WhatsApp chat .txt file")
    yield from _ChatReader(source, names[0], options).batches()


class _LineError(Exception):
    """An error at a line counted from the start of a chunk (workers do not know where their
    chunk starts; the main thread adds that)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass
class _Parsed:
    """One chunk in canonical columns, before message ids (which need the previous chunk)."""

    lines: int
    messages: pl.DataFrame  # sent_at (Int64 µs), sender, kind, text, action, edited, h
    system: list[tuple[int, fmt.SystemLine]]  # (row in messages, what the line says)
    mentions: list[tuple[int, list[str]]]  # (row in messages, names or phone digits)
    senders: list[str] = field(default_factory=list)  # the distinct senders


@dataclass
class _State:
    identities: set[str] = field(default_factory=set)
    owners: set[str] = field(default_factory=set)
    phones: dict[str, str] = field(default_factory=dict)  # digits -> identity id
    authors: set[str] = field(default_factory=set)
    group_evidence: bool = False
    chat_type_sent: str | None = None
    recent: dict[int, int] = field(default_factory=dict)  # key -> times used so far


class _ChatReader:
    def __init__(self, source: Source, name: str, options: ImportOptions) -> None:
        self.source = source
        self.name = name
        self.options = options
        self.path = source.display(name)
        try:
            self._zone = zoneinfo.ZoneInfo(options.tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ImporterError(self.path, f"unknown time zone {options.tz!r}") from None
        if options.batch_size < 1:
            raise ImporterError(self.path, "batch_size must be at least 1")
        try:
            size = source.size(name)
        except (OSError, KeyError):
            size = 0
        self.chunk_bytes = min(_CHUNK_BYTES, max(_MIN_CHUNK_BYTES, size // 64))
        self.layout: fmt.Layout | None = None
        self.header_bytes: re.Pattern[bytes] | None = None
        self.dayfirst = True
        self.group_key = ""
        self.group_name = ""
        self.columns: Columns | None = None

    # -- the pipeline ---------------------------------------------------------------------------
    def batches(self) -> Iterator[Batch]:
        state = _State()
        with self.source.open(self.name) as fh:
            head = self._read(fh, self.chunk_bytes)
            if head.startswith(_UTF16_BOMS):
                raise ImporterError(
                    self.path,
                    "the file is UTF-16 text; WhatsApp exports are UTF-8 — save it as UTF-8",
                )
            head = head.removeprefix(_BOM)
            if not head.strip():
                raise ImporterError(self.path, "the file is empty")
            self._setup(head)
            line = 1
            with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
                # Polars releases the GIL: chunks parse on the workers while this thread reads
                # the file and finishes the oldest chunk, so both cores stay busy.
                pending: deque[Future[_Parsed]] = deque()
                for data in self._chunks(fh, head):
                    pending.append(pool.submit(self._parse, data))
                    if len(pending) > _WORKERS:
                        parsed = self._result(pending.popleft(), line)
                        line += parsed.lines
                        yield from self._finish(parsed, state, last=False)
                while pending:
                    parsed = self._result(pending.popleft(), line)
                    line += parsed.lines
                    yield from self._finish(parsed, state, last=not pending)

    def _result(self, future: Future[_Parsed], first_line: int) -> _Parsed:
        try:
            return future.result()
        except _LineError as exc:
            raise ImporterError(self.path, exc.message, f"line {first_line + exc.line}") from None

    def _read(self, fh: BinaryIO, size: int) -> bytes:
        try:
            return fh.read(size)
        except (OSError, EOFError, ValueError, zlib.error) as exc:
            raise ImporterError(self.path, f"cannot read the file ({exc})") from None

    def _setup(self, head: bytes) -> None:
        """Read the layout from the first non-blank line, then settle the date order and the
        group's name (both are needed before the first message is parsed)."""
        number, start = 1, 0
        while True:
            end = head.find(b"\n", start)
            raw = head[start : end if end >= 0 else len(head)]
            if raw.strip() or end < 0:
                break
            number, start = number + 1, end + 1
        # A header is short; what follows it on the line (which may not even end within the
        # bytes read) is checked when the chunk is parsed.
        layout = fmt.detect_layout(raw[:256].decode("utf-8", errors="replace").rstrip("\r"))
        if layout is None:
            raise ImporterError(
                self.path,
                "does not start with a WhatsApp message header such as "
                "'31/12/2023, 21:15 - Name: text' or '[31/12/2023, 21:15:07] Name: text'",
                f"line {number}",
            )
        self.layout = layout
        self.header_bytes = layout.header_bytes_rx()
        self.dayfirst = self._resolve_dayfirst(head)
        self.group_name = self._resolve_group_name(head)
        self.group_key = group_key(PLATFORM, self.group_name)
        self.columns = Columns(layout, self.dayfirst, self.group_name)

    def _chunks(self, fh: BinaryIO, data: bytes) -> Iterator[bytes]:
        """The file from `data` (bytes already read) on, in pieces of about chunk_bytes cut
        just before a message header, so that no message is split between two pieces."""
        eof = False
        while True:
            if not eof and len(data) < self.chunk_bytes:
                block = self._read(fh, self.chunk_bytes)
                eof = not block
                data = data + block if data else block
            if eof:
                if data:
                    yield data
                return
            cut = self._last_header_start(data)
            if cut <= 0:
                # One message longer than a chunk: read on until the next header.
                if len(data) > _MAX_MESSAGE_BYTES:
                    raise ImporterError(
                        self.path,
                        "no message header in 64 MB of text; this is not a WhatsApp export",
                    )
                block = self._read(fh, len(data))
                eof = not block
                data += block
                continue
            yield data[:cut]
            data = data[cut:]

    def _last_header_start(self, data: bytes) -> int:
        """Offset of the last line start in data that begins a message (0 when none)."""
        assert self.header_bytes is not None
        end = len(data)
        while end > 0:
            start = data.rfind(b"\n", 0, end) + 1
            if start == 0:
                return 0
            if self.header_bytes.match(data, start):
                return start
            end = start - 1
        return 0

    # -- per-file decisions ------------------------------------------------------------------------
    def _resolve_dayfirst(self, head: bytes) -> bool:
        layout = self.layout
        assert layout is not None
        if self.options.dayfirst is not None:
            return self.options.dayfirst
        if layout.year_first:
            return False
        nl = head.rfind(b"\n")
        day_first, month_first = self._date_evidence(head[: nl + 1] if nl >= 0 else head, 1)
        if day_first is None and month_first is None:
            # Rare (a chat that never saw a 13th): look through the rest of the file.
            with self.source.open(self.name) as fh:
                line = 1
                first = self._read(fh, self.chunk_bytes).removeprefix(_BOM)
                for data in self._chunks(fh, first):
                    day_first, month_first = self._date_evidence(data, line)
                    if day_first is not None or month_first is not None:
                        break
                    line += data.count(b"\n")
        if day_first is not None and month_first is not None:
            raise ImporterError(
                self.path,
                f"dates are day-first on line {day_first} but month-first on line "
                f"{month_first}; import with an explicit day/month order",
                f"line {max(day_first, month_first)}",
            )
        if day_first is not None:
            return True
        if month_first is not None:
            return False
        return layout.default_dayfirst()

    def _date_evidence(self, data: bytes, first_line: int) -> tuple[int | None, int | None]:
        """Line numbers of the first header with a first / second date field above 12."""
        layout = self.layout
        assert layout is not None
        try:
            lines = pl.read_lines(data, name="line")
        except pl.exceptions.PolarsError:
            raise self._decode_error(data, first_line) from None
        one, two = lines.select(
            pl.col("line").str.contains(layout.day_gt12_rx(1)).arg_true().first().alias("one"),
            pl.col("line").str.contains(layout.day_gt12_rx(2)).arg_true().first().alias("two"),
        ).row(0)
        return (
            None if one is None else first_line + one,
            None if two is None else first_line + two,
        )

    def _decode_error(self, data: bytes, first_line: int) -> ImporterError:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = first_line + data.count(b"\n", 0, exc.start)
            return ImporterError(
                self.path, "is not UTF-8 text (WhatsApp exports are UTF-8)", f"line {line}"
            )
        return ImporterError(self.path, "could not be split into lines", f"line {first_line}")

    def _resolve_group_name(self, head: bytes) -> str:
        path = PurePosixPath(self.name)
        for candidate in (path.name, *reversed(path.parent.parts), self.source.path.name):
            name = fmt.name_from_file(candidate)
            if name:
                return name
        text = head[: 1 << 20].decode("utf-8", errors="replace")
        layout = self.layout
        assert layout is not None
        if layout.bracketed:
            # iOS writes group events with the group's name as the author.
            for event in re.finditer(r"(?m)^\u200e?\[[^\]\n]*\] ([^:\n]+): \u200e([^\n]*)", text):
                line = fmt.parse_system(event.group(2), has_author_split=False)
                if line is not None and line.action in ("encryption_notice", "create_group"):
                    return fmt.strip_marks(event.group(1)).strip()
        m = re.search(r"(?m)(?: created group |创建了群组\s?)[\"“](.+?)[\"”]\r?$", text)
        if m:
            return fmt.strip_marks(m.group(1)).strip()
        for candidate in (path.stem, *reversed(path.parent.parts), self.source.path.stem):
            if candidate.lower() not in _GENERIC_STEMS:
                return candidate
        return "WhatsApp chat"

    # -- parsing a chunk (pure; runs on a worker thread) -----------------------------------------
    def _parse(self, data: bytes) -> _Parsed:
        try:
            return self._parse_lines(data)
        except pl.exceptions.PolarsError as exc:
            # Not expected for any input; say where rather than show a traceback.
            raise _LineError(0, f"could not be parsed ({type(exc).__name__})") from None

    def _parse_lines(self, data: bytes) -> _Parsed:
        """Lines, then header fields and continuations, times, flags, and last the rows that
        need more than a flag (_classify); the queries are in _whatsapp_columns."""
        layout = self.layout
        assert layout is not None
        try:
            lines = pl.read_lines(data, name="line")
        except pl.exceptions.PolarsError:
            error = self._decode_error(data, 0)
            raise _LineError(int((error.location or "line 0").split()[-1]), error.message) from None
        n_lines = lines.height
        if n_lines == 0:
            return _Parsed(0, _empty_parsed(), [], [])
        columns = self.columns
        assert columns is not None
        base = columns.base(lines).collect(engine=_ENGINE, optimizations=_PLAIN)
        del lines
        if not base["is_header"][0]:
            self._check_leading_lines(base)
        heads, more = pl.collect_all(
            [columns.heads(base.lazy()), columns.continuations(base.lazy())],
            engine=_ENGINE,
            optimizations=_PLAIN,
        )
        del base
        if more.height:
            # Lines that continue a message join its first line.
            raw = heads["raw"]
            joined = pl.select(
                pl.concat_str([pl.lit(raw.gather(more["m"])), pl.lit("\n"), pl.lit(more["more"])])
            ).to_series()
            heads = heads.with_columns(raw.scatter(more["m"], joined))
            del raw, joined
        del more
        if heads.height == 0:
            return _Parsed(n_lines, _empty_parsed(), [], [])
        sent_at = self._times(heads)
        msgs = columns.flags(heads.lazy(), bool(heads["lead"][0])).collect(
            engine=_ENGINE, optimizations=_PLAIN
        )
        del heads
        parsed = self._classify(msgs, sent_at)
        parsed.lines = n_lines
        return parsed

    def _check_leading_lines(self, base: pl.DataFrame) -> None:
        """Lines before the first header may only be blank."""
        junk = base.filter((pl.col("m") < 0) & (pl.col("line").str.strip_chars() != ""))
        if junk.height:
            raise _LineError(
                int(junk["row"][0]), "expected a WhatsApp message header (date, time and name) here"
            )

    def _times(self, heads: pl.DataFrame) -> pl.Series:
        """UTC epoch µs of each header. Headers repeat (every message of a minute has the same
        one), so each run of equal headers is read once."""
        layout = self.layout
        assert layout is not None
        changed = pl.col("head").ne_missing(pl.col("head").shift(1))
        runs = heads.lazy().with_columns(changed=changed)
        columns = self.columns
        assert columns is not None
        clock = columns.clock(runs.filter("changed"))
        if clock is not None:
            local, index = pl.collect_all(
                [
                    clock,
                    runs.select(index=pl.col("changed").cum_sum().cast(pl.Int64) - 1),
                ],
                engine=_ENGINE,
                optimizations=_PLAIN,
            )
            if local["ok"][0]:
                return self._to_utc(local, index["index"])
        distinct, index = pl.collect_all(
            [
                runs.filter("changed").select("head", "row"),
                runs.select(index=pl.col("changed").cum_sum().cast(pl.Int64) - 1),
            ],
            engine=_ENGINE,
            optimizations=_PLAIN,
        )
        chrono = self._chrono_times(distinct["head"], distinct["row"])
        local = pl.DataFrame({"local": chrono}).with_columns(
            first=pl.col("local").min(), last=pl.col("local").max()
        )
        return self._to_utc(local, index["index"])

    def _to_utc(self, local: pl.DataFrame, index: pl.Series) -> pl.Series:
        """Epoch µs of local wall-clock times in the import's zone; local holds the distinct
        times (local) and their range (first, last), index maps every message to one."""
        try:
            offset = self._fixed_offset(local["first"][0], local["last"][0])
        except (ValueError, OverflowError, TypeError):
            offset = None  # dates Python cannot hold (year 0): let Polars convert them
        if offset is not None:
            return local.select(
                (pl.col("local").dt.epoch("us") - offset).gather(pl.lit(index))
            ).to_series()
        tz = self.options.tz
        times = local["local"]
        utc = times.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
        if utc.null_count():
            # A local time skipped by a daylight-saving jump: read it with the offset in force
            # just before the jump, as Python's zoneinfo does.
            hour = timedelta(hours=1)
            before = (times - hour).dt.replace_time_zone(
                tz, ambiguous="earliest", non_existent="null"
            ) + hour
            utc = utc.fill_null(before)
        return utc.dt.epoch("us").gather(index)

    def _fixed_offset(self, first: datetime, last: datetime) -> int | None:
        """The zone's UTC offset in µs when it is the same over [first, last], else None.

        Zone rules change at most a few times a year and never twice within a day, so an
        offset that agrees at every day step of the span agrees all along it. Shanghai (no
        daylight saving) always takes this way; a chunk of a European chat does except around
        the two changes a year.
        """
        if last - first > timedelta(days=400):
            return None
        zone = self._zone
        offsets = set()
        moment = first
        while True:
            offset = moment.replace(tzinfo=zone).utcoffset()
            offsets.add(offset)
            if len(offsets) > 1 or offset is None:
                return None
            if moment >= last:
                break
            moment = moment + _DAY if last - moment > _DAY else last
        return int(offset / timedelta(microseconds=1))

    def _chrono_times(self, head: pl.Series, rows: pl.Series) -> pl.Series:
        """Local times of headers read whole by chrono: the layouts the column-wise reading
        does not cover, and bad headers (to name them)."""
        layout = self.layout
        assert layout is not None
        normalised = head
        if not layout.ampm_english:
            normalised = head.str.replace_many(fmt.AMPM_WORDS)
        pattern = layout.chrono_format(self.dayfirst)
        local = normalised.str.to_datetime(pattern, strict=False, time_unit="us")
        if local.null_count():
            # Exports are uniform, but an edited file may have plain spaces where WhatsApp
            # wrote narrow no-break ones (or the other way round): retry with them normalised.
            # Japanese 12-hour clocks count 0-11 ("午前0:05"), chrono wants 12.
            spaces = {"\u202f": " ", "\u00a0": " "}
            retry = head.str.replace_many(spaces).str.replace_many(fmt.AMPM_WORDS)
            if layout.twelve_hour:
                retry = retry.str.replace(r"(^|[^0-9])0([:.][0-9]{2})", "${1}12${2}")
            local = local.fill_null(
                retry.str.to_datetime(
                    pattern.replace("\u202f", " ").replace("\u00a0", " "),
                    strict=False,
                    time_unit="us",
                )
            )
        if local.null_count():
            bad = int(local.is_null().arg_true()[0])
            order = (
                "year-month-day"
                if layout.year_first
                else ("day-month-year" if self.dayfirst else "month-day-year")
            )
            raise _LineError(
                int(rows[bad]), f"{head[bad]!r} is not a valid date and time ({order} order)"
            )
        return local

    def _classify(self, msgs: pl.DataFrame, sent_at: pl.Series) -> _Parsed:
        """Kinds, cleaned text and senders from the flags of _message_query. Only the rows a
        flag picks out (edited, with an "@", media, possible system lines) are reworked, in one
        small frame, and written back once."""
        columns = self.columns
        assert columns is not None
        picked = columns.picked(msgs).collect(engine=_ENGINE, optimizations=_PLAIN)
        texts = picked["text"].to_list()
        kinds = picked["kind"].to_list()
        senders = picked["sender"].to_list()
        actions: list[str | None] = [None] * picked.height
        mentions: list[tuple[int, list[str]]] = []
        system: list[tuple[int, fmt.SystemLine]] = []
        # Python reads only the rows with an "@" or that may be system lines (a few in a
        # hundred); media placeholders were settled by the query.
        raws = picked["raw"].to_list()
        authors = picked["author"].to_list()
        no_authors = picked["no_author"].to_list()
        rows = picked["i"].to_list()
        for at, (has_at, candidate) in enumerate(
            zip(picked["has_at"].to_list(), picked["candidate"].to_list(), strict=True)
        ):
            raw = raws[at]
            if has_at:
                found = [fmt.strip_marks(x).strip() for x in _MENTION_ISOLATED.findall(raw)]
                found += _MENTION_DIGITS.findall(raw)
                if found:
                    mentions.append((rows[at], found))
            if candidate and kinds[at] is None:
                said, line = self._system_line(raw, authors[at], senders[at], no_authors[at])
                if line is not None:
                    system.append((rows[at], line))
                    kinds[at], actions[at], senders[at] = "system", line.action, line.actor
                    texts[at] = fmt.strip_marks(said).strip()
        patched = {name: msgs[name] for name in ("sender", "kind", "text", "action")}
        if picked.height:
            # A media row's kind comes from the query; the others keep "link" or "text".
            fallback = picked["fallback"].to_list()
            kinds = [k if k is not None else f for k, f in zip(kinds, fallback, strict=True)]
            for name, values in (
                ("sender", senders),
                ("kind", kinds),
                ("text", texts),
                ("action", actions),
            ):
                patched[name] = patched[name].scatter(rows, pl.Series(values, dtype=pl.String))
        names = [n for n in patched["sender"].unique().to_list() if n is not None]
        messages = pl.DataFrame(
            {
                "sent_at": sent_at,
                **patched,
                "edited": msgs["edited"],
                "h": message_hash(patched["text"], patched["sender"], names),
            }
        )
        return _Parsed(0, messages, system, mentions, names)

    def _system_line(
        self, body: str, author: str | None, shown_as: str | None, no_author: bool
    ) -> tuple[str, fmt.SystemLine | None]:
        """What a candidate system line says, and its full text; None when it is a message."""
        layout = self.layout
        assert layout is not None
        # The phrase is on the header line; lines after it (never written by WhatsApp, but
        # a damaged file has them) stay in the text.
        if layout.bracketed and not no_author:
            line = fmt.parse_system(body.partition("\n")[0], has_author_split=False)
            if line is None and shown_as == self.group_name and body.startswith("\u200e"):
                line = fmt.SystemLine("other", None, None, (), None)
            return body, line
        said = body if no_author else f"{author}: {body}"
        line = fmt.parse_system(said.partition("\n")[0], has_author_split=not no_author)
        if line is None and no_author:
            line = fmt.SystemLine("other", None, None, (), None)
        return said, line

    # -- finishing a chunk (sequential: ids and people depend on earlier chunks) -----------------
    def _finish(self, parsed: _Parsed, state: _State, *, last: bool) -> Iterator[Batch]:
        msgs = parsed.messages
        message_id = self._message_ids(msgs, state)
        events, memberships, identities = self._people(
            msgs, parsed.system, parsed.senders, message_id, state
        )
        mentions = self._mentions(msgs.height, parsed.mentions, state)
        chat_type = "group" if state.group_evidence or len(state.authors) > 2 else "dm"
        groups = _EMPTY["groups"]
        if state.chat_type_sent is None or (last and state.chat_type_sent != chat_type):
            groups = frame(
                "groups",
                {
                    "group_key": [self.group_key],
                    "platform": [PLATFORM],
                    "external_id": [None],
                    "name": [self.group_name],
                    "chat_type": [chat_type],
                    "source": [self.source.label],
                },
            )
            state.chat_type_sent = chat_type
        messages = msgs.select(
            pl.lit(self.group_key, dtype=pl.String).alias("group_key"),
            message_id.alias("message_id"),
            pl.col("sent_at").cast(pl.Datetime("us")).dt.replace_time_zone("UTC"),
            pl.col("sender").alias("sender_id"),
            pl.col("sender").alias("sender_name"),
            pl.col("kind"),
            pl.col("text"),
            pl.lit(None, dtype=pl.String).alias("reply_to"),
            mentions.alias("mentions"),
            pl.col("action"),
            pl.col("edited"),
        )
        size = self.options.batch_size
        for start in range(0, max(messages.height, 1), size):
            part = messages.slice(start, size)
            if start:
                yield Batch(messages=part)
            else:
                yield Batch(
                    groups=groups,
                    identities=identities,
                    memberships=memberships,
                    messages=part,
                    membership_events=events,
                )

    def _message_ids(self, msgs: pl.DataFrame, state: _State) -> pl.Series:
        """A 64-bit key of (second, author, text) in decimal, plus ":N" for the N-th repeat."""
        if msgs.height == 0:
            return pl.Series("message_id", [], dtype=pl.String)
        # Repeats are rare, so only their rows are counted: a sorted copy shows which keys
        # repeat within the chunk, state.recent which ones earlier chunks already used.
        ordered = pl.col("k").sort()
        seconds = pl.col("sent_at") // 1_000_000
        keys = (
            msgs.lazy()
            .select(
                # Wrapping arithmetic on purpose: the key is a hash, not a number.
                k=pl.col("h") + seconds.cast(pl.UInt64, wrap_numerical=True) * _KEY_MIX,
                s=seconds,
            )
            .with_columns(
                again=pl.col("k").is_in(ordered.filter(ordered == ordered.shift(1)).implode())
                | pl.col("k").is_in(
                    pl.lit(pl.Series(list(state.recent), dtype=pl.UInt64)).implode()
                ),
                # Only the last hour of a chunk can share a second with the next chunk.
                tail=pl.col("s") >= pl.col("s").max() - _CARRY_SECONDS,
                message_id=pl.col("k").cast(pl.String),
            )
            .collect(engine=_ENGINE, optimizations=_PLAIN)
        )
        ids = keys["message_id"]
        used: dict[int, int] = {}
        if keys["again"].any():
            repeats = (
                keys.with_row_index("row")
                .filter("again")
                .select("row", "k", occ=pl.int_range(pl.len(), dtype=pl.Int64).over("k"))
            )
            rows, patched = [], []
            for row, key, occ in repeats.iter_rows():
                occ += state.recent.get(key, 0)
                used[key] = occ + 1
                if occ:
                    rows.append(row)
                    patched.append(f"{key}:{occ}")
            if rows:
                ids = ids.scatter(rows, patched)
        # Remember, for the next chunk, how often each key of the last hour has been used.
        state.recent = {
            key: max(used.get(key, 1), state.recent.get(key, 0))
            for key in keys.filter("tail")["k"].to_list()
        }
        return ids

    def _mentions(self, n: int, rows: list[tuple[int, list[str]]], state: _State) -> pl.Expr:
        """The mentions column: isolate-wrapped names as they are, bare phone numbers mapped to
        the identity with that number when one has been seen."""
        if not rows:
            return pl.lit([], dtype=pl.List(pl.String))
        lists: list[list[str]] = [[]]
        pick = [0] * n
        for i, found in rows:
            resolved = []
            for name in found:
                if name.lstrip("+").isdigit():
                    digits = name.lstrip("+")
                    resolved.append(state.phones.get(digits, "+" + digits))
                else:
                    resolved.append(name)
            pick[i] = len(lists)
            lists.append(resolved)
        choices = pl.Series(lists, dtype=pl.List(pl.String))
        return pl.lit(choices).gather(pl.lit(pl.Series(pick, dtype=pl.UInt32)))

    def _people(
        self,
        msgs: pl.DataFrame,
        system: list[tuple[int, fmt.SystemLine]],
        senders: list[str],
        message_id: pl.Series,
        state: _State,
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Membership events from system lines, and the identities and memberships seen for
        the first time in this chunk (senders: everyone who wrote, or did what a system line
        says)."""
        new: dict[str, str] = {}
        for name in senders:
            state.authors.add(name)
            if name not in state.identities:
                new[name] = name
        ids: list[str] = []
        times: list[int] = []
        if system:
            rows = pl.Series([row for row, _ in system], dtype=pl.UInt32)
            picked = pl.select(
                pl.lit(message_id).gather(rows), pl.lit(msgs["sent_at"]).gather(rows)
            )
            ids, times = picked.to_series(0).to_list(), picked.to_series(1).to_list()
        ev: dict[str, list[object]] = {c: [] for c in SCHEMAS["membership_events"]}
        owners: list[str] = []

        def event(
            n: int,
            index: int,
            kind: str,
            who: str | None,
            who_name: str | None,
            actor: str | None = None,
            actor_name: str | None = None,
            source: str | None = None,
        ) -> None:
            ev["group_key"].append(self.group_key)
            ev["event_id"].append(f"{ids[n]}:{index}")
            ev["at"].append(times[n])
            ev["kind"].append(kind)
            ev["identity_id"].append(who)
            ev["identity_name"].append(who_name)
            ev["actor_id"].append(actor)
            ev["actor_name"].append(actor_name)
            ev["source"].append(source)
            if who is not None and who not in state.identities:
                new[who] = who_name or who

        for n, (_, line) in enumerate(system):
            actor, actor_name = line.actor, line.actor_name
            if actor is not None and actor not in state.identities:
                new[actor] = actor_name or actor
            if line.action in fmt.GROUP_ACTIONS:
                state.group_evidence = True
            if line.action == "create_group":
                event(n, 0, "create", actor, actor_name, actor, actor_name, "creator")
                if actor is not None:
                    owners.append(actor)
            elif line.action == "invite_members":
                for i, who in enumerate(line.subjects):
                    who_id = None if who in fmt.YOU else who
                    event(n, i, "join", who_id, who, actor, actor_name, "invite")
            elif line.action in ("join_group", "join_community"):
                source = "link" if line.action == "join_group" else "unknown"
                event(n, 0, "join", actor, actor_name, source=source)
            elif line.action == "leave_group":
                event(n, 0, "leave", actor, actor_name)
            elif line.action == "remove_members":
                for i, who in enumerate(line.subjects):
                    who_id = None if who in fmt.YOU else who
                    event(n, i, "kick", who_id, who, actor, actor_name)
            elif line.action == "title_change":
                event(n, 0, "rename", actor, actor_name, actor, actor_name)

        identities: dict[str, list[object]] = {c: [] for c in SCHEMAS["identities"]}
        members: dict[str, list[object]] = {c: [] for c in SCHEMAS["memberships"]}
        for ident, name in new.items():
            phone = None
            if _PHONE_RX.match(ident):
                digits = re.sub(r"[^0-9]", "", ident)
                phone = "+" + digits
                state.phones[digits] = ident
            for column, value in zip(
                SCHEMAS["identities"], (PLATFORM, ident, name, None, phone, None), strict=True
            ):
                identities[column].append(value)
            for column, value in zip(
                SCHEMAS["memberships"], (self.group_key, ident, name, "member"), strict=True
            ):
                members[column].append(value)
            state.identities.add(ident)
        for owner in owners:
            if owner not in state.owners:
                state.owners.add(owner)
                for column, value in zip(
                    SCHEMAS["memberships"], (self.group_key, owner, owner, "owner"), strict=True
                ):
                    members[column].append(value)
        return (
            frame("membership_events", dict(ev)) if ev["kind"] else _EMPTY["membership_events"],
            frame("memberships", dict(members)) if members["role"] else _EMPTY["memberships"],
            frame("identities", dict(identities)) if new else _EMPTY["identities"],
        )


def _empty_parsed() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "sent_at": pl.Int64,
            "sender": pl.String,
            "kind": pl.String,
            "text": pl.String,
            "action": pl.String,
            "edited": pl.Boolean,
            "h": pl.UInt64,
        }
    )
