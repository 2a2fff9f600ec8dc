"""Slack's documented Block Kit limits, checked on every message and view the stand-in gets.

From docs.slack.dev/reference/block-kit (blocks, block elements, composition objects) and
/reference/views: 50 blocks in a message, 100 in a modal or Home tab; 3,000 characters in a
text object (2,000 in a section field, 150 in a header); 10 context elements, 25 actions
elements, 10 section fields; 2–5 overflow options, 10 checkbox or radio options, 100 select
options, each option's text 75 and value 150 characters; button text 75 and value 2,000;
confirm title 100, text 300, buttons 30; modal title, submit and close 24; private_metadata
3,000; ids 255 (block_id unique in the view); a view under 250 kB. slack_sdk's Block Kit
models check what they know on top.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block

BLOCKS = {"message": 50, "modal": 100, "home": 100}
OPTIONS = {"overflow": (2, 5), "checkboxes": (1, 10), "radio_buttons": (1, 10),
           "static_select": (1, 100), "multi_static_select": (1, 100)}
CONFIRM = {"title": 100, "text": 300, "confirm": 30, "deny": 30}


def _texts(node: Any, where: str) -> list[str]:
    problems = []
    if isinstance(node, dict):
        if node.get("type") in ("plain_text", "mrkdwn"):
            text = node.get("text", "")
            if not text or len(text) > 3000:
                problems.append(f"{where}: text of length {len(text)}")
        for key, value in node.items():
            problems += _texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            problems += _texts(value, f"{where}[{i}]")
    return problems


def _text_len(node: Any) -> int:
    return len(node.get("text", "")) if isinstance(node, dict) else 0


def element_problems(element: dict[str, Any], where: str) -> list[str]:
    """What Slack refuses in one block element."""
    problems = []
    kind = element.get("type", "")
    if len(str(element.get("action_id", ""))) > 255:
        problems.append(f"{where}: action_id over 255")
    if kind == "button" and (_text_len(element.get("text")) > 75
                             or len(str(element.get("value", ""))) > 2000):
        problems.append(f"{where}: button text over 75 or value over 2000")
    if kind in OPTIONS:
        options = element.get("options") or []
        low, high = OPTIONS[kind]
        if not low <= len(options) <= high:
            problems.append(f"{where}: {kind} with {len(options)} options ({low}–{high})")
        for option in options + element.get("initial_options", []):
            if _text_len(option.get("text")) > 75 or len(str(option.get("value", ""))) > 150:
                problems.append(f"{where}: option text over 75 or value over 150")
        values = [o["value"] for o in options]
        for chosen in element.get("initial_options", []) + (
                [element["initial_option"]] if "initial_option" in element else []):
            if chosen not in options or chosen["value"] not in values:
                problems.append(f"{where}: an initial option that is not one of the options")
    confirm = element.get("confirm") or {}
    for key, limit in CONFIRM.items():
        if key in confirm and _text_len(confirm[key]) > limit:
            problems.append(f"{where}: confirm {key} over {limit}")
    return problems


def one_block_problems(block: dict[str, Any], where: str) -> list[str]:
    """What Slack refuses in one block."""
    problems = []
    kind = block.get("type")
    elements = list(block.get("elements") or []) if kind in ("actions", "context") else []
    elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
    if kind == "actions" and not 1 <= len(elements) <= 25:
        problems.append(f"{where}: actions with {len(elements)} elements")
    if kind == "context" and not 1 <= len(elements) <= 10:
        problems.append(f"{where}: context with {len(elements)} elements")
    if kind == "header" and _text_len(block.get("text")) > 150:
        problems.append(f"{where}: header over 150")
    fields = block.get("fields") or []
    if len(fields) > 10 or any(_text_len(f) > 2000 for f in fields):
        problems.append(f"{where}: more than 10 fields, or a field over 2000")
    if kind == "input" and _text_len(block.get("label")) > 2000:
        problems.append(f"{where}: input label over 2000")
    ids = Counter(e.get("action_id") for e in elements if e.get("action_id"))
    problems += [f"{where}: action_id {a} twice in one block" for a, n in ids.items() if n > 1]
    for i, element in enumerate(elements):
        problems += element_problems(element, f"{where}.elements[{i}]")
    try:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
    except (SlackObjectFormationError, AttributeError) as error:
        problems.append(f"{where}: slack_sdk: {error}")
    return problems


def block_problems(blocks: list[dict[str, Any]], surface: str) -> list[str]:
    """What Slack would refuse in these blocks on this surface."""
    problems = []
    if len(blocks) > BLOCKS[surface]:
        problems.append(f"{len(blocks)} blocks, more than {BLOCKS[surface]}")
    problems += _texts(blocks, "blocks")
    ids = Counter(b.get("block_id") for b in blocks if b.get("block_id"))
    problems += [f"block_id {b} twice" for b, n in ids.items() if n > 1]
    problems += [f"block_id {b} over 255" for b in ids if len(str(b)) > 255]
    for i, block in enumerate(blocks):
        problems += one_block_problems(block, f"blocks[{i}]")
    return problems


def view_problems(view: dict[str, Any]) -> list[str]:
    """What Slack would refuse in a modal or Home tab view."""
    surface = view.get("type", "modal")
    problems = block_problems(view.get("blocks", []), surface)
    if surface == "modal":
        for key in ("title", "submit", "close"):
            if key in view and _text_len(view[key]) > 24:
                problems.append(f"modal {key} over 24 characters")
    if len(view.get("private_metadata", "")) > 3000:
        problems.append("private_metadata over 3000")
    if len(json.dumps(view).encode()) > 250_000:
        problems.append("view over 250 kB")
    return problems
