"""k-anonymity end to end: five groups of exactly k - 1 installations (a country, a version, a printer type,
a feature, an error type), present every week, appear in no output: API, dashboard, exports, the insights
report, the community summary, the retention rollups (and the Grafana panels: test_grafana.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from printernizer_stats.cli import main
from printernizer_stats.maintainers.analytics import (
    FIGURES,
    AnalyticsConfig,
    Window,
    apply_retention,
    create_maintainers_app,
)
from printernizer_stats.maintainers.analytics._queries import fetch_cells
from printernizer_stats.maintainers.analytics._sql import analytics_tables
from printernizer_stats.maintainers.server import ReceiverConfig, create_engine
from tests.maintainers.analytics.conftest import RARE_TOKENS, STANDARD, K, TestClient, now_after, today_after

TOKEN = "token-for-k-anonymity-tests"


def leaks(text: str) -> list[str]:
    """Rare values found in ``text`` as a whole token (not inside another word or number)."""
    return [token for token in RARE_TOKENS if re.search(rf"(?<![\w.]){re.escape(token)}(?![\w.])", text)]


def strings(document: object) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for key, value in document.items():
            yield str(key)
            yield from strings(value)
    elif isinstance(document, list):
        for item in document:
            yield from strings(item)


def test_the_rare_groups_are_in_the_database(standard_url: str) -> None:
    """Not a vacuous test: each rare value is a raw group of exactly k - 1 installations every week."""
    engine = create_engine(standard_url)
    window = Window.ending(STANDARD.last_week, 26)
    seen: set[str] = set()
    with engine.connect() as connection:
        for spec in FIGURES:
            for cell in fetch_cells(connection, analytics_tables(), spec, window, None):
                rare = set(cell.group) & set(RARE_TOKENS)
                if rare and spec.name in {"countries", "versions", "printer_types", "error_types"}:
                    assert cell.installations == K - 1, (spec.name, cell)
                if spec.name == "features" and cell.group == ("mqtt",):
                    assert cell.measures["enabled"] == K - 1
                    seen.add("mqtt")
                seen |= rare
    engine.dispose()
    assert seen == set(RARE_TOKENS)


def test_no_output_shows_a_group_of_k_minus_one(standard_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    """API JSON (all figures, insights, every figure's JSON and CSV), the dashboard page, the public summary
    and the insights command (text and JSON) never name a rare value."""
    app = create_maintainers_app(ReceiverConfig(db_url=standard_url, token=TOKEN), AnalyticsConfig(k=K),
                                 now=lambda: now_after(STANDARD))
    outputs: dict[str, str] = {}
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app) as client:
        document = client.get("/v1/analytics", headers=headers).json()
        assert document["figures"]["countries"]["rows"]
        outputs["api"] = "\n".join(strings(document))
        outputs["insights"] = "\n".join(strings(client.get("/v1/analytics/insights", headers=headers).json()))
        outputs["insights text"] = client.get("/v1/analytics/insights?format=text", headers=headers).text
        for spec in FIGURES:
            outputs[f"{spec.name} json"] = "\n".join(strings(
                client.get(f"/v1/analytics/figures/{spec.name}", headers=headers).json()))
            outputs[f"{spec.name} csv"] = client.get(f"/v1/analytics/figures/{spec.name}.csv", headers=headers).text
        outputs["dashboard"] = client.get("/dashboard", headers=headers).text
        outputs["summary"] = "\n".join(strings(client.get("/v1/summary").json()))
    today = today_after(STANDARD).isoformat()
    assert main(["insights", "--db-url", standard_url, "--today", today]) == 0
    outputs["cli"] = capsys.readouterr().out
    assert main(["insights", "--db-url", standard_url, "--today", today, "--json"]) == 0
    outputs["cli json"] = "\n".join(strings(json.loads(capsys.readouterr().out)))
    assert "Anomalies (" in outputs["cli"] and "docker" in outputs["dashboard"]
    found = {name: leaks(text) for name, text in outputs.items() if leaks(text)}
    assert found == {}


def test_rollups_hold_no_group_of_k_minus_one(standard_url: str) -> None:
    """After retention rolls every week up, the rollup table names no rare value and no group under k."""
    engine = create_engine(standard_url)
    result = apply_retention(engine, STANDARD.last_week + timedelta(days=203), 196, K)
    assert len(result.weeks) == 26
    with engine.connect() as connection:
        rows = connection.execute(sa.select(analytics_tables()["weekly_rollups"])).mappings().all()
    engine.dispose()
    assert rows and all(row["installations"] >= K for row in rows)
    assert leaks("\n".join(f"{row['group_1']} {row['group_2']} {row['measures']}" for row in rows)) == []
