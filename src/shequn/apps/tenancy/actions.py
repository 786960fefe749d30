"""Writes on workspaces, members and API tokens. See docs/web.md (tenancy)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import ApiToken, Role, Workspace, WorkspaceMember, hash_token


@transaction.atomic
def do_create_workspace(*, name: str, slug: str = "", owner=None) -> Workspace:
    base = slugify(slug or name, allow_unicode=False) or "workspace"
    candidate, n = base, 1
    while Workspace.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    workspace = Workspace.objects.create(slug=candidate, name=name)
    if owner is not None:
        WorkspaceMember.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


@transaction.atomic
def do_set_workspace_member(*, workspace: Workspace, user, role: str) -> WorkspaceMember:
    """Adds the user to the workspace with that role, or changes their role."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    member, _created = WorkspaceMember.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role}
    )
    return member


@transaction.atomic
def do_create_user(*, username: str, password: str, email: str = ""):
    return get_user_model().objects.create_user(username=username, password=password, email=email)


@transaction.atomic
def do_create_api_token(
    *, workspace: Workspace, name: str, role: str = "viewer", created_by=None
) -> tuple[ApiToken, str]:
    """A new token and its raw value, which is shown once and never stored."""
    if role not in Role.values:
        raise ValueError(f"unknown role {role!r}")
    raw = ApiToken.new_raw()
    token = ApiToken.objects.create(
        workspace=workspace,
        name=name,
        role=role,
        prefix=raw[:8],
        token_hash=hash_token(raw),
        created_by=created_by,
    )
    return token, raw


@transaction.atomic
def do_revoke_api_token(*, workspace: Workspace, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(workspace=workspace, pk=token_id)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def do_touch_api_token(*, token: ApiToken) -> None:
    """Records use at most once a minute, so reads do not turn into a write per request."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def do_delete_workspace(*, workspace: Workspace) -> None:
    """Deletes the workspace and every row of it. Identities go first: they protect their
    Person (a merge must never orphan one), and the workspace cascade reaches both."""
    from shequn.apps.people.models import Identity

    Identity.objects.filter(workspace=workspace).delete()
    workspace.delete()
