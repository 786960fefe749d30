"""Factories for platform tests: real models, real actions where they exist."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from shequn.apps.tenancy.models import Role, Workspace, WorkspaceMember

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple-42"


def make_workspace(name: str | None = None) -> Workspace:
    n = next(_seq)
    return Workspace.objects.create(slug=f"ws-{n}", name=name or f"工作区 {n}")


def make_user(workspace: Workspace, role: str = Role.OPERATOR, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD
    )
    WorkspaceMember.objects.create(workspace=workspace, user=user, role=role)
    return user
