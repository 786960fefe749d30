"""Ingest and rollup-refresh figures on SQLite and PostgreSQL. Prints figures, asserts nothing.

    .venv/bin/python bench/bench_ingest.py [--messages 1000000] [--pg postgresql://…/postgres]

Ingest: a simulated Telegram export of N messages (20 groups) into an empty store; the time
of the importers alone (parsing) is printed beside it, so the store's share is visible.
Rollups: after the import and a full fill, one new day of messages arrives for every group;
the time to ingest it and refresh the rollups is printed for a small and a large history —
it should follow the size of the new day, not of the history (docs/ingest.md, Benchmarks).
Each database runs in its own subprocess (Django settings are per process).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "out" / "bench"


def simulated(messages: int, groups: int = 20) -> Path:
    out = CACHE / f"sim-telegram-{messages}-{groups}"
    if not (out / "truth.json").exists():
        from shequn.simulate.run import parse_as_of, simulate

        simulate(
            formats=["telegram"],
            out=out,
            groups=groups,
            messages=messages,
            seed=3,
            as_of=parse_as_of(None),
        )
    return out


def parse_only(path: Path) -> tuple[int, float]:
    from shequn.importers import ImportOptions, detect

    t = time.perf_counter()
    n = 0
    for export in detect(str(path)):
        for batch in export.read(ImportOptions()):
            n += batch.messages.height
    return n, time.perf_counter() - t


def run_target(args: argparse.Namespace) -> None:
    """In a subprocess whose environment selects the database."""
    from shequn.server.bootstrap import setup_django

    setup_django(migrate=True)
    from django.db import connection

    from shequn.apps.chat.actions import do_import_export
    from shequn.apps.community.models import Group
    from shequn.apps.insights.actions import do_fill_rollups
    from shequn.apps.tenancy.models import Workspace

    results: dict[str, object] = {"vendor": connection.vendor}
    for label, size in (("large", args.messages), ("small", args.small)):
        export = simulated(size)
        seen, parse_s = parse_only(export)
        ws = Workspace.objects.create(slug=f"bench-{label}", name=label)
        t = time.perf_counter()
        run = do_import_export(workspace=ws, path=export)
        import_s = time.perf_counter() - t
        t = time.perf_counter()
        for g in Group.objects.filter(workspace=ws):
            do_fill_rollups(workspace=ws, group=g)
        backfill_s = time.perf_counter() - t
        day_msgs, day_ingest_s, day_fill_s = new_day(ws, per_group=args.day_messages)
        results[label] = {
            "messages": run.messages_new,
            "parse_s": round(parse_s, 2),
            "import_s": round(import_s, 2),
            "msg_per_s": round(run.messages_new / import_s),
            "store_msg_per_s": round(run.messages_new / max(import_s - parse_s, 1e-9)),
            "rollup_backfill_s": round(backfill_s, 2),
            "new_day_messages": day_msgs,
            "new_day_ingest_s": round(day_ingest_s, 3),
            "new_day_rollup_refresh_s": round(day_fill_s, 3),
        }
        assert seen == run.messages_seen
    print(json.dumps(results))


def new_day(workspace, *, per_group: int) -> tuple[int, float, float]:
    """One more day of messages for every group, then the rollup refresh of that day."""
    from datetime import timedelta

    from shequn.apps.chat.ingest import BatchIngester
    from shequn.apps.chat.models import Message
    from shequn.apps.community.models import Group
    from shequn.apps.insights.actions import do_fill_rollups
    from shequn.importers.events import BatchBuilder, to_us

    builder = BatchBuilder("telegram")
    n = 0
    groups = list(Group.objects.filter(workspace=workspace))
    for g in groups:
        last = Message.objects.filter(group=g).order_by("-sent_at").first()
        if last is None:
            continue
        senders = list(
            Message.objects.filter(group=g, identity__isnull=False)
            .values_list("identity__external_id", flat=True)
            .distinct()[:50]
        )
        start = last.sent_at + timedelta(days=1)
        builder.group(group_key=g.key, external_id=g.external_id, name=g.name)
        for i in range(per_group):
            builder.message(
                group_key=g.key,
                message_id=f"bench-{i}",
                sent_at=to_us(start + timedelta(seconds=20 * i)),
                sender_id=senders[i % len(senders)],
                sender_name=None,
                kind="text",
                text=f"新的一天 第 {i} 条：大家觉得这个方案怎么样？",
            )
            n += 1
    t = time.perf_counter()
    BatchIngester(workspace).ingest(builder.build())
    ingest_s = time.perf_counter() - t
    t = time.perf_counter()
    for g in groups:
        do_fill_rollups(workspace=workspace, group=g)
    return n, ingest_s, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=50_000, help="the small history")
    parser.add_argument("--day-messages", type=int, default=200, help="new messages per group")
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "SHEQUN_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--target", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.target:
        run_target(args)
        return
    for size in (args.messages, args.small):
        t = time.perf_counter()
        simulated(size)
        print(f"simulated export of {size:,} messages ready ({time.perf_counter() - t:.1f} s)")
    targets = [t for t in ("sqlite", "postgresql") if args.only in (None, t)]
    for target in targets:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQUN_")}
        data = tempfile.mkdtemp(prefix="shequn-bench-")
        env["SHEQUN_DATA_DIR"] = data
        dbname = f"shequn_bench_{os.getpid()}"
        if target == "postgresql":
            import psycopg

            admin = psycopg.connect(args.pg, autocommit=True)
            admin.execute(f'CREATE DATABASE "{dbname}"')
            env["SHEQUN_DATABASE_URL"] = args.pg.rsplit("/", 1)[0] + "/" + dbname
        try:
            cmd = [sys.executable, __file__, "--target", target, *sys.argv[1:]]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                print(done.stderr[-3000:])
                continue
            report(json.loads(done.stdout.strip().splitlines()[-1]))
        finally:
            if target == "postgresql":
                admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
                admin.close()


def report(results: dict) -> None:
    vendor = results.pop("vendor")
    print(f"\n== {vendor}")
    for label, r in results.items():
        print(
            f"{label:>5}: {r['messages']:>9,} msgs imported in {r['import_s']:.1f} s "
            f"= {r['msg_per_s']:,} msg/s (parsing alone {r['parse_s']:.1f} s; store "
            f"{r['store_msg_per_s']:,} msg/s); rollup backfill {r['rollup_backfill_s']:.1f} s"
        )
        print(
            f"       new day: {r['new_day_messages']:,} msgs ingested in "
            f"{r['new_day_ingest_s']:.2f} s, rollups refreshed in "
            f"{r['new_day_rollup_refresh_s']:.2f} s"
        )


if __name__ == "__main__":
    main()
