"""Back-office page latency: the overview and group pages of a workspace with 1,000 groups and
5M messages, served by `shequn serve` (waitress) and loaded over loopback by a pool of HTTP
clients (keep-alive connections, one per client thread). Prints p50/p95/p99 per page and
concurrency. Goal (issue 4 item 11): p95 ≤ 200 ms.

The state is built directly, as the jobs would leave it: pages read rollups and snapshots only
(DESIGN.md, STYLE.md), so the benchmark writes 1,000 GroupSnapshots (real analysis documents
of simulated groups, varied), 180 days of GroupDayRollup per group summing to 5M messages,
people and identities, and open alerts. No raw message is read by these pages.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import OUT, simulated_export

STAGES = ("forming", "growing", "active", "declining", "dormant")


def build_state(data_dir: Path, groups: int, messages: int, seed: int) -> dict[str, object]:
    """Runs in this process with Django set up on `data_dir`; returns what the load needs."""
    os.environ["SHEQUN_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.server.settings")
    from shequn.server.bootstrap import setup_django

    setup_django(migrate=True)
    from datetime import UTC, date, datetime, timedelta

    from django.contrib.auth import get_user_model
    from django.db import transaction

    from shequn.analytics.contract import build_analysis
    from shequn.apps.community.models import Group
    from shequn.apps.insights.models import Alert, GroupDayRollup, GroupSnapshot
    from shequn.apps.people.models import Identity, Person
    from shequn.apps.tenancy.actions import (
        do_create_workspace,
        do_delete_workspace,
        do_set_workspace_member,
    )
    from shequn.apps.tenancy.models import Workspace
    from shequn.importers import ImportOptions, import_paths

    rng = random.Random(seed)
    # Real analysis documents of simulated groups, reused with variations.
    export = simulated_export("telegram", 30_000, 8, seed)
    report = import_paths([str(export)], ImportOptions())
    templates = build_analysis(report.canonical)["groups"]

    old = Workspace.objects.filter(slug="bench").first()
    if old is not None:
        do_delete_workspace(workspace=old)
    users = get_user_model().objects
    user = users.filter(username="bench").first() or users.create_user("bench")
    user.set_password("bench-pages-password")
    user.save()
    ws = do_create_workspace(name="页面压测", slug="bench")
    do_set_workspace_member(workspace=ws, user=user, role="owner")

    per_group = messages // groups
    first_day = date(2024, 1, 3)
    days = 180
    as_of = datetime(2024, 7, 1, tzinfo=UTC)
    with transaction.atomic():
        group_rows = Group.objects.bulk_create(
            Group(
                workspace=ws,
                key=f"telegram:{1_000_000 + i}",
                platform="telegram",
                external_id=str(1_000_000 + i),
                name=f"{templates[i % len(templates)]['name']} {i + 1}",
            )
            for i in range(groups)
        )
        snapshots, rollups, alerts, people, identities = [], [], [], [], []
        for i, group in enumerate(group_rows):
            entry = json.loads(json.dumps(templates[i % len(templates)]))
            stage = STAGES[rng.randrange(len(STAGES))]
            health = rng.randint(5, 100)
            entry.update(name=group.name, key=group.key, lifecycle_stage=stage)
            entry.update(health_score=health, messages=per_group)
            snapshots.append(
                GroupSnapshot(
                    workspace=ws,
                    group=group,
                    as_of=as_of,
                    health_score=health,
                    lifecycle_stage=stage,
                    weekly_active_rate=entry.get("weekly_active_rate"),
                    independent_rounds_7d=entry.get("independent_rounds_7d"),
                    members=entry.get("members") or 0,
                    messages=per_group,
                    analysis=entry,
                    summary=GroupSnapshot.summary_of(entry),  # bulk_create skips save()
                )
            )
            weights = [rng.random() for _ in range(days)]
            scale = per_group / sum(weights)
            for d, w in enumerate(weights):
                n = int(w * scale)
                rollups.append(
                    GroupDayRollup(
                        workspace=ws,
                        group=group,
                        day=first_day + timedelta(days=d),
                        messages=n,
                        speakers=max(1, n // 6),
                        staff_messages=n // 20,
                        joins=rng.randint(0, 3),
                        leaves=rng.randint(0, 1),
                    )
                )
            if stage in ("declining", "dormant"):
                alerts.append(
                    Alert(
                        workspace=ws,
                        group=group,
                        code=stage,
                        severity="critical" if stage == "dormant" else "warning",
                        message=entry.get("lifecycle_reason") or stage,
                    )
                )
            for p in entry.get("people") or []:
                people.append(Person(workspace=ws, display_name=p.get("name") or p["id"]))
                identities.append((group.pk, p))
        GroupSnapshot.objects.bulk_create(snapshots, batch_size=200)
        GroupDayRollup.objects.bulk_create(rollups, batch_size=5000)
        Alert.objects.bulk_create(alerts, batch_size=1000)
        Person.objects.bulk_create(people, batch_size=5000)
        Identity.objects.bulk_create(
            (
                Identity(
                    workspace=ws,
                    person=person,
                    platform="telegram",
                    external_id=f"{gid}-{p['id']}",
                    name=person.display_name,
                )
                for person, (gid, p) in zip(people, identities, strict=True)
            ),
            batch_size=5000,
        )
    return {
        "group_ids": [g.pk for g in group_rows],
        "rollups": len(rollups),
        "people": len(people),
        "messages": per_group * groups,
    }


def start_server(data_dir: Path, threads: int) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "SHEQUN_DATA_DIR": str(data_dir), "PYTHONUNBUFFERED": "1"}
    cmd = [sys.executable, "-c", "from shequn.cli import main; main()", "serve"]
    cmd += ["--port", "0", "--no-jobs", "--threads", str(threads)]
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if found := re.search(r"http://(127\.0\.0\.1:\d+)/", line):
            return proc, found.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit("shequn serve did not start")


def log_in(host: str) -> str:
    """The session cookie of the bench user, through the real login form."""
    conn = http.client.HTTPConnection(host, timeout=30)
    conn.request("GET", "/login/")
    page = conn.getresponse()
    body = page.read().decode()
    csrf = re.search(r"csrftoken=([^;]+)", page.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert csrf and token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"username": "bench", "password": "bench-pages-password", "csrfmiddlewaretoken": token[1]}
    )
    conn.request(
        "POST",
        "/login/",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={csrf[1]}",
            "Referer": f"http://{host}/login/",
        },
    )
    answer = conn.getresponse()
    answer.read()
    session = re.search(r"sessionid=([^;]+)", answer.getheader("Set-Cookie") or "")
    assert answer.status == 302 and session, f"login failed ({answer.status})"
    return f"sessionid={session[1]}; csrftoken={csrf[1]}"


def load(host: str, cookie: str, paths: list[str], concurrency: int) -> list[float]:
    """Latency (ms) of every request; each client thread keeps one keep-alive connection."""
    chunks = [paths[i::concurrency] for i in range(concurrency)]

    def client(chunk: list[str]) -> list[float]:
        conn = http.client.HTTPConnection(host, timeout=60)
        times = []
        for path in chunk:
            t0 = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
            response = conn.getresponse()
            response.read()
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status == 200, f"{path}: {response.status}"
        conn.close()
        return times

    with ThreadPoolExecutor(concurrency) as pool:
        return [t for times in pool.map(client, chunks) for t in times]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server process (Linux /proc): the service time the
    requests cost, which a busy machine's run queue does not inflate the way it inflates
    wall-clock latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=5_000_000)
    parser.add_argument("--requests", type=int, default=300, help="per page kind and level")
    parser.add_argument("--concurrency", default="1,4,8")
    parser.add_argument("--threads", type=int, default=8, help="server threads")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="reuse the state of a previous run")
    args = parser.parse_args()

    data_dir = OUT / f"pages-{args.groups}-{args.messages}"
    state_file = data_dir / "state.json"
    if not (args.keep and state_file.exists()):
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True)
        t0 = time.perf_counter()
        state = build_state(data_dir, args.groups, args.messages, args.seed)
        state_file.write_text(json.dumps(state))
        print(
            f"state: {args.groups:,} groups, {state['messages']:,} messages in "
            f"{state['rollups']:,} day rollups, {state['people']:,} people "
            f"(built in {time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    state = json.loads(state_file.read_text())
    proc, host = start_server(data_dir, args.threads)
    try:
        cookie = log_in(host)
        rng = random.Random(args.seed)
        ids = state["group_ids"]
        kinds = {
            "overview": lambda: "/w/bench/",
            "overview p.7": lambda: "/w/bench/?page=7&sort=messages",
            "group": lambda: f"/w/bench/groups/{rng.choice(ids)}/",
            "api groups": lambda: "/api/workspaces/bench/groups?page=3",
        }
        load(host, cookie, [k() for k in kinds.values() for _ in range(10)], 2)  # warm up
        print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        print(
            f"{'page':<14} {'conc':>4} {'reqs':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
            f"{'req/s':>7} {'cpu ms/req':>10}  goal p95 ≤ 200 ms"
        )
        for concurrency in (int(c) for c in args.concurrency.split(",")):
            for name, make in kinds.items():
                paths = [make() for _ in range(args.requests)]
                t0, cpu0 = time.perf_counter(), cpu_seconds(proc.pid)
                times = load(host, cookie, paths, concurrency)
                wall = time.perf_counter() - t0
                cpu = (cpu_seconds(proc.pid) - cpu0) / len(times) * 1000
                p95 = pct(times, 95)
                print(
                    f"{name:<14} {concurrency:>4} {len(times):>5} {statistics.median(times):>8.1f} "
                    f"{p95:>8.1f} {pct(times, 99):>8.1f} {len(times) / wall:>7.1f} {cpu:>10.1f}  "
                    f"{'ok' if p95 <= 200 else 'over'}",
                    flush=True,
                )
        print(f"load average after: {os.getloadavg()[0]:.1f}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
