"""Simulate, write each export format, import it with shequn.importers and compare with the
ground truth (docs/simulate.md, Round trips)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shequn.importers import import_paths
from shequn.simulate.generate import generate
from shequn.simulate.model import SimConfig
from shequn.simulate.writers import FORMATS, write_export

from .conftest import read_json

CONFIG = SimConfig(seed=5, groups=4, messages=3_000)


@pytest.fixture(scope="module", params=FORMATS)
def imported(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    fmt = request.param
    out = tmp_path_factory.mktemp(fmt)
    written = write_export(generate(CONFIG), fmt, out)
    report = import_paths([str(out)])
    return fmt, written, read_json(written.truth), report


def test_every_written_file_is_imported_without_error(imported: Any) -> None:
    _fmt, written, _truth, report = imported
    assert report.errors == []
    assert sum(n for _label, _platform, n in report.exports) == len(report.canonical.messages)
    assert written.truth.name == "truth.json"
    assert all(Path(p).exists() for p in written.paths)


def test_group_keys_and_message_counts(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    msgs = report.canonical.messages.filter(pl.col("kind") != "system")
    got = dict(msgs.group_by("group_key").len().iter_rows())
    assert got == {g["key"]: g["messages"] for g in truth["groups"]}
    assert set(report.canonical.groups.get_column("group_key").to_list()) == set(got)


def test_messages_per_person(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    msgs = report.canonical.messages.filter(pl.col("kind") != "system")
    got = {(k, s): n for k, s, n in msgs.group_by("group_key", "sender_id").len().iter_rows()}
    want = {
        (g["key"], p["id"]): p["messages"]
        for g in truth["groups"]
        for p in g["people"]
        if p["messages"]
    }
    assert got == want


def test_membership_events(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    events = report.canonical.membership_events
    got = {(k, kind): n for k, kind, n in events.group_by("group_key", "kind").len().iter_rows()}
    want = {(g["key"], kind): n for g in truth["groups"] for kind, n in g["events"].items() if n}
    assert got == want


def test_who_joined_and_who_brought_them(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    caps = truth["capabilities"]
    joins = report.canonical.membership_events.filter(pl.col("kind") == "join")
    if not caps["joins"]:
        assert joins.height == 0
        return
    # Formats whose service lines name people only (Telegram, WeChat) are compared by name.
    who, by = ("identity_id", "actor_id") if caps["join_ids"] else ("identity_name", "actor_name")
    field = "id" if caps["join_ids"] else "name"
    got = set(joins.select("group_key", who).iter_rows())
    want = {
        (g["key"], p[field])
        for g in truth["groups"]
        for p in g["people"]
        if p["join_source"] != "creator"
    }
    assert got == want
    if caps["join_actor"]:
        invited = {
            (k, subject): actor
            for k, subject, actor, source in joins.select(
                "group_key", who, by, "source"
            ).iter_rows()
            if source == "invite"
        }
        expected = {}
        for g in truth["groups"]:
            field_of = {p["id"]: p[field] for p in g["people"]}
            for p in g["people"]:
                if p["join_source"] == "invite":
                    expected[(g["key"], p[field])] = field_of[p["invited_by"]]
        assert invited == expected


def test_replies_received(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    msgs = report.canonical.messages
    targets = msgs.select(
        "group_key", pl.col("message_id").alias("reply_to"), pl.col("sender_id").alias("target")
    )
    replies = (
        msgs.filter(pl.col("reply_to").is_not_null() & (pl.col("kind") != "system"))
        .join(targets, on=["group_key", "reply_to"])
        .filter(pl.col("target") != pl.col("sender_id"))
    )
    got = {(k, t): n for k, t, n in replies.group_by("group_key", "target").len().iter_rows()}
    want = {
        (g["key"], p["id"]): p["replies_received"]
        for g in truth["groups"]
        for p in g["people"]
        if p["replies_received"]
    }
    assert got == want
    # The truth says which formats carry replies at all.
    assert bool(want) == (truth["capabilities"]["replies"] is not None)


def test_reactions(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    reactions = report.canonical.reactions
    msgs = report.canonical.messages.select("group_key", "message_id", "sender_id")
    per_author = (
        reactions.join(msgs, on=["group_key", "message_id"])
        .group_by("group_key", "sender_id")
        .agg(pl.col("count").sum())
    )
    got = {(k, s): n for k, s, n in per_author.iter_rows()}
    want = {
        (g["key"], p["id"]): p["reactions_received"]
        for g in truth["groups"]
        for p in g["people"]
        if p["reactions_received"]
    }
    assert got == want
    assert bool(want) == truth["capabilities"]["reactions"]


def test_the_staff_roles_the_export_shows(imported: Any) -> None:
    _fmt, _written, truth, report = imported
    shown = set(truth["capabilities"]["roles"])
    roles = report.canonical.memberships.filter(pl.col("role").is_in(["owner", "admin"]))
    got = {
        (k, who): role
        for k, who, role in roles.select("group_key", "identity_id", "role").iter_rows()
    }
    want = {
        (g["key"], p["id"]): p["role"]
        for g in truth["groups"]
        for p in g["people"]
        if p["role"] in shown
    }
    assert got == want
