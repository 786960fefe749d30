"""The REST API (docs/api.md): tokens, reads, the import endpoint, offline docs, and the
OpenAPI document checked by schemathesis against the running app."""

from __future__ import annotations

from pathlib import Path

import hypothesis
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from shequn.apps.chat.models import ImportRun
from shequn.apps.tenancy.actions import do_revoke_api_token
from shequn.apps.tenancy.models import ApiToken, Role

from .factories import (
    make_alert,
    make_api_token,
    make_day_rollups,
    make_group,
    make_person,
    make_snapshot,
)


def _get(client, url, raw):
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_health_needs_no_token(client, db):
    body = client.get("/api/health").json()
    assert body["status"] == "ok" and body["database"] == "ok"


def test_groups_list_carries_health_stage_and_the_five_indicators(client, workspace):
    good = make_group(workspace, "活跃群")
    make_snapshot(good, health=88, stage="active")
    dying = make_group(workspace, "死群")
    make_snapshot(dying, health=12, stage="dormant", weekly_active_rate=0.02, rounds=0)
    make_alert(dying, code="dormant", severity="critical")
    raw = make_api_token(workspace)
    body = _get(client, f"/api/workspaces/{workspace.slug}/groups?sort=attention", raw).json()
    assert body["count"] == 2
    assert [g["name"] for g in body["items"]] == ["死群", "活跃群"]
    first = body["items"][0]
    assert first["health_score"] == 12 and first["lifecycle_stage"] == "dormant"
    assert first["open_alerts"] == 1
    assert [i["name"] for i in first["indicators"]] == [
        "weekly_active_rate",
        "independent_rounds_7d",
        "paid_conversion",
        "organic_growth_30d",
        "disappointment_share",
    ]
    assert first["indicators"][0]["status"] == "below"
    assert first["indicators"][2]["status"] == "no_data"


def test_group_metrics_and_days(client, workspace):
    group = make_group(workspace)
    make_snapshot(group, health=70)
    make_day_rollups(group, days=10)
    raw = make_api_token(workspace)
    metrics = _get(client, f"/api/workspaces/{workspace.slug}/groups/{group.pk}/metrics", raw)
    assert metrics.status_code == 200
    assert metrics.json()["analysis"]["health_score"] == 70
    days = _get(client, f"/api/workspaces/{workspace.slug}/groups/{group.pk}/days", raw).json()
    assert len(days) == 10 and days[0]["day"] == "2024-06-01"


def test_people_and_alerts(client, workspace):
    make_person(workspace, "王五")
    person = make_person(workspace, "赵六")
    group = make_group(workspace)
    make_alert(group)
    raw = make_api_token(workspace)
    people = _get(client, f"/api/workspaces/{workspace.slug}/people?q=赵", raw).json()
    assert [p["display_name"] for p in people["items"]] == ["赵六"]
    detail = _get(client, f"/api/workspaces/{workspace.slug}/people/{person.pk}", raw).json()
    assert detail["identities"][0]["platform"] == "telegram"
    alerts = _get(client, f"/api/workspaces/{workspace.slug}/alerts", raw).json()
    assert [a["code"] for a in alerts] == ["declining"]


def test_an_operator_token_uploads_an_export_and_it_is_queued(
    client, workspace, django_capture_on_commit_callbacks
):
    raw = make_api_token(workspace, Role.OPERATOR)
    upload = SimpleUploadedFile("result.json", b'{"name": "x", "messages": []}')
    with django_capture_on_commit_callbacks(execute=False) as on_commit:
        response = client.post(
            f"/api/workspaces/{workspace.slug}/imports",
            {"file": upload, "tz": "Asia/Shanghai"},
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
    assert response.status_code == 202, response.content
    run = ImportRun.objects.get(workspace=workspace)
    assert response.json()["id"] == run.pk and run.status == "queued"
    assert run.options["tz"] == "Asia/Shanghai"
    assert Path(run.path).read_bytes() == b'{"name": "x", "messages": []}'
    # The job is handed over only once the run is committed (the worker must find it).
    assert len(on_commit) == 1


def test_tokens_are_hashed_revocable_and_record_use(client, workspace):
    raw = make_api_token(workspace)
    token = ApiToken.objects.get(workspace=workspace)
    assert raw not in (token.token_hash, token.prefix) and token.last_used_at is None
    assert _get(client, "/api/me", raw).json()["workspaces"][0]["slug"] == workspace.slug
    token.refresh_from_db()
    assert token.last_used_at is not None
    do_revoke_api_token(workspace=workspace, token_id=token.pk)
    assert _get(client, "/api/me", raw).status_code == 401
    assert _get(client, "/api/me", "sq_not-a-token").status_code == 401


def test_a_signed_in_user_may_use_the_api_with_the_session(client, workspace, viewer):
    client.force_login(viewer)
    assert client.get(f"/api/workspaces/{workspace.slug}/groups").status_code == 200


def test_the_docs_page_loads_swagger_from_this_server_not_a_cdn(client, db):
    html = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower() and "https://" not in html


def test_openapi_document_names_the_bearer_scheme(client, db):
    doc = client.get("/api/openapi.json").json()
    schemes = doc["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())
    assert "/api/workspaces/{ws}/groups" in doc["paths"]


# ---- schemathesis: every documented operation, generated inputs, validated answers -------

schemathesis = pytest.importorskip("schemathesis")


@pytest.fixture
def api_world(workspace):
    group = make_group(workspace)
    make_snapshot(group)
    make_day_rollups(group, days=3)
    make_alert(group)
    make_person(workspace, "孙七")
    ImportRun.objects.create(workspace=workspace, label="x", finished_at=timezone.now())
    return {"ws": workspace.slug, "raw": make_api_token(workspace, Role.OPERATOR)}


@pytest.fixture
def keep_test_connection():
    """schemathesis calls the WSGI handler directly; like Django's test client, keep the
    handler's request signals from closing the test transaction's connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_the_api_conforms_to_its_openapi_document(api_world, keep_test_connection):
    """schemathesis' pytest plugin does not run under pytest 9 yet, so its strategies are
    driven by hypothesis directly, one operation at a time, inside this test's database."""
    from django.core.wsgi import get_wsgi_application

    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    headers = {"Authorization": f"Bearer {api_world['raw']}"}
    failures, checked = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        try:
            _check_operation(operation, api_world["ws"], headers)
        except Exception as exc:  # report every operation's failure at once
            failures.append(f"{operation.method.upper()} {operation.path}:\n{exc}")
        checked += 1
    assert checked >= 11
    assert not failures, "\n\n".join(failures)


def _check_operation(operation, ws: str, headers: dict) -> None:
    from schemathesis.specs.openapi.checks import positive_data_acceptance

    # Random multipart field names (quotes, backslashes) can make Django's parser drop the
    # file part; the 422 that follows is right, so that one check is skipped for the upload.
    excluded = [positive_data_acceptance] if operation.method.upper() == "POST" else []

    @hypothesis.settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=list(hypothesis.HealthCheck),
        database=None,
        derandomize=True,
    )
    @hypothesis.given(case=operation.as_strategy())
    def check(case):
        # The caller's own workspace, so generated inputs reach the handlers.
        if "ws" in (case.path_parameters or {}):
            case.path_parameters["ws"] = ws
        case.call_and_validate(headers=headers, excluded_checks=excluded)

    check()
