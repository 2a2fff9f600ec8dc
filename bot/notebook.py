"""The notebook surface: the same typed operations as chat and the console, as a small Python
API whose outcomes show as tables in Jupyter and turn into rows (or a pandas DataFrame).

    from bot.notebook import open_grouppush
    gp = open_grouppush("grouppush.yml", actor="U0ME")
    gp.check("box")                      # a table of drifted groups
    gp.push("Sales", "box", dry_run=True).to_rows()
    gp.run("unlink Sales from box --delete")   # any command line

Changes go through the same executor as Slack: operators, approvals and the audit apply to
`actor` exactly as to a person in chat.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.views.words import render
from engine import operations as ops
from engine.bootstrap import build_service
from engine.config import load_config
from engine.core import Operation, Reply
from engine.executor import execute, run_line
from engine.outcomes import Outcome
from engine.schema import envelope
from engine.service import GroupPushService

LEGACY_TABLES = ("plan", "pushes", "events", "rules", "requests", "apps", "commands",
          "errors")
"""The keys of `data` that hold a table, for commands that return no typed outcome yet."""


@dataclass(frozen=True)
class Result:
    """What one operation did: its status, its words, its data, and a table of it."""

    reply: Reply

    @property
    def ok(self) -> bool:
        """Done (not refused, failed or bad usage)."""
        return self.reply.ok

    @property
    def status(self) -> str:
        """done | refused | failed | usage."""
        return self.reply.status

    @property
    def outcome(self) -> Outcome | None:
        """The typed outcome (engine/outcomes/)."""
        return self.reply.outcome

    @property
    def text(self) -> str:
        """What the console prints."""
        return render(self.reply)

    @property
    def data(self) -> dict[str, Any]:
        """The data, as documented for `--json` (docs/json.md)."""
        return self.reply.data

    def to_json(self) -> dict[str, Any]:
        """The same document as `grouppush exec --json`."""
        return envelope(self.reply, self.reply.operation, self.text)

    def to_rows(self) -> list[dict[str, Any]]:
        """The outcome as table rows: the plan, the pushes, the drift... or one row."""
        if self.outcome is not None:
            return self.outcome.rows()
        for key in LEGACY_TABLES:
            rows = self.data.get(key)
            if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
                return [dict(r) for r in rows]
        info = self.data.get("info")
        if isinstance(info, dict):
            return [{"field": k, "value": v} for k, v in info.items()]
        flat = {k: v for k, v in self.data.items() if not isinstance(v, dict | list)}
        return [{"status": self.status, **flat}] if flat else []

    def to_frame(self) -> Any:
        """The rows as a pandas DataFrame (pandas is optional: ImportError without it)."""
        import pandas

        return pandas.DataFrame(self.to_rows())

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.status)}</b>: " \
               f"{html.escape(self.text.splitlines()[0] if self.text else '')}</p>"
        return head + _table(self.to_rows())

    def __repr__(self) -> str:
        return self.text


def _cell(value: Any) -> str:
    if isinstance(value, list):
        shown = ", ".join(str(v) for v in value[:10])
        return html.escape(shown + (f" … (+{len(value) - 10})" if len(value) > 10 else ""))
    return html.escape("" if value is None else str(value))


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return ""
    columns = list(dict.fromkeys(k for row in rows for k in row))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{_cell(row.get(c))}</td>" for c in columns)
                   + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


class GroupPush:
    """grouppush for one actor: every command as a method, or as a typed operation."""

    def __init__(self, service: GroupPushService, actor: str = "notebook") -> None:
        self.service, self.actor = service, actor

    def do(self, operation: Operation) -> Result:
        """Run a typed operation (engine.operations)."""
        return Result(execute(self.service, operation, self.actor))

    def run(self, text: str) -> Result:
        """Run a command line, as typed in chat or the console."""
        return Result(run_line(self.service, text, self.actor))

    def list(self, app: str | None = None) -> Result:
        """Pushed groups: status, last push, errors."""
        return self.do(ops.ListPushes(app))

    def info(self, group: str, app: str) -> Result:
        """The Information details of one push."""
        return self.do(ops.Info(group, app))

    def check(self, app: str | None = None) -> Result:
        """A drift check now: the drifted groups, members missing and unexpected."""
        return self.do(ops.Check(app))

    def push(self, group: str, app: str, *, memberships: bool = True,
             dry_run: bool = False) -> Result:
        """Push a group (dry_run: its exact plan, nothing written)."""
        return self.do(ops.PushGroup(group, app, memberships, dry_run=dry_run))

    def now(self, group: str, app: str, *, dry_run: bool = False) -> Result:
        """Push now: overwrite the app group's members with the directory's."""
        return self.do(ops.PushNow(group, app, dry_run=dry_run))

    def sync(self, app: str | None = None, *, dry_run: bool = False) -> Result:
        """Push directory changes now."""
        return self.do(ops.Sync(app, dry_run=dry_run))

    def ignore(self, group: str, app: str) -> Result:
        """Keep the app's changes (drift not reported again)."""
        return self.do(ops.Ignore(group, app))

    def unlink(self, group: str, app: str, *, delete: bool, dry_run: bool = False) -> Result:
        """Ask to stop a push (an approval request)."""
        return self.do(ops.Unlink(group, app, delete, dry_run=dry_run))

    def approve(self, request_id: str) -> Result:
        """Approve a request: it carries out its plan, if that still holds."""
        return self.do(ops.Approve(request_id))

    def audit(self, count: int = 20) -> Result:
        """The last changes."""
        return self.do(ops.Audit(count))


def open_grouppush(config: str | Path = "grouppush.yml", *, actor: str = "notebook",
                   database_url: str | None = None) -> GroupPush:
    """grouppush for the configuration at `config` (DATABASE_URL or `database_url`)."""
    return GroupPush(build_service(load_config(Path(config)), database_url), actor)
