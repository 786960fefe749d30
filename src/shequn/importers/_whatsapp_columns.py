"""The Polars queries that read a chunk of a WhatsApp export. See docs/importers/whatsapp.md.

Each Polars call costs a fixed fraction of a millisecond besides its work, and so does building
its expressions in Python; a chunk therefore goes through a few lazy queries whose expressions
are built once per export, here, and reused for every chunk (and by every worker thread:
expressions are immutable).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from . import _whatsapp_format as fmt

ALL_MARKS = fmt.MARKS + " "

_SPECIAL_START_RX = (
    "^(?:"
    + "|".join(re.escape(p) + "$" for p in fmt.PLACEHOLDER_KINDS)
    + "|<attached: |[Ll]ocation: |[Uu]bicación: |位置: |[Ll]ive location shared|POLL:)"
)
_QUOTED_HINT_RX = "|".join(re.escape(h) for h in fmt.QUOTED_HINT)
_SYSTEM_HINT_RX = (
    r" (?:added|removed|left|joined|created|changed) |end-to-end|已退出|添加了|移除了|创建了群组"
    r"|通过此群组| left$"
)
Step = Callable[[pl.LazyFrame], pl.LazyFrame]

# What a picked row may be reworked for; any_horizontal of these selects it.
FLAGS = ("edited", "has_at", "special", "candidate")


class Columns:
    """The queries for one export, given its layout, day order and group name."""

    def __init__(self, layout: fmt.Layout, dayfirst: bool, group_name: str) -> None:
        self.layout = layout
        self._base = [
            pl.col("line").str.contains(layout.header_rx()).alias("is_header"),
        ]
        self._heads = _heads(layout)
        self._flags = {lead: _flags(layout, group_name, lead) for lead in (False, True)}
        self._clock = _clock(layout, dayfirst) if layout.split_time else None
        self._picked = _picked()

    def base(self, lines: pl.DataFrame) -> pl.LazyFrame:
        """Every line, numbered (row), with is_header and the message it belongs to (m)."""
        return (
            lines.lazy()
            .with_row_index("row")
            .with_columns(self._base)
            .with_columns(m=pl.col("is_header").cum_sum().cast(pl.Int64) - 1)
        )

    def heads(self, base: pl.LazyFrame) -> pl.LazyFrame:
        """The header lines split into head (date and time), author and the raw body; lead
        tells whether any body starts with a LRM."""
        q = base.filter(pl.col("is_header"))
        for step in self._heads:
            q = step(q)
        return q

    @staticmethod
    def continuations(base: pl.LazyFrame) -> pl.LazyFrame:
        """The lines after each message's first, joined, by message number m."""
        return (
            base.filter(~pl.col("is_header") & (pl.col("m") >= 0))
            .group_by("m", maintain_order=True)
            .agg(pl.col("line").str.join("\n").alias("more"))
        )

    def flags(self, heads: pl.LazyFrame, lead: bool) -> pl.LazyFrame:
        """text, sender, a first guess at kind (link or text) and the flags of each message."""
        q = heads
        for exprs in self._flags[lead]:
            q = q.with_columns(exprs)
        return q

    def clock(self, distinct: pl.LazyFrame) -> pl.LazyFrame | None:
        """Local times read column-wise (see _clock), or None when the layout does not allow."""
        if self._clock is None:
            return None
        q = distinct
        for step in self._clock:
            q = step(q)
        return q

    def picked(self, msgs: pl.DataFrame) -> pl.LazyFrame:
        """The rows some flag picks out, with their text cleaned and media kinds settled."""
        q = msgs.lazy().with_row_index("i").filter(pl.any_horizontal(FLAGS))
        for step in self._picked:
            q = step(q)
        return q


def special(text: pl.Expr) -> pl.Expr:
    """Bodies that are a placeholder, an attachment, a location or a poll."""
    return (
        text.str.contains(_SPECIAL_START_RX)
        | text.str.contains(" (file attached)", literal=True)
        | text.str.ends_with(fmt.IOS_DOCUMENT_SUFFIX)
    )


def _heads(layout: fmt.Layout) -> list[Step]:
    line = pl.col("line").cast(pl.Binary)
    pos, colon, start = pl.col("pos"), pl.col("colon"), pl.col("start")
    finds = [
        pl.col("line").str.find(layout.close, literal=True).alias("pos"),
        pl.col("line").str.find(": ", literal=True).alias("colon"),
    ]
    starts = (pos + len(layout.close)).alias("start")
    # Byte offsets from str.find fall on character boundaries (the separators are ASCII), so
    # slicing bytes and casting back to text is safe and cheaper than slicing by characters.
    # No header layout contains ": ", so the first one in a header line ends the author's name;
    # a null offset yields null, which is how a line without one gets a null author.
    colons = pl.when(colon >= start).then(colon).alias("colon")
    fields = [
        "row",
        line.bin.slice(0, pos).cast(pl.String).str.strip_chars_start(fmt.LEAD_MARKS).alias("head"),
        colon.is_null().alias("no_author"),
        line.bin.slice(start, colon - start).cast(pl.String).alias("author"),
        line.bin.slice((colon + 2).fill_null(start)).cast(pl.String).alias("raw"),
    ]
    lead = pl.col("raw").str.starts_with("\u200e").any().alias("lead")
    return [
        lambda q: q.with_columns(finds),
        lambda q: q.with_columns(starts),
        lambda q: q.with_columns(colons),
        lambda q: q.select(fields),
        lambda q: q.with_columns(lead),
    ]


def _flags(layout: fmt.Layout, group_name: str, lead: bool) -> list[list[pl.Expr]]:
    text = pl.col("text")
    # iOS puts a LRM before media placeholders and system text; marks elsewhere in a body
    # (isolates around mentions) go later, for the rows with an "@".
    first = [
        (pl.col("raw").str.strip_chars_start(fmt.LEAD_MARKS) if lead else pl.col("raw")).alias(
            "text"
        ),
        pl.col("author").str.strip_chars(ALL_MARKS).alias("sender"),
        pl.col("raw").str.starts_with("\u200e").alias("lrm"),
        pl.col("raw").str.contains("@", literal=True).alias("has_at"),
    ]
    second = [
        text.str.ends_with(fmt.EDITED_MARKER).alias("edited"),
        special(text).alias("special"),
        pl.when(text.str.contains(r"://|www\."))
        .then(pl.lit("link"))
        .otherwise(pl.lit("text"))
        .alias("kind"),
        pl.lit(None, dtype=pl.String).alias("action"),
    ]
    if layout.bracketed:
        # Exports without the LRM still author group events with the group's name.
        by_group = (pl.col("sender") == group_name) & text.str.contains(_SYSTEM_HINT_RX)
        candidate = (
            pl.col("no_author") | (pl.col("lrm") & ~pl.col("special")) | by_group.fill_null(False)
        )
    else:
        # Of the lines that read "Name: text", only phrases with quoted free text can be
        # system lines (the hint is in what reads as the name).
        candidate = pl.col("no_author") | pl.col("author").str.contains(_QUOTED_HINT_RX)
    return [first, second, [candidate.alias("candidate")]]


def _clock(layout: fmt.Layout, dayfirst: bool) -> list[Step]:
    """Each distinct date read once with chrono, the clock from fixed places counted from its
    end ("9:15 PM", "21:15:07"); ok is false when some header does not fit."""
    sep = layout.date_time_sep
    seconds = layout.time_seps[1] is not None
    twelve = layout.ampm_after is not None
    # The date is ASCII, so the separator's byte offset is also its character offset.
    cut = pl.col("head").str.find(sep, literal=True)
    clock = pl.col("clock")
    day = (
        pl.col("date")
        .filter(pl.col("new_day"))
        .str.to_date(layout.date_format(dayfirst), strict=False)
        .cast(pl.Int64)
        .gather(pl.col("new_day").cum_sum().cast(pl.Int64) - 1)
    )
    pm = pl.lit(0)
    if twelve:
        pm = (clock.str.ends_with("PM") | clock.str.ends_with("pm")).cast(pl.Int64)
        clock = clock.str.head(-3)
    h, mi, sec = pl.col("h"), pl.col("mi"), pl.col("s")
    hour = h % 12 + pl.col("pm") * 12 if twelve else h
    low, high = (1, 12) if twelve else (0, 23)
    local = pl.col("local")
    split = [
        pl.col("head").str.head(cut).alias("date"),
        pl.col("head").str.slice(cut + len(sep)).alias("clock"),
    ]
    new_day = pl.col("date").ne_missing(pl.col("date").shift(1)).alias("new_day")
    parts = [
        day.alias("day"),
        clock.str.head(-6 if seconds else -3).str.to_integer(strict=False).alias("h"),
        clock.str.slice(-5 if seconds else -2, 2).str.to_integer(strict=False).alias("mi"),
        (clock.str.slice(-2).str.to_integer(strict=False) if seconds else pl.lit(0)).alias("s"),
        pm.alias("pm"),
    ]
    times = [
        ((pl.col("day") * 86_400 + hour * 3_600 + mi * 60 + sec) * 1_000_000)
        .cast(pl.Datetime("us"))
        .alias("local"),
        (
            pl.col("day").is_not_null()
            & h.is_between(low, high)
            & mi.is_between(0, 59)
            & sec.is_between(0, 59)
        )
        .fill_null(False)
        .all()
        .alias("ok"),
    ]
    bounds = [local.min().alias("first"), local.max().alias("last")]
    return [
        lambda q: q.select(split),
        lambda q: q.with_columns(new_day),
        lambda q: q.select(parts),
        lambda q: q.select(times),
        lambda q: q.with_columns(bounds),
    ]


def _picked() -> list[Step]:
    text = pl.col("text")
    keep = [
        "i",
        "text",
        "raw",
        "author",
        "sender",
        "no_author",
        *FLAGS,
        pl.col("kind").alias("fallback"),
    ]
    unedited = (
        pl.when("edited")
        .then(text.str.strip_suffix(fmt.EDITED_MARKER).str.strip_chars_end(ALL_MARKS))
        .otherwise(text)
        .alias("text")
    )
    recheck = [
        pl.when("edited").then(special(text)).otherwise("special").alias("special"),
        # Isolates around mentions and names are kept out of the text.
        pl.when("has_at")
        .then(text.str.replace_all(fmt.MARKS_RE, ""))
        .otherwise(text)
        .alias("text"),
    ]
    kinds = _special_kinds()
    return [
        lambda q: q.select(keep),
        lambda q: q.with_columns(unedited),
        lambda q: q.with_columns(recheck),
        lambda q: q.with_columns(kinds),
    ]


def _special_kinds() -> list[pl.Expr]:
    """kind and text of the rows flagged special: placeholders, attachments (by their file
    name), locations and polls; a null kind for the other rows."""
    t = pl.col("text")
    attached = pl.coalesce(
        t.str.extract(fmt.IOS_ATTACHED_RX, 1), t.str.extract(fmt.ANDROID_ATTACHED_RX, 1)
    )
    placeholder = (
        pl.when(t.str.ends_with(fmt.IOS_DOCUMENT_SUFFIX))
        .then(pl.lit("file"))
        .otherwise(t.replace_strict(fmt.PLACEHOLDER_KINDS, default=None, return_dtype=pl.String))
    )
    lower = attached.str.to_lowercase()
    by_name = (
        pl.when(lower.str.ends_with(".vcf"))
        .then(pl.lit("contact"))
        .otherwise(
            pl.coalesce(
                attached.str.extract(r"^[0-9]+-([A-Z]+)-", 1).replace_strict(
                    fmt.IOS_KIND_WORDS, default=None, return_dtype=pl.String
                ),
                attached.str.extract(r"^([A-Z]{3})-", 1).replace_strict(
                    fmt.ANDROID_KIND_PREFIXES, default=None, return_dtype=pl.String
                ),
                pl.when(lower.str.contains(r"\.(?:jpe?g|png|webp|heic)$")).then(pl.lit("image")),
                pl.when(lower.str.contains(r"\.(?:mp4|mov|3gp)$")).then(pl.lit("video")),
                pl.when(lower.str.contains(r"\.(?:opus|ogg|m4a|mp3|aac)$")).then(pl.lit("audio")),
                pl.lit("file"),
            )
        )
    )
    kind = pl.coalesce(
        placeholder,
        pl.when(attached.is_not_null()).then(by_name),
        pl.when(t.str.contains(fmt.LOCATION_RX)).then(pl.lit("location")),
        pl.when(t.str.starts_with(fmt.POLL_PREFIX)).then(pl.lit("poll")),
    )
    text = (
        pl.when(placeholder.is_not_null())
        .then(pl.lit(""))
        .when(attached.is_not_null())
        .then(t.str.replace(fmt.ATTACHMENT_LINE_RX, "").str.strip_chars())
        .otherwise(t)
    )
    flagged = pl.col("special")
    return [
        pl.when(flagged).then(kind).alias("kind"),
        pl.when(flagged).then(text).otherwise(t).alias("text"),
    ]
