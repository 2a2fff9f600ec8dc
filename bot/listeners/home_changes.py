"""Changes from the Home tab: the status button, the row menu, Information's Retry and Bulk
edit run what the commands run (operators, approvals and audit alike); the answer goes to the
person's messages with the app, approval requests to the alerts channel for the approvers."""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bot.listeners.context import Services
from bot.listeners.conversation import Conversation
from bot.listeners.work import post_requests
from bot.views.bulk import DELETE, BulkChoice
from bot.views.replies import answer, asked
from connectors.errors import ConnectorError
from engine import alerts, changes, pushed, requests
from engine.pusher import Refused
from engine.results import Reply
from storage.models import PushMapping

log = logging.getLogger(__name__)


def current_name(services: Services, mapping: PushMapping) -> str:
    """The pushed group's name in the directory now (it may have been renamed since)."""
    group = services.service.snapshot().groups.get(mapping.group_id)
    return group.name if group else mapping.group_name


def _row_reply(services: Services, user: str, item: str, mapping_id: int) -> Reply:
    service = services.service
    mapping = pushed.mapping_by_id(service, mapping_id)
    name, app = current_name(services, mapping), mapping.app
    if item == "status":
        return service.set_status(name, app, user, active=mapping.status != "active")
    if item == "now":
        return service.push_now(name, app, user)
    if item == "retry":
        return alerts.retry(service, mapping_id, user)
    if item in ("unlink_keep", "unlink_delete"):
        return requests.request_unlink(service, name, app, delete=item == "unlink_delete",
                                       actor=user, channel=_alerts(services))
    raise Refused(f"Unknown choice {item}; nothing was changed.")


def _bulk_reply(services: Services, user: str, choice: BulkChoice) -> Reply:
    service = services.service
    chosen = pushed.selection(service, choice.state.filter())
    if choice.everything and len(chosen) != choice.total:
        raise Refused(f"The filter now keeps {len(chosen)} groups, not the {choice.total} "
                      "Bulk edit showed; nothing was changed. Open Bulk edit again.")
    if not choice.everything:
        wanted = set(choice.mapping_ids)
        chosen = [c for c in chosen if c[0] in wanted]
        if len(chosen) != len(wanted):
            raise Refused("Some ticked groups are no longer pushed or no longer match the "
                          "filter; nothing was changed. Open Bulk edit again.")
    names = [f"id:{group_id}" for _, group_id, _ in chosen]
    if choice.action == DELETE:
        return requests.request_bulk_delete(service, choice.state.app, names, False,
                                            actor=user, channel=_alerts(services))
    return changes.bulk_deactivate(service, choice.state.app, names, False, user)


def _alerts(services: Services) -> str:
    return services.service.config.slack.alerts_channel


def _guarded(run: object, *args: object) -> Reply:
    try:
        return run(*args)  # type: ignore[operator,no-any-return]
    except Refused as refusal:
        return Reply.refused(str(refusal))
    except ConnectorError as error:
        hint = f"\nTroubleshooting: {error.hint}" if error.hint else ""
        return Reply.failed(f"Failed: {error.describe()}{hint}")


def tell(services: Services, client: WebClient, user: str, reply: Reply) -> None:
    """The outcome to the person; an approval request to the approvers' channel."""
    conv = Conversation(client, user)
    approval = reply.data.get("approval")
    if reply.ok and isinstance(approval, dict) and approval.get("status") == "pending":
        channel = _alerts(services)
        post_requests(services, Conversation(client, user, channel), [str(approval["id"])])
        conv.tell(asked(reply, channel))
        return
    conv.tell(answer(reply))


def row_change(services: Services, client: WebClient, user: str, item: str,
               mapping_id: int) -> Reply:
    """Run one row's change (or Retry) and tell the outcome."""
    reply = _guarded(_row_reply, services, user, item, mapping_id)
    tell(services, client, user, reply)
    return reply


def bulk_change(services: Services, client: WebClient, user: str, choice: BulkChoice) -> Reply:
    """Run a submitted Bulk edit and tell the outcome."""
    reply = _guarded(_bulk_reply, services, user, choice)
    tell(services, client, user, reply)
    return reply
