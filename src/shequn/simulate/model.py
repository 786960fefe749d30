"""The simulated world: configuration, people, groups and their members. See docs/simulate.md.

Everything here is platform-neutral. A person is an index into `World.people`; how that person
is named and numbered on Telegram, Slack or WeChat is decided by `ids.py`, so one planted world
can be written in every export format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from .text import TextBank

# Personas: what a member was planted to be. The labels in the ground truth are derived from
# these and, where the definition is crisp (core, newcomer, silent, churned), from the data.
OWNER = "owner"
ADMIN = "admin"
KOL = "kol"
CORE = "core"
REGULAR = "regular"
SILENT = "silent"
NEWCOMER = "newcomer"
CHURNED = "churned"
SPAMMER = "spammer"
PERSONAS = (OWNER, ADMIN, KOL, CORE, REGULAR, SILENT, NEWCOMER, CHURNED, SPAMMER)
STAFF = (OWNER, ADMIN)

# What a group was planted to show (DESIGN.md §3: healthy bars, 死群, 鸡同鸭讲).
HEALTHY = "healthy"
MIXED = "mixed"
DYING = "dying"
ORDINARY = "ordinary"
# Ordinary groups differ the way real ones do: steady, declining (activity falls well below
# its peak), owner-driven (the owner starts most conversations: seed 002 #11), growing
# (young, created five weeks before the end).
PROFILES = ("steady", "declining", "owner_driven", "growing")

# How someone came in (events.JOIN_SOURCES). Campaign joins are written as link joins.
JOIN_CREATOR = "creator"
JOIN_INVITE = "invite"
JOIN_LINK = "link"
JOIN_CAMPAIGN = "campaign"

DEFAULT_AS_OF = datetime(2024, 7, 1, tzinfo=ZoneInfo("Asia/Shanghai"))


@dataclass(frozen=True)
class SimConfig:
    """What to simulate. Same config (seed included) → the same world, byte for byte."""

    seed: int = 7
    groups: int = 6
    messages: int = 20_000
    as_of: datetime = DEFAULT_AS_OF
    span_days: int = 84
    tz: str = "Asia/Shanghai"
    # Share of people who write Chinese (the rest write English).
    zh_share: float = 0.75

    def __post_init__(self) -> None:
        if self.groups < 1:
            raise ValueError("groups must be ≥ 1")
        if self.messages < 50 * self.groups:
            raise ValueError("messages must be ≥ 50 per group")
        if self.span_days < 35:
            raise ValueError("span_days must be ≥ 35 (the dying group needs room to fade)")
        if self.as_of.tzinfo is None:
            object.__setattr__(self, "as_of", self.as_of.replace(tzinfo=UTC))

    @property
    def end(self) -> int:
        """as_of in epoch seconds: every event happens strictly before it."""
        return int(self.as_of.timestamp())

    @property
    def start(self) -> int:
        return self.end - self.span_days * 86_400

    def day_start(self, day: int) -> int:
        """Epoch seconds of local midnight that starts simulation day `day` (0-based)."""
        zone = ZoneInfo(self.tz)
        local_end = self.as_of.astimezone(zone)
        first = (local_end - timedelta(days=self.span_days)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        return int((first + timedelta(days=day)).timestamp())


@dataclass
class Person:
    index: int
    name: str  # display name, unique in the world (WhatsApp identifies people by it)
    lang: str  # "zh" | "en"
    handle: str  # latin username (Telegram @handle, Slack/Discord name)
    phone: str  # E.164-ish, "+86 138 0013 8000"
    shows_phone: bool  # WhatsApp shows an unsaved contact as their number


@dataclass
class Member:
    """One person in one group."""

    person: int
    persona: str
    joined_at: int  # epoch seconds
    join_source: str  # creator | invite | link | campaign
    actor: int = -1  # inviter (invite) or the link's creator (link, campaign)
    left_at: int | None = None
    kicked_by: int = -1
    cohort: bool = False  # added by the owner when the group was set up
    cluster: int = 0  # mixed group: which audience
    weight: float = 1.0  # relative chattiness

    @property
    def is_staff(self) -> bool:
        return self.persona in STAFF


@dataclass
class Campaign:
    name: str
    start: int
    end: int
    link_owner: int


@dataclass
class GroupPlan:
    index: int
    name: str
    kind: str  # healthy | mixed | dying | ordinary
    topics: tuple[str, ...]  # one topic; two for the mixed group (one per audience)
    lang: str  # main language of the group
    created_at: int
    members: list[Member] = field(default_factory=list)
    campaigns: list[Campaign] = field(default_factory=list)
    budget: int = 0  # messages planned
    profile: str = "steady"  # ordinary groups: one of PROFILES
    # Dying group: the last moment a non-staff member speaks.
    quiet_from: int | None = None

    def member_of(self, person: int) -> Member:
        for m in self.members:
            if m.person == person:
                return m
        raise KeyError(person)

    @property
    def owner(self) -> int:
        return next(m.person for m in self.members if m.persona == OWNER)

    @property
    def admins(self) -> list[int]:
        return [m.person for m in self.members if m.persona == ADMIN]

    @property
    def staff(self) -> set[int]:
        return {m.person for m in self.members if m.is_staff}


@dataclass
class World:
    config: SimConfig
    people: list[Person]
    groups: list[GroupPlan]
    bank: TextBank
    # Text ids fixed at plan time: each spammer's ads, and the welcome an admin posts for a
    # member who joined after the group was created, keyed by (group index, person).
    ads: dict[int, list[int]] = field(default_factory=dict)
    welcomes: dict[tuple[int, int], int] = field(default_factory=dict)
