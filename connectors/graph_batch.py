"""Microsoft Graph JSON batching: up to 20 requests in one POST /$batch, each answered on its own.

https://learn.microsoft.com/graph/json-batching: at most 20 requests a batch; the answers may
come in any order; each request is throttled on its own (a 429 with its own Retry-After
inside a 200), so the throttled ones are sent again, in a smaller batch, as HttpSender's
retry policy says (https://learn.microsoft.com/graph/throttling).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httpx

from connectors.errors import ConnectorError, from_status
from connectors.http import HttpSender, retry_after_seconds

MAX_BATCH = 20
Call = Callable[..., httpx.Response]


@dataclass
class BatchOutcome:
    """The answers of the requests that succeeded and the errors of those refused, by id."""

    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: dict[str, ConnectorError] = field(default_factory=dict)

    def raise_failures(self, app: str, total: int, what: str) -> None:
        """Raise the first refusal, counting them all, when any request was refused."""
        if not self.failures:
            return
        first = next(iter(self.failures.values()))
        raise type(first)(f"{app} refused {len(self.failures)} of {total} requests {what}",
                          status=first.status, app_message=first.app_message,
                          retry_after=first.retry_after)


class GraphBatch:
    """Sends Graph requests in JSON batches through one app's sender and token."""

    def __init__(self, app: str, api: str, http: HttpSender, call: Call) -> None:
        self.app, self.api, self.http, self.call = app, api, http, call

    def run(self, requests: Sequence[dict[str, Any]], what: str) -> BatchOutcome:
        """Send every request, 20 a batch; nothing is raised for refused ones (see failures)."""
        outcome = BatchOutcome()
        for start in range(0, len(requests), MAX_BATCH):
            self._one(list(requests[start:start + MAX_BATCH]), what, outcome)
        return outcome

    def _one(self, requests: list[dict[str, Any]], what: str, outcome: BatchOutcome) -> None:
        pending = {str(r["id"]): r for r in requests}
        attempt = 0
        while pending:
            attempt += 1
            body = self.call("POST", f"{self.api}/$batch",
                             json={"requests": list(pending.values())}, ok=(200,),
                             what=what).json()
            answered = {str(r.get("id")): r for r in body.get("responses") or []}
            retry: dict[str, ConnectorError] = {}
            for rid, request in pending.items():
                error = self.sub_error(answered.get(rid), request, what)
                if error is None:
                    outcome.answers[rid] = answered[rid]
                elif error.transient:
                    retry[rid] = error
                else:
                    outcome.failures[rid] = error
            waits = [self.http.policy.wait(attempt, e.retry_after) for e in retry.values()]
            if any(w is None for w in waits):
                outcome.failures.update(retry)
                return
            if retry:
                self.http.sleep(max(w for w in waits if w is not None))
            pending = {rid: pending[rid] for rid in retry}

    def sub_error(self, answer: dict[str, Any] | None, request: dict[str, Any],
                  what: str) -> ConnectorError | None:
        """The error of one answer in a batch, or None when it succeeded (or was already done)."""
        if answer is None:
            return from_status(503, f"{self.app} left a request out of its batch answer")
        status = int(answer.get("status", 0))
        if status < 300 or (status == 404 and request["method"] == "DELETE"):
            return None
        headers = {str(k).lower(): str(v) for k, v in (answer.get("headers") or {}).items()}
        error = (answer.get("body") or {}).get("error") or {}
        message = str(error.get("message") or error.get("code") or "")
        return from_status(status, f"{self.app} refused {what}", message,
                           retry_after_seconds(headers.get("retry-after")))
