"""The Push Groups tab's words on the text surfaces: `list` filters as the tab does, `rule list`
shows the groups each rule found, `info` gives the group type, and a group may be named by its
directory id."""

from __future__ import annotations

import re

import pytest

from engine.grammar import UsageError
from engine.operations import ListPushes
from engine.registry import parse
from tests.workspace import Workspace


def test_info_gives_the_group_type_and_id_names_a_group(ws: Workspace) -> None:
    assert ws.exec("push id:g-sales to box").code == 0
    info = ws.exec("info Sales on box")
    assert info.code == 0
    assert "Group type: directory file group (directory.yml)" in info.out
    assert ws.exec("info id:g-sales on box").out == info.out
    missing = ws.exec("info id:g-nope on box")
    assert missing.code == 1 and "No directory group has the id g-nope." in missing.out


@pytest.mark.parametrize(("text", "operation"), [
    ("list", ListPushes()),
    ("list box --rule eng --status Active --errors --drift",
     ListPushes("box", "eng", "active", True, True)),
    ('list --rule "Eng rule" --drift', ListPushes(None, "Eng rule", drift=True)),
])
def test_list_reads_its_filters_back(text: str, operation: ListPushes) -> None:
    assert parse(text) == operation
    assert parse(operation.line()) == operation


@pytest.mark.parametrize(("text", "message"), [
    ("list --status pending", "`--status` takes active or inactive, not `pending`."),
    ("list --status activ", "Did you mean active?"),
    ("list box --rule", "`--rule` needs a value after it."),
    ("list box --erors", "Did you mean --errors?"),
    ("list box wiki", "takes at most one name"),
])
def test_bad_list_filters_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(UsageError, match=re.escape(message)):
        parse(text)


def test_list_filters_by_rule_status_errors_and_drift(ws: Workspace) -> None:
    assert ws.exec("rule add eng to box --starts-with Eng").code == 0
    assert ws.exec("push Sales to box").code == 0
    assert ws.exec("deactivate Engineering on box").code == 0

    by_rule = ws.exec("list box --rule ENG")
    assert by_rule.code == 0
    assert by_rule.out.splitlines()[0] == "Pushed groups (2, found by rule eng):"
    assert "Engineering → box" in by_rule.out and "Engineering Platform" in by_rule.out
    assert "Sales" not in by_rule.out
    inactive = ws.exec("list --rule eng --status inactive", as_json=True).json
    assert [m["group"] for m in inactive["data"]["pushes"]] == ["Engineering"]
    assert "No pushed group to box matches the filter (with errors)." in \
        ws.exec("list box --errors").out
    wrong = ws.exec("list box --rule egn")
    assert wrong.code == 1 and "No rule named egn. Did you mean eng?" in wrong.out
    assert ws.exec("list").out.splitlines()[0] == "Pushed groups (3):"

    rules = ws.exec("rule list")
    assert "• eng → box: --starts-with Eng (2 groups pushed, by console)" in rules.out
    assert '    found: Engineering, "Engineering Platform"' in rules.out
    assert ws.exec("rule list", as_json=True).json["data"]["rules"][0]["groups"] == [
        "Engineering", "Engineering Platform"]
