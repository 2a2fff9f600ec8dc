"""`grouppush config check [--online]`: for people who keep grouppush.yml in git and check
it in their own CI. Exit 0 fine, 1 a part refused to sign in, 2 the files have problems."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from engine.config_check import PartCheck, check_config, check_online, config_warnings

DEFAULT_CONFIG = "grouppush.yml"


def slack_part() -> PartCheck:
    """Slack's auth.test with SLACK_BOT_TOKEN (and SLACK_API_URL), which changes nothing."""
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

    token = os.environ.get("SLACK_BOT_TOKEN")
    if not token:
        return PartCheck("slack", False, "SLACK_BOT_TOKEN is not set (the bot token, xoxb-...)")
    api_url = os.environ.get("SLACK_API_URL")
    client = WebClient(token=token, base_url=api_url.rstrip("/") + "/") if api_url \
        else WebClient(token=token)
    try:
        answer = client.auth_test()
    except SlackApiError as error:
        return PartCheck("slack", False, f"auth.test refused: {error.response.get('error')}")
    except OSError as error:
        return PartCheck("slack", False, f"Slack did not answer auth.test: {error}")
    return PartCheck("slack", True, f"signed in as {answer.get('user')} to {answer.get('team')}")


def config_check(config_path: str | None, online: bool) -> int:
    """Print every problem (exit 2), else with --online each part's answer (exit 1 if any
    refused)."""
    path = Path(config_path or os.environ.get("GROUPPUSH_CONFIG") or DEFAULT_CONFIG)
    checked = check_config(path)
    if checked.problems:
        for problem in checked.problems:
            print(f"✗ {problem}", file=sys.stderr)
        print(f"grouppush: {path}: {len(checked.problems)} problem"
              f"{'s' if len(checked.problems) != 1 else ''}", file=sys.stderr)
        return 2
    assert checked.config is not None
    kind = "directory file" if checked.config.directory.get("type", "file") == "file" \
        else "directory settings"
    print(f"✓ {path}: the configuration and the {kind} are valid")
    for warning in config_warnings(checked.config):
        print(f"! {warning}")
    if not online:
        for app in checked.apps.values():
            app.close()
        return 0
    parts = [*check_online(checked), slack_part()]
    for part in parts:
        print(f"{'✓' if part.ok else '✗'} {part.part}: {part.detail}")
    return 0 if all(part.ok for part in parts) else 1
