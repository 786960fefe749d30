"""Writes of insights: dirty days, rollup fills, snapshots and alerts. See
docs/architecture.md (Rollups, Snapshots and alerts).

Rollups are filled incrementally and resumably. Ingest marks every (group, stat, local day)
that received new rows as dirty, in the batch's own transaction. `do_fill_rollups` then
rewrites those days window by window; each window is one transaction that replaces the day
rows and removes the dirty marks it consumed, so a crash leaves the unfinished windows dirty
and the next fill redoes exactly them. A late import of an old day dirties only that day.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.utils import timezone

from shequn.analytics.contract import build_analysis
from shequn.apps.chat.ingest.store import db_value
from shequn.apps.chat.selectors import (
    get_group_canonical,
    get_group_data_span,
    list_reply_targets,
)
from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity
from shequn.apps.tenancy.models import Workspace

from . import rollups
from .alerts import alerts_for
from .models import (
    Alert,
    DirtyDay,
    FillState,
    GroupDayRollup,
    GroupSnapshot,
    MemberDayRollup,
)

# -- dirty days -------------------------------------------------------------------------------


@transaction.atomic
def do_mark_dirty_days(
    *,
    workspace: Workspace,
    days: Mapping[int, Iterable[date]],
    stats: Iterable[str] = rollups.STAT_NAMES,
) -> int:
    """Mark (group id, day) pairs dirty for every stat. Called by ingest inside its batch
    transaction; an existing mark gets a new generation so a fill that read the day before
    this data arrived does not clear it."""
    table = DirtyDay._meta.db_table
    rows = [
        (workspace.pk, int(group_id), stat, db_value(day), 1)
        for group_id, group_days in days.items()
        for day in sorted(set(group_days))
        for stat in stats
    ]
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (workspace_id, group_id, stat, day, generation) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (group_id, stat, day) "
            f"DO UPDATE SET generation = {table}.generation + 1",
            rows,
        )
    return len(rows)


# -- rollup fill ------------------------------------------------------------------------------


@dataclass
class FillReport:
    group_id: int
    windows_done: int = 0
    windows_left: int = 0
    days_filled: int = 0
    backfilled: list[str] = field(default_factory=list)  # stats filled from scratch

    @property
    def complete(self) -> bool:
        return self.windows_left == 0


def _staff_ids(workspace: Workspace, group: Group) -> list[str]:
    """External ids of the group's identities whose person an operator marked as staff."""
    return list(
        Identity.objects.filter(
            workspace=workspace,
            person__is_staff_marked=True,
            memberships__group=group,
        )
        .values_list("external_id", flat=True)
        .distinct()
    )


def _backfill_missing(workspace: Workspace, group: Group) -> list[str]:
    """A stat with no fill state has never been filled for this group (new stat, reset, rows
    stored before rollups existed): mark every day of the group's data dirty for it."""
    known = set(FillState.objects.filter(group=group).values_list("stat", flat=True))
    missing = [s for s in rollups.STAT_NAMES if s not in known]
    if not missing:
        return []
    span = get_group_data_span(workspace=workspace, group=group)
    with transaction.atomic():
        if span is not None:
            zone = ZoneInfo(group.timezone)
            first = span[0].astimezone(zone).date()
            last = span[1].astimezone(zone).date()
            days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
            do_mark_dirty_days(workspace=workspace, days={group.pk: days}, stats=missing)
        for stat in missing:
            FillState.objects.get_or_create(
                workspace=workspace,
                group=group,
                stat=stat,
                defaults={"status": FillState.Status.DONE},
            )
    return missing


def do_fill_rollups(
    *, workspace: Workspace, group: Group, max_windows: int | None = None
) -> FillReport:
    """Recompute the group's dirty days, one window (≤ rollups.WINDOW_DAYS consecutive days)
    per transaction. `max_windows` bounds the work of one call (the rest stays dirty, the fill
    state stays `started`); the next call continues. Not atomic as a whole, by design."""
    assert group.workspace_id == workspace.pk
    report = FillReport(group_id=group.pk)
    report.backfilled = _backfill_missing(workspace, group)
    dirty = list(
        DirtyDay.objects.filter(workspace=workspace, group=group).values_list(
            "stat", "day", "generation"
        )
    )
    if not dirty:
        return report
    now = timezone.now()
    FillState.objects.filter(workspace=workspace, group=group).update(
        status=FillState.Status.STARTED, started_at=now, finished_at=None
    )
    by_day: dict[date, list[tuple[str, int]]] = {}
    for stat, day, generation in dirty:
        by_day.setdefault(day, []).append((stat, generation))
    plan = rollups.windows(list(by_day))
    staff = _staff_ids(workspace, group)
    for i, (first, last) in enumerate(plan):
        if max_windows is not None and i >= max_windows:
            report.windows_left = len(plan) - i
            return report
        marks = [(s, d, g) for d, items in by_day.items() if first <= d <= last for s, g in items]
        _fill_window(workspace, group, first, last, marks, staff)
        report.windows_done += 1
        report.days_filled += (last - first).days + 1
    FillState.objects.filter(workspace=workspace, group=group).update(
        status=FillState.Status.DONE, finished_at=timezone.now()
    )
    return report


@transaction.atomic
def _fill_window(
    workspace: Workspace,
    group: Group,
    first: date,
    last: date,
    marks: list[tuple[str, date, int]],
    staff: list[str],
) -> None:
    since, until = rollups.local_bounds(first, last, group.timezone)
    canonical = get_group_canonical(
        workspace=workspace, group=group, since=since, until=until, with_reactions=False
    )
    targets = list_reply_targets(workspace=workspace, group=group, since=since, until=until)
    computed = rollups.compute_window(
        canonical, targets, first=first, last=last, tz=group.timezone, staff=staff
    )
    stats = {s for s, _d, _g in marks}
    if rollups.GROUP_DAY.name in stats:
        GroupDayRollup.objects.filter(
            workspace=workspace, group=group, day__range=(first, last)
        ).delete()
        GroupDayRollup.objects.bulk_create(
            [
                GroupDayRollup(workspace=workspace, group=group, **row)
                for row in computed.group_days.iter_rows(named=True)
            ],
            batch_size=1000,
        )
    if rollups.MEMBER_DAY.name in stats:
        MemberDayRollup.objects.filter(
            workspace=workspace, group=group, day__range=(first, last)
        ).delete()
        pks = dict(
            Identity.objects.filter(
                workspace=workspace,
                platform=group.platform,
                external_id__in=computed.member_days.get_column("identity_id").unique().to_list(),
            ).values_list("external_id", "pk")
        )
        MemberDayRollup.objects.bulk_create(
            [
                MemberDayRollup(
                    workspace=workspace,
                    group=group,
                    identity_id=pks[row["identity_id"]],
                    day=row["day"],
                    messages=row["messages"],
                    replies_received=row["replies_received"],
                )
                for row in computed.member_days.iter_rows(named=True)
                if row["identity_id"] in pks
            ],
            batch_size=1000,
        )
    _clear_marks(group, marks)
    for stat in stats:
        state = FillState.objects.select_for_update().get(group=group, stat=stat)
        frontier = last + timedelta(days=1)
        if state.filled_until is None or state.filled_until < frontier:
            state.filled_until = frontier
            state.save(update_fields=["filled_until"])


def _clear_marks(group: Group, marks: list[tuple[str, date, int]]) -> None:
    """Delete the marks this window consumed, unless ingest bumped their generation meanwhile."""
    table = DirtyDay._meta.db_table
    with connection.cursor() as cursor:
        cursor.executemany(
            f"DELETE FROM {table} WHERE group_id = %s AND stat = %s AND day = %s "
            f"AND generation = %s",
            [(group.pk, stat, db_value(day), generation) for stat, day, generation in marks],
        )


@transaction.atomic
def do_reset_rollups(*, workspace: Workspace, group: Group) -> None:
    """Forget a group's rollups; the next fill recomputes them from the stored rows."""
    GroupDayRollup.objects.filter(workspace=workspace, group=group).delete()
    MemberDayRollup.objects.filter(workspace=workspace, group=group).delete()
    DirtyDay.objects.filter(workspace=workspace, group=group).delete()
    FillState.objects.filter(workspace=workspace, group=group).delete()


# -- snapshots and alerts ---------------------------------------------------------------------


def do_compute_group_snapshot(
    *, workspace: Workspace, group: Group, as_of: datetime | None = None
) -> GroupSnapshot | None:
    """Analyse the group's stored history with `shequn.analytics.contract.build_analysis` and
    store the result and its alerts. `as_of` defaults to the end of the group's own data;
    the refresh jobs pass the workspace horizon instead (chat.selectors.get_workspace_horizon).
    Returns None for a group with no messages or membership events yet."""
    assert group.workspace_id == workspace.pk
    canonical = get_group_canonical(workspace=workspace, group=group)
    if canonical.messages.height == 0 and canonical.membership_events.height == 0:
        return None
    if as_of is not None:
        # The window ends after the last event of the group when the horizon is earlier (an
        # analysis never cuts off data it has).
        as_of = max(as_of, _after_last_event(canonical) or as_of)
    doc = build_analysis(
        canonical,
        as_of=as_of,
        staff=_staff_ids(workspace, group),
        timezone=group.timezone,
    )
    entry = doc["groups"][0]
    entry["as_of"] = doc["as_of"]
    return _store_snapshot(workspace, group, entry, doc["as_of"])


def _after_last_event(canonical: object) -> datetime | None:
    from shequn.analytics.contract import default_as_of, latest_event

    if latest_event(canonical) is None:  # type: ignore[arg-type]
        return None
    return default_as_of(canonical)  # type: ignore[arg-type]


@transaction.atomic
def _store_snapshot(
    workspace: Workspace, group: Group, entry: dict[str, object], as_of_iso: str
) -> GroupSnapshot:
    as_of = datetime.fromisoformat(as_of_iso.replace("Z", "+00:00"))
    snapshot, _ = GroupSnapshot.objects.update_or_create(
        group=group,
        defaults={
            "workspace": workspace,
            "as_of": as_of,
            "health_score": entry.get("health_score"),
            "lifecycle_stage": entry.get("lifecycle_stage") or "",
            "weekly_active_rate": entry.get("weekly_active_rate"),
            "independent_rounds_7d": entry.get("independent_rounds_7d"),
            "members": entry.get("members") or 0,
            "messages": entry.get("messages") or 0,
            "analysis": entry,
        },
    )
    _sync_alerts(workspace, group, entry)
    return snapshot


def _sync_alerts(workspace: Workspace, group: Group, entry: dict[str, object]) -> None:
    wanted = {
        a.code: a for a in alerts_for(entry, platform=group.platform, capacity=group.capacity)
    }
    now = timezone.now()
    open_alerts = {
        a.code: a
        for a in Alert.objects.select_for_update().filter(
            workspace=workspace, group=group, resolved_at__isnull=True
        )
    }
    for code, alert in open_alerts.items():
        if code not in wanted:
            alert.resolved_at = now
            alert.save(update_fields=["resolved_at"])
    for code, spec in wanted.items():
        current = open_alerts.get(code)
        if current is None:
            Alert.objects.create(
                workspace=workspace,
                group=group,
                code=code,
                severity=spec.severity,
                message=spec.message,
                evidence=spec.stored_evidence(),
            )
        elif (current.severity, current.message, current.evidence) != (
            spec.severity,
            spec.message,
            spec.stored_evidence(),
        ):
            current.severity = spec.severity
            current.message = spec.message
            current.evidence = spec.stored_evidence()
            current.save(update_fields=["severity", "message", "evidence"])


@transaction.atomic
def do_resolve_alert(*, workspace: Workspace, alert_id: int) -> Alert:
    """An operator closes an alert by hand; the next snapshot reopens it if still true."""
    alert = Alert.objects.select_for_update().get(workspace=workspace, pk=alert_id)
    if alert.resolved_at is None:
        alert.resolved_at = timezone.now()
        alert.save(update_fields=["resolved_at"])
    return alert
