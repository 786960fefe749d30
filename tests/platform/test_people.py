"""People across groups: soft evidence makes suggestions, never merges; merges are audited and
reversible (docs/architecture.md)."""

import pytest

from shequn.apps.chat.models import Membership
from shequn.apps.people.actions import (
    MergeError,
    do_accept_suggestion,
    do_generate_merge_suggestions,
    do_merge_people,
    do_reject_suggestion,
    do_unmerge,
)
from shequn.apps.people.matching import name_keys, normalise_name, phones_in, wechat_ids_in
from shequn.apps.people.models import Identity, MergeAudit, MergeSuggestion, Person
from shequn.apps.people.selectors import get_current_person, list_merge_suggestions

from .factories import chat_batch, ingest, make_group, make_person


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("张三", "张三"),
        ("ＺｈａｎｇＳａｎ", "zhangsan"),
        ("Zhang San", "zhangsan"),
        ("🌸张三🌸", "张三"),
        ("张三。", "张三"),
        ("", ""),
    ],
)
def test_names_normalise_width_case_emoji_and_punctuation(raw, normalised):
    assert normalise_name(raw) == normalised


@pytest.mark.parametrize(
    ("raw", "full", "cores"),
    [
        ("张三 (北京)", "张三北京", {"张三"}),
        ("张三（北京）", "张三北京", {"张三"}),
        ("北京-张三", "北京张三", {"张三", "北京"}),
        ("张三｜产品经理", "张三产品经理", {"张三", "产品经理"}),
        ("张", "张", set()),  # one character identifies nobody
        ("Zhang San", "zhangsan", set()),  # not split: "zhang" alone is a surname
    ],
)
def test_name_keys_strip_qualifiers_and_split_nicknames(raw, full, cores):
    assert name_keys(raw) == (full, cores)


def test_contacts_written_in_nicknames_are_found():
    assert phones_in("王五 138-0013-8000 收") == {"13800138000"}
    assert phones_in("+86 13800138000") == {"13800138000"}
    assert wechat_ids_in("李四 微信：lisi_2024") == {"lisi_2024"}
    assert wechat_ids_in("vx: Li-Si88") == {"li-si88"}
    assert phones_in("订单 20240601123456") == set()


def _in_group(person, group):
    for ident in person.identities.all():
        Membership.objects.create(workspace=group.workspace, group=group, identity=ident)


def test_soft_evidence_only_suggests_with_its_reasons(workspace):
    a = make_person(workspace, "王五", platform="wechat", phone="+86 138 0013 8000")
    b = make_person(workspace, "老王", platform="telegram", phone="13800138000")
    c = make_person(workspace, "李四 微信：lisi_2024", platform="qq")
    d = make_person(workspace, "Lisi", platform="wechat", handle="lisi_2024")
    e = make_person(workspace, "张三 (北京)", platform="telegram")
    f = make_person(workspace, "张三", platform="whatsapp")
    make_person(workspace, "赵六", platform="telegram")
    people_before = Person.objects.filter(workspace=workspace).count()

    made = do_generate_merge_suggestions(workspace=workspace)

    found = {
        (s.left_id, s.right_id): {ev["kind"] for ev in s.evidence}
        for s in list_merge_suggestions(workspace=workspace)
    }
    assert found == {
        (a.pk, b.pk): {"phone"},
        (c.pk, d.pk): {"wechat_id"},
        (e.pk, f.pk): {"name_core"},
    }
    assert made == 3
    phone = MergeSuggestion.objects.get(left=a)
    assert "138****8000" in phone.evidence[0]["detail"] and phone.score >= 0.9
    assert Person.objects.filter(workspace=workspace).count() == people_before
    assert not MergeAudit.objects.exists()


def test_two_accounts_in_one_group_count_against_a_name_match(workspace):
    group = make_group(workspace)
    a = make_person(workspace, "陈小明", platform="telegram")
    b = make_person(workspace, "陈小明", platform="telegram")
    _in_group(a, group)
    _in_group(b, group)

    assert do_generate_merge_suggestions(workspace=workspace) == 0


def test_a_common_name_alone_is_not_enough(workspace):
    for platform in ("telegram", "wechat", "qq", "whatsapp", "discord"):
        make_person(workspace, "张伟", platform=platform)

    assert do_generate_merge_suggestions(workspace=workspace) == 0


def test_accepting_merges_and_undoing_restores_everything(workspace, operator):
    a = make_person(workspace, "王五", platform="wechat", phone="13800138000")
    b = make_person(workspace, "老王", platform="telegram", phone="13800138000")
    b.tier = "core"
    b.notes = "来自线下活动"
    b.save()
    do_generate_merge_suggestions(workspace=workspace)
    suggestion = MergeSuggestion.objects.get(workspace=workspace)

    audit = do_accept_suggestion(workspace=workspace, suggestion=suggestion, actor=operator)

    b.refresh_from_db()
    assert b.merged_into_id == a.pk
    assert Identity.objects.filter(person=a).count() == 2
    assert get_current_person(workspace=workspace, person_id=b.pk) == a
    assert (audit.action, audit.actor, audit.source_id, audit.suggestion_id) == (
        "merge",
        operator,
        b.pk,
        suggestion.pk,
    )
    assert audit.evidence == suggestion.evidence
    suggestion.refresh_from_db()
    assert suggestion.status == "accepted" and suggestion.decided_by == operator

    undo = do_unmerge(workspace=workspace, audit=audit, actor=operator)

    b.refresh_from_db()
    assert (b.merged_into_id, b.tier, b.notes) == (None, "core", "来自线下活动")
    assert list(Identity.objects.filter(person=b).values_list("platform", flat=True)) == [
        "telegram"
    ]
    assert (undo.action, undo.reverts_id) == ("unmerge", audit.pk)
    audit.refresh_from_db()
    assert audit.reverted
    suggestion.refresh_from_db()
    assert suggestion.status == "rejected"
    # The operator said no: the pair is not suggested again.
    assert do_generate_merge_suggestions(workspace=workspace) == 0
    with pytest.raises(MergeError):
        do_unmerge(workspace=workspace, audit=audit)


def test_a_rejected_pair_stays_rejected(workspace, operator):
    make_person(workspace, "王五", platform="wechat", phone="13800138000")
    make_person(workspace, "老王", platform="telegram", phone="13800138000")
    do_generate_merge_suggestions(workspace=workspace)
    suggestion = MergeSuggestion.objects.get(workspace=workspace)

    do_reject_suggestion(workspace=workspace, suggestion=suggestion, actor=operator)

    assert do_generate_merge_suggestions(workspace=workspace) == 0
    assert MergeSuggestion.objects.get(workspace=workspace).status == "rejected"
    with pytest.raises(MergeError):
        do_accept_suggestion(workspace=workspace, suggestion=suggestion)


def test_merges_are_undone_last_first(workspace):
    a = make_person(workspace, "甲")
    b = make_person(workspace, "乙")
    c = make_person(workspace, "丙")
    first = do_merge_people(workspace=workspace, target=b, source=a)
    do_merge_people(workspace=workspace, target=c, source=b)

    with pytest.raises(MergeError):
        do_unmerge(workspace=workspace, audit=first)
    with pytest.raises(MergeError):
        do_merge_people(workspace=workspace, target=a, source=c)


def test_suggestions_stay_inside_a_workspace(workspace, other_workspace):
    make_person(workspace, "王五", platform="wechat", phone="13800138000")
    make_person(other_workspace, "老王", platform="telegram", phone="13800138000")

    assert do_generate_merge_suggestions(workspace=workspace) == 0
    assert do_generate_merge_suggestions(workspace=other_workspace) == 0
    other = Person.objects.filter(workspace=other_workspace).first()
    with pytest.raises(Person.DoesNotExist):
        do_merge_people(
            workspace=workspace, target=Person.objects.get(workspace=workspace), source=other
        )


def test_ingest_then_suggest_across_platforms(workspace):
    ingest(
        workspace,
        chat_batch("telegram:1", [("1", "2024-06-01T10:00:00+00:00", "tg_li", "hi")]),
        chat_batch("wechat:g1", [("1", "2024-06-01T10:00:00+00:00", "wx_li", "hi")]),
    )
    Identity.objects.filter(workspace=workspace).update(name="李雷 (上海)")

    do_generate_merge_suggestions(workspace=workspace)

    (s,) = list_merge_suggestions(workspace=workspace)
    assert {e["kind"] for e in s.evidence} == {"name"}
    assert Person.objects.filter(workspace=workspace, merged_into=None).count() == 2
