"""No workspace can read or act on another's data (DESIGN.md §6), and roles hold.

The walk enumerates Django's URL resolver and the ninja API's operations, so a page or an
endpoint added later is covered without touching this file; a URL parameter the walk does not
know fails loudly until `factories.make_tenant_world` provides one.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver

from shequn.apps.api.api import api
from shequn.apps.tenancy.models import Role
from shequn.apps.web.access import OPERATE, OWN

from .factories import make_api_token, make_tenant_world, make_user

# Pages and endpoints that hold no tenant data, with the reason.
NOT_TENANT = {
    "": "redirects to the user's own current workspace",
    "login/": "sign-in",
    "logout/": "sign-out",
    "i18n/setlang/": "language switch",
    "account/password/": "the user's own password",
    "account/password/done/": "the user's own password",
    "api/": "API root (redirect to docs)",
    "api/health": "health check, public",
    "api/docs": "API docs, public",
    "api/openapi.json": "OpenAPI document, public",
    "api/me": "the caller's own identity",
}
PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            assert isinstance(p, URLPattern)
            yield prefix + str(p.pattern), p


def _routes():
    """Every route of the site except the admin (superusers only) and static files."""
    seen = {}
    for route, pattern in _walk(get_resolver().url_patterns):
        if route.startswith("admin/") or route.startswith("static/"):
            continue
        seen.setdefault(route, pattern)
    return seen


def _fill(route: str, world: dict) -> str:
    def value(match):
        name = match.group("name")
        assert name in world, (
            f"unknown URL parameter <{name}> in {route!r}: add it to make_tenant_world"
        )
        return str(world[name])

    return "/" + PARAM.sub(value, route)


def _call(client, method: str, url: str, **headers):
    """An API call with a valid body, so that a refusal comes from the scope check, not from
    input validation."""
    if method == "POST":
        upload = SimpleUploadedFile("export.txt", b"not an export")
        return client.post(url, {"file": upload}, **headers)
    return client.generic(method, url, **headers)


def _api_operations():
    """(method, path template) of every ninja operation, e.g. ('POST', '/workspaces/{ws}/imports')."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield method, (prefix + path).replace("//", "/")


def test_every_route_is_either_tenant_scoped_or_declared_public():
    for route in _routes():
        assert "<ws>" in route or "<slug:ws>" in route or route in NOT_TENANT, route


def test_a_user_of_another_workspace_gets_404_or_403_on_every_page(client, workspace, outsider):
    world = make_tenant_world(workspace)
    client.force_login(outsider)
    # API routes answer unsupported methods with 405 before any auth; they are walked per
    # operation below.
    tenant_routes = [r for r in _routes() if r not in NOT_TENANT and not r.startswith("api/")]
    assert len(tenant_routes) >= 14
    for route in tenant_routes:
        url = _fill(route, world)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (403, 404), (method, url, response.status_code)


def test_another_workspaces_token_or_user_gets_404_or_403_on_every_endpoint(
    client, workspace, other_workspace, outsider
):
    world = make_tenant_world(workspace)
    raw = make_api_token(other_workspace, Role.OWNER)
    operations = [(m, p) for m, p in _api_operations() if "{ws}" in p]
    assert len(operations) >= 9
    for method, template in operations:
        url = _fill(("api" + template.replace("{", "<").replace("}", ">")), world)
        response = _call(client, method, url, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code in (403, 404), (method, url, response.status_code)
    client.force_login(outsider)
    for method, template in operations:
        url = _fill(("api" + template.replace("{", "<").replace("}", ">")), world)
        response = _call(client, method, url)
        assert response.status_code in (403, 404), (method, url, response.status_code)


def test_anonymous_callers_get_401_on_every_endpoint_but_health_and_docs(client, workspace):
    world = make_tenant_world(workspace)
    public = {"/health"}
    for method, template in _api_operations():
        url = _fill(("api" + template.replace("{", "<").replace("}", ">")), world)
        response = _call(client, method, url)
        expected = 200 if template in public else 401
        assert response.status_code == expected, (method, url, response.status_code)
    assert client.get("/api/docs").status_code == 200
    assert client.get("/api/openapi.json").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client, workspace):
    world = make_tenant_world(workspace)
    for route in _routes():
        if route in NOT_TENANT or route.startswith("api/"):
            continue
        response = client.get(_fill(route, world))
        assert response.status_code == 302 and response["Location"].startswith("/login/"), route


def test_a_viewer_gets_403_on_every_operator_and_owner_action(client, workspace, viewer):
    world = make_tenant_world(workspace)
    client.force_login(viewer)
    guarded = {
        r: p
        for r, p in _routes().items()
        if getattr(p.callback, "shequn_need", None) in (OPERATE, OWN)
    }
    assert len(guarded) >= 8
    for route in guarded:
        url = _fill(route, world)
        method = "get" if "search" in route or route.endswith("settings/") else "post"
        response = getattr(client, method)(url)
        assert response.status_code == 403, (url, response.status_code)


def test_an_operator_may_act_but_not_manage_the_workspace(client, workspace, operator):
    world = make_tenant_world(workspace)
    client.force_login(operator)
    assert (
        client.get(f"/w/{world['ws']}/people/{world['person_id']}/merge-search/?q=李").status_code
        == 200
    )
    assert client.get(f"/w/{world['ws']}/settings/").status_code == 403


def test_a_viewer_token_cannot_import(client, workspace):
    raw = make_api_token(workspace, Role.VIEWER)
    response = client.post(
        f"/api/workspaces/{workspace.slug}/imports",
        {"file": SimpleUploadedFile("x.txt", b"hello")},
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 403


def test_a_user_in_two_workspaces_switches_between_them(client, workspace, other_workspace):
    from shequn.apps.tenancy.actions import do_set_workspace_member

    user = make_user(workspace, Role.VIEWER)
    do_set_workspace_member(workspace=other_workspace, user=user, role=Role.OPERATOR)
    client.force_login(user)
    assert (
        client.get("/")["Location"] == f"/w/{workspace.slug}/"
        or client.get("/")["Location"] == f"/w/{other_workspace.slug}/"
    )
    page = client.get(f"/w/{other_workspace.slug}/")
    assert page.status_code == 200
    assert other_workspace.name in page.content.decode()
    # The last workspace opened becomes the current one.
    assert client.get("/")["Location"] == f"/w/{other_workspace.slug}/"
    assert client.get(f"/w/{workspace.slug}/").status_code == 200
    assert client.get("/")["Location"] == f"/w/{workspace.slug}/"


def test_admin_is_for_superusers_only(client, operator):
    client.force_login(operator)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.parametrize("lang,word", [("zh-hans", "总览"), ("en", "Overview")])
def test_pages_speak_chinese_and_english(client, workspace, operator, lang, word):
    client.force_login(operator)
    client.post("/i18n/setlang/", {"language": lang, "next": "/"})
    page = client.get(f"/w/{workspace.slug}/")
    assert word in page.content.decode()


def test_deleting_a_workspace_removes_its_rows_and_nothing_else(workspace, other_workspace):
    from shequn.apps.people.models import Person
    from shequn.apps.tenancy.actions import do_delete_workspace

    make_tenant_world(workspace)
    make_tenant_world(other_workspace)
    do_delete_workspace(workspace=workspace)
    assert not Person.objects.filter(workspace_id=workspace.pk).exists()
    assert Person.objects.filter(workspace=other_workspace).count() == 2
