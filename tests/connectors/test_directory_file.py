"""The directory file (directory.yml) against the directory contract."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.directory_file import FileDirectory
from connectors.errors import DirectoryError
from tests.connectors.directory_contract import (
    SEED_ASSIGNMENTS,
    SEED_GROUPS,
    SEED_USERS,
    AddMember,
    DirectoryContract,
    login,
)


def seed_document() -> dict[str, Any]:
    gid = {name: "g-" + name.lower().replace(" ", "-") for name, _, _ in SEED_GROUPS}
    return {
        "users": [{"id": f"u-{short}", "login": login(short), "status": status,
                   "first_name": first, "last_name": last}
                  for short, status, first, last in SEED_USERS],
        "groups": [{"id": gid[name], "name": name,
                    **({"description": description} if description else {}),
                    "members": [f"u-{m}" for m in members]}
                   for name, description, members in SEED_GROUPS],
        "assignments": {app: [gid[n] for n in names] for app, names in SEED_ASSIGNMENTS.items()},
    }


@pytest.fixture
def directory_path(tmp_path: Path) -> Path:
    path = tmp_path / "directory.yml"
    path.write_text(yaml.safe_dump(seed_document(), sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def seeded_directory(directory_path: Path) -> FileDirectory:
    return FileDirectory(directory_path)


@pytest.fixture
def add_member(directory_path: Path) -> AddMember:
    def add(group_name: str, short: str) -> None:
        document = yaml.safe_load(directory_path.read_text(encoding="utf-8"))
        for entry in document["groups"]:
            if entry["name"] == group_name:
                entry["members"].append(f"u-{short}")
        directory_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")

    return add


class TestFileDirectoryContract(DirectoryContract):
    pass


def test_the_seed_uses_the_documented_ids(seeded_directory: FileDirectory) -> None:
    snapshot = seeded_directory.snapshot()
    assert {"u-alice", "u-bob", "u-carol"} <= set(snapshot.users)
    assert snapshot.groups["g-sales"].members == ("u-alice", "u-bob")
    assert snapshot.groups["g-engineering"].members == ("u-carol",)


def test_a_member_who_is_not_a_user_is_refused_with_the_line(tmp_path: Path) -> None:
    path = tmp_path / "directory.yml"
    path.write_text("users:\n  - {id: u-a, login: a@acme.test}\ngroups:\n"
                    "  - {id: g-1, name: One, members: [u-a, u-zed]}\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"line 4: group g-1 lists member u-zed"):
        FileDirectory(path).snapshot()


def test_groups_may_come_before_users_and_unknown_members_still_name_their_line(
        tmp_path: Path) -> None:
    path = tmp_path / "directory.yml"
    path.write_text("groups:\n  - {id: g-1, name: One, members: [u-a]}\n"
                    "users:\n  - {id: u-a, login: a@acme.test}\n", encoding="utf-8")
    assert FileDirectory(path).snapshot().groups["g-1"].members == ("u-a",)
    path.write_text("groups:\n  - {id: g-1, name: One,\n     members: [u-a, u-zed]}\n"
                    "users:\n  - {id: u-a, login: a@acme.test}\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"line 3: group g-1 lists member u-zed"):
        FileDirectory(path).snapshot()


def test_anchors_are_followed_and_repeated_keys_and_documents_refused(tmp_path: Path) -> None:
    path = tmp_path / "directory.yml"
    path.write_text("users:\n  - &a {id: u-a, login: a@acme.test}\n"
                    "groups:\n  - {id: g-1, name: One, members: &m [u-a]}\n"
                    "  - {id: g-2, name: Two, members: *m}\n", encoding="utf-8")
    groups = FileDirectory(path).snapshot().groups
    assert groups["g-1"].members == groups["g-2"].members == ("u-a",)
    path.write_text("users:\n  - &a {id: u-a, login: a@acme.test}\n  - *a\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"line 3: user id u-a twice"):
        FileDirectory(path).snapshot()
    path.write_text("users: []\ngroups: []\nusers: []\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"line 3: `users` a second time \(first on line 1"):
        FileDirectory(path).snapshot()
    path.write_text("users: []\n---\ngroups: []\n", encoding="utf-8")
    with pytest.raises(DirectoryError, match=r"line 2: a second document"):
        FileDirectory(path).snapshot()
