"""The back office (docs/web.md): pages render what the snapshots and rollups say, and the
operator's actions go through the real actions."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shequn.apps.chat.models import ImportRun
from shequn.apps.community.models import Group
from shequn.apps.insights.models import GroupSnapshot
from shequn.apps.people.models import MergeAudit, MergeSuggestion, Person
from shequn.apps.tenancy.models import ApiToken, Role

from .factories import (
    PASSWORD,
    make_alert,
    make_day_rollups,
    make_group,
    make_person,
    make_snapshot,
    make_suggestion,
    make_user,
)


@pytest.fixture
def signed_in(client, operator):
    client.force_login(operator)
    return client


def test_login_with_argon2_password_lands_on_the_current_workspace(client, workspace, operator):
    response = client.post(
        "/login/", {"username": operator.username, "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/w/{workspace.slug}/"
    assert workspace.name in response.content.decode()


def test_wrong_password_stays_on_the_login_page(client, operator):
    response = client.post("/login/", {"username": operator.username, "password": "nope"})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_logout_and_password_change(client, workspace, operator):
    client.force_login(operator)
    response = client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-much-longer-new-secret-9",
            "new_password2": "a-much-longer-new-secret-9",
        },
    )
    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password("a-much-longer-new-secret-9")
    assert operator.password.startswith("argon2$")
    client.post("/logout/")
    assert client.get(f"/w/{workspace.slug}/").status_code == 302


def test_overview_shows_health_stage_indicators_against_bars_and_alerts(signed_in, workspace):
    dying = make_group(workspace, "沉寂的群")
    make_snapshot(dying, health=18, stage="dormant", weekly_active_rate=0.04, rounds=1)
    make_alert(dying, code="dormant", severity="critical", message="已有 21 天没有成员发言")
    make_snapshot(make_group(workspace, "活跃的群"), health=91, stage="active")
    make_group(workspace, "还没分析的群")
    html = signed_in.get(f"/w/{workspace.slug}/").content.decode()
    for text in ("沉寂的群", "活跃的群", "还没分析的群", "18", "91", "已有 21 天没有成员发言"):
        assert text in html
    for indicator in ("周活跃率", "自发有价值互动", "付费转化率", "自发口碑增长", "解散失望比例"):
        assert indicator in html
    for bar in ("≥ 20%", "≥ 5 次/周", "≥ 10%", "&gt; 0 人/30 天", "≥ 40%"):
        assert bar in html
    # attention first: the dormant group's card comes before the healthy one
    assert html.index("沉寂的群</h3>") < html.index("活跃的群</h3>")


def test_overview_filters_by_stage_with_htmx(signed_in, workspace):
    make_snapshot(make_group(workspace, "甲群"), stage="dormant")
    make_snapshot(make_group(workspace, "乙群"), stage="active")
    response = signed_in.get(
        f"/w/{workspace.slug}/?stage=dormant", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="group-cards"
    )
    html = response.content.decode()
    assert "甲群" in html and "乙群" not in html and "<html" not in html


def test_group_page_has_charts_people_labels_with_reasons_and_recommendations(signed_in, workspace):
    group = make_group(workspace, "读书会")
    kol = make_person(workspace, "阿明", external_id="user42")
    people = [
        {
            "id": "user42",
            "name": "阿明",
            "messages": 120,
            "replies_received": 30,
            "active_days": 40,
            "labels": ["kol", "core"],
            "label_reasons": {
                "kol": {"zh": "8 人回复过他", "en": "replies from 8 people"},
                "core": {"zh": "近 4 周活跃 4 周", "en": "active 4 of 4 weeks"},
            },
        }
    ]
    make_snapshot(group, people=people)
    make_day_rollups(group, days=20)
    html = signed_in.get(f"/w/{workspace.slug}/groups/{group.pk}/").content.decode()
    assert 'id="chart-data"' in html and "/static/plotly/plotly.min.js" in html
    assert "8 人回复过他" in html and "关键意见领袖" in html
    assert f"/w/{workspace.slug}/people/{kol.pk}/" in html
    assert "欢迎本周的 3 位新人" in html


def test_group_page_reads_no_messages(signed_in, workspace, django_assert_max_num_queries):
    group = make_group(workspace)
    make_snapshot(group)
    make_day_rollups(group, days=90)
    with django_assert_max_num_queries(12) as queries:
        signed_in.get(f"/w/{workspace.slug}/groups/{group.pk}/")
    assert not any("chat_message" in q["sql"] for q in queries.captured_queries)


def test_overview_query_count_does_not_grow_with_groups(
    signed_in, workspace, django_assert_max_num_queries
):
    for i in range(60):
        make_snapshot(make_group(workspace, f"群 {i}"))
    with django_assert_max_num_queries(20):
        signed_in.get(f"/w/{workspace.slug}/")


def test_merge_two_people_by_hand_then_undo(signed_in, workspace):
    a = make_person(workspace, "陈一", platform="telegram")
    b = make_person(workspace, "陈一", platform="wechat")
    found = signed_in.get(f"/w/{workspace.slug}/people/{a.pk}/merge-search/?q=陈")
    assert f'value="{b.pk}"' in found.content.decode()
    signed_in.post(f"/w/{workspace.slug}/people/{a.pk}/merge/", {"other": b.pk})
    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert a.identities.count() == 2
    page = signed_in.get(f"/w/{workspace.slug}/people/{a.pk}/").content.decode()
    assert "wechat" in page and "撤销合并" in page
    audit = MergeAudit.objects.get(workspace=workspace, action="merge")
    signed_in.post(f"/w/{workspace.slug}/merges/audit/{audit.pk}/undo/")
    b.refresh_from_db()
    assert b.merged_into_id is None and a.identities.count() == 1


def test_accept_and_reject_merge_suggestions(signed_in, workspace):
    a, b, c = (make_person(workspace, n) for n in ("周二", "周二 (北京)", "周三"))
    accept = make_suggestion(workspace, a, b)
    reject = make_suggestion(workspace, a, c, score=0.4)
    page = signed_in.get(f"/w/{workspace.slug}/merges/").content.decode()
    assert "同一手机号" in page and "周二 (北京)" in page
    response = signed_in.post(
        f"/w/{workspace.slug}/merges/{accept.pk}/decide/",
        {"decision": "accept"},
        HTTP_HX_REQUEST="true",
    )
    assert "已接受" in response.content.decode()
    signed_in.post(f"/w/{workspace.slug}/merges/{reject.pk}/decide/", {"decision": "reject"})
    accept.refresh_from_db()
    reject.refresh_from_db()
    assert (accept.status, reject.status) == ("accepted", "rejected")
    assert Person.objects.get(pk=b.pk).merged_into_id == a.pk


def test_deciding_twice_says_so_instead_of_failing(signed_in, workspace):
    s = make_suggestion(workspace, make_person(workspace, "甲"), make_person(workspace, "甲."))
    url = f"/w/{workspace.slug}/merges/{s.pk}/decide/"
    signed_in.post(url, {"decision": "reject"})
    assert signed_in.post(url, {"decision": "accept"}).status_code == 302
    assert MergeSuggestion.objects.get(pk=s.pk).status == "rejected"


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "truth.json":
                zf.write(path, path.relative_to(folder))
    return buffer.getvalue()


@pytest.mark.slow
def test_upload_an_export_imports_it_and_the_groups_get_analysed(
    signed_in, workspace, sim_export, immediate_jobs, django_capture_on_commit_callbacks
):
    upload = SimpleUploadedFile("export.zip", _zip_of(Path(sim_export)))
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            f"/w/{workspace.slug}/imports/upload/", {"export": upload, "tz": ""}
        )
    assert response.status_code == 302
    run = ImportRun.objects.get(workspace=workspace)
    assert run.status == "done", run.errors
    assert run.messages_new > 1000
    assert Group.objects.filter(workspace=workspace).count() == 3
    assert GroupSnapshot.objects.filter(workspace=workspace).count() == 3
    row = signed_in.get(f"/w/{workspace.slug}/imports/{run.pk}/").content.decode()
    assert 'data-status="done"' in row and "hx-trigger" not in row
    overview = signed_in.get(f"/w/{workspace.slug}/").content.decode()
    assert overview.count('class="card group-card"') == 3


def test_a_running_import_is_polled(signed_in, workspace):
    run = ImportRun.objects.create(workspace=workspace, label="big.zip", status="running")
    row = signed_in.get(f"/w/{workspace.slug}/imports/{run.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in row


def test_the_owner_creates_and_revokes_an_api_token_shown_once(client, workspace):
    owner = make_user(workspace, Role.OWNER)
    client.force_login(owner)
    client.post(f"/w/{workspace.slug}/settings/tokens/", {"name": "bi", "role": "viewer"})
    page = client.get(f"/w/{workspace.slug}/settings/").content.decode()
    token = ApiToken.objects.get(workspace=workspace)
    assert 'data-testid="new-token"' in page and token.prefix in page
    assert (
        'data-testid="new-token"'
        not in client.get(f"/w/{workspace.slug}/settings/").content.decode()
    )
    client.post(f"/w/{workspace.slug}/settings/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_plotly_is_served_from_the_installed_package(client, db):
    response = client.get("/static/plotly/plotly.min.js")
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 1_000_000


def test_english_catalogue_is_complete():
    po = Path(__file__).parents[2] / "src/shequn/locale/en/LC_MESSAGES/django.po"
    blocks = po.read_text(encoding="utf-8").split("\n\n")[1:]
    untranslated = [b for b in blocks if 'msgstr ""' in b and "msgstr[0]" not in b]
    assert not untranslated
    assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1


def test_every_model_has_an_admin_page_in_chinese(client, workspace):
    from django.apps import apps
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    client.force_login(root)
    group = make_group(workspace)
    make_snapshot(group)
    ours = [m for m in apps.get_models() if m.__module__.startswith("shequn.apps.")]
    assert ours
    for model in ours:
        assert model in admin.site._registry, f"{model.__name__} has no admin"
        url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
    assert "数据管理" in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
