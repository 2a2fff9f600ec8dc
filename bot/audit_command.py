"""`grouppush audit-export`: the audit trail as JSON Lines (or CSV) for a SIEM."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from engine.service import GroupPushService
from engine.stored import audit_export as exported


def audit_export(service: GroupPushService, since: str | None, output: str | None,
                 kind: str = "jsonl") -> int:
    """Write the events (of the last `since`, else all) to `output` (atomically) or stdout."""
    try:
        export = exported(service, since, kind)
    except ValueError as error:
        print(f"grouppush: --since: {error}", file=sys.stderr)
        return 2
    text = export.text
    if not output or output == "-":
        sys.stdout.write(text)
        return 0
    target = Path(output)
    problem = _unwritable(target)
    if problem:
        print(f"grouppush: --output {output}: {problem}", file=sys.stderr)
        return 2
    try:
        _replace(target, text)
    except OSError as error:
        print(f"grouppush: --output {output}: {error.strerror or error}", file=sys.stderr)
        return 1
    print(f"grouppush: {export.events} audit events written to {target}", file=sys.stderr)
    return 0


def _unwritable(target: Path) -> str:
    """Why `target` cannot be the export file, or ""."""
    if target.is_dir():
        return "is a folder; name a file in it, such as " + str(target / "audit.jsonl")
    if not target.parent.is_dir():
        return f"the folder {target.parent} does not exist; create it or name another file"
    return ""


def _replace(target: Path, text: str) -> None:
    """Write `text` to `target` whole (a temporary file renamed), leaving no temporary file."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=target.parent,
                                     delete=False, prefix=f".{target.name}.") as file:
        temporary = Path(file.name)
        try:
            file.write(text)
        except BaseException:
            file.close()
            temporary.unlink(missing_ok=True)
            raise
    try:
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
