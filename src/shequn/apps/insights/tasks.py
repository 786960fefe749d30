"""Jobs of insights: rollup fills and snapshots, one task per group so that N workers on N
machines share the work. See docs/architecture.md (Jobs).

Every task is a thin wrapper around an action, idempotent, and holds a per-group lock so two
workers never fill or analyse the same group at once (a locked task is retried later).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from shequn.apps.chat.selectors import get_workspace_horizon
from shequn.apps.community.models import Group
from shequn.apps.tenancy.models import Workspace

from .actions import do_compute_group_snapshot, do_fill_rollups
from .models import DirtyDay

RETRIES = 5
RETRY_DELAY = 15  # seconds; a lock held by another worker is usually released by then


def _group(workspace_id: int, group_id: int) -> Group | None:
    return (
        Group.objects.select_related("workspace")
        .filter(workspace_id=workspace_id, pk=group_id)
        .first()
    )


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def fill_group_rollups(workspace_id: int, group_id: int) -> None:
    group = _group(workspace_id, group_id)
    if group is None:  # deleted meanwhile
        return
    with HUEY.lock_task(f"shequn-rollups-{group_id}"):
        do_fill_rollups(workspace=group.workspace, group=group)


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY)
def compute_group_snapshot(workspace_id: int, group_id: int, as_of: str | None = None) -> None:
    group = _group(workspace_id, group_id)
    if group is None:
        return
    when = datetime.fromisoformat(as_of) if as_of else None
    with HUEY.lock_task(f"shequn-snapshot-{group_id}"):
        do_compute_group_snapshot(workspace=group.workspace, group=group, as_of=when)


def enqueue_group_refresh(
    *, workspace_id: int, group_ids: Iterable[int], as_of: datetime | None = None
) -> int:
    """Queue a rollup fill and a snapshot for each group; the snapshots share one as_of, the
    workspace horizon (the latest message of the workspace), unless `as_of` is given."""
    ids = sorted(set(group_ids))
    if not ids:
        return 0
    if as_of is None:
        workspace = Workspace.objects.get(pk=workspace_id)
        as_of = get_workspace_horizon(workspace=workspace)
    stamp = as_of.isoformat() if as_of is not None else None
    for group_id in ids:
        fill_group_rollups(workspace_id, group_id)
        compute_group_snapshot(workspace_id, group_id, stamp)
    return len(ids)


@db_task()
def refresh_workspace(workspace_id: int) -> None:
    """Fan out a refresh of every group of a workspace."""
    ids = Group.objects.filter(workspace_id=workspace_id).values_list("pk", flat=True)
    enqueue_group_refresh(workspace_id=workspace_id, group_ids=list(ids))


@db_periodic_task(crontab(minute="*/10"))
def fill_dirty_rollups() -> None:
    """Safety net: queue a fill for every group that still has dirty days (an import whose
    refresh jobs were lost, a fill that crashed). Idempotent; the per-group lock dedupes."""
    pairs = DirtyDay.objects.values_list("workspace_id", "group_id").distinct()
    for workspace_id, group_id in pairs:
        fill_group_rollups(workspace_id, group_id)
