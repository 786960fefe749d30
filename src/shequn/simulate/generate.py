"""Generating each group's history from the planned world. See docs/simulate.md.

Deterministic: every group has its own random stream seeded from (seed, group index), so a
group's history is the same whether it is generated alone, first or last. Conversations come
in rounds (bursts separated by more than 30 minutes when the day has room for it); senders,
times and texts are drawn in bulk with `random.choices` over cumulative weights.
"""

from __future__ import annotations

import math
import random
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

import polars as pl

from shequn.importers.canonical import Canonical

from . import text as tx
from .model import (
    ADMIN,
    CORE,
    DYING,
    HEALTHY,
    JOIN_CAMPAIGN,
    JOIN_INVITE,
    JOIN_LINK,
    KOL,
    MIXED,
    OWNER,
    SILENT,
    SPAMMER,
    GroupPlan,
    Member,
    SimConfig,
    World,
)
from .plan import DAY, HOUR, plan_world

# Message kinds of the neutral log.
TEXT = 0
STICKER = 1
IMAGE = 2
SYSTEM = 3
KIND_NAMES = ("text", "sticker", "image", "system")

# Service actions.
CREATE = 0
INVITE = 1
LINK = 2
CAMPAIGN = 3
LEAVE = 4
KICK = 5

STICKER_EMOJIS = ("😂", "👍", "😄", "🙏", "🎉", "😭", "❤", "🤔")
REACTION_EMOJIS = ("👍", "👍", "👍", "❤", "🙏", "🔥", "👏")

# Local hour-of-day activity (Asia/Shanghai office workers and students): quiet nights,
# peaks late morning, mid-afternoon and the evening.
HOUR_WEIGHTS = (
    0.4, 0.2, 0.1, 0.05, 0.05, 0.1, 0.4, 1.2, 2.5, 4.0, 4.6, 4.2,
    3.0, 2.6, 3.4, 3.8, 3.6, 3.0, 2.6, 3.2, 4.4, 5.0, 4.2, 2.0,
)  # fmt: skip
_HOUR_CW = list(accumulate(HOUR_WEIGHTS))

ROUND_GAP = 30 * 60  # DESIGN.md §3: rounds are split at gaps > 30 min
_SEPARATION = 40 * 60  # planted rounds keep a margin above that


@dataclass
class Action:
    kind: int
    at: int
    actor: int
    members: tuple[int, ...]


@dataclass
class _Columns:
    """The growing, unsorted history of a group while it is generated."""

    t: array[int] = field(default_factory=lambda: array("q"))
    sender: array[int] = field(default_factory=lambda: array("q"))
    kind: bytearray = field(default_factory=bytearray)
    text: array[int] = field(default_factory=lambda: array("q"))
    reply: array[int] = field(default_factory=lambda: array("q"))
    mention: array[int] = field(default_factory=lambda: array("q"))
    action: array[int] = field(default_factory=lambda: array("q"))


class GroupLog:
    """A group's history in time order.

    `frame` has one row per message (service messages included): t (epoch seconds), sender
    and mention (person index, -1 for none), kind, text (text id), reply (row of the replied
    message or -1), action (index into `actions` for service rows, else -1). The same columns
    are available as Python lists (`log.t`, `log.sender`, …) for writers that loop.
    """

    COLUMNS = ("t", "sender", "kind", "text", "reply", "mention", "action")

    def __init__(
        self,
        plan: GroupPlan,
        frame: pl.DataFrame,
        actions: list[Action],
        reactions: list[tuple[int, str, int, int]],
    ) -> None:
        self.plan = plan
        self.frame = frame
        self.actions = actions
        # (message row, emoji, reactor, reacted at), by row then time
        self.reactions = reactions
        self._lists: dict[str, list[int]] = {}

    def __len__(self) -> int:
        return self.frame.height

    def column(self, name: str) -> list[int]:
        found = self._lists.get(name)
        if found is None:
            found = self.frame.get_column(name).to_list()
            self._lists[name] = found
        return found

    @property
    def t(self) -> list[int]:
        return self.column("t")

    @property
    def sender(self) -> list[int]:
        return self.column("sender")

    @property
    def kind(self) -> list[int]:
        return self.column("kind")

    @property
    def text(self) -> list[int]:
        return self.column("text")

    @property
    def reply(self) -> list[int]:
        return self.column("reply")

    @property
    def mention(self) -> list[int]:
        return self.column("mention")

    @property
    def action(self) -> list[int]:
        return self.column("action")


@dataclass
class _Round:
    """A conversation as generated; the guarantees append late messages to rounds."""

    start: int
    end: int
    kind: str


class _Eligible:
    """Who can speak on one day: weighted non-staff speakers, per audience cluster."""

    __slots__ = ("by_cluster", "kols")

    def __init__(self) -> None:
        self.by_cluster: dict[int, tuple[list[int], list[float]]] = {}
        self.kols: dict[int, list[int]] = {}


class GroupSimulator:
    def __init__(self, world: World, plan: GroupPlan) -> None:
        config = world.config
        self.world = world
        self.config = config
        self.plan = plan
        self.bank = world.bank
        self.rng = random.Random(f"shequn-simulate:{config.seed}:group:{plan.index}")
        self.end = config.end
        self.days = config.span_days
        self.day_starts = [config.day_start(d) for d in range(self.days + 1)]
        self.people = world.people
        self.members = {m.person: m for m in plan.members}
        self.staff = [m.person for m in plan.members if m.is_staff]
        self.log = _Columns()
        self.actions: list[Action] = []
        self.reactions: list[tuple[int, str, int, int]] = []
        self.rounds: list[_Round] = []
        self._eligible: dict[int, _Eligible] = {}
        self._pools: dict[str, list[dict[int, list[int]]]] = {}
        self.lang = [0 if p.lang == "zh" else 1 for p in world.people]
        healthy = plan.kind == HEALTHY
        self.p_kol = 0.7 if healthy else 0.55
        self.p_welcome = 0.8 if healthy else 0.5

    # -- emitting --------------------------------------------------------------------------
    def emit(
        self,
        t: int,
        sender: int,
        text: int,
        kind: int = TEXT,
        reply: int = -1,
        mention: int = -1,
        action: int = -1,
    ) -> int:
        log = self.log
        log.t.append(t)
        log.sender.append(sender)
        log.kind.append(kind)
        log.text.append(text)
        log.reply.append(reply)
        log.mention.append(mention)
        log.action.append(action)
        return len(log.t) - 1

    def topic_of(self, person: int) -> str:
        topics = self.plan.topics
        if len(topics) == 1:
            return topics[0]
        member = self.members.get(person)
        return topics[member.cluster if member is not None else 0]

    def pick_text(self, category: int, person: int, topic: str | None = None) -> int:
        pool = self.bank.pool(category, topic or self.topic_of(person), self.people[person].lang)
        return pool[int(self.rng.random() * len(pool))]

    # -- the whole group -------------------------------------------------------------------
    def run(self) -> GroupLog:
        self._membership_actions()
        budget = self.plan.budget
        budget -= self._welcomes()
        budget -= self._spam()
        budget -= self._pings()
        self._rounds(max(budget, 10))
        if self.plan.kind != DYING:
            self._ensure_core()
        if self.plan.kind == HEALTHY:
            self._ensure_weekly_active()
        return self._sorted()

    def _membership_actions(self) -> None:
        plan = self.plan
        owner = plan.owner
        actions = self.actions
        created = plan.created_at

        def act(kind: int, at: int, actor: int, members: tuple[int, ...], sender: int) -> None:
            actions.append(Action(kind, at, actor, members))
            self.emit(at, sender, 0, SYSTEM, action=len(actions) - 1)

        admins = tuple(m.person for m in plan.members if m.persona == ADMIN)
        act(CREATE, created, owner, admins, owner)
        # The initial cohort arrives in the owner's invite batches (plan.Planner._schedule).
        cohort = [m for m in plan.members if m.cohort]
        batch: list[int] = []
        batch_at = -1
        for member in cohort:
            if member.joined_at != batch_at and batch:
                act(INVITE, batch_at, owner, tuple(batch), owner)
                batch = []
            batch_at = member.joined_at
            batch.append(member.person)
        if batch:
            act(INVITE, batch_at, owner, tuple(batch), owner)
        in_cohort = {m.person for m in cohort}
        for member in plan.members:
            p = member.person
            if member.join_source == JOIN_INVITE and p not in in_cohort and member.persona != ADMIN:
                act(INVITE, member.joined_at, member.actor, (p,), member.actor)
            elif member.join_source == JOIN_LINK:
                act(LINK, member.joined_at, member.actor, (p,), p)
            elif member.join_source == JOIN_CAMPAIGN:
                act(CAMPAIGN, member.joined_at, member.actor, (p,), p)
            if member.left_at is not None:
                if member.kicked_by >= 0:
                    act(KICK, member.left_at, member.kicked_by, (p,), member.kicked_by)
                else:
                    act(LEAVE, member.left_at, p, (p,), p)

    # -- planted flows ---------------------------------------------------------------------
    def _welcomes(self) -> int:
        """Staff welcome later joiners by @-mention; many answer with a self-introduction."""
        rng = self.rng
        plan = self.plan
        welcomers = [p for p in self.staff if self.members[p].persona != OWNER] or self.staff
        count = 0
        for member in plan.members:
            if member.is_staff or member.persona == SPAMMER or member.cohort:
                continue
            p = member.person
            silent = member.persona == SILENT
            if rng.random() < self.p_welcome:
                t = member.joined_at + rng.randint(60, 900)
                if t >= self.end:
                    continue
                staff = rng.choice(welcomers)
                w = self.emit(t, staff, self.world.welcomes[(plan.index, p)], mention=p)
                count += 1
                if not silent and rng.random() < 0.6:
                    t2 = t + rng.randint(30, 600)
                    if self._may_speak(member, t2):
                        self.emit(t2, p, self.pick_text(tx.INTRO, p), reply=w)
                        count += 1
            elif not silent and rng.random() < 0.3:
                t = member.joined_at + rng.randint(60, 600)
                if self._may_speak(member, t):
                    self.emit(t, p, self.pick_text(tx.GREETING, p))
                    count += 1
        return count

    def _may_speak(self, member: Member, t: int) -> bool:
        if t >= self.end or t <= member.joined_at:
            return False
        if member.left_at is not None and t >= member.left_at:
            return False
        quiet = self.plan.quiet_from
        return quiet is None or t < quiet or member.is_staff

    def _spam(self) -> int:
        """Floods: ≥ 5 copies of one ad within 10 s (so ≥ 3 within the hour), sometimes once
        more a little later; an admin now and then replies with the rules."""
        rng = self.rng
        count = 0
        ads = self.world.ads
        for member in self.plan.members:
            if member.persona != SPAMMER:
                continue
            p = member.person
            stop = (member.left_at or self.end) - HOUR
            episodes = rng.randint(1, 2) if self.plan.kind == HEALTHY else rng.randint(2, 4)
            for episode in range(episodes):
                t = rng.randint(member.joined_at + HOUR, max(member.joined_at + 2 * HOUR, stop))
                # The first flood in every group is the spammer's signature ad.
                ad = ads[p][0] if episode == 0 else rng.choice(ads[p])
                first = -1
                for _ in range(rng.randint(5, 8)):
                    i = self.emit(t, p, ad)
                    first = first if first >= 0 else i
                    t += rng.randint(1, 2)
                    count += 1
                if rng.random() < 0.5 and t + 2_400 < stop + HOUR:
                    self.emit(t + rng.randint(300, 2_400), p, ad)
                    count += 1
                if self.staff and rng.random() < 0.35:
                    admin = rng.choice(self.staff)
                    rules = self.pick_text(tx.RULES, admin, self.plan.topics[0])
                    self.emit(t + rng.randint(60, 300), admin, rules, reply=first)
                    count += 1
        return count

    def _pings(self) -> int:
        """A dying group: after the members fall silent, the owner still asks around."""
        quiet = self.plan.quiet_from
        if quiet is None:
            return 0
        rng = self.rng
        owner = self.plan.owner
        n = rng.randint(2, 3)
        lo = max(quiet + DAY, self.end - 13 * DAY)
        times = sorted(rng.randint(lo, self.end - HOUR) for _ in range(n))
        for t in times:
            self.emit(t, owner, self.pick_text(tx.PING, owner, self.plan.topics[0]))
        return n

    # -- rounds ----------------------------------------------------------------------------
    def _day_weights(self) -> list[float]:
        plan = self.plan
        rng = self.rng
        created_day = bisect_right(self.day_starts, plan.created_at) - 1
        weights = []
        slope = rng.uniform(-0.5, 0.6)
        quiet_day = (
            bisect_right(self.day_starts, plan.quiet_from) - 1 if plan.quiet_from else self.days
        )
        for d in range(self.days):
            if d < created_day or d >= quiet_day:
                weights.append(0.0)
                continue
            x = d / self.days
            weekend = 1.15 if d % 7 in (5, 6) else 1.0
            if plan.kind == HEALTHY:
                w = (0.7 + 0.3 * x) * (1.25 if d >= self.days - 7 else 1.0)
            elif plan.kind == DYING:
                w = math.exp(-3.0 * d / max(1, quiet_day))
            elif plan.kind == MIXED:
                w = 1.0
            elif plan.profile == "declining":
                w = max(0.08, 1.3 - 1.25 * x)
            elif plan.profile == "growing":
                w = 0.3 + (d - created_day) / max(1, self.days - created_day)
            else:
                w = max(0.2, 1 + slope * (x - 0.5))
            weights.append(w * weekend)
        return weights

    def _rounds(self, budget: int) -> None:
        rng = self.rng
        plan = self.plan
        mean = 4.0 + min(20.0, budget / 1_500)
        sizes: list[int] = []
        total = 0
        while total < budget:
            n = min(60, 2 + int(rng.expovariate(1 / (mean - 2))))
            sizes.append(n)
            total += n
        weights = self._day_weights()
        cw = list(accumulate(weights))
        days = rng.choices(range(self.days), cum_weights=cw, k=len(sizes))
        if plan.kind == HEALTHY:
            # However small the budget, the healthy group's last week holds ≥ 7 rounds (the
            # bar is 5 independent ones) of at least 5 messages.
            last = range(self.days - 7, self.days)
            spare = [j for j, d in enumerate(days) if d < self.days - 7]
            short = 7 - sum(1 for d in days if d >= self.days - 7)
            for j in spare[: max(0, short)]:
                days[j] = rng.choice(last)
                sizes[j] = max(sizes[j], 5)
        hours = rng.choices(range(24), cum_weights=_HOUR_CW, k=len(sizes))
        by_day: dict[int, list[tuple[int, int]]] = {}
        for d, h, n in zip(days, hours, sizes, strict=True):
            start = self.day_starts[d] + h * HOUR + rng.randrange(HOUR)
            by_day.setdefault(d, []).append((start, n))
        healthy = plan.kind == HEALTHY
        owner_driven = plan.profile == "owner_driven"
        last_week = self.end - 7 * DAY
        quiet = plan.quiet_from or self.end
        prev_end = plan.created_at + HOUR
        for d in sorted(by_day):
            todays = sorted(by_day[d])
            # Keep rounds apart when the day has room; a busy group's rounds run together.
            room = len(todays) * (mean * 60 + _SEPARATION) < 15 * HOUR
            for start, n in todays:
                if room:
                    start = max(start, prev_end + _SEPARATION + rng.randrange(600))
                start = max(start, plan.created_at + HOUR)
                if start >= min(self.end, quiet) - 600:
                    continue
                eligible = self.eligible(d)
                rkind = self._round_kind(healthy and start >= last_week, owner_driven)
                cluster = self._cluster(eligible)
                speakers = eligible.by_cluster.get(cluster)
                if not speakers or not speakers[0]:
                    continue
                end = self._fill(rkind, start, n, d, cluster)
                prev_end = max(prev_end, end)

    def _round_kind(self, planted: bool, owner_driven: bool = False) -> str:
        r = self.rng.random()
        if planted:
            return "qa" if r < 0.45 else "chat"
        if owner_driven:
            # The owner opens most conversations; members answer but rarely start one.
            return "prompt" if r < 0.6 else "announce" if r < 0.7 else "qa" if r < 0.85 else "chat"
        if r < 0.38:
            return "qa"
        if r < 0.88:
            return "chat"
        if r < 0.92:
            return "announce"
        return "prompt"

    def _cluster(self, eligible: _Eligible) -> int:
        if self.plan.kind != MIXED:
            return 0
        r = self.rng.random()
        if r < 0.05:
            return -1  # the odd conversation across both audiences
        sizes = [len(eligible.by_cluster.get(c, ([], []))[0]) for c in (0, 1)]
        if sum(sizes) == 0:
            return -1
        return 0 if r * sum(sizes) < sizes[0] * 1.0 else 1

    def eligible(self, day: int) -> _Eligible:
        found = self._eligible.get(day)
        if found is not None:
            return found
        lo, hi = self.day_starts[day], self.day_starts[day + 1]
        quiet = self.plan.quiet_from
        e = _Eligible()
        speakers = [
            m
            for m in self.plan.members
            if m.weight > 0
            and not m.is_staff
            and m.joined_at < lo
            and (m.left_at is None or m.left_at >= hi)
            and (quiet is None or hi <= quiet)
        ]
        clusters = (0, 1) if self.plan.kind == MIXED else (0,)
        for c in clusters:
            chosen = [m for m in speakers if m.cluster == c or self.plan.kind != MIXED]
            e.by_cluster[c] = (
                [m.person for m in chosen],
                list(accumulate(m.weight for m in chosen)),
            )
            e.kols[c] = [m.person for m in chosen if m.persona == KOL]
        if self.plan.kind == MIXED:
            e.by_cluster[-1] = (
                [m.person for m in speakers],
                list(accumulate(m.weight for m in speakers)),
            )
            e.kols[-1] = [m.person for m in speakers if m.persona == KOL]
        self._eligible[day] = e
        return e

    def _distinct(self, people: list[int], cw: list[float], k: int, exclude: set[int]) -> list[int]:
        out: list[int] = []
        seen = set(exclude)
        for p in self.rng.choices(people, cum_weights=cw, k=3 * k + 3):
            if p not in seen:
                seen.add(p)
                out.append(p)
                if len(out) == k:
                    break
        return out

    def _gap(self) -> int:
        return _GAPS[int(self.rng.random() * len(_GAPS))]

    def _fill(self, rkind: str, start: int, n: int, day: int, cluster: int) -> int:
        rng = self.rng
        eligible = self.eligible(day)
        people, cw = eligible.by_cluster[cluster]
        limit = min(self.end, self.plan.quiet_from or self.end) - 1
        t = start
        k = min(len(people), max(3, 2 + int(rng.expovariate(0.6))))
        topic = self.plan.topics[max(cluster, 0)]
        msgs: list[int] = []
        if rkind == "qa":
            askers = self._distinct(people, cw, 1, set(eligible.kols.get(cluster, ())))
            if not askers:
                askers = self._distinct(people, cw, 1, set())
            asker = askers[0]
            q = self.emit(t, asker, self.pick_text(tx.QUESTION, asker, topic))
            msgs.append(q)
            kols = [p for p in eligible.kols.get(cluster, ()) if p != asker]
            if kols and rng.random() < self.p_kol:
                answerer = rng.choice(kols)
            else:
                others = self._distinct(people, cw, 1, {asker})
                answerer = others[0] if others else rng.choice(self.staff)
            t += self._gap() + 20
            a = self.emit(t, answerer, self.pick_text(tx.ANSWER, answerer, topic), reply=q)
            msgs.append(a)
            self._react(a, t, people, cw, answerer, 1 + int(rng.expovariate(0.7)))
            if n >= 3 and rng.random() < 0.8:
                t += self._gap()
                msgs.append(self.emit(t, asker, self.pick_text(tx.THANKS, asker, topic), reply=a))
            participants = [asker, answerer, *self._distinct(people, cw, k - 2, {asker, answerer})]
            extras = _QA_EXTRAS
        elif rkind in ("announce", "prompt"):
            author = (
                self.plan.owner
                if rkind == "prompt" or rng.random() < 0.6
                else (rng.choice(self.staff))
            )
            category = tx.ANNOUNCE if rkind == "announce" else tx.PROMPT
            head = self.emit(t, author, self.pick_text(category, author, topic))
            msgs.append(head)
            if rkind == "announce":
                self._react(head, t, people, cw, author, int(rng.expovariate(0.5)))
            participants = self._distinct(people, cw, k, {author})
            if not participants:
                return t
            extras = _ANNOUNCE_EXTRAS if rkind == "announce" else _CHAT_EXTRAS
            for p in participants[: n - 1]:
                t += self._gap()
                if t >= limit:
                    return t
                cat = tx.AGREE if rkind == "announce" and rng.random() < 0.5 else tx.CHAT
                msgs.append(self.emit(t, p, self.pick_text(cat, p, topic), reply=head))
        else:
            participants = self._distinct(people, cw, k, set())
            starter = participants[0]
            first_cat = tx.SHARE if rng.random() < 0.15 else tx.CHAT
            msgs.append(self.emit(t, starter, self.pick_text(first_cat, starter, topic)))
            extras = _CHAT_EXTRAS
        # Everyone in the conversation speaks once, then at random.
        log = self.log
        spoke = {log.sender[i] for i in msgs}
        queue = [p for p in participants if p not in spoke]
        count = n - len(msgs)
        if count > len(queue):
            weights = list(accumulate(1.0 + (i == 0) for i in range(len(participants))))
            queue += rng.choices(participants, cum_weights=weights, k=count - len(queue))
        queue = queue[: max(0, count)]
        if queue:
            t = self._extras(queue, extras, t, limit, msgs, topic, people, cw)
        self.rounds.append(_Round(start, t, rkind))
        return t

    def _extras(
        self,
        senders: list[int],
        extras: tuple[list[int], list[float]],
        t: int,
        limit: int,
        msgs: list[int],
        topic: str,
        people: list[int],
        cw: list[float],
    ) -> int:
        """The rest of a round, drawn in bulk: categories, gaps and dice for every message
        first, then one pass that builds the rows and appends them column by column."""
        rng = self.rng
        log = self.log
        count = len(senders)
        cats = rng.choices(extras[0], cum_weights=extras[1], k=count)
        gaps = rng.choices(_GAPS, k=count)
        dice = [rng.random() for _ in range(2 * count)]
        pools = self._topic_pools(topic)
        lang = self.lang
        base = len(log.t)
        times: list[int] = []
        kinds: list[int] = []
        texts: list[int] = []
        replies: list[int] = []
        row_sender = [log.sender[i] for i in msgs]
        row_kind = [log.kind[i] for i in msgs]
        shares: list[int] = []
        for j, (sender, cat, gap) in enumerate(zip(senders, cats, gaps, strict=True)):
            t += gap
            if t >= limit:
                senders = senders[:j]
                break
            reply = -1
            if cat == _STICKER_CAT:
                kind, text = STICKER, 0
            elif cat == _IMAGE_CAT:
                kind, text = IMAGE, 0
            else:
                kind = TEXT
                pool = pools[lang[sender]][cat]
                text = pool[int(dice[2 * j] * len(pool))]
                u = dice[2 * j + 1]
                if u < 0.25 and len(row_sender) > 1:
                    k = int(u * 4 * len(row_sender))
                    if row_sender[k] != sender and row_kind[k] == TEXT:
                        reply = msgs[k]
                if cat == tx.SHARE:
                    shares.append(base + j)
            times.append(t)
            kinds.append(kind)
            texts.append(text)
            replies.append(reply)
            msgs.append(base + j)
            row_sender.append(sender)
            row_kind.append(kind)
        m = len(times)
        if m:
            log.t.extend(times)
            log.sender.extend(senders[:m])
            log.kind.extend(kinds)
            log.text.extend(texts)
            log.reply.extend(replies)
            log.mention.extend(_MINUS_ONES[:m] if m <= len(_MINUS_ONES) else [-1] * m)
            log.action.extend(_MINUS_ONES[:m] if m <= len(_MINUS_ONES) else [-1] * m)
        for i in shares:
            if i < base + m:
                self._react(i, log.t[i], people, cw, log.sender[i], int(rng.expovariate(0.8)))
        return times[-1] if times else t

    def _topic_pools(self, topic: str) -> list[dict[int, list[int]]]:
        found = self._pools.get(topic)
        if found is None:
            found = [
                {c: self.bank.pool(c, topic, lang) for c in _TEXT_CATEGORIES}
                for lang in ("zh", "en")
            ]
            self._pools[topic] = found
        return found

    def _react(
        self, msg: int, t: int, people: list[int], cw: list[float], author: int, count: int
    ) -> None:
        if count <= 0:
            return
        rng = self.rng
        for reactor in self._distinct(people, cw, count, {author}):
            at = t + rng.randint(5, 900)
            if at < self.end:
                emoji = REACTION_EMOJIS[int(rng.random() * len(REACTION_EMOJIS))]
                self.reactions.append((msg, emoji, reactor, at))

    # -- guarantees ------------------------------------------------------------------------
    def _activity(self, since: int) -> dict[int, list[int]]:
        """When each person spoke since `since`."""
        log = self.log
        frame = pl.DataFrame(
            {"t": log.t, "s": log.sender, "k": pl.Series(list(log.kind), dtype=pl.UInt8)}
        )
        rows = (
            frame.filter((pl.col("t") >= since) & (pl.col("k") != SYSTEM))
            .group_by("s")
            .agg(pl.col("t"))
            .iter_rows()
        )
        return {s: ts for s, ts in rows}

    def _append_to_round(self, person: int, lo: int, hi: int, category: int) -> bool:
        """A message from `person` at the end of a round inside [lo, hi)."""
        rng = self.rng
        candidates = [
            r for r in self.rounds if lo <= r.start and r.end + 900 < hi and r.kind != "announce"
        ]
        if candidates:
            r = rng.choice(candidates)
            t = r.end + rng.randint(20, 600)
            r.end = t
        else:
            day = lo + rng.randrange(max(1, (hi - lo) // DAY)) * DAY
            t = min(hi - 1, day + (10 + rng.randrange(10)) * HOUR + rng.randrange(HOUR))
        if t >= min(hi, self.end):
            return False
        self.emit(t, person, self.pick_text(category, person))
        return True

    def _ensure_core(self) -> None:
        """Core members are active in each of the last four weeks (DESIGN.md §3: ≥ 3)."""
        seen = self._activity(self.end - 28 * DAY)
        for member in self.plan.members:
            if member.persona != CORE or member.left_at is not None:
                continue
            times = seen.get(member.person, [])
            for w in range(4):
                lo = self.end - (4 - w) * 7 * DAY
                hi = lo + 7 * DAY
                if not any(lo <= t < hi for t in times):
                    self._append_to_round(member.person, lo, hi, tx.CHAT)

    def _ensure_weekly_active(self) -> None:
        """The healthy group clears the weekly-active bar (≥ 20 %) with a margin."""
        lo = self.end - 7 * DAY
        present = [
            m
            for m in self.plan.members
            if m.joined_at < self.end and (m.left_at is None or m.left_at >= self.end)
        ]
        active = set(self._activity(lo))
        target = math.ceil(0.25 * len(present))
        candidates = [
            m
            for m in present
            if m.person not in active
            and m.weight > 0
            and m.persona not in (SILENT, SPAMMER)
            and m.joined_at < lo
        ]
        self.rng.shuffle(candidates)
        for member in candidates:
            if len(active) >= target:
                break
            if self._append_to_round(member.person, lo, self.end, tx.CHAT):
                active.add(member.person)

    # -- ordering --------------------------------------------------------------------------
    def _sorted(self) -> GroupLog:
        log = self.log
        frame = pl.DataFrame(
            {
                "t": log.t,
                "sender": log.sender,
                "kind": pl.Series(list(log.kind), dtype=pl.UInt8),
                "text": log.text,
                "reply": log.reply,
                "mention": log.mention,
                "action": log.action,
            },
            schema_overrides={
                c: pl.Int64 for c in ("t", "sender", "text", "reply", "mention", "action")
            },
        )
        # A stable sort keeps same-second messages in the order they were written.
        order = frame.with_row_index("old").sort("t", maintain_order=True).get_column("old")
        position = order.arg_sort()  # the inverse permutation: old row → new row
        reply = frame.get_column("reply")
        moved = position.gather(reply.clip(0)).cast(pl.Int64)
        frame = frame.with_columns(reply=moved.zip_with(reply >= 0, reply)).select(
            pl.all().gather(order)
        )
        pos = position.to_list()
        reactions = sorted(
            ((pos[m], e, p, at) for m, e, p, at in self.reactions), key=lambda r: (r[0], r[3])
        )
        return GroupLog(self.plan, frame, self.actions, reactions)


_STICKER_CAT = 100
_IMAGE_CAT = 101
_TEXT_CATEGORIES = tx.POOLED
_MINUS_ONES = [-1] * 256
# Seconds between two messages of a conversation: 3 s plus an exponential with a 50 s mean,
# capped below the 30 min that would end the round; as 512 quantiles, drawn uniformly.
_GAPS = [min(1_200, 3 + int(-50 * math.log(1 - (i + 0.5) / 512))) for i in range(512)]


def _extras(pairs: list[tuple[int, float]]) -> tuple[list[int], list[float]]:
    return [c for c, _ in pairs], list(accumulate(w for _, w in pairs))


_QA_EXTRAS = _extras(
    [
        (tx.ANSWER, 0.22),
        (tx.CHAT, 0.30),
        (tx.AGREE, 0.12),
        (tx.THANKS, 0.06),
        (tx.EMOJI, 0.07),
        (_STICKER_CAT, 0.07),
        (_IMAGE_CAT, 0.06),
        (tx.SHARE, 0.10),
    ]
)
_CHAT_EXTRAS = _extras(
    [
        (tx.CHAT, 0.52),
        (tx.SHARE, 0.07),
        (tx.QUESTION, 0.05),
        (tx.AGREE, 0.12),
        (tx.EMOJI, 0.08),
        (_STICKER_CAT, 0.08),
        (_IMAGE_CAT, 0.05),
        (tx.GREETING, 0.03),
    ]
)
_ANNOUNCE_EXTRAS = _extras([(tx.AGREE, 0.6), (tx.THANKS, 0.2), (tx.CHAT, 0.2)])


@dataclass
class Community:
    """A planted world and the means to generate each group's history on demand."""

    world: World

    @property
    def config(self) -> SimConfig:
        return self.world.config

    @property
    def groups(self) -> list[GroupPlan]:
        return self.world.groups

    def log(self, index: int) -> GroupLog:
        return GroupSimulator(self.world, self.world.groups[index]).run()

    def logs(self) -> Iterator[GroupLog]:
        """Each group's history in turn; only one is held at a time."""
        for index in range(len(self.world.groups)):
            yield self.log(index)

    def canonical(self, platform: str = "telegram") -> Canonical:
        """Every group as canonical tables (shequn.importers.events), ids as `platform`
        names them. Holds the whole community in memory: for tests and small worlds."""
        from .tables import canonical

        return canonical(self, platform)


def generate(config: SimConfig) -> Community:
    return Community(plan_world(config))
