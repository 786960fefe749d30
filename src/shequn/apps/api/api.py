"""The REST API under /api/ (docs/api.md): OpenAPI at /api/openapi.json, docs at /api/docs.

Every endpoint but the health check and the docs needs a caller (401 otherwise); every tenant
endpoint names its workspace in the path and answers 404 to a caller from another workspace."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from django.db import connection
from django.http import HttpRequest
from ninja import File, Form, NinjaAPI, Path, Query, Router, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

import shequn
from shequn.apps.tenancy.models import ApiToken
from shequn.apps.tenancy.selectors import list_user_memberships
from shequn.apps.web import actions, selectors

from .auth import AUTH, get_scope
from .schemas import (
    AlertOut,
    DayOut,
    Error,
    GroupMetrics,
    GroupOut,
    GroupPage,
    Health,
    IdentityOut,
    ImportOut,
    Me,
    PersonDetail,
    PersonPage,
)

api = NinjaAPI(
    title="shequn API",
    version="1",
    description="社群 shequn: groups, people, health metrics, alerts and imports of a workspace. "
    "Authenticate with `Authorization: Bearer sq_…` (a workspace API token).",
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# Path parameters bounded so that no value can reach the database as an out-of-range integer
# or a string it cannot store (PostgreSQL refuses NUL).
Slug = Annotated[str, Path(pattern=r"^[-a-zA-Z0-9_]{1,64}$", description="workspace slug")]
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]
ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}


def _clean(text: str) -> str:
    return text.replace("\x00", "").strip()[:200]


@api.get("/health", auth=None, response=Health, tags=["meta"])
def health(request: HttpRequest) -> dict[str, str]:
    """Liveness and database reachability; no authentication."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # the answer is the report
        database = "unavailable"
    return {"status": "ok", "database": database, "version": shequn.__version__}


@api.get("/me", response={200: Me, 401: Error}, tags=["meta"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The caller and the workspaces it may read."""
    caller = request.auth
    if isinstance(caller, ApiToken):
        ws = caller.workspace
        return {
            "kind": "token",
            "name": caller.name,
            "workspaces": [{"slug": ws.slug, "name": ws.name, "role": caller.role}],
        }
    return {
        "kind": "user",
        "name": caller.get_username(),
        "workspaces": [
            {"slug": m.workspace.slug, "name": m.workspace.name, "role": m.role}
            for m in list_user_memberships(user=caller)
        ],
    }


workspace = Router(tags=["workspace"])


@workspace.get("/groups", response={200: GroupPage, **ERRORS})
def list_groups(
    request: HttpRequest,
    ws: Slug,
    stage: Annotated[
        str, Query(pattern=r"^(|forming|growing|active|declining|dormant|none)$")
    ] = "",
    q: str = "",
    sort: Annotated[str, Query(pattern=r"^(attention|health|members|messages|name)$")] = "name",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """Groups with their health score, lifecycle stage and the five seed indicators."""
    scope = get_scope(request, ws)
    page_obj, cards = selectors.list_group_cards(
        workspace=scope.workspace,
        stage=stage,
        query=_clean(q),
        sort=sort,
        page=page,
        per_page=page_size,
    )
    return {
        "count": page_obj.paginator.count,
        "page": page_obj.number,
        "pages": page_obj.paginator.num_pages,
        "items": [_group_out(c) for c in cards],
    }


def _group_out(card: selectors.GroupCard) -> dict[str, Any]:
    return {
        **card.__dict__,
        "lifecycle_reason": card.lifecycle_reason,
        "indicators": card.indicators,
    }


@workspace.get("/groups/{group_id}", response={200: GroupOut, **ERRORS})
def get_group(request: HttpRequest, ws: Slug, group_id: RowId) -> dict[str, Any]:
    scope = get_scope(request, ws)
    group = selectors.get_group(workspace=scope.workspace, group_id=group_id)
    _page, cards = selectors.list_group_cards(
        workspace=scope.workspace, query="", per_page=1, group_ids=[group.pk]
    )
    return _group_out(cards[0])


@workspace.get("/groups/{group_id}/metrics", response={200: GroupMetrics, **ERRORS})
def get_group_metrics(request: HttpRequest, ws: Slug, group_id: RowId) -> Any:
    """The group's last snapshot: the whole analysis object (`shequn.analysis/1`)."""
    scope = get_scope(request, ws)
    group = selectors.get_group(workspace=scope.workspace, group_id=group_id)
    snapshot = selectors.get_group_snapshot(workspace=scope.workspace, group=group)
    if snapshot is None:
        raise HttpError(404, "this group has not been analysed yet")
    return {
        "group_id": group.pk,
        "as_of": snapshot.as_of,
        "computed_at": snapshot.computed_at,
        "health_score": snapshot.health_score,
        "lifecycle_stage": snapshot.lifecycle_stage,
        "analysis": snapshot.analysis,
    }


@workspace.get("/groups/{group_id}/days", response={200: list[DayOut], **ERRORS})
def list_group_days(
    request: HttpRequest,
    ws: Slug,
    group_id: RowId,
    days: Annotated[int, Query(ge=1, le=3660)] = 180,
) -> Any:
    """Per-day rollups (the group's timezone): messages, speakers, staff messages, joins,
    leaves."""
    scope = get_scope(request, ws)
    group = selectors.get_group(workspace=scope.workspace, group_id=group_id)
    return selectors.list_group_days(workspace=scope.workspace, group=group, days=days)


@workspace.get("/people", response={200: PersonPage, **ERRORS})
def list_people(
    request: HttpRequest,
    ws: Slug,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    scope = get_scope(request, ws)
    page_obj = selectors.list_people(
        workspace=scope.workspace, query=_clean(q), page=page, per_page=page_size
    )
    return {
        "count": page_obj.paginator.count,
        "page": page_obj.number,
        "pages": page_obj.paginator.num_pages,
        "items": [
            {
                "id": p.pk,
                "display_name": p.display_name,
                "tier": p.tier,
                "is_staff_marked": p.is_staff_marked,
                "identities": p.n_identities,
            }
            for p in page_obj.object_list
        ],
    }


@workspace.get("/people/{person_id}", response={200: PersonDetail, **ERRORS})
def get_person(request: HttpRequest, ws: Slug, person_id: RowId) -> dict[str, Any]:
    scope = get_scope(request, ws)
    person = selectors.get_person(workspace=scope.workspace, person_id=person_id)
    identities = selectors.list_person_identities(workspace=scope.workspace, person=person)
    memberships = selectors.list_person_memberships(workspace=scope.workspace, person=person)
    totals = selectors.person_totals(workspace=scope.workspace, person=person)
    return {
        "id": person.pk,
        "display_name": person.display_name,
        "tier": person.tier,
        "is_staff_marked": person.is_staff_marked,
        "identities": [IdentityOut.from_orm(i).dict() for i in identities],
        "groups": sorted({m.group_id for m in memberships}),
        "messages": totals["messages"],
        "replies_received": totals["replies"],
        "active_days": totals["days"],
    }


@workspace.get("/alerts", response={200: list[AlertOut], **ERRORS})
def list_alerts(
    request: HttpRequest,
    ws: Slug,
    group_id: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    include_resolved: bool = False,
) -> Any:
    scope = get_scope(request, ws)
    return selectors.list_alerts(
        workspace=scope.workspace, group_id=group_id, include_resolved=include_resolved
    )


@workspace.get("/imports", response={200: list[ImportOut], **ERRORS})
def list_imports(request: HttpRequest, ws: Slug) -> Any:
    scope = get_scope(request, ws)
    return selectors.list_imports(workspace=scope.workspace)


@workspace.get("/imports/{run_id}", response={200: ImportOut, **ERRORS})
def get_import(request: HttpRequest, ws: Slug, run_id: RowId) -> Any:
    scope = get_scope(request, ws)
    return selectors.get_import(workspace=scope.workspace, run_id=run_id)


# Documented as an enum so a client (and schemathesis) knows every accepted value.
TimeZoneName = Literal[("", *sorted(available_timezones()))]  # type: ignore[valid-type]


@workspace.post("/imports", response={202: ImportOut, **ERRORS})
def create_import(
    request: HttpRequest,
    ws: Slug,
    file: File[UploadedFile],
    tz: Form[TimeZoneName] = "",  # type: ignore[valid-type]
) -> Any:
    """Upload an export (a file or a zip); the import runs as a job. Poll
    `GET /imports/{id}` for its progress. Needs an operator or owner."""
    scope = get_scope(request, ws)
    scope.require_operator()
    run = actions.do_start_upload_import(
        workspace=scope.workspace, upload=file, created_by=_user(request), tz=tz
    )
    return Status(202, run)


def _user(request: HttpRequest) -> Any:
    caller = request.auth
    return caller.created_by if isinstance(caller, ApiToken) else caller


api.add_router("/workspaces/{ws}", workspace)
