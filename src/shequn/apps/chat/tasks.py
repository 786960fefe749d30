"""Jobs of chat history: the import of an uploaded export. See docs/ingest.md (Jobs).

Contract for the web tier: store the upload on disk, create the run with
`chat.actions.do_create_import_run(...)`, then call `enqueue_import(run.pk)` once that
transaction has committed (`transaction.on_commit`). Poll `chat.selectors.get_import_run`: the
run's status, counters and errors are committed together with each batch.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from shequn.apps.chat.actions import do_run_import, import_group_ids
from shequn.apps.chat.models import ImportRun
from shequn.apps.chat.selectors import is_interrupted


@db_task(retries=0)
def run_import(run_id: int) -> None:
    """Run a queued import, then refresh the rollups and snapshots of the groups it touched
    (one task per group). A run that already finished is left alone; an interrupted one is
    run again, which completes it (ingest is idempotent)."""
    from shequn.apps.insights.tasks import enqueue_group_refresh

    run = ImportRun.objects.select_related("workspace").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED and not is_interrupted(run):
        return
    run = do_run_import(run=run)
    enqueue_group_refresh(workspace_id=run.workspace_id, group_ids=import_group_ids(run))


def enqueue_import(run_id: int) -> None:
    """Hand a queued ImportRun to the job queue (a `shequn worker` runs it)."""
    run_import(run_id)
