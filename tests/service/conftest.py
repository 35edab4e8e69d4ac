"""Fixtures for the service area: a moto server over HTTP, settings in a scratch home, a service."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from sdga.adapters.aws import reset_clients
from sdga.config import Settings
from sdga.service import SyntheticDataService


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """moto in server mode on a free loopback port: the adapters talk real HTTP to it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws_env(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Fake credentials and the moto endpoint in the environment (as AWS_ENDPOINT_URL)."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    reset_clients()
    yield moto_endpoint
    reset_clients()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", background_threshold=0)


@pytest.fixture
def service(settings: Settings) -> SyntheticDataService:
    return SyntheticDataService(settings)


SCHEMA = {
    "name": "customers",
    "fields": [
        {"name": "customer_id", "type": "uuid", "constraints": {"unique": True}, "primary_key": True},
        {"name": "email", "type": "email", "constraints": {"unique": True}},
        {"name": "age", "type": "integer", "constraints": {"min": 18, "max": 90}},
        {"name": "signup", "type": "date", "constraints": {"min": "2020-01-01", "max": "2024-12-31"}},
    ],
}

MULTI_SCHEMA = {
    "tables": [
        {
            "name": "users",
            "fields": [
                {
                    "name": "user_id",
                    "type": "integer",
                    "constraints": {"unique": True, "min": 1, "max": 10_000_000},
                    "primary_key": True,
                },
                {"name": "email", "type": "email", "constraints": {"unique": True}},
            ],
        },
        {
            "name": "orders",
            "fields": [
                {"name": "order_id", "type": "uuid", "constraints": {"unique": True}, "primary_key": True},
                {"name": "user_id", "type": "reference", "references": "users.user_id"},
                {"name": "amount", "type": "float", "constraints": {"min": 1, "max": 500, "precision": 2}},
            ],
        },
    ]
}
