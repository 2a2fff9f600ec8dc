"""One error family for every connector; vendor errors are mapped into it here."""

from __future__ import annotations

import re

from connectors.secrets import redact

APP_MESSAGE_LENGTH = 300
"""An app's own words are kept to this many characters."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def bounded(text: str, length: int = APP_MESSAGE_LENGTH) -> str:
    """The text on one line, without control characters, at most `length` characters."""
    text = _CONTROL.sub(" ", text).strip()
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"

HINTS = {
    "auth": "Check the app's token or credentials in grouppush.yml; they were refused.",
    "not_found": "The group may have been deleted or renamed in the app; "
    "`now GROUP on APP` recreates and repushes it.",
    "exists": "A group with this name already exists in the app; "
    "rename one of them or set enhanced_group_push: true to link it.",
    "name_taken": "Rename or remove the other app group (or rename the directory group "
    "again); the next sync renames this one. Its members are pushed meanwhile.",
    "bad_request": "The app refused the request; its message above says why "
    "(often a user not provisioned in the app or a value it does not accept).",
    "rate_limited": "The app is rate limiting grouppush; lower requests_per_minute or wait.",
    "unreachable": "The app did not answer; check its URL, the network and the app's status.",
    "server": "The app failed on its side; it is retried, then try again later.",
    "directory": "The directory no longer has what this push needs (the message above says "
    "what): put it back in the directory (the file named by directory.path in grouppush.yml, "
    "or Okta), or end the push as the message says.",
}


DIRECTORY_HINTS = {
    "auth": "Okta refused grouppush's token: check directory.token in grouppush.yml (an Okta "
    "API token of an admin who may read users and groups); it may have expired or been "
    "revoked in Okta (Security > API > Tokens).",
    "unreachable": "Okta did not answer: check directory.org_url (https://YOUR-ORG.okta.com), "
    "the network and status.okta.com.",
    "rate_limited": "Okta is rate limiting grouppush; lower directory.max_rate_share or wait "
    "for the limit to reset.",
    "server": "Okta failed on its side; grouppush retries. See status.okta.com.",
    "not_found": "Okta does not know what was asked; check directory.org_url names your org.",
    "bad_request": "Okta refused the request; its message above says why.",
    "directory": "Okta sent something grouppush cannot use; the message above says what.",
}
"""Hints for the Okta directory's errors (HINTS speak of apps)."""


class ConnectorError(Exception):
    """An app or directory refused or failed a request."""

    kind = "bad_request"
    transient = False

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        app_message: str = "",
        retry_after: float | None = None,
    ) -> None:
        super().__init__(redact(message))
        self.status = status
        self.app_message = redact(bounded(app_message))
        self.retry_after = retry_after

    hints: dict[str, str] = HINTS
    """Where `hint` looks: the apps' hints, or a source's own (DIRECTORY_HINTS)."""

    @property
    def hint(self) -> str:
        """A troubleshooting hint for the common cause of this kind of error."""
        return self.hints.get(self.kind, "")

    def describe(self) -> str:
        """The message with the app's status and own words, for people."""
        parts = [str(self)]
        if self.status is not None:
            parts.append(f"(HTTP {self.status})" if self.status >= 100 else f"(code {self.status})")
        if self.app_message and self.app_message not in str(self):
            parts.append(f"— {self.app_message}")
        return " ".join(parts)


class TransientError(ConnectorError):
    """Worth retrying: the app was down, slow, or failing on its side."""

    kind = "server"
    transient = True


class RateLimitedError(TransientError):
    """The app said 429; retry after the time it gave."""

    kind = "rate_limited"


class UnreachableError(TransientError):
    """No answer from the app at all."""

    kind = "unreachable"


class TimedOutError(UnreachableError):
    """No answer within the timeout: the app may still have applied the request."""


class AuthError(ConnectorError):
    """Credentials refused: stop talking to this app until they are fixed."""

    kind = "auth"


class NotFoundError(ConnectorError):
    """The object is not (or no longer) in the app."""

    kind = "not_found"


class ObjectExistsError(ConnectorError):
    """The app already has an object with this name."""

    kind = "exists"


class NameTakenError(ObjectExistsError):
    """A directory group was renamed to the name of another group in the app."""

    kind = "name_taken"


class BadRequestError(ConnectorError):
    """The app refused the request as invalid."""

    kind = "bad_request"


def from_status(status: int, message: str, app_message: str = "",
                retry_after: float | None = None) -> ConnectorError:
    """Map an HTTP status to the error family (the one choke point for HTTP apps)."""
    cls: type[ConnectorError]
    if status in (401, 403):
        cls = AuthError
    elif status == 404:
        cls = NotFoundError
    elif status == 409:
        cls = ObjectExistsError
    elif status == 429:
        cls = RateLimitedError
    elif status >= 500:
        cls = TransientError
    else:
        cls = BadRequestError
    return cls(message, status=status, app_message=app_message, retry_after=retry_after)


class DirectoryError(ConnectorError):
    """The directory (or its file) could not be read or is not valid."""

    kind = "directory"


class ConfigError(ValueError):
    """grouppush.yml names a key wrongly or gives it a value it cannot take."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"config `{key}`: {reason}")
        self.key = key
        self.reason = reason
