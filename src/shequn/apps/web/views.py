"""The back office (docs/web.md). Each view parses, calls one action or selector and renders.

Every tenant view is wrapped in `workspace_view(need)`: the workspace comes from the URL and
must be one of the signed-in user's, the role must allow the action."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from shequn.apps.chat.models import ImportRun
from shequn.apps.people.actions import (
    MergeError,
    do_accept_suggestion,
    do_merge_people,
    do_reject_suggestion,
    do_unmerge,
)
from shequn.apps.tenancy import actions as tenancy_actions
from shequn.apps.tenancy import selectors as tenancy_selectors
from shequn.apps.tenancy.models import ApiToken, WorkspaceMember

from . import actions, present, selectors
from .access import OPERATE, OWN, VIEW, workspace_view
from .forms import DecideForm, MergeForm, TokenForm, UploadForm

RUNNING = (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING)


def _chart_labels() -> dict[str, str]:
    return {
        "messages": _("消息"),
        "staff_messages": _("工作人员消息"),
        "speakers": _("发言人数"),
        "weekly_active_rate": _("周活跃率"),
        "bar": _("标准 20%"),
        "joins": _("进群"),
        "leaves": _("退群"),
        "week": _("第%s周"),
    }


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    membership = tenancy_selectors.get_current_membership(request)
    if membership is None:
        return render(request, "web/no_workspace.html")
    return redirect("web:overview", ws=membership.workspace.slug)


@workspace_view(VIEW)
@require_GET
def overview(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    filters = {
        "stage": request.GET.get("stage", ""),
        "query": request.GET.get("q", "").strip(),
        "platform": request.GET.get("platform", ""),
        "sort": request.GET.get("sort", "attention"),
    }
    page, cards = selectors.list_group_cards(
        workspace=m.workspace, page=request.GET.get("page", 1), **filters
    )
    context: dict[str, Any] = {
        "page": page,
        "cards": present.card_display(cards),
        "filters": filters,
        "t_health": _("健康分"),
        "t_people": _("人"),
        "t_messages": _("条"),
    }
    if request.htmx and request.htmx.target == "group-cards":
        return render(request, "web/_group_cards.html", context)
    context.update(
        summary=selectors.get_workspace_summary(workspace=m.workspace),
        alerts=selectors.list_open_alerts(workspace=m.workspace, limit=8),
        platforms=selectors.list_platforms(workspace=m.workspace),
        stages=selectors.STAGES,
    )
    return render(request, "web/overview.html", context)


@workspace_view(VIEW)
@require_GET
def group_detail(request: HttpRequest, m: WorkspaceMember, group_id: int) -> HttpResponse:
    group = selectors.get_group(workspace=m.workspace, group_id=group_id)
    snapshot = selectors.get_group_snapshot(workspace=m.workspace, group=group)
    label = request.GET.get("label", "")
    show_all = request.GET.get("all") == "1"
    people = selectors.list_group_people(
        workspace=m.workspace,
        group=group,
        snapshot=snapshot,
        label=label,
        limit=selectors.PEOPLE_ALL if show_all else selectors.PEOPLE_FIRST,
    )
    context: dict[str, Any] = {
        "group": group,
        "people": people,
        "label": label,
        "show_all": show_all,
        "more": not show_all and len(people) == selectors.PEOPLE_FIRST,
    }
    if request.htmx and request.htmx.target == "group-people":
        return render(request, "web/_group_people.html", context)
    analysis = snapshot.analysis if snapshot else {}
    days = selectors.list_group_days(workspace=m.workspace, group=group)
    context.update(
        snapshot=snapshot,
        analysis=analysis,
        indicators=selectors.indicator_rows(analysis.get("indicators")),
        charts={**selectors.group_charts(days=days, snapshot=snapshot), "labels": _chart_labels()},
        label_counts=selectors.count_group_labels(snapshot=snapshot),
        alerts=selectors.list_open_alerts(workspace=m.workspace, group=group, limit=None),
    )
    return render(request, "web/group.html", context)


@workspace_view(VIEW)
@require_GET
def people_list(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    page = selectors.list_people(
        workspace=m.workspace, query=query, page=request.GET.get("page", 1)
    )
    context = {"page": page, "query": query}
    if request.htmx and request.htmx.target == "people-table":
        return render(request, "web/_people_table.html", context)
    return render(request, "web/people.html", context)


@workspace_view(VIEW)
@require_GET
def person_detail(request: HttpRequest, m: WorkspaceMember, person_id: int) -> HttpResponse:
    person = selectors.get_person(workspace=m.workspace, person_id=person_id)
    if person.merged_into_id:
        messages.info(request, _("此人已合并到 %(name)s。") % {"name": person.merged_into})
        return redirect("web:person", ws=m.workspace.slug, person_id=person.merged_into_id)
    memberships = selectors.list_person_memberships(workspace=m.workspace, person=person)
    context = {
        "person": person,
        "identities": selectors.list_person_identities(workspace=m.workspace, person=person),
        "memberships": memberships,
        "group_labels": selectors.person_labels(workspace=m.workspace, memberships=memberships),
        "activity": selectors.person_activity(workspace=m.workspace, person=person),
        "totals": selectors.person_totals(workspace=m.workspace, person=person),
        "merges": selectors.list_person_merges(workspace=m.workspace, person=person),
    }
    return render(request, "web/person.html", context)


@workspace_view(OPERATE)
@require_GET
def person_merge_search(request: HttpRequest, m: WorkspaceMember, person_id: int) -> HttpResponse:
    person = selectors.get_person(workspace=m.workspace, person_id=person_id)
    found = selectors.search_people(
        workspace=m.workspace, query=request.GET.get("q", ""), exclude=person
    )
    return render(request, "web/_merge_candidates.html", {"person": person, "found": found})


@workspace_view(OPERATE)
@require_POST
def person_merge(request: HttpRequest, m: WorkspaceMember, person_id: int) -> HttpResponse:
    person = selectors.get_person(workspace=m.workspace, person_id=person_id)
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要合并的人。"))
        return redirect("web:person", ws=m.workspace.slug, person_id=person.pk)
    other = selectors.get_person(workspace=m.workspace, person_id=form.cleaned_data["other"])
    try:
        do_merge_people(
            workspace=m.workspace,
            target=person,
            source=other,
            actor=request.user,
            evidence=[
                {
                    "kind": "operator",
                    "detail": "运营在后台手动合并",
                    "detail_en": "merged by hand in the back office",
                }
            ],
        )
    except MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已把 %(other)s 合并进来。") % {"other": other.display_name})
    return redirect("web:person", ws=m.workspace.slug, person_id=person.pk)


@workspace_view(OPERATE)
@require_POST
def merge_undo(request: HttpRequest, m: WorkspaceMember, audit_id: int) -> HttpResponse:
    audit = selectors.get_merge_audit(workspace=m.workspace, audit_id=audit_id)
    try:
        do_unmerge(workspace=m.workspace, audit=audit, actor=request.user)
    except MergeError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销这次合并。"))
    target = audit.target_id or audit.source_id
    if target:
        return redirect("web:person", ws=m.workspace.slug, person_id=target)
    return redirect("web:people", ws=m.workspace.slug)


@workspace_view(VIEW)
@require_GET
def merge_suggestions(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ("open", "accepted", "rejected"):
        status = "open"
    context = {
        "suggestions": selectors.list_merge_suggestions(workspace=m.workspace, status=status),
        "status": status,
    }
    return render(request, "web/merges.html", context)


@workspace_view(OPERATE)
@require_POST
def merge_decide(request: HttpRequest, m: WorkspaceMember, suggestion_id: int) -> HttpResponse:
    suggestion = selectors.get_merge_suggestion(workspace=m.workspace, suggestion_id=suggestion_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        decide = (
            do_accept_suggestion
            if form.cleaned_data["decision"] == "accept"
            else do_reject_suggestion
        )
        try:
            decide(workspace=m.workspace, suggestion=suggestion, actor=request.user)
        except MergeError as exc:
            messages.error(request, str(exc))
        suggestion.refresh_from_db()
    if request.htmx:
        return render(request, "web/_suggestion.html", {"s": suggestion})
    return redirect("web:merges", ws=m.workspace.slug)


@workspace_view(VIEW)
@require_GET
def imports(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    return _imports_page(request, m, UploadForm())


@workspace_view(OPERATE)
@require_POST
def import_upload(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _imports_page(request, m, form, status=400)
    run = actions.do_start_upload_import(
        workspace=m.workspace,
        upload=form.cleaned_data["export"],
        created_by=request.user,
        tz=form.cleaned_data["tz"],
    )
    messages.success(request, _("已开始导入 %(label)s。") % {"label": run.label})
    return redirect("web:imports", ws=m.workspace.slug)


def _imports_page(
    request: HttpRequest, m: WorkspaceMember, form: UploadForm, status: int = 200
) -> HttpResponse:
    runs = selectors.list_imports(workspace=m.workspace)
    context = {"form": form, "runs": runs, "running": RUNNING}
    return render(request, "web/imports.html", context, status=status)


@workspace_view(VIEW)
@require_GET
def import_status(request: HttpRequest, m: WorkspaceMember, run_id: int) -> HttpResponse:
    run = selectors.get_import(workspace=m.workspace, run_id=run_id)
    return render(request, "web/_import_row.html", {"run": run, "running": RUNNING})


@workspace_view(OWN)
@require_GET
def workspace_settings(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    context = {
        "members": tenancy_selectors.list_workspace_members(workspace=m.workspace),
        "tokens": tenancy_selectors.list_api_tokens(workspace=m.workspace),
        "form": TokenForm(),
        "new_token": request.session.pop("shequn_new_token", None),
    }
    return render(request, "web/settings.html", context)


@workspace_view(OWN)
@require_POST
def token_create(request: HttpRequest, m: WorkspaceMember) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        _token, raw = tenancy_actions.do_create_api_token(
            workspace=m.workspace,
            name=form.cleaned_data["name"],
            role=form.cleaned_data["role"],
            created_by=request.user,
        )
        # Shown once on the next page, then gone: only its hash is stored.
        request.session["shequn_new_token"] = raw
    return HttpResponseRedirect(reverse("web:settings", kwargs={"ws": m.workspace.slug}))


@workspace_view(OWN)
@require_POST
def token_revoke(request: HttpRequest, m: WorkspaceMember, token_id: int) -> HttpResponse:
    try:
        tenancy_actions.do_revoke_api_token(workspace=m.workspace, token_id=token_id)
    except ApiToken.DoesNotExist:
        raise Http404 from None
    messages.success(request, _("令牌已作废。"))
    return redirect("web:settings", ws=m.workspace.slug)
