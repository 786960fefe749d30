"""Who is calling the API: a workspace token (Authorization: Bearer sq_…) or a signed-in
back-office user (session cookie, CSRF-checked on writes). docs/api.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404, HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer, SessionAuth

from shequn.apps.tenancy.actions import do_touch_api_token
from shequn.apps.tenancy.models import ApiToken, Role, Workspace
from shequn.apps.tenancy.selectors import get_api_token, get_membership


class TokenAuth(HttpBearer):
    openapi_description = "A workspace API token: `Authorization: Bearer sq_…`"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = get_api_token(raw=token)
        if found is not None:
            do_touch_api_token(token=found)
        return found


class UserSessionAuth(SessionAuth):
    """The back office's session; only users, never anonymous sessions."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_authenticated else None


AUTH = [TokenAuth(), UserSessionAuth()]


@dataclass(frozen=True)
class Scope:
    workspace: Workspace
    role: str

    @property
    def can_operate(self) -> bool:
        return self.role in (Role.OWNER, Role.OPERATOR)

    def require_operator(self) -> None:
        if not self.can_operate:
            raise HttpError(403, "this token or user may only read (role: viewer)")


def get_scope(request: HttpRequest, ws: str) -> Scope:
    """The caller's rights in workspace `ws`; 404 when it is not theirs (a token belongs to
    exactly one workspace)."""
    caller = request.auth
    if isinstance(caller, ApiToken):
        if caller.workspace.slug != ws:
            raise Http404
        return Scope(workspace=caller.workspace, role=caller.role)
    membership = get_membership(user=caller, workspace_slug=ws)
    return Scope(workspace=membership.workspace, role=membership.role)
