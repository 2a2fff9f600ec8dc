"""The Home tab's controls: app, filters, search and paging republish the tab; Information and
Bulk edit open their modals from the ack (a trigger_id lasts 3 seconds) — Information at once,
filled in when its details are read; the status button, the row menu, Retry and Bulk edit's
submission run their operations (bot/listeners/home_changes.py)."""

from __future__ import annotations

import time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.listeners.context import Services
from bot.listeners.home_changes import bulk_operation, change, row_operation
from bot.views import bulk, home, information
from bot.views.home import HomeState
from bot.views.words import render
from engine.core import Kind, RefusalError
from engine.executor import execute, gate
from engine.operations import Explain, Retry
from engine.push import tab

FILTERS = (home.APP_SELECT, home.RULE_FILTER, home.STATUS_FILTER, home.TROUBLE_FILTER,
           home.SEARCH, home.PREVIOUS, home.NEXT, home.REFRESH)


def shown_state(body: dict[str, Any]) -> HomeState:
    """What the person was looking at when they clicked (the tab's private_metadata)."""
    return HomeState.from_metadata((body.get("view") or {}).get("private_metadata"))


def menu_item(action: dict[str, Any]) -> tuple[str, int]:
    """(item, mapping id) of a row's menu choice or button."""
    if action.get("action_id") == home.ROW_MENU:
        item, _, mapping_id = str(action["selected_option"]["value"]).partition(":")
        return item, int(mapping_id)
    item = "info" if action.get("action_id") == home.ROW_INFO else "status"
    return item, int(action["value"])


def information_id(body: dict[str, Any]) -> str:
    """The external_id of the Information modal one click opens (unique per click)."""
    return f"information:{body['trigger_id']}"


def fill_information(services: Services, client: WebClient, external_id: str,
                     mapping_id: int) -> None:
    """Read one pushed group's Information and show it in the modal opened for it."""
    try:
        view = information.information_modal(tab.information(services.service, mapping_id))
    except RefusalError as refusal:
        view = information.refused_modal(str(refusal))
    for _ in range(20):  # the modal is opened by the ack, which may not have finished yet
        try:
            client.views_update(external_id=external_id,
                                view={**view, "external_id": external_id})
            return
        except SlackApiError as error:
            if error.response.get("error") != "not_found":
                raise
            time.sleep(0.25)


def explain_in_modal(services: Services, user: str, mapping_id: int, login: str) -> str:
    """`explain LOGIN in GROUP on APP` for the push the Information modal shows, in words."""
    if not login.strip():
        return "Type a login, then press Enter."
    try:
        mapping = tab.mapping_by_id(services.service, mapping_id)
    except RefusalError as refusal:
        return str(refusal)
    operation = Explain(login.strip(), f"id:{mapping.group_id}", mapping.app)
    return render(execute(services.service, operation, user))


def open_bulk(services: Services, client: WebClient, trigger_id: str, user: str,
              state: HomeState) -> None:
    """Open Bulk edit over the filter's groups (operators only)."""
    refusal = gate(services.service, Kind.CHANGE, user)
    if refusal is not None:
        client.views_open(trigger_id=trigger_id,
                          view=information.refused_modal(refusal.reason, "Bulk edit"))
        return
    chosen = tab.selection(services.service, state.filter())
    groups = [(mapping_id, name) for mapping_id, _, name in chosen[:bulk.TICKABLE]]
    client.views_open(trigger_id=trigger_id, view=bulk.bulk_modal(state, groups, len(chosen)))


def register(app: App, services: Services) -> None:
    """Listen to the Home tab's controls."""

    def acknowledge(ack: Ack) -> None:
        ack()

    def filtered(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        state = home.state_after(shown_state(body), action)
        services.home.publish(client, body["user"]["id"], state)

    def opened(ack: Ack, body: dict[str, Any], action: dict[str, Any],
               client: WebClient) -> None:
        ack()
        if menu_item(action)[0] == "info":  # at once: the trigger_id lasts 3 seconds
            client.views_open(trigger_id=body["trigger_id"],
                              view=information.loading_modal(information_id(body)))

    def bulk_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        open_bulk(services, client, body["trigger_id"], body["user"]["id"], shown_state(body))

    def changed(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        item, mapping_id = menu_item(action)
        if item == "info":
            fill_information(services, client, information_id(body), mapping_id)
            return
        user = body["user"]["id"]
        change(services, client, user,
               lambda: row_operation(services.service, item, mapping_id))
        services.home.publish(client, user, shown_state(body))

    def retried(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        mapping_id = int(action["value"])
        change(services, client, user,
               lambda: row_operation(services.service, "retry", mapping_id))
        services.home.publish(client, user)

    def retried_all(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        change(services, client, user, lambda: Retry(app=str(action["value"]), everything=True))
        services.home.publish(client, user, shown_state(body))

    def explained(body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        view = body.get("view") or {}
        text = explain_in_modal(services, body["user"]["id"], int(view["private_metadata"]),
                                str(action.get("value") or ""))
        client.views_update(view_id=view["id"], hash=view.get("hash"),
                            view=information.with_explanation(view, text))

    def check_bulk(ack: Ack, view: dict[str, Any]) -> None:
        errors = bulk.choice_errors(bulk.read_choice(view))
        ack(response_action="errors", errors=errors) if errors else ack()

    def bulk_submitted(body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        choice = bulk.read_choice(view)
        if bulk.choice_errors(choice):
            return
        user = body["user"]["id"]
        change(services, client, user, lambda: bulk_operation(services.service, choice))
        services.home.publish(client, user, choice.state)

    for action_id in FILTERS:
        app.action(action_id)(ack=acknowledge, lazy=[filtered])
    app.action(home.ROW_INFO)(ack=opened, lazy=[changed])
    app.action(home.ROW_MENU)(ack=opened, lazy=[changed])
    app.action(home.ROW_STATUS)(ack=acknowledge, lazy=[changed])
    app.action(information.RETRY)(ack=acknowledge, lazy=[retried])
    app.action(home.RETRY_ALL)(ack=acknowledge, lazy=[retried_all])
    app.action(information.EXPLAIN)(ack=acknowledge, lazy=[explained])
    app.action(home.BULK_EDIT)(bulk_edit)
    app.view(bulk.BULK_DIALOG)(ack=check_bulk, lazy=[bulk_submitted])
