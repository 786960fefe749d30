"""Django set-up for command-line entry points (`shequn import`, `shequn worker`). See
docs/ingest.md (Command line)."""

from __future__ import annotations

import os


class NotMigrated(RuntimeError):
    """The database has migrations that were never applied."""


def setup_django(*, migrate: bool | None = None) -> None:
    """Configure Django from shequn's settings. With `migrate` (default: only for the embedded
    SQLite database) pending migrations are applied; otherwise they raise NotMigrated, since
    several workers starting at once must not race to migrate a shared PostgreSQL."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.server.settings")
    import django
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not pending:
        return
    if migrate is None:
        migrate = connection.vendor == "sqlite"
    if not migrate:
        raise NotMigrated(
            f"the database has {len(pending)} unapplied migrations; run "
            "`DJANGO_SETTINGS_MODULE=shequn.server.settings python -m django migrate` "
            "(or `shequn import --migrate …`) once"
        )
    call_command("migrate", interactive=False, verbosity=0)
