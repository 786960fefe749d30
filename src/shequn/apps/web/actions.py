"""Writes the back office and the API start: storing an uploaded export and queueing its
import. The import itself is `chat.actions.do_import_export`, run by `chat.tasks`. docs/web.md."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from shequn.apps.chat.actions import do_create_import_run
from shequn.apps.chat.models import ImportRun
from shequn.apps.chat.tasks import enqueue_import
from shequn.apps.tenancy.models import Workspace
from shequn.importers import ImportOptions

_UNSAFE = re.compile(r"[^\w.\- ()\u3000-\u9fff]+")


def safe_filename(name: str) -> str:
    """The upload's base name without path parts or odd characters (the label keeps the
    original)."""
    base = Path(name.replace("\\", "/")).name
    cleaned = _UNSAFE.sub("_", base).strip(" .") or "export"
    return cleaned[:150]


def upload_dir(workspace: Workspace) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / workspace.slug / uuid.uuid4().hex


@transaction.atomic
def do_start_upload_import(
    *, workspace: Workspace, upload: UploadedFile, created_by=None, tz: str = ""
) -> ImportRun:
    """Stores the uploaded export in the data folder, records a queued ImportRun and hands it
    to the job queue once the transaction commits (so the worker finds the row)."""
    folder = upload_dir(workspace)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_filename(upload.name or "export")
    with target.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    run = do_create_import_run(
        workspace=workspace,
        path=target,
        label=upload.name or target.name,
        created_by=created_by,
        options=ImportOptions(tz=tz) if tz else None,
    )
    transaction.on_commit(lambda: enqueue_import(run.id))
    return run
