"""Bulk, idempotent ingest of importer batches into the store. See docs/ingest.md.

`BatchIngester.ingest(batch)` writes one importer batch in one transaction: groups and
identities first (a Person per new Identity), then messages, membership events, reactions and
memberships through the database's fast path (`store.py`), then the dirty days of the rollups.
"""

from .batch import BatchIngester, BatchResult

__all__ = ["BatchIngester", "BatchResult"]
