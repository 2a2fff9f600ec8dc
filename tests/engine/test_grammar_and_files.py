"""The grammar, grouppush.yml and directory.yml: bad input gets a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.directory_file import FileDirectory, parse_directory
from connectors.errors import ConfigError, DirectoryError
from engine.config import load_config
from engine.core import Operation
from engine.grammar import UsageError
from engine.operations import Approve as ApproveOp
from engine.operations import (
    Audit,
    BulkDeactivate,
    BulkDelete,
    Check,
    PushGroup,
    PushNow,
    RuleAdd,
    Search,
    Sync,
    Unlink,
)
from engine.registry import OPERATIONS, from_dict, parse


@pytest.mark.parametrize(
    ("text", "operation"),
    [
        ("push Sales to box", PushGroup("Sales", "box")),
        ('push "Sales Team" to box --no-memberships', PushGroup("Sales Team", "box", False)),
        ("push Back to School to box", PushGroup("Back to School", "box")),
        ("push Sales to box --dry-run", PushGroup("Sales", "box", dry_run=True)),
        ("unlink Sales from box --delete", Unlink("Sales", "box", delete=True)),
        ("now Sales on ad", PushNow("Sales", "ad")),
        ("rule add eng to box --regex '^Eng'", RuleAdd("eng", "box", "regex", "^Eng")),
        ("bulk delete box Sales 'Sales Ops'", BulkDelete("box", ("Sales", "Sales Ops"))),
        ("bulk deactivate box --all", BulkDeactivate("box", everything=True)),
        ("audit", Audit()),
        ("audit 5 --since 7d --format jsonl", Audit(5, "7d", "jsonl")),
        ("audit 5", Audit(5)),
        ("check", Check()),
        ("sync box", Sync("box")),
        ("approve k7q2xm", ApproveOp("k7q2xm")),
        ("search sales ops", Search("sales ops")),
    ],
)
def test_parse(text: str, operation: Operation) -> None:
    assert parse(text) == operation
    assert parse(operation.line()) == operation  # the line shown reads back the same
    assert from_dict(operation.to_dict()) == operation  # as stored with a request


def test_every_typed_operation_reads_back_its_own_line() -> None:
    for verb, cls in OPERATIONS.items():
        assert cls.spec.verb == verb
        assert cls.spec.usage.startswith(verb)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Type a command"),
        ("psh Sales to box", "Did you mean `push Sales to box`?"),
        ("push Sales box", "Usage: push GROUP to APP"),
        ("push Sales to box --no-memberhips", "Did you mean --no-memberships?"),
        ("unlink Sales from box --keep --delete", "exactly one of --keep"),
        ("rule add x to box", "--starts-with"),
        ("bulk delete box", "bulk"),
        ("bulk delete box Sales --all", "not both"),
        ("audit many", "number"),
        ("audit --since 7 days", "use a number and a unit: 90s, 30m, 12h, 7d or 2w"),
        ("audit --format json", "--format takes text, jsonl, csv, not `json`. Did you mean jsonl?"),
        ("audit --since", "`--since` needs a value"),
        ("info Sales on box --dry-run", "takes no --dry-run"),
        ("rule", "`rule` takes add, list, remove"),
        ("info 'Sales on box", "quote"),
    ],
)
def test_parse_errors(text: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        parse(text)
    assert message in str(info.value)


def test_directory_file_errors_name_the_line_and_key() -> None:
    with pytest.raises(DirectoryError, match=r"line 3: user u2 has no `login`"):
        parse_directory("users:\n  - {id: u1, login: a@x}\n  - {id: u2}\ngroups: []\n")
    with pytest.raises(DirectoryError, match=r"line 4: group g1 lists member u9"):
        parse_directory("users:\n  - {id: u1, login: a@x}\ngroups:\n  - {id: g1, name: S, "
                        "members: [u9]}\n")
    with pytest.raises(DirectoryError, match=r"unknown status 'ACTIV'"):
        parse_directory("users:\n  - {id: u1, login: a@x, status: ACTIV}\n")
    with pytest.raises(DirectoryError, match="unknown key `grups`"):
        parse_directory("users: []\ngrups: []\n")
    with pytest.raises(DirectoryError, match="not valid YAML"):
        parse_directory("users: [\n")


def test_directory_file_is_reread_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "directory.yml"
    path.write_text("users:\n  - {id: u1, login: a@x}\ngroups:\n  - {id: g1, name: Sales}\n")
    directory = FileDirectory(path)
    assert [g.name for g in directory.snapshot().groups.values()] == ["Sales"]
    path.write_text("users:\n  - {id: u1, login: a@x}\ngroups:\n  - {id: g1, name: Sales}\n"
                    "  - {id: g2, name: Sales Ops}\n")
    assert len(directory.snapshot().groups) == 2
    assert [g.name for g in directory.search_groups("ops")] == ["Sales Ops"]


def test_config_errors_name_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "grouppush.yml"
    path.write_text("directory: {type: file, path: d.yml}\napps:\n  box: {type: scim, url: u, "
                    "token: '${NOPE_TOKEN}'}\n")
    monkeypatch.delenv("NOPE_TOKEN", raising=False)
    with pytest.raises(ConfigError, match=r"apps.box.token.*NOPE_TOKEN is not set"):
        load_config(path)
    path.write_text("directory: {type: file, path: d.yml}\nslack: {approver: [U1]}\n")
    with pytest.raises(ConfigError, match=r"slack.approver.*did you mean approvers"):
        load_config(path)
    path.write_text("directory: {type: file, path: d.yml}\nschedule: {sync_seconds: soon}\n")
    with pytest.raises(ConfigError, match=r"schedule.sync_seconds"):
        load_config(path)
    path.write_text("directory: {type: file, path: d.yml}\nschedule: {full_read_seconds: 0}\n")
    with pytest.raises(ConfigError, match=r"schedule.full_read_seconds"):
        load_config(path)
    path.write_text("directory: {type: file, path: d.yml}\nslak: {}\n")
    with pytest.raises(ConfigError, match=r"did you mean slack"):
        load_config(path)


def test_secrets_from_the_environment_are_expanded(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BOX_SCIM_TOKEN", "s3cret")
    (tmp_path / "d.yml").write_text("users: []\ngroups: []\n")
    path = tmp_path / "grouppush.yml"
    path.write_text("directory: {type: file, path: d.yml}\napps:\n  box: {type: scim, url: u, "
                    "token: '${BOX_SCIM_TOKEN}'}\n")
    assert load_config(path).apps["box"]["token"] == "s3cret"


def test_a_changed_directory_file_is_parsed_once_by_concurrent_readers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    import connectors.directory_file as module

    path = tmp_path / "directory.yml"
    path.write_text("users:\n  - {id: u1, login: a@x}\ngroups:\n  - {id: g1, name: Sales}\n")
    parses = []
    real = module.parse_directory

    def counting(text: str, where: str = "") -> object:
        parses.append(where)
        return real(text, where)

    monkeypatch.setattr(module, "parse_directory", counting)
    directory = FileDirectory(path)
    barrier = threading.Barrier(8)

    def read() -> None:
        barrier.wait()
        directory.snapshot()

    threads = [threading.Thread(target=read) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(parses) == 1


def test_every_typed_change_has_a_dry_run() -> None:
    from engine.core import Kind
    from engine.registry import PREVIEWS, every_handler

    handlers = every_handler()  # each operation's handled_in registers its handler
    for cls in OPERATIONS.values():
        assert handlers[cls].__module__ == cls.spec.handled_in, cls.spec.verb
        if cls.spec.typed and cls.spec.kind in (Kind.CHANGE, Kind.APPROVAL):
            assert cls in PREVIEWS, f"`{cls.spec.verb} --dry-run` must print the plan"
