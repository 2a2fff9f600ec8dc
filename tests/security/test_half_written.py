"""A directory file read while it is being written: read once it stopped changing."""

from __future__ import annotations

import threading
import time

import yaml

from tests.workspace import Workspace

PEOPLE = [f"p{i:02d}" for i in range(30)]


def test_a_sync_during_a_slow_write_waits_for_the_whole_file(ws: Workspace) -> None:
    for person in PEOPLE:
        ws.add_user(person)
    ws.add_group("g-big", "Big", PEOPLE)
    ws.config["directory"]["settle_seconds"] = 1
    ws.write()
    assert ws.exec("push Big to box").code == 0
    whole = yaml.safe_dump({"users": ws.users, "groups": ws.groups,
                            "assignments": ws.assignments}, sort_keys=False)
    cut = whole.index("  - p20\n")  # a line break inside Big's member list: valid YAML
    path = ws.folder / "directory.yml"

    def writer() -> None:
        with path.open("w") as file:
            file.write(whole[:cut])
            file.flush()
            time.sleep(0.6)  # an editor or a script writing a big file in pieces
            file.write(whole[cut:])

    thread = threading.Thread(target=writer)
    thread.start()
    time.sleep(0.2)
    result = ws.exec("sync box")
    thread.join()
    assert result.code == 0, result.out
    assert "0 removed" in result.out, result.out
    assert len(ws.app.member_logins("Big")) == 30


def test_settle_seconds_must_be_a_number(ws: Workspace) -> None:
    ws.config["directory"]["settle_seconds"] = "soon"
    ws.write()
    result = ws.exec("list")
    assert result.code != 0
    assert "directory.settle_seconds" in result.out + result.err
