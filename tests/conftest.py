"""Shared fixtures: a real scim2-server for the whole run, a fresh tenant per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import ScimServerProcess, ScimTenant


@pytest.fixture(scope="session")
def scim_server() -> Iterator[ScimServerProcess]:
    server = ScimServerProcess()
    yield server
    server.stop()


@pytest.fixture
def scim_tenant(scim_server: ScimServerProcess) -> ScimTenant:
    return scim_server.tenant()
