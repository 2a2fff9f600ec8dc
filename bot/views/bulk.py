"""The Bulk edit modal: the groups of the tab's filter with checkboxes (or all of them), then
Deactivate, or Delete as one approval request (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.views.home import HomeState, describe_filter
from bot.views.text import Block, clip, context, escape, plain, section

BULK_DIALOG = "bulk_edit"
"""callback_id of the modal."""
WHICH, ALL, TICKED = "which", "all", "ticked"
GROUPS, ACTION = "groups", "action"
DEACTIVATE, DELETE = "deactivate", "delete"
PER_BLOCK = 10
"""A checkbox group holds at most 10 options."""
TICKABLE = 100
"""Groups offered one by one (10 checkbox groups); beyond them, All covers the rest."""


@dataclass(frozen=True)
class BulkChoice:
    """What a submitted Bulk edit asks for."""

    state: HomeState
    total: int
    """How many groups the filter kept when the dialog opened."""
    everything: bool
    mapping_ids: tuple[int, ...]
    action: str


def bulk_modal(state: HomeState, groups: Sequence[tuple[int, str]], total: int,
               channel: str = "") -> dict[str, Any]:
    """The dialog over the filter's groups: (mapping id, name) of the first ones, and how many
    the filter keeps in all."""
    blocks: list[Block] = [
        section(clip(f"*{total} pushed groups* of *{escape(state.app)}* match the filter: "
                     f"{escape(describe_filter(state.filter()))}.", 3000)),
        {"type": "input", "block_id": WHICH, "label": plain("Which groups"),
         "element": {"type": "radio_buttons", "action_id": WHICH, "options": [
             {"text": plain(f"All {total} groups of this filter"), "value": ALL},
             {"text": plain("Only the groups ticked below"), "value": TICKED}],
             "initial_option": {"text": plain("Only the groups ticked below"),
                                "value": TICKED}}},
    ]
    shown = list(groups[:TICKABLE])
    for start in range(0, len(shown), PER_BLOCK):
        part = shown[start:start + PER_BLOCK]
        blocks.append({"type": "input", "block_id": f"{GROUPS}:{start // PER_BLOCK}",
                       "optional": True,
                       "label": plain(f"Groups {start + 1}–{start + len(part)}"),
                       "element": {"type": "checkboxes", "action_id": GROUPS, "options": [
                           {"text": plain(name, 75), "value": str(mapping_id)}
                           for mapping_id, name in part]}})
    if total > len(shown):
        blocks.append(context(f"The first {len(shown)} of {total} are listed. Choose All, or "
                              "search by name on the tab to tick others."))
    blocks.append({"type": "input", "block_id": ACTION, "label": plain("Do"),
                   "element": {"type": "radio_buttons", "action_id": ACTION, "options": [
                       {"text": plain("Deactivate (pause their pushes)"), "value": DEACTIVATE},
                       {"text": plain("Delete from the app (one approval request)"),
                        "value": DELETE}]}})
    metadata = json.dumps({"state": json.loads(state.to_metadata()), "total": total,
                           "channel": channel}, separators=(",", ":"))
    return {"type": "modal", "callback_id": BULK_DIALOG, "title": plain("Bulk edit", 24),
            "submit": plain("Apply", 24), "close": plain("Cancel", 24),
            "private_metadata": metadata, "blocks": blocks}


def _chosen(values: dict[str, dict[str, Any]], block: str, action: str) -> str:
    option = values.get(block, {}).get(action, {}).get("selected_option") or {}
    return str(option.get("value") or "")


def read_choice(view: dict[str, Any]) -> BulkChoice:
    """What the submitted dialog asks for."""
    meta = json.loads(view.get("private_metadata") or "{}")
    values: dict[str, dict[str, Any]] = view["state"]["values"]
    ticked = [int(o["value"]) for block, actions in sorted(values.items())
              if block.startswith(f"{GROUPS}:")
              for o in actions.get(GROUPS, {}).get("selected_options") or []]
    return BulkChoice(state=HomeState.from_metadata(json.dumps(meta.get("state", {}))),
                      total=int(meta.get("total", 0)),
                      everything=_chosen(values, WHICH, WHICH) == ALL,
                      mapping_ids=tuple(ticked), action=_chosen(values, ACTION, ACTION))


def choice_errors(choice: BulkChoice) -> dict[str, str]:
    """What is missing from a submitted dialog, by block id."""
    errors = {}
    if not choice.everything and not choice.mapping_ids:
        errors[WHICH] = "Tick at least one group, or choose All."
    if choice.action not in (DEACTIVATE, DELETE):
        errors[ACTION] = "Choose Deactivate or Delete."
    return errors
