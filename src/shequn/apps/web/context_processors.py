"""The workspace switcher and role flags every back-office page needs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from shequn.apps.tenancy.models import Role
from shequn.apps.tenancy.selectors import list_user_memberships

NAV = {
    "overview": "overview",
    "group": "overview",
    "people": "people",
    "person": "people",
    "merges": "merges",
    "imports": "imports",
    "settings": "settings",
}


def workspace(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Only what the view already resolved: an error page (404) must render without raising.
    current = getattr(request, "_shequn_membership", None)
    match = getattr(request, "resolver_match", None)
    return {
        "nav": NAV.get(match.url_name if match else "", ""),
        "memberships": list_user_memberships(user=user),
        "current": current,
        "can_operate": current is not None and current.role in (Role.OWNER, Role.OPERATOR),
        "is_owner": current is not None and current.role == Role.OWNER,
    }
