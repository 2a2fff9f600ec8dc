"""The push and rule dialogs: opening them, previewing a push's plan or a rule's groups,
reading what was submitted."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot import queries
from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.views import dialogs
from bot.views.replies import answer
from bot.views.words import render
from engine.core import RefusalError, Reply
from engine.executor import execute
from engine.operations import PushGroup, RuleAdd
from engine.rules import check_pattern, matching_groups

Values = dict[str, dict[str, Any]]
Choice = tuple[str, str, bool]
"""What a push dialog has chosen: group id, app, push memberships now."""


def wanted_dialog(text: str) -> str | None:
    """Which dialog a command asks for: `push` or `rule add` with nothing after them."""
    words = text.lower().split()
    if words == ["push"]:
        return dialogs.PUSH_DIALOG
    if words == ["rule", "add"]:
        return dialogs.RULE_DIALOG
    return None


def open_dialog(services: Services, conv: Conversation, text: str, trigger_id: str) -> bool:
    """Open the dialog the text asks for (operators only); False when it asks for none."""
    wanted = wanted_dialog(text)
    if wanted is None:
        return False
    try:
        services.service.require_operator(conv.user)
    except RefusalError as refusal:
        conv.tell(answer(Reply.refused(str(refusal))))
        return True
    apps = sorted(services.service.apps)
    view = dialogs.push_dialog(apps, json.dumps({"channel": conv.channel})) \
        if wanted == dialogs.PUSH_DIALOG else dialogs.rule_dialog(apps, conv.channel)
    conv.client.views_open(trigger_id=trigger_id, view=view)
    return True


def _selected(values: Values, block: str, action: str) -> str:
    state = values.get(block, {}).get(action, {})
    option = state.get("selected_option") or {}
    return str(option.get("value") or state.get("value") or "").strip()


def _metadata(view: dict[str, Any]) -> dict[str, Any]:
    """What the push dialog keeps in its private_metadata: the channel, the choice whose plan
    it shows, and that choice's refusal if it was refused."""
    try:
        found = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        found = None
    return found if isinstance(found, dict) else {}


def dialog_channel(view: dict[str, Any]) -> str:
    """The channel a push dialog was opened from."""
    return str(_metadata(view).get("channel") or "")


def _choice(values: Values) -> Choice:
    ticked = values.get("memberships", {}).get(dialogs.MEMBERSHIPS, {}).get("selected_options")
    return (_selected(values, "group", dialogs.GROUP_SELECT),
            _selected(values, "app", dialogs.APP_SELECT), bool(ticked))


def push_preview(services: Services, view: dict[str, Any], user: str) -> dict[str, Any] | None:
    """The push dialog again with the plan of what is chosen (the push's own dry run), or
    None while a group or an app is still to be chosen."""
    values = view["state"]["values"]
    choice, channel = _choice(values), dialog_channel(view)
    if not choice[0] or not choice[1]:
        return None
    operation = push_operation(services, values)
    refused: str | None = None
    if operation is None:
        refused = "That group is no longer in the directory."
        blocks = dialogs.plan_problem(refused, refused=True)
    else:
        reply = execute(services.service, replace(operation, dry_run=True), user,
                        channel=channel)
        if reply.ok:
            blocks = dialogs.plan_blocks(reply.data.get("plan", []), operation.memberships)
        else:
            words = render(reply)
            refused = words if reply.status != "failed" else None
            blocks = dialogs.plan_problem(words, refused=refused is not None)
    metadata = {"channel": channel, "shown": list(choice), "refused": refused and refused[:150]}
    return dialogs.push_dialog(sorted(services.service.apps), json.dumps(metadata), blocks)


def push_errors(services: Services, view: dict[str, Any]) -> dict[str, str]:
    """What is missing from a push dialog, a group the app can never take, or a choice whose
    plan the dialog does not show (yet) or showed refused, by block id."""
    errors = _missing_or_unpushable(services, view["state"]["values"])
    if errors:
        return errors
    shown = _metadata(view)
    if tuple(shown.get("shown") or ()) != _choice(view["state"]["values"]):
        return {"group": "The plan of this choice is not shown yet: wait for it, then press "
                         "Push."}
    if shown.get("refused"):
        return {"group": str(shown["refused"])}
    return {}


def _missing_or_unpushable(services: Services, values: Values) -> dict[str, str]:
    errors = {}
    group_id = _selected(values, "group", dialogs.GROUP_SELECT)
    app = _selected(values, "app", dialogs.APP_SELECT)
    if not group_id:
        errors["group"] = "Choose a directory group."
    if not app:
        errors["app"] = "Choose an app."
    if group_id and app:
        snapshot = services.service.snapshot(f"id:{group_id}")  # that group, read now
        group = snapshot.groups.get(group_id)
        if group is not None and app in services.service.apps:
            try:
                services.service.refuse_unpushable(snapshot, group, services.service.apps[app])
            except RefusalError as refusal:
                errors["group"] = str(refusal)[:150]
    return errors


def push_operation(services: Services, values: Values) -> PushGroup | None:
    """The push a submitted push dialog means, or None if the group is gone."""
    name = queries.group_name(services.service, _selected(values, "group", dialogs.GROUP_SELECT))
    if name is None:
        return None
    _, app, memberships = _choice(values)
    return PushGroup(name, app, memberships=memberships)


def rule_fields(values: Values) -> tuple[str, str, str, str]:
    """Name, app, kind and pattern from the rule dialog."""
    return (_selected(values, "name", dialogs.RULE_NAME),
            _selected(values, "app", dialogs.APP_SELECT),
            _selected(values, "kind", dialogs.RULE_KIND) or "starts-with",
            _selected(values, "pattern", dialogs.RULE_PATTERN))


def rule_errors(values: Values) -> dict[str, str]:
    """What is missing or wrong in a rule dialog, by block id."""
    name, app, kind, pattern = rule_fields(values)
    errors = {}
    if not name:
        errors["name"] = "Give the rule a name."
    if not app:
        errors["app"] = "Choose an app."
    problem = check_pattern(kind, pattern)
    if problem:
        errors["pattern"] = problem[0].upper() + problem[1:] + "."
    return errors


def rule_operation(values: Values) -> RuleAdd:
    """The `rule add` a submitted rule dialog means."""
    name, app, kind, pattern = rule_fields(values)
    return RuleAdd(name, app, kind, pattern)


def rule_preview(services: Services, view: dict[str, Any]) -> dict[str, Any]:
    """The rule dialog again, with the groups its rule would match now."""
    _, _, kind, pattern = rule_fields(view["state"]["values"])
    problem = check_pattern(kind, pattern)
    if problem:
        extra = dialogs.preview_problem(f"Preview: {problem}.")
    else:
        services.service.kept.ensure_read()  # names from the kept directory, read once
        groups = matching_groups(kind, pattern, services.service.snapshot().groups.values())
        extra = dialogs.preview_blocks(f"--{kind} {pattern}", [g.name for g in groups])
    return dialogs.rule_dialog(sorted(services.service.apps), view.get("private_metadata", ""),
                               extra)
