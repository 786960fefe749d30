"""Reads of chat history: import runs, and a group's stored rows back as the canonical Polars
tables the analytics library reads (docs/ingest.md, Reading back). Every query is scoped by
workspace."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import polars as pl
from django.db import connection
from django.db.models import Max, QuerySet
from django.utils import timezone
from psycopg import sql as pgsql

from shequn.apps.chat.models import ImportRun, Membership, MembershipEvent, Message, Reaction
from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity
from shequn.apps.tenancy.models import Workspace
from shequn.importers.canonical import Canonical
from shequn.importers.events import SCHEMAS

from .ingest.store import db_value

# A running import whose last committed batch is older than this was interrupted (killed).
STALE_AFTER = timedelta(minutes=15)


# -- import runs ------------------------------------------------------------------------------


def get_import_run(*, workspace: Workspace, run_id: int) -> ImportRun:
    """The run, for progress polling; raises ImportRun.DoesNotExist outside the workspace."""
    return ImportRun.objects.get(workspace=workspace, pk=run_id)


def list_import_runs(*, workspace: Workspace) -> QuerySet[ImportRun]:
    return ImportRun.objects.filter(workspace=workspace).order_by("-created_at", "-pk")


def is_interrupted(run: ImportRun) -> bool:
    """A run still marked running whose heartbeat stopped: its process died (kill -9, power
    loss). Its committed batches are stored; importing the same file again completes it."""
    if run.status != ImportRun.Status.RUNNING:
        return False
    beat = run.updated_at or run.started_at or run.created_at
    return beat < timezone.now() - STALE_AFTER


# -- the store as canonical tables ------------------------------------------------------------


def get_group_canonical(
    *,
    workspace: Workspace,
    group: Group,
    since: datetime | None = None,
    until: datetime | None = None,
    with_reactions: bool = True,
) -> Canonical:
    """One group's rows as the canonical tables of `shequn.importers.events`.

    Ids are the platform's (identity external ids, platform message ids), so the analytics see
    exactly what `shequn analyze` sees for the same export. With `since`/`until`, messages,
    reactions and membership events are cut to [since, until); `create` events are kept from
    any time (they name the group's owner), and memberships and identities are always whole.
    """
    assert group.workspace_id == workspace.pk
    g = group.pk
    ident = Identity._meta.db_table
    msg = Message._meta.db_table
    evt = MembershipEvent._meta.db_table
    rct = Reaction._meta.db_table
    mem = Membership._meta.db_table
    bounds, bound_params = _bounds("m.sent_at", since, until)
    ev_bounds, ev_params = _bounds("e.at", since, until)
    if since is not None:
        ev_bounds = f"AND (e.kind = 'create' OR (1=1 {ev_bounds}))"

    groups = pl.DataFrame(
        {
            "group_key": [group.key],
            "platform": [group.platform],
            "external_id": [group.external_id or None],
            "name": [group.name or None],
            "chat_type": [group.chat_type or None],
            "source": [None],
        },
        schema=SCHEMAS["groups"],
    )
    identities = _frame(
        f"SELECT i.platform, i.external_id, i.name, i.handle, i.phone, i.is_bot FROM {ident} i "
        f"WHERE i.workspace_id = %s AND i.id IN ("
        f"SELECT identity_id FROM {mem} WHERE group_id = %s "
        f"UNION SELECT identity_id FROM {rct} WHERE group_id = %s "
        f"UNION SELECT actor_id FROM {evt} WHERE group_id = %s)",
        [workspace.pk, g, g, g],
        {
            "platform": pl.String,
            "identity_id": pl.String,
            "name": pl.String,
            "handle": pl.String,
            "phone": pl.String,
            "is_bot": pl.Boolean,
        },
    ).with_columns(_blank_to_null("name", "handle", "phone"))
    memberships = _frame(
        f"SELECT i.external_id, i.name, mb.role FROM {mem} mb JOIN {ident} i "
        f"ON i.id = mb.identity_id WHERE mb.workspace_id = %s AND mb.group_id = %s",
        [workspace.pk, g],
        {"identity_id": pl.String, "name": pl.String, "role": pl.String},
    ).select(
        pl.lit(group.key).alias("group_key"),
        "identity_id",
        pl.col("name").replace("", None),
        "role",
    )
    messages = _frame(
        f"SELECT m.platform_message_id, {_micros('m.sent_at')}, i.external_id, m.sender_name, "
        f"m.kind, m.text, m.reply_to, m.mentions, m.action, m.edited FROM {msg} m "
        f"LEFT JOIN {ident} i ON i.id = m.identity_id "
        f"WHERE m.workspace_id = %s AND m.group_id = %s {bounds} ORDER BY m.sent_at, m.id",
        [workspace.pk, g, *bound_params],
        {
            "message_id": pl.String,
            "sent_at": pl.Int64,
            "sender_id": pl.String,
            "sender_name": pl.String,
            "kind": pl.String,
            "text": pl.String,
            "reply_to": pl.String,
            "mentions": pl.String,
            "action": pl.String,
            "edited": pl.Boolean,
        },
    ).select(
        pl.lit(group.key).alias("group_key"),
        "message_id",
        _from_micros("sent_at"),
        "sender_id",
        pl.col("sender_name").replace("", None),
        "kind",
        "text",
        pl.col("reply_to").replace("", None),
        pl.col("mentions").str.json_decode(pl.List(pl.String)),
        pl.col("action").replace("", None),
        "edited",
    )
    reactions = pl.DataFrame(schema=SCHEMAS["reactions"])
    if with_reactions:
        r_bounds, r_params = _bounds("m.sent_at", since, until)
        reactions = _frame(
            f"SELECT r.platform_message_id, r.emoji, i.external_id, i.name, r.count, "
            f"{_micros('r.reacted_at')} FROM {rct} r "
            f"LEFT JOIN {ident} i ON i.id = r.identity_id "
            + (
                f"JOIN {msg} m ON m.group_id = r.group_id "
                f"AND m.platform_message_id = r.platform_message_id "
                if since is not None or until is not None
                else ""
            )
            + f"WHERE r.workspace_id = %s AND r.group_id = %s {r_bounds} ORDER BY r.id",
            [workspace.pk, g, *r_params],
            {
                "message_id": pl.String,
                "emoji": pl.String,
                "reactor_id": pl.String,
                "reactor_name": pl.String,
                "count": pl.Int32,
                "reacted_at": pl.Int64,
            },
        ).select(
            pl.lit(group.key).alias("group_key"),
            "message_id",
            "emoji",
            "reactor_id",
            pl.col("reactor_name").replace("", None),
            "count",
            _from_micros("reacted_at"),
        )
    events = _frame(
        f"SELECT e.event_id, {_micros('e.at')}, e.kind, i.external_id, e.identity_name, "
        f"a.external_id, e.actor_name, e.source FROM {evt} e "
        f"LEFT JOIN {ident} i ON i.id = e.identity_id LEFT JOIN {ident} a ON a.id = e.actor_id "
        f"WHERE e.workspace_id = %s AND e.group_id = %s {ev_bounds} ORDER BY e.at, e.id",
        [workspace.pk, g, *ev_params],
        {
            "event_id": pl.String,
            "at": pl.Int64,
            "kind": pl.String,
            "identity_id": pl.String,
            "identity_name": pl.String,
            "actor_id": pl.String,
            "actor_name": pl.String,
            "source": pl.String,
        },
    ).select(
        pl.lit(group.key).alias("group_key"),
        "event_id",
        _from_micros("at"),
        "kind",
        "identity_id",
        pl.col("identity_name").replace("", None),
        "actor_id",
        pl.col("actor_name").replace("", None),
        pl.col("source").replace("", None),
    )
    return Canonical(
        groups=groups,
        identities=identities.cast(SCHEMAS["identities"]),  # type: ignore[arg-type]
        memberships=memberships.cast(SCHEMAS["memberships"]),  # type: ignore[arg-type]
        messages=messages.cast(SCHEMAS["messages"]),  # type: ignore[arg-type]
        reactions=reactions.cast(SCHEMAS["reactions"]),  # type: ignore[arg-type]
        membership_events=events.cast(SCHEMAS["membership_events"]),  # type: ignore[arg-type]
    )


def list_reply_targets(
    *, workspace: Workspace, group: Group, since: datetime, until: datetime
) -> pl.DataFrame:
    """For the replies sent in [since, until): message_id and target_id, the author of the
    message replied to (which may be older than `since`)."""
    msg = Message._meta.db_table
    ident = Identity._meta.db_table
    bounds, params = _bounds("m.sent_at", since, until)
    return _frame(
        f"SELECT m.platform_message_id, i.external_id FROM {msg} m "
        f"JOIN {msg} t ON t.group_id = m.group_id AND t.platform_message_id = m.reply_to "
        f"JOIN {ident} i ON i.id = t.identity_id "
        f"WHERE m.workspace_id = %s AND m.group_id = %s AND m.reply_to <> '' {bounds}",
        [workspace.pk, group.pk, *params],
        {"message_id": pl.String, "target_id": pl.String},
    )


def get_group_data_span(*, workspace: Workspace, group: Group) -> tuple[datetime, datetime] | None:
    """First and last message or membership event time of a group, or None when empty."""
    first = []
    last = []
    for model, col in ((Message, "sent_at"), (MembershipEvent, "at")):
        qs = model.objects.filter(workspace=workspace, group=group).order_by(col)
        lo = qs.values_list(col, flat=True).first()
        hi = qs.order_by(f"-{col}").values_list(col, flat=True).first()
        if lo is not None and hi is not None:
            first.append(lo)
            last.append(hi)
    if not first:
        return None
    return min(first), max(last)


def get_workspace_horizon(*, workspace: Workspace) -> datetime | None:
    """The latest message in the workspace: the end of the analysis window of every group, so
    a group that went quiet while the others kept talking reads as dormant. Computed group by
    group on the (group, sent_at) index."""
    latest = [
        Message.objects.filter(workspace=workspace, group_id=gid).aggregate(m=Max("sent_at"))["m"]
        for gid in Group.objects.filter(workspace=workspace).values_list("pk", flat=True)
    ]
    present = [x for x in latest if x is not None]
    return max(present) if present else None


# -- helpers ----------------------------------------------------------------------------------


def _bounds(
    column: str, since: datetime | None, until: datetime | None
) -> tuple[str, list[object]]:
    sql = ""
    params: list[object] = []
    if since is not None:
        sql += f" AND {column} >= %s"
        params.append(db_value(since))
    if until is not None:
        sql += f" AND {column} < %s"
        params.append(db_value(until))
    return sql, params


def _micros(column: str) -> str:
    """A timestamp column as UTC epoch microseconds (PostgreSQL) or as stored text (SQLite)."""
    if connection.vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) * 1000000)::bigint"
    return column


def _from_micros(name: str) -> pl.Expr:
    return pl.col(name).cast(pl.Int64).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def _blank_to_null(*names: str) -> list[pl.Expr]:
    return [pl.col(n).replace("", None) for n in names]


def _frame(sql: str, params: list[object], schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    """Rows of `sql` as a frame: PostgreSQL streams CSV through COPY; SQLite fetches tuples."""
    if connection.vendor == "postgresql":
        return _pg_frame(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    # Django's SQLite connection parses datetime columns into naive UTC datetimes; they become
    # epoch microseconds so both databases hand the same frame to the callers.
    raw = pl.DataFrame(
        rows,
        schema={n: (pl.Datetime("us") if _is_time(n) else t) for n, t in schema.items()},
        orient="row",
    )
    return raw.with_columns(pl.col(n).dt.epoch("us").cast(pl.Int64) for n in schema if _is_time(n))


_TIME_COLUMNS = {"sent_at", "at", "reacted_at"}


def _is_time(name: str) -> bool:
    return name in _TIME_COLUMNS


def _pg_frame(sql: str, params: list[object], schema: dict[str, type[pl.DataType]]) -> pl.DataFrame:
    connection.ensure_connection()
    raw = connection.connection
    assert raw is not None
    statement = pgsql.SQL("COPY (" + sql.replace("%s", "{}") + ") TO STDOUT (FORMAT csv)").format(
        *[pgsql.Literal(p) for p in params]
    )
    buf = io.BytesIO()
    with raw.cursor() as cursor, cursor.copy(statement) as copy:
        for chunk in copy:
            buf.write(chunk)
    if buf.tell() == 0:
        return pl.DataFrame(schema=schema)
    buf.seek(0)
    # PostgreSQL writes booleans as t/f; an empty quoted field is "", NULL is nothing.
    text_schema = {n: (pl.String if t is pl.Boolean else t) for n, t in schema.items()}
    frame = pl.read_csv(
        buf,
        has_header=False,
        new_columns=list(schema),
        schema=text_schema,
    )
    return frame.with_columns(pl.col(n) == "t" for n, t in schema.items() if t is pl.Boolean)
