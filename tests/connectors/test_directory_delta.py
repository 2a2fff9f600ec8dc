"""A changed directory file is told as what changed since the cursor this process handed out
(the file it read then), and as "read it whole" for a cursor it does not hold."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.base import DirectoryChanges, DirectoryGroup, DirectoryUser
from connectors.directory_file import FileDirectory
from tests.connectors.test_directory_file import seed_document

Document = dict[str, Any]
Edit = Callable[[Document], None]


def write(path: Path, document: Document) -> None:
    """The file written again, dated a second later than before (a new fingerprint)."""
    before = path.stat().st_mtime_ns if path.exists() else 0
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    os.utime(path, ns=(before + 1_000_000_000, before + 1_000_000_000))


def entry(document: Document, kind: str, key: str) -> dict[str, Any]:
    return next(e for e in document[kind] if e["id"] == key)


def add_member(d: Document) -> None:
    entry(d, "groups", "g-sales")["members"].append("u-user01")


def drop_bob(d: Document) -> None:
    entry(d, "groups", "g-sales")["members"].remove("u-bob")


def reorder(d: Document) -> None:
    entry(d, "groups", "g-sales")["members"].reverse()


def suspend_alice(d: Document) -> None:
    entry(d, "users", "u-alice")["status"] = "SUSPENDED"


def rename_alice(d: Document) -> None:
    entry(d, "users", "u-alice")["last_name"] = "Smith"


def rename_sales(d: Document) -> None:
    entry(d, "groups", "g-sales")["name"] = "Sales EMEA"


def describe_support(d: Document) -> None:
    entry(d, "groups", "g-support")["description"] = "Helps"


def delete_team(d: Document) -> None:
    d["groups"].remove(entry(d, "groups", "g-team-01"))


def delete_carol(d: Document) -> None:
    d["users"].remove(entry(d, "users", "u-carol"))
    entry(d, "groups", "g-engineering")["members"] = []


def add_groups(d: Document) -> None:
    d["groups"] += [{"id": "g-new", "name": "Team 05", "members": ["u-alice"]},
                    {"id": "g-empty", "name": "Team 06"}]


def add_user(d: Document) -> None:
    d["users"].append({"id": "u-zoe", "login": "zoe@acme.test"})


def reassign(d: Document) -> None:
    d["assignments"] = {"box": ["g-sales"]}


SALES = DirectoryGroup(id="g-sales", name="Sales", description="Sales team")
ALICE = DirectoryUser(id="u-alice", login="alice@acme.test", first_name="Alice", last_name="Doe")


@pytest.mark.parametrize(("edit", "users", "groups", "members", "gone_users", "gone_groups"), [
    (add_member, (), (SALES,), {"g-sales"}, set(), set()),
    (drop_bob, (), (SALES,), {"g-sales"}, set(), set()),
    (reorder, (), (), set(), set(), set()),
    (suspend_alice, (replace(ALICE, status="SUSPENDED"),), (), set(), set(), set()),
    (rename_alice, (replace(ALICE, last_name="Smith"),), (), set(), set(), set()),
    (rename_sales, (), (replace(SALES, name="Sales EMEA"),), set(), set(), set()),
    (describe_support, (), (DirectoryGroup(id="g-support", name="Support",
                                           description="Helps"),), set(), set(), set()),
    (delete_team, (), (), set(), set(), {"g-team-01"}),
    (delete_carol, (), (DirectoryGroup(id="g-engineering", name="Engineering"),),
     {"g-engineering"}, {"u-carol"}, set()),
    (add_groups, (), (DirectoryGroup(id="g-new", name="Team 05"),
                      DirectoryGroup(id="g-empty", name="Team 06")), {"g-new"}, set(), set()),
    (add_user, (DirectoryUser(id="u-zoe", login="zoe@acme.test"),), (), set(), set(), set()),
    (reassign, (), (), set(), set(), set()),
])
def test_each_edit_comes_back_as_what_it_changed(
        tmp_path: Path, edit: Edit, users: tuple[DirectoryUser, ...],
        groups: tuple[DirectoryGroup, ...], members: set[str], gone_users: set[str],
        gone_groups: set[str]) -> None:
    path, document = tmp_path / "directory.yml", seed_document()
    write(path, document)
    directory = FileDirectory(path)
    cursor = directory.full_read(members=False).cursor
    edit(document)
    write(path, document)
    changes = directory.changes(cursor)
    assert changes == DirectoryChanges(
        cursor=changes.cursor, users=users, groups=groups, membership_changed=frozenset(members),
        deleted_users=frozenset(gone_users), deleted_groups=frozenset(gone_groups))
    assert changes.cursor != cursor
    assert directory.changes(changes.cursor) == DirectoryChanges(cursor=changes.cursor)


def test_assignments_are_read_as_the_file_has_them_now(tmp_path: Path) -> None:
    path, document = tmp_path / "directory.yml", seed_document()
    write(path, document)
    directory = FileDirectory(path)
    cursor = directory.full_read().cursor
    reassign(document)
    write(path, document)
    directory.changes(cursor)
    assert directory.assignment_refs() == {"box": ["g-sales"]}


def test_a_cursor_this_process_did_not_hand_out_is_told_to_read_it_whole(
        tmp_path: Path) -> None:
    path, document = tmp_path / "directory.yml", seed_document()
    write(path, document)
    first = FileDirectory(path).full_read().cursor  # another instance, or before a restart
    add_member(document)
    write(path, document)
    directory = FileDirectory(path)
    read = directory.changes(first)
    assert read.everything  # nothing handed out here yet
    drop_bob(document)
    write(path, document)
    again = directory.changes(first)
    assert again.everything  # not the cursor handed out last
    assert directory.changes(read.cursor).everything  # handed out, but not the last one
    suspend_alice(document)
    write(path, document)
    last = directory.changes(again.cursor)  # the one handed out last: what changed since
    assert not last.everything
    assert [u.id for u in last.users] == ["u-alice"]
