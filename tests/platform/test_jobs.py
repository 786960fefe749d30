"""Jobs: the upload import task and per-group refresh tasks, in-process and on Redis with two
`shequn worker` processes (docs/architecture.md, Jobs)."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from shequn.apps.chat.actions import do_create_import_run
from shequn.apps.chat.models import ImportRun
from shequn.apps.chat.selectors import get_import_run
from shequn.apps.chat.tasks import enqueue_import
from shequn.apps.community.models import Group
from shequn.apps.insights.models import DirtyDay, GroupDayRollup, GroupSnapshot


def test_an_enqueued_upload_imports_and_refreshes_every_group(
    workspace, operator, sim_export, immediate_jobs
):
    run = do_create_import_run(
        workspace=workspace, path=sim_export, label="upload.zip", created_by=operator
    )
    assert run.status == ImportRun.Status.QUEUED

    enqueue_import(run.pk)

    run = get_import_run(workspace=workspace, run_id=run.pk)
    assert (run.status, run.exports_done, run.exports_total) == ("done", 3, 3)
    groups = Group.objects.filter(workspace=workspace)
    assert GroupSnapshot.objects.filter(group__in=groups).count() == groups.count() == 3
    assert GroupDayRollup.objects.filter(workspace=workspace).exists()
    assert not DirtyDay.objects.filter(workspace=workspace).exists()
    # A finished run is not run twice (a retried or duplicated job is harmless).
    enqueue_import(run.pk)
    assert get_import_run(workspace=workspace, run_id=run.pk).finished_at == run.finished_at


def test_a_run_is_invisible_from_another_workspace(workspace, other_workspace, sim_export):
    run = do_create_import_run(workspace=workspace, path=sim_export)

    with pytest.raises(ImportRun.DoesNotExist):
        get_import_run(workspace=other_workspace, run_id=run.pk)


def _redis_url():
    import redis

    base = os.environ.get("SHEQUN_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    url = base.rsplit("/", 1)[0] + f"/{random.randint(1, 15)}"
    client = redis.Redis.from_url(url)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {base} (scripts/services.sh starts one)")
    client.flushdb()
    return url, client


@pytest.mark.slow
def test_two_workers_on_redis_share_the_per_group_tasks(tmp_path, external_store, sim_export):
    env, sql = external_store
    url, client = _redis_url()
    env = {**env, "SHEQUN_REDIS_URL": url}
    queue = (
        "from shequn.server.bootstrap import setup_django; setup_django();"
        "from shequn.apps.tenancy.actions import do_create_workspace;"
        "from shequn.apps.chat.actions import do_create_import_run;"
        "from shequn.apps.chat.tasks import enqueue_import;"
        "ws = do_create_workspace(name='jobs', slug='jobs');"
        f"run = do_create_import_run(workspace=ws, path={str(sim_export)!r});"
        "enqueue_import(run.pk)"
    )
    subprocess.run([sys.executable, "-c", queue], env=env, check=True, timeout=120)
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "shequn", "worker", "--verbose"],
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
        )
        for log in logs
    ]
    try:
        deadline = time.monotonic() + 150
        while time.monotonic() < deadline:
            snapshots = sql("SELECT count(*) FROM insights_groupsnapshot")[0][0]
            dirty = sql("SELECT count(*) FROM insights_dirtyday")[0][0]
            status = sql("SELECT status FROM chat_importrun")[0][0]
            if status == "done" and snapshots == 3 and dirty == 0:
                break
            assert all(w.poll() is None for w in workers), "a worker died"
            time.sleep(0.5)
        else:
            pytest.fail("the workers did not finish: " + logs[0].read_text()[-2000:])
    finally:
        for w in workers:
            w.send_signal(signal.SIGINT)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        client.flushdb()

    states = sql("SELECT DISTINCT status FROM insights_fillstate")
    assert states == [("done",)]
    assert sql("SELECT count(*) FROM insights_groupdayrollup")[0][0] > 0
    executed = [log.read_text().count("Executing shequn.apps.insights.tasks") for log in logs]
    # Three groups, two tasks each, spread over both processes.
    assert sum(executed) >= 6 and all(n > 0 for n in executed), executed
    assert (
        sum(log.read_text().count("Executing shequn.apps.chat.tasks.run_import") for log in logs)
        == 1
    )
