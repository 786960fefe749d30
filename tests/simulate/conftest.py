from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shequn.importers.canonical import Canonical
from shequn.simulate.generate import Community, generate
from shequn.simulate.ids import Ids
from shequn.simulate.model import SimConfig
from shequn.simulate.truth import TruthBuilder

# Small enough to run in a few seconds, big enough for every planted fact to show.
SMALL = SimConfig(seed=11, groups=4, messages=4_000)


@pytest.fixture(scope="session")
def community() -> Community:
    return generate(SMALL)


@pytest.fixture(scope="session")
def tables(community: Community) -> Canonical:
    return community.canonical("telegram")


@pytest.fixture(scope="session")
def truth(community: Community) -> dict[str, Any]:
    builder = TruthBuilder(community, Ids(community.world, "telegram"))
    for log in community.logs():
        builder.add(log)
    # Round-trip through JSON: tests read what consumers of truth.json read.
    document: dict[str, Any] = json.loads(json.dumps(builder.document()))
    return document


def group_of(truth: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(g for g in truth["groups"] if g["kind"] == kind)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
