"""A DATABASE_URL grouppush cannot use is one sentence naming what to write, never a traceback."""

from __future__ import annotations

import sys

import pytest

from bot.cli import main
from tests.workspace import Workspace


def run(ws: Workspace, url: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(SystemExit) as stopped:
        main(["--config", str(ws.config_path), "exec", "list"])
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return int(stopped.value.code or 0), err


@pytest.mark.parametrize(("url", "code", "says"), [
    ("mysql://x", 2, "SQLite or PostgreSQL, not mysql"),
    ("nonsense", 2, "not a database URL"),
    ("postgresql+psycopg2://u@localhost/x", 2, "postgresql+psycopg://"),
    ("sqlite:////nonexistent/dir/x.db", 1, "does its folder exist"),
    ("postgresql+psycopg://u:hunter2pw@127.0.0.1:1/x", 1, "cannot reach the database"),
])
def test_a_bad_database_url_says_what_to_write(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        url: str, code: int, says: str) -> None:
    exit_code, err = run(ws, url, monkeypatch, capsys)
    assert exit_code == code and says in err
    assert "hunter2pw" not in err


def test_postgresql_without_its_driver_names_the_extra_to_install(
        ws: Workspace, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    exit_code, err = run(ws, "postgresql+psycopg://u@127.0.0.1:1/x", monkeypatch, capsys)
    assert exit_code == 2 and "pip install 'grouppush[postgres]'" in err


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://"])
def test_the_short_postgres_schemes_reach_postgresql_through_psycopg(
        ws: Workspace, postgres_url: str, scheme: str) -> None:
    ws.database = scheme + postgres_url.split("://", 1)[1]
    assert ws.exec("push Sales to box").code == 0
    listed = ws.exec("list")
    assert listed.code == 0 and "Sales" in listed.out, listed.out + listed.err
