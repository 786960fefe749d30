"""Rollups filled incrementally and resumably; snapshots and alerts (docs/architecture.md)."""

from datetime import date, datetime

from shequn.apps.chat.actions import do_import_export
from shequn.apps.community.models import Group
from shequn.apps.insights.actions import (
    do_compute_group_snapshot,
    do_fill_rollups,
    do_reset_rollups,
)
from shequn.apps.insights.alerts import alerts_for
from shequn.apps.insights.models import (
    Alert,
    DirtyDay,
    FillState,
    GroupDayRollup,
    MemberDayRollup,
)
from shequn.apps.people.models import Person
from shequn.importers.events import BatchBuilder, to_us

from .factories import chat_batch, ingest


def group_days(group):
    return list(
        GroupDayRollup.objects.filter(group=group)
        .order_by("day")
        .values_list("day", "messages", "speakers", "staff_messages", "joins", "leaves")
    )


def member_days(group):
    return list(
        MemberDayRollup.objects.filter(group=group)
        .order_by("day", "identity__external_id")
        .values_list("day", "identity__external_id", "messages", "replies_received")
    )


def test_rollups_agree_with_the_analysis_daily_series(workspace, sim_export):
    do_import_export(workspace=workspace, path=sim_export)

    for group in Group.objects.filter(workspace=workspace):
        report = do_fill_rollups(workspace=workspace, group=group)
        snapshot = do_compute_group_snapshot(workspace=workspace, group=group)

        assert report.complete and not DirtyDay.objects.filter(group=group).exists()
        assert set(FillState.objects.filter(group=group).values_list("stat", "status")) == {
            ("group_day", "done"),
            ("member_day", "done"),
        }
        daily = {
            date.fromisoformat(d["date"]): (d["messages"], d["speakers"])
            for d in snapshot.analysis["daily"]
            if d["messages"]
        }
        rolled = {day: (m, s) for day, m, s, *_ in group_days(group) if m}
        assert rolled == daily
        assert sum(r[1] for r in group_days(group)) == snapshot.messages


def test_an_interrupted_fill_redoes_only_the_unfinished_windows(workspace, sim_export):
    do_import_export(workspace=workspace, path=sim_export)
    group = Group.objects.filter(workspace=workspace).order_by("pk").first()
    do_fill_rollups(workspace=workspace, group=group)
    clean = (group_days(group), member_days(group))
    do_reset_rollups(workspace=workspace, group=group)

    partial = do_fill_rollups(workspace=workspace, group=group, max_windows=1)

    assert (partial.windows_done, partial.complete) == (1, False)
    assert set(FillState.objects.filter(group=group).values_list("status", flat=True)) == {
        "started"
    }
    left = DirtyDay.objects.filter(group=group).count()
    assert left > 0
    rest = do_fill_rollups(workspace=workspace, group=group)
    assert rest.complete and rest.windows_done == partial.windows_left
    assert (group_days(group), member_days(group)) == clean


def test_a_late_import_of_an_old_day_refills_just_that_day(workspace):
    days = [f"2024-06-{d:02d}T12:00:00+08:00" for d in (1, 2, 3, 4, 5)]
    ingest(
        workspace, chat_batch(messages=[(str(i), at, "u1", "hello") for i, at in enumerate(days)])
    )
    group = Group.objects.get(workspace=workspace)
    do_fill_rollups(workspace=workspace, group=group)
    before = group_days(group)

    ingest(workspace, chat_batch(messages=[("late", "2024-06-02T23:30:00+08:00", "u2", "hi")]))

    assert sorted(DirtyDay.objects.filter(group=group).values_list("stat", "day")) == [
        ("group_day", date(2024, 6, 2)),
        ("member_day", date(2024, 6, 2)),
    ]
    report = do_fill_rollups(workspace=workspace, group=group)
    assert report.days_filled == 1
    after = group_days(group)
    assert [r for r in after if r[0] != date(2024, 6, 2)] == [
        r for r in before if r[0] != date(2024, 6, 2)
    ]
    assert [r for r in after if r[0] == date(2024, 6, 2)] == [(date(2024, 6, 2), 2, 2, 0, 0, 0)]


def test_a_reimport_marks_nothing_dirty(workspace, sim_export):
    do_import_export(workspace=workspace, path=sim_export)
    DirtyDay.objects.filter(workspace=workspace).delete()

    do_import_export(workspace=workspace, path=sim_export)

    assert not DirtyDay.objects.filter(workspace=workspace).exists()


def test_member_days_count_messages_and_replies_received_from_others(workspace):
    b = BatchBuilder("telegram")
    b.group(group_key="telegram:9", external_id="9", name="g")
    rows = [
        ("1", "2024-06-01T09:00:00+08:00", "ann", None),
        ("2", "2024-06-01T09:05:00+08:00", "bob", "1"),
        ("3", "2024-06-02T09:00:00+08:00", "cat", "1"),  # a reply on the next day
        ("4", "2024-06-02T09:01:00+08:00", "ann", "1"),  # her own message: not received
    ]
    for mid, at, who, reply in rows:
        b.message(
            group_key="telegram:9",
            message_id=mid,
            sent_at=to_us(datetime.fromisoformat(at)),
            sender_id=who,
            sender_name=who,
            kind="text",
            text="有人知道吗",
            reply_to=reply,
        )
    ingest(workspace, b.build())
    group = Group.objects.get(workspace=workspace)

    do_fill_rollups(workspace=workspace, group=group)

    assert member_days(group) == [
        (date(2024, 6, 1), "ann", 1, 1),
        (date(2024, 6, 1), "bob", 1, 0),
        (date(2024, 6, 2), "ann", 1, 1),
        (date(2024, 6, 2), "cat", 1, 0),
    ]


def test_group_days_count_staff_joins_and_leaves(workspace):
    ingest(
        workspace,
        chat_batch(
            messages=[
                ("1", "2024-06-01T09:00:00+08:00", "boss", "welcome"),
                ("2", "2024-06-01T09:01:00+08:00", "u1", "thanks"),
            ],
            events=[
                ("e1", "2024-06-01T08:00:00+08:00", "join", "u1"),
                ("e2", "2024-06-01T08:30:00+08:00", "join", "u2"),
                ("e3", "2024-06-01T20:00:00+08:00", "kick", "u2"),
            ],
        ),
    )
    Person.objects.filter(workspace=workspace, identities__external_id="boss").update(
        is_staff_marked=True
    )
    group = Group.objects.get(workspace=workspace)

    do_fill_rollups(workspace=workspace, group=group)

    assert group_days(group) == [(date(2024, 6, 1), 2, 2, 1, 2, 1)]


def test_snapshots_open_update_and_resolve_alerts(workspace, sim_export):
    do_import_export(workspace=workspace, path=sim_export)
    groups = list(Group.objects.filter(workspace=workspace))
    for group in groups:
        do_compute_group_snapshot(workspace=workspace, group=group)
    dormant = [g for g in groups if g.snapshot.lifecycle_stage == "dormant"]
    assert dormant, "the simulation has a dead group"
    assert Alert.objects.filter(group=dormant[0], code="dormant", resolved_at=None).exists()

    crowded = groups[0]
    crowded.capacity = round(crowded.snapshot.members / 0.94)
    crowded.save()
    do_compute_group_snapshot(workspace=workspace, group=crowded)
    alert = Alert.objects.get(group=crowded, code="capacity", resolved_at=None)
    assert alert.severity == "warning" and alert.evidence["limit"] == crowded.capacity

    crowded.capacity = 10_000
    crowded.save()
    do_compute_group_snapshot(workspace=workspace, group=crowded)
    assert not Alert.objects.filter(group=crowded, code="capacity", resolved_at=None).exists()
    assert Alert.objects.filter(group=crowded, code="capacity").count() == 1


def test_alert_rules():
    entry = {
        "lifecycle_stage": "declining",
        "lifecycle_reason": "活跃下降 40%",
        "members": 480,
        "metrics": {"spam_share": 0.08},
        "people": [{"id": "u1", "name": "广告哥", "labels": ["spammer"]}],
    }

    codes = {a.code: a.severity for a in alerts_for(entry, platform="wechat", capacity=None)}
    assert codes == {"declining": "warning", "spam": "warning", "capacity": "warning"}
    qr = alerts_for({**entry, "members": 300, "people": [], "metrics": {}}, platform="wechat",
                    capacity=None)  # fmt: skip
    assert [a.code for a in qr] == ["declining", "qr_limit"]
    assert alerts_for({"members": 40_000, "metrics": {}}, platform="discord", capacity=None) == []


def test_alerts_speak_the_pages_language(workspace):
    from django.utils import translation

    entry = {
        "lifecycle_stage": "dormant",
        "lifecycle_reason": "已有 21 天没有成员发言",
        "lifecycle_reason_en": "No member message for 21 days",
        "members": 40,
        "metrics": {},
        "people": [{"id": "u1", "name": "广告哥", "labels": ["spammer"]}],
    }
    specs = alerts_for(entry, platform="telegram", capacity=None)
    assert [(a.code, a.message, a.message_en) for a in specs] == [
        ("dormant", "群已沉寂（死群）：已有 21 天没有成员发言",
         "Dormant group: No member message for 21 days"),
        ("spam", "疑似广告/刷屏：近 30 天垃圾消息占 —；疑似刷屏者 1 人（广告哥）",
         "Ads or flooding: — of the last 30 days' messages are spam; 1 suspected spammer (广告哥)"),
    ]  # fmt: skip
    group = Group.objects.create(
        workspace=workspace, key="telegram:-1", platform="telegram", name="g"
    )
    alert = Alert.objects.create(
        workspace=workspace, group=group, code=specs[0].code, severity=specs[0].severity,
        message=specs[0].message, evidence=specs[0].stored_evidence(),
    )  # fmt: skip
    with translation.override("en"):
        assert alert.localized_message == "Dormant group: No member message for 21 days"
    with translation.override("zh-hans"):
        assert alert.localized_message == "群已沉寂（死群）：已有 21 天没有成员发言"
