"""OAuth client-credentials tokens shared by the HTTP apps (Microsoft Graph, Box), and the one
httpx.Auth flow that sends them and gets a fresh one when the app answers 401."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator

import httpx

from connectors import secrets
from connectors.errors import AuthError, ConnectorError
from connectors.http import HttpSender


class AppToken:
    """An app-only token from a client-credentials grant, kept until shortly before expiry."""

    def __init__(self, http: HttpSender, url: str, form: dict[str, str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.http = http
        self.url = url
        self.form = form
        self.clock = clock
        self.requests = 0
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        """The cached token, or a new one when there is none or it is about to expire."""
        with self._lock:
            if self._token is None or self.clock() >= self._expires_at:
                self._token, lifetime = self._fetch()
                self._expires_at = self.clock() + lifetime - min(300.0, lifetime / 2)
            return self._token

    def invalidate(self, stale: str) -> None:
        """Forget the token the app refused (unless another thread already replaced it)."""
        with self._lock:
            if self._token == stale:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        self.requests += 1
        try:
            response = self.http.request("POST", self.url, data=self.form, ok=(200,),
                                         what="getting an access token")
        except ConnectorError as exc:
            if exc.transient:
                raise
            raise AuthError(f"{self.http.app} refused the app's credentials", status=exc.status,
                            app_message=exc.app_message) from None
        body = response.json()
        secrets.register(str(body["access_token"]))
        return str(body["access_token"]), float(body.get("expires_in", 3599))


class BearerAuth(httpx.Auth):
    """Sends the app token as a bearer; on a 401 gets a fresh token once and sends again.

    Pass it as `auth=` on each API request (not on the client: the token request itself
    goes without it)."""

    def __init__(self, token: AppToken) -> None:
        self.token = token
        self.refreshes = 0
        """Requests sent again with a fresh token (each is one more HTTP request)."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Bearer token; a 401 forgets it, gets a new one and repeats the request once."""
        token = self.token.get()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401:
            return
        self.token.invalidate(token)
        self.refreshes += 1
        request.headers["Authorization"] = f"Bearer {self.token.get()}"
        yield request
