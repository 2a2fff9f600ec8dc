"""Measuring: requests an httpx client sends (counted, kept for replay), wall time, peak memory."""

from __future__ import annotations

import re
import resource
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import httpx

T = TypeVar("T")
_GROUP_ID = re.compile(r"/(Groups|Users)/[^/?]+")


@dataclass(frozen=True)
class Sent:
    """One request as it went out: enough to send it again byte for byte."""

    method: str
    url: str
    content: bytes
    content_type: str

    @property
    def path(self) -> str:
        """The URL path."""
        return httpx.URL(self.url).path

    @property
    def kind(self) -> str:
        """Method and endpoint, ids left out: `PATCH /Groups/{id}`, `GET /Users`."""
        path = _GROUP_ID.sub(lambda m: f"/{m.group(1)}/{{id}}", self.path)
        endpoint = path[path.find("/v2/") + 3:] if "/v2/" in path else path
        return f"{self.method} {endpoint}"

    @property
    def reads_a_group(self) -> bool:
        """Whether this request reads app groups (a GET on /Groups or /Groups/{id})."""
        return self.method == "GET" and self.kind.split(" ", 1)[1].startswith("/Groups")


@dataclass
class RequestLog:
    """Event hooks on an httpx client: every request kept, and how many were in flight at most."""

    sent: list[Sent] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, client: httpx.Client) -> None:
        """Hook into a client (its other hooks are kept)."""
        hooks = client.event_hooks
        client.event_hooks = {"request": [*hooks.get("request", []), self._on_request],
                              "response": [*hooks.get("response", []), self._on_response]}

    def start(self) -> None:
        """Forget what was sent so far."""
        with self._lock:
            self.sent = []
            self.in_flight = self.max_in_flight = 0

    def kinds(self) -> Counter[str]:
        """How many requests of each kind were sent since start()."""
        with self._lock:
            return Counter(s.kind for s in self.sent)

    def _on_request(self, request: httpx.Request) -> None:
        sent = Sent(request.method, str(request.url), request.content,
                    request.headers.get("Content-Type", ""))
        with self._lock:
            self.sent.append(sent)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def _on_response(self, _response: httpx.Response) -> None:
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)


class PeakMemory:
    """Peak resident memory (RSS) of this process over a block of work.

    On Linux the kernel's high-water mark (VmHWM) is reset through /proc/self/clear_refs
    before the block, so the figure is the peak during the block itself; elsewhere it is
    resource.getrusage's ru_maxrss, the peak over the process's whole life.
    """

    STATUS = Path("/proc/self/status")

    def __init__(self) -> None:
        self.source = "VmHWM" if self._reset() else "ru_maxrss"
        self.start_mb = self._status("VmRSS") or self._maxrss()

    def _reset(self) -> bool:
        try:
            Path("/proc/self/clear_refs").write_text("5")
        except OSError:
            return False
        return self._status("VmHWM") is not None

    def _status(self, key: str) -> float | None:
        try:
            text = self.STATUS.read_text()
        except OSError:
            return None
        found = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
        return int(found.group(1)) / 1024 if found else None

    @staticmethod
    def _maxrss() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def peak_mb(self) -> float:
        """The peak RSS in MB since this object was made."""
        if self.source == "VmHWM":
            return self._status("VmHWM") or self._maxrss()
        return self._maxrss()


@dataclass(frozen=True)
class Measured:
    """One measured piece of engine work."""

    seconds: float
    requests: int
    """Requests the engine's HttpSender sent (its requests_sent counter, retries included)."""
    sent: list[Sent]
    """The same requests as the client's hooks saw them."""
    max_in_flight: int
    peak_mb: float | None = None
    start_mb: float | None = None
    memory_source: str = ""

    def count(self, kind: str) -> int:
        """Requests of one kind (`PATCH /Groups/{id}`)."""
        return sum(1 for s in self.sent if s.kind == kind)

    @property
    def group_reads(self) -> int:
        """GETs on /Groups or /Groups/{id}."""
        return sum(1 for s in self.sent if s.reads_a_group)

    def breakdown(self) -> str:
        """`3 GET /Groups, 50 PATCH /Groups/{id}`."""
        counts = Counter(s.kind for s in self.sent)
        return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())) or "none"


def measure(log: RequestLog, counter: Callable[[], int], work: Callable[[], T], *,
            memory: bool = False) -> tuple[T, Measured]:
    """Run work once; its wall time, requests and (when asked) peak memory."""
    log.start()
    before = counter()
    peak = PeakMemory() if memory else None
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    measured = Measured(seconds=seconds, requests=counter() - before, sent=list(log.sent),
                        max_in_flight=log.max_in_flight,
                        peak_mb=peak.peak_mb() if peak else None,
                        start_mb=peak.start_mb if peak else None,
                        memory_source=peak.source if peak else "")
    return result, measured
