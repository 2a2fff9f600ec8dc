"""The contract every Directory passes, whatever holds the users and groups.

A test module subclasses `DirectoryContract` and provides two fixtures:
- `seeded_directory`: the Directory under test, holding the SEED below (users, groups, and the
  group named in SEED_ASSIGNMENTS used for app assignments), read in small pages where the
  directory pages at all;
- `add_member`: a callable `(group name, user short name)` that adds a member behind the
  directory's back, in its source, so that the next snapshot must show it.

Users are told apart by login (`{short}@acme.test`): ids are the directory's own.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import Directory, DirectoryGroup, DirectorySnapshot, read_whole

DOMAIN = "acme.test"
FILLERS = [f"user{n:02d}" for n in range(1, 10)]
SEED_USERS: list[tuple[str, str, str, str]] = [
    ("alice", "ACTIVE", "Alice", "Doe"),
    ("bob", "SUSPENDED", "Bob", "Roe"),
    ("carol", "DEPROVISIONED", "Carol", "Poe"),
    *[(short, "ACTIVE", "User", short[-2:]) for short in FILLERS],
]
SEED_GROUPS: list[tuple[str, str, list[str]]] = [
    ("Sales", "Sales team", ["alice", "bob"]),
    ("Engineering", "", ["carol"]),
    ("Sales Ops", "", ["alice"]),
    ("Support", "", []),
    ("All Staff", "Everyone on staff", ["alice", "bob", *FILLERS]),
    *[(f"Team {n:02d}", "", [FILLERS[n]]) for n in range(1, 5)],
]
SEED_ASSIGNMENTS = {"box": ["Engineering"]}
AddMember = Callable[[str, str], None]


def login(short: str) -> str:
    return f"{short}@{DOMAIN}"


def group(snapshot: DirectorySnapshot, name: str) -> DirectoryGroup:
    found = snapshot.group_named(name)
    assert found is not None, f"no group {name!r}"
    return found


def member_logins(snapshot: DirectorySnapshot, name: str) -> set[str]:
    return {snapshot.users[uid].login for uid in group(snapshot, name).members}


class DirectoryContract:
    """Users, statuses, groups, members, assignments and search, for every Directory."""

    def test_every_user_is_read_with_status_and_names(self, seeded_directory: Directory) -> None:
        snapshot = read_whole(seeded_directory)
        for short, status, first, last in SEED_USERS:
            user = snapshot.user_by_login(login(short))
            assert user is not None, short
            assert (user.status, user.first_name, user.last_name) == (status, first, last)
        assert len([u for u in snapshot.users.values() if u.login.endswith(DOMAIN)]) == len(
            SEED_USERS)

    def test_deprovisioned_and_suspended_users_are_not_active(
            self, seeded_directory: Directory) -> None:
        snapshot = read_whole(seeded_directory)
        active = {short: snapshot.user_by_login(login(short)).active  # type: ignore[union-attr]
                  for short in ("alice", "bob", "carol")}
        assert active == {"alice": True, "bob": False, "carol": False}

    def test_groups_are_read_with_their_members(self, seeded_directory: Directory) -> None:
        snapshot = read_whole(seeded_directory)
        for name, description, members in SEED_GROUPS:
            assert member_logins(snapshot, name) == {login(m) for m in members}, name
            assert group(snapshot, name).description == description
            assert group(snapshot, name).type == "OKTA_GROUP"

    def test_only_active_members_are_pushable(self, seeded_directory: Directory) -> None:
        snapshot = read_whole(seeded_directory)
        assert snapshot.active_logins(group(snapshot, "Sales")) == {login("alice")}
        assert snapshot.active_logins(group(snapshot, "Engineering")) == set()
        assert len(snapshot.active_logins(group(snapshot, "All Staff"))) == 1 + len(FILLERS)

    def test_assignment_groups_are_given_by_id(self, seeded_directory: Directory) -> None:
        snapshot = read_whole(seeded_directory)
        assert dict(snapshot.assignments) == {
            "box": frozenset({group(snapshot, "Engineering").id})}

    def test_search_matches_the_start_of_names_ignoring_case(
            self, seeded_directory: Directory) -> None:
        names = [g.name for g in seeded_directory.search_groups("sal")]
        assert set(names) == {"Sales", "Sales Ops"}
        assert names[0] == "Sales"
        assert seeded_directory.search_groups("nothing like it") == []

    def test_search_respects_the_limit(self, seeded_directory: Directory) -> None:
        found = seeded_directory.search_groups("Team", limit=2)
        assert len(found) == 2 and all(g.name.startswith("Team") for g in found)

    def test_changes_are_seen_at_the_next_snapshot(self, seeded_directory: Directory,
                                                   add_member: AddMember) -> None:
        assert member_logins(read_whole(seeded_directory), "Support") == set()
        add_member("Support", "user01")
        assert member_logins(read_whole(seeded_directory), "Support") == {login("user01")}
