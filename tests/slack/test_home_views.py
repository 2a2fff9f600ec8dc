"""The Push Groups tab, Information and Bulk edit as plain functions: what they show, and that
the largest of each stays within Slack's limits (tests/slack/limits.py)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from bot.views import bulk, home, information
from bot.views.home import HomeData, HomeState
from bot.views.text import ZWSP
from engine.drift import DriftReport
from engine.push.tab import ErrorDetail, Information, PushedPage, PushedRow
from storage.pages import BY_NAME, PushFilter
from tests.slack.limits import view_problems

AT = datetime(2030, 1, 1, 9, 30, tzinfo=UTC)
LONG = "<!channel> *x* " + "é" * 240
APPROVAL = {"id": "K7Q2XM", "summary": "delete 900 pushed groups from box: " + "G, " * 900,
            "requested_by": "U0OPS", "delete": True, "action": "bulk_delete",
            "status": "pending", "expires_at": "2030-01-01 10:00:00 UTC", "decided_by": "",
            "outcome": ""}


def row(i: int, **changes: object) -> PushedRow:
    values: dict[str, object] = dict(
        mapping_id=i, group_id=f"g{i}", name=f"Group {i}", active=True, members_pushed=1200,
        active_members=1250, last_push_at=AT, error="", drift=False, drift_ignored_by="",
        rule=None)
    values.update(changes)
    return PushedRow(**values)  # type: ignore[arg-type]


def page(rows: list[PushedRow], wanted: PushFilter | None = None, total: int = 0,
         rules: int = 2, number: int = 0) -> PushedPage:
    return PushedPage(wanted=wanted or PushFilter(app="box"), rows=tuple(rows), page=number,
                      size=20, total=total or len(rows), app_total=total or len(rows),
                      app_errors=1, app_drift=1,
                      rules=tuple((f"rule {i} " + "r" * 60, i) for i in range(rules)),
                      by_name=3)


def test_a_row_shows_name_status_members_last_push_rule_error_and_drift() -> None:
    rows = [row(1, name="*Ops*", rule="ops", error="sync failed: HTTP 503 from the app"),
            row(2, active=False, drift=True, active_members=None),
            row(3, drift=True, drift_ignored_by="U0OPS")]
    view = home.home_view(HomeData(apps=[("box", "scim")], state=HomeState(app="box"),
                                   page=page(rows), now=AT))
    text = json.dumps(view["blocks"], ensure_ascii=False)
    assert (f"*{ZWSP}*{ZWSP}Ops{ZWSP}*{ZWSP}*   :large_green_circle: Active · 1,200 of 1,250 "
            "active members pushed · last push 2030-01-01 09:30 UTC · by rule ops") in text
    assert ":warning: sync failed: HTTP 503 from the app" in text
    assert "Inactive · 1,200 members pushed" in text and ":mag: drift" in text
    assert "drift ignored by <@U0OPS>" in text
    actions = [b for b in view["blocks"] if b.get("block_id") == "row_actions:1"][0]
    status, info, menu = actions["elements"]
    assert (status["text"]["text"], status["style"], status["value"]) == ("Active", "primary",
                                                                        "1")
    assert status["confirm"]["confirm"]["text"] == "Deactivate"
    assert info["text"]["text"] == "Information"
    assert [o["text"]["text"] for o in menu["options"]] == [
        "Information", "Push now", "Deactivate", "Unlink (keep in app)",
        "Unlink (delete in app)"]
    assert [o["value"] for o in menu["options"]] == [
        "info:1", "now:1", "status:1", "unlink_keep:1", "unlink_delete:1"]
    second = [b for b in view["blocks"] if b.get("block_id") == "row_actions:2"][0]
    assert second["elements"][0]["text"]["text"] == "Inactive"
    assert "confirm" not in second["elements"][0]
    assert second["elements"][2]["options"][2]["text"]["text"] == "Activate"
    assert view_problems(view) == []


def test_the_largest_tab_stays_within_slacks_limits() -> None:
    rows = [row(i, name=LONG + str(i), error="push failed: " + "e" * 5000, drift=True,
                rule="r" * 255) for i in range(20)]
    state = HomeState(app="box", name="x" * 500, rule="rule 3", status="inactive",
                      errors=True, drift=True, page=49)
    data = HomeData(apps=[(f"app{i}" + "a" * 90, "scim") for i in range(150)],
                    state=state, page=page(rows, state.filter(), total=1000, rules=300,
                                           number=49),
                    pending=[{**APPROVAL, "id": f"K{i:05d}"} for i in range(40)], now=AT)
    view = home.home_view(data)
    assert view_problems(view) == []
    text = json.dumps(view, ensure_ascii=False)
    assert "… and 35 more" in text and "Page 50 of 50 · groups 981–1000 of 1000" in text


def test_filters_show_what_is_chosen_and_paging_moves() -> None:
    state = HomeState(app="box", rule=BY_NAME, status="active", errors=True, page=1)
    data = HomeData(apps=[("box", "scim"), ("wiki", "scim")], state=state,
                    page=page([row(i) for i in range(20)], state.filter(), total=45, number=1))
    view = home.home_view(data)
    filters = [b for b in view["blocks"] if b.get("block_id") == "home_filters"][0]
    app, rule, status, trouble, bulk_button, retry_all = filters["elements"]
    assert app["initial_option"]["value"] == "box"
    assert rule["initial_option"]["text"]["text"] == "By name (3)"
    assert [o["value"] for o in rule["options"]][:3] == ["*", "name", f"rule:rule 0 {'r' * 60}"]
    assert status["initial_option"]["value"] == "active"
    assert [o["value"] for o in trouble["initial_options"]] == ["errors"]
    assert bulk_button["text"]["text"] == "Bulk edit"
    assert (retry_all["action_id"], retry_all["value"], retry_all["text"]["text"]) == (
        home.RETRY_ALL, "box", "Retry all (1)")  # the app has one push with an error
    paging = [b for b in view["blocks"] if b.get("block_id") == "home_paging"][0]
    assert [(e["action_id"], e["value"]) for e in paging["elements"]] == [
        (home.PREVIOUS, "0"), (home.NEXT, "2"), (home.REFRESH, "1")]
    assert "Page 2 of 3 · groups 21–40 of 45" in json.dumps(view, ensure_ascii=False)
    assert HomeState.from_metadata(view["private_metadata"]) == state


def test_clicks_move_the_state() -> None:
    state = HomeState(app="box", name="sa", page=3)
    pick = home.state_after
    assert pick(state, {"action_id": home.RULE_FILTER,
                        "selected_option": {"value": "rule:Sales rule"}}) == \
        HomeState(app="box", name="sa", rule="Sales rule")
    assert pick(state, {"action_id": home.RULE_FILTER,
                        "selected_option": {"value": "name"}}).rule == BY_NAME
    assert pick(state, {"action_id": home.APP_SELECT,
                        "selected_option": {"value": "wiki"}}) == HomeState(app="wiki")
    assert pick(state, {"action_id": home.TROUBLE_FILTER,
                        "selected_options": [{"value": "drift"}]}).drift
    assert pick(state, {"action_id": home.SEARCH, "value": " Ops "}).name == "Ops"
    assert pick(state, {"action_id": home.NEXT, "value": "4"}).page == 4
    assert HomeState.from_metadata("not json") == HomeState()


def information_of(**changes: object) -> Information:
    values: dict[str, object] = dict(
        mapping_id=7, group="Sales", group_id="00g1", group_type="OKTA_GROUP (an Okta group)",
        in_directory=True, app="box", app_type="scim", app_group="Sales (id 42)", active=True,
        memberships=True, linked=False, created_by="U0OPS", created_at=AT, rule="sales",
        last_push_at=AT, members_pushed=3, active_members=4, skipped=("zed@acme.test",),
        skipped_reason="no user in box has this login (userName)", drift=None,
        drift_ignored_by="", error=None)
    values.update(changes)
    return Information(**values)  # type: ignore[arg-type]


def test_information_shows_type_origin_skipped_drift_and_error_with_retry() -> None:
    info = information_of(
        drift=DriftReport(group="Sales", app="box", missing=("ann@acme.test",),
                          unexpected=("eve@acme.test",)), drift_ignored_by="U0APPROVER",
        error=ErrorDetail(operation="sync", message="HTTP 503 from the app", status=503,
                          hint="The app is down; Retry when it is back.", at=AT))
    view = information.information_modal(info)
    text = json.dumps(view, ensure_ascii=False)
    for shown in ("*Group type*\\nOKTA_GROUP (an Okta group)", "Sales (id 42)",
                  "<@U0OPS>, 2030-01-01 09:30:00 UTC, by rule sales",
                  "3 pushed of 4 active in the directory",
                  "*Skipped members* (1) — no user in box has this login (userName)",
                  "zed@acme.test", "ignored by <@U0APPROVER>", "Missing (1): ann@acme.test",
                  "Unexpected (1): eve@acme.test", "sync failed", "HTTP 503",
                  "The app is down; Retry when it is back."):
        assert shown in text, shown
    retry = view["blocks"][-1]["elements"][0]
    assert (retry["action_id"], retry["value"]) == (information.RETRY, "7")
    assert view_problems(view) == []
    assert "in chat, `info Sales on box` shows the same" in text
    spaced = json.dumps(information.information_modal(information_of(group="Sales Team")))
    assert '`info \\"Sales Team\\" on box` shows the same' in spaced


def test_the_largest_information_stays_within_slacks_limits() -> None:
    many = tuple(f"{LONG}{i}@acme.test" for i in range(5000))
    info = information_of(group=LONG, app_group=LONG * 5, group_type=LONG, skipped=many,
                          drift=DriftReport(group=LONG, app="box", missing=many,
                                            unexpected=many, renamed_to=LONG),
                          error=ErrorDetail(operation="push", message="m" * 9000, status=None,
                                            hint="h" * 9000, at=None))
    assert view_problems(information.information_modal(info)) == []
    assert re.search(r"and 49\d\d more", json.dumps(information.information_modal(info)))


def test_bulk_edit_lists_the_filters_groups_with_checkboxes_and_all() -> None:
    state = HomeState(app="box", rule="sales")
    groups = [(i, f"{LONG} {i}") for i in range(1000)]
    view = bulk.bulk_modal(state, groups, 1000)
    assert view_problems(view) == []
    boxes = [b for b in view["blocks"] if b.get("block_id", "").startswith("groups:")]
    assert len(boxes) == 10 and all(len(b["element"]["options"]) == 10 for b in boxes)
    text = json.dumps(view, ensure_ascii=False)
    assert "All 1000 groups of this filter" in text and "found by rule sales" in text
    assert "The first 100 of 1000 are listed" in text

    submitted = {**view, "state": {"values": {
        "which": {"which": {"selected_option": {"value": "ticked"}}},
        "groups:0": {"groups": {"selected_options": [{"value": "3"}, {"value": "5"}]}},
        "groups:4": {"groups": {"selected_options": [{"value": "41"}]}},
        "action": {"action": {"selected_option": {"value": "delete"}}}}}}
    choice = bulk.read_choice(submitted)
    assert (choice.state, choice.total, choice.everything, choice.mapping_ids,
            choice.action) == (state, 1000, False, (3, 5, 41), "delete")
    assert bulk.choice_errors(choice) == {}
    nothing = bulk.read_choice({**view, "state": {"values": {}}})
    assert set(bulk.choice_errors(nothing)) == {"which", "action"}
