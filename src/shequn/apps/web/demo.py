"""`shequn demo`: a demo workspace filled by the simulator, analysed, with two logins (an owner
and a viewer). Running it again refreshes the workspace from scratch. docs/web.md."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from shequn.apps.community.models import Group
from shequn.apps.tenancy.actions import (
    do_create_workspace,
    do_delete_workspace,
    do_set_workspace_member,
)
from shequn.apps.tenancy.models import Workspace

DEMO_SLUG = "demo"
DEMO_NAME = "演示社群运营团队"
DEMO_USERS: tuple[tuple[str, str, str], ...] = (
    ("demo", "shequn-demo", "owner"),
    ("viewer", "shequn-viewer", "viewer"),
)


@dataclass
class DemoResult:
    workspace: Workspace
    groups: int
    messages: int
    suggestions: int
    logins: tuple[tuple[str, str, str], ...]


@transaction.atomic
def do_reset_demo_workspace() -> Workspace:
    """The demo workspace, emptied (created on first use); the demo users are members."""
    old = Workspace.objects.filter(slug=DEMO_SLUG).first()
    if old is not None:
        do_delete_workspace(workspace=old)
    workspace = do_create_workspace(name=DEMO_NAME, slug=DEMO_SLUG)
    users = get_user_model().objects
    for username, password, role in DEMO_USERS:
        user = users.filter(username=username).first() or users.create_user(username=username)
        user.set_password(password)
        user.save()
        do_set_workspace_member(workspace=workspace, user=user, role=role)
    return workspace


def do_create_demo_workspace(
    *,
    groups: int = 6,
    messages: int = 20_000,
    seed: int = 7,
    formats: tuple[str, ...] = ("telegram",),
    as_of: datetime | None = None,
    say: Callable[[str], None] = lambda _line: None,
) -> DemoResult:
    """Simulate a community (shequn.simulate), import it, fill rollups, analyse every group and
    look for merge suggestions, as the jobs would; synchronous so the demo is ready when it
    returns."""
    from shequn.apps.chat.actions import do_import_export
    from shequn.apps.chat.selectors import get_workspace_horizon
    from shequn.apps.insights.actions import do_compute_group_snapshot, do_fill_rollups
    from shequn.simulate.model import DEFAULT_AS_OF
    from shequn.simulate.run import simulate

    workspace = do_reset_demo_workspace()
    out = Path(settings.DATA_DIR) / "demo" / "export"
    shutil.rmtree(out, ignore_errors=True)
    say(f"模拟 simulating {groups} groups, {messages} messages → {out}")
    simulate(
        formats=list(formats),
        out=out,
        groups=groups,
        messages=messages,
        seed=seed,
        as_of=as_of or DEFAULT_AS_OF,
    )
    demo_user = get_user_model().objects.get(username=DEMO_USERS[0][0])
    say("导入 importing")
    run = do_import_export(workspace=workspace, path=out, created_by=demo_user, label="demo")
    for error in run.errors:
        say(f"  ! {error}")
    horizon = get_workspace_horizon(workspace=workspace)
    total = 0
    for group in Group.objects.filter(workspace=workspace).order_by("pk"):
        do_fill_rollups(workspace=workspace, group=group)
        snapshot = do_compute_group_snapshot(workspace=workspace, group=group, as_of=horizon)
        total += snapshot.messages if snapshot else 0
        say(f"分析 analysed {group.name}")
    suggestions = _suggest_merges(workspace)
    return DemoResult(
        workspace=workspace,
        groups=Group.objects.filter(workspace=workspace).count(),
        messages=total,
        suggestions=suggestions,
        logins=DEMO_USERS,
    )


def _suggest_merges(workspace: Workspace) -> int:
    try:
        from shequn.apps.people.actions import do_generate_merge_suggestions
    except ImportError:  # people matching not installed in this build
        return 0
    result = do_generate_merge_suggestions(workspace=workspace)
    return result if isinstance(result, int) else len(result or [])
