"""The analysis document `shequn.analysis/1`: valid against docs/analysis.schema.json, every
registry metric present, every label explained; and `shequn analyze` end to end."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import msgspec
from typer.testing import CliRunner

from shequn.analytics.registry import GROUP_METRICS, INDICATORS, METRICS
from shequn.cli import app
from shequn.simulate.model import DEFAULT_AS_OF
from shequn.simulate.run import simulate

from . import test_activity, test_people, test_rounds

SCHEMA = Path(__file__).parents[2] / "docs" / "analysis.schema.json"


@cache
def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(doc: dict[str, Any]) -> None:
    """Schema-valid as JSON (through msgspec, as the CLI writes it) plus what a schema cannot
    say: the metrics are the registry's, and labels and their reasons agree."""
    as_json = json.loads(msgspec.json.encode(doc))
    errors = sorted(_validator().iter_errors(as_json), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])
    for g in as_json["groups"]:
        assert set(g["metrics"]) == set(GROUP_METRICS)
        assert set(g["indicators"]) == set(INDICATORS)
        for name in INDICATORS:
            assert g[name] == g["indicators"][name]["value"]
        for p in g["people"]:
            assert sorted(p["labels"]) == sorted(p["label_reasons"]), p["id"]
            assert set(p["evidence"]) <= set(METRICS)


def test_hand_made_communities_give_valid_documents() -> None:
    validate(test_activity.community().analyse(test_activity.AS_OF))
    validate(test_people.community().analyse(test_people.AS_OF, staff=["s"]))
    validate(test_rounds.community().analyse(test_rounds.AS_OF))


def test_an_empty_group_is_still_a_valid_entry() -> None:
    from .community import Community, at

    c = Community()
    c.member("o", "owner")
    doc = c.analyse(at(d=1))
    validate(doc)
    g = doc["groups"][0]
    assert (g["messages"], g["members"], g["lifecycle_stage"]) == (0, 1, "forming")


def _export(tmp_path: Path) -> list[Path]:
    written = simulate(
        formats=["telegram"],
        out=tmp_path / "export",
        groups=3,
        messages=3_000,
        seed=3,
        as_of=DEFAULT_AS_OF,
    )[0]
    return written.paths


def test_analyze_writes_json_and_html(tmp_path: Path) -> None:
    paths = _export(tmp_path)
    surveys = tmp_path / "surveys.csv"
    surveys.write_text(
        "group,person,question,answer\n"
        + "".join(f"摄影爱好者交流群,p{i},如果社群解散你会怎样,非常失望\n" for i in range(30)),
        encoding="utf-8",
    )
    out = tmp_path / "analysis.json"
    html = tmp_path / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "analyze",
            *map(str, paths),
            "--json",
            str(out),
            "--html",
            str(html),
            "--lang",
            "en",
            "--as-of",
            "2024-07-01",
            "--surveys",
            str(surveys),
            "--staff",
            "nobody",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    validate(doc)
    assert doc["as_of"] == "2024-06-30T16:00:00Z"  # midnight in --tz (Asia/Shanghai)
    assert doc["inputs"]["surveys"] == str(surveys)
    assert len(doc["inputs"]["exports"]) == 3
    photo = next(g for g in doc["groups"] if g["name"] == "摄影爱好者交流群")
    assert photo["disappointment_share"] == 1.0
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")


def test_a_bad_orders_file_is_reported_and_the_rest_still_analysed(tmp_path: Path) -> None:
    paths = _export(tmp_path)
    orders = tmp_path / "orders.csv"
    orders.write_text("group,person,amount\nPython学习交流群,u1,lots\n", encoding="utf-8")
    out = tmp_path / "analysis.json"
    result = CliRunner().invoke(
        app, ["analyze", *map(str, paths), "--json", str(out), "--orders", str(orders)]
    )
    assert result.exit_code == 1
    assert f"{orders}, line 2: amount is not a number: 'lots'" in result.output
    assert "Traceback" not in result.output
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["inputs"]["orders"] is None
    assert {g["indicators"]["paid_conversion"]["status"] for g in doc["groups"]} == {"no_data"}
