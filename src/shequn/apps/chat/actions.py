"""Writes of chat history: importing exports into the store. See docs/ingest.md.

`do_import_export` runs the importers (`shequn.importers.detect` + `Export.read`) and hands
each batch to the ingester, which commits it atomically. The import as a whole is deliberately
NOT one transaction: a multi-gigabyte export must not hold a write lock for minutes, and a
crash must keep every committed batch. Re-running the same import stores only what is missing,
because every table has the unique constraint of its canonical key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from shequn.apps.chat.ingest import BatchIngester, BatchResult
from shequn.apps.chat.models import ImportRun
from shequn.apps.tenancy.models import Workspace
from shequn.importers import ImporterError, ImportOptions, detect

Progress = Callable[[ImportRun], None]

# At most this many errors are kept on a run (a broken file can produce thousands).
MAX_ERRORS = 200


@transaction.atomic
def do_create_import_run(
    *,
    workspace: Workspace,
    path: str | Path,
    label: str | None = None,
    created_by: Any = None,
    options: ImportOptions | None = None,
) -> ImportRun:
    """A queued import of `path` (a file, folder or zip on the server's disk); run it with
    `do_run_import` or `chat.tasks.enqueue_import(run.pk)`."""
    options = options or ImportOptions()
    return ImportRun.objects.create(
        workspace=workspace,
        created_by=created_by,
        label=(label or Path(path).name)[:500],
        path=str(path)[:1000],
        options=asdict(options),
        status=ImportRun.Status.QUEUED,
    )


def do_import_export(
    *,
    workspace: Workspace,
    path: str | Path,
    created_by: Any = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
    label: str | None = None,
) -> ImportRun:
    """Import every export found in `path` into `workspace`; returns the finished run.

    Not atomic on purpose (see the module docstring): each importer batch is its own
    transaction, together with the run's progress counters.
    """
    run = do_create_import_run(
        workspace=workspace, path=path, label=label, created_by=created_by, options=options
    )
    return do_run_import(run=run, progress=progress)


def do_run_import(*, run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Run a queued (or interrupted) import run to the end. Errors are recorded on the run with
    the file and, where known, the line or record; rows already stored are never removed."""
    options = ImportOptions(**run.options) if run.options else ImportOptions()
    workspace = run.workspace
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.RUNNING, started_at=now, updated_at=now, finished_at=None
    )
    run.refresh_from_db()
    _notify(progress, run)
    ingester = BatchIngester(workspace, default_tz=options.tz)
    try:
        try:
            exports = detect(run.path)
        except ImporterError as exc:
            _record_error(run, exc.path, exc.location, exc.message)
            exports = []
        ImportRun.objects.filter(pk=run.pk).update(exports_total=len(exports))
        for export in exports:
            ImportRun.objects.filter(pk=run.pk).update(
                current_export=export.label[:1000], updated_at=timezone.now()
            )
            run.refresh_from_db()
            _notify(progress, run)
            _import_one(run, export, options, ingester, progress)
            ImportRun.objects.filter(pk=run.pk).update(exports_done=F("exports_done") + 1)
    except BaseException as exc:  # KeyboardInterrupt, SIGTERM, a bug: the run says so
        run.refresh_from_db()
        _record_error(run, run.path, None, f"interrupted ({type(exc).__name__}: {exc})")
        _finish(run, ImportRun.Status.FAILED)
        raise
    run.refresh_from_db()
    if not run.errors:
        status = ImportRun.Status.DONE
    elif run.batches_done:
        status = ImportRun.Status.PARTIAL
    else:
        status = ImportRun.Status.FAILED
    _finish(run, status)
    _notify(progress, run)
    return run


def _import_one(
    run: ImportRun,
    export: Any,
    options: ImportOptions,
    ingester: BatchIngester,
    progress: Progress | None,
) -> None:
    batches = export.read(options)
    n = 0
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except ImporterError as exc:
            _record_error(run, exc.path, exc.location, exc.message)
            return
        except Exception as exc:  # an importer bug must not take the other exports down
            _record_error(
                run, export.label, None, f"could not be read ({type(exc).__name__}: {exc})"
            )
            return
        n += 1
        first = run.messages_seen
        try:
            ingester.ingest(batch, on_commit=lambda result: _count(run, result))
        except DatabaseError as exc:
            # The batch rolled back whole; earlier batches stay. Later ones are still tried.
            run.refresh_from_db()
            _record_error(
                run,
                export.label,
                f"batch {n} (messages {first + 1}–{first + len(batch)})",
                f"could not be stored ({type(exc).__name__}: {exc})",
            )
            continue
        run.refresh_from_db()
        _notify(progress, run)


def _count(run: ImportRun, result: BatchResult) -> None:
    """Progress counters, committed in the batch's own transaction."""
    stats = dict(run.stats or {})
    for table, n in result.new.items():
        stats[table] = stats.get(table, 0) + n
    groups = set(stats.get("group_ids", [])) | result.group_ids
    stats["group_ids"] = sorted(groups)
    ImportRun.objects.filter(pk=run.pk).update(
        batches_done=F("batches_done") + 1,
        messages_seen=F("messages_seen") + result.messages_seen,
        messages_new=F("messages_new") + result.new.get("messages", 0),
        stats=stats,
        updated_at=timezone.now(),
    )
    run.stats = stats


def _record_error(run: ImportRun, file: str, location: str | None, message: str) -> None:
    with transaction.atomic():
        locked = ImportRun.objects.select_for_update().get(pk=run.pk)
        errors = list(locked.errors or [])
        if len(errors) < MAX_ERRORS:
            errors.append({"file": file, "location": location, "message": message})
        ImportRun.objects.filter(pk=run.pk).update(errors=errors, updated_at=timezone.now())
    run.errors = errors


def _finish(run: ImportRun, status: Any) -> None:
    now = timezone.now()
    ImportRun.objects.filter(pk=run.pk).update(
        status=status, finished_at=now, updated_at=now, current_export=""
    )
    run.refresh_from_db()


def _notify(progress: Progress | None, run: ImportRun) -> None:
    if progress is not None:
        progress(run)


def import_group_ids(run: ImportRun) -> list[int]:
    """The groups an import run wrote to (for the refresh jobs that follow it)."""
    return [int(g) for g in (run.stats or {}).get("group_ids", [])]
