"""Factories for platform tests: real models, real actions where they exist."""

from __future__ import annotations

import itertools

from django.contrib.auth import get_user_model

from shequn.apps.tenancy.models import Role, Workspace, WorkspaceMember

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery-staple-42"


def make_workspace(name: str | None = None) -> Workspace:
    n = next(_seq)
    return Workspace.objects.create(slug=f"ws-{n}", name=name or f"工作区 {n}")


def make_user(workspace: Workspace, role: str = Role.OPERATOR, username: str | None = None):
    user = get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD
    )
    WorkspaceMember.objects.create(workspace=workspace, user=user, role=role)
    return user


# ---- back office and API (P2) ----------------------------------------------------------------

INDICATOR_BARS = {
    "weekly_active_rate": 0.2,
    "independent_rounds_7d": 5,
    "paid_conversion": 0.1,
    "organic_growth_30d": 0,
    "disappointment_share": 0.4,
}


def make_group(workspace: Workspace, name: str = "读书会一群", platform: str = "telegram", **kw):
    from shequn.apps.community.models import Group

    n = next(_seq)
    return Group.objects.create(
        workspace=workspace,
        key=kw.pop("key", f"{platform}:{n}"),
        platform=platform,
        external_id=kw.pop("external_id", str(n)),
        name=name,
        **kw,
    )


def make_person(workspace: Workspace, name: str = "张三", platform: str = "telegram", **kw):
    """A Person with one Identity (as ingest creates them)."""
    from shequn.apps.people.models import Identity, Person

    person = Person.objects.create(workspace=workspace, display_name=name)
    Identity.objects.create(
        workspace=workspace,
        person=person,
        platform=platform,
        external_id=kw.pop("external_id", f"user{next(_seq)}"),
        name=name,
        **kw,
    )
    return person


def analysis_entry(
    name: str = "读书会一群",
    *,
    health: int = 72,
    stage: str = "active",
    weekly_active_rate: float = 0.31,
    rounds: int = 6,
    people: list[dict] | None = None,
) -> dict:
    """A group object shaped like `shequn.analysis/1` (docs/analysis.schema.json)."""

    def indicator(key, value):
        if value is None:
            return {
                "value": None,
                "bar": INDICATOR_BARS[key],
                "status": "no_data",
                "reason": "无数据",
                "reason_en": "No data",
            }
        ok = (
            value > INDICATOR_BARS[key]
            if key == "organic_growth_30d"
            else value >= INDICATOR_BARS[key]
        )
        return {
            "value": value,
            "bar": INDICATOR_BARS[key],
            "status": "ok" if ok else "below",
            "reason": f"{key} = {value}",
            "reason_en": f"{key} = {value}",
        }

    return {
        "name": name,
        "platform": "telegram",
        "messages": 1200,
        "members": 80,
        "size_band": "30-80",
        "size_band_reason": "80 人",
        "size_band_reason_en": "80 members",
        "weekly_active_rate": weekly_active_rate,
        "independent_rounds_7d": rounds,
        "indicators": {
            "weekly_active_rate": indicator("weekly_active_rate", weekly_active_rate),
            "independent_rounds_7d": indicator("independent_rounds_7d", rounds),
            "paid_conversion": indicator("paid_conversion", None),
            "organic_growth_30d": indicator("organic_growth_30d", 3),
            "disappointment_share": indicator("disappointment_share", None),
        },
        "metrics": {
            "messages_7d": 140,
            "staff_share": 0.05,
            "contributor_absence_factor": 6,
            "first_response_minutes_median": 12.0,
            "questions_7d": 9,
            "unanswered_questions_7d": 1,
            "spam_share": 0.01,
            "silent_share": 0.3,
        },
        "lifecycle_stage": stage,
        "lifecycle_reason": "周活跃率连续两周达标",
        "lifecycle_reason_en": "At the bar two weeks running",
        "health_score": health,
        "health": {
            "score": health,
            "breakdown": [
                {
                    "indicator": "weekly_active_rate",
                    "points": 33.3,
                    "max": 33.3,
                    "reason": "周活跃率达标",
                    "reason_en": "Weekly active rate at the bar",
                }
            ],
            "penalties": [],
        },
        "weekly": [
            {
                "week_start": f"2024-06-{d:02d}",
                "weekly_active_rate": 0.3,
                "independent_rounds": 6,
                "members": 80,
            }
            for d in (3, 10, 17, 24)
        ],
        "retention": [{"cohort_week": "2024-06-03", "size": 10, "active_share": [0.6, 0.5, 0.4]}],
        "split_suggested": False,
        "recommendations": [
            {
                "code": "welcome",
                "priority": 1,
                "text": "欢迎本周的 3 位新人",
                "text_en": "Welcome this week's 3 newcomers",
                "seed": "004",
            }
        ],
        "people": people or [],
    }


def make_snapshot(group, **kw):
    """Stores a GroupSnapshot as the snapshot job does (insights.actions)."""
    from datetime import UTC, datetime

    from shequn.apps.insights.models import GroupSnapshot

    entry = analysis_entry(group.name, **kw)
    return GroupSnapshot.objects.update_or_create(
        group=group,
        defaults={
            "workspace": group.workspace,
            "as_of": datetime(2024, 7, 1, tzinfo=UTC),
            "health_score": entry["health_score"],
            "lifecycle_stage": entry["lifecycle_stage"],
            "weekly_active_rate": entry["weekly_active_rate"],
            "independent_rounds_7d": entry["independent_rounds_7d"],
            "members": entry["members"],
            "messages": entry["messages"],
            "analysis": entry,
        },
    )[0]


def make_day_rollups(group, days: int = 30, messages: int = 40):
    from datetime import date, timedelta

    from shequn.apps.insights.models import GroupDayRollup

    start = date(2024, 6, 1)
    GroupDayRollup.objects.bulk_create(
        GroupDayRollup(
            workspace=group.workspace,
            group=group,
            day=start + timedelta(days=i),
            messages=messages + i % 7,
            speakers=8 + i % 3,
            staff_messages=2,
            joins=i % 2,
            leaves=i % 5 == 0,
        )
        for i in range(days)
    )


def make_alert(
    group, code: str = "declining", severity: str = "warning", message: str = "活跃下降"
):
    from shequn.apps.insights.models import Alert

    return Alert.objects.create(
        workspace=group.workspace, group=group, code=code, severity=severity, message=message
    )


def make_suggestion(workspace: Workspace, left, right, score: float = 0.8):
    from shequn.apps.people.models import MergeSuggestion

    return MergeSuggestion.objects.create(
        workspace=workspace,
        left=left,
        right=right,
        score=score,
        evidence=[{"kind": "phone", "detail": "同一手机号 138****0000"}],
    )


def make_api_token(workspace: Workspace, role: str = Role.VIEWER) -> str:
    """A real token through the tenancy action; returns the raw value."""
    from shequn.apps.tenancy.actions import do_create_api_token

    return do_create_api_token(workspace=workspace, name="test", role=role)[1]


def make_tenant_world(workspace: Workspace) -> dict:
    """One of everything a tenant URL can point at, for the isolation walk: keys are the URL
    kwargs / API path parameters."""
    from shequn.apps.chat.models import ImportRun
    from shequn.apps.people.models import MergeAudit
    from shequn.apps.tenancy.actions import do_create_api_token

    group = make_group(workspace)
    make_snapshot(group)
    make_day_rollups(group, days=5)
    make_alert(group)
    a = make_person(workspace, "李四")
    b = make_person(workspace, "李四（北京）")
    suggestion = make_suggestion(workspace, a, b)
    audit = MergeAudit.objects.create(
        workspace=workspace, action="merge", target=a, moved_identity_ids=[]
    )
    run = ImportRun.objects.create(workspace=workspace, label="x.json", path="/nonexistent")
    token, _raw = do_create_api_token(workspace=workspace, name="victim")
    return {
        "ws": workspace.slug,
        "group_id": group.pk,
        "person_id": a.pk,
        "suggestion_id": suggestion.pk,
        "audit_id": audit.pk,
        "run_id": run.pk,
        "token_id": token.pk,
    }


# ---- ingest, people, rollups, jobs (P1) -------------------------------------------------------


def simulate_export(out, *, groups: int = 3, messages: int = 3000, seed: int = 7):
    """A simulated Telegram export (folder of result.json files) written by the simulator."""
    from shequn.simulate.run import parse_as_of, simulate

    simulate(
        formats=["telegram"],
        out=out,
        groups=groups,
        messages=messages,
        seed=seed,
        as_of=parse_as_of(None),
    )
    return out


def chat_batch(
    group_key: str = "telegram:100",
    messages: list[tuple[str, str, str, str]] = (),
    *,
    group_name: str = "测试群",
    events: list[tuple[str, str, str, str]] = (),
):
    """A canonical Batch by hand: messages are (message_id, ISO time, sender_id, text),
    events are (event_id, ISO time, kind, identity_id)."""
    from datetime import datetime

    from shequn.importers.events import BatchBuilder, to_us

    platform = group_key.split(":", 1)[0]
    b = BatchBuilder(platform)
    b.group(group_key=group_key, external_id=group_key.split(":", 1)[1], name=group_name)
    for mid, at, sender, text in messages:
        b.message(
            group_key=group_key,
            message_id=mid,
            sent_at=to_us(datetime.fromisoformat(at)),
            sender_id=sender,
            sender_name=sender.upper(),
            kind="text",
            text=text,
        )
    for eid, at, kind, who in events:
        b.event(
            group_key=group_key,
            event_id=eid,
            at=to_us(datetime.fromisoformat(at)),
            kind=kind,
            identity_id=who,
            identity_name=who.upper(),
        )
    return b.build()


def ingest(workspace, *batches):
    """Store batches through the real ingester (one transaction each)."""
    from shequn.apps.chat.ingest import BatchIngester

    ingester = BatchIngester(workspace)
    return [ingester.ingest(b) for b in batches]
