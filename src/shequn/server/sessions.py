"""Database sessions that ignore malformed session cookies.

Django's keys are 32 characters of [a-z0-9]; a forged cookie with other characters (a NUL
byte, which PostgreSQL refuses in a text literal) would otherwise reach the database and turn
into a server error. Such a cookie now simply means "no session"."""

from __future__ import annotations

import re

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore

_KEY = re.compile(r"^[a-z0-9]{8,64}$")


class SessionStore(DbSessionStore):
    def _validate_session_key(self, key: str | None) -> bool:
        return bool(key) and bool(_KEY.match(key or ""))
