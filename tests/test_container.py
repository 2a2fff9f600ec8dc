"""The container files: hadolint passes the Dockerfile, and both files keep their essentials
(CI builds the image only where a container engine runs; see .ci/run)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def hadolint() -> str:
    found = shutil.which("hadolint") or os.path.join(os.path.dirname(sys.executable), "hadolint")
    assert os.path.exists(found), "hadolint is missing: pip install -e '.[test]' brings it"
    return found


def test_hadolint_passes_the_dockerfile() -> None:
    result = subprocess.run([hadolint(), "--failure-threshold", "info", "Dockerfile"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_would_catch_a_root_image(tmp_path: Path) -> None:
    bad = (ROOT / "Dockerfile").read_text().replace("USER 10001", "USER root")
    (tmp_path / "Dockerfile").write_text(bad)
    result = subprocess.run([hadolint(), str(tmp_path / "Dockerfile")], capture_output=True,
                            text=True)
    assert result.returncode != 0 and "DL3002" in result.stdout


def test_the_image_is_slim_non_root_runs_grouppush_and_checks_healthz() -> None:
    text = (ROOT / "Dockerfile").read_text()
    bases = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert bases and all(re.fullmatch(r"python:3\.1[1-9]-slim", b) for b in bases), bases
    [user] = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user not in ("root", "0")
    assert re.search(r'^ENTRYPOINT \["grouppush"\]$', text, re.MULTILINE)
    assert re.search(r'^CMD \["run",', text, re.MULTILINE)
    healthcheck = text[text.index("HEALTHCHECK"):].split("\n\n")[0]
    assert 'CMD ["python", "-m", "bot.healthcheck"]' in healthcheck
    for package in ("bot", "engine", "connectors", "storage", "telemetry"):
        assert f"COPY {package} ./{package}" in text  # every package setuptools installs


def test_compose_runs_grouppush_on_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert "healthcheck" in services["postgres"]
    app = services["grouppush"]
    assert app["build"] == "."
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    # a password with @ : / # would break the URL: it goes as PGPASSWORD instead
    assert "POSTGRES_PASSWORD" not in app["environment"]["DATABASE_URL"]
    assert app["environment"]["PGPASSWORD"] == "${POSTGRES_PASSWORD}"
    assert "@postgres:5432/" in app["environment"]["DATABASE_URL"]
    assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(port.endswith(":3000") for port in app["ports"])


@pytest.mark.parametrize(("argv", "env", "port"), [
    (["grouppush", "run", "--host", "0.0.0.0", "--port", "3000"], {}, 3000),
    (["grouppush", "run", "--host", "0.0.0.0", "--port", "8080"], {}, 8080),
    (["grouppush", "run", "--port=9090"], {}, 9090),
    (["grouppush", "run", "--port", "8080"], {"SLACK_APP_TOKEN": "x",
                                              "GROUPPUSH_HEALTH_PORT": "9100"}, 9100),
    (["grouppush", "run", "--health-port", "9200"], {"SLACK_APP_TOKEN": "x"}, 9200),
])
def test_the_healthcheck_probes_the_port_run_was_given(argv: list[str], env: dict[str, str],
                                                        port: int) -> None:
    from bot.healthcheck import health_port

    assert health_port(argv, env) == port

