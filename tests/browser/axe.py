"""axe-core, the accessibility engine of the browsers' devtools, run inside a Playwright page.

axe-core comes from the npm registry (``package.json`` / ``package-lock.json`` at the repository's root,
installed by ``./dev`` with ``npm ci``); nothing is fetched from a CDN. It is evaluated into the page through
the DevTools protocol rather than added as a ``<script>`` tag: the pages forbid inline scripts
(``script-src 'self'``, the dashboard ``default-src 'none'``) and stay under their real Content-Security-Policy
while they are audited.

Every audit is kept in :data:`REPORTS`; ``tests/conftest.py`` prints them at the end of the run, so the
moderate and minor findings that do not fail a test are still seen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
REQUIRE_BROWSER = "PRINTERNIZER_STATS_REQUIRE_BROWSER"
"""Set to 1 (``.ci/run`` does): Chromium or axe-core missing fails the browser tests instead of skipping them."""
BLOCKING = ("critical", "serious")
IMPACTS = ("critical", "serious", "moderate", "minor")


def require(available: bool, message: str) -> None:
    """Skip the test without ``available``; fail it instead when :data:`REQUIRE_BROWSER` is set."""
    if available:
        return
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{message}, and {REQUIRE_BROWSER}=1")
    pytest.skip(message)


@dataclass(frozen=True, slots=True)
class Finding:
    """One axe rule that failed, with the elements it failed on."""

    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]
    why: str
    """axe's message for the first element, e.g. the contrast it measured."""

    @property
    def blocking(self) -> bool:
        return self.impact in BLOCKING

    def describe(self) -> str:
        where = ", ".join(self.targets[:4]) + (f" and {len(self.targets) - 4} more" if len(self.targets) > 4 else "")
        return f"{self.rule} ({self.impact}) on {len(self.targets)} element(s): {self.help}. {self.why} [{where}]"


@dataclass(frozen=True, slots=True)
class Audit:
    """What axe found in one page state."""

    state: str
    findings: tuple[Finding, ...]
    rules_passed: int

    @property
    def blocking(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.blocking)

    def describe(self) -> str:
        lines = [f"{self.state}: {len(self.findings)} rule(s) failed, {self.rules_passed} passed"]
        lines += [f"  {finding.describe()}" for finding in self.findings]
        return "\n".join(lines)


REPORTS: list[Audit] = []


def _message(node: dict[str, Any]) -> str:
    checks = [*node.get("any", []), *node.get("all", []), *node.get("none", [])]
    return next((check["message"] for check in checks if check.get("message")), "")


def _target(node: dict[str, Any]) -> str:
    return " ".join(str(part) for part in node["target"])


def audit(page: Any, state: str, within: str | None = None) -> Audit:
    """Run every axe rule (WCAG 2.x A/AA and best practices; not the experimental ones) on the page as shown, or
    on the element ``within`` selects."""
    require(AXE_JS.exists(), f"{AXE_JS.relative_to(ROOT)} is missing (./dev installs it with npm ci)")
    if page.evaluate("typeof window.axe") == "undefined":
        page.evaluate(AXE_JS.read_text(encoding="utf-8"))
    result = page.evaluate("async (within) => await axe.run(within ? {include: [within]} : document, "
                           "{resultTypes: ['violations']})", within)
    findings = tuple(sorted(
        (Finding(v["id"], v["impact"] or "minor", v["help"], tuple(_target(n) for n in v["nodes"]),
                 _message(v["nodes"][0]) if v["nodes"] else "") for v in result["violations"]),
        key=lambda f: (IMPACTS.index(f.impact), f.rule)))
    found = Audit(state, findings, len(result["passes"]))
    REPORTS.append(found)
    return found


def assert_accessible(page: Any, state: str, schemes: tuple[str, ...] = ("light", "dark"),
                      first: str | None = None) -> list[Audit]:
    """No serious or critical violation in ``state`` in any of ``schemes`` (``prefers-color-scheme`` emulated on
    the page as it is, in turn); the moderate and minor ones are reported at the end of the run. ``first``: an
    element audited on its own before the page (an announcement that goes away after a few seconds)."""
    audits = []
    for scheme in schemes:
        page.emulate_media(color_scheme=scheme)
        if first is not None:
            audits.append(audit(page, f"{state} ({first} alone), {scheme}", first))
        audits.append(audit(page, f"{state}, {scheme}"))
    failed = [found.describe() for found in audits if found.blocking]
    assert not failed, "axe-core found serious or critical violations:\n" + "\n".join(failed)
    return audits


def summary(reports: list[Audit]) -> list[str]:
    """The lines the terminal summary shows: states audited, and every finding that did not fail a test."""
    if not reports:
        return []
    lines = [f"axe-core {len(reports)} page state(s) audited; "
             f"{sum(1 for r in reports if r.blocking)} with serious or critical violations"]
    for report in reports:
        if report.findings:
            lines.append(report.describe())
    if all(not r.findings for r in reports):
        lines.append("no violations of any impact")
    return lines


def chart_names(page: Any) -> list[str]:
    """Each chart image's name as its ``aria-labelledby`` composes it; fails when a chart's references (the name's
    parts, ``aria-details``) point nowhere or its details are not a table."""
    charts = page.evaluate("""() => [...document.querySelectorAll('svg[role="img"]')].map((svg) => ({
        parts: (svg.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
            .map((id) => document.getElementById(id)?.textContent.trim() ?? null),
        details: document.getElementById(svg.getAttribute('aria-details') || '')?.tagName ?? null,
    }))""")
    assert charts, "no chart on the page"
    for chart in charts:
        assert len(chart["parts"]) == 2 and all(chart["parts"]), chart
        assert chart["details"] == "TABLE", chart
    return [": ".join(chart["parts"]) for chart in charts]
