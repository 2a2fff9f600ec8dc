"""The contract every App connector passes, whatever app is behind it.

A test module subclasses `AppContract` and provides two fixtures:
- `app`: the connector under test, pointed at a real (or stand-in) app;
- `app_users`: login -> app user id of users that already exist in that app
  (at least 5), so that members can be resolved and added;
and, for apps whose capabilities say their groups have descriptions, a third:
- `description_of`: group id -> its description as the app itself holds it.
"""

from __future__ import annotations

import uuid

import pytest

from connectors.base import App, AppGroup


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


class AppContract:
    """Group and membership behaviour shared by every connector."""

    def test_create_find_get_delete_group(self, app: App) -> None:
        name = unique("Sales")
        assert app.find_group(name) is None
        created = app.create_group(name, "the sales team")
        assert created.name == name
        found = app.find_group(name)
        assert found is not None and found.id == created.id
        got = app.get_group(created.id)
        assert got is not None and got.name == name
        app.delete_group(created.id)
        assert app.get_group(created.id) is None
        assert app.find_group(name) is None

    def test_rename_keeps_the_group_and_its_members(self, app: App,
                                                    app_users: dict[str, str]) -> None:
        old, new = unique("Sales"), unique('Sales "EMEA"')
        group = app.create_group(old)
        ids = sorted(app_users.values())[:2]
        app.add_members(group.id, ids)
        app.rename_group(group.id, new)
        assert app.get_group(group.id) == AppGroup(id=group.id, name=new)
        assert app.find_group(new) == AppGroup(id=group.id, name=new)
        assert app.find_group(old) is None
        assert set(app.list_members(group.id)) == set(ids)
        app.delete_group(group.id)

    def test_a_description_is_set_changed_and_cleared(self, app: App,
                                                      request: pytest.FixtureRequest) -> None:
        if not app.capabilities.descriptions:
            pytest.skip("this app's groups have no description")
        description_of = request.getfixturevalue("description_of")
        group = app.create_group(unique("Described"), "the sales team")
        assert description_of(group.id) == "the sales team"
        app.describe_group(group.id, "the EMEA sales team")
        assert description_of(group.id) == "the EMEA sales team"
        app.describe_group(group.id, "")
        assert not description_of(group.id)
        app.delete_group(group.id)

    def test_names_that_need_escaping_are_found(self, app: App) -> None:
        name = unique('R&D "core" team')
        created = app.create_group(name)
        assert app.find_group(name) == created
        app.delete_group(created.id)

    def test_resolve_users_skips_unknown_logins(self, app: App,
                                                app_users: dict[str, str]) -> None:
        logins = sorted(app_users)[:3]
        resolved = app.resolve_users([*logins, "nobody-here@acme.test"])
        assert resolved == {login: app_users[login] for login in logins}

    def test_add_list_remove_members(self, app: App, app_users: dict[str, str]) -> None:
        group = app.create_group(unique("Members"))
        ids = sorted(app_users.values())
        app.add_members(group.id, ids)
        assert set(app.list_members(group.id)) == set(ids)
        app.remove_members(group.id, ids[:2])
        assert set(app.list_members(group.id)) == set(ids[2:])
        app.delete_group(group.id)

    def test_read_group_is_the_group_and_its_members(self, app: App,
                                                     app_users: dict[str, str]) -> None:
        group = app.create_group(unique("Read"))
        app.add_members(group.id, sorted(app_users.values())[:3])
        found = app.read_group(group.id)
        assert found is not None
        assert found == (app.get_group(group.id), app.list_members(group.id))
        app.delete_group(group.id)
        assert app.read_group(group.id) is None

    def test_list_members_and_user_logins_name_every_member(
            self, app: App, app_users: dict[str, str]) -> None:
        group = app.create_group(unique("Named"))
        ids = sorted(app_users.values())[:3]
        app.add_members(group.id, ids)
        members = app.list_members(group.id)
        named = {uid: login for uid, login in members.items() if login}
        named.update(app.user_logins([uid for uid in members if uid not in named]))
        by_id = {uid: login.casefold() for login, uid in app_users.items()}
        assert {uid: login.casefold() for uid, login in named.items()} == \
            {uid: by_id[uid] for uid in ids}
        app.delete_group(group.id)

    def test_member_batches_respect_the_app_limit(self, app: App,
                                                   app_users: dict[str, str]) -> None:
        if len(app_users) <= app.capabilities.max_members_per_request:
            pytest.skip("needs more users than one batch")
        group = app.create_group(unique("Big"))
        app.add_members(group.id, sorted(app_users.values()))
        assert set(app.list_members(group.id)) == set(app_users.values())
        app.delete_group(group.id)

    def test_health_is_ok(self, app: App) -> None:
        assert app.health() == "ok"
