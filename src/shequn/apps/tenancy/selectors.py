"""Reads on workspaces, their members and API tokens. See docs/web.md (tenancy).

Every tenant page and endpoint goes through `get_membership` / `get_current_membership`: a user
who is not a member of the workspace in the URL gets a 404, never another team's data."""

from __future__ import annotations

from django.http import Http404, HttpRequest

from .models import ApiToken, Role, Workspace, WorkspaceMember, hash_token

SESSION_KEY = "shequn_workspace"


def list_user_memberships(*, user) -> list[WorkspaceMember]:
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        WorkspaceMember.objects.filter(user=user)
        .select_related("workspace")
        .order_by("workspace__name", "workspace_id")
    )


def get_membership(*, user, workspace_slug: str) -> WorkspaceMember:
    """The user's membership of that workspace; 404 (not 403) so that a stranger cannot even
    learn that the workspace exists."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    try:
        return WorkspaceMember.objects.select_related("workspace").get(
            user=user, workspace__slug=workspace_slug
        )
    except WorkspaceMember.DoesNotExist:
        raise Http404 from None


def get_current_membership(request: HttpRequest) -> WorkspaceMember | None:
    """The workspace the request works in: the one named in the URL (`ws`), else the last one
    the user opened (kept in the session), else their first. Cached on the request."""
    cached = getattr(request, "_shequn_membership", None)
    if cached is not None:
        return cached
    match = getattr(request, "resolver_match", None)
    slug = match.kwargs.get("ws") if match else None
    if slug:
        membership = get_membership(user=request.user, workspace_slug=slug)
    else:
        memberships = list_user_memberships(user=request.user)
        if not memberships:
            return None
        remembered = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        membership = next(
            (m for m in memberships if m.workspace.slug == remembered), memberships[0]
        )
    request._shequn_membership = membership
    return membership


def list_workspace_members(*, workspace: Workspace) -> list[WorkspaceMember]:
    return list(
        WorkspaceMember.objects.filter(workspace=workspace)
        .select_related("user")
        .order_by("user__username")
    )


def list_api_tokens(*, workspace: Workspace) -> list[ApiToken]:
    return list(
        ApiToken.objects.filter(workspace=workspace, revoked_at__isnull=True)
        .select_related("created_by")
        .order_by("-created_at")
    )


def get_api_token(*, raw: str) -> ApiToken | None:
    """The live token with that value (looked up by its SHA-256; the raw value is never
    stored)."""
    if not raw.startswith("sq_"):
        return None
    return (
        ApiToken.objects.select_related("workspace")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )


def role_can_operate(role: str) -> bool:
    return role in (Role.OWNER, Role.OPERATOR)
