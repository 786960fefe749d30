"""The public analysis document `shequn.analysis/1`. See docs/analysis-json.md (DESIGN.md §4).

`build_analysis` cuts the groups into chunks of at most `chunk_messages` messages and analyses
each chunk with Polars expressions over all of its groups at once, so memory is bounded by the
chunk, not the whole import, and no Python object is ever made per message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import polars as pl

import shequn
from shequn.importers.canonical import Canonical

from . import activity, business, lifecycle, people, recommendations, topics
from .frames import DEFAULT_TZ, Window, prepare, tz_for
from .health import health, indicators
from .registry import GROUP_METRICS, INDICATORS

SCHEMA = "shequn.analysis/1"
CHUNK_MESSAGES = 2_000_000


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def latest_event(canonical: Canonical) -> datetime | None:
    candidates = [
        canonical.messages.get_column("sent_at").max(),
        canonical.membership_events.get_column("at").max(),
    ]
    present = [c for c in candidates if isinstance(c, datetime)]
    return max(present) if present else None


def default_as_of(canonical: Canonical) -> datetime:
    """The next whole second after the latest event, so that event is inside every window
    (windows are half-open and end at as_of)."""
    latest = latest_event(canonical)
    if latest is None:
        return datetime.now(UTC).replace(microsecond=0)
    return latest.replace(microsecond=0) + timedelta(seconds=1)


@dataclass
class Extras:
    """Orders, surveys and campaigns read by `inputs.py` (None: not given)."""

    orders: pl.DataFrame | None = None
    surveys: pl.DataFrame | None = None
    campaigns: pl.DataFrame | None = None
    sources: dict[str, Any] = field(default_factory=dict)


def build_analysis(
    canonical: Canonical,
    *,
    as_of: datetime | None = None,
    staff: Iterable[str] = (),
    extras: Extras | None = None,
    timezone: str | Mapping[str, str] = DEFAULT_TZ,
    exports: list[dict[str, Any]] | None = None,
    chunk_messages: int = CHUNK_MESSAGES,
    with_topics: bool = True,
) -> dict[str, Any]:
    """The whole analysis document for the groups in `canonical`."""
    extras = extras or Extras()
    staff = list(staff)
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)  # a naive as_of is UTC, like every stored time
    when = as_of.astimezone(UTC) if as_of is not None else default_as_of(canonical)
    if with_topics:
        topics.warm_up()  # jieba's dictionary loads in the background meanwhile
    cross = people.cross_group_texts(canonical.messages.filter(pl.col("sent_at") < when))
    out_groups: list[dict[str, Any]] = []
    for tz, chunk in _chunks(canonical, timezone, chunk_messages):
        window = Window(when, tz)
        out_groups.extend(
            analyse_groups(
                chunk,
                window,
                staff=staff,
                extras=extras,
                cross_group=cross,
                with_topics=with_topics,
            )
        )
    out_groups.sort(key=lambda g: g["key"])
    return {
        "schema": SCHEMA,
        "as_of": _iso(when),
        "generated_by": f"shequn {shequn.__version__}",
        "inputs": {
            "exports": exports or [],
            "orders": extras.sources.get("orders"),
            "surveys": extras.sources.get("surveys"),
            "campaigns": extras.sources.get("campaigns"),
            "staff": staff,
        },
        "groups": out_groups,
    }


def _chunks(
    canonical: Canonical, timezone: str | Mapping[str, str], limit: int
) -> Iterator[tuple[str, Canonical]]:
    """Groups of one timezone at a time, at most `limit` messages per chunk (a bigger group
    is a chunk of its own)."""
    sizes = canonical.messages.group_by("group_key").agg(pl.len().alias("n"))
    table = (
        canonical.groups.select("group_key")
        .join(sizes, on="group_key", how="left")
        .with_columns(pl.col("n").fill_null(0))
        .sort("group_key")
    )
    by_tz: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for key, n in table.iter_rows():
        by_tz[tz_for(key, timezone)].append((key, n))
    for tz, items in by_tz.items():
        batch: list[str] = []
        total = 0
        for key, n in items:
            if batch and total + n > limit:
                yield tz, _subset(canonical, batch, len(items))
                batch, total = [], 0
            batch.append(key)
            total += n
        if batch:
            yield tz, _subset(canonical, batch, len(items))


def _subset(canonical: Canonical, keys: list[str], of_total: int) -> Canonical:
    if len(keys) == of_total and canonical.groups.height == of_total:
        return canonical
    wanted = pl.Series(keys)

    def cut(df: pl.DataFrame) -> pl.DataFrame:
        return df.filter(pl.col("group_key").is_in(wanted))

    return Canonical(
        groups=cut(canonical.groups),
        identities=canonical.identities,
        memberships=cut(canonical.memberships),
        messages=cut(canonical.messages),
        reactions=cut(canonical.reactions),
        membership_events=cut(canonical.membership_events),
    )


def _by_group(df: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in df.iter_rows(named=True):
        out[row["group_key"]].append(row)
    return out


def _one_per_group(df: pl.DataFrame) -> dict[str, dict[str, Any]]:
    return {row["group_key"]: row for row in df.iter_rows(named=True)}


def size_band(members: int) -> tuple[str, str, str]:
    """Seed 001: 少于 30 人不成群，超过 80 人就开始热闹，超过 500 人又乱糟糟的不好管."""
    if members < 30:
        return (
            "<30",
            f"{members} 人，少于 30 人不成群",
            f"{members} members: under 30 is not yet a group",
        )
    if members <= 80:
        return "30-80", f"{members} 人，30–80 人的小群", f"{members} members: a small group (30–80)"
    if members <= 500:
        return (
            "80-500",
            f"{members} 人，超过 80 人开始热闹",
            f"{members} members: over 80, a group gets lively",
        )
    return (
        ">500",
        f"{members} 人，超过 500 人乱糟糟不好管，需要分层管理",
        f"{members} members: over 500 is hard to manage without layers",
    )


def _ratio(value: Any) -> float | None:
    return None if value is None else round(float(value), 4)


def analyse_groups(
    canonical: Canonical,
    window: Window,
    *,
    staff: list[str],
    extras: Extras,
    cross_group: pl.Series | None = None,
    with_topics: bool = True,
) -> list[dict[str, Any]]:
    """The group entries of the document for every group in `canonical` (one chunk)."""
    prep = prepare(canonical, window, staff=staff)
    aligned = lifecycle.stages(activity.aligned_weeks(prep), prep.groups)
    current = _one_per_group(aligned.filter(pl.col("b") == 0))
    calendar = lifecycle.stages(activity.calendar_weeks(prep), prep.groups)
    weekly = _by_group(calendar)
    daily = _by_group(activity.daily(prep))
    cohorts = activity.retention(prep)
    retention = _by_group(cohorts)
    retention_4w = dict(activity.retention_4w(cohorts, window).iter_rows())
    recent = _one_per_group(activity.recent_metrics(prep))
    responsive = _one_per_group(activity.responsiveness(prep))
    rounds_7d = dict(
        prep.rounds.filter(pl.col("aw") == 0).group_by("group_key").agg(pl.len()).iter_rows()
    )
    stats = people.labelled(people.person_stats(prep, cross_group), prep)
    persons = _by_group(stats)
    paid = business.paid_conversion(prep, extras.orders)
    survey = business.disappointment(prep, extras.surveys)
    organic = business.organic_growth(prep, extras.campaigns)
    spammers = stats.filter(pl.col("is_spammer")).select("group_key", "identity_id")
    mixing = topics.topic_mixing(prep, exclude=spammers) if with_topics else {}
    messages_total = dict(prep.acts.group_by("group_key").agg(pl.len()).iter_rows())

    out = []
    for g in prep.groups.iter_rows(named=True):
        key = g["group_key"]
        now = current[key]
        members = int(now["members"])
        group_people = persons.get(key, [])
        silent = sum(1 for p in group_people if p["is_silent"])
        war = now["weekly_active_rate"]
        pay = paid[key]
        srv = survey[key]
        org = organic[key]
        numbers: dict[str, Any] = {
            "members": members,
            "weekly_active_rate": _ratio(war),
            "active_members_7d": round((war or 0) * members),
            "independent_rounds_7d": int(now["independent_rounds"]),
            "rounds_7d": int(rounds_7d.get(key, 0)),
            "paid": pay,
            "paid_conversion": (
                _ratio(pay["paying"] / members) if pay["status"] == "ok" and members else None
            ),
            "organic": org,
            "organic_growth_30d": org["organic"] if org["status"] == "ok" else None,
            "survey": srv,
            "disappointment_share": (
                _ratio(srv["very"] / srv["responses"])
                if srv["responses"] >= business.MIN_SURVEY_RESPONSES
                else None
            ),
        }
        inds = indicators(numbers)
        rec = recent[key]
        resp = responsive[key]
        band, band_zh, band_en = size_band(members)
        metrics: dict[str, Any] = {
            "messages": int(messages_total.get(key, 0)),
            "messages_7d": int(now["messages"]),
            "members": members,
            "speakers_7d": int(now["speakers"]),
            "joins_30d": int(rec["joins_30d"]),
            "leaves_30d": int(rec["leaves_30d"]),
            "retention_4w": _ratio(retention_4w.get(key)),
            "staff_share": _ratio(rec["staff_share"]),
            "contributor_absence_factor": rec["contributor_absence_factor"],
            "first_response_minutes_median": (
                None
                if resp["first_response_minutes_median"] is None
                else round(resp["first_response_minutes_median"], 1)
            ),
            "rounds_7d": numbers["rounds_7d"],
            "questions_7d": int(resp["questions_7d"]),
            "unanswered_questions_7d": int(resp["unanswered_questions_7d"]),
            "spam_share": _ratio(rec["spam_share"]),
            "silent_share": _ratio(silent / members) if members else None,
            "activity_vs_peak": _ratio(now["activity_vs_peak"]),
            "days_since_member_message": (
                None
                if now["days_since_member_message"] is None
                else round(now["days_since_member_message"], 1)
            ),
            "survey_responses": srv["responses"],
            "paying_members": pay["paying"] if pay["status"] == "ok" else None,
        }
        score = health(inds, metrics["staff_share"], metrics["spam_share"])
        metrics["health_score"] = score["score"]
        assert set(metrics) == set(GROUP_METRICS), set(metrics) ^ set(GROUP_METRICS)
        stage_zh, stage_en = lifecycle.reason(now)
        history = []
        for row in weekly.get(key, []):
            zh, en = lifecycle.reason(row)
            history.append(
                {"week_start": _day(row["b"]), "stage": row["stage"], "reason": zh, "reason_en": en}
            )
        if history:  # the current week is judged at as_of (aligned weeks), not at its Sunday
            history[-1].update(stage=now["stage"], reason=stage_zh, reason_en=stage_en)
        mix = mixing.get(key) or topics.no_topics()
        entry: dict[str, Any] = {
            "key": key,
            "name": g["name"] or g["external_id"] or key,
            "platform": g["platform"],
            "chat_type": g["chat_type"],
            "messages": metrics["messages"],
            "members": members,
            "first_at": _iso(g["first_at"]),
            "last_at": _iso(g["last_at"]),
            "timezone": window.tz,
            "size_band": band,
            "size_band_reason": band_zh,
            "size_band_reason_en": band_en,
            **{name: inds[name].value for name in INDICATORS},
            "indicators": {name: inds[name].as_json() for name in INDICATORS},
            "metrics": metrics,
            "lifecycle_stage": now["stage"],
            "lifecycle_reason": stage_zh,
            "lifecycle_reason_en": stage_en,
            "lifecycle_history": history,
            "health_score": score["score"],
            "health": score,
            "daily": [
                {"date": _day(r["day"]), "messages": r["messages"], "speakers": r["speakers"]}
                for r in daily.get(key, [])
            ],
            "weekly": [
                {
                    "week_start": _day(r["b"]),
                    "messages": r["messages"],
                    "speakers": r["speakers"],
                    "members": r["members"],
                    "weekly_active_rate": _ratio(r["weekly_active_rate"]),
                    "independent_rounds": r["independent_rounds"],
                    "joins": r["joins"],
                    "leaves": r["leaves"],
                }
                for r in weekly.get(key, [])
            ],
            "retention": _cohorts(retention.get(key, [])),
            "split_suggested": mix["split_suggested"],
            "split_reason": mix["split_reason"],
            "split_reason_en": mix["split_reason_en"],
            "topics": mix["topics"],
            "people": _people(group_people, window),
        }
        entry["recommendations"] = recommendations.recommend(entry, mix)
        out.append(entry)
    return out


def _cohorts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in rows:  # sorted by cohort_week, k
        if not out or out[-1]["cohort_week"] != _day(row["cohort_week"]):
            out.append(
                {"cohort_week": _day(row["cohort_week"]), "size": row["size"], "active_share": []}
            )
        out[-1]["active_share"].append(round(row["active"] / row["size"], 4))
    return out


def _people(rows: list[dict[str, Any]], window: Window) -> list[dict[str, Any]]:
    out = []
    rows = sorted(rows, key=lambda r: (-r["messages"], r["identity_id"]))
    flags = [(lab, f"is_{lab}") for lab in people.LABEL_ORDER]
    fields = [f for f in people.EVIDENCE_FIELDS if rows and f in rows[0]]  # same keys every row
    for r in rows:
        labels = [lab for lab, flag in flags if r[flag]]
        since = r["member_since"]
        evidence = {f: r[f] for f in fields}
        evidence["kol_bar"] = round(float(r["kol_bar"]), 1)
        evidence["kol_break"] = round(float(r["kol_break"]), 2)
        evidence["days_in_group"] = (
            None
            if since is None or not r["is_member"]
            else round((window.as_of - since).total_seconds() / 86_400, 1)
        )
        assert len(evidence) == len(people.EVIDENCE_FIELDS), sorted(evidence)
        out.append(
            {
                "id": r["identity_id"],
                "name": r["name"],
                "role": r["staff_role"] or "member",
                "is_member": r["is_member"],
                "joined_at": _iso(r["joined_at"]),
                "left_at": _iso(r["left_at"]),
                "messages": r["messages"],
                "replies_received": r["replies_received"],
                "active_days": r["active_days"],
                "labels": labels,
                "label_reasons": people.label_reasons(r, window.as_of),
                "evidence": evidence,
            }
        )
    return out
