"""Shared fixtures: a real scim2-server for the whole run, a fresh tenant per test; an Okta
org (the stand-in) and a workspace whose directory it is."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import ldap3
import pytest

from tests import samba
from tests.servers import ScimServerProcess, ScimTenant, fresh_postgres_database
from tests.standins.okta import OktaStandIn
from tests.workspace import Workspace, make_workspace


@pytest.fixture(scope="session")
def scim_server() -> Iterator[ScimServerProcess]:
    server = ScimServerProcess()
    yield server
    server.stop()


@pytest.fixture
def scim_tenant(scim_server: ScimServerProcess) -> ScimTenant:
    return scim_server.tenant()


@pytest.fixture
def okta() -> Iterator[OktaStandIn]:
    """An Okta org: the stand-in, serving the Management API on loopback."""
    server = OktaStandIn()
    yield server
    server.stop()


@pytest.fixture
def okta_ws(tmp_path: Path, scim_tenant: ScimTenant, okta: OktaStandIn) -> Workspace:
    """A workspace whose directory is the Okta org (its config not written yet)."""
    workspace = make_workspace(tmp_path, scim_tenant)
    workspace.config["directory"] = {"type": "okta", "org_url": okta.org_url,
                                     "token": okta.token}
    return workspace


@pytest.fixture
def ws(tmp_path: Path, scim_tenant: ScimTenant) -> Workspace:
    """A workspace: Sales (alice, bob active; carol suspended; dave not in the app), IT
    (an assignment group of box), Engineering."""
    workspace = make_workspace(tmp_path, scim_tenant)
    workspace.add_user("alice")
    workspace.add_user("bob")
    workspace.add_user("carol", status="SUSPENDED")
    workspace.add_user("dave", in_app=False)
    workspace.add_user("erin", status="LOCKED_OUT")
    workspace.add_group("g-sales", "Sales", ["alice", "bob", "carol", "dave", "erin"])
    workspace.add_group("g-it", "IT", ["alice"])
    workspace.add_group("g-eng", "Engineering", ["bob"])
    workspace.add_group("g-eng-platform", "Engineering Platform", ["alice", "bob"])
    workspace.assignments = {"box": ["g-it"]}
    workspace.write()
    return workspace


def _postgres_url() -> str:
    url = os.environ.get("GROUPPUSH_TEST_POSTGRES_URL", "")
    if not url:
        pytest.skip("GROUPPUSH_TEST_POSTGRES_URL is not set: .ci/run starts a PostgreSQL "
                    "and sets it")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database: a SQLite file, or a new database on the real PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'grouppush.db'}"
        return
    with fresh_postgres_database(_postgres_url()) as url:
        yield url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the real PostgreSQL that .ci/run starts."""
    with fresh_postgres_database(_postgres_url()) as url:
        yield url


@pytest.fixture(scope="session")
def samba_dc() -> Iterator[samba.SambaDC]:
    """A real Samba AD DC on loopback for the whole run (skipped, with the reason, without it)."""
    reason = samba.missing_reason()
    if reason:
        pytest.skip(f"no Samba AD DC: {reason}")
    dc = samba.SambaDC()
    yield dc
    dc.stop()


@pytest.fixture(scope="session")
def admin(samba_dc: samba.SambaDC) -> Iterator[ldap3.Connection]:
    """An LDAP connection to the DC as its Administrator."""
    conn = samba_dc.connection()
    yield conn
    conn.unbind()
