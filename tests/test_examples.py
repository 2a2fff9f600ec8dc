"""The example configs in examples/ load as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import Directory
from connectors.directory_file import FileDirectory
from connectors.registry import build_app, build_directory
from engine.config import load_config

EXAMPLES = Path(__file__).parent.parent / "examples"


@pytest.mark.parametrize("name", ["grouppush.scim.yml", "grouppush.okta-enterprise.yml"])
def test_example_configs_load_and_build(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BOX_SCIM_TOKEN", "OKTA_API_TOKEN", "AD_PASSWORD", "M365_SECRET",
                "BOX_SECRET", "OKTA_HOOK_SECRET"):
        monkeypatch.setenv(var, "x")
    monkeypatch.setenv("OKTA_HOOK_SECRET", "x" * 32)
    config = load_config(EXAMPLES / name)
    assert isinstance(build_directory(config.directory, config.base_dir), Directory)
    for app_name, options in config.apps.items():
        app = build_app(app_name, options, directory=config.directory)
        assert app.name == app_name
        app.close()


def test_example_directory_parses() -> None:
    snapshot = FileDirectory(EXAMPLES / "directory.yml").snapshot()
    sales = snapshot.group_named("Sales")
    assert sales is not None
    assert snapshot.active_logins(sales) == {"alice@acme.test", "bob@acme.test"}
