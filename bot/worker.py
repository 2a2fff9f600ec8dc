"""Long work out of the process that acks: `grouppush run` hands lazy listeners to a worker.

The process that answers Slack (the front) verifies each request, acks it, opens dialogs and
answers option loads and dialog checks, all quick; every lazy listener (a command's work, a
button's decision, the Home tab) and the scheduler run in one worker process with the same
configuration. The front's acks then never wait for the worker's CPU, whatever it is pushing.
This is Bolt's own FaaS design (`x-slack-bolt-lazy-only`, as its AWS Lambda adapter uses),
with a process for a function: the worker dispatches the request again to its own Bolt app,
which runs only the named lazy listener.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from slack_bolt import App, BoltRequest
from slack_bolt.lazy_listener import LazyListenerRunner

from engine.hooks import HookSync
from telemetry.metrics import WORKER_RESTARTS, process_ended

log = logging.getLogger(__name__)

LAZY_ONLY = "x-slack-bolt-lazy-only"
LAZY_FUNCTION = "x-slack-bolt-lazy-function-name"
RESTART_PAUSE = 1.0
"""Seconds between the death of a worker and its replacement, so a crash cannot spin."""
MAX_RESTART_PAUSE = 60.0
"""The longest pause: a worker that keeps dying at start is retried this often at most."""
STEADY_SECONDS = 30.0
"""A worker that lived this long was running; one that died sooner doubles the pause."""

Payload = dict[str, Any]


class Worker:
    """The front's handle on the worker process: sends it lazy runs, replaces it if it dies.

    Each run is remembered until the worker says it finished; the runs a dead worker never
    finished (and those sent once the front is stopping) are handed to `on_lost`, on a
    thread of their own, so the people who asked for them can be told.
    """

    def __init__(self, config_path: str | None = None,
                 on_lost: Callable[[Payload], None] | None = None) -> None:
        self.config_path = config_path
        self.on_lost = on_lost or (lambda payload: log.warning("lost run %s", payload["id"]))
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._queue: Any = None
        self._process: BaseProcess | None = None
        self._reader: threading.Thread | None = None
        self._watcher: threading.Thread | None = None
        self._started_at = 0.0
        self._ids = itertools.count(1)
        self._in_flight: dict[int, Payload] = {}
        self._waiting: list[Payload] = []  # sent while no worker ran; the next one gets them
        self._telling: list[threading.Thread] = []

    def start(self) -> None:
        """Start the worker process and a thread that replaces it whenever it dies."""
        self._spawn()
        self._watcher = threading.Thread(target=self._watch, name="grouppush-worker-watch",
                                         daemon=True)
        self._watcher.start()

    def _spawn(self) -> None:
        with self._lock:
            if self._queue is not None:  # the dead worker's queue: nothing will read it
                self._queue.cancel_join_thread()
                self._queue.close()
            self._queue = self._context.Queue()
            finished, finishing = self._context.Pipe(duplex=False)
            self._process = self._context.Process(
                target=worker_main, args=(self._queue, finishing, self.config_path),
                name="grouppush-worker", daemon=True)
            self._process.start()
            self._started_at = time.monotonic()
            finishing.close()  # the worker holds the only writer: its end reads as EOF here
            self._reader = threading.Thread(target=self._read_finished, args=(finished,),
                                            name="grouppush-worker-done", daemon=True)
            self._reader.start()
            for payload in self._waiting:
                self._send(payload)
            self._waiting.clear()

    def _send(self, payload: Payload) -> None:
        self._in_flight[payload["id"]] = payload
        self._queue.put(payload)

    def _read_finished(self, finished: Connection) -> None:
        while True:
            try:
                run_id = finished.recv()
            except (EOFError, OSError):
                return
            with self._lock:
                self._in_flight.pop(run_id, None)

    def _watch(self) -> None:
        failures = 0
        while True:
            process, reader = self._process, self._reader
            assert process is not None and reader is not None
            process.join()
            reader.join()  # every "finished" the worker sent before it ended is read
            with self._lock:
                lost = list(self._in_flight.values())
                self._in_flight.clear()
            self._tell(lost)
            if self._stopping.is_set():
                return
            process_ended(process.pid or 0)
            quick = time.monotonic() - self._started_at < STEADY_SECONDS
            failures = failures + 1 if quick else 0
            pause = min(MAX_RESTART_PAUSE, RESTART_PAUSE * 2 ** failures)
            log.error("the worker process ended (exit code %s) with %d runs unfinished; "
                      "a new one starts in %.1f s", process.exitcode, len(lost), pause)
            if self._stopping.wait(pause):
                return
            WORKER_RESTARTS.inc()
            self._spawn()

    def _tell(self, lost: list[Payload]) -> None:
        if not lost:
            return
        thread = threading.Thread(target=self._tell_each, args=(lost,),
                                  name="grouppush-worker-lost", daemon=True)
        thread.start()
        self._telling.append(thread)

    def _tell_each(self, lost: list[Payload]) -> None:
        for payload in lost:
            self.on_lost(payload)

    @property
    def state(self) -> str:
        """"running", "not started" (it starts once Slack answers), "restarting" or "stopped"."""
        if self._stopping.is_set():
            return "stopped"
        process = self._process
        if process is None:
            return "not started"
        return "running" if process.is_alive() else "restarting"

    @property
    def pid(self) -> int | None:
        """The worker process's id, while it runs."""
        return self._process.pid if self._process is not None else None

    def submit(self, payload: Payload) -> None:
        """Queue one lazy run for the worker."""
        lost = []
        with self._lock:
            payload = {**payload, "id": next(self._ids)}
            if self._stopping.is_set():
                lost.append(payload)
            elif self._process is not None and self._process.is_alive():
                self._send(payload)
            else:
                self._waiting.append(payload)
        self._tell(lost)

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the worker to finish what it runs, end it, and tell about what it left."""
        self._stopping.set()
        with self._lock:
            process, waiting = self._process, self._waiting
            self._waiting = []
            if process is None:
                return
            self._queue.put(None)
        self._tell(waiting)
        process.join(timeout)
        if process.is_alive():
            process.terminate()
            process.join()
        self._queue.cancel_join_thread()
        for thread in [self._watcher, *self._telling]:
            if thread is not None:
                thread.join(timeout)


class WorkerRunner(LazyListenerRunner):
    """Bolt's lazy listener runner for the front: each lazy run becomes a message to the worker."""

    def __init__(self, worker: Worker, logger: logging.Logger | None = None) -> None:
        self.worker = worker
        self.logger = logger or log

    def start(self, function: Callable[..., None], request: BoltRequest) -> None:
        """Send the request, marked lazy-only for this function, to the worker."""
        headers = {name: list(values) for name, values in request.headers.items()}
        headers[LAZY_ONLY] = ["1"]
        headers[LAZY_FUNCTION] = [str(request.lazy_function_name)]
        self.worker.submit({
            "mode": request.mode,
            "body": request.raw_body if request.mode == "http" else request.body,
            "headers": headers,
        })


def run_payload(app: App, payload: Payload, hooks: HookSync | None = None) -> None:
    """Run one lazy listener in this process, as Bolt runs a lazy-only request (or take the
    events of a directory event hook delivery)."""
    if payload.get("kind") == "okta-events":
        if hooks is not None:
            hooks.receive(payload["events"])
        return
    request = BoltRequest(body=payload["body"], headers=payload["headers"],
                          mode=payload["mode"])
    try:
        app.dispatch(request)
    except Exception:
        log.exception("a lazy listener failed")


def run_and_report(app: App, payload: Payload, finishing: Connection,
                   lock: threading.Lock, hooks: HookSync | None = None) -> None:
    """Run one lazy listener, then tell the front it finished."""
    try:
        run_payload(app, payload, hooks)
    finally:
        with lock, contextlib.suppress(OSError):  # a front that is gone needs no answer
            finishing.send(payload["id"])


def worker_main(queue: Any, finishing: Connection, config_path: str | None) -> None:
    """The worker process: the service, a Bolt app without verification, the scheduler."""
    from bot.bolt import LISTENER_THREADS, build_app
    from bot.logs import configure_logging
    from bot.scheduler import start_scheduler
    from engine.bootstrap import service_from_env

    configure_logging()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the front, which stops us
    parent = multiprocessing.parent_process()
    if parent is not None:  # a front killed outright must not leave its worker behind
        threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    service = service_from_env(config_path)
    app = build_app(service, verify=False)
    scheduler = start_scheduler(service, app)
    hooks = HookSync(service, after=scheduler.after_sync)
    pool = ThreadPoolExecutor(LISTENER_THREADS, "grouppush-work")
    lock = threading.Lock()
    try:
        while (payload := queue.get()) is not None:
            pool.submit(run_and_report, app, payload, finishing, lock, hooks)
    finally:
        hooks.stop()
        pool.shutdown(wait=True)
        scheduler.stop()


def _exit_with(parent: BaseProcess) -> None:
    wait([parent.sentinel])
    os._exit(0)
