"""Reads for the back office and the REST API. See docs/web.md.

Dashboards read rollups (GroupDayRollup, MemberDayRollup) and GroupSnapshot only, never raw
messages (STYLE.md, Analytics). Every function takes the workspace and filters by it first.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from shequn.apps.chat.models import ImportRun, Membership
from shequn.apps.community.models import Group
from shequn.apps.insights.models import Alert, GroupDayRollup, GroupSnapshot, MemberDayRollup
from shequn.apps.people.models import Identity, MergeAudit, MergeSuggestion, Person
from shequn.apps.tenancy.models import Workspace

STAGES = ("forming", "growing", "active", "declining", "dormant")
INDICATORS = (
    "weekly_active_rate",
    "independent_rounds_7d",
    "paid_conversion",
    "organic_growth_30d",
    "disappointment_share",
)
# The seed bars (DESIGN.md §3), used when a snapshot predates an indicator.
BARS: dict[str, float] = {
    "weekly_active_rate": 0.2,
    "independent_rounds_7d": 5,
    "paid_conversion": 0.1,
    "organic_growth_30d": 0,
    "disappointment_share": 0.4,
}
GROUP_SORTS = {
    "attention": ("snapshot__health_score", "name"),
    "health": ("-snapshot__health_score", "name"),
    "members": ("-snapshot__members", "name"),
    "messages": ("-snapshot__messages", "name"),
    "name": ("name",),
}
PAGE_SIZE = 30


# ---- overview ---------------------------------------------------------------------------------


@dataclass
class WorkspaceSummary:
    groups: int = 0
    analysed: int = 0
    members: int = 0
    messages: int = 0
    average_health: float | None = None
    by_stage: dict[str, int] = field(default_factory=dict)
    open_alerts: int = 0
    open_suggestions: int = 0


def get_workspace_summary(*, workspace: Workspace) -> WorkspaceSummary:
    from django.db.models import Avg

    summary = WorkspaceSummary(groups=Group.objects.filter(workspace=workspace).count())
    snapshots = GroupSnapshot.objects.filter(workspace=workspace)
    totals = snapshots.aggregate(
        n=Count("id"),
        members=Sum("members"),
        messages=Sum("messages"),
        health=Avg("health_score"),
    )
    summary.analysed = totals["n"] or 0
    summary.members = totals["members"] or 0
    summary.messages = totals["messages"] or 0
    summary.average_health = totals["health"]
    summary.by_stage = {stage: 0 for stage in STAGES}
    for row in snapshots.values("lifecycle_stage").annotate(n=Count("id")):
        if row["lifecycle_stage"]:
            summary.by_stage[row["lifecycle_stage"]] = row["n"]
    summary.open_alerts = Alert.objects.filter(
        workspace=workspace, resolved_at__isnull=True
    ).count()
    summary.open_suggestions = MergeSuggestion.objects.filter(
        workspace=workspace, status=MergeSuggestion.Status.OPEN
    ).count()
    return summary


@dataclass
class GroupCard:
    id: int
    name: str
    platform: str
    funnel_role: str
    health_score: int | None
    lifecycle_stage: str
    members: int
    messages: int
    as_of: Any
    indicators: list[dict[str, Any]]
    lifecycle_reason: str
    lifecycle_reason_en: str
    open_alerts: int


def indicator_rows(indicators: dict[str, Any] | None) -> list[dict[str, Any]]:
    indicators = indicators or {}
    rows = []
    for name in INDICATORS:
        item = indicators.get(name) or {}
        rows.append(
            {
                "name": name,
                "value": item.get("value"),
                "bar": item.get("bar", BARS[name]),
                "status": item.get("status") or ("no_data" if not item else "unknown"),
                "reason": item.get("reason", ""),
                "reason_en": item.get("reason_en", ""),
            }
        )
    return rows


def _group_queryset(
    workspace: Workspace, *, stage: str = "", query: str = "", platform: str = ""
) -> QuerySet[Group]:
    groups = Group.objects.filter(workspace=workspace)
    if stage == "none":
        groups = groups.filter(snapshot__isnull=True)
    elif stage:
        groups = groups.filter(snapshot__lifecycle_stage=stage)
    if platform:
        groups = groups.filter(platform=platform)
    if query:
        groups = groups.filter(Q(name__icontains=query) | Q(key__icontains=query))
    return groups


def list_group_cards(
    *,
    workspace: Workspace,
    stage: str = "",
    query: str = "",
    platform: str = "",
    sort: str = "attention",
    page: int | str = 1,
    per_page: int = PAGE_SIZE,
    group_ids: list[int] | None = None,
) -> tuple[Page, list[GroupCard]]:
    """One page of groups with what the overview shows: the snapshot's columns and its small
    `summary` (indicators, lifecycle reason), never the whole analysis."""
    groups = _group_queryset(workspace, stage=stage, query=query, platform=platform)
    if group_ids is not None:
        groups = groups.filter(id__in=group_ids)
    order = GROUP_SORTS.get(sort, GROUP_SORTS["attention"])
    ids_page = Paginator(groups.order_by(*order, "id").values_list("id", flat=True), per_page)
    page_obj = ids_page.get_page(page)
    ids = list(page_obj.object_list)
    rows = {
        row["id"]: row
        for row in Group.objects.filter(workspace=workspace, id__in=ids).values(
            "id",
            "name",
            "platform",
            "funnel_role",
            "snapshot__health_score",
            "snapshot__lifecycle_stage",
            "snapshot__members",
            "snapshot__messages",
            "snapshot__as_of",
            "snapshot__summary",
        )
    }
    alerts = dict(
        Alert.objects.filter(workspace=workspace, group_id__in=ids, resolved_at__isnull=True)
        .values_list("group_id")
        .annotate(n=Count("id"))
    )
    cards = []
    for gid in ids:
        row = rows[gid]
        summary = row["snapshot__summary"] or {}
        cards.append(
            GroupCard(
                id=gid,
                name=row["name"],
                platform=row["platform"],
                funnel_role=row["funnel_role"],
                health_score=row["snapshot__health_score"],
                lifecycle_stage=row["snapshot__lifecycle_stage"] or "",
                members=row["snapshot__members"] or 0,
                messages=row["snapshot__messages"] or 0,
                as_of=row["snapshot__as_of"],
                indicators=indicator_rows(summary.get("indicators")),
                lifecycle_reason=summary.get("lifecycle_reason") or "",
                lifecycle_reason_en=summary.get("lifecycle_reason_en") or "",
                open_alerts=alerts.get(gid, 0),
            )
        )
    return page_obj, cards


def list_platforms(*, workspace: Workspace) -> list[str]:
    return list(
        Group.objects.filter(workspace=workspace)
        .order_by("platform")
        .values_list("platform", flat=True)
        .distinct()
    )


def list_open_alerts(
    *, workspace: Workspace, group: Group | None = None, limit: int | None = 20
) -> list[Alert]:
    alerts = Alert.objects.filter(workspace=workspace, resolved_at__isnull=True)
    if group is not None:
        alerts = alerts.filter(group=group)
    alerts = alerts.select_related("group").order_by("-created_at", "-id")
    severity_rank = {"critical": 0, "warning": 1, "info": 2}
    rows = list(alerts[:limit] if limit else alerts)
    return sorted(rows, key=lambda a: severity_rank.get(a.severity, 3))


# ---- one group --------------------------------------------------------------------------------


def get_group(*, workspace: Workspace, group_id: int) -> Group:
    try:
        return Group.objects.select_related("community").get(workspace=workspace, pk=group_id)
    except Group.DoesNotExist:
        raise Http404 from None


def get_group_snapshot(*, workspace: Workspace, group: Group) -> GroupSnapshot | None:
    return GroupSnapshot.objects.filter(workspace=workspace, group=group).first()


def list_group_days(
    *, workspace: Workspace, group: Group, days: int | None = 180
) -> list[GroupDayRollup]:
    rollups = GroupDayRollup.objects.filter(workspace=workspace, group=group)
    if days:
        last = rollups.order_by("-day").values_list("day", flat=True).first()
        if last is not None:
            rollups = rollups.filter(day__gt=last - timedelta(days=days))
    return list(rollups.order_by("day"))


def group_charts(*, days: list[GroupDayRollup], snapshot: GroupSnapshot | None) -> dict[str, Any]:
    """The series the group page draws (charts.js), from rollups and the snapshot."""
    analysis = snapshot.analysis if snapshot else {}
    days = _with_quiet_days(days)
    weekly = analysis.get("weekly") or []
    retention = analysis.get("retention") or []
    return {
        "daily": {
            "day": [d.day.isoformat() for d in days],
            "messages": [d.messages for d in days],
            "speakers": [d.speakers for d in days],
            "staff_messages": [d.staff_messages for d in days],
            "joins": [d.joins for d in days],
            "leaves": [d.leaves for d in days],
        },
        "weekly": {
            "week": [w.get("week_start") for w in weekly],
            "weekly_active_rate": [w.get("weekly_active_rate") for w in weekly],
            "independent_rounds": [w.get("independent_rounds") for w in weekly],
            "members": [w.get("members") for w in weekly],
        },
        "retention": {
            "cohort": [r.get("cohort_week") for r in retention[-12:]],
            "size": [r.get("size") for r in retention[-12:]],
            "share": [r.get("active_share") or [] for r in retention[-12:]],
        },
    }


PEOPLE_FIRST = 30
PEOPLE_ALL = 2000


def _with_quiet_days(days: list[GroupDayRollup]) -> list[GroupDayRollup]:
    """Rollups exist only for days with activity; a chart needs the quiet days as zeros."""
    if not days:
        return days
    by_day = {d.day: d for d in days}
    out, day = [], days[0].day
    while day <= days[-1].day:
        out.append(by_day.get(day) or GroupDayRollup(day=day))
        day += timedelta(days=1)
    return out


LABEL_ORDER = ("owner", "admin", "kol", "core", "spammer", "newcomer", "silent", "churned")


def list_group_people(
    *,
    workspace: Workspace,
    group: Group,
    snapshot: GroupSnapshot | None,
    label: str = "",
    limit: int = 100,
) -> list[dict[str, Any]]:
    """The snapshot's people (labels with their reasons), most telling first, each linked to
    the workspace's Person when the identity is in the store."""
    people = list((snapshot.analysis.get("people") if snapshot else None) or [])
    if label:
        people = [p for p in people if label in (p.get("labels") or [])]

    # Unlabelled speakers come before the silent and the churned: they are still talking.
    unlabelled = LABEL_ORDER.index("silent") - 0.5

    def rank(p: dict[str, Any]) -> tuple[float, int]:
        labels = p.get("labels") or []
        best = min((LABEL_ORDER.index(x) for x in labels if x in LABEL_ORDER), default=unlabelled)
        return best, -(p.get("messages") or 0)

    people.sort(key=rank)
    people = people[:limit]
    ids = [str(p.get("id")) for p in people]
    persons = dict(
        Identity.objects.filter(
            workspace=workspace, platform=group.platform, external_id__in=ids
        ).values_list("external_id", "person_id")
    )
    for p in people:
        p["person_id"] = persons.get(str(p.get("id")))
    return people


def count_group_labels(*, snapshot: GroupSnapshot | None) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for p in (snapshot.analysis.get("people") if snapshot else None) or []:
        for label in p.get("labels") or []:
            counts[label] += 1
    return {label: counts[label] for label in LABEL_ORDER if counts.get(label)}


# ---- people -----------------------------------------------------------------------------------


def list_people(
    *, workspace: Workspace, query: str = "", page: int | str = 1, per_page: int = 50
) -> Page:
    people = Person.objects.filter(workspace=workspace, merged_into__isnull=True)
    if query:
        people = people.filter(
            Q(display_name__icontains=query)
            | Q(identities__name__icontains=query)
            | Q(identities__handle__icontains=query)
            | Q(identities__external_id=query)
        ).distinct()
    people = people.annotate(n_identities=Count("identities", distinct=True)).order_by(
        "display_name", "id"
    )
    return Paginator(people, per_page).get_page(page)


def get_person(*, workspace: Workspace, person_id: int) -> Person:
    try:
        return Person.objects.select_related("merged_into").get(workspace=workspace, pk=person_id)
    except Person.DoesNotExist:
        raise Http404 from None


def list_person_identities(*, workspace: Workspace, person: Person) -> list[Identity]:
    return list(
        Identity.objects.filter(workspace=workspace, person=person).order_by("platform", "id")
    )


def list_person_memberships(*, workspace: Workspace, person: Person) -> list[Membership]:
    return list(
        Membership.objects.filter(workspace=workspace, identity__person=person)
        .select_related("group", "identity")
        .order_by("group__name")
    )


def person_activity(
    *, workspace: Workspace, person: Person, days: int = 120
) -> dict[str, list[Any]]:
    """Messages per day over all of the person's identities and groups (MemberDayRollup)."""
    rollups = MemberDayRollup.objects.filter(workspace=workspace, identity__person=person)
    last = rollups.order_by("-day").values_list("day", flat=True).first()
    if last is None:
        return {"day": [], "messages": []}
    since: date = last - timedelta(days=days)
    rows = (
        rollups.filter(day__gt=since)
        .values("day")
        .annotate(messages=Sum("messages"))
        .order_by("day")
    )
    return {
        "day": [r["day"].isoformat() for r in rows],
        "messages": [r["messages"] for r in rows],
    }


def person_totals(*, workspace: Workspace, person: Person) -> dict[str, int]:
    totals = MemberDayRollup.objects.filter(workspace=workspace, identity__person=person).aggregate(
        messages=Sum("messages"), replies=Sum("replies_received"), days=Count("day", distinct=True)
    )
    return {k: v or 0 for k, v in totals.items()}


def person_labels(
    *, workspace: Workspace, memberships: list[Membership]
) -> dict[int, dict[str, Any]]:
    """Per group the person is in: the labels (and reasons) the group's snapshot gave them."""
    wanted: dict[int, set[str]] = defaultdict(set)
    for m in memberships:
        wanted[m.group_id].add(m.identity.external_id)
    out: dict[int, dict[str, Any]] = {}
    snapshots = GroupSnapshot.objects.filter(workspace=workspace, group_id__in=list(wanted))
    for snap in snapshots.only("group_id", "analysis"):
        for p in snap.analysis.get("people") or []:
            if str(p.get("id")) in wanted[snap.group_id]:
                out[snap.group_id] = p
                break
    return out


def list_person_merges(*, workspace: Workspace, person: Person) -> list[MergeAudit]:
    return list(
        MergeAudit.objects.filter(workspace=workspace)
        .filter(Q(target=person) | Q(source=person))
        .select_related("actor", "target", "source")
        .order_by("-created_at", "-id")
    )


def search_people(
    *, workspace: Workspace, query: str, exclude: Person | None = None, limit: int = 10
) -> list[Person]:
    if not query.strip():
        return []
    people = Person.objects.filter(workspace=workspace, merged_into__isnull=True).filter(
        Q(display_name__icontains=query) | Q(identities__name__icontains=query)
    )
    if exclude is not None:
        people = people.exclude(pk=exclude.pk)
    return list(people.distinct().order_by("display_name")[:limit])


# ---- merges, imports ---------------------------------------------------------------------------


def list_merge_suggestions(
    *, workspace: Workspace, status: str = "open", limit: int = 200
) -> list[MergeSuggestion]:
    return list(
        MergeSuggestion.objects.filter(workspace=workspace, status=status)
        .select_related("left", "right", "decided_by")
        .order_by("-score", "id")[:limit]
    )


def get_merge_suggestion(*, workspace: Workspace, suggestion_id: int) -> MergeSuggestion:
    try:
        return MergeSuggestion.objects.get(workspace=workspace, pk=suggestion_id)
    except MergeSuggestion.DoesNotExist:
        raise Http404 from None


def get_merge_audit(*, workspace: Workspace, audit_id: int) -> MergeAudit:
    try:
        return MergeAudit.objects.get(workspace=workspace, pk=audit_id)
    except MergeAudit.DoesNotExist:
        raise Http404 from None


def list_imports(*, workspace: Workspace, limit: int = 50) -> list[ImportRun]:
    return list(
        ImportRun.objects.filter(workspace=workspace)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )


def get_import(*, workspace: Workspace, run_id: int) -> ImportRun:
    try:
        return ImportRun.objects.get(workspace=workspace, pk=run_id)
    except ImportRun.DoesNotExist:
        raise Http404 from None


def list_alerts(
    *,
    workspace: Workspace,
    group_id: int | None = None,
    include_resolved: bool = False,
    limit: int = 200,
) -> list[Alert]:
    alerts = Alert.objects.filter(workspace=workspace)
    if group_id is not None:
        alerts = alerts.filter(group_id=group_id)
    if not include_resolved:
        alerts = alerts.filter(resolved_at__isnull=True)
    return list(alerts.order_by("-created_at", "-id")[:limit])
