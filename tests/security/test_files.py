"""A directory path that is not a directory file is never quoted; the SQLite file is private."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.workspace import Workspace

SHADOW = "root:$6$Zq9SECRETHASHxyz:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


@pytest.mark.parametrize("content", [
    SHADOW,
    "root:x:0:0:root:/root:/bin/bash\n",
    "-----BEGIN PRIVATE KEY-----\nMIIEvSECRETHASHxyz\n",
    '"SECRETHASHxyz\n',
])
def test_a_path_to_another_file_is_refused_without_quoting_it(ws: Workspace, tmp_path: Path,
                                                             content: str) -> None:
    other = tmp_path / "shadow"
    other.write_text(content)
    ws.config["directory"]["path"] = str(other)
    ws.write()
    result = ws.exec("push Sales to box")
    assert result.code == 1
    assert str(other) in result.out
    for piece in ("SECRETHASH", "daemon", "/bin/bash", "PRIVATE"):
        assert piece not in result.out + result.err
    assert ws.app.groups() == {}


def test_a_binary_file_or_a_folder_as_directory_path_is_named_not_a_crash(
        ws: Workspace, tmp_path: Path) -> None:
    binary = tmp_path / "blob"
    binary.write_bytes(b"\xff\xfeSECRETHASH\x00")
    ws.config["directory"]["path"] = str(binary)
    ws.write()
    result = ws.exec("push Sales to box")
    assert result.code == 1 and "not UTF-8 text" in result.out, result.out + result.err
    assert "SECRETHASH" not in result.out + result.err
    ws.config["directory"]["path"] = str(tmp_path)  # a bad config: refused at start
    ws.write()
    result = ws.exec("push Sales to box")
    assert result.code == 2 and "`directory.path`" in result.err
    assert "is a folder, not a file" in result.err


def test_the_sqlite_database_is_created_readable_by_its_owner_only(ws: Workspace) -> None:
    assert ws.exec("push Sales to box").code == 0
    database = ws.folder / "grouppush.db"
    for file in (database, database.with_name("grouppush.db-wal")):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600, file
