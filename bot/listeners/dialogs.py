"""The push and rule dialogs: opening them, previewing a rule, reading what was submitted."""

from __future__ import annotations

from typing import Any

from bot import queries
from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.views import dialogs
from bot.views.replies import answer
from engine.operations import PushGroup, RuleAdd
from engine.pusher import Refused
from engine.results import Reply
from engine.rules import check_pattern, matching_groups

Values = dict[str, dict[str, Any]]


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
    except Refused as refusal:
        conv.tell(answer(Reply.refused(str(refusal))))
        return True
    apps = sorted(services.service.apps)
    view = dialogs.push_dialog(apps, conv.channel) if wanted == dialogs.PUSH_DIALOG \
        else dialogs.rule_dialog(apps, conv.channel)
    conv.client.views_open(trigger_id=trigger_id, view=view)
    return True


def _selected(values: Values, block: str, action: str) -> str:
    state = values.get(block, {}).get(action, {})
    option = state.get("selected_option") or {}
    return str(option.get("value") or state.get("value") or "").strip()


def push_errors(services: Services, values: Values) -> dict[str, str]:
    """What is missing from a push dialog, or a group the app can never take, by block id."""
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
            except Refused as refusal:
                errors["group"] = str(refusal)[:150]
    return errors


def push_operation(services: Services, values: Values) -> PushGroup | None:
    """The push a submitted push dialog means, or None if the group is gone."""
    name = queries.group_name(services.service, _selected(values, "group", dialogs.GROUP_SELECT))
    if name is None:
        return None
    ticked = values.get("memberships", {}).get(dialogs.MEMBERSHIPS, {}).get("selected_options")
    return PushGroup(name, _selected(values, "app", dialogs.APP_SELECT),
                     memberships=bool(ticked))


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
