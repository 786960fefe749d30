"""Shapes of the REST API's answers (docs/api.md). The group metrics are the analysis document's
group object (`shequn.analysis/1`, docs/analysis.schema.json) as the last snapshot stored it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from ninja import Schema


class Error(Schema):
    detail: Any


class Health(Schema):
    status: str
    database: str
    version: str


class WorkspaceOut(Schema):
    slug: str
    name: str
    role: str


class Me(Schema):
    kind: str
    name: str
    workspaces: list[WorkspaceOut]


class Indicator(Schema):
    name: str
    value: float | None
    bar: float | None
    status: str
    reason: str
    reason_en: str


class GroupOut(Schema):
    id: int
    name: str
    platform: str
    funnel_role: str
    health_score: int | None
    lifecycle_stage: str
    lifecycle_reason: str
    members: int
    messages: int
    as_of: datetime | None
    open_alerts: int
    indicators: list[Indicator]


class GroupPage(Schema):
    count: int
    page: int
    pages: int
    items: list[GroupOut]


class GroupMetrics(Schema):
    group_id: int
    as_of: datetime
    computed_at: datetime
    health_score: int | None
    lifecycle_stage: str
    analysis: dict[str, Any]


class DayOut(Schema):
    day: date
    messages: int
    speakers: int
    staff_messages: int
    joins: int
    leaves: int


class IdentityOut(Schema):
    id: int
    platform: str
    external_id: str
    name: str
    handle: str
    is_bot: bool


class PersonOut(Schema):
    id: int
    display_name: str
    tier: str
    is_staff_marked: bool
    identities: int


class PersonPage(Schema):
    count: int
    page: int
    pages: int
    items: list[PersonOut]


class PersonDetail(Schema):
    id: int
    display_name: str
    tier: str
    is_staff_marked: bool
    identities: list[IdentityOut]
    groups: list[int]
    messages: int
    replies_received: int
    active_days: int


class AlertOut(Schema):
    id: int
    group_id: int | None
    code: str
    severity: str
    message: str
    evidence: dict[str, Any]
    created_at: datetime
    resolved_at: datetime | None


class ImportOut(Schema):
    id: int
    label: str
    status: str
    messages_seen: int
    messages_new: int
    batches_done: int
    errors: list[Any]
    created_at: datetime
    finished_at: datetime | None
