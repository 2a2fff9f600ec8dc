"""The secret values grouppush runs with, and taking them out of every text meant for people.

Each configured secret (app tokens, passwords, client secrets, the directory token and hook
secret, the Slack signing secret and tokens, the database password) is registered once; from
then on `redact` removes it by value, in the forms an app may echo it: as is, URL-encoded,
JSON-escaped, base64 (of the secret at any alignment, and of `user:password`), in any case,
and any run of RUN or more of the characters of any of those forms (a token cut short).
Registering also arms the two choke points that do not pass through a message: log records,
and string columns of rows about to be written.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, quote_plus, unquote, urlsplit

if TYPE_CHECKING:  # SQLAlchemy loads once a secret is registered: `--version` needs none of it
    from sqlalchemy.orm import Session

REDACTED = "[redacted]"
MIN_LENGTH = 4
"""Shorter values are not matched by value: they would blank ordinary words."""
SECRET_KEYS = {"token", "password", "client_secret", "event_hook_secret", "secret",
               "api_key", "signing_secret"}
PAIRS = (("user", "password"), ("client_id", "client_secret"))
SLACK_VARIABLES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN")

_KEY = r"(?:client_secret|password|passwd|secret|[a-z_]*token|api[_-]?key)"
_PATTERNS = [
    # an HTTP credential: the scheme, then something that looks like one (not a word of prose)
    (re.compile(r"\b(Bearer|SSWS|Basic|bearer|ssws)\s+(?=\S*[0-9._~+/=-])[A-Za-z0-9._~+/=%-]+"),
     r"\1 " + REDACTED),
    (re.compile(r"(?i)\b(" + _KEY + r"\s*=\s*)[^\s&\"',}]+"), r"\1" + REDACTED),
    (re.compile(r"(?i)([\"']" + _KEY + r"[\"']\s*:\s*[\"'])[^\"']+"), r"\1" + REDACTED),
]

RUN = 8
"""A run of this many characters of a secret's form is taken out wherever it appears."""

_lock = threading.Lock()
_values: set[str] = set()
_by_value: re.Pattern[str] | None = None
"""The forms shorter than RUN, any case."""
_runs: dict[str, list[tuple[str, int]]] = {}
"""Every RUN-character piece of a longer form (lower case) -> (the form, where it starts)."""
QUAD = RUN // 2
_quads: set[str] = set()
"""Every QUAD-character piece of those forms: a quick first look."""
_armed = False


def base64_cores(value: str) -> set[str]:
    """The base64 characters the secret alone decides, at each of the three alignments it may
    have inside a longer encoded text (standard and URL-safe alphabets)."""
    raw = value.encode()
    found = set()
    for skip in range(3):
        encoded = base64.b64encode(b"\0" * skip + raw).decode()
        core = encoded[-(-8 * skip // 6):(8 * (skip + len(raw))) // 6]
        found |= {core, core.replace("+", "-").replace("/", "_")}
    return found


def forms(value: str) -> set[str]:
    """The ways a secret may come back in an app's answer or a URL."""
    found = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1],
             *base64_cores(value)}
    return {f for f in found if len(f) >= MIN_LENGTH}


def register(*values: str | None) -> None:
    """Take these values out of every text from now on."""
    new = {f for v in values if v and len(v) >= MIN_LENGTH for f in forms(v)}
    _add(new)


def register_basic(user: str, password: str) -> None:
    """Take out the base64 of `user:password` (HTTP Basic), with and without padding."""
    if not user or not password:
        return
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    _add({encoded, encoded.rstrip("=")})


def register_settings(section: Mapping[str, Any]) -> None:
    """Register the secrets of a config section (and of the sections inside it)."""
    for key, value in section.items():
        if isinstance(value, Mapping):
            register_settings(value)
        elif str(key).lower() in SECRET_KEYS and isinstance(value, str):
            register(value)
    for user, password in PAIRS:
        if isinstance(section.get(user), str) and isinstance(section.get(password), str):
            register_basic(section[user], section[password])


def register_environment(environ: Mapping[str, str] = os.environ) -> None:
    """Register the Slack secrets and the database password (in DATABASE_URL or libpq's
    PGPASSWORD) from the environment."""
    register(*(environ.get(name) for name in SLACK_VARIABLES), environ.get("PGPASSWORD"))
    url = environ.get("DATABASE_URL", "")
    if "@" in url:
        password = urlsplit(url.replace("+psycopg", "")).password
        if password:
            register(password, unquote(password))


def redact(text: str) -> str:
    """The text without any registered secret, nor anything that looks like a credential."""
    text = _without_values(text)
    for credential, replacement in _PATTERNS:
        text = credential.sub(replacement, text)
    return text


def _without_values(text: str) -> str:
    """The text with every registered form, and every run of RUN of its characters, taken
    out, in any case."""
    runs, quads, pattern = _runs, _quads, _by_value
    if runs and len(text) >= RUN:
        low = text.lower()
        if len(low) != len(text):  # a letter whose lower case is longer: compare one by one
            low = "".join(c.lower()[:1] for c in text)
        parts: list[str] = []
        start = done = q = 0
        last = len(low) - RUN
        while q <= len(low) - QUAD:  # a run of RUN holds a piece of QUAD at a multiple of it
            if low[q:q + QUAD] in quads:
                for at in range(max(done, q - QUAD), min(q, last) + 1):
                    found = runs.get(low[at:at + RUN])
                    if found is not None:
                        done = max(_run_end(low, at, form, i) for form, i in found)
                        parts += [text[start:at], REDACTED]
                        start = done
                        break
            q = max(q + QUAD, -(-done // QUAD) * QUAD)
        text = "".join(parts) + text[start:] if parts else text
    if pattern is not None and text:
        text = pattern.sub(REDACTED, text)
    return text


def _run_end(low: str, i: int, form: str, at: int) -> int:
    """Where the run of `form` (from `at`) that starts at `low[i]` ends."""
    k = RUN
    while i + k < len(low) and at + k < len(form) and low[i + k] == form[at + k]:
        k += 1
    return i + k


def redact_deep(value: Any) -> Any:
    """Every string in a JSON-like value redacted (Slack payloads: text, blocks, fields)."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {k: redact_deep(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_deep(v) for v in value]
    return value


def _add(new: Iterable[str]) -> None:
    global _by_value, _runs, _quads
    with _lock:
        before = len(_values)
        _values.update(new)
        if len(_values) != before:
            short = sorted((v for v in _values if len(v) < RUN), key=len, reverse=True)
            _by_value = re.compile("|".join(re.escape(v) for v in short), re.IGNORECASE) \
                if short else None
            runs: dict[str, list[tuple[str, int]]] = {}
            for value in _values:
                form = value.lower()
                for at in range(len(form) - RUN + 1):
                    runs.setdefault(form[at:at + RUN], []).append((form, at))
            _runs = runs
            _quads = {piece[i:i + QUAD] for piece in runs for i in range(RUN - QUAD + 1)}
        _arm()


def has_secret(text: str) -> bool:
    """Whether the text holds a registered secret in any of its forms."""
    return _without_values(text) != text


def _arm() -> None:
    global _armed
    if _armed:
        return
    _armed = True
    make_record = logging.getLogRecordFactory()

    def redacted_record(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        if _values:
            record.msg, record.args = redact(record.getMessage()), ()
            if record.exc_info and not record.exc_text:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return record

    logging.setLogRecordFactory(redacted_record)
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    event.listen(Session, "before_flush", _redact_rows)


def _redact_rows(session: Session, _context: Any, _instances: Any) -> None:
    if not _values:
        return
    from sqlalchemy import inspect

    for row in [*session.new, *session.dirty]:
        for attr in inspect(row).mapper.column_attrs:
            value = getattr(row, attr.key, None)
            if isinstance(value, str):
                kept = _without_values(value)
                if kept != value:
                    setattr(row, attr.key, kept)
