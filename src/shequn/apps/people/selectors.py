"""Reads of people across groups and platforms. See docs/architecture.md (People across
groups). Every query is scoped by workspace."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import QuerySet

from shequn.apps.chat.models import Membership
from shequn.apps.community.models import Group
from shequn.apps.tenancy.models import Workspace

from .models import MergeAudit, MergeSuggestion, Person


def get_person(*, workspace: Workspace, person_id: int) -> Person:
    return Person.objects.get(workspace=workspace, pk=person_id)


def get_current_person(*, workspace: Workspace, person_id: int) -> Person:
    """The person a (possibly merged-away) person now lives in: follows merged_into."""
    person = get_person(workspace=workspace, person_id=person_id)
    seen = {person.pk}
    while person.merged_into_id is not None and person.merged_into_id not in seen:
        seen.add(person.merged_into_id)
        person = get_person(workspace=workspace, person_id=person.merged_into_id)
    return person


def list_merge_suggestions(
    *, workspace: Workspace, status: str = "open"
) -> QuerySet[MergeSuggestion]:
    return (
        MergeSuggestion.objects.filter(workspace=workspace, status=status)
        .select_related("left", "right")
        .order_by("-score", "pk")
    )


def list_merge_audits(
    *, workspace: Workspace, person: Person | None = None
) -> QuerySet[MergeAudit]:
    audits = MergeAudit.objects.filter(workspace=workspace)
    if person is not None:
        audits = audits.filter(target=person) | audits.filter(source=person)
    return audits.order_by("-created_at", "-pk")


def list_person_groups(*, workspace: Workspace, person: Person) -> QuerySet[Group]:
    """Every group any identity of the person belongs to, on every platform."""
    return Group.objects.filter(
        workspace=workspace, memberships__identity__person=person
    ).distinct()


def count_people_by_group(*, workspace: Workspace) -> dict[int, int]:
    """group id → distinct humans (after merges) in it."""
    out: dict[int, set[int]] = defaultdict(set)
    for group, person in Membership.objects.filter(workspace=workspace).values_list(
        "group_id", "identity__person_id"
    ):
        out[group].add(person)
    return {g: len(p) for g, p in out.items()}
