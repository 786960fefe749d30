"""A few operator flows in a real browser (docs/web.md): sign in, upload an export and watch
it import, read a group's health page with its charts, merge two people, and a viewer who
cannot reach an operator's actions."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from shequn.apps.people.models import Person
from shequn.apps.tenancy.models import Role

from ..factories import PASSWORD, make_person, make_suggestion, make_user
from .pages import BackOffice

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "truth.json":
                zf.write(path, path.relative_to(folder))
    return target


def test_operator_uploads_an_export_and_reads_a_groups_health(
    browser_page, screens, workspace, sim_export, immediate_jobs, tmp_path
):
    operator = make_user(workspace, Role.OPERATOR, username="运营小王")
    office = BackOffice(browser_page, screens)
    office.log_in(operator.username, PASSWORD)
    expect(browser_page.get_by_text("还没有群")).to_be_visible()
    office.shot("01-empty-overview")

    office.open_imports(workspace.slug)
    office.upload(_zip(Path(sim_export), tmp_path / "community-export.zip"))
    office.wait_for_import("done")
    office.shot("02-import-done")

    office.open_overview(workspace.slug)
    expect(office.group_cards()).to_have_count(3)
    expect(browser_page.locator(".ind-name").first).to_have_text("周活跃率")
    office.shot("03-overview")

    office.open_first_group()
    expect(browser_page.get_by_role("heading", name="今天该做什么")).to_be_visible()
    expect(browser_page.locator("#group-people .tag").first).to_be_visible()
    office.shot("04-group")

    browser_page.set_viewport_size({"width": 390, "height": 844})
    office.open_overview(workspace.slug)
    office.shot("05-overview-phone")
    office.open_first_group()
    office.shot("06-group-phone")


def test_operator_merges_two_identities_and_accepts_a_suggestion(browser_page, screens, workspace):
    operator = make_user(workspace, Role.OPERATOR)
    telegram = make_person(workspace, "林小雨", platform="telegram")
    wechat = make_person(workspace, "林小雨", platform="wechat")
    left, right = make_person(workspace, "老周"), make_person(workspace, "老周（杭州）")
    suggestion = make_suggestion(workspace, left, right)
    office = BackOffice(browser_page, screens)
    office.log_in(operator.username, PASSWORD)

    office.open_person(workspace.slug, telegram.pk)
    office.merge_with("林小雨", wechat.pk)
    expect(browser_page.locator(".identity-list li")).to_have_count(2)
    expect(browser_page.get_by_role("button", name="撤销合并")).to_be_visible()
    office.shot("07-person-merged")
    assert Person.objects.get(pk=wechat.pk).merged_into_id == telegram.pk

    office.open_merges(workspace.slug)
    office.shot("08-merge-suggestions")
    browser_page.get_by_role("button", name="是同一人，合并").click()
    expect(browser_page.locator(f"#suggestion-{suggestion.pk} .decided")).to_contain_text("已接受")
    assert Person.objects.get(pk=right.pk).merged_into_id == left.pk


def test_a_viewer_cannot_reach_an_operators_actions(browser_page, screens, workspace):
    viewer = make_user(workspace, Role.VIEWER)
    person = make_person(workspace, "只读看到的人")
    office = BackOffice(browser_page, screens)
    office.log_in(viewer.username, PASSWORD)
    expect(browser_page.get_by_role("link", name="导入聊天记录")).to_have_count(0)

    office.open_imports(workspace.slug)
    expect(browser_page.locator("input[name=export]")).to_have_count(0)
    office.open_person(workspace.slug, person.pk)
    expect(browser_page.locator("#merge-panel")).to_have_count(0)
    expect(browser_page.get_by_role("link", name="设置")).to_have_count(0)

    # Even with a valid CSRF token, the server refuses the viewer's direct requests.
    office.open_imports(workspace.slug)
    token = next(c["value"] for c in browser_page.context.cookies() if c["name"] == "csrftoken")
    answer = browser_page.request.post(
        f"/w/{workspace.slug}/people/{person.pk}/merge/",
        form={"other": str(person.pk)},
        headers={"X-CSRFToken": token, "Referer": browser_page.url},
    )
    assert answer.status == 403 and "你的角色不能做这个操作" in answer.text()
    response = browser_page.goto(f"/w/{workspace.slug}/settings/")
    assert response is not None and response.status == 403
    office.shot("09-viewer-forbidden")
