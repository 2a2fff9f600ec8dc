"""Log setup for every grouppush process: GROUPPUSH_LOG (level), GROUPPUSH_LOG_FORMAT (text|json).

JSON is one object per line: time, level, event, logger, and where the code says them app,
group, run_id, actor (as `extra=`); every text is redacted like any message grouppush shows.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from connectors.errors import redact

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
CONTEXT_KEYS = ("app", "group", "run_id", "actor", "operation", "result")
"""What a log call may add with `extra=`: bounded, searchable fields."""


class JsonFormatter(logging.Formatter):
    """One JSON object per record, secrets redacted."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON."""
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "event": redact(record.getMessage()),
            "logger": record.name,
        }
        for key in CONTEXT_KEYS:
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = redact(value) if isinstance(value, str) else value
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class RedactingFormatter(logging.Formatter):
    """The text format, secrets redacted too."""

    def format(self, record: logging.LogRecord) -> str:
        """The record as text."""
        return redact(super().format(record))


def configure_logging() -> None:
    """Set the root logger from GROUPPUSH_LOG and GROUPPUSH_LOG_FORMAT (stderr), unless it
    has handlers already (as logging.basicConfig: a host such as pytest keeps its own)."""
    root = logging.getLogger()
    if root.handlers:
        return
    kind = os.environ.get("GROUPPUSH_LOG_FORMAT", "text").strip().lower()
    formatter: logging.Formatter = JsonFormatter() if kind == "json" \
        else RedactingFormatter(TEXT_FORMAT)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(os.environ.get("GROUPPUSH_LOG", "WARNING").upper())
    if kind not in ("text", "json"):
        logging.getLogger(__name__).warning(
            "GROUPPUSH_LOG_FORMAT=%s is not a format (text or json); writing text", kind)


def answer_on_screen() -> None:
    """For `exec`, `check`, `console` and `demo`, which print each push's result as their
    answer: the push log says it again only at ERROR, unless GROUPPUSH_LOG asks for more."""
    if "GROUPPUSH_LOG" not in os.environ:
        logging.getLogger("grouppush.pushes").setLevel(logging.ERROR)
