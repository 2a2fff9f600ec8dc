"""Slack's Socket Mode endpoint on loopback: a real WebSocket server that says hello, and can
drop every connection and refuse new ones until it is let back up."""

from __future__ import annotations

import json
import threading
from typing import Any

from websockets.http11 import Request, Response
from websockets.sync.server import ServerConnection, serve


class SocketStandIn:
    """ws://127.0.0.1:PORT/link, as apps.connections.open hands out."""

    def __init__(self) -> None:
        self.up = threading.Event()
        self.up.set()
        self.connections: set[ServerConnection] = set()
        self.opened = 0
        self._lock = threading.Lock()
        self.server = serve(self._serve, "127.0.0.1", 0, process_request=self._gate)
        self.port = self.server.socket.getsockname()[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        """The URL apps.connections.open answers with."""
        return f"ws://127.0.0.1:{self.port}/link"

    def _gate(self, connection: ServerConnection, request: Request) -> Response | None:
        if not self.up.is_set():
            return connection.respond(503, "Socket Mode is down\n")
        return None

    def _serve(self, connection: ServerConnection) -> None:
        with self._lock:
            self.connections.add(connection)
            self.opened += 1
        try:
            connection.send(json.dumps({"type": "hello", "num_connections": 1,
                                        "connection_info": {"app_id": "A0GROUPPUSH"}}))
            for _message in connection:  # acks of envelopes; none are sent here
                pass
        except Exception:  # noqa: S110 - dropped on purpose
            pass
        finally:
            with self._lock:
                self.connections.discard(connection)

    def drop(self) -> None:
        """Cut every connection and refuse new ones (Slack away)."""
        self.up.clear()
        with self._lock:
            connections = list(self.connections)
        for connection in connections:
            connection.close()

    def restore(self) -> None:
        """Accept connections again."""
        self.up.set()

    def stop(self) -> None:
        """Stop serving."""
        self.drop()
        self.server.shutdown()

    def __enter__(self) -> SocketStandIn:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
