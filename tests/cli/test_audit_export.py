"""The audit trail for a SIEM, as an operator runs it: changes and refused attempts, stable
ids export after export, `audit --since --format` in the command grammar."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from tests.workspace import Workspace


def test_refused_attempts_are_audited_and_exported_with_stable_ids(ws: Workspace,
                                                                   tmp_path: Path) -> None:
    ws.config["slack"]["operators"] = ["U0OPS"]
    ws.write()
    assert ws.exec("push Sales to box", as_user="U0OPS").code == 0
    refused = ws.exec("unlink Sales from box --delete", as_user="U0INTRUDER")
    assert refused.code == 1 and "Only operators" in refused.out
    assert ws.exec("push IT to box", as_user="U0OPS").code == 1  # an assignment group
    assert ws.exec("list").code == 0  # reading is not audited

    out = tmp_path / "audit.jsonl"
    first = ws.cli("audit-export", "--output", str(out))
    assert first.code == 0 and "audit events written" in first.err
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(e["actor"], e["action"], e["outcome"]) for e in events] == [
        ("U0OPS", "push", "done"), ("U0INTRUDER", "refused", "refused"),
        ("U0OPS", "refused", "refused")]
    assert events[1]["detail"].startswith("unlink Sales from box --delete: Only operators")
    assert events[2]["detail"].startswith("push IT to box: ")
    assert {e["schema"] for e in events} == {"grouppush.audit.v1"}

    again = ws.cli("audit-export")  # to stdout, a second time: the same ids
    assert [json.loads(line)["id"] for line in again.out.splitlines()] == [
        e["id"] for e in events]

    jsonl = ws.exec("audit --since 1h --format jsonl")
    assert [json.loads(line)["id"] for line in jsonl.out.splitlines()] == [
        e["id"] for e in events]
    rows = list(csv.DictReader(io.StringIO(ws.exec("audit 1 --format csv").out)))
    assert [r["id"] for r in rows] == [events[-1]["id"]]
    bad = ws.cli("audit-export", "--since", "a week")
    assert bad.code == 2 and "use a number and a unit" in bad.err


def test_an_output_in_a_missing_folder_or_a_folder_is_a_sentence_and_leaves_nothing(
        ws: Workspace, tmp_path: Path) -> None:
    assert ws.exec("push Sales to box").code == 0
    missing = ws.cli("audit-export", "--output", str(tmp_path / "nosuch" / "a.jsonl"))
    assert missing.code == 2 and "Traceback" not in missing.err
    assert f"the folder {tmp_path / 'nosuch'} does not exist" in missing.err
    folder = tmp_path / "exports"
    folder.mkdir()
    into_folder = ws.cli("audit-export", "--output", str(folder))
    assert into_folder.code == 2 and "is a folder; name a file in it" in into_folder.err
    assert list(folder.iterdir()) == [] and not list(tmp_path.glob(".exports.*"))


def test_json_lines_are_json_with_control_characters_in_names(ws: Workspace) -> None:
    odd = "Sales\x9b31m\u202eevil\x1b[2J"  # a C1 CSI, a bidi override, an ANSI escape
    refused = ws.exec(f"push {odd} to box")  # refused (no such group), and audited
    assert refused.code != 0
    lines = ws.exec("audit --format jsonl").out.splitlines()
    details = [json.loads(line)["detail"] for line in lines]  # every line parses
    assert any(odd in detail for detail in details), details
    for line in lines:
        assert not any(c in line for c in "\x9b\u202e\x1b"), line  # nothing raw on a terminal
    text = ws.exec("audit").out
    assert "\\x9b" in text and "\x9b" not in text  # text output: escaped for the terminal
