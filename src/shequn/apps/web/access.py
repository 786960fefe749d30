"""Who may open which page: every back-office view names the workspace in its URL (`ws`) and the
role it needs. A stranger gets 404, a viewer asking for an operator's action 403. docs/web.md."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from shequn.apps.tenancy.models import Role, WorkspaceMember
from shequn.apps.tenancy.selectors import SESSION_KEY, get_current_membership

VIEW = "view"
OPERATE = "operate"
OWN = "own"

_ALLOWED = {
    VIEW: {Role.OWNER, Role.OPERATOR, Role.VIEWER},
    OPERATE: {Role.OWNER, Role.OPERATOR},
    OWN: {Role.OWNER},
}


def require_role(membership: WorkspaceMember, need: str) -> None:
    if membership.role not in _ALLOWED[need]:
        raise PermissionDenied


def workspace_view(need: str = VIEW) -> Callable[..., Any]:
    """Resolves the URL's workspace for the signed-in user (404 when they are not a member),
    checks the role and passes the membership to the view; remembers it as the current one."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, ws: str, *args: Any, **kwargs: Any) -> HttpResponse:
            membership = get_current_membership(request)
            assert membership is not None  # a `ws` in the URL resolves or raises 404
            require_role(membership, need)
            if request.session.get(SESSION_KEY) != membership.workspace.slug:
                request.session[SESSION_KEY] = membership.workspace.slug
            return view(request, membership, *args, **kwargs)

        wrapper.shequn_need = need
        return wrapper

    return decorate
