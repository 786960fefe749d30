"""The fast bulk path of each database for ingest. See docs/ingest.md (Bulk writes).

PostgreSQL: COPY (CSV written by Polars) into a temporary staging table, then one
`INSERT … SELECT … ON CONFLICT DO NOTHING`; the rows actually inserted come back per group
and local day through `RETURNING`, aggregated in the server.
SQLite: `executemany` of `INSERT … ON CONFLICT DO NOTHING`, one call per (group, local day) so
the change counter tells which days received new rows.

Both run inside the caller's transaction (one per importer batch) and rely on the unique
constraints of the target tables to drop rows that are already stored, which is what makes
re-imports, overlapping exports and resumed imports idempotent.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

import polars as pl
import psycopg
from django.db import connection

from shequn.apps.community.models import Group

# Columns whose name starts with "_" travel with a frame but are not stored (e.g. `_day`).
_HIDDEN = "_"
# Rows per COPY chunk: bounds the CSV buffer, not the transaction.
_COPY_ROWS = 100_000


@dataclass
class Inserted:
    rows: int = 0
    # (group id, local day) → rows newly inserted, when the caller asked for days.
    days: dict[tuple[int, date], int] = field(default_factory=dict)


def _stored_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if not c.startswith(_HIDDEN)]


class BulkWriter:
    """Insert-if-absent of many rows at once; see the module docstring."""

    def begin_batch(self) -> None:
        """Called first inside each batch transaction."""

    def insert_ignore(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        day_of: str | None = None,
        key: tuple[str, ...] | None = None,
    ) -> Inserted:
        raise NotImplementedError


class SqliteWriter(BulkWriter):
    # Page cache for the connection (KiB when negative): index B-trees of a million-row import
    # stay in memory instead of being re-read from the file for every insert.
    CACHE_KIB = 256 * 1024

    def __init__(self) -> None:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = -{self.CACHE_KIB}")

    def insert_ignore(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        day_of: str | None = None,
        key: tuple[str, ...] | None = None,
    ) -> Inserted:
        result = Inserted()
        if frame.height == 0:
            return result
        columns = _stored_columns(frame)
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("?" for _ in columns)
        sql = f'INSERT INTO "{table}" ({quoted}) VALUES ({marks}) ON CONFLICT DO NOTHING'

        stored = frame.select(_sqlite_values(frame, columns))
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        cursor = raw.cursor()
        try:
            if day_of is None:
                before = raw.total_changes
                cursor.executemany(sql, stored.iter_rows())
                result.rows = raw.total_changes - before
                return result
            # `_day` is the local day computed by the caller in the group's timezone. One
            # executemany per (group, day) so the change counter attributes new rows to days.
            ordered = (
                stored.with_columns(frame.get_column("_day"))
                .with_row_index("_i")
                .sort("group_id", "_day", "_i")
            )
            keys = ordered.select("group_id", "_day").iter_rows()
            values = ordered.select(columns).iter_rows()
            for (group_id, day), part in groupby(zip(keys, values, strict=True), key=itemgetter(0)):
                before = raw.total_changes
                cursor.executemany(sql, (row for _key, row in part))
                new = raw.total_changes - before
                if new:
                    result.days[(int(group_id), day)] = new
                    result.rows += new
        finally:
            cursor.close()
        return result


def _sqlite_values(frame: pl.DataFrame, columns: list[str]) -> list[pl.Expr]:
    """Values as Django's SQLite backend stores them: UTC datetimes as
    'YYYY-MM-DD HH:MM:SS[.ffffff]' text (so they compare and parse like ORM-written ones)."""
    exprs = []
    for name in columns:
        dtype = frame.schema[name]
        col = pl.col(name)
        if isinstance(dtype, pl.Datetime):
            utc = col.dt.convert_time_zone("UTC") if dtype.time_zone else col
            exprs.append(
                pl.when(utc.dt.microsecond() == 0)
                .then(utc.dt.strftime("%Y-%m-%d %H:%M:%S"))
                .otherwise(utc.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))
                .alias(name)
            )
        elif dtype == pl.Date:
            exprs.append(col.dt.strftime("%Y-%m-%d").alias(name))
        else:
            exprs.append(col)
    return exprs


class PostgresWriter(BulkWriter):
    def __init__(self) -> None:
        # Staging tables filled in the current transaction (emptied by its commit).
        self._staged: set[str] = set()

    def begin_batch(self) -> None:
        self._staged.clear()
        # A batch does not wait for its commit to reach the disk: a server crash may lose the
        # last batches committed (never part of one), and re-running the import restores them
        # since ingest is idempotent. A killed client loses nothing committed.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")

    def insert_ignore(
        self,
        table: str,
        frame: pl.DataFrame,
        *,
        day_of: str | None = None,
        key: tuple[str, ...] | None = None,
    ) -> Inserted:
        result = Inserted()
        if frame.height == 0:
            return result
        columns = _stored_columns(frame)
        quoted = ", ".join(f'"{c}"' for c in columns)
        stage = f"_stage_{table}"
        texts = [c for c in columns if frame.schema[c] == pl.String]
        force_cols = ", ".join(f'"{c}"' for c in texts)
        force = f", FORCE_NOT_NULL ({force_cols})" if texts else ""
        connection.ensure_connection()
        raw = connection.connection
        assert raw is not None
        with raw.cursor() as cursor:
            # Same column types as the target, no constraints; kept by the session (created once
            # per connection, or again after a rolled-back batch) and emptied at every commit.
            if stage in self._staged:
                cursor.execute(f'TRUNCATE "{stage}"')
            cursor.execute(
                f'CREATE TEMP TABLE IF NOT EXISTS "{stage}" ON COMMIT DELETE ROWS AS '
                f'SELECT {quoted} FROM "{table}" WITH NO DATA'
            )
            self._staged.add(stage)
            with cursor.copy(f'COPY "{stage}" ({quoted}) FROM STDIN (FORMAT csv{force})') as copy:
                for chunk in _csv_chunks(frame.select(columns)):
                    copy.write(chunk)
            plain = f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{stage}"'
            if key is not None and not _any_stored(cursor, table, frame, key):
                # Optimistic path: the sampled keys are all new, so insert without ON CONFLICT
                # (its speculative insertion costs a third of the insert). A row stored after all
                # (an overlap the sample missed, a duplicate inside the batch, a concurrent
                # import) raises a unique violation: back to the savepoint, then ON CONFLICT.
                cursor.execute("SAVEPOINT shequn_ingest_plain")
                try:
                    cursor.execute(plain)
                except psycopg.errors.UniqueViolation:
                    cursor.execute("ROLLBACK TO SAVEPOINT shequn_ingest_plain")
                else:
                    cursor.execute("RELEASE SAVEPOINT shequn_ingest_plain")
                    result.rows = frame.height
                    if day_of is not None:
                        result.days = _days_of(frame)
                    return result
            insert = f"{plain} ON CONFLICT DO NOTHING"
            if day_of is None:
                cursor.execute(insert)
                result.rows = max(cursor.rowcount, 0)
                return result
            group_table = Group._meta.db_table
            cursor.execute(
                f'WITH ins AS ({insert} RETURNING "group_id", "{day_of}") '
                f'SELECT ins.group_id, (ins."{day_of}" AT TIME ZONE g.timezone)::date, count(*) '
                f'FROM ins JOIN "{group_table}" g ON g.id = ins.group_id GROUP BY 1, 2'
            )
            for group_id, day, n in cursor.fetchall():
                result.days[(int(group_id), day)] = int(n)
                result.rows += int(n)
        return result


# Keys of a batch probed before the optimistic insert (evenly spaced, first and last included).
_PROBES = 64


def _any_stored(
    cursor: Any, table: str, frame: pl.DataFrame, key: tuple[str, ...], *, mark: str = "%s"
) -> bool:
    """Whether any of a sample of the frame's keys is already stored (one indexed query)."""
    step = max(frame.height // _PROBES, 1)
    sample = frame.select(key).gather_every(step).vstack(frame.select(key).tail(1)).unique()
    values = [v for row in sample.iter_rows() for v in row]
    rows = ", ".join("(" + ", ".join([mark] * len(key)) + ")" for _ in range(sample.height))
    columns = ", ".join(f'"{c}"' for c in key)
    cursor.execute(
        f'SELECT EXISTS (SELECT 1 FROM "{table}" WHERE ({columns}) IN (VALUES {rows}))', values
    )
    found = cursor.fetchone()
    return bool(found and found[0])


def _days_of(frame: pl.DataFrame) -> dict[tuple[int, date], int]:
    """Rows per (group, local day) of a frame whose rows were all inserted."""
    counts = frame.group_by("group_id", "_day").len()
    return {(int(g), d): int(n) for g, d, n in counts.iter_rows()}


def _csv_chunks(frame: pl.DataFrame) -> Iterator[bytes]:
    for offset in range(0, frame.height, _COPY_ROWS):
        buf = io.BytesIO()
        frame.slice(offset, _COPY_ROWS).write_csv(
            buf,
            include_header=False,
            datetime_format="%Y-%m-%d %H:%M:%S%.6f+00",
            date_format="%Y-%m-%d",
        )
        yield buf.getvalue()


def writer() -> BulkWriter:
    if connection.vendor == "postgresql":
        return PostgresWriter()
    if connection.vendor == "sqlite":
        return SqliteWriter()
    raise NotImplementedError(
        f"bulk ingest supports PostgreSQL and SQLite, not {connection.vendor}"
    )


def db_value(value: Any) -> Any:
    """A scalar parameter for raw SQL, adapted like the ORM does for this database."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
