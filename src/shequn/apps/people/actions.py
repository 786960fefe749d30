"""Writes on people: merge suggestions, merges and unmerges, all audited. See
docs/architecture.md (People across groups).

Hard evidence merges on its own at ingest: the same (platform, platform id) is one Identity, so
it is one Person. Everything else only becomes a MergeSuggestion with its evidence
(`matching.py`); a merge happens when an operator accepts one or merges by hand, and every merge
is reversible through its MergeAudit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shequn.apps.chat.models import Membership
from shequn.apps.tenancy.models import Workspace

from .matching import PersonRecord, candidate_pairs
from .models import Identity, MergeAudit, MergeSuggestion, Person


class MergeError(ValueError):
    """A merge or unmerge that cannot be done as asked (the message says why)."""


@transaction.atomic
def do_generate_merge_suggestions(*, workspace: Workspace) -> int:
    """Score every pair of (unmerged) people of the workspace that shares some soft evidence
    and store a suggestion for each pair above the bar. Open suggestions are refreshed, decided
    ones are never reopened. Returns the number of open suggestions created or updated."""
    records: dict[int, PersonRecord] = {}
    for pid in Person.objects.filter(workspace=workspace, merged_into__isnull=True).values_list(
        "pk", flat=True
    ):
        records[pid] = PersonRecord(person_id=pid)
    identities = Identity.objects.filter(
        workspace=workspace, person__merged_into__isnull=True
    ).values_list("pk", "person_id", "platform", "name", "names_seen", "handle", "phone")
    owner: dict[int, int] = {}
    for pk, pid, platform, name, names_seen, handle, phone in identities:
        rec = records.get(pid)
        if rec is None:
            continue
        owner[pk] = pid
        rec.platforms.add(platform)
        rec.names.extend(n for n in [name, *(names_seen or [])] if n and n not in rec.names)
        if handle:
            rec.handles.append((platform, handle))
        if phone:
            rec.phones.append(phone)
    for ident, group, community in Membership.objects.filter(workspace=workspace).values_list(
        "identity_id", "group_id", "group__community_id"
    ):
        pid = owner.get(ident)
        if pid is None:
            continue
        records[pid].groups.add(group)
        if community is not None:
            records[pid].communities.add(community)

    decided = {
        (left, right)
        for left, right in MergeSuggestion.objects.filter(workspace=workspace)
        .exclude(status=MergeSuggestion.Status.OPEN)
        .values_list("left_id", "right_id")
    }
    existing = {
        (s.left_id, s.right_id): s
        for s in MergeSuggestion.objects.filter(
            workspace=workspace, status=MergeSuggestion.Status.OPEN
        )
    }
    touched = 0
    wanted: set[tuple[int, int]] = set()
    for cand in candidate_pairs(records.values()):
        key = (cand.left, cand.right)
        if key in decided:
            continue
        wanted.add(key)
        current = existing.get(key)
        if current is None:
            MergeSuggestion.objects.create(
                workspace=workspace,
                left_id=cand.left,
                right_id=cand.right,
                score=cand.score,
                evidence=cand.evidence,
            )
            touched += 1
        elif current.score != cand.score or current.evidence != cand.evidence:
            current.score = cand.score
            current.evidence = cand.evidence
            current.save(update_fields=["score", "evidence"])
            touched += 1
    # Open suggestions whose evidence is gone (names changed, people merged) are withdrawn.
    stale = [s.pk for key, s in existing.items() if key not in wanted]
    MergeSuggestion.objects.filter(workspace=workspace, pk__in=stale).delete()
    return touched


@transaction.atomic
def do_merge_people(
    *,
    workspace: Workspace,
    target: Person,
    source: Person,
    actor: Any = None,
    evidence: Iterable[dict[str, Any]] = (),
    suggestion: MergeSuggestion | None = None,
) -> MergeAudit:
    """Move every identity of `source` to `target`. `source` stays (marked merged_into) so an
    unmerge restores it with its tier, notes and staff mark."""
    target = Person.objects.select_for_update().get(workspace=workspace, pk=target.pk)
    source = Person.objects.select_for_update().get(workspace=workspace, pk=source.pk)
    if target.pk == source.pk:
        raise MergeError("a person cannot be merged into themselves")
    if target.merged_into_id is not None or source.merged_into_id is not None:
        raise MergeError("one of these people was already merged into someone else")
    moved = list(
        Identity.objects.filter(workspace=workspace, person=source).values_list("pk", flat=True)
    )
    Identity.objects.filter(workspace=workspace, pk__in=moved).update(person=target)
    source.merged_into = target
    source.save(update_fields=["merged_into"])
    # Suggestions about the merged-away person are moot; a fresh run pairs the target instead.
    MergeSuggestion.objects.filter(
        Q(left=source) | Q(right=source), workspace=workspace, status=MergeSuggestion.Status.OPEN
    ).exclude(pk=suggestion.pk if suggestion else None).delete()
    return MergeAudit.objects.create(
        workspace=workspace,
        action=MergeAudit.Action.MERGE,
        target=target,
        source=source,
        suggestion=suggestion,
        moved_identity_ids=moved,
        source_person_name=source.display_name,
        evidence=list(evidence),
        actor=actor,
    )


@transaction.atomic
def do_unmerge(*, workspace: Workspace, audit: MergeAudit, actor: Any = None) -> MergeAudit:
    """Undo a merge: the identities it moved go back to the person they came from (recreated
    if it was deleted). Merges are undone last-first: if one of those identities has moved on
    since (a later merge), that merge must be undone before."""
    audit = MergeAudit.objects.select_for_update().get(workspace=workspace, pk=audit.pk)
    if audit.action != MergeAudit.Action.MERGE:
        raise MergeError("only a merge can be undone")
    if audit.reverted:
        raise MergeError("this merge was already undone")
    moved = [int(i) for i in audit.moved_identity_ids]
    current = dict(
        Identity.objects.filter(workspace=workspace, pk__in=moved).values_list("pk", "person_id")
    )
    if any(pid != audit.target_id for pid in current.values()):
        raise MergeError("some of these identities were merged again later; undo that first")
    source = (
        Person.objects.select_for_update().filter(workspace=workspace, pk=audit.source_id).first()
        if audit.source_id
        else None
    )
    if source is None:
        source = Person.objects.create(
            workspace=workspace, display_name=audit.source_person_name or "?"
        )
    Identity.objects.filter(workspace=workspace, pk__in=list(current)).update(person=source)
    source.merged_into = None
    source.save(update_fields=["merged_into"])
    audit.reverted = True
    audit.save(update_fields=["reverted"])
    if audit.suggestion_id:
        # Undoing an accepted suggestion is the operator saying it was wrong: never again.
        MergeSuggestion.objects.filter(workspace=workspace, pk=audit.suggestion_id).update(
            status=MergeSuggestion.Status.REJECTED, decided_by=actor, decided_at=timezone.now()
        )
    return MergeAudit.objects.create(
        workspace=workspace,
        action=MergeAudit.Action.UNMERGE,
        target=audit.target,
        source=source,
        reverts=audit,
        moved_identity_ids=list(current),
        source_person_name=source.display_name,
        evidence=audit.evidence,
        actor=actor,
    )


@transaction.atomic
def do_accept_suggestion(
    *, workspace: Workspace, suggestion: MergeSuggestion, actor: Any = None
) -> MergeAudit:
    """Merge the suggestion's right person into its left one (the older record)."""
    suggestion = MergeSuggestion.objects.select_for_update().get(
        workspace=workspace, pk=suggestion.pk
    )
    if suggestion.status != MergeSuggestion.Status.OPEN:
        raise MergeError("this suggestion was already decided")
    audit = do_merge_people(
        workspace=workspace,
        target=suggestion.left,
        source=suggestion.right,
        actor=actor,
        evidence=suggestion.evidence,
        suggestion=suggestion,
    )
    suggestion.status = MergeSuggestion.Status.ACCEPTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return audit


@transaction.atomic
def do_reject_suggestion(
    *, workspace: Workspace, suggestion: MergeSuggestion, actor: Any = None
) -> MergeSuggestion:
    """Record that these two are different people; the pair is never suggested again."""
    suggestion = MergeSuggestion.objects.select_for_update().get(
        workspace=workspace, pk=suggestion.pk
    )
    if suggestion.status != MergeSuggestion.Status.OPEN:
        raise MergeError("this suggestion was already decided")
    suggestion.status = MergeSuggestion.Status.REJECTED
    suggestion.decided_by = actor
    suggestion.decided_at = timezone.now()
    suggestion.save(update_fields=["status", "decided_by", "decided_at"])
    return suggestion
