"""The push dialog and the rule dialog (modals), and the options of the group search."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bot.views.text import Block, clip, context, escape, escape_reply, plain, section
from engine.outcomes import PushPlan
from engine.words import plural

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
PLAN_SHOWN = 10
"""Names shown per list in the push dialog's plan."""
PLAN_BLOCK = "plan"


def _option(text: str, value: str) -> Block:
    return {"text": plain(clip(text, 75)), "value": value}


def group_options(groups: Iterable[tuple[str, str]]) -> list[Block]:
    """Options for the group search: (group id, name) pairs, the id as value."""
    return [_option(name, group_id) for group_id, name in groups][:100]


def _app_select(apps: Sequence[str], dispatch: bool = False) -> Block:
    element: Block = {"type": "static_select", "action_id": APP_SELECT,
                      "placeholder": plain("Choose an app"),
                      "options": [_option(a, a) for a in apps][:100]}
    if len(apps) == 1:
        element["initial_option"] = _option(apps[0], apps[0])
    return {"type": "input", "block_id": "app", "label": plain("App"), "element": element,
            **({"dispatch_action": True} if dispatch else {})}


def push_dialog(apps: Sequence[str], metadata: str, plan: Sequence[Block] = ()) -> View:
    """The push modal: group search with autocomplete, app choice, memberships toggle; each
    choice is dispatched, so the modal shows the plan of what is chosen before Push."""
    memberships = _option("Push memberships immediately", MEMBERSHIPS)
    return {
        "type": "modal", "callback_id": PUSH_DIALOG, "private_metadata": metadata,
        "title": plain("Push a group"), "submit": plain("Push"), "close": plain("Cancel"),
        "blocks": [
            {"type": "input", "block_id": "group", "label": plain("Directory group"),
             "dispatch_action": True,
             "element": {"type": "external_select", "action_id": GROUP_SELECT,
                         "placeholder": plain("Type to search the directory"),
                         "min_query_length": 1}},
            _app_select(apps, dispatch=True),
            {"type": "input", "block_id": "memberships", "optional": True,
             "label": plain("Members"), "dispatch_action": True,
             "element": {"type": "checkboxes", "action_id": MEMBERSHIPS,
                         "options": [memberships], "initial_options": [memberships]},
             "hint": plain("Untick to create the group now and push its members at the "
                           "next sync.")},
            *(plan or [context("Choose a group and an app to see what the push will do.")]),
        ],
    }


def _names(names: Sequence[str]) -> str:
    shown = ", ".join(escape(n) for n in names[:PLAN_SHOWN])
    return shown + (f" and {len(names) - PLAN_SHOWN} more" if len(names) > PLAN_SHOWN else "")


def _plan_lines(plan: PushPlan) -> list[str]:
    app, name = escape(plan.app), escape(plan.app_group_name)
    lines = {"create": [f"• Create {app}'s group *{name}*"],
             "link": [f"• Link {app}'s existing group *{name}* (id "
                      f"{escape(str(plan.app_group_id))}) and make its members match"],
             "rename": [f"• Rename {app}'s group to *{name}*"]}.get(plan.app_group, [])
    for verb, names in (("Add", plan.add), ("Remove", plan.remove)):
        if names:
            lines.append(f"• {verb} {plural(len(names), 'member')}: {_names(names)}")
    if plan.skipped:
        lines.append(f"• Skip {plural(len(plan.skipped), 'person', 'people')} {app} does "
                     f"not know (no {app} user has their login): {_names(plan.skipped)}")
    return lines


def plan_blocks(plans: Sequence[PushPlan], memberships: bool) -> list[Block]:
    """The exact plan a push would carry out (its dry run), shown before Push."""
    lines = [line for plan in plans for line in _plan_lines(plan)] or ["• Nothing to change"]
    later = [] if memberships else [context("Members go at the next sync.")]
    return [{"type": "divider"},
            {**section("*Plan* — nothing is written until you press Push:\n"
                       + "\n".join(lines)), "block_id": PLAN_BLOCK},
            *later]


def plan_problem(text: str, refused: bool) -> list[Block]:
    """Why this choice cannot be pushed (Push is refused), or why no plan could be made."""
    icon = ":no_entry_sign: *Cannot push:*" if refused else ":warning: *No plan:*"
    return [{"type": "divider"},
            {**section(f"{icon} {escape_reply(text)}"), "block_id": PLAN_BLOCK}]


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
