"""``consult-assist handler|supervisor``: options, env fallbacks and one-sentence errors."""

from __future__ import annotations

import argparse

import pytest

from consult_assist import cli
from consult_assist.errors import AuthError, ConfigError, ConsultAssistError
from consult_assist.testing import FakeHubClient
from consult_assist.tui import commands


def ns(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**kw)


def test_server_and_token_from_options_then_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONSULT_ASSIST_SERVER", "ws://env:8765/")
    monkeypatch.setenv("CONSULT_ASSIST_TOKEN", "ca_env")
    assert commands.server_and_token(ns(server="", token="")) == ("ws://env:8765/", "ca_env")
    assert commands.server_and_token(ns(server="wss://a/", token="t")) == ("wss://a/", "t")


def test_missing_or_bad_server_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_ASSIST_SERVER", raising=False)
    monkeypatch.delenv("CONSULT_ASSIST_TOKEN", raising=False)
    with pytest.raises(ConfigError, match="pass --server"):
        commands.server_and_token(ns(server="", token="t"))
    with pytest.raises(ConfigError, match="pass --token"):
        commands.server_and_token(ns(server="ws://a/", token=""))
    with pytest.raises(ConfigError, match="ws:// or wss://"):
        commands.server_and_token(ns(server="http://a/", token="t"))


def test_parser_has_both_apps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSULT_ASSIST_SERVER", raising=False)
    args = cli.build_parser().parse_args(
        ["handler", "--server", "ws://h:1/", "--token", "t", "--speed", "2"]
    )
    assert (args.command, args.server, args.token, args.speed) == ("handler", "ws://h:1/", "t", 2)
    args = cli.build_parser().parse_args(["supervisor", "--token", "s"])
    assert (args.command, args.server, args.token) == ("supervisor", "", "s")


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (ConsultAssistError("cannot reach the server at ws://h:1/: refused"), "cannot reach"),
        (AuthError("the server at ws://h:1/ refused the token"), "refused the token"),
    ],
)
@pytest.mark.parametrize("app", ["handler", "supervisor"])
def test_unreachable_server_or_wrong_token_is_one_line_on_stderr(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    app: str,
    error: ConsultAssistError,
    shown: str,
) -> None:
    client = FakeHubClient(role="supervisor", connect_error=error)
    monkeypatch.setattr(commands, "make_client", lambda server, token: client)
    rc = cli.main([app, "--server", "ws://h:1/", "--token", "t"])
    err = capsys.readouterr().err
    assert rc == 1
    assert err.startswith("consult-assist: error: ") and shown in err
    assert len(err.strip().splitlines()) == 1
    assert client.closed


def test_a_handler_token_cannot_open_the_supervisor_app(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client = FakeHubClient(name="sato", role="handler")
    monkeypatch.setattr(commands, "make_client", lambda server, token: client)
    rc = cli.main(["supervisor", "--server", "ws://h:1/", "--token", "t"])
    err = capsys.readouterr().err
    assert rc == 1 and "sato's, a handler token" in err and "supervisor token" in err
