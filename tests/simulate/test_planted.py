"""The planted facts hold in the generated canonical tables (docs/simulate.md, What is planted).

Each check is computed here from the canonical tables by the definition in DESIGN.md §3, not
by the simulator's own truth code, and then compared with the truth where the truth states it.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from shequn.importers.canonical import Canonical
from shequn.simulate import text as tx
from shequn.simulate.generate import Community, generate
from shequn.simulate.ids import Ids
from shequn.simulate.model import CORE, KOL, SILENT, SPAMMER, SimConfig

from .conftest import SMALL, group_of

AS_OF = SMALL.as_of.astimezone(UTC)  # Polars compares aware times only within one zone
LOCAL = ZoneInfo(SMALL.tz)
WEEK = timedelta(days=7)


def _activity(tables: Canonical) -> pl.DataFrame:
    return tables.messages.filter(pl.col("kind") != "system")


def _staff(tables: Canonical, key: str) -> set[str]:
    m = tables.memberships.filter(
        (pl.col("group_key") == key) & pl.col("role").is_in(["owner", "admin"])
    )
    return set(m.get_column("identity_id").to_list())


def _ids_with(truth_group: dict[str, Any], label: str) -> set[str]:
    return {p["id"] for p in truth_group["people"] if label in p["labels"]}


def _persona(community: Community, index: int, persona: str) -> set[str]:
    ids = Ids(community.world, "telegram")
    plan = community.groups[index]
    return {ids.identity(m.person) for m in plan.members if m.persona == persona}


def test_the_message_count_is_near_the_requested_number(tables: Canonical) -> None:
    n = _activity(tables).height
    assert 0.95 * SMALL.messages <= n <= 1.10 * SMALL.messages


def test_everything_happens_inside_the_window(tables: Canonical) -> None:
    sent = tables.messages.get_column("sent_at")
    assert sent.max() < AS_OF
    assert sent.min() >= AS_OF - timedelta(days=SMALL.span_days)


def test_every_group_is_planted_once(truth: dict[str, Any]) -> None:
    kinds = [g["kind"] for g in truth["groups"]]
    assert kinds == ["healthy", "mixed", "dying", "ordinary"]
    assert [(g["healthy"], g["mixed"], g["dying"]) for g in truth["groups"]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
        (False, False, False),
    ]


def test_the_dying_group_fades_and_falls_silent_for_14_days(
    tables: Canonical, truth: dict[str, Any]
) -> None:
    group = group_of(truth, "dying")
    key = group["key"]
    msgs = _activity(tables).filter(pl.col("group_key") == key)
    staff = _staff(tables, key)
    members = msgs.filter(~pl.col("sender_id").is_in(list(staff)))
    last = members.get_column("sent_at").max()
    assert last <= AS_OF - timedelta(days=14)
    assert group["last_non_staff_message_at"] == last.astimezone(LOCAL).isoformat()
    # The owner still posts into the silence.
    late = msgs.filter(pl.col("sent_at") > AS_OF - timedelta(days=14))
    assert late.height >= 2
    assert set(late.get_column("sender_id").to_list()) <= staff
    # It faded: its first weeks were busier than the weeks before it went quiet.
    start = msgs.get_column("sent_at").min()
    early = members.filter(pl.col("sent_at") < start + 2 * WEEK).height
    before = members.filter(pl.col("sent_at") > last - 2 * WEEK).height
    assert early > 2 * before


def test_silent_members_never_speak(community: Community, tables: Canonical) -> None:
    msgs = _activity(tables)
    for index, plan in enumerate(community.groups):
        key = tables.groups["group_key"][index]
        speakers = set(msgs.filter(pl.col("group_key") == key).get_column("sender_id").to_list())
        silent = _persona(community, index, SILENT)
        assert silent, plan.name
        assert not (silent & speakers)
        joined = {m.joined_at for m in plan.members if m.persona == SILENT}
        assert max(joined) <= int((AS_OF - 2 * WEEK).timestamp())


def test_spammers_flood_repeat_and_carry_ad_signals(
    community: Community, tables: Canonical
) -> None:
    msgs = _activity(tables)
    spam_groups = 0
    ads_by_group: dict[str, set[str]] = {}
    for index, plan in enumerate(community.groups):
        for spammer in _persona(community, index, SPAMMER):
            spam_groups += 1
            mine = msgs.filter(
                (pl.col("group_key") == pl.lit(tables.groups["group_key"][index]))
                & (pl.col("sender_id") == spammer)
            ).sort("sent_at")
            times = mine.get_column("sent_at").to_list()
            assert any(
                times[i + 4] - times[i] <= timedelta(seconds=10) for i in range(len(times) - 4)
            )
            repeats = mine.group_by("text").agg(pl.col("sent_at").sort())
            assert any(
                any(ts[i + 2] - ts[i] <= timedelta(hours=1) for i in range(len(ts) - 2))
                for ts in repeats.get_column("sent_at").to_list()
            )
            for ad in mine.get_column("text").unique().to_list():
                assert re.search(r"https?://", ad)
                assert re.search(r"\d{3}[ -]?\d{3,4}[ -]?\d{4}", ad)
                assert re.search(r"加V|私聊|代理|DM me|WhatsApp", ad)
            ads_by_group.setdefault(plan.name, set()).update(mine.get_column("text").to_list())
            # Nobody answers ads, bar an admin reminding the rules now and then.
            replies = msgs.filter(
                pl.col("reply_to").is_in(mine.get_column("message_id").to_list())
                & (pl.col("group_key") == tables.groups["group_key"][index])
            )
            assert replies.height <= 4
    assert spam_groups >= 2
    texts = [t for ads in ads_by_group.values() for t in ads]
    assert len(ads_by_group) >= 2
    assert len(texts) > len(set(texts))  # the same ad in several groups


def test_core_members_speak_in_each_of_the_last_four_weeks(
    community: Community, tables: Canonical
) -> None:
    msgs = _activity(tables).filter(pl.col("sent_at") >= AS_OF - 4 * WEEK)
    for index, _plan in enumerate(community.groups):
        key = tables.groups["group_key"][index]
        core = _persona(community, index, CORE)
        if community.groups[index].kind == "dying":
            assert not core  # nobody in a dying group is active in its last weeks
            continue
        weeks = (
            msgs.filter((pl.col("group_key") == key) & pl.col("sender_id").is_in(list(core)))
            .with_columns(week=((pl.lit(AS_OF) - pl.col("sent_at")).dt.total_days() // 7))
            .group_by("sender_id")
            .agg(pl.col("week").n_unique())
        )
        assert set(weeks.get_column("sender_id").to_list()) == core
        assert weeks.get_column("week").min() == 4


def test_newcomers_joined_in_the_last_week(community: Community, tables: Canonical) -> None:
    for index, plan in enumerate(community.groups):
        new = _persona(community, index, "newcomer")
        if plan.kind == "dying":
            assert not new
            continue
        joins = tables.membership_events.filter(
            (pl.col("group_key") == tables.groups["group_key"][index])
            & (pl.col("kind") == "join")
            & pl.col("identity_id").is_in(list(new))
        )
        assert joins.height == len(new) >= 2
        assert joins.get_column("at").min() > AS_OF - WEEK


def test_kols_answer_many_people_and_are_thanked(community: Community, tables: Canonical) -> None:
    msgs = _activity(tables)
    targets = msgs.select("group_key", "message_id", pl.col("sender_id").alias("target"))
    replies = msgs.join(
        targets, left_on=["group_key", "reply_to"], right_on=["group_key", "message_id"]
    )
    bank = community.world.bank
    thanks = {t for t, c in zip(bank.texts, bank.categories, strict=True) if c == tx.THANKS}
    answers = {t for t, c in zip(bank.texts, bank.categories, strict=True) if c == tx.ANSWER}
    reactions = tables.reactions.join(
        msgs.select("group_key", "message_id", "sender_id"), on=["group_key", "message_id"]
    )
    for index, _plan in enumerate(community.groups):
        key = tables.groups["group_key"][index]
        staff = _staff(tables, key)
        for kol in _persona(community, index, KOL):
            assert kol not in staff
            mine = replies.filter((pl.col("group_key") == key) & (pl.col("sender_id") == kol))
            answered = mine.filter(pl.col("text").is_in(list(answers)))
            assert answered.get_column("target").n_unique() >= 3
            thanked = replies.filter(
                (pl.col("group_key") == key)
                & (pl.col("target") == kol)
                & pl.col("text").is_in(list(thanks))
            )
            assert thanked.height >= 1
            got = reactions.filter((pl.col("group_key") == key) & (pl.col("sender_id") == kol))
            assert got.height >= 1


def _members_at_end(tables: Canonical, key: str) -> set[str]:
    events = tables.membership_events.filter(pl.col("group_key") == key).sort("at")
    last = events.group_by("identity_id").agg(pl.col("kind").last())
    gone = set(last.filter(pl.col("kind").is_in(["leave", "kick"]))["identity_id"].to_list())
    listed = set(tables.memberships.filter(pl.col("group_key") == key)["identity_id"].to_list())
    return listed - gone


def _independent_rounds(tables: Canonical, key: str, community: Community, since: Any) -> int:
    bank = community.world.bank
    category = {}
    for text, cat in zip(bank.texts, bank.categories, strict=True):
        category.setdefault(text, cat)
    staff = _staff(tables, key)
    msgs = (
        _activity(tables)
        .filter(pl.col("group_key") == key)
        .sort("sent_at", maintain_order=True)
        .with_columns(
            gap=pl.col("sent_at").diff().dt.total_seconds().fill_null(0),
            staff=pl.col("sender_id").is_in(list(staff)),
            substantive=(pl.col("kind") == "image")
            | (
                (pl.col("kind") == "text")
                & ~pl.col("text")
                .replace_strict(category, default=-1)
                .is_in(list(tx.NOT_SUBSTANTIVE))
            ),
        )
        .with_columns(round=(pl.col("gap") > 30 * 60).cum_sum())
    )
    rounds = msgs.group_by("round").agg(
        pl.col("sent_at").first().alias("start"),
        pl.col("staff").first().alias("staff_start"),
        pl.col("staff").mean().alias("staff_share"),
        pl.col("sender_id").filter(~pl.col("staff")).n_unique().alias("speakers"),
        pl.col("substantive").mean().alias("substantive"),
    )
    return rounds.filter(
        (pl.col("start") >= since)
        & ~pl.col("staff_start")
        & (pl.col("staff_share") <= 0.2)
        & (pl.col("speakers") >= 3)
        & (pl.col("substantive") >= 0.5)
    ).height


def test_the_healthy_group_clears_both_bars(
    community: Community, tables: Canonical, truth: dict[str, Any]
) -> None:
    group = group_of(truth, "healthy")
    key = group["key"]
    members = _members_at_end(tables, key)
    active = set(
        _activity(tables)
        .filter((pl.col("group_key") == key) & (pl.col("sent_at") >= AS_OF - WEEK))
        .get_column("sender_id")
        .to_list()
    )
    rate = len(active & members) / len(members)
    assert rate >= 0.2
    assert group["weekly_active_rate"] == round(rate, 4)
    rounds = _independent_rounds(tables, key, community, AS_OF - WEEK)
    assert rounds >= 5
    assert group["independent_rounds_7d"] == rounds


def test_the_mixed_group_has_two_audiences(
    community: Community, tables: Canonical, truth: dict[str, Any]
) -> None:
    group = group_of(truth, "mixed")
    key = group["key"]
    a, b = (set(c["members"]) for c in group["clusters"])
    assert a and b and not (a & b)
    speakers = len(a | b)
    assert min(len(a), len(b)) >= 0.2 * speakers
    msgs = _activity(tables).filter(pl.col("group_key") == key)
    pairs = msgs.join(
        msgs.select("message_id", pl.col("sender_id").alias("target")),
        left_on="reply_to",
        right_on="message_id",
    ).filter(pl.col("sender_id").is_in(list(a | b)) & pl.col("target").is_in(list(a | b)))
    same = pairs.filter(
        (pl.col("sender_id").is_in(list(a)) & pl.col("target").is_in(list(a)))
        | (pl.col("sender_id").is_in(list(b)) & pl.col("target").is_in(list(b)))
    )
    assert pairs.height >= 20
    assert same.height >= 0.85 * pairs.height
    # Each audience talks in its own vocabulary.
    words_a, words_b = (set(c["keywords"]) for c in group["clusters"])
    assert not (words_a & words_b)

    def uses(people: set[str], words: set[str]) -> int:
        texts = msgs.filter(pl.col("sender_id").is_in(list(people))).get_column("text")
        return sum(any(w in t for w in words) for t in texts.to_list())

    assert uses(a, words_a) > 3 * uses(a, words_b)
    assert uses(b, words_b) > 3 * uses(b, words_a)


def test_joins_come_by_invite_link_and_campaign(tables: Canonical, truth: dict[str, Any]) -> None:
    joins = tables.membership_events.filter(pl.col("kind") == "join")
    by_source = dict(joins.group_by("source").len().iter_rows())
    assert set(by_source) == {"invite", "link", "campaign"}
    invites = joins.filter(pl.col("source") == "invite")
    assert invites.filter(pl.col("actor_id") == pl.col("identity_id")).height == 0
    assert invites.get_column("actor_id").null_count() == 0
    for group in truth["groups"]:
        campaign_joins = joins.filter(
            (pl.col("group_key") == group["key"]) & (pl.col("source") == "campaign")
        )
        if not group["campaigns"]:
            assert campaign_joins.height == 0
            continue
        c = group["campaigns"][0]
        for at in campaign_joins.get_column("at").to_list():
            assert c["start"] <= at.astimezone(LOCAL).isoformat() <= c["end"]


def test_conversations_have_daytime_peaks(tables: Canonical) -> None:
    hours = (
        _activity(tables)
        .select(pl.col("sent_at").dt.convert_time_zone(SMALL.tz).dt.hour().alias("h"))
        .get_column("h")
    )
    night = hours.is_between(2, 5).mean()
    evening = hours.is_between(19, 22).mean()
    assert night is not None and evening is not None
    assert night < 0.03
    assert evening > 0.2


def test_chinese_and_english_replies_and_reactions(tables: Canonical) -> None:
    texts = _activity(tables).filter(pl.col("kind") == "text").get_column("text")
    chinese = texts.str.contains(r"[\u4e00-\u9fff]").mean()
    assert chinese is not None and 0.5 < chinese < 0.95
    assert _activity(tables).get_column("reply_to").is_not_null().sum() > 200
    assert tables.reactions.height > 200
    assert set(_activity(tables).get_column("kind").unique().to_list()) == {
        "text",
        "image",
        "sticker",
    }


def test_truth_labels_follow_the_definitions(tables: Canonical, truth: dict[str, Any]) -> None:
    msgs = _activity(tables)
    events = tables.membership_events
    for group in truth["groups"]:
        key = group["key"]
        sent = dict(msgs.filter(pl.col("group_key") == key).group_by("sender_id").len().iter_rows())
        joined = dict(
            events.filter((pl.col("group_key") == key) & (pl.col("kind") == "join"))
            .select("identity_id", "at")
            .iter_rows()
        )
        left = set(
            events.filter((pl.col("group_key") == key) & pl.col("kind").is_in(["leave", "kick"]))
            .get_column("identity_id")
            .to_list()
        )
        for person in group["people"]:
            assert person["messages"] == sent.get(person["id"], 0)
            labels = set(person["labels"])
            assert labels <= {
                "owner", "admin", "kol", "core", "newcomer", "silent", "churned", "spammer",
            }  # fmt: skip
            assert ("churned" in labels) == (person["id"] in left)
            if "silent" in labels:
                assert person["messages"] == 0
                assert joined[person["id"]] <= AS_OF - 2 * WEEK
            if "newcomer" in labels:
                assert joined[person["id"]] > AS_OF - WEEK
        assert group["messages"] == sum(sent.values())
    assert truth["messages"] == msgs.height


def test_same_seed_same_history_other_seed_other_history(community: Community) -> None:
    again = generate(SMALL)
    for index in range(len(community.groups)):
        assert community.log(index).frame.equals(again.log(index).frame)
        assert community.log(index).reactions == again.log(index).reactions
    assert community.world.bank.texts == again.world.bank.texts
    other = generate(SimConfig(seed=SMALL.seed + 1, groups=SMALL.groups, messages=SMALL.messages))
    assert not community.log(0).frame.equals(other.log(0).frame)


def test_a_group_is_the_same_alone_or_in_order(community: Community) -> None:
    logs = list(community.logs())
    assert community.log(2).frame.equals(logs[2].frame)
