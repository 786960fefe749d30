"""Planning the world: groups, their members, personas and the join/leave schedule.
See docs/simulate.md (What is planted).
"""

from __future__ import annotations

import math
import random

from .model import (
    ADMIN,
    CHURNED,
    CORE,
    DYING,
    HEALTHY,
    JOIN_CAMPAIGN,
    JOIN_CREATOR,
    JOIN_INVITE,
    JOIN_LINK,
    KOL,
    MIXED,
    NEWCOMER,
    ORDINARY,
    OWNER,
    PROFILES,
    REGULAR,
    SILENT,
    SPAMMER,
    Campaign,
    GroupPlan,
    Member,
    SimConfig,
    World,
)
from .names import GROUP_NAMES, MIXED_NAMES, PeopleFactory
from .text import AD, WELCOME, build_bank, make_ads, welcome_text

DAY = 86_400
HOUR = 3_600

_ORDINARY_TOPICS = ("running", "product", "kaoyan", "baoma", "java", "photo", "python")
_KIND_WEIGHT = {HEALTHY: 3.0, MIXED: 2.2, DYING: 0.7}


def group_kinds(count: int) -> list[str]:
    """The planted kind of each group: one healthy, one mixed, one dying, then ordinary."""
    return [HEALTHY, MIXED, DYING, *([ORDINARY] * max(0, count - 3))][:count]


def split_budget(kinds: list[str], total: int) -> list[int]:
    weights = []
    ordinary_rank = 0
    for kind in kinds:
        if kind == ORDINARY:
            weights.append(2.0 / (1 + 0.35 * ordinary_rank) ** 0.9)
            ordinary_rank += 1
        else:
            weights.append(_KIND_WEIGHT[kind])
    scale = total / sum(weights)
    budgets = [max(50, int(w * scale)) for w in weights]
    budgets[0] += total - sum(budgets)  # exact total; the healthy group absorbs rounding
    return budgets


def member_count(budget: int) -> int:
    return max(30, min(1_500, round(20 + 1.6 * math.sqrt(budget))))


class Planner:
    def __init__(self, config: SimConfig) -> None:
        self.config = config
        self.rng = random.Random(f"shequn-simulate:{config.seed}:plan")
        self.factory = PeopleFactory(self.rng)
        # People who may turn up in several groups (never staff): the same person seen in
        # two exports is the hard evidence identity resolution relies on.
        self.reusable: dict[str, list[int]] = {"zh": [], "en": []}
        self.spammers: list[int] = []

    def plan(self) -> World:
        config = self.config
        kinds = group_kinds(config.groups)
        budgets = split_budget(kinds, config.messages)
        topics = self._topics(kinds)
        bank = build_bank(sorted({t for ts in topics for t in ts}), self.rng)
        self.spammers = [
            self.factory.new("zh" if i % 3 != 2 else "en").index
            for i in range(max(1, min(3, config.groups // 2 + 1)))
        ]
        groups = []
        used_names: set[str] = set()
        ordinary = 0
        for index, (kind, budget, group_topics) in enumerate(
            zip(kinds, budgets, topics, strict=True)
        ):
            lang = "en" if kind == ORDINARY and index % 3 == 2 else "zh"
            name = self._group_name(group_topics, lang, used_names)
            profile = kind
            if kind == ORDINARY:
                profile = PROFILES[ordinary % len(PROFILES)]
                ordinary += 1
            # Set up in the daytime of the first two days of the window (a growing group
            # five weeks before its end).
            first_day = config.span_days - 35 if profile == "growing" else 0
            created = config.day_start(first_day + self.rng.randint(0, 1)) + self.rng.randint(
                9 * HOUR, 22 * HOUR
            )
            plan = GroupPlan(
                index, name, kind, group_topics, lang, created, budget=budget, profile=profile
            )
            self._populate(plan)
            groups.append(plan)
        world = World(config, self.factory.people, groups, bank)
        self._texts_for_people(world)
        return world

    # -- groups ----------------------------------------------------------------------------
    def _topics(self, kinds: list[str]) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        ordinary = 0
        for kind in kinds:
            if kind == HEALTHY:
                out.append(("python",))
            elif kind == MIXED:
                out.append(("java", "python") if self.config.seed % 2 else ("baoma", "kaoyan"))
            elif kind == DYING:
                out.append(("photo",))
            else:
                out.append((_ORDINARY_TOPICS[ordinary % len(_ORDINARY_TOPICS)],))
                ordinary += 1
        return out

    def _group_name(self, topics: tuple[str, ...], lang: str, used: set[str]) -> str:
        zh, en = MIXED_NAMES[topics] if len(topics) == 2 else GROUP_NAMES[topics[0]]
        base = zh if lang == "zh" else en
        name, n = base, 2
        while name in used:
            name = f"{base}{n}群" if lang == "zh" else f"{base} #{n}"
            n += 1
        used.add(name)
        return name

    # -- members ---------------------------------------------------------------------------
    def _populate(self, plan: GroupPlan) -> None:
        rng = self.rng
        config = self.config
        m = member_count(plan.budget)
        kind = plan.kind
        n_admins = 1 if m < 100 else 2
        n_kols = 2 if kind == MIXED else (1 if m < 60 else 2 if m < 200 else 3)
        n_core = 0 if kind == DYING else max(3, round(0.06 * m))
        n_silent = round(0.25 * m)
        n_new = 0 if kind == DYING else max(2, round(0.04 * m))
        n_churned = max(1, round((0.10 if kind == DYING else 0.04) * m))
        has_spam = kind in (HEALTHY, MIXED) or (kind == ORDINARY and rng.random() < 0.5)
        n_spam = 0 if not has_spam else (1 if kind == HEALTHY else rng.choice((1, 1, 2)))
        n_spam = min(n_spam, len(self.spammers))
        fixed = 1 + n_admins + n_kols + n_core + n_silent + n_new + n_churned + n_spam
        n_regular = max(3, m - fixed)
        personas = (
            [OWNER]
            + [ADMIN] * n_admins
            + [KOL] * n_kols
            + [CORE] * n_core
            + [REGULAR] * n_regular
            + [SILENT] * n_silent
            + [NEWCOMER] * n_new
            + [CHURNED] * n_churned
        )
        in_group: set[int] = set()
        created = plan.created_at
        end = config.end
        if kind == DYING:
            plan.quiet_from = end - (16 + rng.randint(0, 7)) * DAY - rng.randint(0, 20 * HOUR)
        last_join = (plan.quiet_from - 10 * DAY) if plan.quiet_from else end - 8 * DAY
        if kind != DYING:
            latest = max(6, (end - created) // DAY - 14)
            start = created + rng.randint(min(18, latest - 1), min(55, latest)) * DAY
            label = "裂变活动" if plan.lang == "zh" else "referral drive"
            plan.campaigns.append(Campaign(f"{plan.name} {label}", start, start + 4 * DAY, -1))
        owner = -1
        for persona in personas:
            person = self._person_for(persona, plan.lang, in_group)
            in_group.add(person)
            member = Member(person, persona, created, JOIN_CREATOR)
            if persona == OWNER:
                owner = person
            elif persona == ADMIN:
                member.join_source, member.actor = JOIN_INVITE, owner
            plan.members.append(member)
        for campaign in plan.campaigns:
            campaign.link_owner = owner
        # Spammers come from a shared pool, and the first of them floods both the healthy and
        # the mixed group: the same ad always lands in several groups.
        if n_spam and kind in (HEALTHY, MIXED):
            chosen = [self.spammers[0], *rng.sample(self.spammers[1:], n_spam - 1)]
        else:
            chosen = rng.sample(self.spammers, n_spam)
        for person in chosen:
            in_group.add(person)
            plan.members.append(Member(person, SPAMMER, created, JOIN_LINK, actor=owner))
        self._schedule(plan, last_join)
        self._weights(plan)

    def _person_for(self, persona: str, group_lang: str, in_group: set[int]) -> int:
        rng = self.rng
        lang = group_lang if rng.random() < 0.85 else ("en" if group_lang == "zh" else "zh")
        pool = self.reusable[lang]
        if persona in (REGULAR, SILENT, CORE) and pool and rng.random() < 0.10:
            for _ in range(4):
                candidate = rng.choice(pool)
                if candidate not in in_group:
                    return candidate
        person = self.factory.new(lang).index
        if persona in (REGULAR, SILENT, CORE, CHURNED):
            pool.append(person)
        return person

    def _schedule(self, plan: GroupPlan, last_join: int) -> None:
        """Join times, sources and leaves. Everyone joins inside the exported window, so the
        exports carry every join (a member who never speaks is only visible through it)."""
        rng = self.rng
        created = plan.created_at
        end = self.config.end
        owner = plan.owner
        link_owners = [owner, *plan.admins]
        early: list[Member] = []
        for member in plan.members:
            persona = member.persona
            if persona in (OWNER, ADMIN):
                continue
            if persona in (KOL, CORE) or (
                persona in (REGULAR, SILENT, CHURNED) and rng.random() < 0.5
            ):
                early.append(member)
                continue
            if persona == SPAMMER:
                member.joined_at = rng.randint(created + 8 * DAY, end - 12 * DAY)
                member.join_source, member.actor = JOIN_LINK, rng.choice(link_owners)
                continue
            if persona == NEWCOMER:
                lo, hi = end - 7 * DAY + HOUR, end - 2 * HOUR
            elif persona == SILENT:
                lo, hi = created + DAY, min(last_join, end - 16 * DAY)
            elif persona == CHURNED:
                lo, hi = created + DAY, created + 30 * DAY
            else:
                lo, hi = created + DAY, last_join
            self._later_join(plan, member, lo, max(lo + HOUR, hi), link_owners)
        # The initial cohort comes in through the owner's invites in the first hours.
        for i, member in enumerate(early):
            member.joined_at = created + 300 * (1 + i // 8)
            member.join_source, member.actor, member.cohort = JOIN_INVITE, owner, True
        for member in plan.members:
            if member.persona == CHURNED:
                lo = member.joined_at + 10 * DAY
                hi = end - 2 * DAY
                if plan.quiet_from is not None:
                    hi = plan.quiet_from + 5 * DAY
                member.left_at = rng.randint(lo, max(lo + HOUR, hi))
        plan.members.sort(key=lambda mm: (mm.joined_at, mm.person))
        for member in plan.members:
            if member.join_source == JOIN_INVITE and member.actor < 0:
                # Anyone already in the group (and still in it) may bring a friend along.
                present = [
                    m.person
                    for m in plan.members
                    if m.joined_at < member.joined_at - HOUR
                    and (m.left_at is None or m.left_at > member.joined_at)
                    and m.persona != SPAMMER
                ]
                member.actor = rng.choice(present) if present else owner

    def _later_join(
        self, plan: GroupPlan, member: Member, lo: int, hi: int, link_owners: list[int]
    ) -> None:
        rng = self.rng
        r = rng.random()
        campaign = plan.campaigns[0] if plan.campaigns else None
        if campaign is not None and r < 0.2 and lo <= campaign.start and campaign.end < hi:
            member.joined_at = rng.randint(campaign.start, campaign.end - 1)
            member.join_source, member.actor = JOIN_CAMPAIGN, campaign.link_owner
            return
        member.joined_at = rng.randint(lo, hi)
        if r < 0.62:
            member.join_source = JOIN_INVITE  # the inviter is chosen once every time is known
        else:
            member.join_source, member.actor = JOIN_LINK, rng.choice(link_owners)

    def _weights(self, plan: GroupPlan) -> None:
        rng = self.rng
        regulars = [m for m in plan.members if m.persona == REGULAR]
        rng.shuffle(regulars)
        # Zipf-like chattiness: a few regulars talk a lot, most rarely.
        for rank, member in enumerate(regulars):
            member.weight = 5.0 / (rank + 1) ** 1.0 + 0.15
        base = {OWNER: 1.0, ADMIN: 1.2, KOL: 9.0, CORE: 6.0, NEWCOMER: 1.5, CHURNED: 1.8}
        for member in plan.members:
            if member.persona in base:
                member.weight = base[member.persona] * (0.8 + 0.4 * rng.random())
            elif member.persona in (SILENT, SPAMMER):
                member.weight = 0.0
        if plan.kind == MIXED:
            others = [m for m in plan.members if not m.is_staff]
            kols = [m for m in others if m.persona == KOL]
            for i, member in enumerate(kols):
                member.cluster = i % 2
            for member in others:
                if member.persona != KOL:
                    member.cluster = 0 if rng.random() < 0.55 else 1

    # -- texts -----------------------------------------------------------------------------
    def _texts_for_people(self, world: World) -> None:
        """Ads of every spammer and a welcome for every later joiner, fixed at plan time so
        the bank never changes while groups are generated (in any order)."""
        people = world.people
        bank = world.bank
        for i, person in enumerate(self.spammers):
            p = people[person]
            wechat_id = f"wx{p.handle[:6]}{person % 97:02d}"
            world.ads[person] = [bank.add(ad, AD) for ad in make_ads(i, p.lang, wechat_id, p.phone)]
        for plan in world.groups:
            for member in plan.members:
                if not (member.is_staff or member.persona == SPAMMER or member.cohort):
                    text = welcome_text(plan.lang, f"@{people[member.person].name}", member.person)
                    world.welcomes[(plan.index, member.person)] = bank.add(text, WELCOME)


def plan_world(config: SimConfig) -> World:
    return Planner(config).plan()
