"""The canonical model: frames, the builder, synthetic ids and merging overlapping batches."""

from datetime import UTC, datetime

import polars as pl
import pytest

from shequn.importers.canonical import merge
from shequn.importers.events import (
    SCHEMAS,
    BatchBuilder,
    OccurrenceCounter,
    frame,
    synthetic_message_id,
    to_us,
)

T0 = to_us(datetime(2024, 3, 1, 9, 0, tzinfo=UTC))


def _batch(ids: list[str], names: dict[str, str] | None = None):
    b = BatchBuilder("telegram")
    b.group(group_key="telegram:1", external_id="1", name="读书会", chat_type="group")
    for person, name in (names or {"user1": "张三"}).items():
        b.identity(identity_id=person, name=name)
    for i, mid in enumerate(ids):
        b.message(
            group_key="telegram:1",
            message_id=mid,
            sent_at=T0 + i * 1_000_000,
            sender_id="user1",
            sender_name="张三",
            kind="text",
            text=f"消息 {mid}",
        )
    return b.build()


def test_frame_fills_missing_columns_and_converts_microseconds():
    df = frame("messages", {"message_id": ["7"], "sent_at": [T0]})
    assert df.schema == pl.Schema(SCHEMAS["messages"])
    assert df.row(0, named=True)["sent_at"] == datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    assert df.row(0, named=True)["text"] is None


def test_frame_rejects_unknown_columns():
    with pytest.raises(ValueError, match="unknown columns"):
        frame("messages", {"nonsense": [1]})


def test_builder_resets_after_build():
    b = BatchBuilder("qq")
    b.message(
        group_key="qq:x", message_id="1", sent_at=T0, sender_id="1", sender_name="a", kind="text"
    )
    assert b.message_count == 1
    first = b.build()
    assert first.messages.height == 1
    assert b.build().messages.height == 0


def test_merge_keeps_each_message_once_across_overlapping_batches():
    merged = merge([_batch(["1", "2", "3"]), _batch(["2", "3", "4"]), _batch(["1"])])
    assert merged.messages.get_column("message_id").to_list() == ["1", "2", "3", "4"]
    assert merged.groups.height == 1
    assert merged.identities.height == 1


def test_merge_takes_the_latest_known_identity_name():
    old = _batch(["1"], {"user1": "张三"})
    new = _batch(["2"], {"user1": "张三丰"})
    merged = merge([old, new])
    assert merged.identities.select("identity_id", "name").rows() == [("user1", "张三丰")]


def test_merge_ranks_roles_owner_first():
    a = BatchBuilder("slack")
    a.membership(group_key="slack:C1", identity_id="U1", name="ann", role="member")
    b = BatchBuilder("slack")
    b.membership(group_key="slack:C1", identity_id="U1", name=None, role="owner")
    merged = merge([a.build(), b.build()])
    assert merged.memberships.rows() == [("slack:C1", "U1", "ann", "owner")]


def test_synthetic_ids_are_stable_and_separate_repeats():
    counter = OccurrenceCounter()
    first = synthetic_message_id(T0, "Ann", "+1", counter.next(T0, "Ann", "+1"))
    second = synthetic_message_id(T0, "Ann", "+1", counter.next(T0, "Ann", "+1"))
    again = synthetic_message_id(T0, "Ann", "+1", OccurrenceCounter().next(T0, "Ann", "+1"))
    assert first != second
    assert first == again
    assert first.startswith("h:")
