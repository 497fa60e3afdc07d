"""Starting an app: connect first, check the role, hand the terminal over, close the client."""

from __future__ import annotations

import logging

import pytest
from textual.app import App

from consult_assist.errors import ConfigError, ConsultAssistError
from consult_assist.testing import FakeHubClient
from consult_assist.tui.launch import run_app


class StubApp(App[int]):
    """An app that 'runs' without a terminal and records where log records went meanwhile."""

    def __init__(self, code: int | None) -> None:
        super().__init__()
        self.code = code
        self.handlers: list[logging.Handler] = []

    async def run_async(self, **kwargs: object) -> int | None:  # type: ignore[override]
        self.handlers = logging.getLogger().handlers[:]
        return self.code

    @property
    def return_code(self) -> int | None:
        return self.code


async def test_the_app_runs_with_logs_routed_to_it_and_the_client_is_closed() -> None:
    client = FakeHubClient(role="supervisor")
    app = StubApp(3)
    before = logging.getLogger().handlers[:]
    assert await run_app(client, ("supervisor",), app) == 3
    assert [type(h).__name__ for h in app.handlers] == ["TextualHandler"]
    assert logging.getLogger().handlers == before and client.closed


async def test_no_return_code_is_success() -> None:
    assert await run_app(FakeHubClient(), ("handler",), StubApp(None)) == 0


async def test_a_token_of_another_role_is_refused_before_the_app_starts() -> None:
    client = FakeHubClient(name="sato", role="handler")
    app = StubApp(0)
    with pytest.raises(ConfigError, match="sato's, a handler token; this app needs a supervisor"):
        await run_app(client, ("supervisor",), app)
    assert app.handlers == [] and client.closed


async def test_a_failed_connection_is_raised_as_it_is_and_the_client_closed() -> None:
    client = FakeHubClient(connect_error=ConsultAssistError("cannot reach the server"))
    with pytest.raises(ConsultAssistError, match="cannot reach"):
        await run_app(client, ("handler",), StubApp(0))
    assert client.closed
