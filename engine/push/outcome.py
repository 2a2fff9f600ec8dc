"""What one push did, and its end told to the metrics and the log (a push to any app,
also one Okta pushes: engine/okta_push/)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from connectors.errors import ConnectorError
from telemetry import metrics

results = logging.getLogger("grouppush.pushes")
"""Each push's result: INFO when done, WARNING when failed (bot/logs.py quiets it where the
answer is on the screen)."""


@dataclass(frozen=True)
class PushOutcome:
    """What one push did."""

    group: str
    app: str
    added: int = 0
    removed: int = 0
    skipped: tuple[str, ...] = ()
    created: bool = False
    linked: bool = False
    recreated: bool = False
    renamed_from: str | None = None
    """The group's name before the directory renamed it, when this push followed the rename."""
    described: bool = False
    """The app group's description was changed to the directory group's."""
    group_error: ConnectorError | None = None
    """Why the app group could not follow the directory group's new name or description
    (the members went anyway)."""


def finished(app: str, group: str, operation: str, actor: str, run_id: int | None,
             result: str, detail: str = "") -> None:
    """Count the push's end and log it (a failure as a warning)."""
    metrics.PUSHES.labels(app, operation, result).inc()
    results.log(logging.WARNING if result == "failed" else logging.INFO,
                "%s %s of %s on %s%s", operation, result, group, app,
                f": {detail}" if detail else "",
                extra={"app": app, "group": group, "run_id": run_id, "actor": actor,
                       "operation": operation, "result": result})
