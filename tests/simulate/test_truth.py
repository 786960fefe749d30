"""The ground-truth document `shequn.simulate.truth/1` (docs/simulate.md, Ground truth)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shequn.simulate.ids import CAPABILITIES

DOCUMENT_KEYS = {
    "schema", "format", "seed", "as_of", "timezone", "span_days", "messages", "capabilities",
    "groups",
}  # fmt: skip
GROUP_KEYS = {
    "key", "external_id", "name", "platform", "kind", "profile", "topics", "lang", "created_at",
    "healthy", "dying", "mixed", "clusters", "messages", "system_messages", "members",
    "weekly_active_rate", "independent_rounds_7d", "last_message_at",
    "last_non_staff_message_at", "events", "joins_by_source", "campaigns", "people",
}  # fmt: skip
PERSON_KEYS = {
    "id", "name", "persona", "role", "labels", "messages", "replies_received",
    "replies_planted", "reactions_received", "joined_at", "join_source", "invited_by",
    "link_owner", "left_at", "removed_by",
}  # fmt: skip


def test_document_shape(truth: dict[str, Any]) -> None:
    assert set(truth) == DOCUMENT_KEYS
    assert truth["schema"] == "shequn.simulate.truth/1"
    assert truth["format"] == "telegram"
    assert truth["as_of"] == "2024-07-01T00:00:00+08:00"
    assert truth["capabilities"] == CAPABILITIES["telegram"]
    for group in truth["groups"]:
        assert set(group) == GROUP_KEYS
        assert group["key"] == f"telegram:{group['external_id']}"
        assert group["external_id"].startswith("-100")
        assert set(group["events"]) == {"create", "join", "leave", "kick"}
        for person in group["people"]:
            assert set(person) == PERSON_KEYS
            assert person["id"].startswith("user")
            datetime.fromisoformat(person["joined_at"])
            assert person["role"] in ("owner", "admin", "member")
            if person["join_source"] == "invite":
                assert person["invited_by"] is not None and person["link_owner"] is None
            if person["join_source"] in ("link", "campaign"):
                assert person["link_owner"] is not None and person["invited_by"] is None


def test_people_are_sorted_by_messages(truth: dict[str, Any]) -> None:
    for group in truth["groups"]:
        counts = [p["messages"] for p in group["people"]]
        assert counts == sorted(counts, reverse=True)
        assert [p["role"] for p in group["people"]].count("owner") == 1


def test_mixed_clusters_name_their_members_and_words(truth: dict[str, Any]) -> None:
    clusters = {g["kind"]: g["clusters"] for g in truth["groups"]}
    assert clusters["healthy"] is None and clusters["dying"] is None
    mixed = clusters["mixed"]
    assert [c["topic"] for c in mixed] in (["java", "python"], ["baoma", "kaoyan"])
    assert all(len(c["members"]) >= 5 and len(c["keywords"]) >= 20 for c in mixed)
