"""Synthetic message ids for WhatsApp, computed column-wise. See docs/importers/whatsapp.md.

WhatsApp exports carry no message ids. Like `events.synthetic_message_id`, an id here is a
function of (sent_at, author, text, occurrence among identical triples), so a re-export or an
overlapping export of the same chat maps onto the same ids. Hashing a million strings one
Python call at a time costs about a second, and Polars' own `hash` may change between Polars
versions (ids are stored for good), so this module defines its own 64-bit polynomial hash and
evaluates it with Polars arithmetic over the strings' bytes read as 8-byte words.
"""

from __future__ import annotations

import threading

import polars as pl
import pyarrow as pa

_MASK = (1 << 64) - 1
# Odd, so it is invertible modulo 2**64: that lets one prefix sum over the whole chunk serve
# every string (a segment sum is rebased to its own start by the inverse power).
_P = 0x9E3779B97F4A7C15
_P_INV = pow(_P, -1, 1 << 64)
_LEN_MIX = 0xC2B2AE3D27D4EB4F
_SENDER_MIX = 0xD6E8FEB86659FD93
_PADS = pl.Series("pad", ["\0" * i for i in range(8)])


class _Powers:
    """P**i and P**-i for i < n, grown on demand and kept for later chunks. Chunks hash on
    several threads: the pair is replaced as one tuple, and callers use what they got."""

    def __init__(self) -> None:
        self._tables = (pl.Series([1], dtype=pl.UInt64), pl.Series([1], dtype=pl.UInt64))
        self._lock = threading.Lock()

    def tables(self, n: int) -> tuple[pl.Series, pl.Series]:
        tables = self._tables
        if tables[0].len() >= n:
            return tables
        with self._lock:
            if self._tables[0].len() < n:
                size = max(n, 2 * self._tables[0].len(), 1 << 16)
                self._tables = (_powers(_P, size), _powers(_P_INV, size))
            return self._tables


def _powers(base: int, size: int) -> pl.Series:
    steps = pl.repeat(base, size - 1, dtype=pl.UInt64, eager=True).cum_prod()
    return pl.concat([pl.Series([1], dtype=pl.UInt64), steps])


_POWERS = _Powers()
_SENDER_HASHES: dict[str, int] = {}


class _ArrowArray:
    """Hands an Arrow array to Polars through the C data interface alone: given a pyarrow
    array itself, Polars imports pyarrow.compute (a sixth of a second and 10 MB, once)."""

    def __init__(self, array: pa.Array) -> None:
        self.array = array

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]:
        return self.array.__arrow_c_array__(requested_schema)


def message_hash(text: pl.Series, sender: pl.Series, names: list[str]) -> pl.Series:
    """H(text) + H(sender) * Q mod 2**64 (null reads as ""); names are the distinct senders."""
    # Senders are few and recur from chunk to chunk: each is hashed once, in Python.
    hashes = [_sender_hash(n) for n in names]
    by_sender = pl.col("s").replace_strict(
        names, hashes, default=0, return_dtype=pl.UInt64
    ) * pl.lit(_SENDER_MIX, dtype=pl.UInt64)
    return string_hash(text, extra=(pl.DataFrame({"s": sender}), by_sender)).alias(text.name)


def _sender_hash(name: str) -> int:
    known = _SENDER_HASHES.get(name)
    if known is None:
        if len(_SENDER_HASHES) > 100_000:
            _SENDER_HASHES.clear()
        known = _SENDER_HASHES[name] = reference_hash(name)
    return known


def string_hash(values: pl.Series, extra: tuple[pl.DataFrame, pl.Expr] | None = None) -> pl.Series:
    """A stable 64-bit hash of each string (null reads as ""), plus extra: an expression over
    the columns of a frame as long as values, added on the way (modulo 2**64).

    h(s) = len(s) * M + sum(word_j * P**j) mod 2**64, where word_j are the little-endian
    8-byte words of s padded with NULs to a multiple of 8 bytes.
    """
    if values.len() == 0:
        return pl.Series(values.name, [], dtype=pl.UInt64)
    length = pl.col("v").str.len_bytes().fill_null(0).cast(pl.Int64)
    words = (pl.col("len") + 7) // 8
    frame = pl.DataFrame({"v": values})
    if extra is not None:
        frame = frame.hstack(extra[0])
    sizes = (
        frame.lazy()
        .with_columns(len=length)
        .with_columns(words=words, pad=(words * 8 - pl.col("len")).cast(pl.UInt32))
    )
    # Each string padded with NULs to whole words and all joined: one array of 8-byte words.
    table, joined = pl.collect_all(
        [
            sizes.select(
                "len",
                "words",
                end=pl.col("words").cum_sum(),
                extra=pl.lit(0, dtype=pl.UInt64) if extra is None else extra[1],
            ),
            sizes.select(
                pl.concat_str([pl.col("v").fill_null(""), pl.lit(_PADS).gather(pl.col("pad"))])
                .str.join("")
                .cast(pl.Binary)
            ),
        ],
        engine="in-memory",
        optimizations=pl.QueryOptFlags.none(),
    )
    total = int(table["end"][-1] or 0)
    base = pl.col("len").cast(pl.UInt64) * _LEN_MIX + pl.col("extra")
    if total == 0:
        return table.select(base)["len"].alias(values.name)
    data = joined.to_series().to_arrow(compat_level=pl.CompatLevel.oldest()).buffers()[2]
    del joined
    up, down = _POWERS.tables(total + 1)
    words_in_order = pl.Series(
        "w", _ArrowArray(pa.Array.from_buffers(pa.uint64(), total, [None, data]))
    )
    del data
    sums = pl.select((pl.lit(words_in_order) * pl.lit(up.head(total))).cum_sum()).to_series()
    del words_in_order
    # sums[i] holds words 0..i, so a string's words start..end-1 add up to
    # sums[end-1] - sums[start-1]; dividing by P**start (multiplying by its inverse) makes the
    # sum start at P**0. Empty strings have no words and sum to 0.
    start = pl.col("end") - pl.col("words")
    zero = pl.lit(0, dtype=pl.UInt64)
    upto_end = pl.lit(sums).gather((pl.col("end") - 1).clip(0))
    upto_start = pl.when(start > 0).then(pl.lit(sums).gather((start - 1).clip(0))).otherwise(zero)
    local = (upto_end - upto_start) * pl.lit(down).gather(start)
    return table.select(h=pl.when(pl.col("words") > 0).then(local).otherwise(zero) + base)[
        "h"
    ].alias(values.name)


def reference_hash(value: str) -> int:
    """The same hash in plain Python (tests check the column-wise version against it)."""
    data = value.encode()
    data += b"\0" * (-len(data) % 8)
    acc = 0
    power = 1
    for i in range(0, len(data), 8):
        acc = (acc + int.from_bytes(data[i : i + 8], "little") * power) & _MASK
        power = (power * _P) & _MASK
    return (acc + len(value.encode()) * _LEN_MIX) & _MASK
