"""Ingest: exports → the store, idempotent, batch-atomic, crash-safe (docs/ingest.md)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from shequn.apps.chat.actions import do_import_export
from shequn.apps.chat.models import ImportRun, Membership, MembershipEvent, Message, Reaction
from shequn.apps.chat.selectors import get_group_canonical
from shequn.apps.community.models import Group
from shequn.apps.insights.actions import do_compute_group_snapshot
from shequn.apps.people.models import Identity, Person
from shequn.importers import ImportOptions, import_paths
from shequn.importers.canonical import Canonical

from .factories import chat_batch, ingest, simulate_export

TABLES = ("groups", "identities", "memberships", "messages", "reactions", "membership_events")
# Topic clustering is not deterministic run to run (analytics); everything else must match.
TOPIC_KEYS = {"topics", "split_suggested", "split_reason", "split_reason_en", "recommendations"}


def counts(workspace):
    return {
        "messages": Message.objects.filter(workspace=workspace).count(),
        "reactions": Reaction.objects.filter(workspace=workspace).count(),
        "events": MembershipEvent.objects.filter(workspace=workspace).count(),
        "memberships": Membership.objects.filter(workspace=workspace).count(),
        "identities": Identity.objects.filter(workspace=workspace).count(),
        "people": Person.objects.filter(workspace=workspace).count(),
        "groups": Group.objects.filter(workspace=workspace).count(),
    }


def test_an_import_stores_every_fact_once_and_a_reimport_adds_nothing(workspace, sim_export):
    expected = import_paths([str(sim_export)]).canonical

    first = do_import_export(workspace=workspace, path=sim_export)
    stored = counts(workspace)
    again = do_import_export(workspace=workspace, path=sim_export)

    assert (first.status, first.errors) == (ImportRun.Status.DONE, [])
    assert first.messages_new == first.messages_seen == expected.messages.height
    assert (again.status, again.messages_new, again.messages_seen) == (
        ImportRun.Status.DONE,
        0,
        expected.messages.height,
    )
    assert counts(workspace) == stored
    assert stored["messages"] == expected.messages.height
    assert stored["reactions"] == expected.reactions.height
    assert stored["events"] == expected.membership_events.height
    assert stored["groups"] == expected.groups.height
    assert stored["people"] == stored["identities"]
    assert again.stats["messages"] == 0 and first.stats["messages"] == stored["messages"]


def test_the_store_reads_back_as_the_analysis_of_the_export(workspace, sim_export):
    do_import_export(workspace=workspace, path=sim_export)
    expected = import_paths([str(sim_export)]).canonical

    for group in Group.objects.filter(workspace=workspace):
        stored = get_group_canonical(workspace=workspace, group=group)
        mine = {t: stored.table(t).filter(pl.col("group_key") == group.key) for t in TABLES[2:]}
        theirs = {t: expected.table(t).filter(pl.col("group_key") == group.key) for t in TABLES[2:]}
        for t in ("messages", "membership_events"):
            key = "message_id" if t == "messages" else "event_id"
            assert mine[t].height == theirs[t].height
            assert (
                mine[t]
                .sort(key)
                .equals(
                    theirs[t].sort(key).with_columns(pl.col("text").fill_null(""))
                    if t == "messages"
                    else theirs[t].sort(key)
                )
            ), t

        snapshot = do_compute_group_snapshot(workspace=workspace, group=group)
        alone = Canonical(
            **{
                t: (
                    expected.table(t).filter(pl.col("group_key") == group.key)
                    if "group_key" in expected.table(t).columns
                    else expected.table(t)
                )
                for t in TABLES
            }
        )
        from shequn.analytics.contract import build_analysis

        reference = build_analysis(alone, timezone=group.timezone)["groups"][0]
        entry = {k: v for k, v in snapshot.analysis.items() if k not in TOPIC_KEYS | {"as_of"}}
        assert entry == {k: v for k, v in reference.items() if k not in TOPIC_KEYS}


def test_overlapping_batches_never_duplicate(workspace):
    a = chat_batch(
        messages=[(str(i), f"2024-06-0{i}T10:00:00+08:00", "u1", f"m{i}") for i in (1, 2, 3)]
    )
    b = chat_batch(
        messages=[(str(i), f"2024-06-0{i}T10:00:00+08:00", "u2", f"m{i}") for i in (2, 3, 4, 5)]
    )

    first, second = ingest(workspace, a, b)

    assert (first.new["messages"], second.new["messages"]) == (3, 2)
    ids = Message.objects.filter(workspace=workspace).values_list("platform_message_id", flat=True)
    assert sorted(ids) == ["1", "2", "3", "4", "5"]
    # The first sighting of a message wins: 2 and 3 stay u1's.
    assert (
        Message.objects.get(workspace=workspace, platform_message_id="2").identity.external_id
        == "u1"
    )


def test_an_overlap_the_key_probe_misses_and_duplicates_inside_a_batch_are_skipped(workspace):
    # The bulk path probes a sample of a batch's keys and inserts optimistically when none is
    # stored; a stored row between the probes, or a key twice in one batch, must fall back.
    day = "2024-06-{:02d}T10:00:00+08:00"
    stored = chat_batch(messages=[("2", day.format(2), "u1", "old")])
    big = chat_batch(
        messages=[(str(i), day.format(1 + i % 28), "u2", f"m{i}") for i in range(1, 301)]
    )
    twice = chat_batch(
        messages=[
            *[(f"t{i}", day.format(1 + i % 28), "u3", "first") for i in range(300)],
            ("t7", day.format(9), "u3", "again"),
        ]
    )

    first, second, third = ingest(workspace, stored, big, twice)

    assert (first.new["messages"], second.new["messages"], third.new["messages"]) == (1, 299, 300)
    assert Message.objects.filter(workspace=workspace).count() == 600
    assert Message.objects.get(workspace=workspace, platform_message_id="2").text == "old"
    assert Message.objects.get(workspace=workspace, platform_message_id="t7").text == "first"
    # Every local day that got a new message is dirty (28 days of June, Asia/Shanghai).
    assert {d.day for days in second.dirty.values() for d in days} == set(range(1, 29))
    assert sum(len(days) for days in third.dirty.values()) == 28


def test_the_same_platform_id_in_two_groups_is_one_person(workspace, other_workspace):
    ingest(
        workspace,
        chat_batch("telegram:1", [("1", "2024-06-01T10:00:00+00:00", "u7", "hi")]),
        chat_batch("telegram:2", [("1", "2024-06-02T10:00:00+00:00", "u7", "hi")]),
    )
    ingest(
        other_workspace, chat_batch("telegram:1", [("1", "2024-06-01T10:00:00+00:00", "u7", "x")])
    )

    ident = Identity.objects.get(workspace=workspace, external_id="u7")
    assert Person.objects.filter(workspace=workspace).count() == 1
    assert Membership.objects.filter(workspace=workspace, identity=ident).count() == 2
    # Tenants never share rows, even for the same platform id.
    assert Identity.objects.get(workspace=other_workspace, external_id="u7").pk != ident.pk


def test_membership_spans_follow_the_events_of_every_import(workspace):
    ingest(workspace, chat_batch(events=[("e1", "2024-06-01T10:00:00+00:00", "join", "u1")]))
    m = Membership.objects.get(workspace=workspace, identity__external_id="u1")
    assert (m.joined_at.isoformat(), m.left_at) == ("2024-06-01T10:00:00+00:00", None)

    ingest(workspace, chat_batch(events=[("e2", "2024-06-05T10:00:00+00:00", "leave", "u1")]))
    m.refresh_from_db()
    assert m.left_at.isoformat() == "2024-06-05T10:00:00+00:00"

    ingest(workspace, chat_batch(events=[("e3", "2024-06-09T10:00:00+00:00", "join", "u1")]))
    m.refresh_from_db()
    assert (m.joined_at.isoformat(), m.left_at) == ("2024-06-09T10:00:00+00:00", None)


def test_a_bad_file_is_reported_by_name_and_the_good_ones_are_kept(workspace, sim_export, tmp_path):
    folder = tmp_path / "mixed"
    shutil.copytree(sim_export, folder)
    victim = sorted(folder.glob("*/result.json"))[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # cut off mid-message
    good = import_paths([str(p) for p in sorted(folder.glob("*/result.json"))[1:]]).canonical

    run = do_import_export(workspace=workspace, path=folder, options=ImportOptions(batch_size=200))

    assert run.status == ImportRun.Status.PARTIAL
    assert [str(victim) in e["file"] for e in run.errors] == [True]
    assert run.errors[0]["message"]
    # The good exports are whole; the cut one keeps the batches read before the damage.
    bad_key = import_paths([str(sorted(sim_export.glob("*/result.json"))[0])]).canonical
    bad_group = bad_key.groups.get_column("group_key")[0]
    for key in good.groups.get_column("group_key"):
        expected = good.messages.filter(pl.col("group_key") == key).height
        assert Message.objects.filter(workspace=workspace, group__key=key).count() == expected
    kept = Message.objects.filter(workspace=workspace, group__key=bad_group).count()
    assert kept < bad_key.messages.height


def test_a_missing_path_fails_the_run_with_its_name(workspace, tmp_path):
    run = do_import_export(workspace=workspace, path=tmp_path / "nope.json")

    assert run.status == ImportRun.Status.FAILED
    assert run.errors[0]["file"].endswith("nope.json")
    assert run.finished_at is not None


# -- a real crash --------------------------------------------------------------------------------


def _shequn(*args):
    return [sys.executable, "-m", "shequn", *args]


@pytest.mark.slow
def test_kill_9_mid_import_keeps_whole_batches_and_a_rerun_completes(tmp_path, external_store):
    env, sql = external_store
    export = simulate_export(tmp_path / "big", groups=2, messages=60_000, seed=11)
    cmd = _shequn(
        "import", "--workspace", "crash", "--create-workspace", "--batch-size", "500",
        "--refresh", "none", str(export),
    )  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    batches = 0
    while time.monotonic() < deadline and proc.poll() is None:
        rows = sql("SELECT batches_done FROM chat_importrun")
        batches = rows[0][0] if rows else 0
        if batches >= 5:
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the import finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    ((status, done, seen, new),) = sql(
        "SELECT status, batches_done, messages_seen, messages_new FROM chat_importrun"
    )
    stored = sql("SELECT count(*) FROM chat_message")[0][0]
    assert status == "running" and done >= 5
    # Every committed batch is whole and counted; nothing of the batch in flight is there.
    assert stored == new == seen
    assert sql("SELECT count(*) FROM insights_dirtyday")[0][0] > 0

    subprocess.run(cmd, env=env, check=True, timeout=600, capture_output=True)
    clean = [*cmd]
    clean[clean.index("crash")] = "clean"
    subprocess.run(clean, env=env, check=True, timeout=600, capture_output=True)

    def totals(slug):
        query = (
            "SELECT (SELECT count(*) FROM chat_message m WHERE m.workspace_id = w.id), "
            "(SELECT count(*) FROM chat_reaction r WHERE r.workspace_id = w.id), "
            "(SELECT count(*) FROM chat_membershipevent e WHERE e.workspace_id = w.id), "
            "(SELECT count(*) FROM chat_membership b WHERE b.workspace_id = w.id), "
            "(SELECT count(*) FROM people_identity i WHERE i.workspace_id = w.id), "
            "(SELECT count(*) FROM people_person p WHERE p.workspace_id = w.id) "
            "FROM tenancy_workspace w WHERE w.slug = %s"
        )
        return sql(query, (slug,))[0]

    assert totals("crash") == totals("clean")
    assert totals("clean")[0] > 50_000
    statuses = [r[0] for r in sql("SELECT status FROM chat_importrun ORDER BY id")]
    assert statuses == ["running", "done", "done"]


def test_cli_import_names_a_bad_file_and_exits_non_zero(tmp_path, external_store):
    env, _sql = external_store
    bad = tmp_path / "result.json"
    bad.write_text(json.dumps({"name": "x", "type": "private_supergroup", "id": 1}) + "{{{")

    done = subprocess.run(
        _shequn("import", "--workspace", "w", "--create-workspace", str(bad)),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert "result.json" in done.stderr and "Traceback" not in done.stderr
    assert Path(bad).exists()
