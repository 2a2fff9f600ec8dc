"""The documented JSON of `grouppush exec --json` (and of the notebook's outcomes): an
envelope with a `schema` version, and per command the shape of `data` (docs/json.md),
gathered from the operations: each handler's return type names its outcomes, and each outcome
states its shape beside its `to_json` (engine/shapes.py). Nothing here is kept by hand."""

from __future__ import annotations

from functools import cache
from typing import Any, get_args, get_type_hints

from engine.core import Operation, Refusal, Reply
from engine.shapes import BOOL, Shape, shape_of

SCHEMA_VERSION = 1
"""Bumped when a field changes meaning or goes away; new fields may appear in a version."""

ENVELOPE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "grouppush exec --json",
    "type": "object",
    "additionalProperties": False,
    "required": ["schema", "command", "operation", "ok", "status", "text", "data"],
    "properties": {
        "schema": {"const": SCHEMA_VERSION},
        "command": {"type": ["string", "null"], "description": "the verb; null when the "
                    "text was not a command"},
        "operation": {"type": ["object", "null"], "required": ["op"],
                      "description": "the typed operation that ran, field by field"},
        "ok": BOOL,
        "status": {"enum": ["done", "refused", "failed", "usage"]},
        "text": {"type": "string", "description": "what the console prints"},
        "data": {"type": "object"},
    },
}


def envelope(reply: Reply, operation: Operation | None, text: str) -> dict[str, Any]:
    """The JSON document of one answer: `data` is its outcome's JSON, `text` what the console
    prints for it (rendered by the bot)."""
    data = reply.outcome.to_json()
    return {"schema": SCHEMA_VERSION,
            "command": operation.spec.verb if operation else None,
            "operation": operation.to_dict() if operation else None,
            "ok": reply.ok, "status": reply.status, "text": text, "data": data}


@cache
def shapes() -> tuple[dict[str, Shape], dict[str, Shape]]:
    """The shape of `data` per command when it is done, and of its --dry-run: the shapes of
    the outcomes its handler's return type names (refusals carry no data; a shape with
    `dry_run` is a preview's). Several shapes are any of them (`activate` may answer
    deactivated when Okta keeps the push)."""
    from engine import operations  # noqa: F401  (the operations register)
    from engine.registry import OPERATIONS, handler_of

    done: dict[str, list[Shape]] = {}
    preview: dict[str, list[Shape]] = {}
    for verb, cls in OPERATIONS.items():
        returned = get_type_hints(handler_of(cls))["return"]
        for outcome in get_args(returned) or (returned,):
            if issubclass(outcome, Refusal):
                continue
            shape = shape_of(outcome)
            side = preview if "dry_run" in shape.get("properties", {}) else done
            found = side.setdefault(verb, [])
            if shape not in found:
                found.append(shape)
    return ({v: _any(s) for v, s in done.items()}, {v: _any(s) for v, s in preview.items()})


def _any(found: list[Shape]) -> Shape:
    return found[0] if len(found) == 1 else {"anyOf": found}


def dry_run_shape() -> Shape:
    """The shape of `data` of a --dry-run that plans pushes (engine.outcomes.Planned)."""
    from engine.outcomes.plans import Planned

    return Planned.shape


def __getattr__(name: str) -> Any:
    """DATA (per command, done), PREVIEW (per command, --dry-run) and DRY_RUN, gathered when
    first asked for: `--json` itself needs none of them."""
    if name == "DATA":
        return shapes()[0]
    if name == "PREVIEW":
        return shapes()[1]
    if name == "DRY_RUN":
        return dry_run_shape()
    raise AttributeError(name)


def data_schema(document: dict[str, Any]) -> Shape | None:
    """The schema `data` of a document must follow (None: any object, as refusals have)."""
    command, status = document.get("command"), document.get("status")
    done, preview = shapes()
    if document.get("data", {}).get("dry_run"):
        return preview.get(str(command), dry_run_shape())
    if command in done and (status == "done" or command in ("check", "sync", "apps")
                            or (command == "retry" and status == "failed")):
        return done[command]
    return None
