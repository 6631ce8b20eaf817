"""The shape rules of src/: no function over 60 lines, no module over 250, no dense lines to get there.

A module holds one idea and a function one step; when either outgrows its limit the fix is a redesign, not
statements packed onto a line (``;``) or past the line length ruff enforces. The scan reads the ast and the
tokens, so docstrings and strings that merely contain ``;`` do not count.
"""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).parents[1] / "src"
MODULES = sorted(SRC.rglob("*.py"))
MAX_MODULE_LINES = 250
MAX_FUNCTION_LINES = 60
MAX_LINE = 120
"""ruff's line-length (pyproject.toml), counted without a trailing ``# noqa`` or ``# type: ignore``: ruff
lets such a line pass, and its code must fit all the same."""
TOOL_COMMENTS = ("# noqa", "# type: ignore")


def _relative(path: Path) -> str:
    return path.relative_to(SRC).as_posix()


def _functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _statement_lines(source: str) -> Iterator[int]:
    """Lines of code that hold a ``;`` token, i.e. two statements on one line."""
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.OP and token.string == ";":
            yield token.start[0]


def _code_widths(source: str) -> dict[int, int]:
    """Each line's width without a trailing tool comment (``# noqa``, ``# type: ignore``)."""
    widths = {number: len(line) for number, line in enumerate(source.splitlines(), 1)}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT and token.string.startswith(TOOL_COMMENTS):
            line = token.line.splitlines()[0] if token.line else ""
            widths[token.start[0]] = len(line[:token.start[1]].rstrip())
    return widths


def test_there_is_source_to_scan() -> None:
    assert len(MODULES) > 100


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_modules_hold_at_most_250_lines(path: Path) -> None:
    assert path.read_text(encoding="utf-8").count("\n") <= MAX_MODULE_LINES


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_functions_hold_at_most_60_lines(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    too_long = {f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
                for node in _functions(tree) if (node.end_lineno or 0) - node.lineno + 1 > MAX_FUNCTION_LINES}
    assert not too_long


@pytest.mark.parametrize("path", MODULES, ids=_relative)
def test_no_line_is_dense(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    packed = [f"line {number}: {lines[number - 1].strip()}" for number in _statement_lines(source)]
    long = [f"line {number}: {width} characters" for number, width in _code_widths(source).items() if width > MAX_LINE]
    assert not packed and not long


def test_the_scan_finds_what_it_forbids() -> None:
    """The rules themselves can fail: a packed line, a long function."""
    packed = "a = 1; b = 2\ntext = 'x; y'\n"
    assert list(_statement_lines(packed)) == [1]
    wide = "x" * (MAX_LINE + 1)
    assert _code_widths(f"{wide} = 1\nx = 1  # noqa: {wide}\n") == {1: MAX_LINE + 5, 2: 5}
    body = "\n".join(f"    x{n} = {n}" for n in range(MAX_FUNCTION_LINES))
    tree = ast.parse(f"def long():\n{body}\n")
    assert [node.end_lineno for node in _functions(tree)] == [MAX_FUNCTION_LINES + 1]
