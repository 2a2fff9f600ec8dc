"""The shapes of what callers send: a JSON body parsed within bounds (size is bounded by the
front, nesting here), and the Slack fields Bolt and the listeners read, of the kind Slack
sends them. A body of another shape is a 400, never a 500 further in."""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 40
"""Nesting of objects and arrays; Slack's deepest payloads (a modal's blocks) stay far below."""

_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_BRACKETS = re.compile(r"[\[\]{}]")
_OBJECT = (dict,)
_OBJECT_OR_ID = (dict, str)
_TEXT = (str,)
SLACK_FIELDS: dict[str, tuple[type, ...]] = {
    "event": _OBJECT, "view": _OBJECT, "container": _OBJECT, "message": _OBJECT,
    "function_data": _OBJECT, "state": _OBJECT, "values": _OBJECT,
    "enterprise": _OBJECT_OR_ID, "team": _OBJECT_OR_ID, "user": _OBJECT_OR_ID,
    "channel": _OBJECT_OR_ID, "actions": (list,), "authorizations": (list,),
    "response_urls": (list,), "blocks": (list,), "type": _TEXT, "callback_id": _TEXT,
    "trigger_id": _TEXT, "response_url": _TEXT, "action_id": _TEXT, "block_id": _TEXT,
    "private_metadata": _TEXT, "api_app_id": _TEXT, "command": _TEXT, "team_id": _TEXT,
    "user_id": _TEXT, "channel_id": _TEXT, "enterprise_id": _TEXT, "value": _TEXT,
    "thread_ts": _TEXT, "tab": _TEXT, "selected_option": _OBJECT, "selected_options": (list,),
    "challenge": _TEXT,
}
"""Field name -> the kinds Slack sends it as (null is accepted too: Slack sends nulls): the
fields Bolt and the listeners read, and no other (a message attachment's `id` and `ts` are
numbers, for one)."""
LISTS_OF_OBJECTS = {"actions", "authorizations", "response_urls", "blocks",
                    "selected_options"}


def parse_bounded(text: str, what: str) -> tuple[Any, str]:
    """(the parsed JSON, "") or (None, what is wrong): no nesting deeper than MAX_DEPTH."""
    depth = 0
    for bracket in _BRACKETS.findall(_STRINGS.sub("", text)):  # no parser recursing into it
        depth += 1 if bracket in "[{" else -1
        if depth > MAX_DEPTH:
            return None, f"{what} nests deeper than {MAX_DEPTH} levels"
    try:
        return json.loads(text), ""
    except (ValueError, RecursionError):
        return None, f"{what} is not JSON"


def shape_problem(text: str, what: str) -> str:
    """What is wrong with a Slack JSON body or payload ("" when nothing is)."""
    parsed, problem = parse_bounded(text, what)
    if problem:
        return problem
    if not isinstance(parsed, dict):
        return f"{what} is not a JSON object"
    return _walk(parsed, what)


def _walk(value: Any, where: str) -> str:
    """The first Slack field of an unexpected kind, anywhere in the value."""
    stack = [(value, where)]
    while stack:
        node, at = stack.pop()
        if isinstance(node, list):
            stack.extend((item, f"{at}[{i}]") for i, item in enumerate(node))
            continue
        if not isinstance(node, dict):
            continue
        for key, item in node.items():
            kinds = SLACK_FIELDS.get(key)
            if kinds is not None and item is not None and not isinstance(item, kinds) \
                    or kinds == _TEXT and isinstance(item, bool):
                return f"{at}.{key} is not {_kind(kinds)}"
            if key in LISTS_OF_OBJECTS and isinstance(item, list) and \
                    not all(isinstance(i, dict) for i in item):
                return f"{at}.{key} is not a list of objects"
            stack.append((item, f"{at}.{key}"))
    return ""


def _kind(kinds: tuple[type, ...] | None) -> str:
    names: dict[type, str] = {dict: "an object", str: "a string", list: "a list"}
    return " or ".join(names.get(k, k.__name__) for k in kinds or ())
