"""The documented JSON of `grouppush exec --json` (and of the notebook's outcomes): an
envelope with a `schema` version, and per command the shape of `data` (docs/json.md)."""

from __future__ import annotations

from typing import Any

from engine.core import Operation, Reply

SCHEMA_VERSION = 1
"""Bumped when a field changes meaning or goes away; new fields may appear in a version."""

_STR, _INT, _BOOL = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
_OPT_STR = {"type": ["string", "null"]}
_STRS = {"type": "array", "items": _STR}


def _obj(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": sorted(required),
            "properties": {**required, **(optional or {})}}


def _list(key: str, item: dict[str, Any]) -> dict[str, Any]:
    return _obj({key: {"type": "array", "items": item}})


PLAN = _obj({"group": _STR, "app": _STR,
             "app_group": {"enum": ["create", "recreate", "link", "rename", "keep",
                                       "delete"]},
             "app_group_name": _STR, "app_group_id": _OPT_STR, "add": _STRS,
             "remove": _STRS, "skipped": _STRS, "held": _BOOL},
            {"removals_held": _BOOL})
APPROVAL = _obj({"id": _STR, "summary": _STR, "requested_by": _STR, "action": _STR,
                 "status": {"enum": ["pending", "approved", "denied", "expired", "failed",
                                     "withdrawn", "changed"]},
                 "expires_at": _STR, "plan": _STR, "decided_by": _STR, "outcome": _STR,
                 "delete": _BOOL})
PUSH = _obj({"group": _STR, "app": _STR, "app_group": _OPT_STR, "app_group_id": _OPT_STR,
             "status": {"enum": ["active", "inactive"]}, "members": _INT,
             "last_push": _OPT_STR, "error": _OPT_STR, "drift": _BOOL,
             "origin": {"enum": ["name", "rule", "okta"]}, "rule": _OPT_STR},
            {"protected": _STR})
DRIFT = _obj({"group": _STR, "app": _STR, "missing": _STRS, "unexpected": _STRS,
              "group_gone": _BOOL, "renamed_to": _OPT_STR, "state": _STR,
              "ignored_by": _OPT_STR})
FAILURE = _obj({"group": _STR, "app": _STR, "operation": _STR, "message": _STR,
                "status": {"type": ["integer", "null"]}, "hint": _STR})
EMPTY: dict[str, Any] = {"type": "object"}
ON_GROUP = _obj({"group": _STR, "app": _STR})

DATA: dict[str, dict[str, Any]] = {
    "help": _list("commands", _obj({"usage": _STR, "summary": _STR, "kind": _STR},
                                   {"flags": _STRS, "examples": _STRS})),
    "apps": _list("apps", _obj({"name": _STR, "type": _STR, "health": _STR,
                                "healthy": _BOOL, "pushed": _INT})),
    "list": _list("pushes", PUSH),
    "search": _obj({"groups": _STRS}),
    "push": _obj({"group": _STR, "app": _STR, "added": _INT, "skipped": _STRS}),
    "rule add": _obj({"matches": _STRS}),
    "rule list": _list("rules", _obj({"name": _STR, "app": _STR, "kind": _STR,
                                      "pattern": _STR, "pushed": _INT, "groups": _STRS,
                                      "created_by": _STR})),
    "rule remove": EMPTY,
    "deactivate": _obj({"group": _STR, "app": _STR, "status": _STR}),
    "activate": _obj({"group": _STR, "app": _STR, "status": _STR, "added": _INT,
                      "removed": _INT}),
    "unlink": _obj({"approval": APPROVAL}),
    "now": _obj({"group": _STR, "app": _STR, "added": _INT, "removed": _INT}),
    "info": _obj({"info": {"type": "object", "additionalProperties": _STR}}),
    "ignore": EMPTY,
    "bulk deactivate": EMPTY,
    "bulk delete": _obj({"approval": APPROVAL}),
    "sync": _obj({"groups": _INT, "changed": _INT, "added": _INT, "removed": _INT,
                  "errors": {"type": "array", "items": _obj({
                      "group": _STR, "app": _STR, "operation": _STR, "message": _STR})},
                  "held": _STRS}),
    "check": _obj({"checked": _INT, "drift": {"type": "array", "items": DRIFT},
                   "errors": {"type": "array", "items": FAILURE}}),
    "repush": EMPTY,
    "approve": _obj({"approval": APPROVAL}),
    "deny": _obj({"approval": APPROVAL}),
    "withdraw": _obj({"approval": APPROVAL}),
    "requests": _list("requests", APPROVAL),
    "retry": _obj({"fixed": _STRS, "errors": {"type": "array", "items": FAILURE},
                   "held": _STRS}, {"retry": _INT}),
    "explain": _obj({"user": _STR, "group": _STR, "app": _STR, "in_directory_group": _BOOL,
                     "active": _BOOL, "status": _STR, "app_user": _OPT_STR,
                     "push": {"enum": ["active", "inactive", "none"]}, "pushed": _BOOL,
                     "in_app_group": {"type": ["boolean", "null"]},
                     "next_sync": {"enum": ["add", "remove", "none"]},
                     "reasons": {"type": "object", "additionalProperties": _STR}}),
    "audit": _list("events", _obj({"at": _STR, "actor": _STR, "action": _STR,
                                   "detail": _STR})),
}
"""The shape of `data` per command when it is done (a failed check or sync has it too)."""
DRY_RUN = _obj({"dry_run": {"const": True}, "plan": {"type": "array", "items": PLAN}})
"""The shape of `data` of every --dry-run."""

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
        "ok": _BOOL,
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


def data_schema(document: dict[str, Any]) -> dict[str, Any] | None:
    """The schema `data` of a document must follow (None: any object, as refusals have)."""
    command, status = document.get("command"), document.get("status")
    if document.get("data", {}).get("dry_run"):
        return DRY_RUN
    if command in DATA and (status == "done" or command in ("check", "sync", "apps")
                            or (command == "retry" and status == "failed")):
        return DATA[command]
    return None
