"""The floor: the engine's own SCIM requests sent again by plain httpx, with no engine at all.

Requests are replayed byte for byte as the engine sent them (same bodies, same query strings,
same order per group, same number of groups at once), so the floor is what the server itself
allows for exactly that work.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from bench.meter import Sent

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def send(client: httpx.Client, sent: Sent, url: str | None = None,
         content: bytes | None = None) -> httpx.Response:
    """Send one recorded request (optionally to another URL or with another body)."""
    headers = {"Content-Type": sent.content_type} if sent.content_type else {}
    response = client.request(sent.method, url or sent.url, headers=headers,
                              content=sent.content if content is None else content)
    response.raise_for_status()
    return response


def replay_push(client: httpx.Client, sent: list[Sent], group_id: str,
                suffix: str = " (floor)") -> tuple[float, int, str]:
    """Replay a push into a new group: the POST gets a name with `suffix`, and the member
    PATCHes go to the new group. Returns (seconds, requests, the new group's id)."""
    new_id = ""
    started = time.perf_counter()
    for request in sent:
        if request.method == "POST" and request.path.endswith("/Groups"):
            body = json.loads(request.content)
            body["displayName"] = f"{body['displayName']}{suffix}"
            response = send(client, request, content=json.dumps(body).encode())
            new_id = str(response.json()["id"])
        elif group_id in request.url:
            send(client, request, url=request.url.replace(group_id, new_id))
        else:
            send(client, request)
    return time.perf_counter() - started, len(sent), new_id


def by_group(sent: Iterable[Sent]) -> list[list[Sent]]:
    """Requests grouped by the app group they touch, each group's in the order sent."""
    groups: dict[str, list[Sent]] = defaultdict(list)
    for request in sent:
        groups[request.path].append(request)
    return list(groups.values())


def replay_by_group(client: httpx.Client, sent: list[Sent],
                    workers: int) -> tuple[float, int, int]:
    """Replay requests, `workers` groups at once, each group's requests in order.

    Returns (seconds, requests, groups at once).
    """
    work = by_group(sent)

    def one_group(requests: list[Sent]) -> None:
        for request in requests:
            send(client, request)

    started = time.perf_counter()
    if workers <= 1 or len(work) <= 1:
        for requests in work:
            one_group(requests)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(one_group, work))
    return time.perf_counter() - started, len(sent), max(1, min(workers, len(work)))


def inverse_patch(sent: Sent) -> bytes:
    """The PATCH body that undoes a recorded member PATCH (adds become removes and back)."""
    operations: list[dict[str, Any]] = []
    for operation in json.loads(sent.content)["Operations"]:
        op, path = str(operation["op"]).lower(), str(operation.get("path", ""))
        if op == "add" and path == "members":
            operations += [{"op": "remove", "path": f'members[value eq "{m["value"]}"]'}
                           for m in operation["value"]]
        elif op == "remove" and path.startswith("members[value eq "):
            member = path[len('members[value eq "'):-2]
            operations.append({"op": "add", "path": "members", "value": [{"value": member}]})
        else:
            raise ValueError(f"cannot undo a PATCH operation {op} {path}")
    return json.dumps({"schemas": [PATCH_SCHEMA], "Operations": operations}).encode()


def undo(client: httpx.Client, sent: list[Sent]) -> None:
    """Undo recorded member PATCHes, newest first (not timed: it sets the floor's stage)."""
    for request in reversed(sent):
        if request.method == "PATCH":
            send(client, request, content=inverse_patch(request))
