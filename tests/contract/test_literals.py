"""No wire name is written outside the contract: every string constant in ``src/`` (docstrings aside) is searched.

The contract (``printernizer_stats.contract``) is the one place the client and the receiver take the wire's
names from; a second spelling anywhere else could drift from it unnoticed. The registry is exempt: it is the
contract's one dependency and declares the resource fields, the proof and the summary schema's name itself.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import printernizer_stats
import printernizer_stats_tools
from printernizer_stats import contract

SRC = Path(printernizer_stats.__file__).parent
TOOLS = Path(printernizer_stats_tools.__file__).parent
EXEMPT = (SRC / "contract", SRC / "registry")
WIRE_NAMES = {
    contract.METRICS_PATH, contract.SUMMARY_PATH, contract.PROTOBUF, contract.BATCH_ID_HEADER,
    contract.RECEIPT_HEADER, contract.INSTALLATION_ID, contract.BATCH_ID, contract.REGISTRY_VERSION,
    contract.PROOF, contract.VERIFIER, contract.SUMMARY_SCHEMA, contract.DO_NOT_TRACK_ENV,
    *(getattr(contract, name) for name in contract.__all__ if name.endswith("_ENV")),
}
"""Names that must not appear as a whole string constant anywhere else."""
WIRE_FRAGMENTS = ("PRINTERNIZER_STATS_", "X-Printernizer-", "printernizer.stats.", "printernizer-stats:",
                  "printernizer.installation_id", "/v1/metrics", "/v1/summary", "printernizer-stats/summary/")
"""Pieces that must not appear inside a string constant either (help texts, f-strings, messages); SQL line
comments (``-- the receiver's X-Printernizer-Receipt``) describe a column and are not searched."""
_SQL_COMMENT = re.compile(r"--[^\n]*")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
        # An attribute docstring: a bare string right after an assignment (the style of this code base).
        body = getattr(node, "body", None)
        if isinstance(body, list):
            for before, after in itertools.pairwise(body):
                if isinstance(before, ast.Assign | ast.AnnAssign) and isinstance(after, ast.Expr) \
                        and isinstance(after.value, ast.Constant):
                    found.add(id(after.value))
    return found


def _strings(path: Path) -> Iterator[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skip = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            yield node.lineno, node.value


def _names_a_wire_name(text: str) -> bool:
    code = _SQL_COMMENT.sub("", text)
    return text in WIRE_NAMES or any(fragment in code for fragment in WIRE_FRAGMENTS)


def _offences() -> list[str]:
    offences = []
    for path in sorted((*SRC.rglob("*.py"), *TOOLS.rglob("*.py"))):
        if any(path.is_relative_to(exempt) for exempt in EXEMPT):
            continue
        for line, text in _strings(path):
            if _names_a_wire_name(text):
                offences.append(f"{path.relative_to(SRC.parent)}:{line}: {text[:80]!r}")
    return offences


def test_no_wire_name_is_spelled_outside_the_contract() -> None:
    """Each of these would be a second definition: import the name from printernizer_stats.contract."""
    assert _offences() == []


def test_the_search_finds_a_planted_name(tmp_path: Path) -> None:
    """The search itself works: a header name in an f-string and an env name in a call are both found,
    a docstring mentioning them is not."""
    planted = tmp_path / "planted.py"
    planted.write_text('"""Reads PRINTERNIZER_STATS_TOKEN."""\nimport os\n'
                       'TOKEN = os.environ.get("PRINTERNIZER_STATS_TOKEN")\n'
                       'HEADER = f"X-Printernizer-Receipt: {TOKEN}"\n', encoding="utf-8")
    found = [text for _, text in _strings(planted) if _names_a_wire_name(text)]
    assert found == ["PRINTERNIZER_STATS_TOKEN", "X-Printernizer-Receipt: "]
