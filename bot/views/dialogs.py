"""The push dialog and the rule dialog (modals), and the options of the group search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.views.text import Block, clip, context, escape, plain, section

View = dict[str, Any]

PUSH_DIALOG = "push_dialog"
RULE_DIALOG = "rule_dialog"
GROUP_SELECT = "group_select"
APP_SELECT = "app_select"
MEMBERSHIPS = "memberships"
RULE_NAME, RULE_KIND, RULE_PATTERN = "rule_name", "rule_kind", "rule_pattern"
RULE_PREVIEW = "rule_preview"
RULE_KINDS = {"starts-with": "name starts with", "contains": "name contains",
              "regex": "name matches a regular expression"}
PREVIEW_SHOWN = 25


def _option(text: str, value: str) -> Block:
    return {"text": plain(clip(text, 75)), "value": value}


def group_options(groups: Iterable[tuple[str, str]]) -> list[Block]:
    """Options for the group search: (group id, name) pairs, the id as value."""
    return [_option(name, group_id) for group_id, name in groups][:100]


def _app_select(apps: Sequence[str]) -> Block:
    element: Block = {"type": "static_select", "action_id": APP_SELECT,
                      "placeholder": plain("Choose an app"),
                      "options": [_option(a, a) for a in apps][:100]}
    if len(apps) == 1:
        element["initial_option"] = _option(apps[0], apps[0])
    return {"type": "input", "block_id": "app", "label": plain("App"), "element": element}


def push_dialog(apps: Sequence[str], channel: str) -> View:
    """The push modal: group search with autocomplete, app choice, memberships toggle."""
    memberships = _option("Push memberships immediately", MEMBERSHIPS)
    return {
        "type": "modal", "callback_id": PUSH_DIALOG, "private_metadata": channel,
        "title": plain("Push a group"), "submit": plain("Push"), "close": plain("Cancel"),
        "blocks": [
            {"type": "input", "block_id": "group", "label": plain("Directory group"),
             "element": {"type": "external_select", "action_id": GROUP_SELECT,
                         "placeholder": plain("Type to search the directory"),
                         "min_query_length": 1}},
            _app_select(apps),
            {"type": "input", "block_id": "memberships", "optional": True,
             "label": plain("Members"),
             "element": {"type": "checkboxes", "action_id": MEMBERSHIPS,
                         "options": [memberships], "initial_options": [memberships]},
             "hint": plain("Untick to create the group now and push its members at the "
                           "next sync.")},
        ],
    }


def rule_dialog(apps: Sequence[str], channel: str, extra: Sequence[Block] = ()) -> View:
    """The rule modal; `extra` holds the preview blocks once the person asked for one."""
    kinds = [_option(label, kind) for kind, label in RULE_KINDS.items()]
    blocks: list[Block] = [
        {"type": "input", "block_id": "name", "label": plain("Rule name"),
         "element": {"type": "plain_text_input", "action_id": RULE_NAME,
                     "placeholder": plain("e.g. sales-teams")}},
        _app_select(apps),
        {"type": "input", "block_id": "kind", "label": plain("Match"),
         "element": {"type": "static_select", "action_id": RULE_KIND, "options": kinds,
                     "initial_option": kinds[0]}},
        {"type": "input", "block_id": "pattern", "label": plain("Text or expression"),
         "dispatch_action": True,
         "element": {"type": "plain_text_input", "action_id": RULE_PATTERN,
                     "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
                     "placeholder": plain("e.g. Sales")},
         "hint": plain("Press Enter or Preview to see the groups it matches.")},
        {"type": "actions", "block_id": "preview_actions",
         "elements": [{"type": "button", "action_id": RULE_PREVIEW, "text": plain("Preview"),
                       "value": "preview"}]},
    ]
    blocks += extra
    return {"type": "modal", "callback_id": RULE_DIALOG, "private_metadata": channel,
            "title": plain("Add a push rule"), "submit": plain("Save rule"),
            "close": plain("Cancel"), "blocks": blocks}


def preview_blocks(described: str, names: Sequence[str]) -> list[Block]:
    """What a rule would push now: the matching group names, or why there are none."""
    if not names:
        return [{"type": "divider"}, section(f"{escape(described)} matches no directory "
                                             "group yet; it will push new matches at syncs.")]
    shown = "\n".join(f"• {escape(n)}" for n in names[:PREVIEW_SHOWN])
    more = f"\n… and {len(names) - PREVIEW_SHOWN} more" if len(names) > PREVIEW_SHOWN else ""
    return [{"type": "divider"},
            section(f"*{escape(described)}* matches {len(names)} groups, pushed when you "
                    f"save:\n{shown}{more}")]


def preview_problem(problem: str) -> list[Block]:
    """The preview when the pattern cannot be used."""
    return [{"type": "divider"}, context(f":warning: {escape(problem)}")]
