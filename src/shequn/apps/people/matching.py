"""Soft evidence that two people are one human. See docs/architecture.md (People across groups).

Pure functions over plain records, no database: `normalise_name`, `name_keys`, `phones_in`,
`wechat_ids_in`, and `candidate_pairs(people)` that scores pairs of people and explains why.
Nothing here merges anything: the scores become MergeSuggestions an operator decides on.

Names, and why they are weak evidence
-------------------------------------
Chinese group nicknames decorate a name: "张三 (北京)", "北京-张三", "张三｜产品", "🌸张三🌸",
full-width "ＺｈａｎｇＳａｎ". `normalise_name` applies NFKC (full-width → half-width), folds case
and drops emoji, punctuation and spaces; `name_keys` also yields the name with bracketed
qualifiers removed and each part of a "城市-名字" style nickname. Two people sharing a key is a
hint, not proof: 张伟 is the name of hundreds of thousands of people, so a key shared by many
people in the workspace counts for less, one-character keys count for nothing, and two
accounts speaking in the same group at the same time count *against* being one person.
"张三" and "Zhang San" are not matched: that needs a pinyin dictionary and would still be
ambiguous (张三, 章三 and 张散 are all "zhang san"); an operator can merge them by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

# Evidence weights, combined as independent signals (noisy-OR): 1 - Π(1 - w).
W_PHONE = 0.9
W_WECHAT_ID = 0.85
W_HANDLE = 0.7
W_NAME_EXACT = 0.6
W_NAME_CORE = 0.5
W_SHARED_CIRCLE = 0.15
# Two accounts present in one group: usually two people.
P_SAME_GROUP = 0.3
# A suggestion is made from this score on.
SUGGEST_AT = 0.5
# A name key held by more people than this is common; it counts at half weight.
COMMON_NAME_PEOPLE = 3
# Shared-circle evidence: Jaccard overlap of the people each one shares groups with.
CIRCLE_OVERLAP = 0.3
# Blocks larger than this are skipped for names (a very common name pairs everyone).
MAX_BLOCK = 50

_BRACKETS = re.compile(r"[\(（\[【〔<《「『{].*?[\)）\]】〕>》」』}]")
_SEPARATORS = re.compile(r"[-—–_|｜/\\·•@＠~～:：,，.。\s]+")
_SEPARATORS_NO_SPACE = re.compile(r"[-—–_|｜/\\·•@＠~～:：,，.。]+")
_PHONE = re.compile(r"(?<!\d)(?:\+?86[-\s]?)?(1[3-9]\d[-\s]?\d{4}[-\s]?\d{4})(?!\d)")
# WeChat ids: 6–20 characters, starting with a letter; in nicknames after 微信/wx/vx/v.
_WECHAT_ID = re.compile(
    r"(?:微信号?|weixin|wechat|wx|vx|v信|v)\s*[:：]?\s*([a-zA-Z][-_a-zA-Z0-9]{5,19})", re.I
)


def _is_word_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in ("L", "N")


def normalise_name(name: str | None) -> str:
    """NFKC, case-folded, only letters and digits (emoji, punctuation, spaces dropped)."""
    if not name:
        return ""
    text = unicodedata.normalize("NFKC", name).casefold()
    return "".join(ch for ch in text if _is_word_char(ch))


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


def _meaningful(key: str) -> bool:
    """One CJK character or fewer than three Latin letters identify nobody."""
    if _has_cjk(key):
        return len(key) >= 2
    return len(key) >= 3 and not key.isdigit()


def name_keys(name: str | None) -> tuple[str, set[str]]:
    """(the whole normalised name, its core keys): the name without bracketed qualifiers and
    each part of a nickname split at separators ("北京-张三" → 北京张三, 张三, 北京)."""
    if not name:
        return "", set()
    full = normalise_name(name)
    text = unicodedata.normalize("NFKC", name)
    # Contacts written into a nickname are evidence of their own, not part of the name.
    stripped = _WECHAT_ID.sub(" ", _PHONE.sub(" ", _BRACKETS.sub(" ", text)))
    cores = {normalise_name(stripped)}
    # Latin names are not split at spaces: "Zhang San" is one name, not the surname "zhang".
    splitter = _SEPARATORS if _has_cjk(stripped) else _SEPARATORS_NO_SPACE
    parts = [normalise_name(p) for p in splitter.split(stripped)]
    parts = [p for p in parts if p]
    if len(parts) > 1:
        cores.update(parts)
    cores.discard(full)
    return full, {c for c in cores if _meaningful(c)}


def normalise_phone(value: str | None) -> str:
    digits = re.sub(r"\D", "", value or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if len(digits) == 15 and digits.startswith("0086"):
        digits = digits[4:]
    return digits if len(digits) >= 7 else ""


def phones_in(text: str | None) -> set[str]:
    """Chinese mobile numbers written in a nickname or profile text."""
    if not text:
        return set()
    found = {
        normalise_phone(m.group(1)) for m in _PHONE.finditer(unicodedata.normalize("NFKC", text))
    }
    return {p for p in found if p}


def wechat_ids_in(text: str | None) -> set[str]:
    if not text:
        return set()
    return {m.group(1).lower() for m in _WECHAT_ID.finditer(unicodedata.normalize("NFKC", text))}


def mask_phone(phone: str) -> str:
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


@dataclass
class PersonRecord:
    """What matching knows of a person: all names, handles, phones and groups of their
    identities."""

    person_id: int
    names: list[str] = field(default_factory=list)
    handles: list[tuple[str, str]] = field(default_factory=list)  # (platform, handle)
    phones: list[str] = field(default_factory=list)
    platforms: set[str] = field(default_factory=set)
    groups: set[int] = field(default_factory=set)
    communities: set[int] = field(default_factory=set)


@dataclass
class Candidate:
    left: int
    right: int
    score: float
    evidence: list[dict[str, Any]]


def _evidence(kind: str, weight: float, zh: str, en: str) -> dict[str, Any]:
    return {"kind": kind, "weight": round(weight, 3), "detail": zh, "detail_en": en}


def candidate_pairs(people: Iterable[PersonRecord]) -> list[Candidate]:
    """Scored pairs of people (left < right) at or above SUGGEST_AT, each with its evidence."""
    records = {p.person_id: p for p in people}
    phone_block: dict[str, set[int]] = defaultdict(set)
    wechat_block: dict[str, set[int]] = defaultdict(set)
    handle_block: dict[str, set[int]] = defaultdict(set)
    full_block: dict[str, set[int]] = defaultdict(set)
    core_block: dict[str, set[int]] = defaultdict(set)
    for p in records.values():
        for phone in p.phones:
            if n := normalise_phone(phone):
                phone_block[n].add(p.person_id)
        for name in p.names:
            for phone in phones_in(name):
                phone_block[phone].add(p.person_id)
            for wid in wechat_ids_in(name):
                wechat_block[wid].add(p.person_id)
            full, cores = name_keys(name)
            if _meaningful(full):
                full_block[full].add(p.person_id)
                # "张三" matches the core of "张三 (北京)".
                core_block[full].add(p.person_id)
            for core in cores:
                core_block[core].add(p.person_id)
        for platform, handle in p.handles:
            h = handle.strip().lstrip("@").lower()
            if len(h) < 3:
                continue
            if platform in ("wechat", "wecom"):
                wechat_block[h].add(p.person_id)
            else:
                handle_block[h].add(p.person_id)

    found: dict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    seen_kind: dict[tuple[int, int], set[str]] = defaultdict(set)

    def add(block: dict[str, set[int]], kind: str, weight_of: Any, words: Any) -> None:
        for key, ids in block.items():
            if len(ids) < 2 or (kind.startswith("name") and len(ids) > MAX_BLOCK):
                continue
            for a, b in combinations(sorted(ids), 2):
                if kind in seen_kind[(a, b)]:
                    continue
                seen_kind[(a, b)].add(kind)
                zh, en = words(key, len(ids))
                found[(a, b)].append(_evidence(kind, weight_of(len(ids)), zh, en))

    add(
        phone_block,
        "phone",
        lambda n: W_PHONE,
        lambda k, n: (f"同一手机号 {mask_phone(k)}", f"same phone number {mask_phone(k)}"),
    )
    add(
        wechat_block,
        "wechat_id",
        lambda n: W_WECHAT_ID,
        lambda k, n: (f"同一微信号 {k}", f"same WeChat id {k}"),
    )
    add(
        handle_block,
        "handle",
        lambda n: W_HANDLE,
        lambda k, n: (f"同一用户名 @{k}", f"same username @{k}"),
    )

    def name_weight(base: float) -> Any:
        return lambda n: base / 2 if n > COMMON_NAME_PEOPLE else base

    def name_words(kind_zh: str, kind_en: str) -> Any:
        def words(key: str, n: int) -> tuple[str, str]:
            common = n > COMMON_NAME_PEOPLE
            return (
                f"{kind_zh}「{key}」" + (f"（常见：{n} 人同名，权重减半）" if common else ""),
                f"{kind_en} '{key}'" + (f" (common: {n} people, half weight)" if common else ""),
            )

        return words

    add(full_block, "name", name_weight(W_NAME_EXACT), name_words("同名", "same name"))
    add(
        core_block,
        "name_core",
        name_weight(W_NAME_CORE),
        name_words("去掉地区/备注后同名", "same name without its qualifiers"),
    )

    members: dict[int, set[int]] = defaultdict(set)
    for p in records.values():
        for g in p.groups:
            members[g].add(p.person_id)
    out: list[Candidate] = []
    for (a, b), evidence in found.items():
        pa, pb = records[a], records[b]
        kinds = {e["kind"] for e in evidence}
        if "name" in kinds:  # the exact name already says what the core name says
            evidence = [e for e in evidence if e["kind"] != "name_core"]
        circle = _circle_overlap(pa, pb, members)
        if circle is not None:
            evidence.append(circle)
        together = pa.groups & pb.groups
        score = 1.0
        for e in evidence:
            score *= 1 - e["weight"]
        score = 1 - score
        if together:
            evidence.append(
                _evidence(
                    "same_group",
                    -P_SAME_GROUP,
                    f"同时在 {len(together)} 个群里（同一个人一般不会用两个号在同一个群）",
                    f"both in {len(together)} group(s) at once (one person rarely uses two "
                    "accounts in one group)",
                )
            )
            score -= P_SAME_GROUP
        if score >= SUGGEST_AT:
            out.append(Candidate(a, b, round(score, 3), evidence))
    out.sort(key=lambda c: (-c.score, c.left, c.right))
    return out


def _circle_overlap(
    a: PersonRecord, b: PersonRecord, members: dict[int, set[int]]
) -> dict[str, Any] | None:
    """Shared groups, read as shared circles: two accounts of one human sit in groups (or
    communities) with the same people, even on different platforms."""
    if a.communities & b.communities:
        return _evidence(
            "shared_community",
            W_SHARED_CIRCLE,
            f"所在的群属于同一社群（{len(a.communities & b.communities)} 个）",
            "their groups belong to the same community",
        )
    if not a.groups or not b.groups:
        return None
    mates_a = set().union(*(members[g] for g in a.groups)) - {a.person_id, b.person_id}
    mates_b = set().union(*(members[g] for g in b.groups)) - {a.person_id, b.person_id}
    if not mates_a or not mates_b:
        return None
    overlap = len(mates_a & mates_b) / len(mates_a | mates_b)
    if overlap < CIRCLE_OVERLAP:
        return None
    return _evidence(
        "shared_groups",
        W_SHARED_CIRCLE,
        f"和同一批人在群里（重合 {overlap:.0%}）",
        f"in groups with the same people ({overlap:.0%} overlap)",
    )
