"""Real local servers for the tests: scim2-server on loopback, started as its own process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

SCIM_TOKEN = "test-token-not-a-secret"
SCIM_JSON = "application/scim+json"


@contextmanager
def fresh_postgres_database(server_url: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database on the PostgreSQL of `server_url` (a SQLAlchemy URL), dropped
    at the end even while connections remain."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    plain = server_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScimServerProcess:
    """`scim2-server --dynamic-tenants`: every test gets a tenant of its own."""

    def __init__(self, token: str = SCIM_TOKEN) -> None:
        self.port = free_port()
        self.token = token
        exe = shutil.which("scim2-server") or os.path.join(os.path.dirname(sys.executable),
                                                           "scim2-server")
        self.proc = subprocess.Popen(
            [exe, "--port", str(self.port), "--bearer-token", token, "--dynamic-tenants"],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if "Serving SCIM on" not in line:
            self.stop()
            raise RuntimeError(f"scim2-server did not start: {line!r}")

    def tenant(self) -> ScimTenant:
        """A fresh, empty SCIM app."""
        return ScimTenant(f"http://127.0.0.1:{self.port}/t{uuid.uuid4().hex[:12]}/v2", self.token)

    def stop(self) -> None:
        """Stop the server."""
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@dataclass
class ScimTenant:
    """One SCIM app, with direct access for the tests to look inside or change it behind
    grouppush's back."""

    url: str
    token: str

    def _client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {self.token}",
                                     "Content-Type": SCIM_JSON})

    def create_users(self, logins: Iterable[str]) -> dict[str, str]:
        """Create app users; login -> id."""
        out = {}
        with self._client() as client:
            for login in logins:
                r = client.post("/Users", json={
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": login})
                r.raise_for_status()
                out[login] = r.json()["id"]
        return out

    def bulk_create_users(self, logins: Iterable[str], per_request: int = 1000) -> None:
        """Create many app users with SCIM /Bulk, `per_request` operations per request."""
        wanted = list(logins)
        with httpx.Client(base_url=self.url, timeout=600,
                          headers={"Authorization": f"Bearer {self.token}",
                                   "Content-Type": SCIM_JSON}) as client:
            for start in range(0, len(wanted), per_request):
                ops = [{"method": "POST", "path": "/Users", "bulkId": f"b{i}",
                        "data": {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                 "userName": name}}
                       for i, name in enumerate(wanted[start:start + per_request], start)]
                client.post("/Bulk", json={
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                    "Operations": ops}).raise_for_status()

    def users(self) -> dict[str, str]:
        """id -> userName of every user."""
        out: dict[str, str] = {}
        with self._client() as client:
            start = 1
            while True:
                body = client.get("/Users", params={"startIndex": start, "count": 1000}).json()
                for item in body.get("Resources", []):
                    out[item["id"]] = item["userName"]
                start += len(body.get("Resources", []))
                if not body.get("Resources") or start > body["totalResults"]:
                    return out

    def _group_names(self) -> list[tuple[str, str]]:
        """(displayName, id) of every group, page by page (a bench has over 1,000)."""
        out: list[tuple[str, str]] = []
        with self._client() as client:
            start = 1
            while True:
                body = client.get("/Groups", params={"startIndex": start, "count": 1000,
                                                     "attributes": "displayName"}).json()
                found = body.get("Resources", [])
                out += [(g["displayName"], g["id"]) for g in found]
                start += len(found)
                if not found or start > body["totalResults"]:
                    return out

    def groups(self) -> dict[str, str]:
        """displayName -> id of every group (the tests keep names unique)."""
        return dict(self._group_names())

    def group_count(self, name: str) -> int:
        """How many groups have this displayName (duplicates are a bug)."""
        return sum(1 for shown, _ in self._group_names() if shown == name)

    def member_logins(self, name: str) -> set[str]:
        """userNames of the members of the group with this displayName."""
        group_id = self.groups()[name]
        users = self.users()
        with self._client() as client:
            body = client.get(f"/Groups/{group_id}").json()
        return {users.get(m["value"], m["value"]) for m in body.get("members") or []}

    def create_group(self, name: str, member_ids: Iterable[str] = ()) -> str:
        """A group made in the app directly."""
        with self._client() as client:
            r = client.post("/Groups", json={
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": name,
                "members": [{"value": v} for v in member_ids]})
            r.raise_for_status()
            return str(r.json()["id"])

    def patch_members(self, name: str, add: Iterable[str] = (), remove: Iterable[str] = ()) -> None:
        """Change a group's members directly in the app, by userName."""
        ids = {v: k for k, v in self.users().items()}
        ops: list[dict[str, object]] = []
        if add:
            ops.append({"op": "add", "path": "members",
                        "value": [{"value": ids[login]} for login in add]})
        ops += [{"op": "remove", "path": f'members[value eq "{ids[login]}"]'} for login in remove]
        with self._client() as client:
            r = client.patch(f"/Groups/{self.groups()[name]}", json={
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": ops})
            r.raise_for_status()

    def delete_group(self, name: str) -> None:
        """Delete a group directly in the app."""
        with self._client() as client:
            client.delete(f"/Groups/{self.groups()[name]}").raise_for_status()
