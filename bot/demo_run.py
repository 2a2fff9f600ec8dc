"""`grouppush demo [--dir DIR]`: the demo's world (in a temporary folder, or kept in DIR),
its SCIM app served while the console runs, and the console."""

from __future__ import annotations

import os
import secrets
import signal
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType

from bot.demo import (
    APP,
    demo_logins,
    local_scim_app,
    sample_directory,
    seed_app_users,
    write_demo_files,
)


@contextmanager
def _ended_by_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP end the demo as Ctrl-D does: its temporary folder is removed."""
    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    before = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)


def _folder(stack: ExitStack, kept: str | None) -> Path:
    if kept is None:
        return Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="grouppush-demo-")))
    folder = Path(kept).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _banner(config_path: Path, url: str, users: int, groups: int, actor: str,
            kept: bool) -> str:
    folder = config_path.parent
    lines = [f"grouppush demo: {users} users and {groups} groups in {folder / 'directory.yml'}; "
             f"app `{APP}` is a SCIM app at {url}.",
             f"Try: search sales | push Sales to {APP} | info Sales on {APP} | list | "
             f"unlink Sales from {APP} --delete | help"]
    if actor == "console":
        lines.append("(In the demo the console user is an approver and may approve its own "
                     "requests.)")
    else:
        lines.append(f"(You act as {actor}, who is not an approver here: requests wait for "
                     "`console`, the demo's approver.)")
    if kept:
        lines.append(f"The world is kept in {folder}. While this demo runs, from another "
                     f"terminal: GROUPPUSH_CONFIG={config_path} grouppush exec list  (also "
                     "`check` and, with a Slack app, `run`).")
    lines.append("Ctrl-C clears the line; Ctrl-D or `exit` ends the demo.")
    return "\n".join(lines)


def run_demo(kept: str | None, actor: str) -> int:
    """Build the demo's world, serve its SCIM app and run the console until it ends."""
    from bot.console import run_console
    from engine.bootstrap import build_service
    from engine.config import load_config

    token = secrets.token_urlsafe(24)
    os.environ["GROUPPUSH_DEMO_TOKEN"] = token
    with ExitStack() as stack:
        stack.enter_context(_ended_by_signals())
        folder = _folder(stack, kept)
        url = stack.enter_context(local_scim_app(token))
        config_path = write_demo_files(folder, url, token, kept=kept is not None)
        seed_app_users(url, token, demo_logins(sample_directory()))
        database = folder / "grouppush.db"
        for stale in folder.glob("grouppush.db*"):  # the app starts empty: so does the data
            stale.unlink()
        service = build_service(load_config(config_path), f"sqlite:///{database}")
        service.kept.ensure_read()
        snapshot = service.snapshot()
        print(_banner(config_path, url, len(snapshot.users), len(snapshot.groups), actor,
                      kept is not None), flush=True)
        return run_console(service, actor)
    return 0  # pragma: no cover  (the console's answer is returned above)


def refuse_config(config: str | None) -> str:
    """Why `demo` does not take --config, or "" when none was given."""
    if config is None:
        return ""
    return (f"grouppush demo makes its own grouppush.yml, so it does not read --config "
            f"{config}; `grouppush demo --dir DIR` keeps the demo's world in DIR, and "
            f"`grouppush console --config {config}` runs the console against your config.")
