"""The newcomer's walk: the README's Quick start, then every command the README lists, in the
console and through `grouppush exec --json`, against the demo's world. No answer may hold a
traceback or a zero-width character, and every command an answer suggests must parse."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.console import run_console
from bot.demo import (
    APP,
    demo_logins,
    local_scim_app,
    sample_directory,
    seed_app_users,
    write_demo_files,
)
from bot.views.replies import answer
from engine.bootstrap import build_service
from engine.config import load_config
from engine.executor import run_line
from engine.grammar import UsageError
from engine.operations import Info  # noqa: F401  (registers the operations)
from engine.registry import OPERATIONS, parse

README = Path(__file__).parent.parent.parent / "README.md"
VERBS = [v for v, cls in OPERATIONS.items() if cls.spec.typed]
APPROVER = "console"  # the demo's approver, who may approve its own requests
WALK = [
    "help", "help push", "help unlink", "apps", "search sales", f"push Sales to {APP}",
    f"info Sales on {APP}", "list",
    f"push Marketing to {APP} --no-memberships",
    f"list {APP}", f"rule add proj to {APP} --starts-with Project", f"rule list {APP}",
    f"deactivate Marketing on {APP}", f"activate Marketing on {APP}",
    f"now Sales on {APP}", f"check {APP}", f"ignore Sales on {APP}", f"sync {APP}",
    "repush alice.doe0@acme.test", f"bulk deactivate {APP} Marketing",
    f"unlink Sales from {APP} --delete", "approve {request}",
    f"bulk delete {APP} --all", "deny {request}", "rule remove proj", "audit 5", "check",
    # what a newcomer gets wrong
    "pusj Sales to demo", f"push Salse to {APP}", f"info IT on {APP}", f"push IT to {APP}",
    "unlink Sales from", "audit x", "push",
]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The demo's files and its local SCIM app, as `grouppush demo` makes them."""
    folder = tmp_path_factory.mktemp("demo")
    token = "walk-token-not-a-secret"
    with pytest.MonkeyPatch.context() as env, local_scim_app(token) as url:
        env.setenv("GROUPPUSH_DEMO_TOKEN", token)
        config = write_demo_files(folder, url, token)
        seed_app_users(url, token, demo_logins(sample_directory()))
        yield config


def suggested(text: str) -> list[str]:
    """The commands an answer suggests: its code spans that start with a command word (a
    command word alone, as in "`unlink` needs a group", names the command)."""
    spans = re.findall(r"`([^`\n]+)`", text)
    return [s for s in spans if s.split()[0].lower() in {v.split()[0] for v in VERBS}
            and s.lower() not in VERBS]


def assert_readable(command: str, text: str) -> None:
    assert "Traceback" not in text, (command, text)
    assert not re.search("[\u200b\u200c\u200d\u2060\ufeff]", text), (command, text)
    for hint in suggested(text):
        try:
            parse(hint)
        except UsageError as error:
            raise AssertionError(f"{command!r} suggests `{hint}`, which does not parse: "
                                 f"{error}") from None


def request_id(text: str) -> str:
    found = re.findall(r"`approve (\w+)`", text)
    return found[-1] if found else "NONE"


def test_the_readme_lists_every_command_and_its_quick_start_is_walked() -> None:
    readme = README.read_text()
    commands = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    for verb in VERBS:
        assert re.search(rf"(^|\s){verb}( |$)", commands, re.M), verb
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    tried = [s for s in re.findall(r"`([^`]+)`", quick.replace("\n", " "))
             if s.split()[0] in {v.split()[0] for v in VERBS}]
    assert tried and all(t in WALK for t in tried), tried


def test_the_walk_in_the_console(demo: Path, tmp_path: Path) -> None:
    service = build_service(load_config(demo), f"sqlite:///{tmp_path / 'console.db'}")
    out = io.StringIO()
    request = "NONE"
    for command in WALK:
        line = command.format(request=request)
        before = out.tell()
        run_console(service, APPROVER, io.StringIO(line + "\n"), out)
        text = out.getvalue()[before:]
        assert_readable(line, text)
        if line.startswith("help "):  # one command: its usage, its flags, an example
            verb = line.split()[1]
            shown = "\n" + text.split("> ", 1)[-1]
            assert f"\nUsage: {verb} GROUP " in shown and "--dry-run" in shown, text
            assert re.search(rf"^Examples:\n  {verb} \S", text, re.M), text
        reply = run_line(service, line, APPROVER)  # what Slack would show of it
        shown = json.dumps(answer(reply), ensure_ascii=False)
        for span in re.findall(r"`([^`\n]+)`", shown):
            assert "\u200b" not in span, (line, span)
        request = request_id(text) if "approve " in text else request


def test_the_walk_with_exec_json(demo: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'exec.db'}")
    request = "NONE"
    for command in WALK:
        line = command.format(request=request)
        code = main(["--config", str(demo), "exec", line, "--json", "--as", APPROVER])
        captured = capsys.readouterr()
        assert_readable(line, captured.out + captured.err)
        result = json.loads(captured.out)
        assert (code == 2) == (result["status"] == "usage"), (line, result)
        if line in ("pusj Sales to demo", "unlink Sales from", "audit x", "push"):
            assert code == 2, (line, result)
        else:
            assert code != 2, (line, result)
        request = request_id(result["text"]) if "approve " in result["text"] else request


def test_every_troubleshooting_hint_suggests_commands_that_parse() -> None:
    from connectors.errors import DIRECTORY_HINTS, HINTS
    from engine.words import concrete, gone_from_directory

    for kind, hint in {**HINTS, **{f"okta {k}": v for k, v in DIRECTORY_HINTS.items()}}.items():
        assert_readable(kind, concrete(hint, "Sales Team", APP))
    assert_readable("gone", gone_from_directory('The "A" Team', APP))
    assert len(suggested(gone_from_directory("Sales", APP))) == 2
