"""`grouppush config check [--online]`: every problem at once, each naming its key; online,
each part signed in to without changing anything."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from tests.servers import ScimTenant
from tests.slack.standin import BOT_TOKEN, SlackStandIn


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    return code, out.getvalue(), err.getvalue()


def write(folder: Path, config: dict[str, Any], directory: str | None = None) -> Path:
    if directory is not None:
        (folder / "directory.yml").write_text(directory)
    path = folder / "grouppush.yml"
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def slack() -> Iterator[SlackStandIn]:
    standin = SlackStandIn()
    yield standin
    standin.stop()


DIRECTORY = ("users:\n  - {id: u1, login: a@acme.test, status: ACTIVE}\n"
             "groups:\n  - {id: g1, name: Sales, members: [u1]}\n")


def good(tenant: ScimTenant) -> dict[str, Any]:
    return {"directory": {"type": "file", "path": "directory.yml"},
            "apps": {"box": {"type": "scim", "url": tenant.url, "token": tenant.token}}}


def test_a_bad_config_is_refused_with_every_problem_at_once(tmp_path: Path) -> None:
    os.environ.pop("GP_MISSING_ONE", None)
    os.environ.pop("GP_MISSING_TWO", None)
    path = write(tmp_path, {
        "directory": {"type": "file", "path": "nowhere.yml"},
        "apps": {"box": {"type": "scim", "url": "http://127.0.0.1:9/v2",
                         "token": "${GP_MISSING_ONE}", "tokn": "x"},
                 "m365": {"type": "microsoft356"},
                 "ad": {"type": "active_directory", "url": "ldap://dc", "user": "u",
                        "password": "${GP_MISSING_TWO}", "groups_ou": "OU=P,DC=a,DC=test",
                        "verify_tls": "yes"}},
        "slack": {"approvers": "U1", "approval_ttl_minutes": 0},
        "schedule": {"sync_seconds": 0, "drift_check_seconds": -5, "lease_seconds": 10},
        "safety": {"max_removal_share": 1.5},
        "alerts": {},
    })
    code, out, err = run("--config", str(path), "config", "check")
    assert code == 2 and out == ""
    for key, words in [
        ("alerts", "unknown key"),
        ("apps.box.token", "environment variable GP_MISSING_ONE is not set"),
        ("apps.ad.password", "environment variable GP_MISSING_TWO is not set"),
        ("apps.box.tokn", "did you mean token?"),
        ("apps.m365.type", "did you mean microsoft365?"),
        ("apps.ad.verify_tls", "must be bool"),
        ("slack.approvers", "must be list"),
        ("slack.approval_ttl_minutes", "must be a positive number"),
        ("schedule.sync_seconds", "must be more than 0"),
        ("schedule.drift_check_seconds", "must be more than 0"),
        ("safety.max_removal_share", "within (0, 1]"),
        ("directory.path", "nowhere.yml does not exist"),
    ]:
        assert any(f"`{key}`" in line and words in line for line in err.splitlines()), \
            f"{key}: {words!r} not in\n{err}"
    assert "13 problems" in err or "12 problems" in err


def test_the_same_checks_stop_every_command_at_start(tmp_path: Path,
                                                     scim_tenant: ScimTenant) -> None:
    config = good(scim_tenant)
    config["schedule"] = {"sync_seconds": 0}
    config["apps"]["box"]["token"] = "${GP_NOT_SET_AT_ALL}"
    path = write(tmp_path, config, DIRECTORY)
    code, out, err = run("--config", str(path), "exec", "list")
    assert code == 2
    assert "`schedule.sync_seconds`: must be more than 0" in err
    assert "`apps.box.token`: environment variable GP_NOT_SET_AT_ALL is not set" in err
    assert not (tmp_path / "grouppush.db").exists()  # nothing started


def test_a_directory_file_problem_names_the_place(tmp_path: Path,
                                                  scim_tenant: ScimTenant) -> None:
    path = write(tmp_path, good(scim_tenant),
                 DIRECTORY + "  - {id: g2, name: IT, members: [u-nobody]}\n")
    code, _, err = run("--config", str(path), "config", "check")
    assert code == 2
    assert "`directory.path`" in err and "u-nobody" in err


def test_a_good_config_passes_and_online_signs_in_to_each_part(
        tmp_path: Path, scim_tenant: ScimTenant, slack: SlackStandIn,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = good(scim_tenant)
    path = write(tmp_path, config, DIRECTORY)
    code, out, err = run("--config", str(path), "config", "check")
    assert (code, err) == (0, "") and "valid" in out

    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    code, out, _ = run("--config", str(path), "config", "check", "--online")
    assert code == 0, out
    assert "✓ directory" in out and "✓ apps.box" in out
    assert "✓ slack: signed in as grouppush to Acme" in out
    assert scim_tenant.groups() == {}  # changed nothing

    config["apps"]["wiki"] = {"type": "scim", "url": scim_tenant.url, "token": "wrong-token"}
    path = write(tmp_path, config)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    code, out, _ = run("--config", str(path), "config", "check", "--online")
    assert code == 1
    assert "✓ apps.box" in out
    assert "✗ apps.wiki" in out and "401" in out and "wrong-token" not in out
    assert "✗ slack: auth.test refused: invalid_auth" in out


def test_an_unknown_key_does_not_hide_the_value_checks_of_its_section(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    config = good(scim_tenant)
    config["schedule"] = {"sync_seconds": 0, "sync_minutes": 5, "drift_check_seconds": -1}
    config["safety"] = {"max_removal_share": 1.5}
    code, out, err = run("--config", str(write(tmp_path, config, DIRECTORY)), "config", "check")
    said = out + err
    assert code == 2
    for key in ("schedule.sync_minutes", "schedule.sync_seconds",
                "schedule.drift_check_seconds", "safety.max_removal_share"):
        assert f"`{key}`" in said, (key, said)


def test_the_okta_example_with_its_variables_unset_names_only_the_variables(
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OKTA_API_TOKEN", "OKTA_HOOK_SECRET", "AD_PASSWORD", "M365_SECRET",
                 "BOX_SECRET"):
        monkeypatch.delenv(name, raising=False)
    example = Path(__file__).parents[2] / "examples" / "grouppush.okta-enterprise.yml"
    code, out, err = run("--config", str(example), "config", "check")
    said = out + err
    assert code == 2
    assert "`directory.token`: environment variable OKTA_API_TOKEN is not set" in said
    assert "`apps.m365.client_secret`: environment variable M365_SECRET is not set" in said
    assert "not both or neither" not in said and "is required" not in said, said


def test_online_check_lists_what_the_protected_patterns_protect_in_each_app(
        tmp_path: Path, scim_tenant: ScimTenant) -> None:
    scim_tenant.create_group("Admins")
    config = good(scim_tenant)
    config["safety"] = {"protected_groups": ["Admins", "Finance", "AWS-*"]}
    path = write(tmp_path, config, DIRECTORY)
    code, out, _ = run("--config", str(path), "config", "check", "--online")
    assert "✓ apps.box" in out, out
    assert "protects Admins, any group named like 'AWS-*'" in out  # Finance: not in the app
    assert set(scim_tenant.groups()) == {"Admins"}  # changed nothing
