import pytest

from shequn.apps.tenancy.models import Role

from .factories import make_user, make_workspace


@pytest.fixture
def workspace(db):
    return make_workspace("读书会运营团队")


@pytest.fixture
def other_workspace(db):
    return make_workspace("别人的工作区")


@pytest.fixture
def operator(workspace):
    return make_user(workspace, Role.OPERATOR)


@pytest.fixture
def viewer(workspace):
    return make_user(workspace, Role.VIEWER)


@pytest.fixture
def outsider(other_workspace):
    return make_user(other_workspace, Role.OWNER)


# ---- ingest, people, rollups, jobs (P1) -------------------------------------------------------


@pytest.fixture(scope="session")
def sim_export(tmp_path_factory):
    """Three simulated Telegram groups, ~3000 messages (shared by the ingest/rollup tests)."""
    from .factories import simulate_export

    return simulate_export(tmp_path_factory.mktemp("sim") / "export")


@pytest.fixture
def immediate_jobs():
    """Huey runs tasks at once, in-process (its immediate mode), for the duration of a test."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield HUEY
    HUEY.immediate = previous


@pytest.fixture
def external_store(tmp_path):
    """A fresh, migrated database outside pytest-django's test database, for tests that run
    `shequn` in subprocesses: a SQLite file, or a new PostgreSQL database on the PostgreSQL
    pass (SHEQUN_DATABASE_URL set). Yields (env for subprocesses, sql(query) -> rows)."""
    import os
    import sqlite3
    import subprocess
    import sys
    import uuid

    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEQUN_")}
    env["SHEQUN_DATA_DIR"] = str(tmp_path / "data")
    env["DJANGO_SETTINGS_MODULE"] = "shequn.server.settings"
    env["PYTHONUNBUFFERED"] = "1"
    pg_url = os.environ.get("SHEQUN_DATABASE_URL")
    admin = None
    name = ""
    if pg_url:
        import psycopg

        name = f"shequn_p1_{uuid.uuid4().hex[:10]}"
        base, _, _db = pg_url.rpartition("/")
        admin = psycopg.connect(pg_url, autocommit=True)
        admin.execute(f'CREATE DATABASE "{name}"')
        env["SHEQUN_DATABASE_URL"] = f"{base}/{name}"

        def sql(query, params=()):
            with psycopg.connect(env["SHEQUN_DATABASE_URL"]) as conn:
                return conn.execute(query, params).fetchall()

    else:

        def sql(query, params=()):
            conn = sqlite3.connect(tmp_path / "data" / "shequn.sqlite3", timeout=30)
            try:
                return conn.execute(query.replace("%s", "?"), params).fetchall()
            finally:
                conn.close()

    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True, timeout=300
    )
    yield env, sql
    if admin is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
