"""Changes from the Home tab: the status button, the row menu, Information's Retry and Bulk
edit build the same typed operations the commands parse to, and the one executor runs them
(operators, approvals and audit alike). The answer goes to the person's messages with the app
(long work with its progress); approval requests go to the alerts channel, for the approvers."""

from __future__ import annotations

from collections.abc import Callable

from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.work import Surface, dispatch
from bot.views.bulk import DELETE, BulkChoice
from bot.views.replies import answer
from engine.core import Operation, RefusalError, Reply
from engine.operations import (
    Activate,
    BulkDeactivate,
    BulkDelete,
    Deactivate,
    PushNow,
    Retry,
    Unlink,
)
from engine.outcomes import PushStatus
from engine.push import tab
from engine.service import GroupPushService


def row_operation(service: GroupPushService, item: str, mapping_id: int) -> Operation:
    """What a row's status button or menu item (or Information's Retry) asks for."""
    if item == "retry":
        return Retry(mapping_id)
    mapping = tab.mapping_by_id(service, mapping_id)
    name = service.kept.current_name(mapping.group_id) or mapping.group_name  # if renamed
    app = mapping.app
    if item == "status":
        return Deactivate(name, app) if mapping.status == PushStatus.ACTIVE else Activate(name, app)
    if item == "now":
        return PushNow(name, app)
    if item in ("unlink_keep", "unlink_delete"):
        return Unlink(name, app, delete=item == "unlink_delete")
    raise RefusalError(f"Unknown choice {item}; nothing was changed.")


def bulk_operation(service: GroupPushService, choice: BulkChoice) -> Operation:
    """The bulk operation over exactly what Bulk edit showed and the person chose."""
    chosen = tab.selection(service, choice.state.filter())
    if choice.everything and len(chosen) != choice.total:
        raise RefusalError(f"The filter now keeps {len(chosen)} groups, not the {choice.total} "
                           "Bulk edit showed; nothing was changed. Open Bulk edit again.")
    if not choice.everything:
        wanted = set(choice.mapping_ids)
        chosen = [c for c in chosen if c[0] in wanted]
        if len(chosen) != len(wanted):
            raise RefusalError("Some ticked groups are no longer pushed or no longer match the "
                               "filter; nothing was changed. Open Bulk edit again.")
    names = tuple(f"id:{group_id}" for _, group_id, _ in chosen)
    kind = BulkDelete if choice.action == DELETE else BulkDeactivate
    return kind(choice.state.app, names)


def run_from_home(services: Services, client: WebClient, user: str,
                  operation: Operation) -> None:
    """Run an operation built on the tab: requests go to the alerts channel (the person is
    told where), everything else is answered in the person's messages with the app."""
    alerts_channel = Conversation(client, user, services.service.config.slack.alerts_channel)
    dispatch(services, Surface(Conversation(client, user), requests_to=alerts_channel),
             operation)


def change(services: Services, client: WebClient, user: str,
           build: Callable[[], Operation]) -> None:
    """Build the operation (a refusal is told, nothing runs) and run it from the tab."""
    try:
        operation = build()
    except RefusalError as refusal:
        Conversation(client, user).tell(answer(Reply.refused(str(refusal))))
        return
    run_from_home(services, client, user, operation)
