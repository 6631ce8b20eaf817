"""The OpenAPI of the analytics routes, declared by hand.

The routes answer with plain Responses (JSON, CSV or text chosen at run time), so FastAPI cannot infer their
schema: here are the query parameters they read, every status they answer with, and the shape of each JSON
answer. `tests/maintainers/server/test_openapi_fuzz.py` holds the routes to it (schemathesis).
"""

from __future__ import annotations

from typing import Any

from printernizer_stats.contract import SUMMARY_SCHEMA, SummaryDocument
from printernizer_stats.maintainers.analytics._figures import FIGURES_BY_NAME

_DETAIL = {"application/json": {"schema": {"type": "object", "required": ["detail"],
                                           "properties": {"detail": {"type": "string"}}}}}
_TOKEN_REFUSALS: dict[str, Any] = {
    "400": {"description": "k or weeks is not a whole number, k is below the configured k, or weeks is outside 1-104",
            "content": _DETAIL},
    "401": {"description": "Missing or wrong bearer token (and no dashboard session)", "content": _DETAIL,
            "headers": {"WWW-Authenticate": {"schema": {"type": "string", "enum": ["Bearer"]}}}},
}
_QUERY: list[dict[str, Any]] = [
    {"name": "k", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 0, "maximum": 9999},
     "description": "Smallest group published: it can only raise the configured k (lower: 400)."},
    {"name": "weeks", "in": "query", "required": False, "schema": {"type": "integer", "minimum": 1, "maximum": 104},
     "description": "How many complete weeks, up to the newest one."},
]
_FORMAT = {"name": "format", "in": "query", "required": False, "schema": {"type": "string", "enum": ["json", "text"]},
           "description": "text: the report `printernizer-stats insights` prints."}
FIGURE_NAMES = [f"{name}{ext}" for name in FIGURES_BY_NAME for ext in ("", ".csv")]
_WINDOW = {"type": "object", "required": ["first", "last"],
           "properties": {"first": {"type": "string", "format": "date"}, "last": {"type": "string", "format": "date"}}}
_FIGURE = {"type": "object", "required": ["name", "title", "description", "dimensions", "kind", "k", "rows"],
           "properties": {"name": {"type": "string"}, "k": {"type": "integer"}, "rows": {"type": "array", "items": {
               "type": "object", "required": ["period", "group", "installations", "share", "rate", "measures"]}}}}
_ANOMALIES: dict[str, Any] = {"type": "object", "required": ["window", "k", "anomalies"], "properties": {
    "window": _WINDOW, "k": {"type": "integer"},
    "anomalies": {"type": "array", "items": {"type": "object", "required": ["kind", "message"]}}}}
_ANALYTICS = {**_ANOMALIES, "required": ["window", "k", "anomalies", "figures"], "properties": {
    **_ANOMALIES["properties"], "figures": {"type": "object", "additionalProperties": _FIGURE}}}
_SUMMARY = {"type": "object", "required": list(SummaryDocument.__annotations__), "properties": {
    "schema": {"type": "string", "enum": [SUMMARY_SCHEMA]}, "week": {"type": "string", "format": "date"},
    "k": {"type": "integer"}, "installations": {"type": ["integer", "null"]}}}
ANALYTICS_API: dict[str, Any] = {"parameters": _QUERY, "responses": {
    "200": {"description": "Every figure and the anomalies", "content": {"application/json": {"schema": _ANALYTICS}}},
    **_TOKEN_REFUSALS}}
INSIGHTS_API: dict[str, Any] = {"parameters": [*_QUERY, _FORMAT], "responses": {
    "200": {"description": "The anomalies as JSON, or the insights report as text", "content": {
        "application/json": {"schema": _ANOMALIES}, "text/plain": {"schema": {"type": "string"}}}},
    **_TOKEN_REFUSALS}}
FIGURE_API: dict[str, Any] = {"parameters": _QUERY, "responses": {
    "200": {"description": "The figure as JSON, or as CSV (one line per week and group)", "content": {
        "application/json": {"schema": _FIGURE}, "text/csv": {"schema": {"type": "string"}}}},
    **_TOKEN_REFUSALS, "404": {"description": "No figure of that name", "content": _DETAIL}}}
SUMMARY_API: dict[str, Any] = {"parameters": [
    {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"},
     "description": "ETags already held: 304 if the current one is among them."}], "responses": {
    "200": {"description": "The newest complete week's summary (ETag; public caching)",
            "content": {"application/json": {"schema": _SUMMARY}}},
    "304": {"description": "If-None-Match names the current ETag"}}}
