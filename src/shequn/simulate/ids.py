"""How a simulated person or group is identified on each platform. See docs/simulate.md.

The writers and the ground truth both use these, so the truth names people and groups exactly
as the importers will (group_key "telegram:<chat id>", identity "user<N>", and so on).
Numbers come from bijective scrambles of the person or group index, so they look random but
never collide.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .model import GroupPlan, Person, World

PLATFORMS = ("telegram", "whatsapp", "discord", "slack", "qq", "wechat", "wecom")

DISCORD_EPOCH_MS = 1_420_070_400_000
# 2^64/φ: odd and not a multiple of 3 or 5, so n ↦ n·K + salt is a bijection modulo every
# modulus used below (powers of 2, 3, 5 and 36 times those).
_K = 11_400_714_819_323_198_485
_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _scramble(n: int, salt: int, modulus: int) -> int:
    return ((n + 1) * _K + salt * 0x9E37_79B1 + 0x5_DEEC_E66D) % modulus


def _base(n: int, alphabet: str, width: int) -> str:
    out = []
    for _ in range(width):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))


def _digest(*parts: object, size: int = 24) -> bytes:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=size).digest()


class Ids:
    """Identifiers of one world on one platform."""

    def __init__(self, world: World, platform: str) -> None:
        if platform not in PLATFORMS:
            raise ValueError(f"unknown platform {platform!r}; one of {', '.join(PLATFORMS)}")
        self.world = world
        self.platform = platform
        self.seed = world.config.seed
        self._identity = [self._make_identity(p) for p in world.people]
        staff = {m.person for g in world.groups for m in g.members if m.is_staff}
        if platform == "wecom":
            # WeCom: the operators are employees (userid); members are external contacts.
            self._identity = [
                _wecom_staff(p) if p.index in staff else self._identity[p.index]
                for p in world.people
            ]

    # -- groups ----------------------------------------------------------------------------
    def group_external_id(self, plan: GroupPlan) -> str:
        i, salt = plan.index, self.seed % 997
        match self.platform:
            case "telegram":
                # As the Bot API writes a supergroup's id (the importers' convention), so an
                # export and a bot's live feed of the chat are one group.
                return str(-(1_000_000_000_000 + self.telegram_bare_id(plan)))
            case "discord":
                return str(self.snowflake(plan.created_at * 1_000 + 7, i))
            case "slack":
                return "C0" + _base(_scramble(i, salt, 36**8), _B36, 8)
            case "wechat":
                return f"{4_800_000_000 + _scramble(i, salt, 4_000_000_000)}@chatroom"
            case "wecom":
                return "wr" + _base(int.from_bytes(_digest("room", self.seed, i)), _B62, 30)
            case _:  # whatsapp, qq: the exports carry only the group's name
                return plan.name

    def group_key(self, plan: GroupPlan) -> str:
        return f"{self.platform}:{self.group_external_id(plan)}"

    def telegram_bare_id(self, plan: GroupPlan) -> int:
        """The `id` Telegram Desktop writes for a supergroup (its channel id)."""
        return 1_600_000_000 + _scramble(plan.index, self.seed % 997 * 1_000_003, 390_000_000)

    def guild_id(self, plan: GroupPlan) -> str:
        return str(self.snowflake(plan.created_at * 1_000, plan.index))

    # -- people ----------------------------------------------------------------------------
    def identity(self, person: int) -> str:
        return self._identity[person]

    def name(self, person: int) -> str:
        """The name the export shows for this person."""
        p = self.world.people[person]
        if self.platform == "whatsapp" and p.shows_phone:
            return p.phone
        return p.name

    def _make_identity(self, p: Person) -> str:
        n, salt = p.index, self.seed % 997
        match self.platform:
            case "telegram":
                return f"user{100_000_000 + _scramble(n, salt, 6_000_000_000)}"
            case "whatsapp":
                return p.phone if p.shows_phone else p.name
            case "discord":
                created_ms = 1_480_000_000_000 + _scramble(n, salt, 200_000_000_000)
                return str(self.snowflake(created_ms, n))
            case "slack":
                return "U0" + _base(_scramble(n, salt, 36**8), _B36, 8)
            case "qq":
                return str(10_000_000 + _scramble(n, salt, 2_000_000_000))
            case "wechat":
                return "wxid_" + _base(_scramble(n, salt, 36**14), _B36, 14).lower()
            case _:  # wecom external contact
                return "wm" + _base(int.from_bytes(_digest("ext", self.seed, n)), _B62, 30)

    # -- messages --------------------------------------------------------------------------
    @staticmethod
    def snowflake(ms: int, increment: int) -> int:
        return ((ms - DISCORD_EPOCH_MS) << 22) | (1 << 17) | (increment & 0xFFF)


def _wecom_staff(p: Person) -> str:
    # Employee userids are usually the pinyin or English name the admin typed in.
    return "".join(part.capitalize() for part in p.handle.rstrip("0123456789").split("_"))[
        :20
    ] + str(p.index)


# What each export format can show. The truth reports what the format carries, so a test can
# compare an import with it directly: replies are "direct" (a reply names its message),
# "thread" (Slack: a reply belongs to its thread's first message) or None; `joins` lists the
# planted join sources the export shows as join events (a campaign join looks like a link
# join); `create` whether the export shows who created the group; `kicks` may be
# "leave" where a removal shows as the member leaving; `join_ids` whether a join names the
# member by id (Telegram's and WeChat's service lines give display names only, so a member
# who never speaks is known there by name alone); `roles` which staff roles the export
# reveals (Telegram and WhatsApp only show who created the group).
CAPABILITIES: dict[str, dict[str, Any]] = {
    "telegram": {
        "create": True,
        "roles": ["owner"],
        "replies": "direct",
        "reactions": True,
        "joins": ["invite", "link", "campaign"],
        "join_ids": False,
        "join_actor": True,
        "leaves": True,
        "kicks": True,
    },
    "whatsapp": {
        "create": True,
        "roles": ["owner"],
        "replies": None,
        "reactions": False,
        "joins": ["invite", "link", "campaign"],
        "join_ids": True,
        "join_actor": True,
        "leaves": True,
        "kicks": True,
    },
    "discord": {
        "create": False,
        "roles": [],
        "replies": "direct",
        "reactions": True,
        "joins": ["invite", "link", "campaign"],
        "join_ids": True,
        "join_actor": False,
        "leaves": False,
        "kicks": False,
    },
    "slack": {
        "create": True,
        "roles": ["owner", "admin"],
        "replies": "thread",
        "reactions": True,
        "joins": ["invite", "link", "campaign"],
        "join_ids": True,
        "join_actor": True,
        "leaves": True,
        "kicks": "leave",
    },
    "qq": {
        "create": False,
        "roles": [],
        "replies": None,
        "reactions": False,
        "joins": ["invite", "link", "campaign"],
        "join_ids": True,
        "join_actor": True,
        "leaves": True,
        "kicks": True,
    },
    "wechat": {
        "create": False,
        "roles": [],
        "replies": "direct",
        "reactions": False,
        "joins": ["invite", "link", "campaign"],
        "join_ids": False,
        "join_actor": True,
        "leaves": False,
        "kicks": False,
    },
    "wecom": {
        "create": False,
        "roles": [],
        "replies": None,
        "reactions": False,
        "joins": [],
        "join_ids": False,
        "join_actor": False,
        "leaves": False,
        "kicks": False,
    },
}
