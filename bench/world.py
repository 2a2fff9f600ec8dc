"""The benchmark's world: a generated directory file, a real scim2-server, the grouppush service."""

from __future__ import annotations

import os
import random
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml

from bench.meter import RequestLog
from connectors.scim import ScimApp
from engine.bootstrap import build_service
from engine.config import load_config
from engine.service import GroupPushService
from tests.servers import ScimServerProcess, ScimTenant

APP = "bench"
ACTOR = "bench"
SLACK_GROUP = "Slack Load"
BULK_SIZE = 1000
"""Users created per SCIM /Bulk request while seeding the app."""

Say = Callable[[str], None]


@dataclass(frozen=True)
class Sizes:
    """How big the benchmark is; every figure in the table follows from these."""

    users: int = 100_000
    """Users in the directory file (those past the app's users exist only in the directory)."""
    push_sizes: tuple[int, ...] = (1_000, 10_000, 50_000)
    """Members of the single-group pushes."""
    groups: int = 1_000
    """Pushed groups for the sync and the drift check."""
    group_size: int = 100
    """Members of each of those groups, drawn at random from the app's users."""
    changed: float = 0.01
    """Share of those memberships changed in the directory before the sync."""
    batch: int = 1_000
    """max_members_per_request of the benchmarked app."""
    concurrency: int = 4
    """concurrency of the benchmarked app: groups synced or checked at once."""
    commands: int = 50
    """Slash commands sent at once, per round, while a large push runs."""
    rounds: int = 4
    """Rounds of concurrent slash commands."""
    slack_push: int = 10_000
    """Members of the group pushed from Slack while the commands come in."""
    seed: int = 7

    @property
    def app_users(self) -> int:
        """Users created in the SCIM app: enough for the biggest group."""
        return max(*self.push_sizes, self.slack_push, self.group_size)

    def check(self) -> None:
        """Refuse sizes that cannot make a meaningful run."""
        if self.users < self.app_users:
            raise ValueError(f"--users must be at least {self.app_users} (the biggest group)")
        if not 0 < self.changed <= 1:
            raise ValueError("--changed is a share between 0 and 1")
        if min(self.push_sizes, default=0) < 1 or self.groups < 1 or self.group_size < 2:
            raise ValueError("sizes must be positive (group size at least 2)")


QUICK = Sizes(users=5_000, push_sizes=(100, 1_000, 5_000), groups=100, group_size=20,
              commands=20, rounds=2, slack_push=5_000)
"""`--quick`: a smoke run of about a minute."""


def user_id(index: int) -> str:
    """The directory id of user number `index`."""
    return f"u{index:06d}"


def login(index: int) -> str:
    """The login (and app userName) of user number `index`."""
    return f"user{index:06d}@acme.test"


def bench_app(service: GroupPushService) -> ScimApp:
    """The benchmarked SCIM app, as the engine sees it."""
    app = service.apps[APP]
    assert isinstance(app, ScimApp)
    return app


def push_groups(service: GroupPushService, names: Iterable[str], at_once: int) -> None:
    """Push these directory groups to the benchmarked app, `at_once` at a time (setup)."""
    def push_one(name: str) -> None:
        reply = service.push(name, APP, ACTOR)
        if not reply.ok:
            raise RuntimeError(str(reply))

    with ThreadPoolExecutor(max_workers=at_once) as pool:
        list(pool.map(push_one, names))


def push_group_name(size: int, again: bool = False) -> str:
    """The directory group pushed alone with `size` members (`again`: its twin, pushed once
    the process has pushed before)."""
    return f"Push {size}" + (" again" if again else "")


@dataclass
class BenchGroup:
    """A directory group, its members as user numbers."""

    id: str
    name: str
    members: list[int]


@dataclass
class Directory:
    """The generated directory, kept compact (user numbers) and written as directory.yml."""

    sizes: Sizes
    groups: list[BenchGroup] = field(default_factory=list)

    @classmethod
    def generate(cls, sizes: Sizes) -> Directory:
        """Push groups of each size, the Slack load group, and the teams of random members."""
        rng = random.Random(sizes.seed)
        directory = cls(sizes)
        for size in sizes.push_sizes:
            directory.groups.append(BenchGroup(f"g-push-{size}", push_group_name(size),
                                               list(range(size))))
        first = sizes.push_sizes[0]
        directory.groups.append(BenchGroup(f"g-push-{first}-again", push_group_name(first, True),
                                           list(range(first))))
        directory.groups.append(BenchGroup("g-slack", SLACK_GROUP, list(range(sizes.slack_push))))
        for n in range(sizes.groups):
            members = sorted(rng.sample(range(sizes.app_users), sizes.group_size))
            directory.groups.append(BenchGroup(f"g-team-{n:05d}", team_name(n), members))
        return directory

    @property
    def teams(self) -> list[BenchGroup]:
        """The groups of the sync and the drift check."""
        return [g for g in self.groups if g.id.startswith("g-team-")]

    def write(self, path: Path) -> None:
        """Write directory.yml; the mtime moves on so the engine sees a change."""
        before = path.stat().st_mtime_ns if path.exists() else 0
        with path.open("w", encoding="utf-8") as out:
            out.write("users:\n")
            for i in range(self.sizes.users):
                out.write(f"- {{id: {user_id(i)}, login: {login(i)}, status: ACTIVE}}\n")
            out.write("groups:\n")
            for group in self.groups:
                members = ", ".join(user_id(i) for i in group.members)
                out.write(f"- {{id: {group.id}, name: \"{group.name}\", members: [{members}]}}\n")
        after = path.stat().st_mtime_ns
        if after <= before:
            os.utime(path, ns=(after, before + 1_000_000))

    def change_memberships(self, share: float, seed: int) -> tuple[int, int, set[str]]:
        """Change `share` of the teams' memberships, half removals, half additions.

        Returns (added, removed, ids of the groups whose members differ afterwards).
        """
        rng = random.Random(seed)
        teams = self.teams
        before = {t.id: set(t.members) for t in teams}
        total = max(1, round(share * sum(len(t.members) for t in teams)))
        added = removed = 0
        for n in range(total):
            team = rng.choice(teams)
            if n % 2 == 0 and len(team.members) > 1:
                team.members.remove(rng.choice(team.members))
                removed += 1
            else:
                have = set(team.members)
                newcomer = rng.randrange(self.sizes.app_users)
                while newcomer in have:
                    newcomer = rng.randrange(self.sizes.app_users)
                team.members.append(newcomer)
                added += 1
        changed = {t.id for t in teams if set(t.members) != before[t.id]}
        return added, removed, changed


def team_name(n: int) -> str:
    """The directory name of team number n."""
    return f"Team {n:05d}"


@dataclass
class World:
    """Everything one benchmark run works on."""

    sizes: Sizes
    folder: Path
    tenant: ScimTenant
    directory: Directory
    service: GroupPushService
    log: RequestLog
    database_url: str

    @property
    def app(self) -> ScimApp:
        """The benchmarked SCIM app, as the engine sees it."""
        return bench_app(self.service)

    @property
    def config_path(self) -> Path:
        """grouppush.yml."""
        return self.folder / "grouppush.yml"

    @property
    def directory_path(self) -> Path:
        """The directory file the engine reads."""
        return self.folder / "directory.yml"

    def floor_client(self) -> httpx.Client:
        """A plain httpx client for the same app: no engine, no retries, no rate limit."""
        return httpx.Client(timeout=self.app.settings.timeout,
                            headers={"Authorization": f"Bearer {self.tenant.token}",
                                     "Accept": "application/scim+json"})


def write_config(folder: Path, tenant: ScimTenant, sizes: Sizes) -> Path:
    """grouppush.yml: the directory file and one SCIM app sized by `sizes`."""
    config = {
        # the bench writes directory.yml whole before it syncs: no settling in the sync's wall
        "directory": {"type": "file", "path": "directory.yml", "settle_seconds": 0},
        "apps": {APP: {"type": "scim", "url": tenant.url, "token": "${BENCH_SCIM_TOKEN}",
                       "max_members_per_request": sizes.batch,
                       "concurrency": sizes.concurrency, "timeout": 600,
                       "read_timeout": 600, "write_timeout": 600}},
        "slack": {"alerts_channel": "C0ALERTS", "operators": [], "approvers": ["U0APPROVER"],
                  "allow_self_approval": False, "approval_ttl_minutes": 60},
        "schedule": {"sync_seconds": 86400, "drift_check_seconds": 86400},
        # the sync scenario removes hundreds of memberships on purpose: no approval wait
        "safety": {"max_removals_per_sync": 10_000_000},
    }
    os.environ["BENCH_SCIM_TOKEN"] = tenant.token
    path = folder / "grouppush.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def warm_server(world: World) -> None:
    """Send the server each kind of group request once, by plain httpx, before anything is
    measured: its own first-time work (its code paths, its models' validators) then lands
    neither on the engine's first push nor on the floor replayed after it."""
    base, json_type = world.app.base, {"Content-Type": "application/scim+json"}
    patch = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
    with world.floor_client() as client:
        user = client.get(f"{base}/Users", params={"count": 1}).json()["Resources"][0]["id"]
        made = client.post(f"{base}/Groups", headers=json_type, json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "bench warm-up"})
        group = f"{base}/Groups/{made.raise_for_status().json()['id']}"
        client.get(f"{base}/Groups", params={"filter": 'displayName eq "bench warm-up"'})
        for operation in ({"op": "add", "path": "members", "value": [{"value": user}]},
                          {"op": "remove", "path": f'members[value eq "{user}"]'}):
            client.patch(group, headers=json_type,
                         json={"schemas": [patch], "Operations": [operation]}).raise_for_status()
        client.get(group).raise_for_status()
        client.delete(group).raise_for_status()


@contextmanager
def world(sizes: Sizes, database_url: str | None = None,
          say: Say = lambda _text: None) -> Iterator[World]:
    """A temporary folder, a scim2-server with the app users, the directory and the service."""
    sizes.check()
    with tempfile.TemporaryDirectory(prefix="grouppush-bench-") as tmp:
        folder = Path(tmp)
        server = ScimServerProcess()
        service: GroupPushService | None = None
        try:
            tenant = server.tenant()
            say(f"creating {sizes.app_users:,} users in scim2-server by /Bulk")
            tenant.bulk_create_users((login(i) for i in range(sizes.app_users)), BULK_SIZE)
            directory = Directory.generate(sizes)
            directory.write(folder / "directory.yml")
            config = load_config(write_config(folder, tenant, sizes))
            database_url = database_url or f"sqlite:///{folder / 'bench.db'}"
            service = build_service(config, database_url)
            log = RequestLog()
            app = service.apps[APP]
            assert isinstance(app, ScimApp)
            log.attach(app.client)
            made = World(sizes, folder, tenant, directory, service, log, database_url)
            warm_server(made)
            yield made
        finally:
            if service is not None:
                for app in service.apps.values():
                    app.close()
                service.db.close()
            server.stop()

