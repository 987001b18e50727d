"""docker-compose.yml cannot run here (no Docker engine): check it says what the code expects."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench import config
from workbench.localstack import install, service

ROOT = Path(__file__).parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def published(ports: list[str]) -> list[tuple[str, int, int]]:
    out = []
    for entry in ports:
        host, host_port, container_port = entry.rsplit(":", 2)
        out.append((host, int(host_port), int(container_port)))
    return out


def test_localstack_is_the_pinned_community_image_on_loopback() -> None:
    localstack = COMPOSE["services"]["localstack"]
    assert localstack["image"] == f"localstack/localstack:{install.VERSION}"
    assert published(localstack["ports"]) == [("127.0.0.1", service.DEFAULT_PORT, 4566)]
    assert set(localstack["environment"]["SERVICES"].split(",")) >= {
        "s3", "lambda", "apigateway", "logs"}


def test_workbench_serves_the_dev_server_on_loopback_and_reaches_localstack(
        monkeypatch: pytest.MonkeyPatch) -> None:
    workbench = COMPOSE["services"]["workbench"]
    environment = workbench["environment"]
    for name, value in environment.items():
        monkeypatch.setenv(name, str(value))
    settings = config.settings()  # the variables are ones the workbench really reads
    assert (settings.host, settings.port) == ("0.0.0.0", config.Settings().port)
    assert published(workbench["ports"]) == [("127.0.0.1", settings.port, settings.port)]
    assert environment["AWS_ENDPOINT_URL"] == f"http://localstack:{service.DEFAULT_PORT}"
    assert workbench["depends_on"] == ["localstack"]


def test_the_image_builds_the_project_the_way_make_does() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert workbench_build_context() == "."
    assert "FROM python:3.11" in dockerfile and "make venv" in dockerfile
    assert '"serve"' in dockerfile and "models build" in dockerfile


def workbench_build_context() -> str:
    return str(COMPOSE["services"]["workbench"]["build"])
