"""The Push Groups tab's words on the text surfaces: `info` gives the group type, and a group
may be named by its directory id."""

from __future__ import annotations

from tests.workspace import Workspace


def test_info_gives_the_group_type_and_id_names_a_group(ws: Workspace) -> None:
    assert ws.exec("push id:g-sales to box").code == 0
    info = ws.exec("info Sales on box")
    assert info.code == 0
    assert "Group type: directory file group (directory.yml)" in info.out
    assert ws.exec("info id:g-sales on box").out == info.out
    missing = ws.exec("info id:g-nope on box")
    assert missing.code == 1 and "No directory group has the id g-nope." in missing.out
