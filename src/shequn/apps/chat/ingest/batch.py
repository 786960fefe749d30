"""One importer batch → the store, in one transaction. See docs/ingest.md.

Order inside the transaction: groups, identities (a new Identity gets a new Person: the same
platform id seen again is the same person, which is the only merge that happens on its own),
messages, membership events, reactions, memberships, then the rollups' dirty days. The caches
of group and identity ids live as long as the ingester (one import run) and are dropped when a
batch fails, since its rows were rolled back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl
from django.db import connection, transaction

from shequn.apps.chat.models import Membership, MembershipEvent, Message, Reaction
from shequn.apps.community.models import Group
from shequn.apps.people.models import Identity, Person
from shequn.apps.tenancy.models import Workspace
from shequn.importers.events import TABLES, Batch

from . import frames
from .store import BulkWriter, Inserted, db_value, writer

# How many display names an identity remembers (names_seen), newest last.
NAMES_SEEN_LIMIT = 20
# Parameters per IN (...) query, below SQLite's limit.
_CHUNK = 900

_IDENTITY_FIELDS = ("name", "names_seen", "handle", "phone", "is_bot")


@dataclass
class BatchResult:
    messages_seen: int = 0
    new: dict[str, int] = field(default_factory=dict)  # table → rows inserted
    # (group id, local day) that received new messages or membership events.
    dirty: dict[int, set[date]] = field(default_factory=lambda: defaultdict(set))
    group_ids: set[int] = field(default_factory=set)


@dataclass
class _Ident:
    pk: int
    name: str
    names_seen: list[str]
    handle: str
    phone: str
    is_bot: bool


def _chunks(items: list[Any], size: int = _CHUNK) -> list[list[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class BatchIngester:
    """Writes importer batches of one workspace; see the module docstring."""

    def __init__(self, workspace: Workspace, *, default_tz: str = "Asia/Shanghai") -> None:
        self.workspace = workspace
        self.default_tz = default_tz
        self._groups: dict[str, tuple[int, str, str]] = {}  # key → (pk, platform, tz)
        self._idents: dict[tuple[str, str], _Ident] = {}
        self._writer: BulkWriter | None = None

    # -- public ----------------------------------------------------------------------------
    def ingest(self, batch: Batch, *, on_commit: Any = None) -> BatchResult:
        """Store `batch` atomically. `on_commit(result)` runs inside the same transaction, last
        (the import run's progress is committed together with the rows it counts)."""
        try:
            with transaction.atomic():
                result = self._ingest(batch)
                if on_commit is not None:
                    on_commit(result)
        except BaseException:
            self._groups.clear()
            self._idents.clear()
            raise
        return result

    # -- steps -----------------------------------------------------------------------------
    def _ingest(self, batch: Batch) -> BatchResult:
        from shequn.apps.insights.actions import do_mark_dirty_days

        self._writer = self._writer or writer()
        self._writer.begin_batch()
        tables = {t: batch.table(t) for t in TABLES}
        result = BatchResult(messages_seen=tables["messages"].height)
        groups = self._upsert_groups(tables)
        identities = self._upsert_identities(tables, groups)
        ws = self.workspace.pk

        msgs = self._insert(
            Message,
            frames.message_rows(tables["messages"], groups, identities, ws),
            day_of="sent_at",
            key=("group_id", "platform_message_id"),
        )
        events = self._insert(
            MembershipEvent,
            frames.event_rows(tables["membership_events"], groups, identities, ws),
            day_of="at",
            key=("group_id", "event_id"),
        )
        reactions = self._insert(
            Reaction,
            frames.reaction_rows(tables["reactions"], groups, identities, ws),
            # Probed without the reactor: covers both partial unique indexes.
            key=("group_id", "platform_message_id", "emoji"),
        )
        members = frames.membership_rows(
            tables["memberships"],
            tables["messages"],
            tables["membership_events"],
            groups,
            identities,
            ws,
        )
        memberships = self._insert(Membership, members)
        self._raise_roles(members)
        self._update_spans(events, tables["membership_events"], groups, identities)

        result.new = {
            "messages": msgs.rows,
            "membership_events": events.rows,
            "reactions": reactions.rows,
            "memberships": memberships.rows,
        }
        for (group_id, day), _n in [*msgs.days.items(), *events.days.items()]:
            result.dirty[group_id].add(day)
        result.group_ids = {int(g) for g in groups.get_column("group_id")}
        if result.dirty:
            do_mark_dirty_days(workspace=self.workspace, days=result.dirty)
        return result

    def _insert(
        self,
        model: Any,
        frame: pl.DataFrame,
        *,
        day_of: str | None = None,
        key: tuple[str, ...] | None = None,
    ) -> Inserted:
        assert self._writer is not None
        return self._writer.insert_ignore(model._meta.db_table, frame, day_of=day_of, key=key)

    def _upsert_groups(self, tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
        """Every group the batch mentions, created when new; returns the lookup frame."""
        described = {
            row["group_key"]: row
            for row in tables["groups"].drop_nulls("group_key").iter_rows(named=True)
        }
        keys: set[str] = set(described)
        for t in ("memberships", "messages", "reactions", "membership_events"):
            keys.update(k for k in tables[t].get_column("group_key").unique() if k is not None)
        missing = sorted(k for k in keys if k not in self._groups)
        if missing:
            for chunk in _chunks(missing):
                for g in Group.objects.filter(workspace=self.workspace, key__in=chunk):
                    self._groups[g.key] = (g.pk, g.platform, g.timezone)
            new = []
            for key in missing:
                if key in self._groups:
                    continue
                row = described.get(key, {})
                platform = row.get("platform") or key.split(":", 1)[0]
                new.append(
                    Group(
                        workspace=self.workspace,
                        key=key[:300],
                        platform=platform[:16],
                        external_id=(row.get("external_id") or "")[:255],
                        name=(row.get("name") or row.get("external_id") or key)[:255],
                        chat_type=(row.get("chat_type") or "")[:32],
                        timezone=self.default_tz,
                    )
                )
            # ignore_conflicts: another import may create the same group at the same moment.
            Group.objects.bulk_create(new, ignore_conflicts=True)
            for chunk in _chunks([g.key for g in new]):
                for g in Group.objects.filter(workspace=self.workspace, key__in=chunk):
                    self._groups[g.key] = (g.pk, g.platform, g.timezone)
        self._name_unnamed_groups(described)
        rows = [(k, *self._groups[k]) for k in sorted(keys) if k in self._groups]
        return pl.DataFrame(
            rows, schema=frames.GROUP_MAP_SCHEMA, orient="row"
        )  # group_key, group_id, platform, tz

    def _name_unnamed_groups(self, described: dict[str, dict[str, Any]]) -> None:
        """A group first seen without a name (only its key) takes the name an export gives it;
        a name already stored is the operator's or an earlier export's and is kept."""
        for key, row in described.items():
            name = row.get("name")
            if name and key in self._groups:
                Group.objects.filter(workspace=self.workspace, key=key, name=key).update(
                    name=name[:255]
                )

    def _upsert_identities(
        self, tables: dict[str, pl.DataFrame], groups: pl.DataFrame
    ) -> pl.DataFrame:
        sightings = frames.identity_sightings(tables, groups)
        keys = [(p, i) for p, i in sightings.select("platform", "identity_id").iter_rows()]
        self._load_identities([k for k in keys if k not in self._idents])
        created: list[dict[str, Any]] = []
        changed: list[Identity] = []
        for row in sightings.iter_rows(named=True):
            key = (row["platform"], row["identity_id"])
            known = self._idents.get(key)
            if known is None:
                created.append(row)
            else:
                update = self._merge_sighting(known, row)
                if update is not None:
                    changed.append(update)
        if created:
            self._create_identities(created)
        if changed:
            Identity.objects.bulk_update(changed, list(_IDENTITY_FIELDS), batch_size=500)
        rows = [(p, i, self._idents[(p, i)].pk) for p, i in keys if (p, i) in self._idents]
        return pl.DataFrame(rows, schema=frames.IDENTITY_MAP_SCHEMA, orient="row")

    def _load_identities(self, keys: list[tuple[str, str]]) -> None:
        by_platform: dict[str, list[str]] = defaultdict(list)
        for platform, ext in keys:
            by_platform[platform].append(ext)
        for platform, exts in by_platform.items():
            for chunk in _chunks(exts):
                rows = Identity.objects.filter(
                    workspace=self.workspace, platform=platform, external_id__in=chunk
                ).values_list("pk", "external_id", *_IDENTITY_FIELDS)
                for pk, ext, name, names_seen, handle, phone, is_bot in rows:
                    self._idents[(platform, ext)] = _Ident(
                        pk, name, list(names_seen or []), handle, phone, is_bot
                    )

    @staticmethod
    def _merge_sighting(known: _Ident, row: dict[str, Any]) -> Identity | None:
        dirty = False
        for name in row["names"] or []:
            name = name[:255]
            if name not in known.names_seen:
                known.names_seen = [*known.names_seen, name][-NAMES_SEEN_LIMIT:]
                dirty = True
        for attr in ("name", "handle", "phone"):
            value = row[attr]
            if value and value != getattr(known, attr):
                setattr(known, attr, value)
                dirty = True
        if row["is_bot"] and not known.is_bot:
            known.is_bot = True
            dirty = True
        if not dirty:
            return None
        return Identity(
            pk=known.pk,
            name=known.name,
            names_seen=known.names_seen,
            handle=known.handle,
            phone=known.phone,
            is_bot=known.is_bot,
        )

    def _create_identities(self, rows: list[dict[str, Any]]) -> None:
        people = Person.objects.bulk_create(
            [
                Person(workspace=self.workspace, display_name=row["name"] or row["identity_id"])
                for row in rows
            ],
            batch_size=500,
        )
        new = [
            Identity(
                workspace=self.workspace,
                person=person,
                platform=row["platform"][:16],
                external_id=row["identity_id"][:255],
                name=row["name"] or "",
                names_seen=[n[:255] for n in (row["names"] or [])][-NAMES_SEEN_LIMIT:],
                handle=row["handle"] or "",
                phone=row["phone"] or "",
                is_bot=bool(row["is_bot"]),
            )
            for person, row in zip(people, rows, strict=True)
        ]
        # ignore_conflicts: a concurrent import may have created some of them meanwhile; their
        # Person rows made here are then unused and removed below.
        Identity.objects.bulk_create(new, ignore_conflicts=True, batch_size=500)
        self._load_identities([(row["platform"], row["identity_id"]) for row in rows])
        used = {
            pid
            for chunk in _chunks([p.pk for p in people])
            for pid in Identity.objects.filter(person_id__in=chunk).values_list(
                "person_id", flat=True
            )
        }
        orphans = [p.pk for p in people if p.pk not in used]
        for chunk in _chunks(orphans):
            Person.objects.filter(pk__in=chunk).delete()

    def _raise_roles(self, members: pl.DataFrame) -> None:
        """Listed owners, admins and bots keep the highest role any export gave them (the same
        rule as `importers.canonical.merge`)."""
        ranked = members.filter(pl.col("role") != "member")
        for (group_id, role), part in ranked.partition_by("group_id", "role", as_dict=True).items():
            higher = [r for r, k in frames.ROLE_RANK.items() if k <= frames.ROLE_RANK[str(role)]]
            ids = part.get_column("identity_id").to_list()
            for chunk in _chunks(ids):
                Membership.objects.filter(group_id=group_id, identity_id__in=chunk).exclude(
                    role__in=higher
                ).update(role=role)

    def _update_spans(
        self,
        inserted: Inserted,
        events: pl.DataFrame,
        groups: pl.DataFrame,
        identities: pl.DataFrame,
    ) -> None:
        """joined_at / left_at / join source of the memberships whose events arrived, from all
        their stored events (an export may bring the join and a later one the leave)."""
        if inserted.rows == 0:
            return
        subjects = (
            frames.event_rows(events, groups, identities, self.workspace.pk)
            .drop_nulls("identity_id")
            .select("group_id", "identity_id")
            .unique()
        )
        for (group_id,), part in subjects.partition_by("group_id", as_dict=True).items():
            ids = part.get_column("identity_id").to_list()
            for chunk in _chunks(ids):
                self._recompute_spans(int(group_id), chunk)

    def _recompute_spans(self, group_id: int, identity_ids: list[int]) -> None:
        history: dict[int, list[tuple[Any, str, str, int | None]]] = defaultdict(list)
        for ident, at, kind, source, actor in (
            MembershipEvent.objects.filter(group_id=group_id, identity_id__in=identity_ids)
            .order_by("at", "pk")
            .values_list("identity_id", "at", "kind", "source", "actor_id")
        ):
            history[ident].append((at, kind, source, actor))
        changed = []
        for pk, ident, joined, left, source, invited in Membership.objects.filter(
            group_id=group_id, identity_id__in=identity_ids
        ).values_list("pk", "identity_id", "joined_at", "left_at", "join_source", "invited_by_id"):
            joins = [e for e in history[ident] if e[1] in ("join", "create")]
            leaves = [e for e in history[ident] if e[1] in ("leave", "kick")]
            last_join = joins[-1] if joins else None
            new_joined = last_join[0] if last_join is not None else joined
            new_left = (
                leaves[-1][0]
                if leaves and (last_join is None or leaves[-1][0] > last_join[0])
                else None
            )
            new_source = (last_join[2] or "")[:16] if last_join is not None else source
            new_invited = last_join[3] if last_join is not None else invited
            if (new_joined, new_left, new_source, new_invited) != (joined, left, source, invited):
                changed.append(
                    (db_value(new_joined), db_value(new_left), new_source, new_invited, pk)
                )
        if changed:
            # Plain UPDATE by primary key: bulk_update's CASE expressions cost seconds here.
            with connection.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {Membership._meta.db_table} SET joined_at = %s, left_at = %s, "
                    "join_source = %s, invited_by_id = %s WHERE id = %s",
                    changed,
                )
