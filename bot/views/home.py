"""The App Home tab as Okta's Push Groups tab: one app's pushed groups, a page at a time, with
each group's status button and menu, the filters, paging, and the pending approvals (pure)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.views.alerts import retry_all_button
from bot.views.approvals import decision_buttons
from bot.views.text import Block, clip, context, escape, mention, plain, section
from engine.push.tab import PushedPage, PushedRow
from engine.stored import BY_NAME, PushFilter
from engine.times import when_iso
from engine.words import okta_pushes, plural

MAX_BLOCKS = 100
"""A Home tab holds at most 100 blocks."""
PENDING_SHOWN = 5
"""Approval requests shown on the tab (three blocks each); `requests` lists them all."""
RULES_SHOWN = 97
"""Rules offered in the By rule filter (a select holds 100 options; three are not rules)."""

APP_SELECT, RULE_FILTER, STATUS_FILTER = "home_app", "home_rule", "home_status"
TROUBLE_FILTER, SEARCH, BULK_EDIT = "home_trouble", "home_search", "home_bulk"
RETRY_ALL = "home_retry_all"
PREVIOUS, NEXT, REFRESH = "home_previous", "home_next", "home_refresh"
ROW_STATUS, ROW_INFO, ROW_MENU = "home_row_status", "home_row_info", "home_row_menu"
MENU_ITEMS = ("info", "now", "status", "unlink_keep", "unlink_delete")
"""The row menu's items, in order: value `ITEM:MAPPING_ID`."""
ANY, ACTIVE, INACTIVE = "any", "active", "inactive"
ERRORS, DRIFT = "errors", "drift"


@dataclass(frozen=True)
class HomeState:
    """What one person looks at on the tab: the app, the filter and the page."""

    app: str = ""
    name: str = ""
    rule: str | None = None
    status: str | None = None
    errors: bool = False
    drift: bool = False
    page: int = 0

    def filter(self) -> PushFilter:
        """The storage filter this state shows."""
        return PushFilter(app=self.app, name=self.name, rule=self.rule, status=self.status,
                          errors=self.errors, drift=self.drift)

    def to_metadata(self) -> str:
        """The state as a view's private_metadata (JSON; names are cut to stay small)."""
        return json.dumps({**asdict(self), "name": self.name[:200]}, separators=(",", ":"))

    @classmethod
    def from_metadata(cls, text: str | None) -> HomeState:
        """The state back from private_metadata (a stale or empty one gives the default)."""
        try:
            data = json.loads(text or "{}")
            known = {k: data[k] for k in asdict(cls()) if k in data}
            return cls(**known)
        except (ValueError, TypeError):
            return cls()

    def moved(self, **changes: Any) -> HomeState:
        """The state with a filter changed, back on the first page."""
        return replace(self, page=0, **changes)


@dataclass(frozen=True)
class HomeData:
    """What the Home tab shows, read by the listener."""

    apps: Sequence[tuple[str, str]]  # (name, type)
    state: HomeState = field(default_factory=HomeState)
    page: PushedPage | None = None
    pending: Sequence[dict[str, Any]] = field(default_factory=list)
    now: datetime | None = None


def _when(at: datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at else "never"


def _option(text: str, value: str) -> Block:
    return {"text": plain(text, 75), "value": value}


def describe_filter(wanted: PushFilter) -> str:
    """The filter in words, for the tab and the bulk edit dialog."""
    parts = []
    if wanted.name.strip():
        parts.append(f"name contains “{wanted.name.strip()}”")
    if wanted.rule == BY_NAME:
        parts.append("pushed by name")
    elif wanted.rule is not None:
        parts.append(f"found by rule {wanted.rule}")
    if wanted.status:
        parts.append(wanted.status)
    parts += ["with errors"] * wanted.errors + ["with drift"] * wanted.drift
    return ", ".join(parts) or "all"


def row_text(row: PushedRow) -> str:
    """One pushed group: name, status, members, last push, the rule, errors and drift."""
    status = ":large_green_circle: Active" if row.active else ":white_circle: Inactive"
    members = okta_pushes(row.active_members) if row.by_okta else \
        f"{row.members_pushed:,} of {row.active_members:,} active members pushed" \
        if row.active_members is not None else f"{row.members_pushed:,} members pushed"
    how = f"by rule {escape(row.rule)}" if row.rule is not None else \
        "in Okta's admin console" if row.origin == "okta" else "by name"
    lines = [f"*{escape(row.name)}*   {status} · {members} · last push "
             f"{_when(row.last_push_at)} · {how}"]
    if row.error:
        lines.append(f":warning: {escape(clip(row.error, 300))}")
    if row.protected:
        lines.append(f":lock: protected ({escape(row.protected)}): grouppush leaves it alone")
    if row.drift and row.drift_ignored_by:
        lines.append(f":see_no_evil: drift ignored by {mention(row.drift_ignored_by)}")
    elif row.drift:
        lines.append(":mag: drift: the app group changed behind grouppush")
    return "\n".join(lines)


def status_button(row: PushedRow) -> Block:
    """Active (click to deactivate, confirmed) or Inactive (click to activate)."""
    button: Block = {"type": "button", "action_id": ROW_STATUS, "value": str(row.mapping_id),
                     "text": plain("Active" if row.active else "Inactive")}
    if row.active:
        button["style"] = "primary"
        button["confirm"] = {
            "title": plain("Deactivate the push?"),
            "text": plain(clip(f"{row.name} stays in the app as it is; directory changes are "
                               "not pushed until it is activated again.", 300)),
            "confirm": plain("Deactivate"), "deny": plain("Cancel")}
    return button


def row_menu(row: PushedRow) -> Block:
    """The overflow menu of a row: Information, Push now, (De)activate, Unlink keep/delete."""
    labels = ["Information", "Push now", "Deactivate" if row.active else "Activate",
              "Unlink (keep in app)", "Unlink (delete in app)"]
    return {"type": "overflow", "action_id": ROW_MENU,
            "options": [_option(label, f"{item}:{row.mapping_id}")
                        for label, item in zip(labels, MENU_ITEMS, strict=True)]}


def row_blocks(row: PushedRow) -> list[Block]:
    """A row: its text, then its status button, Information button and menu."""
    return [
        {"type": "section", "block_id": f"row:{row.mapping_id}", "text":
         {"type": "mrkdwn", "text": clip(row_text(row), 3000)}},
        {"type": "actions", "block_id": f"row_actions:{row.mapping_id}", "elements": [
            status_button(row),
            {"type": "button", "action_id": ROW_INFO, "value": str(row.mapping_id),
             "text": plain("Information")},
            row_menu(row)]},
    ]


def _select(action_id: str, placeholder: str, options: list[Block], chosen: str) -> Block:
    initial = next((o for o in options if o["value"] == chosen), options[0])
    return {"type": "static_select", "action_id": action_id, "placeholder": plain(placeholder),
            "options": options, "initial_option": initial}


def filter_blocks(data: HomeData, page: PushedPage) -> list[Block]:
    """The app choice, the By rule, status, errors and drift filters, search, Bulk edit, and
    Retry all (N) while the app has pushes with errors."""
    state = data.state
    apps = [_option(f"{name} ({kind})", name) for name, kind in data.apps[:100]]
    rules = [_option(f"Any way ({page.app_total})", "*"),
             _option(f"By name ({page.by_name})", "name")]
    rules += [_option(f"By rule {name} ({count})", f"rule:{name}")
              for name, count in page.rules[:RULES_SHOWN]]
    rules += [_option(f"By removed rule {name} ({count})", f"rule:{name}")
              for name, count in page.removed_rules[:max(0, RULES_SHOWN - len(page.rules))]]
    rule_value = "*" if state.rule is None else "name" if state.rule == BY_NAME \
        else f"rule:{state.rule}"
    statuses = [_option("Any status", ANY), _option("Active", ACTIVE),
                _option("Inactive", INACTIVE)]
    trouble = [_option("With errors", ERRORS), _option("With drift", DRIFT)]
    checked = [o for o in trouble if (o["value"] == ERRORS and state.errors)
               or (o["value"] == DRIFT and state.drift)]
    checkboxes: Block = {"type": "checkboxes", "action_id": TROUBLE_FILTER, "options": trouble}
    if checked:
        checkboxes["initial_options"] = checked
    search: Block = {"type": "plain_text_input", "action_id": SEARCH, "max_length": 200,
                     "placeholder": plain("Search by name, then press Enter"),
                     "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]}}
    if state.name:
        search["initial_value"] = state.name
    return [
        {"type": "actions", "block_id": "home_filters", "elements": [
            _select(APP_SELECT, "App", apps, state.app),
            _select(RULE_FILTER, "By rule", rules, rule_value),
            _select(STATUS_FILTER, "Status", statuses, state.status or ANY),
            checkboxes,
            {"type": "button", "action_id": BULK_EDIT, "value": state.app,
             "text": plain("Bulk edit")},
            *([retry_all_button(RETRY_ALL, state.app, page.app_errors)]
              if page.app_errors else [])]},
        {"type": "input", "block_id": "home_search", "dispatch_action": True, "optional": True,
         "label": plain("Search by name"), "element": search},
    ]


def paging_blocks(page: PushedPage) -> list[Block]:
    """Where this page is, with Previous and Next."""
    first = page.page * page.size + 1
    shown = f"{first}–{first + len(page.rows) - 1} of {page.total}" if page.rows \
        else f"none of {page.app_total}"
    buttons = []
    if page.page > 0:
        buttons.append({"type": "button", "action_id": PREVIOUS, "value": str(page.page - 1),
                        "text": plain("◀ Previous")})
    if page.page + 1 < page.pages:
        buttons.append({"type": "button", "action_id": NEXT, "value": str(page.page + 1),
                        "text": plain("Next ▶")})
    buttons.append({"type": "button", "action_id": REFRESH, "value": str(page.page),
                    "text": plain("Refresh")})
    return [context(f"Page {page.page + 1} of {page.pages} · groups {shown}"),
            {"type": "actions", "block_id": "home_paging", "elements": buttons}]


def app_blocks(data: HomeData, page: PushedPage) -> list[Block]:
    """One app's Push Groups tab."""
    name = page.wanted.app or ""
    kind = dict(data.apps).get(name, "?")
    blocks: list[Block] = [
        {"type": "header", "text": plain(clip(f"Push Groups · {name} ({kind})", 150))},
        context(f"{page.app_total} pushed groups · {page.app_errors} with errors · "
                f"{page.app_drift} with drift · {plural(len(page.rules), 'rule')}"),
        *filter_blocks(data, page),
        context(f"Showing: {escape(describe_filter(page.wanted))} — {page.total} groups"),
    ]
    for row in page.rows:
        blocks += row_blocks(row)
    if not page.rows:
        blocks.append(section(
            f"Nothing pushed to {escape(name)} yet: `/grouppush push` opens the push dialog."
            if page.app_total == 0 else "No pushed group matches this filter."))
    return blocks + paging_blocks(page)


def pending_blocks(pending: Sequence[dict[str, Any]]) -> list[Block]:
    """Requests waiting for an approver, with Approve and Deny (the first few)."""
    blocks: list[Block] = [{"type": "header", "text": plain("Waiting for approval")}]
    for approval in pending[:PENDING_SHOWN]:
        blocks += [section(clip(f":lock: {mention(approval['requested_by'])} asks to "
                                f"{escape(str(approval['summary']))}.", 3000)),
                   context(f"Request {approval['id']} · expires "
                           f"{escape(when_iso(str(approval['expires_at'])))}"),
                   decision_buttons(approval)]
    if len(pending) > PENDING_SHOWN:
        blocks.append(context(f"… and {len(pending) - PENDING_SHOWN} more: "
                              "`/grouppush requests` lists them all."))
    return blocks


def home_view(data: HomeData) -> dict[str, Any]:
    """The Home tab view."""
    blocks: list[Block] = [
        {"type": "header", "text": plain("grouppush")},
        context(f"Updated {_when(data.now)} · `/grouppush help` lists the commands"),
    ]
    if data.pending:
        blocks += pending_blocks(data.pending)
    if data.page is not None:
        blocks += [{"type": "divider"}, *app_blocks(data, data.page)]
    else:
        blocks.append(section("No apps are configured; add them under `apps:` in "
                              "grouppush.yml."))
    return {"type": "home", "private_metadata": data.state.to_metadata(),
            "blocks": blocks[:MAX_BLOCKS]}


def state_after(state: HomeState, action: dict[str, Any]) -> HomeState:
    """Where a click on the tab's filters or paging leads."""
    action_id = action.get("action_id")
    chosen = str((action.get("selected_option") or {}).get("value") or "")
    if action_id == APP_SELECT:
        return HomeState(app=chosen or state.app)
    if action_id == RULE_FILTER:
        rule = None if chosen in ("*", "") else BY_NAME if chosen == "name" else chosen[5:]
        return state.moved(rule=rule)
    if action_id == STATUS_FILTER:
        return state.moved(status=chosen if chosen in (ACTIVE, INACTIVE) else None)
    if action_id == TROUBLE_FILTER:
        ticked = {o.get("value") for o in action.get("selected_options") or []}
        return state.moved(errors=ERRORS in ticked, drift=DRIFT in ticked)
    if action_id == SEARCH:
        return state.moved(name=str(action.get("value") or "").strip()[:200])
    if action_id in (PREVIOUS, NEXT, REFRESH):
        return replace(state, page=int(action.get("value") or 0))
    return state
